"""Forms of a participant's path: identity and eligibility, placements, outcomes."""

import datetime as dt
import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from clauses.models import (
    CATEGORIE_PAR_SITUATION,
    OPERATEUR_PAR_MODALITE,
    CategorieSortie,
    CritereEligibilite,
    ModalitePlacement,
    ModeRemiseNotice,
    MomentSortie,
    Participant,
    Placement,
    Situation,
    Sortie,
    TypeContrat,
)
from clauses.services_parcours import date_sortie_six_mois, doublon_participant
from config.formats import date_longue
from entreprises.models import Operateur
from marches.models import Attribution, StatutMarche

AGE_MINIMUM = 16
AGE_MAXIMUM = 70
# Eligibility criteria that depend on age (codes loaded by the reference-table migration).
AGE_MAX_JEUNE = 26
AGE_MIN_SENIOR = 50

# The contracts that make sense for each modality: a provision by an ETTI is a temp mission, an EI or ACI
# hires on a CDDI, and so on. Direct hiring takes any ordinary employment contract.
CONTRATS_PAR_MODALITE = {
    ModalitePlacement.EMBAUCHE_DIRECTE: [
        TypeContrat.CDI,
        TypeContrat.CDI_CHANTIER,
        TypeContrat.CDD,
        TypeContrat.APPRENTISSAGE,
        TypeContrat.PROFESSIONNALISATION,
        TypeContrat.AUTRE,
    ],
    ModalitePlacement.MAD_ETTI: [TypeContrat.INTERIM],
    ModalitePlacement.MAD_AI: [TypeContrat.MAD_AI],
    ModalitePlacement.MAD_GEIQ: [TypeContrat.PROFESSIONNALISATION, TypeContrat.APPRENTISSAGE],
    ModalitePlacement.SOUS_TRAITANCE_SIAE: [TypeContrat.CDDI],
    ModalitePlacement.FORMATION: [TypeContrat.FORMATION],
}

STATUTS_PLACEMENT_POSSIBLE = (StatutMarche.ATTRIBUE, StatutMarche.EN_EXECUTION, StatutMarche.ACHEVE)


def _champ_date(**attrs) -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


def _date_fr(jour: dt.date) -> str:
    return date_longue(jour)


def _helper(*layout) -> FormHelper:
    helper = FormHelper()
    helper.layout = Layout(*layout)
    helper.add_input(Submit("enregistrer", "Enregistrer"))
    return helper


def _ligne(*champs: str, largeur: str = "col-md") -> Row:
    return Row(*(Column(champ, css_class=largeur) for champ in champs))


# Why each field of a participant is asked (GDPR art. 5.1.c, minimisation): shown under the field, in the
# dashboard's form and the admin's alike. A field that cannot say why it is asked has no place in the form.
POURQUOI_PARTICIPANT = {
    "nom": "Avec le prénom et la date de naissance, pour reconnaître la personne et éviter les doublons. "
    "Jamais transmis aux donneurs d'ordre.",
    "prenom": "Pour reconnaître la personne avec son nom et sa date de naissance.",
    "date_naissance": "Pour vérifier les critères d'âge (moins de 26 ans, 50 ans et plus) et compter les publics "
    "par âge.",
    "genre": "Pour les statistiques femmes-hommes des bilans, en nombres seulement.",
    "commune": "Pour les statistiques par territoire : la commune suffit, pas d'adresse postale.",
    "code_postal": "Pour les statistiques par territoire.",
    "reside_qpv": "La résidence en quartier prioritaire rend éligible et compte pour les minimums d'heures QPV.",
    "qpv": "Obligatoire si la personne réside en QPV : pour vérifier son éligibilité.",
    "niveau_qualification": "Pour le critère de faible qualification et les bilans par niveau.",
    "criteres": "Ce qui rend la personne éligible à la clause (au moins un). Une reconnaissance de travailleur "
    "handicapé (RQTH), donnée de santé, se renseigne par ce seul critère, jamais dans les notes.",
    "prescripteur": "L'organisme qui a orienté la personne : pour suivre son parcours avec lui.",
    "identifiant_france_travail": "Facultatif : pour échanger avec France Travail sur le parcours. Jamais le "
    "numéro de sécurité sociale.",
    "date_orientation": "Pour dater le début du parcours et l'âge à l'orientation.",
    "telephone": "Facultatif : pour joindre la personne pendant son parcours et six mois après.",
    "email": "Facultatif : pour joindre la personne pendant son parcours et six mois après.",
    "notes": "Des faits utiles au suivi. Ni numéro de sécurité sociale, ni donnée de santé, ni appréciation "
    "sur la personne : elle peut demander à lire ses données.",
}


class ParticipantForm(forms.ModelForm):
    class Meta:
        model = Participant
        fields = [
            "nom",
            "prenom",
            "date_naissance",
            "genre",
            "commune",
            "code_postal",
            "reside_qpv",
            "qpv",
            "niveau_qualification",
            "criteres",
            "prescripteur",
            "identifiant_france_travail",
            "date_orientation",
            "telephone",
            "email",
            "notes",
        ]
        widgets = {
            "date_naissance": _champ_date(),
            "date_orientation": _champ_date(),
            "criteres": forms.CheckboxSelectMultiple,
            "genre": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {"criteres": {"required": "Cochez au moins un critère d'éligibilité."}}
        help_texts = POURQUOI_PARTICIPANT

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.doublon: Participant | None = None
        self.fields["genre"].choices = [c for c in self.fields["genre"].choices if c[0]]
        self.fields["criteres"].queryset = CritereEligibilite.objects.order_by("ordre", "libelle")
        prescripteurs = Operateur.objects.prescripteurs()
        actuel = self.instance.prescripteur_id
        self.fields["prescripteur"].queryset = prescripteurs.filter(Q(actif=True) | Q(pk=actuel)).order_by("nom")
        self.fields["prescripteur"].empty_label = "— Aucun —"
        self.fields["code_postal"].widget.attrs.update(inputmode="numeric", autocomplete="postal-code")
        self.fields["telephone"].widget.attrs["autocomplete"] = "off"
        self.helper = _helper(
            Fieldset(
                "Identité",
                _ligne("nom", "prenom"),
                _ligne("date_naissance", "genre"),
                _ligne("niveau_qualification"),
            ),
            Fieldset("Résidence", _ligne("commune", "code_postal"), _ligne("reside_qpv", "qpv")),
            Fieldset("Éligibilité", "criteres"),
            Fieldset(
                "Orientation et contact",
                _ligne("prescripteur", "date_orientation"),
                _ligne("identifiant_france_travail", "telephone", "email"),
                "notes",
            ),
        )

    def clean_date_naissance(self):
        naissance = self.cleaned_data["date_naissance"]
        age = Participant(date_naissance=naissance).age(timezone.localdate())
        if not AGE_MINIMUM <= age <= AGE_MAXIMUM:
            raise forms.ValidationError(
                f"L'âge doit être compris entre {AGE_MINIMUM} et {AGE_MAXIMUM} ans "
                f"(ici : {age} ans) : vérifiez la date de naissance."
            )
        return naissance

    def clean_code_postal(self):
        code = self.cleaned_data["code_postal"].replace(" ", "")
        if code and not re.fullmatch(r"\d{5}", code):
            raise forms.ValidationError("Le code postal compte 5 chiffres.")
        return code

    def clean_date_orientation(self):
        orientation = self.cleaned_data["date_orientation"]
        if orientation and orientation > timezone.localdate():
            raise forms.ValidationError("La date d'orientation ne peut pas être dans le futur.")
        return orientation

    def clean(self):
        donnees = super().clean()
        if donnees.get("reside_qpv"):
            if not donnees.get("qpv", "").strip():
                self.add_error("qpv", "Indiquez le quartier prioritaire où réside la personne.")
        else:
            donnees["qpv"] = ""
        self._verifier_criteres(donnees)
        self._verifier_doublon(donnees)
        return donnees

    def _verifier_criteres(self, donnees) -> None:
        codes = {c.code for c in donnees.get("criteres") or []}
        naissance = donnees.get("date_naissance")
        if naissance is None:
            return
        jour = donnees.get("date_orientation") or timezone.localdate()
        age = Participant(date_naissance=naissance).age(jour)
        if "jeune" in codes and age >= AGE_MAX_JEUNE:
            self.add_error(
                "criteres",
                f"Le critère « jeune » concerne les moins de {AGE_MAX_JEUNE} ans : "
                f"la personne avait {age} ans à l'orientation.",
            )
        if "senior" in codes and age < AGE_MIN_SENIOR:
            self.add_error(
                "criteres",
                f"Le critère « plus de {AGE_MIN_SENIOR} ans » ne s'applique pas : "
                f"la personne avait {age} ans à l'orientation.",
            )

    def _verifier_doublon(self, donnees) -> None:
        nom, prenom, naissance = donnees.get("nom"), donnees.get("prenom"), donnees.get("date_naissance")
        if not (nom and prenom and naissance):
            return
        self.doublon = doublon_participant(nom, prenom, naissance, sauf=self.instance.pk)
        if self.doublon is not None:
            raise forms.ValidationError(
                format_html(
                    "Une personne du même nom, prénom et date de naissance est déjà suivie : "
                    '<a href="{}">fiche {}</a>. Complétez cette fiche plutôt que d\'en créer une seconde.',
                    reverse("clauses:participant", args=[self.doublon.pk]),
                    self.doublon.reference,
                ),
                code="doublon",
            )


class RemiseNoticeForm(forms.Form):
    """When and how the participant was given the information notice (a small form of the participant's page)."""

    remise_le = forms.DateField(
        label="Remise le",
        widget=_champ_date(**{"class": "form-control form-control-sm"}),
        error_messages={"required": "Indiquez le jour où la notice a été remise."},
    )
    mode = forms.ChoiceField(
        label="Mode de remise",
        choices=ModeRemiseNotice.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "Indiquez comment la notice a été remise."},
    )

    def clean_remise_le(self):
        jour = self.cleaned_data["remise_le"]
        if jour > timezone.localdate():
            raise forms.ValidationError("La date de remise ne peut pas être dans le futur.")
        return jour

    def _post_clean(self):
        super()._post_clean()
        # The template renders the fields by hand: the invalid ones say so to assistive technologies.
        for nom in self.errors:
            if nom in self.fields:
                attrs = self.fields[nom].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                if nom == "remise_le":
                    attrs["aria-describedby"] = f"id_{nom}-erreur"


class AttributionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Attribution) -> str:
        marche = obj.lot.marche
        return (
            f"{obj.entreprise.raison_sociale} — Lot {obj.lot.numero} — {marche.objet} ({marche.donneur_d_ordre.nom})"
        )


class ParticipantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Participant) -> str:
        return f"{obj.reference} — {obj.nom} {obj.prenom}"


class PlacementForm(forms.ModelForm):
    participant = ParticipantChoiceField(queryset=Participant.objects.none(), label="Participant")
    attribution = AttributionChoiceField(
        queryset=Attribution.objects.none(),
        label="Attributaire",
        help_text="Entreprise — lot — marché (donneur d'ordre). Seuls les marchés attribués, "
        "en exécution ou achevés sont proposés.",
    )

    class Meta:
        model = Placement
        fields = [
            "participant",
            "attribution",
            "modalite",
            "operateur",
            "type_contrat",
            "poste",
            "date_debut",
            "date_fin_prevue",
            "date_fin",
            "duree_hebdomadaire",
            "reside_qpv",
            "notes",
        ]
        widgets = {
            "date_debut": _champ_date(),
            "date_fin_prevue": _champ_date(),
            "date_fin": _champ_date(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        # An anonymised person takes no new placement; an existing placement keeps its person.
        self.fields["participant"].queryset = Participant.objects.filter(
            Q(anonymise_le__isnull=True) | Q(pk=instance.participant_id)
        ).order_by("nom", "prenom", "pk")
        self.fields["attribution"].queryset = (
            Attribution.objects.filter(
                Q(lot__marche__statut__in=STATUTS_PLACEMENT_POSSIBLE) | Q(pk=instance.attribution_id)
            )
            .select_related("entreprise", "lot__marche__donneur_d_ordre")
            .order_by("entreprise__raison_sociale", "lot__marche__objet", "lot__numero")
        )
        self.fields["operateur"].queryset = (
            Operateur.objects.operateurs_insertion()
            .filter(Q(actif=True) | Q(pk=instance.operateur_id))
            .order_by("nom")
        )
        self.fields["operateur"].empty_label = "— Aucun (embauche directe) —"
        self.fields[
            "operateur"
        ].help_text = "ETTI, AI, GEIQ, EI ou ACI, organisme de formation ; vide en embauche directe."
        self.fields["duree_hebdomadaire"].help_text = "48 heures au plus."
        # A new placement takes the residence of the participant's file (Placement.save): the facilitator corrects
        # it afterwards when the person lived elsewhere on the day of hiring.
        residence = []
        if instance.pk is None:
            del self.fields["reside_qpv"]
        else:
            residence = ["reside_qpv"]
        self.helper = _helper(
            _ligne("participant", "attribution"),
            _ligne("modalite", "operateur"),
            _ligne("type_contrat", "poste"),
            _ligne("date_debut", "date_fin_prevue", "date_fin", "duree_hebdomadaire"),
            *residence,
            "notes",
        )

    def clean(self):
        donnees = super().clean()
        modalite = donnees.get("modalite")
        operateur = donnees.get("operateur")
        if modalite in OPERATEUR_PAR_MODALITE and operateur is None:
            self.add_error(
                "operateur",
                f"Indiquez l'opérateur : la modalité « {ModalitePlacement(modalite).label} » passe par un opérateur.",
            )
        if modalite == ModalitePlacement.EMBAUCHE_DIRECTE and operateur is not None:
            self.add_error("operateur", "Une embauche directe ne passe pas par un opérateur : laissez ce champ vide.")
        contrat = donnees.get("type_contrat")
        attendus = CONTRATS_PAR_MODALITE.get(modalite)
        if contrat and attendus and contrat not in attendus:
            libelles = " ou ".join(f"« {TypeContrat(c).label} »" for c in attendus)
            self.add_error(
                "type_contrat",
                f"Ce contrat ne correspond pas à la modalité « {ModalitePlacement(modalite).label} » : "
                f"choisissez {libelles}.",
            )
        return donnees

    def avertissements(self) -> list[str]:
        """What deserves a second look without blocking the record (called once the form is valid)."""
        placement = self.instance
        lot = placement.attribution.lot
        debut, fin = lot.date_debut, lot.date_fin
        hors_periode = (debut is not None and placement.date_debut < debut) or (
            fin is not None and placement.date_debut > fin
        )
        if not hors_periode:
            return []
        periode = " ".join(
            partie
            for partie in (f"du {_date_fr(debut)}" if debut else "", f"au {_date_fr(fin)}" if fin else "")
            if partie
        )
        return [
            f"Le placement commence le {_date_fr(placement.date_debut)}, hors de la période d'exécution "
            f"du lot {lot.numero} ({periode}) : vérifiez les dates."
        ]


def _situations_groupees() -> list:
    groupes = [
        (categorie.label, [(s.value, s.label) for s in Situation if CATEGORIE_PAR_SITUATION[s] == categorie])
        for categorie in CategorieSortie
    ]
    return [("", "---------"), *groupes]


class SortieForm(forms.ModelForm):
    class Meta:
        model = Sortie
        fields = ["moment", "date_constat", "situation", "employeur", "commentaire"]
        widgets = {
            "moment": forms.RadioSelect,
            "date_constat": _champ_date(),
            "commentaire": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, placement: Placement, **kwargs):
        super().__init__(*args, **kwargs)
        self.placement = placement
        self.instance.placement = placement
        self.fields["situation"].choices = _situations_groupees()
        self.fields["situation"].help_text = "Regroupées selon les catégories nationales de sortie de l'IAE."
        self.fields["employeur"].help_text = "En cas d'emploi ou de formation : l'employeur ou l'organisme."
        self.helper = _helper(_ligne("moment", "date_constat"), _ligne("situation", "employeur"), "commentaire")

    def clean(self):
        donnees = super().clean()
        moment, constat = donnees.get("moment"), donnees.get("date_constat")
        placement = self.placement
        if moment and Sortie.objects.filter(placement=placement, moment=moment).exclude(pk=self.instance.pk).exists():
            self.add_error(
                "moment",
                f"La sortie « {MomentSortie(moment).label.lower()} » est déjà enregistrée pour ce placement : "
                "modifiez-la plutôt.",
            )
        if constat is None:
            return donnees
        if constat > timezone.localdate():
            self.add_error("date_constat", "La date constatée ne peut pas être dans le futur.")
        elif placement.date_fin is None:
            if moment == MomentSortie.SIX_MOIS:
                self.add_error(
                    "moment",
                    "Renseignez d'abord la fin effective du placement : la sortie à six mois se constate "
                    "six mois après.",
                )
            elif constat < placement.date_debut:
                self.add_error(
                    "date_constat",
                    f"La sortie ne peut pas précéder le début du placement ({_date_fr(placement.date_debut)}).",
                )
        elif constat < placement.date_fin:
            self.add_error(
                "date_constat",
                f"La sortie ne peut pas être constatée avant la fin du placement ({_date_fr(placement.date_fin)}).",
            )
        elif moment == MomentSortie.SIX_MOIS and constat < date_sortie_six_mois(placement.date_fin):
            self.add_error(
                "date_constat",
                "La sortie à six mois se constate au plus tôt six mois après la fin du placement, "
                f"soit le {_date_fr(date_sortie_six_mois(placement.date_fin))}.",
            )
        return donnees
