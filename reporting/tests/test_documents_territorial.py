"""The bilan territorial PDF: every donneur d'ordre and the national survey's figures, equal to the indicators,
people only as reporting.confidentialite shows them, and a number of queries that does not grow with the
number of donneurs d'ordre."""

import datetime as dt
import re
import subprocess
from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat

from clauses.factories import (
    ClauseInsertionFactory,
    HeuresMensuellesFactory,
    ParticipantFactory,
    PlacementFactory,
    SortieFactory,
)
from clauses.models import ClauseInsertion, CorpsDEtat, ModalitePlacement, MomentSortie, Situation
from config.templatetags.ui import heures as format_heures
from config.templatetags.ui import pourcent
from conventions.factories import ConventionFactory, DonneurDOrdreFactory
from conventions.models import DenoncePar, StructurePorteuse, TypeDonneur
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche
from reporting import indicateurs
from reporting.confidentialite import masquer
from reporting.documents import bilan_territorial, produire
from reporting.indicateurs import Periode
from reporting.models import Rapport, TypeRapport

pytestmark = pytest.mark.django_db

ANNEE = Periode.annee(2025)
APRES = dt.date(2026, 3, 15)
# The bilan's queries, whatever the number of donneurs d'ordre (the structure porteuse's row included), five of them
# for the lots with a QPV minimum, three for the national survey's companies, new entrants and trades.
REQUETES = 31


def texte_pdf(contenu: bytes, tmp_path) -> str:
    chemin = tmp_path / "bilan.pdf"
    chemin.write_bytes(contenu)
    sortie = subprocess.run(["pdftotext", "-layout", str(chemin), "-"], capture_output=True, check=True, text=True)
    return sortie.stdout.replace("\u00a0", " ").replace("\u202f", " ")


def h(valeur) -> str:
    return format_heures(valeur).replace("\u00a0", " ").replace("\u202f", " ")


def donneur_avec_heures(
    nom: str, type_=TypeDonneur.COMMUNE, personnes: int = 1, heures=Decimal("100"), part_qpv: Decimal | None = None
):
    """A donneur d'ordre in force since July 2024, one marché and lot (833 h over 2025, ``part_qpv`` % of them for
    QPV residents), ``personnes`` people."""
    donneur = DonneurDOrdreFactory(nom=nom, type=type_)
    ConventionFactory(donneur_d_ordre=donneur)
    lot = LotFactory(
        marche=MarcheFactory(donneur_d_ordre=donneur), date_debut=dt.date(2025, 1, 1), date_fin=dt.date(2025, 12, 31)
    )
    ClauseInsertionFactory(lot=lot, part_qpv_minimum=part_qpv)
    attribution = AttributionFactory(lot=lot)
    for i in range(personnes):
        placement = PlacementFactory(
            participant=ParticipantFactory(nom=f"Confidentiel{nom[:3]}{i}", prenom="Séverine"),
            attribution=attribution,
            modalite=ModalitePlacement.MAD_GEIQ if i % 2 else ModalitePlacement.EMBAUCHE_DIRECTE,
            date_debut=dt.date(2025, 3, 3),
            date_fin=dt.date(2025, 6, 30),
        )
        HeuresMensuellesFactory(placement=placement, mois=dt.date(2025, 3, 1), heures=heures)
        SortieFactory(placement=placement, date_constat=dt.date(2025, 6, 30), situation=Situation.CDD_COURT)
        SortieFactory(
            placement=placement,
            moment=MomentSortie.SIX_MOIS,
            date_constat=dt.date(2025, 12, 30),
            situation=Situation.CDI,
        )
    return donneur


@pytest.fixture
def territoire():
    return [
        donneur_avec_heures("Ville d'Arles", personnes=4),
        donneur_avec_heures("Delta Rhône Habitat", TypeDonneur.BAILLEUR, personnes=1, heures=Decimal("151.5")),
        donneur_avec_heures("Communauté Vallée des Baux", TypeDonneur.EPCI, personnes=3, heures=Decimal("400")),
    ]


class TestFigures:
    def test_every_donneur_reads_as_the_indicators(self, territoire):
        donnees = bilan_territorial.contenu(ANNEE, APRES)
        lignes = {ligne.nom: ligne for ligne in donnees.donneurs}
        for donneur in territoire:
            ligne = lignes[donneur.nom]
            assert ligne.heures == indicateurs.heures_realisees(ANNEE.debut, ANNEE.fin, donneur=donneur)
            assert ligne.objectif == indicateurs.objectif_periode(ANNEE.debut, ANNEE.fin, donneur=donneur)
            assert ligne.personnes == masquer(
                indicateurs.personnes_en_parcours(ANNEE.debut, ANNEE.fin, donneur=donneur)
            )
            assert (ligne.conventions, ligne.marches) == (1, 1)
        assert [ligne.nom for ligne in donnees.donneurs] == [
            "Ville d'Arles",
            "Communauté Vallée des Baux",
            "Delta Rhône Habitat",
        ]  # by type (commune, EPCI, bailleur), then by name

    def test_the_territory_reads_as_the_indicators(self, territoire):
        donnees = bilan_territorial.contenu(ANNEE, APRES)
        assert donnees.chiffres.heures == indicateurs.heures_realisees(ANNEE.debut, ANNEE.fin) == Decimal("1751.5")
        assert donnees.chiffres.objectif == indicateurs.objectif_periode(ANNEE.debut, ANNEE.fin) == 3 * 833
        assert donnees.statistiques.personnes == "8"
        par_type = {ligne.libelle: ligne for ligne in donnees.par_type}
        assert par_type["Bailleur social"].heures == Decimal("151.5")
        assert par_type["Bailleur social"].personnes == "< 3"
        assert par_type["Commune"].donneurs == 1
        modalites = {ligne.libelle: ligne.heures for ligne in donnees.par_modalite}
        attendues = {p.libelle: p.valeur for p in indicateurs.heures_par_modalite(ANNEE.debut, ANNEE.fin)}
        assert modalites == attendues
        tableaux = {t.cle: t for t in donnees.tableaux}
        assert {"genre", "age", "qualification", "public", "qpv", "contrat", "sortie", "sortie_six_mois"} <= set(
            tableaux
        )
        six_mois = {ligne.code: ligne.effectif for ligne in tableaux["sortie_six_mois"].repartition.lignes}
        assert six_mois["emploi_durable"] == "8"
        fin = {ligne.code: ligne.effectif for ligne in tableaux["sortie"].repartition.lignes}
        assert fin["emploi_transition"] == "8"

    def test_the_pdf_prints_them_in_french(self, territoire, tmp_path):
        document = produire(
            Rapport(type=TypeRapport.BILAN_TERRITORIAL, periode_debut=ANNEE.debut, periode_fin=ANNEE.fin)
        )
        assert document.nom == "bilan-territorial-2025.pdf"
        texte = texte_pdf(document.contenu, tmp_path)
        assert "Bilan territorial 2025" in texte
        assert "du 1er janvier 2025 au 31 décembre 2025" in texte
        assert "1 751,5 h" in texte  # the territory's hours, grouped thousands and a decimal comma
        assert "2 499 h" in texte  # the territory's target
        assert "1,1 ETP" in texte
        for donneur in territoire:
            ligne = next(ligne for ligne in texte.splitlines() if ligne.strip().startswith(donneur.nom[:12]))
            assert h(indicateurs.heures_realisees(ANNEE.debut, ANNEE.fin, donneur=donneur)) in ligne
        bailleur = next(ligne for ligne in texte.splitlines() if ligne.strip().startswith("Delta Rhône Habitat"))
        assert re.search(r"<\s?3\s*$", bailleur)  # one person: « < 3 »
        for titre in ("Par type de donneur d'ordre", "Par modalité de réalisation", "Situations six mois après"):
            assert titre in texte
        assert "Mise à disposition par un GEIQ" in texte

    def test_the_survey_s_figures_read_as_the_indicators(self, territoire, tmp_path):
        """Companies involved, new entrants and hours by trade: the indicators' figures, printed in French."""
        clause = ClauseInsertion.objects.get(lot__marche__donneur_d_ordre=territoire[2])
        clause.corps_d_etat = CorpsDEtat.objects.get(libelle="Peinture intérieure")
        clause.save()
        donnees = bilan_territorial.contenu(ANNEE, APRES)
        enquete = donnees.enquete
        assert enquete.entreprises == indicateurs.entreprises_impliquees(ANNEE.debut, ANNEE.fin)
        assert enquete.entreprises == indicateurs.Entreprises(impliquees=3, avec_heures=3, attributaires=3)
        assert enquete.nouveaux_entrants == masquer(indicateurs.nouveaux_entrants(ANNEE.debut, ANNEE.fin)) == "8"
        assert [(p.libelle, p.valeur) for p in enquete.par_corps_d_etat] == [
            ("Peinture intérieure", Decimal("1200")),  # three people × 400 h
            (indicateurs.NON_RENSEIGNE, Decimal("551.5")),
        ]
        texte = " ".join(texte_pdf(bilan_territorial.rendre(ANNEE, APRES), tmp_path).split())
        assert "Entreprises, corps d'état et nouveaux entrants" in texte
        # The four boxes side by side: their figures, then their labels.
        assert "3 3 3 8 entreprises impliquées entreprises ayant réalisé" in texte
        assert "Peinture intérieure 1 200 h 69 %" in texte
        assert "Autre ou non renseigné 551,5 h 31 %" in texte
        # Every sector has its row, zeros included, as the survey asks.
        assert [(p.libelle, p.valeur) for p in donnees.par_type_de_marche] == [
            ("Travaux", Decimal("1751.5")),
            ("Services", 0),
            ("Fournitures", 0),
        ]
        assert donnees.par_type_de_marche == indicateurs.heures_par_type_de_marche(ANNEE.debut, ANNEE.fin)

    def test_no_one_is_named(self, territoire, tmp_path):
        texte = texte_pdf(bilan_territorial.rendre(ANNEE, APRES), tmp_path)
        assert "Confidentiel" not in texte
        assert "Séverine" not in texte
        assert "P-0" not in texte


class TestCounts:
    def test_conventions_in_force_on_a_day_of_the_year(self):
        toujours = DonneurDOrdreFactory(nom="Toujours")
        ConventionFactory(donneur_d_ordre=toujours, date_effet=dt.date(2024, 7, 1))
        # Notice given in September 2024, before the deadline of 31 March 2025: it ends on 30 June 2025.
        finissante = DonneurDOrdreFactory(nom="Finissante")
        ConventionFactory(
            donneur_d_ordre=finissante,
            date_effet=dt.date(2024, 7, 1),
            date_denonciation=dt.date(2024, 9, 1),
            denoncee_par=DenoncePar.DONNEUR_D_ORDRE,
        )
        # Notice given in February 2023: it ended on 31 December 2023.
        finie = DonneurDOrdreFactory(nom="Finie")
        ConventionFactory(
            donneur_d_ordre=finie,
            date_signature=dt.date(2022, 1, 1),
            date_effet=dt.date(2022, 1, 1),
            date_denonciation=dt.date(2023, 2, 1),
            denoncee_par=DenoncePar.STRUCTURE_PORTEUSE,
        )
        projet = DonneurDOrdreFactory(nom="En projet")
        ConventionFactory(donneur_d_ordre=projet, date_signature=None)
        ConventionFactory(donneur_d_ordre=projet, date_signature=dt.date(2025, 11, 1), date_effet=dt.date(2026, 1, 1))
        comptes = bilan_territorial.conventions_en_vigueur_par_donneur(ANNEE)
        assert (comptes[toujours.pk], comptes[finissante.pk], comptes[finie.pk], comptes[projet.pk]) == (1, 1, 0, 0)
        # The same answer as the calendar's, day by day.
        for donneur, attendu in ((finissante, True), (finie, False)):
            convention = donneur.conventions.get()
            en_vigueur = convention.etat(ANNEE.debut) != "terminee" or convention.etat(ANNEE.fin) == "en_vigueur"
            assert en_vigueur is attendu

    def test_marches_with_a_clause_in_the_year(self):
        donneur = DonneurDOrdreFactory()
        compte = LotFactory(
            marche__donneur_d_ordre=donneur, date_debut=dt.date(2024, 6, 1), date_fin=dt.date(2025, 2, 1)
        )
        ClauseInsertionFactory(lot=compte)
        ClauseInsertionFactory(lot=LotFactory(marche=compte.marche))  # same marché: counted once
        ClauseInsertionFactory(lot=LotFactory(marche__donneur_d_ordre=donneur, date_debut=None, date_fin=None))
        ClauseInsertionFactory(
            lot=LotFactory(
                marche__donneur_d_ordre=donneur, marche__statut=StatutMarche.EN_CONSULTATION, date_debut=None
            )
        )
        ClauseInsertionFactory(
            lot=LotFactory(
                marche__donneur_d_ordre=donneur, date_debut=dt.date(2023, 1, 1), date_fin=dt.date(2023, 12, 1)
            )
        )
        LotFactory(marche__donneur_d_ordre=donneur)  # no clause
        par_donneur = bilan_territorial.marches_et_objectifs_par("marche__donneur_d_ordre", ANNEE)
        assert par_donneur[donneur.pk]["marches"] == 2
        assert par_donneur[donneur.pk]["objectif"] == indicateurs.objectif_periode(
            ANNEE.debut, ANNEE.fin, donneur=donneur
        )

    def test_an_inactive_donneur_without_anything_is_left_out(self, territoire):
        DonneurDOrdreFactory(nom="Ancien partenaire", actif=False)
        DonneurDOrdreFactory(nom="Nouveau partenaire")
        noms = [ligne.nom for ligne in bilan_territorial.contenu(ANNEE, APRES).donneurs]
        assert "Ancien partenaire" not in noms
        assert "Nouveau partenaire" in noms

    @pytest.mark.parametrize("nombre", [1, 10])
    def test_queries_do_not_grow_with_the_donneurs(self, nombre, django_assert_max_num_queries):
        types = TypeDonneur.values
        for i in range(nombre):
            donneur_avec_heures(
                f"Donneur {i:02d}", types[i % len(types)], personnes=2, part_qpv=Decimal(5) if i % 2 == 0 else None
            )
        StructurePorteuse.get()  # created once, then read: one query per document
        with django_assert_max_num_queries(REQUETES):
            bilan_territorial.rendre(ANNEE, APRES)


class TestManyDonneurs:
    def test_past_the_bound_each_row_leaves_out_the_rate_and_the_etp(self, territoire, tmp_path, monkeypatch):
        """A national instance lists thousands of donneurs d'ordre: past ``DONNEURS_MAX_DETAILLES`` the table drops
        the two columns its hours and target give, which halves what WeasyPrint holds in memory."""
        detaille = texte_pdf(bilan_territorial.rendre(ANNEE, APRES), tmp_path)
        monkeypatch.setattr(bilan_territorial, "DONNEURS_MAX_DETAILLES", 2)
        compact = texte_pdf(bilan_territorial.rendre(ANNEE, APRES), tmp_path)

        def chiffres(texte: str, nom: str) -> str:
            # A long name may wrap in the detailed table: the row's line starts with the name's first words, and
            # pdftotext keeps or drops the space of « < 3 »: figures are compared without spaces.
            ligne = next(ligne for ligne in texte.splitlines() if ligne.strip().startswith(nom[:12]))
            return ligne.replace(" ", "")

        for donneur in territoire:
            heures = indicateurs.heures_realisees(ANNEE.debut, ANNEE.fin, donneur=donneur)
            objectif = indicateurs.objectif_periode(ANNEE.debut, ANNEE.fin, donneur=donneur)
            personnes = masquer(indicateurs.chiffres_cles(ANNEE, APRES, donneur=donneur).personnes).replace(" ", "")
            attendu = f"1 1 {h(objectif)} {h(heures)}".replace(" ", "")
            assert chiffres(compact, donneur.nom) == donneur.nom.replace(" ", "") + attendu + personnes
            # The detailed row has the same figures, and the rate and the ETP between the hours and the people.
            taux = pourcent(indicateurs.taux_realisation(heures, objectif)).replace("\u00a0", "")
            etp = floatformat(indicateurs.etp(heures), "1g")
            assert chiffres(detaille, donneur.nom).endswith(attendu + taux.replace(" ", "") + etp + personnes)
        assert "ne sont pas repris : ils se déduisent de ses heures et de son objectif" in " ".join(compact.split())
        assert "ne sont pas repris" not in " ".join(detaille.split())
        assert chiffres(compact, "Territoire (3 donneurs d'ordre)").endswith("1751,5h8")
