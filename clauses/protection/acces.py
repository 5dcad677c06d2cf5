"""The right of access: everything held about one person, as a PDF written for them and as a JSON file.

Every table that points to the person is found from the models' relations (``relations.rattaches``: placements,
their hours and outcomes, the decisions to keep the data longer, the derived counters of the figures, the nominative
documents naming them…), so that a model added later is exported without anyone adding it here; with the history of
changes of each of these rows (the audit log, and Django admin's own log) and the list exports whose workbook names
the person (``config.ExportListe.personnes``).

The names of the staff are not given (an entry says « un facilitateur », « un administrateur »): they are the staff's
data, not the person's. Technical columns (claim tokens, checksums, error details) are left out.

A download is a read of the person's data: the view records it in the log of who read what (``config.acces``), and the
access export lists those reads too (``Consultation``: the person's pages, documents and exports seen, when, by
which kind of account).
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from django.contrib.admin.models import LogEntry as EntreeAdmin
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from clauses.models import Participant
from clauses.protection import conservation, relations
from config import audit
from config.formats import date_longue
from config.models import Consultation, ExportListe
from config.pdf import rendre_pdf
from conventions.models import StructurePorteuse

GABARIT_PDF = "clauses/pdf/acces.html"
FORMAT_JSON = "clauses-droit-d-acces/1"

# Columns that describe the machinery, not the person.
CHAMPS_TECHNIQUES = {
    "jeton",
    "pris_le",
    "tentatives",
    "mis_en_file_le",
    "envoi_commence_le",
    "detail_technique",
    "empreinte",
    "message_erreur",
    "destinataires",
}

CHAMPS_ANONYMISATION = {"anonymise_le", "cause_anonymisation", "motif_anonymisation", "anonymise_par"}

# How a few values read better than the generic format.
FORMATS = {("clauses.heuresmensuelles", "mois"): lambda mois: date_format(mois, "F Y")}

# The person's own words for the tables they will read, in this order; any other table gets its model's name.
TITRES = {
    "clauses.placement": (
        "Vos placements",
        "Les contrats, mises à disposition ou formations suivis au titre d'une clause sociale d'insertion.",
    ),
    "clauses.heuresmensuelles": ("Vos heures de travail, mois par mois", "Les heures déclarées par l'employeur."),
    "clauses.sortie": ("Votre situation à la fin des placements", "Où vous en étiez à la fin et six mois après."),
    "clauses.prolongationconservation": (
        "Décisions de conserver vos données plus longtemps",
        "Chaque décision, avec sa date et la nouvelle date de fin de conservation.",
    ),
    "reporting.rapport": (
        "Documents qui vous nomment",
        "Les rapports réservés aux facilitateurs qui citent votre nom ; ils ne sont jamais envoyés aux acheteurs.",
    ),
    "reporting.presencemensuelle": (
        "Comptages statistiques par mois",
        "Les mois où vous avez travaillé sur un marché : ils servent aux chiffres publiés, qui ne citent personne.",
    ),
    "reporting.personneannuelle": (
        "Comptages statistiques par année",
        "Les années où vous avez travaillé : elles servent aux chiffres publiés, qui ne citent personne.",
    ),
}


@dataclass
class Valeur:
    nom: str
    libelle: str
    texte: str
    brut: Any


@dataclass
class Ligne:
    pk: Any
    texte: str
    valeurs: list[Valeur] = field(default_factory=list)


@dataclass
class Table:
    label: str
    titre: str
    explication: str
    lignes: list[Ligne]
    supprimees: list[Any]  # rows deleted since, known from the history


@dataclass
class Changement:
    libelle: str
    avant: str
    apres: str


@dataclass
class EntreeHistorique:
    date: dt.datetime
    action: str
    modele: str
    objet_id: Any
    objet: str
    auteur: str
    changements: list[Changement]
    detail: str = ""


@dataclass
class Lecture:
    date: dt.datetime
    nature: str
    description: str
    auteur: str


@dataclass
class ExportAcces:
    participant: Participant
    structure: StructurePorteuse
    genere_le: dt.datetime
    personne: Ligne
    tables: list[Table]
    historique: list[EntreeHistorique]
    exports: list[ExportListe]
    echeance: conservation.Echeance | None  # until when the data is kept (None once anonymised)
    lectures: list[Lecture]  # who read the person's data (config.acces)


# --- Values as the person reads them, and as a program does -----------------------------------------------------


def role(utilisateur) -> str:
    """Who did something, without naming a member of staff."""
    if utilisateur is None:
        return "Clauses (traitement automatique)"
    if getattr(utilisateur, "is_facilitateur", False):
        return "un facilitateur"
    if getattr(utilisateur, "is_staff", False) or getattr(utilisateur, "is_superuser", False):
        return "un administrateur"
    return "un utilisateur de Clauses"


def _membre(valeur) -> str:
    return "—" if valeur in (None, "None", "") else "un membre de l'équipe"


def _valeur(objet: models.Model, champ) -> tuple[str, Any]:
    """(French text, JSON value) of a field of a row."""
    if champ.many_to_many:
        lies = list(getattr(objet, champ.name).all())
        return (", ".join(str(o) for o in lies) or "—", [{"id": o.pk, "texte": str(o)} for o in lies])
    valeur = getattr(objet, champ.attname)
    if valeur in (None, ""):
        return "—", valeur
    if champ.is_relation:
        lie = getattr(objet, champ.name)
        if isinstance(lie, get_user_model()):
            return role(lie), {"id": None, "texte": role(lie)}
        return str(lie), {"id": valeur, "texte": str(lie)}
    if champ.choices:
        return str(getattr(objet, f"get_{champ.name}_display")()), valeur
    if isinstance(valeur, bool):
        return ("oui" if valeur else "non"), valeur
    if isinstance(valeur, dt.datetime):
        return date_format(timezone.localtime(valeur), "j F Y à H:i"), valeur.isoformat()
    if isinstance(valeur, dt.date):
        return date_longue(valeur), valeur.isoformat()
    if isinstance(valeur, Decimal):
        return f"{valeur.normalize():f}".replace(".", ","), str(valeur)
    if isinstance(champ, models.FileField):
        return valeur.name.rsplit("/", 1)[-1], valeur.name
    return str(valeur), valeur


def _champs(modele: type[models.Model], sauf: set[str]) -> list:
    return [
        champ
        for champ in modele._meta.get_fields()
        if (champ.concrete or (champ.many_to_many and not champ.auto_created))
        and not getattr(champ, "primary_key", False)
        and champ.name not in CHAMPS_TECHNIQUES
        and champ.name not in sauf
    ]


def _ligne(objet: models.Model, champs: list) -> Ligne:
    valeurs = []
    label = objet._meta.label_lower
    for champ in champs:
        texte, brut = _valeur(objet, champ)
        if (format_ := FORMATS.get((label, champ.name))) and brut is not None:
            texte = format_(getattr(objet, champ.name))
        valeurs.append(Valeur(champ.name, capfirst(str(champ.verbose_name)), texte, brut))
    return Ligne(objet.pk, str(objet), valeurs)


# --- Collecting ------------------------------------------------------------------------------------------------


def _table(modele: type[models.Model], rattaches: relations.Rattaches) -> Table:
    label = modele._meta.label_lower
    # The key back to the person or the row above is the same on every line: left out.
    retour = {
        champ.name
        for champ in modele._meta.get_fields()
        if champ.is_relation and champ.concrete and champ.related_model in rattaches.presents
    }
    champs = _champs(modele, retour)
    a_plusieurs = [c.name for c in champs if c.many_to_many]
    lies = [c.name for c in champs if c.many_to_one or c.one_to_one]
    objets = (
        modele._base_manager.filter(pk__in=rattaches.presents.get(modele, ()))
        .select_related(*lies)
        .prefetch_related(*a_plusieurs)
        .order_by("pk")
    )
    titre, explication = TITRES.get(label, (capfirst(str(modele._meta.verbose_name_plural)), ""))
    return Table(
        label=label,
        titre=titre,
        explication=explication,
        lignes=[_ligne(objet, champs) for objet in objets],
        supprimees=sorted(rattaches.supprimes.get(modele, ())),
    )


ACTIONS = audit.ACTIONS


def _historique(rattaches: relations.Rattaches) -> list[EntreeHistorique]:
    entrees: list[EntreeHistorique] = []
    for modele in rattaches.modeles():
        cles = rattaches.cles(modele)
        journal = list(
            LogEntry.objects.filter(
                content_type__app_label=modele._meta.app_label,
                content_type__model=modele._meta.model_name,
                object_id__in=cles,
            )
            .select_related("actor", "content_type")
            .order_by("timestamp", "pk")
        )
        libelles_lies = audit.libelles_des_cles(journal)
        for entree in journal:
            changements = []
            creation = entree.action == LogEntry.Action.CREATE
            for nom, valeurs in sorted((entree.changes or {}).items()):
                champ = audit.champ(modele, nom)
                if champ is not None and (getattr(champ, "primary_key", False) or not champ.concrete):
                    if not getattr(champ, "many_to_many", False) or champ.auto_created:
                        continue  # the row's own id, or a reverse relation the log writes as « ….None »
                libelle = capfirst(str(getattr(champ, "verbose_name", nom)))
                if isinstance(valeurs, dict) and valeurs.get("type") == "m2m":
                    objets = ", ".join(valeurs.get("objects", [])) or "—"
                    operation = "ajout" if valeurs.get("operation") == "add" else "retrait"
                    changements.append(Changement(libelle, "", f"{operation} : {objets}"))
                elif isinstance(valeurs, list | tuple) and len(valeurs) == 2:
                    if getattr(champ, "related_model", None) is get_user_model():
                        avant, apres = (_membre(v) for v in valeurs)  # a member of staff, not named
                    else:
                        avant, apres = (audit.valeur_lisible(champ, v, libelles_lies) for v in valeurs)
                    if creation:
                        if apres == "—":
                            continue  # a creation names what it set, not what it left empty
                        avant = ""
                    changements.append(Changement(libelle, avant, apres))
            entrees.append(
                EntreeHistorique(
                    date=entree.timestamp,
                    action=ACTIONS.get(entree.action, "Modification"),
                    modele=modele._meta.label_lower,
                    objet_id=entree.object_id,
                    objet=f"{capfirst(str(modele._meta.verbose_name))} « {entree.object_repr} »",
                    auteur=role(entree.actor),
                    changements=changements,
                )
            )
        for entree_admin in EntreeAdmin.objects.filter(
            content_type__app_label=modele._meta.app_label,
            content_type__model=modele._meta.model_name,
            object_id__in=[str(pk) for pk in cles],
        ).select_related("user"):
            entrees.append(
                EntreeHistorique(
                    date=entree_admin.action_time,
                    action="Modification dans l'administration",
                    modele=modele._meta.label_lower,
                    objet_id=entree_admin.object_id,
                    objet=f"{capfirst(str(modele._meta.verbose_name))} « {entree_admin.object_repr} »",
                    auteur=role(entree_admin.user),
                    changements=[],
                    detail=entree_admin.get_change_message(),
                )
            )
    return sorted(entrees, key=lambda e: e.date)


def _lectures(participant: Participant, rattaches: relations.Rattaches) -> list[Lecture]:
    """The reads of the person's data the log of who read what keeps: their pages and their rows' pages (by id, which
    an anonymisation does not change), the documents naming them by reference."""
    par_objet = Q()
    for modele in rattaches.modeles():
        par_objet |= Q(objet=modele._meta.label_lower, objet_id__in=rattaches.cles(modele))
    consultations = Consultation.objects.filter(par_objet | Q(reference=participant.reference)).select_related(
        "utilisateur"
    )
    return [
        Lecture(c.le, c.get_nature_display(), c.description, role(c.utilisateur))
        for c in consultations.order_by("le", "pk")
    ]


def exporter(participant: Participant) -> ExportAcces:
    """Everything held about ``participant``, read now."""
    participant = (
        Participant.objects.select_related("prescripteur").prefetch_related("criteres").get(pk=participant.pk)
    )
    rattaches = relations.rattaches(Participant, [participant.pk])
    ordre = list(TITRES)
    modeles = sorted(
        (m for m in rattaches.modeles() if m is not Participant),
        key=lambda m: (
            ordre.index(m._meta.label_lower) if m._meta.label_lower in ordre else len(ordre),
            m._meta.label,
        ),
    )
    tables = [_table(modele, rattaches) for modele in modeles]
    return ExportAcces(
        participant=participant,
        structure=StructurePorteuse.get(),
        genere_le=timezone.now(),
        # Before an anonymisation, its four columns say nothing: left out.
        personne=_ligne(
            participant, _champs(Participant, set() if participant.est_anonymise else CHAMPS_ANONYMISATION)
        ),
        tables=tables,
        historique=_historique(rattaches),
        exports=list(ExportListe.objects.filter(personnes__contains=[participant.pk]).order_by("cree_le")),
        echeance=conservation.echeance(participant),
        lectures=_lectures(participant, rattaches),
    )


# --- The two files ---------------------------------------------------------------------------------------------


def _ligne_json(ligne: Ligne) -> dict:
    return {"id": ligne.pk, "texte": ligne.texte, "champs": {v.nom: v.brut for v in ligne.valeurs}}


def en_json(export: ExportAcces) -> bytes:
    """The machine-readable copy: every row with its raw values, every entry of the history."""
    structure = export.structure
    donnees = {
        "format": FORMAT_JSON,
        "genere_le": export.genere_le.isoformat(),
        "responsable_du_traitement": {
            "nom": structure.nom,
            "adresse": " ".join(filter(None, [structure.adresse, structure.code_postal, structure.commune])),
            "email": structure.email,
            "telephone": structure.telephone,
            "delegue_protection_donnees": structure.dpo_email,
        },
        "personne": _ligne_json(export.personne),
        "tables": [
            {
                "modele": table.label,
                "titre": table.titre,
                "lignes": [_ligne_json(ligne) for ligne in table.lignes],
                "lignes_supprimees": table.supprimees,
            }
            for table in export.tables
        ],
        "historique": [
            {
                "date": entree.date.isoformat(),
                "action": entree.action,
                "modele": entree.modele,
                "objet_id": entree.objet_id,
                "objet": entree.objet,
                "auteur": entree.auteur,
                "changements": [{"champ": c.libelle, "avant": c.avant, "apres": c.apres} for c in entree.changements],
                "detail": entree.detail,
            }
            for entree in export.historique
        ],
        "consultations": [
            {
                "date": lecture.date.isoformat(),
                "nature": lecture.nature,
                "objet": lecture.description,
                "par": lecture.auteur,
            }
            for lecture in export.lectures
        ],
        "exports_de_listes": [
            {"id": e.pk, "titre": e.titre, "demande_le": e.cree_le.isoformat(), "fichier": e.nom_fichier}
            for e in export.exports
        ],
    }
    return json.dumps(donnees, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode("utf-8")


def en_pdf(export: ExportAcces) -> bytes:
    """The copy for the person, in plain French (``clauses/pdf/acces.html``)."""
    return rendre_pdf(GABARIT_PDF, {"export": export, "structure": export.structure})


def nom_de_fichier(export: ExportAcces, extension: str) -> str:
    return f"donnees-{export.participant.reference}-{export.genere_le:%Y-%m-%d}.{extension}"
