"""The national survey of a year as the network receives it: a workbook in the survey's layout and a one-page summary.

Both read ``reporting.enquete_nationale.contenu`` — the indicators' figures, unchanged — and nothing else.

- The workbook (openpyxl): a first sheet « Structure » (the structure porteuse and the year), then a sheet per block of
  the survey (A. activité et acteurs, B. heures, C. publics, D. contrats, E. sorties), then « Définitions » (each
  field's code, label and definition, as ``docs/enquete-nationale.md`` has them). As the project's other workbooks
  (``config.export``): a bold header row, numbers as numbers (hours with their decimals), dates as ``yyyy-mm-dd``.
- The summary (WeasyPrint, ``templates/reporting/pdf/enquete_nationale.html``): the key figures and the short tables
  on one A4 page; the tables whose length depends on the territory (trades, legal modalities) stay in the workbook.

Facilitators only: the rows are never addressed to a donneur d'ordre (``Rapport.donneur_d_ordre`` empty).
"""

import datetime as dt
import io

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from reporting import enquete_nationale
from reporting.documents.rendu import Document, nom_de_fichier, rendre_pdf
from reporting.enquete_nationale import Enquete, Tableau
from reporting.models import Rapport

GABARIT = "reporting/pdf/enquete_nationale.html"
FORMAT_DATE = "yyyy-mm-dd"  # as config.export writes dates
GRAS = Font(bold=True)
TITRE = Font(bold=True, size=13)
NOTE = Font(italic=True, color="555555")
RETRAIT = Alignment(indent=2)
LARGEURS = {"A": 62, "B": 16, "C": 16, "D": 18}


def annee_du_rapport(rapport: Rapport) -> int:
    """The survey's year; a period that is not one calendar year is refused in French (on the row, for the
    facilitator who asked)."""
    debut, fin = rapport.periode_debut, rapport.periode_fin
    if (debut.month, debut.day, fin.month, fin.day) != (1, 1, 12, 31) or debut.year != fin.year:
        raise ValueError("l'enquête nationale porte sur une année civile, du 1er janvier au 31 décembre")
    return debut.year


# --- The workbook ------------------------------------------------------------------------------------------------


def _largeurs(feuille: Worksheet) -> None:
    for colonne, largeur in LARGEURS.items():
        feuille.column_dimensions[colonne].width = largeur


def _structure(feuille: Worksheet, enquete: Enquete, produit_le: dt.date) -> None:
    structure = enquete.structure
    feuille.append([f"Enquête nationale des clauses sociales d'insertion — {enquete.annee}"])
    feuille["A1"].font = TITRE
    feuille.append([])
    feuille.append(["Rubrique", "Valeur"])
    for cellule in feuille[3]:
        cellule.font = GRAS
    adresse = " ".join(p for p in (structure.code_postal, structure.commune) if p)
    lignes: list[tuple[str, object]] = [
        ("Structure porteuse", structure.nom),
        ("Sigle", structure.sigle),
        ("Service", structure.service),
        ("SIRET", structure.siret),
        ("Adresse", ", ".join(p for p in (structure.adresse, adresse) if p)),
        ("E-mail", structure.email),
        ("Téléphone", structure.telephone),
        ("Année de l'enquête", enquete.annee),
        ("Début de la période", enquete.periode.debut),
        ("Fin de la période", enquete.periode.fin),
        ("Données arrêtées au", enquete.arrete_au),
        ("Produit le", produit_le),
        ("Produit par", "Clauses, à partir de ses indicateurs (module reporting.indicateurs)"),
    ]
    for rubrique, valeur in lignes:
        feuille.append([rubrique, valeur])
        if isinstance(valeur, dt.date):
            feuille.cell(feuille.max_row, 2).number_format = FORMAT_DATE
    if enquete.en_cours:
        feuille.append([])
        feuille.append([f"Année en cours : les chiffres s'arrêtent au {enquete.arrete_au:%d/%m/%Y}."])
        feuille.cell(feuille.max_row, 1).font = NOTE
    _largeurs(feuille)
    feuille.column_dimensions["B"].width = 60


def _tableau(feuille: Worksheet, tableau: Tableau, avec_codes: bool) -> None:
    feuille.append([f"{tableau.code} — {tableau.titre}" if tableau.code != "A" else tableau.titre])
    feuille.cell(feuille.max_row, 1).font = GRAS
    entete = ["Code", tableau.colonne, tableau.unite, "Unité"] if avec_codes else [tableau.colonne, tableau.unite]
    feuille.append(entete)
    for cellule in feuille[feuille.max_row]:
        cellule.font = GRAS
    for ligne in tableau.lignes:
        feuille.append(
            [ligne.code, ligne.libelle, ligne.valeur, ligne.unite] if avec_codes else [ligne.libelle, ligne.valeur]
        )
        if ligne.niveau:
            feuille.cell(feuille.max_row, 1).alignment = RETRAIT
        elif tableau.code.startswith("E"):
            # A category of outcome, above its situations.
            for cellule in feuille[feuille.max_row]:
                cellule.font = GRAS
    if tableau.total is not None:
        feuille.append(["Total", tableau.total])
        for cellule in feuille[feuille.max_row]:
            cellule.font = GRAS
    if tableau.note:
        feuille.append([tableau.note])
        feuille.cell(feuille.max_row, 1).font = NOTE
    feuille.append([])


def tableur(enquete: Enquete, produit_le: dt.date | None = None) -> bytes:
    """The survey's workbook (a few dozen rows: written in memory)."""
    classeur = Workbook()
    feuille = classeur.active
    assert isinstance(feuille, Worksheet)  # a new workbook's one sheet
    feuille.title = "Structure"
    _structure(feuille, enquete, produit_le or timezone.localdate())
    for bloc in enquete.blocs:
        feuille = classeur.create_sheet(bloc.feuille)
        feuille.append([f"{bloc.lettre}. {bloc.titre} — {enquete.annee}"])
        feuille["A1"].font = TITRE
        feuille.append([])
        for tableau in bloc.tableaux:
            _tableau(feuille, tableau, avec_codes=bloc.lettre == "A")
        _largeurs(feuille)
        if bloc.lettre == "A":
            feuille.column_dimensions["A"].width = 8
            feuille.column_dimensions["B"].width = 58
    feuille = classeur.create_sheet("Définitions")
    feuille.append(["Code", "Champ", "Définition"])
    for cellule in feuille[1]:
        cellule.font = GRAS
    for code, (libelle, definition) in enquete_nationale.DEFINITIONS.items():
        feuille.append([code, libelle, definition])
    feuille.column_dimensions["A"].width = 8
    feuille.column_dimensions["B"].width = 50
    feuille.column_dimensions["C"].width = 110
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


# --- The one-page summary ------------------------------------------------------------------------------------------


def synthese(enquete: Enquete) -> bytes:
    return rendre_pdf(
        GABARIT,
        {"enquete": enquete, "structure": enquete.structure, "heures_par_etp": settings.CLAUSES_HEURES_PAR_ETP},
    )


# --- The documents of a Rapport row ---------------------------------------------------------------------------------


def produire_tableur(rapport: Rapport) -> Document:
    annee = annee_du_rapport(rapport)
    contenu = tableur(enquete_nationale.contenu(annee))
    return Document(nom=nom_de_fichier("Enquete nationale", annee, extension="xlsx"), contenu=contenu)


def produire_synthese(rapport: Rapport) -> Document:
    annee = annee_du_rapport(rapport)
    contenu = synthese(enquete_nationale.contenu(annee))
    return Document(nom=nom_de_fichier("Enquete nationale", annee, "synthese"), contenu=contenu)
