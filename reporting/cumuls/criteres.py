"""The territory's people of a year by eligibility criterion (``CritereAnnuel``).

Two kinds of change move its counts: a person enters or leaves a year (a ``PersonneAnnuelle`` row starts or stops
counting: it counts while ``mois_positifs`` > 0), and a participant gains or loses a criterion (the participants'
criteria table). Each is applied as signed rows grouped by year and criterion, added by one upsert per statement,
in key order; a person without any criterion counts under 0.

The first kind reads the person's criteria and the second the person's years: a transaction doing one while
another does the other for the same person would each miss the other's uncommitted change. Both therefore lock
the people concerned (``FOR NO KEY UPDATE``, in id order) before reading: the second waits for the first to
commit, then reads what it committed.
"""

from __future__ import annotations

import pgtrigger
from django.db.models import Model

from clauses.models import Participant
from reporting.cumuls import heures
from reporting.cumuls.sql import Table, declencheur
from reporting.models.cumuls import CritereAnnuel, PersonneAnnuelle

CRITERES_DES_PARTICIPANTS = Participant.criteres.through
PA, PC, PT, CA = Table(Participant), Table(CRITERES_DES_PARTICIPANTS), Table(PersonneAnnuelle), Table(CritereAnnuel)
PERSONNE, CRITERE = PC.participant, PC.critereeligibilite


def _appliquer(delta: str, lignes: str) -> str:
    return f"""PERFORM 1 FROM {PA} WHERE id IN (SELECT participant_id FROM ({delta}) AS d) ORDER BY id
        FOR NO KEY UPDATE;
    WITH {lignes}
    INSERT INTO {CA} AS t ({CA.annee}, {CA.critere}, {CA.personnes})
    SELECT annee, critere, SUM(signe) FROM lignes GROUP BY annee, critere HAVING SUM(signe) <> 0
    ORDER BY annee, critere
    ON CONFLICT ({CA.annee}, {CA.critere}) DO UPDATE SET {CA.personnes} = t.{CA.personnes} + EXCLUDED.{CA.personnes};
    DELETE FROM {CA} WHERE {CA.personnes} = 0;"""


def _par_les_personnes(delta: str) -> str:
    """A person entering (+1) or leaving (-1) a year counts under each of their criteria, or under 0."""
    return f"""
    delta AS ({delta}),
    net AS (SELECT annee, participant_id, SUM(signe) AS signe FROM delta GROUP BY annee, participant_id
            HAVING SUM(signe) <> 0),
    lignes AS (
        SELECT n.annee, COALESCE(pc.{CRITERE}, 0) AS critere, n.signe
        FROM net n LEFT JOIN {PC} pc ON pc.{PERSONNE} = n.participant_id
    )
"""


def _par_les_criteres(delta: str) -> str:
    """A criterion gained (+1) or lost (-1) counts in each of the person's years; so does leaving or joining the
    people without any criterion (their count before the statement: now, less what the statement added)."""
    return f"""
    delta AS ({delta}),
    par_personne AS (SELECT participant_id, SUM(signe) AS ajoutes FROM delta GROUP BY participant_id),
    comptes AS (
        SELECT p.participant_id, x.n AS maintenant, x.n - p.ajoutes AS avant
        FROM par_personne p
        CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM {PC} pc WHERE pc.{PERSONNE} = p.participant_id) AS x
    ),
    changements AS (
        SELECT participant_id, critere, signe FROM delta
        UNION ALL
        SELECT participant_id, 0, (maintenant = 0)::int - (avant = 0)::int FROM comptes
        WHERE (maintenant = 0) <> (avant = 0)
    ),
    lignes AS (
        SELECT pa.{PT.annee} AS annee, c.critere, c.signe
        FROM changements c
        JOIN {PT} pa ON pa.{PT.participant} = c.participant_id AND pa.{PT.mois_positifs} > 0
    )
"""


PERSONNES = {
    "insert": f"SELECT {PT.annee}, {PT.participant}, 1 AS signe FROM nouvelles WHERE {PT.mois_positifs} > 0",
    "delete": f"SELECT {PT.annee}, {PT.participant}, -1 AS signe FROM anciennes WHERE {PT.mois_positifs} > 0",
    "update": f"""SELECT v.annee, v.participant_id, v.signe FROM anciennes o JOIN nouvelles n ON n.id = o.id
           CROSS JOIN LATERAL (VALUES (o.{PT.annee}, o.{PT.participant}, -(o.{PT.mois_positifs} > 0)::int),
                                      (n.{PT.annee}, n.{PT.participant}, (n.{PT.mois_positifs} > 0)::int))
               AS v (annee, participant_id, signe)
           WHERE v.signe <> 0""",
}
CRITERES = {
    "insert": f"SELECT {PERSONNE} AS participant_id, {CRITERE} AS critere, 1 AS signe FROM nouvelles",
    "delete": f"SELECT {PERSONNE} AS participant_id, {CRITERE} AS critere, -1 AS signe FROM anciennes",
    "update": f"""SELECT {PERSONNE} AS participant_id, {CRITERE} AS critere, -1 AS signe FROM anciennes
           UNION ALL
           SELECT {PERSONNE}, {CRITERE}, 1 FROM nouvelles""",
}


def _par_critere(personnes: str) -> str:
    """The counts by year and criterion of ``personnes`` (rows of the people of a year)."""
    return f"""
    SELECT pa.{PT.annee}, COALESCE(pc.{CRITERE}, 0), COUNT(*)
    FROM ({personnes}) AS pa
    LEFT JOIN {PC} pc ON pc.{PERSONNE} = pa.{PT.participant}
    WHERE pa.{PT.mois_positifs} > 0
    GROUP BY 1, 2"""


def _tout_recompter() -> str:
    return f"""DELETE FROM {CA};
    INSERT INTO {CA} ({CA.annee}, {CA.critere}, {CA.personnes}) {_par_critere(f"SELECT * FROM {PT}")};"""


def declencheurs() -> dict[type[Model], list[pgtrigger.Trigger]]:
    triggers: dict[type[Model], list[pgtrigger.Trigger]] = {PersonneAnnuelle: [], CRITERES_DES_PARTICIPANTS: []}
    for modele, deltas, lignes in (
        (PersonneAnnuelle, PERSONNES, _par_les_personnes),
        (CRITERES_DES_PARTICIPANTS, CRITERES, _par_les_criteres),
    ):
        for operation, delta in deltas.items():
            triggers[modele].append(declencheur(f"criteres_{operation}", operation, _appliquer(delta, lignes(delta))))
        triggers[modele].append(declencheur("criteres_vidage", "truncate", _tout_recompter()))
    return triggers


def reconstructions() -> dict[type[Model], tuple[list[str], str]]:
    """From the hours themselves (the people of a year as the hours' totals recount them), not from the table
    they keep: a check then sees a wrong person of the year in both tables."""
    colonnes, select = heures.reconstructions()[PersonneAnnuelle]
    personnes = f"SELECT * FROM ({select}) AS p ({', '.join(colonnes)})"
    return {CritereAnnuel: ([CA.annee, CA.critere, CA.personnes], _par_critere(personnes))}
