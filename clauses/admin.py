"""Admin of the reference tables, the lots' clauses, participants, placements, hours and outcomes."""

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.utils.text import capfirst

from clauses import services
from clauses.forms.participants import POURQUOI_PARTICIPANT
from clauses.importation.portefeuille.travail import oublier_fichiers
from clauses.models import (
    CATEGORIE_PAR_SITUATION,
    CategorieSortie,
    ClauseInsertion,
    CorpsDEtat,
    CritereEligibilite,
    HeuresMensuelles,
    ImportPortefeuille,
    ModaliteJuridique,
    ModeleClause,
    Participant,
    Placement,
    Sortie,
)
from config import acces
from conventions.admin import filtre_titre
from entreprises.models import TYPES_PRESCRIPTEURS, Operateur
from marches.admin import format_heures, somme_heures

# --- Reference tables -----------------------------------------------------------------------------------


class CodeFigeMixin:
    """Codes are what the code and the migrations refer to: set once, then only the labels change."""

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + ("code",) if obj is not None else readonly


@admin.register(ModaliteJuridique)
class ModaliteJuridiqueAdmin(CodeFigeMixin, admin.ModelAdmin):
    list_display = ("libelle", "article", "code", "ordre", "nombre_clauses")
    list_editable = ("ordre",)
    search_fields = ("libelle", "article", "code")
    fields = ("libelle", "article", "code", "ordre")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(nb_clauses=Count("clauses", distinct=True))

    @admin.display(description="clauses", ordering="nb_clauses")
    def nombre_clauses(self, obj: ModaliteJuridique) -> int:
        return obj.nb_clauses


@admin.register(CritereEligibilite)
class CritereEligibiliteAdmin(CodeFigeMixin, admin.ModelAdmin):
    list_display = ("libelle", "code", "ordre", "nombre_participants")
    list_editable = ("ordre",)
    search_fields = ("libelle", "code")
    fields = ("libelle", "code", "ordre")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(nb_participants=Count("participants", distinct=True))

    @admin.display(description="participants", ordering="nb_participants")
    def nombre_participants(self, obj: CritereEligibilite) -> int:
        return obj.nb_participants


@admin.register(CorpsDEtat)
class CorpsDEtatAdmin(admin.ModelAdmin):
    list_display = ("libelle", "part_main_oeuvre", "actif", "ordre")
    list_editable = ("part_main_oeuvre", "actif", "ordre")
    list_filter = ("actif",)
    search_fields = ("libelle",)
    ordering = ("ordre", "libelle")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "part_main_oeuvre":
            # Edited in the list: a percentage needs a narrow box.
            kwargs["widget"] = forms.NumberInput(attrs={"class": "champ-pourcentage"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# --- Clauses --------------------------------------------------------------------------------------------


class ClauseInsertionForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "part_main_oeuvre" in self.fields:
            self.fields["part_main_oeuvre"].required = False
            self.fields["part_main_oeuvre"].help_text = "Laisser vide pour reprendre la part du corps d'état choisi."

    def clean(self):
        cleaned_data = super().clean()
        corps = cleaned_data.get("corps_d_etat")
        if cleaned_data.get("part_main_oeuvre") is None and "part_main_oeuvre" not in self.errors:
            if corps is not None:
                cleaned_data["part_main_oeuvre"] = corps.part_main_oeuvre
            else:
                self.add_error("part_main_oeuvre", "Indiquez la part de main-d'œuvre ou choisissez un corps d'état.")
        return cleaned_data


@admin.register(ClauseInsertion)
class ClauseInsertionAdmin(admin.ModelAdmin):
    form = ClauseInsertionForm
    list_display = (
        "lot",
        "marche",
        "corps_d_etat",
        "montant_ht",
        "part_main_oeuvre",
        "taux_insertion",
        "cout_horaire",
        "heures_calculees",
        "heures_forcees",
        "objectif_retenu",
    )
    list_select_related = ("lot__marche", "corps_d_etat")
    list_filter = (
        "modalites",
        "corps_d_etat",
        ("heures_forcees", filtre_titre("objectif forcé", admin.EmptyFieldListFilter)),
        ("lot__marche__donneur_d_ordre__type", filtre_titre("type de donneur d'ordre")),
    )
    search_fields = (
        "lot__intitule",
        "lot__marche__objet",
        "lot__marche__reference",
        "lot__marche__donneur_d_ordre__nom",
    )
    autocomplete_fields = ("lot",)
    fieldsets = (
        (None, {"fields": ("lot", "modalites")}),
        (
            "Calcul de l'objectif d'heures",
            {
                "description": "Heures = montant HT × part de main-d'œuvre × taux d'insertion ÷ coût horaire.",
                "fields": (
                    "corps_d_etat",
                    "montant_ht",
                    ("part_main_oeuvre", "taux_insertion", "cout_horaire"),
                    ("heures_calculees", "heures_forcees"),
                    "motif_forcage",
                    "part_qpv_minimum",
                ),
            },
        ),
        ("Suivi", {"fields": (("cree_le", "modifie_le"),)}),
    )
    readonly_fields = ("heures_calculees", "cree_le", "modifie_le")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lot__marche", "corps_d_etat").with_heures_objectif()

    def save_model(self, request, obj, form, change):
        super().save_model(request, services.calculer_objectif(obj), form, change)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "modalites":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="marché", ordering="lot__marche__objet")
    def marche(self, obj: ClauseInsertion):
        return obj.lot.marche

    @admin.display(description="objectif retenu (h)", ordering="objectif")
    def objectif_retenu(self, obj: ClauseInsertion) -> int:
        return obj.heures_objectif


# --- Participants ---------------------------------------------------------------------------------------


class PlacementDuParticipantInline(admin.TabularInline):
    """The participant's path, read-only: placements are entered on their own page."""

    model = Placement
    fields = ("attribution", "modalite", "type_contrat", "date_debut", "date_fin")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False
    verbose_name_plural = "parcours (placements)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("attribution__entreprise", "attribution__lot")


class ParticipantForm(forms.ModelForm):
    class Meta:
        help_texts = POURQUOI_PARTICIPANT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        champ = self.fields.get("prescripteur")
        if champ is not None:
            # Prescribers only, plus whatever an import may already have recorded.
            champ.queryset = Operateur.objects.filter(
                Q(type__in=TYPES_PRESCRIPTEURS) | Q(pk=self.instance.prescripteur_id)
            )


class ConsultationJournaliseeMixin:
    """A change page shows a person's file, as the dashboard's pages do: its views go to the log of who read which
    personal data (config.acces)."""

    def reference_consultee(self, objet) -> str:
        raise NotImplementedError

    def change_view(self, request, object_id, form_url="", extra_context=None):
        reponse = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        if request.method == "GET" and reponse.status_code == 200:
            objet = self.get_object(request, object_id)  # type: ignore[attr-defined]
            if objet is not None:
                reference = self.reference_consultee(objet)
                libelle = capfirst(objet._meta.verbose_name)
                acces.fiche(request, objet, reference, f"{libelle} n° {objet.pk} ({reference}), administration")
        return reponse


@admin.register(Participant)
class ParticipantAdmin(ConsultationJournaliseeMixin, admin.ModelAdmin):
    form = ParticipantForm
    list_display = (
        "reference",
        "nom",
        "prenom",
        "genre",
        "commune",
        "reside_qpv",
        "niveau_qualification",
        "prescripteur",
        "nombre_placements",
    )
    list_display_links = ("reference", "nom")
    list_select_related = ("prescripteur",)
    list_filter = (
        "genre",
        "reside_qpv",
        "niveau_qualification",
        "criteres",
        ("prescripteur__type", filtre_titre("type de prescripteur")),
    )
    search_fields = ("nom", "prenom", "=reference", "identifiant_france_travail")
    fieldsets = (
        ("Identité", {"fields": ("reference", ("nom", "prenom"), "date_naissance", "genre")}),
        ("Résidence", {"fields": (("commune", "code_postal"), ("reside_qpv", "qpv"))}),
        (
            "Parcours",
            {
                "fields": (
                    "niveau_qualification",
                    "criteres",
                    "prescripteur",
                    "identifiant_france_travail",
                    "date_orientation",
                )
            },
        ),
        ("Contact", {"fields": ("telephone", "email")}),
        ("Notice d'information", {"fields": (("notice_remise_le", "notice_mode_remise"),)}),
        ("Notes", {"fields": ("notes", ("cree_le", "modifie_le"))}),
        (
            "Anonymisation",
            {"fields": (("anonymise_le", "anonymise_par"), "cause_anonymisation", "motif_anonymisation")},
        ),
    )
    readonly_fields = (
        "reference",
        "cree_le",
        "modifie_le",
        "anonymise_le",
        "anonymise_par",
        "cause_anonymisation",
        "motif_anonymisation",
    )
    inlines = (PlacementDuParticipantInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(nb_placements=Count("placements", distinct=True))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "criteres":
            # A dozen long labels: checkboxes show them whole, where filter_horizontal cuts them.
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="placements", ordering="nb_placements")
    def nombre_placements(self, obj: Participant) -> int:
        return obj.nb_placements

    def reference_consultee(self, objet: Participant) -> str:
        return objet.reference


# --- Placements, hours and outcomes ----------------------------------------------------------------------


class HeuresMensuellesForm(forms.ModelForm):
    def clean_mois(self):
        # Hours are counted per calendar month: any day of the month stands for the month.
        mois = self.cleaned_data["mois"]
        return mois.replace(day=1) if mois else mois


class HeuresMensuellesInline(admin.TabularInline):
    model = HeuresMensuelles
    form = HeuresMensuellesForm
    fields = ("mois", "heures", "source", "saisi_par", "modifie_le")
    readonly_fields = ("saisi_par", "modifie_le")
    ordering = ("mois",)
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("saisi_par")


class SortieInline(admin.TabularInline):
    model = Sortie
    fields = ("moment", "date_constat", "situation", "employeur", "commentaire")
    extra = 0
    max_num = len(Sortie._meta.get_field("moment").choices)


@admin.register(Placement)
class PlacementAdmin(ConsultationJournaliseeMixin, admin.ModelAdmin):
    list_display = (
        "participant",
        "entreprise",
        "lot",
        "modalite",
        "type_contrat",
        "date_debut",
        "date_fin",
        "heures_realisees",
    )
    list_select_related = ("participant", "attribution__entreprise", "attribution__lot")
    list_filter = ("modalite", "type_contrat", ("operateur__type", filtre_titre("type d'opérateur")))
    search_fields = (
        "participant__nom",
        "participant__prenom",
        "=participant__reference",
        "attribution__entreprise__raison_sociale",
        "attribution__lot__intitule",
        "attribution__lot__marche__objet",
    )
    autocomplete_fields = ("participant", "attribution", "operateur")
    fieldsets = (
        (None, {"fields": ("participant", "attribution", "modalite", "operateur", "type_contrat", "poste")}),
        ("Durée", {"fields": (("date_debut", "date_fin_prevue", "date_fin"), "duree_hebdomadaire")}),
        ("Résidence à l'embauche", {"fields": ("reside_qpv",)}),
        ("Notes", {"fields": ("notes", "heures_realisees", ("cree_le", "modifie_le"))}),
    )
    readonly_fields = ("heures_realisees", "cree_le", "modifie_le")
    inlines = (HeuresMensuellesInline, SortieInline)

    def get_readonly_fields(self, request, obj=None):
        # A new placement takes the participant's file as its residence at hiring (Placement.save): until then the
        # field has no value to show, only what it will be.
        return self.readonly_fields if obj is not None else (*self.readonly_fields, "residence_a_l_embauche")

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return self.fieldsets
        return tuple(
            (titre, {**options, "fields": ("residence_a_l_embauche",)})
            if "reside_qpv" in options["fields"]
            else (titre, options)
            for titre, options in self.fieldsets
        )

    @admin.display(description="résidait en QPV à l'embauche")
    def residence_a_l_embauche(self, obj):
        return "Repris du dossier du participant à l'enregistrement du placement."

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("participant", "attribution__entreprise", "attribution__lot")
            .annotate(total_heures=somme_heures("heures__heures"))
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not HeuresMensuelles:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for heures in instances:
            heures.saisi_par = request.user
            heures.save()
        formset.save_m2m()

    def reference_consultee(self, objet: Placement) -> str:
        return objet.participant.reference

    @admin.display(description="entreprise", ordering="attribution__entreprise__raison_sociale")
    def entreprise(self, obj: Placement):
        return obj.attribution.entreprise

    @admin.display(description="lot", ordering="attribution__lot__intitule")
    def lot(self, obj: Placement):
        return obj.attribution.lot

    @admin.display(description="heures réalisées", ordering="total_heures")
    def heures_realisees(self, obj: Placement) -> str | None:
        return format_heures(getattr(obj, "total_heures", None))


class ParticipantEntrepriseDuPlacementMixin:
    @admin.display(description="participant", ordering="placement__participant__nom")
    def participant(self, obj):
        return obj.placement.participant

    @admin.display(description="entreprise", ordering="placement__attribution__entreprise__raison_sociale")
    def entreprise(self, obj):
        return obj.placement.attribution.entreprise


@admin.register(HeuresMensuelles)
class HeuresMensuellesAdmin(ParticipantEntrepriseDuPlacementMixin, admin.ModelAdmin):
    form = HeuresMensuellesForm
    # The placement split in two: its full label is too long for a column.
    list_display = ("participant", "entreprise", "mois_affiche", "heures", "source", "saisi_par", "modifie_le")
    list_select_related = ("placement__participant", "placement__attribution__entreprise", "saisi_par")
    list_filter = ("source",)
    date_hierarchy = "mois"
    search_fields = (
        "placement__participant__nom",
        "placement__participant__prenom",
        "=placement__participant__reference",
        "placement__attribution__entreprise__raison_sociale",
    )
    autocomplete_fields = ("placement",)
    fields = ("placement", "mois", "heures", "source", "saisi_par", "modifie_le")
    readonly_fields = ("saisi_par", "modifie_le")

    def save_model(self, request, obj, form, change):
        obj.saisi_par = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="mois", ordering="mois")
    def mois_affiche(self, obj: HeuresMensuelles) -> str:
        return f"{obj.mois:%m/%Y}"


class CategorieSortieFilter(admin.SimpleListFilter):
    title = "catégorie"
    parameter_name = "categorie"

    def lookups(self, request, model_admin):
        return CategorieSortie.choices

    def queryset(self, request, queryset):
        if self.value() in CategorieSortie.values:
            situations = [s for s, categorie in CATEGORIE_PAR_SITUATION.items() if categorie == self.value()]
            return queryset.filter(situation__in=situations)
        return queryset


@admin.register(Sortie)
class SortieAdmin(ParticipantEntrepriseDuPlacementMixin, admin.ModelAdmin):
    list_display = ("participant", "entreprise", "situation", "categorie", "moment", "date_constat", "employeur")
    list_select_related = ("placement__participant", "placement__attribution__entreprise")
    list_filter = (CategorieSortieFilter, "situation", "moment")
    date_hierarchy = "date_constat"
    search_fields = (
        "placement__participant__nom",
        "placement__participant__prenom",
        "=placement__participant__reference",
        "employeur",
    )
    autocomplete_fields = ("placement",)
    fields = ("placement", "moment", "date_constat", "situation", "categorie", "employeur", "commentaire")
    readonly_fields = ("categorie",)

    def get_queryset(self, request):
        return super().get_queryset(request).with_categorie()

    @admin.display(description="catégorie", ordering="categorie_code")
    def categorie(self, obj: Sortie) -> str | None:
        return obj.categorie.label if obj.situation else None


# --- Clause text templates ------------------------------------------------------------------------------


@admin.register(ModeleClause)
class ModeleClauseAdmin(CodeFigeMixin, admin.ModelAdmin):
    list_display = ("titre", "destination", "modalite", "actif", "code")
    list_filter = ("destination", "modalite", "actif")
    list_select_related = ("modalite",)
    search_fields = ("titre", "code", "texte")
    fields = ("titre", "code", "destination", "modalite", "actif", "texte")
    prepopulated_fields = {"code": ("titre",)}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "texte":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 24, "cols": 100})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_prepopulated_fields(self, request, obj=None):
        # The code is read-only once set: a prepopulated read-only field would break the admin page.
        return {} if obj is not None else self.prepopulated_fields


@admin.register(ImportPortefeuille)
class ImportPortefeuilleAdmin(admin.ModelAdmin):
    """Portfolio imports run by the worker: to follow them and delete the old ones (their files go with them)."""

    list_display = ["nom_fichier", "demande_par", "cree_le", "statut", "resultat"]
    list_filter = ["statut"]
    search_fields = ["nom_fichier", "demande_par__email"]

    def delete_model(self, request, obj):
        oublier_fichiers(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for import_ in queryset:
            oublier_fichiers(import_)
        super().delete_queryset(request, queryset)
