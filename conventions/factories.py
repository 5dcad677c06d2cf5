import datetime as dt

import factory

from conventions.models import Convention, DonneurDOrdre, Referent, TypeDonneur, User
from entreprises.validators import completer_siren, completer_siret

MOT_DE_PASSE = "mot-de-passe-de-test-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    password = MOT_DE_PASSE

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)


class FacilitateurFactory(UserFactory):
    is_facilitateur = True


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class DonneurDOrdreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DonneurDOrdre

    nom = factory.Sequence(lambda n: f"Commune {n}")
    type = TypeDonneur.COMMUNE
    siret = factory.Sequence(lambda n: completer_siret(completer_siren(f"{21000000 + n:08d}") + "0001"))
    commune = "Arles"


class ReferentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referent

    user = factory.SubFactory(UserFactory)
    donneur_d_ordre = factory.SubFactory(DonneurDOrdreFactory)


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention

    donneur_d_ordre = factory.SubFactory(DonneurDOrdreFactory)
    date_signature = dt.date(2024, 7, 1)
    date_effet = dt.date(2024, 7, 1)
