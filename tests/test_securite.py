"""Security of the logins and pages: throttling, Content-Security-Policy, sessions, password rules.

The login tests go through the real form at /connexion/ (django-axes counts what Django's authenticate() reports).
"""

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from config.securite import adresse_ip_client, duree_en_francais, identifiant_connexion
from conventions.factories import MOT_DE_PASSE, FacilitateurFactory

BASE_DIR = Path(__file__).resolve().parent.parent
URL_CONNEXION = "/connexion/"


def connexion(client, email: str, mot_de_passe: str, adresse: str = "203.0.113.10"):
    return client.post(URL_CONNEXION, {"username": email, "password": mot_de_passe}, REMOTE_ADDR=adresse)


def echouer(client, email: str, fois: int, adresse: str = "203.0.113.10"):
    reponses = [connexion(client, email, "pas-le-bon", adresse) for _ in range(fois)]
    return reponses[-1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        (URL_CONNEXION, "Saisissez une adresse e-mail et un mot de passe valides."),
        ("/admin/login/", "Saisissez l'adresse e-mail et le mot de passe d'un compte de l'équipe."),
    ],
)
def test_le_refus_de_connexion_parle_d_une_adresse(client, facilitateur, url, message):
    """Django's French « Saisissez un %(username)s » read « un adresse e-mail » with the e-mail as login."""
    reponse = client.post(url, {"username": facilitateur.email, "password": "pas-le-bon"}, REMOTE_ADDR="203.0.113.9")
    contenu = html.unescape(reponse.content.decode())
    assert message in contenu
    assert "un adresse" not in contenu


# --- Login throttling ---------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestVerrouillage:
    def test_quatre_echecs_laissent_encore_essayer(self, client, facilitateur):
        reponse = echouer(client, facilitateur.email, 4)
        assert reponse.status_code == 200
        assert "et un mot de passe valides" in reponse.content.decode()
        reponse = connexion(client, facilitateur.email, MOT_DE_PASSE)
        assert reponse.status_code == 302
        assert reponse["Location"] == reverse("reporting:accueil")

    def test_cinq_echecs_bloquent_meme_avec_le_bon_mot_de_passe(self, client, facilitateur):
        reponse = echouer(client, facilitateur.email, 5)
        assert reponse.status_code == 429
        reponse = connexion(client, facilitateur.email, MOT_DE_PASSE)
        assert reponse.status_code == 429
        assert "_auth_user_id" not in client.session
        assert client.get(reverse("reporting:accueil")).status_code == 302  # still anonymous: sent to login

    def test_page_de_blocage_en_francais(self, client, facilitateur):
        avant = timezone.localtime()
        reponse = echouer(client, facilitateur.email, 5)
        texte = reponse.content.decode()
        assert '<h1 class="h3 mb-3">Connexion temporairement bloquée</h1>' in texte
        assert "Après 5 tentatives de connexion échouées" in texte
        assert "pendant 1 heure" in texte
        # When to come back: one cool-off after this attempt, written the French way.
        heure = avant + dt.timedelta(hours=1)
        assert re.search(rf"{heure.day} \w+ {heure.year} à {heure:%H}:\d\d", texte)
        assert (
            f'<a class="btn btn-primary" href="{reverse("password_reset")}">Réinitialiser mon mot de passe</a>'
            in texte
        )
        assert reponse.headers["Content-Security-Policy"]

    def test_blocage_par_couple_adresse_et_email(self, client, facilitateur):
        echouer(client, facilitateur.email, 5, adresse="203.0.113.10")
        # Another e-mail from the same address, and the same e-mail from another address, still get in.
        collegue = FacilitateurFactory(email="dominique@exemple.fr")
        assert connexion(client, collegue.email, MOT_DE_PASSE, adresse="203.0.113.10").status_code == 302
        client.logout()
        assert connexion(client, facilitateur.email, MOT_DE_PASSE, adresse="198.51.100.7").status_code == 302

    def test_la_casse_de_l_email_ne_donne_pas_d_essais_de_plus(self, client, facilitateur):
        for email in ["Camille@exemple.fr", "CAMILLE@EXEMPLE.FR", " camille@exemple.fr", "camille@Exemple.fr"]:
            connexion(client, email, "pas-le-bon")
        reponse = connexion(client, facilitateur.email, "pas-le-bon")
        assert reponse.status_code == 429
        assert AccessAttempt.objects.get().username == "camille@exemple.fr"

    def test_une_connexion_reussie_remet_le_compteur_a_zero(self, client, facilitateur):
        echouer(client, facilitateur.email, 4)
        assert connexion(client, facilitateur.email, MOT_DE_PASSE).status_code == 302
        client.logout()
        reponse = echouer(client, facilitateur.email, 4)
        assert reponse.status_code == 200
        assert connexion(client, facilitateur.email, MOT_DE_PASSE).status_code == 302

    def test_le_blocage_se_leve_apres_le_delai(self, client, facilitateur):
        echouer(client, facilitateur.email, 5)
        # An hour and a minute later (the attempts are dated back rather than the clock moved forward).
        AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=61))
        assert connexion(client, facilitateur.email, MOT_DE_PASSE).status_code == 302

    def test_le_mot_de_passe_n_est_pas_garde(self, client, facilitateur):
        echouer(client, facilitateur.email, 2)
        assert "pas-le-bon" not in AccessAttempt.objects.get().post_data

    def test_reglages(self):
        assert settings.AXES_FAILURE_LIMIT == 5
        assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
        assert settings.AXES_COOLOFF_TIME == dt.timedelta(hours=1)
        assert settings.AXES_RESET_ON_SUCCESS is True


def test_duree_en_francais():
    assert duree_en_francais(dt.timedelta(hours=1)) == "1 heure"
    assert duree_en_francais(dt.timedelta(minutes=90)) == "1 heure et 30 minutes"
    assert duree_en_francais(dt.timedelta(hours=2)) == "2 heures"
    assert duree_en_francais(dt.timedelta(minutes=15)) == "15 minutes"
    assert duree_en_francais(dt.timedelta(minutes=1)) == "1 minute"


def test_identifiant_connexion():
    requete = RequestFactory().post(URL_CONNEXION, {"username": "  Camille@Exemple.FR "})
    assert identifiant_connexion(requete) == "camille@exemple.fr"
    assert identifiant_connexion(requete, {"username": "Dominique@exemple.fr"}) == "dominique@exemple.fr"
    assert identifiant_connexion(RequestFactory().post(URL_CONNEXION, {})) is None


class TestAdresseClient:
    def requete(self, **meta):
        return RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", **meta)

    def test_sans_proxy_de_confiance_l_en_tete_est_ignore(self, settings):
        settings.CLAUSES_PROXIES_DE_CONFIANCE = 0
        assert adresse_ip_client(self.requete(HTTP_X_FORWARDED_FOR="198.51.100.7")) == "10.0.0.2"

    def test_derriere_un_proxy_l_adresse_qu_il_a_ajoutee(self, settings):
        settings.CLAUSES_PROXIES_DE_CONFIANCE = 1
        # The client wrote the first entry itself; only the last one, added by our proxy, is believed.
        requete = self.requete(HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
        assert adresse_ip_client(requete) == "198.51.100.7"

    def test_deux_proxies(self, settings):
        settings.CLAUSES_PROXIES_DE_CONFIANCE = 2
        requete = self.requete(HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7, 10.0.0.9")
        assert adresse_ip_client(requete) == "198.51.100.7"

    def test_en_tete_absent_ou_invalide(self, settings):
        settings.CLAUSES_PROXIES_DE_CONFIANCE = 1
        assert adresse_ip_client(self.requete()) == "10.0.0.2"
        assert adresse_ip_client(self.requete(HTTP_X_FORWARDED_FOR="pas-une-adresse")) is None


# --- Content-Security-Policy --------------------------------------------------------------------------------

POLITIQUE = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def directives(entete: str) -> dict[str, str]:
    return {d.strip().split(" ", 1)[0]: d.strip() for d in entete.split(";") if d.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/connexion/", "/", "/admin/login/"])
def test_politique_de_securite_du_contenu(client_facilitateur, url):
    reponse = client_facilitateur.get(url, follow=True)
    assert reponse.status_code == 200
    entete = reponse.headers["Content-Security-Policy"]
    assert directives(entete) == directives(POLITIQUE)
    assert "unsafe" not in entete


# Pages, an error, a refusal, a static file served by WhiteNoise and a redirect: every response carries it.
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "statut"),
    [
        ("/connexion/", 302),
        ("/", 200),
        ("/portail/", 403),
        ("/cette-page-n-existe-pas/", 404),
        ("/static/css/clauses.css", 200),
        ("/admin/", 302),
    ],
)
def test_permissions_policy_sur_chaque_reponse(client_facilitateur, url, statut):
    reponse = client_facilitateur.get(url)
    reponse.close()
    assert reponse.status_code == statut
    politique = dict(p.strip().split("=", 1) for p in reponse.headers["Permissions-Policy"].split(","))
    for fonction in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
        assert politique[fonction] == "()", fonction


def test_htmx_n_injecte_pas_de_style():
    base = (BASE_DIR / "templates" / "base.html").read_text()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, "allowEval": false}\'>' in base
    css = (BASE_DIR / "static" / "css" / "clauses.css").read_text()
    assert ".htmx-indicator {" in css
    assert ".htmx-request .htmx-indicator" in css


def gabarits_du_projet() -> list[Path]:
    dossiers = [BASE_DIR / "templates"] + [
        BASE_DIR / app / "templates" for app in ("conventions", "entreprises", "marches", "clauses", "reporting")
    ]
    return sorted(p for dossier in dossiers for p in dossier.rglob("*.html"))


def test_aucun_style_ni_script_en_ligne_dans_les_gabarits():
    """The policy refuses inline style attributes, <style> and <script> blocks: none may be written.

    The PDF templates (templates/reporting/pdf/, rendered by WeasyPrint, never served to a browser) may
    carry their print stylesheet inline.
    """
    fautes = []
    for gabarit in gabarits_du_projet():
        if "pdf" in gabarit.relative_to(BASE_DIR).parts:
            continue
        texte = gabarit.read_text()
        relatif = gabarit.relative_to(BASE_DIR)
        if re.search(r"\sstyle\s*=", texte):
            fautes.append(f"{relatif} : attribut style")
        if re.search(r"<style[\s>]", texte):
            fautes.append(f"{relatif} : balise <style>")
        for balise in re.findall(r"<script\b[^>]*>", texte):
            if "src=" not in balise and 'type="application/json"' not in balise:
                fautes.append(f"{relatif} : script en ligne {balise}")
        if re.search(r"\son[a-z]+\s*=", texte) or "javascript:" in texte:
            fautes.append(f"{relatif} : gestionnaire d'événement en ligne")
    assert len(gabarits_du_projet()) > 30
    assert fautes == []


# --- Sessions and passwords --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_session_de_huit_heures_fermee_avec_le_navigateur(client, facilitateur):
    assert connexion(client, facilitateur.email, MOT_DE_PASSE).status_code == 302
    assert client.session.get_expiry_age() == 8 * 3600
    assert client.session.get_expire_at_browser_close() is True
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # no date: the browser drops it when closed
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize(
    "mot_de_passe, message",
    [
        ("court", "Ce mot de passe est trop court. Il doit contenir au minimum 10 caractères."),
        ("motdepasse", "Ce mot de passe est trop courant."),
        ("8462917305", "Ce mot de passe est entièrement numérique."),
    ],
)
def test_les_regles_de_mot_de_passe_parlent_francais(mot_de_passe, message):
    with pytest.raises(ValidationError) as erreur:
        validate_password(mot_de_passe)
    assert message in [m.replace("\u00a0", " ") for m in erreur.value.messages]


@pytest.mark.django_db
def test_mot_de_passe_trop_proche_de_l_adresse(facilitateur):
    with pytest.raises(ValidationError) as erreur:
        validate_password("camille@exemple.fr", user=facilitateur)
    messages = [m.replace("\u00a0", " ") for m in erreur.value.messages]
    assert "Le mot de passe est trop semblable au champ « adresse e-mail »." in messages
