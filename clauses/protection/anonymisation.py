"""Anonymising people: their identity goes, what the published figures count stays.

Used by the daily purge (``conservation.purger``, people past their retention term) and by an erasure a facilitator
records with its reason (``effacer``). For each person, in one transaction:

- identity, contact, address, orientation and free text are emptied (``EFFACES``): name, first name, e-mail,
  telephone, France Travail id, commune and postcode, the neighbourhood's name, the prescriber, the notes of the
  file, of the placements and of the outcomes, the next employer's name, the reasons given to keep them longer;
- the birth date is generalised (``naissance_generalisee``): to the 1st of January of its year when that leaves
  the person in the same age band (``LIMITES_D_AGE``) at the end of every period a figure may count them in, else
  to the 1st of its month, else to the latest day that still does. So every figure by age band is unchanged;
- the reference (P-000123) is replaced by a new one (ANON-…), consistently: the row, the audit log;
- kept, because the figures count them: gender, qualification level, eligibility criteria, the flag « réside en
  QPV » (no address), every placement (its company, dates, contract, residence in a QPV at hiring: what the QPV
  figures count), every month of hours, every outcome's situation and date (``CONSERVES``);
- the audit log keeps its entries of these rows (who changed what, when) but loses the values of every erased or
  generalised field, and each entry's text names the anonymised row (« Personne anonymisée ANON-… »);
- the documents and exports that name the person are deleted: exports here (``config.exports_longs``), documents
  by ``reporting`` through the ``participants_anonymises`` signal (reporting may import clauses, not the reverse).

Nothing here writes through the models' ``save()``: the audit log would record the old values it must forget.
``DECLARATIONS`` classifies every field of every model that points to a person (``relations.rattaches``); a field
or a model added later and left out fails ``clauses/tests/test_protection_anonymisation.py``.
"""

import bisect
import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from auditlog.models import LogEntry
from django.contrib.admin.models import LogEntry as EntreeAdmin
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Min
from django.dispatch import Signal
from django.utils import timezone

from clauses.models import (
    LIMITES_D_AGE,
    CauseAnonymisation,
    HeuresMensuelles,
    Participant,
    Placement,
    ProlongationConservation,
    Sortie,
)
from clauses.protection import relations
from config import exports_longs
from conventions.calendrier import add_months

# What the name becomes: a word, never empty (forms and lists sort on it).
NOM_ANONYME = "Anonymisé"
PREFIXE_REFERENCE = "ANON-"

# --- What becomes of each field --------------------------------------------------------------------------------
#
# Per model (label) reached from a participant: the fields emptied (with their new value), the fields replaced by a
# coarser value, the fields kept with the reason, or « * » for a model kept whole, or a model whose rows are deleted.

EFFACES: dict[str, dict[str, object]] = {
    "clauses.participant": {
        "nom": NOM_ANONYME,
        "prenom": "",
        "commune": "",
        "code_postal": "",
        "qpv": "",
        "identifiant_france_travail": "",
        "telephone": "",
        "email": "",
        "notes": "",
        "date_orientation": None,
        "prescripteur": None,
    },
    "clauses.placement": {"notes": ""},
    "clauses.sortie": {"employeur": "", "commentaire": ""},
    "clauses.prolongationconservation": {"motif": ""},
}

GENERALISES: dict[str, dict[str, str]] = {
    "clauses.participant": {
        "date_naissance": "ramenée au 1er janvier ou au 1er du mois, sans changer la tranche d'âge comptée",
        "reference": "remplacée par une référence nouvelle (ANON-…), dans la fiche et dans l'historique",
    },
}

FIGURES = "compté dans les chiffres publiés"
CONSERVES: dict[str, dict[str, str] | str] = {
    "clauses.participant": {
        "id": "clé technique",
        "genre": f"{FIGURES} (personnes par genre)",
        "niveau_qualification": f"{FIGURES} (personnes par niveau de qualification)",
        "criteres": f"{FIGURES} (personnes par public éligible)",
        "reside_qpv": "indicateur QPV sans adresse (les chiffres comptent celui du placement)",
        "cree_le": "date technique",
        "modifie_le": "date technique",
        "notice_remise_le": "preuve que la personne a été informée (RGPD, art. 13), sans rien d'identifiant",
        "notice_mode_remise": "preuve que la personne a été informée (RGPD, art. 13), sans rien d'identifiant",
        "anonymise_le": "trace de l'anonymisation",
        "cause_anonymisation": "trace de l'anonymisation",
        "motif_anonymisation": "trace de l'anonymisation (motif sans nom, consigne du formulaire)",
        "anonymise_par": "trace de l'anonymisation",
    },
    "clauses.placement": {
        "id": "clé technique",
        "participant": "lien vers la fiche anonymisée",
        "attribution": f"{FIGURES} (heures par marché, lot et entreprise)",
        "modalite": f"{FIGURES} (heures par modalité)",
        "operateur": f"{FIGURES} (heures par opérateur)",
        "type_contrat": f"{FIGURES} (contrats par type)",
        "poste": "métier exercé, sans rien d'identifiant par lui-même",
        "date_debut": f"{FIGURES} (contrats commencés, présence)",
        "date_fin_prevue": "suivi du contrat",
        "date_fin": f"{FIGURES} (contrats en cours, sorties à 6 mois)",
        "duree_hebdomadaire": "suivi du contrat",
        "reside_qpv": f"{FIGURES} (résidence en QPV à l'embauche, heures QPV)",
        "cree_le": "date technique",
        "modifie_le": "date technique",
    },
    "clauses.heuresmensuelles": f"{FIGURES} (heures, présence, ETP) : rien d'identifiant",
    "clauses.sortie": {
        "id": "clé technique",
        "placement": "lien vers le placement",
        "moment": f"{FIGURES} (sorties)",
        "date_constat": f"{FIGURES} (sorties de la période)",
        "situation": f"{FIGURES} (sorties par catégorie)",
        "cree_le": "date technique",
    },
    "clauses.prolongationconservation": {
        "id": "clé technique",
        "participant": "lien vers la fiche anonymisée",
        "conserver_jusqu_au": "trace de la décision",
        "decide_par": "trace de la décision",
        "decide_le": "trace de la décision",
    },
    "reporting.presencemensuelle": f"{FIGURES} (compteur dérivé des heures, sans identité)",
    "reporting.personneannuelle": f"{FIGURES} (compteur dérivé des heures, sans identité)",
    "reporting.tache": "ligne technique d'un travail planifié, liée à un document",
}

# Models whose rows naming the person are deleted, and by whom.
SUPPRIMES: dict[str, str] = {
    "reporting.rapport": "copie nominative supprimée avec son fichier (reporting.protection)",
}

DECLARATIONS = (EFFACES, GENERALISES, CONSERVES, SUPPRIMES)


def champs_du_modele(modele: type[models.Model]) -> list[str]:
    """The fields a row holds: its concrete fields (the key included) and its many-to-many fields."""
    return [f.name for f in modele._meta.get_fields() if f.concrete or (f.many_to_many and not f.auto_created)]


def champs_non_classes(modele: type[models.Model]) -> list[str]:
    """The fields of ``modele`` that ``DECLARATIONS`` does not say what to do with (empty when all are)."""
    label = modele._meta.label_lower
    if label in SUPPRIMES or isinstance(CONSERVES.get(label), str):
        return []
    classes = set(EFFACES.get(label, {})) | set(GENERALISES.get(label, {})) | set(CONSERVES.get(label, {}) or {})
    return [nom for nom in champs_du_modele(modele) if nom not in classes]


# --- The birth date, generalised without moving anyone across an age band -------------------------------------

# The figures of a period end on its last day, which is a month's end (months, quarters, years, bilans counted in
# whole months), the end of a document already produced, or today; a period may end a little in the future.
HORIZON = dt.timedelta(days=366)

# Ends of periods that other apps publish (reporting: the documents and bilans it stored): functions registered
# at start-up (``reporting.protection``), which clauses may not import.
_FINS_PUBLIEES: list[Callable[[], Iterable[dt.date]]] = []


def declarer_fins_publiees(fournisseur: Callable[[], Iterable[dt.date]]):
    """Register a function giving the last days of periods already published (a decorator)."""
    if fournisseur not in _FINS_PUBLIEES:
        _FINS_PUBLIEES.append(fournisseur)
    return fournisseur


def _fins_de_mois(debut: dt.date, fin: dt.date) -> list[dt.date]:
    fins = []
    mois = debut.replace(day=1)
    while mois <= fin:
        suivant = add_months(mois, 1)
        fins.append(suivant - dt.timedelta(days=1))
        mois = suivant
    return fins


def fins_publiees(jour: dt.date) -> list[dt.date]:
    """Every last day of a period a figure may count a person in, from the first month of hours to a year ahead."""
    premier = HeuresMensuelles.objects.aggregate(m=Min("mois"))["m"] or jour
    limite = jour + HORIZON
    fins = set(_fins_de_mois(premier, limite))
    fins.add(jour)
    for fournisseur in _FINS_PUBLIEES:
        fins.update(f for f in fournisseur() if f is not None and premier <= f <= limite)
    return sorted(fins)


class Seuils:
    """For each age bound N, the birth dates on which a person turns N on each published period end: being born after
    ``seuils[N][i]`` is being under N on ``fins[i]`` (reporting's rule, ``add_months(fin, -12 * N)``)."""

    def __init__(self, fins: Sequence[dt.date]):
        self.fins = list(fins)
        self.seuils = {age: [add_months(f, -12 * age) for f in self.fins] for age in LIMITES_D_AGE}

    def tranche_change(self, candidat: dt.date, naissance: dt.date, debut: int) -> bool:
        """Whether a person born on ``candidat`` instead of ``naissance`` (earlier or the same day) falls in another
        band at one of the period ends from index ``debut`` on."""
        for seuils in self.seuils.values():
            i = max(debut, bisect.bisect_left(seuils, candidat))
            if i < len(seuils) and seuils[i] < naissance:
                return True
        return False

    def au_plus_juste(self, naissance: dt.date, debut: int) -> dt.date:
        """The earliest day of the birth year that gives ``naissance``'s band at every period end from ``debut``."""
        candidat = naissance.replace(month=1, day=1)
        for seuils in self.seuils.values():
            j = bisect.bisect_left(seuils, naissance) - 1
            if j >= debut:
                candidat = max(candidat, seuils[j] + dt.timedelta(days=1))
        return candidat


def naissance_generalisee(naissance: dt.date, premier_mois: dt.date | None, seuils: Seuils) -> dt.date:
    """The coarsest of the 1st of January, the 1st of the month and the latest safe day that keeps the person's age
    band at the end of every period they can be counted in (those ending on or after their first month of hours)."""
    annee, mois = naissance.replace(month=1, day=1), naissance.replace(day=1)
    if premier_mois is None:
        return annee  # never counted: no figure reads their age
    debut = bisect.bisect_left(seuils.fins, premier_mois)
    for candidat in (annee, mois):
        if not seuils.tranche_change(candidat, naissance, debut):
            return candidat
    return seuils.au_plus_juste(naissance, debut)


# --- Anonymising ---------------------------------------------------------------------------------------------

# Sent inside the transaction, once the people are anonymised: ``participants`` (their ids). reporting deletes the
# nominative documents naming them.
participants_anonymises = Signal()


def nouvelle_reference() -> str:
    return f"{PREFIXE_REFERENCE}{secrets.token_hex(5).upper()}"


def _type(modele: type[models.Model]) -> ContentType:
    return ContentType.objects.get_for_model(modele, for_concrete_model=True)


def _texte_supprime(modele: type[models.Model], pk) -> str:
    return f"{str(modele._meta.verbose_name).capitalize()} n° {pk} — ligne supprimée, personne anonymisée"


def _nettoyer_les_journaux(rattaches: relations.Rattaches) -> None:
    """The audit log keeps who changed what and when, without the erased values; each entry names the row as it is
    now. Django admin's own log too (it keeps the row's text)."""
    for modele in rattaches.modeles():
        label = modele._meta.label_lower
        oublies = set(EFFACES.get(label, {})) | set(GENERALISES.get(label, {}))
        cles = rattaches.cles(modele)
        type_ = _type(modele)
        entrees = list(LogEntry.objects.filter(content_type=type_, object_id__in=cles))
        entrees_admin = list(EntreeAdmin.objects.filter(content_type=type_, object_id__in=[str(pk) for pk in cles]))
        if not entrees and not entrees_admin:
            continue
        # The rows' texts as they are now (anonymised), read once; select_related: a placement's names its person.
        presents = rattaches.presents.get(modele, set())
        nommes = {e.object_id for e in entrees} | {int(e.object_id) for e in entrees_admin if e.object_id.isdigit()}
        textes = {
            pk: str(objet) for pk, objet in modele._base_manager.select_related().in_bulk(nommes & presents).items()
        }
        for entree in entrees:
            texte = textes.get(entree.object_id) or _texte_supprime(modele, entree.object_id)
            changements = {k: v for k, v in (entree.changes or {}).items() if k not in oublies}
            if entree.action == LogEntry.Action.UPDATE and not changements and entree.changes:
                entree.delete()  # a change of erased fields only: nothing left to say
                continue
            if (
                changements != (entree.changes or {})
                or entree.object_repr != texte
                or entree.serialized_data
                or entree.changes_text
            ):
                LogEntry.objects.filter(pk=entree.pk).update(
                    changes=changements, object_repr=texte, serialized_data=None, changes_text=""
                )
        for entree in entrees_admin:
            pk = int(entree.object_id) if entree.object_id.isdigit() else entree.object_id
            texte = textes.get(pk) or _texte_supprime(modele, entree.object_id)
            if entree.object_repr != texte:
                EntreeAdmin.objects.filter(pk=entree.pk).update(object_repr=texte)


def _entree_d_anonymisation(participant: Participant, par, instant: dt.datetime) -> LogEntry:
    """The trace the anonymisation leaves in the person's history: when, why, by whom; no value of before."""
    return LogEntry(
        content_type=_type(Participant),
        object_pk=str(participant.pk),
        object_id=participant.pk,
        object_repr=str(participant),
        action=LogEntry.Action.UPDATE,
        changes={
            "anonymise_le": ["None", instant.isoformat()],
            "cause_anonymisation": ["", participant.cause_anonymisation],
            "motif_anonymisation": ["", participant.motif_anonymisation],
        },
        actor=par,
        timestamp=instant,
    )


def anonymiser(
    participant_ids: Iterable[int],
    *,
    cause: str,
    motif: str | dict[int, str],
    par=None,
    jour: dt.date | None = None,
) -> list[int]:
    """Anonymise these people (those not already anonymised); their ids. One transaction. ``motif``: one reason for
    all, or each person's."""
    jour = jour or timezone.localdate()
    with transaction.atomic():
        participants = list(
            Participant.objects.select_for_update()
            .filter(pk__in=list(participant_ids), anonymise_le__isnull=True)
            .order_by("pk")
        )
        if not participants:
            return []
        ids = [p.pk for p in participants]
        rattaches = relations.rattaches(Participant, ids)
        premiers_mois = dict(
            HeuresMensuelles.objects.filter(placement__participant__in=ids)
            .order_by()
            .values_list("placement__participant")
            .annotate(m=Min("mois"))
        )
        seuils = Seuils(fins_publiees(jour))
        instant = timezone.now()
        effaces = EFFACES["clauses.participant"]
        for participant in participants:
            participant.date_naissance = naissance_generalisee(
                participant.date_naissance, premiers_mois.get(participant.pk), seuils
            )
            participant.reference = nouvelle_reference()
            for champ, valeur in effaces.items():
                setattr(participant, champ, valeur)
            participant.anonymise_le = instant
            participant.cause_anonymisation = cause
            participant.motif_anonymisation = motif if isinstance(motif, str) else motif[participant.pk]
            participant.anonymise_par = par
        Participant.objects.bulk_update(
            participants,
            [
                *effaces,
                "date_naissance",
                "reference",
                "anonymise_le",
                "cause_anonymisation",
                "motif_anonymisation",
                "anonymise_par",
            ],
        )
        _effacer_les_lignes(ids)
        _nettoyer_les_journaux(rattaches)
        LogEntry.objects.bulk_create([_entree_d_anonymisation(p, par, instant) for p in participants])
        exports_longs.supprimer_exports_citant(ids)
        participants_anonymises.send(sender=Participant, participants=ids)
    return ids


def _effacer_les_lignes(ids: list[int]) -> None:
    """The free text of the rows that belong to the people (the file itself is done by ``anonymiser``)."""
    for modele, filtre in (
        (Placement, {"participant__in": ids}),
        (Sortie, {"placement__participant__in": ids}),
        (ProlongationConservation, {"participant__in": ids}),
    ):
        valeurs = EFFACES[modele._meta.label_lower]
        # Only the rows with something to erase: each update of a placement runs the figures' triggers.
        a_effacer = models.Q()
        for champ, valeur in valeurs.items():
            a_effacer |= ~models.Q(**{champ: valeur})
        modele._base_manager.filter(a_effacer, **filtre).update(**valeurs)


def effacer(participant: Participant, *, motif: str, par) -> bool:
    """A facilitator's erasure of one person, with its reason; False if the person was already anonymised."""
    return bool(anonymiser([participant.pk], cause=CauseAnonymisation.EFFACEMENT, motif=motif, par=par))


def objets_par_modele(ids: Iterable[int]) -> dict[str, set]:
    """Label → keys of every row (present or deleted) of these people: what the tests check is cleaned."""
    rattaches = relations.rattaches(Participant, ids)
    resultat: dict[str, set] = defaultdict(set)
    for modele in rattaches.modeles():
        resultat[modele._meta.label_lower] |= rattaches.cles(modele)
    return dict(resultat)
