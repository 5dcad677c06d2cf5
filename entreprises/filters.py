import django_filters
from django import forms

from entreprises.models import Entreprise, Operateur, TypeOperateur


class EntrepriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="filtrer_recherche")
    commune = django_filters.CharFilter(label="Commune", lookup_expr="icontains")
    naf = django_filters.CharFilter(label="Code NAF", lookup_expr="istartswith")

    class Meta:
        model = Entreprise
        fields = ["q", "commune", "naf"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs["placeholder"] = "Raison sociale ou SIRET"
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def filtrer_recherche(self, queryset, name, value):
        return queryset.recherche(value)


class OperateurFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="filtrer_recherche")
    type = django_filters.ChoiceFilter(label="Type", choices=TypeOperateur.choices, empty_label="Tous")
    commune = django_filters.CharFilter(label="Commune", lookup_expr="icontains")
    actif = django_filters.BooleanFilter(
        label="Actif",
        widget=forms.Select(choices=[("", "Tous"), ("true", "Oui"), ("false", "Non")]),
    )

    class Meta:
        model = Operateur
        fields = ["q", "type", "commune", "actif"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs["placeholder"] = "Nom, métier, contact"
        for name, field in self.form.fields.items():
            css = "form-select form-select-sm" if name in ("type", "actif") else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)

    def filtrer_recherche(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(nom__icontains=value) | Q(metiers__icontains=value) | Q(contact_nom__icontains=value))
