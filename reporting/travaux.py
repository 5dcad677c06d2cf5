"""Exactly once: how a job claims its row before working, and gives it back.

Every piece of scheduled or requested work is a row before it runs: a ``Rapport`` for a document, a
``Tache`` for a reminder or a digest, unique per (job, scope, period). A worker claims the row with one
conditional UPDATE — « waiting, or failed and retryable, or running with a claim older than
``DELAI_DE_REPRISE`` » → « running, with my token » — and goes on only if that UPDATE changed one row.
A message delivered twice, a beat restarted or a task retried after its worker died therefore finds the
row taken or done, and does nothing; a worker that died mid-task leaves a claim that goes stale and is
retaken. A live worker keeps its claim fresh (``config.travaux.battement`` refreshes ``pris_le`` while the job
runs), so the delay can be short: a dead worker's job is retaken by the next reprise after about a minute, a long
one that is alive never is. Every later write names the token, so a worker whose claim was retaken cannot
overwrite the new one's result.

Sending follows the same rule: ``envoi_commence_le`` is set by a conditional UPDATE (only if empty) before the
email leaves, ``envoye_le`` after. A row found with the first and not the second was interrupted mid-send (the
worker died): it is never resent automatically, but marked « échec » for a person to check.

The schedule (``planning``) says what is due on a day; ``planifier`` makes each item a row and says which task
to run for it; ``lancer_travaux_du_jour`` queues them after commit, or runs them in this process.
"""

import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from celery import current_app
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from clauses.importation.portefeuille import travail as travail_portefeuille
from config import courriels, exports_longs
from config import travaux as travaux_communs
from config.courriels import envoyer_une_fois
from config.models import Courriel, ExportListe
from conventions.models import Convention, EtatConvention
from marches.models import Marche
from reporting import alertes, documents, emails, planning
from reporting.models import BilanAnnuel, Rapport, StatutRapport, StatutTache, Tache, TypeRapport

logger = logging.getLogger(__name__)

# A claim not refreshed for this long is a dead worker's (config.travaux: a live one beats every 15 s).
DELAI_DE_REPRISE = travaux_communs.DELAI_DE_REPRISE
# A send takes seconds (the beat does not run during it): started this long ago and not finished, it died.
DUREE_MAX_ENVOI = courriels.DUREE_MAX_ENVOI


def _reprenables(attente: str, cours: str, maintenant: dt.datetime) -> Q:
    return Q(statut=attente) | Q(statut=cours, pris_le__lt=maintenant - DELAI_DE_REPRISE)


def reclamer_rapport(rapport_id: int) -> str | None:
    """Claim a report to generate it; the token, or None if it is taken, done or failed for good."""
    jeton = uuid.uuid4().hex
    maintenant = timezone.now()
    pris = Rapport.objects.filter(
        _reprenables(StatutRapport.EN_ATTENTE, StatutRapport.EN_COURS, maintenant), pk=rapport_id
    ).update(statut=StatutRapport.EN_COURS, jeton=jeton, pris_le=maintenant, tentatives=F("tentatives") + 1)
    return jeton if pris else None


def reclamer_tache(code: str, cle: str) -> tuple[Tache, str | None]:
    """The row of (code, cle), created if needed, and a token if this caller now holds it."""
    tache, _ = Tache.objects.get_or_create(code=code, cle=cle)
    jeton = uuid.uuid4().hex
    maintenant = timezone.now()
    pris = Tache.objects.filter(
        _reprenables(StatutTache.EN_ATTENTE, StatutTache.EN_COURS, maintenant), pk=tache.pk
    ).update(statut=StatutTache.EN_COURS, jeton=jeton, pris_le=maintenant, tentatives=F("tentatives") + 1)
    tache.refresh_from_db()
    return tache, (jeton if pris else None)


def demander_rapport(
    type_: str,
    *,
    debut: dt.date,
    fin: dt.date,
    par=None,
    donneur=None,
    convention=None,
    marche=None,
    nominatif: bool = False,
) -> Rapport:
    """Create the row of a document and queue its generation once the transaction commits.

    The row exists (« en attente ») before any file, so the page that asked can show its progress at once.
    """
    rapport = Rapport.objects.create(
        type=type_,
        periode_debut=debut,
        periode_fin=fin,
        demande_par=par,
        donneur_d_ordre=donneur,
        convention=convention,
        marche=marche,
        nominatif=nominatif,
    )
    # A broker down leaves the row « en attente », never queued: the reprise queues it once the broker is back.
    travaux_communs.mettre_en_file_apres_commit("reporting.tasks.generer_rapport", Rapport, rapport.pk)
    return rapport


# --- Failures --------------------------------------------------------------------------------------


class DocumentEnCours(Exception):
    """Another worker is rendering the document a job needs: the job is retried later."""


# What a later attempt may cure: the database or the mail server was unreachable or busy. Anything else is a
# permanent failure, recorded on the row at once.
TRANSITOIRES: tuple[type[Exception], ...] = (*courriels.TRANSITOIRES, DocumentEnCours)
ENVOI_INTERROMPU = (
    "Échec : envoi interrompu, à vérifier. L'envoi a commencé le {debut} sans que sa fin soit enregistrée ; "
    "le message est peut-être parti. Il ne sera pas renvoyé automatiquement : vérifiez auprès des "
    "destinataires avant de l'envoyer à nouveau."
)


def detail_exception(exc: BaseException) -> str:
    """What a person reads on the row: a refusal's own (French) message, else a French sentence. The exception
    itself (its kind, a server path…) goes to the log and to ``detail_technique``, never to a référent."""
    texte = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc).strip()
    texte = texte.rstrip(".")
    if isinstance(exc, ValueError | ValidationError) and not isinstance(exc, UnicodeError) and texte:
        # The documents refuse what they cannot say truthfully (an unsigned convention…) with a ValueError.
        return texte
    return ERREUR_INATTENDUE


ERREUR_INATTENDUE = "erreur inattendue, signalée à l'équipe technique ; réessayez plus tard avec « Relancer »"


def _pour_les_facilitateurs(exc: BaseException) -> str:
    """A job's row is read by the facilitators and the admin only: an unexpected error keeps its details."""
    texte = detail_exception(exc)
    return f"{texte} ({detail_technique(exc)})" if texte == ERREUR_INATTENDUE else texte


def detail_technique(exc: BaseException) -> str:
    """The exception as the log has it, for the facilitators and the admin."""
    texte = str(exc).strip()
    return f"{type(exc).__name__}{f' : {texte}' if texte else ''}"


def _message_interrompu(debut: dt.datetime) -> str:
    return ENVOI_INTERROMPU.format(debut=timezone.localtime(debut).strftime("%d/%m/%Y à %H:%M"))


# --- Documents ---------------------------------------------------------------------------------------------


def produire_rapport(rapport_id: int) -> str | None:
    """Claim the report, render it, store it while the claim is still ours; its status afterwards.

    None when the row does not exist. A transient failure gives the claim back and propagates (the task
    retries); any other failure is recorded on the row (« échec », with a French message) and not raised.
    """
    jeton = reclamer_rapport(rapport_id)
    if jeton is None:
        return Rapport.objects.filter(pk=rapport_id).values_list("statut", flat=True).first()
    try:
        with travaux_communs.battement(Rapport, rapport_id, jeton):
            return _produire_sous_reclamation(rapport_id, jeton)
    except TRANSITOIRES:
        with contextlib.suppress(Exception):
            Rapport.objects.filter(pk=rapport_id, jeton=jeton, statut=StatutRapport.EN_COURS).update(
                statut=StatutRapport.EN_ATTENTE, jeton="", pris_le=None
            )
        raise


def _produire_sous_reclamation(rapport_id: int, jeton: str) -> str | None:
    rapport = Rapport.objects.select_related("donneur_d_ordre", "convention", "marche").get(pk=rapport_id)
    try:
        document = documents.produire(rapport)
        if not enregistrer_document(rapport_id, jeton, document):
            return Rapport.objects.filter(pk=rapport_id).values_list("statut", flat=True).first()
    except TRANSITOIRES:
        raise
    except Exception as exc:
        logger.exception("Rapport %s : la production du document a échoué.", rapport_id)
        _echec_rapport(
            rapport_id,
            f"Le document n'a pas pu être produit : {detail_exception(exc)}.",
            jeton,
            detail=detail_technique(exc),
        )
        return StatutRapport.ECHEC
    return StatutRapport.PRET


def enregistrer_document(rapport_id: int, jeton: str, document) -> bool:
    """Store the file if the claim is still ``jeton``'s; False (nothing written) if it was retaken meanwhile."""
    with transaction.atomic():
        # Locked and checked against the token: a worker whose claim was retaken leaves the new result alone.
        verrouille = (
            Rapport.objects.select_for_update()
            .filter(pk=rapport_id, jeton=jeton, statut=StatutRapport.EN_COURS)
            .first()
        )
        if verrouille is None:
            return False
        verrouille.enregistrer_fichier(document.nom, document.contenu)
        # Who a nominative copy names: it is deleted when one of them is anonymised (reporting.protection).
        verrouille.participants_cites.set(document.participants)
    return True


def _echec_rapport(rapport_id: int, message: str, jeton: str | None = None, detail: str = "", **conditions) -> int:
    lignes = Rapport.objects.filter(pk=rapport_id, **conditions)
    if jeton is not None:
        lignes = lignes.filter(jeton=jeton)
    return lignes.update(
        statut=StatutRapport.ECHEC, message_erreur=message, detail_technique=detail, termine_le=timezone.now()
    )


def _document_pret(rapport: Rapport | None) -> Rapport | None:
    """The document a job attaches, rendered here if nobody has; None if it could not be produced."""
    if rapport is None:
        return None
    if rapport.statut in (StatutRapport.EN_ATTENTE, StatutRapport.EN_COURS):
        produire_rapport(rapport.pk)
        rapport.refresh_from_db()
    if rapport.statut == StatutRapport.EN_COURS:
        raise DocumentEnCours(f"Le document {rapport.pk} est en cours de production par un autre traitement.")
    return rapport if rapport.statut == StatutRapport.PRET else None


# --- Sending once ------------------------------------------------------------------------------------------


def _envoi_interrompu(ligne: Rapport | Tache, maintenant: dt.datetime | None = None) -> bool:
    """Started, not finished, and for longer than a send can take: the worker died mid-send."""
    maintenant = maintenant or timezone.now()
    return (
        ligne.envoi_commence_le is not None
        and ligne.envoye_le is None
        and ligne.envoi_commence_le < maintenant - DUREE_MAX_ENVOI
    )


# --- Who receives what -------------------------------------------------------------------------------------


def adresses_referents(donneur_id: int) -> list[str]:
    """The active référents of a donneur d'ordre (users with a membership)."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, referents__donneur_d_ordre_id=donneur_id)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def adresses_facilitateurs(donneur_id: int) -> list[str]:
    """The facilitators in charge of the donneur's marchés; every active facilitator when none is."""
    facilitateurs = get_user_model().objects.facilitateurs().exclude(email="")
    en_charge = facilitateurs.filter(
        pk__in=Marche.objects.filter(donneur_d_ordre_id=donneur_id, facilitateur__isnull=False).values("facilitateur")
    )
    choisis = en_charge if en_charge.exists() else facilitateurs
    return list(choisis.order_by("email").values_list("email", flat=True))


# --- Periodic reports: generated, then mailed to the référents -------------------------------------


def _tache_d_envoi(rapport: Rapport) -> Tache | None:
    """The schedule's row that asked for this report to be mailed; None for a report made on demand."""
    if rapport.donneur_d_ordre_id is None or rapport.nominatif:
        return None
    return rapport.taches.filter(code=planning.RapportPeriodique.code).first()


def _refleter(tache: Tache, rapport: Rapport, message: str = "") -> None:
    """The schedule's row follows its report: done once sent (or archived with no one to send to), or failed."""
    rapport.refresh_from_db()
    if rapport.statut == StatutRapport.ECHEC:
        statut, message = StatutTache.ECHEC, rapport.message_erreur
    elif rapport.envoye_le is not None or message:
        statut = StatutTache.FAIT
    else:
        return
    Tache.objects.filter(pk=tache.pk).exclude(statut=statut).update(
        statut=statut,
        message_erreur=message,
        termine_le=timezone.now(),
        envoi_commence_le=rapport.envoi_commence_le,
        envoye_le=rapport.envoye_le,
        destinataires=rapport.destinataires,
    )


def envoyer_rapport(rapport_id: int) -> bool:
    """Mail a ready periodic report to its donneur d'ordre's référents, once; True if it left now."""
    rapport = Rapport.objects.select_related("donneur_d_ordre").filter(pk=rapport_id).first()
    if rapport is None:
        return False
    tache = _tache_d_envoi(rapport)
    if tache is None:
        return False
    if rapport.statut != StatutRapport.PRET or rapport.envoye_le is not None:
        _refleter(tache, rapport)
        return False
    if rapport.envoi_commence_le is not None:
        if _envoi_interrompu(rapport):
            _echec_rapport(rapport.pk, _message_interrompu(rapport.envoi_commence_le), envoye_le__isnull=True)
        _refleter(tache, rapport)
        return False
    destinataires = adresses_referents(rapport.donneur_d_ordre_id)
    if not destinataires:
        _refleter(tache, rapport, "Aucun référent actif : le rapport est archivé sans envoi.")
        return False
    message = emails.rapport_periodique(rapport, destinataires)
    envoye = envoyer_une_fois(Rapport, rapport.pk, message, statut=StatutRapport.PRET)
    _refleter(tache, rapport)
    return envoye


def generer_rapport(rapport_id: int) -> None:
    """The task's work: render and store the report, then mail it if the schedule asked for it."""
    produire_rapport(rapport_id)
    envoyer_rapport(rapport_id)


# --- Jobs that are a Tache: reminders, bilans to prepare, digests ------------------------------------------


def _prendre(tache_id: int) -> tuple[Tache | None, str | None]:
    """Claim a job's row; a claimed row whose last attempt died mid-send is marked, not sent again."""
    tache = Tache.objects.filter(pk=tache_id).first()
    if tache is None:
        return None, None
    tache, jeton = reclamer_tache(tache.code, tache.cle)
    if jeton is not None and tache.envoi_commence_le is not None and tache.envoye_le is None:
        _finir(tache, jeton, StatutTache.ECHEC, _message_interrompu(tache.envoi_commence_le))
        return tache, None
    return tache, jeton


def _finir(tache: Tache, jeton: str, statut: str, message: str = "") -> bool:
    return bool(
        Tache.objects.filter(pk=tache.pk, jeton=jeton).update(
            statut=statut, message_erreur=message, termine_le=timezone.now()
        )
    )


@contextlib.contextmanager
def _sous_reclamation(tache: Tache, jeton: str) -> Iterator[None]:
    """Transient failures give the claim back and propagate (the task retries); others are recorded. The claim
    is kept alive while the job runs."""
    try:
        with travaux_communs.battement(Tache, tache.pk, jeton):
            yield
    except TRANSITOIRES:
        with contextlib.suppress(Exception):
            Tache.objects.filter(
                pk=tache.pk, jeton=jeton, statut=StatutTache.EN_COURS, envoi_commence_le__isnull=True
            ).update(statut=StatutTache.EN_ATTENTE, jeton="", pris_le=None)
        raise
    except Exception as exc:
        logger.exception("Tâche %s (%s, %s) : échec.", tache.pk, tache.code, tache.cle)
        # A job's row is read by the facilitators and the admin only: the details stay with the message.
        _finir(tache, jeton, StatutTache.ECHEC, f"Le travail a échoué : {_pour_les_facilitateurs(exc)}.")


def _jour(jour: str | dt.date | None) -> dt.date:
    if isinstance(jour, str):
        return dt.date.fromisoformat(jour)
    return jour or timezone.localdate()


def envoyer_rappel_echeance(tache_id: int, jour: str | dt.date | None = None) -> None:
    """Remind the référents and the facilitators of a notice deadline, with the courrier d'échéance."""
    tache, jeton = _prendre(tache_id)
    if tache is None or jeton is None:
        return
    with _sous_reclamation(tache, jeton):
        jour = _jour(jour)
        courrier = Rapport.objects.select_related("convention__donneur_d_ordre").get(pk=tache.rapport_id)
        convention = courrier.convention
        etat = convention.etat(jour)
        if etat != EtatConvention.EN_VIGUEUR:
            # Notice was given (or the convention ended) since the reminder fell due: nothing left to stop.
            _finir(tache, jeton, StatutTache.FAIT, f"Rappel sans objet : la convention est {etat_libelle(etat)}.")
            return
        periode = convention.periode_courante(courrier.periode_debut)
        referents = adresses_referents(convention.donneur_d_ordre_id)
        facilitateurs = adresses_facilitateurs(convention.donneur_d_ordre_id)
        # The reminder matters more than its attachment: a letter that cannot be rendered does not hold it back.
        courrier = _document_pret(courrier)
        message = emails.rappel_echeance(
            convention, periode, jour, referents=referents, facilitateurs=facilitateurs, courrier=courrier
        )
        if envoyer_une_fois(Tache, tache.pk, message, jeton=jeton):
            _finir(tache, jeton, StatutTache.FAIT, "" if courrier else "Envoyé sans le courrier d'échéance.")


def etat_libelle(etat: str) -> str:
    return EtatConvention(etat).label.lower()


def preparer_bilan_annuel(tache_id: int, jour: str | dt.date | None = None) -> None:
    """Draft the bilan of the year just ended, render it, and tell the facilitators it awaits their text.

    The référents see it only once a facilitator transmits it (``reporting.bilans.transmettre``): the draft is
    addressed to no donneur d'ordre.
    """
    tache, jeton = _prendre(tache_id)
    if tache is None or jeton is None:
        return
    with _sous_reclamation(tache, jeton):
        brouillon = Rapport.objects.select_related("convention__donneur_d_ordre").get(pk=tache.rapport_id)
        convention = brouillon.convention
        numero = convention.periode_courante(brouillon.periode_debut).numero
        # get_or_create, not enregistrer_texte: a text the facilitator started before the anniversary stays.
        bilan, _ = BilanAnnuel.objects.get_or_create(
            convention=convention,
            numero_periode=numero,
            defaults={"periode_debut": brouillon.periode_debut, "periode_fin": brouillon.periode_fin},
        )
        brouillon = _document_pret(brouillon)
        facilitateurs = adresses_facilitateurs(convention.donneur_d_ordre_id)
        if not facilitateurs:
            _finir(tache, jeton, StatutTache.FAIT, "Aucun facilitateur actif : bilan préparé sans envoi.")
            return
        message = emails.bilan_a_completer(bilan, facilitateurs, brouillon)
        if envoyer_une_fois(Tache, tache.pk, message, jeton=jeton):
            _finir(tache, jeton, StatutTache.FAIT, "" if brouillon else "Envoyé sans le bilan en PDF.")


def envoyer_digest(tache_id: int, jour: str | dt.date | None = None) -> None:
    """Send a facilitator the week's alerts of the dashboard."""
    tache, jeton = _prendre(tache_id)
    if tache is None or jeton is None:
        return
    with _sous_reclamation(tache, jeton):
        jour = _jour(jour)
        facilitateur_id = planning.DigestHebdomadaire.facilitateur_de(tache.cle)
        facilitateur = get_user_model().objects.facilitateurs().filter(pk=facilitateur_id).first()
        if facilitateur is None or not facilitateur.email:
            _finir(tache, jeton, StatutTache.FAIT, "Facilitateur inactif ou sans adresse : rien à envoyer.")
            return
        # The alerts of the facilitator's own marchés (and nobody's), as their home page shows them first.
        groupes = [g for g in alertes.alertes(jour, alertes.portee_par_defaut(facilitateur)) if g.total]
        message = emails.digest_hebdomadaire(facilitateur, groupes, jour)
        if envoyer_une_fois(Tache, tache.pk, message, jeton=jeton):
            _finir(tache, jeton, StatutTache.FAIT)


# The daily purge of personal data (reporting.protection): a Tache per day, like the other jobs.
CODE_PURGE = "purge_donnees_personnelles"


# --- The schedule: rows first, then one task per row ------------------------------------------------------


@dataclass(frozen=True)
class Lancement:
    """One item of the day's planning made a row, and the task that does it."""

    code: str
    cle: str
    tache: str  # the Celery task's name
    args: tuple

    @property
    def libelle(self) -> str:
        return f"{self.code} — {self.cle}"


TACHES = {
    "rapport_periodique": "reporting.tasks.generer_rapport",
    "rappel_echeance": "reporting.tasks.envoyer_rappel_echeance",
    "bilan_annuel": "reporting.tasks.preparer_bilan_annuel",
    "digest_hebdomadaire": "reporting.tasks.envoyer_digest",
    CODE_PURGE: "reporting.tasks.purger_donnees_personnelles",
}


def _nom_de_tache(code: str) -> str:
    return TACHES["rappel_echeance" if code.startswith("rappel_echeance_") else code]


def _tache_et_document(travail: planning.Travail, document: dict | None) -> Tache:
    """The row of a scheduled item, with the report it will produce when it has one; created once."""
    with transaction.atomic():
        tache, _ = Tache.objects.get_or_create(code=travail.code, cle=travail.cle)
        if document is not None and tache.rapport_id is None:
            tache = Tache.objects.select_for_update().get(pk=tache.pk)
            if tache.rapport_id is None:
                tache.rapport = Rapport.objects.create(**document)
                tache.save(update_fields=["rapport"])
    return tache


def _document_du_travail(travail: planning.Travail, conventions: dict[int, Convention]) -> dict | None:
    if isinstance(travail, planning.RapportPeriodique):
        return {
            "type": TypeRapport.RAPPORT_PERIODIQUE,
            "donneur_d_ordre_id": travail.donneur_id,
            "periode_debut": travail.debut,
            "periode_fin": travail.fin,
        }
    if isinstance(travail, planning.RappelEcheance):
        convention = conventions[travail.convention_id]
        return {
            "type": TypeRapport.COURRIER_ECHEANCE,
            "donneur_d_ordre_id": convention.donneur_d_ordre_id,
            "convention": convention,
            "periode_debut": travail.periode.debut,
            "periode_fin": travail.periode.echeance,
        }
    if isinstance(travail, planning.BilanAPreparer):
        # The facilitator's draft: addressed to no donneur d'ordre until the bilan is transmitted.
        return {
            "type": TypeRapport.BILAN_ANNUEL,
            "convention": conventions[travail.convention_id],
            "periode_debut": travail.periode.debut,
            "periode_fin": travail.periode.echeance,
        }
    return None


def _a_lancer(tache: Tache) -> bool:
    if tache.code == planning.RapportPeriodique.code:
        rapport = tache.rapport
        return tache.statut not in (StatutTache.FAIT, StatutTache.ECHEC) and not (
            rapport is not None and rapport.statut == StatutRapport.PRET and rapport.envoye_le is not None
        )
    return tache.statut in (StatutTache.EN_ATTENTE, StatutTache.EN_COURS)


def planifier(jour: dt.date) -> tuple[list[Lancement], list[tuple[str, str]]]:
    """Make a row of every item due over the catch-up window; what to run, and what was already done."""
    conventions = {c.pk: c for c in Convention.objects.signees().select_related("donneur_d_ordre").order_by("pk")}
    facilitateurs = get_user_model().objects.facilitateurs().exclude(email="").values_list("pk", flat=True)
    a_lancer, deja_faits = [], []
    for travail in planning.travaux_a_faire(jour, conventions.values(), facilitateurs):
        tache = _tache_et_document(travail, _document_du_travail(travail, conventions))
        if not _a_lancer(tache):
            deja_faits.append((travail.code, travail.cle))
            continue
        args: tuple[int | str | None, ...]
        if isinstance(travail, planning.RapportPeriodique):
            args = (tache.rapport_id,)
        else:
            args = (tache.pk, jour.isoformat())
        a_lancer.append(Lancement(travail.code, travail.cle, _nom_de_tache(travail.code), args))
    return a_lancer, deja_faits


def _tache_celery(nom: str):
    """The Celery task registered under ``nom``: queued by name, so that the services do not import the tasks
    that call them (the registry is filled when the app finalises, from each app's ``tasks`` module)."""
    return current_app.tasks[nom]


# The rows that record when they were queued (config.travaux), by their task.
LIGNES_EN_FILE = {
    TACHES["rapport_periodique"]: Rapport,
    courriels.TACHE: Courriel,
    exports_longs.TACHE: ExportListe,
}


def mettre_en_file(lancements: list[Lancement]) -> None:
    """Queue each task once the rows it reads are committed."""
    for lancement in lancements:
        if modele := LIGNES_EN_FILE.get(lancement.tache):
            travaux_communs.mettre_en_file_apres_commit(lancement.tache, modele, *lancement.args)
        else:
            transaction.on_commit(partial(_tache_celery(lancement.tache).delay, *lancement.args))


def executer_sur_place(lancement: Lancement) -> None:
    """Run a task in this process, with its retries and its failure handler (``manage.py ... --synchrone``)."""
    _tache_celery(lancement.tache).apply(args=lancement.args)


@dataclass(frozen=True)
class TravauxDuJour:
    jour: dt.date
    lances: list[Lancement]
    deja_faits: list[tuple[str, str]]
    interrompus: int


def lancer_travaux_du_jour(jour: dt.date | None = None, *, synchrone: bool = False) -> TravauxDuJour:
    """The daily job: what is due (caught up over a week), made rows, then queued or run here."""
    jour = jour or timezone.localdate()
    interrompus = signaler_envois_interrompus()
    lances, deja_faits = planifier(jour)
    if synchrone:
        for lancement in lances:
            executer_sur_place(lancement)
    else:
        mettre_en_file(lances)
    return TravauxDuJour(jour, lances, deja_faits, interrompus)


# --- Sweeping up what a dead worker or a lost message left -----------------------------------------


LOT_DE_REPRISE = 100
ATTENTE_AVANT_REPRISE = travaux_communs.ATTENTE_AVANT_REPRISE


def signaler_envois_interrompus(maintenant: dt.datetime | None = None) -> int:
    """Mark « échec » every row whose send started long ago and never finished; how many were marked."""
    maintenant = maintenant or timezone.now()
    limite = maintenant - DUREE_MAX_ENVOI
    interrompus = 0
    for modele, statut_echec in ((Rapport, StatutRapport.ECHEC), (Tache, StatutTache.ECHEC)):
        lignes = modele.objects.filter(envoi_commence_le__lt=limite, envoye_le__isnull=True).exclude(
            statut=statut_echec
        )
        for pk, debut in lignes.values_list("pk", "envoi_commence_le")[:LOT_DE_REPRISE]:
            assert debut is not None  # envoi_commence_le__lt leaves NULL out
            interrompus += modele.objects.filter(pk=pk, envoye_le__isnull=True).update(
                statut=statut_echec, message_erreur=_message_interrompu(debut), termine_le=maintenant
            )
    rapports_en_echec = (
        Tache.objects.select_related("rapport")
        .filter(code=planning.RapportPeriodique.code, rapport__statut=StatutRapport.ECHEC)
        .exclude(statut=StatutTache.ECHEC)
    )
    for tache in rapports_en_echec[:LOT_DE_REPRISE]:
        assert tache.rapport is not None  # rapport__statut leaves the rows without a report out
        _refleter(tache, tache.rapport)
    return interrompus


def reprendre_travaux(maintenant: dt.datetime | None = None) -> list[Lancement]:
    """Queue again the rows never queued (the broker was down), left waiting (message lost) or claimed by a worker
    that died, in bounded batches: documents, the e-mails requests recorded, long exports, portfolio imports."""
    maintenant = maintenant or timezone.now()
    signaler_envois_interrompus(maintenant)
    en_attente = travaux_communs.a_remettre_en_file(Rapport, StatutRapport.EN_ATTENTE, maintenant)
    abandonnes = Rapport.objects.filter(statut=StatutRapport.EN_COURS, pris_le__lt=maintenant - DELAI_DE_REPRISE)
    lancements = [
        Lancement("rapport", str(pk), "reporting.tasks.generer_rapport", (pk,))
        for pk in (en_attente | abandonnes).order_by("cree_le").values_list("pk", flat=True)[:LOT_DE_REPRISE]
    ]
    lancements += [
        Lancement("courriel", str(pk), courriels.TACHE, (pk,))
        for pk in courriels.a_reprendre(maintenant, LOT_DE_REPRISE)
    ]
    lancements += [
        Lancement("export", str(pk), exports_longs.TACHE, (pk,))
        for pk in exports_longs.a_reprendre(maintenant, LOT_DE_REPRISE)
    ]
    lancements += [
        Lancement("import_portefeuille", str(pk), travail_portefeuille.TACHE, (pk,))
        for pk in travail_portefeuille.a_reprendre(maintenant, LOT_DE_REPRISE)
    ]
    recents = maintenant - dt.timedelta(days=planning.RATTRAPAGE_JOURS)
    taches = (
        Tache.objects.filter(
            Q(statut=StatutTache.EN_ATTENTE, cree_le__lt=maintenant - ATTENTE_AVANT_REPRISE)
            | Q(statut=StatutTache.EN_COURS, pris_le__lt=maintenant - DELAI_DE_REPRISE),
            cree_le__gte=recents,
        )
        .exclude(code=planning.RapportPeriodique.code)
        .order_by("cree_le")
    )
    lancements += [lancement for tache in taches[:LOT_DE_REPRISE] if (lancement := _lancement_de(tache))]
    mettre_en_file(lancements)
    return lancements


def _lancement_de(tache: Tache) -> Lancement | None:
    if tache.code == planning.RapportPeriodique.code:
        return Lancement(tache.code, tache.cle, TACHES[tache.code], (tache.rapport_id,)) if tache.rapport_id else None
    if tache.code in TACHES or tache.code.startswith("rappel_echeance_"):
        return Lancement(tache.code, tache.cle, _nom_de_tache(tache.code), (tache.pk,))
    return None


# --- What a person decides about an interrupted send ---------------------------------------------------------


@transaction.atomic
def autoriser_nouvel_envoi(taches=(), rapports=()) -> int:
    """Checked with the recipients, the message did not arrive: let the job send it again, now.

    Only rows that failed and were not recorded as sent; a report keeps its file (it becomes « prêt » again).
    """
    lancements = []
    for tache in Tache.objects.select_for_update().filter(
        pk__in=[t.pk for t in taches], statut=StatutTache.ECHEC, envoye_le__isnull=True
    ):
        tache.statut, tache.jeton, tache.pris_le, tache.envoi_commence_le = StatutTache.EN_ATTENTE, "", None, None
        tache.message_erreur, tache.termine_le = "", None
        tache.save()
        if tache.code != planning.RapportPeriodique.code and (lancement := _lancement_de(tache)):
            lancements.append(lancement)
    rapports_a_renvoyer = Rapport.objects.select_for_update().filter(
        pk__in=[r.pk for r in rapports],
        statut=StatutRapport.ECHEC,
        envoye_le__isnull=True,
        empreinte__regex=r"^[0-9a-f]{64}$",
        taches__code=planning.RapportPeriodique.code,
    )
    for rapport in rapports_a_renvoyer.exclude(fichier=""):
        Rapport.objects.filter(pk=rapport.pk).update(
            statut=StatutRapport.PRET, envoi_commence_le=None, message_erreur=""
        )
        rapport.taches.filter(code=planning.RapportPeriodique.code).update(
            statut=StatutTache.EN_ATTENTE, envoi_commence_le=None, message_erreur="", termine_le=None
        )
        lancements.append(Lancement("rapport", str(rapport.pk), TACHES["rapport_periodique"], (rapport.pk,)))
    mettre_en_file(lancements)
    return len(lancements)


@transaction.atomic
def confirmer_envoi(taches=(), rapports=()) -> int:
    """Checked with the recipients, the message did arrive: the row is done (a report is « prêt » again)."""
    # The send's start is the best date known for it; recorded as sent, the row is not flagged again.
    nombre = Tache.objects.filter(pk__in=[t.pk for t in taches], statut=StatutTache.ECHEC).update(
        statut=StatutTache.FAIT,
        jeton="",
        envoye_le=F("envoi_commence_le"),
        message_erreur="Envoi vérifié : le message a bien été reçu.",
    )
    for rapport in Rapport.objects.filter(
        pk__in=[r.pk for r in rapports], statut=StatutRapport.ECHEC, empreinte__regex=r"^[0-9a-f]{64}$"
    ).exclude(fichier=""):
        nombre += Rapport.objects.filter(pk=rapport.pk).update(
            statut=StatutRapport.PRET, message_erreur="", envoye_le=F("envoi_commence_le")
        )
        rapport.taches.filter(code=planning.RapportPeriodique.code).update(
            statut=StatutTache.FAIT,
            envoye_le=F("envoi_commence_le"),
            message_erreur="Envoi vérifié : le rapport a bien été reçu.",
        )
    return nombre


def abandonner(ligne: str, pk: int, exc: BaseException, tentatives: int) -> None:
    """Retries exhausted (or a failure the task did not catch): record it on the row, never leave it « en cours »."""
    pluriel = "s" if tentatives else ""
    cause = detail_technique(exc)
    debut = f"Échec après {tentatives + 1} tentative{pluriel} : "
    indisponible = "la base de données ou le serveur de messagerie est resté indisponible"
    transitoire = isinstance(exc, TRANSITOIRES)
    message = f"{debut}{indisponible}." if transitoire else f"{debut}{detail_exception(exc)}."
    maintenant = timezone.now()
    logger.error("%s %s abandonné : %s", ligne, pk, cause)
    if ligne == "rapport":
        inacheve = Q(statut__in=[StatutRapport.EN_ATTENTE, StatutRapport.EN_COURS]) | Q(
            statut=StatutRapport.PRET, envoi_commence_le__isnull=True, taches__code=planning.RapportPeriodique.code
        )
        pks = Rapport.objects.filter(inacheve, pk=pk).values("pk")
        Rapport.objects.filter(pk__in=pks).update(
            statut=StatutRapport.ECHEC, message_erreur=message, detail_technique=cause, termine_le=maintenant
        )
        for tache in Tache.objects.filter(rapport_id=pk, code=planning.RapportPeriodique.code):
            assert tache.rapport is not None  # rapport_id=pk
            _refleter(tache, tache.rapport)
    else:
        Tache.objects.filter(pk=pk, statut__in=[StatutTache.EN_ATTENTE, StatutTache.EN_COURS]).update(
            statut=StatutTache.ECHEC,
            message_erreur=f"{debut}{indisponible} ({cause})."
            if transitoire
            else f"{debut}{_pour_les_facilitateurs(exc)}.",
            termine_le=maintenant,
        )
