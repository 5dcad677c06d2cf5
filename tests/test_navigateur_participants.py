"""Recruitment and six months later, in a real browser: participant, placement through an ETTI, outcome."""

import re

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect

from clauses.factories import ParticipantFactory, PlacementFactory
from clauses.models import (
    CritereEligibilite,
    ModalitePlacement,
    MomentSortie,
    Participant,
    Placement,
    Situation,
    TypeContrat,
)
from conventions.factories import MOT_DE_PASSE
from entreprises.factories import OperateurFactory, PrescripteurFactory
from entreprises.models import TypeOperateur
from marches.factories import AttributionFactory
from tests.navigateur import se_connecter, violations_accessibilite

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_facilitator_records_a_participant_and_a_placement(page, live_server, facilitateur):
    aujourd_hui = timezone.localdate()
    debut, fin = aujourd_hui - relativedelta(months=10), aujourd_hui - relativedelta(months=7)
    PrescripteurFactory(nom="Mission locale du Pays d'Arles")
    OperateurFactory(type=TypeOperateur.ETTI, nom="ETTI Solidarité Travail")
    attribution = AttributionFactory(
        entreprise__raison_sociale="Peintures du Rhône",
        lot__marche__objet="Réhabilitation école Jules Ferry",
        lot__marche__donneur_d_ordre__nom="Commune d'Arles",
        lot__numero="3",
        lot__date_debut=debut - relativedelta(months=1),
        lot__date_fin=aujourd_hui,
    )
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)

    # Recruitment: the Mission locale orients a young jobseeker from a QPV.
    page.goto(f"{live_server.url}/participants/")
    expect(page.get_by_role("heading", name="Participants")).to_be_visible()
    assert violations_accessibilite(page) == []
    page.get_by_role("link", name="Ajouter un participant").click()
    page.get_by_label(re.compile(r"^\s*Nom\*?\s*$")).fill("Benali")
    page.get_by_label("Prénom").fill("Sofiane")
    page.get_by_label("Date de naissance").fill((aujourd_hui - relativedelta(years=22)).isoformat())
    page.get_by_label("Homme", exact=True).check()
    page.get_by_label("Commune de résidence").fill("Arles")
    page.get_by_label("Code postal").fill("13200")
    page.get_by_label("Réside en QPV").check()
    page.get_by_label("Niveau de qualification").select_option(label="Sans diplôme ou infra niveau 3")
    page.get_by_label("Prescripteur", exact=True).select_option(
        label="Mission locale du Pays d'Arles (Mission locale)"
    )
    page.get_by_label("Date d'orientation").fill((debut - relativedelta(months=1)).isoformat())
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Cochez au moins un critère d'éligibilité.")).to_be_visible()
    expect(page.get_by_text("Indiquez le quartier prioritaire où réside la personne.")).to_be_visible()
    assert violations_accessibilite(page) == []

    page.get_by_role("textbox", name="Quartier prioritaire").fill("Griffeuille")
    page.get_by_label("Demandeur d'emploi de longue durée").check()
    page.get_by_label("Jeune de moins de 26 ans").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Sofiane BENALI")).to_be_visible()
    participant = Participant.objects.get()
    expect(page).to_have_title(f"Participant {participant.reference} — Clauses")
    expect(page.get_by_text("Données confidentielles")).to_be_visible()
    assert violations_accessibilite(page) == []

    # The placement through an ETTI, already over (the next test comes back six months later).
    page.get_by_role("link", name="Nouveau placement").click()
    expect(page.get_by_label("Participant")).to_have_value(str(participant.pk))
    page.get_by_label("Attributaire").select_option(
        label="Peintures du Rhône — Lot 3 — Réhabilitation école Jules Ferry (Commune d'Arles)"
    )
    page.get_by_label("Modalité").select_option(label="Mise à disposition par une ETTI")
    page.get_by_label("Type de contrat").select_option(label="Mission d'intérim (CTTI)")
    page.get_by_label("Poste occupé").fill("Peintre")
    page.get_by_label("Début").fill(debut.isoformat())
    page.get_by_label("Fin effective").fill(fin.isoformat())
    page.get_by_label("Durée hebdomadaire (h)").fill("35")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Indiquez l'opérateur")).to_be_visible()
    assert violations_accessibilite(page) == []

    page.get_by_label("Opérateur").select_option(label="ETTI Solidarité Travail (ETTI)")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Placement chez Peintures du Rhône")).to_be_visible()
    placement = Placement.objects.get()
    assert (placement.attribution, placement.type_contrat) == (attribution, TypeContrat.INTERIM)
    expect(page.get_by_role("link", name="Saisir les heures")).to_be_visible()
    assert violations_accessibilite(page) == []

    page.goto(f"{live_server.url}/placements/")
    expect(page.get_by_role("link", name="Peintures du Rhône", exact=True)).to_be_visible()
    assert violations_accessibilite(page) == []


def test_six_months_after_the_end_the_facilitator_records_the_outcome(page, live_server, facilitateur):
    aujourd_hui = timezone.localdate()
    participant = ParticipantFactory(nom="Benali", prenom="Sofiane", reside_qpv=True, qpv="Griffeuille")
    participant.criteres.set(CritereEligibilite.objects.filter(code__in=["deld", "jeune"]))
    placement = PlacementFactory(
        participant=participant,
        attribution__entreprise__raison_sociale="Peintures du Rhône",
        modalite=ModalitePlacement.MAD_ETTI,
        operateur=OperateurFactory(type=TypeOperateur.ETTI, nom="ETTI Solidarité Travail"),
        type_contrat=TypeContrat.INTERIM,
        date_debut=aujourd_hui - relativedelta(months=10),
        date_fin=aujourd_hui - relativedelta(months=7),
    )
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)

    # Six months after the end: the participant's page asks for the outcome.
    page.goto(f"{live_server.url}/participants/{participant.pk}/")
    expect(page.get_by_text("Sortie à 6 mois à saisir")).to_be_visible()
    assert violations_accessibilite(page) == []
    page.get_by_role("link", name="Saisir la sortie à 6 mois").click()
    expect(page.get_by_label("Six mois après")).to_be_checked()
    assert violations_accessibilite(page) == []
    page.get_by_label("Constatée le").fill(aujourd_hui.isoformat())
    page.get_by_label("Situation").select_option(label="CDI")
    page.get_by_label("Employeur").fill("Peintures du Rhône")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("cell", name="Emploi durable")).to_be_visible()
    expect(page.get_by_text("Sortie à 6 mois à saisir")).not_to_be_visible()
    assert placement.sorties.get().moment == MomentSortie.SIX_MOIS
    assert placement.sorties.get().situation == Situation.CDI
    assert violations_accessibilite(page) == []

    page.goto(f"{live_server.url}/participants/")
    expect(page.get_by_role("link", name=participant.reference)).to_be_visible()
    expect(page.get_by_role("cell", name="BENALI Sofiane")).to_be_visible()
    assert violations_accessibilite(page) == []
