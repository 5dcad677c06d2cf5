"""Personal data in a real browser: the month-ahead list, keeping someone longer, the access export downloaded, the
erasure with its reason; every page accessible (axe-core, WCAG 2.1 AA)."""

import re

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect

from clauses.factories import HeuresMensuellesFactory, ParticipantFactory, PlacementFactory
from clauses.models import Participant, ProlongationConservation
from conventions.factories import MOT_DE_PASSE
from tests.navigateur import se_connecter, violations_accessibilite

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_facilitator_keeps_exports_and_erases_a_persons_data(page, live_server, facilitateur):
    aujourd_hui = timezone.localdate()
    # A placement that ended 5 years and 6 months ago, give or take ten days: kept ten days more (the six-month
    # outcome, then 5 years).
    fin = aujourd_hui - relativedelta(years=5, months=6, days=-10)
    placement = PlacementFactory(
        participant=ParticipantFactory(nom="Quillebœuf", prenom="Zéphyrine"),
        date_debut=fin - relativedelta(months=4),
        date_fin=fin,
    )
    HeuresMensuellesFactory(placement=placement, mois=fin.replace(day=1))
    participant = placement.participant
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)

    # A month ahead, the list shows the person by reference and date.
    page.goto(f"{live_server.url}/participants/")
    page.get_by_role("link", name="Anonymisations à venir").click()
    expect(page.get_by_role("heading", name="Données personnelles : anonymisations à venir")).to_be_visible()
    expect(page.get_by_role("link", name=participant.reference, exact=True)).to_be_visible()
    assert violations_accessibilite(page) == []

    # Keeping the person longer needs a reason.
    page.get_by_role("link", name=f"Prolonger la conservation de {participant.reference}").click()
    page.get_by_label("Conserver les données jusqu'au").fill((aujourd_hui + relativedelta(years=1)).isoformat())
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text("Indiquez pourquoi ces données doivent être conservées plus longtemps.")).to_be_visible()
    assert violations_accessibilite(page) == []
    page.get_by_label("Pourquoi ces données restent nécessaires").fill("Contrôle de la clause par l'acheteur.")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text(f"Les données de {participant.reference} sont conservées jusqu'au")).to_be_visible()
    assert ProlongationConservation.objects.filter(participant=participant).exists()

    # The right of access: the page, then the PDF.
    page.goto(f"{live_server.url}/participants/{participant.pk}/")
    page.get_by_role("link", name="Droit d'accès : exporter les données").click()
    expect(page.get_by_role("heading", name=f"Droit d'accès — {participant.reference}")).to_be_visible()
    assert violations_accessibilite(page) == []
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Télécharger le PDF pour la personne").click()
    assert telechargement.value.suggested_filename.startswith(f"donnees-{participant.reference}-")
    with open(telechargement.value.path(), "rb") as fichier:
        assert fichier.read(5) == b"%PDF-"

    # The erasure: a reason and a confirmation, then the page of an anonymised person.
    page.goto(f"{live_server.url}/participants/{participant.pk}/")
    page.get_by_role("link", name="Effacer (anonymiser)").click()
    page.get_by_role("button", name="Effacer (anonymiser)").click()
    expect(page.get_by_text("Indiquez le motif de l'effacement : il est conservé.")).to_be_visible()
    assert violations_accessibilite(page) == []
    page.get_by_label("Motif de l'effacement").fill("Demande de la personne reçue par courrier.")
    page.get_by_label(re.compile("Je confirme")).check()
    page.get_by_role("button", name="Effacer (anonymiser)").click()
    expect(page.get_by_role("heading", name=re.compile("Personne anonymisée"))).to_be_visible()
    expect(page.get_by_text("Demande de la personne reçue par courrier.").first).to_be_visible()
    assert "Quillebœuf" not in page.content()
    assert violations_accessibilite(page) == []
    assert Participant.objects.get(pk=participant.pk).est_anonymise
