"""The rapport de marché PDF: figures read back equal the indicators, French formats, and the two copies — the
facilitator's names the participants, the donneur d'ordre's names no one."""

import datetime as dt
import re
import subprocess
from decimal import Decimal

import pytest

from clauses.factories import ClauseInsertionFactory, HeuresMensuellesFactory, ParticipantFactory, PlacementFactory
from clauses.models import ModalitePlacement, TypeContrat
from config.templatetags.ui import heures as format_heures
from conventions.models import StructurePorteuse
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche
from reporting import indicateurs
from reporting.documents import produire, rapport_marche
from reporting.indicateurs import Periode
from reporting.models import Rapport, TypeRapport

pytestmark = pytest.mark.django_db

ANNEE = Periode(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
# The year is over whatever day the tests run: the report is « arrêté » on its last day.
APRES = dt.date(2026, 3, 15)


def texte_pdf(contenu: bytes, tmp_path) -> str:
    """The PDF's text as a reader copies it (pdftotext), French non-breaking spaces as plain spaces."""
    chemin = tmp_path / "rapport.pdf"
    chemin.write_bytes(contenu)
    sortie = subprocess.run(["pdftotext", "-layout", str(chemin), "-"], capture_output=True, check=True, text=True)
    return sortie.stdout.replace("\u00a0", " ").replace("\u202f", " ")


def masque(texte: str) -> bool:
    """Whether « < 3 » is printed (pdftotext may drop the space)."""
    return re.search(r"<\s?3", texte) is not None


def h(valeur) -> str:
    return format_heures(valeur).replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture
def marche():
    """Lot 1 (833 h target, over 2025) with four people, 1 200 h in all; lot 2 (1 666 h) with one person."""
    marche = MarcheFactory(objet="Réhabilitation du gymnase Fournier", reference="2025-TX-042")
    lot1 = LotFactory(
        marche=marche,
        numero="1",
        intitule="Gros œuvre",
        date_debut=dt.date(2025, 1, 1),
        date_fin=dt.date(2025, 12, 31),
    )
    ClauseInsertionFactory(lot=lot1)  # 1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h
    lot2 = LotFactory(
        marche=marche, numero="2", intitule="Peinture", date_debut=dt.date(2025, 1, 1), date_fin=dt.date(2025, 12, 31)
    )
    ClauseInsertionFactory(lot=lot2, taux_insertion=Decimal("10"))  # 1 667 h
    macon = AttributionFactory(lot=lot1, entreprise__raison_sociale="Maçonnerie Rey SARL")
    peintre = AttributionFactory(lot=lot2, entreprise__raison_sociale="Peintures Vidal SAS")
    noms = [("Durand", "Zoé"), ("Martinez", "Yanis"), ("Nguyen", "Linh"), ("Okafor", "Ada")]
    for i, (nom, prenom) in enumerate(noms):
        placement = PlacementFactory(
            participant=ParticipantFactory(nom=nom, prenom=prenom, date_naissance=dt.date(1988, 4, 12 + i)),
            attribution=macon,
            modalite=ModalitePlacement.MAD_ETTI if i % 2 else ModalitePlacement.EMBAUCHE_DIRECTE,
            type_contrat=TypeContrat.INTERIM if i % 2 else TypeContrat.CDD,
            date_debut=dt.date(2025, 2, 3),
            date_fin=dt.date(2025, 4, 30),
        )
        for mois in (2, 3, 4):
            HeuresMensuellesFactory(placement=placement, mois=dt.date(2025, mois, 1), heures=Decimal("100"))
    seul = PlacementFactory(
        participant=ParticipantFactory(nom="Petitjean", prenom="Rémi", date_naissance=dt.date(1979, 11, 2)),
        attribution=peintre,
        type_contrat=TypeContrat.PROFESSIONNALISATION,
        date_debut=dt.date(2025, 9, 1),
    )
    HeuresMensuellesFactory(placement=seul, mois=dt.date(2025, 9, 1), heures=Decimal("151.5"))
    return marche


def rapport(marche, *, nominatif: bool, periode: Periode = ANNEE) -> Rapport:
    return Rapport(
        type=TypeRapport.RAPPORT_MARCHE,
        marche=marche,
        periode_debut=periode.debut,
        periode_fin=periode.fin,
        nominatif=nominatif,
        donneur_d_ordre=None if nominatif else marche.donneur_d_ordre,
    )


class TestFigures:
    def test_the_content_is_the_indicators(self, marche):
        donnees = rapport_marche.contenu(marche, ANNEE, nominatif=True, aujourd_hui=APRES)
        assert donnees.chiffres.heures == indicateurs.heures_realisees(ANNEE.debut, ANNEE.fin, marche=marche)
        assert donnees.chiffres.heures == Decimal("1351.5")
        assert donnees.chiffres.objectif == indicateurs.objectif_periode(ANNEE.debut, ANNEE.fin, marche=marche)
        assert donnees.arrete_au == dt.date(2025, 12, 31)
        attendus = indicateurs.avancement_des_marches(ANNEE.debut, ANNEE.fin, APRES, marche=marche)[0].lots
        assert [lot.ligne.avancement for lot in donnees.lots] == [lot.avancement for lot in attendus]
        assert [m.heures for m in donnees.mois_graphique] == [
            m.heures for m in indicateurs.heures_par_mois(ANNEE.fin, 12, marche=marche)
        ]

    def test_the_pdf_prints_the_indicators_in_french(self, marche, tmp_path):
        texte = texte_pdf(produire(rapport(marche, nominatif=False)).contenu, tmp_path)
        chiffres = indicateurs.chiffres_cles(ANNEE, dt.date(2026, 1, 1), marche=marche)
        assert h(chiffres.heures) in texte  # « 1 351,5 h »: grouped thousands, decimal comma
        assert "1 351,5 h" in texte
        assert h(chiffres.objectif) in texte
        assert "0,8 ETP" in texte
        assert "du 1er janvier 2025 au 31 décembre 2025" in texte
        assert "31 décembre 2025" in texte
        for lot in indicateurs.avancement_des_marches(ANNEE.debut, ANNEE.fin, APRES, marche=marche)[0].lots:
            assert h(lot.avancement.heures_periode) in texte
            assert h(lot.avancement.objectif) in texte
        assert "Réhabilitation du gymnase Fournier" in texte

    def test_a_lot_behind_schedule_reads_en_retard(self, marche, tmp_path):
        # Lot 2: 151,5 h done out of 1 667 h expected by 31 December.
        texte = texte_pdf(produire(rapport(marche, nominatif=False)).contenu, tmp_path)
        ligne_lot_2 = next(ligne for ligne in texte.splitlines() if "Lot 2 — Peinture" in ligne and " h " in ligne)
        assert "En retard" in ligne_lot_2
        ligne_lot_1 = next(ligne for ligne in texte.splitlines() if "Lot 1 — Gros" in ligne and " h " in ligne)
        assert "Dans les temps" in ligne_lot_1

    def test_a_period_under_way_is_judged_at_the_end_of_the_last_complete_month(self, marche):
        donnees = rapport_marche.contenu(marche, ANNEE, nominatif=False, aujourd_hui=dt.date(2025, 10, 20))
        assert donnees.arrete_au == dt.date(2025, 9, 30)
        assert donnees.mois_graphique[-1].mois == dt.date(2025, 9, 1)

    def test_queries_do_not_grow_with_lots_and_placements(self, marche, django_assert_max_num_queries):
        StructurePorteuse.get()  # created once, then read: one query per document
        with django_assert_max_num_queries(13):
            produire(rapport(marche, nominatif=True))
        for numero in range(3, 8):
            lot = LotFactory(marche=marche, numero=str(numero), date_debut=dt.date(2025, 1, 1))
            ClauseInsertionFactory(lot=lot)
            placement = PlacementFactory(attribution=AttributionFactory(lot=lot), date_debut=dt.date(2025, 5, 5))
            HeuresMensuellesFactory(placement=placement, mois=dt.date(2025, 5, 1))
        with django_assert_max_num_queries(13):
            produire(rapport(marche, nominatif=True))


class TestCopies:
    def test_the_facilitators_copy_names_the_participants(self, marche, tmp_path):
        document = produire(rapport(marche, nominatif=True))
        texte = texte_pdf(document.contenu, tmp_path)
        # The table cell wraps « DURAND Zoé » over two lines.
        for nom, prenom in [("DURAND", "Zoé"), ("MARTINEZ", "Yanis"), ("NGUYEN", "Linh"), ("PETITJEAN", "Rémi")]:
            assert nom in texte and prenom in texte
        references = marche.lots.values_list("attributions__placements__participant__reference", flat=True)
        for reference in references:
            assert reference in texte
        assert "Copie nominative du facilitateur" in texte
        assert "Mission d'intérim (CTTI)" in texte
        assert "03/02/2025" in texte and "30/04/2025" in texte
        assert document.nom.endswith("-nominatif.pdf")

    def test_the_donneurs_copy_names_no_one(self, marche, tmp_path):
        document = produire(rapport(marche, nominatif=False))
        texte = texte_pdf(document.contenu, tmp_path)
        for nom, prenom in [("Durand", "Zoé"), ("Martinez", "Yanis"), ("Nguyen", "Linh"), ("Petitjean", "Rémi")]:
            assert nom.lower() not in texte.lower()
            assert prenom not in texte
        assert "P-0" not in texte
        assert "1988" not in texte and "1979" not in texte  # no birth date in any format
        assert "aucun participant n'y est nommé" in texte
        assert document.nom == "rapport-de-marche-2025-tx-042-2025-01-01-2025-12-31.pdf"

    def test_the_donneurs_copy_counts_no_people_nor_contracts(self, marche, tmp_path):
        # A marché report covers any period: its counts next to another report's, or to the year's, would give
        # small counts back by difference (reporting.diffusion publishes them per year only).
        texte = texte_pdf(produire(rapport(marche, nominatif=False)).contenu, tmp_path)
        assert "Personnes et contrats par lot" not in texte
        assert "personnes en parcours" not in texte
        assert "Contrats commencés dans la période, par type" not in texte
        assert "ne sont publiés que par année" in texte
        donnees = rapport_marche.contenu(marche, ANNEE, nominatif=False, aujourd_hui=APRES)
        assert (donnees.personnes, donnees.nombre_contrats, donnees.contrats) == (None, None, [])
        assert {(lot.personnes, lot.contrats_commences) for lot in donnees.lots} == {(None, None)}

    def test_the_facilitators_copy_shows_exact_counts(self, marche):
        donnees = rapport_marche.contenu(marche, ANNEE, nominatif=True, aujourd_hui=APRES)
        assert [(ligne.libelle, ligne.effectif) for ligne in donnees.contrats] == [
            ("CDD", "2"),
            ("Mission d'intérim (CTTI)", "2"),
            ("Contrat de professionnalisation", "1"),
        ]
        assert [lot.personnes for lot in donnees.lots] == ["4", "1"]

    def test_a_nominative_report_addressed_to_a_donneur_is_not_nominative(self, marche, tmp_path):
        # The database refuses the row; the document does not rely on that alone.
        demande = rapport(marche, nominatif=True)
        demande.donneur_d_ordre = marche.donneur_d_ordre
        texte = texte_pdf(produire(demande).contenu, tmp_path)
        assert "Durand".upper() not in texte
        assert "P-0" not in texte

    def test_a_report_before_award_lists_no_expectation(self, marche, tmp_path):
        marche.statut = StatutMarche.EN_CONSULTATION
        marche.save()
        texte = texte_pdf(produire(rapport(marche, nominatif=False)).contenu, tmp_path)
        assert "Dans les temps" not in texte
        assert not any("En retard" in ligne and " h " in ligne for ligne in texte.splitlines())
