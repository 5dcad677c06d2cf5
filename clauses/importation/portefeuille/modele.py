"""The portfolio's template and its « Lisez-moi », and the writing of a portfolio file (XLSX, or a .zip of CSV
files) shared by the template and the export.

The « Lisez-moi » is built from the kinds' own tables (``TypeFeuille``): each sheet, what identifies its rows,
each column, whether it is required, its format and an example. What a column accepts is written once, in its
``Colonne``, and read both by the import and by this page.
"""

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import chain, islice

from django.utils import timezone

from clauses.importation.portefeuille.moteur import TypeFeuille
from config.export import ecrire_classeur

FORMATS = ("xlsx", "zip")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
LISEZ_MOI = "Lisez-moi"
ENTETE_LISEZ_MOI = ["Feuille", "Colonne", "Obligatoire", "Contenu et format", "Exemple"]
LARGEURS_LISEZ_MOI = [24.0, 34.0, 12.0, 90.0, 30.0]
# Excel's last row is 1,048,576: a longer kind continues on « Heures mensuelles (2) »…
LIGNES_PAR_FEUILLE = 1_000_000

REGLES = [
    "Ce classeur décrit un portefeuille de clauses d'insertion : une feuille par type de données. Remplissez les "
    "feuilles utiles, dans l'ordre que vous voulez ; une feuille absente ou vide ne change rien.",
    "Les noms des feuilles et des colonnes comptent (majuscules et accents non) : gardez ceux du modèle. Une "
    "colonne inconnue est ignorée ; une feuille trop longue peut continuer sur « Heures mensuelles (2) ».",
    "Chaque ligne est reconnue par sa clé (ci-dessous) : une ligne dont la clé existe déjà dans Clauses met à jour "
    "la fiche, une autre la crée ; rien n'est jamais supprimé. Une cellule vide laisse la valeur enregistrée.",
    "Les feuilles se citent par ces clés : un lot nomme son marché par le donneur d'ordre (SIRET, ou nom s'il n'en "
    "a pas) et la référence du marché ; ce qu'une feuille cite doit être dans sa feuille ou déjà dans Clauses.",
    "L'import est tout ou rien : l'aperçu liste chaque erreur avec sa feuille, sa ligne et sa colonne, et rien "
    "n'est enregistré tant qu'il en reste. Importer deux fois le même classeur ne change rien la seconde fois.",
    "Dates : JJ/MM/AAAA ; mois : MM/AAAA ; nombres : virgule ou point ; oui ou non. Un texte qui commence par =, +, "
    "- ou @ est précédé d'une apostrophe, que l'import retire.",
    "Le même portefeuille peut être un dossier de fichiers CSV compressé en .zip : un fichier par feuille, nommé "
    "comme elle (Marchés.csv…), séparé par des points-virgules.",
]


def lignes_lisez_moi(types: Iterable[TypeFeuille]) -> list[list]:
    lignes: list[list] = [[regle, "", "", "", ""] for regle in REGLES]
    for type_ in types:
        lignes.append(["", "", "", "", ""])
        lignes.append([type_.titre, "", "", f"{type_.description} Clé : {type_.cle_naturelle}", ""])
        for colonne in type_.colonnes:
            obligatoire = "oui" if colonne.cle in type_.obligatoires else ""
            lignes.append([type_.titre, colonne.titre, obligatoire, colonne.aide, texte_exemple(colonne.exemple)])
    return lignes


def texte_exemple(valeur: object) -> str:
    return str(valeur) if valeur not in (None, "") else ""


# --- Writing ----------------------------------------------------------------------------------------------

_A_ECHAPPER = ("=", "+", "-", "@", "'")


def echapper(texte: str) -> str:
    """A text a spreadsheet would take for a formula gets an apostrophe, which the import takes off again
    (``cellules.Ligne.brut``)."""
    return "'" + texte if texte[:1] in _A_ECHAPPER else texte


def _instant(valeur: dt.datetime) -> str:
    return (
        timezone.localtime(valeur).strftime("%d/%m/%Y %H:%M:%S")
        if timezone.is_aware(valeur)
        else f"{valeur:%d/%m/%Y %H:%M:%S}"
    )


def valeur_xlsx(valeur: object) -> object:
    if valeur is None or valeur == "":
        return None
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, dt.datetime):
        return _instant(valeur)
    if isinstance(valeur, Decimal):
        return int(valeur) if valeur == valeur.to_integral_value() else float(valeur)
    if isinstance(valeur, (int, float, dt.date)):
        return valeur
    return echapper(str(valeur))


def valeur_csv(valeur: object) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, dt.datetime):
        return _instant(valeur)
    if isinstance(valeur, dt.date):
        return f"{valeur:%d/%m/%Y}"
    if isinstance(valeur, Decimal):
        return format(valeur.normalize() if valeur == valeur.to_integral_value() else valeur, "f").replace(".", ",")
    if isinstance(valeur, (int, float)):
        return str(valeur).replace(".", ",")
    return echapper(str(valeur))


def _decouper(titre: str, entete: list[str], lignes: Iterable[list], largeurs: list[float]) -> Iterator[tuple]:
    """One sheet, or several when the rows pass Excel's limit (the rows read once, as the writer asks)."""
    suite = iter(lignes)
    premiere = next(suite, None)
    numero = 1
    while True:
        morceau = chain([premiere], islice(suite, LIGNES_PAR_FEUILLE - 1)) if premiere is not None else iter(())
        yield (titre if numero == 1 else f"{titre} ({numero})", entete, morceau, largeurs)
        premiere = next(suite, None)
        if premiere is None:
            return
        numero += 1


def ecrire(sortie, format_fichier: str, feuilles: Iterable[tuple[str, list[str], Iterable[list]]]) -> None:
    """Write a portfolio file to ``sortie`` (a file object): a Lisez-moi sheet is given like the others."""
    if format_fichier == "xlsx":

        def preparees() -> Iterator[tuple]:
            for titre, entete, lignes in feuilles:
                largeurs = (
                    LARGEURS_LISEZ_MOI if titre == LISEZ_MOI else [max(12.0, min(40.0, len(t) + 4.0)) for t in entete]
                )
                convertir = (
                    (lambda ligne: ligne) if titre == LISEZ_MOI else (lambda ligne: [valeur_xlsx(v) for v in ligne])
                )
                yield from _decouper(titre, entete, (convertir(ligne) for ligne in lignes), largeurs)

        ecrire_classeur(sortie, preparees())
        return
    with zipfile.ZipFile(sortie, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for titre, entete, lignes in feuilles:
            with archive.open(f"{titre}.csv", "w", force_zip64=True) as brut:
                texte = io.TextIOWrapper(brut, encoding="utf-8-sig", newline="")
                ecrivain = csv.writer(texte, delimiter=";", lineterminator="\r\n")
                ecrivain.writerow(entete)
                for ligne in lignes:
                    ecrivain.writerow(ligne if titre == LISEZ_MOI else [valeur_csv(v) for v in ligne])
                texte.flush()
                texte.detach()


def fichier_modele(format_fichier: str, types: Iterable[TypeFeuille]) -> bytes:
    """The template: the Lisez-moi, then each sheet with its header and one example row."""
    types = list(types)
    feuilles: list[tuple[str, list[str], Iterable[list]]] = [(LISEZ_MOI, ENTETE_LISEZ_MOI, lignes_lisez_moi(types))]
    for type_ in types:
        feuilles.append(
            (type_.titre, [c.titre for c in type_.colonnes], [[texte_exemple(c.exemple) for c in type_.colonnes]])
        )
    sortie = io.BytesIO()
    ecrire(sortie, format_fichier, feuilles)
    return sortie.getvalue()
