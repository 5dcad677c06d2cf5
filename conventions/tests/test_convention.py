import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conventions.factories import ConventionFactory, DonneurDOrdreFactory, UserFactory
from conventions.models import Avenant, Convention, DenoncePar, EtatConvention, StructurePorteuse, User

D = dt.date
pytestmark = pytest.mark.django_db


def convention(**kwargs) -> Convention:
    defaults = {"date_signature": D(2025, 6, 20), "date_effet": D(2025, 7, 1)}
    return ConventionFactory.build(donneur_d_ordre=DonneurDOrdreFactory.build(), **(defaults | kwargs))


class TestEtat:
    def test_en_projet_until_signed(self):
        c = convention(date_signature=None)
        assert c.etat(D(2026, 1, 1)) == EtatConvention.EN_PROJET
        assert c.nombre_reconductions(D(2026, 1, 1)) == 0

    def test_en_projet_before_its_date_of_effect(self):
        assert convention().etat(D(2025, 6, 30)) == EtatConvention.EN_PROJET
        assert convention().etat(D(2025, 7, 1)) == EtatConvention.EN_VIGUEUR

    def test_renewed_tacitly_each_year(self):
        c = convention()
        assert c.nombre_reconductions(D(2026, 6, 30)) == 0
        assert c.nombre_reconductions(D(2026, 7, 1)) == 1
        assert c.nombre_reconductions(D(2030, 7, 1)) == 5
        assert c.etat(D(2030, 7, 1)) == EtatConvention.EN_VIGUEUR

    def test_denoncee_then_terminee_at_its_echeance(self):
        c = convention(date_denonciation=D(2027, 2, 10), denoncee_par=DenoncePar.DONNEUR_D_ORDRE)
        assert c.etat(D(2027, 2, 9)) == EtatConvention.EN_VIGUEUR
        assert c.etat(D(2027, 2, 10)) == EtatConvention.DENONCEE
        assert c.date_fin == D(2027, 6, 30)
        assert c.etat(D(2027, 6, 30)) == EtatConvention.DENONCEE
        assert c.etat(D(2027, 7, 1)) == EtatConvention.TERMINEE
        # Once ended, it renews no more and has nothing left to give notice for.
        assert c.nombre_reconductions(D(2030, 1, 1)) == 1
        assert c.prochaine_echeance(D(2030, 1, 1)) is None
        assert c.date_limite_denonciation(D(2027, 3, 1)) is None

    def test_late_notice_ends_the_convention_a_year_later(self):
        c = convention(date_denonciation=D(2027, 4, 15), denoncee_par=DenoncePar.STRUCTURE_PORTEUSE)
        assert c.date_fin == D(2028, 6, 30)
        assert c.etat(D(2027, 8, 1)) == EtatConvention.DENONCEE
        assert c.nombre_reconductions(D(2027, 8, 1)) == 2


class TestCalendrier:
    def test_next_echeance_and_notice_deadline(self):
        c = convention()
        assert c.prochaine_echeance(D(2026, 1, 15)) == D(2026, 6, 30)
        assert c.date_limite_denonciation(D(2026, 1, 15)) == D(2026, 3, 31)
        assert c.date_limite_denonciation(D(2026, 3, 31)) == D(2026, 3, 31)

    def test_once_the_deadline_is_past_the_next_one_counts(self):
        c = convention()
        assert c.prochaine_echeance(D(2026, 4, 1)) == D(2026, 6, 30)
        assert c.date_limite_denonciation(D(2026, 4, 1)) == D(2027, 3, 31)
        # ... and that deadline stops the échéance after the next one.
        assert c.echeance_denoncable(D(2026, 3, 31)) == D(2026, 6, 30)
        assert c.echeance_denoncable(D(2026, 4, 1)) == D(2027, 6, 30)

    def test_signed_31_may_leap_year(self):
        c = convention(date_signature=D(2027, 5, 31), date_effet=D(2027, 5, 31))
        assert c.date_limite_denonciation(D(2027, 6, 1)) == D(2028, 2, 29)
        assert c.date_limite_denonciation(D(2028, 3, 1)) == D(2029, 2, 28)

    def test_periode_courante_after_the_end_is_the_last(self):
        c = convention(date_denonciation=D(2025, 9, 1), denoncee_par=DenoncePar.DONNEUR_D_ORDRE)
        assert c.periode_courante(D(2029, 1, 1)).numero == 1


class TestAvenant:
    def test_takes_effect_at_the_next_renewal(self):
        c = ConventionFactory(date_signature=D(2025, 6, 20), date_effet=D(2025, 7, 1))
        avenant = Avenant.objects.create(
            convention=c, numero=1, objet="Rapports trimestriels", date_signature=D(2026, 2, 3)
        )
        assert avenant.date_effet == D(2026, 7, 1)
        assert list(c.avenants_en_vigueur(D(2026, 6, 30))) == []
        assert list(c.avenants_en_vigueur(D(2026, 7, 1))) == [avenant]

    def test_signed_on_a_renewal_day_waits_for_the_next_one(self):
        c = ConventionFactory(date_signature=D(2025, 6, 20), date_effet=D(2025, 7, 1))
        avenant = Avenant.objects.create(convention=c, numero=1, objet="Objet", date_signature=D(2026, 7, 1))
        assert avenant.date_effet == D(2027, 7, 1)

    def test_numbers_are_unique_per_convention(self):
        c = ConventionFactory()
        Avenant.objects.create(convention=c, numero=1, objet="A", date_signature=D(2025, 1, 1))
        with pytest.raises(IntegrityError), transaction.atomic():
            Avenant.objects.create(convention=c, numero=1, objet="B", date_signature=D(2025, 2, 1))


class TestContraintes:
    def test_notice_needs_its_author(self):
        c = ConventionFactory(date_effet=D(2025, 7, 1))
        c.date_denonciation = D(2026, 1, 1)
        with pytest.raises(ValidationError):
            c.full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            c.save()

    def test_notice_before_the_start_is_refused(self):
        c = ConventionFactory(date_effet=D(2025, 7, 1))
        c.date_denonciation, c.denoncee_par = D(2025, 1, 1), DenoncePar.DONNEUR_D_ORDRE
        with pytest.raises(IntegrityError), transaction.atomic():
            c.save()

    def test_notice_period_shorter_than_the_period(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            ConventionFactory(preavis_mois=12)

    def test_donneur_siret_unique_but_optional(self):
        DonneurDOrdreFactory(siret=None)
        DonneurDOrdreFactory(siret="")  # stored as NULL: no clash
        d = DonneurDOrdreFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            DonneurDOrdreFactory(siret=d.siret)


class TestUtilisateurs:
    def test_email_is_the_login_and_is_normalised(self):
        user = User.objects.create_user("Jeanne.Dupont@Arles.FR", password="un-mot-de-passe-solide")
        assert user.email == "jeanne.dupont@arles.fr"
        assert user.check_password("un-mot-de-passe-solide")
        with pytest.raises(IntegrityError), transaction.atomic():
            User.objects.create_user("jeanne.dupont@arles.fr")

    def test_superuser(self):
        admin = User.objects.create_superuser("admin@exemple.fr", password="x" * 12)
        assert admin.is_staff and admin.is_superuser

    def test_facilitateurs(self):
        f = UserFactory(is_facilitateur=True)
        UserFactory()
        assert list(User.objects.facilitateurs()) == [f]


def test_structure_porteuse_is_a_single_row():
    s = StructurePorteuse.get()
    assert s.pk == 1
    StructurePorteuse(nom="Autre").save()
    assert StructurePorteuse.objects.count() == 1
    assert StructurePorteuse.get().nom == "Autre"


class TestValidation:
    def test_convention_clean_names_the_fields(self):
        c = ConventionFactory.build(
            donneur_d_ordre=DonneurDOrdreFactory(),
            date_effet=D(2025, 7, 1),
            date_denonciation=D(2025, 1, 1),
            preavis_mois=12,
        )
        with pytest.raises(ValidationError) as excinfo:
            c.clean()
        assert excinfo.value.message_dict == {
            "date_denonciation": ["La dénonciation ne peut pas précéder la date d'effet."],
        }
        c.date_denonciation = D(2026, 1, 1)
        with pytest.raises(ValidationError) as excinfo:
            c.clean()
        assert set(excinfo.value.message_dict) == {"preavis_mois", "denoncee_par"}

    def test_avenant_after_the_end_is_refused(self):
        c = ConventionFactory(
            date_effet=D(2025, 7, 1), date_denonciation=D(2025, 9, 1), denoncee_par=DenoncePar.DONNEUR_D_ORDRE
        )
        avenant = Avenant(convention=c, numero=1, objet="Trop tard", date_signature=D(2026, 8, 1))
        with pytest.raises(ValidationError) as excinfo:
            avenant.clean()
        assert "date_signature" in excinfo.value.message_dict
        Avenant(convention=c, numero=1, objet="À temps", date_signature=D(2025, 8, 1)).clean()
