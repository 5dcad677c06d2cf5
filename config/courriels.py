"""E-mails never leave inside a request: a request records a ``Courriel`` row, the worker sends it, once.

A mail server down (or slow) used to fail the request after its data was saved (« déclarer un marché » answered 500,
the marché was kept, and the facilitators never heard of it). Now ``mettre_en_file`` renders the message in the
request (its context may hold what is stored nowhere, such as an invitation's token), records it in the request's
transaction, and queues ``config.tasks.envoyer_courriel`` after commit (config.travaux: a broker down leaves it
for the reprise). A rolled-back transaction leaves no row and sends nothing.

The worker sends as the scheduled jobs do (``envoyer_une_fois``, also used by reporting.travaux): it claims the row
with a conditional UPDATE, opens the connection, marks ``envoi_commence_le`` only if empty, sends, then marks
``envoye_le``. A server that cannot be reached or refuses the message gives the row back and the task retries
with backoff; a row found started and never finished (the worker died mid-send) is never resent automatically
but marked « échec » for a person to check, as the jobs' e-mails are. Once sent, the bodies are emptied.
"""

import contextlib
import datetime as dt
import logging
import smtplib
import uuid
from functools import partial

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Model, Q
from django.utils import timezone

from config import travaux
from config.models import Courriel, StatutCourriel

logger = logging.getLogger(__name__)

TACHE = "config.tasks.envoyer_courriel"
# What a later attempt may cure: the mail server or the database unreachable or busy.
TRANSITOIRES: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    smtplib.SMTPException,
    ConnectionError,
    TimeoutError,
)
# A send takes seconds: started this long ago and not finished, the worker died in between.
DUREE_MAX_ENVOI = dt.timedelta(minutes=10)
ENVOI_INTERROMPU = (
    "Envoi interrompu, à vérifier : l'envoi a commencé le {debut} sans que sa fin soit enregistrée ; le message est "
    "peut-être parti. Il ne sera pas renvoyé automatiquement."
)


def _lignes(adresses) -> str:
    return "\n".join(a for a in adresses if a)


def mettre_en_file(message: EmailMessage, origine: str) -> Courriel:
    """Record ``message`` and queue its sending once the current transaction commits."""
    html = ""
    if isinstance(message, EmailMultiAlternatives):
        html = next((str(contenu) for contenu, type_ in message.alternatives if type_ == "text/html"), "")
    courriel = Courriel.objects.create(
        origine=origine,
        sujet=str(message.subject)[:255],
        expediteur=message.from_email,
        destinataires=_lignes(message.to),
        copie=_lignes(message.cc),
        corps_texte=str(message.body),
        corps_html=html,
    )
    transaction.on_commit(partial(_apres_commit, courriel.pk))
    return courriel


def _apres_commit(courriel_id: int) -> None:
    if settings.CLAUSES_COURRIELS_SUR_PLACE:
        # The test run: the task runs here, as the worker would, so that a test reads the message in the outbox.
        current_app.tasks[TACHE].apply(args=(courriel_id,))
    else:
        travaux.mettre_en_file(TACHE, Courriel, courriel_id)


def _message(courriel: Courriel) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=courriel.sujet,
        body=courriel.corps_texte,
        from_email=courriel.expediteur,
        to=courriel.destinataires.split(),
        cc=courriel.copie.split(),
    )
    if courriel.corps_html:
        message.attach_alternative(courriel.corps_html, "text/html")
    return message


# --- Sending once ------------------------------------------------------------------------------------------


def envoyer_une_fois(modele: type[Model], pk: int, message: EmailMessage, **conditions) -> bool:
    """Send ``message`` for the row ``pk`` unless a send was already started for it; True if it left now.

    The connection is opened first: a server that cannot be reached fails before anything is marked, and the
    task retries. A server that refuses the message raises an SMTP error before accepting it: the mark is
    taken back, and the retry may send. Anything that stops this process between the mark and the last
    UPDATE leaves the row « started, not sent », which is never resent automatically.
    """
    connexion = get_connection()
    connexion.open()
    try:
        debut = timezone.now()
        if not modele.objects.filter(pk=pk, envoi_commence_le__isnull=True, **conditions).update(
            envoi_commence_le=debut
        ):
            return False
        try:
            connexion.send_messages([message])
        except (smtplib.SMTPException, ConnectionError, TimeoutError):
            modele.objects.filter(pk=pk, envoi_commence_le=debut, envoye_le__isnull=True).update(
                envoi_commence_le=None
            )
            raise
        modele.objects.filter(pk=pk).update(
            envoye_le=timezone.now(), destinataires="\n".join(sorted(set(message.recipients())))
        )
        return True
    finally:
        with contextlib.suppress(Exception):
            connexion.close()


def _reprenables(maintenant: dt.datetime) -> Q:
    return Q(statut=StatutCourriel.EN_ATTENTE) | Q(
        statut=StatutCourriel.EN_COURS, pris_le__lt=maintenant - travaux.DELAI_DE_REPRISE
    )


def _message_interrompu(debut: dt.datetime) -> str:
    return ENVOI_INTERROMPU.format(debut=timezone.localtime(debut).strftime("%d/%m/%Y à %H:%M"))


def envoyer(courriel_id: int) -> str | None:
    """The task's work: claim the row, send it once, record it; the row's status afterwards (None: no row)."""
    jeton = uuid.uuid4().hex
    maintenant = timezone.now()
    pris = Courriel.objects.filter(_reprenables(maintenant), pk=courriel_id).update(
        statut=StatutCourriel.EN_COURS, jeton=jeton, pris_le=maintenant, tentatives=F("tentatives") + 1
    )
    if not pris:
        return Courriel.objects.filter(pk=courriel_id).values_list("statut", flat=True).first()
    courriel = Courriel.objects.get(pk=courriel_id)
    if courriel.envoi_commence_le is not None and courriel.envoye_le is None:
        # A previous attempt died between the mark and the end: the message may have left.
        _finir(courriel_id, jeton, StatutCourriel.ECHEC, _message_interrompu(courriel.envoi_commence_le))
        return StatutCourriel.ECHEC
    try:
        envoye = envoyer_une_fois(Courriel, courriel_id, _message(courriel), jeton=jeton)
    except TRANSITOIRES:
        with contextlib.suppress(Exception):
            Courriel.objects.filter(
                pk=courriel_id, jeton=jeton, statut=StatutCourriel.EN_COURS, envoi_commence_le__isnull=True
            ).update(statut=StatutCourriel.EN_ATTENTE, jeton="", pris_le=None)
        raise
    if envoye:
        Courriel.objects.filter(pk=courriel_id, jeton=jeton).update(
            statut=StatutCourriel.ENVOYE, termine_le=timezone.now(), corps_texte="", corps_html=""
        )
        return StatutCourriel.ENVOYE
    return Courriel.objects.filter(pk=courriel_id).values_list("statut", flat=True).first()


def _finir(courriel_id: int, jeton: str, statut: str, message: str) -> None:
    Courriel.objects.filter(pk=courriel_id, jeton=jeton).update(
        statut=statut, message_erreur=message, termine_le=timezone.now()
    )


def abandonner(courriel_id: int, exc: BaseException, tentatives: int) -> None:
    """Retries exhausted: the row says « échec » in French (the details are in the worker's log)."""
    logger.error("Courriel %s abandonné après %s tentative(s) : %r", courriel_id, tentatives + 1, exc)
    Courriel.objects.filter(pk=courriel_id, statut__in=[StatutCourriel.EN_ATTENTE, StatutCourriel.EN_COURS]).update(
        statut=StatutCourriel.ECHEC,
        message_erreur=f"Échec après {tentatives + 1} tentative(s) : le serveur de messagerie est resté injoignable.",
        termine_le=timezone.now(),
    )


def a_reprendre(maintenant: dt.datetime, limite: int) -> list[int]:
    """Rows the reprise queues again: never queued, lost on the way, or claimed by a worker that died."""
    abandonnes = Courriel.objects.filter(
        statut=StatutCourriel.EN_COURS, pris_le__lt=maintenant - travaux.DELAI_DE_REPRISE
    )
    lignes = travaux.a_remettre_en_file(Courriel, StatutCourriel.EN_ATTENTE, maintenant) | abandonnes
    return list(lignes.order_by("cree_le").values_list("pk", flat=True)[:limite])
