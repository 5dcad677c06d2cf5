"""The lots that count towards the targets (``ObjectifLot``), rewritten from what they copy.

A lot's row is rewritten from the lot, its clause and its marché whenever one of them changes, for every lot the
statement touched (from its transition tables: one rewrite per statement, not per row). Before rewriting, the
lots are locked (``FOR NO KEY UPDATE``, in id order): two transactions changing the same lot's clause and its
marché, say, rewrite its row one after the other, the second after the first's commit and from what it
committed, so the row never keeps a value that one of them did not see.
"""

from __future__ import annotations

import pgtrigger
from django.db.models import Model

from clauses.models import ClauseInsertion
from marches.models import STATUTS_AVEC_OBJECTIF, Lot, Marche
from reporting.cumuls.sql import Table, declencheur, valeurs_sql
from reporting.models.cumuls import ObjectifLot

L, M, C, OL = Table(Lot), Table(Marche), Table(ClauseInsertion), Table(ObjectifLot)


def _lots_qui_comptent(condition: str) -> str:
    """The rows of the lots that count: awarded marché, execution dates, a target."""
    cible = f"COALESCE(c.{C.heures_forcees}, c.{C.heures_calculees})"
    return f"""
    SELECT l.id, m.{M.donneur_d_ordre}, l.{L.marche}, l.{L.date_debut}, l.{L.date_fin}, {cible}
    FROM {L} l
    JOIN {M} m ON m.id = l.{L.marche}
    JOIN {C} c ON c.{C.lot} = l.id
    WHERE {condition} AND m.{M.statut} IN {valeurs_sql(STATUTS_AVEC_OBJECTIF)}
      AND l.{L.date_debut} IS NOT NULL AND l.{L.date_fin} IS NOT NULL AND {cible} IS NOT NULL
"""


COLONNES = (OL.lot, OL.donneur_d_ordre, OL.marche, OL.date_debut, OL.date_fin, OL.cible)


def _reecrire(lots: str) -> str:
    """Rewrites the rows of the lots that ``lots`` selects (one column), the lots locked first."""
    return f"""lots := ARRAY(SELECT DISTINCT x.id FROM ({lots}) AS x (id));
    PERFORM 1 FROM {L} WHERE id = ANY(lots) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM {OL} WHERE {OL.lot} = ANY(lots);
    INSERT INTO {OL} ({", ".join(COLONNES)})
    {_lots_qui_comptent("l.id = ANY(lots)")}
    ORDER BY l.id;"""


def _tout_reecrire() -> str:
    return f"""DELETE FROM {OL};
    INSERT INTO {OL} ({", ".join(COLONNES)})
    {_lots_qui_comptent("TRUE")};"""


def declencheurs() -> dict[type[Model], list[pgtrigger.Trigger]]:
    lots = [("lots", "bigint[]")]
    return {
        Lot: [
            declencheur("objectifs_insert", "insert", _reecrire("SELECT id FROM nouvelles"), lots),
            declencheur(
                "objectifs_update",
                "update",
                _reecrire(
                    f"""SELECT n.id FROM anciennes o JOIN nouvelles n ON n.id = o.id
           WHERE (o.{L.marche}, o.{L.date_debut}, o.{L.date_fin})
                 IS DISTINCT FROM (n.{L.marche}, n.{L.date_debut}, n.{L.date_fin})"""
                ),
                lots,
            ),
            # A deleted lot takes its row (its clause's deletion, by cascade, finds no lot left to rewrite).
            declencheur(
                "objectifs_delete", "delete", f"DELETE FROM {OL} WHERE {OL.lot} IN (SELECT id FROM anciennes);"
            ),
            declencheur("objectifs_vidage", "truncate", _tout_reecrire()),
        ],
        ClauseInsertion: [
            declencheur("objectifs_insert", "insert", _reecrire(f"SELECT {C.lot} FROM nouvelles"), lots),
            declencheur(
                "objectifs_update",
                "update",
                _reecrire(
                    f"""SELECT v.lot_id FROM anciennes o JOIN nouvelles n ON n.id = o.id
           CROSS JOIN LATERAL (VALUES (o.{C.lot}), (n.{C.lot})) AS v (lot_id)
           WHERE (o.{C.lot}, o.{C.heures_forcees}, o.{C.heures_calculees})
                 IS DISTINCT FROM (n.{C.lot}, n.{C.heures_forcees}, n.{C.heures_calculees})"""
                ),
                lots,
            ),
            declencheur("objectifs_delete", "delete", _reecrire(f"SELECT {C.lot} FROM anciennes"), lots),
            declencheur("objectifs_vidage", "truncate", _tout_reecrire()),
        ],
        Marche: [
            declencheur(
                "objectifs_update",
                "update",
                _reecrire(
                    f"""SELECT l.id FROM anciennes o JOIN nouvelles n ON n.id = o.id JOIN {L} l ON l.{L.marche} = n.id
           WHERE (o.{M.statut}, o.{M.donneur_d_ordre}) IS DISTINCT FROM (n.{M.statut}, n.{M.donneur_d_ordre})"""
                ),
                lots,
            ),
            declencheur("objectifs_vidage", "truncate", _tout_reecrire()),
        ],
    }


def reconstructions() -> dict[type[Model], tuple[list[str], str]]:
    return {ObjectifLot: (list(COLONNES), _lots_qui_comptent("TRUE"))}
