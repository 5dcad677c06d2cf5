"""Rebuild the derived figures from what they count, and check them against it.

``reconstruire`` recomputes every derived table from scratch (``DELETE`` then ``INSERT … SELECT … GROUP BY``, the
SELECTs of ``reporting.cumuls``' families) in one transaction, the watched tables locked against writes (SHARE)
until it commits: the figures are exact when it returns, and no write can slip between the recount and the
commit. Readers go on reading the old figures until then. For a restore of data only, or a ``loaddata``: the
triggers count what is inserted, so run it afterwards (``manage.py rebuild_cumuls``).

``ecarts`` compares every derived table with the same SELECTs in one SQL statement, hence one snapshot even on a
database being written to (no false drift from two reads at different moments), and returns at most ``limite``
rows of each difference: the database compares, Python reads a few rows.
"""

from __future__ import annotations

import pgtrigger
from django.db import connection, transaction
from django.db.models import Model

from reporting.cumuls import FAMILLES, contrats, heures, objectifs
from reporting.cumuls.criteres import CRITERES_DES_PARTICIPANTS
from reporting.cumuls.sql import Table

# The tables whose writes move a figure: locked (SHARE) while a rebuild recounts.
SURVEILLEES = (
    heures.H,
    heures.P,
    heures.A,
    heures.L,
    heures.M,
    objectifs.C,
    contrats.S,
    Table(CRITERES_DES_PARTICIPANTS),
)


def _reconstructions() -> list[tuple[type[Model], list[str], str]]:
    return [
        (modele, colonnes, select)
        for famille in FAMILLES
        for modele, (colonnes, select) in famille.reconstructions().items()
    ]


def reconstruire() -> dict[str, int]:
    """Rebuilds every derived table; the number of rows of each, by model name."""
    lignes = {}
    with transaction.atomic(), pgtrigger.ignore(), connection.cursor() as curseur:
        curseur.execute(f"LOCK TABLE {', '.join(str(t) for t in SURVEILLEES)} IN SHARE MODE")
        for modele, colonnes, select in _reconstructions():
            table = modele._meta.db_table
            curseur.execute(f"DELETE FROM {table}")
            curseur.execute(f"INSERT INTO {table} ({', '.join(colonnes)}) {select}")
            lignes[modele.__name__] = curseur.rowcount
    return lignes


def ecarts(limite: int = 20) -> dict[str, dict[str, list[str]]]:
    """The derived tables that differ from their recount: per model name, the rows only in the table (``en_trop``)
    and only in the recount (``manquantes``), at most ``limite`` of each, as text. Empty when every one is exact."""
    ctes, parties, params = [], [], []
    for i, (modele, colonnes, select) in enumerate(_reconstructions()):
        tenues = f"SELECT {', '.join(colonnes)} FROM {modele._meta.db_table}"
        ctes.append(f"r{i} AS MATERIALIZED ({select})")
        for sens, gauche, droite in (
            ("en_trop", tenues, f"SELECT * FROM r{i}"),
            ("manquantes", f"SELECT * FROM r{i}", tenues),
        ):
            parties.append(
                f"(SELECT %s, %s, x::text FROM (({gauche}) EXCEPT ({droite})) AS x ORDER BY 3 LIMIT {int(limite)})"
            )
            params += [modele.__name__, sens]
    resultat: dict[str, dict[str, list[str]]] = {}
    with connection.cursor() as curseur:
        curseur.execute(f"WITH {', '.join(ctes)} {' UNION ALL '.join(parties)}", params)
        for nom, sens, ligne in curseur.fetchall():
            resultat.setdefault(nom, {"en_trop": [], "manquantes": []})[sens].append(ligne)
    return resultat
