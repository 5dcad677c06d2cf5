"""What the facilitator should act on, for the home page: each alert says what, with figures, and links to
the object to fix.

Every kind is computed with one or two queries, whatever the number of rows; each kind keeps its
``LIMITE_PAR_TYPE`` most urgent alerts and the total count, so that the page stays small on a large territory.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.db.models import Case, Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Sum, When, Window
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone

from clauses import objectif
from clauses.models import HeuresMensuelles, MomentSortie, Placement, Sortie
from config.formats import date_longue
from config.templatetags.ui import heures as format_heures
from conventions.calendrier import add_months
from conventions.models import Convention, EtatConvention
from marches.models import STATUTS_ACTIFS, Attribution, Lot, Marche, PropositionAttribution, StatutMarche

LIMITE_PAR_TYPE = 20
JOURS_AVANT_DENONCIATION = 60
JOURS_AVANT_BILAN = 30
# A lot that has just started cannot be "late": its first statements are not in yet.
JOURS_DE_GRACE = 60
MOIS_SANS_HEURES = 2
MOIS_SUIVI_SORTIE = 6


class TypeAlerte(StrEnum):
    DENONCIATION = "denonciation"
    DEMANDE = "demande"
    RETARD = "retard"
    SILENCE = "silence"
    SANS_ATTRIBUTAIRE = "sans_attributaire"
    SORTIE_SIX_MOIS = "sortie_six_mois"
    BILAN = "bilan"

    @property
    def titre(self) -> str:
        return TITRES[self]


TITRES = {
    TypeAlerte.DENONCIATION: "Conventions proches de leur date limite de dénonciation",
    TypeAlerte.DEMANDE: "Demandes des donneurs d'ordre",
    TypeAlerte.RETARD: "Lots en retard sur leur objectif d'heures",
    TypeAlerte.SILENCE: "Attributaires sans heures transmises",
    TypeAlerte.SANS_ATTRIBUTAIRE: "Marchés attribués sans attributaire enregistré",
    TypeAlerte.SORTIE_SIX_MOIS: "Suivis à six mois à recueillir",
    TypeAlerte.BILAN: "Bilans annuels à préparer",
}
ORDRE = list(TypeAlerte)


@dataclass(frozen=True)
class Alerte:
    type: TypeAlerte
    texte: str
    url: str | None  # None while the page it points to does not exist yet
    echeance: dt.date  # the day to act by (in the past when overdue): alerts are sorted on it
    jours: int  # days from today to ``echeance`` (negative when overdue)

    @property
    def en_depassement(self) -> bool:
        return self.jours < 0


@dataclass
class GroupeAlertes:
    type: TypeAlerte
    alertes: list[Alerte] = field(default_factory=list)
    total: int = 0

    @property
    def titre(self) -> str:
        return self.type.titre

    @property
    def premieres(self) -> list[Alerte]:
        return self.alertes[:5]

    @property
    def suivantes(self) -> list[Alerte]:
        return self.alertes[5:]

    @property
    def non_affichees(self) -> int:
        return self.total - len(self.alertes)


# --- Formatting ------------------------------------------------------------------------------------


def _url(nom: str, pk: int) -> str | None:
    try:
        return reverse(nom, args=[pk])
    except NoReverseMatch:
        return None


def _date(jour: dt.date) -> str:
    return date_longue(jour)


def _mois(jour: dt.date) -> str:
    return formats.date_format(jour, "F Y")


def _dans(jours: int) -> str:
    if jours == 0:
        return "aujourd'hui"
    if jours == 1:
        return "demain"
    return f"dans {jours} jours"


def _lot(lot: Lot, majuscule: bool = True) -> str:
    numero = "unique" if lot.numero.lower() == "unique" else lot.numero
    return f"{'L' if majuscule else 'l'}ot {numero} « {lot.intitule} »"


def _alerte(type_: TypeAlerte, texte: str, url: str | None, echeance: dt.date, jour: dt.date) -> Alerte:
    return Alerte(type_, texte, url, echeance, (echeance - jour).days)


# --- 1 and 6. Conventions: notice deadline and annual bilan ---------------------------------------


def conventions(jour: dt.date) -> tuple[list[Alerte], list[Alerte]]:
    """Notice deadlines within 60 days and échéances (annual bilans) within 30 days.

    Computed in Python over the signed conventions: a territory has a few dozen of them at most (one per
    donneur d'ordre), and the calendar rules (month ends, renewals, notice) live in Convention's methods.
    """
    denonciations, bilans = [], []
    for convention in Convention.objects.signees().select_related("donneur_d_ordre").order_by("pk"):
        etat = convention.etat(jour)
        if etat not in (EtatConvention.EN_VIGUEUR, EtatConvention.DENONCEE):
            continue
        url = _url("conventions:convention", convention.pk)
        donneur = convention.donneur_d_ordre.nom
        limite = convention.date_limite_denonciation(jour)
        if limite is not None and 0 <= (limite - jour).days <= JOURS_AVANT_DENONCIATION:
            texte = (
                f"La convention avec {donneur} arrive à sa date limite de dénonciation le {_date(limite)} "
                f"({_dans((limite - jour).days)})"
            )
            denonciations.append(_alerte(TypeAlerte.DENONCIATION, texte, url, limite, jour))
        echeance = convention.prochaine_echeance(jour)
        if echeance is not None and 0 <= (echeance - jour).days <= JOURS_AVANT_BILAN:
            suite = " ; la convention prend fin à cette date" if etat == EtatConvention.DENONCEE else ""
            texte = (
                f"Bilan annuel à préparer pour la convention avec {donneur} "
                f"(échéance le {_date(echeance)}, {_dans((echeance - jour).days)}){suite}"
            )
            bilans.append(_alerte(TypeAlerte.BILAN, texte, url, echeance, jour))
    return denonciations, bilans


# --- 2. Lots behind schedule -----------------------------------------------------------------------


def lots_en_retard(jour: dt.date) -> list[Alerte]:
    """Lots whose realised hours are under 80 % of the pro-rata expectation.

    Only lots of marchés in execution (or awarded with works started), with a target, and at least
    ``JOURS_DE_GRACE`` days into their execution. Realised hours are summed in the database (one query);
    the expectation and the 80 % rule come from clauses.objectif, the same definition as the lot's page.
    """
    arrete = objectif.date_d_arrete(jour)
    debut_au_plus_tard = jour - dt.timedelta(days=JOURS_DE_GRACE)
    lots = (
        Lot.objects.filter(
            Q(marche__statut=StatutMarche.EN_EXECUTION) | Q(marche__statut=StatutMarche.ATTRIBUE),
            clause__isnull=False,
            date_debut__lte=debut_au_plus_tard,
            date_fin__isnull=False,
        )
        .filter(
            Q(clause__heures_forcees__gt=0) | Q(clause__heures_forcees__isnull=True, clause__heures_calculees__gt=0)
        )
        .select_related("marche", "clause")
        .order_by("pk")
    )
    # One grouped sum over the candidate lots' hours: a correlated subquery per lot is far slower once
    # there are tens of thousands of lots.
    realisees = dict(
        HeuresMensuelles.objects.filter(placement__attribution__lot__in=lots.values("pk"), mois__lte=jour)
        .order_by()
        .values_list("placement__attribution__lot")
        .annotate(total=Sum("heures"))
    )
    lots = list(lots)
    for lot in lots:
        lot.realisees = realisees.get(lot.pk, Decimal(0))
    alertes = []
    for lot in lots:
        cible = lot.clause.heures_objectif
        attendues = objectif.heures_attendues(cible, lot.date_debut, lot.date_fin, arrete)
        if not objectif.en_retard(lot.realisees, attendues):
            continue
        taux = (lot.realisees / attendues * 100).quantize(Decimal(1))
        faites, dues = (format_heures(h.quantize(Decimal(1))) for h in (lot.realisees, attendues))
        texte = (
            f"{_lot(lot)} du marché {lot.marche.objet} : {taux} % des heures attendues au {_date(arrete)} "
            f"({faites} sur {dues})"
        )
        # The further behind, the more urgent: the lowest rates come first among today's alerts.
        alertes.append((taux, _alerte(TypeAlerte.RETARD, texte, _url("clauses:lot", lot.pk), jour, jour)))
    return [a for _, a in sorted(alertes, key=lambda x: x[0])]


# --- 3. Attributaires that sent nothing ------------------------------------------------------------


def mois_silencieux(jour: dt.date) -> tuple[dt.date, dt.date]:
    """First days of the oldest and the latest of the last complete months that must show hours."""
    dernier = add_months(jour.replace(day=1), -1)
    return add_months(dernier, -(MOIS_SANS_HEURES - 1)), dernier


def attributions_silencieuses(jour: dt.date) -> tuple[list[Alerte], int]:
    """Attributions with a placement under way through the last two complete months, and no hours for them
    (nor since)."""
    premier, dernier = mois_silencieux(jour)
    fin_du_premier = add_months(premier, 1) - dt.timedelta(days=1)
    en_cours = Placement.objects.filter(
        Q(date_fin__isnull=True) | Q(date_fin__gte=dernier),
        attribution=OuterRef("pk"),
        date_debut__lte=fin_du_premier,
    )
    recentes = HeuresMensuelles.objects.filter(placement__attribution=OuterRef("pk"), mois__gte=premier)
    derniere = (
        HeuresMensuelles.objects.filter(placement__attribution=OuterRef("pk"))
        .order_by()
        .values("placement__attribution")
        .annotate(m=Max("mois"))
        .values("m")
    )
    premier_debut = (
        Placement.objects.filter(attribution=OuterRef("pk"))
        .order_by()
        .values("attribution")
        .annotate(d=Min("date_debut"))
        .values("d")
    )
    attributions = (
        Attribution.objects.filter(Exists(en_cours), ~Exists(recentes))
        .annotate(derniere=Subquery(derniere), premier_debut=Subquery(premier_debut))
        .select_related("entreprise", "lot__marche")
        .order_by("derniere", "pk")
    )
    total = attributions.count()
    alertes = []
    for attribution in attributions[:LIMITE_PAR_TYPE]:
        if attribution.derniere is not None:
            depuis = add_months(attribution.derniere, 1)
        else:
            depuis = attribution.premier_debut.replace(day=1)
        texte = (
            f"{attribution.entreprise.raison_sociale} ({_lot(attribution.lot, majuscule=False)}, marché "
            f"{attribution.lot.marche.objet}) n'a transmis aucune heure depuis {_mois(depuis)}"
        )
        alertes.append(_alerte(TypeAlerte.SILENCE, texte, _url("clauses:heures_grille", attribution.pk), depuis, jour))
    return alertes, total


# --- 4. Awarded marchés without attributaire -------------------------------------------------------


def marches_sans_attributaire(jour: dt.date) -> tuple[list[Alerte], int]:
    marches = (
        Marche.objects.filter(statut__in=STATUTS_ACTIFS)
        .filter(~Exists(Attribution.objects.filter(lot__marche=OuterRef("pk"))))
        .select_related("donneur_d_ordre")
        .order_by(Coalesce("date_attribution", "date_debut_prevue").asc(nulls_last=True), "pk")
    )
    total = marches.count()
    alertes = []
    for marche in marches[:LIMITE_PAR_TYPE]:
        statut = marche.get_statut_display().lower()
        texte = (
            f"Le marché {marche.objet} ({marche.donneur_d_ordre.nom}) est {statut} "
            "mais aucun attributaire n'est enregistré"
        )
        echeance = marche.date_attribution or jour
        alertes.append(_alerte(TypeAlerte.SANS_ATTRIBUTAIRE, texte, _url("marches:marche", marche.pk), echeance, jour))
    return alertes, total


# --- 4 bis. What the donneurs d'ordre sent from the portal ---------------------------------------------


def demandes_des_donneurs(jour: dt.date) -> tuple[list[Alerte], int]:
    """Marchés declared on the portal and not yet taken in charge, and marchés with attributaires proposed
    and not yet accepted or refused: one row per marché, oldest request first, in one query (the total is
    a window count over the same rows, before the limit)."""
    en_attente = PropositionAttribution.objects.en_attente().filter(marche=OuterRef("pk"))
    propositions = en_attente.order_by().values("marche")
    declaration_en_attente = Q(declare_le__isnull=False, pris_en_charge_le__isnull=True)
    marches = (
        Marche.objects.filter(declaration_en_attente | Exists(en_attente))
        .annotate(
            nb_propositions=Coalesce(Subquery(propositions.annotate(n=Count("pk")).values("n")[:1]), 0),
            premiere_proposition=Subquery(propositions.annotate(d=Min("envoye_le")).values("d")[:1]),
        )
        .annotate(
            demande_le=Case(When(declaration_en_attente, then=F("declare_le")), default=F("premiere_proposition")),
            total=Window(Count("pk")),
        )
        .select_related("donneur_d_ordre")
        .order_by("demande_le", "pk")
    )
    alertes = []
    total = 0
    for marche in marches[:LIMITE_PAR_TYPE]:
        total = marche.total
        donneur, objet, n = marche.donneur_d_ordre.nom, marche.objet, marche.nb_propositions
        attributaires = f"{n} attributaire{'s' if n > 1 else ''} proposé{'s' if n > 1 else ''}"
        if marche.declare_le is not None and marche.pris_en_charge_le is None:
            texte = f"{donneur} a déclaré le marché « {objet} » et demande l'appui du facilitateur"
            if n:
                texte += f" ; {attributaires} à traiter"
        else:
            texte = f"{donneur} : {attributaires} pour le marché « {objet} », à accepter, corriger ou refuser"
        echeance = timezone.localdate(marche.demande_le)
        alertes.append(_alerte(TypeAlerte.DEMANDE, texte, _url("marches:marche", marche.pk), echeance, jour))
    return alertes, total


# --- 5. Six-month outcomes due ---------------------------------------------------------------------


def sorties_a_six_mois(jour: dt.date) -> tuple[list[Alerte], int]:
    """Placements ended six months ago or more whose six-month outcome is not recorded."""
    fin_au_plus_tard = add_months(jour, -MOIS_SUIVI_SORTIE)
    placements = (
        Placement.objects.filter(date_fin__isnull=False, date_fin__lte=fin_au_plus_tard)
        .filter(~Exists(Sortie.objects.filter(placement=OuterRef("pk"), moment=MomentSortie.SIX_MOIS)))
        .select_related("participant", "attribution__entreprise")
        .order_by("date_fin", "pk")
    )
    total = placements.count()
    alertes = []
    for placement in placements[:LIMITE_PAR_TYPE]:
        echeance = add_months(placement.date_fin, MOIS_SUIVI_SORTIE)
        texte = (
            f"{placement.participant} : situation à six mois à recueillir (placement chez "
            f"{placement.attribution.entreprise.raison_sociale} terminé le {_date(placement.date_fin)})"
        )
        alertes.append(
            _alerte(
                TypeAlerte.SORTIE_SIX_MOIS,
                texte,
                _url("clauses:participant", placement.participant_id),
                echeance,
                jour,
            )
        )
    return alertes, total


# --- All of them -----------------------------------------------------------------------------------


def alertes(jour: dt.date) -> list[GroupeAlertes]:
    """Every kind of alert, in a fixed order, each group sorted by urgency (earliest day to act first)."""
    denonciations, bilans = conventions(jour)
    retards = lots_en_retard(jour)
    silences, nb_silences = attributions_silencieuses(jour)
    sans_attributaire, nb_sans_attributaire = marches_sans_attributaire(jour)
    demandes, nb_demandes = demandes_des_donneurs(jour)
    sorties, nb_sorties = sorties_a_six_mois(jour)

    def trier(liste: list[Alerte]) -> list[Alerte]:
        return sorted(liste, key=lambda a: a.echeance)

    groupes = [
        GroupeAlertes(TypeAlerte.DENONCIATION, trier(denonciations), len(denonciations)),
        GroupeAlertes(TypeAlerte.DEMANDE, demandes, nb_demandes),
        # Already ordered, furthest behind first: they all share today as their day to act.
        GroupeAlertes(TypeAlerte.RETARD, retards[:LIMITE_PAR_TYPE], len(retards)),
        GroupeAlertes(TypeAlerte.SILENCE, silences, nb_silences),
        GroupeAlertes(TypeAlerte.SANS_ATTRIBUTAIRE, sans_attributaire, nb_sans_attributaire),
        GroupeAlertes(TypeAlerte.SORTIE_SIX_MOIS, sorties, nb_sorties),
        GroupeAlertes(TypeAlerte.BILAN, trier(bilans), len(bilans)),
    ]
    return groupes


def toutes(jour: dt.date) -> list[Alerte]:
    """The alerts of every kind in one list, most urgent first (ties keep the order of the kinds)."""
    liste = [a for groupe in alertes(jour) for a in groupe.alertes]
    return sorted(liste, key=lambda a: (a.echeance, ORDRE.index(a.type)))
