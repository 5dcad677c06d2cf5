from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from marches.decp.services import TitulaireApercu

# An upload is read while the browser waits: a territory's extract, not the national file (which the scheduled
# fetch reads, CLAUSES_DECP_URL). About 5 s for 100 MB.
TAILLE_MAX = 100 * 1024 * 1024
TAILLE_MAX_TEXTE = "100 Mo"


class ImportDECPForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier des données essentielles",
        help_text=f"Fichier JSON au format national (2024 ou 2019), {TAILLE_MAX_TEXTE} au maximum.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("importer", "Importer le fichier"))

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        if not fichier.name.lower().endswith(".json"):
            raise forms.ValidationError("Le fichier doit être au format JSON (extension .json).")
        if fichier.size > TAILLE_MAX:
            raise forms.ValidationError(
                f"Le fichier dépasse {TAILLE_MAX_TEXTE}. Importez l'extrait de votre territoire, ou faites "
                "télécharger le fichier national chaque nuit (adresse CLAUSES_DECP_URL, réglée par l'administrateur)."
            )
        return fichier


class CreationDepuisDECPForm(forms.Form):
    """One confirmation per titulaire the directory lacks: add it (with its name), or leave it out."""

    def __init__(self, *args, titulaires: list[TitulaireApercu], **kwargs):
        super().__init__(*args, **kwargs)
        self.a_creer = [t for t in titulaires if t.creable]
        for titulaire in self.a_creer:
            siret = titulaire.identifiant
            self.fields[f"ajouter_{siret}"] = forms.BooleanField(
                label=f"Ajouter l'entreprise au SIRET {siret} à l'annuaire et en faire un attributaire",
                required=False,
                initial=True,
            )
            self.fields[f"raison_{siret}"] = forms.CharField(
                label=f"Raison sociale (SIRET {siret})",
                max_length=200,
                required=False,
                initial=titulaire.denomination,
                help_text="Les données essentielles ne publient que le SIRET : saisissez le nom de l'entreprise.",
            )

    def clean(self):
        donnees = super().clean() or {}
        for titulaire in self.a_creer:
            siret = titulaire.identifiant
            if donnees.get(f"ajouter_{siret}") and not (donnees.get(f"raison_{siret}") or "").strip():
                self.add_error(
                    f"raison_{siret}",
                    "Saisissez la raison sociale de l'entreprise, ou décochez son ajout à l'annuaire.",
                )
        return donnees

    def nouvelles_entreprises(self) -> dict[str, str]:
        return {
            t.identifiant: self.cleaned_data[f"raison_{t.identifiant}"].strip()
            for t in self.a_creer
            if self.cleaned_data.get(f"ajouter_{t.identifiant}")
        }
