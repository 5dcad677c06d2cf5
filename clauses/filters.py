import django_filters
from django import forms
from django.db.models import Q

from clauses.models import (
    CritereEligibilite,
    Genre,
    ModalitePlacement,
    NiveauQualification,
    Participant,
    Placement,
    TypeContrat,
)
from conventions.models import DonneurDOrdre
from entreprises.models import Operateur

OUI_NON = [("", "Tous"), ("true", "Oui"), ("false", "Non")]


def _classes_bootstrap(filterset: django_filters.FilterSet) -> None:
    for field in filterset.form.fields.values():
        css = (
            "form-select form-select-sm" if isinstance(field.widget, forms.Select) else "form-control form-control-sm"
        )
        field.widget.attrs.setdefault("class", css)


class ParticipantFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Recherche", method="filtrer_recherche")
    genre = django_filters.ChoiceFilter(label="Genre", choices=Genre.choices, empty_label="Tous")
    reside_qpv = django_filters.BooleanFilter(label="Réside en QPV", widget=forms.Select(choices=OUI_NON))
    critere = django_filters.ModelChoiceFilter(
        label="Critère d'éligibilité",
        field_name="criteres",
        queryset=CritereEligibilite.objects.order_by("ordre", "libelle"),
        empty_label="Tous",
    )
    niveau = django_filters.ChoiceFilter(
        label="Niveau de qualification",
        field_name="niveau_qualification",
        choices=NiveauQualification.choices,
        empty_label="Tous",
    )
    prescripteur = django_filters.ModelChoiceFilter(
        label="Prescripteur", queryset=Operateur.objects.prescripteurs().order_by("nom"), empty_label="Tous"
    )
    en_poste = django_filters.BooleanFilter(label="En poste", widget=forms.Select(choices=OUI_NON))
    notice = django_filters.ChoiceFilter(
        label="Notice d'information",
        choices=[("non_remise", "Notice non remise"), ("remise", "Notice remise")],
        empty_label="Toutes",
        method="filtrer_notice",
    )

    class Meta:
        model = Participant
        fields = ["q", "genre", "reside_qpv", "critere", "niveau", "prescripteur", "en_poste", "notice"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs["placeholder"] = "Nom, prénom ou référence"
        _classes_bootstrap(self)

    def filtrer_recherche(self, queryset, name, value):
        return queryset.recherche(value)

    def filtrer_notice(self, queryset, name, value):
        return queryset.filter(notice_remise_le__isnull=value == "non_remise")


class PlacementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Participant", method="filtrer_participant")
    entreprise = django_filters.CharFilter(label="Entreprise", method="filtrer_entreprise")
    donneur = django_filters.ModelChoiceFilter(
        label="Donneur d'ordre",
        field_name="attribution__lot__marche__donneur_d_ordre",
        queryset=DonneurDOrdre.objects.order_by("nom"),
        empty_label="Tous",
    )
    modalite = django_filters.ChoiceFilter(label="Modalité", choices=ModalitePlacement.choices, empty_label="Toutes")
    type_contrat = django_filters.ChoiceFilter(label="Contrat", choices=TypeContrat.choices, empty_label="Tous")
    en_cours = django_filters.BooleanFilter(label="En cours", widget=forms.Select(choices=OUI_NON))

    class Meta:
        model = Placement
        fields = ["q", "entreprise", "donneur", "modalite", "type_contrat", "en_cours"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs["placeholder"] = "Nom ou référence"
        self.form.fields["entreprise"].widget.attrs["placeholder"] = "Raison sociale ou SIRET"
        _classes_bootstrap(self)

    def filtrer_participant(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(participant__nom__icontains=value)
            | Q(participant__prenom__icontains=value)
            | Q(participant__reference__iexact=value)
        )

    def filtrer_entreprise(self, queryset, name, value):
        value = value.strip()
        siret = value.replace(" ", "").replace(".", "")
        if siret.isdigit():
            return queryset.filter(attribution__entreprise__siret__startswith=siret)
        return queryset.filter(attribution__entreprise__raison_sociale__icontains=value)
