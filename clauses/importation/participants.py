"""Participants: one row per person, with the fields of the participant form.

A person already on file (same name, first name and birth date, whatever the case and accents) is updated
with the cells that are filled in; anyone else is added with the next free references. Criteria and
prescribers are named by code or label and looked up once for the whole file.
"""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from clauses.importation.lecture import (
    Colonne,
    FichierInvalide,
    Tableau,
    exiger_colonnes,
    lire_date,
    normaliser,
    texte_cellule,
)
from clauses.importation.rapport import AJOUT, INCHANGE, MODIFICATION, PARTICIPANTS, Changement, Rapport, par_lots
from clauses.models import CritereEligibilite, Genre, NiveauQualification, Participant
from entreprises.models import Operateur

COLONNES_PARTICIPANTS = [
    Colonne("nom", "Nom", ("Nom de naissance", "Nom de famille"), "Durand", "Obligatoire."),
    Colonne("prenom", "Prénom", ("Prénom(s)", "Prénoms"), "Inès", "Obligatoire."),
    Colonne(
        "date_naissance",
        "Date de naissance",
        ("Né le", "Née le", "Né(e) le", "Naissance", "Date naissance"),
        "17/05/1999",
        "Obligatoire. JJ/MM/AAAA. Avec le nom et le prénom, elle reconnaît une personne déjà enregistrée.",
    ),
    Colonne("genre", "Genre", ("Sexe",), "F", "Obligatoire. F, H, Femme ou Homme."),
    Colonne("commune", "Commune", ("Commune de résidence", "Ville"), "Arles", "Facultative."),
    Colonne("code_postal", "Code postal", ("CP",), "13200", "Facultatif. 5 chiffres."),
    Colonne("reside_qpv", "QPV", ("Réside en QPV", "Habitant QPV"), "oui", "Facultatif. oui ou non."),
    Colonne(
        "qpv", "Quartier", ("Quartier prioritaire", "Quartier QPV"), "Barriol", "Facultatif. Quartier prioritaire."
    ),
    Colonne(
        "niveau",
        "Niveau de qualification",
        ("Niveau", "Qualification"),
        "Niveau 3 (CAP, BEP)",
        "Obligatoire. Libellé (Niveau 3, Niveau 4…, Sans diplôme…) ou code (infra_3, 3, 4, 5, 6_plus).",
    ),
    Colonne(
        "criteres",
        "Critères",
        ("Critères d'éligibilité",),
        "deld; rsa",
        "Facultatifs. Codes ou libellés des critères d'éligibilité, séparés par « ; ».",
    ),
    Colonne(
        "prescripteur",
        "Prescripteur",
        ("Orienté par",),
        "",
        "Facultatif. Nom d'un prescripteur de l'annuaire des opérateurs.",
    ),
]
DESCRIPTION_PARTICIPANTS = (
    "Nom ; Prénom ; Date de naissance ; Genre ; Niveau de qualification ; et, facultatives : Commune ; "
    "Code postal ; QPV ; Quartier ; Critères ; Prescripteur"
)


GENRES = {"f": Genre.FEMME, "femme": Genre.FEMME, "feminin": Genre.FEMME, "h": Genre.HOMME}
GENRES |= {"homme": Genre.HOMME, "masculin": Genre.HOMME}
OUI = {"oui", "o", "yes", "y", "vrai", "x", "1"}
NON = {"non", "n", "no", "faux", "0"}


def _niveaux() -> dict[str, str]:
    niveaux = {}
    for code, libelle in NiveauQualification.choices:
        for variante in (code, libelle, libelle.split(" (")[0]):
            niveaux[normaliser(variante)] = code
    niveaux |= {"6": NiveauQualification.NIVEAU_6_PLUS, "niveau 6": NiveauQualification.NIVEAU_6_PLUS}
    niveaux |= {"infra 3": NiveauQualification.INFRA_3, "sans diplome": NiveauQualification.INFRA_3}
    return niveaux


NIVEAUX = _niveaux()
# The eligibility criterion « habitant d'un QPV » that the QPV column replaced (clauses migration 0009).
ANCIEN_CRITERE_QPV = {
    normaliser(texte) for texte in ("qpv", "Habitant d'un quartier prioritaire de la ville (QPV)", "Habitant QPV")
}
_LONGUEURS = {"nom": 150, "prenom": 150, "commune": 100, "qpv": 150}
_CHAMPS_PARTICIPANT = [
    "genre",
    "commune",
    "code_postal",
    "reside_qpv",
    "qpv",
    "niveau_qualification",
    "prescripteur_id",
]


@dataclass
class _LigneParticipant:
    numero: int
    nom: str
    prenom: str
    date_naissance: dt.date
    valeurs: dict  # model field → value, only for the cells that were filled in
    criteres: set[int] | None  # None: the cell was empty, leave the criteria as they are


def _lire_participant(
    tableau: Tableau,
    numero: int,
    ligne: tuple,
    rapport: Rapport,
    aujourd_hui: dt.date,
    criteres: dict[str, int],
    prescripteurs: dict[str, list[int]],
) -> _LigneParticipant | None:
    erreurs_avant = len(rapport.erreurs)

    def cellule(cle: str) -> str:
        return texte_cellule(tableau.valeur(ligne, cle))

    nom, prenom = cellule("nom"), cellule("prenom")
    for cle, valeur, titre in (("nom", nom, "Nom"), ("prenom", prenom, "Prénom")):
        if not valeur:
            rapport.erreur(numero, f"{titre} manquant.")
        elif len(valeur) > _LONGUEURS[cle]:
            rapport.erreur(numero, f"{titre} trop long ({_LONGUEURS[cle]} caractères au plus).")
    brut_naissance = tableau.valeur(ligne, "date_naissance")
    naissance = lire_date(brut_naissance)
    if not texte_cellule(brut_naissance):
        rapport.erreur(numero, "Date de naissance manquante.")
    elif naissance is None:
        rapport.erreur(numero, f"Date de naissance « {texte_cellule(brut_naissance)} » invalide : JJ/MM/AAAA attendu.")
    elif not dt.date(1900, 1, 1) <= naissance <= aujourd_hui:
        rapport.erreur(numero, f"Date de naissance {naissance:%d/%m/%Y} impossible.")

    valeurs: dict = {}
    genre = cellule("genre")
    if not genre:
        rapport.erreur(numero, "Genre manquant (F ou H).")
    elif normaliser(genre) not in GENRES:
        rapport.erreur(numero, f"Genre « {genre} » non reconnu : F, H, Femme ou Homme.")
    else:
        valeurs["genre"] = GENRES[normaliser(genre)]

    niveau = cellule("niveau")
    niveaux = NIVEAUX
    if not niveau:
        rapport.erreur(numero, "Niveau de qualification manquant.")
    elif normaliser(niveau) not in niveaux:
        attendus = ", ".join(f"« {libelle} »" for _, libelle in NiveauQualification.choices)
        rapport.erreur(numero, f"Niveau de qualification « {niveau} » non reconnu : {attendus}.")
    else:
        valeurs["niveau_qualification"] = niveaux[normaliser(niveau)]

    if commune := cellule("commune"):
        if len(commune) > _LONGUEURS["commune"]:
            rapport.erreur(numero, "Commune trop longue (100 caractères au plus).")
        valeurs["commune"] = commune
    brut_cp = tableau.valeur(ligne, "code_postal")
    if code_postal := cellule("code_postal"):
        if isinstance(brut_cp, (int, float)) and not isinstance(brut_cp, bool):
            code_postal = f"{int(brut_cp):05d}"
        if not re.fullmatch(r"\d{5}", code_postal):
            rapport.erreur(numero, f"Code postal « {code_postal} » invalide : 5 chiffres attendus.")
        valeurs["code_postal"] = code_postal

    qpv, quartier = normaliser(cellule("reside_qpv")), cellule("qpv")
    if qpv in OUI:
        valeurs["reside_qpv"] = True
    elif qpv in NON:
        valeurs["reside_qpv"] = False
        valeurs["qpv"] = ""
        if quartier:
            rapport.erreur(numero, f"Quartier « {quartier} » renseigné alors que QPV vaut « non ».")
    elif qpv:
        rapport.erreur(numero, f"QPV « {cellule('reside_qpv')} » non reconnu : oui ou non.")
    if quartier and qpv not in NON:
        if len(quartier) > _LONGUEURS["qpv"]:
            rapport.erreur(numero, "Quartier trop long (150 caractères au plus).")
        valeurs["qpv"] = quartier
        valeurs["reside_qpv"] = True

    choisis = None
    if brut_criteres := cellule("criteres"):
        choisis = set()
        for morceau in brut_criteres.split(";"):
            if not morceau.strip():
                continue
            critere = criteres.get(normaliser(morceau))
            if critere is None and normaliser(morceau) in ANCIEN_CRITERE_QPV:
                # Residence in a QPV is no criterion any more but the QPV column (one notion, issue 13 §3): files
                # written before still say it here, and mean it.
                if qpv in NON:
                    rapport.erreur(numero, f"Critère « {morceau.strip()} » donné alors que QPV vaut « non ».")
                else:
                    valeurs["reside_qpv"] = True
            elif critere is None:
                rapport.erreur(
                    numero, f"Critère « {morceau.strip()} » inconnu (Critères : codes ou libellés séparés par « ; »)."
                )
            else:
                choisis.add(critere)

    if prescripteur := cellule("prescripteur"):
        trouves = prescripteurs.get(normaliser(prescripteur), [])
        if not trouves:
            rapport.erreur(
                numero, f"Prescripteur « {prescripteur} » inconnu : ajoutez-le d'abord à l'annuaire des opérateurs."
            )
        elif len(trouves) > 1:
            rapport.erreur(numero, f"Plusieurs prescripteurs s'appellent « {prescripteur} » dans l'annuaire.")
        else:
            valeurs["prescripteur_id"] = trouves[0]

    if naissance is None or len(rapport.erreurs) != erreurs_avant:  # a missing date was reported above
        return None
    return _LigneParticipant(numero, nom, prenom, naissance, valeurs, choisis)


def valider_participants(tableau: Tableau, aujourd_hui: dt.date | None = None) -> Rapport:
    """Checks every row of a participants file: new people are added, known ones (same name, first name
    and birth date, whatever the case and accents) are updated with the cells that are filled in."""
    rapport = Rapport(type=PARTICIPANTS, lignes=len(tableau.lignes))
    exiger_colonnes(
        tableau,
        ["nom", "prenom", "date_naissance", "genre", "niveau"],
        COLONNES_PARTICIPANTS,
        DESCRIPTION_PARTICIPANTS,
    )
    if not tableau.lignes:
        raise FichierInvalide("Le fichier ne contient aucune ligne de participant sous les en-têtes.")
    aujourd_hui = aujourd_hui or timezone.localdate()
    criteres = {}
    codes_criteres: dict[int, str] = {}
    for pk, code, libelle in CritereEligibilite.objects.values_list("id", "code", "libelle"):
        criteres[normaliser(code)] = pk
        criteres[normaliser(libelle)] = pk
        codes_criteres[pk] = code
    prescripteurs: dict[str, list[int]] = defaultdict(list)
    noms_prescripteurs: dict[int, str] = {}
    for pk, nom in Operateur.objects.prescripteurs().values_list("id", "nom"):
        prescripteurs[normaliser(nom)].append(pk)
        noms_prescripteurs[pk] = nom

    lignes = []
    for numero, cellules in tableau.lignes:
        lue = _lire_participant(tableau, numero, cellules, rapport, aujourd_hui, criteres, prescripteurs)
        if lue is not None:
            lignes.append(lue)

    existants: dict[tuple, list[dict]] = defaultdict(list)
    for lot in par_lots({ligne.date_naissance for ligne in lignes}):
        for participant in (
            Participant.objects.identifiables()
            .filter(date_naissance__in=lot)
            .values("id", "reference", "nom", "prenom", "date_naissance", *_CHAMPS_PARTICIPANT)
        ):
            cle = (normaliser(participant["nom"]), normaliser(participant["prenom"]), participant["date_naissance"])
            existants[cle].append(participant)
    criteres_existants: dict[int, set[int]] = defaultdict(set)
    ids = [p["id"] for liste in existants.values() for p in liste]
    for lot in par_lots(ids):
        for participant_id, critere in Participant.criteres.through.objects.filter(participant_id__in=lot).values_list(
            "participant_id", "critereeligibilite_id"
        ):
            criteres_existants[participant_id].add(critere)

    vues: dict[tuple, int] = {}
    for ligne in lignes:
        cle = (normaliser(ligne.nom), normaliser(ligne.prenom), ligne.date_naissance)
        if cle in vues:
            rapport.erreur(
                ligne.numero,
                f"même personne que la ligne {vues[cle]} ({ligne.prenom} {ligne.nom}, né(e) le "
                f"{ligne.date_naissance:%d/%m/%Y}) : gardez une seule de ces deux lignes.",
            )
            continue
        vues[cle] = ligne.numero
        trouves = existants.get(cle, [])
        if len(trouves) > 1:
            references = ", ".join(sorted(p["reference"] for p in trouves))
            rapport.erreur(
                ligne.numero,
                f"plusieurs participants existants s'appellent {ligne.prenom} {ligne.nom}, né(e) le "
                f"{ligne.date_naissance:%d/%m/%Y} (fiches {references}) : corrigez-les d'abord.",
            )
            continue
        personne = f"{ligne.prenom} {ligne.nom} (né(e) le {ligne.date_naissance:%d/%m/%Y})"
        if not trouves:
            if "reside_qpv" not in ligne.valeurs:
                ligne.valeurs["reside_qpv"] = False
            rapport.creations.append(ligne)
            rapport.changements.append(Changement((ligne.numero,), AJOUT, personne, "", "nouvelle fiche"))
            continue
        existant = trouves[0]
        personne = f"{existant['reference']} {personne}"
        changements = {k: v for k, v in ligne.valeurs.items() if existant[k] != v}
        avant_criteres = criteres_existants.get(existant["id"], set())
        criteres_changes = ligne.criteres is not None and ligne.criteres != avant_criteres
        if changements or criteres_changes:
            rapport.modifications.append((existant["id"], changements, ligne.criteres if criteres_changes else None))
            avant = {k: existant[k] for k in changements}
            apres = dict(changements)
            if criteres_changes:
                avant["criteres"], apres["criteres"] = avant_criteres, ligne.criteres
            rapport.changements.append(
                Changement(
                    (ligne.numero,),
                    MODIFICATION,
                    personne,
                    _decrire(avant, codes_criteres, noms_prescripteurs),
                    _decrire(apres, codes_criteres, noms_prescripteurs),
                )
            )
        else:
            rapport.inchangees += 1
            rapport.changements.append(Changement((ligne.numero,), INCHANGE, personne, "", ""))
    rapport.trier_erreurs()
    rapport.ajoutees = len(rapport.creations)
    rapport.mises_a_jour = len(rapport.modifications)
    return rapport


_LIBELLES = {
    "genre": "Genre",
    "commune": "Commune",
    "code_postal": "Code postal",
    "reside_qpv": "QPV",
    "qpv": "Quartier",
    "niveau_qualification": "Niveau de qualification",
    "prescripteur_id": "Prescripteur",
    "criteres": "Critères",
}


def _decrire(valeurs: dict, codes_criteres: dict[int, str], noms_prescripteurs: dict[int, str]) -> str:
    """« Commune : Arles ; QPV : non », as the preview shows a participant's fields before and after."""
    parties = []
    for cle, valeur in valeurs.items():
        if cle == "criteres":
            texte = "; ".join(sorted(codes_criteres.get(c, "?") for c in valeur))
        elif cle == "prescripteur_id":
            texte = noms_prescripteurs.get(valeur, "")
        elif cle == "genre":
            texte = Genre(valeur).label if valeur else ""
        elif cle == "niveau_qualification":
            texte = NiveauQualification(valeur).label if valeur else ""
        elif isinstance(valeur, bool):
            texte = "oui" if valeur else "non"
        else:
            texte = str(valeur or "")
        parties.append(f"{_LIBELLES[cle]} : {texte or '—'}")
    return " ; ".join(parties)


def appliquer_participants(rapport: Rapport, user) -> None:
    """Writes what a valid report holds; ``importer`` calls it inside the transaction that validated."""
    Through = Participant.criteres.through
    references = Participant.objects.nouvelles_references(len(rapport.creations))
    nouveaux = [
        Participant(
            reference=references[i],
            nom=ligne.nom,
            prenom=ligne.prenom,
            date_naissance=ligne.date_naissance,
            **ligne.valeurs,
        )
        for i, ligne in enumerate(rapport.creations)
    ]
    Participant.objects.bulk_create(nouveaux, batch_size=1000)
    # Ids from the references, whether or not the database returned them on insert.
    ids: dict[str, int] = {}
    for lot in par_lots([p.reference for p in nouveaux]):
        ids.update(Participant.objects.filter(reference__in=lot).values_list("reference", "id"))
    liens = [
        Through(participant_id=ids[participant.reference], critereeligibilite_id=critere)
        for participant, ligne in zip(nouveaux, rapport.creations, strict=True)
        for critere in ligne.criteres or ()
    ]
    maintenant = timezone.now()
    par_champs: dict[tuple, list[Participant]] = defaultdict(list)
    for pk, changements, criteres in rapport.modifications:
        if changements:
            champs = tuple(sorted(changements))
            par_champs[champs].append(Participant(pk=pk, modifie_le=maintenant, **changements))
        if criteres is not None:
            liens.extend(Through(participant_id=pk, critereeligibilite_id=c) for c in criteres)
    for champs, objets in par_champs.items():
        Participant.objects.bulk_update(objets, [*champs, "modifie_le"], batch_size=1000)
    a_remplacer = [pk for pk, _, criteres in rapport.modifications if criteres is not None]
    for lot in par_lots(a_remplacer):
        Through.objects.filter(participant_id__in=lot).delete()
    Through.objects.bulk_create(liens, batch_size=1000)
