"""The processing record (docs/registre-des-traitements.md) stays true as the models change: every model that holds
personal data is named in it, and every field of a model describing a participant is listed."""

import re
from pathlib import Path

from django.apps import apps
from django.db import models

from clauses.models import Participant

REGISTRE = Path(__file__).resolve().parent.parent / "docs" / "registre-des-traitements.md"

# Field names that hold personal data wherever they appear: identity, contact, address, network traces.
CHAMPS_PERSONNELS = {
    "nom",
    "prenom",
    "first_name",
    "last_name",
    "email",
    "telephone",
    "date_naissance",
    "adresse",
    "contact",
    "contact_nom",
    "contact_email",
    "contact_telephone",
    "maitre_oeuvre",
    "signataire_nom",
    "dpo_nom",
    "dpo_email",
    "dpo_adresse",
    "destinataires",
    "expediteur",
    "username",
    "ip_address",
    "adresse_ip",
    "remote_addr",
    "actor_email",
    "user_agent",
    "session_data",
}
# Fields every model has that say nothing about anyone.
CHAMPS_TECHNIQUES = {"id"}


def _texte() -> str:
    return REGISTRE.read_text(encoding="utf-8")


def _modeles_concrets() -> list[type[models.Model]]:
    # A proxy (reporting/models/sources.py: the tables the triggers watch) is the same table as its model.
    return [m for m in apps.get_models() if not m._meta.proxy]


def _liens(modele) -> set[type[models.Model]]:
    return {
        champ.related_model
        for champ in modele._meta.get_fields()
        if champ.concrete and champ.is_relation and champ.related_model is not None
    }


def modeles_des_participants() -> set[type[models.Model]]:
    """Participant and every model that points to it, directly or through another such model (a placement's hours
    and outcomes): each row describes a person followed."""
    trouves = {Participant}
    while True:
        nouveaux = {m for m in _modeles_concrets() if m not in trouves and _liens(m) & trouves}
        if not nouveaux:
            return trouves
        trouves |= nouveaux


def modeles_personnels() -> set[type[models.Model]]:
    utilisateur = apps.get_model("conventions", "User")
    personnels = set(modeles_des_participants())
    for modele in _modeles_concrets():
        noms = {champ.name for champ in modele._meta.get_fields() if champ.concrete}
        if noms & CHAMPS_PERSONNELS or utilisateur in _liens(modele):
            personnels.add(modele)
    return personnels


def test_the_check_finds_the_models_it_should():
    labels = {m._meta.label for m in modeles_personnels()}
    attendus = {
        "clauses.Participant",
        "clauses.Placement",
        "clauses.HeuresMensuelles",
        "clauses.Sortie",
        "reporting.PresenceMensuelle",
        "reporting.PersonneAnnuelle",
        "conventions.User",
        "entreprises.Entreprise",
        "config.Consultation",
        "auditlog.LogEntry",
        "axes.AccessAttempt",
        "sessions.Session",
    }
    assert attendus <= labels, attendus - labels
    assert "clauses.CorpsDEtat" not in labels and "reporting.CumulTerritoire" not in labels


def test_every_model_holding_personal_data_is_in_the_record():
    texte = _texte()
    absents = sorted(m._meta.label for m in modeles_personnels() if f"`{m._meta.label}`" not in texte)
    assert not absents, (
        "Modèles qui contiennent des données personnelles et que docs/registre-des-traitements.md ne cite pas "
        f"(`application.Modele`) : {absents}"
    )


def test_every_field_describing_a_participant_is_listed():
    texte = _texte()
    cites = set(re.findall(r"`([a-z_]+)`", texte))
    absents = sorted(
        f"{modele._meta.label}.{champ.name}"
        for modele in modeles_des_participants()
        if modele._meta.app_label == "clauses"
        for champ in modele._meta.get_fields()
        if (champ.concrete or champ.many_to_many)
        and not champ.auto_created
        and champ.name not in CHAMPS_TECHNIQUES
        and champ.name not in cites
    )
    assert not absents, f"Champs d'un participant absents de docs/registre-des-traitements.md : {absents}"


def test_the_record_links_to_the_pages_it_relies_on():
    texte = _texte()
    for lien in ("donnees-personnelles.md", "diffusion.md"):
        assert f"]({lien})" in texte
    for fichier in re.findall(r"`((?:config|clauses|reporting|conventions|tests)/[\w/]+\.py)`", texte):
        assert (REGISTRE.parent.parent / fichier).exists(), f"{fichier} cité par le registre n'existe pas"
