"""Monthly statements: one row per participant, attributaire and month, giving the hours worked.

Each row is checked on its own (SIRET, reference or identity, month, hours), then resolved against lookup
tables loaded once for the whole file: the company by SIRET, the participant by reference or identity, the
placement running that month, the hours already stored. Confirmation writes new and changed months only.
"""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
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
    lire_nombre,
    normaliser,
    texte_cellule,
)
from clauses.importation.rapport import RELEVE, Rapport, lignes_parmi
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
        ("SIRET attributaire", "SIRET de l'attributaire", "SIRET entreprise"),
        "73282932000074",
        "Obligatoire. SIRET de l'entreprise attributaire, 14 chiffres (espaces acceptés).",
    ),
    Colonne(
        "reference",
        "Référence participant",
        ("Référence", "Référence du participant", "Réf participant", "Réf. participant"),
        "P-000012",
        "Référence du participant (P-000012). À défaut : Nom, Prénom et Date de naissance.",
    ),
    Colonne("nom", "Nom", ("Nom du participant", "Nom de naissance"), "", "Si la référence n'est pas connue."),
    Colonne("prenom", "Prénom", ("Prénom du participant",), "", "Si la référence n'est pas connue."),
    Colonne(
        "date_naissance",
        "Date de naissance",
        ("Né le", "Née le", "Naissance"),
        "",
        "Si la référence n'est pas connue. JJ/MM/AAAA.",
    ),
    Colonne(
        "mois",
        "Mois",
        ("Période", "Mois concerné", "Mois travaillé"),
        "03/2026",
        "Obligatoire. MM/AAAA, ou une date (le mois est retenu). Pas de mois à venir.",
    ),
    Colonne(
        "heures",
        "Heures",
        ("Nombre d'heures", "Heures réalisées", "Heures d'insertion", "Nb heures", "Nombre heures"),
        "35,5",
        "Obligatoire. Heures du mois, de 0 à 220 ; virgule ou point décimal.",
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


_REFERENCE = re.compile(r"^P-?0*(\d{1,9})$")
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


# Checks of one cell, cached by value: a statement repeats the same SIRETs, months and hours thousands of
# times. ``typed`` keeps True apart from 1.


@lru_cache(maxsize=65536, typed=True)
def _controle_siret(valeur: object) -> tuple[str, str]:
    siret = _lire_siret(valeur)
    if not siret:
        return "", "SIRET manquant."
    if len(siret) != 14 or not siret.isdigit():
        return "", f"SIRET « {texte_cellule(valeur)} » invalide : il doit compter 14 chiffres."
    if not siret_valide(siret):
        return "", f"SIRET {siret} invalide : sa clé de contrôle ne correspond pas."
    return siret, ""


@lru_cache(maxsize=65536, typed=True)
def _controle_reference(valeur: object) -> tuple[str, str]:
    texte = texte_cellule(valeur)
    correspondance = _REFERENCE.match(texte.upper().replace(" ", ""))
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
    heures = lire_nombre(valeur)
    if not texte_cellule(valeur):
        return None, "Heures manquantes."
    if heures is None:
        return None, f"Heures « {texte_cellule(valeur)} » : ce n'est pas un nombre."
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
        siret, erreur = _controle_siret(ligne[i_siret])
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
    par_reference = dict(
        lignes_parmi(
            Participant.objects.all(),
            "reference",
            {ligne.reference for ligne in lignes if ligne.reference},
            "reference",
            "id",
        )
    )
    par_identite: dict[tuple, list[int]] = defaultdict(list)
    for pk, nom, prenom, naissance in lignes_parmi(
        Participant.objects.all(),
        "date_naissance",
        {ligne.identite[2] for ligne in lignes if ligne.identite},
        "id",
        "nom",
        "prenom",
        "date_naissance",
    ):
        par_identite[(normaliser(nom), normaliser(prenom), naissance)].append(pk)

    resolues = []
    for ligne in lignes:
        entreprise = entreprises.get(ligne.siret)
        if entreprise is None:
            rapport.erreur(ligne.numero, f"SIRET {ligne.siret} inconnu : aucune entreprise n'a ce SIRET.")
        if ligne.reference:
            participant = par_reference.get(ligne.reference)
            if participant is None:
                rapport.erreur(ligne.numero, f"Référence participant {ligne.reference} inconnue.")
        else:
            trouves = par_identite.get(ligne.identite, []) if ligne.identite else []
            participant = trouves[0] if len(trouves) == 1 else None
            if not trouves:
                rapport.erreur(
                    ligne.numero, f"participant {ligne.libelle_personne} inconnu (Nom, Prénom, Date de naissance)."
                )
            elif len(trouves) > 1:
                rapport.erreur(
                    ligne.numero,
                    f"plusieurs participants s'appellent {ligne.libelle_personne} : "
                    "indiquez la Référence participant.",
                )
        if entreprise is not None and participant is not None:
            resolues.append((ligne, entreprise, participant))

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

    vues: dict[tuple[int, dt.date], int] = {}
    retenues = []
    for ligne, (id_entreprise, raison_sociale), participant in resolues:
        candidats = _placement_du_mois(placements.get((participant, id_entreprise), []), ligne.mois, ligne.modalite)
        if not candidats:
            rapport.erreur(
                ligne.numero,
                f"aucun placement de {ligne.libelle_personne} chez {raison_sociale} (SIRET {ligne.siret}) "
                f"en cours en {_mois_texte(ligne.mois)} (Mois).",
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
        if cle in vues:
            rapport.erreur(
                ligne.numero,
                f"même placement et même mois que la ligne {vues[cle]} ({ligne.libelle_personne}, "
                f"{_mois_texte(ligne.mois)}) : gardez une seule de ces deux lignes.",
            )
            continue
        vues[cle] = ligne.numero
        retenues.append((cle, ligne.heures))

    existantes = _heures_existantes([cle for cle, _ in retenues])

    rapport.trier_erreurs()
    for cle, heures in retenues:
        existante = existantes.get(cle)
        if existante is None:
            rapport.ajoutees += 1
            rapport.creations.append((cle, heures))
        elif existante[1] == heures:
            rapport.inchangees += 1
        else:
            rapport.mises_a_jour += 1
            rapport.modifications.append((existante[0], heures))
    return rapport


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
    _mettre_a_jour(rapport.modifications, saisi_par, maintenant)


def _mettre_a_jour(modifications: list[tuple[int, Decimal]], saisi_par: int | None, maintenant: dt.datetime) -> None:
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
