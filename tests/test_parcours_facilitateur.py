"""Camille's main journey, end to end in a real browser, as she would walk it.

From an empty territory (one donneur d'ordre with a signed convention, one company, one Mission locale, one
ETTI): a marché, its lot and target, the award to a company found by its SIRET, a participant and her placement
through the ETTI, the hours of a month typed in the grid, and the home page's hours figure that follows.
Every page is checked for accessibility and kept as a screenshot, numbered in the order of the visit, in the
folder given by CAPTURES (a temporary folder otherwise).
"""

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from clauses.models import ClauseInsertion, HeuresMensuelles, Participant, Placement
from conventions.factories import MOT_DE_PASSE, ConventionFactory, DonneurDOrdreFactory
from entreprises.factories import EntrepriseFactory, OperateurFactory, PrescripteurFactory, siret_n
from entreprises.models import TypeOperateur
from marches.models import Attribution, Marche, StatutMarche
from tests.navigateur import se_connecter, violations_accessibilite

pytestmark = pytest.mark.django_db(transaction=True)

HEURES_SAISIES = Decimal("35.5")


class Visite:
    """Checks each page the journey reaches and keeps its screenshot as NN-<page>.png."""

    def __init__(self, page, dossier: Path):
        self.page = page
        self.dossier = dossier
        self.dossier.mkdir(parents=True, exist_ok=True)
        self.fichiers: list[Path] = []

    def etape(self, nom: str) -> None:
        assert violations_accessibilite(self.page) == [], nom
        fichier = self.dossier / f"{len(self.fichiers) + 1:02d}-{nom}.png"
        self.page.screenshot(path=str(fichier), full_page=True)
        self.fichiers.append(fichier)


def lire_heures(texte: str) -> Decimal:
    """« 1 234,5 h » (with the narrow no-break spaces of French grouping) → Decimal("1234.5")."""
    chiffres = re.sub(r"[\s\u00a0\u202f]", "", texte).removesuffix("h").replace(",", ".")
    return Decimal(chiffres)


def heures_de_l_annee(page) -> Decimal:
    carte = page.locator(".card").filter(has=page.get_by_role("heading", name="Heures d'insertion réalisées"))
    return lire_heures(carte.locator("p").first.inner_text())


def mois_precedent(jour: dt.date) -> dt.date:
    return (jour.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def test_camille_walks_from_a_new_marche_to_the_hours_on_her_dashboard(page, live_server, facilitateur, tmp_path):
    aujourd_hui = timezone.localdate()
    debut_placement = mois_precedent(aujourd_hui)
    # The home page counts the hours of the current year: in January last month belongs to the year before,
    # so the hours go to the current month, which the grid accepts as soon as it has begun.
    mois_saisi = debut_placement if debut_placement.year == aujourd_hui.year else aujourd_hui.replace(day=1)
    debut_lot, fin_lot = dt.date(debut_placement.year, 1, 1), dt.date(aujourd_hui.year, 12, 31)

    donneur = DonneurDOrdreFactory(nom="Habitat du Delta")
    ConventionFactory(donneur_d_ordre=donneur)
    entreprise = EntrepriseFactory(raison_sociale="Peintures du Rhône", siret=siret_n(7))
    PrescripteurFactory(nom="Mission locale du Pays d'Arles")
    OperateurFactory(type=TypeOperateur.ETTI, nom="ETTI Solidarité Travail")

    dossier = Path(os.environ["CAPTURES"]) if os.environ.get("CAPTURES") else tmp_path / "captures"
    visite = Visite(page, dossier)
    menu = page.get_by_role("navigation", name="Menu principal")

    # 1. The real login form.
    page.goto(f"{live_server.url}/connexion/")
    visite.etape("connexion")
    se_connecter(page, live_server.url, facilitateur.email, MOT_DE_PASSE)

    # 2. The home page: nothing done yet this year.
    expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name=f"Chiffres clés {aujourd_hui.year}")).to_be_visible()
    heures_avant = heures_de_l_annee(page)
    assert heures_avant == 0
    visite.etape("accueil")

    # 3. The marché, then its lot and the lot's target with the calculator.
    menu.get_by_role("link", name="Marchés").click()
    expect(page.get_by_role("heading", name="Marchés", level=1)).to_be_visible()
    visite.etape("marches")
    page.get_by_role("link", name="Nouveau marché").click()
    page.get_by_role("combobox", name="Donneur d'ordre").select_option(label="Habitat du Delta")
    page.get_by_label("Objet").fill("Réhabilitation de 120 logements, résidence Les Cigales")
    page.get_by_label("Montant estimé HT").fill("2400000")
    page.get_by_label("Avis de faisabilité").select_option(label="Favorable")
    visite.etape("marche-nouveau")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Réhabilitation de 120 logements, résidence Les Cigales")).to_be_visible()
    assert Marche.objects.get().facilitateur == facilitateur
    visite.etape("marche")

    page.get_by_role("link", name="Ajouter un lot").first.click()
    page.get_by_label("Numéro").fill("3")
    page.get_by_label("Intitulé").fill("Peinture intérieure")
    page.get_by_label("Montant HT").fill("300000")
    page.get_by_label("Début d'exécution").fill(debut_lot.isoformat())
    page.get_by_label("Fin d'exécution").fill(fin_lot.isoformat())
    visite.etape("lot-nouveau")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("heading", name="Objectif d'heures d'insertion")).to_be_visible()
    resultat = page.locator("#resultat-calcul")
    page.get_by_label("Corps d'état").select_option(label="Peinture intérieure (70 %)")
    expect(page.get_by_label("Part de main-d'œuvre")).to_have_value("70")
    page.get_by_label("Taux d'insertion").fill("7")
    page.get_by_label("Coût horaire").fill("30")
    expect(resultat).to_contain_text(re.compile(r"300\s000 € × 70 % × 7 % ÷ 30 €/h = 490 h"))
    page.get_by_label("Condition d'exécution (article L2112-2)").check()
    visite.etape("calcul-objectif")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_role("heading", name="Lot 3 — Peinture intérieure")).to_be_visible()
    assert ClauseInsertion.objects.get().heures_objectif == 490
    visite.etape("lot")

    # 4. The award: consultation, then « attribué » once the award date is known.
    page.get_by_role("link", name="Réhabilitation de 120 logements, résidence Les Cigales").first.click()
    statut = page.get_by_label(re.compile("^Passer le marché"))
    statut.select_option(label="En consultation")
    page.get_by_role("button", name="Changer le statut").click()
    expect(page.get_by_text("Le marché est désormais « en consultation ».")).to_be_visible()
    visite.etape("marche-en-consultation")
    statut.select_option(label="Attribué")
    page.get_by_role("button", name="Changer le statut").click()
    expect(page.get_by_text("Renseignez la date d'attribution du marché")).to_be_visible()
    visite.etape("marche-date-attribution-manquante")

    page.get_by_role("link", name="Modifier", exact=True).click()
    page.get_by_role("group", name="Calendrier").get_by_label("Attribution").fill(debut_lot.isoformat())
    visite.etape("marche-modification")
    page.get_by_role("button", name="Enregistrer").click()
    expect(
        page.get_by_text("Le marché « Réhabilitation de 120 logements, résidence Les Cigales » a été modifié.")
    ).to_be_visible()
    statut.select_option(label="Attribué")
    page.get_by_role("button", name="Changer le statut").click()
    expect(page.get_by_text("Le marché est désormais « attribué ».")).to_be_visible()
    assert Marche.objects.get().statut == StatutMarche.ATTRIBUE
    visite.etape("marche-attribue")

    page.get_by_role("link", name="Ajouter un attributaire").click()
    page.get_by_label("SIRET de l'entreprise").fill(f"{entreprise.siret[:9]} {entreprise.siret[9:]}")
    page.get_by_label("Rôle").select_option(label="Titulaire")
    page.get_by_label("Part de l'objectif d'heures (h)").fill("400")
    visite.etape("attributaire-nouveau")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("L'attribution de Peintures du Rhône a été enregistrée.")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Peintures du Rhône")).to_be_visible()
    attribution = Attribution.objects.get()
    assert (attribution.entreprise, attribution.heures_objectif) == (entreprise, 400)
    visite.etape("lot-attribue")

    # 5. The participant, oriented by the Mission locale, and her placement through the ETTI.
    menu.get_by_role("link", name="Participants").click()
    expect(page.get_by_role("heading", name="Participants", level=1)).to_be_visible()
    visite.etape("participants")
    page.get_by_role("link", name="Ajouter un participant").click()
    page.get_by_label(re.compile(r"^\s*Nom\*?\s*$")).fill("Durand")
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_label("Date de naissance").fill(dt.date(aujourd_hui.year - 34, 5, 12).isoformat())
    page.get_by_label("Femme", exact=True).check()
    page.get_by_label("Niveau de qualification").select_option(label="Niveau 3 (CAP, BEP)")
    page.get_by_label("Commune de résidence").fill("Arles")
    page.get_by_label("Code postal").fill("13200")
    page.get_by_label("Réside en QPV").check()
    page.get_by_role("textbox", name="Quartier prioritaire").fill("Griffeuille")
    page.get_by_label("Demandeur d'emploi de longue durée").check()
    page.get_by_label("Prescripteur", exact=True).select_option(
        label="Mission locale du Pays d'Arles (Mission locale)"
    )
    page.get_by_label("Date d'orientation").fill((debut_placement - dt.timedelta(days=10)).isoformat())
    visite.etape("participant-nouveau")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Inès DURAND")).to_be_visible()
    participant = Participant.objects.get()
    assert participant.reside_qpv and participant.qpv == "Griffeuille"
    visite.etape("participant")

    page.get_by_role("link", name="Nouveau placement").click()
    page.get_by_label("Attributaire").select_option(
        label="Peintures du Rhône — Lot 3 — Réhabilitation de 120 logements, résidence Les Cigales (Habitat du Delta)"
    )
    page.get_by_label("Modalité").select_option(label="Mise à disposition par une ETTI")
    page.get_by_label("Opérateur").select_option(label="ETTI Solidarité Travail (ETTI)")
    page.get_by_label("Type de contrat").select_option(label="Mission d'intérim (CTTI)")
    page.get_by_label("Poste occupé").fill("Peintre")
    page.get_by_label("Début").fill(debut_placement.isoformat())
    page.get_by_label("Durée hebdomadaire (h)").fill("35")
    visite.etape("placement-nouveau")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Placement chez Peintures du Rhône")).to_be_visible()
    placement = Placement.objects.get()
    assert (placement.participant, placement.attribution) == (participant, attribution)
    visite.etape("placement")

    # 6. The hours grid: one cell typed, saved by htmx, the totals follow without a reload.
    page.get_by_role("link", name="Saisir les heures").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Heures de Peintures du Rhône — Lot 3")
    visite.etape("grille-heures")
    page.evaluate("window.pasRecharge = true")
    cellule = page.get_by_label(f"Heures de {participant.reference} en {date_format(mois_saisi, 'F Y')}", exact=True)
    with page.expect_response(re.compile(r"/placements/\d+/heures/\d{4}-\d{2}/$")) as reponse:
        # A decimal comma, as Camille types it: the cell is a text field that the server reads in French.
        cellule.press_sequentially("35,5")
        cellule.press("Tab")
    assert reponse.value.ok
    expect(page.locator(f"#total-p{placement.pk}")).to_have_text("35,5 h")
    expect(page.locator(f"#total-m{mois_saisi:%Y-%m}")).to_have_text("35,5 h")
    expect(page.locator("#total-annee")).to_have_text("35,5 h")
    expect(page.locator("#avancement")).to_contain_text("35,5 h réalisées sur un objectif de 400 h")
    assert page.evaluate("window.pasRecharge") is True
    assert HeuresMensuelles.objects.get().mois == mois_saisi
    visite.etape("grille-heures-saisies")

    # 7. Back home: this year's hours grew by exactly what was typed.
    menu.get_by_role("link", name="Tableau de bord").click()
    expect(page.get_by_role("heading", name=f"Chiffres clés {aujourd_hui.year}")).to_be_visible()
    assert heures_de_l_annee(page) - heures_avant == HEURES_SAISIES
    visite.etape("accueil-apres-saisie")

    assert all(f.stat().st_size > 0 for f in visite.fichiers)
