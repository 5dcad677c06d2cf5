"""The hour calculator of a lot and the drafter's editable texts."""

from decimal import Decimal

from django import forms

from clauses import objectif
from clauses.models import ClauseInsertion, CorpsDEtat, DestinationModele, ModaliteJuridique
from clauses.redaction import Calcul, OptionsRedaction
from marches.models import Lot

CHAMPS_CALCUL = ("montant_ht", "part_main_oeuvre", "taux_insertion", "cout_horaire")

# What a facilitator starts from on a new clause: the usual rate and hourly cost (DOMAIN: 5–10 %, 25–35 €/h).
TAUX_PAR_DEFAUT = Decimal("5")
COUT_HORAIRE_PAR_DEFAUT = Decimal("30")


class ModaliteChoix(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: ModaliteJuridique) -> str:
        return f"{obj.libelle} (article {obj.article})"


class ClauseForm(forms.ModelForm):
    """The calculator. Choosing another corps d'état copies its labour share into the form: ``corps_precedent``
    remembers the corps the shown share came from, so this works for htmx previews and plain submits alike."""

    corps_precedent = forms.CharField(required=False, widget=forms.HiddenInput)
    modalites = ModaliteChoix(
        label="Modalités juridiques",
        queryset=ModaliteJuridique.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=(
            "Plusieurs modalités peuvent se combiner sur un même lot. Depuis le 22 août 2026, un marché d'une valeur "
            "estimée égale ou supérieure aux seuils européens comporte une condition d'exécution sociale ou relative "
            "à l'emploi, sauf dans les cas que prévoit l'article L2112-2-1 du Code de la commande publique."
        ),
    )

    class Meta:
        model = ClauseInsertion
        fields = [
            "montant_ht",
            "corps_d_etat",
            "part_main_oeuvre",
            "taux_insertion",
            "cout_horaire",
            "modalites",
            "heures_forcees",
            "motif_forcage",
            "part_qpv_minimum",
        ]
        labels = {"montant_ht": "Montant HT (€)"}
        help_texts = {"corps_d_etat": "Choisir un corps d'état reprend sa part de main-d'œuvre habituelle."}
        widgets = {"motif_forcage": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, data=None, *, lot: Lot, **kwargs):
        self.part_reprise: CorpsDEtat | None = None
        instance = kwargs.get("instance")
        corps = CorpsDEtat.objects.filter(actif=True)
        if instance is not None and instance.corps_d_etat_id:
            corps = CorpsDEtat.objects.filter(actif=True) | CorpsDEtat.objects.filter(pk=instance.corps_d_etat_id)
        if data is not None:
            data = self._reprendre_part(data.copy(), corps)
        super().__init__(data, **kwargs)
        self.lot = lot
        self.fields["corps_d_etat"].queryset = corps
        self.fields["corps_d_etat"].empty_label = "Autre (saisir la part)"
        if instance is None:
            self.initial.setdefault("montant_ht", lot.montant_ht)
            self.initial.setdefault("taux_insertion", TAUX_PAR_DEFAUT)
            self.initial.setdefault("cout_horaire", COUT_HORAIRE_PAR_DEFAUT)
        else:
            self.initial["corps_precedent"] = instance.corps_d_etat_id or ""
        # « 70 » rather than « 70.00 » in the inputs.
        for nom in ("montant_ht", "part_main_oeuvre", "taux_insertion", "cout_horaire", "part_qpv_minimum"):
            if isinstance(self.initial.get(nom), Decimal):
                self.initial[nom] = f"{self.initial[nom].normalize():f}"
        for nom in ("montant_ht", "part_main_oeuvre", "taux_insertion", "part_qpv_minimum", "heures_forcees"):
            self.fields[nom].widget.attrs["min"] = "0"
        for nom in ("part_main_oeuvre", "taux_insertion", "part_qpv_minimum"):
            self.fields[nom].widget.attrs["max"] = "100"
        self.fields["heures_forcees"].label = "Objectif forcé (heures)"
        self.fields["heures_forcees"].help_text = "Laisser vide pour retenir le calcul."
        self.fields["motif_forcage"].help_text = "Obligatoire quand l'objectif est forcé."

    def _reprendre_part(self, data, corps):
        choisi = data.get("corps_d_etat") or ""
        if choisi and choisi != (data.get("corps_precedent") or "") and choisi.isdigit():
            self.part_reprise = corps.filter(pk=choisi).first()
            if self.part_reprise is not None:
                data["part_main_oeuvre"] = f"{self.part_reprise.part_main_oeuvre.normalize():f}"
        data["corps_precedent"] = choisi
        return data

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("heures_forcees") is not None and not (cleaned_data.get("motif_forcage") or "").strip():
            self.add_error(
                "motif_forcage",
                "Indiquez pourquoi l'objectif retenu diffère du calcul (ex. : reprise du personnel en place).",
            )
        return cleaned_data

    def calcul(self) -> Calcul | None:
        """The formula and its result from the valid inputs; None while one of them is missing or wrong."""
        donnees = getattr(self, "cleaned_data", {})
        if any(donnees.get(nom) is None for nom in CHAMPS_CALCUL):
            return None
        valeurs = [donnees[nom] for nom in CHAMPS_CALCUL]
        try:
            heures = objectif.calculer_heures(*valeurs)
        except objectif.ObjectifInvalide:
            return None
        return Calcul(*valeurs, heures=heures)

    def objectif_force(self) -> int | None:
        if self.is_bound:
            return getattr(self, "cleaned_data", {}).get("heures_forcees")
        return self.instance.heures_forcees if self.instance.pk else None

    def donnees_clause(self) -> dict:
        return {nom: self.cleaned_data[nom] for nom in self.Meta.fields}


class RedactionForm(forms.Form):
    """The drafted texts as the facilitator edited them; what is posted is what is downloaded."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for destination, libelle in DestinationModele.choices:
            self.fields[destination] = forms.CharField(
                label=libelle,
                required=False,
                max_length=50_000,
                widget=forms.Textarea(attrs={"rows": 16, "class": "form-control"}),
            )

    def clean(self):
        cleaned_data = super().clean()
        if not any((cleaned_data.get(d) or "").strip() for d in DestinationModele.values):
            raise forms.ValidationError("Les textes sont vides : il n'y a rien à télécharger.")
        return cleaned_data

    def sections(self) -> list[tuple[str, str]]:
        return [
            (libelle, self.cleaned_data.get(destination) or "") for destination, libelle in DestinationModele.choices
        ]


class OptionsRedactionForm(forms.Form):
    """What the drafted texts depend on beyond the clause: read from the drafting page's query string, so that a
    choice is a link the facilitator can come back to."""

    seuils_europeens = forms.BooleanField(
        label="Marché d'une valeur estimée égale ou supérieure aux seuils européens",
        required=False,
        help_text=(
            "Pour une consultation engagée depuis le 22 août 2026, l'article L2112-2-1 du Code de la commande "
            "publique impose alors une condition d'exécution sociale ou relative à l'emploi, sauf exceptions prévues "
            "par cet article : le texte indique que la clause y répond."
        ),
    )
    deroger_plafond = forms.BooleanField(
        label="Déroger au plafond des pénalités du CCAG",
        required=False,
        help_text=(
            "Sans dérogation, les pénalités de la clause restent soumises au plafond du CCAG auquel se réfère le "
            "marché. Pour qu'elles ne soient pas plafonnées, le CCAP doit déroger expressément à l'article du CCAG "
            "qui fixe ce plafond et reprendre cette dérogation dans la liste de ses dérogations au CCAG."
        ),
    )
    article_ccag = forms.CharField(
        label="Numéro de l'article du CCAG auquel il est dérogé",
        required=False,
        max_length=30,
        help_text=(
            "Le numéro de l'article qui plafonne les pénalités dans le CCAG auquel se réfère le marché, à vérifier "
            "dans ce CCAG. Dans les CCAG 2021, selon les commentaires publiés : 19.2.2 (Travaux), 14.1.2 (FCS, PI, "
            "TIC), 16.2.2 (maîtrise d'œuvre), 15.2 (marchés industriels). Laissé vide, le texte porte « [article à "
            "compléter] »."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for nom, champ in self.fields.items():
            classe = "form-check-input" if isinstance(champ, forms.BooleanField) else "form-control"
            champ.widget.attrs.update({"class": classe, "aria-describedby": f"id_{nom}_aide"})

    def options(self) -> OptionsRedaction:
        donnees = self.cleaned_data if self.is_valid() else {}
        return OptionsRedaction(
            seuils_europeens=bool(donnees.get("seuils_europeens")),
            deroger_plafond=bool(donnees.get("deroger_plafond")),
            article_ccag=(donnees.get("article_ccag") or "").strip(),
        )
