"""What the facilitator should act on, for the home page: each alert says what, with figures, and links to
the object to fix.

Every kind is computed with one or two queries, whatever the number of rows; each kind but the conventions' keeps
its ``LIMITE_PAR_TYPE`` most urgent alerts and the total count, so that the page stays small on a large territory.
The database selects, counts, orders and limits: Python only words the alerts it returns; the conventions' alerts
are the exception, their calendar being conventions.calendrier's, the same as the conventions list's.

Several facilitators may share an instance, each in charge of their own marchés (``Marche.facilitateur``). The
alerts about marchés (requests, late lots, silent attributaires, marchés without attributaire, six-month outcomes)
can be kept to one facilitator's: the marchés they are in charge of and those nobody is in charge of yet (a marché
declared on the portal, say), so that no alert is left without a reader. Conventions have no facilitator in charge:
their alerts are everyone's. On a national instance a facilitator's marchés are a few hundred of 100,000: the
queries start from them, and the home page no longer walks the whole instance.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.db import connection
from django.db.models import Case, Count, Exists, F, Min, OuterRef, Q, Subquery, Sum, When, Window
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.text import capfirst

from clauses import objectif
from clauses.models import MomentSortie, Participant, Placement, Sortie
from config.formats import date_longue
from config.templatetags.ui import heures as format_heures
from conventions.calendrier import JOURS_PREAVIS_PROCHE, EtatConvention, add_months, situations
from conventions.models import Convention
from conventions.noms import avec_article, de_avec_article
from marches.models import STATUTS_ACTIFS, Attribution, Lot, Marche, PropositionAttribution, StatutMarche
from reporting import agregats

LIMITE_PAR_TYPE = 20
JOURS_AVANT_DENONCIATION = JOURS_PREAVIS_PROCHE
JOURS_AVANT_BILAN = 30
# A lot that has just started cannot be "late": its first statements are not in yet.
JOURS_DE_GRACE = 60
MOIS_SANS_HEURES = 2
MOIS_SUIVI_SORTIE = 6


class TypeAlerte(StrEnum):
    DENONCIATION = "denonciation"
    DEMANDE = "demande"
    RETARD = "retard"
    QPV = "qpv"
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
    TypeAlerte.QPV: "Lots sous leur minimum d'heures QPV",
    TypeAlerte.SILENCE: "Attributaires sans heures transmises",
    TypeAlerte.SANS_ATTRIBUTAIRE: "Marchés attribués sans attributaire enregistré",
    TypeAlerte.SORTIE_SIX_MOIS: "Suivis à six mois à recueillir",
    TypeAlerte.BILAN: "Bilans annuels à préparer",
}
ORDRE = list(TypeAlerte)

# What an alert's day is, as its badge says it while the day is ahead or today (« Date limite de dénonciation :
# 31 décembre 2026 », not « Échéance » for a deadline three months before the échéance); a day gone by reads
# « Depuis le … » whatever the kind.
LIBELLES_DATE = {
    TypeAlerte.DENONCIATION: "Date limite de dénonciation",
    TypeAlerte.DEMANDE: "Date de la demande",
    TypeAlerte.RETARD: "Constat",
    TypeAlerte.QPV: "Constat",
    TypeAlerte.SILENCE: "Premier mois sans heures",
    TypeAlerte.SANS_ATTRIBUTAIRE: "Date d'attribution",
    TypeAlerte.SORTIE_SIX_MOIS: "Date du suivi à six mois",
    TypeAlerte.BILAN: "Échéance",
}


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

    @property
    def libelle_date(self) -> str:
        return LIBELLES_DATE[self.type]


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

# Any number the ``<int:pk>`` converters accept and that no other part of a URL contains.
_PK_MODELE = 918273645546372819


def _urls(nom: str) -> Callable[[int], str | None]:
    """``reverse(nom, args=[pk])`` for many pks: the URL is reversed once and the pk put in its place, since
    reversing costs tens of microseconds and a group can hold hundreds of alerts."""
    try:
        modele = reverse(nom, args=[_PK_MODELE])
    except NoReverseMatch:
        return lambda pk: None
    avant, _, apres = modele.partition(str(_PK_MODELE))
    return lambda pk: f"{avant}{pk}{apres}"


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


def _lot(numero: str, intitule: str, majuscule: bool = True) -> str:
    numero = "unique" if numero.lower() == "unique" else numero
    return f"{'L' if majuscule else 'l'}ot {numero} « {intitule} »"


def _alerte(type_: TypeAlerte, texte: str, url: str | None, echeance: dt.date, jour: dt.date) -> Alerte:
    return Alerte(type_, texte, url, echeance, (echeance - jour).days)


def marches_suivis(facilitateur_id: int | None, vers_marche: str = "") -> Q:
    """The marchés of one facilitator and those nobody is in charge of; every marché when ``facilitateur_id``
    is None. ``vers_marche`` is the lookup path from the filtered model to its marché
    (``"attribution__lot__marche__"``)."""
    if facilitateur_id is None:
        return Q()
    return Q(**{f"{vers_marche}facilitateur_id": facilitateur_id}) | Q(**{f"{vers_marche}facilitateur__isnull": True})


def portee_par_defaut(utilisateur) -> int | None:
    """Whose alerts a facilitator sees first: their own when they are in charge of at least one marché, the
    whole team's otherwise (a coordinator, or an instance whose marchés have no facilitator in charge)."""
    return utilisateur.pk if Marche.objects.filter(facilitateur_id=utilisateur.pk).exists() else None


# The same restriction in the raw SQL below, on a marché aliased ``m``: with the parameters written into the
# statement, PostgreSQL folds it away when no facilitator is given.
SQL_MARCHES_SUIVIS = (
    "(%(facilitateur)s::bigint IS NULL OR m.facilitateur_id = %(facilitateur)s OR m.facilitateur_id IS NULL)"
)


def _lignes(sql: str, parametres: dict) -> list[tuple]:
    with connection.cursor() as curseur:
        curseur.execute(sql, parametres)
        return curseur.fetchall()


# --- 1 and 6. Conventions: notice deadline and annual bilan ---------------------------------------


def conventions(jour: dt.date) -> tuple[list[Alerte], list[Alerte]]:
    """Notice deadlines within 60 days and échéances (annual bilans) within 30 days, in one query.

    Each convention's situation is conventions.calendrier's, the same as its page's and the conventions list's
    (« préavis proche », the list's filter): the query reads the calendar's columns of every convention, the
    calendar decides (a national instance's 3,000 conventions in a few milliseconds)."""
    lignes = situations(Convention.objects.order_by("pk"), jour, "donneur_d_ordre__nom")
    url = _urls("conventions:convention")
    # Hundreds of alerts share a few dozen days: each is written out once.
    dates: dict[dt.date, str] = {}

    def date_(jour_: dt.date) -> str:
        if jour_ not in dates:
            dates[jour_] = _date(jour_)
        return dates[jour_]

    denonciations, bilans = [], []
    for pk, situation, donneur in lignes:
        if situation.preavis_proche:
            limite = situation.date_limite
            texte = (
                f"La convention avec {avec_article(donneur)} arrive à sa date limite de dénonciation le "
                f"{date_(limite)} ({_dans(situation.jours_avant_limite)})"
            )
            denonciations.append(_alerte(TypeAlerte.DENONCIATION, texte, url(pk), limite, jour))
        echeance = situation.echeance
        if (
            situation.etat in (EtatConvention.EN_VIGUEUR, EtatConvention.DENONCEE)
            and 0 <= (echeance - jour).days <= JOURS_AVANT_BILAN
        ):
            suite = " ; la convention prend fin à cette date" if situation.etat == EtatConvention.DENONCEE else ""
            texte = (
                f"Bilan annuel à préparer pour la convention avec {avec_article(donneur)} "
                f"(échéance le {date_(echeance)}, {_dans((echeance - jour).days)}){suite}"
            )
            bilans.append(_alerte(TypeAlerte.BILAN, texte, url(pk), echeance, jour))
    return denonciations, bilans


# --- 2. Lots behind schedule -----------------------------------------------------------------------

# clauses.objectif in SQL, to the last digit, so that the database can count the late lots and keep the
# LIMITE_PAR_TYPE furthest behind. With e the days elapsed at the arrêté and t the days of the execution period
# (fraction_ecoulee), objectif computes with Python's Decimal (28 significant digits, rounding half to even):
#   attendues = (cible × round28(e / t)) rounded to 28 digits, then to the cent half up (heures_attendues);
#   late when realisees < attendues × 0.80 (en_retard); taux = (realisees / attendues × 100) rounded half to even.
# Decimal's 28 digits move cible × e / t by less than 1e-16, and that value is at least 1 / (200 t) away from a
# half cent unless it lies exactly on one: everywhere else the expectation is cible × e / t rounded half up
# (in cents: DIV(200 cible e + t, 2 t), DIV truncating). On an exact half cent ("ex_aequo") the query
# reproduces Decimal step by step in integers: s decimals give e / t 28 significant digits, q = e / t × 10^s
# rounded (no tie is possible there: t would need 29 factors 2 or 5), p = cible × q, its digits beyond 28
# dropped half to even, then the cents rounded half up. A lot whose period is over expects its whole target; the
# grace period keeps the arrêté after the start of every lot considered. TestLotsEnRetard checks this arithmetic
# against clauses.objectif on the cases where the roundings matter.
SQL_LOTS_EN_RETARD = """
WITH lots AS (
    SELECT l.id, COALESCE(c.heures_forcees, c.heures_calculees)::numeric AS cible,
           %(arrete)s::date - l.date_debut + 1 AS e, l.date_fin - l.date_debut + 1 AS t
    FROM marches_lot l
    JOIN marches_marche m ON m.id = l.marche_id
    JOIN clauses_clauseinsertion c ON c.lot_id = l.id
    WHERE m.statut IN %(statuts)s AND l.date_debut <= %(debut_au_plus_tard)s AND l.date_fin IS NOT NULL
      AND COALESCE(c.heures_forcees, c.heures_calculees) > 0 AND {marches_suivis}
),
-- A lot's hours to date: its running total less the hours of months after today (agregats).
realisees AS ({heures_a_date}),
en_cours AS (
    SELECT id, cible, e, t, MOD(200 * cible * e, 2 * t) = t AS ex_aequo FROM lots WHERE e > 0 AND e < t
),
decimales AS (
    SELECT id, cible, e, t, 27 + LENGTH(((t + e - 1) / e - 1)::text) AS s FROM en_cours WHERE ex_aequo
),
produits AS (
    SELECT id, s, cible * DIV(2 * e * POWER(10::numeric, s) + t, 2 * t) AS p FROM decimales
),
chiffres AS (
    SELECT id, s, GREATEST(LENGTH(p::text) - 28, 0) AS k, p FROM produits
),
restes AS (
    SELECT id, s, k, DIV(p, POWER(10::numeric, k)) AS d, MOD(p, POWER(10::numeric, k)) AS r FROM chiffres
),
arrondis AS (
    SELECT id, s - k - 2 AS cents_a,
           d + CASE WHEN 2 * r > POWER(10::numeric, k) THEN 1
                    WHEN 2 * r = POWER(10::numeric, k) THEN MOD(d, 2)
                    ELSE 0 END AS p28
    FROM restes
),
attendues AS (
    SELECT id, DIV(200 * cible * e + t, 2 * t) AS c FROM en_cours WHERE NOT ex_aequo
    UNION ALL
    SELECT id, DIV(2 * p28 + POWER(10::numeric, cents_a), 2 * POWER(10::numeric, cents_a)) FROM arrondis
    UNION ALL
    SELECT id, cible * 100 FROM lots WHERE e >= t
),
retards AS (
    SELECT a.id, a.c, COALESCE(r.heures, 0) AS realisees, COALESCE(r.heures, 0) * 10000 AS n
    FROM attendues a
    LEFT JOIN realisees r ON r.lot_id = a.id
    WHERE a.c > 0 AND COALESCE(r.heures, 0) * 100 < a.c * 0.80
),
premiers AS (
    SELECT id, realisees, COUNT(*) OVER () AS total,
           DIV(n, c) + CASE WHEN 2 * MOD(n, c) > c THEN 1
                            WHEN 2 * MOD(n, c) = c THEN MOD(DIV(n, c), 2)
                            ELSE 0 END AS taux
    FROM retards
    ORDER BY taux, id
    LIMIT %(limite)s
)
SELECT p.id, l.numero, l.intitule, m.objet, COALESCE(c.heures_forcees, c.heures_calculees), l.date_debut,
       l.date_fin, p.realisees, p.total
FROM premiers p
JOIN marches_lot l ON l.id = p.id
JOIN marches_marche m ON m.id = l.marche_id
JOIN clauses_clauseinsertion c ON c.lot_id = l.id
ORDER BY p.taux, p.id
""".replace("{marches_suivis}", SQL_MARCHES_SUIVIS).replace(
    "{heures_a_date}", agregats.SQL_HEURES_DES_LOTS_A_DATE.format(jour="%(jour)s", lots="SELECT id FROM lots")
)


def lots_en_retard(jour: dt.date, facilitateur_id: int | None = None) -> tuple[list[Alerte], int]:
    """Lots whose realised hours are under 80 % of the pro-rata expectation: the ``LIMITE_PAR_TYPE`` furthest
    behind (lowest rate first) and how many there are, in one query.

    Only lots of marchés in execution (or awarded with works started), with a target, and at least
    ``JOURS_DE_GRACE`` days into their execution. The expectation and the 80 % rule are clauses.objectif's, the
    same definition as the lot's page: the query applies them to every lot, Python words the ones it keeps.
    """
    arrete = objectif.date_d_arrete(jour)
    lignes = _lignes(
        SQL_LOTS_EN_RETARD,
        {
            "facilitateur": facilitateur_id,
            "arrete": arrete,
            "jour": jour,
            "statuts": (StatutMarche.EN_EXECUTION.value, StatutMarche.ATTRIBUE.value),
            "debut_au_plus_tard": jour - dt.timedelta(days=JOURS_DE_GRACE),
            "limite": LIMITE_PAR_TYPE,
        },
    )
    url = _urls("clauses:lot")
    alertes = []
    for pk, numero, intitule, objet, cible, debut, fin, realisees, _ in lignes:
        attendues = objectif.heures_attendues(cible, debut, fin, arrete)
        if attendues is None:  # never: the query keeps lots with both dates
            continue
        taux = (realisees / attendues * 100).quantize(Decimal(1))
        faites, dues = (format_heures(h.quantize(Decimal(1))) for h in (realisees, attendues))
        texte = (
            f"{_lot(numero, intitule)} du marché {objet} : {taux} % des heures attendues au {_date(arrete)} "
            f"({faites} sur {dues})"
        )
        alertes.append(_alerte(TypeAlerte.RETARD, texte, url(pk), jour, jour))
    return alertes, (lignes[0][-1] if lignes else 0)


# --- 2 bis. Lots below their QPV minimum -----------------------------------------------------------------


def lots_sous_minimum_qpv(jour: dt.date, facilitateur_id: int | None = None) -> tuple[list[Alerte], int]:
    """Lots whose clause sets a QPV minimum (ANRU) and whose hours done by people who resided in a QPV when hired
    are under 80 % of that minimum pro rata of the execution elapsed (``clauses.objectif.MinimumQPV``, the judgement
    of the lot's page): the ``LIMITE_PAR_TYPE`` furthest below and how many there are, in one query.

    The lots considered are those ``lots_en_retard`` considers (in execution or awarded, ``JOURS_DE_GRACE`` days into
    their execution, with a target), and only those with a QPV minimum: a few per ANRU operation, so Python judges
    each of them with clauses.objectif itself instead of a copy of its arithmetic in SQL.
    """
    arrete = objectif.date_d_arrete(jour)
    heures = "attributions__placements__heures__"
    jusqu_a_ce_jour = Q(**{f"{heures}mois__lte": jour})
    lignes = (
        Lot.objects.filter(
            marches_suivis(facilitateur_id, "marche__"),
            marche__statut__in=(StatutMarche.EN_EXECUTION, StatutMarche.ATTRIBUE),
            clause__part_qpv_minimum__gt=0,
            date_debut__lte=jour - dt.timedelta(days=JOURS_DE_GRACE),
            date_fin__isnull=False,
        )
        .annotate(
            cible=Coalesce("clause__heures_forcees", "clause__heures_calculees"),
            realisees=Coalesce(Sum(f"{heures}heures", filter=jusqu_a_ce_jour), Decimal(0)),
            qpv=Coalesce(
                Sum(f"{heures}heures", filter=jusqu_a_ce_jour & Q(attributions__placements__reside_qpv=True)),
                Decimal(0),
            ),
        )
        .filter(cible__gt=0)
        .order_by("pk")
        .values_list(
            "pk",
            "numero",
            "intitule",
            "marche__objet",
            "cible",
            "clause__part_qpv_minimum",
            "date_debut",
            "date_fin",
            "realisees",
            "qpv",
        )
    )
    sous_le_minimum = []
    for pk, numero, intitule, objet, cible, part, debut, fin, realisees, qpv in lignes:
        attendues = objectif.heures_attendues(cible, debut, fin, arrete)
        minimum = objectif.minimum_qpv(part, cible, realisees, qpv, attendues)
        if minimum is not None and minimum.en_retard and minimum.attendues_qpv is not None:
            sous_le_minimum.append((minimum.taux, pk, numero, intitule, objet, minimum))
    sous_le_minimum.sort(key=lambda ligne: (ligne[0], ligne[1]))
    url = _urls("clauses:lot")
    alertes = []
    for _, pk, numero, intitule, objet, minimum in sous_le_minimum[:LIMITE_PAR_TYPE]:
        faites, dues = (
            format_heures(h.quantize(Decimal(1))) for h in (minimum.heures_qpv, minimum.attendues_qpv) if h is not None
        )
        part = formats.number_format(minimum.part_minimum.normalize(), use_l10n=True)
        texte = (
            f"{_lot(numero, intitule)} du marché {objet} : {faites} réalisées par des résidents de QPV sur {dues} "
            f"attendues au {_date(arrete)} (minimum de {part} % de l'objectif)"
        )
        alertes.append(_alerte(TypeAlerte.QPV, texte, url(pk), jour, jour))
    return alertes, len(sous_le_minimum)


# --- 3. Attributaires that sent nothing ------------------------------------------------------------


def mois_silencieux(jour: dt.date) -> tuple[dt.date, dt.date]:
    """First days of the oldest and the latest of the last complete months that must show hours."""
    dernier = add_months(jour.replace(day=1), -1)
    return add_months(dernier, -(MOIS_SANS_HEURES - 1)), dernier


# Starts from the placements under way (a few per cent of them, read from the index on date_fin alone: no OR, so
# that each half is a range of that index). Most of them
# sent hours for a recent month themselves: a hash of the recent hours' placements (index on mois) sets them
# aside; only the attributions that remain are checked through all their placements. The last month with hours
# orders the silent ones; their first start is looked up only for the ones kept.
SQL_SILENCES = """
WITH suivies AS (
    SELECT a.id FROM marches_attribution a
    JOIN marches_lot l ON l.id = a.lot_id
    JOIN marches_marche m ON m.id = l.marche_id
    WHERE {marches_suivis}
),
en_cours AS (
    SELECT id, attribution_id FROM clauses_placement WHERE date_fin IS NULL AND date_debut <= %(fin_du_premier)s
      AND (%(facilitateur)s::bigint IS NULL OR attribution_id IN (SELECT id FROM suivies))
    UNION ALL
    SELECT id, attribution_id FROM clauses_placement WHERE date_fin >= %(dernier)s AND date_debut <= %(fin_du_premier)s
      AND (%(facilitateur)s::bigint IS NULL OR attribution_id IN (SELECT id FROM suivies))
),
sans_heures_recentes AS (
    SELECT DISTINCT e.attribution_id AS id FROM en_cours e
    WHERE NOT EXISTS (
        SELECT 1 FROM clauses_heuresmensuelles h WHERE h.placement_id = e.id AND h.mois >= %(premier)s
    )
),
silencieuses AS (
    SELECT s.id,
           (SELECT MAX(h.mois) FROM clauses_placement p JOIN clauses_heuresmensuelles h ON h.placement_id = p.id
            WHERE p.attribution_id = s.id) AS derniere
    FROM sans_heures_recentes s
    WHERE NOT EXISTS (
        SELECT 1 FROM clauses_placement p
        JOIN clauses_heuresmensuelles h ON h.placement_id = p.id
        WHERE p.attribution_id = s.id AND h.mois >= %(premier)s
    )
),
premieres AS (
    SELECT id, derniere, COUNT(*) OVER () AS total FROM silencieuses
    ORDER BY derniere ASC NULLS LAST, id
    LIMIT %(limite)s
)
SELECT s.id, s.derniere,
       (SELECT MIN(p.date_debut) FROM clauses_placement p WHERE p.attribution_id = s.id) AS premier_debut,
       s.total, en.raison_sociale, l.numero, l.intitule, m.objet
FROM premieres s
JOIN marches_attribution a ON a.id = s.id
JOIN entreprises_entreprise en ON en.id = a.entreprise_id
JOIN marches_lot l ON l.id = a.lot_id
JOIN marches_marche m ON m.id = l.marche_id
ORDER BY s.derniere ASC NULLS LAST, s.id
""".replace("{marches_suivis}", SQL_MARCHES_SUIVIS)


def attributions_silencieuses(jour: dt.date, facilitateur_id: int | None = None) -> tuple[list[Alerte], int]:
    """Attributions with a placement under way through the last two complete months, and no hours for them
    (nor since): the ``LIMITE_PAR_TYPE`` silent the longest and how many there are, in one query."""
    premier, dernier = mois_silencieux(jour)
    lignes = _lignes(
        SQL_SILENCES,
        {
            "facilitateur": facilitateur_id,
            "premier": premier,
            "dernier": dernier,
            "fin_du_premier": add_months(premier, 1) - dt.timedelta(days=1),
            "limite": LIMITE_PAR_TYPE,
        },
    )
    url = _urls("clauses:heures_grille")
    alertes = []
    for pk, derniere, premier_debut, _, raison_sociale, numero, intitule, objet in lignes:
        depuis = add_months(derniere, 1) if derniere is not None else premier_debut.replace(day=1)
        texte = (
            f"{raison_sociale} ({_lot(numero, intitule, majuscule=False)}, marché {objet}) "
            f"n'a transmis aucune heure depuis {_mois(depuis)}"
        )
        alertes.append(_alerte(TypeAlerte.SILENCE, texte, url(pk), depuis, jour))
    return alertes, (lignes[0][3] if lignes else 0)


# --- 4. Awarded marchés without attributaire -------------------------------------------------------


def marches_sans_attributaire(jour: dt.date, facilitateur_id: int | None = None) -> tuple[list[Alerte], int]:
    """Awarded or running marchés none of whose lots has an attributaire, in one query (the total is a window
    count over the same rows, before the limit)."""
    attribues = Lot.objects.filter(marche=OuterRef("pk")).filter(
        Exists(Attribution.objects.filter(lot=OuterRef("pk")))
    )
    marches = (
        Marche.objects.filter(marches_suivis(facilitateur_id), statut__in=STATUTS_ACTIFS)
        .filter(~Exists(attribues))
        .annotate(total=Window(Count("pk")))
        .select_related("donneur_d_ordre")
        .only("objet", "statut", "date_attribution", "donneur_d_ordre__nom")
        .order_by(Coalesce("date_attribution", "date_debut_prevue").asc(nulls_last=True), "pk")
    )
    url = _urls("marches:marche")
    alertes = []
    total = 0
    for marche in marches[:LIMITE_PAR_TYPE]:
        total = marche.total
        statut = marche.get_statut_display().lower()
        texte = (
            f"Le marché « {marche.objet} » {de_avec_article(marche.donneur_d_ordre.nom)} est {statut} "
            "mais aucun attributaire n'est enregistré"
        )
        echeance = marche.date_attribution or jour
        alertes.append(_alerte(TypeAlerte.SANS_ATTRIBUTAIRE, texte, url(marche.pk), echeance, jour))
    return alertes, total


# --- 4 bis. What the donneurs d'ordre sent from the portal ---------------------------------------------


def demandes_des_donneurs(jour: dt.date, facilitateur_id: int | None = None) -> tuple[list[Alerte], int]:
    """Marchés declared on the portal and not yet taken in charge, and marchés with attributaires proposed
    and not yet accepted or refused: one row per marché, oldest request first, in one query (the total is
    a window count over the same rows, before the limit)."""
    en_attente = PropositionAttribution.objects.en_attente().filter(marche=OuterRef("pk"))
    propositions = en_attente.order_by().values("marche")
    declaration_en_attente = Q(declare_le__isnull=False, pris_en_charge_le__isnull=True)
    # The few marchés concerned, through the partial index on waiting declarations and the propositions' own
    # table, rather than testing every marché of the territory.
    concernes = (
        Marche.objects.filter(declaration_en_attente)
        .order_by()
        .values("pk")
        .union(PropositionAttribution.objects.en_attente().order_by().values("marche"))
    )
    marches = (
        Marche.objects.filter(marches_suivis(facilitateur_id), pk__in=concernes)
        .annotate(
            nb_propositions=Coalesce(Subquery(propositions.annotate(n=Count("pk")).values("n")[:1]), 0),
            premiere_proposition=Subquery(propositions.annotate(d=Min("envoye_le")).values("d")[:1]),
        )
        .annotate(
            demande_le=Case(When(declaration_en_attente, then=F("declare_le")), default=F("premiere_proposition")),
            total=Window(Count("pk")),
        )
        .select_related("donneur_d_ordre")
        .only("objet", "declare_le", "pris_en_charge_le", "donneur_d_ordre__nom")
        .order_by("demande_le", "pk")
    )
    url = _urls("marches:marche")
    alertes = []
    total = 0
    for marche in marches[:LIMITE_PAR_TYPE]:
        total = marche.total
        donneur, objet, n = marche.donneur_d_ordre.nom, marche.objet, marche.nb_propositions
        attributaires = f"{n} attributaire{'s' if n > 1 else ''} proposé{'s' if n > 1 else ''}"
        if marche.declare_le is not None and marche.pris_en_charge_le is None:
            texte = (
                f"{capfirst(avec_article(donneur))} a déclaré le marché « {objet} » et demande l'appui du facilitateur"
            )
            if n:
                texte += f" ; {attributaires} à traiter"
        else:
            texte = f"{donneur} : {attributaires} pour le marché « {objet} », à accepter, corriger ou refuser"
        echeance = timezone.localdate(marche.demande_le)
        alertes.append(_alerte(TypeAlerte.DEMANDE, texte, url(marche.pk), echeance, jour))
    return alertes, total


# --- 5. Six-month outcomes due ---------------------------------------------------------------------


def sorties_a_six_mois(jour: dt.date, facilitateur_id: int | None = None) -> tuple[list[Alerte], int]:
    """Placements ended six months ago or more whose six-month outcome is not recorded: the
    ``LIMITE_PAR_TYPE`` oldest (read in date_fin order, so the database stops after them) and the count."""
    fin_au_plus_tard = add_months(jour, -MOIS_SUIVI_SORTIE)
    placements = Placement.objects.filter(
        marches_suivis(facilitateur_id, "attribution__lot__marche__"),
        date_fin__isnull=False,
        date_fin__lte=fin_au_plus_tard,
    ).filter(~Exists(Sortie.objects.filter(placement=OuterRef("pk"), moment=MomentSortie.SIX_MOIS)))
    total = placements.count()
    premiers = (
        placements.select_related("participant", "attribution__entreprise")
        .only(
            "date_fin",
            "participant__prenom",
            "participant__nom",
            "attribution__entreprise__raison_sociale",
        )
        .order_by("date_fin", "pk")[:LIMITE_PAR_TYPE]
    )
    url = _urls("clauses:participant")
    alertes = []
    for placement in premiers:
        echeance = add_months(placement.date_fin, MOIS_SUIVI_SORTIE)
        texte = (
            f"{placement.participant} : situation à six mois à recueillir (placement chez "
            f"{placement.attribution.entreprise.raison_sociale} terminé le {_date(placement.date_fin)})"
        )
        alertes.append(_alerte(TypeAlerte.SORTIE_SIX_MOIS, texte, url(placement.participant_id), echeance, jour))
    return alertes, total


# --- Participants not given the information notice ------------------------------------------------

NOTICES_COMPTEES_MAX = 10_000


@dataclass(frozen=True)
class NoticesARemettre:
    nombre: int
    depasse: bool  # more than NOTICES_COMPTEES_MAX: « plus de 10 000 »


def notices_a_remettre() -> NoticesARemettre:
    """How many participants were not given the information notice: the partial index of those without it, read
    up to NOTICES_COMPTEES_MAX + 1 rows, as the lists count."""
    nombre = (
        Participant.objects.filter(notice_remise_le__isnull=True).order_by().values("pk")[: NOTICES_COMPTEES_MAX + 1]
    ).count()
    return NoticesARemettre(min(nombre, NOTICES_COMPTEES_MAX), nombre > NOTICES_COMPTEES_MAX)


# --- All of them -----------------------------------------------------------------------------------


def alertes(jour: dt.date, facilitateur_id: int | None = None) -> list[GroupeAlertes]:
    """Every kind of alert, in a fixed order, each group sorted by urgency (earliest day to act first); those
    about marchés kept to one facilitator's (and nobody's) when ``facilitateur_id`` is given."""
    denonciations, bilans = conventions(jour)
    retards, nb_retards = lots_en_retard(jour, facilitateur_id)
    qpv, nb_qpv = lots_sous_minimum_qpv(jour, facilitateur_id)
    silences, nb_silences = attributions_silencieuses(jour, facilitateur_id)
    sans_attributaire, nb_sans_attributaire = marches_sans_attributaire(jour, facilitateur_id)
    demandes, nb_demandes = demandes_des_donneurs(jour, facilitateur_id)
    sorties, nb_sorties = sorties_a_six_mois(jour, facilitateur_id)

    def trier(liste: list[Alerte]) -> list[Alerte]:
        # A national instance has hundreds of conventions due at once: the most urgent, like the other kinds.
        return sorted(liste, key=lambda a: a.echeance)[:LIMITE_PAR_TYPE]

    groupes = [
        GroupeAlertes(TypeAlerte.DENONCIATION, trier(denonciations), len(denonciations)),
        GroupeAlertes(TypeAlerte.DEMANDE, demandes, nb_demandes),
        # Already ordered, furthest behind first: they all share today as their day to act.
        GroupeAlertes(TypeAlerte.RETARD, retards, nb_retards),
        GroupeAlertes(TypeAlerte.QPV, qpv, nb_qpv),
        GroupeAlertes(TypeAlerte.SILENCE, silences, nb_silences),
        GroupeAlertes(TypeAlerte.SANS_ATTRIBUTAIRE, sans_attributaire, nb_sans_attributaire),
        GroupeAlertes(TypeAlerte.SORTIE_SIX_MOIS, sorties, nb_sorties),
        GroupeAlertes(TypeAlerte.BILAN, trier(bilans), len(bilans)),
    ]
    return groupes


def toutes(jour: dt.date, facilitateur_id: int | None = None) -> list[Alerte]:
    """The alerts of every kind in one list, most urgent first (ties keep the order of the kinds)."""
    liste = [a for groupe in alertes(jour, facilitateur_id) for a in groupe.alertes]
    return sorted(liste, key=lambda a: (a.echeance, ORDRE.index(a.type)))
