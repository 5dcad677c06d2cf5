import django_filters
from django import forms
from django.db.models import Q

from conventions.models import Convention, DonneurDOrdre, EtatConvention, TypeDonneur
from entreprises.validators import normaliser_siret


def _classes_bootstrap(filterset: django_filters.FilterSet, selects: tuple[str, ...]) -> None:
    for name, field in filterset.form.fields.items():
        css = "form-select form-select-sm" if name in selects else "form-control form-control-sm"
        field.widget.attrs.setdefault("class", css)


class DonneurDOrdreFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="filtrer_recherche")
    type = django_filters.ChoiceFilter(label="Type", choices=TypeDonneur.choices, empty_label="Tous")
    actif = django_filters.BooleanFilter(
        label="Actif",
        widget=forms.Select(choices=[("", "Tous"), ("true", "Oui"), ("false", "Non")]),
    )

    class Meta:
        model = DonneurDOrdre
        fields = ["q", "type", "actif"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs["placeholder"] = "Nom, SIRET ou commune"
        _classes_bootstrap(self, ("type", "actif"))

    def filtrer_recherche(self, queryset, name, value):
        siret = normaliser_siret(value)
        if siret.isdigit():
            return queryset.filter(siret__startswith=siret)
        return queryset.filter(Q(nom__icontains=value) | Q(commune__icontains=value))


class ConventionFilter(django_filters.FilterSet):
    """``etat`` and ``preavis`` depend on today's date through the calendar: the view applies them in Python."""

    q = django_filters.CharFilter(label="Recherche", method="filtrer_recherche")
    type = django_filters.ChoiceFilter(
        label="Type de donneur d'ordre",
        field_name="donneur_d_ordre__type",
        choices=TypeDonneur.choices,
        empty_label="Tous",
    )
    etat = django_filters.ChoiceFilter(
        label="État", choices=EtatConvention.choices, empty_label="Tous", method="filtre_calcule"
    )
    preavis = django_filters.BooleanFilter(
        label="Préavis dans les 60 jours",
        method="filtre_calcule",
        widget=forms.Select(choices=[("", "Indifférent"), ("true", "Oui")]),
    )

    class Meta:
        model = Convention
        fields = ["q", "type", "etat", "preavis"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs["placeholder"] = "Donneur d'ordre ou numéro"
        _classes_bootstrap(self, ("type", "etat", "preavis"))

    def filtrer_recherche(self, queryset, name, value):
        return queryset.filter(Q(donneur_d_ordre__nom__icontains=value) | Q(numero__icontains=value))

    def filtre_calcule(self, queryset, name, value):
        return queryset

    def filtres_calcules(self) -> dict:
        """The valid values of the filters the database cannot apply."""
        if not self.is_bound or not self.is_valid():
            return {"etat": "", "preavis": None}
        return {"etat": self.form.cleaned_data.get("etat") or "", "preavis": self.form.cleaned_data.get("preavis")}
