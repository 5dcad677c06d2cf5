"""The personal calendar feed: the dates each user follows, as an iCalendar file that calendar applications subscribe
to at a secret address (``AgendaPersonnel``: one per user, only the token's hash stored, renewed or deleted by its
owner on « Mon agenda »).

What a feed holds, from three months ago to eighteen months ahead (``fenetre``), as all-day events:

- for a **facilitator**, the conventions' notice deadlines and échéances, read from ``conventions.calendrier``
  (``situation``, day after day: the calendar is never computed here), the annual bilans the schedule drafts the day
  after each échéance and the periodic reports it sends on the 1st of a month or quarter (``reporting.planning``,
  whose functions are called as they are), the six-month follow-ups of ended placements not yet recorded (due six
  months after the placement's end, as the home page's alert says) and the ends of the lots' execution periods.
  Whose: the home page's rule (``alertes.portee_par_defaut``): a facilitator in charge of marchés follows them and
  the marchés nobody is in charge of, and the conventions of the donneurs d'ordre whose reminders the schedule
  sends them (``travaux.adresses_facilitateurs``: those whose marchés they are in charge of, and those nobody is in
  charge of); a facilitator in charge of no marché follows the whole team's.
- for a **référent**, the same dates of the conventions, bilans, periodic reports and lots of their donneurs
  d'ordre, and nothing about people: no six-month follow-up, no count.

A participant appears in a facilitator's feed by reference only (« P-000123 »), never by name: a calendar copies the
feed to the calendar application's servers, outside Clauses' protection of identities; the event's link leads to
the participant's page, behind the login.

Every event has a UID made of the object and the occurrence it is about, never of its date: when a date moves (a
lot's end corrected), the calendar application moves the event instead of adding a second one. The feed is built in
a fixed number of queries whatever the number of rows.
"""

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import formats, timezone
from icalendar import Calendar, Event

from clauses.models import MomentSortie, Placement, Sortie
from config.formats import date_longue
from config.permissions import est_facilitateur
from config.securite import adresse_ip_client, compter
from conventions import calendrier
from conventions.models import Convention
from conventions.noms import de_avec_article
from conventions.portail import donneurs_du_referent
from marches.models import STATUTS_AVEC_OBJECTIF, Lot, Marche
from reporting import alertes, planning
from reporting.models import AgendaPersonnel
from reporting.models.agenda import hacher_jeton_agenda

MOIS_AVANT = 3
MOIS_APRES = 18
# How often a calendar application should fetch the feed again (RFC 7986 REFRESH-INTERVAL, and Outlook's tag).
RAFRAICHISSEMENT = dt.timedelta(hours=6)  # X-PUBLISHED-TTL below says the same: PT6H
# A feed's last fetch is written at most this often: a calendar polling every few minutes costs no write each time.
PRECISION_CONSULTATION = dt.timedelta(hours=1)
# Unknown addresses a client may ask for in an hour before it is refused (429) for the rest of the hour: a
# calendar left on a renewed address asks a few times a day; guessing a 256-bit token is hopeless anyway.
ECHECS_PAR_HEURE = 30
FENETRE_ECHECS = dt.timedelta(hours=1)


class TypeEvenement(StrEnum):
    DATE_LIMITE = "date_limite"
    ECHEANCE = "echeance"
    BILAN = "bilan"
    RAPPORT_PERIODIQUE = "rapport_periodique"
    SUIVI_SIX_MOIS = "suivi_six_mois"
    FIN_LOT = "fin_lot"

    @property
    def libelle(self) -> str:
        return LIBELLES[self]


LIBELLES = {
    TypeEvenement.DATE_LIMITE: "Date limite de dénonciation",
    TypeEvenement.ECHEANCE: "Échéance de convention",
    TypeEvenement.BILAN: "Bilan annuel",
    TypeEvenement.RAPPORT_PERIODIQUE: "Rapport périodique",
    TypeEvenement.SUIVI_SIX_MOIS: "Suivi à six mois",
    TypeEvenement.FIN_LOT: "Fin d'exécution d'un lot",
}


@dataclass(frozen=True)
class Evenement:
    cle: str  # what the event is about, the UID's stem: « convention-12-periode-3-date-limite »
    jour: dt.date
    type: TypeEvenement
    titre: str
    description: str
    chemin: str  # the page on Clauses that says more (a path: the view makes it absolute)


def fenetre(jour: dt.date) -> tuple[dt.date, dt.date]:
    """The days a feed covers, around ``jour``: from three months before to eighteen months after."""
    return calendrier.add_months(jour, -MOIS_AVANT), calendrier.add_months(jour, MOIS_APRES)


def _mois(jour: dt.date) -> str:
    return formats.date_format(jour, "F Y")


def _periode_du_rapport(debut: dt.date, fin: dt.date) -> str:
    """« mars 2026 », « janvier à mars 2026 », « novembre 2025 à janvier 2026 »."""
    if (debut.year, debut.month) == (fin.year, fin.month):
        return _mois(debut)
    if debut.year == fin.year:
        return f"{formats.date_format(debut, 'F')} à {_mois(fin)}"
    return f"{_mois(debut)} à {_mois(fin)}"


# --- Conventions: notice deadlines, échéances, bilans, periodic reports -----------------------------------------


@dataclass(frozen=True)
class Liens:
    """The pages an event links to, on the facilitator's side or the portal's."""

    convention: Callable[[int], str | None]
    bilans: Callable[[int], str | None]
    rapports: str
    referent: bool


def _liens_facilitateur() -> Liens:
    return Liens(
        convention=alertes._urls("conventions:convention"),
        bilans=alertes._urls("reporting:bilans"),
        rapports=reverse("reporting:rapports"),
        referent=False,
    )


def _liens_portail() -> Liens:
    return Liens(
        convention=alertes._urls("portail:convention"),
        bilans=lambda _pk: reverse("portail:rapports"),
        rapports=reverse("portail:rapports"),
        referent=True,
    )


def _dates_de_la_convention(convention: Convention, debut: dt.date, fin: dt.date, liens: Liens) -> list[Evenement]:
    """The convention's notice deadlines, échéances and bilans between ``debut`` and ``fin``, each as the calendar
    states it on the day before: ``situation`` gives the next deadline (or échéance), and the walk goes on from
    the day after it. A deadline is there as long as there is a renewal to refuse, an échéance as long as the
    convention runs (its last one when notice was given), and a bilan is drafted the day after each échéance
    (``planning.bilans_a_preparer``)."""
    if convention.date_signature is None:
        return []  # nothing is due under a convention not signed yet
    donneur = convention.donneur_d_ordre
    avec = f"la convention avec {donneur.nom_avec_article}"
    chemin = liens.convention(convention.pk) or ""
    evenements = []

    jour = debut
    while (limite := calendrier.situation(convention, jour).date_limite) is not None and limite <= fin:
        jour = limite + dt.timedelta(days=1)
        if calendrier.situation(convention, limite).date_limite != limite:
            continue  # notice was given before it came: on the day itself there is nothing left to refuse
        periode = calendrier.periode_courante(convention, limite)
        evenements.append(
            Evenement(
                f"convention-{convention.pk}-periode-{periode.numero}-date-limite",
                limite,
                TypeEvenement.DATE_LIMITE,
                f"Date limite de dénonciation de {avec}",
                f"Dernier jour pour dénoncer {avec} avant son échéance du {date_longue(periode.echeance)}. "
                f"Sans dénonciation, elle est reconduite tacitement le {date_longue(periode.date_renouvellement)}.",
                chemin,
            )
        )

    date_fin = calendrier.date_fin(convention)
    # From the day before the window, so that a bilan falling on its first day is there too.
    jour = debut - dt.timedelta(days=1)
    while (echeance := calendrier.situation(convention, jour).echeance) is not None and echeance <= fin:
        periode = calendrier.periode_courante(convention, echeance)
        du_au = f"du {date_longue(periode.debut)} au {date_longue(periode.echeance)}"
        if echeance >= debut:
            if echeance == date_fin:
                titre = f"Fin de {avec}"
                texte = (
                    f"Dernier jour de {avec}, dénoncée le {date_longue(convention.date_denonciation)} : elle "
                    "prend fin à cette date."
                )
            else:
                titre = f"Échéance de {avec}"
                texte = (
                    f"Fin de l'année {du_au} de {avec}. Sauf dénonciation, elle est reconduite tacitement le "
                    f"{date_longue(periode.date_renouvellement)}."
                )
            evenements.append(
                Evenement(
                    f"convention-{convention.pk}-periode-{periode.numero}-echeance",
                    echeance,
                    TypeEvenement.ECHEANCE,
                    titre,
                    texte,
                    chemin,
                )
            )
        if periode.date_renouvellement <= fin:
            if liens.referent:
                titre = f"Bilan annuel de {avec}"
                texte = (
                    f"Le facilitateur prépare le bilan de l'année {du_au}. Une fois transmis, vous le lirez et "
                    "pourrez le commenter dans « Rapports et bilans »."
                )
            else:
                titre = f"Bilan annuel à préparer : {avec}"
                texte = (
                    f"L'année {du_au} est achevée : Clauses prépare le brouillon de son bilan annuel, à compléter "
                    "puis à transmettre au donneur d'ordre."
                )
            evenements.append(
                Evenement(
                    f"convention-{convention.pk}-periode-{periode.numero}-bilan",
                    periode.date_renouvellement,
                    TypeEvenement.BILAN,
                    titre,
                    texte,
                    liens.bilans(convention.pk) or "",
                )
            )
        jour = periode.date_renouvellement
    return evenements


def _premiers_du_mois(debut: dt.date, fin: dt.date) -> list[dt.date]:
    jour = debut.replace(day=1)
    if jour < debut:
        jour = calendrier.add_months(jour, 1)
    jours = []
    while jour <= fin:
        jours.append(jour)
        jour = calendrier.add_months(jour, 1)
    return jours


def _rapports_periodiques(
    conventions: list[Convention], debut: dt.date, fin: dt.date, liens: Liens
) -> list[Evenement]:
    """The periodic reports the schedule sends on the 1st of a month or quarter (``planning.rapports_periodiques``):
    one event per donneur d'ordre for a référent; for a facilitator, one per day, naming the donneurs d'ordre."""
    noms = {c.donneur_d_ordre_id: c.donneur_d_ordre for c in conventions}
    evenements = []
    for jour in _premiers_du_mois(debut, fin):
        rapports = planning.rapports_periodiques(jour, conventions)
        if not rapports:
            continue
        if liens.referent:
            for rapport in rapports:
                donneur = noms[rapport.donneur_id]
                periode = _periode_du_rapport(rapport.debut, rapport.fin)
                evenements.append(
                    Evenement(
                        f"rapport-periodique-donneur-{rapport.donneur_id}-{rapport.debut.isoformat()}",
                        jour,
                        TypeEvenement.RAPPORT_PERIODIQUE,
                        f"Rapport périodique : {periode} ({donneur.nom})",
                        f"Clauses envoie aux référents {de_avec_article(donneur.nom)} le rapport de la période du "
                        f"{date_longue(rapport.debut)} au {date_longue(rapport.fin)} ; il reste ensuite dans "
                        "« Rapports et bilans ».",
                        liens.rapports,
                    )
                )
            continue
        lignes = [
            f"- {noms[r.donneur_id].nom} : {_periode_du_rapport(r.debut, r.fin)}"
            for r in sorted(rapports, key=lambda r: noms[r.donneur_id].nom)
        ]
        n = len(rapports)
        evenements.append(
            Evenement(
                f"rapports-periodiques-{jour.isoformat()}",
                jour,
                TypeEvenement.RAPPORT_PERIODIQUE,
                f"Rapports périodiques : {n} donneur{'s' if n > 1 else ''} d'ordre",
                "Clauses produit et envoie ce jour aux référents le rapport de la période écoulée :\n"
                + "\n".join(lignes),
                liens.rapports,
            )
        )
    return evenements


def _dates_des_conventions(conventions: Iterable[Convention], debut: dt.date, fin: dt.date, liens: Liens):
    conventions = list(conventions)
    evenements = [e for c in conventions for e in _dates_de_la_convention(c, debut, fin, liens)]
    return evenements + _rapports_periodiques(conventions, debut, fin, liens)


def _conventions(filtre: Q) -> list[Convention]:
    """Signed conventions with what the calendar and the schedule read of them and of their donneur d'ordre."""
    return list(
        Convention.objects.signees()
        .filter(filtre)
        .select_related("donneur_d_ordre")
        .only(
            *calendrier.CHAMPS,
            "donneur_d_ordre__nom",
            "donneur_d_ordre__actif",
            "donneur_d_ordre__periodicite_rapport",
        )
        .order_by("pk")
    )


# --- Lots and six-month follow-ups ---------------------------------------------------------------------------


def _fins_de_lots(lots, debut: dt.date, fin: dt.date, chemin: Callable[[Lot], str]) -> list[Evenement]:
    """The ends of the execution periods of awarded lots (their hours are expected until then)."""
    lots = (
        lots.filter(marche__statut__in=STATUTS_AVEC_OBJECTIF, date_fin__range=(debut, fin))
        .select_related("marche__donneur_d_ordre")
        .only("numero", "intitule", "date_fin", "marche__objet", "marche__donneur_d_ordre__nom")
        .order_by("date_fin", "pk")
    )
    evenements = []
    for lot in lots:
        marche = lot.marche
        nom_du_lot = alertes._lot(lot.numero, lot.intitule, majuscule=False)
        evenements.append(
            Evenement(
                f"lot-{lot.pk}-fin",
                lot.date_fin,
                TypeEvenement.FIN_LOT,
                f"Fin d'exécution : {nom_du_lot} ({marche.objet})",
                f"Fin d'exécution prévue du {nom_du_lot} du marché « {marche.objet} » "
                f"{de_avec_article(marche.donneur_d_ordre.nom)} : "
                "ses heures d'insertion sont attendues jusqu'à cette date.",
                chemin(lot),
            )
        )
    return evenements


def _suivis_a_six_mois(facilitateur_id: int | None, debut: dt.date, fin: dt.date) -> list[Evenement]:
    """Placements whose six-month outcome falls due in the window and is not recorded yet: due six months after the
    placement's end (``alertes.sorties_a_six_mois``). The participant by reference, never by name."""
    mois = alertes.MOIS_SUIVI_SORTIE
    # A few days' margin: six months after the 29th to the 31st of a month may land on the same last day of February.
    placements = (
        Placement.objects.filter(
            alertes.marches_suivis(facilitateur_id, "attribution__lot__marche__"),
            date_fin__gte=calendrier.add_months(debut, -mois) - dt.timedelta(days=3),
            date_fin__lte=calendrier.add_months(fin, -mois),
        )
        .filter(~Exists(Sortie.objects.filter(placement=OuterRef("pk"), moment=MomentSortie.SIX_MOIS)))
        .select_related("participant", "attribution__entreprise")
        .only("date_fin", "participant__reference", "attribution__entreprise__raison_sociale")
        .order_by("date_fin", "pk")
    )
    url = alertes._urls("clauses:participant")
    evenements = []
    for placement in placements:
        assert placement.date_fin is not None  # date_fin__gte leaves NULL out
        jour = calendrier.add_months(placement.date_fin, mois)
        if not debut <= jour <= fin:
            continue
        reference = placement.participant.reference
        entreprise = placement.attribution.entreprise.raison_sociale
        evenements.append(
            Evenement(
                f"placement-{placement.pk}-suivi-six-mois",
                jour,
                TypeEvenement.SUIVI_SIX_MOIS,
                f"Suivi à six mois : {reference} ({entreprise})",
                f"Situation à six mois à recueillir pour {reference} : placement chez {entreprise} terminé le "
                f"{date_longue(placement.date_fin)}.",
                url(placement.participant_id) or "",
            )
        )
    return evenements


# --- Whose dates ------------------------------------------------------------------------------------------


def _donneurs_du_facilitateur(facilitateur_id: int) -> Q:
    """The conventions whose reminders the schedule sends this facilitator (``travaux.adresses_facilitateurs``): of
    the donneurs d'ordre whose marchés they are in charge of, and of those whose marchés nobody is in charge of."""
    marches = Marche.objects.filter(donneur_d_ordre=OuterRef("donneur_d_ordre"), facilitateur__isnull=False)
    return Q(Exists(marches.filter(facilitateur_id=facilitateur_id))) | ~Q(Exists(marches))


def evenements_facilitateur(user, jour: dt.date) -> list[Evenement]:
    debut, fin = fenetre(jour)
    facilitateur_id = alertes.portee_par_defaut(user)
    conventions = _conventions(Q() if facilitateur_id is None else _donneurs_du_facilitateur(facilitateur_id))
    url_lot = alertes._urls("clauses:lot")
    return [
        *_dates_des_conventions(conventions, debut, fin, _liens_facilitateur()),
        *_suivis_a_six_mois(facilitateur_id, debut, fin),
        *_fins_de_lots(
            Lot.objects.filter(alertes.marches_suivis(facilitateur_id, "marche__")),
            debut,
            fin,
            lambda lot: url_lot(lot.pk) or "",
        ),
    ]


def evenements_referent(user, jour: dt.date) -> list[Evenement]:
    """A référent's dates: their donneurs d'ordre's conventions and lots, nothing about people."""
    debut, fin = fenetre(jour)
    donneurs = [d.pk for d in donneurs_du_referent(user)]
    if not donneurs:
        return []
    conventions = _conventions(Q(donneur_d_ordre__in=donneurs))
    url_marche = alertes._urls("portail:marche")
    return [
        *_dates_des_conventions(conventions, debut, fin, _liens_portail()),
        *_fins_de_lots(
            Lot.objects.filter(marche__donneur_d_ordre__in=donneurs),
            debut,
            fin,
            lambda lot: url_marche(lot.marche_id) or "",
        ),
    ]


def evenements(user, jour: dt.date) -> list[Evenement] | None:
    """The user's dates, in date order; None for a user who is neither a facilitator nor a référent (any more)."""
    if est_facilitateur(user):
        liste = evenements_facilitateur(user, jour)
    elif user.is_active and user.referents.exists():
        liste = evenements_referent(user, jour)
    else:
        return None
    return sorted(liste, key=lambda e: (e.jour, e.type, e.cle))


# --- The iCalendar file -----------------------------------------------------------------------------------


def _domaine() -> str:
    """The instance's host name, which makes the events' UIDs unique beyond it (RFC 5545)."""
    return urlsplit(settings.CLAUSES_SITE_URL).hostname or "clauses"


def calendrier_ics(liste: Iterable[Evenement], lien_absolu: Callable[[str], str], maintenant: dt.datetime) -> bytes:
    """The events as an iCalendar file: all-day, transparent (they do not mark the day busy), each with its UID,
    its French summary, a description ending with the link, and the link as URL."""
    agenda = Calendar()
    agenda.add("prodid", "-//Clauses//Agenda des clauses sociales d'insertion//FR")
    agenda.add("version", "2.0")
    agenda.add("calscale", "GREGORIAN")
    agenda.add("method", "PUBLISH")
    agenda.add("x-wr-calname", "Clauses — mes échéances")
    agenda.add(
        "x-wr-caldesc",
        "Échéances des conventions, bilans, rapports, suivis et fins de lots, tirées de Clauses. "
        "Adresse personnelle : ne la partagez pas.",
    )
    agenda.add("refresh-interval", RAFRAICHISSEMENT, parameters={"VALUE": "DURATION"})
    agenda.add("x-published-ttl", "PT6H")
    domaine = _domaine()
    for evenement in liste:
        lien = lien_absolu(evenement.chemin) if evenement.chemin else ""
        composant = Event()
        composant.add("uid", f"{evenement.cle}@{domaine}")
        composant.add("dtstamp", maintenant)
        composant.add("dtstart", evenement.jour)
        composant.add("dtend", evenement.jour + dt.timedelta(days=1))
        composant.add("summary", evenement.titre)
        composant.add("description", f"{evenement.description}\n\n{lien}" if lien else evenement.description)
        if lien:
            composant.add("url", lien)
        composant.add("categories", [evenement.type.libelle])
        composant.add("transp", "TRANSPARENT")
        agenda.add_component(composant)
    return agenda.to_ical()


# --- The secret address ----------------------------------------------------------------------------------


def emettre_adresse(user) -> str:
    """Create the user's feed, or renew its address (the old one stops answering at once); the new token, which
    is stored nowhere but in the address shown once to the user."""
    jeton = secrets.token_urlsafe(32)
    AgendaPersonnel.objects.update_or_create(
        user=user,
        defaults={"token_hash": hacher_jeton_agenda(jeton), "emis_le": timezone.now(), "consulte_le": None},
    )
    return jeton


def abonnement(user) -> AgendaPersonnel | None:
    """The user's feed, if they have one."""
    return AgendaPersonnel.objects.filter(user=user).first()


def supprimer_adresse(user) -> bool:
    """Turn the user's feed off; False if there was none."""
    supprimes, _ = AgendaPersonnel.objects.filter(user=user).delete()
    return bool(supprimes)


def _cle_echecs(request) -> str:
    return f"agenda:echecs:{adresse_ip_client(request) or 'inconnu'}"


def client_bloque(request) -> bool:
    """Whether this client asked for too many unknown addresses within the hour. Without a cache (Redis down), no."""
    try:
        return (cache.get(_cle_echecs(request)) or 0) >= ECHECS_PAR_HEURE
    except redis.RedisError:
        return False


def compter_echec(request) -> None:
    try:
        compter(_cle_echecs(request), FENETRE_ECHECS)
    except redis.RedisError:
        pass


def ouvrir(jeton: str, maintenant: dt.datetime | None = None) -> AgendaPersonnel | None:
    """The feed whose address holds ``jeton``, its user loaded; None for an unknown, renewed or deleted address, or
    a user who may no longer log in. Records the fetch (at most once an hour)."""
    agenda = AgendaPersonnel.objects.par_jeton(jeton).select_related("user").first()
    if agenda is not None:
        maintenant = maintenant or timezone.now()
        AgendaPersonnel.objects.filter(
            Q(consulte_le__isnull=True) | Q(consulte_le__lt=maintenant - PRECISION_CONSULTATION), pk=agenda.pk
        ).update(consulte_le=maintenant)
    return agenda


def regroupes_par_mois(liste: Iterable[Evenement]) -> list[tuple[str, list[Evenement]]]:
    """The events under their month's heading (« mars 2026 »), for the page."""
    mois: dict[dt.date, list[Evenement]] = defaultdict(list)
    for evenement in liste:
        mois[evenement.jour.replace(day=1)].append(evenement)
    return [(_mois(premier), evenements_du_mois) for premier, evenements_du_mois in sorted(mois.items())]
