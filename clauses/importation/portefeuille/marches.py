"""The sheet of the marchés (their lots and attributions are in ``lots``).

A marché is known by its donneur d'ordre and its reference (the facilitator's, written in Clauses' « référence du
donneur d'ordre »), or by its objet when it has no reference. The stored marchés that the later sheets name are
read in a few bounded queries per sheet (``precharger``), never one per row.
"""

from typing import Any

from django.contrib.auth import get_user_model

from clauses.importation.lecture import Colonne, texte_cellule
from clauses.importation.portefeuille.cellules import (
    Champ,
    Ligne,
    booleen,
    choix,
    date_,
    decimal_,
    desechapper,
    designation,
    email,
    instant,
    texte,
)
from clauses.importation.portefeuille.moteur import AMBIGU, Entree, Genre, Lue, TypeFeuille, par_lots
from clauses.importation.portefeuille.references import (
    colonne_donneur,
)
from clauses.importation.rapport import lignes_parmi
from config.requetes import parmi
from marches.models import (
    AvisFaisabilite,
    Marche,
    Origine,
    StatutMarche,
    TypeMarche,
)

MONTANT = decimal_(14, 2)

# --- Marchés -------------------------------------------------------------------------------------------------

MARCHES = TypeFeuille(
    cle="marches",
    titre="Marchés",
    synonymes=("Marché", "Marches publics", "Consultations", "Opérations"),
    colonnes=(
        colonne_donneur(),
        Colonne(
            "reference",
            "Référence",
            ("Référence du marché", "Réf. marché", "N° de marché", "Numéro de marché", "Référence du donneur d'ordre"),
            "2025-TX-001",
            "Votre référence du marché, unique chez ce donneur d'ordre ; à défaut, l'objet identifie le marché.",
        ),
        Colonne(
            "objet",
            "Objet",
            ("Objet du marché", "Intitulé", "Intitulé du marché"),
            "Réhabilitation de l'école",
            "Texte.",
        ),
        Colonne("type", "Type", ("Type de marché", "Nature"), "Travaux", "Travaux, Services ou Fournitures."),
        Colonne(
            "statut",
            "Statut",
            ("État", "Etat", "Statut du marché"),
            "En exécution",
            "En préparation, En consultation, Attribué, En exécution, Achevé, Soldé ou Sans suite.",
        ),
        Colonne(
            "origine",
            "Origine",
            (),
            "",
            "Saisi par le facilitateur, Déclaré par le donneur d'ordre ou Importé (par défaut pour un marché "
            "nouveau).",
        ),
        Colonne(
            "montant_estime_ht",
            "Montant estimé HT (€)",
            ("Montant estimé", "Montant HT", "Montant"),
            "3600000",
            "Nombre.",
        ),
        Colonne("maitre_oeuvre", "Maître d'œuvre", ("Maître d'oeuvre", "MOE"), "", "Texte."),
        Colonne("contact", "Contact chez le donneur d'ordre", ("Contact",), "", "Texte."),
        Colonne(
            "avis_faisabilite",
            "Avis de faisabilité",
            ("Faisabilité", "Avis"),
            "Favorable",
            "À étudier (par défaut), Favorable, Favorable avec réserves ou Défavorable.",
        ),
        Colonne("faisabilite_cout", "Faisabilité : coût", (), "", "Texte."),
        Colonne("faisabilite_duree", "Faisabilité : durée", (), "", "Texte."),
        Colonne("faisabilite_technicite", "Faisabilité : technicité", (), "", "Texte."),
        Colonne("formation_amont", "Formation en amont", (), "non", "oui ou non."),
        Colonne("formation_amont_notes", "Formation en amont : notes", (), "", "Texte."),
        Colonne("date_publication", "Publication", ("Date de publication",), "15/01/2025", "JJ/MM/AAAA."),
        Colonne(
            "date_remise_offres", "Remise des offres", ("Date de remise des offres",), "20/02/2025", "JJ/MM/AAAA."
        ),
        Colonne("date_attribution", "Attribution", ("Date d'attribution",), "01/04/2025", "JJ/MM/AAAA."),
        Colonne(
            "date_debut_prevue",
            "Début d'exécution prévu",
            ("Début prévu", "Date de début"),
            "01/05/2025",
            "JJ/MM/AAAA.",
        ),
        Colonne(
            "date_fin_prevue", "Fin d'exécution prévue", ("Fin prévue", "Date de fin"), "31/08/2026", "JJ/MM/AAAA."
        ),
        Colonne(
            "facilitateur",
            "Facilitateur",
            ("Facilitateur en charge", "Facilitatrice", "E-mail du facilitateur"),
            "camille.martin@accm.fr",
            "L'e-mail du facilitateur en charge, un compte facilitateur de Clauses.",
        ),
        Colonne("notes", "Notes", ("Commentaire",), "", "Texte."),
        Colonne(
            "declare_par",
            "Déclaré par",
            (),
            "",
            "Marché déclaré sur le portail : l'e-mail du référent (feuille Référents ou compte de Clauses).",
        ),
        Colonne("declare_le", "Déclaré le", (), "", "JJ/MM/AAAA HH:MM:SS."),
        Colonne("message_donneur", "Message du donneur d'ordre", (), "", "Texte."),
        Colonne("pris_en_charge_le", "Pris en charge le", (), "", "JJ/MM/AAAA HH:MM:SS."),
    ),
    obligatoires=("donneur", "objet", "type", "statut"),
    cle_naturelle="Le donneur d'ordre et la référence du marché ; à défaut de référence, l'objet.",
    description="Les marchés suivis, un par ligne.",
)


class Marches(Genre):
    definition = MARCHES
    modele = Marche
    champs = (
        Champ("objet", "objet", texte(300), True),
        Champ("type", "type", choix(TypeMarche), True),
        Champ("statut", "statut", choix(StatutMarche), True),
        Champ("origine", "origine", choix(Origine, facilitateur="facilitateur", portail="portail")),
        Champ("montant_estime_ht", "montant_estime_ht", MONTANT),
        Champ("maitre_oeuvre", "maitre_oeuvre", texte(200)),
        Champ("contact", "contact", texte(200)),
        Champ("avis_faisabilite", "avis_faisabilite", choix(AvisFaisabilite)),
        Champ("faisabilite_cout", "faisabilite_cout", texte(5000)),
        Champ("faisabilite_duree", "faisabilite_duree", texte(5000)),
        Champ("faisabilite_technicite", "faisabilite_technicite", texte(5000)),
        Champ("formation_amont", "formation_amont", booleen),
        Champ("formation_amont_notes", "formation_amont_notes", texte(5000)),
        Champ("date_publication", "date_publication", date_),
        Champ("date_remise_offres", "date_remise_offres", date_),
        Champ("date_attribution", "date_attribution", date_),
        Champ("date_debut_prevue", "date_debut_prevue", date_),
        Champ("date_fin_prevue", "date_fin_prevue", date_),
        Champ("notes", "notes", texte(5000)),
        Champ("declare_le", "declare_le", instant),
        Champ("message_donneur", "message_donneur", texte(5000)),
        Champ("pris_en_charge_le", "pris_en_charge_le", instant),
    )
    libelles = {
        "facilitateur_id": "Facilitateur",
        "declare_par_id": "Déclaré par",
        "donneur_d_ordre_id": "Donneur d'ordre",
    }

    def __init__(self, contexte):
        super().__init__(contexte)
        self.facilitateurs: dict[str, Entree] | None = None
        self.comptes: dict[str, Entree] = {}
        self.en_base: dict[tuple, Entree | str] = {}
        self.valeurs_lues: set[str] = set()

    def preparer(self, tableau) -> None:
        if self.facilitateurs is None:
            User = get_user_model()
            self.facilitateurs = {
                adresse.lower(): Entree(pk, d=adresse)
                for pk, adresse in User.objects.filter(is_facilitateur=True).values_list("pk", "email")
            }
        index = tableau.colonnes.get("declare_par")
        if index is not None:
            adresses = {texte_cellule(v[index]).lower() for _, v in tableau.lignes if texte_cellule(v[index])}
            adresses -= set(self.comptes)
            comptes_fichier = self.contexte["referents"].comptes
            for adresse in list(adresses):
                if adresse in comptes_fichier:
                    self.comptes[adresse] = comptes_fichier[adresse]
                    adresses.discard(adresse)
            User = get_user_model()
            for lot in par_lots(adresses):
                for pk, adresse in User.objects.filter(email__in=lot).values_list("pk", "email"):
                    self.comptes[adresse] = Entree(pk, d=adresse)

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        donneur = self.contexte["donneurs"].trouver(ligne, "donneur")
        reference = ligne.lire("reference", texte(100)) or ""
        valeurs = ligne.champs(self.champs)
        for colonne, champ, comptes, quoi in (
            ("facilitateur", "facilitateur_id", self.facilitateurs, "aucun compte facilitateur de Clauses n'a"),
            ("declare_par", "declare_par_id", self.comptes, "aucun compte de Clauses ni de la feuille Référents n'a"),
        ):
            adresse = ligne.lire(colonne, email)
            if adresse is not None:
                compte = (comptes or {}).get(adresse.lower())
                if compte is None:
                    ligne.erreur(colonne, f"{quoi} l'adresse {adresse}.")
                else:
                    valeurs[champ] = compte
        if donneur is None or not (reference or valeurs.get("objet")):
            return None
        cle = (donneur, ("ref", reference) if reference else ("objet", valeurs["objet"]))
        valeurs = {"donneur_d_ordre_id": donneur, "reference": reference, **valeurs}
        lue = Lue(ligne, cle, valeurs)
        lue.entree.d = f"{reference or valeurs['objet']} ({donneur.d})"
        return lue

    def completer(self, lue: Lue, existant: dict | None) -> None:
        if existant is None and "origine" not in lue.valeurs:
            lue.valeurs["origine"] = Origine.IMPORT

    def verifier(self, lue: Lue, apres: dict) -> None:
        for debut, fin, colonne, message in (
            ("date_debut_prevue", "date_fin_prevue", "date_fin_prevue", "la fin d'exécution prévue précède le début."),
            (
                "date_publication",
                "date_remise_offres",
                "date_remise_offres",
                "la remise des offres précède la publication.",
            ),
        ):
            if apres.get(debut) is not None and apres.get(fin) is not None and apres[fin] < apres[debut]:
                lue.ligne.erreur(colonne, message)

    def _requete_base(self, references: set[str], objets: set[str]):
        colonnes = ("pk", "donneur_d_ordre_id", "reference", "objet")
        yield from (
            dict(zip(colonnes, r, strict=True))
            for r in lignes_parmi(Marche.objects.all(), "reference", references, *colonnes)
        )
        if objets:
            requete = Marche.objects.order_by().filter(reference="").filter(parmi("objet", list(objets)))
            yield from requete.values(*colonnes)

    def existants(self, cles: list[tuple]) -> dict[tuple, Any]:
        voulues = set(cles)
        references = {v for _, (t, v) in cles if t == "ref"}
        objets = {v for _, (t, v) in cles if t == "objet"}
        champs = ["pk", "donneur_d_ordre_id", "reference", "facilitateur_id", "declare_par_id"]
        champs += [c.champ for c in self.champs]
        resultat: dict[tuple, dict] = {}
        trouves = [ligne["pk"] for ligne in self._requete_base(references, objets)]
        for lot in par_lots(trouves):
            for ligne in Marche.objects.order_by().filter(pk__in=lot).values(*champs):
                genre = ("ref", ligne["reference"]) if ligne["reference"] else ("objet", ligne["objet"])
                cle = (ligne["donneur_d_ordre_id"], genre)
                if cle not in voulues:
                    continue
                if cle in resultat:
                    resultat[cle] = {
                        AMBIGU: f"plusieurs marchés de ce donneur d'ordre ont la référence « {genre[1]} » "
                        "dans Clauses : corrigez-les d'abord."
                    }
                else:
                    resultat[cle] = ligne
        return resultat

    def decrire_cle(self, lue: Lue) -> str:
        return f"Marché {lue.entree.d}"

    # References from the other sheets.

    def precharger(self, valeurs) -> None:
        """The stored marchés these cells may name (by reference, or by objet for one without), in one query."""
        nouvelles = {v for v in valeurs if v and v not in self.valeurs_lues}
        self.valeurs_lues |= nouvelles
        donneurs = self.contexte["donneurs"]
        donneurs.charger()
        for ligne in self._requete_base(nouvelles, nouvelles):
            genre = ("ref", ligne["reference"]) if ligne["reference"] else ("objet", ligne["objet"])
            cle = (ligne["donneur_d_ordre_id"], genre)
            if cle in self.en_base:
                self.en_base[cle] = "doublon"
            else:
                nom = donneurs.base[ligne["donneur_d_ordre_id"]]["nom"]
                self.en_base[cle] = Entree(ligne["pk"], d=f"{genre[1]} ({nom})")

    def chercher(self, donneur: Entree, valeur: str) -> tuple[Entree | None, str]:
        for genre in (("ref", valeur), ("objet", valeur)):
            entree = self.index.get((donneur, genre))
            if entree is not None:
                return entree, ""
        if donneur.pk is not None:
            for genre in (("ref", valeur), ("objet", valeur)):
                en_base = self.en_base.get((donneur.pk, genre))
                if en_base == "doublon":
                    return None, f"plusieurs marchés de {donneur.d} ont la référence « {valeur} » dans Clauses."
                if isinstance(en_base, Entree):
                    return en_base, ""
        return None, (
            f"aucun marché de {donneur.d} n'a la référence (ou l'objet) « {valeur} », ni dans {self.la_feuille} ni "
            "dans Clauses."
        )

    def trouver(self, ligne: Ligne, colonne_donneur: str = "donneur", colonne: str = "marche") -> Entree | None:
        donneur = self.contexte["donneurs"].trouver(ligne, colonne_donneur)
        valeur = ligne.lire(colonne, designation, True)
        if donneur is None or valeur is None:
            return None
        entree, message = self.chercher(donneur, valeur)
        if entree is None:
            ligne.erreur(colonne, message)
        return entree


def valeurs_colonne(tableau, colonne: str):
    index = tableau.colonnes.get(colonne)
    if index is None:
        return []
    return [texte_cellule(desechapper(v[index])) for _, v in tableau.lignes if texte_cellule(v[index])]


GENRES = (Marches,)
