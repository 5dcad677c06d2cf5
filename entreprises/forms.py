from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.validators import MaxLengthValidator

from entreprises.models import Entreprise, Operateur
from entreprises.validators import normaliser_siret


class FormulaireSiret(forms.ModelForm):
    """A SIRET typed with spaces or dots is accepted: it is stored as 14 digits."""

    def clean_siret(self):
        siret = normaliser_siret(self.cleaned_data.get("siret") or "")
        return siret or None if self._meta.model is Operateur else siret

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Room for the spaces people type ("732 829 320 00074"); the model checks the 14 digits.
        siret = self.fields["siret"]
        siret.max_length = 20
        siret.validators = [v for v in siret.validators if not isinstance(v, MaxLengthValidator)]
        siret.widget.attrs["maxlength"] = "20"
        siret.help_text = "14 chiffres ; les espaces sont acceptés."
        self.helper = FormHelper()
        self.helper.add_input(Submit("enregistrer", "Enregistrer"))


class EntrepriseForm(FormulaireSiret):
    class Meta:
        model = Entreprise
        fields = [
            "raison_sociale",
            "siret",
            "naf",
            "adresse",
            "code_postal",
            "commune",
            "contact_nom",
            "contact_email",
            "contact_telephone",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class OperateurForm(FormulaireSiret):
    class Meta:
        model = Operateur
        fields = [
            "nom",
            "type",
            "siret",
            "adresse",
            "code_postal",
            "commune",
            "contact_nom",
            "email",
            "telephone",
            "metiers",
            "actif",
        ]
        widgets = {"metiers": forms.Textarea(attrs={"rows": 3})}
