"""Bilan territorial: the structure porteuse's year, every donneur d'ordre, and the national survey's figures.

The national survey of clause facilitators asks, for a year: hours, ETP, people, contracts by type, people
by eligible public, gender, age band, qualification level and QPV residence, outcomes at the end of the
placement and six months later, and the hours by type of donneur d'ordre (commune, EPCI, bailleur…) and by
modality. The territory's figures come from ``reporting.indicateurs`` and people through
``reporting.confidentialite`` (the bilan leaves the facilitators' hands: elected officials, the survey), so
they read as on the dashboard and the portal.

It must stay fast at national size (3 000 donneurs d'ordre, 1.5 M rows of hours): every figure is a grouped
aggregate, a fixed number of queries whatever the number of donneurs — never a query per donneur. The
figures per donneur d'ordre and per type that ``indicateurs`` computes one scope at a time are computed here
grouped, with the same definitions:

- *objectif de la période*: ``indicateurs``' pro-rata expression (``objectif_au_prorata``), summed per group;
- *heures*, *personnes*: hours of the period's months and distinct people with hours, per group;
- *conventions en vigueur*: signed conventions in force on at least one day of the period;
- *marchés avec clause*: awarded or later, with a lot carrying a clause whose execution (when its dates are
  known) overlaps the period.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Case, Count, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from clauses import objectif
from clauses.models import (
    HeuresMensuelles,
    ModalitePlacement,
)
from conventions import calendrier
from conventions.models import Convention, DonneurDOrdre, TypeDonneur
from marches.models import STATUTS_AVEC_OBJECTIF, Lot, Marche, StatutMarche
from reporting import confidentialite, diffusion, indicateurs
from reporting.confidentialite import RepartitionProtegee, Tableau, masquer
from reporting.documents import commun
from reporting.documents.rapport_marche import jour_de_reference
from reporting.documents.rendu import Document, nom_de_fichier, rendre_pdf
from reporting.indicateurs import Part, Periode
from reporting.models import Rapport

GABARIT = "reporting/pdf/bilan_territorial.html"
ZERO = Decimal(0)
# WeasyPrint holds every laid-out cell until the PDF is written, about 19 kB each: 3 000 donneurs d'ordre on
# eight columns would take 450 MB. Past this many rows (a territory has 20 to 130), the table leaves out the rate
# and the ETP of each donneur, which its hours and target give.
DONNEURS_MAX_DETAILLES = 500


def _heures(periode: Periode):
    return HeuresMensuelles.objects.filter(mois__gte=indicateurs.premier_du_mois(periode.debut), mois__lte=periode.fin)


def _entier(valeur) -> Decimal:
    """A period's target in whole hours, as ``indicateurs.objectifs_periodes`` rounds it."""
    return indicateurs.en_decimal(valeur).quantize(Decimal(1), rounding=ROUND_HALF_UP)


# --- Grouped figures --------------------------------------------------------------------------------


def _lots_avec_clause(periode: Periode):
    """Lots whose clause counts in the period: marché awarded or later, execution overlapping the period (or
    dates unknown, which count for « marchés avec clause » but carry no target)."""
    return Lot.objects.filter(clause__isnull=False, marche__statut__in=STATUTS_AVEC_OBJECTIF).filter(
        Q(date_debut__isnull=True) | Q(date_debut__lte=periode.fin),
        Q(date_fin__isnull=True) | Q(date_fin__gte=periode.debut),
    )


def objectif_au_prorata(periode: Periode):
    # The very expression of indicateurs.objectifs_periodes: a lot without dates gives NULL, which Sum skips.
    return Sum(
        indicateurs.objectif_au_prorata(
            periode.debut, periode.fin, "", Coalesce("clause__heures_forcees", "clause__heures_calculees")
        )
    )


def marches_et_objectifs_par(champ: str, periode: Periode) -> dict:
    """Per ``champ`` (a lookup from Lot): marchés with a clause in the period and the period's target."""
    lignes = (
        _lots_avec_clause(periode)
        .order_by()
        .values(champ)
        .annotate(marches=Count("marche", distinct=True), objectif=objectif_au_prorata(periode))
    )
    return {ligne[champ]: {"marches": ligne["marches"], "objectif": _entier(ligne["objectif"])} for ligne in lignes}


def heures_et_personnes_par(champ: str, periode: Periode, **autres) -> dict:
    """Per ``champ`` (a lookup from HeuresMensuelles): hours of the period and distinct people with hours."""
    lignes = (
        _heures(periode)
        .order_by()
        .values(champ)
        .annotate(
            # Not « heures »: the filter below must read the field, not this sum.
            total=Coalesce(Sum("heures"), ZERO),
            personnes=Count("placement__participant", distinct=True, filter=Q(heures__gt=0)),
            **autres,
        )
    )
    return {ligne[champ]: ligne for ligne in lignes}


def conventions_en_vigueur_par_donneur(periode: Periode) -> Counter:
    """Signed conventions in force on at least one day of the period, per donneur d'ordre (two queries).

    A convention never given notice, or given notice during or after the period, is in force from its date of
    effect on: the database counts those. One given notice before the period may still run to an échéance
    inside it; when is month arithmetic (``conventions.calendrier``), done for those few rows only.
    """
    signees = Convention.objects.filter(date_signature__isnull=False, date_effet__lte=periode.fin).order_by()
    comptes = Counter(
        dict(
            signees.filter(Q(date_denonciation__isnull=True) | Q(date_denonciation__gte=periode.debut))
            .values_list("donneur_d_ordre")
            .annotate(n=Count("pk"))
        )
    )
    denoncees_avant = signees.filter(date_denonciation__lt=periode.debut).values_list(
        "donneur_d_ordre", "date_effet", "date_denonciation", "duree_mois", "preavis_mois"
    )
    for donneur, date_effet, date_denonciation, duree_mois, preavis_mois in denoncees_avant:
        fin = calendrier.periode_de_fin(date_effet, date_denonciation, duree_mois, preavis_mois).echeance
        if fin >= periode.debut:
            comptes[donneur] += 1
    return comptes


# --- Every donneur d'ordre ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LigneDonneur:
    nom: str
    type: str  # label
    conventions: int
    marches: int
    objectif: Decimal
    heures: Decimal
    personnes: str  # as shown (« < 3 »)

    @property
    def etp(self) -> Decimal:
        return indicateurs.etp(self.heures)

    @property
    def taux(self) -> Decimal | None:
        return indicateurs.taux_realisation(self.heures, self.objectif)


def donneurs_du_bilan(periode: Periode) -> list[LigneDonneur]:
    """Every active donneur d'ordre, and any other with a convention, a marché or hours in the period, by type
    then name: five queries whatever their number."""
    conventions = conventions_en_vigueur_par_donneur(periode)
    marches = marches_et_objectifs_par("marche__donneur_d_ordre", periode)
    heures = heures_et_personnes_par("placement__attribution__lot__marche__donneur_d_ordre", periode)
    libelles = dict(TypeDonneur.choices)
    # The nomenclature's order (commune, EPCI…), then by name: the template groups the rows by type.
    ordre_des_types = Case(
        *(When(type=code, then=Value(i)) for i, code in enumerate(TypeDonneur.values)),
        default=Value(len(TypeDonneur.values)),
    )
    donneurs = DonneurDOrdre.objects.order_by(ordre_des_types, "nom", "pk").values_list("pk", "nom", "type", "actif")
    lignes = []
    for pk, nom, type_, actif in donneurs:
        m, h = marches.get(pk, {}), heures.get(pk, {})
        if not (actif or conventions.get(pk) or m or h):
            continue
        lignes.append(
            LigneDonneur(
                nom=nom,
                type=libelles.get(type_, type_),
                conventions=conventions.get(pk, 0),
                marches=m.get("marches", 0),
                objectif=m.get("objectif", ZERO),
                heures=h.get("total", ZERO),
                personnes=masquer(h.get("personnes", 0)),
            )
        )
    return lignes


# --- By type of donneur d'ordre, by modality ---------------------------------------------------------


@dataclass(frozen=True)
class LigneGroupe:
    """A row of a table by type of donneur d'ordre or by modality."""

    libelle: str
    heures: Decimal
    part: Decimal | None  # of the territory's hours
    personnes: str  # as shown
    objectif: Decimal | None = None
    donneurs: int | None = None

    @property
    def etp(self) -> Decimal:
        return indicateurs.etp(self.heures)

    @property
    def taux(self) -> Decimal | None:
        return indicateurs.taux_realisation(self.heures, self.objectif) if self.objectif is not None else None


def par_type_de_donneur(periode: Periode, total: Decimal) -> list[LigneGroupe]:
    """Hours, target, people and donneurs d'ordre with hours, by type of donneur d'ordre (two queries)."""
    champ = "placement__attribution__lot__marche__donneur_d_ordre__type"
    heures = heures_et_personnes_par(
        champ,
        periode,
        donneurs=Count("placement__attribution__lot__marche__donneur_d_ordre", distinct=True, filter=Q(heures__gt=0)),
    )
    objectifs = marches_et_objectifs_par("marche__donneur_d_ordre__type", periode)
    lignes = []
    for code, libelle in TypeDonneur.choices:
        h, o = heures.get(code, {}), objectifs.get(code, {})
        if not (h or o):
            continue
        valeur = h.get("total", ZERO)
        lignes.append(
            LigneGroupe(
                libelle=libelle,
                heures=valeur,
                part=valeur / total if total else None,
                personnes=masquer(h.get("personnes", 0)),
                objectif=o.get("objectif", ZERO),
                donneurs=h.get("donneurs", 0),
            )
        )
    return lignes


def par_modalite(periode: Periode, total: Decimal) -> list[LigneGroupe]:
    """Hours and people by modality of the placements (direct hiring, ETTI, GEIQ…): one query."""
    lignes = heures_et_personnes_par("placement__modalite", periode)
    return [
        LigneGroupe(
            libelle=libelle,
            heures=lignes[code]["total"],
            part=lignes[code]["total"] / total if total else None,
            personnes=masquer(lignes[code]["personnes"]),
        )
        for code, libelle in ModalitePlacement.choices
        if code in lignes
    ]


def heures_par_type_de_marche(periode: Periode) -> list[Part]:
    """Hours by sector (travaux, services, fournitures), every sector in order: the national survey's rows."""
    return indicateurs.heures_par_type_de_marche(periode.debut, periode.fin)


def heures_par_modalite_juridique(periode: Periode) -> list[Part]:
    """Hours by legal modality of the lot's clause; a clause may combine several, so rows may add up to more."""
    lignes = (
        _heures(periode)
        .filter(placement__attribution__lot__clause__modalites__isnull=False)
        .order_by()
        .values(
            "placement__attribution__lot__clause__modalites__libelle",
            "placement__attribution__lot__clause__modalites__ordre",
        )
        .annotate(valeur=Sum("heures"))
        .order_by("placement__attribution__lot__clause__modalites__ordre")
    )
    return [
        Part("", ligne["placement__attribution__lot__clause__modalites__libelle"], ligne["valeur"]) for ligne in lignes
    ]


def sorties_a_six_mois(periode: Periode) -> list[Part]:
    """Situations noted six months after a placement, in the period, by national category (one query)."""
    return indicateurs.sorties_a_six_mois(periode.debut, periode.fin)


def heures_des_residents_qpv(periode: Periode) -> Decimal:
    """Hours done by people who resided in a quartier prioritaire when hired (``Placement.reside_qpv``: ANRU
    operations ask for at least 5 %)."""
    return _heures(periode).filter(placement__reside_qpv=True).aggregate(total=Coalesce(Sum("heures"), ZERO))["total"]


def lots_avec_minimum_qpv(periode: Periode, jour: dt.date) -> list[commun.LigneQPV]:
    """The lots whose clause sets a QPV minimum (ANRU), by donneur d'ordre then marché, their QPV hours against it
    as the marché report and the bilan annuel judge them (``commun.lignes_qpv``): five queries at most, over those
    lots only.

    The bilan leaves the facilitators' hands (elected officials, the national survey): a lot's QPV hours are
    printed only as the disclosure policy lets a donneur d'ordre read them (``diffusion.heures_qpv_publiees``).
    Every status, as the bilan annuel: a lot's hours count whatever became of its marché since.
    """
    marches = indicateurs.avancement_des_marches(
        periode.debut, periode.fin, jour, statuts=StatutMarche.values, minimum_qpv=True
    )
    if not marches:
        return []
    donneurs = dict(
        Marche.objects.filter(pk__in=[m.marche_id for m in marches]).values_list("pk", "donneur_d_ordre__nom")
    )
    marches.sort(key=lambda m: (donneurs.get(m.marche_id, ""), m.objet, m.marche_id))
    return commun.lignes_qpv(marches, donneur=True, donneurs_des_marches=donneurs)


# --- What the national survey adds: companies, trades, new entrants ----------------------------------------------


@dataclass(frozen=True)
class ChiffresEnquete:
    """The national survey's figures the rest of the bilan does not give (``reporting.indicateurs``)."""

    entreprises: indicateurs.Entreprises
    nouveaux_entrants: str  # people, as shown (« < 3 »)
    par_corps_d_etat: list[Part]


def chiffres_de_l_enquete(periode: Periode) -> ChiffresEnquete:
    """Companies involved, new entrants (protected, as every count of people here) and hours by trade: three
    queries."""
    return ChiffresEnquete(
        entreprises=indicateurs.entreprises_impliquees(periode.debut, periode.fin),
        nouveaux_entrants=masquer(indicateurs.nouveaux_entrants(periode.debut, periode.fin)),
        par_corps_d_etat=indicateurs.heures_par_corps_d_etat(periode.debut, periode.fin),
    )


# --- The document ------------------------------------------------------------------------------------


def tableaux_des_personnes(
    statistiques: confidentialite.StatistiquesProtegees, qpv: Tableau | None, six_mois: RepartitionProtegee
) -> list[Tableau]:
    """The portal's protected tables, with QPV residence (when it can be shown, ``commun.tableau_qpv``) and the
    outcomes six months later added."""
    tableaux = list(statistiques.tableaux)
    if qpv is not None:
        apres_publics = next(i for i, t in enumerate(tableaux) if t.cle == "public") + 1
        tableaux.insert(apres_publics, qpv)
    tableaux.append(
        Tableau(
            "sortie_six_mois",
            "Situations six mois après la sortie, par catégorie",
            "Catégorie de sortie",
            "Situations",
            six_mois,
            note="Situation constatée six mois après la fin du parcours, dans la période.",
        )
    )
    return tableaux


@dataclass
class ContenuBilanTerritorial:
    periode: Periode
    arrete_au: dt.date
    chiffres: indicateurs.ChiffresCles
    statistiques: confidentialite.StatistiquesProtegees
    tableaux: list[Tableau]  # every breakdown of people, protected
    contrats: str  # contracts started, as shown
    heures_qpv: Decimal
    donneurs: list[LigneDonneur]
    conventions: int
    marches: int
    par_type: list[LigneGroupe]
    par_modalite: list[LigneGroupe]
    par_type_de_marche: list[Part]
    par_modalite_juridique: list[Part]
    graphique: str
    enquete: ChiffresEnquete
    # The lots with a QPV minimum, their QPV hours as a donneur d'ordre may read them (``lots_avec_minimum_qpv``).
    lignes_qpv: list[commun.LigneQPV]

    donneurs_max_detailles = DONNEURS_MAX_DETAILLES

    @property
    def tableau_compact(self) -> bool:
        return len(self.donneurs) > DONNEURS_MAX_DETAILLES

    @property
    def part_qpv(self) -> Decimal | None:
        return self.heures_qpv / self.chiffres.heures if self.chiffres.heures else None


def contenu(periode: Periode, aujourd_hui: dt.date | None = None) -> ContenuBilanTerritorial:
    """Every figure of the bilan: a fixed number of queries (about 25), whatever the number of donneurs."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    jour = jour_de_reference(periode.fin, aujourd_hui)
    arrete = objectif.date_d_arrete(jour)
    chiffres = indicateurs.chiffres_cles(periode, jour)
    statistiques = confidentialite.statistiques_personnes(periode.debut, periode.fin)
    contrats = next(t for t in statistiques.tableaux if t.cle == "contrat").repartition.total
    donneurs = donneurs_du_bilan(periode)

    graphique, _ = commun.histogramme_des_mois(
        "heures-mensuelles",
        "Heures d'insertion réalisées par mois sur le territoire",
        periode.debut,
        min(periode.fin, arrete),
    )
    return ContenuBilanTerritorial(
        periode=periode,
        arrete_au=arrete,
        chiffres=chiffres,
        statistiques=statistiques,
        contrats=contrats,
        tableaux=tableaux_des_personnes(
            statistiques,
            commun.tableau_qpv(periode.debut, periode.fin, statistiques),
            confidentialite.proteger(sorties_a_six_mois(periode)),
        ),
        heures_qpv=heures_des_residents_qpv(periode),
        donneurs=donneurs,
        conventions=sum(d.conventions for d in donneurs),
        marches=sum(d.marches for d in donneurs),
        par_type=par_type_de_donneur(periode, chiffres.heures),
        par_modalite=par_modalite(periode, chiffres.heures),
        par_type_de_marche=heures_par_type_de_marche(periode),
        par_modalite_juridique=heures_par_modalite_juridique(periode),
        graphique=graphique,
        enquete=chiffres_de_l_enquete(periode),
        lignes_qpv=lots_avec_minimum_qpv(periode, jour),
    )


def rendre(periode: Periode, aujourd_hui: dt.date | None = None) -> bytes:
    """The bilan's PDF, without a ``Rapport`` row (benchmarks, previews)."""
    contexte = {
        "bilan": contenu(periode, aujourd_hui),
        "seuil": confidentialite.SEUIL,
        "heures_par_etp": settings.CLAUSES_HEURES_PAR_ETP,
        "regle_qpv": diffusion.PHRASE_QPV,
    }
    return rendre_pdf(GABARIT, contexte)


def produire(rapport: Rapport) -> Document:
    periode = Periode(rapport.periode_debut, rapport.periode_fin)
    annee_civile = (periode.debut.month, periode.debut.day, periode.fin.month, periode.fin.day) == (1, 1, 12, 31)
    parties: tuple[str | int, ...]
    if annee_civile and periode.debut.year == periode.fin.year:
        parties = ("Bilan territorial", periode.debut.year)
    else:
        parties = ("Bilan territorial", f"{periode.debut:%Y-%m-%d}", f"{periode.fin:%Y-%m-%d}")
    return Document(nom=nom_de_fichier(*parties), contenu=rendre(periode))


__all__ = ["contenu", "donneurs_du_bilan", "produire", "rendre"]
