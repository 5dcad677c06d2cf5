"""Who read which personal data: every read is a ``Consultation`` row, and an unusual volume alerts the admins.

What is recorded (issue 17, « qui a lu quoi »): a view of a participant's page (and of its edit form, which shows
the same identity), of a placement's page, every download of a document that names people (the facilitator's
nominative marché report, a participant's information notice, the report of an import of participants, a long
export prepared by the worker) and every XLSX export of a list that names people (``DefinitionListe.nominative``:
participants, placements). Lists read on screen fifty rows at a time are not recorded: the exports are where a
whole file leaves.

Why a model of our own rather than django-auditlog's access log (``LogEntry.Action.ACCESS``, which auditlog 3
has): an export or a document is not one model instance, and its row count is what matters; auditlog copies the
object's ``str()`` — the person's name — into every entry, where this log keeps the reference (P-000123) only;
and the history shown on each object's page (``config.audit.historique``) would fill up with reads.

Cost: one INSERT per request. The volume of the account over the last 24 hours is then read (one indexed
aggregate) after an export or a document naming several people, and after a single page once per account and
slice of ``INTERVALLE_VERIFICATION`` (a key in the cache). Past ``settings.CLAUSES_ALERTE_PERSONNES_24H``
people, an ``AlerteConsultations`` row is written — one per account and day, a unique constraint settling two
requests at once — and its e-mail recorded as a ``Courriel``, sent by the worker after commit, never inside the
request (``config.courriels``).
"""

import datetime as dt
import logging

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config import courriels
from config.models import AlerteConsultations, Consultation, Courriel, NatureConsultation
from config.securite import adresse_ip_client

logger = logging.getLogger(__name__)

FENETRE = dt.timedelta(hours=24)
INTERVALLE_VERIFICATION = dt.timedelta(minutes=5)
GABARIT_COURRIEL = "emails/alerte_consultations"


def journaliser(
    request: HttpRequest,
    nature: str,
    objet: str,
    description: str,
    *,
    objet_id: int | None = None,
    reference: str = "",
    personnes: int = 1,
) -> Consultation:
    """Record that the request's user read ``description``; then, if due, check the account's volume."""
    utilisateur = request.user
    consultation = Consultation.objects.create(
        utilisateur=utilisateur,
        email=utilisateur.email,
        nature=nature,
        objet=objet[:100],
        objet_id=objet_id,
        reference=reference,
        description=description[:255],
        personnes=max(personnes, 0),
        adresse_ip=adresse_ip_client(request),
    )
    if _verification_due(consultation):
        verifier_volume(request, consultation.le)
    return consultation


def fiche(request: HttpRequest, objet: models.Model, reference: str, description: str) -> Consultation:
    """A page showing one person (``reference``): their page, their edit form, one of their placements."""
    return journaliser(
        request,
        NatureConsultation.FICHE,
        objet._meta.label_lower,
        description,
        objet_id=objet.pk,
        reference=reference,
    )


def document(
    request: HttpRequest,
    description: str,
    *,
    objet: models.Model | None = None,
    reference: str = "",
    personnes: int = 1,
) -> Consultation:
    """A downloaded document that names ``personnes`` people (one, ``reference``, for a participant's own)."""
    return journaliser(
        request,
        NatureConsultation.DOCUMENT,
        objet._meta.label_lower if objet is not None else "document",
        description,
        objet_id=objet.pk if objet is not None else None,
        reference=reference,
        personnes=personnes,
    )


# Query-string keys that say nothing about which rows were exported.
_CLES_SANS_INTERET = {"format", "page"}
# A search field holds what the facilitator typed — often a person's name, which the log must not keep.
_CLES_DE_RECHERCHE = {"q"}


def filtres_du_journal(parametres: QueryDict) -> str:
    """A list's query string as the log keeps it: its filters and sort, and only whether a search was typed."""
    morceaux = []
    recherche = False
    for cle, valeurs in sorted(parametres.lists()):
        valeurs = [v for v in valeurs if v.strip()]
        if not valeurs or cle in _CLES_SANS_INTERET:
            continue
        if cle in _CLES_DE_RECHERCHE or cle.startswith("recherche_"):
            recherche = True
            continue
        morceaux.append(f"{cle}={','.join(valeurs)}")
    if recherche:
        morceaux.append("recherche saisie")
    return ", ".join(morceaux)


def export(request: HttpRequest, liste: str, lignes: int, parametres: QueryDict | None = None) -> Consultation:
    """An export of the list ``liste`` (its title) with ``lignes`` rows, each naming a person."""
    description = f"Export « {liste} » : {lignes} ligne{'s' if lignes > 1 else ''}"
    filtres = filtres_du_journal(parametres) if parametres is not None else ""
    if filtres:
        description += f" ({filtres})"
    return journaliser(request, NatureConsultation.EXPORT, liste, description, personnes=lignes)


# --- The volume alert ---------------------------------------------------------------------------------------------


def _verification_due(consultation: Consultation) -> bool:
    if not settings.CLAUSES_ALERTE_PERSONNES_24H:
        return False
    if consultation.personnes > 1:
        return True
    intervalle = INTERVALLE_VERIFICATION.total_seconds()
    tranche = int(consultation.le.timestamp() // intervalle)
    try:
        # add() writes only an absent key: True for the first read of the account in each slice of time.
        return bool(cache.add(f"consultations:verifiees:{consultation.utilisateur_id}:{tranche}", True, intervalle))
    except Exception:  # noqa: BLE001 — a cache out of reach must not fail a read: check every time instead
        logger.warning("Cache injoignable : le volume des consultations est vérifié à chaque lecture.")
        return True


def volume(utilisateur_id: int, jusqu_a: dt.datetime) -> int:
    """People the account read or exported in the 24 hours up to ``jusqu_a``: each participant once (their pages,
    their notice), plus the people named by its exports and collective documents."""
    totaux = Consultation.objects.filter(
        utilisateur_id=utilisateur_id, le__gt=jusqu_a - FENETRE, le__lte=jusqu_a
    ).aggregate(
        distinctes=Count("reference", distinct=True, filter=~Q(reference="")),
        autres=Coalesce(Sum("personnes", filter=Q(reference="")), 0),
    )
    return totaux["distinctes"] + totaux["autres"]


def verifier_volume(request: HttpRequest, jusqu_a: dt.datetime) -> AlerteConsultations | None:
    """The alert of the request's user for today, if its volume is past the threshold and none was raised today."""
    utilisateur = request.user
    seuil = settings.CLAUSES_ALERTE_PERSONNES_24H
    personnes = volume(utilisateur.pk, jusqu_a)
    if not seuil or personnes <= seuil:
        return None
    jour = timezone.localdate(jusqu_a)
    if AlerteConsultations.objects.filter(utilisateur=utilisateur, jour=jour).exists():
        return None
    alerte = AlerteConsultations(
        utilisateur=utilisateur,
        email=utilisateur.email,
        jour=jour,
        detectee_le=jusqu_a,
        personnes=personnes,
        seuil=seuil,
    )
    try:
        # The e-mail first, so that the alert is one INSERT: if another request of the same account raised today's
        # alert meanwhile, the savepoint takes both back, and the e-mail's sending (queued on commit) with them.
        with transaction.atomic():
            alerte.courriel = _courriel(request, alerte)
            alerte.save()
    except IntegrityError:
        return None
    return alerte


def destinataires_alerte() -> list[str]:
    """The active administrators, and the DPO named in the structure porteuse's settings."""
    adresses = list(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    structure = apps.get_model("conventions", "StructurePorteuse").objects.filter(pk=1).first()
    dpo = structure.dpo_email if structure is not None else ""
    if dpo and dpo.lower() not in adresses:
        adresses.append(dpo.lower())
    return adresses


def _courriel(request: HttpRequest, alerte: AlerteConsultations) -> Courriel | None:
    adresses = destinataires_alerte()
    if not adresses:
        return None
    lien = request.build_absolute_uri(
        reverse("admin:config_consultation_changelist") + f"?utilisateur__id__exact={alerte.utilisateur.pk}"
    )
    contexte = {"alerte": alerte, "lien": lien, "heures": int(FENETRE.total_seconds() // 3600)}
    sujet = " ".join(render_to_string(f"{GABARIT_COURRIEL}_sujet.txt", contexte).split())
    message = EmailMultiAlternatives(
        subject=sujet,
        body=render_to_string(f"{GABARIT_COURRIEL}.txt", contexte),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=adresses,
    )
    message.attach_alternative(render_to_string(f"{GABARIT_COURRIEL}.html", contexte), "text/html")
    return courriels.mettre_en_file(message, "alerte_consultations")
