"""Monthly statements: one row per participant, attributaire and month, giving the hours worked.

Each row is checked on its own (SIRET, reference or identity, month, hours), then resolved against lookup
tables loaded once for the whole file: the company by SIRET, the participant by reference or identity, the
placement running that month, the hours already stored. Confirmation writes new and changed months only.
"""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache, reduce
from operator import or_

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from clauses.heures import dernier_jour, formater_heures, premier_du_mois
from clauses.importation.lecture import (
    Colonne,
    FichierInvalide,
    Tableau,
    exiger_colonnes,
    lire_date,
    lire_mois,
    lire_nombre_heures,
    normaliser,
    texte_cellule,
)
from clauses.importation.rapport import AJOUT, INCHANGE, MODIFICATION, RELEVE, Changement, Rapport, lignes_parmi
from clauses.importation.suggestions import suggerer
from clauses.models import (
    HEURES_MAX_PAR_MOIS,
    HeuresMensuelles,
    ModalitePlacement,
    Participant,
    Placement,
    SourceHeures,
)
from config.requetes import parmi
from entreprises.models import Entreprise
from entreprises.validators import normaliser_siret, siret_valide

COLONNES_RELEVE = [
    Colonne(
        "siret",
        "SIRET",
        (
            "SIRET attributaire",
            "SIRET de l'attributaire",
            "SIRET entreprise",
            "SIRET de l'entreprise",
            "SIRET titulaire",
            "SIRET du titulaire",
            "SIRET employeur",
            "SIRET de l'employeur",
            "N° SIRET",
            "Nº SIRET",
            "No SIRET",
            "N° de SIRET",
            "Numéro SIRET",
            "Numéro de SIRET",
        ),
        "73282932000074",
        "Obligatoire. SIRET de l'entreprise attributaire, 14 chiffres (espaces acceptés).",
    ),
    Colonne(
        "reference",
        "Référence participant",
        (
            "Référence",
            "Référence du participant",
            "Réf participant",
            "Réf. participant",
            "Réf",
            "N° participant",
            "Numéro participant",
            "Identifiant participant",
        ),
        "P-000012",
        "Référence du participant (P-000012). À défaut : Nom, Prénom et Date de naissance.",
    ),
    Colonne(
        "nom",
        "Nom",
        ("Nom du participant", "Nom de naissance", "Nom de famille", "Nom du salarié", "Nom salarié"),
        "",
        "Si la référence n'est pas connue.",
    ),
    Colonne(
        "prenom",
        "Prénom",
        ("Prénom du participant", "Prénom(s)", "Prénoms", "Prénom du salarié", "Prénom salarié"),
        "",
        "Si la référence n'est pas connue.",
    ),
    Colonne(
        "date_naissance",
        "Date de naissance",
        ("Né le", "Née le", "Né(e) le", "Naissance", "Date naissance"),
        "",
        "Si la référence n'est pas connue. JJ/MM/AAAA.",
    ),
    Colonne(
        "mois",
        "Mois",
        (
            "Période",
            "Mois concerné",
            "Mois travaillé",
            "Mois de réalisation",
            "Mois d'activité",
            "Période de réalisation",
            "Période concernée",
        ),
        "03/2026",
        "Obligatoire. MM/AAAA, « mars 2026 », « mars-26 », ou une date (le mois est retenu). Pas de mois à venir.",
    ),
    Colonne(
        "heures",
        "Heures",
        (
            "Nombre d'heures",
            "Heures réalisées",
            "Heures d'insertion",
            "Nb heures",
            "Nb d'heures",
            "Nombre heures",
            "Heures effectuées",
            "Heures travaillées",
            "Nombre d'heures effectuées",
            "Nombre d'heures réalisées",
            "Nombre d'heures travaillées",
            "Total heures",
            "Total des heures",
            "Heures du mois",
        ),
        "35,5",
        "Obligatoire. Heures du mois, de 0 à 220 ; virgule ou point décimal, ou une durée (35h30, 35:30). "
        "Plusieurs lignes d'une personne pour un même mois (relevés à la semaine) sont additionnées.",
    ),
    Colonne(
        "modalite",
        "Modalité",
        ("Modalité du placement",),
        "Embauche directe par l'attributaire",
        "Facultative, pour information ; départage deux placements du même mois.",
    ),
]
# Rows per INSERT: on PostgreSQL Django sends each column as one array, so a batch costs no more parameters.
LOT_ECRITURE = 5000

DESCRIPTION_RELEVE = (
    "SIRET ; Référence participant (ou Nom, Prénom et Date de naissance) ; Mois ; Heures ; Modalité (facultative)"
)


@dataclass
class _LigneReleve:
    numero: int
    siret: str
    reference: str
    identite: tuple[str, str, dt.date] | None
    libelle_personne: str
    mois: dt.date
    heures: Decimal
    modalite: str


REFERENCE = re.compile(r"^P-?0*(\d{1,9})$")
_MODALITES = {normaliser(v): v for v in ModalitePlacement.values} | {
    normaliser(label): value for value, label in ModalitePlacement.choices
}


def _mois_texte(mois: dt.date) -> str:
    return f"{mois:%m/%Y}"


def _lire_siret(valeur: object) -> str:
    if isinstance(valeur, (int, float)) and not isinstance(valeur, bool):
        # A SIRET typed in a number cell loses its leading zeros.
        return f"{int(valeur):014d}"
    return normaliser_siret(texte_cellule(valeur))


# A SIRET column Excel took for numbers, then wrote as text (a CSV export, a copy and paste): « 40641302100022.0 »,
# « 4,06413E+13 ». The first is exact; the second has lost its last digits, and only the company can give them back.
_SIRET_DECIMALES = re.compile(r"^(\d{1,14})[.,]0+$")
_SIRET_SCIENTIFIQUE = re.compile(r"^(\d)(?:[.,](\d*))?e\+?(\d{1,2})$", re.IGNORECASE)
CONSEIL_SIRET_EXCEL = (
    "Excel a converti la colonne SIRET en nombres : dans le fichier d'origine, mettez cette colonne au format "
    "Texte (clic droit, Format de cellule, Texte), saisissez de nouveau les SIRET, puis enregistrez le fichier"
)


def _siret_converti_par_excel(valeur: object) -> tuple[str, str]:
    """(SIRET, "") when the cell is a SIRET Excel wrote as a number without losing digits, ("", message) when it
    lost some, ("", "") when the cell does not look like one of Excel's numbers."""
    if isinstance(valeur, float) and not valeur.is_integer():
        return "", f"SIRET « {texte_cellule(valeur)} » invalide : il doit compter 14 chiffres ; {CONSEIL_SIRET_EXCEL}."
    texte = re.sub(r"[\s\u00a0\u202f]", "", texte_cellule(valeur))
    if correspondance := _SIRET_DECIMALES.match(texte):
        return correspondance[1].zfill(14), ""
    if correspondance := _SIRET_SCIENTIFIQUE.match(texte):
        chiffres = correspondance[1] + (correspondance[2] or "")
        exposant = int(correspondance[3])
        if exposant <= 13 and len(chiffres) == exposant + 1:
            # Every digit is there (« 4,0641302100022E+13 »): the number is the SIRET. With fewer, the last one
            # may have been rounded away or may be a zero Excel left out: no way to tell.
            return chiffres.zfill(14), ""
        perdus = f"SIRET « {texte_cellule(valeur)} » illisible : ses derniers chiffres ont été perdus."
        return "", f"{perdus} {CONSEIL_SIRET_EXCEL}."
    return "", ""


# Checks of one cell, cached by value: a statement repeats the same SIRETs, months and hours thousands of
# times. ``typed`` keeps True apart from 1.


@lru_cache(maxsize=65536, typed=True)
def controle_siret(valeur: object) -> tuple[str, str]:
    siret, erreur = _siret_converti_par_excel(valeur)
    if erreur:
        return "", erreur
    siret = siret or _lire_siret(valeur)
    if not siret:
        return "", "SIRET manquant."
    if len(siret) != 14 or not siret.isdigit():
        conseil = f" ; {CONSEIL_SIRET_EXCEL}" if len(siret) == 13 and siret.isdigit() else ""
        return "", f"SIRET « {texte_cellule(valeur)} » invalide : il doit compter 14 chiffres{conseil}."
    if not siret_valide(siret):
        return "", f"SIRET {siret} invalide : sa clé de contrôle ne correspond pas."
    return siret, ""


@lru_cache(maxsize=65536, typed=True)
def _controle_reference(valeur: object) -> tuple[str, str]:
    texte = texte_cellule(valeur)
    correspondance = REFERENCE.match(texte.upper().replace(" ", ""))
    if correspondance:
        return f"P-{int(correspondance[1]):06d}", ""
    return "", f"Référence participant « {texte} » invalide : elle s'écrit comme P-000012."


@lru_cache(maxsize=65536, typed=True)
def _controle_mois(valeur: object, mois_courant: dt.date) -> tuple[dt.date | None, str]:
    mois = lire_mois(valeur)
    if not texte_cellule(valeur):
        return None, "Mois manquant (MM/AAAA attendu)."
    if mois is None:
        return None, f"Mois « {texte_cellule(valeur)} » invalide : MM/AAAA attendu, par exemple 03/2026."
    if mois > mois_courant:
        return None, f"Mois {_mois_texte(mois)} dans le futur : ses heures ne sont pas encore faites."
    return mois, ""


@lru_cache(maxsize=65536, typed=True)
def _controle_heures(valeur: object) -> tuple[Decimal | None, str]:
    heures = lire_nombre_heures(valeur)
    if not texte_cellule(valeur):
        return None, "Heures manquantes."
    if heures is None and isinstance(valeur, dt.date):
        return None, f"Heures « {valeur:%d/%m/%Y} » : c'est une date, pas un nombre d'heures."
    if heures is None:
        return None, f"Heures « {texte_cellule(valeur)} » : ce n'est ni un nombre ni une durée (35,5 ou 35h30)."
    if heures < 0:
        return None, f"{formater_heures(heures)} heures : le nombre d'heures ne peut pas être négatif."
    if heures > HEURES_MAX_PAR_MOIS:
        return None, (
            f"{formater_heures(heures)} heures en un mois dépasse le maximum de "
            f"{formater_heures(HEURES_MAX_PAR_MOIS)}."
        )
    return heures.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), ""


@lru_cache(maxsize=1024, typed=True)
def _controle_modalite(valeur: object) -> str:
    return _MODALITES.get(normaliser(texte_cellule(valeur)), "")


def _lignes_releve(tableau: Tableau, rapport: Rapport, aujourd_hui: dt.date) -> list[_LigneReleve]:
    """Checks each row on its own (formats, bounds); the lookups come after, for the whole file."""
    valides = []
    mois_courant = premier_du_mois(aujourd_hui)
    colonne = tableau.colonnes.get
    # The caller checked that these three are there (exiger_colonnes).
    i_siret, i_mois, i_heures = tableau.colonnes["siret"], tableau.colonnes["mois"], tableau.colonnes["heures"]
    i_reference = colonne("reference")
    i_nom, i_prenom, i_naissance, i_modalite = (
        colonne("nom"),
        colonne("prenom"),
        colonne("date_naissance"),
        colonne("modalite"),
    )
    for numero, ligne in tableau.lignes:
        erreurs = []
        siret, erreur = controle_siret(ligne[i_siret])
        erreurs.append(erreur)

        reference, identite, libelle = "", None, ""
        if i_reference is not None and texte_cellule(ligne[i_reference]):
            reference, erreur = _controle_reference(ligne[i_reference])
            erreurs.append(erreur)
            libelle = reference
        else:
            nom = texte_cellule(ligne[i_nom]) if i_nom is not None else ""
            prenom = texte_cellule(ligne[i_prenom]) if i_prenom is not None else ""
            brut_naissance = ligne[i_naissance] if i_naissance is not None else None
            naissance = lire_date(brut_naissance)
            if not (nom and prenom and texte_cellule(brut_naissance)):
                erreurs.append(
                    "participant non identifié : renseignez la Référence participant, ou le Nom, le Prénom et la "
                    "Date de naissance."
                )
            elif naissance is None:
                erreurs.append(f"Date de naissance « {texte_cellule(brut_naissance)} » invalide : JJ/MM/AAAA attendu.")
            else:
                identite = (normaliser(nom), normaliser(prenom), naissance)
                libelle = f"{prenom} {nom} (né(e) le {naissance:%d/%m/%Y})"

        mois, erreur = _controle_mois(ligne[i_mois], mois_courant)
        erreurs.append(erreur)
        heures, erreur = _controle_heures(ligne[i_heures])
        erreurs.append(erreur)

        erreurs = [e for e in erreurs if e]
        for erreur in erreurs:
            rapport.erreur(numero, erreur)
        if not erreurs and mois is not None and heures is not None:  # each came with its error otherwise
            valides.append(
                _LigneReleve(
                    numero=numero,
                    siret=siret,
                    reference=reference,
                    identite=identite,
                    libelle_personne=libelle,
                    mois=mois,
                    heures=heures,
                    modalite=_controle_modalite(ligne[i_modalite]) if i_modalite is not None else "",
                )
            )
    return valides


def _placement_du_mois(candidats: list[tuple], mois: dt.date, modalite: str) -> list[tuple]:
    fin_mois = dernier_jour(mois)
    en_cours = [p for p in candidats if p[1] <= fin_mois and (p[2] is None or p[2] >= mois)]
    if len(en_cours) > 1 and modalite:
        avec_modalite = [p for p in en_cours if p[3] == modalite]
        en_cours = avec_modalite or en_cours
    return en_cours


def _heures_existantes(cles: list[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], tuple[int, Decimal]]:
    """(id, hours) stored for these (placement, month) pairs, in one query."""
    placements_par_mois: dict[dt.date, set[int]] = defaultdict(set)
    for placement, mois in cles:
        placements_par_mois[mois].add(placement)
    if not placements_par_mois:
        return {}
    heures = HeuresMensuelles.objects.order_by()
    colonnes = ("placement_id", "mois", "id", "heures")
    # Exactly these pairs: one condition per month the file names, each served by an index.
    par_mois = (Q(mois=mois) & parmi("placement_id", ids) for mois, ids in placements_par_mois.items())
    requete = heures.filter(reduce(or_, par_mois)).values_list(*colonnes)
    return {(placement, mois): (pk, h) for placement, mois, pk, h in requete}


def valider_releve(tableau: Tableau, aujourd_hui: dt.date | None = None) -> Rapport:
    """Checks every row of a monthly statement and counts what confirmation would add or update."""
    rapport = Rapport(type=RELEVE, lignes=len(tableau.lignes))
    exiger_colonnes(tableau, ["siret", "mois", "heures"], COLONNES_RELEVE, DESCRIPTION_RELEVE)
    if "reference" not in tableau.colonnes and not {"nom", "prenom", "date_naissance"} <= tableau.colonnes.keys():
        raise FichierInvalide(
            "Colonnes manquantes : Référence participant, ou bien Nom, Prénom et Date de naissance. "
            f"Colonnes attendues : {DESCRIPTION_RELEVE}."
        )
    if not tableau.lignes:
        raise FichierInvalide("Le fichier ne contient aucune ligne d'heures sous les en-têtes.")
    lignes = _lignes_releve(tableau, rapport, aujourd_hui or timezone.localdate())

    # Lookup tables, loaded once for the whole file.
    entreprises = {
        siret: (pk, raison_sociale)
        for siret, pk, raison_sociale in lignes_parmi(
            Entreprise.objects.all(), "siret", {ligne.siret for ligne in lignes}, "siret", "id", "raison_sociale"
        )
    }
    # Participant id → how the preview names them; facilitators alone reach the imports, and see every participant.
    noms: dict[int, str] = {}
    par_reference: dict[str, int] = {}
    for reference, pk, nom, prenom in lignes_parmi(
        Participant.objects.all(),
        "reference",
        {ligne.reference for ligne in lignes if ligne.reference},
        "reference",
        "id",
        "nom",
        "prenom",
    ):
        par_reference[reference] = pk
        noms[pk] = f"{reference} {prenom} {nom}"
    par_identite: dict[tuple, list[int]] = defaultdict(list)
    for pk, reference, nom, prenom, naissance in lignes_parmi(
        Participant.objects.all(),
        "date_naissance",
        {ligne.identite[2] for ligne in lignes if ligne.identite},
        "id",
        "reference",
        "nom",
        "prenom",
        "date_naissance",
    ):
        par_identite[(normaliser(nom), normaliser(prenom), naissance)].append(pk)
        noms[pk] = f"{reference} {prenom} {nom}"

    resolues = []
    inconnues: list[tuple[_LigneReleve, int, str]] = []  # rows whose person is unknown, for the hints
    for ligne in lignes:
        entreprise = entreprises.get(ligne.siret)
        if entreprise is None:
            rapport.erreur(ligne.numero, f"SIRET {ligne.siret} inconnu : aucune entreprise n'a ce SIRET.")
        if ligne.reference:
            participant = par_reference.get(ligne.reference)
            if participant is None:
                message = f"Référence participant {ligne.reference} inconnue."
                if entreprise is not None:
                    inconnues.append((ligne, entreprise[0], message))
                else:
                    rapport.erreur(ligne.numero, message)
        else:
            trouves = par_identite.get(ligne.identite, []) if ligne.identite else []
            participant = trouves[0] if len(trouves) == 1 else None
            if not trouves:
                message = f"participant {ligne.libelle_personne} inconnu (Nom, Prénom, Date de naissance)."
                if entreprise is not None:
                    inconnues.append((ligne, entreprise[0], message))
                else:
                    rapport.erreur(ligne.numero, message)
            elif len(trouves) > 1:
                rapport.erreur(
                    ligne.numero,
                    f"plusieurs participants s'appellent {ligne.libelle_personne} : "
                    "indiquez la Référence participant.",
                )
        if entreprise is not None and participant is not None:
            resolues.append((ligne, entreprise, participant))
    if inconnues:
        suggerer(inconnues, rapport)

    # Every placement of these participants: those at companies the file does not name are never looked up,
    # and filtering them out in SQL would send the companies' ids with each query.
    placements: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for pk, participant, entreprise, debut, fin, modalite in lignes_parmi(
        Placement.objects.all(),
        "participant_id",
        {participant for _, _, participant in resolues},
        "id",
        "participant_id",
        "attribution__entreprise_id",
        "date_debut",
        "date_fin",
        "modalite",
    ):
        placements[(participant, entreprise)].append((pk, debut, fin, modalite))

    # (placement, month) → the rows that give its hours: several rows (weekly statements) are added up.
    retenues: dict[tuple[int, dt.date], _Mois] = {}
    for ligne, (id_entreprise, raison_sociale), participant in resolues:
        du_participant = placements.get((participant, id_entreprise), [])
        candidats = _placement_du_mois(du_participant, ligne.mois, ligne.modalite)
        if not candidats:
            rapport.erreur(
                ligne.numero,
                f"aucun placement de {ligne.libelle_personne} chez {raison_sociale} (SIRET {ligne.siret}) "
                f"en cours en {_mois_texte(ligne.mois)} (Mois){_dates_placements(du_participant)}.",
            )
            continue
        if len(candidats) > 1:
            rapport.erreur(
                ligne.numero,
                f"{ligne.libelle_personne} a plusieurs placements chez {raison_sociale} en "
                f"{_mois_texte(ligne.mois)} : précisez la Modalité ou saisissez ces heures dans la grille.",
            )
            continue
        cle = (candidats[0][0], ligne.mois)
        if cle not in retenues:
            retenues[cle] = _Mois(f"{noms[participant]}, {raison_sociale}, {_mois_texte(ligne.mois)}")
        retenues[cle].lignes.append(ligne.numero)
        retenues[cle].heures.append(ligne.heures)

    for mois in retenues.values():
        if len(mois.lignes) == 1:
            continue
        lignes_texte = _enumeration([str(n) for n in mois.lignes])
        detail = " + ".join(formater_heures(h) for h in mois.heures)
        if mois.total > HEURES_MAX_PAR_MOIS:
            rapport.erreur(
                mois.lignes[-1],
                f"les lignes {lignes_texte} ({mois.objet}) additionnées font {detail} = "
                f"{formater_heures(mois.total)} heures, plus que le maximum de "
                f"{formater_heures(HEURES_MAX_PAR_MOIS)} en un mois.",
            )
        else:
            rapport.remarques.append(
                f"Lignes {lignes_texte} additionnées ({mois.objet}) : {detail} = {formater_heures(mois.total)} heures."
            )

    existantes = _heures_existantes(list(retenues))

    rapport.trier_erreurs()
    for cle, mois in retenues.items():
        if mois.total > HEURES_MAX_PAR_MOIS:
            continue
        existante = existantes.get(cle)
        apres = f"{formater_heures(mois.total)} h"
        if existante is None:
            rapport.ajoutees += 1
            rapport.creations.append((cle, mois.total))
            rapport.changements.append(Changement(tuple(mois.lignes), AJOUT, mois.objet, "", apres))
        elif existante[1] == mois.total:
            rapport.inchangees += 1
            rapport.changements.append(Changement(tuple(mois.lignes), INCHANGE, mois.objet, apres, apres))
        else:
            rapport.mises_a_jour += 1
            rapport.modifications.append((existante[0], mois.total))
            rapport.changements.append(
                Changement(tuple(mois.lignes), MODIFICATION, mois.objet, f"{formater_heures(existante[1])} h", apres)
            )
    return rapport


@dataclass
class _Mois:
    """The hours a file gives for one placement and month, and the rows they come from."""

    objet: str
    lignes: list[int] = field(default_factory=list)
    heures: list[Decimal] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(self.heures, Decimal(0))


def _enumeration(mots: list[str]) -> str:
    return mots[0] if len(mots) == 1 else f"{', '.join(mots[:-1])} et {mots[-1]}"


def _dates_placements(placements: list[tuple]) -> str:
    """« : son placement va du 05/01/2026 au 30/04/2026 », so the facilitator sees which month would fit."""
    if not placements:
        return " : aucun placement de cette personne chez cette entreprise"
    periodes = [
        f"du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}" if fin else f"depuis le {debut:%d/%m/%Y}"
        for _, debut, fin, _ in sorted(placements, key=lambda p: p[1])
    ]
    if len(periodes) == 1:
        return f" : son placement court {periodes[0]}"
    return f" : ses placements courent {_enumeration(periodes)}"


def appliquer_releve(rapport: Rapport, user) -> None:
    """Writes what a valid report holds; ``importer`` calls it inside the transaction that validated."""
    maintenant = timezone.now()
    # By id: assigning the user object costs a database routing per row.
    saisi_par = user.pk if user is not None else None
    HeuresMensuelles.objects.bulk_create(
        [
            HeuresMensuelles(
                placement_id=placement, mois=mois, heures=heures, source=SourceHeures.IMPORT, saisi_par_id=saisi_par
            )
            for (placement, mois), heures in rapport.creations
        ],
        batch_size=LOT_ECRITURE,
    )
    if not rapport.modifications:
        return
    mettre_a_jour_heures(rapport.modifications, saisi_par, maintenant)


def mettre_a_jour_heures(
    modifications: list[tuple[int, Decimal]], saisi_par: int | None, maintenant: dt.datetime
) -> None:
    """The updated hours in one statement joined to the new hours; ``bulk_update`` would build a CASE of one
    branch per row for each column, which costs seconds of Python for a few thousand rows."""
    meta = HeuresMensuelles._meta
    nom = connection.ops.quote_name
    colonne = {
        champ.name: nom(champ.column)
        for champ in meta.concrete_fields
        if champ.name in ("heures", "source", "saisi_par", "modifie_le")
    }
    with connection.cursor() as curseur:
        curseur.execute(
            f"UPDATE {nom(meta.db_table)} AS h SET {colonne['heures']} = v.heures, {colonne['source']} = %s, "
            f"{colonne['saisi_par']} = %s, {colonne['modifie_le']} = %s "
            f"FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, heures) WHERE h.{nom(meta.pk.column)} = v.id",
            [
                SourceHeures.IMPORT.value,
                saisi_par,
                maintenant,
                [pk for pk, _ in modifications],
                [heures for _, heures in modifications],
            ],
        )
