"""Personal data protection of the participants: retention and purge, and the rights of the people.

- ``relations``: every row that belongs to a person, found from the models' relations (and the audit log for rows
  deleted since);
- ``anonymisation``: what becomes of each field when a person is anonymised, the birth date generalised without
  changing any age band a figure counts, the audit log cleaned; the erasure a facilitator records;
- ``conservation``: each person's term, who is due and who is coming up, decisions to keep longer, the daily purge
  (queued by ``reporting.tasks.purger_donnees_personnelles``, which claims the day's row so that it runs once);
- ``acces``: the access export of everything held about one person, as a PDF for them and as JSON;
- ``modeles``: its own models (why a person was anonymised, the decisions to keep longer), registered by
  ``clauses.models``.

The documents of ``reporting`` follow through the signal ``anonymisation.participants_anonymises`` and the hook
``anonymisation.declarer_fins_publiees`` (``reporting.protection``): clauses never imports reporting.
docs/donnees-personnelles.md says what is kept, for how long and why.
"""
