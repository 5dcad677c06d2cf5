import factory

from entreprises.models import Entreprise, Operateur, TypeOperateur
from entreprises.validators import completer_siren, completer_siret


def siret_n(n: int) -> str:
    """A valid, unique SIRET for test number ``n``."""
    siren = completer_siren(f"{80000000 + n:08d}")
    return completer_siret(f"{siren}{n % 10000:04d}")


class EntrepriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entreprise

    raison_sociale = factory.Sequence(lambda n: f"Entreprise {n}")
    siret = factory.Sequence(siret_n)
    naf = "43.34Z"
    commune = "Arles"
    code_postal = "13200"


class OperateurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operateur

    nom = factory.Sequence(lambda n: f"Opérateur {n}")
    type = TypeOperateur.ETTI
    commune = "Arles"


class PrescripteurFactory(OperateurFactory):
    nom = factory.Sequence(lambda n: f"Mission locale {n}")
    type = TypeOperateur.MISSION_LOCALE
