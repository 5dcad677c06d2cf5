from django import forms
from django.contrib import admin
from django.core.validators import EMPTY_VALUES
from django.db.models import Count

from entreprises.models import TYPES_PRESCRIPTEURS, TYPES_SIAE, Entreprise, Operateur
from entreprises.validators import normaliser_siret


class SiretFormField(forms.CharField):
    """Accepts a SIRET as people paste it (« 356 000 000 00048 ») and hands the model its 14 digits.

    The model validators (length, check key) then run on the normalised value in ``full_clean``.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value in EMPTY_VALUES:
            return value
        return normaliser_siret(value)


class SiretAdminMixin:
    """For models with a ``siret`` field: tolerant input, and a search that ignores spaces in a SIRET."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "siret":
            kwargs["form_class"] = SiretFormField
            kwargs["max_length"] = 20
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        chiffres = normaliser_siret(search_term)
        if len(chiffres) >= 3 and chiffres.isdigit() and chiffres != search_term.strip():
            return queryset.filter(siret__startswith=chiffres), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Entreprise)
class EntrepriseAdmin(SiretAdminMixin, admin.ModelAdmin):
    list_display = ("raison_sociale", "siret", "naf", "commune", "contact_nom", "contact_email", "nombre_attributions")
    list_filter = ("commune",)
    search_fields = ("raison_sociale", "siret", "commune", "contact_nom")
    fieldsets = (
        (None, {"fields": ("raison_sociale", "siret", "naf")}),
        ("Adresse", {"fields": ("adresse", ("code_postal", "commune"))}),
        ("Contact", {"fields": ("contact_nom", "contact_email", "contact_telephone")}),
        ("Notes", {"fields": ("notes", ("cree_le", "modifie_le"))}),
    )
    readonly_fields = ("cree_le", "modifie_le")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(nb_attributions=Count("attributions", distinct=True))

    @admin.display(description="lots attribués", ordering="nb_attributions")
    def nombre_attributions(self, obj: Entreprise) -> int:
        return obj.nb_attributions


class FamilleOperateurFilter(admin.SimpleListFilter):
    title = "famille"
    parameter_name = "famille"

    def lookups(self, request, model_admin):
        return (("siae", "SIAE (ETTI, AI, EI, ACI)"), ("prescripteurs", "Prescripteurs"), ("autres", "Autres"))

    def queryset(self, request, queryset):
        if self.value() == "siae":
            return queryset.filter(type__in=TYPES_SIAE)
        if self.value() == "prescripteurs":
            return queryset.filter(type__in=TYPES_PRESCRIPTEURS)
        if self.value() == "autres":
            return queryset.exclude(type__in=TYPES_SIAE | TYPES_PRESCRIPTEURS)
        return queryset


@admin.register(Operateur)
class OperateurAdmin(SiretAdminMixin, admin.ModelAdmin):
    list_display = ("nom", "type", "commune", "contact_nom", "telephone", "email", "actif")
    list_filter = (FamilleOperateurFilter, "type", "actif", "commune")
    search_fields = ("nom", "siret", "commune", "contact_nom", "metiers")
    fieldsets = (
        (None, {"fields": ("nom", "type", "siret", "actif")}),
        ("Adresse", {"fields": ("adresse", ("code_postal", "commune"))}),
        ("Contact", {"fields": ("contact_nom", "email", "telephone")}),
        ("Activité", {"fields": ("metiers", ("cree_le", "modifie_le"))}),
    )
    readonly_fields = ("cree_le", "modifie_le")
