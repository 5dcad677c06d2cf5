"""The background jobs, each done once: claims, sending once, failures recorded, the day's planning made rows.

Everything runs for real: the database (PostgreSQL in CI), the tasks (``.apply()``: in this process, with their
retries and failure handler), Django's mail (the locmem outbox). Only the mail server is replaced, where a test
needs one that drops the connection or a worker that dies in the middle of a send.
"""

import datetime as dt
import html
import importlib
import re
import smtplib
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import resolve, reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler
from pypdf import PdfReader

from config.celery import app as project_app
from conventions.factories import (
    AdminFactory,
    ConventionFactory,
    DonneurDOrdreFactory,
    FacilitateurFactory,
    ReferentFactory,
    UserFactory,
)
from conventions.models import Avenant, DenoncePar, Periodicite
from marches.factories import MarcheFactory
from marches.models import StatutMarche
from reporting import emails, tasks, travaux
from reporting.documents import Document
from reporting.models import BilanAnnuel, Rapport, StatutRapport, StatutTache, Tache, TypeRapport, empreinte_sha256
from reporting.planning import DigestHebdomadaire
from reporting.travaux import DELAI_DE_REPRISE, DUREE_MAX_ENVOI, reclamer_rapport, reclamer_tache

pytestmark = pytest.mark.django_db

D = dt.date
LUNDI_1ER_MARS = D(2027, 3, 1)  # a Monday and the 1st of a month: digest, monthly reports, a 30-day reminder


class ServeurIndisponible(LocmemBackend):
    """A mail server that drops the connection ``echecs`` times before accepting the message."""

    echecs = 0

    def send_messages(self, messages):
        if ServeurIndisponible.echecs > 0:
            ServeurIndisponible.echecs -= 1
            raise smtplib.SMTPServerDisconnected("Connexion fermée par le serveur")
        return super().send_messages(messages)


class WorkerTue(BaseEmailBackend):
    """The worker dies while the message is being handed over: SystemExit, which no ``except Exception`` stops."""

    def send_messages(self, messages):
        raise SystemExit("worker arrêté pendant l'envoi")


@pytest.fixture
def serveur_indisponible(settings):
    settings.EMAIL_BACKEND = f"{__name__}.ServeurIndisponible"
    yield ServeurIndisponible
    ServeurIndisponible.echecs = 0


@pytest.fixture
def reessais_sur_place(settings):
    """Lets ``apply()`` run a task's retries in this process, as it does when exceptions do not propagate.

    The test settings make a task's exception propagate out of ``apply()`` (``task_eager_propagates``); Celery
    then raises its ``Retry`` at the first retry instead of running it. The tests of retries check the rows and
    the state of the result instead.
    """
    settings.CELERY_TASK_EAGER_PROPAGATES = False


@pytest.fixture
def tache_digest(facilitateur) -> Tache:
    travail = DigestHebdomadaire(LUNDI_1ER_MARS, facilitateur.pk)
    return Tache.objects.create(code=travail.code, cle=travail.cle)


@pytest.fixture
def territoire(facilitateur):
    """A monthly donneur d'ordre, its référent, a convention whose 31 March 2027 deadline is 30 days away."""
    donneur = DonneurDOrdreFactory(nom="Ville d'Arles", periodicite_rapport=Periodicite.MENSUELLE)
    referent = ReferentFactory(donneur_d_ordre=donneur, user=UserFactory(email="jeanne@arles.fr"))
    convention = ConventionFactory(
        donneur_d_ordre=donneur, numero="C-2024-1", date_signature=D(2024, 6, 20), date_effet=D(2024, 7, 1)
    )
    MarcheFactory(donneur_d_ordre=donneur, facilitateur=facilitateur)
    return {"donneur": donneur, "referent": referent, "convention": convention}


def _vieillir(modele, pk: int, **champs) -> None:
    """Move a row's timestamps back, as if the worker that set them had stopped long ago."""
    passe = timezone.now() - max(DELAI_DE_REPRISE, DUREE_MAX_ENVOI) - dt.timedelta(minutes=1)
    modele.objects.filter(pk=pk).update(**{champ: passe for champ in champs})


def _rapport(**champs) -> Rapport:
    return Rapport.objects.create(
        type=champs.pop("type", TypeRapport.RAPPORT_PERIODIQUE),
        periode_debut=D(2027, 1, 1),
        periode_fin=D(2027, 3, 31),
        **champs,
    )


def _contenu(rapport: Rapport) -> bytes:
    with rapport.fichier.open("rb") as fichier:
        return fichier.read()


def _en_meme_temps(fonction, fois: int = 2) -> list:
    """Run ``fonction`` in ``fois`` threads released together; their results."""
    depart = threading.Barrier(fois)
    resultats, erreurs = [], []

    def course():
        try:
            depart.wait()
            resultats.append(fonction())
        except Exception as exc:  # reported below, with the thread's traceback lost but its message kept
            erreurs.append(exc)
        finally:
            connection.close()

    fils = [threading.Thread(target=course) for _ in range(fois)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=30)
    assert not erreurs, erreurs
    return resultats


# --- Claims ----------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_deux_workers_reclament_le_meme_rapport_un_seul_gagne():
    for _ in range(10):
        rapport = _rapport()
        jetons = _en_meme_temps(lambda pk=rapport.pk: reclamer_rapport(pk))
        assert len([j for j in jetons if j]) == 1, jetons
        rapport.refresh_from_db()
        assert (rapport.statut, rapport.tentatives) == (StatutRapport.EN_COURS, 1)
        assert rapport.jeton in jetons


@pytest.mark.django_db(transaction=True)
def test_deux_workers_reclament_la_meme_tache_un_seul_gagne():
    for n in range(10):
        jetons = _en_meme_temps(lambda n=n: reclamer_tache("digest_hebdomadaire", f"facilitateur:1:{n}")[1])
        assert len([j for j in jetons if j]) == 1, jetons
    assert Tache.objects.count() == 10


def test_une_reclamation_perimee_est_reprise_et_l_ancien_worker_n_ecrit_plus():
    rapport = _rapport()
    ancien = reclamer_rapport(rapport.pk)
    assert ancien and reclamer_rapport(rapport.pk) is None
    _vieillir(Rapport, rapport.pk, pris_le=True)
    nouveau = reclamer_rapport(rapport.pk)
    assert nouveau and nouveau != ancien
    # The first worker wakes up with its document: its claim is gone, it writes nothing.
    assert not travaux.enregistrer_document(rapport.pk, ancien, Document("ancien.pdf", b"%PDF-ancien"))
    assert travaux.enregistrer_document(rapport.pk, nouveau, Document("nouveau.pdf", b"%PDF-nouveau"))
    rapport.refresh_from_db()
    assert (rapport.statut, rapport.tentatives) == (StatutRapport.PRET, 2)
    assert rapport.empreinte == empreinte_sha256(b"%PDF-nouveau")
    assert _contenu(rapport) == b"%PDF-nouveau"


def test_une_tache_reprise_apres_le_delai_et_pas_avant(tache_digest):
    _, premier = reclamer_tache(tache_digest.code, tache_digest.cle)
    assert premier and reclamer_tache(tache_digest.code, tache_digest.cle)[1] is None
    _vieillir(Tache, tache_digest.pk, pris_le=True)
    tache, second = reclamer_tache(tache_digest.code, tache_digest.cle)
    assert second and (tache.statut, tache.tentatives) == (StatutTache.EN_COURS, 2)
    assert not travaux._finir(tache, premier, StatutTache.FAIT)
    assert travaux._finir(tache, second, StatutTache.FAIT)


def test_une_ligne_faite_ou_en_echec_n_est_plus_reclamee():
    rapport = _rapport(statut=StatutRapport.ECHEC)
    assert reclamer_rapport(rapport.pk) is None
    Tache.objects.create(code="digest_hebdomadaire", cle="facilitateur:1:2027-03-01", statut=StatutTache.FAIT)
    assert reclamer_tache("digest_hebdomadaire", "facilitateur:1:2027-03-01")[1] is None


# --- Sending once ----------------------------------------------------------------------------------------


def test_une_tache_livree_deux_fois_envoie_un_seul_message(tache_digest, facilitateur, mailoutbox):
    tasks.envoyer_digest.apply(args=(tache_digest.pk, LUNDI_1ER_MARS.isoformat()))
    tasks.envoyer_digest.apply(args=(tache_digest.pk, LUNDI_1ER_MARS.isoformat()))
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [facilitateur.email]
    tache_digest.refresh_from_db()
    assert (tache_digest.statut, tache_digest.tentatives) == (StatutTache.FAIT, 1)
    assert tache_digest.destinataires == facilitateur.email
    assert tache_digest.envoi_commence_le <= tache_digest.envoye_le


def test_le_digest_parle_des_marches_du_facilitateur(tache_digest, facilitateur, mailoutbox):
    """As on their home page: their marchés and those nobody is in charge of, not a colleague's."""
    for objet, en_charge in (("Voirie de Boulbon", facilitateur), ("Crèche de Tarascon", FacilitateurFactory())):
        MarcheFactory(objet=objet, statut=StatutMarche.ATTRIBUE, facilitateur=en_charge)
    tasks.envoyer_digest.apply(args=(tache_digest.pk, LUNDI_1ER_MARS.isoformat()))
    [message] = mailoutbox
    assert "Voirie de Boulbon" in message.body
    assert "Crèche de Tarascon" not in message.body


@pytest.mark.django_db(transaction=True)
def test_une_tache_livree_deux_fois_en_meme_temps_envoie_un_seul_message(tache_digest, mailoutbox):
    _en_meme_temps(lambda: tasks.envoyer_digest.apply(args=(tache_digest.pk, "2027-03-01")).get())
    assert len(mailoutbox) == 1
    assert Tache.objects.get(pk=tache_digest.pk).statut == StatutTache.FAIT


def test_un_worker_mort_pendant_l_envoi_n_envoie_pas_deux_fois(tache_digest, settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.WorkerTue"
    with pytest.raises(SystemExit):
        travaux.envoyer_digest(tache_digest.pk, LUNDI_1ER_MARS)
    tache_digest.refresh_from_db()
    assert tache_digest.statut == StatutTache.EN_COURS
    assert tache_digest.envoi_commence_le is not None and tache_digest.envoye_le is None

    # Redelivered at once: the claim is still fresh, nothing happens.
    tasks.envoyer_digest.apply(args=(tache_digest.pk,))
    assert Tache.objects.get(pk=tache_digest.pk).statut == StatutTache.EN_COURS

    # Redelivered after the claim went stale: taken back, but the started send is not attempted again
    # (WorkerTue would raise if it were).
    _vieillir(Tache, tache_digest.pk, pris_le=True, envoi_commence_le=True)
    tasks.envoyer_digest.apply(args=(tache_digest.pk,))
    tache_digest.refresh_from_db()
    assert tache_digest.statut == StatutTache.ECHEC
    assert tache_digest.message_erreur.startswith("Échec : envoi interrompu, à vérifier.")
    assert tache_digest.envoye_le is None
    assert mailoutbox == []


def test_le_passage_du_jour_signale_un_envoi_interrompu(tache_digest, settings):
    settings.EMAIL_BACKEND = f"{__name__}.WorkerTue"
    with pytest.raises(SystemExit):
        travaux.envoyer_digest(tache_digest.pk, LUNDI_1ER_MARS)
    assert travaux.signaler_envois_interrompus() == 0  # still within the time a send may take
    _vieillir(Tache, tache_digest.pk, envoi_commence_le=True)
    assert travaux.signaler_envois_interrompus() == 1
    tache_digest.refresh_from_db()
    assert tache_digest.statut == StatutTache.ECHEC
    assert "envoi interrompu, à vérifier" in tache_digest.message_erreur


def test_un_serveur_indisponible_est_reessaye_puis_le_message_part_une_fois(
    tache_digest, serveur_indisponible, reessais_sur_place, mailoutbox
):
    serveur_indisponible.echecs = 2
    assert tasks.envoyer_digest.apply(args=(tache_digest.pk, "2027-03-01")).successful()
    assert len(mailoutbox) == 1
    tache_digest.refresh_from_db()
    assert (tache_digest.statut, tache_digest.tentatives) == (StatutTache.FAIT, 3)
    assert tache_digest.envoye_le is not None


def test_reessais_epuises_l_echec_est_enregistre_jamais_en_cours(
    tache_digest, serveur_indisponible, reessais_sur_place, mailoutbox
):
    serveur_indisponible.echecs = 100
    resultat = tasks.envoyer_digest.apply(args=(tache_digest.pk, "2027-03-01"))
    assert resultat.failed() and isinstance(resultat.result, smtplib.SMTPServerDisconnected)
    assert mailoutbox == []
    tache_digest.refresh_from_db()
    assert tache_digest.statut == StatutTache.ECHEC
    assert tache_digest.tentatives == tasks.envoyer_digest.max_retries + 1
    assert tache_digest.message_erreur == (
        "Échec après 6 tentatives : la base de données ou le serveur de messagerie est resté indisponible "
        "(SMTPServerDisconnected : Connexion fermée par le serveur)."
    )
    assert tache_digest.envoi_commence_le is None  # refused before acceptance: nothing may have left


def test_une_erreur_permanente_est_enregistree_sans_reessai(facilitateur, mailoutbox):
    tache = Tache.objects.create(code="digest_hebdomadaire", cle="facilitateur:inconnu:2027-03-01")
    tasks.envoyer_digest.apply(args=(tache.pk,))
    tache.refresh_from_db()
    assert (tache.statut, tache.tentatives) == (StatutTache.ECHEC, 1)
    assert tache.message_erreur == "Le travail a échoué : invalid literal for int() with base 10: 'inconnu'."


def test_un_document_impossible_a_produire_est_en_echec_avec_un_message_francais():
    rapport = _rapport(type="inconnu")
    tasks.generer_rapport.apply(args=(rapport.pk,))
    rapport.refresh_from_db()
    assert rapport.statut == StatutRapport.ECHEC
    assert rapport.message_erreur == "Le document n'a pas pu être produit : 'inconnu' is not a valid TypeRapport."
    assert rapport.jeton and rapport.termine_le is not None


def test_generer_un_rapport_absent_ne_fait_rien(mailoutbox):
    """A row deleted after its task was queued: the task ends without error (an exception would propagate
    here: task_eager_propagates), writes nothing and sends nothing."""
    assert tasks.generer_rapport.apply(args=(987654,)).successful()
    assert not Rapport.objects.exists() and not Tache.objects.exists()
    assert mailoutbox == []


# --- Recipients --------------------------------------------------------------------------------------------


def test_destinataires(territoire, facilitateur):
    donneur = territoire["donneur"]
    ReferentFactory(donneur_d_ordre=donneur, user=UserFactory(email="parti@arles.fr", is_active=False))
    ReferentFactory(user=UserFactory(email="autre@ailleurs.fr"))
    autre_facilitateur = FacilitateurFactory(email="thomas@exemple.fr")
    assert travaux.adresses_referents(donneur.pk) == ["jeanne@arles.fr"]
    # The facilitator in charge of the donneur's marchés; every facilitator when nobody is.
    assert travaux.adresses_facilitateurs(donneur.pk) == [facilitateur.email]
    assert travaux.adresses_facilitateurs(DonneurDOrdreFactory().pk) == sorted(
        [facilitateur.email, autre_facilitateur.email]
    )


# --- Emails -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("debut", "fin", "libelle"),
    [
        (D(2027, 2, 1), D(2027, 2, 28), "février 2027"),
        (D(2026, 10, 1), D(2026, 12, 31), "4e trimestre 2026"),
        (D(2027, 1, 1), D(2027, 3, 31), "1er trimestre 2027"),
        (D(2027, 2, 1), D(2027, 4, 30), "du 1er février 2027 au 30 avril 2027"),
    ],
)
def test_libelle_de_la_periode(debut, fin, libelle):
    assert emails.libelle_periode(debut, fin) == libelle


@pytest.mark.parametrize(
    ("jour", "sujet", "corps"),
    [
        (D(2027, 1, 30), "le 31 mars 2027 (dans 60 jours)", "au plus tard le 31 mars 2027, dans 60 jours"),
        (D(2027, 3, 31), "aujourd'hui, 31 mars 2027", "le dernier jour pour la dénoncer"),
        (D(2027, 4, 2), "passée le 31 mars 2027", "était le 31 mars 2027, il y a 2 jours"),
    ],
)
def test_le_rappel_dit_combien_de_jours_il_reste(territoire, jour, sujet, corps):
    convention = territoire["convention"]
    message = emails.rappel_echeance(
        convention, convention.periode_numero(3), jour, referents=[], facilitateurs=["f@exemple.fr"], courrier=None
    )
    assert (message.to, message.cc) == (["f@exemple.fr"], [])
    assert sujet in message.subject
    assert corps in message.body
    html = message.alternatives[0][0]
    assert "<script" not in html and "style=" not in html


PHRASES_DU_DELAI = {
    "reste": "au plus tard le 31 mars 2027",
    "dernier_jour": "C'est aujourd'hui, 31 mars 2027, le dernier jour pour la dénoncer",
    "passe": "La date limite de dénonciation était le 31 mars 2027",
}


@pytest.mark.parametrize(
    ("jour", "cas"),
    [(D(2027, 1, 30), "reste"), (D(2027, 3, 30), "reste"), (D(2027, 3, 31), "dernier_jour"), (D(2027, 4, 2), "passe")],
)
def test_le_rappel_ne_dit_que_la_phrase_du_cas(territoire, jour, cas):
    """The deadline day no longer reads « au plus tard le… », then « avant cette date », then « le dernier jour »."""
    convention = territoire["convention"]
    message = emails.rappel_echeance(
        convention, convention.periode_numero(3), jour, referents=["jeanne@arles.fr"], facilitateurs=[], courrier=None
    )
    for corps in (message.body, re.sub(r"<[^>]+>", "", message.alternatives[0][0])):
        corps = " ".join(html.unescape(corps).split())
        assert [c for c, phrase in PHRASES_DU_DELAI.items() if phrase in corps] == [cas]
        assert "avant cette date" not in corps
    if jour == D(2027, 3, 30):
        assert "au plus tard le 31 mars 2027, demain." in message.body


def _liens(message) -> list[str]:
    textes = [message.body, message.alternatives[0][0]]
    return sorted({lien for texte in textes for lien in re.findall(r"https?://[^\s\"<>]+", texte)})


def test_un_courriel_aux_referents_ne_porte_que_des_liens_qu_ils_peuvent_ouvrir(
    territoire, facilitateur, django_capture_on_commit_callbacks
):
    """Every e-mail a référent receives (the reminder, the periodic report) links only to the portal."""
    convention = territoire["convention"]
    rappel = emails.rappel_echeance(
        convention,
        convention.periode_numero(3),
        D(2027, 3, 1),
        referents=["jeanne@arles.fr"],
        facilitateurs=[facilitateur.email],
        courrier=None,
    )
    with django_capture_on_commit_callbacks():
        travaux.lancer_travaux_du_jour(LUNDI_1ER_MARS)
    rapport = Rapport.objects.get(type=TypeRapport.RAPPORT_PERIODIQUE)
    tasks.generer_rapport.apply(args=(rapport.pk,))
    rapport.refresh_from_db()
    periodique = emails.rapport_periodique(rapport, ["jeanne@arles.fr"])
    for message in (rappel, periodique):
        liens = _liens(message)
        assert liens, message.subject
        for lien in liens:
            chemin = urlsplit(lien).path
            assert resolve(chemin).namespace == "portail", (message.subject, lien)
        assert "Réservé au facilitateur" not in message.body + message.alternatives[0][0]
    # Written to the facilitators alone (no référent), the reminder links to the convention's page.
    seul = emails.rappel_echeance(
        convention, convention.periode_numero(3), D(2027, 3, 1), referents=[], facilitateurs=["f@x.fr"], courrier=None
    )
    assert reverse("conventions:convention", args=[convention.pk]) in seul.body


# --- The day's planning --------------------------------------------------------------------------------


def test_planifier_cree_chaque_ligne_une_seule_fois(territoire, facilitateur, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as rappels:
        resultat = travaux.lancer_travaux_du_jour(LUNDI_1ER_MARS)
    codes = sorted(lancement.code for lancement in resultat.lances)
    assert codes == ["digest_hebdomadaire", "rappel_echeance_30", "rapport_periodique"]
    assert len(rappels) == 3  # one task queued per row, after commit
    assert Tache.objects.count() == 3

    periodique = Rapport.objects.get(type=TypeRapport.RAPPORT_PERIODIQUE)
    assert (periodique.donneur_d_ordre, periodique.periode_debut, periodique.periode_fin) == (
        territoire["donneur"],
        D(2027, 2, 1),
        D(2027, 2, 28),
    )
    assert periodique.demande_par is None and not periodique.nominatif
    courrier = Rapport.objects.get(type=TypeRapport.COURRIER_ECHEANCE)
    assert (courrier.convention, courrier.periode_debut, courrier.periode_fin) == (
        territoire["convention"],
        D(2026, 7, 1),
        D(2027, 6, 30),
    )
    assert Tache.objects.get(code="rappel_echeance_30").cle == f"convention:{territoire['convention'].pk}:2027-03-31"

    # Again, the same day or within the catch-up week: the same rows, nothing new.
    for jour in (LUNDI_1ER_MARS, D(2027, 3, 4)):
        with django_capture_on_commit_callbacks():
            travaux.lancer_travaux_du_jour(jour)
    assert (Tache.objects.count(), Rapport.objects.count()) == (3, 2)


def test_un_rappel_devenu_sans_objet_n_est_pas_envoye(territoire, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        travaux.lancer_travaux_du_jour(LUNDI_1ER_MARS)
    convention = territoire["convention"]
    convention.date_denonciation, convention.denoncee_par = D(2027, 3, 2), DenoncePar.DONNEUR_D_ORDRE
    convention.save()
    tache = Tache.objects.get(code="rappel_echeance_30")
    tasks.envoyer_rappel_echeance.apply(args=(tache.pk, "2027-03-02"))
    tache.refresh_from_db()
    assert tache.statut == StatutTache.FAIT
    assert tache.message_erreur == "Rappel sans objet : la convention est dénoncée."
    assert mailoutbox == []


def test_reprendre_les_travaux_abandonnes(tache_digest, django_capture_on_commit_callbacks):
    oublie, abandonne, recent = _rapport(), _rapport(), _rapport()
    Rapport.objects.filter(pk=oublie.pk).update(cree_le=timezone.now() - dt.timedelta(minutes=6))
    reclamer_rapport(abandonne.pk)
    _vieillir(Rapport, abandonne.pk, pris_le=True)
    reclamer_tache(tache_digest.code, tache_digest.cle)
    _vieillir(Tache, tache_digest.pk, pris_le=True)
    with django_capture_on_commit_callbacks() as rappels:
        lancements = travaux.reprendre_travaux()
    assert {(lancement.tache, lancement.args) for lancement in lancements} == {
        ("reporting.tasks.generer_rapport", (oublie.pk,)),
        ("reporting.tasks.generer_rapport", (abandonne.pk,)),
        ("reporting.tasks.envoyer_digest", (tache_digest.pk,)),
    }
    assert len(rappels) == 3
    assert recent.pk not in {lancement.args[0] for lancement in lancements}


def test_commande_executer_travaux(tache_digest, facilitateur, capsys, mailoutbox):
    call_command("executer_travaux", "--jour", "2027-03-01", "--synchrone")
    sortie = capsys.readouterr().out
    assert "Planning du 01/03/2027" in sortie
    assert f"digest_hebdomadaire — facilitateur:{facilitateur.pk}:2027-03-01 : fait, envoyé à" in sortie
    assert len(mailoutbox) == 1
    call_command("executer_travaux", "--jour", "2027-03-02", "--synchrone")
    assert "Déjà faits : 1." in capsys.readouterr().out
    assert len(mailoutbox) == 1
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        call_command("executer_travaux", "--jour", "01/03/2027")


def test_le_planning_est_en_base_et_beat_le_lit():
    # The rows come from the data migration; a browser test's flush (earlier in the run) may have emptied the
    # table, so its function is run again here (it changes nothing when the rows are there).
    from django.apps import apps

    importlib.import_module("reporting.migrations.0003_planning").creer(apps, None)
    importlib.import_module("reporting.migrations.0014_reprise_chaque_minute").chaque_minute(apps, None)
    taches = dict(PeriodicTask.objects.values_list("name", "task"))
    # Beat may add its own entries (celery.backend_cleanup) once it has run against the database.
    attendues = {
        "Travaux du jour": "reporting.tasks.executer_travaux_du_jour",
        "Reprise des travaux interrompus": "reporting.tasks.reprendre_travaux",
    }
    assert {nom: taches.get(nom) for nom in attendues} == attendues
    assert set(attendues.values()) <= set(project_app.tasks)
    quotidienne = PeriodicTask.objects.get(name="Travaux du jour")
    assert (quotidienne.crontab.minute, quotidienne.crontab.hour, str(quotidienne.crontab.timezone)) == (
        "0",
        "6",
        "Europe/Paris",
    )
    assert project_app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    # What beat makes of the rows: the project's tasks, on their crontab.
    entrees = {t.name: DatabaseScheduler.Entry(t, app=project_app) for t in PeriodicTask.objects.all()}
    assert entrees["Travaux du jour"].schedule.hour == {6}
    # Every minute: a dead worker's job is retaken about two minutes after it died (config.travaux).
    assert entrees["Reprise des travaux interrompus"].schedule.minute == set(range(60))


def test_l_admin_autorise_un_nouvel_envoi_apres_verification(
    client, tache_digest, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.WorkerTue"
    with pytest.raises(SystemExit):
        travaux.envoyer_digest(tache_digest.pk, LUNDI_1ER_MARS)
    _vieillir(Tache, tache_digest.pk, envoi_commence_le=True)
    travaux.signaler_envois_interrompus()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    client.force_login(AdminFactory())
    with django_capture_on_commit_callbacks() as rappels:
        reponse = client.post(
            reverse("admin:reporting_tache_changelist"),
            {"action": "autoriser_nouvel_envoi", "_selected_action": [tache_digest.pk]},
        )
    assert reponse.status_code == 302
    assert len(rappels) == 1  # the job is queued again at once
    tache_digest.refresh_from_db()
    assert (tache_digest.statut, tache_digest.envoi_commence_le) == (StatutTache.EN_ATTENTE, None)
    tasks.envoyer_digest.apply(args=(tache_digest.pk,))
    assert len(mailoutbox) == 1


def test_l_admin_confirme_un_envoi_interrompu_qui_est_arrive(client, tache_digest, settings):
    settings.EMAIL_BACKEND = f"{__name__}.WorkerTue"
    with pytest.raises(SystemExit):
        travaux.envoyer_digest(tache_digest.pk, LUNDI_1ER_MARS)
    _vieillir(Tache, tache_digest.pk, envoi_commence_le=True)
    assert travaux.signaler_envois_interrompus() == 1
    client.force_login(AdminFactory())
    client.post(
        reverse("admin:reporting_tache_changelist"),
        {"action": "marquer_envoye", "_selected_action": [tache_digest.pk]},
    )
    tache_digest.refresh_from_db()
    assert tache_digest.statut == StatutTache.FAIT
    assert tache_digest.envoye_le == tache_digest.envoi_commence_le
    assert travaux.signaler_envois_interrompus() == 0  # not flagged again


# --- With the PDFs (reporting/documents) -------------------------------------------------------------------


def _texte_pdf(contenu: bytes, dossier: Path) -> str:
    chemin = dossier / "document.pdf"
    chemin.write_bytes(contenu)
    return "\n".join(page.extract_text() for page in PdfReader(chemin).pages)


def test_rapport_periodique_genere_puis_envoye_une_seule_fois(
    territoire, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        travaux.lancer_travaux_du_jour(LUNDI_1ER_MARS)
    rapport = Rapport.objects.get(type=TypeRapport.RAPPORT_PERIODIQUE)
    tasks.generer_rapport.apply(args=(rapport.pk,))
    tasks.generer_rapport.apply(args=(rapport.pk,))  # delivered twice

    rapport.refresh_from_db()
    assert rapport.statut == StatutRapport.PRET, rapport.message_erreur
    assert rapport.empreinte == empreinte_sha256(_contenu(rapport))
    assert rapport.destinataires == "jeanne@arles.fr" and rapport.envoye_le is not None
    assert [m.to for m in mailoutbox] == [["jeanne@arles.fr"]]
    message = mailoutbox[0]
    assert message.subject == "Rapport mensuel des clauses sociales d'insertion — Ville d'Arles — février 2027"
    ((nom, contenu, type_mime),) = message.attachments
    assert (nom, type_mime) == ("rapport-periodique-2027-02-01-2027-02-28.pdf", "application/pdf")
    assert contenu == _contenu(rapport)
    tache = Tache.objects.get(code="rapport_periodique")
    assert (tache.statut, tache.destinataires) == (StatutTache.FAIT, "jeanne@arles.fr")
    # The référent lists it on the portal.
    assert list(Rapport.objects.pour_le_portail(territoire["donneur"])) == [rapport]


def test_envoi_interrompu_d_un_rapport_jamais_renvoye(
    client, territoire, settings, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        travaux.lancer_travaux_du_jour(LUNDI_1ER_MARS)
    rapport = Rapport.objects.get(type=TypeRapport.RAPPORT_PERIODIQUE)
    settings.EMAIL_BACKEND = f"{__name__}.WorkerTue"
    with pytest.raises(SystemExit):
        travaux.generer_rapport(rapport.pk)
    _vieillir(Rapport, rapport.pk, envoi_commence_le=True)
    tasks.generer_rapport.apply(args=(rapport.pk,))  # redelivered after the crash: marked, not sent
    rapport.refresh_from_db()
    assert rapport.statut == StatutRapport.ECHEC
    assert rapport.message_erreur.startswith("Échec : envoi interrompu, à vérifier.")
    assert rapport.fichier  # the document itself was produced
    assert Tache.objects.get(code="rapport_periodique").statut == StatutTache.ECHEC
    assert mailoutbox == []

    # Checked with the référent: it did not arrive. The admin lets it go again, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(AdminFactory())
    with django_capture_on_commit_callbacks() as rappels:
        client.post(
            reverse("admin:reporting_rapport_changelist"),
            {"action": "autoriser_nouvel_envoi", "_selected_action": [rapport.pk]},
        )
    assert len(rappels) == 1
    tasks.generer_rapport.apply(args=(rapport.pk,))
    tasks.generer_rapport.apply(args=(rapport.pk,))
    rapport.refresh_from_db()
    assert (rapport.statut, rapport.destinataires) == (StatutRapport.PRET, "jeanne@arles.fr")
    assert len(mailoutbox) == 1
    assert Tache.objects.get(code="rapport_periodique").statut == StatutTache.FAIT


def test_rappel_echeance_joint_le_courrier(
    territoire, facilitateur, mailoutbox, tmp_path, django_capture_on_commit_callbacks
):
    convention = territoire["convention"]
    Avenant.objects.create(
        convention=convention, numero=1, objet="Extension aux marchés de services", date_signature=D(2025, 2, 1)
    )
    with django_capture_on_commit_callbacks():
        travaux.lancer_travaux_du_jour(LUNDI_1ER_MARS)
    tache = Tache.objects.get(code="rappel_echeance_30")
    tasks.envoyer_rappel_echeance.apply(args=(tache.pk, LUNDI_1ER_MARS.isoformat()))
    tasks.envoyer_rappel_echeance.apply(args=(tache.pk, LUNDI_1ER_MARS.isoformat()))

    tache.refresh_from_db()
    assert tache.statut == StatutTache.FAIT, tache.message_erreur
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert (message.to, message.cc) == (["jeanne@arles.fr"], [facilitateur.email])
    assert message.subject == (
        "Convention de coopération avec la Ville d'Arles : date limite de dénonciation le 31 mars 2027 (dans 30 jours)"
    )
    assert "reconduite tacitement pour une nouvelle période de 12 mois le 1er juillet 2027" in message.body
    ((nom, contenu, _),) = message.attachments
    assert nom.startswith("courrier-echeance-")
    texte = _texte_pdf(contenu, tmp_path)
    assert "31 mars 2027" in texte and "30 juin 2027" in texte
    assert "avenant" in texte.lower()
    assert Rapport.objects.get(type=TypeRapport.COURRIER_ECHEANCE).statut == StatutRapport.PRET


def test_bilan_annuel_prepare_a_la_date_anniversaire(
    territoire, facilitateur, mailoutbox, django_capture_on_commit_callbacks
):
    convention = territoire["convention"]
    # The facilitator had started writing before the anniversary: the text stays.
    BilanAnnuel.objects.create(
        convention=convention,
        numero_periode=2,
        periode_debut=D(2025, 7, 1),
        periode_fin=D(2026, 6, 30),
        texte_qualitatif="Début du bilan.",
    )
    with django_capture_on_commit_callbacks():
        resultat = travaux.lancer_travaux_du_jour(D(2026, 7, 1))
    (lancement,) = [lance for lance in resultat.lances if lance.code == "bilan_annuel"]
    tasks.preparer_bilan_annuel.apply(args=lancement.args)

    bilan = BilanAnnuel.objects.get(convention=convention, numero_periode=2)
    assert bilan.texte_qualitatif == "Début du bilan."
    brouillon = Rapport.objects.get(type=TypeRapport.BILAN_ANNUEL)
    assert brouillon.statut == StatutRapport.PRET, brouillon.message_erreur
    assert brouillon.donneur_d_ordre is None  # not on the portal until the facilitator transmits the bilan
    assert not Rapport.objects.pour_le_portail(territoire["donneur"]).exists()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [facilitateur.email]
    assert message.subject.startswith("Bilan annuel à rédiger — convention avec la Ville d'Arles")
    assert f"/conventions/{convention.pk}/bilans/2/" in message.body
    assert len(message.attachments) == 1
