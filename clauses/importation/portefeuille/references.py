"""References between sheets: the columns that name a row of another sheet, and the kinds known by SIRET or name.

A donneur d'ordre or an opérateur is named by its SIRET, or by its name when it has none; a row of another sheet
names it the same way, in one cell. The name is compared without case, accents or punctuation (« Ville d'Arles »
is « VILLE D ARLES »). Both tables are small (3,000 donneurs and 2,400 opérateurs nationally): they are read
whole, once.
"""

from collections import defaultdict
from typing import Any

from clauses.importation.lecture import Colonne, normaliser
from clauses.importation.portefeuille.cellules import Ligne, designation
from clauses.importation.portefeuille.moteur import Entree, Genre, Lue
from entreprises.validators import normaliser_siret


def colonne_donneur(cle: str = "donneur", titre: str = "Donneur d'ordre") -> Colonne:
    return Colonne(
        cle,
        titre,
        ("SIRET du donneur d'ordre", "SIRET du donneur", "Donneur", "Acheteur", "Maître d'ouvrage", "DO"),
        "21130004100012",
        "Le SIRET du donneur d'ordre, ou son nom s'il n'en a pas (tel que dans la feuille Donneurs d'ordre ou "
        "dans Clauses).",
    )


def colonne_marche() -> Colonne:
    return Colonne(
        "marche",
        "Marché",
        ("Référence du marché", "Réf. marché", "Marché (référence)", "N° de marché", "Numéro de marché"),
        "2025-TX-001",
        "La référence du marché chez ce donneur d'ordre, ou son objet s'il n'a pas de référence.",
    )


def colonne_lot() -> Colonne:
    return Colonne(
        "lot",
        "Lot",
        ("Numéro du lot", "N° de lot", "Lot n°", "Numéro de lot"),
        "1",
        "Le numéro du lot dans ce marché (« Unique » s'il n'y a pas de lots).",
    )


def colonne_siret_entreprise(cle: str = "siret") -> Colonne:
    return Colonne(
        cle,
        "SIRET de l'entreprise",
        ("SIRET", "SIRET entreprise", "SIRET attributaire", "SIRET de l'attributaire", "SIRET du titulaire"),
        "73282932000074",
        "14 chiffres : l'entreprise de la feuille Entreprises ou déjà dans Clauses.",
    )


class ParSiretOuNom(Genre):
    """Kinds whose rows are known by SIRET, or by name when they have none (donneurs d'ordre, opérateurs).

    A row with a SIRET matches the stored row with that SIRET, else a stored row of that name without a SIRET (a
    SIRET added since); a row without one matches the stored row of that name."""

    colonne_nom = "nom"
    colonne_siret = "siret"
    # How the sheet and a stored row are named in messages.
    nom_feuille = ""
    nom_objet = ""
    champs_base: tuple[str, ...] = ()

    def __init__(self, contexte):
        super().__init__(contexte)
        self.base: dict[int, dict] | None = None
        self.base_siret: dict[str, int] = {}
        self.base_nom: dict[str, list[int]] = defaultdict(list)
        self.entrees_base: dict[int, Entree] = {}
        self.fichier_nom: dict[str, list[Entree]] = defaultdict(list)
        self.trouves: dict[str, tuple[Entree | None, str]] = {}

    def charger(self) -> None:
        if self.base is not None:
            return
        self.base = {}
        for ligne in self.modele.objects.order_by().values("pk", "nom", "siret", *self.champs_base):
            self.base[ligne["pk"]] = ligne
            if ligne["siret"]:
                self.base_siret[ligne["siret"]] = ligne["pk"]
            self.base_nom[normaliser(ligne["nom"])].append(ligne["pk"])

    def preparer(self, tableau) -> None:
        self.charger()

    def lire_cle(self, ligne: Ligne, valeurs: dict) -> tuple[tuple, int | None] | None:
        nom = valeurs.get("nom", "")
        numero = valeurs.get("siret")
        if not nom:
            return None
        assert self.base is not None
        if numero:
            pk = self.base_siret.get(numero)
            if pk is None:
                sans_siret = [p for p in self.base_nom.get(normaliser(nom), []) if not self.base[p]["siret"]]
                pk = sans_siret[0] if len(sans_siret) == 1 else None
            return ("siret", numero), pk
        trouves = self.base_nom.get(normaliser(nom), [])
        if len(trouves) > 1:
            ligne.erreur(
                self.colonne_nom,
                f"plusieurs {self.nom_objet}s s'appellent « {nom} » dans Clauses : donnez le SIRET pour dire lequel.",
            )
        return ("nom", normaliser(nom)), (trouves[0] if len(trouves) == 1 else None)

    def enregistrer_nom(self, lue: Lue, nom: str) -> None:
        lue.entree.d = nom
        self.fichier_nom[normaliser(nom)].append(lue.entree)

    def cle_en_base(self, lue: Lue) -> tuple | None:
        return (lue.extra,) if lue.extra is not None else None

    def existants(self, cles: list[tuple]) -> dict[tuple, Any]:
        assert self.base is not None
        return {(pk,): self.base[pk] for (pk,) in cles}

    def _entree_base(self, pk: int) -> Entree:
        if pk not in self.entrees_base:
            assert self.base is not None
            self.entrees_base[pk] = Entree(pk, d=self.base[pk]["nom"])
        return self.entrees_base[pk]

    def chercher(self, valeur: str) -> tuple[Entree | None, str]:
        """The row a cell names by SIRET or by name, in this sheet or in Clauses; else None and why. Asked by the
        later sheets once this one is read: the answer for a cell's text is kept."""
        if valeur not in self.trouves:
            self.trouves[valeur] = self._chercher(valeur)
        return self.trouves[valeur]

    def _chercher(self, valeur: str) -> tuple[Entree | None, str]:
        self.charger()
        numero = normaliser_siret(valeur)
        if len(numero) == 14 and numero.isdigit():
            entree = self.index.get(("siret", numero))
            if entree is None and numero in self.base_siret:
                entree = self._entree_base(self.base_siret[numero])
            if entree is None:
                return None, (f"aucun {self.nom_objet} de SIRET {numero}, ni dans {self.la_feuille} ni dans Clauses.")
            return entree, ""
        nom = normaliser(valeur)
        dans_fichier = self.fichier_nom.get(nom, [])
        if len(dans_fichier) == 1:
            return dans_fichier[0], ""
        if len(dans_fichier) > 1:
            return None, (
                f"plusieurs lignes de la feuille {self.nom_feuille} s'appellent « {valeur} » : nommez-le par son "
                "SIRET."
            )
        trouves = self.base_nom.get(nom, [])
        if len(trouves) == 1:
            return self._entree_base(trouves[0]), ""
        if trouves:
            return (
                None,
                f"plusieurs {self.nom_objet}s s'appellent « {valeur} » dans Clauses : nommez-le par son SIRET.",
            )
        return None, f"« {valeur} » : {self.nom_objet} inconnu, ni dans {self.la_feuille} ni dans Clauses."

    def trouver(self, ligne: Ligne, colonne: str, obligatoire: bool = True) -> Entree | None:
        """``chercher`` for a cell of a row, its failure an error of the row."""
        valeur = ligne.lire(colonne, designation, obligatoire)
        if valeur is None:
            return None
        entree, message = self.chercher(valeur)
        if entree is None:
            ligne.erreur(colonne, message)
        return entree


__all__ = ["ParSiretOuNom", "colonne_donneur", "colonne_lot", "colonne_marche", "colonne_siret_entreprise"]
