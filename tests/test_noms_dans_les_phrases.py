"""A donneur d'ordre's name inside a sentence takes its article, contracted after « de » and « à » (issue 13 §4):
« la convention avec la Ville d'Arles », « les référents du Syndicat mixte… », « transmettre le bilan à l'Office… »,
« Espace de Delta Rhône Habitat » — in the e-mails, the home alerts, the portal's and the facilitator's pages, the
flash messages and the annual bilan's PDF. Each sentence is read for a name taking « la », one taking « le », one
taking « l' » and a proper name taking none (conventions.noms). Headings, table cells and labels that show the name
alone keep it bare (« Ville d'Arles »), and are not read here.
"""

import datetime as dt
import html
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst

from conventions.emails import preparer_courriel
from conventions.factories import ConventionFactory, DonneurDOrdreFactory, ReferentFactory
from conventions.models import Invitation
from marches.factories import LotFactory, MarcheFactory
from marches.models import StatutMarche
from reporting import alertes, emails
from reporting.documents import bilan_annuel
from reporting.documents.rendu import rendre_html
from reporting.models import BilanAnnuel, Rapport, TypeRapport

pytestmark = pytest.mark.django_db

D = dt.date


@dataclass(frozen=True)
class Nom:
    nom: str
    le: str  # after « avec », « entre », « par », « pour »
    du: str  # where the sentence says « de »
    au: str  # where it says « à »

    @property
    def Le(self) -> str:  # noqa: N802 — at the start of a sentence
        return capfirst(self.le)


NOMS = [
    pytest.param(Nom("Ville d'Arles", "la Ville d'Arles", "de la Ville d'Arles", "à la Ville d'Arles"), id="la"),
    pytest.param(
        Nom(
            "Syndicat mixte des eaux du Delta",
            "le Syndicat mixte des eaux du Delta",
            "du Syndicat mixte des eaux du Delta",
            "au Syndicat mixte des eaux du Delta",
        ),
        id="le",
    ),
    pytest.param(
        Nom(
            "Office public de l'habitat du Pays d'Arles",
            "l'Office public de l'habitat du Pays d'Arles",
            "de l'Office public de l'habitat du Pays d'Arles",
            "à l'Office public de l'habitat du Pays d'Arles",
        ),
        id="l'",
    ),
    pytest.param(
        Nom("Delta Rhône Habitat", "Delta Rhône Habitat", "de Delta Rhône Habitat", "à Delta Rhône Habitat"),
        id="sans article",
    ),
]


def lu(contenu: str | bytes) -> str:
    """What a reader sees: tags dropped, entities decoded, white space collapsed."""
    if isinstance(contenu, bytes):
        contenu = contenu.decode()
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", contenu)).split()).replace(" .", ".").replace(" ,", ",")


def courriel(message) -> tuple[str, str, str]:
    """Subject, text body and HTML body as read."""
    return message.subject, lu(message.body), lu(message.alternatives[0][0])


@pytest.fixture(params=NOMS)
def nom(request) -> Nom:
    return request.param


@pytest.fixture
def donneur(nom):
    return DonneurDOrdreFactory(nom=nom.nom)


@pytest.fixture
def convention(donneur):
    # Periods from 1 July 2025: échéance 30 June 2026 then 30 June 2027, notice by 31 March 2027.
    return ConventionFactory(donneur_d_ordre=donneur, date_effet=D(2025, 7, 1), date_signature=D(2025, 6, 1))


def bilan_transmis(convention, **champs) -> BilanAnnuel:
    periode = convention.periode_numero(1)
    return BilanAnnuel.objects.create(
        convention=convention,
        numero_periode=1,
        periode_debut=periode.debut,
        periode_fin=periode.echeance,
        texte_qualitatif="Une année de démarrage.",
        transmis_le=timezone.now(),
        **champs,
    )


# --- E-mails -----------------------------------------------------------------------------------------------


def test_the_periodic_report_s_email(nom, donneur):
    rapport = Rapport.objects.create(
        type=TypeRapport.RAPPORT_PERIODIQUE,
        donneur_d_ordre=donneur,
        periode_debut=D(2026, 1, 1),
        periode_fin=D(2026, 3, 31),
    )
    rapport.enregistrer_fichier("rapport.pdf", b"%PDF-1.4")
    _, texte, page = courriel(emails.rapport_periodique(rapport, ["referent@exemple.fr"]))
    for corps in (texte, page):
        assert f"le rapport trimestriel des clauses sociales d'insertion {nom.du} pour" in corps
        assert f"Ce message est envoyé automatiquement aux référents {nom.du}." in corps


def test_the_notice_reminder(nom, convention):
    periode = convention.periode_numero(2)
    message = emails.rappel_echeance(
        convention, periode, D(2027, 1, 30), referents=["r@exemple.fr"], facilitateurs=["f@exemple.fr"], courrier=None
    )
    assert message.subject.startswith(f"Convention de coopération avec {nom.le} : date limite de dénonciation le")
    assert f"Date limite de dénonciation de la convention avec {nom.le} Bonjour" in lu(message.alternatives[0][0])
    assert f"La convention de coopération entre {nom.le} et " in lu(message.body)


def test_the_bilan_to_write(nom, convention):
    periode = convention.periode_numero(1)
    bilan = BilanAnnuel(
        convention=convention, numero_periode=1, periode_debut=periode.debut, periode_fin=periode.echeance
    )
    sujet, texte, page = courriel(emails.bilan_a_completer(bilan, ["f@exemple.fr"], None))
    assert sujet.startswith(f"Bilan annuel à rédiger — convention avec {nom.le} (du 1er juillet 2025")
    for corps in (texte, page):
        assert f"de la convention de coopération avec {nom.le} s'est achevée le 30 juin 2026" in corps
        assert f"Rédiger puis transmettre le bilan {nom.au}" in corps
        assert f"Les référents {nom.du} ne le verront qu'une fois transmis." in corps


def test_the_declared_marche_and_the_proposed_attributaires(nom, donneur):
    marche = MarcheFactory(donneur_d_ordre=donneur, objet="Groupe scolaire")
    contexte = {"marche": marche, "lien": "https://clauses.exemple.fr/"}
    sujet, texte, page = courriel(preparer_courriel("marches/emails/marche_declare", ["f@exemple.fr"], contexte))
    assert sujet == f"Nouveau marché déclaré par {nom.le} : Groupe scolaire"
    for corps in (texte, page):
        assert f"{nom.Le} a déclaré un marché sur le portail" in corps
    referent = ReferentFactory(donneur_d_ordre=donneur, user__first_name="Inès", user__last_name="Roux")
    marche.declare_par = referent.user
    _, texte, page = courriel(preparer_courriel("marches/emails/marche_declare", ["f@exemple.fr"], contexte))
    for corps in (texte, page):
        assert f"Inès Roux ({referent.user.email}), pour {nom.le}, a déclaré un marché" in corps

    contexte = {**contexte, "propositions": [], "envoye_par": None}
    sujet, texte, page = courriel(
        preparer_courriel("marches/emails/attributaires_proposes", ["f@exemple.fr"], contexte)
    )
    assert sujet == f"Attributaires proposés par {nom.le} : Groupe scolaire"
    for corps in (texte, page):
        assert f"{nom.Le} a envoyé 0 attributaire" in corps
    contexte["envoye_par"] = referent.user
    _, texte, page = courriel(preparer_courriel("marches/emails/attributaires_proposes", ["f@exemple.fr"], contexte))
    for corps in (texte, page):
        assert f"Inès Roux, pour {nom.le}, a envoyé" in corps


def test_the_invitation(nom, donneur):
    invitation = Invitation(donneur_d_ordre=donneur, email="ines.roux@exemple.fr")
    contexte = {
        "invitation": invitation,
        "donneur": donneur,
        "lien": "https://clauses.exemple.fr/invitation/x/",
        "compte_existant": True,
        "invite_par": "",
        "invite_par_email": "",
        "jours": 14,
    }
    _, texte, page = courriel(preparer_courriel("conventions/emails/invitation", [invitation.email], contexte))
    for corps in (texte, page):
        assert f"Nous vous invitons à devenir référent {nom.du} sur le portail" in corps
        assert f"puis rejoignez l'espace {nom.du}." in corps
    assert f"Rejoindre l'espace {nom.du}" in page


# --- Home alerts -------------------------------------------------------------------------------------------


def test_the_home_alerts(nom, donneur, convention):
    denonciations, _ = alertes.conventions(D(2027, 2, 1))
    assert denonciations[0].texte.startswith(f"La convention avec {nom.le} arrive à sa date limite de dénonciation")
    _, bilans = alertes.conventions(D(2027, 6, 1))
    assert bilans[0].texte.startswith(f"Bilan annuel à préparer pour la convention avec {nom.le} (échéance")

    sans = MarcheFactory(
        donneur_d_ordre=donneur, objet="Nettoyage", statut=StatutMarche.ATTRIBUE, date_attribution=D(2026, 10, 1)
    )
    LotFactory(marche=sans)
    (alerte,), _ = alertes.marches_sans_attributaire(D(2026, 11, 25))
    assert alerte.texte == f"Le marché « Nettoyage » {nom.du} est attribué mais aucun attributaire n'est enregistré"

    MarcheFactory(donneur_d_ordre=donneur, objet="Groupe scolaire", declare_le=timezone.now())
    (alerte,), _ = alertes.demandes_des_donneurs(D(2026, 11, 25))
    assert alerte.texte == f"{nom.Le} a déclaré le marché « Groupe scolaire » et demande l'appui du facilitateur"


# --- Pages and flash messages ------------------------------------------------------------------------------


def test_the_portal_pages(nom, donneur, convention, client):
    referent = ReferentFactory(donneur_d_ordre=donneur)
    client.force_login(referent.user)
    assert f"Espace {nom.du}" in lu(client.get(reverse("portail:accueil")).content)
    assert f"sur les marchés {nom.du} en " in lu(client.get(reverse("portail:statistiques")).content)
    MarcheFactory(donneur_d_ordre=donneur)
    assert f"1 marché {nom.du} suivi par le facilitateur" in lu(client.get(reverse("portail:marches")).content)
    rapports = lu(client.get(reverse("portail:rapports")).content)
    assert f"Vous pouvez y ajouter le commentaire {nom.du}." in rapports
    assert f"Bilans annuels transmis {nom.au}" in rapports and f"Rapports adressés {nom.au}" in rapports
    profil = lu(client.get(reverse("portail:profil")).content)
    assert f"pour vous joindre au sujet des clauses {nom.du}." in profil
    assert f"Votre fonction au sein {nom.du}." in profil
    bilan = bilan_transmis(convention)
    assert f"Commentaire {nom.du}" in lu(client.get(reverse("portail:bilan", args=[bilan.pk])).content)

    # A référent of two donneurs d'ordre switches from one to the other.
    autre = ReferentFactory(user=referent.user).donneur_d_ordre
    client.post(reverse("portail:changer_donneur"), {"donneur": autre.pk})
    reponse = client.post(reverse("portail:changer_donneur"), {"donneur": donneur.pk}, follow=True)
    assert f"Vous consultez maintenant l'espace {nom.du}." in lu(reponse.content)


def test_the_facilitator_s_pages(nom, donneur, convention, client_facilitateur):
    fiche = lu(client_facilitateur.get(reverse("conventions:donneur", args=[donneur.pk])).content)
    assert f"Rapports {nom.du}" in fiche and f"Référents {nom.du}" in fiche and f"Marchés {nom.du}" in fiche

    referent = ReferentFactory(donneur_d_ordre=donneur, user__first_name="Inès", user__last_name="Roux")
    url = reverse("conventions:referent_retrait", args=[referent.pk])
    assert f"ne sera plus référent {nom.du} et n'aura plus accès" in lu(client_facilitateur.get(url).content)
    assert f"Inès Roux n'est plus référent {nom.du}." in lu(client_facilitateur.post(url, follow=True).content)

    periode = convention.periode_numero(1)
    bilan = BilanAnnuel.objects.create(
        convention=convention,
        numero_periode=1,
        periode_debut=periode.debut,
        periode_fin=periode.echeance,
        texte_qualitatif="Une année de démarrage.",
    )
    edition = lu(client_facilitateur.get(reverse("reporting:bilan_edition", args=[convention.pk, 1])).content)
    assert f"Heures d'insertion {nom.du} sur la période" in edition
    assert f"le bilan est visible par les référents {nom.du} sur leur portail" in edition
    reponse = client_facilitateur.post(reverse("reporting:bilan_transmission", args=[bilan.pk]), follow=True)
    assert f"Le bilan est transmis : les référents {nom.du} le lisent sur le portail." in lu(reponse.content)


# --- The annual bilan's PDF --------------------------------------------------------------------------------


def test_the_annual_bilan_names_the_donneur_s_comment(nom, donneur, convention):
    bilan = bilan_transmis(convention, commentaire_donneur="Nous étendrons la clause à la voirie.")
    rapport = Rapport.objects.create(
        type=TypeRapport.BILAN_ANNUEL,
        convention=convention,
        donneur_d_ordre=donneur,
        periode_debut=bilan.periode_debut,
        periode_fin=bilan.periode_fin,
    )
    page = lu(rendre_html(bilan_annuel.GABARIT, bilan_annuel.contexte(rapport)))
    assert f"Commentaire {nom.du} Nous étendrons la clause à la voirie." in page
    # The cover names the donneur d'ordre alone, as a title does.
    assert f"{nom.nom} — " in page or f"{nom.nom} " in page
