"""The sheets of what placements give: monthly hours and sorties (outcomes).

Both name a placement as a company's statement does: the participant and the entreprise's SIRET, with the
placement's first day when the person had several placements there (Clauses' export always writes it), and the
lot when even that is not enough. Without a first day, an hour row takes the placement running in its month.

Hours are the largest sheet (1.5 million rows nationally): their rows are kept as tuples, not entries, and
compared with the stored hours a few thousand placements at a time.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from clauses.heures import dernier_jour, formater_heures, premier_du_mois
from clauses.importation.lecture import Colonne, lire_mois, texte_cellule
from clauses.importation.portefeuille.annuaires import precharger_entreprises
from clauses.importation.portefeuille.cellules import Champ, Ligne, Refus, choix, date_, heures, texte
from clauses.importation.portefeuille.lots import precharger_lots
from clauses.importation.portefeuille.moteur import Entree, FeuilleEnCours, Genre, Lue, TypeFeuille, par_lots
from clauses.importation.portefeuille.parcours import colonnes_participant, precharger_participants
from clauses.importation.portefeuille.rapport import AJOUT, INCHANGE, MODIFICATION
from clauses.importation.portefeuille.references import (
    colonne_donneur,
    colonne_lot,
    colonne_marche,
    colonne_siret_entreprise,
)
from clauses.importation.releve import LOT_ECRITURE, mettre_a_jour_heures
from clauses.models import HEURES_MAX_PAR_MOIS, HeuresMensuelles, MomentSortie, Situation, Sortie, SourceHeures


def colonnes_placement(debut_obligatoire: bool = False) -> tuple[Colonne, ...]:
    """The columns naming a placement: participant, entreprise, and its first day and lot when needed."""
    return (
        *colonnes_participant(),
        colonne_siret_entreprise(),
        Colonne(
            "debut_placement",
            "Début du placement",
            ("Début", "Date de début du placement", "Début du contrat"),
            "02/06/2025",
            "JJ/MM/AAAA : le début du placement (feuille Placements ou Clauses), si la personne en a eu plusieurs "
            "chez cette entreprise.",
        ),
        colonne_donneur(),
        colonne_marche(),
        colonne_lot(),
    )


def _precharger_placements(contexte, tableau) -> None:
    if "lot" in tableau.colonnes:
        precharger_lots(contexte, tableau)
    precharger_entreprises(contexte, tableau, "siret")
    precharger_participants(contexte, tableau)
    participants = contexte["participants"]
    pks = {e.pk for e in participants.en_base_reference.values()} | {
        e.pk for e in participants.index.values() if e.pk is not None
    }
    contexte["placements"].precharger(pks)


def _meme_lot(candidat: Entree, lot: Entree) -> bool:
    le_sien = candidat.d.lot
    if isinstance(le_sien, Entree):
        return le_sien is lot or (lot.pk is not None and le_sien.pk == lot.pk)
    return lot.pk is not None and le_sien == lot.pk


def designer_placement(contexte, ligne: Ligne, mois: dt.date | None = None) -> Entree | None:
    """The placement a row names; None (with an error) when none or several fit. ``mois``: an hour row's month,
    which the placement must run in when the row does not give its first day."""
    participant = contexte["participants"].trouver(ligne)
    entreprise = contexte["entreprises"].trouver(ligne, "siret")
    debut = ligne.lire("debut_placement", date_)
    lot = None
    if any(ligne.rempli(c) for c in ("donneur", "marche", "lot")):
        lot = contexte["lots"].trouver(ligne)
        if lot is None:
            return None
    if participant is None or entreprise is None or not ligne.valide:
        return None
    candidats = contexte["placements"].candidats(participant, entreprise)
    if debut is not None:
        candidats = [c for c in candidats if c.d.debut == debut]
    elif mois is not None:
        fin_du_mois = dernier_jour(mois)
        candidats = [c for c in candidats if c.d.debut <= fin_du_mois and (c.d.fin is None or c.d.fin >= mois)]
    if lot is not None:
        candidats = [c for c in candidats if _meme_lot(c, lot)]
    if len(candidats) == 1:
        return candidats[0]
    qui = f"{participant.d} chez {entreprise.d}"
    if not candidats:
        quand = f" commencé le {debut:%d/%m/%Y}" if debut else (f" en cours en {mois:%m/%Y}" if mois else "")
        ligne.erreur(
            "debut_placement" if debut else "siret",
            f"aucun placement de {qui}{quand}, ni dans {contexte['placements'].la_feuille} ni dans Clauses.",
        )
    else:
        ligne.erreur(
            "debut_placement",
            f"{len(candidats)} placements de {qui} conviennent : précisez le début du placement (et le lot).",
        )
    return None


# --- Monthly hours ------------------------------------------------------------------------------------------

HEURES = TypeFeuille(
    cle="heures",
    titre="Heures mensuelles",
    synonymes=("Heures", "Relevé d'heures", "Relevés d'heures", "Heures réalisées", "Heures d'insertion"),
    colonnes=(
        *colonnes_placement(),
        Colonne(
            "mois",
            "Mois",
            ("Période", "Mois concerné", "Mois travaillé"),
            "06/2025",
            "MM/AAAA (ou une date : son mois).",
        ),
        Colonne(
            "heures",
            "Heures",
            ("Nombre d'heures", "Heures réalisées", "Heures d'insertion", "Nb heures"),
            "140",
            "De 0 à 220 : un nombre (virgule ou point) ou une durée (35h30).",
        ),
    ),
    obligatoires=("siret", "mois", "heures"),
    cle_naturelle="Le placement (participant, SIRET, début du placement) et le mois.",
    description="Les heures d'insertion réalisées chaque mois, une ligne par placement et par mois.",
)


class Heures(Genre):
    definition = HEURES
    modele = HeuresMensuelles

    def __init__(self, contexte):
        super().__init__(contexte)
        self.vus: dict[tuple[int, dt.date], int] = {}
        # (line, placement, month, hours) of each row read without error.
        self.lignes_lues: list[tuple[int, Entree, dt.date, Decimal]] = []
        self.heures_a_creer: list[tuple[Entree, dt.date, Decimal]] = []
        self.heures_a_modifier: list[tuple[int, Decimal]] = []
        self.lire_heures = heures(HEURES_MAX_PAR_MOIS)

    def preparer(self, tableau) -> None:
        _precharger_placements(self.contexte, tableau)

    def lire_feuille(self, feuille: FeuilleEnCours) -> None:
        self.bilan.feuilles.append(feuille.nom)
        self.bilan.lignes += len(feuille.tableau.lignes)
        manquantes = [c for c in self.definition.obligatoires if c not in feuille.tableau.colonnes]
        if manquantes:
            titres = ", ".join(f"« {self.definition.titre_colonne(c)} »" for c in manquantes)
            feuille.erreur(None, None, f"colonnes obligatoires absentes : {titres}.")
            return
        self.preparer(feuille.tableau)
        mois_courant = premier_du_mois(self.contexte.aujourd_hui)
        for ligne in feuille.lignes():
            mois = ligne.lire("mois", _mois, True)
            if mois is not None and mois > mois_courant:
                ligne.erreur("mois", f"{mois:%m/%Y} est à venir : ses heures ne sont pas encore faites.")
            nombre = ligne.lire("heures", self.lire_heures, True)
            placement = designer_placement(self.contexte, ligne, mois) if mois is not None else None
            if placement is None or nombre is None or not ligne.valide:
                continue
            cle = (id(placement), mois)
            if cle in self.vus:
                ligne.erreur("mois", f"ce placement a déjà les heures de {mois:%m/%Y} ligne {self.vus[cle]}.")
                continue
            self.vus[cle] = ligne.numero
            self.lignes_lues.append((ligne.numero, placement, mois, nombre))

    def conclure(self) -> None:
        self.vus = {}
        nouveaux = [ligne for ligne in self.lignes_lues if ligne[1].pk is None]
        for numero, placement, mois, nombre in nouveaux:
            self._noter_ajout(numero, placement, mois, nombre)
        stockes = sorted(
            (ligne for ligne in self.lignes_lues if ligne[1].pk is not None), key=lambda rangee: rangee[1].pk or 0
        )
        self.lignes_lues = []
        for lot in _par_placement(stockes, 5000):
            existantes = {
                (placement, mois): (pk, h)
                for pk, placement, mois, h in HeuresMensuelles.objects.order_by()
                .filter(placement_id__in={ligne[1].pk for ligne in lot})
                .values_list("pk", "placement_id", "mois", "heures")
            }
            for numero, placement, mois, nombre in lot:
                existante = existantes.get((placement.pk, mois))
                if existante is None:
                    self._noter_ajout(numero, placement, mois, nombre)
                elif existante[1] == nombre:
                    self.bilan.noter(numero, INCHANGE, "")
                else:
                    self.heures_a_modifier.append((existante[0], nombre))
                    self.bilan.noter(
                        numero,
                        MODIFICATION,
                        f"{placement.d}, {mois:%m/%Y}",
                        f"{formater_heures(existante[1])} h",
                        f"{formater_heures(nombre)} h",
                    )

    def _noter_ajout(self, numero: int, placement: Entree, mois: dt.date, nombre: Decimal) -> None:
        self.heures_a_creer.append((placement, mois, nombre))
        self.bilan.noter(numero, AJOUT, f"{placement.d}, {mois:%m/%Y}", "", f"{formater_heures(nombre)} h")

    def appliquer(self) -> None:
        saisi_par = getattr(self.contexte.utilisateur, "pk", None)
        for lot in par_lots(self.heures_a_creer, LOT_ECRITURE):
            HeuresMensuelles.objects.bulk_create(
                [
                    HeuresMensuelles(
                        placement_id=placement.pk,
                        mois=mois,
                        heures=nombre,
                        source=SourceHeures.IMPORT,
                        saisi_par_id=saisi_par,
                    )
                    for placement, mois, nombre in lot
                ]
            )
        if self.heures_a_modifier:
            mettre_a_jour_heures(self.heures_a_modifier, saisi_par, timezone.now())


def _mois(valeur: object) -> dt.date:
    mois = lire_mois(valeur)
    if mois is None:
        raise Refus(f"« {texte_cellule(valeur)} » n'est pas un mois : MM/AAAA attendu, par exemple 03/2026.")
    return mois


def _par_placement(lignes: list, taille: int):
    """Rows sorted by placement, cut into batches of about ``taille`` placements (a placement's rows together)."""
    lot: list = []
    placements = 0
    precedent = None
    for ligne in lignes:
        if ligne[1].pk != precedent:
            if placements >= taille:
                yield lot
                lot, placements = [], 0
            placements += 1
            precedent = ligne[1].pk
        lot.append(ligne)
    if lot:
        yield lot


# --- Sorties ----------------------------------------------------------------------------------------------

SORTIES = TypeFeuille(
    cle="sorties",
    titre="Sorties",
    synonymes=("Sortie", "Sorties de parcours", "Situations à la sortie", "Suivi des sorties"),
    colonnes=(
        *colonnes_placement(),
        Colonne(
            "moment",
            "Moment",
            ("Quand", "Moment du constat"),
            "À la fin du placement",
            "À la fin du placement, ou Six mois après.",
        ),
        Colonne("date_constat", "Constatée le", ("Date du constat", "Date"), "31/10/2025", "JJ/MM/AAAA."),
        Colonne(
            "situation",
            "Situation",
            ("Situation à la sortie", "Sortie"),
            "CDI",
            "CDI, CDD de 6 mois ou plus, Intérim de 6 mois ou plus, Entrée dans la fonction publique, Création ou "
            "reprise d'entreprise, CDD de moins de 6 mois, Intérim de moins de 6 mois, Contrat aidé, Formation "
            "qualifiante, Embauche dans une autre SIAE, Demandeur d'emploi, Inactivité, Sans nouvelles ou Autre.",
        ),
        Colonne("employeur", "Employeur", (), "", "Texte."),
        Colonne("commentaire", "Commentaire", ("Notes",), "", "Texte."),
    ),
    obligatoires=("siret", "moment", "date_constat", "situation"),
    cle_naturelle="Le placement (participant, SIRET, début du placement) et le moment.",
    description="Où en sont les personnes à la fin d'un placement, et six mois après : une ligne par constat.",
)


class Sorties(Genre):
    definition = SORTIES
    modele = Sortie
    champs = (
        Champ("date_constat", "date_constat", date_, True),
        Champ("situation", "situation", choix(Situation), True),
        Champ("employeur", "employeur", texte(200)),
        Champ("commentaire", "commentaire", texte(5000)),
    )
    libelles = {"placement_id": "Placement"}
    lire_moment = staticmethod(
        choix(MomentSortie, fin="fin", **{"fin du placement": "fin", "6 mois": "six_mois", "six mois": "six_mois"})
    )

    def preparer(self, tableau) -> None:
        _precharger_placements(self.contexte, tableau)

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        moment = ligne.lire("moment", self.lire_moment, True)
        valeurs = ligne.champs(self.champs)
        placement = designer_placement(self.contexte, ligne)
        if placement is None or moment is None:
            return None
        lue = Lue(ligne, (placement, moment), {"placement_id": placement, "moment": moment, **valeurs})
        lue.entree.d = f"{placement.d} : {MomentSortie(moment).label.lower()}"
        return lue

    def existants(self, cles: list[tuple]) -> dict[tuple, Any]:
        voulues = set(cles)
        resultat = {}
        for lot in par_lots({placement for placement, _ in cles}):
            for ligne in (
                Sortie.objects.order_by()
                .filter(placement_id__in=lot)
                .values("pk", "placement_id", "moment", "date_constat", "situation", "employeur", "commentaire")
            ):
                cle = (ligne["placement_id"], ligne["moment"])
                if cle in voulues:
                    resultat[cle] = ligne
        return resultat

    def decrire_cle(self, lue: Lue) -> str:
        return str(lue.entree.d)


GENRES = (Heures, Sorties)
