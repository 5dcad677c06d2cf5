"""The sheets of the lots, with their clause and hour target, and of the attributions (which entreprise holds
which lot, and as what).

A lot is known by its marché (``marches``) and its number; an attribution by its lot and its entreprise's SIRET.
The stored lots and attributions that the later sheets name are read a few queries per sheet (``precharger``).
"""

from decimal import Decimal
from typing import Any

from clauses.importation.lecture import Colonne, normaliser
from clauses.importation.portefeuille.annuaires import precharger_entreprises
from clauses.importation.portefeuille.cellules import (
    Champ,
    Ligne,
    choix,
    date_,
    decimal_,
    designation,
    email,
    entier,
    liste,
    pourcentage,
    texte,
)
from clauses.importation.portefeuille.marches import MONTANT, valeurs_colonne
from clauses.importation.portefeuille.moteur import Entree, Genre, Lue, TypeFeuille, par_lots
from clauses.importation.portefeuille.references import (
    colonne_donneur,
    colonne_lot,
    colonne_marche,
    colonne_siret_entreprise,
)
from clauses.models import ClauseInsertion, CorpsDEtat, ModaliteJuridique
from clauses.objectif import calculer_heures
from marches.models import Attribution, Lot, RoleAttributaire

# --- Lots and their clause ---------------------------------------------------------------------------------

COLONNES_CLAUSE = (
    Colonne(
        "modalites",
        "Modalités juridiques",
        ("Modalités", "Modalité juridique", "Modalité de la clause"),
        "Condition d'exécution; Critère d'attribution",
        "Codes ou libellés séparés par « ; » : Condition d'exécution, Critère d'attribution, Marché réservé aux "
        "SIAE, Marché réservé aux EA et ESAT, Marché d'insertion et de qualification.",
    ),
    Colonne(
        "corps_d_etat",
        "Corps d'état",
        ("Corps d'état ou prestation", "Métier", "Lot technique"),
        "Peinture intérieure",
        "Libellé d'un corps d'état de Clauses (sa part de main-d'œuvre sert à défaut d'en donner une).",
    ),
    Colonne(
        "clause_montant_ht", "Montant HT retenu (€)", ("Montant retenu",), "850000", "Nombre : l'assiette du calcul."
    ),
    Colonne("part_main_oeuvre", "Part de main-d'œuvre (%)", ("Part de main d'oeuvre", "Part MO"), "70", "De 0 à 100."),
    Colonne("taux_insertion", "Taux d'insertion (%)", ("Taux d'insertion", "Taux"), "7", "De 0 à 100."),
    Colonne("cout_horaire", "Coût horaire (€/h)", ("Coût horaire", "Coût horaire chargé"), "30", "Nombre, plus de 0."),
    Colonne(
        "heures_forcees",
        "Objectif forcé (heures)",
        ("Objectif forcé", "Objectif d'heures forcé"),
        "",
        "Nombre entier : remplace le calcul. Seul, sans les éléments du calcul, il suffit : le taux est alors "
        "pris à 0 et le coût horaire à 30 €.",
    ),
    Colonne("motif_forcage", "Motif du forçage", ("Motif",), "", "Texte."),
    Colonne(
        "part_qpv_minimum",
        "Part minimale QPV (%)",
        ("Part QPV", "Part minimale d'heures pour des habitants de QPV"),
        "",
        "De 0 à 100 : opérations financées par l'ANRU, au moins 5 %.",
    ),
    Colonne(
        "objectif",
        "Objectif retenu (heures)",
        ("Objectif (heures)",),
        "1388",
        "Pour information : l'objectif que Clauses retient (calcul ou forçage), recalculé à l'import.",
    ),
)
CHAMPS_CLAUSE = (
    Champ("clause_montant_ht", "montant_ht", MONTANT),
    Champ("part_main_oeuvre", "part_main_oeuvre", pourcentage),
    Champ("taux_insertion", "taux_insertion", pourcentage),
    Champ("cout_horaire", "cout_horaire", decimal_(7, 2, Decimal("0.01"))),
    Champ("heures_forcees", "heures_forcees", entier(0)),
    Champ("motif_forcage", "motif_forcage", texte(5000)),
    Champ("part_qpv_minimum", "part_qpv_minimum", pourcentage),
)
LIBELLES_CLAUSE = {
    "montant_ht": "Montant HT retenu",
    "part_main_oeuvre": "Part de main-d'œuvre",
    "taux_insertion": "Taux d'insertion",
    "cout_horaire": "Coût horaire",
    "heures_forcees": "Objectif forcé",
    "motif_forcage": "Motif du forçage",
    "part_qpv_minimum": "Part minimale QPV",
    "corps_d_etat_id": "Corps d'état",
    "heures_calculees": "Heures calculées",
}
INTRANTS = ("montant_ht", "part_main_oeuvre", "taux_insertion", "cout_horaire")
COUT_HORAIRE_PAR_DEFAUT = Decimal(30)

LOTS = TypeFeuille(
    cle="lots",
    titre="Lots",
    synonymes=("Lot", "Lots et clauses", "Clauses", "Objectifs"),
    colonnes=(
        colonne_donneur(),
        colonne_marche(),
        Colonne(
            "numero", "Numéro du lot", ("Lot", "N° de lot", "Numéro"), "1", "Texte court : 1, 2, 3a ou « Unique »."
        ),
        Colonne("intitule", "Intitulé", ("Intitulé du lot", "Désignation"), "Peinture", "Texte."),
        Colonne("montant_ht", "Montant HT (€)", ("Montant du lot", "Montant"), "850000", "Nombre."),
        Colonne("date_debut", "Début d'exécution", ("Début",), "01/05/2025", "JJ/MM/AAAA."),
        Colonne("date_fin", "Fin d'exécution", ("Fin",), "31/12/2025", "JJ/MM/AAAA."),
        *COLONNES_CLAUSE,
    ),
    obligatoires=("donneur", "marche", "numero", "intitule"),
    cle_naturelle="Le marché (donneur d'ordre et référence) et le numéro du lot.",
    description=(
        "Les lots des marchés, un par ligne, avec leur clause d'insertion et leur objectif d'heures (laissez les "
        "colonnes de la clause vides pour un lot sans clause)."
    ),
)


class Lots(Genre):
    definition = LOTS
    modele = Lot
    champs = (
        Champ("intitule", "intitule", texte(250), True),
        Champ("montant_ht", "montant_ht", MONTANT),
        Champ("date_debut", "date_debut", date_),
        Champ("date_fin", "date_fin", date_),
    )
    libelles = {"marche_id": "Marché"}

    def __init__(self, contexte):
        super().__init__(contexte)
        self.corps: dict[str, tuple[int, Decimal]] | None = None
        self.modalites: dict[str, int] = {}
        self.codes_modalites: dict[int, str] = {}
        self.clauses_base: dict[int, dict] = {}
        self.clauses_a_creer: list[tuple[Entree, dict, set[int]]] = []
        self.clauses_a_modifier: list[tuple[int, dict]] = []
        self.modalites_a_remplacer: list[tuple[int, set[int]]] = []
        self.en_base: dict[tuple, Entree] = {}
        self.marches_lus: set[int] = set()

    def preparer(self, tableau) -> None:
        if self.corps is None:
            self.corps = {}
            for pk, libelle, part in CorpsDEtat.objects.values_list("pk", "libelle", "part_main_oeuvre"):
                self.corps[normaliser(libelle)] = (pk, part)
            for pk, code, libelle in ModaliteJuridique.objects.values_list("pk", "code", "libelle"):
                self.modalites[normaliser(code)] = self.modalites[normaliser(libelle)] = pk
                self.codes_modalites[pk] = libelle
        self.contexte["marches"].precharger(valeurs_colonne(tableau, "marche"))

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        marche = self.contexte["marches"].trouver(ligne)
        numero = ligne.lire("numero", texte(10), True)
        valeurs = ligne.champs(self.champs)
        clause = self._lire_clause(ligne)
        if marche is None or not numero:
            return None
        lue = Lue(ligne, (marche, numero), {"marche_id": marche, "numero": numero, **valeurs}, clause)
        lue.entree.d = f"Lot {numero} — {marche.d}"
        return lue

    def _lire_clause(self, ligne: Ligne) -> dict | None:
        """The clause's cells of the row: None when they are all empty (no clause, or the stored one kept)."""
        if not any(ligne.rempli(c.cle) for c in COLONNES_CLAUSE if c.cle != "objectif"):
            return None
        valeurs = ligne.champs(CHAMPS_CLAUSE)
        assert self.corps is not None
        if libelle := ligne.lire("corps_d_etat", texte(250)):
            corps = self.corps.get(normaliser(libelle.rsplit(" (", 1)[0])) or self.corps.get(normaliser(libelle))
            if corps is None:
                ligne.erreur(
                    "corps_d_etat", f"« {libelle} » n'est pas un corps d'état de Clauses (voyez l'administration)."
                )
            else:
                valeurs["corps_d_etat_id"] = corps[0]
                valeurs["_part_corps"] = corps[1]
        if ligne.rempli("modalites"):
            choisies = set()
            for morceau in liste(ligne.brut("modalites")):
                pk = self.modalites.get(normaliser(morceau))
                if pk is None:
                    ligne.erreur("modalites", f"« {morceau} » n'est pas une modalité juridique de Clauses.")
                else:
                    choisies.add(pk)
            valeurs["_modalites"] = choisies
        return valeurs

    def existants(self, cles: list[tuple]) -> dict[tuple, Any]:
        voulues = set(cles)
        resultat = {}
        champs = ["pk", "marche_id", "numero", *(c.champ for c in self.champs)]
        for lot in par_lots({marche for marche, _ in cles}):
            for ligne in Lot.objects.order_by().filter(marche_id__in=lot).values(*champs):
                cle = (ligne["marche_id"], ligne["numero"])
                if cle in voulues:
                    resultat[cle] = ligne
        lots = [ligne["pk"] for ligne in resultat.values()]
        champs_clause = ["pk", "lot_id", "corps_d_etat_id", "heures_calculees", *(c.champ for c in CHAMPS_CLAUSE)]
        for lot in par_lots(lots):
            for ligne in ClauseInsertion.objects.filter(lot_id__in=lot).values(*champs_clause):
                self.clauses_base[ligne["lot_id"]] = {**ligne, "_modalites": set()}
            for lot_id, modalite in ClauseInsertion.modalites.through.objects.filter(
                clauseinsertion__lot_id__in=lot
            ).values_list("clauseinsertion__lot_id", "modalitejuridique_id"):
                self.clauses_base[lot_id]["_modalites"].add(modalite)
        return resultat

    def completer(self, lue: Lue, existant: dict | None) -> None:
        """The clause as it will be stored (the stored one overlaid with the row's cells), its target computed."""
        donnees = lue.extra
        if donnees is None:
            lue.extra = None
            return
        stockee = self.clauses_base.get(existant["pk"]) if existant else None
        part_corps = donnees.pop("_part_corps", None)
        apres = {**(stockee or {}), **donnees}
        if apres.get("part_main_oeuvre") is None and part_corps is not None:
            apres["part_main_oeuvre"] = part_corps
        manquants = [c for c in INTRANTS if apres.get(c) is None]
        if manquants and apres.get("heures_forcees") is not None:
            montant_lot = lue.valeurs.get("montant_ht", (existant or {}).get("montant_ht"))
            defauts = {"montant_ht": montant_lot or Decimal(0), "part_main_oeuvre": Decimal(0)}
            defauts |= {"taux_insertion": Decimal(0), "cout_horaire": COUT_HORAIRE_PAR_DEFAUT}
            for champ in manquants:
                apres[champ] = apres.get(champ) if apres.get(champ) is not None else defauts[champ]
        elif manquants:
            titres = ", ".join(
                f"« {LOTS.titre_colonne(c if c != 'montant_ht' else 'clause_montant_ht')} »" for c in manquants
            )
            lue.ligne.erreur(None, f"clause incomplète : {titres} manquant(s) ; ou donnez un objectif forcé.")
            lue.extra = None
            return
        if apres.get("heures_forcees") is None:
            apres["motif_forcage"] = ""
        apres["heures_calculees"] = calculer_heures(*(apres[c] for c in INTRANTS))
        champs = [
            *INTRANTS,
            "corps_d_etat_id",
            "heures_forcees",
            "motif_forcage",
            "part_qpv_minimum",
            "heures_calculees",
        ]
        valeurs = {c: apres.get(c) for c in champs}
        valeurs["motif_forcage"] = valeurs["motif_forcage"] or ""
        modalites = apres.get("_modalites", set())
        if stockee is None:
            lue.extra = {"creation": True, "valeurs": valeurs, "modalites": modalites}
            return
        changements = {c: v for c, v in valeurs.items() if stockee.get(c) != v}
        lue.extra = {
            "creation": False,
            "pk": stockee["pk"],
            "avant": {c: stockee.get(c) for c in changements},
            "changements": changements,
            "modalites": modalites if modalites != stockee["_modalites"] else None,
            "modalites_avant": stockee["_modalites"],
        }

    def autres_changements(self, lue: Lue, existant: dict) -> dict:
        clause = lue.extra
        if clause is None or not lue.ligne.valide:
            return {}
        if clause["creation"]:
            return {"Clause": ("aucune", self._texte_clause(clause["valeurs"], clause["modalites"]))}
        if not clause["changements"] and clause["modalites"] is None:
            return {}
        avant = self._texte_clause(
            clause["avant"], clause["modalites_avant"] if clause["modalites"] is not None else None
        )
        apres = self._texte_clause(clause["changements"], clause["modalites"])
        return {"Clause": (avant, apres)}

    def _texte_clause(self, valeurs: dict, modalites: set[int] | None) -> str:
        morceaux = [
            f"{LIBELLES_CLAUSE[c]} {'—' if v is None else v}" for c, v in valeurs.items() if c in LIBELLES_CLAUSE
        ]
        if modalites is not None:
            morceaux.append("modalités " + (", ".join(sorted(self.codes_modalites[m] for m in modalites)) or "aucune"))
        return ", ".join(morceaux)

    def apres_conclusion(self, lue: Lue, apres: dict) -> None:
        if not lue.ligne.valide or lue.extra is None:
            return
        clause = lue.extra
        if clause["creation"]:
            self.clauses_a_creer.append((lue.entree, clause["valeurs"], clause["modalites"]))
            return
        if clause["changements"]:
            self.clauses_a_modifier.append((clause["pk"], clause["changements"]))
        if clause["modalites"] is not None:
            self.modalites_a_remplacer.append((clause["pk"], clause["modalites"]))

    def decrire_cle(self, lue: Lue) -> str:
        return str(lue.entree.d)

    def conclure(self) -> None:
        super().conclure()
        self.clauses_base = {}

    def apres_ecriture(self) -> None:
        Through = ClauseInsertion.modalites.through
        clauses = [ClauseInsertion(lot_id=entree.pk or 0, **valeurs) for entree, valeurs, _ in self.clauses_a_creer]
        ClauseInsertion.objects.bulk_create(clauses, batch_size=2000)
        liens = [
            Through(clauseinsertion_id=clause.pk, modalitejuridique_id=m)
            for clause, (_, _, modalites) in zip(clauses, self.clauses_a_creer, strict=True)
            for m in modalites
        ]
        self.mettre_a_jour(self.clauses_a_modifier, ClauseInsertion)
        for lot in par_lots([pk for pk, _ in self.modalites_a_remplacer]):
            Through.objects.filter(clauseinsertion_id__in=lot).delete()
        liens += [
            Through(clauseinsertion_id=pk, modalitejuridique_id=m)
            for pk, modalites in self.modalites_a_remplacer
            for m in modalites
        ]
        Through.objects.bulk_create(liens, batch_size=5000)

    # References from the other sheets.

    def precharger(self, marches: set[int]) -> None:
        nouveaux = marches - self.marches_lus
        self.marches_lus |= nouveaux
        for lot in par_lots(nouveaux):
            for pk, marche, numero in (
                Lot.objects.order_by().filter(marche_id__in=lot).values_list("pk", "marche_id", "numero")
            ):
                self.en_base[(marche, numero)] = Entree(pk)

    def trouver(self, ligne: Ligne) -> Entree | None:
        marche = self.contexte["marches"].trouver(ligne)
        numero = ligne.lire("lot", designation, True)
        if marche is None or numero is None:
            return None
        entree = self.index.get((marche, numero))
        if entree is None and marche.pk is not None:
            entree = self.en_base.get((marche.pk, numero))
            if entree is not None and entree.d is None:
                entree.d = f"Lot {numero} — {marche.d}"
        if entree is None:
            ligne.erreur(
                "lot", f"le marché {marche.d} n'a pas de lot « {numero} », ni dans {self.la_feuille} ni dans Clauses."
            )
        return entree


def precharger_lots(contexte, tableau) -> None:
    """Before a sheet naming lots: the stored marchés and lots its rows may name, in a few queries."""
    marches = contexte["marches"]
    marches.precharger(valeurs_colonne(tableau, "marche"))
    pks = {e.pk for e in marches.en_base.values() if isinstance(e, Entree) and e.pk is not None}
    contexte["lots"].precharger(pks)


# --- Attributions -----------------------------------------------------------------------------------------

ATTRIBUTIONS = TypeFeuille(
    cle="attributions",
    titre="Attributions",
    synonymes=("Attribution", "Attributaires des lots", "Titulaires des lots"),
    colonnes=(
        colonne_donneur(),
        colonne_marche(),
        colonne_lot(),
        colonne_siret_entreprise(),
        Colonne(
            "role",
            "Rôle",
            ("Rôle de l'entreprise",),
            "Titulaire",
            "Titulaire (par défaut), Mandataire, Co-traitant ou Sous-traitant.",
        ),
        Colonne("montant_ht", "Montant HT (€)", ("Montant",), "850000", "Nombre."),
        Colonne(
            "heures_objectif",
            "Objectif d'heures attribué",
            ("Objectif attribué", "Heures attribuées"),
            "",
            "Nombre entier : sa part de l'objectif du lot.",
        ),
        Colonne("date_notification", "Notification", ("Date de notification",), "15/04/2025", "JJ/MM/AAAA."),
        Colonne("date_debut", "Début prévu", ("Début",), "01/05/2025", "JJ/MM/AAAA."),
        Colonne("date_fin", "Fin prévue", ("Fin",), "31/12/2025", "JJ/MM/AAAA."),
        Colonne("contact_nom", "Nom du contact", ("Contact",), "", "Texte."),
        Colonne("contact_email", "E-mail du contact", (), "", "Adresse."),
        Colonne("contact_telephone", "Téléphone du contact", (), "", "Texte."),
    ),
    obligatoires=("donneur", "marche", "lot", "siret"),
    cle_naturelle="Le lot (donneur d'ordre, marché, numéro) et le SIRET de l'entreprise.",
    description="Quelle entreprise tient quel lot, et à quel titre : une ligne par entreprise et par lot.",
)


class Attributions(Genre):
    definition = ATTRIBUTIONS
    modele = Attribution
    champs = (
        Champ("role", "role", choix(RoleAttributaire)),
        Champ("montant_ht", "montant_ht", MONTANT),
        Champ("heures_objectif", "heures_objectif", entier(0)),
        Champ("date_notification", "date_notification", date_),
        Champ("date_debut", "date_debut", date_),
        Champ("date_fin", "date_fin", date_),
        Champ("contact_nom", "contact_nom", texte(200)),
        Champ("contact_email", "contact_email", email),
        Champ("contact_telephone", "contact_telephone", texte(30)),
    )
    libelles = {"lot_id": "Lot", "entreprise_id": "Entreprise"}

    def __init__(self, contexte):
        super().__init__(contexte)
        self.en_base: dict[tuple, Entree] = {}
        self.lots_lus: set[int] = set()

    def preparer(self, tableau) -> None:
        precharger_lots(self.contexte, tableau)
        precharger_entreprises(self.contexte, tableau, "siret")

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        lot = self.contexte["lots"].trouver(ligne)
        entreprise = self.contexte["entreprises"].trouver(ligne, "siret")
        valeurs = ligne.champs(self.champs)
        if lot is None or entreprise is None:
            return None
        lue = Lue(ligne, (lot, entreprise), {"lot_id": lot, "entreprise_id": entreprise, **valeurs})
        lue.entree.d = f"{entreprise.d} — {lot.d}"
        return lue

    def verifier(self, lue: Lue, apres: dict) -> None:
        if apres.get("date_debut") and apres.get("date_fin") and apres["date_fin"] < apres["date_debut"]:
            lue.ligne.erreur("date_fin", "la fin prévue précède le début prévu.")

    def existants(self, cles: list[tuple]) -> dict[tuple, Any]:
        voulues = set(cles)
        resultat = {}
        champs = ["pk", "lot_id", "entreprise_id", *(c.champ for c in self.champs)]
        for lot in par_lots({lot for lot, _ in cles}):
            for ligne in Attribution.objects.order_by().filter(lot_id__in=lot).values(*champs):
                cle = (ligne["lot_id"], ligne["entreprise_id"])
                if cle in voulues:
                    resultat[cle] = ligne
        return resultat

    def decrire_cle(self, lue: Lue) -> str:
        return str(lue.entree.d)

    # References from the other sheets.

    def precharger(self, lots: set[int]) -> None:
        nouveaux = lots - self.lots_lus
        self.lots_lus |= nouveaux
        for lot in par_lots(nouveaux):
            for pk, lot_id, entreprise in (
                Attribution.objects.order_by().filter(lot_id__in=lot).values_list("pk", "lot_id", "entreprise_id")
            ):
                self.en_base[(lot_id, entreprise)] = Entree(pk)

    def chercher(self, lot: Entree, entreprise: Entree) -> Entree | None:
        entree = self.index.get((lot, entreprise))
        if entree is None and lot.pk is not None and entreprise.pk is not None:
            entree = self.en_base.get((lot.pk, entreprise.pk))
        return entree


GENRES = (Lots, Attributions)
