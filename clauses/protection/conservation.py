"""How long a person's data is kept, who is due, who is coming up, and the daily purge.

The term of a person (``Echeance``) is the last sign of their follow-up plus the structure porteuse's duration
(``StructurePorteuse.conservation_annees``, 5 years by default; ``conservation_sans_placement_annees``, 2 years, for a
person never placed). The last sign of follow-up is the latest of:

- for each placement: six months after its end (the six-month outcome is due then), its planned end when it has no
  effective end yet, its start when it has neither;
- the last day of each month with hours;
- the date of each outcome noted;
- for a person never placed: the day the file was created, or the orientation date if later.

A facilitator may keep a person longer (``prolonger``: a date and a reason, recorded and audited): the latest decision
holds, and never brings the term earlier than the computed one. Past the term (the day after it), the daily purge
anonymises the person (``clauses.protection.anonymisation``). The page « Données personnelles : anonymisations à
venir » lists the people whose term falls within ``PREAVIS`` (a month), and those already past it.

The terms are computed in one SQL statement over every person not yet anonymised (hours grouped by placement through
their index), or over a few people, never stored: a stored date would be wrong as soon as an hour is entered.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from clauses.models import (
    CauseAnonymisation,
    HeuresMensuelles,
    Participant,
    Placement,
    ProlongationConservation,
    Sortie,
)
from clauses.protection import anonymisation
from config.formats import date_longue
from conventions.calendrier import add_months
from conventions.models import (
    DUREE_CONSERVATION_PAR_DEFAUT,
    DUREE_SANS_PLACEMENT_PAR_DEFAUT,
    StructurePorteuse,
)

logger = logging.getLogger(__name__)

# How far ahead the facilitators see who will be anonymised.
PREAVIS = dt.timedelta(days=30)
# The purge anonymises people by batches, each its own transaction.
LOT = 200
# An uploaded import file not confirmed after this is abandoned (a session lasts 8 hours); it may name people.
IMPORTS_ABANDONNES_APRES = dt.timedelta(days=1)
DOSSIER_IMPORTS = "imports"


@dataclass(frozen=True)
class Echeance:
    """A person's term and what it is counted from."""

    participant_id: int
    fin: dt.date  # the last day the data is kept
    calculee: dt.date  # the term computed from the follow-up, before any decision to keep longer
    depuis: dt.date | None  # the last sign of follow-up (None: never placed and no date at all)
    motif: str  # what ``depuis`` is, in French
    prolongation: dt.date | None  # a facilitator's decision, when it holds

    @property
    def prolongee(self) -> bool:
        return self.prolongation is not None and self.prolongation > self.calculee


def _sql(quelques_uns: bool) -> str:
    """The terms' inputs for every person not anonymised, or (``quelques_uns``) for the ids ``%(ids)s``."""
    p, pl = Participant._meta.db_table, Placement._meta.db_table
    h, s, pr = HeuresMensuelles._meta.db_table, Sortie._meta.db_table, ProlongationConservation._meta.db_table
    st = StructurePorteuse._meta.db_table
    if quelques_uns:
        des_personnes = "AND {col} = ANY(%(ids)s)"
        leurs_placements = f"AND {{col}} IN (SELECT id FROM {pl} WHERE participant_id = ANY(%(ids)s))"
    else:
        des_personnes = leurs_placements = ""
    return f"""
    WITH heures AS (
        SELECT placement_id, (MAX(mois) + interval '1 month' - interval '1 day')::date AS dernier
        FROM {h} WHERE TRUE {leurs_placements.format(col="placement_id")}
        GROUP BY placement_id
    ),
    sorties AS (
        SELECT placement_id, MAX(date_constat) AS dernier
        FROM {s} WHERE TRUE {leurs_placements.format(col="placement_id")}
        GROUP BY placement_id
    ),
    suivis AS (
        SELECT pl.participant_id,
            MAX(pl.date_fin) AS fin_effective,
            MAX(CASE WHEN pl.date_fin IS NULL THEN COALESCE(pl.date_fin_prevue, pl.date_debut) END) AS en_cours,
            MAX(heures.dernier) AS heures,
            MAX(sorties.dernier) AS sortie
        FROM {pl} pl
        LEFT JOIN heures ON heures.placement_id = pl.id
        LEFT JOIN sorties ON sorties.placement_id = pl.id
        WHERE TRUE {des_personnes.format(col="pl.participant_id")}
        GROUP BY pl.participant_id
    ),
    decisions AS (
        SELECT DISTINCT ON (participant_id) participant_id, conserver_jusqu_au
        FROM {pr} WHERE TRUE {des_personnes.format(col="participant_id")}
        ORDER BY participant_id, decide_le DESC, id DESC
    )
    SELECT p.id, suivis.participant_id IS NOT NULL AS place, suivis.fin_effective, suivis.en_cours, suivis.heures,
        suivis.sortie, (p.cree_le AT TIME ZONE %(fuseau)s)::date AS cree, p.date_orientation,
        decisions.conserver_jusqu_au, structure.conservation_annees, structure.conservation_sans_placement_annees
    FROM {p} p
    LEFT JOIN {st} structure ON structure.id = 1
    LEFT JOIN suivis ON suivis.participant_id = p.id
    LEFT JOIN decisions ON decisions.participant_id = p.id
    WHERE p.anonymise_le IS NULL {des_personnes.format(col="p.id")}
    """


MOTIFS = {
    "six_mois": "6 mois après la fin du placement du {date}",
    "en_cours": "placement sans fin effective (fin prévue ou début le {date})",
    "heures": "dernier mois d'heures, {mois}",
    "sortie": "sortie constatée le {date}",
    "cree": "fiche créée le {date}, sans placement",
    "date_orientation": "orientation le {date}, sans placement",
}


def _depuis(ligne: dict) -> tuple[dt.date | None, str]:
    """The last sign of follow-up and its description."""
    if ligne["place"]:
        fin = ligne["fin_effective"]
        candidats = [
            ("six_mois", add_months(fin, 6) if fin else None),
            ("en_cours", ligne["en_cours"]),
            ("heures", ligne["heures"]),
            ("sortie", ligne["sortie"]),
        ]
    else:
        candidats = [("cree", ligne["cree"]), ("date_orientation", ligne["date_orientation"])]
    connus = [(date, cle) for cle, date in candidats if date is not None]
    if not connus:
        return None, ""
    date, cle = max(connus)
    if cle == "six_mois":
        return date, MOTIFS[cle].format(date=date_longue(ligne["fin_effective"]))
    if cle == "heures":
        return date, MOTIFS[cle].format(mois=f"{date:%m/%Y}")
    return date, MOTIFS[cle].format(date=date_longue(date))


def ajouter_annees(jour: dt.date, annees: int) -> dt.date:
    try:
        return jour.replace(year=jour.year + annees)
    except ValueError:  # 29 February → 28 February
        return jour.replace(year=jour.year + annees, day=28)


def echeances(ids: list[int] | None = None) -> list[Echeance]:
    """The term of every person not anonymised (or of ``ids``), in one query (the structure porteuse's durations
    included: its defaults while it has no row)."""
    parametres: dict[str, Any] = {"fuseau": settings.TIME_ZONE, "ids": list(ids or [])}
    with connection.cursor() as curseur:
        curseur.execute(_sql(ids is not None), parametres)
        colonnes = [c.name for c in curseur.description]
        lignes = [dict(zip(colonnes, ligne, strict=True)) for ligne in curseur.fetchall()]
    resultat = []
    for ligne in lignes:
        depuis, motif = _depuis(ligne)
        if ligne["place"]:
            annees = ligne["conservation_annees"] or DUREE_CONSERVATION_PAR_DEFAUT
        else:
            annees = ligne["conservation_sans_placement_annees"] or DUREE_SANS_PLACEMENT_PAR_DEFAUT
        calculee = ajouter_annees(depuis or ligne["cree"], annees)
        decision = ligne["conserver_jusqu_au"]
        resultat.append(
            Echeance(
                participant_id=ligne["id"],
                fin=max(calculee, decision) if decision else calculee,
                calculee=calculee,
                depuis=depuis,
                motif=motif,
                prolongation=decision,
            )
        )
    return resultat


def echeance(participant: Participant) -> Echeance | None:
    """One person's term; None once anonymised."""
    trouvees = echeances([participant.pk])
    return trouvees[0] if trouvees else None


def dues(jour: dt.date) -> list[Echeance]:
    """The people past their term on ``jour`` (their last day kept is before it), earliest first."""
    return sorted((e for e in echeances() if e.fin < jour), key=lambda e: (e.fin, e.participant_id))


def a_venir(jour: dt.date) -> list[Echeance]:
    """The people the purge will anonymise within ``PREAVIS``, those already due included, earliest first."""
    limite = jour + PREAVIS
    return sorted((e for e in echeances() if e.fin < limite), key=lambda e: (e.fin, e.participant_id))


# --- Decisions -------------------------------------------------------------------------------------------------

# A prolongation is an exception to justify again later: at most this far ahead.
PROLONGATION_MAX_ANNEES = 3


def prolonger(participant: Participant, *, jusqu_au: dt.date, motif: str, par) -> ProlongationConservation:
    """Record a facilitator's decision to keep a person's data until ``jusqu_au`` (the form checks the date)."""
    return ProlongationConservation.objects.create(
        participant=participant, conserver_jusqu_au=jusqu_au, motif=motif.strip(), decide_par=par
    )


# --- The purge -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultatPurge:
    anonymises: int
    imports_supprimes: int

    @property
    def message(self) -> str:
        personnes = f"{self.anonymises} personne{'s' if self.anonymises > 1 else ''} anonymisée"
        personnes += "s" if self.anonymises > 1 else ""
        return f"{personnes} ; {self.imports_supprimes} fichier(s) d'import abandonné(s) supprimé(s)."


def motif_de_purge(echeance: Echeance) -> str:
    fin = date_longue(echeance.fin)
    if echeance.prolongee:
        return f"Durée de conservation échue le {fin} (conservation prolongée par un facilitateur)."
    return f"Durée de conservation échue le {fin} ({echeance.motif})."


def purger(jour: dt.date | None = None, lot: int = LOT) -> ResultatPurge:
    """Anonymise everyone past their term on ``jour``, by batches of ``lot`` (each its own transaction), then delete
    the import files left behind. Each batch computes its terms again under lock: an hour entered meanwhile counts."""
    jour = jour or timezone.localdate()
    candidats = [e.participant_id for e in dues(jour)]
    total = 0
    for debut in range(0, len(candidats), lot):
        with transaction.atomic():
            verrouilles = list(
                Participant.objects.select_for_update()
                .filter(pk__in=candidats[debut : debut + lot], anonymise_le__isnull=True)
                .values_list("pk", flat=True)
            )
            motifs = {e.participant_id: motif_de_purge(e) for e in echeances(verrouilles) if e.fin < jour}
            total += len(
                anonymisation.anonymiser(list(motifs), cause=CauseAnonymisation.CONSERVATION, motif=motifs, jour=jour)
            )
    imports = supprimer_imports_abandonnes(timezone.now())
    logger.info("Purge des données personnelles du %s : %s personne(s) anonymisée(s).", jour, total)
    return ResultatPurge(total, imports)


def supprimer_imports_abandonnes(maintenant: dt.datetime) -> int:
    """Delete the uploaded import files (and their previews' reports) older than ``IMPORTS_ABANDONNES_APRES``: a
    confirmed or discarded import deletes its own; these were left by a session that ended. They may name people."""
    try:
        _dossiers, fichiers = default_storage.listdir(DOSSIER_IMPORTS)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    supprimes = 0
    for nom in fichiers:
        chemin = f"{DOSSIER_IMPORTS}/{nom}"
        try:
            if default_storage.get_modified_time(chemin) < maintenant - IMPORTS_ABANDONNES_APRES:
                default_storage.delete(chemin)
                supprimes += 1
        except FileNotFoundError:
            continue  # deleted meanwhile by the import's own confirmation
    return supprimes
