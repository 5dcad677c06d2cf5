import datetime as dt
import io
import threading
import time
import zipfile
from decimal import Decimal

import pytest
from django.db import connection, transaction
from openpyxl import Workbook, load_workbook

from clauses import importation
from clauses.factories import HeuresMensuellesFactory, ParticipantFactory, PlacementFactory
from clauses.forms.participants import ParticipantForm
from clauses.importation import lecture
from clauses.importation.classeur import FORMULE_SANS_VALEUR, ouvrir_classeur
from clauses.models import CritereEligibilite, Genre, HeuresMensuelles, NiveauQualification, Participant, SourceHeures
from clauses.services_parcours import enregistrer_participant
from conventions.factories import FacilitateurFactory
from entreprises.factories import EntrepriseFactory, PrescripteurFactory, siret_n
from marches.factories import AttributionFactory

pytestmark = pytest.mark.django_db

AUJOURD_HUI = dt.date(2026, 6, 15)
ENTETE_RELEVE = ["SIRET", "Référence participant", "Nom", "Prénom", "Date de naissance", "Mois", "Heures", "Modalité"]


def xlsx(lignes: list[list]) -> bytes:
    classeur = Workbook()
    feuille = classeur.active
    for ligne in lignes:
        feuille.append(ligne)
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


def csv_(lignes: list[list], separateur=";", encodage="utf-8") -> bytes:
    return "\r\n".join(separateur.join(str(v) for v in ligne) for ligne in lignes).encode(encodage)


def analyser(contenu: bytes, nom="releve.xlsx", type_import=importation.RELEVE):
    return importation.analyser(type_import, io.BytesIO(contenu), nom, len(contenu), AUJOURD_HUI)


def importer(contenu: bytes, user, nom="releve.xlsx", type_import=importation.RELEVE):
    return importation.importer(type_import, io.BytesIO(contenu), nom, len(contenu), user, AUJOURD_HUI)


@pytest.fixture
def donnees():
    return creer_donnees()


def creer_donnees() -> dict:
    entreprise = EntrepriseFactory(raison_sociale="Peintures du Rhône", siret=siret_n(1))
    attribution = AttributionFactory(entreprise=entreprise)
    ines = ParticipantFactory(nom="Durand", prenom="Inès", date_naissance=dt.date(1999, 5, 17))
    sam = ParticipantFactory(nom="Abdi", prenom="Sam", date_naissance=dt.date(1988, 2, 3))
    p_ines = PlacementFactory(participant=ines, attribution=attribution, date_debut=dt.date(2026, 1, 5))
    p_sam = PlacementFactory(
        participant=sam, attribution=attribution, date_debut=dt.date(2026, 3, 1), date_fin=dt.date(2026, 4, 30)
    )
    return {"entreprise": entreprise, "ines": ines, "sam": sam, "p_ines": p_ines, "p_sam": p_sam}


def ligne(d, personne="ines", mois="03/2026", heures="35,5", siret=None):
    participant = d[personne]
    return [siret or d["entreprise"].siret, participant.reference, "", "", "", mois, heures, ""]


class TestLecture:
    @pytest.mark.parametrize(
        ("valeur", "attendu"),
        [
            ("03/2026", dt.date(2026, 3, 1)),
            ("3/2026", dt.date(2026, 3, 1)),
            ("2026-03", dt.date(2026, 3, 1)),
            ("15/03/2026", dt.date(2026, 3, 1)),
            ("2026-03-15", dt.date(2026, 3, 1)),
            ("mars 2026", dt.date(2026, 3, 1)),
            ("Février 2026", dt.date(2026, 2, 1)),
            (dt.datetime(2026, 3, 12), dt.date(2026, 3, 1)),
            (46082, dt.date(2026, 3, 1)),  # an Excel serial number: 1 March 2026
            ("13/2026", None),
            ("31/02/2026", None),
            ("bientôt", None),
        ],
    )
    def test_months(self, valeur, attendu):
        assert lecture.lire_mois(valeur) == attendu

    @pytest.mark.parametrize(
        ("valeur", "attendu"),
        [("35,5", Decimal("35.5")), ("35.5", Decimal("35.5")), (" 1 234,5 h", Decimal("1234.5")), (12, 12)],
    )
    def test_numbers(self, valeur, attendu):
        assert lecture.lire_nombre(valeur) == attendu

    def test_headers_ignore_case_accents_and_extra_columns(self):
        contenu = csv_(
            [["Commentaire", "REFERENCE PARTICIPANT", "siret ", "Nombre d'heures", "mois"], ["x", "a", "b", "c", "d"]]
        )
        tableau = lecture.lire_tableau(io.BytesIO(contenu), "f.csv", len(contenu), importation.COLONNES_RELEVE)
        [(numero, ligne)] = tableau.lignes
        assert numero == 2
        lues = {cle: tableau.valeur(ligne, cle) for cle in tableau.colonnes}
        assert lues == {"reference": "a", "siret": "b", "heures": "c", "mois": "d"}
        # Only the columns the import reads are kept.
        assert len(ligne) == 4

    def test_xlsx_cells_read_as_openpyxl_reads_them(self):
        """The sheet reader converts the cells itself: every value, type and row number must stay those of
        openpyxl's ``iter_rows(values_only=True)`` (dates, booleans, formulas, rich and shared strings, gaps),
        without the empty rows and the empty cells after the last filled one, and with a formula that has no
        stored value told apart from an empty cell."""
        classeur = Workbook()
        feuille = classeur.active
        feuille.append(["SIRET", "Mois", "Heures", "Divers"])
        feuille.append([73282932000074, dt.date(2026, 3, 1), 35.5, True])
        feuille.append(["73282932000074", "03/2026", "35,5", False])
        feuille.append([None, dt.datetime(2026, 3, 15, 10, 0), 0, "=1+1"])
        feuille.append(["", dt.time(10, 30), 1e20, -3, "au-delà"])
        feuille["B9"] = "après un trou"
        contenu = io.BytesIO()
        classeur.save(contenu)
        # Shared strings (one of them rich), inline rich text, a cell without its reference, an error, a date.
        feuille_xml = (
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t/></is>'
            '</c><c r="D1" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c></row>'
            '<row><c t="inlineStr"><is><t>sans r</t></is></c><c><v>12</v></c><c r="C2" t="e"><v>#DIV/0!</v></c>'
            '<c r="D2" t="str"><v>formule</v></c></row>'
            '<row r="4"><c r="A4"><v>1.5E3</v></c><c r="B4" t="n"><v></v></c><c r="C4" t="b"><v>1</v></c>'
            '<c r="D4" t="d"><v>2026-03-01T00:00:00</v></c><c r="E4" t="s"><v>2</v></c></row></sheetData></worksheet>'
        )
        partages = (
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>partagée</t></si>'
            '<si><r><t>ri</t></r><r><rPr><b/></rPr><t>che</t></r></si><si><t xml:space="preserve"> 12 </t></si></sst>'
        )
        modifie = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(contenu.getvalue())) as source, zipfile.ZipFile(modifie, "w") as cible:
            for info in source.infolist():
                octets = source.read(info.filename)
                if info.filename == "xl/worksheets/sheet1.xml":
                    octets = feuille_xml.encode()
                elif info.filename == "[Content_Types].xml":
                    octets = octets.replace(
                        b"</Types>",
                        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                    )
                elif info.filename == "xl/_rels/workbook.xml.rels":
                    octets = octets.replace(
                        b"</Relationships>",
                        b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                    )
                cible.writestr(info, octets)
            cible.writestr("xl/sharedStrings.xml", partages)

        for octets in (contenu.getvalue(), modifie.getvalue()):
            lu_par_openpyxl = load_workbook(io.BytesIO(octets), read_only=True, data_only=True)
            lignes = lu_par_openpyxl.worksheets[0].iter_rows(values_only=True)
            attendu = [(numero, _sans_vides_a_droite(ligne)) for numero, ligne in enumerate(lignes, start=1)]
            attendu = [(numero, ligne) for numero, ligne in attendu if ligne]
            lu_par_openpyxl.close()
            with ouvrir_classeur(io.BytesIO(octets)) as classeur:
                lu = list(classeur.feuilles[0].lignes())
            if octets == contenu.getvalue():
                assert lu[3][1][3] is FORMULE_SANS_VALEUR  # « =1+1 » written by openpyxl, never computed
                lu[3] = (lu[3][0], lu[3][1][:3])
            assert lu == attendu
            assert [[type(v) for v in ligne] for _, ligne in lu] == [[type(v) for v in ligne] for _, ligne in attendu]
        assert lu[0] == (1, ("partagée", "riche", "", "ab"))
        assert lu[2][0] == 4
        assert lu[2][1][:3] == (1500.0, None, True)


def _sans_vides_a_droite(ligne) -> tuple:
    ligne = list(ligne)
    while ligne and ligne[-1] is None:
        ligne.pop()
    return tuple(ligne)


class TestReleveApercu:
    def test_counts_and_nothing_written(self, donnees):
        HeuresMensuellesFactory(placement=donnees["p_ines"], mois=dt.date(2026, 1, 1), heures=100)
        HeuresMensuellesFactory(placement=donnees["p_ines"], mois=dt.date(2026, 3, 1), heures=10)
        sam = donnees["sam"]
        contenu = xlsx(
            [
                ENTETE_RELEVE,
                ligne(donnees, mois="01/2026", heures=100),  # unchanged
                ligne(donnees, mois="02/2026", heures="35,5"),  # added
                ligne(donnees, mois="03/2026", heures=20),  # updated
                [donnees["entreprise"].siret, "", "DURAND ", "ines", "17/05/1999", "04/2026", "7.5", ""],  # added
                [donnees["entreprise"].siret, "", "abdi", "Sam", dt.datetime(1988, 2, 3), "2026-04", 12, ""],  # added
            ]
        )
        rapport = analyser(contenu)
        assert rapport.erreurs == [] and rapport.erreur_fichier == ""
        assert (rapport.lignes, rapport.ajoutees, rapport.mises_a_jour, rapport.inchangees) == (5, 3, 1, 1)
        assert rapport.resume == "3 lignes ajoutées, 1 mise à jour, 1 inchangée"
        assert rapport.valide
        assert HeuresMensuelles.objects.count() == 2
        assert sam.reference  # matched by identity, not by reference

    def test_excel_cells_numeric_siret_and_date_month(self, donnees):
        siret = int(donnees["entreprise"].siret)
        contenu = xlsx(
            [ENTETE_RELEVE, [siret, donnees["ines"].reference, "", "", "", dt.datetime(2026, 2, 1), 35.5, ""]]
        )
        rapport = analyser(contenu)
        assert rapport.erreurs == [] and rapport.ajoutees == 1

    def test_csv_cp1252_semicolon_decimal_comma(self, donnees):
        contenu = csv_(
            [
                ["SIRET", "Référence participant", "Mois", "Heures", "Modalité"],
                [donnees["entreprise"].siret, donnees["ines"].reference, "02/2026", "35,5", "Embauche directe"],
            ],
            encodage="cp1252",
        )
        with pytest.raises(UnicodeDecodeError):
            contenu.decode("utf-8")
        rapport = analyser(contenu, nom="releve.csv")
        assert rapport.erreurs == [] and rapport.ajoutees == 1
        assert rapport.creations[0][1] == Decimal("35.5")

    def test_csv_utf8_bom_comma_separated_with_quoted_decimal(self, donnees):
        contenu = '\ufeffSIRET,Référence participant,Mois,Heures\r\n{},{},02/2026,"35,5"\r\n'.format(
            donnees["entreprise"].siret, donnees["ines"].reference
        ).encode()
        rapport = analyser(contenu, nom="releve.csv")
        assert rapport.erreurs == [] and rapport.creations[0][1] == Decimal("35.5")

    def test_every_bad_row_is_listed_with_its_line_and_column(self, donnees):
        siret_inconnu = siret_n(999)
        contenu = xlsx(
            [
                ENTETE_RELEVE,
                ligne(donnees, mois="02/2026"),  # line 2: good
                ligne(donnees, siret=siret_inconnu),  # 3
                ligne(donnees, siret="73282932000075"),  # 4: bad key
                ligne(donnees, siret="1234"),  # 5
                ligne(donnees, heures=260),  # 6
                ligne(donnees, heures="-3"),  # 7
                ligne(donnees, heures="beaucoup"),  # 8
                ligne(donnees, mois="13/2026"),  # 9
                ligne(donnees, mois="07/2026"),  # 10: future
                ligne(donnees, personne="sam", mois="05/2026"),  # 11: Sam's placement ended in April
                [donnees["entreprise"].siret, "P-999999", "", "", "", "03/2026", 1, ""],  # 12
                [donnees["entreprise"].siret, "", "Inconnue", "Zoé", "01/01/2000", "03/2026", 1, ""],  # 13
                [donnees["entreprise"].siret, "", "Durand", "", "", "03/2026", 1, ""],  # 14
                ligne(donnees, mois="02/2026", heures=3),  # 15: same placement and month as line 2: added up
                ligne(donnees, mois=""),  # 16
            ]
        )
        rapport = analyser(contenu)
        assert not rapport.valide
        ref = donnees["ines"].reference
        assert rapport.erreurs == [
            f"Ligne 3 : SIRET {siret_inconnu} inconnu : aucune entreprise n'a ce SIRET.",
            "Ligne 4 : SIRET 73282932000075 invalide : sa clé de contrôle ne correspond pas.",
            "Ligne 5 : SIRET « 1234 » invalide : il doit compter 14 chiffres.",
            "Ligne 6 : 260 heures en un mois dépasse le maximum de 220.",
            "Ligne 7 : -3 heures : le nombre d'heures ne peut pas être négatif.",
            "Ligne 8 : Heures « beaucoup » : ce n'est ni un nombre ni une durée (35,5 ou 35h30).",
            "Ligne 9 : Mois « 13/2026 » invalide : MM/AAAA attendu, par exemple 03/2026.",
            "Ligne 10 : Mois 07/2026 dans le futur : ses heures ne sont pas encore faites.",
            f"Ligne 11 : aucun placement de {donnees['sam'].reference} chez Peintures du Rhône "
            f"(SIRET {donnees['entreprise'].siret}) en cours en 05/2026 (Mois) : son placement court du 01/03/2026 "
            "au 30/04/2026.",
            "Ligne 12 : Référence participant P-999999 inconnue.",
            "Ligne 13 : participant Zoé Inconnue (né(e) le 01/01/2000) inconnu (Nom, Prénom, Date de naissance).",
            "Ligne 14 : participant non identifié : renseignez la Référence participant, ou le Nom, le Prénom et "
            "la Date de naissance.",
            "Ligne 16 : Mois manquant (MM/AAAA attendu).",
        ]
        assert rapport.ajoutees == 1 and rapport.creations[0][1] == Decimal("38.5")
        assert rapport.remarques == [
            f"Lignes 2 et 15 additionnées ({ref} Inès Durand, Peintures du Rhône, 02/2026) : 35,5 + 3 = 38,5 heures."
        ]

    def test_missing_column_lists_the_expected_ones(self, donnees):
        rapport = analyser(
            xlsx([["SIRET", "Référence participant", "Heures"], [donnees["entreprise"].siret, "P-1", 3]])
        )
        assert rapport.erreur_fichier.startswith("Colonne manquante : Mois. Colonnes attendues : SIRET ;")
        rapport = analyser(xlsx([["SIRET", "Mois", "Heures"], [donnees["entreprise"].siret, "03/2026", 3]]))
        assert "Référence participant, ou bien Nom, Prénom et Date de naissance" in rapport.erreur_fichier

    @pytest.mark.parametrize(
        ("contenu", "nom", "message"),
        [
            (b"", "releve.csv", "Le fichier est vide"),
            (b"\r\n;;\r\n", "releve.csv", "Le fichier est vide"),
            (csv_([ENTETE_RELEVE]), "releve.csv", "aucune ligne d'heures"),
            (xlsx([]), "releve.xlsx", "Le fichier est vide"),
            (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "releve.xlsx", "n'est pas un classeur XLSX"),
            (b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 4, "releve.csv", "n'est pas un fichier CSV"),
            (b"PK\x03\x04 pas vraiment un zip", "releve.xlsx", "endommagé ou illisible"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "releve.xlsx", "Excel 97-2003"),
            (b"%PDF-1.4", "releve.pdf", "XLSX ou un fichier CSV"),
            (b"x", "releve.xls", "Excel 97-2003"),
        ],
    )
    def test_unreadable_files(self, contenu, nom, message):
        rapport = analyser(contenu, nom=nom)
        assert message in rapport.erreur_fichier
        assert not rapport.valide

    def test_size_limit(self):
        rapport = importation.analyser(importation.RELEVE, io.BytesIO(b""), "r.csv", 11 * 1024 * 1024)
        assert rapport.erreur_fichier == (
            "Le fichier pèse 11,0 Mo : la taille maximale est de 10 Mo. Découpez-le en plusieurs fichiers."
        )

    def test_two_placements_same_month_need_the_modality(self, donnees):
        PlacementFactory(
            participant=donnees["ines"],
            attribution=AttributionFactory(entreprise=donnees["entreprise"]),
            date_debut=dt.date(2026, 2, 1),
            modalite="mad_etti",
        )
        rapport = analyser(xlsx([ENTETE_RELEVE, ligne(donnees)]))
        assert "a plusieurs placements chez Peintures du Rhône en 03/2026" in rapport.erreurs[0]
        avec_modalite = ligne(donnees)
        avec_modalite[-1] = "Mise à disposition par une ETTI"
        rapport = analyser(xlsx([ENTETE_RELEVE, avec_modalite]))
        assert rapport.erreurs == [] and rapport.ajoutees == 1

    def test_query_count_does_not_grow_with_rows(self, donnees, django_assert_max_num_queries):
        entreprise = donnees["entreprise"]
        placements = [
            PlacementFactory(attribution=donnees["p_ines"].attribution, date_debut=dt.date(2026, 1, 1))
            for _ in range(30)
        ]
        lignes = [ENTETE_RELEVE] + [
            [entreprise.siret, p.participant.reference, "", "", "", f"{m:02d}/2026", 10, ""]
            for p in placements
            for m in range(1, 6)
        ]
        contenu = xlsx(lignes)
        with django_assert_max_num_queries(6):
            rapport = analyser(contenu)
        assert rapport.ajoutees == 150


class TestReleveImport:
    def test_all_rows_written_then_reimport_changes_nothing(self, donnees):
        user = FacilitateurFactory()
        HeuresMensuellesFactory(placement=donnees["p_ines"], mois=dt.date(2026, 3, 1), heures=10)
        contenu = xlsx([ENTETE_RELEVE, ligne(donnees, mois="02/2026"), ligne(donnees, mois="03/2026", heures=20)])
        rapport = importer(contenu, user)
        assert rapport.valide and rapport.resume == "1 ligne ajoutée, 1 mise à jour, 0 inchangée"
        heures = {h.mois.month: h for h in HeuresMensuelles.objects.all()}
        assert heures[2].heures == Decimal("35.5") and heures[3].heures == 20
        assert {h.source for h in heures.values()} == {SourceHeures.IMPORT}
        assert {h.saisi_par for h in heures.values()} == {user}
        avant = list(HeuresMensuelles.objects.values_list("id", "heures", "modifie_le"))
        rapport = importer(contenu, user)
        assert rapport.resume == "0 ligne ajoutée, 0 mise à jour, 2 inchangées"
        assert list(HeuresMensuelles.objects.values_list("id", "heures", "modifie_le")) == avant

    def test_update_writes_hours_source_author_and_time_of_changed_rows_only(self, donnees):
        user, autre = FacilitateurFactory(), FacilitateurFactory()
        modifiee = HeuresMensuellesFactory(
            placement=donnees["p_ines"], mois=dt.date(2026, 3, 1), heures=10, saisi_par=autre
        )
        intacte = HeuresMensuellesFactory(
            placement=donnees["p_sam"], mois=dt.date(2026, 3, 1), heures=20, saisi_par=autre
        )
        hors_fichier = HeuresMensuellesFactory(placement=donnees["p_ines"], mois=dt.date(2026, 4, 1), heures=30)
        avant = {h.pk: h for h in HeuresMensuelles.objects.all()}
        contenu = xlsx([ENTETE_RELEVE, ligne(donnees, heures="12,25"), ligne(donnees, personne="sam", heures=20)])
        rapport = importer(contenu, user)
        assert rapport.resume == "0 ligne ajoutée, 1 mise à jour, 1 inchangée"
        apres = {h.pk: h for h in HeuresMensuelles.objects.all()}
        assert apres.keys() == avant.keys()
        h = apres[modifiee.pk]
        assert (h.heures, h.source, h.saisi_par, h.mois) == (
            Decimal("12.25"),
            SourceHeures.IMPORT,
            user,
            modifiee.mois,
        )
        assert h.modifie_le > avant[modifiee.pk].modifie_le

        def etat(heures):
            return heures.heures, heures.source, heures.saisi_par_id, heures.modifie_le

        assert [etat(apres[h.pk]) for h in (intacte, hors_fichier)] == [
            etat(avant[h.pk]) for h in (intacte, hors_fichier)
        ]

    def test_query_count_does_not_grow_with_rows(self, donnees, django_assert_max_num_queries):
        user = FacilitateurFactory()
        placements = [
            PlacementFactory(attribution=donnees["p_ines"].attribution, date_debut=dt.date(2026, 1, 1))
            for _ in range(20)
        ]
        for placement in placements[:10]:
            HeuresMensuellesFactory(placement=placement, mois=dt.date(2026, 2, 1), heures=1)
        lignes = [ENTETE_RELEVE] + [
            [donnees["entreprise"].siret, p.participant.reference, "", "", "", f"{m:02d}/2026", 10, ""]
            for p in placements
            for m in range(1, 6)
        ]
        with django_assert_max_num_queries(10):
            rapport = importer(xlsx(lignes), user)
        assert rapport.resume == "90 lignes ajoutées, 10 mises à jour, 0 inchangée"
        assert HeuresMensuelles.objects.filter(heures=10, source=SourceHeures.IMPORT).count() == 100

    def test_one_bad_row_writes_nothing(self, donnees):
        user = FacilitateurFactory()
        contenu = xlsx([ENTETE_RELEVE, ligne(donnees, mois="02/2026"), ligne(donnees, mois="03/2026", heures=260)])
        rapport = importer(contenu, user)
        assert not rapport.valide and rapport.erreurs == ["Ligne 3 : 260 heures en un mois dépasse le maximum de 220."]
        assert not HeuresMensuelles.objects.exists()


ENTETE_PARTICIPANTS = [
    "Nom",
    "Prénom",
    "Date de naissance",
    "Genre",
    "Commune",
    "Code postal",
    "QPV",
    "Quartier",
    "Niveau de qualification",
    "Critères",
    "Prescripteur",
]


class TestParticipants:
    def test_creates_and_updates_then_reimport_changes_nothing(self):
        user = FacilitateurFactory()
        prescripteur = PrescripteurFactory(nom="Mission locale du Delta")
        existant = ParticipantFactory(
            nom="Durand", prenom="Inès", date_naissance=dt.date(1999, 5, 17), commune="Arles"
        )
        contenu = xlsx(
            [
                ENTETE_PARTICIPANTS,
                ["DURAND", "ines", "17/05/1999", "F", "Tarascon", 13150, "oui", "Barriol", "Niveau 4", "deld", ""],
                ["Abdi", "Sam", dt.datetime(1988, 2, 3), "Homme", "Arles", "13200", "", "", "infra_3",
                 "rsa; Habitant d'un quartier prioritaire de la ville (QPV)", "mission locale du delta"],
                ["Leroy", "Zoé", "2001-09-30", "femme", "", "", "", "", "5", "", ""],
            ]
        )  # fmt: skip
        rapport = analyser(contenu, type_import=importation.PARTICIPANTS)
        assert rapport.erreurs == [] and rapport.resume == "2 lignes ajoutées, 1 mise à jour, 0 inchangée"
        assert Participant.objects.count() == 1
        rapport = importer(contenu, user, type_import=importation.PARTICIPANTS)
        assert rapport.valide
        existant.refresh_from_db()
        assert (existant.nom, existant.commune, existant.code_postal, existant.reside_qpv, existant.qpv) == (
            "Durand",
            "Tarascon",
            "13150",
            True,
            "Barriol",
        )
        assert existant.niveau_qualification == NiveauQualification.NIVEAU_4
        assert list(existant.criteres.values_list("code", flat=True)) == ["deld"]
        sam = Participant.objects.get(nom="Abdi")
        # The former criterion « habitant d'un QPV » is read as the QPV column (one notion, issue 13 §3).
        assert sam.genre == Genre.HOMME and sam.prescripteur == prescripteur and sam.reside_qpv
        assert set(sam.criteres.values_list("code", flat=True)) == {"rsa"}
        zoe = Participant.objects.get(nom="Leroy")
        assert zoe.niveau_qualification == "5" and zoe.date_naissance == dt.date(2001, 9, 30)
        # References follow the existing ones, as Participant.save() would have numbered them.
        numero = int(existant.reference[2:])
        assert {sam.reference, zoe.reference} == {f"P-{numero + 1:06d}", f"P-{numero + 2:06d}"}
        # A new participant saved afterwards gets the next one.
        assert ParticipantFactory().reference == f"P-{numero + 3:06d}"

        rapport = importer(contenu, user, type_import=importation.PARTICIPANTS)
        assert rapport.resume == "0 ligne ajoutée, 0 mise à jour, 3 inchangées"
        assert Participant.objects.count() == 4  # with the one saved above

    def test_empty_cells_leave_existing_values(self):
        existant = ParticipantFactory(
            nom="Durand", prenom="Inès", date_naissance=dt.date(1999, 5, 17), commune="Arles"
        )
        existant.criteres.set(CritereEligibilite.objects.filter(code="deld"))
        contenu = xlsx([ENTETE_PARTICIPANTS, ["Durand", "Inès", "17/05/1999", "F", "", "", "", "", "3", "", ""]])
        rapport = analyser(contenu, type_import=importation.PARTICIPANTS)
        assert rapport.resume == "0 ligne ajoutée, 0 mise à jour, 1 inchangée"

    def test_errors_and_all_or_nothing(self):
        user = FacilitateurFactory()
        PrescripteurFactory(nom="France Travail Arles")
        PrescripteurFactory(nom="France Travail Arles")
        contenu = xlsx(
            [
                ENTETE_PARTICIPANTS,
                ["Abdi", "Sam", "03/02/1988", "H", "", "", "", "", "3", "", ""],  # 2: good
                ["Martin", "Léa", "31/02/1990", "M", "", "1320", "peut-être", "", "bac+12", "deld;licorne", "Inconnu"],
                ["abdi", "SAM", "1988-02-03", "H", "", "", "non", "Barriol", "3", "", "France Travail Arles"],
            ]
        )  # fmt: skip
        rapport = importer(contenu, user, type_import=importation.PARTICIPANTS)
        assert not Participant.objects.exists()
        assert rapport.erreurs[:6] == [
            "Ligne 3 : Date de naissance « 31/02/1990 » invalide : JJ/MM/AAAA attendu.",
            "Ligne 3 : Genre « M » non reconnu : F, H, Femme ou Homme.",
            rapport.erreurs[2],
            "Ligne 3 : Code postal « 1320 » invalide : 5 chiffres attendus.",
            "Ligne 3 : QPV « peut-être » non reconnu : oui ou non.",
            "Ligne 3 : Critère « licorne » inconnu (Critères : codes ou libellés séparés par « ; »).",
        ]
        assert rapport.erreurs[2].startswith("Ligne 3 : Niveau de qualification « bac+12 » non reconnu")
        assert "Ligne 3 : Prescripteur « Inconnu » inconnu" in rapport.erreurs[6]
        assert rapport.erreurs[7:] == [
            "Ligne 4 : Quartier « Barriol » renseigné alors que QPV vaut « non ».",
            "Ligne 4 : Plusieurs prescripteurs s'appellent « France Travail Arles » dans l'annuaire.",
        ]
        contenu = xlsx(
            [
                ENTETE_PARTICIPANTS,
                ["Abdi", "Sam", "03/02/1988", "H", "", "", "", "", "3", "", ""],
                ["ABDI", "sam", "03/02/1988", "H", "", "", "", "", "4", "", ""],
            ]
        )
        rapport = analyser(contenu, type_import=importation.PARTICIPANTS)
        assert rapport.erreurs == [
            "Ligne 3 : même personne que la ligne 2 (sam ABDI, né(e) le 03/02/1988) : "
            "gardez une seule de ces deux lignes."
        ]

    def test_missing_columns(self):
        rapport = analyser(xlsx([["Nom", "Prénom"], ["A", "B"]]), type_import=importation.PARTICIPANTS)
        assert rapport.erreur_fichier.startswith(
            "Colonnes manquantes : Date de naissance, Genre, Niveau de qualification."
        )


class TestModeles:
    @pytest.mark.parametrize("type_import", [importation.RELEVE, importation.PARTICIPANTS])
    def test_templates_have_the_columns_and_an_example(self, type_import):
        feuille = load_workbook(io.BytesIO(importation.fichier_modele(type_import, "xlsx"))).active
        lignes = list(feuille.values)
        assert list(lignes[0]) == [c.titre for c in importation.COLONNES[type_import]]
        assert len(lignes) == 2
        texte = importation.fichier_modele(type_import, "csv").decode("utf-8-sig")
        assert texte.splitlines()[0] == ";".join(c.titre for c in importation.COLONNES[type_import])


def test_an_import_waits_for_the_one_under_way(transactional_db, donnees):
    """Imports run one at a time: while another holds the imports' lock, an import waits, then writes."""
    user = FacilitateurFactory()
    contenu = xlsx([ENTETE_RELEVE, ligne(donnees, mois="02/2026")])
    fini, resultats = threading.Event(), []

    def importer_en_parallele():
        try:
            resultats.append(importer(contenu, user))
        finally:
            fini.set()
            connection.close()

    with transaction.atomic():
        with connection.cursor() as curseur:
            curseur.execute("SELECT pg_advisory_xact_lock(%s)", [importation.VERROU_IMPORTS])
        fil = threading.Thread(target=importer_en_parallele)
        fil.start()
        assert not fini.wait(0.5)  # waiting for the lock
    fil.join(10)
    [rapport] = resultats
    assert rapport.valide and rapport.ajoutees == 1
    assert HeuresMensuelles.objects.filter(placement=donnees["p_ines"], mois=dt.date(2026, 2, 1)).exists()


def test_a_form_and_an_import_creating_participants_at_once_get_different_references(transactional_db):
    """A facilitator saves a participant while an import creates another: the import's transaction does not see the
    form's uncommitted row. When each took « the largest reference plus one », both drew the same number and the
    import failed on the unique constraint, once the form's transaction committed; the sequence gives two."""
    critere = CritereEligibilite.objects.get(code="deld")
    formulaire = ParticipantForm(
        {
            "nom": "Durand",
            "prenom": "Inès",
            "date_naissance": "1999-05-17",
            "genre": Genre.FEMME,
            "niveau_qualification": NiveauQualification.NIVEAU_3,
            "criteres": [critere.pk],
        }
    )
    contenu = xlsx([ENTETE_PARTICIPANTS, ["Abdi", "Sam", "03/02/1988", "H", "", "", "", "", "3", "deld", ""]])
    user = FacilitateurFactory()
    connecte, fini, pids, resultats = threading.Event(), threading.Event(), [], []

    def importer_en_parallele():
        try:
            with connection.cursor() as curseur:
                curseur.execute("SELECT pg_backend_pid()")
                pids.append(curseur.fetchone()[0])
            connecte.set()
            resultats.append(importer(contenu, user, nom="participants.xlsx", type_import=importation.PARTICIPANTS))
        finally:
            connecte.set()
            fini.set()
            connection.close()

    def bloque(pid: int) -> bool:
        # pg_locks is read afresh at each call, even inside a transaction (pg_stat_activity is not).
        with connection.cursor() as curseur:
            curseur.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid])
            return curseur.fetchone()[0]

    with transaction.atomic():
        assert formulaire.is_valid(), formulaire.errors
        ines = enregistrer_participant(formulaire)
        fil = threading.Thread(target=importer_en_parallele)
        fil.start()
        assert connecte.wait(10)
        # The import either writes at once (its own number) or waits on the form's row (the same number): the form
        # commits only once one or the other is seen.
        limite = time.monotonic() + 10
        while not fini.wait(0.01) and not bloque(pids[0]):
            assert time.monotonic() < limite, "l'import ne s'est ni terminé ni mis en attente"
    fil.join(10)
    [rapport] = resultats
    assert rapport.erreur_fichier == "" and rapport.valide and rapport.ajoutees == 1
    sam = Participant.objects.get(nom="Abdi")
    assert sam.reference != ines.reference
    assert Participant.objects.count() == 2
