from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from config import courriels
from conventions.models import Avenant, Convention, DenoncePar, DonneurDOrdre
from entreprises.forms import FormulaireSiret
from entreprises.validators import normaliser_siret

TAILLE_MAX_PDF = 10 * 1024 * 1024


def champ_date(**attrs) -> forms.DateInput:
    # The ISO format is the only one a native date input accepts as its value.
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


def valider_pdf(fichier) -> None:
    """A signed document: a real PDF (not only its name) of at most 10 Mo."""
    if fichier is None or not hasattr(fichier, "content_type"):
        return  # no new upload: the stored file was checked when it was sent
    if fichier.size > TAILLE_MAX_PDF:
        raise ValidationError("Le fichier dépasse 10 Mo : réduisez-le (numérisation en noir et blanc, 150 dpi).")
    debut = fichier.read(5)
    fichier.seek(0)
    if not fichier.name.lower().endswith(".pdf") or debut != b"%PDF-":
        raise ValidationError("Le document doit être un fichier PDF.")


def pas_dans_le_futur(jour, message: str):
    if jour is not None and jour > timezone.localdate():
        raise ValidationError(message)
    return jour


class AvecBoutonEnregistrer:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("enregistrer", "Enregistrer"))


class DonneurDOrdreForm(FormulaireSiret):
    class Meta:
        model = DonneurDOrdre
        fields = [
            "nom",
            "type",
            "siret",
            "adresse",
            "code_postal",
            "commune",
            "email",
            "telephone",
            "periodicite_rapport",
            "actif",
        ]

    def clean_siret(self):
        # Optional for a donneur d'ordre: an empty one is stored as NULL, which the unique constraint ignores.
        return normaliser_siret(self.cleaned_data.get("siret") or "") or None


class ReferentForm(AvecBoutonEnregistrer, forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail",
        help_text="Si un compte existe déjà avec cette adresse, il est rattaché à ce donneur d'ordre. Sinon, un "
        "compte est créé sans mot de passe : pour lui ouvrir le portail, envoyez-lui ensuite une invitation "
        "(bouton « Inviter » sur la fiche du donneur d'ordre).",
    )
    prenom = forms.CharField(label="Prénom", max_length=150, required=False)
    nom = forms.CharField(label="Nom", max_length=150, required=False)
    fonction = forms.CharField(
        label="Fonction", max_length=200, required=False, help_text="Ex. : responsable de la commande publique."
    )
    telephone = forms.CharField(label="Téléphone", max_length=30, required=False)
    principal = forms.BooleanField(label="Référent principal", required=False, initial=True)


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail",
        help_text="La personne reçoit un lien à usage unique pour choisir son mot de passe. Si elle a déjà un "
        "compte, le lien lui permet de rejoindre l'espace de ce donneur d'ordre après s'être connectée.",
    )
    prenom = forms.CharField(label="Prénom", max_length=150, required=False)
    nom = forms.CharField(label="Nom", max_length=150, required=False)
    fonction = forms.CharField(
        label="Fonction", max_length=200, required=False, help_text="Ex. : responsable de la commande publique."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.helper = FormHelper()
        self.helper.add_input(Submit("inviter", "Envoyer l'invitation"))


class AcceptationInvitationForm(SetPasswordForm):
    """Name and password of the account an invitation creates; the password validators apply as on a reset.

    ``user`` is the account to be (an unsaved one for a new person): the validators compare the password to
    its email and to the names typed here.
    """

    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    field_order = ["first_name", "last_name", "new_password1", "new_password2"]

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["new_password1"].label = "Mot de passe"
        self.fields["new_password2"].label = "Confirmation du mot de passe"
        self.fields["new_password2"].help_text = "Saisissez le même mot de passe, pour vérification."
        self.helper = FormHelper()
        self.helper.add_input(Submit("accepter", "Créer mon compte"))

    def clean(self):
        self.user.first_name = self.cleaned_data.get("first_name", "")
        self.user.last_name = self.cleaned_data.get("last_name", "")
        return super().clean()


# Django's French message is « Saisissez un %(username)s et un mot de passe valides », written for « nom
# d'utilisateur »: with the e-mail as the login it read « Saisissez un adresse e-mail ».
MESSAGE_CONNEXION_REFUSEE = (
    "Saisissez une adresse e-mail et un mot de passe valides. Le mot de passe distingue les majuscules des minuscules."
)


class ConnexionForm(AuthenticationForm):
    """The login page's form: Django's, with its refusal worded for an e-mail address."""

    error_messages = {**AuthenticationForm.error_messages, "invalid_login": MESSAGE_CONNEXION_REFUSEE}


class AdminConnexionForm(AdminAuthenticationForm):
    """The admin's login form, likewise (its own message adds « pour un compte de membre du personnel »)."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": "Saisissez l'adresse e-mail et le mot de passe d'un compte de l'équipe. Le mot de passe "
        "distingue les majuscules des minuscules.",
    }


class ReinitialisationMotDePasseForm(PasswordResetForm):
    """Django's form, with the label the login page uses for the same address; the e-mail is recorded and sent by
    the worker (config.courriels), never inside the request: a mail server down does not fail the page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Adresse e-mail"

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        sujet = " ".join(render_to_string(subject_template_name, context).split())
        message = EmailMultiAlternatives(sujet, render_to_string(email_template_name, context), from_email, [to_email])
        if html_email_template_name is not None:
            message.attach_alternative(render_to_string(html_email_template_name, context), "text/html")
        courriels.mettre_en_file(message, "mot_de_passe_oublie")


class ConventionForm(AvecBoutonEnregistrer, forms.ModelForm):
    class Meta:
        model = Convention
        fields = [
            "donneur_d_ordre",
            "numero",
            "objet",
            "date_signature",
            "date_effet",
            "duree_mois",
            "preavis_mois",
            "document",
            "notes",
        ]
        widgets = {
            "date_signature": champ_date(),
            "date_effet": champ_date(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "date_signature": "Laissez vide tant que la convention n'est pas signée : elle reste « en projet ».",
            "document": "PDF, 10 Mo au plus.",
            "preavis_mois": "La dénonciation doit être notifiée au plus tard ce nombre de mois avant l'échéance.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donneur_d_ordre"].queryset = DonneurDOrdre.objects.order_by("nom")
        self.fields["document"].widget.attrs["accept"] = "application/pdf,.pdf"

    def clean_date_signature(self):
        return pas_dans_le_futur(
            self.cleaned_data.get("date_signature"),
            "La date de signature ne peut pas être dans le futur : laissez-la vide jusqu'à la signature.",
        )

    def clean_document(self):
        document = self.cleaned_data.get("document")
        valider_pdf(document)
        return document


class DenonciationForm(AvecBoutonEnregistrer, forms.Form):
    date_denonciation = forms.DateField(
        label="Date de dénonciation",
        widget=champ_date(),
        help_text="Jour où la dénonciation a été notifiée à l'autre partie.",
    )
    denoncee_par = forms.ChoiceField(label="Dénoncée par", choices=DenoncePar.choices, widget=forms.RadioSelect)
    motif = forms.CharField(label="Motif", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_denonciation"].initial = timezone.localdate()


class AvenantForm(AvecBoutonEnregistrer, forms.ModelForm):
    class Meta:
        model = Avenant
        fields = ["numero", "objet", "description", "date_signature", "document"]
        widgets = {"date_signature": champ_date(), "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "date_signature": "L'avenant prend effet au renouvellement annuel qui suit sa signature.",
            "document": "PDF, 10 Mo au plus.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].widget.attrs["accept"] = "application/pdf,.pdf"

    def clean_numero(self):
        numero = self.cleaned_data.get("numero")
        # The unique constraint names the convention, which the form does not show: Django would skip it.
        if numero is not None and self.instance.convention.avenants.filter(numero=numero).exists():
            raise ValidationError(f"L'avenant n° {numero} existe déjà pour cette convention.")
        return numero

    def clean_date_signature(self):
        return pas_dans_le_futur(
            self.cleaned_data.get("date_signature"), "La date de signature ne peut pas être dans le futur."
        )

    def clean_document(self):
        document = self.cleaned_data.get("document")
        valider_pdf(document)
        return document
