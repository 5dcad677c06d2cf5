import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from clauses import importation
from clauses.importation.portefeuille.sources import verifier_nom_portefeuille

# The token of a stored upload is a UUID4: anything else is refused before it reaches the storage.
JETON_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class ImportForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier à importer",
        help_text=f"Classeur XLSX ou fichier CSV, {importation.TAILLE_MAX_TEXTE} au maximum.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("verifier", "Vérifier le fichier"))

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        try:
            importation.verifier_taille(fichier.size)
            importation.verifier_nom(fichier.name)
        except importation.FichierInvalide as erreur:
            raise forms.ValidationError(str(erreur)) from None
        return fichier


class ConfirmationForm(forms.Form):
    jeton = forms.RegexField(regex=JETON_RE, widget=forms.HiddenInput)


class ModeleForm(forms.Form):
    type = forms.ChoiceField(choices=[(importation.RELEVE, "relevé"), (importation.PARTICIPANTS, "participants")])
    format = forms.ChoiceField(choices=[("xlsx", "XLSX"), ("csv", "CSV")])


class TelechargementRapportForm(forms.Form):
    rapport = forms.RegexField(regex=JETON_RE)
    format = forms.ChoiceField(choices=[("xlsx", "XLSX"), ("csv", "CSV")])


class PortefeuilleForm(ImportForm):
    """A portfolio: one workbook, or a .zip of CSV files (one per sheet)."""

    fichier = forms.FileField(
        label="Portefeuille à importer",
        help_text=(
            f"Classeur XLSX, ou dossier de fichiers CSV compressé en .zip, {importation.TAILLE_MAX_TEXTE} au maximum."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.zip"}),
    )

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        try:
            importation.verifier_taille(fichier.size)
            verifier_nom_portefeuille(fichier.name)
        except importation.FichierInvalide as erreur:
            raise forms.ValidationError(str(erreur)) from None
        return fichier


class FormatRapportForm(forms.Form):
    format = forms.ChoiceField(choices=[("xlsx", "XLSX"), ("csv", "CSV")])


class FormatPortefeuilleForm(forms.Form):
    format = forms.ChoiceField(choices=[("xlsx", "XLSX"), ("zip", "ZIP de fichiers CSV")])
