from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from conventions.models import DonneurDOrdre
from entreprises.models import Entreprise
from entreprises.validators import normaliser_siret
from marches.models import Attribution, Lot, Marche


class DateInput(forms.DateInput):
    """The browser's date picker; the value must then be ISO (YYYY-MM-DD) whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _ligne(*champs: str) -> Div:
    return Div(*(Div(champ, css_class="col-md") for champ in champs), css_class="row")


class MarcheForm(forms.ModelForm):
    class Meta:
        model = Marche
        fields = [
            "donneur_d_ordre",
            "objet",
            "reference",
            "type",
            "facilitateur",
            "montant_estime_ht",
            "maitre_oeuvre",
            "contact",
            "avis_faisabilite",
            "faisabilite_cout",
            "faisabilite_duree",
            "faisabilite_technicite",
            "formation_amont",
            "formation_amont_notes",
            "date_publication",
            "date_remise_offres",
            "date_attribution",
            "date_debut_prevue",
            "date_fin_prevue",
            "notes",
        ]
        widgets = {
            "objet": forms.TextInput(),
            "faisabilite_cout": forms.Textarea(attrs={"rows": 2}),
            "faisabilite_duree": forms.Textarea(attrs={"rows": 2}),
            "faisabilite_technicite": forms.Textarea(attrs={"rows": 2}),
            "formation_amont_notes": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "date_publication": DateInput(),
            "date_remise_offres": DateInput(),
            "date_attribution": DateInput(),
            "date_debut_prevue": DateInput(),
            "date_fin_prevue": DateInput(),
        }

    def __init__(self, *args, utilisateur=None, **kwargs):
        super().__init__(*args, **kwargs)
        # A donneur d'ordre no longer active stays selectable on the marchés that already have it.
        donneurs = Q(actif=True)
        if self.instance.donneur_d_ordre_id:
            donneurs |= Q(pk=self.instance.donneur_d_ordre_id)
        self.fields["donneur_d_ordre"].queryset = DonneurDOrdre.objects.filter(donneurs)
        facilitateurs = Q(is_facilitateur=True, is_active=True)
        if self.instance.facilitateur_id:
            facilitateurs |= Q(pk=self.instance.facilitateur_id)
        self.fields["facilitateur"].queryset = get_user_model().objects.filter(facilitateurs)
        if self.instance.pk is None and utilisateur is not None and utilisateur.is_facilitateur:
            self.fields["facilitateur"].initial = utilisateur.pk
        self.fields["montant_estime_ht"].widget.attrs["min"] = "0"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                "Identification",
                "donneur_d_ordre",
                "objet",
                _ligne("reference", "type"),
                _ligne("facilitateur", "montant_estime_ht"),
                _ligne("maitre_oeuvre", "contact"),
            ),
            Fieldset(
                "Avant attribution : faisabilité",
                "avis_faisabilite",
                "faisabilite_cout",
                "faisabilite_duree",
                "faisabilite_technicite",
                "formation_amont",
                "formation_amont_notes",
            ),
            Fieldset(
                "Calendrier",
                _ligne("date_publication", "date_remise_offres", "date_attribution"),
                _ligne("date_debut_prevue", "date_fin_prevue"),
            ),
            Fieldset("Notes", "notes"),
        )
        self.helper.add_input(Submit("enregistrer", "Enregistrer"))


class StatutForm(forms.Form):
    statut = forms.ChoiceField(label="Nouveau statut")

    def __init__(self, *args, choix: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statut"].choices = choix
        self.fields["statut"].widget.attrs["class"] = "form-select form-select-sm"


class LotForm(forms.ModelForm):
    class Meta:
        model = Lot
        fields = ["numero", "intitule", "montant_ht", "date_debut", "date_fin"]
        widgets = {"date_debut": DateInput(), "date_fin": DateInput()}

    def __init__(self, *args, marche: Marche, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.marche = marche
        self.fields["montant_ht"].widget.attrs["min"] = "0"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            _ligne("numero", "intitule"),
            "montant_ht",
            _ligne("date_debut", "date_fin"),
        )
        self.helper.add_input(Submit("enregistrer", "Enregistrer"))

    def clean_numero(self):
        numero = self.cleaned_data["numero"].strip()
        # The marché is not a field of the form, so the model's unique constraint would not be checked here.
        doublons = Lot.objects.filter(marche=self.instance.marche, numero__iexact=numero).exclude(pk=self.instance.pk)
        if doublons.exists():
            raise forms.ValidationError(f"Ce marché a déjà un lot n° {numero}. Choisissez un autre numéro.")
        return numero


class AttributionForm(forms.ModelForm):
    siret = forms.CharField(
        label="SIRET de l'entreprise",
        max_length=20,
        help_text="14 chiffres ; les espaces sont acceptés. L'entreprise doit figurer dans l'annuaire.",
    )

    class Meta:
        model = Attribution
        fields = [
            "role",
            "montant_ht",
            "heures_objectif",
            "date_notification",
            "date_debut",
            "date_fin",
            "contact_nom",
            "contact_email",
            "contact_telephone",
        ]
        widgets = {"date_notification": DateInput(), "date_debut": DateInput(), "date_fin": DateInput()}
        labels = {"heures_objectif": "Part de l'objectif d'heures (h)"}

    def __init__(self, *args, lot: Lot, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.lot = lot
        if self.instance.entreprise_id:
            self.fields["siret"].initial = self.instance.entreprise.siret
        self.fields["montant_ht"].widget.attrs["min"] = "0"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            _ligne("siret", "role"),
            _ligne("montant_ht", "heures_objectif"),
            _ligne("date_notification", "date_debut", "date_fin"),
            Fieldset("Contact pour la clause", _ligne("contact_nom", "contact_email", "contact_telephone")),
        )
        self.helper.add_input(Submit("enregistrer", "Enregistrer"))

    def clean_siret(self):
        siret = normaliser_siret(self.cleaned_data["siret"])
        if len(siret) != 14 or not siret.isdigit():
            raise forms.ValidationError("Le SIRET doit compter 14 chiffres.")
        entreprise = Entreprise.objects.filter(siret=siret).first()
        if entreprise is None:
            raise forms.ValidationError(
                format_html(
                    "Aucune entreprise de l'annuaire n'a le SIRET {}. "
                    "<a href=\"{}\">Ajouter l'entreprise à l'annuaire</a>, puis revenez à cette page.",
                    siret,
                    reverse("entreprises:entreprise_creation"),
                )
            )
        lot = self.instance.lot
        if Attribution.objects.filter(lot=lot, entreprise=entreprise).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"{entreprise.raison_sociale} est déjà attributaire de ce lot.")
        self.instance.entreprise = entreprise
        return siret
