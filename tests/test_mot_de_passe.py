"""Password reset by email, end to end with the test client: the login page's link, the French email, the
one-time link, Django's password validators, then a login through the real form with the new password."""

import re

import pytest
from django.test import TestCase
from django.urls import reverse

from conventions.factories import MOT_DE_PASSE, ReferentFactory, UserFactory

pytestmark = pytest.mark.django_db

NOUVEAU = "Garrigue-et-Camargue-2026"
LIEN = re.compile(r"http://testserver(/mot-de-passe/reinitialisation/[^/\s]+/[^/\s]+/)")


def demander(client, email: str):
    # The e-mail is recorded in the request's transaction and sent after the commit (config.courriels), which never
    # comes inside a test's transaction: run what the commit would run.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("password_reset"), {"email": email})


def se_connecter(client, email: str, mot_de_passe: str):
    return client.post(reverse("connexion"), {"username": email, "password": mot_de_passe})


def test_the_login_page_links_to_the_reset(client):
    contenu = client.get(reverse("connexion")).content.decode()
    assert f'<a href="{reverse("password_reset")}">Mot de passe oublié ?</a>' in contenu


def test_the_reset_pages_are_public_and_french(client):
    for nom in ("password_reset", "password_reset_done", "password_reset_complete"):
        reponse = client.get(reverse(nom))
        assert reponse.status_code == 200, nom
    assert "Mot de passe oublié" in client.get(reverse("password_reset")).content.decode()
    assert "Adresse e-mail" in client.get(reverse("password_reset")).content.decode()


def test_reset_end_to_end(client, mailoutbox):
    user = ReferentFactory(user__email="jeanne.dupont@arles.fr", user__first_name="Jeanne").user

    reponse = demander(client, "Jeanne.Dupont@Arles.fr")
    assert reponse.status_code == 302 and reponse["Location"] == reverse("password_reset_done")
    [courriel] = mailoutbox
    assert courriel.to == ["jeanne.dupont@arles.fr"]
    assert courriel.subject == "Clauses — réinitialisation de votre mot de passe"
    assert courriel.body.startswith("Bonjour Jeanne,")
    assert "reste valable 3 jours" in courriel.body
    [(html, type_mime)] = courriel.alternatives
    assert type_mime == "text/html" and "Choisir un nouveau mot de passe" in html
    lien = LIEN.search(courriel.body).group(1)

    # Django moves the token out of the URL into the session, then shows the form.
    reponse = client.get(lien)
    assert reponse.status_code == 302
    formulaire = reponse["Location"]
    contenu = client.get(formulaire).content.decode()
    assert "Choisissez un nouveau mot de passe" in contenu

    for faible, message in (
        ("123", "Ce mot de passe est trop court. Il doit contenir au minimum 10 caractères."),
        ("motdepasse", "Ce mot de passe est trop courant."),
    ):
        reponse = client.post(formulaire, {"new_password1": faible, "new_password2": faible})
        assert reponse.status_code == 200
        assert message in reponse.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(MOT_DE_PASSE)

    reponse = client.post(formulaire, {"new_password1": NOUVEAU, "new_password2": NOUVEAU})
    assert reponse["Location"] == reverse("password_reset_complete")
    assert "Mot de passe modifié" in client.get(reverse("password_reset_complete")).content.decode()

    # The link served once; the old password is gone, the new one opens the portal.
    assert "Lien invalide" in client.get(lien, follow=True).content.decode()
    assert se_connecter(client, user.email, MOT_DE_PASSE).status_code == 200
    reponse = se_connecter(client, user.email, NOUVEAU)
    assert reponse.status_code == 302
    assert client.get(reverse("portail:accueil")).status_code == 200


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, mailoutbox):
    reponse = demander(client, "personne@inconnue.fr")
    assert reponse.status_code == 302 and reponse["Location"] == reverse("password_reset_done")
    assert not mailoutbox


def test_an_account_waiting_for_its_invitation_gets_no_reset_email(client, mailoutbox):
    user = UserFactory(email="jeanne.dupont@arles.fr")
    user.set_unusable_password()
    user.save()
    demander(client, user.email)
    assert not mailoutbox
    contenu = client.get(reverse("password_reset_done")).content.decode()
    assert "demandez-lui de la renvoyer" in contenu


def test_a_forged_link_is_refused(client):
    user = UserFactory()
    reponse = client.get(
        reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "faux-jeton"}), follow=True
    )
    assert "Lien invalide" in reponse.content.decode()
    user.refresh_from_db()
    assert user.check_password(MOT_DE_PASSE)


def test_a_reset_lifts_a_login_lock(client, mailoutbox):
    user = ReferentFactory(user__email="bloquee@arles.fr").user
    for _ in range(5):
        se_connecter(client, user.email, "pas-le-bon")
    assert se_connecter(client, user.email, MOT_DE_PASSE).status_code == 429

    demander(client, user.email)
    lien = LIEN.search(mailoutbox[0].body).group(1)
    formulaire = client.get(lien)["Location"]
    client.post(formulaire, {"new_password1": NOUVEAU, "new_password2": NOUVEAU})

    assert se_connecter(client, user.email, NOUVEAU).status_code == 302


# --- Throttling of reset e-mails (config.securite.DemandeReinitialisation) ------------------------------------


def _message(reponse) -> str:
    return re.sub(r"\s+", " ", reponse.content.decode())


def _corps(reponse, email: str) -> str:
    """The page's main part, without the address typed and the tokens that change with each page."""
    principal = _message(reponse).replace(email, "ADRESSE").split("<main", 1)[1]
    return re.sub(r'value="[^"]*"', "", principal)


def test_a_fourth_request_for_one_address_within_the_hour_sends_nothing(client, mailoutbox):
    ReferentFactory(user__email="jeanne.dupont@arles.fr")
    for _ in range(3):
        assert demander(client, "jeanne.dupont@arles.fr").status_code == 302
    assert len(mailoutbox) == 3
    # The same address, spelt otherwise, is the same address.
    reponse = demander(client, " Jeanne.Dupont@ARLES.fr ")
    assert reponse.status_code == 429
    assert len(mailoutbox) == 3
    assert "Trop de demandes de réinitialisation" in _message(reponse)
    assert "réessayez dans une heure" in _message(reponse)


def test_the_refusal_says_nothing_about_the_account(client, mailoutbox):
    """An address with no account is counted and refused the same way, with the same page."""
    ReferentFactory(user__email="jeanne.dupont@arles.fr")
    reponses = {}
    for email in ("jeanne.dupont@arles.fr", "personne@inconnue.fr"):
        for _ in range(3):
            assert demander(client, email).status_code == 302
        reponses[email] = demander(client, email)
    connue, inconnue = reponses.values()
    assert connue.status_code == inconnue.status_code == 429
    assert _corps(connue, "jeanne.dupont@arles.fr") == _corps(inconnue, "personne@inconnue.fr")


def test_one_client_trying_many_addresses_is_stopped(client, mailoutbox, settings):
    for numero in range(settings.CLAUSES_REINITIALISATIONS_PAR_CLIENT):
        ReferentFactory(user__email=f"personne{numero}@arles.fr")
        assert demander(client, f"personne{numero}@arles.fr").status_code == 302
    ReferentFactory(user__email="encore@arles.fr")
    assert demander(client, "encore@arles.fr").status_code == 429
    assert len(mailoutbox) == settings.CLAUSES_REINITIALISATIONS_PAR_CLIENT
    # Another client asking for that address still gets its e-mail.
    with TestCase.captureOnCommitCallbacks(execute=True):
        reponse = client.post(reverse("password_reset"), {"email": "encore@arles.fr"}, REMOTE_ADDR="192.0.2.7")
    assert reponse.status_code == 302
    assert mailoutbox[-1].to == ["encore@arles.fr"]


def test_the_counters_are_shared_through_redis(redis_url, client, mailoutbox, settings):
    """With REDIS_URL, the counters are in Redis, shared by every web process, and end with their hour."""
    import redis as client_redis
    from django.core.cache import cache

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    demander(client, "jeanne.dupont@arles.fr")
    serveur = client_redis.Redis.from_url(redis_url)
    cles = [cache.make_and_validate_key(f"reinitialisation:client:{c}") for c in ("127.0.0.1",)]
    assert serveur.get(cles[0]) == b"1"
    assert 3500 < serveur.ttl(cles[0]) <= 3600
    serveur.close()


def test_without_the_cache_a_reset_still_goes_out(client, mailoutbox, settings, caplog):
    """Redis down: the person locked out of their account still gets the link; the logs say the limit is off."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    ReferentFactory(user__email="jeanne.dupont@arles.fr")
    for _ in range(5):
        assert demander(client, "jeanne.dupont@arles.fr").status_code == 302
    assert len(mailoutbox) == 5
    assert "Compteurs de réinitialisation indisponibles" in caplog.text
