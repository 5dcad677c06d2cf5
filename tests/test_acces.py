"""Who read which personal data (config/acces.py): every read of a person's page, every download of a document that
names people, every export of a list that names people, recorded with who, when and what; the log cannot be
changed; an account that reads far more people than the threshold raises one alert a day, e-mailed by the worker."""

import datetime as dt
import io
import uuid

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InternalError, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clauses.factories import HeuresMensuellesFactory, ParticipantFactory, PlacementFactory
from clauses.importation import compte_rendu
from clauses.importation.rapport import AJOUT, PARTICIPANTS, Changement, Rapport
from clauses.views.imports import CLE_SESSION
from config import acces
from config.models import AlerteConsultations, Consultation, ExportListe, NatureConsultation, StatutExport
from conventions.factories import AdminFactory, FacilitateurFactory
from conventions.models import StructurePorteuse
from marches.factories import MarcheFactory
from reporting.models import Rapport as RapportPdf
from reporting.models import StatutRapport, TypeRapport
from tests.test_matrice_urls import _fermer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seuil_par_defaut(settings):
    settings.CLAUSES_ALERTE_PERSONNES_24H = 200


def _seule_consultation() -> Consultation:
    (consultation,) = Consultation.objects.all()
    return consultation


# --- What is recorded ---------------------------------------------------------------------------------------------


def test_a_participant_page_records_who_when_and_whom_by_reference_only(client_facilitateur, facilitateur):
    participant = ParticipantFactory(nom="Quillebœuf", prenom="Zéphyrine")
    avant = timezone.now()
    reponse = client_facilitateur.get(reverse("clauses:participant", args=[participant.pk]), REMOTE_ADDR="10.1.2.3")
    assert reponse.status_code == 200
    consultation = _seule_consultation()
    assert consultation.utilisateur == facilitateur
    assert consultation.email == facilitateur.email
    assert avant <= consultation.le <= timezone.now()
    assert consultation.nature == NatureConsultation.FICHE
    assert (consultation.objet, consultation.objet_id) == ("clauses.participant", participant.pk)
    assert consultation.reference == participant.reference
    assert consultation.personnes == 1
    assert consultation.adresse_ip == "10.1.2.3"
    # The log names the person by their reference, never by their name.
    ligne = " ".join(str(v) for v in Consultation.objects.values_list().get())
    assert "Quillebœuf" not in ligne and "Zéphyrine" not in ligne


def test_the_edit_form_a_placement_page_and_the_admin_pages_are_recorded(client, facilitateur):
    placement = PlacementFactory()
    participant = placement.participant
    client.force_login(facilitateur)
    client.get(reverse("clauses:participant_modification", args=[participant.pk]))
    client.get(reverse("clauses:placement", args=[placement.pk]))
    client.force_login(AdminFactory())
    client.get(reverse("admin:clauses_participant_change", args=[participant.pk]))
    client.get(reverse("admin:clauses_placement_change", args=[placement.pk]))
    lues = list(Consultation.objects.order_by("pk").values_list("objet", "objet_id", "reference"))
    assert lues == [
        ("clauses.participant", participant.pk, participant.reference),
        ("clauses.placement", placement.pk, participant.reference),
        ("clauses.participant", participant.pk, participant.reference),
        ("clauses.placement", placement.pk, participant.reference),
    ]


def test_a_refused_request_and_a_saved_form_record_no_read(client_facilitateur, client_referent):
    participant = ParticipantFactory()
    assert client_referent.get(reverse("clauses:participant", args=[participant.pk])).status_code == 403
    assert not Consultation.objects.exists()


def test_an_export_naming_people_records_its_rows_and_filters_but_not_the_search(client_facilitateur):
    for nom in ("Durand", "Durandal", "Martin"):
        ParticipantFactory(nom=nom)
    reponse = client_facilitateur.get(
        reverse("clauses:participants"), {"q": "durand", "genre": "femme", "tri": "nom", "format": "xlsx"}
    )
    lignes = list(load_workbook(io.BytesIO(b"".join(reponse.streaming_content))).active.values)
    consultation = _seule_consultation()
    assert consultation.nature == NatureConsultation.EXPORT
    assert consultation.personnes == len(lignes) - 1
    assert consultation.objet == "Participants"
    assert "genre=femme" in consultation.description and "tri=nom" in consultation.description
    assert "recherche saisie" in consultation.description
    assert "durand" not in consultation.description.lower()


def test_an_export_naming_nobody_is_not_recorded(client_facilitateur):
    MarcheFactory()
    reponse = client_facilitateur.get(reverse("marches:marches"), {"format": "xlsx"})
    b"".join(reponse.streaming_content)
    assert not Consultation.objects.exists()


def test_the_placements_export_is_recorded(client_facilitateur):
    PlacementFactory.create_batch(3)
    reponse = client_facilitateur.get(reverse("clauses:placements"), {"format": "xlsx"})
    b"".join(reponse.streaming_content)
    assert _seule_consultation().personnes == 3


def test_a_long_export_is_recorded_when_its_file_is_downloaded(client_facilitateur, facilitateur):
    export = ExportListe.objects.create(
        demande_par=facilitateur,
        vue="clauses.views.participants.ParticipantListe",
        parametres="en_poste=true&q=Durand",
        titre="Participants",
        nom_fichier="participants.xlsx",
        lignes_prevues=25_000,
        lignes=25_000,
        statut=StatutExport.PRET,
        fichier=SimpleUploadedFile("participants.xlsx", b"PK\x03\x04"),
    )
    _fermer(client_facilitateur.get(reverse("export_fichier", args=[export.pk])))
    consultation = _seule_consultation()
    assert (consultation.nature, consultation.personnes) == (NatureConsultation.EXPORT, 25_000)
    assert "en_poste=true" in consultation.description and "Durand" not in consultation.description


def _rapport_de_marche(nominatif: bool) -> RapportPdf:
    placement = HeuresMensuellesFactory().placement
    PlacementFactory(attribution=placement.attribution, participant=placement.participant)
    PlacementFactory(attribution=placement.attribution)
    return RapportPdf.objects.create(
        type=TypeRapport.RAPPORT_MARCHE,
        marche=placement.attribution.lot.marche,
        periode_debut=dt.date(2000, 1, 1),
        periode_fin=dt.date(2100, 12, 31),
        statut=StatutRapport.PRET,
        fichier=SimpleUploadedFile("rapport.pdf", b"%PDF-1.7"),
        empreinte="0" * 64,
        nominatif=nominatif,
    )


def test_the_nominative_report_download_is_recorded_with_the_people_it_names(client_facilitateur):
    rapport = _rapport_de_marche(nominatif=True)
    _fermer(client_facilitateur.get(reverse("reporting:rapport_telecharger", args=[rapport.pk])))
    consultation = _seule_consultation()
    assert consultation.nature == NatureConsultation.DOCUMENT
    assert (consultation.objet, consultation.objet_id) == ("reporting.rapport", rapport.pk)
    assert consultation.personnes == 2  # three placements, two people


def test_a_report_naming_nobody_is_not_recorded(client_facilitateur):
    rapport = _rapport_de_marche(nominatif=False)
    _fermer(client_facilitateur.get(reverse("reporting:rapport_telecharger", args=[rapport.pk])))
    assert not Consultation.objects.exists()


def test_the_import_report_download_is_recorded(client_facilitateur, facilitateur):
    jeton = str(uuid.uuid4())
    rapport = Rapport(type=PARTICIPANTS, lignes=2)
    rapport.changements = [
        Changement((2,), AJOUT, "DURAND Inès", "", "ajoutée"),
        Changement((3,), AJOUT, "MARTIN Paul", "", "ajouté"),
    ]
    default_storage.save(f"imports/{jeton}.rapport.json", ContentFile(compte_rendu.contenu(rapport)))
    session = client_facilitateur.session
    session[CLE_SESSION] = {jeton: {"user": facilitateur.pk, "type": PARTICIPANTS, "ext": "csv", "nom": "p.csv"}}
    session.save()
    reponse = client_facilitateur.get(reverse("clauses:import_participants"), {"rapport": jeton, "format": "csv"})
    assert reponse.status_code == 200, reponse.content[:300]
    consultation = _seule_consultation()
    assert (consultation.nature, consultation.personnes) == (NatureConsultation.DOCUMENT, 2)


def test_the_information_notice_download_is_recorded(client_facilitateur):
    participant = ParticipantFactory()
    client_facilitateur.get(reverse("reporting:notice_participant", args=[participant.pk]))
    consultation = _seule_consultation()
    assert (consultation.nature, consultation.reference) == (NatureConsultation.DOCUMENT, participant.reference)


def test_the_log_is_append_only(client_facilitateur):
    participant = ParticipantFactory()
    client_facilitateur.get(reverse("clauses:participant", args=[participant.pk]))
    with pytest.raises(InternalError, match="consultation_ajout_seul"), transaction.atomic():
        Consultation.objects.update(email="quelqu-un@exemple.fr")
    assert _seule_consultation().email == "camille@exemple.fr"


# --- The volume alert ---------------------------------------------------------------------------------------------


def test_volume_counts_each_person_once_and_the_rows_of_exports():
    facilitateur = FacilitateurFactory()
    for reference in ("P-1", "P-1", "P-2"):
        Consultation.objects.create(
            utilisateur=facilitateur, email="f", nature=NatureConsultation.FICHE, objet="o", reference=reference
        )
    Consultation.objects.create(
        utilisateur=facilitateur, email="f", nature=NatureConsultation.EXPORT, objet="o", personnes=40
    )
    # Older than 24 hours, or someone else's: not counted.
    Consultation.objects.create(
        utilisateur=facilitateur,
        email="f",
        nature=NatureConsultation.EXPORT,
        objet="o",
        personnes=1000,
        le=timezone.now() - dt.timedelta(hours=25),
    )
    Consultation.objects.create(
        utilisateur=FacilitateurFactory(), email="g", nature=NatureConsultation.EXPORT, objet="o", personnes=1000
    )
    assert acces.volume(facilitateur.pk, timezone.now()) == 42


@pytest.fixture
def destinataires():
    admin = AdminFactory(email="admin@exemple.fr")
    AdminFactory(email="ancien@exemple.fr", is_active=False)
    StructurePorteuse.objects.create(pk=1, nom="Agglomération", dpo_email="DPO@exemple.fr")
    return admin


def test_an_export_past_the_threshold_alerts_the_admins_and_the_dpo_once_a_day(
    client_facilitateur, facilitateur, settings, destinataires, django_capture_on_commit_callbacks
):
    settings.CLAUSES_ALERTE_PERSONNES_24H = 3
    ParticipantFactory.create_batch(5)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client_facilitateur.get(reverse("clauses:participants"), {"format": "xlsx"})
        b"".join(reponse.streaming_content)
    alerte = AlerteConsultations.objects.get()
    assert (alerte.utilisateur, alerte.personnes, alerte.seuil) == (facilitateur, 5, 3)
    assert alerte.jour == timezone.localdate()
    # The e-mail was recorded in the request and sent by its task after the commit, never inside the request.
    assert alerte.courriel is not None
    (message,) = mail.outbox
    assert sorted(message.to) == ["admin@exemple.fr", "dpo@exemple.fr"]
    assert "camille@exemple.fr" in message.subject
    assert "5 personnes" in message.body.replace("\u202f", " ").replace("\xa0", " ")
    assert f"/admin/config/consultation/?utilisateur__id__exact={facilitateur.pk}" in message.body
    # The same day, more reads raise no second alert.
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client_facilitateur.get(reverse("clauses:participants"), {"format": "xlsx"})
        b"".join(reponse.streaming_content)
    assert AlerteConsultations.objects.count() == 1
    assert len(mail.outbox) == 1
    # The admin lists it, with a link to what was read.
    client_facilitateur.force_login(destinataires)
    page = client_facilitateur.get(reverse("admin:config_alerteconsultations_changelist")).content.decode()
    assert "camille@exemple.fr" in page and "Voir les consultations" in page


def test_pages_read_one_by_one_raise_the_alert_at_the_next_check(client_facilitateur, facilitateur, settings):
    settings.CLAUSES_ALERTE_PERSONNES_24H = 3
    AdminFactory()
    participants = ParticipantFactory.create_batch(5)
    # At the start of a slice of time, so that the four pages fall in the same one.
    debut = dt.datetime.fromtimestamp(
        (timezone.now().timestamp() // acces.INTERVALLE_VERIFICATION.total_seconds() + 1)
        * acces.INTERVALLE_VERIFICATION.total_seconds(),
        tz=dt.UTC,
    )
    with time_machine.travel(debut, tick=False) as voyage:
        for participant in participants[:4]:
            client_facilitateur.get(reverse("clauses:participant", args=[participant.pk]))
        # The volume is read after the first page of each slice of a few minutes: not yet.
        assert not AlerteConsultations.objects.exists()
        voyage.shift(acces.INTERVALLE_VERIFICATION + dt.timedelta(seconds=1))
        client_facilitateur.get(reverse("clauses:participant", args=[participants[4].pk]))
    assert AlerteConsultations.objects.get().personnes == 5


def test_no_alert_under_the_threshold_nor_when_turned_off(client_facilitateur, settings):
    settings.CLAUSES_ALERTE_PERSONNES_24H = 5
    ParticipantFactory.create_batch(5)
    b"".join(client_facilitateur.get(reverse("clauses:participants"), {"format": "xlsx"}).streaming_content)
    assert not AlerteConsultations.objects.exists()
    settings.CLAUSES_ALERTE_PERSONNES_24H = 0
    b"".join(client_facilitateur.get(reverse("clauses:participants"), {"format": "xlsx"}).streaming_content)
    assert not AlerteConsultations.objects.exists()


# --- The DPO's page: the admin ---------------------------------------------------------------------------------------


def test_the_admin_searches_the_log_by_reference_and_filters_by_account(client, facilitateur):
    lu, autre = ParticipantFactory(), ParticipantFactory()
    client.force_login(facilitateur)
    client.get(reverse("clauses:participant", args=[lu.pk]))
    collegue = FacilitateurFactory()
    client.force_login(collegue)
    client.get(reverse("clauses:participant", args=[autre.pk]))
    client.force_login(AdminFactory())
    url = reverse("admin:config_consultation_changelist")
    reponse = client.get(url, {"q": lu.reference})
    assert [c.reference for c in reponse.context["cl"].result_list] == [lu.reference]
    reponse = client.get(url, {"utilisateur__id__exact": collegue.pk})
    assert [c.email for c in reponse.context["cl"].result_list] == [collegue.email]
    # Nobody writes the log from the admin, not even an administrator.
    consultation = Consultation.objects.first()
    assert client.get(reverse("admin:config_consultation_add")).status_code == 403
    assert client.post(reverse("admin:config_consultation_delete", args=[consultation.pk])).status_code == 403
