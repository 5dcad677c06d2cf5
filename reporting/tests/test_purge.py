"""The daily purge of personal data (reporting.tasks.purger_donnees_personnelles, clauses.protection): run on the demo
ten years ahead, it anonymises everyone and leaves every published figure and bilan text identical; it runs once per
day like the other jobs; the nominative documents naming the people it anonymises go with them."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db.models import Max, Min
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from clauses import demo
from clauses.models import LIMITES_D_AGE, HeuresMensuelles, Participant
from clauses.protection import anonymisation, conservation
from clauses.tests.protection_outils import personne_complete
from conventions.calendrier import add_months
from conventions.models import Convention, DonneurDOrdre
from reporting import bilans, confidentialite, diffusion, indicateurs, protection, tasks, travaux
from reporting.cumuls import reconstruction
from reporting.documents import bilan_annuel, bilan_territorial
from reporting.documents.rendu import rendre_html
from reporting.indicateurs import Periode
from reporting.models import BilanAnnuel, Rapport, StatutTache, Tache, TypeRapport

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def demo_chargee(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert demo.charger_demo(jour=timezone.localdate()).cree


def _html_du_bilan_territorial(annee: int, jour: dt.date) -> str:
    contexte = {
        "bilan": bilan_territorial.contenu(Periode.annee(annee), jour),
        "seuil": confidentialite.SEUIL,
        "heures_par_etp": settings.CLAUSES_HEURES_PAR_ETP,
        "regle_qpv": diffusion.PHRASE_QPV,
    }
    return rendre_html(bilan_territorial.GABARIT, contexte)


def _html_du_bilan_annuel(convention: Convention, periode) -> str:
    # The copy addressed to the donneur d'ordre: the transmitted text and comment are printed.
    rapport = Rapport(
        type=TypeRapport.BILAN_ANNUEL,
        convention=convention,
        donneur_d_ordre=convention.donneur_d_ordre,
        periode_debut=periode.debut,
        periode_fin=periode.echeance,
    )
    return rendre_html(bilan_annuel.GABARIT, bilan_annuel.contexte(rapport))


def chiffres_publies(jour: dt.date) -> dict:
    """Every figure and bilan text the demo publishes: each convention's bilan of each year with hours (the donneur's
    copy, its text included), the territorial bilan and the home page's indicators of each year, and each donneur
    d'ordre's statistics of people (the portal's, age bands included)."""
    bornes = HeuresMensuelles.objects.aggregate(premier=Min("mois"), dernier=Max("mois"))
    annees = range(bornes["premier"].year, jour.year + 1)
    resultat: dict = {}
    for annee in annees:
        periode, precedente = Periode.annee(annee), Periode.annee(annee - 1)
        chiffres, precedents = indicateurs.chiffres_cles_comparees(periode, precedente, jour)
        resultat[("accueil", annee)] = (
            chiffres,
            precedents,
            indicateurs.heures_par_mois(periode.fin),
            indicateurs.heures_par_modalite(periode.debut, periode.fin),
            indicateurs.personnes_par_public(periode.debut, periode.fin, personnes=chiffres.personnes),
            indicateurs.repartitions_des_personnes(periode.debut, periode.fin),
        )
        if annee <= bornes["dernier"].year + 1:
            resultat[("bilan territorial", annee)] = _html_du_bilan_territorial(annee, jour)
        for donneur in DonneurDOrdre.objects.order_by("pk"):
            population = indicateurs.population_en_parcours(periode.debut, periode.fin, donneur=donneur)
            resultat[("portail", donneur.pk, annee)] = diffusion.statistiques_personnes(
                periode.debut, periode.fin, population=population, donneur=donneur
            )
    for convention in Convention.objects.signees().select_related("donneur_d_ordre").order_by("pk"):
        for periode in bilans.periodes_commencees(convention, jour):
            if periode.debut <= add_months(bornes["dernier"], 12):
                resultat[("bilan annuel", convention.pk, periode.numero)] = _html_du_bilan_annuel(convention, periode)
    return resultat


def _franchit_une_tranche(participant: Participant, premier_mois: dt.date, jour: dt.date) -> bool:
    return any(premier_mois < add_months(participant.date_naissance, 12 * age) <= jour for age in LIMITES_D_AGE)


def test_the_purge_ten_years_ahead_changes_no_published_figure_nor_bilan_text(demo_chargee):
    jour = add_months(timezone.localdate(), 120)
    premiers_mois = dict(
        HeuresMensuelles.objects.order_by().values_list("placement__participant").annotate(m=Min("mois"))
    )
    participants = list(Participant.objects.all())
    # The test means something for age: some people of the demo turn 26 or 50 while they are counted.
    assert any(_franchit_une_tranche(p, premiers_mois[p.pk], jour) for p in participants if p.pk in premiers_mois)
    assert BilanAnnuel.objects.transmis().exclude(texte_qualitatif="").exists()  # a bilan text is compared

    with time_machine.travel(dt.datetime.combine(jour, dt.time(12), tzinfo=timezone.get_current_timezone())):
        avant = chiffres_publies(jour)
        assert len(avant) > 50
        resultat = conservation.purger(jour)
        apres = chiffres_publies(jour)

    assert resultat.anonymises == len(participants)
    assert not Participant.objects.identifiables().exists()
    differents = [cle for cle in avant if avant[cle] != apres[cle]]
    assert not differents, f"Chiffres ou textes changés par la purge : {differents[:10]}"
    # The derived tables still agree with the hours, placements and outcomes they count.
    assert reconstruction.ecarts() == {}


def test_an_erasure_changes_no_published_figure_nor_bilan_text(demo_chargee, client_facilitateur):
    """The facilitator's erasure is the same anonymisation, with the same guarantee: erasing the people who cross an
    age band while counted, today, changes nothing published."""
    jour = timezone.localdate()
    premiers_mois = dict(
        HeuresMensuelles.objects.order_by().values_list("placement__participant").annotate(m=Min("mois"))
    )
    effaces = [
        p
        for p in Participant.objects.filter(pk__in=premiers_mois).order_by("pk")
        if _franchit_une_tranche(p, premiers_mois[p.pk], jour)
    ][:5]
    assert effaces
    avant = chiffres_publies(jour)
    for participant in effaces:
        reponse = client_facilitateur.post(
            reverse("clauses:participant_effacement", args=[participant.pk]),
            {"motif": "Demande de la personne.", "confirmation": "on"},
        )
        assert reponse.status_code == 302
    assert Participant.objects.filter(pk__in=[p.pk for p in effaces], anonymise_le__isnull=False).count() == len(
        effaces
    )
    apres = chiffres_publies(jour)
    assert [cle for cle in avant if avant[cle] != apres[cle]] == []


# --- Once per day ----------------------------------------------------------------------------------------------


def test_the_schedule_has_the_purge_every_morning():
    tache = PeriodicTask.objects.get(name="Purge des données personnelles")
    assert tache.task == "reporting.tasks.purger_donnees_personnelles"
    assert (tache.crontab.minute, tache.crontab.hour, str(tache.crontab.timezone)) == ("30", "5", "Europe/Paris")
    assert tache.enabled


@pytest.mark.time_machine("2031-03-02T05:30+01:00")
def test_the_purge_runs_once_per_day_whoever_starts_it(facilitateur):
    participant = personne_complete(facilitateur)  # its placement's six-month outcome was due on 31/12/2025
    participant.prolongations.all().delete()
    tasks.purger_donnees_personnelles.apply()
    (tache,) = Tache.objects.filter(code=travaux.CODE_PURGE)
    assert (tache.cle, tache.statut) == ("2031-03-02", StatutTache.FAIT)
    assert tache.message_erreur.startswith("1 personne anonymisée ;")
    participant.refresh_from_db()
    assert participant.est_anonymise

    # The same day again (a second beat, a redelivered message, the reprise): the row is done, nothing runs.
    autre = personne_complete(facilitateur)
    autre.prolongations.all().delete()
    tasks.purger_donnees_personnelles.apply()
    tasks.purger_donnees_personnelles.apply(args=(tache.pk,))
    autre.refresh_from_db()
    assert not autre.est_anonymise
    assert Tache.objects.filter(code=travaux.CODE_PURGE).count() == 1

    # The next day: a new row, and the second person goes.
    with time_machine.travel("2031-03-03T05:30+01:00"):
        tasks.purger_donnees_personnelles.apply()
    autre.refresh_from_db()
    assert autre.est_anonymise
    assert list(Tache.objects.filter(code=travaux.CODE_PURGE).order_by("cle").values_list("cle", flat=True)) == [
        "2031-03-02",
        "2031-03-03",
    ]


def test_a_dead_workers_purge_is_retaken_by_the_reprise():
    tache = protection.tache_de_purge(D(2031, 3, 2))
    Tache.objects.filter(pk=tache.pk).update(
        statut=StatutTache.EN_COURS, jeton="mort", pris_le=timezone.now() - dt.timedelta(minutes=5)
    )
    lancements = travaux.reprendre_travaux()
    assert [(lancement.tache, lancement.args) for lancement in lancements] == [
        ("reporting.tasks.purger_donnees_personnelles", (tache.pk,))
    ]


# --- The documents naming people -------------------------------------------------------------------------------


def test_a_nominative_marche_report_records_whom_it_names_and_goes_with_them(
    facilitateur, django_capture_on_commit_callbacks
):
    from clauses.factories import HeuresMensuellesFactory, PlacementFactory
    from marches.models import Marche

    placement = PlacementFactory(date_debut=D(2026, 1, 5), date_fin=D(2026, 6, 30))
    HeuresMensuellesFactory(placement=placement, mois=D(2026, 2, 1), heures=Decimal("70"))
    marche = Marche.objects.get(lots__attributions__placements=placement)
    nominatif = travaux.demander_rapport(
        TypeRapport.RAPPORT_MARCHE, debut=D(2026, 1, 1), fin=D(2026, 12, 31), marche=marche, nominatif=True
    )
    copie_donneur = travaux.demander_rapport(
        TypeRapport.RAPPORT_MARCHE,
        debut=D(2026, 1, 1),
        fin=D(2026, 12, 31),
        marche=marche,
        donneur=marche.donneur_d_ordre,
    )
    for rapport in (nominatif, copie_donneur):
        travaux.produire_rapport(rapport.pk)
        rapport.refresh_from_db()
        assert rapport.est_pret
    assert list(nominatif.participants_cites.all()) == [placement.participant]
    assert not copie_donneur.participants_cites.exists()
    fichier = nominatif.fichier.name
    assert nominatif.fichier.storage.exists(fichier)

    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the anonymisation commits
        anonymisation.anonymiser([placement.participant_id], cause="effacement", motif="Demande.", par=facilitateur)

    assert not Rapport.objects.filter(pk=nominatif.pk).exists()
    assert not nominatif.fichier.storage.exists(fichier)
    assert Rapport.objects.filter(pk=copie_donneur.pk).exists()  # names nobody: kept
