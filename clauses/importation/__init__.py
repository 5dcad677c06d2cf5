"""Imports of monthly statements (hours) and of participants, from XLSX or CSV files.

Three steps, the same for both imports:

1. read: the file becomes a header and numbered rows (XLSX through openpyxl in read-only mode; CSV in
   UTF-8, UTF-16 or Windows-1252, separated by « ; », « , » or tabs). Headers are matched without case or
   accents, so « Reference participant » and « RÉFÉRENCE PARTICIPANT » are the same column;
2. validate: every row is checked against lookup tables loaded once for the whole file (companies by
   SIRET, participants by reference and by identity, placements, existing hours), so a 50,000-row
   statement runs a bounded number of queries (on PostgreSQL one per table, the values sent as an array).
   Each problem becomes « Ligne 12 : … » naming the column;
3. apply: only when no row is wrong, in one transaction, with bulk operations (on PostgreSQL, one UPDATE for
   all the changed months). Rows identical to what is stored are counted as unchanged and not rewritten, so
   importing the same file twice changes nothing.

The facilitator sees the report of step 2 (preview) before confirming; confirmation reads, validates and
applies the stored file again, inside the transaction that writes.

The package splits along those steps: ``lecture`` reads files and cells, ``rapport`` holds the outcome of a
validation, ``releve`` and ``participants`` validate and apply each import. This module is the entry point
the views and forms use: ``analyser`` (preview), ``importer`` (confirmation) and ``fichier_modele``.
"""

import csv
import datetime as dt
import io

from django.db import IntegrityError, OperationalError, connection, transaction
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from clauses import minimisation
from clauses.importation.lecture import (
    EXTENSIONS,
    LIGNES_MAX,
    TAILLE_MAX,
    TAILLE_MAX_TEXTE,
    Colonne,
    FichierInvalide,
    Tableau,
    extension,
    lire_tableau,
    texte_cellule,
    verifier_nom,
    verifier_taille,
)
from clauses.importation.participants import COLONNES_PARTICIPANTS, appliquer_participants, valider_participants
from clauses.importation.rapport import PARTICIPANTS, RELEVE, Rapport
from clauses.importation.releve import COLONNES_RELEVE, appliquer_releve, valider_releve

__all__ = [
    "COLONNES",
    "COLONNES_PARTICIPANTS",
    "COLONNES_RELEVE",
    "CONTENT_TYPES",
    "EXTENSIONS",
    "LIGNES_MAX",
    "PARTICIPANTS",
    "RELEVE",
    "TAILLE_MAX",
    "TAILLE_MAX_TEXTE",
    "FichierInvalide",
    "Rapport",
    "analyser",
    "extension",
    "fichier_modele",
    "importer",
    "verifier_nom",
    "verifier_taille",
]

# --- Entry points ------------------------------------------------------------------------------------

_VALIDATEURS = {RELEVE: (COLONNES_RELEVE, valider_releve), PARTICIPANTS: (COLONNES_PARTICIPANTS, valider_participants)}
_APPLICATEURS = {RELEVE: appliquer_releve, PARTICIPANTS: appliquer_participants}


def analyser(type_import: str, fichier, nom: str, taille: int, aujourd_hui: dt.date | None = None) -> Rapport:
    """Preview: reads and checks the file, writes nothing."""
    colonnes, valider = _VALIDATEURS[type_import]
    tableau = None
    try:
        tableau = lire_tableau(fichier, nom, taille, colonnes)
        rapport = valider(tableau, aujourd_hui)
        refuser_les_numeros_de_securite_sociale(tableau, colonnes, rapport)
    except FichierInvalide as erreur:
        rapport = Rapport(type=type_import, erreur_fichier=str(erreur))
    if tableau is not None:
        rapport.feuille, rapport.feuille_masquee = tableau.feuille, tableau.feuille_masquee
        rapport.ligne_entete = tableau.ligne_entete
    return rapport


def refuser_les_numeros_de_securite_sociale(tableau: Tableau, colonnes: list[Colonne], rapport: Rapport) -> None:
    """An error for every cell of a column read that holds a social security number (clauses.minimisation): the
    row is refused whatever its column, and the message never repeats the number."""
    titres = {colonne.cle: colonne.titre for colonne in colonnes}
    index = sorted((i, titres.get(cle, cle)) for cle, i in tableau.colonnes.items())
    trouve = False
    for numero, ligne in tableau.lignes:
        for i, titre in index:
            if i < len(ligne) and minimisation.contient_un_nir(texte_cellule(ligne[i])):
                rapport.erreur(numero, f"colonne « {titre} » : {minimisation.MESSAGE_NIR}")
                trouve = True
    if trouve:
        # Another check of the row may have quoted the cell (« Genre « … » non reconnu »): the report, kept for its
        # download, must not hold the number either.
        rapport.erreurs = [minimisation.masquer_les_nir(erreur) for erreur in rapport.erreurs]
        rapport.trier_erreurs()


# The key of the PostgreSQL advisory lock that makes imports wait for one another.
VERROU_IMPORTS = 7_246_001


def importer(type_import: str, fichier, nom: str, taille: int, user, aujourd_hui: dt.date | None = None) -> Rapport:
    """Confirmation: checks the file again and, only if every row is good, writes it all in one transaction.

    Imports run one at a time (a transaction-level advisory lock): the second checks its file once
    the first has committed, and two imports of the same people cannot deadlock on the running totals the
    database keeps (reporting's triggers lock the totals and the people they touch).
    """
    erreur = "Les données ont été modifiées pendant l'import : rien n'a été enregistré, recommencez."
    try:
        with transaction.atomic():
            with connection.cursor() as curseur:
                curseur.execute("SELECT pg_advisory_xact_lock(%s)", [VERROU_IMPORTS])
            rapport = analyser(type_import, fichier, nom, taille, aujourd_hui)
            if rapport.valide:
                _APPLICATEURS[type_import](rapport, user)
    except IntegrityError:
        # Someone saved the same rows between our checks and our writes.
        return Rapport(type=type_import, erreur_fichier=erreur)
    except OperationalError as exception:
        # A deadlock with another write (the hours grid, say): PostgreSQL cancelled this transaction.
        if getattr(exception.__cause__, "pgcode", None) != "40P01":
            raise
        return Rapport(type=type_import, erreur_fichier=erreur)
    return rapport


# --- Template files ----------------------------------------------------------------------------------

COLONNES = {RELEVE: COLONNES_RELEVE, PARTICIPANTS: COLONNES_PARTICIPANTS}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def fichier_modele(type_import: str, format_fichier: str) -> bytes:
    """An empty file with the expected columns and one example row, to fill in and import."""
    colonnes = COLONNES[type_import]
    exemple = [c.exemple for c in colonnes]
    if format_fichier == "csv":
        texte = io.StringIO(newline="")
        ecrivain = csv.writer(texte, delimiter=";", lineterminator="\r\n")
        ecrivain.writerow([c.titre for c in colonnes])
        ecrivain.writerow(exemple)
        # With a BOM, Excel opens the accents right.
        return texte.getvalue().encode("utf-8-sig")
    classeur = Workbook(write_only=True)
    feuille = classeur.create_sheet("Relevé d'heures" if type_import == RELEVE else "Participants")
    entetes = []
    for colonne in colonnes:
        cellule = WriteOnlyCell(feuille, value=colonne.titre)
        cellule.font = Font(bold=True)
        entetes.append(cellule)
    feuille.append(entetes)
    feuille.append(exemple)
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()
