"""Imports of monthly statements and of participants: upload → preview → confirmation.

The uploaded file is kept between preview and confirmation in the default storage under
imports/<uuid4>.<ext>; the session remembers which user uploaded which token, so nobody else can
confirm it. Confirmation reads and checks the file again before writing, then deletes it. The preview's report
(errors, each row's outcome) is kept next to it as imports/<uuid4>.rapport.json, also for a file with errors
(whose upload is not kept), so that the facilitator can download it whole (GET ?rapport=<uuid4>&format=csv|xlsx).
"""

import uuid

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from clauses import importation
from clauses.forms.imports import ConfirmationForm, ImportForm, ModeleForm, TelechargementRapportForm
from clauses.importation import compte_rendu, portefeuille
from config import acces
from config.export import reponse_xlsx
from config.permissions import FacilitateurRequisMixin, facilitateur_requis

CLE_SESSION = "imports_en_attente"

IMPORTS = {
    importation.RELEVE: {
        "type": importation.RELEVE,
        "titre": "Importer un relevé d'heures mensuel",
        "court": "Relevé d'heures mensuel",
        "url": "clauses:import_releve",
        "description": "Les heures réalisées chaque mois par les participants, telles que les entreprises "
        "les envoient. Une ligne par participant, entreprise et mois ; une ligne déjà importée est mise à "
        "jour, une ligne identique reste inchangée.",
        "colonnes": importation.COLONNES_RELEVE,
    },
    importation.PARTICIPANTS: {
        "type": importation.PARTICIPANTS,
        "titre": "Importer des participants",
        "court": "Participants",
        "url": "clauses:import_participants",
        "description": "Les personnes recrutées au titre des clauses. Une personne déjà enregistrée (même nom, "
        "prénom et date de naissance) est mise à jour avec les cases remplies ; une case vide ne change rien.",
        "colonnes": importation.COLONNES_PARTICIPANTS,
    },
}


# The portfolio import (clauses.views.portefeuille): its card on the imports' page and its page's words.
PORTEFEUILLE = {
    "type": "portefeuille",
    "titre": "Importer un portefeuille",
    "court": "Portefeuille complet",
    "url": "clauses:import_portefeuille",
    "description": (
        "Tout un portefeuille en un classeur : donneurs d'ordre et référents, conventions et avenants, entreprises, "
        "opérateurs, marchés, lots avec leur clause et leur objectif, attributions, participants, placements, heures "
        "mensuelles et sorties. Chaque feuille est reconnue par son nom ; chaque ligne, par sa clé (un SIRET, votre "
        "référence…) : une ligne connue met à jour la fiche, une autre la crée, rien n'est supprimé."
    ),
    "types": portefeuille.TYPES,
}

# How many rows of each part the preview page shows; the downloadable report has them all.
ERREURS_AFFICHEES = 1000
CHANGEMENTS_AFFICHES = 500


def chemin_stocke(jeton: str, ext: str) -> str:
    return f"imports/{jeton}.{ext}"


def chemin_rapport(jeton: str) -> str:
    return f"imports/{jeton}.rapport.json"


def _en_attente(request) -> dict:
    return dict(request.session.get(CLE_SESSION, {}))


def _oublier(request, jeton: str) -> None:
    attente = _en_attente(request)
    infos = attente.pop(jeton, None)
    if infos is not None:
        default_storage.delete(chemin_stocke(jeton, infos["ext"]))
        default_storage.delete(chemin_rapport(jeton))
    request.session[CLE_SESSION] = attente


@facilitateur_requis
def imports(request):
    return render(
        request,
        "clauses/imports/index.html",
        {"titre": "Imports", "imports": list(IMPORTS.values()), "portefeuille": PORTEFEUILLE},
    )


@facilitateur_requis
def modele(request):
    form = ModeleForm(request.GET)
    if not form.is_valid():
        raise Http404("Modèle inconnu.")
    type_import, format_fichier = form.cleaned_data["type"], form.cleaned_data["format"]
    reponse = HttpResponse(
        importation.fichier_modele(type_import, format_fichier), content_type=importation.CONTENT_TYPES[format_fichier]
    )
    nom = "modele-releve-heures" if type_import == importation.RELEVE else "modele-participants"
    reponse["Content-Disposition"] = f'attachment; filename="{nom}.{format_fichier}"'
    return reponse


class VueImport(FacilitateurRequisMixin, View):
    type_import: str = ""
    template_name = "clauses/imports/import.html"

    def rendre(self, form=None, rapport=None, jeton="", nom_fichier="", status=200, jeton_rapport=""):
        config = IMPORTS[self.type_import]
        contexte = {
            "titre": config["titre"],
            "config": config,
            "form": form or ImportForm(),
            "rapport": rapport,
            "jeton": jeton,
            "jeton_rapport": jeton_rapport,
            "nom_fichier": nom_fichier,
            "erreurs_affichees": ERREURS_AFFICHEES,
            "changements_affiches": CHANGEMENTS_AFFICHES,
        }
        return render(self.request, self.template_name, contexte, status=status)

    def get(self, request):
        if "rapport" in request.GET:
            return self.telecharger_rapport()
        return self.rendre()

    def post(self, request):
        if "jeton" in request.POST:
            return self.confirmer()
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.rendre(form=form)
        fichier = form.cleaned_data["fichier"]
        rapport = importation.analyser(self.type_import, fichier, fichier.name, fichier.size)
        a_confirmer = rapport.valide and rapport.a_ecrire
        jeton = ""
        if a_confirmer or rapport.erreurs or rapport.changements:
            jeton = self.stocker(fichier if a_confirmer else None, rapport)
        return self.rendre(
            rapport=rapport, jeton=jeton if a_confirmer else "", jeton_rapport=jeton, nom_fichier=fichier.name
        )

    def stocker(self, fichier, rapport) -> str:
        """Keeps the report of the preview and, when it may be confirmed, the file; returns their token."""
        # A new upload replaces the one this user left unconfirmed for the same import.
        for ancien, infos in _en_attente(self.request).items():
            if infos["type"] == self.type_import:
                _oublier(self.request, ancien)
        jeton = str(uuid.uuid4())
        ext = importation.extension(self.request.FILES["fichier"].name)
        if fichier is not None:
            fichier.seek(0)
            nom = default_storage.save(chemin_stocke(jeton, ext), fichier)
            assert nom == chemin_stocke(jeton, ext), "a fresh UUID cannot collide"
        default_storage.save(chemin_rapport(jeton), ContentFile(compte_rendu.contenu(rapport)))
        attente = _en_attente(self.request)
        attente[jeton] = {
            "user": self.request.user.pk,
            "type": self.type_import,
            "ext": ext,
            "nom": self.request.FILES["fichier"].name,
            "fichier": fichier is not None,
        }
        self.request.session[CLE_SESSION] = attente
        return jeton

    def telecharger_rapport(self):
        """The whole report of this user's last preview, as CSV or XLSX; anyone else's token answers 404."""
        form = TelechargementRapportForm(self.request.GET)
        if not form.is_valid():
            raise Http404("Rapport inconnu.")
        jeton, format_fichier = form.cleaned_data["rapport"], form.cleaned_data["format"]
        infos = _en_attente(self.request).get(jeton)
        if (
            infos is None
            or infos["user"] != self.request.user.pk
            or infos["type"] != self.type_import
            or not default_storage.exists(chemin_rapport(jeton))
        ):
            raise Http404("Ce rapport n'est plus disponible : importez le fichier de nouveau.")
        with default_storage.open(chemin_rapport(jeton), "rb") as stocke:
            donnees = stocke.read()
        nom = "rapport-import-" + ("releve" if self.type_import == importation.RELEVE else "participants")
        lignes = compte_rendu.lignes(donnees)
        # Its « Concerne » column names the people of the file.
        genre = "relevé d'heures" if self.type_import == importation.RELEVE else "participants"
        acces.document(self.request, f"Rapport d'import ({genre})", personnes=compte_rendu.personnes_nommees(lignes))
        if format_fichier == "xlsx":
            return reponse_xlsx(nom, "Rapport d'import", compte_rendu.colonnes_xlsx(), lignes)
        reponse = HttpResponse(compte_rendu.csv_(lignes), content_type=importation.CONTENT_TYPES["csv"])
        reponse["Content-Disposition"] = f'attachment; filename="{nom}.csv"'
        return reponse

    def confirmer(self):
        form = ConfirmationForm(self.request.POST)
        infos = None
        if form.is_valid():
            jeton = form.cleaned_data["jeton"]
            infos = _en_attente(self.request).get(jeton)
        if (
            infos is None
            or infos["user"] != self.request.user.pk
            or infos["type"] != self.type_import
            or not infos.get("fichier", True)
            or not default_storage.exists(chemin_stocke(jeton, infos["ext"]))
        ):
            messages.error(self.request, "Ce fichier n'est plus disponible : importez-le de nouveau.")
            return self.rendre(status=400)
        if "annuler" in self.request.POST:
            _oublier(self.request, jeton)
            messages.info(self.request, "Import annulé : rien n'a été enregistré.")
            return HttpResponseRedirect(reverse(IMPORTS[self.type_import]["url"]))
        chemin = chemin_stocke(jeton, infos["ext"])
        try:
            with default_storage.open(chemin, "rb") as fichier:
                rapport = importation.importer(
                    self.type_import, fichier, infos["nom"], default_storage.size(chemin), self.request.user
                )
        finally:
            _oublier(self.request, jeton)
        if not rapport.valide:
            messages.error(
                self.request, "Le fichier a changé de validité depuis la vérification : rien n'a été enregistré."
            )
            return self.rendre(rapport=rapport, nom_fichier=infos["nom"])
        messages.success(
            self.request,
            f"Import de « {infos['nom']} » terminé : {rapport.resume}.",
        )
        return HttpResponseRedirect(reverse("clauses:imports"))


class ImportReleve(VueImport):
    type_import = importation.RELEVE


class ImportParticipants(VueImport):
    type_import = importation.PARTICIPANTS
