"""The facilitator's decisions about a person's data: keep it longer, or erase it (clauses.protection)."""

import datetime as dt

from django import forms
from django.utils import timezone

from clauses.minimisation import NOTES
from clauses.protection.conservation import PROLONGATION_MAX_ANNEES, ajouter_annees
from config.formats import date_longue

MOTIF_MAX = 2000
CONSIGNE_MOTIF = "Sans nom ni détail sur la personne : ce motif est conservé."


class ProlongationForm(forms.Form):
    conserver_jusqu_au = forms.DateField(
        label="Conserver les données jusqu'au",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=f"Au plus {PROLONGATION_MAX_ANNEES} ans après aujourd'hui ; à justifier de nouveau ensuite.",
    )
    motif = forms.CharField(
        label="Pourquoi ces données restent nécessaires",
        max_length=MOTIF_MAX,
        validators=NOTES,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Ex. : contrôle de la clause par l'acheteur en cours, contestation d'une pénalité. " + CONSIGNE_MOTIF
        ),
        error_messages={"required": "Indiquez pourquoi ces données doivent être conservées plus longtemps."},
    )

    def clean_conserver_jusqu_au(self) -> dt.date:
        date = self.cleaned_data["conserver_jusqu_au"]
        jour = timezone.localdate()
        maximum = ajouter_annees(jour, PROLONGATION_MAX_ANNEES)
        if date <= jour:
            raise forms.ValidationError("Choisissez une date après aujourd'hui.")
        if date > maximum:
            raise forms.ValidationError(
                f"Au plus {PROLONGATION_MAX_ANNEES} ans après aujourd'hui, soit le {date_longue(maximum)} : "
                "une conservation plus longue se justifie de nouveau le moment venu."
            )
        return date


class EffacementForm(forms.Form):
    motif = forms.CharField(
        label="Motif de l'effacement",
        max_length=MOTIF_MAX,
        validators=NOTES,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Ex. : demande d'effacement reçue le …, opposition de la personne, données qui n'auraient pas dû "
            f"être collectées. {CONSIGNE_MOTIF}"
        ),
        error_messages={"required": "Indiquez le motif de l'effacement : il est conservé."},
    )
    confirmation = forms.BooleanField(
        label="Je confirme : l'identité de cette personne sera effacée définitivement.",
        error_messages={"required": "Cochez la confirmation : l'effacement est définitif."},
    )
