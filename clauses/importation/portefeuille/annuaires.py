"""The sheets of the territory's directories: entreprises (attributaires) and opérateurs (insertion operators and
prescribers)."""

from typing import Any

from clauses.importation.lecture import Colonne, texte_cellule
from clauses.importation.portefeuille.cellules import (
    Champ,
    Ligne,
    booleen,
    choix,
    code_postal,
    email,
    naf,
    siret,
    texte,
)
from clauses.importation.portefeuille.moteur import Entree, Genre, Lue, TypeFeuille
from clauses.importation.portefeuille.references import ParSiretOuNom
from clauses.importation.rapport import lignes_parmi
from entreprises.models import Entreprise, Operateur, TypeOperateur

# --- Entreprises --------------------------------------------------------------------------------------------

ENTREPRISES = TypeFeuille(
    cle="entreprises",
    titre="Entreprises",
    synonymes=("Entreprise", "Attributaires", "Titulaires"),
    colonnes=(
        Colonne(
            "siret",
            "SIRET",
            ("N° SIRET", "Numéro SIRET", "SIRET de l'entreprise"),
            "73282932000074",
            "14 chiffres (espaces acceptés).",
        ),
        Colonne(
            "raison_sociale",
            "Raison sociale",
            ("Nom", "Entreprise", "Dénomination"),
            "Bâtiments du Rhône SARL",
            "Texte.",
        ),
        Colonne("naf", "Code NAF", ("NAF", "Code APE", "APE"), "43.34Z", "Forme 43.34Z."),
        Colonne("adresse", "Adresse", (), "12 chemin des Aubépines", "Texte."),
        Colonne("code_postal", "Code postal", ("CP",), "13200", "5 chiffres."),
        Colonne("commune", "Commune", ("Ville",), "Arles", "Texte."),
        Colonne("contact_nom", "Contact", ("Nom du contact",), "Paul Martin", "Texte."),
        Colonne(
            "contact_email", "E-mail du contact", ("E-mail", "Courriel"), "p.martin@batiments-rhone.fr", "Adresse."
        ),
        Colonne("contact_telephone", "Téléphone du contact", ("Téléphone",), "06 12 34 56 78", "Texte."),
        Colonne("notes", "Notes", (), "", "Texte."),
    ),
    obligatoires=("siret", "raison_sociale"),
    cle_naturelle="Le SIRET.",
    description="Les entreprises attributaires, co-traitantes ou sous-traitantes, une par ligne.",
)


class Entreprises(Genre):
    definition = ENTREPRISES
    modele = Entreprise
    champs = (
        Champ("raison_sociale", "raison_sociale", texte(200), True),
        Champ("naf", "naf", naf),
        Champ("adresse", "adresse", texte(250)),
        Champ("code_postal", "code_postal", code_postal),
        Champ("commune", "commune", texte(100)),
        Champ("contact_nom", "contact_nom", texte(200)),
        Champ("contact_email", "contact_email", email),
        Champ("contact_telephone", "contact_telephone", texte(30)),
        Champ("notes", "notes", texte(5000)),
    )

    def __init__(self, contexte):
        super().__init__(contexte)
        self.en_base: dict[str, Entree] = {}

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        numero = ligne.lire("siret", siret, True)
        valeurs = ligne.champs(self.champs)
        if numero is None:
            return None
        lue = Lue(ligne, (numero,), {"siret": numero, **valeurs})
        lue.entree.d = valeurs.get("raison_sociale", numero)
        return lue

    def existants(self, cles: list[tuple]) -> dict[tuple, Any]:
        champs = [c.champ for c in self.champs]
        colonnes = ("pk", "siret", *champs)
        return {
            (ligne[1],): dict(zip(colonnes, ligne, strict=True))
            for ligne in lignes_parmi(Entreprise.objects.all(), "siret", [c for (c,) in cles], *colonnes)
        }

    def decrire_cle(self, lue: Lue) -> str:
        return f"{lue.entree.d} ({lue.cle[0]})"

    def precharger(self, valeurs) -> None:
        """The stored entreprises of these SIRETs (cells as written), in one query, for ``trouver``."""
        sirets = set()
        for valeur in valeurs:
            try:
                numero = siret(valeur)
            except ValueError:
                continue
            if (numero,) not in self.index and numero not in self.en_base:
                sirets.add(numero)
        for pk, numero, raison in lignes_parmi(
            Entreprise.objects.all(), "siret", sirets, "pk", "siret", "raison_sociale"
        ):
            self.en_base[numero] = Entree(pk, d=raison)

    def chercher(self, numero: str) -> Entree | None:
        """The entreprise of this SIRET, in this sheet or among those ``precharger`` read."""
        return self.index.get((numero,)) or self.en_base.get(numero)

    def trouver(self, ligne: Ligne, colonne: str, obligatoire: bool = True) -> Entree | None:
        numero = ligne.lire(colonne, siret, obligatoire)
        if numero is None:
            return None
        entree = self.chercher(numero)
        if entree is None:
            ligne.erreur(colonne, f"aucune entreprise de SIRET {numero}, ni dans {self.la_feuille} ni dans Clauses.")
        return entree


def precharger_entreprises(contexte, tableau, colonne: str) -> None:
    index = tableau.colonnes.get(colonne)
    if index is not None:
        contexte["entreprises"].precharger(v[index] for _, v in tableau.lignes if texte_cellule(v[index]))


# --- Opérateurs ---------------------------------------------------------------------------------------------

OPERATEURS = TypeFeuille(
    cle="operateurs",
    titre="Opérateurs",
    synonymes=("Opérateurs et prescripteurs", "Opérateur", "Prescripteurs", "SIAE", "Structures d'insertion"),
    colonnes=(
        Colonne(
            "nom", "Nom", ("Nom de la structure", "Structure", "Raison sociale"), "Delta Intérim Insertion", "Texte."
        ),
        Colonne(
            "type",
            "Type",
            ("Type de structure", "Catégorie"),
            "ETTI",
            "ETTI, AI, EI, ACI, GEIQ, EA, ESAT, Organisme de formation, France Travail, Mission locale, Cap emploi, "
            "PLIE, Département (service insertion) ou Autre prescripteur.",
        ),
        Colonne(
            "siret", "SIRET", ("N° SIRET",), "78451203000015", "14 chiffres ; vide pour un prescripteur sans SIRET."
        ),
        Colonne("adresse", "Adresse", (), "", "Texte."),
        Colonne("code_postal", "Code postal", ("CP",), "13200", "5 chiffres."),
        Colonne("commune", "Commune", ("Ville",), "Arles", "Texte."),
        Colonne("contact_nom", "Contact", ("Nom du contact",), "", "Texte."),
        Colonne("email", "E-mail", ("Courriel",), "", "Adresse."),
        Colonne("telephone", "Téléphone", ("Tél.",), "", "Texte."),
        Colonne("metiers", "Métiers et secteurs", ("Métiers", "Secteurs"), "BTP, propreté", "Texte."),
        Colonne("actif", "Actif", (), "oui", "oui ou non (oui par défaut)."),
    ),
    obligatoires=("nom", "type"),
    cle_naturelle="Le SIRET ; à défaut, le nom.",
    description="L'annuaire des opérateurs d'insertion (SIAE, GEIQ, EA…) et des prescripteurs, un par ligne.",
)


class Operateurs(ParSiretOuNom):
    definition = OPERATEURS
    modele = Operateur
    nom_feuille = "Opérateurs"
    nom_objet = "opérateur"
    champs = (
        Champ("nom", "nom", texte(200), True),
        Champ("type", "type", choix(TypeOperateur), True),
        Champ("siret", "siret", siret),
        Champ("adresse", "adresse", texte(250)),
        Champ("code_postal", "code_postal", code_postal),
        Champ("commune", "commune", texte(100)),
        Champ("contact_nom", "contact_nom", texte(200)),
        Champ("email", "email", email),
        Champ("telephone", "telephone", texte(30)),
        Champ("metiers", "metiers", texte(5000)),
        Champ("actif", "actif", booleen),
    )
    champs_base = (
        "type",
        "adresse",
        "code_postal",
        "commune",
        "contact_nom",
        "email",
        "telephone",
        "metiers",
        "actif",
    )

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        valeurs = ligne.champs(self.champs)
        cle = self.lire_cle(ligne, valeurs)
        if cle is None:
            return None
        lue = Lue(ligne, cle[0], valeurs, cle[1])
        self.enregistrer_nom(lue, valeurs["nom"])
        return lue

    def apres_conclusion(self, lue: Lue, apres: dict) -> None:
        lue.entree.d = _Operateur(apres["nom"], apres.get("type", ""))

    def _entree_base(self, pk: int) -> Entree:
        if pk not in self.entrees_base:
            assert self.base is not None
            self.entrees_base[pk] = Entree(pk, d=_Operateur(self.base[pk]["nom"], self.base[pk]["type"]))
        return self.entrees_base[pk]

    def decrire_cle(self, lue: Lue) -> str:
        return str(lue.entree.d)


class _Operateur(str):
    """An opérateur's name, with its type (a placement's modality accepts some types only)."""

    type: str

    def __new__(cls, nom: str, type_: str):
        objet = super().__new__(cls, nom)
        objet.type = type_
        return objet


GENRES = (Entreprises, Operateurs)
