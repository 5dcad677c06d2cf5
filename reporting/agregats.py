"""The territory's figures from the running totals of the hours (``reporting.models.cumuls``: ``CumulMensuel`` and the
tables beside it), the lots' targets (``ObjectifLot``), the people of a year by criterion (``CritereAnnuel``) and the
contracts and outcomes by day (``ContratJournalier``, ``ContratTerritoire``, ``SortieJournaliere``), all kept exact
by PostgreSQL triggers (``reporting.cumuls``; ``manage.py verifier_cumuls`` checks them, ``rebuild_cumuls``
rebuilds them).

Each reader answers ``None`` when the totals cannot answer exactly — a scope finer than a donneur d'ordre, the
whole territory's people over a period that is not a calendar year — and the caller then computes from the
hours.
"""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from clauses.models import CritereEligibilite
from conventions.models import Convention
from reporting.models import (
    ContratJournalier,
    ContratTerritoire,
    CritereAnnuel,
    CumulLot,
    CumulMensuel,
    CumulTerritoire,
    MarcheAnnuel,
    PersonneAnnuelle,
    PresenceMensuelle,
    SortieJournaliere,
)

ZERO = Decimal("0")


def _cle_de_portee(portee: dict) -> tuple[str, int] | None:
    """What the totals can be scoped by: ``("territoire", 0)``, ``("donneur", pk)`` or ``("convention", pk)``
    (a convention's figures are its donneur d'ordre's, indicateurs.VERS_PORTEE); None for a scope finer than a
    donneur d'ordre, which the totals do not carry."""
    donnees = {cle: getattr(valeur, "pk", valeur) for cle, valeur in portee.items() if valeur is not None}
    if not donnees:
        return "territoire", 0
    if len(donnees) != 1:
        return None
    ((cle, valeur),) = donnees.items()
    return (cle, valeur) if cle in ("donneur", "convention") else None


def _filtre_donneur(portee: dict) -> Q | None:
    """The filter of ``portee`` on a total carrying the donneur d'ordre (``Q()`` for the territory), or None."""
    cle = _cle_de_portee(portee)
    if cle is None:
        return None
    return {
        "territoire": Q(),
        "donneur": Q(donneur_d_ordre=cle[1]),
        "convention": Q(donneur_d_ordre__conventions=cle[1]),
    }[cle[0]]


def annee_entiere(debut: dt.date, fin: dt.date) -> int | None:
    """The year when the period covers exactly its months (``indicateurs.portee._heures`` reads whole months)."""
    if (debut.month, debut.year) == (1, fin.year) and fin.month == 12:
        return debut.year
    return None


def _mensuels(debut: dt.date, fin: dt.date, portee: dict) -> QuerySet | None:
    filtre = _filtre_donneur(portee)
    if filtre is None:
        return None
    table = CumulTerritoire.objects.all() if filtre == Q() else CumulMensuel.objects.filter(filtre)
    return table.filter(mois__gte=debut.replace(day=1), mois__lte=fin)


def heures(debut: dt.date, fin: dt.date, portee: dict) -> Decimal | None:
    mensuels = _mensuels(debut, fin, portee)
    if mensuels is None:
        return None
    return mensuels.aggregate(total=Sum("heures"))["total"] or ZERO


def heures_par_mois(debut: dt.date, fin: dt.date, portee: dict) -> dict[dt.date, Decimal] | None:
    mensuels = _mensuels(debut, fin, portee)
    if mensuels is None:
        return None
    return {r["mois"]: r["total"] for r in mensuels.values("mois").annotate(total=Sum("heures")).order_by("mois")}


def heures_par_modalite(debut: dt.date, fin: dt.date, portee: dict) -> list[tuple[str, Decimal]] | None:
    """Hours by modality, largest first then by code, modalities without hours left out."""
    mensuels = _mensuels(debut, fin, portee)
    if mensuels is None:
        return None
    lignes = mensuels.values("modalite").annotate(total=Sum("heures")).filter(total__gt=0)
    return [(r["modalite"], r["total"]) for r in lignes.order_by("-total", "modalite")]


# --- People and marchés, with the hours: one query each ------------------------------------------------------

TERRITOIRE: tuple[str, list] = ("", [])


def _portee_sql(portee: dict) -> tuple[str, list] | None:
    """``_filtre_donneur`` as SQL on a total's ``donneur_d_ordre_id``: TERRITOIRE, (condition, params) or None."""
    cle = _cle_de_portee(portee)
    if cle is None:
        return None
    if cle[0] == "territoire":
        return TERRITOIRE
    if cle[0] == "donneur":
        return "donneur_d_ordre_id = %s", [cle[1]]
    return f"donneur_d_ordre_id = (SELECT donneur_d_ordre_id FROM {Convention._meta.db_table} WHERE id = %s)", [cle[1]]


def _sql_synthese(debut: dt.date, fin: dt.date, portee: dict) -> tuple[str, list] | None:
    """One row (heures, personnes, marches) of the period and scope. The territory's people and marchés are counted
    by calendar year only (``PersonneAnnuelle``, ``MarcheAnnuel``); a donneur d'ordre's over any months."""
    portee_sql = _portee_sql(portee)
    if portee_sql is None:
        return None
    mois = [debut.replace(day=1), fin]
    if portee_sql == TERRITOIRE:
        annee = annee_entiere(debut, fin)
        if annee is None:
            return None
        return (
            f"SELECT (SELECT COALESCE(SUM(heures), 0) FROM {CumulTerritoire._meta.db_table} "
            "WHERE mois BETWEEN %s AND %s) AS heures, "
            f"(SELECT COUNT(*) FROM {PersonneAnnuelle._meta.db_table} WHERE annee = %s) AS personnes, "
            f"(SELECT COUNT(*) FROM {MarcheAnnuel._meta.db_table} WHERE annee = %s) AS marches",
            [*mois, annee, annee],
        )
    condition, params = portee_sql
    return (
        f"SELECT (SELECT COALESCE(SUM(heures), 0) FROM {CumulMensuel._meta.db_table} "
        f"WHERE {condition} AND mois BETWEEN %s AND %s) AS heures, p.personnes, p.marches "
        "FROM (SELECT COUNT(DISTINCT participant_id) AS personnes, COUNT(DISTINCT marche_id) AS marches "
        f"FROM {PresenceMensuelle._meta.db_table} WHERE {condition} AND mois BETWEEN %s AND %s) AS p",
        [*params, *mois, *params, *mois],
    )


def synthese(debut: dt.date, fin: dt.date, portee: dict) -> tuple[Decimal, int, int] | None:
    """The hours, distinct people and distinct marchés with hours of the period (``indicateurs.synthese_heures``)."""
    requete = _sql_synthese(debut, fin, portee)
    if requete is None:
        return None
    with connection.cursor() as curseur:
        curseur.execute(*requete)
        return curseur.fetchone()


def population(debut: dt.date, fin: dt.date, portee: dict) -> tuple[list[int] | QuerySet, tuple] | None:
    """The people with hours in the period and ``synthese``, in one query: a donneur d'ordre's people as a sorted
    list of ids (a few thousand at most, read once for the breakdowns that follow), the territory's as a
    subquery (a list would hold most people)."""
    requete = _sql_synthese(debut, fin, portee)
    portee_sql = _portee_sql(portee)
    if requete is None or portee_sql is None:
        return None
    if portee_sql == TERRITOIRE:
        annee, chiffres = annee_entiere(debut, fin), synthese(debut, fin, portee)
        if annee is None or chiffres is None:  # not on the territory: _sql_synthese answered
            return None
        return PersonneAnnuelle.objects.filter(annee=annee).values("participant"), chiffres
    sql, params = requete
    condition, params_portee = portee_sql
    with connection.cursor() as curseur:
        curseur.execute(
            f"SELECT s.heures, s.personnes, s.marches, x.participant_id FROM ({sql}) AS s "
            f"LEFT JOIN (SELECT DISTINCT participant_id FROM {PresenceMensuelle._meta.db_table} "
            f"WHERE {condition} AND mois BETWEEN %s AND %s) AS x ON true ORDER BY x.participant_id",
            [*params, *params_portee, debut.replace(day=1), fin],
        )
        lignes = curseur.fetchall()
    return [ligne[3] for ligne in lignes if ligne[3] is not None], lignes[0][:3]


def personnes_par_critere(debut: dt.date, fin: dt.date, portee: dict) -> list[tuple] | None:
    """The territory's people of a calendar year by eligibility criterion (``CritereAnnuel``): rows of (code,
    libellé, ordre, people), code, libellé and ordre None for the people without any criterion. None for any other
    scope or period."""
    annee = annee_entiere(debut, fin)
    if _portee_sql(portee) != TERRITOIRE or annee is None:
        return None
    with connection.cursor() as curseur:
        curseur.execute(
            f"SELECT c.code, c.libelle, c.ordre, t.personnes FROM {CritereAnnuel._meta.db_table} t "
            f"LEFT JOIN {CritereEligibilite._meta.db_table} c ON c.id = t.critere WHERE t.annee = %s",
            [annee],
        )
        return curseur.fetchall()


def contrats_par_type(periodes: dict[str, tuple[dt.date, dt.date]], portee: dict) -> list[dict] | None:
    """Placements started in each period by type of contract, as rows {"type_contrat", "n_0", "n_1"…} (one count
    per period, in their order), from the counts by day: the territory's or a donneur d'ordre's, over any days.
    None for a finer scope."""
    portee_sql = _portee_sql(portee)
    if portee_sql is None:
        return None
    condition, params = portee_sql
    if portee_sql == TERRITOIRE:
        table, condition = ContratTerritoire._meta.db_table, "TRUE"
    else:
        table = ContratJournalier._meta.db_table
    comptes = ", ".join(
        f"COALESCE(SUM(contrats) FILTER (WHERE jour BETWEEN %s AND %s), 0) AS n_{i}" for i in range(len(periodes))
    )
    bornes = [borne for periode in periodes.values() for borne in periode]
    with connection.cursor() as curseur:
        curseur.execute(
            f"SELECT type_contrat, {comptes} FROM {table} WHERE {condition} AND jour BETWEEN %s AND %s "
            "GROUP BY type_contrat",
            [*bornes, *params, min(d for d, _ in periodes.values()), max(f for _, f in periodes.values())],
        )
        noms = [colonne.name for colonne in curseur.description]
        return [dict(zip(noms, ligne, strict=True)) for ligne in curseur.fetchall()]


def contrats_et_sorties(debut: dt.date, fin: dt.date, portee: dict) -> tuple[dict, dict] | None:
    """A donneur d'ordre's placements started in the period by type of contract, and end-of-placement outcomes
    noted in it by situation, from the counts by day, in one query. None for the territory or a finer scope."""
    portee_sql = _portee_sql(portee)
    if portee_sql is None or portee_sql == TERRITOIRE:
        return None
    condition, params = portee_sql
    with connection.cursor() as curseur:
        curseur.execute(
            f"SELECT 'contrat', type_contrat, SUM(contrats) FROM {ContratJournalier._meta.db_table} "
            f"WHERE {condition} AND jour BETWEEN %s AND %s GROUP BY type_contrat "
            "UNION ALL "
            f"SELECT 'sortie', situation, SUM(sorties) FROM {SortieJournaliere._meta.db_table} "
            f"WHERE {condition} AND jour BETWEEN %s AND %s GROUP BY situation",
            [*params, debut, fin, *params, debut, fin],
        )
        lignes = curseur.fetchall()
    return (
        {code: n for genre, code, n in lignes if genre == "contrat"},
        {code: n for genre, code, n in lignes if genre == "sortie"},
    )


def heures_du_marche():
    """A marché's hours, all months (``OuterRef("pk")``), as the sum of its lots' running totals."""
    totaux = CumulLot.objects.filter(lot__marche=OuterRef("pk")).order_by().values("lot__marche")
    return Coalesce(
        Subquery(totaux.annotate(total=Sum("heures")).values("total")[:1]),
        Value(ZERO),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


# A lot's hours to date: its running total (CumulLot, all months) less the few hours already entered for months
# after the day (read from the index on the month). ``{jour}`` is the day's parameter, ``{lots}`` the lots'
# subquery; the late-lots alert (reporting.alertes) and the portal read it.
SQL_HEURES_DES_LOTS_A_DATE = """
    SELECT c.lot_id, c.heures - COALESCE(x.heures, 0) AS heures
    FROM reporting_cumullot c
    LEFT JOIN (
        SELECT a.lot_id, SUM(h.heures) AS heures
        FROM clauses_heuresmensuelles h
        JOIN clauses_placement p ON p.id = h.placement_id
        JOIN marches_attribution a ON a.id = p.attribution_id
        WHERE h.mois > {jour}
        GROUP BY a.lot_id
    ) x ON x.lot_id = c.lot_id
    WHERE c.lot_id IN ({lots})
"""


def heures_des_lots_a_date(lots: QuerySet, jour: dt.date) -> dict[int, Decimal]:
    """The hours of each lot of ``lots`` for the months up to ``jour`` (``SQL_HEURES_DES_LOTS_A_DATE``), in one
    query."""
    sql_lots, params_lots = lots.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as curseur:
        curseur.execute(SQL_HEURES_DES_LOTS_A_DATE.format(jour="%s", lots=sql_lots), [jour, *params_lots])
        return dict(curseur.fetchall())


def participants(debut: dt.date, fin: dt.date, portee: dict) -> list[int] | QuerySet | None:
    """The ids of the people with hours in the period (see ``population``), in one query."""
    portee_sql = _portee_sql(portee)
    if portee_sql is None:
        return None
    premier = debut.replace(day=1)
    if portee_sql == TERRITOIRE:
        annee = annee_entiere(debut, fin)
        return PersonneAnnuelle.objects.filter(annee=annee).values("participant") if annee else None
    condition, params = portee_sql
    with connection.cursor() as curseur:
        curseur.execute(
            f"SELECT DISTINCT participant_id FROM {PresenceMensuelle._meta.db_table} "
            f"WHERE {condition} AND mois BETWEEN %s AND %s ORDER BY participant_id",
            [*params, premier, fin],
        )
        return [ligne[0] for ligne in curseur.fetchall()]
