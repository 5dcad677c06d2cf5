"""The information notice given to each participant: printed from their page, its delivery recorded (when and how),
a participant without it flagged on their page, in the list and on the home page."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from clauses.factories import ParticipantFactory
from clauses.models import ModeRemiseNotice, Participant
from conventions.models import StructurePorteuse

pytestmark = pytest.mark.django_db

AUJOURD_HUI = timezone.localdate()


def _page(client, participant) -> str:
    reponse = client.get(reverse("clauses:participant", args=[participant.pk]))
    assert reponse.status_code == 200
    return reponse.content.decode()


def test_a_participant_without_the_notice_is_flagged_on_their_page_with_the_form(client_facilitateur):
    participant = ParticipantFactory()
    page = _page(client_facilitateur, participant)
    assert "Notice non remise" in page
    assert reverse("reporting:notice_participant", args=[participant.pk]) in page
    assert reverse("clauses:participant_notice", args=[participant.pk]) in page
    # The facilitator is told when the notice cannot name the DPO.
    assert "délégué à la protection des données ne sont pas renseignées" in page


def test_recording_the_delivery_keeps_when_how_and_who(client_facilitateur, facilitateur):
    participant = ParticipantFactory()
    hier = AUJOURD_HUI - dt.timedelta(days=1)
    reponse = client_facilitateur.post(
        reverse("clauses:participant_notice", args=[participant.pk]),
        {"remise_le": hier.isoformat(), "mode": ModeRemiseNotice.COURRIER},
        follow=True,
    )
    assert reponse.redirect_chain == [(reverse("clauses:participant", args=[participant.pk]), 302)]
    participant.refresh_from_db()
    assert (participant.notice_remise_le, participant.notice_mode_remise) == (hier, ModeRemiseNotice.COURRIER)
    page = reponse.content.decode()
    assert "Notice non remise" not in page
    assert "envoyée par courrier" in page
    # Who recorded it: the audit log of the participant.
    entree = LogEntry.objects.get_for_object(participant).latest("timestamp")
    assert entree.actor == facilitateur
    assert set(entree.changes) == {"notice_remise_le", "notice_mode_remise"}


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"remise_le": (AUJOURD_HUI + dt.timedelta(days=1)).isoformat(), "mode": "main_propre"}, "dans le futur"),
        ({"remise_le": "", "mode": "main_propre"}, "Indiquez le jour"),
        ({"remise_le": AUJOURD_HUI.isoformat(), "mode": ""}, "Indiquez comment"),
        ({"remise_le": AUJOURD_HUI.isoformat(), "mode": "pigeon"}, "Sélectionnez un choix valide"),
    ],
)
def test_an_invalid_delivery_shows_the_page_again_with_its_error(client_facilitateur, donnees, message):
    participant = ParticipantFactory()
    reponse = client_facilitateur.post(reverse("clauses:participant_notice", args=[participant.pk]), donnees)
    assert reponse.status_code == 400
    assert message in reponse.content.decode()
    participant.refresh_from_db()
    assert participant.notice_remise_le is None


def test_the_database_wants_the_date_and_the_mode_together():
    from django.db import IntegrityError, transaction

    participant = ParticipantFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.filter(pk=participant.pk).update(notice_remise_le=AUJOURD_HUI)


def test_the_list_filters_and_flags_the_participants_without_the_notice(client_facilitateur):
    sans = ParticipantFactory(nom="Sansnotice")
    ParticipantFactory(nom="Avecnotice", notice_remise_le=AUJOURD_HUI, notice_mode_remise=ModeRemiseNotice.COURRIEL)
    reponse = client_facilitateur.get(reverse("clauses:participants"), {"notice": "non_remise"})
    assert [p.pk for p in reponse.context["object_list"]] == [sans.pk]
    assert "Notice non remise" in reponse.content.decode()
    reponse = client_facilitateur.get(reverse("clauses:participants"), {"notice": "remise"})
    assert [p.nom for p in reponse.context["object_list"]] == ["Avecnotice"]


def test_the_home_page_counts_the_notices_to_give_and_links_to_them(client_facilitateur):
    ParticipantFactory.create_batch(2)
    ParticipantFactory(notice_remise_le=AUJOURD_HUI, notice_mode_remise=ModeRemiseNotice.MAIN_PROPRE)
    page = client_facilitateur.get(reverse("reporting:accueil")).content.decode()
    assert "2 participants n'ont pas reçu la notice d'information" in page
    assert f"{reverse('clauses:participants')}?notice=non_remise" in page


def test_the_home_page_says_nothing_once_every_notice_is_given(client_facilitateur):
    ParticipantFactory(notice_remise_le=AUJOURD_HUI, notice_mode_remise=ModeRemiseNotice.MAIN_PROPRE)
    page = client_facilitateur.get(reverse("reporting:accueil")).content.decode()
    assert "Notices d'information à remettre" not in page


def test_the_dpo_is_set_in_the_admin(client):
    from conventions.factories import AdminFactory

    StructurePorteuse.get()
    client.force_login(AdminFactory())
    page = client.get(reverse("admin:conventions_structureporteuse_change", args=[1])).content.decode()
    for champ in ("dpo_nom", "dpo_email", "dpo_adresse"):
        assert f'name="{champ}"' in page
