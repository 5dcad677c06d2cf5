import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from conventions.models import DonneurDOrdre
from marches.models import AvisFaisabilite, Marche, StatutMarche, TypeMarche


class MarcheFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="filtrer_recherche")
    statut = django_filters.ChoiceFilter(label="Statut", choices=StatutMarche.choices, empty_label="Tous")
    type = django_filters.ChoiceFilter(label="Type", choices=TypeMarche.choices, empty_label="Tous")
    donneur_d_ordre = django_filters.ModelChoiceFilter(
        label="Donneur d'ordre", queryset=DonneurDOrdre.objects.all(), empty_label="Tous"
    )
    facilitateur = django_filters.ModelChoiceFilter(
        label="Facilitateur", queryset=get_user_model().objects.facilitateurs(), empty_label="Tous"
    )
    mes_marches = django_filters.BooleanFilter(
        label="Suivis par",
        method="filtrer_mes_marches",
        widget=forms.Select(choices=[("", "Tous les facilitateurs"), ("true", "Moi (mes marchés)")]),
    )
    avis_faisabilite = django_filters.ChoiceFilter(
        label="Avis de faisabilité", choices=AvisFaisabilite.choices, empty_label="Tous"
    )

    class Meta:
        model = Marche
        fields = ["q", "statut", "type", "donneur_d_ordre", "facilitateur", "mes_marches", "avis_faisabilite"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs["placeholder"] = "Objet, référence, donneur d'ordre"
        for name, field in self.form.fields.items():
            css = "form-control form-control-sm" if name == "q" else "form-select form-select-sm"
            field.widget.attrs.setdefault("class", css)

    def filtrer_recherche(self, queryset, name, value):
        return queryset.filter(
            Q(objet__icontains=value) | Q(reference__icontains=value) | Q(donneur_d_ordre__nom__icontains=value)
        )

    def filtrer_mes_marches(self, queryset, name, value):
        if value and self.request is not None:
            return queryset.filter(facilitateur=self.request.user)
        return queryset
