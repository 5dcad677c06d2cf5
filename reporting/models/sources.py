"""Proxy models of the tables whose writes move reporting's derived figures (``reporting.models.cumuls``).

They carry, in ``Meta.triggers``, the PostgreSQL triggers that ``reporting.cumuls`` builds (django-pgtrigger):
the migrations that install them are this app's, the watched tables stay their apps', and ``makemigrations``
writes a new migration whenever a trigger's SQL changes. No code reads or writes through these proxies.
"""

from clauses.models import ClauseInsertion, HeuresMensuelles, Participant, Placement, Sortie
from marches.models import Attribution, Lot, Marche
from reporting.cumuls import FAMILLES
from reporting.models.cumuls import PersonneAnnuelle


def _declencheurs(modele) -> list:
    return [trigger for famille in FAMILLES for trigger in famille.declencheurs().get(modele, [])]


class HeuresMensuellesSuivies(HeuresMensuelles):
    class Meta:
        proxy = True
        triggers = _declencheurs(HeuresMensuelles)


class PlacementSuivi(Placement):
    class Meta:
        proxy = True
        triggers = _declencheurs(Placement)


class SortieSuivie(Sortie):
    class Meta:
        proxy = True
        triggers = _declencheurs(Sortie)


class ClauseInsertionSuivie(ClauseInsertion):
    class Meta:
        proxy = True
        triggers = _declencheurs(ClauseInsertion)


CriteresDesParticipants = Participant.criteres.through


class CriteresDesParticipantsSuivis(CriteresDesParticipants):  # type: ignore[valid-type,misc]
    class Meta:
        proxy = True
        triggers = _declencheurs(CriteresDesParticipants)


class AttributionSuivie(Attribution):
    class Meta:
        proxy = True
        triggers = _declencheurs(Attribution)


class LotSuivi(Lot):
    class Meta:
        proxy = True
        triggers = _declencheurs(Lot)


class MarcheSuivi(Marche):
    class Meta:
        proxy = True
        triggers = _declencheurs(Marche)


class PersonneAnnuelleSuivie(PersonneAnnuelle):
    class Meta:
        proxy = True
        triggers = _declencheurs(PersonneAnnuelle)
