"""The portfolio import on small workbooks built here: what each sheet creates, updates or leaves alone, references
between sheets and to rows already in Clauses, every error named by sheet, line and column, all or nothing."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from clauses.factories import ParticipantFactory, PlacementFactory
from clauses.importation import portefeuille
from clauses.importation.portefeuille import modele
from clauses.models import (
    SEQUENCE_DES_REFERENCES,
    ClauseInsertion,
    HeuresMensuelles,
    ModalitePlacement,
    Participant,
    Placement,
    Situation,
    Sortie,
    SourceHeures,
)
from conventions.factories import DonneurDOrdreFactory, FacilitateurFactory
from conventions.models import Avenant, Convention, DonneurDOrdre, Referent
from entreprises.factories import EntrepriseFactory, siret_n
from entreprises.models import Entreprise, Operateur
from entreprises.validators import completer_siren, completer_siret
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import Attribution, Lot, Marche, Origine, StatutMarche

pytestmark = pytest.mark.django_db

AUJOURD_HUI = dt.date(2026, 6, 15)
SIRET_VILLE = completer_siret(completer_siren("21130999") + "0001")
SIRET_ETTI = completer_siret(completer_siren("78450001") + "0001")
SIRET_PEINTURE, SIRET_MACON = siret_n(501), siret_n(502)


def classeur(feuilles: dict[str, list[list]]) -> bytes:
    livre = Workbook()
    livre.remove(livre.active)
    for nom, lignes in feuilles.items():
        feuille = livre.create_sheet(nom)
        for ligne in lignes:
            feuille.append(ligne)
    sortie = io.BytesIO()
    livre.save(sortie)
    return sortie.getvalue()


def archive_csv(feuilles: dict[str, list[list]]) -> bytes:
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w") as archive:
        for nom, lignes in feuilles.items():
            texte = io.StringIO(newline="")
            csv.writer(texte, delimiter=";").writerows(lignes)
            archive.writestr(f"portefeuille/{nom}.csv", texte.getvalue().encode("utf-8-sig"))
    return sortie.getvalue()


def lire_csv(archive: zipfile.ZipFile, nom: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read(f"{nom}.csv").decode("utf-8-sig"), newline=""), delimiter=";"))


def analyser(contenu: bytes, nom="portefeuille.xlsx", **options):
    return portefeuille.analyser(io.BytesIO(contenu), nom, len(contenu), AUJOURD_HUI, **options)


def importer(contenu: bytes, utilisateur=None, nom="portefeuille.xlsx"):
    return portefeuille.importer(io.BytesIO(contenu), nom, len(contenu), utilisateur, AUJOURD_HUI)


def erreurs(rapport) -> list[str]:
    return [str(e) for e in rapport.erreurs]


def bilans(rapport) -> dict[str, tuple[int, int, int]]:
    return {b.titre: (b.ajouts, b.mises_a_jour, b.inchangees) for b in rapport.bilans}


@pytest.fixture
def facilitateur():
    return FacilitateurFactory(email="camille@accm.example")


def portefeuille_complet() -> dict[str, list[list]]:
    """A territory in thirteen sheets: a donneur d'ordre, its convention and avenant, a référent, two entreprises,
    an ETTI and a prescriber, a marché of two lots, its attributions, two people, their placements, hours and an
    outcome."""
    return {
        "Donneurs d'ordre": [
            ["Nom", "Type", "SIRET", "Commune", "Périodicité des rapports"],
            ["Ville de Test", "Commune", SIRET_VILLE, "Arles", "Mensuelle"],
            ["Syndicat sans SIRET", "Établissement public", "", "Tarascon", ""],
        ],
        "Référents": [
            ["Donneur d'ordre", "E-mail", "Prénom", "Nom", "Fonction"],
            [SIRET_VILLE, "jeanne@ville-test.example", "Jeanne", "Arnaud", "Commande publique"],
        ],
        "Conventions": [
            ["Donneur d'ordre", "Date d'effet", "Numéro", "Date de signature"],
            ["Ville de Test", "01/01/2025", "CI-2025-01", "15/12/2024"],
        ],
        "Avenants": [
            ["Donneur d'ordre", "Date d'effet de la convention", "Numéro", "Objet", "Date de signature"],
            [SIRET_VILLE, "01/01/2025", 1, "Extension aux services", "10/03/2025"],
        ],
        "Entreprises": [
            ["SIRET", "Raison sociale", "Code NAF", "Commune"],
            [SIRET_PEINTURE, "Peintures du Rhône", "4334Z", "Arles"],
            [SIRET_MACON, "Maçonnerie Vidal", "43.99C", "Tarascon"],
        ],
        "Opérateurs": [
            ["Nom", "Type", "SIRET"],
            ["Delta Intérim Insertion", "ETTI", SIRET_ETTI],
            ["France Travail Arles", "France Travail", ""],
        ],
        "Marchés": [
            ["Donneur d'ordre", "Référence", "Objet", "Type", "Statut", "Montant estimé HT (€)", "Facilitateur",
             "Début d'exécution prévu", "Fin d'exécution prévue"],
            [SIRET_VILLE, "2025-TX-001", "Réhabilitation de l'école", "Travaux", "En exécution", 1_000_000,
             "camille@accm.example", "01/02/2025", "31/12/2026"],
            ["Syndicat sans SIRET", "", "Curage des fossés", "Services", "En préparation", "", "", "", ""],
        ],
        "Lots": [
            ["Donneur d'ordre", "Marché", "Numéro du lot", "Intitulé", "Montant HT (€)", "Modalités juridiques",
             "Corps d'état", "Montant HT retenu (€)", "Part de main-d'œuvre (%)", "Taux d'insertion (%)",
             "Coût horaire (€/h)", "Objectif forcé (heures)", "Motif du forçage"],
            [SIRET_VILLE, "2025-TX-001", "1", "Peinture", 600_000, "condition_execution; Critère d'attribution",
             "Peinture intérieure", 600_000, "", "5", "30", "", ""],
            [SIRET_VILLE, "2025-TX-001", "2", "Gros œuvre", 400_000, "", "", "", "", "", "", 150,
             "Reprise du personnel"],
            ["Syndicat sans SIRET", "Curage des fossés", "Unique", "Curage", "", "", "", "", "", "", "", "", ""],
        ],
        "Attributions": [
            ["Donneur d'ordre", "Marché", "Lot", "SIRET de l'entreprise", "Rôle", "Notification"],
            [SIRET_VILLE, "2025-TX-001", "1", SIRET_PEINTURE, "Titulaire", "20/01/2025"],
            [SIRET_VILLE, "2025-TX-001", "2", SIRET_MACON, "Mandataire", "20/01/2025"],
        ],
        "Participants": [
            ["Référence", "Nom", "Prénom", "Date de naissance", "Genre", "QPV", "Quartier", "Niveau de qualification",
             "Critères", "Prescripteur"],
            ["P-000500", "Durand", "Inès", "17/05/1999", "F", "oui", "Barriol", "Niveau 3", "deld; rsa",
             "France Travail Arles"],
            ["DUP-7", "Abdi", "Sam", "03/02/1988", "H", "non", "", "4", "", ""],
        ],
        "Placements": [
            ["Référence participant", "Donneur d'ordre", "Marché", "Lot", "SIRET de l'entreprise", "Modalité",
             "Opérateur", "Type de contrat", "Début", "Fin effective"],
            ["P-000500", SIRET_VILLE, "2025-TX-001", "1", SIRET_PEINTURE, "Mise à disposition par une ETTI",
             SIRET_ETTI, "Mission d'intérim (CTTI)", "02/03/2025", "30/06/2025"],
            ["DUP-7", SIRET_VILLE, "2025-TX-001", "2", SIRET_MACON, "Embauche directe par l'attributaire", "",
             "CDD", "01/04/2025", ""],
        ],
        "Heures mensuelles": [
            ["Référence participant", "SIRET de l'entreprise", "Mois", "Heures"],
            ["P-000500", SIRET_PEINTURE, "03/2025", "120"],
            ["P-000500", SIRET_PEINTURE, "04/2025", "35h30"],
            ["DUP-7", SIRET_MACON, "04/2025", 151.67],
        ],
        "Sorties": [
            ["Référence participant", "SIRET de l'entreprise", "Début du placement", "Moment", "Constatée le",
             "Situation"],
            ["P-000500", SIRET_PEINTURE, "02/03/2025", "À la fin du placement", "30/06/2025", "CDI"],
        ],
    }  # fmt: skip


class TestUnPortefeuilleComplet:
    def test_the_preview_counts_what_each_sheet_creates_and_writes_nothing(self, facilitateur):
        rapport = analyser(classeur(portefeuille_complet()))
        assert rapport.valide, erreurs(rapport)
        assert bilans(rapport) == {
            "Donneurs d'ordre": (2, 0, 0),
            "Référents": (1, 0, 0),
            "Conventions": (1, 0, 0),
            "Avenants": (1, 0, 0),
            "Entreprises": (2, 0, 0),
            "Opérateurs": (2, 0, 0),
            "Marchés": (2, 0, 0),
            "Lots": (3, 0, 0),
            "Attributions": (2, 0, 0),
            "Participants": (2, 0, 0),
            "Placements": (2, 0, 0),
            "Heures mensuelles": (3, 0, 0),
            "Sorties": (1, 0, 0),
        }
        assert not DonneurDOrdre.objects.exists() and not Marche.objects.exists()

    def test_confirmation_writes_every_sheet_with_its_references(self, facilitateur):
        rapport = importer(classeur(portefeuille_complet()), facilitateur)
        assert rapport.valide, erreurs(rapport)
        ville = DonneurDOrdre.objects.get(siret=SIRET_VILLE)
        assert ville.periodicite_rapport == "mensuelle"
        assert DonneurDOrdre.objects.get(nom="Syndicat sans SIRET").siret is None
        referent = Referent.objects.get()
        assert (referent.donneur_d_ordre, referent.user.email, referent.user.has_usable_password()) == (
            ville,
            "jeanne@ville-test.example",
            False,
        )
        convention = Convention.objects.get()
        avenant = Avenant.objects.get()
        # An avenant takes effect at the renewal after its signature.
        assert (avenant.convention, avenant.date_effet) == (convention, dt.date(2026, 1, 1))
        marche = Marche.objects.get(reference="2025-TX-001")
        assert (marche.facilitateur, marche.statut, marche.origine) == (
            facilitateur,
            StatutMarche.EN_EXECUTION,
            Origine.IMPORT,
        )
        assert Marche.objects.get(objet="Curage des fossés").reference == ""
        peinture = ClauseInsertion.objects.get(lot__numero="1")
        # The corps d'état gives the labour share the row left out: 600,000 × 70 % × 5 % ÷ 30 = 700 h.
        assert (peinture.part_main_oeuvre, peinture.heures_calculees, peinture.heures_objectif) == (
            Decimal(70),
            700,
            700,
        )
        assert set(peinture.modalites.values_list("code", flat=True)) == {"condition_execution", "critere_attribution"}
        # A target alone is enough: the missing inputs take their defaults.
        gros_oeuvre = ClauseInsertion.objects.get(lot__numero="2")
        assert (gros_oeuvre.heures_forcees, gros_oeuvre.taux_insertion, gros_oeuvre.montant_ht) == (150, 0, 400_000)
        assert not ClauseInsertion.objects.filter(lot__numero="Unique").exists()
        assert Attribution.objects.get(entreprise__siret=SIRET_MACON).role == "mandataire"
        ines = Participant.objects.get(nom="Durand")
        sam = Participant.objects.get(nom="Abdi")
        # Clauses' own reference is kept, and the sequence will not hand it out; the facilitator's own is not.
        assert ines.reference == "P-000500" and sam.reference != "DUP-7"
        assert Participant.objects.nouvelles_references(1)[0] > "P-000500"
        assert set(ines.criteres.values_list("code", flat=True)) == {"deld", "rsa"}
        assert (ines.reside_qpv, ines.qpv, ines.prescripteur.nom) == (True, "Barriol", "France Travail Arles")
        placement = Placement.objects.get(participant=ines)
        assert (placement.operateur.siret, placement.modalite, placement.reside_qpv) == (
            SIRET_ETTI,
            ModalitePlacement.MAD_ETTI,
            True,  # the participant's file when hired, as a form would have it
        )
        assert sorted(HeuresMensuelles.objects.values_list("placement__participant__nom", "mois", "heures")) == [
            ("Abdi", dt.date(2025, 4, 1), Decimal("151.67")),
            ("Durand", dt.date(2025, 3, 1), Decimal("120.00")),
            ("Durand", dt.date(2025, 4, 1), Decimal("35.50")),
        ]
        assert set(HeuresMensuelles.objects.values_list("source", "saisi_par")) == {
            (SourceHeures.IMPORT, facilitateur.pk)
        }
        assert Sortie.objects.get().situation == Situation.CDI
        call_command("verifier_cumuls")

    def test_the_same_workbook_twice_changes_nothing(self, facilitateur):
        contenu = classeur(portefeuille_complet())
        assert importer(contenu, facilitateur).valide
        second = analyser(contenu)
        assert second.valide and not second.a_ecrire
        assert all(ajouts == mises_a_jour == 0 for ajouts, mises_a_jour, _ in bilans(second).values())
        assert sum(b.inchangees for b in second.bilans) == second.lignes == 24
        comptes = [m.objects.count() for m in (DonneurDOrdre, Marche, Lot, Participant, Placement, HeuresMensuelles)]
        assert importer(contenu, facilitateur).valide
        assert [
            m.objects.count() for m in (DonneurDOrdre, Marche, Lot, Participant, Placement, HeuresMensuelles)
        ] == comptes

    def test_a_zip_of_csv_files_is_the_same_portfolio(self, facilitateur):
        feuilles = {f"{i:02d} - {nom}": lignes for i, (nom, lignes) in enumerate(portefeuille_complet().items())}
        rapport = importer(archive_csv(feuilles), facilitateur, nom="portefeuille.zip")
        assert rapport.valide, erreurs(rapport)
        assert HeuresMensuelles.objects.count() == 3 and Sortie.objects.count() == 1

    def test_a_changed_cell_is_an_update_and_an_empty_one_changes_nothing(self, facilitateur):
        feuilles = portefeuille_complet()
        assert importer(classeur(feuilles), facilitateur).valide
        feuilles["Marchés"][1][4] = "Achevé"
        feuilles["Marchés"][1][5] = ""  # the amount stays
        feuilles["Heures mensuelles"][1][3] = "130"
        rapport = analyser(classeur(feuilles))
        assert bilans(rapport)["Marchés"] == (0, 1, 1)
        [changement] = [c for b in rapport.bilans if b.titre == "Marchés" for c in b.changements]
        assert (changement.lignes, changement.avant, changement.apres) == (
            (2,),
            "Statut : En exécution",
            "Statut : Achevé",
        )
        assert bilans(rapport)["Heures mensuelles"] == (0, 1, 2)
        assert importer(classeur(feuilles), facilitateur).valide
        marche = Marche.objects.get(reference="2025-TX-001")
        assert (marche.statut, marche.montant_estime_ht) == (StatutMarche.ACHEVE, Decimal(1_000_000))
        assert HeuresMensuelles.objects.get(mois=dt.date(2025, 3, 1)).heures == 130
        call_command("verifier_cumuls")


class TestErreurs:
    def test_errors_across_sheets_name_their_sheet_line_and_column_and_nothing_is_written(self, facilitateur):
        feuilles = portefeuille_complet()
        feuilles["Entreprises"][2][0] = "40641302100023"  # a wrong check digit
        feuilles["Lots"][2][1] = "2025-TX-999"
        feuilles["Placements"][1][8] = "31/02/2025"
        feuilles["Heures mensuelles"][3][0] = "P-000999"
        feuilles["Sorties"][1][5] = "Embauché"
        feuilles["Marchés"].append(feuilles["Marchés"][1][:])
        rapport = importer(classeur(feuilles), facilitateur)
        assert not rapport.valide
        refusees = "(dont des lignes sont refusées) ni dans Clauses."
        assert erreurs(rapport) == [
            "Feuille Entreprises, ligne 3, colonne « SIRET » : SIRET 40641302100023 invalide : sa clé de contrôle ne "
            "correspond pas.",
            "Feuille Marchés, ligne 4 : Marché 2025-TX-001 (Ville de Test) figure déjà ligne 2 : gardez une seule de "
            "ces lignes.",
            "Feuille Lots, ligne 3, colonne « Marché » : aucun marché de Ville de Test n'a la référence (ou l'objet) "
            "« 2025-TX-999 », ni dans la feuille Marchés (dont des lignes sont refusées) ni dans Clauses.",
            "Feuille Attributions, ligne 3, colonne « Lot » : le marché 2025-TX-001 (Ville de Test) n'a pas de lot "
            f"« 2 », ni dans la feuille Lots {refusees}",
            # The entreprise's row was refused: what names it is refused too, and says where to look.
            "Feuille Attributions, ligne 3, colonne « SIRET de l'entreprise » : aucune entreprise de SIRET "
            f"{SIRET_MACON}, ni dans la feuille Entreprises {refusees}",
            "Feuille Placements, ligne 2, colonne « Début » : « 31/02/2025 » n'est pas une date : JJ/MM/AAAA attendu.",
            "Feuille Placements, ligne 3, colonne « Lot » : le marché 2025-TX-001 (Ville de Test) n'a pas de lot "
            f"« 2 », ni dans la feuille Lots {refusees}",
            "Feuille Placements, ligne 3, colonne « SIRET de l'entreprise » : aucune entreprise de SIRET "
            f"{SIRET_MACON}, ni dans la feuille Entreprises {refusees}",
            "Feuille Heures mensuelles, ligne 2, colonne « SIRET de l'entreprise » : aucun placement de P-000500 Inès "
            f"Durand chez Peintures du Rhône en cours en 03/2025, ni dans la feuille Placements {refusees}",
            "Feuille Heures mensuelles, ligne 3, colonne « SIRET de l'entreprise » : aucun placement de P-000500 Inès "
            f"Durand chez Peintures du Rhône en cours en 04/2025, ni dans la feuille Placements {refusees}",
            "Feuille Heures mensuelles, ligne 4, colonne « Référence participant » : aucun participant de référence "
            "« P-000999 », ni dans la feuille Participants ni dans Clauses.",
            "Feuille Heures mensuelles, ligne 4, colonne « SIRET de l'entreprise » : aucune entreprise de SIRET "
            f"{SIRET_MACON}, ni dans la feuille Entreprises {refusees}",
            "Feuille Sorties, ligne 2, colonne « Situation » : « Embauché » n'est pas une valeur connue : « CDI » ; "
            "« CDD de 6 mois ou plus » ; « Intérim de 6 mois ou plus » ; « Entrée dans la fonction publique » ; "
            "« Création ou reprise d'entreprise » ; « CDD de moins de 6 mois » ; « Intérim de moins de 6 mois » ; "
            "« Contrat aidé » ; « Formation qualifiante » ; « Embauche dans une autre SIAE » ; « Demandeur "
            "d'emploi » ; « Inactivité (santé, famille…) » ; « Sans nouvelles » ; « Autre ».",
        ]
        assert (
            not DonneurDOrdre.objects.exists() and not Entreprise.objects.exists() and not Operateur.objects.exists()
        )

    def test_the_file_s_own_headers_are_named(self):
        rapport = analyser(classeur({"Entreprises": [["N° SIRET", "Nom"], ["123", "Bâtiments"]]}))
        assert erreurs(rapport) == [
            "Feuille Entreprises, ligne 2, colonne « N° SIRET » : SIRET « 123 » invalide : il doit compter 14 "
            "chiffres."
        ]

    def test_no_social_security_number_in_any_text_and_no_disability_in_notes(self, facilitateur):
        feuilles = portefeuille_complet()
        feuilles["Participants"][0] = [*feuilles["Participants"][0], "Notes"]
        feuilles["Participants"][1] = [*feuilles["Participants"][1], "Suivi : 1 85 05 13 004 123 45"]
        feuilles["Participants"][2] = [*feuilles["Participants"][2], "Reconnu RQTH en 2024"]
        feuilles["Entreprises"][0] = [*feuilles["Entreprises"][0], "Notes"]
        feuilles["Entreprises"][1] = [*feuilles["Entreprises"][1], "Gérant 185051300412345"]
        rapport = analyser(classeur(feuilles))
        assert erreurs(rapport) == [
            "Feuille Entreprises, ligne 2, colonne « Notes » : Ce champ ne doit pas contenir de numéro de sécurité "
            "sociale.",
            "Feuille Participants, ligne 2, colonne « Notes » : Ce champ ne doit pas contenir de numéro de sécurité "
            "sociale.",
            "Feuille Participants, ligne 3, colonne « Notes » : Ce champ ne doit pas contenir de donnée de santé "
            "(« rqth ») : une reconnaissance de travailleur handicapé se renseigne seulement par le critère "
            "d'éligibilité « RQTH ».",
        ]

    def test_a_required_column_missing_from_a_sheet(self):
        rapport = analyser(classeur({"Entreprises": [["Raison sociale"], ["Bâtiments"]]}))
        assert erreurs(rapport) == ["Feuille Entreprises : colonne obligatoire absente : « SIRET »."]

    def test_rules_across_fields_on_the_row_as_it_would_be_stored(self):
        feuilles = {
            "Donneurs d'ordre": [["Nom", "Type"], ["Ville de Test", "Commune"]],
            "Conventions": [
                [
                    "Donneur d'ordre",
                    "Date d'effet",
                    "Durée d'une période (mois)",
                    "Préavis (mois)",
                    "Date de dénonciation",
                ],
                ["Ville de Test", "01/01/2025", "12", "12", "01/06/2024"],
            ],
        }
        assert erreurs(analyser(classeur(feuilles))) == [
            "Feuille Conventions, ligne 2, colonne « Préavis (mois) » : le préavis (12 mois) doit être plus court que "
            "la durée (12 mois).",
            "Feuille Conventions, ligne 2, colonne « Date de dénonciation » : la dénonciation ne peut pas précéder la "
            "date d'effet.",
            "Feuille Conventions, ligne 2, colonne « Dénoncée par » : indiquez quelle partie a dénoncé la convention.",
        ]

    def test_an_hour_row_for_a_month_to_come_and_a_person_with_two_placements_there(self, facilitateur):
        feuilles = portefeuille_complet()
        feuilles["Placements"].append(
            ["P-000500", SIRET_VILLE, "2025-TX-001", "1", SIRET_PEINTURE, "Embauche directe par l'attributaire", "",
             "CDD", "01/06/2025", ""]
        )  # fmt: skip
        feuilles["Heures mensuelles"] += [
            ["P-000500", SIRET_PEINTURE, "06/2025", "10"],
            ["DUP-7", SIRET_MACON, "07/2026", "1"],
        ]
        messages = erreurs(analyser(classeur(feuilles)))
        assert messages == [
            "Feuille Heures mensuelles, ligne 5, colonne « Début du placement » : 2 placements de P-000500 Inès "
            "Durand chez Peintures du Rhône conviennent : précisez le début du placement (et le lot).",
            "Feuille Heures mensuelles, ligne 6, colonne « Mois » : 07/2026 est à venir : ses heures ne sont pas "
            "encore faites.",
        ]

    def test_a_file_without_any_sheet_of_the_template(self):
        rapport = analyser(classeur({"Feuil1": [["a"], ["b"]]}))
        assert rapport.erreur_fichier.startswith("Aucune feuille du fichier ne porte le nom d'une feuille du modèle")

    def test_another_sheet_is_named_in_a_remark_and_the_lisez_moi_is_skipped(self):
        rapport = analyser(
            classeur({"Lisez-moi": [["x"]], "Brouillon": [["x"]], "Entreprises": [["SIRET", "Raison sociale"]]})
        )
        assert [r.split(" :")[0] for r in rapport.remarques] == ["Feuille « Brouillon » ignorée"]

    def test_a_name_two_stored_donneurs_share(self):
        DonneurDOrdreFactory(nom="Ville de Test", siret=None)
        DonneurDOrdreFactory(nom="VILLE DE TEST", siret=None)
        rapport = analyser(
            classeur({"Conventions": [["Donneur d'ordre", "Date d'effet"], ["Ville de Test", "01/01/2025"]]})
        )
        assert erreurs(rapport) == [
            "Feuille Conventions, ligne 2, colonne « Donneur d'ordre » : plusieurs donneur d'ordres s'appellent "
            "« Ville de Test » dans Clauses : nommez-le par son SIRET."
        ]


class TestReferencesAClauses:
    def test_sheets_may_name_rows_already_in_clauses(self, facilitateur):
        """A workbook of hours alone, for a placement recorded in Clauses: the statement of the other import."""
        entreprise = EntrepriseFactory(siret=SIRET_PEINTURE, raison_sociale="Peintures du Rhône")
        attribution = AttributionFactory(entreprise=entreprise)
        personne = ParticipantFactory()
        PlacementFactory(participant=personne, attribution=attribution, date_debut=dt.date(2026, 1, 5))
        rapport = importer(
            classeur(
                {
                    "Heures": [
                        ["Référence participant", "SIRET", "Mois", "Heures"],
                        [personne.reference, SIRET_PEINTURE, "02/2026", 70],
                    ]
                }
            ),
            facilitateur,
        )
        assert rapport.valide, erreurs(rapport)
        assert bilans(rapport) == {"Heures mensuelles": (1, 0, 0)}
        assert HeuresMensuelles.objects.get().heures == 70

    def test_a_lot_of_a_stored_marche_by_its_reference_and_an_attribution_to_it(self, facilitateur):
        marche = MarcheFactory(reference="M-12", donneur_d_ordre=DonneurDOrdreFactory(siret=SIRET_VILLE))
        LotFactory(marche=marche, numero="1")
        EntrepriseFactory(siret=SIRET_MACON)
        feuilles = {
            "Lots": [["Donneur d'ordre", "Marché", "Numéro du lot", "Intitulé"], [SIRET_VILLE, "M-12", "2", "Voirie"]],
            "Attributions": [
                ["Donneur d'ordre", "Marché", "Lot", "SIRET de l'entreprise"],
                [SIRET_VILLE, "M-12", "1", SIRET_MACON],
                [SIRET_VILLE, "M-12", "2", SIRET_MACON],
            ],
        }
        rapport = importer(classeur(feuilles), facilitateur)
        assert rapport.valide, erreurs(rapport)
        assert bilans(rapport) == {"Lots": (1, 0, 0), "Attributions": (2, 0, 0)}
        assert sorted(Lot.objects.filter(marche=marche).values_list("numero", flat=True)) == ["1", "2"]
        assert Attribution.objects.filter(lot__marche=marche).count() == 2

    def test_a_known_person_by_identity_is_updated_with_the_filled_cells(self):
        personne = ParticipantFactory(
            nom="Durand", prenom="Inès", date_naissance=dt.date(1999, 5, 17), commune="Arles"
        )
        feuilles = {
            "Participants": [
                ["Nom", "Prénom", "Date de naissance", "Genre", "Niveau de qualification", "Commune", "Code postal"],
                ["DURAND", "Ines", "17/05/1999", "F", "Niveau 4", "", "13200"],
            ]
        }
        rapport = importer(classeur(feuilles))
        assert rapport.valide, erreurs(rapport)
        assert bilans(rapport) == {"Participants": (0, 1, 0)}
        personne.refresh_from_db()
        assert (personne.commune, personne.code_postal, personne.niveau_qualification) == ("Arles", "13200", "4")


class TestEnTetes:
    def test_a_column_mapping_adds_headers_of_the_file(self):
        feuilles = {"Entreprises": [["Code établissement", "Nom"], [SIRET_MACON, "Maçonnerie Vidal"]]}
        assert erreurs(analyser(classeur(feuilles))) == [
            "Feuille Entreprises : colonne obligatoire absente : « SIRET »."
        ]
        rapport = analyser(classeur(feuilles), correspondances={"entreprises": {"Code établissement": "siret"}})
        assert rapport.valide and bilans(rapport) == {"Entreprises": (1, 0, 0)}

    def test_an_escaped_text_is_read_without_its_apostrophe(self):
        assert importer(
            classeur(
                {
                    "Entreprises": [
                        ["SIRET", "Raison sociale", "Téléphone du contact"],
                        [SIRET_MACON, "Vidal", "'+33 4 90 00 00 00"],
                    ]
                }
            )
        ).valide
        assert Entreprise.objects.get().contact_telephone == "+33 4 90 00 00 00"


class TestModele:
    @pytest.mark.parametrize("format_fichier", ["xlsx", "zip"])
    def test_the_template_explains_every_column_of_every_sheet(self, format_fichier):
        contenu = modele.fichier_modele(format_fichier, portefeuille.TYPES)
        if format_fichier == "xlsx":
            livre = load_workbook(io.BytesIO(contenu), read_only=True)
            assert livre.sheetnames == ["Lisez-moi", *(t.titre for t in portefeuille.TYPES)]
            lignes = [(*r, None, None, None, None, None)[:5] for r in livre["Lisez-moi"].iter_rows(values_only=True)]
            entetes = {t.titre: next(livre[t.titre].iter_rows(values_only=True)) for t in portefeuille.TYPES}
        else:
            with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
                assert archive.namelist() == [
                    f"{n}.csv" for n in ["Lisez-moi", *(t.titre for t in portefeuille.TYPES)]
                ]
                lignes = [tuple(x or None for x in ligne) for ligne in lire_csv(archive, "Lisez-moi")]
                entetes = {t.titre: tuple(lire_csv(archive, t.titre)[0]) for t in portefeuille.TYPES}
        decrites = {(ligne[0], ligne[1]) for ligne in lignes}
        for type_ in portefeuille.TYPES:
            assert entetes[type_.titre] == tuple(c.titre for c in type_.colonnes)
            for colonne in type_.colonnes:
                assert (type_.titre, colonne.titre) in decrites
            cle = next(ligne for ligne in lignes if ligne[0] == type_.titre and not ligne[1])
            assert f"Clé : {type_.cle_naturelle}" in cle[3]

    def test_the_template_s_example_rows_read_without_an_unknown_column(self):
        """Every example cell is in a column the import knows (the header is the template's own)."""
        rapport = analyser(modele.fichier_modele("xlsx", portefeuille.TYPES))
        assert not [r for r in rapport.remarques if "ignorée" in r]
        assert {b.titre for b in rapport.bilans} == {t.titre for t in portefeuille.TYPES}
        assert not [e for e in rapport.erreurs if "colonne obligatoire absente" in e.message]


def test_the_sequence_is_not_set_back_by_a_smaller_reference():
    ParticipantFactory()
    ParticipantFactory.create_batch(3)
    from django.db import connection

    with connection.cursor() as curseur:
        curseur.execute(f"SELECT last_value FROM {SEQUENCE_DES_REFERENCES}")
        [(avant,)] = curseur.fetchall()
    feuilles = {
        "Participants": [
            ["Référence", "Nom", "Prénom", "Date de naissance", "Genre", "Niveau de qualification"],
            ["P-000001", "Neuf", "Léa", "01/01/2000", "F", "Niveau 3"],
        ]
    }
    Participant.objects.filter(reference="P-000001").delete()
    assert importer(classeur(feuilles)).valide
    with connection.cursor() as curseur:
        curseur.execute(f"SELECT last_value FROM {SEQUENCE_DES_REFERENCES}")
        [(apres,)] = curseur.fetchall()
    assert apres == avant
