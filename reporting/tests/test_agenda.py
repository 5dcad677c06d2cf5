"""The personal calendar feed (reporting.agenda): read back by a calendar application's parser (icalendar), the
dates of the conventions as the calendar and the schedule give them, whose dates each user gets, no participant in
a référent's feed, the secret address (shown once, renewed, deleted, guessed), and a query count that does not grow
with the portfolio."""

import datetime as dt
import html
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from clauses.factories import ParticipantFactory, PlacementFactory, SortieFactory
from clauses.models import MomentSortie
from conventions.factories import (
    ConventionFactory,
    DonneurDOrdreFactory,
    FacilitateurFactory,
    ReferentFactory,
)
from conventions.models import Convention, DenoncePar, DonneurDOrdre, Periodicite
from marches.factories import AttributionFactory, LotFactory, MarcheFactory
from marches.models import StatutMarche
from reporting import agenda, planning, travaux
from reporting.agenda import TypeEvenement
from reporting.models import AgendaPersonnel

pytestmark = pytest.mark.django_db

D = dt.date
AUJOURD_HUI = "2026-12-15T12:00+01:00"
JOUR = D(2026, 12, 15)


def lire(contenu: bytes) -> dict[str, dict]:
    """The feed as a calendar application reads it: its events by UID."""
    agenda_lu = Calendar.from_ical(contenu)
    evenements = {}
    for composant in agenda_lu.walk("VEVENT"):
        evenements[str(composant["UID"])] = {
            "debut": composant.decoded("DTSTART"),
            "fin": composant.decoded("DTEND"),
            "titre": str(composant["SUMMARY"]),
            "description": str(composant["DESCRIPTION"]),
            "url": str(composant.get("URL", "")),
            "categorie": composant["CATEGORIES"].cats[0],
        }
    return evenements


def uid(cle: str) -> str:
    return f"{cle}@{agenda._domaine()}"


def adresse(user) -> str:
    return reverse("reporting:agenda_flux", args=[agenda.emettre_adresse(user)])


@pytest.fixture
def territoire():
    """A facilitator's donneur d'ordre: a convention signed on 1 July 2024 (échéances on 30 June, notice deadlines
    on 31 March), a marché in their charge with a lot ending in the window, a placement ended on 20 May 2026 (its
    six-month follow-up due on 20 November 2026) and one whose follow-up is recorded. And another donneur d'ordre,
    with its own référent, convention, lot and participant, whose marché another facilitator is in charge of."""
    facilitateur = FacilitateurFactory(first_name="Camille", last_name="Martin")
    arles = DonneurDOrdreFactory(nom="Ville d'Arles", periodicite_rapport=Periodicite.TRIMESTRIELLE)
    convention = ConventionFactory(donneur_d_ordre=arles, date_signature=D(2024, 7, 1), date_effet=D(2024, 7, 1))
    marche = MarcheFactory(donneur_d_ordre=arles, facilitateur=facilitateur, objet="Réhabilitation de l'école")
    lot = LotFactory(marche=marche, numero="2", intitule="Peinture", date_debut=D(2026, 1, 1), date_fin=D(2027, 5, 31))
    attribution = AttributionFactory(lot=lot, entreprise__raison_sociale="Bâti Sud")
    participant = ParticipantFactory(nom="Quillebœuf", prenom="Zéphyrine")
    placement = PlacementFactory(
        attribution=attribution, participant=participant, date_debut=D(2026, 1, 5), date_fin=D(2026, 5, 20)
    )
    suivi = PlacementFactory(attribution=attribution, date_debut=D(2026, 1, 5), date_fin=D(2026, 4, 30))
    SortieFactory(placement=suivi, moment=MomentSortie.SIX_MOIS, date_constat=D(2026, 10, 30))

    autre = DonneurDOrdreFactory(nom="Département des Bouches-du-Rhône")
    convention_autre = ConventionFactory(donneur_d_ordre=autre, date_signature=D(2025, 1, 1), date_effet=D(2025, 1, 1))
    collegue = FacilitateurFactory()
    lot_autre = LotFactory(marche=MarcheFactory(donneur_d_ordre=autre, facilitateur=collegue), date_fin=D(2027, 2, 28))
    placement_autre = PlacementFactory(
        attribution=AttributionFactory(lot=lot_autre),
        participant=ParticipantFactory(nom="Ribouldingue", prenom="Anatole"),
        date_fin=D(2026, 6, 10),
    )
    return {
        "facilitateur": facilitateur,
        "arles": arles,
        "convention": convention,
        "lot": lot,
        "placement": placement,
        "participant": participant,
        "referent": ReferentFactory(donneur_d_ordre=arles).user,
        "autre": autre,
        "convention_autre": convention_autre,
        "lot_autre": lot_autre,
        "placement_autre": placement_autre,
        "referent_autre": ReferentFactory(donneur_d_ordre=autre).user,
        "collegue": collegue,
    }


# --- What a calendar application reads ------------------------------------------------------------------


@pytest.mark.time_machine(AUJOURD_HUI)
def test_a_facilitators_feed_opens_in_a_calendar_parser_with_its_dates(client, territoire):
    t = territoire
    reponse = client.get(adresse(t["facilitateur"]))  # no session: a calendar application asks
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "text/calendar; charset=utf-8"
    evenements = lire(reponse.content)
    c, lot, placement = t["convention"].pk, t["lot"].pk, t["placement"]

    # Every event is a whole day, in the window (three months back, eighteen ahead).
    for evenement in evenements.values():
        assert type(evenement["debut"]) is dt.date
        assert evenement["fin"] == evenement["debut"] + dt.timedelta(days=1)
        assert D(2026, 9, 15) <= evenement["debut"] <= D(2028, 6, 15)

    limite = evenements[uid(f"convention-{c}-periode-3-date-limite")]
    assert limite["debut"] == D(2027, 3, 31)
    assert limite["titre"] == "Date limite de dénonciation de la convention avec la Ville d'Arles"
    assert "avant son échéance du 30 juin 2027" in limite["description"]
    assert limite["url"] == f"http://testserver{reverse('conventions:convention', args=[c])}"
    assert limite["description"].endswith(limite["url"])
    assert evenements[uid(f"convention-{c}-periode-4-date-limite")]["debut"] == D(2028, 3, 31)
    echeance = evenements[uid(f"convention-{c}-periode-3-echeance")]
    assert (echeance["debut"], echeance["categorie"]) == (D(2027, 6, 30), "Échéance de convention")
    assert "reconduite tacitement le 1er juillet 2027" in echeance["description"]
    bilan = evenements[uid(f"convention-{c}-periode-3-bilan")]
    assert bilan["debut"] == D(2027, 7, 1)
    assert bilan["titre"] == "Bilan annuel à préparer : la convention avec la Ville d'Arles"
    assert bilan["url"].endswith(reverse("reporting:bilans", args=[c]))
    # The échéance of 30 June 2028 is past the window; that of 30 June 2026 before it.
    assert uid(f"convention-{c}-periode-4-echeance") not in evenements
    assert uid(f"convention-{c}-periode-2-echeance") not in evenements

    # Periodic reports: the 1st of each quarter, the donneurs d'ordre named in one event a day.
    rapports = evenements[uid("rapports-periodiques-2027-01-01")]
    assert rapports["titre"] == "Rapports périodiques : 1 donneur d'ordre"
    assert "- Ville d'Arles : octobre à décembre 2026" in rapports["description"]
    assert uid("rapports-periodiques-2027-02-01") not in evenements

    # The six-month follow-up, by the participant's reference only; the recorded one is not there.
    suivi = evenements[uid(f"placement-{placement.pk}-suivi-six-mois")]
    assert suivi["debut"] == D(2026, 11, 20)
    assert suivi["titre"] == f"Suivi à six mois : {t['participant'].reference} (Bâti Sud)"
    assert "Quillebœuf" not in reponse.content.decode() and "Zéphyrine" not in reponse.content.decode()
    assert sum(e["categorie"] == "Suivi à six mois" for e in evenements.values()) == 1

    fin_de_lot = evenements[uid(f"lot-{lot}-fin")]
    assert fin_de_lot["debut"] == D(2027, 5, 31)
    assert fin_de_lot["titre"] == "Fin d'exécution : lot 2 « Peinture » (Réhabilitation de l'école)"
    assert fin_de_lot["url"].endswith(reverse("clauses:lot", args=[lot]))


@pytest.mark.time_machine(AUJOURD_HUI)
def test_uids_stay_when_dates_move_so_calendars_update_instead_of_duplicating(client, territoire):
    t = territoire
    chemin = adresse(t["facilitateur"])
    avant = lire(client.get(chemin).content)
    assert lire(client.get(chemin).content).keys() == avant.keys()  # fetched again: the same events

    t["lot"].date_fin = D(2027, 9, 30)
    t["lot"].save()
    apres = lire(client.get(chemin).content)
    assert apres.keys() == avant.keys()
    assert apres[uid(f"lot-{t['lot'].pk}-fin")]["debut"] == D(2027, 9, 30)


@pytest.mark.time_machine(AUJOURD_HUI)
def test_a_referents_feed_holds_only_its_organisation_and_nobody(client, territoire):
    t = territoire
    reponse = client.get(adresse(t["referent"]))
    assert reponse.status_code == 200
    texte = reponse.content.decode()
    evenements = lire(reponse.content)
    c = t["convention"].pk

    assert evenements[uid(f"convention-{c}-periode-3-date-limite")]["url"].endswith(
        reverse("portail:convention", args=[c])
    )
    assert evenements[uid(f"lot-{t['lot'].pk}-fin")]["url"].endswith(
        reverse("portail:marche", args=[t["lot"].marche_id])
    )
    rapport = evenements[uid(f"rapport-periodique-donneur-{t['arles'].pk}-2026-10-01")]
    assert rapport["titre"] == "Rapport périodique : octobre à décembre 2026 (Ville d'Arles)"
    assert rapport["debut"] == D(2027, 1, 1)
    assert (
        evenements[uid(f"convention-{c}-periode-3-bilan")]["titre"]
        == "Bilan annuel de la convention avec la Ville d'Arles"
    )

    # Nothing of the other donneur d'ordre.
    autre = t["convention_autre"].pk
    assert not [u for u in evenements if u.startswith((f"convention-{autre}-", f"lot-{t['lot_autre'].pk}-"))]
    assert "Bouches-du-Rhône" not in texte
    # No person at all: no follow-up, no reference, no name, no company's staff.
    assert not [e for e in evenements.values() if e["categorie"] == TypeEvenement.SUIVI_SIX_MOIS.libelle]
    for placement in (t["placement"], t["placement_autre"]):
        participant = placement.participant
        for trace in (participant.nom, participant.prenom, participant.reference, "placement", "P-0"):
            assert trace.lower() not in texte.lower(), trace
    assert {e["categorie"] for e in evenements.values()} == {
        "Date limite de dénonciation",
        "Échéance de convention",
        "Bilan annuel",
        "Rapport périodique",
        "Fin d'exécution d'un lot",
    }


@pytest.mark.time_machine(AUJOURD_HUI)
def test_a_referent_of_two_organisations_gets_both(client, territoire):
    t = territoire
    ReferentFactory(user=t["referent"], donneur_d_ordre=t["autre"])
    evenements = lire(client.get(adresse(t["referent"])).content)
    assert uid(f"convention-{t['convention_autre'].pk}-periode-3-date-limite") in evenements
    assert uid(f"lot-{t['lot_autre'].pk}-fin") in evenements


# --- Whose dates a facilitator follows ------------------------------------------------------------------


@pytest.mark.time_machine(AUJOURD_HUI)
def test_a_facilitator_follows_their_marches_and_the_conventions_the_schedule_reminds_them_of(territoire):
    t = territoire
    collegue = t["collegue"]
    personne = LotFactory(marche=MarcheFactory(donneur_d_ordre=t["autre"]), date_fin=D(2027, 1, 31))
    sans_marche = ConventionFactory(donneur_d_ordre=DonneurDOrdreFactory(nom="Commune de Boulbon"))
    conventions = [t["convention"], t["convention_autre"], sans_marche]

    def conventions_de(user) -> set[int]:
        return {int(m[1]) for e in agenda.evenements(user, JOUR) if (m := re.match(r"convention-(\d+)-", e.cle))}

    for user in (t["facilitateur"], collegue):
        # The same donneurs d'ordre whose reminders the schedule sends them.
        attendues = {c.pk for c in conventions if user.email in travaux.adresses_facilitateurs(c.donneur_d_ordre_id)}
        assert conventions_de(user) == attendues
    assert conventions_de(t["facilitateur"]) == {t["convention"].pk, sans_marche.pk}
    assert conventions_de(collegue) == {t["convention_autre"].pk, sans_marche.pk}
    # Marchés: their own and nobody's.
    lots = {e.cle for e in agenda.evenements(collegue, JOUR) if e.type == TypeEvenement.FIN_LOT}
    assert lots == {f"lot-{t['lot_autre'].pk}-fin", f"lot-{personne.pk}-fin"}
    lots = {e.cle for e in agenda.evenements(t["facilitateur"], JOUR) if e.type == TypeEvenement.FIN_LOT}
    assert lots == {f"lot-{t['lot'].pk}-fin", f"lot-{personne.pk}-fin"}

    # A facilitator in charge of no marché follows the whole team's, as on the home page.
    coordinatrice = FacilitateurFactory()
    assert conventions_de(coordinatrice) == {c.pk for c in conventions}


def test_a_lot_counts_once_awarded():
    lot = LotFactory(marche=MarcheFactory(statut=StatutMarche.EN_CONSULTATION), date_fin=D(2027, 1, 31))
    facilitateur = FacilitateurFactory()
    assert not [e for e in agenda.evenements(facilitateur, D(2026, 12, 1)) if e.cle == f"lot-{lot.pk}-fin"]
    lot.marche.statut = StatutMarche.ATTRIBUE
    lot.marche.save()
    assert [e for e in agenda.evenements(facilitateur, D(2026, 12, 1)) if e.cle == f"lot-{lot.pk}-fin"]


# --- The conventions' dates are the calendar's and the schedule's -----------------------------------------

_pks = itertools.count(1)


def _convention(effet: dt.date, signature: dt.date | None, periodicite=Periodicite.TRIMESTRIELLE, **champs):
    """An unsaved convention, as the schedule's own tests build them (reporting/tests/test_planning.py)."""
    donneur = DonneurDOrdre(pk=next(_pks), nom="Ville d'Arles", periodicite_rapport=periodicite, actif=True)
    return Convention(pk=next(_pks), donneur_d_ordre=donneur, date_effet=effet, date_signature=signature, **champs)


CAS = {
    "signée": _convention(D(2024, 7, 1), D(2024, 6, 15)),
    "effet un 31 mai": _convention(D(2023, 5, 31), D(2023, 5, 2), periodicite=Periodicite.MENSUELLE),
    "dénoncée avant la date limite": _convention(
        D(2024, 7, 1), D(2024, 7, 1), date_denonciation=D(2027, 2, 1), denoncee_par=DenoncePar.DONNEUR_D_ORDRE
    ),
    "dénoncée après la date limite": _convention(
        D(2024, 7, 1), D(2024, 7, 1), date_denonciation=D(2027, 5, 1), denoncee_par=DenoncePar.STRUCTURE_PORTEUSE
    ),
    "dénoncée, terminée dans la fenêtre": _convention(
        D(2020, 1, 1), D(2020, 1, 1), date_denonciation=D(2026, 8, 1), denoncee_par=DenoncePar.DONNEUR_D_ORDRE
    ),
    "signée, effet à venir": _convention(D(2027, 9, 1), D(2026, 11, 20)),
    "non signée": _convention(D(2026, 1, 1), None),
}
LIENS = agenda.Liens(convention=str, bilans=str, rapports="/rapports/", referent=True)


def _jours(debut: dt.date, fin: dt.date):
    jour = debut
    while jour <= fin:
        yield jour
        jour += dt.timedelta(days=1)


@pytest.mark.parametrize("cas", sorted(CAS))
def test_a_conventions_dates_are_those_the_schedule_acts_on(cas):
    """Deadlines are the days the schedule sends its « day itself » reminder, bilans the days it drafts them, and
    échéances the days before: day by day over the window, ``reporting.planning`` says the same as the feed."""
    convention = CAS[cas]
    debut, fin = agenda.fenetre(JOUR)
    dates = agenda._dates_de_la_convention(convention, debut, fin, LIENS)
    par_type = {t: sorted(e.jour for e in dates if e.type == t) for t in TypeEvenement}
    jours = list(_jours(debut, fin))

    rappels = [r.du for j in jours for r in planning.rappels_echeance(j, [convention]) if r.delai == 0]
    assert par_type[TypeEvenement.DATE_LIMITE] == rappels
    bilans = [j for j in jours if planning.bilans_a_preparer(j, [convention])]
    assert par_type[TypeEvenement.BILAN] == bilans
    veilles = [j - dt.timedelta(days=1) for j in bilans if j - dt.timedelta(days=1) >= debut]
    assert [e for e in par_type[TypeEvenement.ECHEANCE] if e < fin] == veilles
    if cas == "non signée":
        assert dates == []
    if cas == "effet un 31 mai":
        assert D(2027, 2, 28) in par_type[TypeEvenement.DATE_LIMITE]  # échéance 30 May, deadline end of February
    if cas == "dénoncée avant la date limite":
        assert par_type[TypeEvenement.DATE_LIMITE] == []
        assert par_type[TypeEvenement.ECHEANCE] == [D(2027, 6, 30)]
        (fin_de_convention,) = [e for e in dates if e.type == TypeEvenement.ECHEANCE]
        assert fin_de_convention.titre == "Fin de la convention avec la Ville d'Arles"
    if cas == "dénoncée après la date limite":
        # Notice given after the 2027 deadline: the year renewed, and ends on 30 June 2028 (past the window).
        assert par_type[TypeEvenement.DATE_LIMITE] == [D(2027, 3, 31)]
        assert par_type[TypeEvenement.ECHEANCE] == [D(2027, 6, 30)]
    if cas == "dénoncée, terminée dans la fenêtre":
        assert [(e.jour, e.titre) for e in dates] == [
            (D(2026, 12, 31), "Fin de la convention avec la Ville d'Arles"),
            (D(2027, 1, 1), "Bilan annuel de la convention avec la Ville d'Arles"),
        ]


def test_periodic_reports_are_the_schedules():
    conventions = list(CAS.values())
    debut, fin = agenda.fenetre(JOUR)
    attendus = {
        (r.du, r.donneur_id, r.debut)
        for j in _jours(debut, fin)
        for r in planning.rapports_periodiques(j, conventions)
    }
    trouves = {
        (e.jour, int(e.cle.split("-")[3]), D.fromisoformat(e.cle.split("-", 4)[4]))
        for e in agenda._rapports_periodiques(conventions, debut, fin, LIENS)
    }
    assert trouves == attendus
    assert len(attendus) > 20


# --- The secret address ---------------------------------------------------------------------------------


@pytest.mark.time_machine(AUJOURD_HUI)
def test_the_page_shows_the_address_once_then_renews_and_deletes_it(client, territoire):
    facilitateur = territoire["facilitateur"]
    client.force_login(facilitateur)
    page = reverse("reporting:agenda")
    texte = html.unescape(client.get(page).content.decode())
    assert "Créer mon adresse d'agenda" in texte
    assert "Date limite de dénonciation de la convention avec la Ville d'Arles" in texte

    reponse = client.post(page, {"action": "emettre"})
    assert reponse.status_code == 200
    (premiere,) = re.findall(r">(http://testserver/agenda/[\w-]+\.ics)</textarea>", reponse.content.decode())
    abonnement = AgendaPersonnel.objects.get(user=facilitateur)
    assert premiere.rsplit("/", 1)[1].removesuffix(".ics") not in abonnement.token_hash  # only its hash is kept
    client.logout()
    assert client.get(premiere).status_code == 200
    abonnement.refresh_from_db()
    assert abonnement.consulte_le is not None

    # Shown once: the page no longer holds it.
    client.force_login(facilitateur)
    texte = html.unescape(client.get(page).content.decode())
    assert premiere not in texte and "Renouveler l'adresse" in texte and "Dernière consultation" in texte

    reponse = client.post(page, {"action": "emettre"})
    (seconde,) = re.findall(r">(http://testserver/agenda/[\w-]+\.ics)</textarea>", reponse.content.decode())
    assert seconde != premiere
    assert client.get(premiere).status_code == 404  # renewed: the old address stops at once
    assert client.get(seconde).status_code == 200

    reponse = client.post(page, {"action": "supprimer"}, follow=True)
    assert "Votre agenda est supprimé" in html.unescape(reponse.content.decode())
    assert client.get(seconde).status_code == 404
    assert not AgendaPersonnel.objects.filter(user=facilitateur).exists()


def test_the_portals_page_issues_the_referents_own_address(client, territoire):
    client.force_login(territoire["referent"])
    reponse = client.post(reverse("portail:agenda"), {"action": "emettre"})
    assert reponse.status_code == 200
    assert AgendaPersonnel.objects.filter(user=territoire["referent"]).exists()
    assert "aucune information sur les personnes" in html.unescape(reponse.content.decode())


def test_an_address_stops_with_its_owners_role_or_account(client, territoire):
    referent = territoire["referent"]
    chemin = adresse(referent)
    assert client.get(chemin).status_code == 200
    referent.referents.all().delete()  # no longer a référent of anyone
    assert client.get(chemin).status_code == 404

    facilitateur = territoire["facilitateur"]
    chemin = adresse(facilitateur)
    facilitateur.is_active = False
    facilitateur.save()
    assert client.get(chemin).status_code == 404
    assert client.get(reverse("reporting:agenda_flux", args=["x" * 43])).status_code == 404


def test_a_client_guessing_addresses_is_stopped_for_the_hour(client, territoire):
    valide = adresse(territoire["facilitateur"])
    for _ in range(agenda.ECHECS_PAR_HEURE):
        assert client.get(reverse("reporting:agenda_flux", args=["devine" * 7])).status_code == 404
    reponse = client.get(valide)
    assert reponse.status_code == 429
    assert "réessayez dans une heure" in reponse.content.decode()
    # Another client is not.
    assert client.get(valide, REMOTE_ADDR="192.0.2.7").status_code == 200


# --- A fixed number of queries whatever the portfolio -------------------------------------------------------


def _portefeuille(facilitateur, referent_de, n: int) -> None:
    for i in range(n):
        donneur = referent_de if i == 0 else DonneurDOrdreFactory()
        ConventionFactory(donneur_d_ordre=donneur)
        marche = MarcheFactory(donneur_d_ordre=donneur, facilitateur=facilitateur)
        lot = LotFactory(marche=marche, date_fin=D(2027, 3, 31))
        PlacementFactory(attribution=AttributionFactory(lot=lot), date_fin=D(2026, 8, 31))


@pytest.mark.time_machine(AUJOURD_HUI)
def test_the_feed_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    facilitateur = FacilitateurFactory()
    referent = ReferentFactory()
    chemins = {"facilitateur": adresse(facilitateur), "referent": adresse(referent.user)}
    _portefeuille(facilitateur, referent.donneur_d_ordre, 1)
    comptes = {}
    for qui, chemin in chemins.items():
        with CaptureQueriesContext(connection) as requetes:
            assert client.get(chemin).status_code == 200
        comptes[qui] = len(requetes)
    _portefeuille(facilitateur, referent.donneur_d_ordre, 6)
    for qui, chemin in chemins.items():
        with django_assert_num_queries(comptes[qui]):
            assert len(lire(client.get(chemin).content)) > 10
    assert comptes == {"facilitateur": 6, "referent": 6}
