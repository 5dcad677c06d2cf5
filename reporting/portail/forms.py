"""The portal's forms: the référent's contact details, their comment on a bilan."""

import re

from django import forms
from django.db import transaction
from django.utils.html import format_html

from conventions.models import User
from conventions.noms import de_avec_article

CARACTERES_TELEPHONE = re.compile(r"^[0-9+().\s-]*$")


class CoordonneesForm(forms.ModelForm):
    """Name and telephone on the account, fonction on the membership of the current organisation."""

    fonction = forms.CharField(label="Fonction", max_length=200, required=False)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "telephone"]

    def __init__(self, *args, referent, **kwargs):
        super().__init__(*args, **kwargs)
        self.referent = referent
        self.fields["fonction"].initial = referent.fonction
        # Form templates print help texts unescaped (|safe, in Django's and crispy's alike): data goes in escaped.
        self.fields["fonction"].help_text = format_html(
            "Votre fonction au sein {}. Ex. : responsable de la commande publique.",
            de_avec_article(referent.donneur_d_ordre.nom),
        )
        for champ in ("first_name", "last_name"):
            self.fields[champ].required = True
            self.fields[champ].widget.attrs["autocomplete"] = "given-name" if champ == "first_name" else "family-name"
        self.fields["telephone"].widget.attrs.update(autocomplete="tel", type="tel")
        self.fields["telephone"].help_text = "Ex. : 04 90 49 36 36."

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()

    def clean_telephone(self):
        telephone = " ".join(self.cleaned_data["telephone"].split())
        chiffres = re.sub(r"\D", "", telephone)
        if telephone and (not CARACTERES_TELEPHONE.match(telephone) or not 10 <= len(chiffres) <= 15):
            raise forms.ValidationError(
                "Saisissez un numéro de téléphone de 10 à 15 chiffres (espaces, points, tirets et « + » acceptés)."
            )
        return telephone

    def clean_fonction(self):
        return self.cleaned_data["fonction"].strip()

    @transaction.atomic
    def save(self, commit: bool = True) -> User:
        user = super().save(commit=commit)
        self.referent.fonction = self.cleaned_data["fonction"]
        self.referent.save(update_fields=["fonction"])
        return user


class CommentaireForm(forms.Form):
    commentaire_donneur = forms.CharField(
        label="Votre commentaire sur ce bilan",
        help_text="Le facilitateur le lit avec le bilan. Vous pouvez le modifier à tout moment.",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Écrivez votre commentaire avant de l'enregistrer."},
    )
