"""Admin of marchés, lots and attributions.

The realised hours live in the clauses app (placements, monthly hours); they are reached here through
reverse lookups by name, so that marches never imports clauses.
"""

from decimal import Decimal

from django.contrib import admin
from django.contrib.admin.widgets import AdminTextareaWidget
from django.db import models
from django.db.models import Case, Count, F, FloatField, Sum, Value, When
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html

from conventions.admin import filtre_titre
from marches.models import Attribution, Lot, Marche, PropositionAttribution

HEURES = models.DecimalField(max_digits=12, decimal_places=2)


def somme_heures(chemin: str) -> Coalesce:
    """Sum of monthly hours reached through ``chemin`` (0 when there are none), computed in the database."""
    return Coalesce(Sum(chemin), Value(Decimal("0")), output_field=HEURES)


def format_heures(valeur: Decimal | int | None) -> str | None:
    """Hours in French notation (« 1 250,5 »), the same in a list column and in a read-only field."""
    if valeur is None:
        return None
    valeur = Decimal(valeur)
    if valeur == valeur.to_integral_value():
        return number_format(int(valeur), force_grouping=True)
    return number_format(valeur.quantize(Decimal("0.01")), 2, force_grouping=True)


class LotInline(admin.TabularInline):
    model = Lot
    fields = ("numero", "intitule", "montant_ht", "date_debut", "date_fin")
    extra = 0
    show_change_link = True


@admin.register(Marche)
class MarcheAdmin(admin.ModelAdmin):
    list_display = ("objet", "donneur_d_ordre", "statut", "facilitateur", "montant_estime_ht", "nombre_lots")
    list_select_related = ("donneur_d_ordre", "facilitateur")
    list_filter = (
        "statut",
        "type",
        "avis_faisabilite",
        "formation_amont",
        "facilitateur",
        ("donneur_d_ordre__type", filtre_titre("type de donneur d'ordre")),
    )
    search_fields = ("objet", "reference", "donneur_d_ordre__nom")
    autocomplete_fields = ("donneur_d_ordre", "facilitateur")
    fieldsets = (
        (
            "Identification",
            {
                "fields": (
                    "donneur_d_ordre",
                    "objet",
                    "reference",
                    ("type", "statut"),
                    "origine",
                    "facilitateur",
                    "montant_estime_ht",
                    "maitre_oeuvre",
                    "contact",
                )
            },
        ),
        (
            "Avant attribution : faisabilité",
            {
                "fields": (
                    "avis_faisabilite",
                    "faisabilite_cout",
                    "faisabilite_duree",
                    "faisabilite_technicite",
                    "formation_amont",
                    "formation_amont_notes",
                )
            },
        ),
        (
            "Calendrier",
            {
                "fields": (
                    ("date_publication", "date_remise_offres"),
                    "date_attribution",
                    ("date_debut_prevue", "date_fin_prevue"),
                )
            },
        ),
        (
            "Demande du donneur d'ordre",
            {"fields": (("declare_par", "declare_le"), "message_donneur", "pris_en_charge_le")},
        ),
        ("Notes", {"fields": ("notes", ("cree_le", "modifie_le"))}),
    )
    readonly_fields = ("cree_le", "modifie_le", "declare_par", "declare_le")
    formfield_overrides = {models.TextField: {"widget": AdminTextareaWidget(attrs={"rows": 3})}}
    inlines = (LotInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(nb_lots=Count("lots", distinct=True))

    @admin.display(description="lots", ordering="nb_lots")
    def nombre_lots(self, obj: Marche) -> int:
        return obj.nb_lots


class AttributionInline(admin.TabularInline):
    model = Attribution
    fields = ("entreprise", "role", "montant_ht", "heures_objectif", "date_notification", "date_debut", "date_fin")
    autocomplete_fields = ("entreprise",)
    extra = 0
    show_change_link = True


class ClauseFilter(admin.SimpleListFilter):
    title = "clause d'insertion"
    parameter_name = "clause"

    def lookups(self, request, model_admin):
        return (("oui", "Avec clause"), ("non", "Sans clause"))

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(clause__isnull=False)
        if self.value() == "non":
            return queryset.filter(clause__isnull=True)
        return queryset


@admin.register(Lot)
class LotAdmin(admin.ModelAdmin):
    list_display = (
        "numero",
        "intitule",
        "marche",
        "montant_ht",
        "date_debut",
        "date_fin",
        "heures_objectif",
        "heures_realisees",
        "avancement",
    )
    list_display_links = ("numero", "intitule")
    list_select_related = ("marche",)
    list_filter = (
        ClauseFilter,
        ("marche__statut", filtre_titre("statut du marché")),
        ("marche__donneur_d_ordre__type", filtre_titre("type de donneur d'ordre")),
    )
    search_fields = ("intitule", "numero", "marche__objet", "marche__reference", "marche__donneur_d_ordre__nom")
    autocomplete_fields = ("marche",)
    fields = (
        "marche",
        ("numero", "intitule"),
        "montant_ht",
        ("date_debut", "date_fin"),
        "lien_clause",
        ("heures_objectif", "heures_realisees", "avancement"),
    )
    readonly_fields = ("lien_clause", "heures_objectif", "heures_realisees", "avancement")
    inlines = (AttributionInline,)

    def get_queryset(self, request):
        objectif = Coalesce("clause__heures_forcees", "clause__heures_calculees")
        return (
            super()
            .get_queryset(request)
            .select_related("marche", "clause")
            .annotate(total_heures_realisees=somme_heures("attributions__placements__heures__heures"))
            .annotate(objectif_heures=objectif)
            .annotate(
                taux_avancement=Case(
                    When(
                        objectif_heures__gt=0,
                        then=Cast(F("total_heures_realisees"), FloatField()) * 100.0 / Cast(objectif, FloatField()),
                    ),
                    default=None,
                    output_field=FloatField(),
                )
            )
            # Meta.ordering is dropped from GROUP BY queries: without it, the autocomplete pages at random.
            .order_by("marche", "numero")
        )

    def get_fields(self, request, obj=None):
        # The clause and the hours exist once the lot does.
        return self.fields if obj is not None else self.fields[:4]

    @admin.display(description="objectif (h)", ordering="objectif_heures")
    def heures_objectif(self, obj: Lot) -> str | None:
        return format_heures(getattr(obj, "objectif_heures", None))

    @admin.display(description="réalisées (h)", ordering="total_heures_realisees")
    def heures_realisees(self, obj: Lot) -> str | None:
        return format_heures(getattr(obj, "total_heures_realisees", None))

    @admin.display(description="avancement", ordering="taux_avancement")
    def avancement(self, obj: Lot) -> str | None:
        objectif = getattr(obj, "objectif_heures", None)
        if not objectif:
            return None
        return f"{number_format(obj.total_heures_realisees * 100 / objectif, 0)} %"

    @admin.display(description="clause d'insertion")
    def lien_clause(self, obj: Lot) -> str:
        clause = getattr(obj, "clause", None)
        if clause is None:
            url = reverse("admin:clauses_clauseinsertion_add") + f"?lot={obj.pk}"
            return format_html('<a href="{}">Définir la clause de ce lot</a>', url)
        url = reverse("admin:clauses_clauseinsertion_change", args=[clause.pk])
        return format_html('<a href="{}">Voir la clause</a>', url)


@admin.register(Attribution)
class AttributionAdmin(admin.ModelAdmin):
    list_display = ("entreprise", "lot", "marche", "role", "montant_ht", "heures_objectif", "heures_realisees")
    list_select_related = ("entreprise", "lot__marche")
    list_filter = (
        "role",
        ("lot__marche__statut", filtre_titre("statut du marché")),
        ("lot__marche__donneur_d_ordre__type", filtre_titre("type de donneur d'ordre")),
    )
    search_fields = (
        "entreprise__raison_sociale",
        "entreprise__siret",
        "lot__intitule",
        "lot__marche__objet",
        "lot__marche__donneur_d_ordre__nom",
    )
    autocomplete_fields = ("lot", "entreprise")
    fieldsets = (
        (None, {"fields": ("lot", "entreprise", "role", "montant_ht", "heures_objectif", "heures_realisees")}),
        ("Dates", {"fields": ("date_notification", ("date_debut", "date_fin"))}),
        ("Contact pour la clause", {"fields": ("contact_nom", "contact_email", "contact_telephone")}),
    )
    readonly_fields = ("heures_realisees",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("entreprise", "lot__marche")
            .annotate(total_heures_realisees=somme_heures("placements__heures__heures"))
        )

    @admin.display(description="marché", ordering="lot__marche__objet")
    def marche(self, obj: Attribution) -> Marche:
        return obj.lot.marche

    @admin.display(description="heures réalisées", ordering="total_heures_realisees")
    def heures_realisees(self, obj: Attribution) -> str | None:
        return format_heures(getattr(obj, "total_heures_realisees", None))


@admin.register(PropositionAttribution)
class PropositionAttributionAdmin(admin.ModelAdmin):
    """Proposals are decided on the marché's page, where accepting also writes the company and attribution;
    the admin only corrects a row by hand."""

    list_display = ("raison_sociale", "siret", "lot", "marche", "statut", "envoye_le", "traite_le")
    list_select_related = ("lot", "marche")
    list_filter = ("statut", "corrigee")
    search_fields = ("raison_sociale", "siret", "marche__objet", "marche__donneur_d_ordre__nom")
    date_hierarchy = "envoye_le"
    fieldsets = (
        (None, {"fields": ("marche", "lot", "statut")}),
        ("Entreprise", {"fields": ("siret", "raison_sociale")}),
        ("Contact", {"fields": ("contact_nom", "contact_email", "contact_telephone")}),
        ("Calendrier prévisionnel", {"fields": (("date_debut", "date_fin"),)}),
        ("Envoi", {"fields": (("envoye_par", "envoye_le"),)}),
        ("Décision", {"fields": (("traite_par", "traite_le"), "corrigee", "motif", "attribution")}),
    )
    autocomplete_fields = ("marche", "lot", "attribution")
    raw_id_fields = ("envoye_par", "traite_par")
    readonly_fields = ("envoye_le", "traite_le")
