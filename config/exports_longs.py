"""XLSX exports too long to be written while the browser waits: a row first, then a file written by the worker.

A list page streams its export (config.export) when it has at most EXPORT_DIRECT_MAX rows. Past that (hundreds
of thousands of participants or placements at national size: minutes of writing, beyond the web server's
timeout), the request records an ``ExportListe`` (the list, its filters and sort, who asked) and queues
``config.tasks.produire_export`` after commit. The worker claims the row with a conditional UPDATE (as
reporting.travaux does for reports), rebuilds the list as its author saw it (same view, same parameters, same
user), writes the workbook to a temporary file, then stores it. « Mes exports » shows the state and the link; only
the author may download the file.
"""

import datetime as dt
import tempfile
import uuid
from collections.abc import Iterable, Iterator

from django import forms
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import timezone
from django.utils.module_loading import import_string

from config.export import contenu_xlsx
from config.models import ExportListe, StatutExport

EXPORT_DIRECT_MAX = 20_000
# A claim older than this belongs to a worker that died: the longest export (400,000 placements) takes a few minutes.
DELAI_DE_REPRISE = dt.timedelta(minutes=30)


def demander(vue, lignes: int) -> ExportListe:
    """Record the export of ``vue``'s list as its request shows it, and queue its preparation after commit."""
    parametres = vue.request.GET.copy()
    for nom in ("format", "page"):
        parametres.pop(nom, None)
    horodatage = timezone.localtime().strftime("%Y-%m-%d")
    export = ExportListe.objects.create(
        demande_par=vue.request.user,
        vue=f"{type(vue).__module__}.{type(vue).__qualname__}",
        parametres=parametres.urlencode(),
        titre=vue.titre or vue.nom_export,
        nom_fichier=f"{vue.nom_export}-{horodatage}.xlsx",
        lignes_prevues=lignes,
    )
    from config.tasks import produire_export

    transaction.on_commit(lambda: produire_export.delay(export.pk))
    return export


def vue_de_la_liste(chemin: str) -> type:
    """The list view an export row names. A worker has not loaded the URLs, hence not the views: the module is
    imported here. ImportError for a path that leads nowhere, TypeError for one that is not a list."""
    from config.listes import VueListe

    classe = import_string(chemin)
    if not (isinstance(classe, type) and issubclass(classe, VueListe)):
        raise TypeError(f"{chemin} n'est pas une liste.")
    return classe


def filtres_lisibles(export: ExportListe) -> str:
    """The export's filters and sort as the list's filter bar names them: « Statut : En exécution · Tri : objet »."""
    try:
        classe = vue_de_la_liste(export.vue)
    except (ImportError, TypeError):
        return export.parametres
    parametres = QueryDict(export.parametres)
    champs = (
        classe.filterset_class(parametres, queryset=classe.model.objects.none()).form
        if classe.filterset_class
        else None
    )
    morceaux = []
    for nom, valeur in parametres.items():
        if not valeur or nom.startswith("recherche_"):
            continue
        if nom == "tri":
            morceaux.append(f"Tri : {valeur.lstrip('-')}{' (décroissant)' if valeur.startswith('-') else ''}")
            continue
        champ = champs.fields.get(nom) if champs else None
        if champ is None:
            continue
        libelle = valeur
        if isinstance(champ, forms.ModelChoiceField):
            objet = champ.queryset.filter(pk=valeur).first() if valeur.isdigit() else None
            libelle = champ.label_from_instance(objet) if objet else valeur
        else:
            choix = dict(getattr(champ, "choices", None) or getattr(champ.widget, "choices", None) or [])
            libelle = str(choix.get(valeur, valeur))
        morceaux.append(f"{champ.label} : {libelle}")
    return " · ".join(morceaux)


def reclamer(export_id: int) -> str | None:
    """Claim the export to prepare it; the token, or None if it is taken, done or failed."""
    jeton = uuid.uuid4().hex
    maintenant = timezone.now()
    pris = ExportListe.objects.filter(
        Q(statut=StatutExport.EN_ATTENTE) | Q(statut=StatutExport.EN_COURS, pris_le__lt=maintenant - DELAI_DE_REPRISE),
        pk=export_id,
    ).update(statut=StatutExport.EN_COURS, jeton=jeton, pris_le=maintenant)
    return jeton if pris else None


def _comptees(objets: Iterable, compteur: list[int]) -> Iterator:
    for objet in objets:
        compteur[0] += 1
        yield objet


def produire(export_id: int) -> None:
    """The task's work: claim, write the workbook as the author's list shows it, store it."""
    jeton = reclamer(export_id)
    if jeton is None:
        return
    export = ExportListe.objects.select_related("demande_par").get(pk=export_id)
    try:
        classe = vue_de_la_liste(export.vue)
        requete = RequestFactory().get("/", QueryDict(export.parametres))
        requete.user = export.demande_par
        vue = classe()
        vue.setup(requete)
        compteur = [0]
        objets = _comptees(vue.objets_a_exporter(vue.get_queryset()), compteur)
        with tempfile.TemporaryFile() as fichier:
            for morceau in contenu_xlsx(vue.titre or vue.nom_export, vue.colonnes_export, objets):
                fichier.write(morceau)
            fichier.seek(0)
            export.fichier.save(export.nom_fichier, File(fichier), save=False)
    except Exception as exc:
        ExportListe.objects.filter(pk=export_id, jeton=jeton).update(
            statut=StatutExport.ECHEC,
            message_erreur=f"L'export n'a pas pu être préparé ({type(exc).__name__}) : relancez-le depuis la liste.",
            termine_le=timezone.now(),
        )
        raise
    ecrit = ExportListe.objects.filter(pk=export_id, jeton=jeton).update(
        statut=StatutExport.PRET, fichier=export.fichier.name, lignes=compteur[0], termine_le=timezone.now()
    )
    if not ecrit:  # the claim was retaken meanwhile: this file is nobody's
        export.fichier.delete(save=False)
