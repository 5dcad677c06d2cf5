"""Invitations of référents: sent by a facilitator, accepted once through the emailed link, and the removal of a
membership that cuts the portal at once. Real database, real emails (Django's locmem outbox)."""

import datetime as dt
import hashlib
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from conventions import services
from conventions.factories import (
    MOT_DE_PASSE,
    AdminFactory,
    DonneurDOrdreFactory,
    FacilitateurFactory,
    ReferentFactory,
    UserFactory,
)
from conventions.models import Invitation, Referent, User
from conventions.portail import CLE_SESSION

pytestmark = pytest.mark.django_db

NOUVEAU_MOT_DE_PASSE = "Garrigue-et-Camargue-2026"
LIEN = re.compile(r"http://testserver/invitation/([A-Za-z0-9_-]+)/")
PAGE_INVALIDE = "Ce lien d'invitation ne fonctionne pas ou plus"


def apres_commit():
    """Emails leave after the commit, which never comes in a test's transaction: run what it would have run."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def lien_absolu(chemin: str) -> str:
    return f"http://testserver{chemin}"


def inviter(donneur, email="jeanne.dupont@arles.fr", **kwargs) -> tuple[Invitation, str]:
    """An invitation made by the service, and the token its email carries."""
    with apres_commit():
        invitation = services.inviter_referent(
            donneur, email=email, invite_par=kwargs.pop("invite_par", None), lien_absolu=lien_absolu, **kwargs
        )
    return invitation, jeton_du_dernier_courriel()


def jeton_du_dernier_courriel() -> str:
    from django.core import mail

    return LIEN.search(mail.outbox[-1].body).group(1)


def url(jeton: str) -> str:
    return reverse("conventions:invitation", args=[jeton])


def creer_compte(client, jeton: str, mot_de_passe: str = NOUVEAU_MOT_DE_PASSE, **kwargs):
    donnees = {
        "first_name": "Jeanne",
        "last_name": "Dupont",
        "new_password1": mot_de_passe,
        "new_password2": mot_de_passe,
        **kwargs,
    }
    return client.post(url(jeton), donnees)


@pytest.fixture
def arles():
    return DonneurDOrdreFactory(nom="Commune d'Arles")


# --- Sending ---------------------------------------------------------------------------------------------


class TestEnvoi:
    def test_the_facilitator_invites_from_the_donneurs_page(
        self, client_facilitateur, facilitateur, arles, mailoutbox
    ):
        page = client_facilitateur.get(reverse("conventions:donneur", args=[arles.pk])).content.decode()
        assert f'href="{reverse("conventions:invitation_creation", args=[arles.pk])}"' in page
        assert "Inviter un référent" in page

        with apres_commit():
            reponse = client_facilitateur.post(
                reverse("conventions:invitation_creation", args=[arles.pk]),
                {"email": " Jeanne.Dupont@Arles.FR ", "prenom": "Jeanne", "nom": "Dupont", "fonction": "Acheteuse"},
            )
        assert reponse.status_code == 302
        assert reponse["Location"] == reverse("conventions:donneur", args=[arles.pk])
        invitation = Invitation.objects.get()
        assert (invitation.email, invitation.prenom, invitation.fonction) == (
            "jeanne.dupont@arles.fr",
            "Jeanne",
            "Acheteuse",
        )
        assert invitation.invite_par == facilitateur
        assert invitation.acceptee_le is None and invitation.revoquee_le is None
        assert dt.timedelta(days=6, hours=23) < invitation.expire_le - timezone.now() <= dt.timedelta(days=7)
        assert not User.objects.filter(email="jeanne.dupont@arles.fr").exists()  # nothing before acceptance

        [courriel] = mailoutbox
        assert courriel.to == ["jeanne.dupont@arles.fr"]
        assert courriel.subject == "Invitation au portail des clauses sociales — Commune d'Arles"
        assert "Commune d'Arles" in courriel.body  # text body: no HTML escaping
        assert "Camille Martin (camille@exemple.fr)" in courriel.body
        assert "Pour créer votre compte et choisir votre mot de passe" in courriel.body
        jeton = LIEN.search(courriel.body).group(1)
        [(html, type_mime)] = courriel.alternatives
        assert type_mime == "text/html" and f'href="http://testserver/invitation/{jeton}/"' in html

        # Only the token's hash is stored: the link cannot be rebuilt from the table.
        assert invitation.token_hash == hashlib.sha256(jeton.encode()).hexdigest()
        assert not Invitation.objects.filter(token_hash=jeton).exists()
        assert len(jeton) >= 43

    def test_pending_invitations_are_listed_with_their_buttons(self, client_facilitateur, arles):
        invitation, _ = inviter(arles, prenom="Jeanne", nom="Dupont")
        page = client_facilitateur.get(reverse("conventions:donneur", args=[arles.pk])).content.decode()
        assert "Invitations en attente" in page and "jeanne.dupont@arles.fr" in page
        assert f'action="{reverse("conventions:invitation_renvoi", args=[invitation.pk])}"' in page
        assert f'action="{reverse("conventions:invitation_annulation", args=[invitation.pk])}"' in page

    def test_the_validity_is_a_setting(self, settings, arles):
        settings.CLAUSES_INVITATION_JOURS = 2
        invitation, _ = inviter(arles)
        assert invitation.expire_le - timezone.now() <= dt.timedelta(days=2)

    def test_an_existing_account_is_told_to_log_in(self, arles, mailoutbox):
        UserFactory(email="jeanne.dupont@arles.fr")
        inviter(arles)
        assert "Vous avez déjà un compte avec cette adresse" in mailoutbox[0].body

    def test_an_active_member_is_refused(self, client_facilitateur, arles, mailoutbox):
        ReferentFactory(donneur_d_ordre=arles, user__email="jeanne.dupont@arles.fr")
        reponse = client_facilitateur.post(
            reverse("conventions:invitation_creation", args=[arles.pk]), {"email": "jeanne.dupont@arles.fr"}
        )
        assert reponse.status_code == 200
        assert "déjà référente de la Commune d&#x27;Arles." in reponse.content.decode()
        assert not Invitation.objects.exists() and not mailoutbox

    @pytest.mark.parametrize("factory", [FacilitateurFactory, AdminFactory])
    def test_a_staff_account_is_refused(self, factory, arles, mailoutbox):
        with pytest.raises(ValidationError, match="réservé au personnel du donneur d'ordre"):
            inviter(arles, email=factory().email)
        assert not Invitation.objects.exists() and not mailoutbox

    def test_a_rolled_back_invitation_sends_nothing(self, arles, mailoutbox):
        from django.db import transaction

        with apres_commit(), pytest.raises(RuntimeError), transaction.atomic():
            services.inviter_referent(arles, email="x@arles.fr", invite_par=None, lien_absolu=lien_absolu)
            raise RuntimeError
        assert not mailoutbox and not Invitation.objects.exists()


# --- Accepting -------------------------------------------------------------------------------------------


class TestAcceptationNouveauCompte:
    def test_the_link_creates_the_account_and_opens_the_portal(self, client, arles, mailoutbox):
        invitation, jeton = inviter(arles, prenom="Jeanne", nom="Dupont", fonction="Acheteuse")
        page = client.get(url(jeton))
        assert page.status_code == 200
        contenu = page.content.decode()
        assert "Rejoindre l&#x27;espace de la Commune d&#x27;Arles" in contenu
        assert 'value="Jeanne"' in contenu  # the names the facilitator typed fill the form in
        assert page["Cache-Control"].startswith("max-age=0")

        reponse = creer_compte(client, jeton)
        assert reponse.status_code == 302 and reponse["Location"] == reverse("portail:accueil")
        user = User.objects.get(email="jeanne.dupont@arles.fr")
        assert user.check_password(NOUVEAU_MOT_DE_PASSE)
        assert (user.first_name, user.last_name, user.is_facilitateur) == ("Jeanne", "Dupont", False)
        referent = Referent.objects.get(user=user)
        assert (referent.donneur_d_ordre, referent.fonction, referent.principal) == (arles, "Acheteuse", True)
        invitation.refresh_from_db()
        assert invitation.acceptee_le is not None and invitation.acceptee_par == user

        # Logged in, on this donneur d'ordre's space.
        assert int(client.session["_auth_user_id"]) == user.pk
        assert client.session[CLE_SESSION] == arles.pk
        assert client.get(reverse("portail:accueil")).status_code == 200

    def test_the_link_works_once(self, client, arles):
        _, jeton = inviter(arles)
        creer_compte(client, jeton)
        client.logout()
        for reponse in (client.get(url(jeton)), creer_compte(client, jeton, mot_de_passe="Autre-mot-de-passe-42")):
            assert reponse.status_code == 404
            assert PAGE_INVALIDE in reponse.content.decode()
        assert User.objects.get(email="jeanne.dupont@arles.fr").check_password(NOUVEAU_MOT_DE_PASSE)

    def test_the_page_does_not_say_why_a_link_fails(self, client, arles):
        _, expire = inviter(arles, email="a@arles.fr")
        Invitation.objects.filter(email="a@arles.fr").update(expire_le=timezone.now() - dt.timedelta(seconds=1))
        _, annule = inviter(arles, email="b@arles.fr")
        services.annuler_invitation(Invitation.objects.get(email="b@arles.fr"))
        _, utilise = inviter(arles, email="c@arles.fr")
        creer_compte(Client(), utilise)
        reponses = [client.get(url(j)) for j in (expire, annule, utilise, "inconnu-" + "x" * 40)]
        assert {r.status_code for r in reponses} == {404}
        assert len({re.search(r"<main.*</main>", r.content.decode(), re.S).group() for r in reponses}) == 1
        assert PAGE_INVALIDE in reponses[0].content.decode()

    def test_an_expired_link_creates_nothing(self, client, arles):
        invitation, jeton = inviter(arles)
        Invitation.objects.filter(pk=invitation.pk).update(expire_le=timezone.now() - dt.timedelta(minutes=1))
        assert creer_compte(client, jeton).status_code == 404
        assert not User.objects.filter(email="jeanne.dupont@arles.fr").exists()

    def test_a_new_invitation_revokes_the_previous_one(self, client, arles, mailoutbox):
        premiere, ancien = inviter(arles)
        seconde, nouveau = inviter(arles)
        premiere.refresh_from_db()
        assert premiere.revoquee_le is not None and seconde.revoquee_le is None
        assert client.get(url(ancien)).status_code == 404
        assert client.get(url(nouveau)).status_code == 200
        # Another donneur d'ordre's invitation to the same person is independent.
        _, autre = inviter(DonneurDOrdreFactory(), email="jeanne.dupont@arles.fr")
        assert client.get(url(nouveau)).status_code == 200 and client.get(url(autre)).status_code == 200

    @pytest.mark.parametrize(
        ("mot_de_passe", "message"),
        [
            ("123", "Ce mot de passe est trop court. Il doit contenir au minimum 10 caractères."),
            ("123", "Ce mot de passe est entièrement numérique."),
            ("motdepasse", "Ce mot de passe est trop courant."),
            ("jeanne.dupont", "trop semblable"),
        ],
    )
    def test_the_password_validators_apply(self, client, arles, mot_de_passe, message):
        invitation, jeton = inviter(arles)
        reponse = creer_compte(client, jeton, mot_de_passe=mot_de_passe)
        assert reponse.status_code == 200
        assert message in " ".join(reponse.context["form"].errors["new_password2"])
        assert not User.objects.filter(email="jeanne.dupont@arles.fr").exists()
        invitation.refresh_from_db()
        assert invitation.acceptee_le is None  # the link still works for a second try
        assert "_auth_user_id" not in client.session

    def test_the_two_passwords_must_match(self, client, arles):
        _, jeton = inviter(arles)
        reponse = creer_compte(client, jeton, new_password2="Autre-chose-encore-42")
        assert "Les deux mots de passe ne correspondent pas." in reponse.context["form"].errors["new_password2"]

    def test_an_account_created_without_password_is_activated(self, client, arles):
        """Accounts the direct « Ajouter un référent » created have no password: the invitation activates them."""
        ajout = services.ajouter_referent(arles, email="jeanne.dupont@arles.fr", prenom="Jeanne", nom="Dupont")
        _, jeton = inviter(arles)
        assert 'value="Dupont"' in client.get(url(jeton)).content.decode()
        assert creer_compte(client, jeton).status_code == 302
        user = User.objects.get()
        assert user.pk == ajout.referent.user.pk and user.check_password(NOUVEAU_MOT_DE_PASSE)
        assert Referent.objects.count() == 1

    def test_a_logged_in_visitor_is_told_the_session_will_change(self, client, arles):
        client.force_login(ReferentFactory().user)
        _, jeton = inviter(arles)
        assert "vous fermerez la session de celui-ci" in client.get(url(jeton)).content.decode()
        creer_compte(client, jeton)
        assert int(client.session["_auth_user_id"]) == User.objects.get(email="jeanne.dupont@arles.fr").pk


class TestAcceptationCompteExistant:
    @pytest.fixture
    def existant(self):
        return ReferentFactory(user__email="jeanne.dupont@arles.fr").user

    def test_anonymous_is_asked_to_log_in_then_joins(self, client, arles, existant):
        invitation, jeton = inviter(arles)
        contenu = client.get(url(jeton)).content.decode()
        assert "Un compte existe déjà avec l'adresse" in contenu
        connexion = f"{reverse('connexion')}?next={url(jeton)}"
        assert f'href="{connexion}"' in contenu
        assert 'name="new_password1"' not in contenu
        # A POST without logging in changes nothing and leads to the login page.
        reponse = client.post(url(jeton), {"new_password1": "x", "new_password2": "x"})
        assert reponse.status_code == 302 and reponse["Location"] == connexion
        assert not Referent.objects.filter(donneur_d_ordre=arles).exists()

        # Through the real login form, which sends the person back to the invitation.
        reponse = client.post(connexion, {"username": existant.email, "password": MOT_DE_PASSE, "next": url(jeton)})
        assert reponse["Location"] == url(jeton)
        assert "Rejoindre l&#x27;espace de la Commune d&#x27;Arles" in client.get(url(jeton)).content.decode()
        reponse = client.post(url(jeton))
        assert reponse["Location"] == reverse("portail:accueil")
        assert Referent.objects.filter(user=existant, donneur_d_ordre=arles).exists()
        assert client.session[CLE_SESSION] == arles.pk
        existant.refresh_from_db()
        assert existant.check_password(MOT_DE_PASSE)  # the password is not touched
        invitation.refresh_from_db()
        assert invitation.acceptee_par == existant
        assert client.post(url(jeton)).status_code == 404

    def test_another_logged_in_user_is_refused(self, client, arles, existant):
        invitation, jeton = inviter(arles)
        intrus = ReferentFactory().user
        client.force_login(intrus)
        reponse = client.get(url(jeton))
        assert reponse.status_code == 403
        assert "Cette invitation est adressée à" in reponse.content.decode()
        assert client.post(url(jeton)).status_code == 403
        assert not Referent.objects.filter(donneur_d_ordre=arles).exists()
        invitation.refresh_from_db()
        assert invitation.acceptee_le is None

    def test_a_facilitator_cannot_join_through_an_old_invitation(self, client, arles, existant):
        _, jeton = inviter(arles)
        User.objects.filter(pk=existant.pk).update(is_facilitateur=True)
        client.force_login(existant)
        reponse = client.post(url(jeton))
        assert "réservé au personnel du donneur d&#x27;ordre" in reponse.content.decode()
        assert not Referent.objects.filter(donneur_d_ordre=arles).exists()
        assert Invitation.objects.get().acceptee_le is None


class TestUsageUnique:
    def test_the_second_of_two_open_pages_is_refused(self, arles):
        """Two people opened the link; the first to submit wins, the other's submission changes nothing."""
        _, jeton = inviter(arles)
        premiere = services.invitation_valide(jeton)
        seconde = services.invitation_valide(jeton)
        services.accepter_invitation(premiere, prenom="Jeanne", nom="Dupont", mot_de_passe=NOUVEAU_MOT_DE_PASSE)
        with pytest.raises(services.InvitationInvalide):
            services.accepter_invitation(seconde, prenom="Autre", nom="Personne", mot_de_passe="Autre-mot-42-xyz")
        user = User.objects.get(email="jeanne.dupont@arles.fr")
        assert user.first_name == "Jeanne" and user.check_password(NOUVEAU_MOT_DE_PASSE)

    @pytest.mark.django_db(transaction=True)
    def test_concurrent_acceptances(self):
        arles = DonneurDOrdreFactory()
        _, jeton = inviter(arles)
        invitations = [services.invitation_valide(jeton) for _ in range(2)]
        depart = threading.Barrier(2)
        resultats: list[str] = []

        def accepter(invitation, prenom):
            try:
                depart.wait()
                services.accepter_invitation(invitation, prenom=prenom, nom="X", mot_de_passe=NOUVEAU_MOT_DE_PASSE)
                resultats.append("acceptée")
            except services.InvitationInvalide:
                resultats.append("refusée")
            finally:
                connections.close_all()

        fils = [threading.Thread(target=accepter, args=(inv, p)) for inv, p in zip(invitations, "AB", strict=True)]
        for f in fils:
            f.start()
        for f in fils:
            f.join()
        assert sorted(resultats) == ["acceptée", "refusée"]
        assert User.objects.filter(email="jeanne.dupont@arles.fr").count() == 1
        assert Referent.objects.filter(donneur_d_ordre=arles).count() == 1


# --- Resending and cancelling ----------------------------------------------------------------------------


class TestRenvoiEtAnnulation:
    def test_resend_sends_a_new_link_and_kills_the_old_one(self, client_facilitateur, arles, mailoutbox):
        invitation, ancien = inviter(arles)
        Invitation.objects.filter(pk=invitation.pk).update(expire_le=timezone.now() - dt.timedelta(days=1))
        with apres_commit():
            reponse = client_facilitateur.post(reverse("conventions:invitation_renvoi", args=[invitation.pk]))
        assert reponse["Location"] == reverse("conventions:donneur", args=[arles.pk])
        assert len(mailoutbox) == 2
        nouveau = jeton_du_dernier_courriel()
        assert nouveau != ancien
        invitation.refresh_from_db()
        assert invitation.expire_le > timezone.now() + dt.timedelta(days=6)
        assert client_facilitateur.get(url(ancien)).status_code == 404
        anonyme = Client()
        assert anonyme.get(url(nouveau)).status_code == 200

    def test_cancel(self, client_facilitateur, arles):
        invitation, jeton = inviter(arles)
        reponse = client_facilitateur.post(reverse("conventions:invitation_annulation", args=[invitation.pk]))
        assert reponse["Location"] == reverse("conventions:donneur", args=[arles.pk])
        invitation.refresh_from_db()
        assert invitation.revoquee_le is not None
        assert Client().get(url(jeton)).status_code == 404
        page = client_facilitateur.get(reverse("conventions:donneur", args=[arles.pk])).content.decode()
        assert "Invitations en attente" not in page

    def test_an_accepted_invitation_can_be_neither_resent_nor_cancelled(self, client_facilitateur, arles, mailoutbox):
        invitation, jeton = inviter(arles)
        creer_compte(Client(), jeton)
        with apres_commit():
            client_facilitateur.post(reverse("conventions:invitation_renvoi", args=[invitation.pk]))
            client_facilitateur.post(reverse("conventions:invitation_annulation", args=[invitation.pk]))
        invitation.refresh_from_db()
        assert invitation.revoquee_le is None and len(mailoutbox) == 1

    def test_the_donneurs_page_does_not_grow_in_queries(
        self, client_facilitateur, arles, django_assert_max_num_queries
    ):
        for n in range(10):
            inviter(arles, email=f"personne{n}@arles.fr")
        ReferentFactory.create_batch(5, donneur_d_ordre=arles)
        with django_assert_max_num_queries(8):  # the history of changes: one query
            reponse = client_facilitateur.get(reverse("conventions:donneur", args=[arles.pk]))
        assert reponse.content.decode().count("l'invitation de personne") == 20


# --- Who may manage invitations --------------------------------------------------------------------------


class TestPermissions:
    @pytest.fixture
    def invitation(self, arles):
        return inviter(arles)[0]

    def pages(self, invitation):
        return [
            ("get", reverse("conventions:invitation_creation", args=[invitation.donneur_d_ordre_id])),
            ("post", reverse("conventions:invitation_creation", args=[invitation.donneur_d_ordre_id])),
            ("post", reverse("conventions:invitation_renvoi", args=[invitation.pk])),
            ("post", reverse("conventions:invitation_annulation", args=[invitation.pk])),
        ]

    def test_a_referent_gets_403_and_changes_nothing(self, client_referent, invitation, mailoutbox):
        avant = Invitation.objects.values().get()
        for methode, adresse in self.pages(invitation):
            reponse = getattr(client_referent, methode)(adresse, {"email": "intrus@exemple.fr"})
            assert reponse.status_code == 403, adresse
        assert list(Invitation.objects.values()) == [avant]
        assert len(mailoutbox) == 1

    def test_anonymous_is_sent_to_login(self, client, invitation):
        for methode, adresse in self.pages(invitation):
            reponse = getattr(client, methode)(adresse, {"email": "intrus@exemple.fr"})
            assert reponse.status_code == 302, adresse
            assert reponse["Location"].startswith(reverse("connexion")), adresse
        assert Invitation.objects.count() == 1

    def test_resend_and_cancel_take_post_only(self, client_facilitateur, invitation):
        for nom in ("conventions:invitation_renvoi", "conventions:invitation_annulation"):
            assert client_facilitateur.get(reverse(nom, args=[invitation.pk])).status_code == 405

    def test_an_unknown_donneur_or_invitation_is_404(self, client_facilitateur):
        assert client_facilitateur.get(reverse("conventions:invitation_creation", args=[999999])).status_code == 404
        assert client_facilitateur.post(reverse("conventions:invitation_renvoi", args=[999999])).status_code == 404

    def test_the_invitation_page_is_public(self, client, invitation):
        # Opened by someone who has no account yet: LoginRequiredMiddleware must let it through.
        assert client.get(reverse("conventions:invitation", args=["nimporte-quoi"])).status_code == 404


# --- Removing a membership -------------------------------------------------------------------------------


class TestRetrait:
    def test_removal_cuts_the_portal_at_once(self, client_facilitateur, arles):
        referent = ReferentFactory(donneur_d_ordre=arles)
        portail = Client()
        portail.force_login(referent.user)
        assert portail.get(reverse("portail:accueil")).status_code == 200

        page = client_facilitateur.get(reverse("conventions:referent_retrait", args=[referent.pk]))
        assert "n'aura plus accès à son portail" in page.content.decode()
        reponse = client_facilitateur.post(reverse("conventions:referent_retrait", args=[referent.pk]))
        assert reponse.status_code == 302
        assert not Referent.objects.filter(pk=referent.pk).exists()

        # Same browser, same session: the next portal request is refused.
        assert portail.get(reverse("portail:accueil")).status_code == 403
        user = User.objects.get(pk=referent.user.pk)
        assert user.is_active  # nothing deactivated: the account simply has no space left

    def test_the_other_memberships_stay(self, client_facilitateur, arles):
        referent = ReferentFactory(donneur_d_ordre=arles)
        autre = ReferentFactory(user=referent.user, donneur_d_ordre=DonneurDOrdreFactory(nom="Bailleur"))
        portail = Client()
        portail.force_login(referent.user)
        session = portail.session
        session[CLE_SESSION] = arles.pk
        session.save()
        client_facilitateur.post(reverse("conventions:referent_retrait", args=[referent.pk]))
        reponse = portail.get(reverse("portail:accueil"))
        assert reponse.status_code == 200
        assert reponse.wsgi_request.donneur == autre.donneur_d_ordre

    def test_the_message_says_when_no_access_is_left(self, client_facilitateur, arles):
        referent = ReferentFactory(donneur_d_ordre=arles)
        reponse = client_facilitateur.post(reverse("conventions:referent_retrait", args=[referent.pk]), follow=True)
        assert "n&#x27;a plus accès au portail" in reponse.content.decode()


# --- Admin ------------------------------------------------------------------------------------------------


def test_the_admin_shows_invitations_read_only(client, arles):
    from tests.test_admin import donnees_du_formulaire

    inviter(arles)
    client.force_login(AdminFactory())
    adresse = reverse("admin:conventions_donneurdordre_change", args=[arles.pk])
    page = client.get(adresse)
    assert "jeanne.dupont@arles.fr" in page.content.decode()
    assert client.post(adresse, donnees_du_formulaire(page)).status_code == 302
    assert Invitation.objects.ouvertes().count() == 1
