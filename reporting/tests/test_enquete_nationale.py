"""The national survey of a year: the workbook read back cell by cell against the indicators module (on the demo's
last complete year), the one-page summary read back and counted, the fields as docs/enquete-nationale.md lists them,
and the request from the reports page (facilitators only, a calendar year)."""

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clauses import demo
from clauses.factories import (
    ClauseInsertionFactory,
    HeuresMensuellesFactory,
    ParticipantFactory,
    PlacementFactory,
    SortieFactory,
)
from clauses.models import CritereEligibilite, ModalitePlacement, MomentSortie, Situation, TypeContrat
from config.templatetags.ui import heures as format_heures
from conventions.factories import DonneurDOrdreFactory
from conventions.models import StructurePorteuse, TypeDonneur
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from reporting import enquete_nationale, indicateurs
from reporting.documents import enquete_nationale as document
from reporting.documents import produire
from reporting.indicateurs import Periode
from reporting.models import Rapport, StatutRapport, TypeRapport
from reporting.tests.outils_pdf import pages_pdf

D = dt.date
DEMANDE = reverse("reporting:rapport_demande")
DOC = Path(settings.BASE_DIR) / "docs" / "enquete-nationale.md"


def nombre(valeur) -> Decimal:
    """A cell's number as the indicators give it (openpyxl reads 13428.5 as a float, 37 as an int)."""
    return Decimal(str(valeur))


def lire(contenu: bytes) -> dict[str, list[tuple]]:
    classeur = load_workbook(io.BytesIO(contenu))
    return {feuille.title: [ligne for ligne in feuille.iter_rows(values_only=True)] for feuille in classeur.worksheets}


def tableau_lu(lignes: list[tuple], code: str) -> dict[str, Decimal]:
    """The rows of table ``code`` of a sheet, label → value, down to its total (included, as « Total »)."""
    debut = next(i for i, ligne in enumerate(lignes) if ligne[0] and str(ligne[0]).startswith(f"{code} — "))
    valeurs = {}
    for ligne in lignes[debut + 2 :]:
        if ligne[0] is None or ligne[1] is None:
            break
        valeurs[ligne[0]] = nombre(ligne[1])
    return valeurs


def attendu(parts) -> dict[str, Decimal]:
    return {p.libelle: nombre(p.valeur) for p in parts}


# --- On the demo's last complete year ----------------------------------------------------------------------------


@pytest.fixture(scope="class")
def demo_chargee(django_db_setup, django_db_blocker):
    """The demo, loaded once for the class and rolled back after it."""
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        assert demo.charger_demo(jour=timezone.localdate()).cree
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="class")
def annee():
    return timezone.localdate().year - 1


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_chargee")
class TestSurLaDemo:
    def test_every_figure_of_the_workbook_is_the_indicators(self, annee, django_assert_max_num_queries):
        """Read back, each figure of each sheet equals what the indicators module answers for the year, computed here
        by calling it directly, table by table."""
        with django_assert_max_num_queries(30):
            enquete = enquete_nationale.contenu(annee)
        feuilles = lire(document.tableur(enquete))
        assert list(feuilles) == [
            "Structure",
            "A. Activité et acteurs",
            "B. Heures",
            "C. Publics",
            "D. Contrats",
            "E. Sorties",
            "Définitions",
        ]
        debut, fin = D(annee, 1, 1), D(annee, 12, 31)
        periode = Periode.annee(annee)
        chiffres = indicateurs.chiffres_cles(periode, min(fin + dt.timedelta(days=1), timezone.localdate()))
        assert chiffres.heures > 0, "the demo has hours in its last complete year"

        # A. Key figures: code → value.
        lues = {
            ligne[0]: nombre(ligne[2])
            for ligne in feuilles["A. Activité et acteurs"]
            if ligne[0] in (enquete_nationale.DEFINITIONS)
        }
        entreprises = indicateurs.entreprises_impliquees(debut, fin)
        assert lues == {
            "A01": chiffres.heures,
            "A02": chiffres.etp,
            "A03": chiffres.objectif,
            "A04": indicateurs.personnes_en_parcours(debut, fin),
            "A05": indicateurs.nouveaux_entrants(debut, fin),
            "A06": sum(p.valeur for p in indicateurs.contrats_par_type(debut, fin)),
            "A07": chiffres.marches_avec_heures,
            "A08": indicateurs.donneurs_avec_heures(debut, fin),
            "A09": entreprises.impliquees,
            "A10": entreprises.avec_heures,
            "A11": entreprises.attributaires,
        }

        # B. Hours: every breakdown, and its total the year's hours.
        heures = feuilles["B. Heures"]
        total = {"Total": chiffres.heures}
        assert tableau_lu(heures, "B1") == attendu(indicateurs.heures_par_type_de_marche(debut, fin)) | total
        assert tableau_lu(heures, "B2") == attendu(indicateurs.heures_par_corps_d_etat(debut, fin)) | total
        modalites = attendu(indicateurs.heures_par_modalite(debut, fin))
        lues_modalites = tableau_lu(heures, "B3")
        assert {k: v for k, v in lues_modalites.items() if v} == modalites | total
        assert set(lues_modalites) == {*dict(ModalitePlacement.choices).values(), "Total"}  # zeros included
        assert tableau_lu(heures, "B4") == attendu(indicateurs.heures_par_type_de_donneur(debut, fin)) | total
        assert tableau_lu(heures, "B5") == attendu(indicateurs.heures_par_modalite_juridique(debut, fin))

        # C. People.
        publics_lus = feuilles["C. Publics"]
        personnes = {"Total": nombre(indicateurs.personnes_en_parcours(debut, fin))}
        publics, _ = indicateurs.personnes_par_public(debut, fin)
        lus = tableau_lu(publics_lus, "C1")
        assert {k: v for k, v in lus.items() if v} == attendu(publics) | personnes
        assert len(lus) == CritereEligibilite.objects.count() + 2  # every criterion, « aucun », the total
        assert tableau_lu(publics_lus, "C2") == attendu(indicateurs.personnes_par_qpv(debut, fin)) | personnes
        assert tableau_lu(publics_lus, "C3") == attendu(indicateurs.personnes_par_genre(debut, fin)) | personnes
        assert (
            tableau_lu(publics_lus, "C4") == attendu(indicateurs.personnes_par_tranche_d_age(debut, fin)) | personnes
        )
        assert tableau_lu(publics_lus, "C5") == (
            attendu(indicateurs.personnes_par_qualification(debut, fin)) | personnes
        )

        # D. Contracts, in the nomenclature's order, zeros included.
        contrats = indicateurs.contrats_par_type(debut, fin)
        lus = tableau_lu(feuilles["D. Contrats"], "D1")
        assert list(lus) == [*dict(TypeContrat.choices).values(), "Total"]
        assert {k: v for k, v in lus.items() if v} == attendu(contrats) | {"Total": sum(p.valeur for p in contrats)}

        # E. Outcomes: each category, then its situations; the total of the categories.
        for code, categories, moment in (
            ("E1", indicateurs.sorties_par_categorie(debut, fin), MomentSortie.FIN_PARCOURS),
            ("E2", indicateurs.sorties_a_six_mois(debut, fin), MomentSortie.SIX_MOIS),
        ):
            lus = tableau_lu(feuilles["E. Sorties"], code)
            situations = indicateurs.sorties_par_situation(debut, fin, moment=moment)
            assert lus == attendu(categories) | attendu(situations) | {"Total": sum(p.valeur for p in categories)}

    def test_the_structure_sheet_and_the_definitions(self, annee):
        feuilles = lire(document.tableur(enquete_nationale.contenu(annee)))
        structure = dict(ligne[:2] for ligne in feuilles["Structure"] if ligne[0])
        assert structure["Structure porteuse"] == StructurePorteuse.get().nom
        assert structure["Année de l'enquête"] == annee
        assert structure["Début de la période"] == dt.datetime(annee, 1, 1)  # a date cell, as the lists' exports
        definitions = {ligne[0]: ligne[1] for ligne in feuilles["Définitions"][1:]}
        assert definitions == {code: libelle for code, (libelle, _) in enquete_nationale.DEFINITIONS.items()}

    def test_the_summary_fits_one_page_and_holds_the_key_figures(self, annee, tmp_path):
        enquete = enquete_nationale.contenu(annee)
        contenu = document.synthese(enquete)
        (tmp_path / "synthese.pdf").write_bytes(contenu)
        pages = pages_pdf(contenu)
        assert len(pages) == 1
        texte = pages[0]
        assert f"Enquête nationale {annee} — synthèse" in texte
        chiffres = enquete.chiffres
        assert f"{h(chiffres['A01'].valeur)} A01. heures d'insertion réalisées" in texte
        for code in ("A04", "A05", "A06", "A07", "A08", "A09"):
            assert f"{chiffres[code].valeur} {code}." in texte
        a10, a11 = chiffres["A10"].valeur, chiffres["A11"].valeur
        assert f"A09. entreprises impliquées : A10. {a10} avec des heures, A11. {a11} tenues par une clause" in texte
        for code in ("B1", "B3", "B4", "C1", "C2", "C3", "C4", "C5", "D1"):
            assert f"{code}. {enquete.par_code[code].titre}" in texte
        for ligne in enquete.par_code["B1"].lignes:
            assert f"{ligne.libelle} {h(ligne.valeur)}" in texte
        for ligne in enquete.par_code["C1"].lignes:  # the wide table: one line per row
            assert f"{ligne.libelle} {ligne.valeur}" in texte
        assert f"Personnes (sans double compte) {chiffres['A04'].valeur}" in texte
        sorties = " ".join(f"{libelle} {fin} {six}" for libelle, fin, six in enquete.sorties_comparees[-1:])
        assert sorties in texte


def h(valeur) -> str:
    return format_heures(valeur).replace("\u00a0", " ").replace("\u202f", " ")


# --- Small territories -----------------------------------------------------------------------------------------


def territoire_complet(annee: int) -> None:
    """Hours in every kind of donneur d'ordre, every type of contract, every modality and every public: the longest
    summary a territory can have."""
    criteres = list(CritereEligibilite.objects.all())
    types = list(TypeContrat.values)
    modalites = list(ModalitePlacement.values)
    for i, type_donneur in enumerate(TypeDonneur.values):
        lot = LotFactory(
            marche=MarcheFactory(donneur_d_ordre=DonneurDOrdreFactory(type=type_donneur)),
            date_debut=D(annee, 1, 1),
            date_fin=D(annee, 12, 31),
        )
        ClauseInsertionFactory(lot=lot)
        attribution = AttributionFactory(lot=lot)
        for j in range(2):
            participant = ParticipantFactory()
            participant.criteres.set(criteres[(i + j) % len(criteres) :][:2])
            placement = PlacementFactory(
                participant=participant,
                attribution=attribution,
                type_contrat=types[(2 * i + j) % len(types)],
                modalite=modalites[(i + j) % len(modalites)],
                date_debut=D(annee, 2, 1),
            )
            HeuresMensuellesFactory(placement=placement, mois=D(annee, 2, 1), heures=Decimal("151.67"))
            SortieFactory(placement=placement, date_constat=D(annee, 3, 1), situation=Situation.values[i])
            SortieFactory(
                placement=placement, moment=MomentSortie.SIX_MOIS, date_constat=D(annee, 9, 1), situation=Situation.CDI
            )


@pytest.mark.django_db
class TestPetitsTerritoires:
    def test_the_longest_summary_still_fits_one_page(self):
        territoire_complet(2025)
        structure = StructurePorteuse.get()
        structure.nom = "Communauté d'agglomération du Pays d'Essai et des Communes Voisines Réunies"
        structure.save()
        # The year under way: one line more in the heading (« données arrêtées au »).
        enquete = enquete_nationale.contenu(2025, aujourd_hui=D(2025, 11, 15))
        assert enquete.en_cours
        assert all(ligne.valeur for ligne in enquete.par_code["B4"].lignes)
        assert all(ligne.valeur for ligne in enquete.par_code["D1"].lignes)
        pages = pages_pdf(document.synthese(enquete))
        assert len(pages) == 1
        assert "données arrêtées au 31 octobre 2025" in pages[0]
        assert "Établissement de santé 303,3 h" in pages[0]

    def test_an_empty_year(self):
        enquete = enquete_nationale.contenu(2024, aujourd_hui=D(2026, 3, 1))
        assert enquete.chiffres["A01"].valeur == 0 and enquete.taux is None
        assert len(pages_pdf(document.synthese(enquete))) == 1
        feuilles = lire(document.tableur(enquete))
        assert tableau_lu(feuilles["B. Heures"], "B1") == {"Travaux": 0, "Services": 0, "Fournitures": 0, "Total": 0}

    def test_a_rapport_row_produces_both_documents(self):
        territoire_complet(2025)
        tableur = produire(
            Rapport(type=TypeRapport.ENQUETE_NATIONALE, periode_debut=D(2025, 1, 1), periode_fin=D(2025, 12, 31))
        )
        assert tableur.nom == "enquete-nationale-2025.xlsx"
        assert tableur.contenu.startswith(b"PK")  # a zip: the workbook
        synthese = produire(
            Rapport(type=TypeRapport.ENQUETE_SYNTHESE, periode_debut=D(2025, 1, 1), periode_fin=D(2025, 12, 31))
        )
        assert synthese.nom == "enquete-nationale-2025-synthese.pdf"
        assert len(pages_pdf(synthese.contenu)) == 1

    def test_a_period_that_is_not_a_calendar_year_is_refused(self):
        with pytest.raises(ValueError, match="année civile"):
            produire(
                Rapport(type=TypeRapport.ENQUETE_NATIONALE, periode_debut=D(2025, 3, 1), periode_fin=D(2026, 2, 28))
            )


def test_the_fields_are_those_of_the_documentation():
    """docs/enquete-nationale.md gives each field of the survey: the workbook has the same codes, in the same order."""
    codes_documentes = re.findall(r"^\| `([A-E]\d+)` \|", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert codes_documentes == list(enquete_nationale.DEFINITIONS)


# --- Asking for it ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestDemande:
    def test_the_reports_page_offers_last_year_s_survey(self, client_facilitateur):
        annee = timezone.localdate().year - 1
        contenu = client_facilitateur.get(reverse("reporting:rapports")).content.decode()
        assert f"Enquête nationale ({annee})" in contenu
        assert f'name="debut" value="{annee}-01-01"' in contenu and f'name="fin" value="{annee}-12-31"' in contenu
        assert 'name="type" value="enquete_nationale"' in contenu and 'name="type" value="enquete_synthese"' in contenu

    @pytest.mark.parametrize("type_", ["enquete_nationale", "enquete_synthese"])
    def test_a_facilitator_asks_for_it(self, client_facilitateur, type_):
        annee = timezone.localdate().year - 1
        client_facilitateur.post(DEMANDE, {"type": type_, "debut": f"{annee}-01-01", "fin": f"{annee}-12-31"})
        rapport = Rapport.objects.get()
        assert (rapport.type, rapport.periode_debut, rapport.periode_fin) == (type_, D(annee, 1, 1), D(annee, 12, 31))
        assert rapport.donneur_d_ordre is None and not rapport.nominatif

    def test_without_dates_the_last_complete_year(self, client_facilitateur):
        client_facilitateur.post(DEMANDE, {"type": "enquete_nationale"})
        annee = timezone.localdate().year - 1
        assert Rapport.objects.get().periode_debut == D(annee, 1, 1)

    def test_only_a_calendar_year(self, client_facilitateur):
        reponse = client_facilitateur.post(
            DEMANDE, {"type": "enquete_nationale", "debut": "2025-03-01", "fin": "2025-12-31"}
        )
        assert "L'enquête nationale porte sur une année civile" in reponse.content.decode().replace("&#x27;", "'")
        assert not Rapport.objects.exists()

    def test_a_referent_may_not(self, client_referent):
        reponse = client_referent.post(DEMANDE, {"type": "enquete_nationale"})
        assert reponse.status_code == 403
        assert not Rapport.objects.exists()

    def test_the_ready_workbook_downloads_as_a_workbook(self, client_facilitateur):
        rapport = Rapport.objects.create(
            type=TypeRapport.ENQUETE_NATIONALE, periode_debut=D(2025, 1, 1), periode_fin=D(2025, 12, 31)
        )
        document_produit = produire(rapport)
        rapport.enregistrer_fichier(document_produit.nom, document_produit.contenu)
        assert rapport.statut == StatutRapport.PRET
        etat = client_facilitateur.get(reverse("reporting:rapport_etat", args=[rapport.pk])).content.decode()
        assert "Télécharger le tableur" in etat
        reponse = client_facilitateur.get(reverse("reporting:rapport_telecharger", args=[rapport.pk]))
        assert reponse["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert 'filename="enquete-nationale-2025-01-01-2025-12-31.xlsx"' in reponse["Content-Disposition"]
        assert "A. Activité et acteurs" in lire(b"".join(reponse.streaming_content))
