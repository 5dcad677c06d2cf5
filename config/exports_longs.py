"""XLSX exports too long to be written while the browser waits: a row first, then a file written by the worker.

A list page streams its export (config.export) when it has at most EXPORT_DIRECT_MAX rows. Past that (hundreds
of thousands of participants or placements at national size: minutes of writing, beyond the web server's
timeout), the request records an ``ExportListe`` (the list, its filters and sort, who asked: ``enregistrer``) and
queues ``config.tasks.produire_export`` after commit (``config.listes.demander_export``). The worker claims the row
with a conditional UPDATE (as reporting.travaux does for reports), builds the list's ``DefinitionListe`` for its
author with the same parameters, checks that the author may still read the list (they may have lost the
facilitator role since), writes the workbook to a temporary file, checks again, then stores it. « Mes exports »
shows the state and the link; only the author may download the file.

A broker down when the request commits leaves the row « en attente », never queued: « Reprise des travaux
interrompus » (reporting.travaux) queues it once the broker is back, and a row left by a dead worker too.

Nothing here imports the list pages nor the task: pages → ``config.listes`` → this module →
``config.definition_liste``.
"""

import datetime as dt
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from functools import partial

from django import forms
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

from config import travaux
from config.definition_liste import DefinitionListe, definition_nommee
from config.export import contenu_xlsx
from config.models import ExportListe, StatutExport

EXPORT_DIRECT_MAX = 20_000
TACHE = "config.tasks.produire_export"
# A claim not refreshed for this long belongs to a worker that died: the worker beats while it writes
# (config.travaux.battement), so a long export that is alive is never retaken.
DELAI_DE_REPRISE = travaux.DELAI_DE_REPRISE
REFUS = "Vous n'avez plus accès à cette liste : l'export n'a pas été préparé."


def enregistrer(utilisateur, vue: str, liste: DefinitionListe, parametres: QueryDict, lignes: int) -> ExportListe:
    """The row of a long export of ``liste``, as the page at path ``vue`` shows it with ``parametres``."""
    parametres = parametres.copy()
    for nom in ("format", "page"):
        parametres.pop(nom, None)
    horodatage = timezone.localtime().strftime("%Y-%m-%d")
    return ExportListe.objects.create(
        demande_par=utilisateur,
        vue=vue,
        parametres=parametres.urlencode(),
        titre=liste.titre or liste.nom_export,
        nom_fichier=f"{liste.nom_export}-{horodatage}.xlsx",
        lignes_prevues=lignes,
    )


def filtres_lisibles(export: ExportListe) -> str:
    """The export's filters and sort as the list's filter bar names them: « Statut : En exécution · Tri : objet »."""
    try:
        definition = definition_nommee(export.vue)
    except (ImportError, TypeError):
        return export.parametres
    parametres = QueryDict(export.parametres)
    champs = (
        definition.filterset_class(parametres, queryset=definition.model.objects.none()).form
        if definition.filterset_class
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


def a_reprendre(maintenant: dt.datetime, limite: int) -> list[int]:
    """Exports the reprise queues again: never queued (the broker was down), lost, or left by a dead worker."""
    abandonnes = ExportListe.objects.filter(statut=StatutExport.EN_COURS, pris_le__lt=maintenant - DELAI_DE_REPRISE)
    lignes = travaux.a_remettre_en_file(ExportListe, StatutExport.EN_ATTENTE, maintenant) | abandonnes
    return list(lignes.order_by("cree_le").values_list("pk", flat=True)[:limite])


def reclamer(export_id: int) -> str | None:
    """Claim the export to prepare it; the token, or None if it is taken, done or failed."""
    jeton = uuid.uuid4().hex
    maintenant = timezone.now()
    pris = ExportListe.objects.filter(
        Q(statut=StatutExport.EN_ATTENTE) | Q(statut=StatutExport.EN_COURS, pris_le__lt=maintenant - DELAI_DE_REPRISE),
        pk=export_id,
    ).update(statut=StatutExport.EN_COURS, jeton=jeton, pris_le=maintenant)
    return jeton if pris else None


def _comptees(objets: Iterable, compteur: list[int], personnes: set[int] | None = None, champ: str = "") -> Iterator:
    for objet in objets:
        compteur[0] += 1
        if personnes is not None and (personne := getattr(objet, champ, None)) is not None:
            personnes.add(personne)
        yield objet


def supprimer_exports_citant(personnes: Iterable[int]) -> int:
    """Delete the exports whose workbook names one of these participants (they are being anonymised), their files
    once the transaction commits; how many."""
    ids = list(personnes)
    if not ids:
        return 0
    exports = list(ExportListe.objects.filter(personnes__overlap=ids))
    for export in exports:
        if export.fichier:
            transaction.on_commit(partial(export.fichier.storage.delete, export.fichier.name))
    ExportListe.objects.filter(pk__in=[e.pk for e in exports]).delete()
    return len(exports)


def _auteur_autorise(export: ExportListe, definition: type[DefinitionListe]) -> bool:
    """Whether the author may read the list now (the user row read again: a role removed meanwhile counts)."""
    export.demande_par.refresh_from_db()
    return definition.autorise(export.demande_par)


def _echec(export_id: int, jeton: str, message: str) -> None:
    ExportListe.objects.filter(pk=export_id, jeton=jeton).update(
        statut=StatutExport.ECHEC, message_erreur=message, termine_le=timezone.now()
    )


def produire(export_id: int) -> None:
    """The task's work: claim, write the workbook as the author's list shows it, store it."""
    jeton = reclamer(export_id)
    if jeton is None:
        return
    export = ExportListe.objects.select_related("demande_par").get(pk=export_id)
    with travaux.battement(ExportListe, export_id, jeton):
        _ecrire(export, jeton)


def _ecrire(export: ExportListe, jeton: str) -> None:
    export_id = export.pk
    try:
        definition = definition_nommee(export.vue)
        if not _auteur_autorise(export, definition):
            _echec(export_id, jeton, REFUS)
            return
        liste = definition(export.demande_par, QueryDict(export.parametres))
        compteur = [0]
        # The people the workbook names, recorded with it so that it is deleted when one of them is anonymised.
        personnes: set[int] | None = set() if definition.champ_personne else None
        objets = _comptees(liste.objets_a_exporter(liste.queryset()), compteur, personnes, definition.champ_personne)
        with tempfile.TemporaryFile() as fichier:
            for morceau in contenu_xlsx(liste.titre or liste.nom_export, liste.colonnes_export, objets):
                fichier.write(morceau)
            # Minutes may have passed while writing: the author must still have the right before the file is kept.
            if not _auteur_autorise(export, definition):
                _echec(export_id, jeton, REFUS)
                return
            fichier.seek(0)
            export.fichier.save(export.nom_fichier, File(fichier), save=False)
    except Exception as exc:
        _echec(
            export_id,
            jeton,
            f"L'export n'a pas pu être préparé ({type(exc).__name__}) : relancez-le depuis la liste.",
        )
        raise
    ecrit = ExportListe.objects.filter(pk=export_id, jeton=jeton).update(
        statut=StatutExport.PRET,
        fichier=export.fichier.name,
        lignes=compteur[0],
        personnes=sorted(personnes or ()),
        termine_le=timezone.now(),
    )
    if not ecrit:  # the claim was retaken meanwhile: this file is nobody's
        export.fichier.delete(save=False)
