"""The running totals of the hours (``CumulMensuel`` and the tables beside it, ``reporting.models.cumuls``).

Every change is applied as signed rows: +1 for what now counts, -1 for what no longer does, grouped and added to
each total by one upsert per table and statement (from the statement's transition tables: a 5,000-row insert
costs one join, not 5,000). Hours written, rewritten or deleted count under the links of the moment; a link that
moves (a placement to another attribution, person or modality; an attribution to another lot; a lot to another
marché; a marché to another donneur d'ordre) takes its hours away from the old side and gives them to the new.
Before that, the move waits for the transactions writing hours to finish (SHARE lock on the hours), so no hours
counted under the old link can commit behind it. The upserts go in key order, so two statements adding to the
same totals queue rather than deadlock.
"""

from __future__ import annotations

import pgtrigger
from django.db.models import Model

from clauses.models import HeuresMensuelles, Placement
from marches.models import Attribution, Lot, Marche
from reporting.cumuls.sql import Table, ajouter_aux_cumuls, declencheur
from reporting.models.cumuls import (
    CumulLot,
    CumulMensuel,
    CumulTerritoire,
    MarcheAnnuel,
    PersonneAnnuelle,
    PresenceMensuelle,
)

H, P, A, L, M = Table(HeuresMensuelles), Table(Placement), Table(Attribution), Table(Lot), Table(Marche)

# Each total: its model, its key (field → expression over the signed rows) and its sums (field → expression); a
# row whose last sum (its count of rows) falls to 0 counts nothing any more and goes.
LIGNES_ET_HEURES = {"heures": "SUM(heures)", "lignes": "SUM(signe)"}
CUMULS = [
    (CumulMensuel, {"donneur_d_ordre": "donneur", "mois": "mois", "modalite": "modalite"}, LIGNES_ET_HEURES),
    (CumulTerritoire, {"mois": "mois", "modalite": "modalite"}, LIGNES_ET_HEURES),
    (CumulLot, {"lot": "lot"}, LIGNES_ET_HEURES),
    (
        PresenceMensuelle,
        {"donneur_d_ordre": "donneur", "mois": "mois", "marche": "marche", "participant": "participant"},
        {"lignes_positives": "SUM(positifs)"},
    ),
    (PersonneAnnuelle, {"annee": "annee", "participant": "participant"}, {"mois_positifs": "SUM(positifs)"}),
    (MarcheAnnuel, {"annee": "annee", "marche": "marche"}, {"mois_positifs": "SUM(positifs)"}),
]


def _lignes(depuis: str, **expressions: str) -> str:
    """The signed rows: one per monthly-hours row, with what it counts under and its sign."""
    e = {
        "donneur": f"m.{M.donneur_d_ordre}",
        "marche": f"l.{L.marche}",
        "lot": f"a.{A.lot}",
        "participant": f"p.{P.participant}",
        "modalite": f"p.{P.modalite}",
        "signe": "h.signe",
    } | expressions
    return f"""
    SELECT {e["donneur"]} AS donneur, {e["marche"]} AS marche, {e["lot"]} AS lot, {e["participant"]} AS participant,
           {e["modalite"]} AS modalite, h.mois, EXTRACT(YEAR FROM h.mois)::int AS annee,
           {e["signe"]} * h.heures AS heures, CASE WHEN h.heures > 0 THEN {e["signe"]} ELSE 0 END AS positifs,
           {e["signe"]} AS signe
    {depuis}
"""


def _depuis_les_heures(delta: str) -> str:
    return f"""
    FROM ({delta}) AS h (placement_id, mois, heures, signe)
    JOIN {P} p ON p.id = h.placement_id
    JOIN {A} a ON a.id = p.{P.attribution}
    JOIN {L} l ON l.id = a.{A.lot}
    JOIN {M} m ON m.id = l.{L.marche}
"""


def _deltas() -> dict[str, str]:
    colonnes = f"{H.placement}, {H.mois}, {H.heures}"
    anciennes = f"o.{H.placement}, o.{H.mois}, o.{H.heures}"
    nouvelles = f"n.{H.placement}, n.{H.mois}, n.{H.heures}"
    return {
        "insert": f"SELECT {colonnes}, 1 FROM nouvelles",
        "delete": f"SELECT {colonnes}, -1 FROM anciennes",
        # Only the rows whose counted values changed: a save that rewrites the same hours adds nothing.
        "update": f"""
        SELECT v.placement_id, v.mois, v.heures, v.signe
        FROM anciennes o JOIN nouvelles n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES ({anciennes}, -1), ({nouvelles}, 1)) AS v (placement_id, mois, heures, signe)
        WHERE ({anciennes}) IS DISTINCT FROM ({nouvelles})
        """,
    }


def _deplaces(colonnes: tuple[str, ...]) -> str:
    """A moved link: its old values with -1, its new values with +1, for the rows whose link changed."""
    anciennes = ", ".join(f"o.{c}" for c in colonnes)
    nouvelles = ", ".join(f"n.{c}" for c in colonnes)
    noms = ", ".join(colonnes)
    return f"""
        SELECT v.* FROM anciennes o JOIN nouvelles n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.id, {anciennes}, -1), (n.id, {nouvelles}, 1)) AS v (id, {noms}, signe)
        WHERE ({anciennes}) IS DISTINCT FROM ({nouvelles})
    """


def _liens() -> dict:
    """Each link that can move hours: its model, its columns, the join from the moved rows to the hours, and what
    the signed rows take from the moved row."""
    return {
        Placement: (
            (P.attribution, P.participant, P.modalite),
            lambda deplaces: (
                f"""
        FROM ({deplaces}) AS x
        JOIN {H} h ON h.{H.placement} = x.id
        JOIN {A} a ON a.id = x.{P.attribution}
        JOIN {L} l ON l.id = a.{A.lot}
        JOIN {M} m ON m.id = l.{L.marche}
        """
            ),
            {"participant": f"x.{P.participant}", "modalite": f"x.{P.modalite}", "lot": f"a.{A.lot}"},
        ),
        Attribution: (
            (A.lot,),
            lambda deplaces: (
                f"""
        FROM ({deplaces}) AS x
        JOIN {P} p ON p.{P.attribution} = x.id
        JOIN {H} h ON h.{H.placement} = p.id
        JOIN {L} l ON l.id = x.{A.lot}
        JOIN {M} m ON m.id = l.{L.marche}
        """
            ),
            {"lot": f"x.{A.lot}"},
        ),
        Lot: (
            (L.marche,),
            lambda deplaces: (
                f"""
        FROM ({deplaces}) AS x
        JOIN {A} a ON a.{A.lot} = x.id
        JOIN {P} p ON p.{P.attribution} = a.id
        JOIN {H} h ON h.{H.placement} = p.id
        JOIN {M} m ON m.id = x.{L.marche}
        """
            ),
            {"lot": "x.id", "marche": f"x.{L.marche}"},
        ),
        Marche: (
            (M.donneur_d_ordre,),
            lambda deplaces: (
                f"""
        FROM ({deplaces}) AS x
        JOIN {L} l ON l.{L.marche} = x.id
        JOIN {A} a ON a.{A.lot} = l.id
        JOIN {P} p ON p.{P.attribution} = a.id
        JOIN {H} h ON h.{H.placement} = p.id
        """
            ),
            {"donneur": f"x.{M.donneur_d_ordre}", "marche": "x.id", "lot": "l.id"},
        ),
    }


def _toutes_les_heures() -> str:
    return _lignes(_depuis_les_heures(f"SELECT {H.placement}, {H.mois}, {H.heures}, 1 FROM {H}"))


def _vidage() -> str:
    """Emptying the hours (or what they hang from) with TRUNCATE empties the totals."""
    return "\n    ".join(f"DELETE FROM {Table(modele)};" for modele, _, _ in CUMULS)


def declencheurs() -> dict[type[Model], list[pgtrigger.Trigger]]:
    triggers: dict[type[Model], list[pgtrigger.Trigger]] = {HeuresMensuelles: []}
    for operation, delta in _deltas().items():
        corps = ajouter_aux_cumuls(CUMULS, _lignes(_depuis_les_heures(delta)))
        triggers[HeuresMensuelles].append(declencheur(f"cumuls_{operation}", operation, corps))
    for modele, (colonnes, depuis, propres) in _liens().items():
        lignes = _lignes(depuis(_deplaces(colonnes)), **{"signe": "x.signe", **propres})
        anciennes = ", ".join(f"o.{c}" for c in colonnes)
        nouvelles = ", ".join(f"n.{c}" for c in colonnes)
        corps = f"""IF EXISTS (
        SELECT 1 FROM anciennes o JOIN nouvelles n ON n.id = o.id WHERE ({anciennes}) IS DISTINCT FROM ({nouvelles})
    ) THEN
    LOCK TABLE {H} IN SHARE MODE;
    {ajouter_aux_cumuls(CUMULS, lignes)}
    END IF;"""
        triggers.setdefault(modele, []).append(declencheur("cumuls_lien", "update", corps))
    for modele in triggers:
        triggers[modele].append(declencheur("cumuls_vidage", "truncate", _vidage()))
    return triggers


def reconstructions() -> dict[type[Model], tuple[list[str], str]]:
    """For each total, the SELECT of its rows (its columns, in its model's order) computed from the hours."""
    resultat: dict[type[Model], tuple[list[str], str]] = {}
    for modele, cle, sommes in CUMULS:
        t = Table(modele)
        expressions = list(cle.values()) + list(sommes.values())
        groupes = ", ".join(cle.values())
        colonnes = [getattr(t, champ) for champ in (*cle, *sommes)]
        non_nul = " OR ".join(f"{e} <> 0" for e in sommes.values())
        resultat[modele] = (
            colonnes,
            f"SELECT {', '.join(expressions)} FROM ({_toutes_les_heures()}) AS lignes GROUP BY {groupes} "
            f"HAVING {non_nul}",
        )
    return resultat
