"""The annual bilan's PDF: rendered from real rows, read back, its figures checked against the indicateurs."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clauses.factories import ClauseInsertionFactory
from config.templatetags.ui import heures, pourcent
from entreprises.factories import EntrepriseFactory
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche
from reporting import diffusion, indicateurs
from reporting.documents import bilan_annuel, commun, produire
from reporting.indicateurs import Periode
from reporting.models import BilanAnnuel, Rapport, TypeRapport
from reporting.tests.outils_pdf import convention_avec_heures, identites, normaliser, pages_pdf, texte_pdf

pytestmark = pytest.mark.django_db

D = dt.date
DEBUT, FIN = D(2025, 1, 1), D(2025, 12, 31)


def _rapport(convention) -> Rapport:
    return Rapport.objects.create(
        type=TypeRapport.BILAN_ANNUEL,
        convention=convention,
        donneur_d_ordre=convention.donneur_d_ordre,
        periode_debut=DEBUT,
        periode_fin=FIN,
    )


@pytest.fixture
def donnees():
    donnees = convention_avec_heures()
    BilanAnnuel.objects.create(
        convention=donnees["convention"],
        numero_periode=1,
        periode_debut=DEBUT,
        periode_fin=FIN,
        texte_qualitatif="Une année de démarrage : quatre parcours ouverts sur le chantier de l'école.",
        commentaire_donneur="Nous souhaitons étendre la clause aux marchés de voirie.",
        commentaire_le=timezone.now(),
        transmis_le=timezone.now(),
    )
    return donnees


def test_the_figures_printed_are_the_indicators(donnees):
    convention = donnees["convention"]
    document = produire(_rapport(convention))
    texte = texte_pdf(document.contenu)

    realisees = indicateurs.heures_realisees(DEBUT, FIN, convention=convention)
    objectif = indicateurs.objectif_periode(DEBUT, FIN, convention=convention)
    assert realisees == 1680 and objectif == 2400  # what the fixture says, so the test checks something
    # The convention's figures are its donneur d'ordre's: the same as the portal's bilan page.
    assert realisees == indicateurs.heures_realisees(DEBUT, FIN, donneur=donnees["donneur"])
    for attendu in (
        heures(realisees),
        heures(objectif),
        pourcent(indicateurs.taux_realisation(realisees, objectif)),
        "1,1 équivalents temps plein",  # 1 680 h ÷ 1 600 h
    ):
        assert normaliser(attendu) in texte, attendu
    assert "1 680 h" in texte and "2 400 h" in texte and "70 %" in texte
    statistiques = diffusion.statistiques_personnes(DEBUT, FIN, convention=convention)
    assert statistiques.personnes == "4"
    assert "4 personnes en parcours" in texte
    assert "Personnes ayant effectué des heures dans l'année : 4." in texte
    # Lot rows: the lot's year target and hours.
    assert "Lot 1 — Corps d'état 1" in texte and "Bâtisseurs 1 SARL" in texte
    assert "1 200 h 1 680 h 140 %" in texte  # target of the year, hours of the year, rate


def test_it_names_no_participant(donnees):
    texte = texte_pdf(produire(_rapport(donnees["convention"])).contenu)
    for valeur in identites(donnees["placements"]):
        assert valeur not in texte, valeur
    assert "P-0" not in texte


def test_small_counts_are_suppressed(donnees):
    texte = texte_pdf(produire(_rapport(donnees["convention"])).contenu)
    # Four people and four contracts: the totals are printed, never « masqué », and no breakdown under 10
    # (reporting.diffusion): genre, âge, qualification, public and QPV say so, and so do the contracts.
    assert "4 personnes en parcours" in texte
    assert "Personnes ayant effectué des heures dans l'année : 4." in texte
    assert "4 contrats commencés" in texte
    assert texte.count("Répartition non publiée : moins de 10 personnes.") == 5
    assert "Répartition non publiée : moins de 10 contrats." in texte
    assert "CDD < 3" not in texte
    assert normaliser(diffusion.PHRASE) in texte


def test_the_texts_of_the_bilan_and_the_layout(donnees):
    document = produire(_rapport(donnees["convention"]))
    assert document.nom == "bilan-annuel-ville-de-testville-ci-2025-001-2025-2025.pdf"
    pages = pages_pdf(document.contenu)
    texte = " ".join(pages)
    assert "Bilan annuel de la convention de coopération" in texte
    assert "Année n° 1 de la convention, du 1er janvier 2025 au 31 décembre 2025" in texte
    assert "Une année de démarrage : quatre parcours ouverts" in texte
    assert "Commentaire de la Ville de Testville" in texte
    assert "Nous souhaitons étendre la clause aux marchés de voirie." in texte
    # The monthly chart's labels are text.
    assert "janv. 2025" in texte and "juin 2025" in texte
    for numero, page in enumerate(pages, start=1):
        assert f"Page {numero} sur {len(pages)}" in page
        assert "Agglomération du Pays d'Essai" in page


def test_a_draft_is_printed_only_in_the_facilitator_s_copy(donnees):
    BilanAnnuel.objects.update(transmis_le=None)
    brouillon = "Une année de démarrage : quatre parcours ouverts"
    # Addressed to the donneur d'ordre (and so listed on its portal): the draft stays with the facilitator.
    assert brouillon not in texte_pdf(produire(_rapport(donnees["convention"])).contenu)
    copie = _rapport(donnees["convention"])
    copie.donneur_d_ordre = None
    assert brouillon in texte_pdf(produire(copie).contenu)


def test_without_a_bilan_row_it_says_so(donnees):
    BilanAnnuel.objects.all().delete()
    texte = texte_pdf(produire(_rapport(donnees["convention"])).contenu)
    assert "Le bilan qualitatif de cette année n'a pas encore été rédigé." in texte
    assert "Le donneur d'ordre n'a pas formulé de commentaire." in texte


def test_sixty_lots_span_several_pages_in_a_fixed_number_of_queries():
    petit = convention_avec_heures(nombre_de_lots=2)
    with CaptureQueriesContext(connection) as requetes_petit:
        bilan_annuel.contexte(_rapport(petit["convention"]))
    grand = convention_avec_heures(nombre_de_lots=60)
    rapport = _rapport(grand["convention"])
    with CaptureQueriesContext(connection) as requetes_grand:
        bilan_annuel.contexte(rapport)
    assert len(requetes_grand) <= len(requetes_petit)

    pages = pages_pdf(produire(rapport).contenu)
    assert len(pages) >= 4
    texte = " ".join(pages)
    assert "Lot 60 — Corps d'état 60" in texte and "Bâtisseurs 60 SARL" in texte
    # The table's header repeats on each page it runs over.
    assert sum("Marché, lot, attributaire" in page for page in pages) >= 2
    assert f"Page {len(pages)} sur {len(pages)}" in pages[-1]
    # 60 lots of 1 200 h over 2025: the table's total is the indicator.
    objectif = indicateurs.objectif_periode(DEBUT, FIN, convention=grand["convention"])
    assert objectif == 72000 and "Total 72 000 h" in texte
    assert (
        indicateurs.chiffres_cles(Periode(DEBUT, FIN), D(2026, 6, 1), convention=grand["convention"]).objectif
        == objectif
    )


def test_a_report_without_a_convention_is_refused():
    rapport = Rapport(type=TypeRapport.BILAN_ANNUEL, periode_debut=DEBUT, periode_fin=FIN)
    with pytest.raises(ValueError, match="porte sur une convention"):
        produire(rapport)


class TestPorteesDesIndicateurs:
    """The scopes the documents added to reporting.indicateurs: convention, entreprise; people by QPV residence."""

    def test_a_convention_is_its_donneur_d_ordre(self, donnees):
        convention, donneur = donnees["convention"], donnees["donneur"]
        # Another convention of another donneur, with hours: it must not leak in.
        autre = convention_avec_heures()
        for fonction in (
            indicateurs.heures_realisees,
            indicateurs.objectif_periode,
            indicateurs.personnes_en_parcours,
        ):
            assert fonction(DEBUT, FIN, convention=convention) == fonction(DEBUT, FIN, donneur=donneur)
            assert fonction(DEBUT, FIN, convention=convention.pk) == fonction(DEBUT, FIN, donneur=donneur)
        assert indicateurs.heures_realisees(DEBUT, FIN, convention=autre["convention"]) == 1680
        assert indicateurs.marches_actifs(convention=convention) == 1

    def test_an_entreprise_scope(self, donnees):
        premier = donnees["lots"][0].attributions.get()
        entreprise = premier.entreprise
        assert indicateurs.heures_realisees(DEBUT, FIN, entreprise=entreprise) == 1680
        assert indicateurs.objectif_periode(DEBUT, FIN, entreprise=entreprise) == 1200
        assert indicateurs.objectif_periode(DEBUT, FIN, attribution=premier) == 1200
        second = donnees["lots"][1].attributions.get().entreprise
        assert indicateurs.heures_realisees(DEBUT, FIN, entreprise=second) == 0
        assert indicateurs.objectif_periode(DEBUT, FIN, entreprise=second) == 1200

    def test_people_by_qpv_residence(self, donnees):
        parts = indicateurs.personnes_par_qpv(DEBUT, FIN, convention=donnees["convention"])
        assert [(p.code, p.valeur) for p in parts] == [("qpv", 1), ("hors_qpv", 3)]

    def test_the_progress_table_adds_up_to_the_indicators(self, donnees):
        convention = donnees["convention"]
        marches = indicateurs.avancement_des_marches(DEBUT, FIN, convention=convention)
        assert len(marches) == 1
        lots = marches[0].lots
        assert [lot.numero for lot in lots] == ["1", "2"]
        assert sum(lot.avancement.heures_periode for lot in lots) == indicateurs.heures_realisees(
            DEBUT, FIN, convention=convention
        )
        assert sum(lot.avancement.objectif_periode for lot in lots) == indicateurs.objectif_periode(
            DEBUT, FIN, convention=convention
        )
        for lot in lots:
            (attributaire,) = lot.attributaires
            assert attributaire.avancement.objectif_periode == indicateurs.objectif_periode(
                DEBUT, FIN, attribution=attributaire.attribution_id
            )
        # Judged at the end of the year: 1 680 h of 1 200 h done on lot 1, nothing on lot 2.
        assert lots[0].avancement.attendues == 1200 and not lots[0].avancement.en_retard
        assert lots[1].avancement.en_retard
        # 2024's 50 h count in the cumulated hours, not in the year's.
        assert lots[0].avancement.heures_cumulees == 1730


class TestManyMarches:
    """Past ``commun.LIGNES_MAX_DETAILLEES`` rows, the progress table lists one row per marché, by status."""

    def test_one_row_per_marche_whose_figures_sum_its_lots(self, donnees, monkeypatch):
        convention = donnees["convention"]
        acheve = MarcheFactory(
            donneur_d_ordre=donnees["donneur"], objet="Voirie du quartier Nord", statut=StatutMarche.ACHEVE
        )
        lot = LotFactory(marche=acheve, numero="1", intitule="Chaussées", date_debut=DEBUT, date_fin=FIN)
        ClauseInsertionFactory(lot=lot, heures_forcees=600)
        AttributionFactory(lot=lot, entreprise=EntrepriseFactory(raison_sociale="Routes du Sud SAS"))
        contexte = bilan_annuel.contexte(_rapport(convention))
        assert not contexte["par_marche"] and commun.lignes_detaillees(contexte["marches"]) == 8

        monkeypatch.setattr(commun, "LIGNES_MAX_DETAILLEES", 7)
        contexte = bilan_annuel.contexte(_rapport(convention))
        assert contexte["par_marche"]
        assert [(g.statut, [m.objet for m in g.marches]) for g in contexte["groupes"]] == [
            ("En exécution", ["Rénovation de l'école Jules-Ferry"]),
            ("Achevé", ["Voirie du quartier Nord"]),
        ]
        texte = texte_pdf(produire(_rapport(convention)).contenu)
        # Lots and attributaires are left to each marché's report, and the note says so.
        assert "Corps d'état 1" not in texte and "Bâtisseurs 1 SARL" not in texte and "Chaussées" not in texte
        assert "Le détail par lot et par attributaire de chaque marché figure dans son rapport de marché" in texte
        ecole = next(m for m in contexte["marches"] if m.objet.startswith("Rénovation"))
        assert (ecole.objectif_periode, ecole.heures_periode, ecole.lots_en_retard) == (2400, 1680, 1)
        reference = f" ({ecole.reference})" if ecole.reference else ""
        # The year's target and hours (the lots' sums), rate, hours since the start, lots late out of the lots.
        assert ecole.heures_cumulees == 1730  # with December 2024's 50 h
        ligne = f"Rénovation de l'école Jules-Ferry{reference} 2 400 h 1 680 h 70 % 1 730 h 1 / 2"
        assert f"En exécution (1 marché) {ligne}" in texte
        assert "Achevé (1 marché) Voirie du quartier Nord" in texte
        objectif = indicateurs.objectif_periode(DEBUT, FIN, convention=convention)
        assert objectif == 3000 and "Total (2 marchés) 3 000 h 1 680 h 56 % 2 / 3" in texte

    def test_marches_by_status_in_the_order_of_the_procedure(self):
        def marche(objet, statut):
            return indicateurs.AvancementMarche(marche_id=0, objet=objet, reference="", statut=statut, lots=[])

        marches = [marche("a", "Soldé"), marche("b", "En exécution"), marche("c", "Attribué"), marche("d", "Soldé")]
        assert [(g.statut, [m.objet for m in g.marches]) for g in commun.marches_par_statut(marches)] == [
            ("Attribué", ["c"]),
            ("En exécution", ["b"]),
            ("Soldé", ["a", "d"]),
        ]
