"""The contracts started and the outcomes noted by day (``ContratJournalier``, ``ContratTerritoire``,
``SortieJournaliere``), kept as the hours' totals are (``reporting.cumuls.heures``).

Every change is applied as signed rows (+1 what now counts, -1 what no longer does), grouped and added to each
count by one upsert per table and statement, in key order. A placement counts under its donneur d'ordre on its
start day and type of contract; an end-of-placement outcome (``MomentSortie.FIN_PARCOURS``) under its placement's
donneur d'ordre on the day it was noted, by situation. A link that moves (a placement to another attribution, an
attribution to another lot, a lot to another marché, a marché to another donneur d'ordre) takes its rows from the
old donneur d'ordre to the new, after waiting for the transactions writing placements or outcomes (SHARE lock),
so that none counted under the old link commits behind the move.
"""

from __future__ import annotations

import pgtrigger
from django.db.models import Model

from clauses.models import MomentSortie, Placement, Sortie
from marches.models import Attribution, Lot, Marche
from reporting.cumuls.sql import Table, ajouter_aux_cumuls, declencheur, valeurs_sql
from reporting.models.cumuls import ContratJournalier, ContratTerritoire, SortieJournaliere

P, S, A, L, M = Table(Placement), Table(Sortie), Table(Attribution), Table(Lot), Table(Marche)
CJ, CT, SJ = Table(ContratJournalier), Table(ContratTerritoire), Table(SortieJournaliere)
FIN = valeurs_sql([MomentSortie.FIN_PARCOURS])


def _sources() -> dict[str, dict]:
    """Each source: its model, what a row counts under (its delta's columns), which rows count, the counts it
    feeds (model, key: field → expression over the signed rows, summed field), the join from a delta to the
    donneur d'ordre, and the links that can move its rows (column, join from the moved rows, and the donneur
    d'ordre when it is the moved column itself)."""
    return {
        "contrats": {
            "modele": Placement,
            "colonnes": (P.attribution, P.date_debut, P.type_contrat),
            "condition": lambda alias: "TRUE",
            "cumuls": [
                (
                    ContratJournalier,
                    {"donneur_d_ordre": "donneur", "jour": "jour", "type_contrat": "valeur"},
                    "contrats",
                ),
                (ContratTerritoire, {"jour": "jour", "type_contrat": "valeur"}, "contrats"),
            ],
            "depuis": lambda delta: (
                f"""
            FROM ({delta}) AS d (attribution_id, jour, valeur, signe)
            JOIN {A} a ON a.id = d.attribution_id
            JOIN {L} l ON l.id = a.{A.lot}
            JOIN {M} m ON m.id = l.{L.marche}
        """
            ),
            "liens": {
                Attribution: (
                    A.lot,
                    lambda deplaces: (
                        f"""FROM ({deplaces}) AS x
                JOIN {P} p ON p.{P.attribution} = x.id
                JOIN {L} l ON l.id = x.{A.lot}
                JOIN {M} m ON m.id = l.{L.marche}"""
                    ),
                ),
                Lot: (
                    L.marche,
                    lambda deplaces: (
                        f"""FROM ({deplaces}) AS x
                JOIN {A} a ON a.{A.lot} = x.id
                JOIN {P} p ON p.{P.attribution} = a.id
                JOIN {M} m ON m.id = x.{L.marche}"""
                    ),
                ),
                Marche: (
                    M.donneur_d_ordre,
                    lambda deplaces: (
                        f"""FROM ({deplaces}) AS x
                JOIN {L} l ON l.{L.marche} = x.id
                JOIN {A} a ON a.{A.lot} = l.id
                JOIN {P} p ON p.{P.attribution} = a.id"""
                    ),
                    f"x.{M.donneur_d_ordre}",
                ),
            },
            # What a moved link's row counts under: the placement's start and type.
            "ligne_deplacee": (f"p.{P.date_debut}", f"p.{P.type_contrat}"),
        },
        "sorties": {
            "modele": Sortie,
            "colonnes": (S.placement, S.date_constat, S.situation),
            "condition": lambda alias: f"{alias}{S.moment} IN {FIN}",
            "cumuls": [
                (SortieJournaliere, {"donneur_d_ordre": "donneur", "jour": "jour", "situation": "valeur"}, "sorties"),
            ],
            "depuis": lambda delta: (
                f"""
            FROM ({delta}) AS d (placement_id, jour, valeur, signe)
            JOIN {P} p ON p.id = d.placement_id
            JOIN {A} a ON a.id = p.{P.attribution}
            JOIN {L} l ON l.id = a.{A.lot}
            JOIN {M} m ON m.id = l.{L.marche}
        """
            ),
            "liens": {
                Placement: (
                    P.attribution,
                    lambda deplaces: (
                        f"""FROM ({deplaces}) AS x
                JOIN {S} s ON s.{S.placement} = x.id AND s.{S.moment} IN {FIN}
                JOIN {A} a ON a.id = x.{P.attribution}
                JOIN {L} l ON l.id = a.{A.lot}
                JOIN {M} m ON m.id = l.{L.marche}"""
                    ),
                ),
                Attribution: (
                    A.lot,
                    lambda deplaces: (
                        f"""FROM ({deplaces}) AS x
                JOIN {P} p ON p.{P.attribution} = x.id
                JOIN {S} s ON s.{S.placement} = p.id AND s.{S.moment} IN {FIN}
                JOIN {L} l ON l.id = x.{A.lot}
                JOIN {M} m ON m.id = l.{L.marche}"""
                    ),
                ),
                Lot: (
                    L.marche,
                    lambda deplaces: (
                        f"""FROM ({deplaces}) AS x
                JOIN {A} a ON a.{A.lot} = x.id
                JOIN {P} p ON p.{P.attribution} = a.id
                JOIN {S} s ON s.{S.placement} = p.id AND s.{S.moment} IN {FIN}
                JOIN {M} m ON m.id = x.{L.marche}"""
                    ),
                ),
                Marche: (
                    M.donneur_d_ordre,
                    lambda deplaces: (
                        f"""FROM ({deplaces}) AS x
                JOIN {L} l ON l.{L.marche} = x.id
                JOIN {A} a ON a.{A.lot} = l.id
                JOIN {P} p ON p.{P.attribution} = a.id
                JOIN {S} s ON s.{S.placement} = p.id AND s.{S.moment} IN {FIN}"""
                    ),
                    f"x.{M.donneur_d_ordre}",
                ),
            },
            "ligne_deplacee": (f"s.{S.date_constat}", f"s.{S.situation}"),
        },
    }


def _deltas(source: dict) -> dict[str, str]:
    """The rows a write to the source's table adds (+1) or takes away (-1), as (first column, day, value, sign)."""
    colonnes, condition = source["colonnes"], source["condition"]
    anciennes = ", ".join(f"o.{c}" for c in colonnes)
    nouvelles = ", ".join(f"n.{c}" for c in colonnes)
    return {
        "insert": f"SELECT {', '.join(colonnes)}, 1 FROM nouvelles WHERE {condition('')}",
        "delete": f"SELECT {', '.join(colonnes)}, -1 FROM anciennes WHERE {condition('')}",
        "update": f"""SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES ({anciennes}, CASE WHEN {condition("o.")} THEN -1 ELSE 0 END),
                                       ({nouvelles}, CASE WHEN {condition("n.")} THEN 1 ELSE 0 END))
                AS v (a, b, c, signe)
            WHERE v.signe <> 0
              AND ({anciennes}, {condition("o.")}) IS DISTINCT FROM ({nouvelles}, {condition("n.")})""",
    }


def _lignes(depuis: str, signe: str, jour: str, valeur: str, donneur: str | None = None) -> str:
    donneur = donneur or f"m.{M.donneur_d_ordre}"
    return f"SELECT {donneur} AS donneur, {jour} AS jour, {valeur} AS valeur, {signe} AS signe {depuis}"


def _sommes(cumuls: list) -> list:
    """The counts as ``ajouter_aux_cumuls`` takes them: each one's column summing the signs."""
    return [(modele, cle, {somme: "SUM(signe)"}) for modele, cle, somme in cumuls]


def _deplaces(colonne: str) -> str:
    return f"""
        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.id, o.{colonne}, -1), (n.id, n.{colonne}, 1)) AS v (id, {colonne}, signe)
        WHERE o.{colonne} IS DISTINCT FROM n.{colonne}
    """


def _toutes_les_lignes(source: dict) -> str:
    delta = f"SELECT {', '.join(source['colonnes'])}, 1 FROM {Table(source['modele'])} WHERE {source['condition']('')}"
    return _lignes(source["depuis"](delta), "d.signe", "d.jour", "d.valeur")


def _tout_recompter(source: dict) -> str:
    vidage = " ".join(f"DELETE FROM {Table(modele)};" for modele, _, _ in source["cumuls"])
    return vidage + "\n    " + ajouter_aux_cumuls(_sommes(source["cumuls"]), _toutes_les_lignes(source))


def declencheurs() -> dict[type[Model], list[pgtrigger.Trigger]]:
    triggers: dict[type[Model], list[pgtrigger.Trigger]] = {}
    for nom, source in _sources().items():
        propres = triggers.setdefault(source["modele"], [])
        for operation, delta in _deltas(source).items():
            lignes = _lignes(source["depuis"](delta), "d.signe", "d.jour", "d.valeur")
            propres.append(
                declencheur(f"{nom}_{operation}", operation, ajouter_aux_cumuls(_sommes(source["cumuls"]), lignes))
            )
        jour, valeur = source["ligne_deplacee"]
        propres.append(declencheur(f"{nom}_vidage", "truncate", _tout_recompter(source)))
        for modele, (colonne, depuis, *donneur) in source["liens"].items():
            lignes = _lignes(depuis(_deplaces(colonne)), "x.signe", jour, valeur, *donneur)
            corps = f"""IF EXISTS (
        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE o.{colonne} IS DISTINCT FROM n.{colonne}
    ) THEN
    LOCK TABLE {Table(source["modele"])} IN SHARE MODE;
    {ajouter_aux_cumuls(_sommes(source["cumuls"]), lignes)}
    END IF;"""
            triggers.setdefault(modele, []).extend(
                [
                    declencheur(f"{nom}_lien", "update", corps),
                    declencheur(f"{nom}_vidage", "truncate", _tout_recompter(source)),
                ]
            )
    return triggers


def reconstructions() -> dict[type[Model], tuple[list[str], str]]:
    resultat: dict[type[Model], tuple[list[str], str]] = {}
    for source in _sources().values():
        for modele, cle, somme in source["cumuls"]:
            t = Table(modele)
            groupes = ", ".join(cle.values())
            resultat[modele] = (
                [getattr(t, champ) for champ in (*cle, somme)],
                f"SELECT {groupes}, SUM(signe) FROM ({_toutes_les_lignes(source)}) AS lignes GROUP BY {groupes} "
                "HAVING SUM(signe) <> 0",
            )
    return resultat
