"""Retention (clauses.protection.conservation): each person's term from their follow-up and the structure porteuse's
durations, the decisions to keep longer (recorded, audited), who the purge takes and when, the page that shows a
month ahead who will be anonymised, and the import files left behind."""

import datetime as dt
import os
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from clauses.factories import HeuresMensuellesFactory, ParticipantFactory, PlacementFactory, SortieFactory
from clauses.models import MomentSortie, Participant, ProlongationConservation
from clauses.protection import conservation
from conventions.models import StructurePorteuse

pytestmark = pytest.mark.django_db

D = dt.date


def _echeance(participant) -> conservation.Echeance:
    resultat = conservation.echeance(participant)
    assert resultat is not None
    return resultat


def test_five_years_after_the_six_month_follow_up_of_the_last_placement():
    placement = PlacementFactory(date_debut=D(2025, 1, 6), date_fin=D(2025, 8, 31))
    HeuresMensuellesFactory(placement=placement, mois=D(2025, 8, 1))
    echeance = _echeance(placement.participant)
    # The six-month outcome is due on 28 February 2026 (31 August + 6 months): kept until 28 February 2031.
    assert echeance.depuis == D(2026, 2, 28)
    assert echeance.fin == echeance.calculee == D(2031, 2, 28)
    assert echeance.motif == "6 mois après la fin du placement du 31 août 2025"


def test_the_latest_sign_of_follow_up_counts():
    placement = PlacementFactory(date_debut=D(2025, 1, 6), date_fin=D(2025, 3, 31))
    participant = placement.participant
    # An outcome noted late, and another placement still under way with hours in 2026.
    SortieFactory(placement=placement, moment=MomentSortie.SIX_MOIS, date_constat=D(2025, 11, 20))
    assert _echeance(participant).depuis == D(2025, 11, 20)
    en_cours = PlacementFactory(participant=participant, date_debut=D(2026, 1, 5), date_fin=None)
    HeuresMensuellesFactory(placement=en_cours, mois=D(2026, 4, 1), heures=Decimal("35"))
    echeance = _echeance(participant)
    assert echeance.depuis == D(2026, 4, 30)
    assert echeance.motif == "dernier mois d'heures, 04/2026"
    assert echeance.fin == D(2031, 4, 30)


def test_a_person_never_placed_is_kept_two_years_from_the_file_or_the_orientation():
    with time_machine.travel(dt.datetime(2025, 5, 2, 10, tzinfo=dt.UTC)):
        participant = ParticipantFactory(date_orientation=None)
    assert _echeance(participant).fin == D(2027, 5, 2)
    participant.date_orientation = D(2025, 9, 1)
    participant.save()
    assert _echeance(participant).fin == D(2027, 9, 1)


def test_the_structure_porteuse_sets_the_durations():
    structure = StructurePorteuse.get()
    structure.conservation_annees = 3
    structure.save()
    placement = PlacementFactory(date_debut=D(2025, 1, 6), date_fin=D(2025, 8, 31))
    assert _echeance(placement.participant).fin == D(2029, 2, 28)


def test_a_decision_keeps_longer_never_shorter():
    placement = PlacementFactory(date_debut=D(2025, 1, 6), date_fin=D(2025, 8, 31))
    participant = placement.participant
    ProlongationConservation.objects.create(participant=participant, conserver_jusqu_au=D(2032, 6, 30), motif="x")
    echeance = _echeance(participant)
    assert (echeance.fin, echeance.prolongee) == (D(2032, 6, 30), True)
    # The latest decision holds; one earlier than the computed term gives the computed term back.
    ProlongationConservation.objects.create(participant=participant, conserver_jusqu_au=D(2027, 1, 1), motif="y")
    echeance = _echeance(participant)
    assert (echeance.fin, echeance.prolongee) == (D(2031, 2, 28), False)


def test_the_purge_takes_the_people_past_their_term_only():
    fini = PlacementFactory(date_debut=D(2020, 1, 6), date_fin=D(2020, 3, 31)).participant  # kept to 30/09/2025
    limite = PlacementFactory(date_debut=D(2020, 1, 6), date_fin=D(2020, 4, 30)).participant  # kept to 30/10/2025
    garde = PlacementFactory(date_debut=D(2020, 1, 6), date_fin=D(2020, 3, 31)).participant
    ProlongationConservation.objects.create(participant=garde, conserver_jusqu_au=D(2026, 6, 30), motif="Contrôle.")

    assert [e.participant_id for e in conservation.dues(D(2025, 10, 30))] == [fini.pk]
    resultat = conservation.purger(D(2025, 10, 30))
    assert resultat.anonymises == 1
    anonymises = set(Participant.objects.filter(anonymise_le__isnull=False).values_list("pk", flat=True))
    assert anonymises == {fini.pk}
    fini.refresh_from_db()
    assert fini.motif_anonymisation == (
        "Durée de conservation échue le 30 septembre 2025 (6 mois après la fin du placement du 31 mars 2020)."
    )
    # The next day, the second one; the one kept longer stays until the day after its decision's date.
    assert conservation.purger(D(2025, 10, 31)).anonymises == 1
    assert conservation.purger(D(2026, 6, 30)).anonymises == 0
    assert conservation.purger(D(2026, 7, 1)).anonymises == 1
    assert not Participant.objects.identifiables().filter(pk__in=[fini.pk, limite.pk, garde.pk]).exists()


# --- The page: a month ahead -----------------------------------------------------------------------------------


@pytest.mark.time_machine("2025-09-10T12:00+02:00")
def test_the_facilitator_sees_a_month_ahead_who_will_be_anonymised(client_facilitateur):
    bientot = PlacementFactory(date_debut=D(2020, 1, 6), date_fin=D(2020, 3, 31)).participant  # to 30/09/2025
    depasse = PlacementFactory(date_debut=D(2020, 1, 6), date_fin=D(2020, 2, 29)).participant  # to 31/08/2025
    plus_tard = PlacementFactory(date_debut=D(2020, 1, 6), date_fin=D(2020, 5, 31)).participant  # to 30/11/2025
    reponse = client_facilitateur.get(reverse("clauses:conservation"))
    assert reponse.status_code == 200
    page = reponse.content.decode()
    assert bientot.reference in page and "30 septembre 2025" in page
    assert depasse.reference in page and "dépassée" in page
    assert plus_tard.reference not in page
    assert bientot.nom not in page  # references and dates, no more identity than needed
    assert page.index(depasse.reference) < page.index(bientot.reference)  # earliest first


@pytest.mark.time_machine("2025-09-10T12:00+02:00")
def test_keeping_someone_longer_is_dated_reasoned_recorded_and_audited(client_facilitateur, facilitateur):
    participant = PlacementFactory(date_debut=D(2020, 1, 6), date_fin=D(2020, 3, 31)).participant
    url = reverse("clauses:conservation_prolongation", args=[participant.pk])
    assert "Prolonger la conservation" in client_facilitateur.get(url).content.decode()

    sans_motif = client_facilitateur.post(url, {"conserver_jusqu_au": "2026-06-30", "motif": ""})
    assert "Indiquez pourquoi ces données doivent être conservées plus longtemps." in sans_motif.content.decode()
    trop_loin = client_facilitateur.post(url, {"conserver_jusqu_au": "2029-01-01", "motif": "Contrôle."})
    assert "Au plus 3 ans après aujourd&#x27;hui" in trop_loin.content.decode()
    assert not ProlongationConservation.objects.exists()

    reponse = client_facilitateur.post(url, {"conserver_jusqu_au": "2026-06-30", "motif": "Contrôle de la clause."})
    assert reponse.status_code == 302 and reponse["Location"] == reverse("clauses:conservation")
    decision = ProlongationConservation.objects.get()
    assert (decision.conserver_jusqu_au, decision.motif, decision.decide_par) == (
        D(2026, 6, 30),
        "Contrôle de la clause.",
        facilitateur,
    )
    assert decision.decide_le.date() == timezone.localdate()
    entree = LogEntry.objects.get(content_type__model="prolongationconservation", object_id=decision.pk)
    assert entree.actor == facilitateur and entree.action == LogEntry.Action.CREATE
    # The participant's history shows it; the page no longer lists the person.
    fiche = client_facilitateur.get(reverse("clauses:participant", args=[participant.pk])).content.decode()
    assert "Contrôle de la clause." in fiche and "conservées jusqu'au 30 juin 2026 (prolongation)" in fiche
    assert participant.reference not in client_facilitateur.get(reverse("clauses:conservation")).content.decode()


# --- Files left behind -----------------------------------------------------------------------------------------


def test_import_files_left_behind_are_deleted_after_a_day():
    ancien = default_storage.save("imports/ancien.csv", ContentFile(b"nom;prenom\nQuilleboeuf;Zephyrine\n"))
    recent = default_storage.save("imports/recent.rapport.json", ContentFile(b"{}"))
    # Dated by the test's clock (CLAUSES_JOUR may move it away from the file system's).
    maintenant = timezone.now()
    for nom, age in ((ancien, dt.timedelta(days=2)), (recent, dt.timedelta(hours=1))):
        instant = (maintenant - age).timestamp()
        os.utime(default_storage.path(nom), (instant, instant))
    assert conservation.supprimer_imports_abandonnes(maintenant) == 1
    assert not default_storage.exists(ancien) and default_storage.exists(recent)
