import datetime as dt
from decimal import Decimal

import factory

from conventions.factories import DonneurDOrdreFactory
from entreprises.factories import EntrepriseFactory
from marches.models import Attribution, Lot, Marche, StatutMarche


class MarcheFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Marche

    donneur_d_ordre = factory.SubFactory(DonneurDOrdreFactory)
    objet = factory.Sequence(lambda n: f"Réhabilitation du bâtiment {n}")
    statut = StatutMarche.EN_EXECUTION
    montant_estime_ht = Decimal("1000000")


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    marche = factory.SubFactory(MarcheFactory)
    numero = factory.Sequence(lambda n: str(n + 1))
    intitule = "Peinture intérieure"
    montant_ht = Decimal("1000000")
    date_debut = dt.date(2026, 1, 1)
    date_fin = dt.date(2026, 12, 31)


class AttributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attribution

    lot = factory.SubFactory(LotFactory)
    entreprise = factory.SubFactory(EntrepriseFactory)
