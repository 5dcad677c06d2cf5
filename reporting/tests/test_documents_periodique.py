"""The periodic report's PDF (a month or a quarter of a donneur d'ordre), read back and checked."""

import datetime as dt
from decimal import Decimal

import pytest

from clauses.factories import ClauseInsertionFactory, HeuresMensuellesFactory, PlacementFactory
from config.templatetags.ui import heures
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche
from reporting import diffusion, indicateurs
from reporting.documents import commun, produire, rapport_periodique
from reporting.models import Rapport, TypeRapport
from reporting.tests.outils_pdf import convention_avec_heures, identites, normaliser, pages_pdf, texte_pdf

pytestmark = pytest.mark.django_db

D = dt.date


def _rapport(donneur, debut, fin) -> Rapport:
    return Rapport.objects.create(
        type=TypeRapport.RAPPORT_PERIODIQUE, donneur_d_ordre=donneur, periode_debut=debut, periode_fin=fin
    )


@pytest.fixture
def donnees():
    """The shared convention (lot 1 on schedule), plus a lot far behind and a marché that is over."""
    donnees = convention_avec_heures()
    lent = LotFactory(
        marche=donnees["marche"],
        numero="3",
        intitule="Lot à la traîne",
        date_debut=D(2025, 1, 1),
        date_fin=D(2025, 12, 31),
    )
    ClauseInsertionFactory(lot=lent, heures_forcees=2400)
    placement = PlacementFactory(attribution=AttributionFactory(lot=lent), date_debut=D(2025, 2, 1))
    HeuresMensuellesFactory(placement=placement, mois=D(2025, 2, 1), heures=Decimal("35.5"))
    acheve = MarcheFactory(
        donneur_d_ordre=donnees["donneur"], objet="Marché achevé de voirie", statut=StatutMarche.ACHEVE
    )
    lot_acheve = LotFactory(marche=acheve, date_debut=D(2024, 1, 1), date_fin=D(2024, 12, 31))
    ClauseInsertionFactory(lot=lot_acheve, heures_forcees=500)
    return {**donnees, "lent": lent, "placements": [*donnees["placements"], placement]}


def test_a_quarter_figures_equal_the_indicators(donnees):
    donneur = donnees["donneur"]
    debut, fin = D(2025, 4, 1), D(2025, 6, 30)
    document = produire(_rapport(donneur, debut, fin))
    assert document.nom == "rapport-trimestriel-ville-de-testville-2025-04-01-2025-06-30.pdf"
    pages = pages_pdf(document.contenu)
    texte = " ".join(pages)

    assert "Rapport trimestriel — 2e trimestre 2025" in texte
    periode = indicateurs.heures_realisees(debut, fin, donneur=donneur)
    annee = indicateurs.heures_realisees(D(2025, 1, 1), fin, donneur=donneur)
    assert (periode, annee) == (Decimal(840), Decimal("1715.5"))  # 280 h × 3 months; + January–March and 35.5 h
    assert normaliser(heures(periode)) + " heures d'insertion réalisées" in texte
    assert normaliser(heures(annee)) + " heures réalisées du 1er janvier 2025 au 30 juin 2025" in texte
    objectif = indicateurs.objectif_periode(debut, fin, donneur=donneur)
    assert normaliser(heures(objectif)) + " objectif d'heures de la période" in texte
    # No count of people or contracts in a month or a quarter (reporting.diffusion: per year only).
    assert "personnes en parcours" not in texte
    assert "contrats commencés" not in texte
    for numero, page in enumerate(pages, start=1):
        assert f"Page {numero} sur {len(pages)}" in page


def test_late_lots_are_flagged_as_on_the_lot_page(donnees):
    debut, fin = D(2025, 4, 1), D(2025, 6, 30)
    marches = indicateurs.avancement_des_marches(debut, fin, D(2026, 1, 15), donneur=donnees["donneur"])
    lots = {lot.numero: lot.avancement for marche in marches for lot in marche.lots}
    # 2 400 h over 2025: 1 190,1 h expected by 30 June (181 of 365 days); 35,5 h done.
    assert lots["3"].attendues == Decimal("1190.14") and lots["3"].en_retard
    assert not lots["1"].en_retard  # 1 680 h done, 595 h expected
    assert lots["2"].en_retard

    texte = texte_pdf(produire(_rapport(donnees["donneur"], debut, fin)).contenu)
    assert "Lot 3 — Lot à la traîne" in texte
    assert "35,5 h 1 190,1 h En retard" in texte
    # Lot 2 has no hours at all: late too.
    assert "2 lots en retard au 30 juin 2025" in texte
    # A marché over before the period, with no hours in it, is not listed (it counted nothing then).
    assert "Marché achevé de voirie" not in texte


def test_it_names_no_participant(donnees):
    texte = texte_pdf(produire(_rapport(donnees["donneur"], D(2025, 1, 1), D(2025, 3, 31))).contenu)
    for valeur in identites(donnees["placements"]):
        assert valeur not in texte, valeur


def test_a_month_counts_no_people_and_says_why(donnees):
    # February has the 4 people of lot 1 and 1 on the late lot: a month's count next to another month's, or to
    # the year's, would give a small count back by difference.
    document = produire(_rapport(donnees["donneur"], D(2025, 2, 1), D(2025, 2, 28)))
    assert document.nom == "rapport-mensuel-ville-de-testville-2025-02-01-2025-02-28.pdf"
    texte = texte_pdf(document.contenu)
    assert "Rapport mensuel — février 2025" in texte
    assert "personnes en parcours" not in texte
    assert normaliser(diffusion.PHRASE_PERIODE) in texte
    assert normaliser(diffusion.PHRASE) in texte


@pytest.mark.parametrize(
    ("debut", "fin", "attendu"),
    [
        (D(2027, 3, 1), D(2027, 3, 31), ("mensuel", "mars 2027")),
        (D(2027, 1, 1), D(2027, 3, 31), ("trimestriel", "1er trimestre 2027")),
        (D(2027, 10, 1), D(2027, 12, 31), ("trimestriel", "4e trimestre 2027")),
        (D(2027, 2, 1), D(2027, 4, 30), ("périodique", "du 1er février 2027 au 30 avril 2027")),
    ],
)
def test_the_kind_of_period(debut, fin, attendu):
    assert rapport_periodique.nature_de_la_periode(debut, fin) == attendu


def test_a_report_without_a_donneur_is_refused():
    rapport = Rapport(type=TypeRapport.RAPPORT_PERIODIQUE, periode_debut=D(2025, 1, 1), periode_fin=D(2025, 1, 31))
    with pytest.raises(ValueError, match="s'adresse à un donneur d'ordre"):
        produire(rapport)


def test_past_the_bound_one_row_per_marche(donnees, monkeypatch):
    """A donneur d'ordre with hundreds of active marchés: one row each, its lots summed."""
    monkeypatch.setattr(commun, "LIGNES_MAX_DETAILLEES", 1)
    debut, fin = D(2025, 4, 1), D(2025, 6, 30)
    texte = texte_pdf(produire(_rapport(donnees["donneur"], debut, fin)).contenu)
    assert "Lot 3 — Lot à la traîne" not in texte
    (marche,) = indicateurs.avancement_des_marches(debut, fin, D(2026, 1, 15), donneur=donnees["donneur"])
    reference = f" ({marche.reference})" if marche.reference else ""
    ligne = f"Rénovation de l'école Jules-Ferry{reference} {normaliser(heures(marche.objectif_periode))}"
    assert f"En exécution (1 marché) {ligne}" in texte
    assert "2 lots en retard au 30 juin 2025" in texte and "Total (1 marché)" in texte
