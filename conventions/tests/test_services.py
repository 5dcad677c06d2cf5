import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from conventions import services
from conventions.factories import (
    AdminFactory,
    ConventionFactory,
    DonneurDOrdreFactory,
    FacilitateurFactory,
    ReferentFactory,
    UserFactory,
)
from conventions.models import Avenant, DenoncePar, Referent, User

D = dt.date
pytestmark = pytest.mark.django_db


class TestAjouterReferent:
    def test_creates_an_account_without_usable_password(self):
        donneur = DonneurDOrdreFactory()
        ajout = services.ajouter_referent(
            donneur, email=" Jeanne.Dupont@Arles.FR ", prenom="Jeanne", nom="Dupont", fonction="Acheteuse"
        )
        assert ajout.compte_cree
        user = ajout.referent.user
        assert user.email == "jeanne.dupont@arles.fr"
        assert (user.first_name, user.last_name) == ("Jeanne", "Dupont")
        assert not user.has_usable_password()
        assert not user.is_facilitateur
        assert ajout.referent.fonction == "Acheteuse"

    def test_reuses_an_existing_account_whatever_the_case(self):
        existant = ReferentFactory(user__email="jeanne@arles.fr", user__telephone="")
        autre = DonneurDOrdreFactory()
        ajout = services.ajouter_referent(autre, email="JEANNE@arles.fr", prenom="Autre", telephone="04 90 00 00 00")
        assert not ajout.compte_cree
        assert ajout.referent.user == existant.user
        assert User.objects.count() == 1
        existant.user.refresh_from_db()
        # Blanks are filled in, what was there is kept.
        assert existant.user.first_name == "Camille"
        assert existant.user.telephone == "04 90 00 00 00"

    def test_refuses_a_duplicate_membership(self):
        referent = ReferentFactory()
        with pytest.raises(ValidationError) as erreur:
            services.ajouter_referent(referent.donneur_d_ordre, email=referent.user.email)
        assert "déjà référente" in str(erreur.value)
        assert Referent.objects.count() == 1

    @pytest.mark.parametrize("factory", [FacilitateurFactory, AdminFactory])
    def test_refuses_a_facilitator_or_admin_account(self, factory):
        user = factory()
        with pytest.raises(ValidationError) as erreur:
            services.ajouter_referent(DonneurDOrdreFactory(), email=user.email)
        assert "réservé au personnel du donneur d'ordre" in str(erreur.value)
        assert not Referent.objects.exists()

    def test_removal_keeps_the_account(self):
        referent = ReferentFactory(user=UserFactory())
        services.retirer_referent(referent)
        assert not Referent.objects.exists()
        assert User.objects.filter(pk=referent.user.pk).exists()


class TestDenoncer:
    def test_on_time_ends_at_this_echeance(self):
        convention = ConventionFactory(date_effet=D(2024, 7, 1))
        resultat = services.denoncer_convention(
            convention, date_denonciation=D(2025, 3, 31), denoncee_par=DenoncePar.DONNEUR_D_ORDRE, jour=D(2025, 4, 2)
        )
        assert resultat.dans_les_delais
        assert resultat.date_fin == D(2025, 6, 30)
        convention.refresh_from_db()
        assert convention.date_denonciation == D(2025, 3, 31)

    def test_late_ends_at_the_following_echeance(self):
        convention = ConventionFactory(date_effet=D(2024, 7, 1))
        resultat = services.denoncer_convention(
            convention, date_denonciation=D(2025, 4, 1), denoncee_par=DenoncePar.STRUCTURE_PORTEUSE, jour=D(2025, 4, 2)
        )
        assert not resultat.dans_les_delais
        assert resultat.date_limite == D(2025, 3, 31)
        assert resultat.date_fin == D(2026, 6, 30)

    @pytest.mark.parametrize(
        ("date", "message"),
        [(D(2024, 6, 30), "précéder la date d'effet"), (D(2025, 4, 3), "dans le futur")],
    )
    def test_refuses_impossible_dates(self, date, message):
        convention = ConventionFactory(date_effet=D(2024, 7, 1))
        with pytest.raises(ValidationError) as erreur:
            services.denoncer_convention(
                convention, date_denonciation=date, denoncee_par=DenoncePar.DONNEUR_D_ORDRE, jour=D(2025, 4, 2)
            )
        assert message in str(erreur.value)
        convention.refresh_from_db()
        assert convention.date_denonciation is None

    def test_refuses_twice_and_unsigned(self):
        convention = ConventionFactory(date_denonciation=D(2025, 1, 1), denoncee_par=DenoncePar.DONNEUR_D_ORDRE)
        with pytest.raises(ValidationError, match="déjà été dénoncée"):
            services.denoncer_convention(convention, date_denonciation=D(2025, 2, 1), denoncee_par="donneur_d_ordre")
        projet = ConventionFactory(date_signature=None)
        with pytest.raises(ValidationError, match="pas signée"):
            services.denoncer_convention(projet, date_denonciation=D(2025, 2, 1), denoncee_par="donneur_d_ordre")


class TestAvenants:
    def test_next_number(self):
        convention = ConventionFactory()
        assert services.prochain_numero_avenant(convention) == 1
        Avenant.objects.create(convention=convention, numero=3, objet="A", date_signature=D(2025, 1, 1))
        assert services.prochain_numero_avenant(convention) == 4

    def test_a_corrected_date_of_effect_moves_the_avenants(self):
        convention = ConventionFactory(date_effet=D(2024, 7, 1))
        avenant = Avenant.objects.create(convention=convention, numero=1, objet="A", date_signature=D(2025, 2, 1))
        assert avenant.date_effet == D(2025, 7, 1)
        convention.date_effet = D(2024, 9, 1)
        assert services.enregistrer_convention(convention) == []
        avenant.refresh_from_db()
        assert avenant.date_effet == D(2025, 9, 1)

    def test_an_avenant_signed_in_the_last_period_does_not_take_effect(self):
        convention = ConventionFactory(
            date_effet=D(2024, 7, 1), date_denonciation=D(2025, 1, 10), denoncee_par=DenoncePar.DONNEUR_D_ORDRE
        )
        avenant = Avenant.objects.create(convention=convention, numero=1, objet="A", date_signature=D(2025, 2, 1))
        assert not services.prend_effet(avenant)
