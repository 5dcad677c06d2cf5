import datetime as dt
from decimal import Decimal

import factory

from clauses import services
from clauses.models import (
    ClauseInsertion,
    Genre,
    HeuresMensuelles,
    ModalitePlacement,
    NiveauQualification,
    Participant,
    Placement,
    Situation,
    Sortie,
    TypeContrat,
)
from marches.factories import AttributionFactory, LotFactory


class ClauseInsertionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClauseInsertion

    lot = factory.SubFactory(LotFactory)
    montant_ht = Decimal("1000000")
    part_main_oeuvre = Decimal("50")
    taux_insertion = Decimal("5")
    cout_horaire = Decimal("30")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The target as every write of a clause sets it.
        clause = services.calculer_objectif(model_class(*args, **kwargs))
        clause.save()
        return clause


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    nom = factory.Sequence(lambda n: f"Nom{n}")
    prenom = "Alex"
    date_naissance = dt.date(1990, 5, 17)
    genre = Genre.FEMME
    niveau_qualification = NiveauQualification.NIVEAU_3


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    participant = factory.SubFactory(ParticipantFactory)
    attribution = factory.SubFactory(AttributionFactory)
    modalite = ModalitePlacement.EMBAUCHE_DIRECTE
    type_contrat = TypeContrat.CDD
    date_debut = dt.date(2026, 1, 5)


class HeuresMensuellesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HeuresMensuelles

    placement = factory.SubFactory(PlacementFactory)
    mois = dt.date(2026, 1, 1)
    heures = Decimal("120")


class SortieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sortie

    placement = factory.SubFactory(PlacementFactory)
    date_constat = dt.date(2026, 7, 1)
    situation = Situation.CDI
