"""The PostgreSQL triggers that keep reporting's derived figures exact, and the queries that rebuild them.

Each module builds, from the models' own table and column names and from the Python enums, the statement-level
triggers of one family of figures (``declencheurs()``: source model → triggers) and the query that computes the
same figures from scratch (``reconstructions()``: derived model → SELECT):

- ``heures``: the running totals of the hours (``CumulMensuel``, ``CumulTerritoire``, ``CumulLot``,
  ``PresenceMensuelle``, ``PersonneAnnuelle``, ``MarcheAnnuel``);
- ``objectifs``: the lots that count towards the targets (``ObjectifLot``);
- ``criteres``: the people of a year by eligibility criterion (``CritereAnnuel``);
- ``contrats``: the contracts started and the end-of-placement outcomes by day (``ContratJournalier``,
  ``ContratTerritoire``, ``SortieJournaliere``).

The triggers are declared on proxy models (``reporting.models.sources``) through django-pgtrigger, so that
``makemigrations`` writes a migration whenever a trigger's SQL changes (a renamed column, a new rule) and
``makemigrations --check`` fails in CI until it is written. ``reconstruction`` rebuilds and checks every table.
"""

from reporting.cumuls import contrats, criteres, heures, objectifs

# In the order a rebuild follows: the people by criterion are counted from the people of the year, which the
# hours' totals hold.
FAMILLES = (heures, objectifs, criteres, contrats)
