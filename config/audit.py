"""Audit log: which models are recorded, who made each change, and the readable history of an object.

django-auditlog writes one ``LogEntry`` per create, update and delete of a registered model (its JSON diff,
the object's text, when, and the author taken from the request by ``AuditMiddleware``). Changes made
outside a request (management commands, Celery tasks, the test suite's factories) have no author and are
not recorded, unless the code wraps them in ``auteur(user)``: the log answers « who changed this on the
dashboard or the portal », and skipping the rest keeps seeding and imports from filling it.

``historique(objet)`` reads the last entries of an object (and of the rows that belong to it: the hours of
a placement, the clause of a lot…) in a fixed number of queries, with French field labels and values.
"""

import contextlib
import datetime as dt
from collections import defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from auditlog.context import set_actor
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.receivers import make_log_m2m_changes
from auditlog.registry import auditlog
from auditlog.signals import pre_log
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import Count, Q, Subquery, Window
from django.db.models.signals import m2m_changed
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from config.securite import adresse_ip_client

# Never recorded: bookkeeping dates (every save changes them) and secrets.
CHAMPS_IGNORES = ["cree_le", "modifie_le", "password", "last_login", "token_hash"]

# Models recorded, by label; a label that names no model stops the start-up (a renamed model must not silently stop
# being recorded). Value: many-to-many fields to record.
MODELES_SUIVIS: dict[str, list[str]] = {
    "conventions.user": [],
    "conventions.donneurdordre": [],
    "conventions.referent": [],
    "conventions.convention": [],
    "conventions.avenant": [],
    "conventions.invitation": [],
    "marches.marche": [],
    "marches.lot": [],
    "marches.attribution": [],
    "marches.propositionattribution": [],
    "clauses.clauseinsertion": ["modalites"],
    "clauses.participant": ["criteres"],
    "clauses.prolongationconservation": [],
    "clauses.placement": [],
    "clauses.heuresmensuelles": [],
    "clauses.sortie": [],
    "entreprises.entreprise": [],
    "entreprises.operateur": [],
    "reporting.bilanannuel": [],
    "reporting.rapport": [],
    "reporting.agendapersonnel": [],
}

# Rows shown in an object's history besides its own: (model label, foreign key to the object).
ENFANTS: dict[str, list[tuple[str, str]]] = {
    "marches.marche": [("marches.lot", "marche"), ("marches.propositionattribution", "marche")],
    "marches.lot": [("clauses.clauseinsertion", "lot"), ("marches.attribution", "lot")],
    "clauses.participant": [("clauses.placement", "participant"), ("clauses.prolongationconservation", "participant")],
    "clauses.placement": [("clauses.heuresmensuelles", "placement"), ("clauses.sortie", "placement")],
    "conventions.convention": [("conventions.avenant", "convention"), ("reporting.bilanannuel", "convention")],
    "conventions.donneurdordre": [
        ("conventions.referent", "donneur_d_ordre"),
        ("conventions.invitation", "donneur_d_ordre"),
    ],
}

NOMBRE_AFFICHE = 20
LONGUEUR_MAX = 200

# --- Recording ------------------------------------------------------------------------------------------

_en_requete: ContextVar[bool] = ContextVar("clauses_audit_en_requete", default=False)


def _modeles_suivis() -> dict[str, type[models.Model]]:
    """The models of MODELES_SUIVIS and ENFANTS; ImproperlyConfigured for a label or a key that names nothing."""
    modeles = {}
    for label in MODELES_SUIVIS:
        try:
            modeles[label] = apps.get_model(label)
        except LookupError:
            raise ImproperlyConfigured(f"config.audit.MODELES_SUIVIS : aucun modèle « {label} ».") from None
    for parent, enfants in ENFANTS.items():
        for label, cle in [(parent, None), *enfants]:
            if label not in modeles:
                raise ImproperlyConfigured(f"config.audit.ENFANTS : « {label} » n'est pas dans MODELES_SUIVIS.")
            if cle is not None and _champ(modeles[label], cle) is None:
                raise ImproperlyConfigured(f"config.audit.ENFANTS : « {label} » n'a pas de champ « {cle} ».")
    return modeles


def enregistrer_modeles() -> list[str]:
    """Registers the audited models (called once, from config's AppConfig.ready); returns their labels."""
    enregistres = []
    modeles = _modeles_suivis()
    for label, m2m in MODELES_SUIVIS.items():
        modele = modeles[label]
        noms = {f.name for f in modele._meta.get_fields()}
        auditlog.register(modele, exclude_fields=[nom for nom in CHAMPS_IGNORES if nom in noms])
        for champ in m2m:
            _suivre_plusieurs_a_plusieurs(modele, champ)
        enregistres.append(label)
    pre_log.connect(_seulement_avec_un_auteur, dispatch_uid="clauses_audit_seulement_avec_un_auteur")
    # The log is read on each object's page, in French; django-auditlog's admin list would show it raw.
    if admin.site.is_registered(LogEntry):
        admin.site.unregister(LogEntry)
    return enregistres


def _seulement_avec_un_auteur(sender, **kwargs) -> bool:
    # Returning False from a pre_log receiver tells django-auditlog not to write the entry.
    return _en_requete.get()


def _suivre_plusieurs_a_plusieurs(modele, champ: str) -> None:
    # django-auditlog's own many-to-many receiver does not send pre_log: it is wrapped here instead of being
    # registered through m2m_fields, so that it too records only what a request (or ``auteur``) does.
    recepteur = make_log_m2m_changes(champ)

    def journaliser(**kwargs):
        if _en_requete.get():
            recepteur(**kwargs)

    m2m_changed.connect(
        journaliser,
        sender=getattr(modele, champ).through,
        weak=False,
        dispatch_uid=f"clauses_audit_m2m_{modele._meta.label_lower}_{champ}",
    )


class AuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, with the client address that our own proxies vouch for.

    (The original reads the first X-Forwarded-For entry, which the client writes.)
    """

    @staticmethod
    def _get_remote_addr(request):
        return adresse_ip_client(request)

    def __call__(self, request):
        jeton = _en_requete.set(True)
        try:
            return super().__call__(request)
        finally:
            _en_requete.reset(jeton)


@contextlib.contextmanager
def auteur(user):
    """Records the changes made inside the block, by ``user``, outside a request (a command, a task)."""
    jeton = _en_requete.set(True)
    try:
        with set_actor(user):
            yield
    finally:
        _en_requete.reset(jeton)


# --- Reading --------------------------------------------------------------------------------------------

ACTIONS = {
    LogEntry.Action.CREATE: "Création",
    LogEntry.Action.UPDATE: "Modification",
    LogEntry.Action.DELETE: "Suppression",
}


@dataclass
class Changement:
    libelle: str
    avant: str = ""
    apres: str = ""
    texte: str = ""  # a creation's value, or a many-to-many change, shown alone


@dataclass
class Entree:
    date: dt.datetime
    auteur: str
    action: str
    element: str  # "" for the object itself; « Heures du mois 03/2026 : 35 h » for a row that belongs to it
    changements: list[Changement] = field(default_factory=list)


@dataclass
class Historique:
    entrees: list[Entree]
    total: int

    @property
    def tronque(self) -> bool:
        return self.total > len(self.entrees)


def historique(objet: models.Model, nombre: int = NOMBRE_AFFICHE) -> Historique:
    """The last ``nombre`` changes of ``objet`` and of the rows that belong to it, newest first.

    One query for the entries, their authors and their total count; then, only when the shown changes name
    other objects (an attributaire, a prescripteur…), one query per kind of object — never one per entry.
    """
    filtre, liens = _filtre(objet)
    journal = list(
        LogEntry.objects.filter(filtre)
        .select_related("actor", "content_type")
        .annotate(total=Window(Count("pk")))
        .order_by("-timestamp", "-pk")[:nombre]
    )
    if not journal:
        return Historique([], 0)
    libelles_lies = _libelles_des_cles(journal)
    return Historique([_entree(e, objet, liens, libelles_lies) for e in journal], journal[0].total)


def _type(modele) -> Q:
    # Joined rather than looked up: ContentType.objects.get_for_model may cost a query per model.
    return Q(content_type__app_label=modele._meta.app_label, content_type__model=modele._meta.model_name)


def _filtre(objet: models.Model) -> tuple[Q, dict[str, str]]:
    """The entries of the object and of its children; and, per child model label, its key to the object."""
    filtre = _type(type(objet)) & Q(object_id=objet.pk)
    liens: dict[str, str] = {}
    for label, cle in ENFANTS.get(objet._meta.label_lower, []):
        modele = apps.get_model(label)  # every label was checked at start-up
        liens[modele._meta.label_lower] = cle
        actuels = modele._base_manager.filter(**{cle: objet.pk}).values("pk")
        # A deleted row can no longer be found by its key, but its deletion entry names the parent: through
        # it, the row's whole history (creation, changes, deletion) stays on the parent's page.
        supprimes = LogEntry.objects.filter(
            _type(modele), action=LogEntry.Action.DELETE, **{f"changes__{cle}__0": str(objet.pk)}
        ).values("object_id")
        filtre |= _type(modele) & (Q(object_id__in=Subquery(actuels)) | Q(object_id__in=Subquery(supprimes)))
    return filtre, liens


def type_de(modele) -> ContentType:
    """The content type the log files ``modele``'s entries under (its concrete model's)."""
    return ContentType.objects.get_for_model(modele)


def champ(modele, nom: str):
    """The field ``nom`` of ``modele`` as an entry names it; None if it no longer exists."""
    return _champ(modele, nom)


def libelles_des_cles(journal: list[LogEntry]) -> dict[tuple[type, str], str]:
    """The texts of the objects the foreign keys of ``journal``'s changes point to (``valeur_lisible`` reads them)."""
    return _libelles_des_cles(journal)


def _champ(modele, nom: str):
    if modele is None:
        return None
    try:
        return modele._meta.get_field(nom)
    except FieldDoesNotExist:  # removed since the entry was written
        return None


def _libelles_des_cles(journal: list[LogEntry]) -> dict[tuple[type, str], str]:
    """The text of every object a foreign key of the shown changes points to: one query per related model."""
    cles: dict[type, set[str]] = defaultdict(set)
    for entree in journal:
        modele = entree.content_type.model_class()
        for nom, valeurs in (entree.changes or {}).items():
            champ = _champ(modele, nom)
            if champ is None or not (champ.many_to_one or champ.one_to_one) or isinstance(valeurs, dict):
                continue
            for valeur in valeurs:
                if valeur not in (None, "None", ""):
                    cles[champ.related_model].add(valeur)
    libelles = {}
    for modele, valeurs in cles.items():
        pks = []
        for valeur in valeurs:
            try:
                pks.append(modele._meta.pk.to_python(valeur))
            except ValidationError:  # written before a change of key type: shown as « n° … »
                continue
        # select_related(): the texts of placements and attributions name their participant, company and lot.
        for pk, objet_lie in modele._base_manager.select_related().in_bulk(pks).items():
            libelles[(modele, str(pk))] = str(objet_lie)
    return libelles


def _entree(entree: LogEntry, objet: models.Model, liens: dict[str, str], libelles_lies) -> Entree:
    modele = entree.content_type.model_class()
    label = f"{entree.content_type.app_label}.{entree.content_type.model}"
    propre = label == objet._meta.label_lower
    cle_parent = None if propre else liens.get(label)
    element = ""
    if not propre:
        nom_modele = capfirst(modele._meta.verbose_name) if modele else entree.content_type.name
        element = f"{nom_modele} « {entree.object_repr} »"
    changements = []
    if entree.action != LogEntry.Action.DELETE:
        for nom, valeurs in (entree.changes or {}).items():
            # A row's creation on its parent's page need not name the parent, nor anyone its own id.
            if getattr(_champ(modele, nom), "primary_key", False):
                continue
            if nom == cle_parent and entree.action == LogEntry.Action.CREATE:
                continue
            changement = _changement(modele, nom, valeurs, entree.action, libelles_lies)
            if changement is not None:
                changements.append(changement)
        changements.sort(key=lambda c: c.libelle)
    if entree.actor is not None:
        nom_auteur = str(entree.actor)
    else:
        nom_auteur = entree.actor_email or "—"
    return Entree(
        date=entree.timestamp,
        auteur=nom_auteur,
        action=ACTIONS.get(entree.action, "Modification"),
        element=element,
        changements=changements,
    )


def _changement(modele, nom: str, valeurs, action: int, libelles_lies) -> Changement | None:
    champ = _champ(modele, nom)
    libelle = capfirst(str(champ.verbose_name)) if champ is not None and hasattr(champ, "verbose_name") else nom
    if isinstance(valeurs, dict) and valeurs.get("type") == "m2m":
        objets = ", ".join(valeurs.get("objects", [])) or "—"
        operation = "ajout" if valeurs.get("operation") == "add" else "retrait"
        return Changement(libelle, texte=f"{operation} : {objets}")
    if not isinstance(valeurs, list | tuple) or len(valeurs) != 2:
        return None
    avant, apres = (valeur_lisible(champ, v, libelles_lies) for v in valeurs)
    if action == LogEntry.Action.CREATE:
        return None if apres == "—" else Changement(libelle, texte=apres)
    return Changement(libelle, avant=avant, apres=apres)


def valeur_lisible(champ, valeur, libelles_lies=None) -> str:
    """A value as django-auditlog stored it (text) → as a French reader expects it."""
    if valeur is None or valeur in ("None", ""):
        return "—"
    texte = str(valeur)
    if champ is None:
        return _court(texte)
    if getattr(champ, "choices", None):
        return str(dict((str(cle), libelle) for cle, libelle in champ.flatchoices).get(texte, texte))
    if champ.many_to_one or champ.one_to_one:
        return (libelles_lies or {}).get((champ.related_model, texte), f"n° {texte} (supprimé)")
    if isinstance(champ, models.BooleanField):
        return {"True": "oui", "False": "non"}.get(texte, texte)
    if isinstance(champ, models.DateTimeField):
        try:
            moment = dt.datetime.fromisoformat(texte)
        except ValueError:
            return texte
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=dt.UTC)  # django-auditlog stores date-times as naive UTC
        return date_format(timezone.localtime(moment), "j F Y à H:i")
    if isinstance(champ, models.DateField):
        try:
            return date_format(dt.date.fromisoformat(texte[:10]), "j F Y")
        except ValueError:
            return texte
    if isinstance(champ, models.DecimalField | models.FloatField):
        try:
            nombre = Decimal(texte)
        except InvalidOperation:
            return texte
        return f"{nombre.normalize():f}".replace(".", ",")
    if isinstance(champ, models.FileField):
        return texte.rsplit("/", 1)[-1]
    return _court(texte)


def _court(texte: str) -> str:
    return texte if len(texte) <= LONGUEUR_MAX else texte[: LONGUEUR_MAX - 1] + "…"
