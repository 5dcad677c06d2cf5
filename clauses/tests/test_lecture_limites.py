"""Reading import files that companies really send, and files built to hurt: limits counted while reading,
damaged and hostile workbooks refused in French, the sheet and the header row found, layouts of companies."""

import io
import time
import zipfile

import pytest

from clauses import importation
from clauses.importation import classeur, fichier_csv, lecture
from clauses.models import HeuresMensuelles
from clauses.tests.test_importation import AUJOURD_HUI, analyser, csv_, donnees, importer, ligne, xlsx
from config.bench import fichiers
from conventions.factories import FacilitateurFactory

pytestmark = pytest.mark.django_db
__all__ = ["donnees"]  # the fixture, shared with test_importation

ENTETE = ["SIRET", "Référence participant", "Mois", "Heures"]


def lire(contenu: bytes, nom="releve.xlsx") -> lecture.Tableau:
    return lecture.lire_tableau(io.BytesIO(contenu), nom, len(contenu), importation.COLONNES_RELEVE)


def refus(contenu: bytes, nom="releve.xlsx") -> str:
    with pytest.raises(lecture.FichierInvalide) as erreur:
        lire(contenu, nom)
    return str(erreur.value)


class TestLimites:
    def test_a_zip_bomb_is_refused_from_the_zip_directory_before_inflating(self):
        """1.75 MB inflating to 1.2 GB without <dimension>: took the web process to 10.4 GB."""
        bombe = fichiers.bombe_zip()
        assert len(bombe) < 2 * 1024 * 1024
        debut = time.perf_counter()
        message = refus(bombe)
        assert time.perf_counter() - debut < 5  # a guard against hanging, not a measure: make bench measures
        assert "une fois décompressé, au-delà de 120 Mo" in message

    def test_a_part_compressed_hundreds_of_times_is_refused(self):
        bombe = fichiers.bombe_zip(20 * 1024 * 1024)
        assert "compressé" in refus(bombe) and "200 fois" in refus(bombe)

    def test_the_decompressed_bytes_are_counted_while_reading(self, monkeypatch):
        """Each part passes the zip directory's check, the whole workbook does not."""
        lignes = "".join(fichiers.ligne_xml(i, f"texte {i}", i) for i in range(1, 2000))
        contenu = fichiers.avec_feuille(fichiers.feuille_xml(lignes))
        taille_feuille = len(fichiers.feuille_xml(lignes))
        monkeypatch.setattr(classeur, "DECOMPRESSE_MAX", taille_feuille + 1000)
        monkeypatch.setattr(classeur, "RATIO_MAX", 10_000)
        assert "une fois décompressé" in refus(contenu)

    def test_xml_elements_and_filled_cells_are_counted_while_reading(self, monkeypatch):
        lignes = "".join(fichiers.ligne_xml(i, "SIRET" if i == 1 else "x", i) for i in range(1, 500))
        contenu = fichiers.avec_feuille(fichiers.feuille_xml(lignes))
        monkeypatch.setattr(classeur, "ELEMENTS_MAX", 1000)
        assert "éléments XML" in refus(contenu)
        monkeypatch.setattr(classeur, "ELEMENTS_MAX", 10**9)
        monkeypatch.setattr(classeur, "CELLULES_MAX", 300)
        assert "300 cellules remplies" in refus(contenu)

    def test_a_declared_dimension_is_ignored_and_rows_keep_only_the_columns_read(self):
        """« A1:XFD1048576 » made every row 16,384 cells wide (a 3 KB file ran for minutes)."""
        lignes = fichiers.ligne_xml(1, *ENTETE, "Commentaire") + fichiers.ligne_xml(
            2, "73282932000074", "P-1", "03/2026", 35
        )
        xml = fichiers.feuille_xml(lignes + '<row r="1048576"/>', avant='<dimension ref="A1:XFD1048576"/>')
        tableau = lire(fichiers.avec_feuille(xml))
        assert tableau.lignes == [(2, ("73282932000074", "P-1", "03/2026", 35))]

    def test_a_filled_cell_past_the_column_limit_is_refused_and_empty_formatted_ones_are_ignored(self):
        vide_loin = '<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="XFD2" s="1"/></row>'
        assert (
            len(lire(fichiers.avec_feuille(fichiers.feuille_xml(fichiers.ligne_xml(1, *ENTETE) + vide_loin))).lignes)
            == 1
        )
        rempli_loin = '<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="XFD2"><v>1</v></c></row>'
        message = refus(fichiers.avec_feuille(fichiers.feuille_xml(fichiers.ligne_xml(1, *ENTETE) + rempli_loin)))
        assert message.startswith("Ligne 2 : ") and "200 colonnes" in message

    def test_a_csv_with_too_many_columns_or_cells(self, monkeypatch):
        message = refus(csv_([ENTETE, ["x"] * 250]), "r.csv")
        assert message.startswith("Ligne 2 : ") and "200 colonnes" in message
        monkeypatch.setattr(fichier_csv, "CELLULES_MAX", 10)
        assert "10 cellules remplies" in refus(csv_([ENTETE] + [["a", "b", "c", "d"]] * 5), "r.csv")

    def test_a_long_text_in_a_column_read_is_refused_with_its_line_and_column(self):
        message = refus(xlsx([ENTETE, ["7" * 5000, "P-1", "03/2026", 35]]))
        assert message.startswith("Ligne 2, colonne SIRET : ") and "5\u202f000 caractères" in message


class TestFichiersEndommages:
    @pytest.mark.parametrize("ou", [fichiers.FEUILLE, "xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml"])
    def test_entity_expansion_is_refused_before_expanding(self, ou):
        message = refus(fichiers.milliard_de_rires(ou))
        assert "DTD ou entités" in message

    def test_a_billion_laughs_in_the_shared_strings(self):
        base = xlsx([ENTETE])
        sst = (
            '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            f'<sst xmlns="{fichiers.NS}"><si><t>&b;</t></si></sst>'
        )
        with zipfile.ZipFile(io.BytesIO(base)) as archive:
            types = archive.read("[Content_Types].xml").replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
        assert "DTD ou entités" in refus(
            fichiers.remplacer(base, {"xl/sharedStrings.xml": sst.encode(), "[Content_Types].xml": types})
        )

    def test_an_external_entity_reads_no_file_of_the_server(self, tmp_path):
        secret = tmp_path / "secret.txt"
        secret.write_text("MOT-DE-PASSE-DU-SERVEUR")
        rapport = analyser(fichiers.entite_externe(str(secret)))
        assert "DTD ou entités" in rapport.erreur_fichier
        assert "MOT-DE-PASSE" not in str(rapport)

    @pytest.mark.parametrize(
        ("xml", "attendu"),
        [
            # Malformed, then truncated after two rows: the message names the last row read.
            (fichiers.feuille_xml(fichiers.ligne_xml(1, *ENTETE) + "<row r='2'><c><v>1</c></row>"), "endommagé"),
            (
                fichiers.feuille_xml("".join(fichiers.ligne_xml(i, *ENTETE) for i in (1, 2, 3)))[:-60],
                "après la ligne 2",
            ),
            (
                fichiers.feuille_xml(
                    fichiers.ligne_xml(1, *ENTETE), prologue='<?xml version="1.0" encoding="bogus"?>'
                ),
                "endommagé",
            ),
            (fichiers.feuille_xml(fichiers.ligne_xml(1, *ENTETE) + '<row r="x2"/>'), "après la ligne 1"),
            (b"\x00\xff" * 50, "endommagé"),
        ],
    )
    def test_damaged_sheet_xml_gets_a_french_message(self, xml, attendu):
        rapport = analyser(fichiers.avec_feuille(xml, ENTETE))
        assert attendu in rapport.erreur_fichier
        assert "Error" not in rapport.erreur_fichier

    def test_a_corrupt_deflate_stream_or_a_missing_part(self):
        base = xlsx([ENTETE, ["73282932000074", "P-1", "03/2026", 35]])
        with zipfile.ZipFile(io.BytesIO(base)) as archive:
            info = archive.getinfo(fichiers.FEUILLE)
        debut = info.header_offset + 30 + len(info.filename) + len(info.extra)
        abime = bytearray(base)
        for i in range(debut + 5, debut + info.compress_size - 5, 7):
            abime[i] ^= 0x5A
        assert "endommagé" in analyser(bytes(abime)).erreur_fichier
        sans_feuille = analyser(fichiers.remplacer(base, {fichiers.FEUILLE: None}))
        assert sans_feuille.erreur_fichier == "Le classeur ne contient aucune feuille de calcul."
        assert "endommagé" in analyser(base[: len(base) // 2]).erreur_fichier

    def test_huge_numbers_are_cell_errors_not_server_errors(self, donnees):
        """« 1E+999999999 » hours overflowed the decimal context; a SIRET 1E999 in a number cell was int(inf)."""
        heures = analyser(
            csv_([ENTETE, [donnees["entreprise"].siret, donnees["ines"].reference, "03/2026", "1E+999999999"]]),
            "r.csv",
        )
        assert heures.erreurs == [
            "Ligne 2 : Heures « 1E+999999999 » : ce n'est ni un nombre ni une durée (35,5 ou 35h30)."
        ]
        xml = fichiers.feuille_xml(
            fichiers.ligne_xml(1, *ENTETE) + f'<row r="2"><c r="A2"><v>1E999</v></c>'
            f'<c r="B2" t="inlineStr"><is><t>{donnees["ines"].reference}</t></is></c>'
            '<c r="C2" t="inlineStr"><is><t>03/2026</t></is></c><c r="D2"><v>-1E999</v></c></row>'
        )
        rapport = analyser(fichiers.avec_feuille(xml))
        assert rapport.erreurs == [
            "Ligne 2 : SIRET « 1E999 » invalide : il doit compter 14 chiffres.",
            "Ligne 2 : Heures « -1E999 » : ce n'est ni un nombre ni une durée (35,5 ou 35h30).",
        ]

    def test_a_postal_code_1e999_in_a_number_cell(self):
        entete = ["Nom", "Prénom", "Date de naissance", "Genre", "Niveau de qualification", "Code postal"]
        ligne_2 = fichiers.ligne_xml(2, "Durand", "Inès", "17/05/1999", "F", "3").replace(
            "</row>", '<c r="F2"><v>1E999</v></c></row>'
        )
        contenu = fichiers.avec_feuille(fichiers.feuille_xml(fichiers.ligne_xml(1, *entete) + ligne_2))
        rapport = analyser(contenu, type_import=importation.PARTICIPANTS)
        assert rapport.erreurs == ["Ligne 2 : Code postal « 1E999 » invalide : 5 chiffres attendus."]

    def test_an_unclosed_csv_quote_names_its_line_in_french(self):
        contenu = csv_([ENTETE, ["1", "P-1", "03/2026", "35"], ['"73282932000074', "P-1", "03/2026", "35"]])
        contenu += ("\r\n" + "x;" * 70_000).encode()
        message = analyser(contenu, "r.csv").erreur_fichier
        assert message.startswith("Ligne 3 : une cellule dépasse 131\u202f072 caractères. Un guillemet")
        assert "field" not in message


class TestFeuillesEtMisesEnPage:
    def test_the_sheet_with_the_headers_is_read_and_named(self, donnees):
        """A hidden first sheet and an empty one came before the statement (« Le fichier est vide »)."""
        releve = [ENTETE, ligne(donnees)[0:2] + ["03/2026", "35"]]
        contenu = fichiers.classeur(
            ("Notes", [["ne pas modifier"]]), ("Vide", []), ("Relevé mars", releve), masquees=("Notes",)
        )
        rapport = analyser(contenu)
        assert rapport.erreur_fichier == "" and rapport.ajoutees == 1
        assert rapport.provenance == "Feuille lue : « Relevé mars »."

    def test_a_hidden_sheet_is_read_only_when_no_visible_one_has_the_headers(self, donnees):
        releve = [ENTETE, ligne(donnees)[0:2] + ["03/2026", "35"]]
        contenu = fichiers.classeur(("Notice", [["Lisez-moi"]]), ("Données", releve), masquees=("Données",))
        assert analyser(contenu).provenance == "Feuille lue : « Données » (masquée)."
        visible = fichiers.classeur(("Autre", [ENTETE]), ("Données", releve), masquees=("Données",))
        assert "« Autre »" in analyser(visible).provenance

    @pytest.mark.parametrize("format_", ["xlsx", "csv"])
    def test_title_rows_above_the_header(self, donnees, format_):
        lignes = [["Relevé d'heures — mars 2026"], ["Entreprise : Peintures du Rhône"], [], ENTETE]
        lignes.append(ligne(donnees)[0:2] + ["03/2026", "35"])
        contenu = xlsx(lignes) if format_ == "xlsx" else csv_(lignes)
        rapport = analyser(contenu, f"r.{format_}")
        assert rapport.erreur_fichier == "" and rapport.ajoutees == 1
        assert "en-têtes ligne 4" in rapport.provenance

    def test_excel_sep_line_and_utf16_without_bom(self, donnees):
        lignes = [ENTETE, ligne(donnees)[0:2] + ["03/2026", "35,5"]]
        assert analyser(b"sep=,\r\n" + csv_(lignes, ","), "r.csv").ajoutees == 1
        for encodage in ("utf-16-le", "utf-16-be"):
            assert analyser(csv_(lignes, "\t", encodage), "r.csv").ajoutees == 1

    def test_a_formula_without_its_stored_value(self, donnees):
        """openpyxl and other programs write formulas that no spreadsheet has computed: the cell reads empty."""
        contenu = xlsx([ENTETE, ligne(donnees)[0:2] + ["03/2026", "=35+0,5"]])
        assert analyser(contenu).erreur_fichier == (
            "Ligne 2, colonne Heures : la cellule contient une formule sans valeur enregistrée : ouvrez et "
            "enregistrez le fichier dans Excel, puis importez-le de nouveau."
        )


def test_a_refused_file_writes_nothing(donnees):
    user = FacilitateurFactory()
    avant = HeuresMensuelles.objects.count()
    for contenu in (fichiers.bombe_zip(), fichiers.milliard_de_rires()):
        rapport = importer(contenu, user)
        assert rapport.erreur_fichier and not rapport.valide
    assert HeuresMensuelles.objects.count() == avant
    assert AUJOURD_HUI  # the day the shared helpers pass
