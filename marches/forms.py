import uuid
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.validators import MinValueValidator
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from conventions.models import DonneurDOrdre
from entreprises.models import Entreprise
from entreprises.validators import normaliser_siret, valider_siret
from marches.models import Attribution, Lot, Marche, PropositionAttribution, RoleAttributaire
from marches.services import CHAMPS_PROPOSITION


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


# --- What a référent sends from the portal -----------------------------------------------------------


class DeclarationMarcheForm(forms.ModelForm):
    """A new marché, declared by a référent to ask for the facilitator's support before the tender."""

    contact_nom = forms.CharField(label="Nom", max_length=100)
    contact_email = forms.EmailField(label="Adresse e-mail", max_length=100)
    contact_telephone = forms.CharField(label="Téléphone", max_length=30, required=False)
    # Sent back with the form: the same form submitted twice declares one marché (services.declarer_marche).
    cle = forms.UUIDField(initial=uuid.uuid4, required=False, widget=forms.HiddenInput)

    class Meta:
        model = Marche
        fields = [
            "objet",
            "type",
            "montant_estime_ht",
            "maitre_oeuvre",
            "date_publication",
            "date_debut_prevue",
            "date_fin_prevue",
            "message_donneur",
        ]
        labels = {
            "objet": "Objet du marché",
            "montant_estime_ht": "Montant estimé (€ HT)",
            "maitre_oeuvre": "Maître d'œuvre",
            "date_publication": "Lancement de la consultation",
            "date_debut_prevue": "Début des travaux",
            "date_fin_prevue": "Fin des travaux",
            "message_donneur": "Votre message au facilitateur",
        }
        help_texts = {
            "objet": "Ex. : Construction d'un groupe scolaire, rue des Écoles.",
            "maitre_oeuvre": "Le cabinet ou le service qui conçoit l'opération, s'il est connu.",
            "date_publication": "Date prévue de publication de l'avis.",
            "message_donneur": "Ce que vous attendez du facilitateur, l'état du projet, les contraintes connues.",
        }
        widgets = {
            "objet": forms.TextInput(),
            "date_publication": DateInput(),
            "date_debut_prevue": DateInput(),
            "date_fin_prevue": DateInput(),
            "message_donneur": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for champ in ("montant_estime_ht", "date_publication", "date_debut_prevue", "date_fin_prevue"):
            self.fields[champ].required = True
        self.fields["montant_estime_ht"].min_value = Decimal("0.01")
        self.fields["montant_estime_ht"].validators.append(MinValueValidator(Decimal("0.01")))
        self.fields["montant_estime_ht"].widget.attrs.update(min="0.01", step="0.01")
        self.fields["montant_estime_ht"].error_messages["min_value"] = "Le montant estimé doit être positif."
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("Le marché", "objet", _ligne("type", "montant_estime_ht"), "maitre_oeuvre"),
            Fieldset("Calendrier prévisionnel", _ligne("date_publication", "date_debut_prevue", "date_fin_prevue")),
            Fieldset("Votre contact pour ce marché", _ligne("contact_nom", "contact_email", "contact_telephone")),
            Fieldset("Message", "message_donneur"),
            "cle",
        )
        self.helper.add_input(Submit("envoyer", "Envoyer au facilitateur"))

    def clean(self):
        donnees = super().clean()
        publication, debut = donnees.get("date_publication"), donnees.get("date_debut_prevue")
        if publication and debut and debut < publication:
            self.add_error(
                "date_debut_prevue", "Le début des travaux ne peut pas précéder le lancement de la consultation."
            )
        contact = self._contact(donnees)
        if len(contact) > Marche._meta.get_field("contact").max_length:
            self.add_error("contact_nom", "Le contact est trop long : abrégez le nom ou l'adresse.")
        return donnees

    @staticmethod
    def _contact(donnees: dict) -> str:
        parties = (donnees.get(c, "").strip() for c in ("contact_nom", "contact_email", "contact_telephone"))
        return " · ".join(p for p in parties if p)

    def cle_de_soumission(self):
        """The form's own key (a fresh one each time the empty form is shown), None from an older page."""
        return self.cleaned_data.get("cle")

    def donnees(self) -> dict:
        """The Marche fields for ``services.declarer_marche``."""
        donnees = {champ: self.cleaned_data[champ] for champ in self._meta.fields}
        donnees["contact"] = self._contact(self.cleaned_data)
        return donnees


class PropositionForm(forms.Form):
    """One attributaire of a lot and its provisional calendar, as the référent sends it."""

    lot = forms.TypedChoiceField(label="Lot", coerce=int, empty_value=None)
    siret = forms.CharField(
        label="SIRET de l'entreprise", max_length=20, help_text="14 chiffres ; les espaces sont acceptés."
    )
    raison_sociale = forms.CharField(label="Raison sociale", max_length=200)
    contact_nom = forms.CharField(label="Nom du contact", max_length=200)
    contact_email = forms.EmailField(label="E-mail du contact", required=False)
    contact_telephone = forms.CharField(label="Téléphone du contact", max_length=30, required=False)
    date_debut = forms.DateField(label="Début prévu", widget=DateInput())
    date_fin = forms.DateField(label="Fin prévue", widget=DateInput())

    def __init__(self, *args, lots: list[Lot], numero: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.numero = numero
        self.lots = {lot.pk: lot for lot in lots}
        self.fields["lot"].choices = [("", "Choisissez un lot")] + [(lot.pk, str(lot)) for lot in lots]
        self.fields["lot"].error_messages.update(
            invalid_choice="ce lot n'appartient pas à ce marché ; choisissez l'un de ses lots.",
            required="choisissez le lot.",
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            _ligne("lot", "siret", "raison_sociale"),
            _ligne("contact_nom", "contact_email", "contact_telephone"),
            _ligne("date_debut", "date_fin"),
        )

    def full_clean(self):
        super().full_clean()
        # Every message names its row, beside the field and in the page's summary of errors.
        if self.numero and self._errors:
            prefixe = f"Ligne {self.numero} : "
            for champ, erreurs in self._errors.items():
                textes = [m if m.startswith(prefixe) else prefixe + m for e in erreurs.as_data() for m in e.messages]
                classe = "nonfield" if champ == NON_FIELD_ERRORS else None
                self._errors[champ] = self.error_class(textes, error_class=classe, renderer=self.renderer)

    def clean_lot(self):
        lot = self.lots.get(self.cleaned_data["lot"])
        if lot is None:
            raise forms.ValidationError(self.fields["lot"].error_messages["invalid_choice"])
        return lot

    def clean_siret(self):
        siret = normaliser_siret(self.cleaned_data["siret"])
        valider_siret(siret)
        return siret

    def clean(self):
        donnees = super().clean()
        debut, fin = donnees.get("date_debut"), donnees.get("date_fin")
        if debut and fin and fin < debut:
            self.add_error("date_fin", "La fin prévue ne peut pas précéder le début prévu.")
        if donnees.get("contact_nom") and not (donnees.get("contact_email") or donnees.get("contact_telephone")):
            self.add_error("contact_email", "Indiquez l'e-mail ou le téléphone du contact.")
        return donnees


class BasePropositionFormSet(forms.BaseFormSet):
    """The référent's rows; untouched rows are ignored, and a row already waiting is not sent twice."""

    def __init__(self, *args, marche: Marche, lots: list[Lot], **kwargs):
        self.marche, self.lots = marche, lots
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        if index is None:
            return {"lots": self.lots}
        # Row n starts on lot n: an untouched row then still counts as empty, and is ignored.
        initial = {"lot": self.lots[index].pk} if index < len(self.lots) else {}
        return {"lots": self.lots, "numero": index + 1, "initial": initial}

    def clean(self):
        if any(self.errors):
            return
        lignes = [f for f in self.forms if f.has_changed()]
        if not lignes:
            raise forms.ValidationError(
                "Renseignez au moins un attributaire : lot, SIRET, raison sociale, contact et dates."
            )
        en_attente = set(
            PropositionAttribution.objects.en_attente().filter(marche=self.marche).values_list("lot_id", "siret")
        )
        vues = set()
        for form in lignes:
            cle = (form.cleaned_data["lot"].pk, form.cleaned_data["siret"])
            if cle in vues:
                form.add_error("siret", f"Ligne {form.numero} : cette entreprise figure déjà plus haut pour ce lot.")
            elif cle in en_attente:
                form.add_error(
                    "siret",
                    f"Ligne {form.numero} : vous avez déjà proposé cette entreprise pour ce lot ; "
                    "votre envoi attend la réponse du facilitateur.",
                )
            vues.add(cle)

    def lignes(self) -> list[dict]:
        """The filled rows, as ``services.proposer_attributions`` takes them."""
        return [form.cleaned_data for form in self.forms if form.has_changed()]


LIGNES_MAX = 20


def formset_propositions(marche: Marche, lots: list[Lot], data=None, lignes: int | None = None):
    """The référent's form: one row per lot by default (each row starting on its lot), at most LIGNES_MAX."""
    nombre = max(1, min(lignes or len(lots) or 1, LIGNES_MAX))
    classe = forms.formset_factory(
        PropositionForm, formset=BasePropositionFormSet, extra=nombre, max_num=LIGNES_MAX, absolute_max=LIGNES_MAX
    )
    return classe(data, marche=marche, lots=lots, prefix="attributaires")


class CorrectionPropositionForm(PropositionForm):
    """The facilitator's corrected version of a proposal, accepted on saving."""

    role = forms.ChoiceField(label="Rôle", choices=RoleAttributaire.choices, initial=RoleAttributaire.TITULAIRE)
    motif = forms.CharField(
        label="Ce que vous avez corrigé",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Le donneur d'ordre le lira sur son portail, à côté de sa proposition.",
    )

    def __init__(self, *args, proposition: PropositionAttribution, role_actuel: str | None = None, **kwargs):
        initial = {champ: getattr(proposition, champ) for champ in CHAMPS_PROPOSITION}
        initial["lot"] = proposition.lot_id
        if role_actuel:
            initial["role"] = role_actuel
        kwargs.setdefault("initial", initial)
        super().__init__(*args, lots=list(proposition.marche.lots.all()), **kwargs)
        self.helper.form_tag = True
        self.helper.disable_csrf = False
        self.helper.layout.fields.insert(1, _ligne("role"))
        self.helper.layout.fields.append("motif")
        self.helper.add_input(Submit("accepter", "Enregistrer et accepter"))

    def corrections(self) -> dict:
        return {champ: self.cleaned_data[champ] for champ in CHAMPS_PROPOSITION}


class RefusPropositionForm(forms.Form):
    motif = forms.CharField(
        label="Motif du refus",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Le donneur d'ordre le lira sur son portail.",
        error_messages={"required": "Indiquez le motif du refus : le donneur d'ordre le lira sur son portail."},
    )
