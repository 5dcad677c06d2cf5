"""Writes and reads of the clauses app that views, the admin, the imports and the demo share."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from clauses import objectif
from clauses.models import ClauseInsertion, CorpsDEtat, HeuresMensuelles, ModaliteJuridique
from marches.models import STATUTS_AVEC_OBJECTIF, Lot

# --- A lot's clause and its hour target ------------------------------------------------------------------------


def calculer_objectif(clause: ClauseInsertion) -> ClauseInsertion:
    """Sets the clause's computed target from its inputs (``objectif.calculer_heures``). Every write of a clause's
    inputs goes through here before it saves — the calculator (``enregistrer_clause``), the admin, the demo and the
    test factory —: the model does not compute it behind a save, which a bulk write or an ``update`` would skip."""
    clause.heures_calculees = objectif.calculer_heures(
        clause.montant_ht, clause.part_main_oeuvre, clause.taux_insertion, clause.cout_horaire
    )
    return clause


@transaction.atomic
def enregistrer_clause(
    lot: Lot,
    *,
    montant_ht: Decimal,
    part_main_oeuvre: Decimal,
    taux_insertion: Decimal,
    cout_horaire: Decimal,
    corps_d_etat: CorpsDEtat | None = None,
    modalites: list[ModaliteJuridique] | tuple = (),
    heures_forcees: int | None = None,
    motif_forcage: str = "",
    part_qpv_minimum: Decimal | None = None,
) -> ClauseInsertion:
    """Creates or updates the lot's clause with its computed target."""
    clause = ClauseInsertion.objects.select_for_update().filter(lot=lot).first() or ClauseInsertion(lot=lot)
    clause.montant_ht = montant_ht
    clause.part_main_oeuvre = part_main_oeuvre
    clause.taux_insertion = taux_insertion
    clause.cout_horaire = cout_horaire
    clause.corps_d_etat = corps_d_etat
    clause.heures_forcees = heures_forcees
    # A motive without an override would explain nothing.
    clause.motif_forcage = motif_forcage.strip() if heures_forcees is not None else ""
    clause.part_qpv_minimum = part_qpv_minimum
    calculer_objectif(clause).save()
    clause.modalites.set(modalites)
    return clause


# --- Progress of a lot ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Avancement:
    objectif: int
    realisees: Decimal
    attendues: Decimal | None  # None when the lot has no execution period or is not awarded
    arrete_au: dt.date  # the day the expectation runs to (objectif.date_d_arrete)
    qpv: objectif.MinimumQPV | None = None  # None when the clause sets no QPV minimum

    @property
    def taux(self) -> Decimal | None:
        """Realised hours as a share of the target (1 = 100 %)."""
        return self.realisees / self.objectif if self.objectif else None

    @property
    def en_retard(self) -> bool:
        return objectif.en_retard(self.realisees, self.attendues)

    @property
    def situation(self) -> objectif.SituationAvancement:
        return objectif.situation_avancement(self.objectif, self.realisees, self.attendues)

    # Why nothing is expected (``attendues`` None), in the words of the lot's page; empty when something is.
    motif_sans_attendu: str = ""


def heures_du_lot(lot: Lot, jusqu_au: dt.date | None = None) -> tuple[Decimal, Decimal]:
    """The lot's hours, and those done by people who resided in a QPV when hired (one query)."""
    heures = HeuresMensuelles.objects.filter(placement__attribution__lot=lot)
    if jusqu_au is not None:
        heures = heures.filter(mois__lte=jusqu_au)
    totaux = heures.aggregate(
        total=Coalesce(Sum("heures"), Decimal(0)),
        qpv=Coalesce(Sum("heures", filter=Q(placement__reside_qpv=True)), Decimal(0)),
    )
    return totaux["total"], totaux["qpv"]


def heures_realisees_lot(lot: Lot, jusqu_au: dt.date | None = None) -> Decimal:
    return heures_du_lot(lot, jusqu_au)[0]


def avancement_lot(lot: Lot, jour: dt.date) -> Avancement:
    """Target, hours recorded by ``jour`` (months started by then) and the pro-rata expectation at the end
    of the last complete month (``objectif.date_d_arrete``); the hours of QPV residents against the clause's QPV
    minimum, judged by the same expectation (``objectif.MinimumQPV``).

    Nothing is expected of a lot whose marché is not awarded yet, so it cannot be late.
    """
    clause = getattr(lot, "clause", None)
    cible = clause.heures_objectif if clause else 0
    arrete = objectif.date_d_arrete(jour)
    attendues = None
    motif = ""
    if lot.marche.statut not in STATUTS_AVEC_OBJECTIF:
        # A marché not yet awarded may show its planned dates: they are not why nothing is expected.
        motif = f"marché {lot.marche.get_statut_display().lower()} : rien n'est attendu avant son attribution"
    else:
        attendues = objectif.heures_attendues(cible, lot.date_debut, lot.date_fin, arrete)
        if attendues is None:
            motif = "période d'exécution non renseignée"
    realisees, heures_qpv = heures_du_lot(lot, jour)
    qpv = objectif.minimum_qpv(clause.part_qpv_minimum if clause else None, cible, realisees, heures_qpv, attendues)
    return Avancement(
        objectif=cible,
        realisees=realisees,
        attendues=attendues,
        arrete_au=arrete,
        qpv=qpv,
        motif_sans_attendu=motif,
    )
