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
