"""Documents asked for from a page: what may be asked, for which period, and the row that follows.

The facilitator may ask for any document produced on demand, for any scope; a référent only for a
rapport périodique or a bilan annuel of their own organisation, never a nominative copy. Either way the
forms below check the request (a scope that exists, a period in order), ``demander`` creates the row
« en attente » (``travaux.demander_rapport`` queues the worker after commit) and the page then follows the
row's state through ``includes/rapport_etat.html``, by htmx polling.
"""

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date

from config.formats import date_longue
from conventions.forms import champ_date
from conventions.models import Convention, DonneurDOrdre, Periodicite
from marches.models import Marche
from reporting import bilans, travaux
from reporting.models import Rapport, StatutRapport, TypeRapport

EN_PREPARATION = (StatutRapport.EN_ATTENTE, StatutRapport.EN_COURS)
# Past this age a row still waiting is no longer polled: its page says so and offers to reload by hand (a tab
# left open on a worker that is down would otherwise poll for ever).
FIN_DU_SUIVI = dt.timedelta(minutes=30)
# After this, a waiting row gets a word on what may be wrong (no worker running).
ATTENTE_LONGUE = dt.timedelta(minutes=2)
PERIODES_PROPOSEES = 12


# --- Periods ---------------------------------------------------------------------------------------------


def _mois_avant(jour: dt.date, mois: int) -> dt.date:
    """The first day of the month ``mois`` months before ``jour``'s."""
    index = jour.year * 12 + jour.month - 1 - mois
    return dt.date(index // 12, index % 12 + 1, 1)


def libelle_periode_periodique(debut: dt.date, periodicite: str) -> str:
    if periodicite == Periodicite.MENSUELLE:
        return format_date(debut, "F Y")
    trimestre = (debut.month - 1) // 3 + 1
    return f"{'1er' if trimestre == 1 else f'{trimestre}e'} trimestre {debut.year}"


def periodes_periodiques(periodicite: str, jour: dt.date, nombre: int = PERIODES_PROPOSEES) -> list[tuple]:
    """The last ``nombre`` complete months or quarters before ``jour``, latest first: (debut, fin, libellé)."""
    duree = 1 if periodicite == Periodicite.MENSUELLE else 3
    debut = _mois_avant(jour, (jour.month - 1) % duree)  # the start of the current month or quarter
    periodes = []
    for _ in range(nombre):
        fin, debut = debut - dt.timedelta(days=1), _mois_avant(debut, duree)
        periodes.append((debut, fin, libelle_periode_periodique(debut, periodicite)))
    return periodes


def periode_du_marche(marche: Marche, jour: dt.date) -> tuple[dt.date, dt.date]:
    """A rapport de marché covers the marché from its start (planned, else attributed, else recorded) to today."""
    debut = marche.date_debut_prevue or marche.date_attribution or timezone.localdate(marche.cree_le)
    return min(debut, jour), jour


def periode_du_bilan(convention: Convention, numero: int, jour: dt.date) -> tuple[dt.date, dt.date] | None:
    """The dates of the bilan of period ``numero``: those of its written bilan if there is one, as the bilan's
    page does, else the period's; None when that period has not started."""
    ecrit = convention.bilans.filter(numero_periode=numero).values_list("periode_debut", "periode_fin").first()
    if ecrit:
        return ecrit
    periode = bilans.periode_commencee(convention, numero, jour)
    return (periode.debut, periode.echeance) if periode else None


def periodes_de_bilan(conventions, jour: dt.date) -> list[tuple[str, str]]:
    """(value, label) of every started period of these conventions, latest first, for a select."""
    choix = []
    for convention in conventions:
        nom = f"Convention n° {convention.numero}" if convention.numero else "Convention de coopération"
        for periode in reversed(bilans.periodes_commencees(convention, jour)):
            libelle = f"{nom} — année du {date_longue(periode.debut)} au {date_longue(periode.echeance)}"
            choix.append((f"{convention.pk}-{periode.numero}", libelle))
    return choix


# --- The request ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demande:
    type: str
    debut: dt.date
    fin: dt.date
    donneur: DonneurDOrdre | None = None
    convention: Convention | None = None
    marche: Marche | None = None
    nominatif: bool = False


def demander(demande: Demande, par) -> tuple[Rapport, bool]:
    """The row of this request, and whether it is new.

    The same request by the same person, still waiting or running since a moment, is the same row: a
    double click (or a second tab) follows the first row instead of queueing the work twice.
    """
    identique = Rapport.objects.filter(
        type=demande.type,
        periode_debut=demande.debut,
        periode_fin=demande.fin,
        donneur_d_ordre=demande.donneur,
        convention=demande.convention,
        marche=demande.marche,
        nominatif=demande.nominatif,
        demande_par=par,
        statut__in=EN_PREPARATION,
        cree_le__gte=timezone.now() - travaux.DELAI_DE_REPRISE,
    ).first()
    if identique is not None:
        return identique, False
    rapport = travaux.demander_rapport(
        demande.type,
        debut=demande.debut,
        fin=demande.fin,
        par=par,
        donneur=demande.donneur,
        convention=demande.convention,
        marche=demande.marche,
        nominatif=demande.nominatif,
    )
    return rapport, True


def relancer(rapport: Rapport, par) -> Rapport:
    """A new row for the same document as a failed one (the failed row stays, with its message)."""
    return travaux.demander_rapport(
        rapport.type,
        debut=rapport.periode_debut,
        fin=rapport.periode_fin,
        par=par,
        donneur=rapport.donneur_d_ordre,
        convention=rapport.convention,
        marche=rapport.marche,
        nominatif=rapport.nominatif,
    )


# --- Forms ------------------------------------------------------------------------------------------------

TYPES_A_LA_DEMANDE = [
    (TypeRapport.RAPPORT_MARCHE.value, TypeRapport.RAPPORT_MARCHE.label),
    (TypeRapport.BILAN_ANNUEL.value, TypeRapport.BILAN_ANNUEL.label),
    (TypeRapport.RAPPORT_PERIODIQUE.value, TypeRapport.RAPPORT_PERIODIQUE.label),
    (TypeRapport.BILAN_TERRITORIAL.value, TypeRapport.BILAN_TERRITORIAL.label),
    (TypeRapport.ENQUETE_NATIONALE.value, TypeRapport.ENQUETE_NATIONALE.label),
    (TypeRapport.ENQUETE_SYNTHESE.value, TypeRapport.ENQUETE_SYNTHESE.label),
]
# The national survey covers one calendar year; the structure porteuse answers it for the year before.
TYPES_ENQUETE = (TypeRapport.ENQUETE_NATIONALE, TypeRapport.ENQUETE_SYNTHESE)
COPIE_DONNEUR, COPIE_NOMINATIVE = "donneur", "nominative"
COPIES = [
    (COPIE_DONNEUR, "Copie pour le donneur d'ordre (aucun participant nommé)"),
    (COPIE_NOMINATIVE, "Copie nominative du facilitateur (cite les participants)"),
]


def _verifier_periode(debut, fin, jour: dt.date) -> None:
    if fin < debut:
        raise ValidationError({"fin": "La fin de la période ne peut pas précéder son début."})
    if debut > jour:
        raise ValidationError({"debut": "La période ne peut pas commencer après aujourd'hui."})


class DemandeRapportForm(forms.Form):
    """What a facilitator asks for. The pages' buttons send the scope in hidden fields; an empty period takes
    the document's usual one (the marché to date, the last complete month or quarter, the last year)."""

    type = forms.ChoiceField(
        label="Document",
        choices=TYPES_A_LA_DEMANDE,
        error_messages={
            "required": "Choisissez le document à produire.",
            "invalid_choice": "Ce document ne se produit pas à la demande.",
        },
    )
    marche = forms.ModelChoiceField(
        label="Marché",
        queryset=Marche.objects.select_related("donneur_d_ordre"),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Ce marché n'existe pas (ou plus)."},
    )
    copie = forms.ChoiceField(label="Copie", choices=COPIES, required=False, widget=forms.RadioSelect)
    convention = forms.ModelChoiceField(
        label="Convention",
        queryset=Convention.objects.select_related("donneur_d_ordre"),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Cette convention n'existe pas (ou plus)."},
    )
    numero_periode = forms.IntegerField(
        label="Année de la convention (période n°)",
        min_value=1,
        max_value=999,
        required=False,
        error_messages={"invalid": "Indiquez le numéro de la période, un nombre entier."},
    )
    donneur = forms.ModelChoiceField(
        label="Donneur d'ordre",
        queryset=DonneurDOrdre.objects.order_by("nom", "pk"),
        required=False,
        empty_label="Choisissez…",
        help_text="Pour un rapport périodique.",
        error_messages={"invalid_choice": "Ce donneur d'ordre n'existe pas (ou plus)."},
    )
    debut = forms.DateField(
        label="Du",
        required=False,
        widget=champ_date(),
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )
    fin = forms.DateField(
        label="Au",
        required=False,
        widget=champ_date(),
        help_text="Laissez les deux dates vides pour la période habituelle du document.",
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )

    def __init__(self, *args, jour: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.jour = jour or timezone.localdate()
        for nom, champ in self.fields.items():
            if nom == "copie":
                continue
            css = "form-select" if isinstance(champ.widget, forms.Select) else "form-control"
            champ.widget.attrs.setdefault("class", css)

    def _periode(self, par_defaut) -> tuple[dt.date, dt.date]:
        debut, fin = self.cleaned_data.get("debut"), self.cleaned_data.get("fin")
        if debut is None and fin is None:
            return par_defaut()
        if debut is None or fin is None:
            raise ValidationError("Indiquez le début et la fin de la période, ou aucun des deux.")
        _verifier_periode(debut, fin, self.jour)
        return debut, fin

    def clean(self):
        super().clean()
        donnees = self.cleaned_data
        type_ = donnees.get("type")
        if type_ is None or self.errors:
            # A field already refused (a date that is not one, a scope that does not exist) is said once, by
            # its field: no default period may stand in for a date the user typed.
            return donnees
        if type_ == TypeRapport.RAPPORT_MARCHE:
            self.demande = self._rapport_marche(donnees)
        elif type_ == TypeRapport.BILAN_ANNUEL:
            self.demande = self._bilan_annuel(donnees)
        elif type_ == TypeRapport.RAPPORT_PERIODIQUE:
            self.demande = self._rapport_periodique(donnees)
        elif type_ in TYPES_ENQUETE:
            self.demande = self._enquete(type_)
        else:
            annee = self.jour.year - 1  # the territorial bilan's usual year: the last complete one
            debut, fin = self._periode(lambda: (dt.date(annee, 1, 1), dt.date(annee, 12, 31)))
            self.demande = Demande(type_, debut, fin)
        return donnees

    def _rapport_marche(self, donnees) -> Demande:
        marche = donnees.get("marche")
        if marche is None:
            raise ValidationError("Choisissez le marché du rapport (depuis la page du marché).")
        debut, fin = self._periode(lambda: periode_du_marche(marche, self.jour))
        if donnees.get("copie") == COPIE_NOMINATIVE:
            # The facilitator's copy names participants: it is addressed to no donneur d'ordre.
            return Demande(TypeRapport.RAPPORT_MARCHE, debut, fin, marche=marche, nominatif=True)
        return Demande(TypeRapport.RAPPORT_MARCHE, debut, fin, donneur=marche.donneur_d_ordre, marche=marche)

    def _bilan_annuel(self, donnees) -> Demande:
        convention, numero = donnees.get("convention"), donnees.get("numero_periode")
        if convention is None:
            raise ValidationError("Choisissez la convention du bilan (depuis la page de la convention).")
        if numero is None:
            raise ValidationError({"numero_periode": "Indiquez l'année de la convention (le numéro de la période)."})
        dates = periode_du_bilan(convention, numero, self.jour)
        if dates is None:
            raise ValidationError({"numero_periode": f"La période n° {numero} de cette convention n'a pas commencé."})
        return Demande(TypeRapport.BILAN_ANNUEL, *dates, donneur=convention.donneur_d_ordre, convention=convention)

    def _enquete(self, type_: str) -> Demande:
        """The survey of a calendar year: the last complete one by default."""
        annee = self.jour.year - 1
        debut, fin = self._periode(lambda: (dt.date(annee, 1, 1), dt.date(annee, 12, 31)))
        if (debut.month, debut.day, fin.month, fin.day) != (1, 1, 12, 31) or debut.year != fin.year:
            raise ValidationError(
                "L'enquête nationale porte sur une année civile : du 1er janvier au 31 décembre d'une même année."
            )
        return Demande(type_, debut, fin)

    def _rapport_periodique(self, donnees) -> Demande:
        donneur = donnees.get("donneur")
        if donneur is None:
            raise ValidationError({"donneur": "Choisissez le donneur d'ordre du rapport périodique."})
        debut, fin = self._periode(lambda: periodes_periodiques(donneur.periodicite_rapport, self.jour, 1)[0][:2])
        return Demande(TypeRapport.RAPPORT_PERIODIQUE, debut, fin, donneur=donneur)


class DemandePortailForm(forms.Form):
    """What a référent asks for: their organisation's rapport périodique or bilan annuel, from choices built
    on that organisation only (a value outside them, another organisation's convention, is refused)."""

    TYPES = [
        (TypeRapport.RAPPORT_PERIODIQUE.value, TypeRapport.RAPPORT_PERIODIQUE.label),
        (TypeRapport.BILAN_ANNUEL.value, TypeRapport.BILAN_ANNUEL.label),
    ]

    type = forms.ChoiceField(
        label="Document",
        choices=TYPES,
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choisissez le document à produire.",
            "invalid_choice": "Ce document ne se demande pas depuis le portail.",
        },
    )
    periode = forms.ChoiceField(
        label="Période",
        required=False,
        error_messages={"invalid_choice": "Choisissez l'une des périodes proposées."},
    )
    annee_convention = forms.ChoiceField(
        label="Année de la convention",
        required=False,
        error_messages={"invalid_choice": "Choisissez l'une des années de vos conventions."},
    )

    def __init__(self, *args, donneur: DonneurDOrdre, jour: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.donneur, self.jour = donneur, jour or timezone.localdate()
        proposees = periodes_periodiques(donneur.periodicite_rapport, self.jour)
        self.periodes = {debut.isoformat(): (debut, fin) for debut, fin, _ in proposees}
        cast(forms.ChoiceField, self.fields["periode"]).choices = [
            (debut.isoformat(), libelle) for debut, _, libelle in proposees
        ]
        self.conventions = {c.pk: c for c in Convention.objects.for_donneur(donneur).order_by("-date_effet", "pk")}
        cast(forms.ChoiceField, self.fields["annee_convention"]).choices = periodes_de_bilan(
            self.conventions.values(), self.jour
        )
        for champ in ("periode", "annee_convention"):
            self.fields[champ].widget.attrs["class"] = "form-select"

    def clean(self):
        super().clean()
        donnees = self.cleaned_data
        type_ = donnees.get("type")
        if type_ == TypeRapport.RAPPORT_PERIODIQUE:
            if not donnees.get("periode"):
                raise ValidationError({"periode": "Choisissez la période du rapport."})
            debut, fin = self.periodes[donnees["periode"]]
            self.demande = Demande(type_, debut, fin, donneur=self.donneur)
        elif type_ == TypeRapport.BILAN_ANNUEL:
            if not donnees.get("annee_convention"):
                raise ValidationError({"annee_convention": "Choisissez l'année de la convention."})
            pk, numero = (int(x) for x in donnees["annee_convention"].split("-"))
            convention = self.conventions[pk]
            dates = periode_du_bilan(convention, numero, self.jour)
            if dates is None:  # the choices hold started periods only; a day may have passed since
                raise ValidationError({"annee_convention": "Cette année de la convention n'a pas commencé."})
            self.demande = Demande(type_, *dates, donneur=self.donneur, convention=convention)
        return donnees


# --- What the pages show -------------------------------------------------------------------------------------


def rapports_du_portail(donneur, user):
    """The rows a référent may follow: their organisation's ready documents, and what they asked for themselves
    (never a nominative copy, which is never addressed to a donneur d'ordre anyway)."""
    return (
        Rapport.objects.for_donneur(donneur)
        .filter(nominatif=False)
        .filter(Q(statut=StatutRapport.PRET) | Q(demande_par=user))
    )


def contexte_etat(rapport: Rapport, espace: str) -> dict:
    """What ``includes/rapport_etat.html`` needs: the row, its URLs in ``espace`` (« reporting » for the
    facilitator, « portail » for the référent) and whether the page keeps polling."""
    age = timezone.now() - rapport.cree_le
    en_preparation = rapport.statut in EN_PREPARATION
    return {
        "rapport": rapport,
        "url_etat": reverse(f"{espace}:rapport_etat", args=[rapport.pk]),
        "url_telechargement": reverse(f"{espace}:rapport_telecharger", args=[rapport.pk]),
        "url_relance": reverse(f"{espace}:rapport_relance", args=[rapport.pk]),
        "suivi": en_preparation and age < FIN_DU_SUIVI,
        "attente_longue": en_preparation and age >= ATTENTE_LONGUE,
        "cote_portail": espace == "portail",
        "deja_demande": False,
    }
