"""Markup in data is never markup on a page.

Every text field of every row of the URL matrix's world (donneurs, conventions, avenants, marchés, lots,
entreprises, opérateurs, participants, users' names, propositions, reports, bilans…) gets a value carrying
markup; every page of the matrix is then read as the facilitator, the référent and the admin, with the admin's
lists and forms. The markup must come back escaped, never as tags: a help text, a ``mark_safe`` or a ``|safe``
fed with data would put it there (the donneur's name in the « Fonction » help text of /portail/profil/ did).
"""

import pgtrigger
import pytest
from django.apps import apps
from django.core import validators
from django.db import models
from django.urls import reverse

from clauses import minimisation
from tests import test_matrice_urls as matrice
from tests.test_matrice_urls import _fermer, _url

pytestmark = pytest.mark.django_db

monde = matrice.monde

BALISE = "<i>x</i>"
MARQUE = f"{BALISE}\"'&"
BALISE_ECHAPPEE = "&lt;i&gt;x&lt;/i&gt;"
APPS_DU_PROJET = {"conventions", "entreprises", "marches", "clauses", "reporting", "config"}
# Text fields that hold no free text: identifiers, codes and formats the application reads back (a SIRET, a
# token's hash, a list's path…), which forms validate and pages never print as typed.
HORS_TEXTE = {
    "conventions.User.password",
    "conventions.Invitation.token_hash",
    "clauses.Participant.reference",
    "config.ExportListe.vue",
    "config.ExportListe.parametres",
}


TEXTE_LIBRE = {validators.MaxLengthValidator, validators.ProhibitNullCharactersValidator}
# What a free-text field refuses besides its length (clauses.minimisation): it still holds free text.
MINIMISATION = {minimisation.valider_sans_nir, minimisation.valider_sans_donnee_de_sante}
# The access log refuses any change (a trigger): the test writes its markup past it, as nobody else may.
AJOUT_SEUL = "config.Consultation:consultation_ajout_seul"


def _champs_de_texte(modele) -> list[models.Field]:
    return [
        champ
        for champ in modele._meta.concrete_fields
        if isinstance(champ, models.CharField | models.TextField)
        and not isinstance(champ, models.EmailField | models.FileField)
        and not champ.choices
        and f"{modele._meta.label}.{champ.name}" not in HORS_TEXTE
        and (champ.max_length is None or champ.max_length >= len(MARQUE) + 2)
        # A field with its own validators (SIRET, NAF code…) never holds markup: forms and imports refuse it.
        and not any(type(v) not in TEXTE_LIBRE and not any(v is m for m in MINIMISATION) for v in champ.validators)
    ]


def baliser_toutes_les_donnees() -> list[str]:
    """Prefixes every free-text field of every row with MARQUE (kept unique by the row's old value)."""
    balises = []
    for modele in apps.get_models():
        if modele._meta.app_label not in APPS_DU_PROJET or modele._meta.proxy or not modele._meta.managed:
            continue
        champs = _champs_de_texte(modele)
        if not champs:
            continue
        for ligne in modele._default_manager.all():
            valeurs = {}
            for champ in champs:
                ancienne = getattr(ligne, champ.attname) or ""
                valeur = MARQUE + ancienne
                if champ.max_length and len(valeur) > champ.max_length:
                    # The end of the old value keeps a unique field unique (« Commune 12 »).
                    valeur = MARQUE + ancienne[len(valeur) - champ.max_length :]
                valeurs[champ.attname] = valeur
            with pgtrigger.ignore(AJOUT_SEUL):
                modele._default_manager.filter(pk=ligne.pk).update(**valeurs)
        balises += [f"{modele._meta.label}.{champ.name}" for champ in champs]
    return balises


def _lire(client, url: str) -> str | None:
    reponse = client.get(url)
    try:
        if reponse.status_code != 200 or not reponse.get("Content-Type", "").startswith("text/html"):
            return None
        return b"".join(reponse.streaming_content).decode() if reponse.streaming else reponse.content.decode()
    finally:
        _fermer(reponse)


def _pages(monde) -> list[tuple[str, str]]:
    """(role, URL) of every page of the matrix, each read by a role it is served to."""
    lecteurs = {
        matrice.TABLEAU: "facilitateur",
        matrice.TABLEAU_PERSONNEL: "facilitateur",
        matrice.ACCUEIL: "facilitateur",
        matrice.PORTAIL: "referent_a",
        matrice.PORTAIL_OBJET: "referent_a",
        matrice.CONNECTE: "referent_a",
        matrice.PUBLIC: "anonyme",
    }
    pages = [(lecteurs[genre], _url(nom, args, monde)) for nom, (genre, args) in sorted(matrice.MATRICE.items())]
    # The admin's lists and forms, where its own format_html and display functions print data.
    for nom in sorted(matrice.noms_d_url()):
        if nom.endswith(("_changelist", "_change")) and nom.startswith("admin:"):
            pages.append(("admin", reverse(nom, args=matrice._args_admin(nom, monde))))
    return pages


def test_the_fields_left_out_exist():
    for nom in HORS_TEXTE:
        label, champ = nom.rsplit(".", 1)
        apps.get_model(label)._meta.get_field(champ)


def test_markup_in_every_text_field_comes_back_escaped_on_every_page(client, monde):
    balises = baliser_toutes_les_donnees()
    for attendu in (
        "conventions.DonneurDOrdre.nom",
        "marches.Marche.objet",
        "clauses.Participant.nom",
        "clauses.Participant.notes",
        "clauses.Sortie.commentaire",
        "config.Consultation.description",
    ):
        assert attendu in balises
    lues, echappees, fautes = 0, 0, []
    role_connecte = None
    for role, url in _pages(monde):
        if role != role_connecte:
            client.logout()
            if monde.utilisateurs[role] is not None:
                client.force_login(monde.utilisateurs[role])
            role_connecte = role
        contenu = _lire(client, url)
        if contenu is None:
            continue
        lues += 1
        echappees += BALISE_ECHAPPEE in contenu
        if BALISE in contenu:
            debut = contenu.index(BALISE)
            fautes.append(f"{url} ({role}) : …{contenu[max(0, debut - 150) : debut + 30]}…")
    assert not fautes, "Balisage des données rendu tel quel :\n" + "\n\n".join(fautes)
    # The data did reach the pages (escaped): the check above looked at something.
    assert lues >= 100 and echappees >= 80, (lues, echappees)
