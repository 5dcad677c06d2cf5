"""The portal's home, its conventions and marchés, the organisation switcher and the référent's details.

Every lookup starts from ``request.donneur`` (set by ``portail_requis``): another organisation's convention
or marché answers 404. Progress reads the same as on the facilitator's lot page (``clauses.services``):
the target is the clause's, realised hours are those of the months started by today, the expectation is
pro rata of the execution period at the end of the last complete month (``clauses.objectif.date_d_arrete``)
and a lot is late under 80 % of it (``clauses.objectif.en_retard``). Hours are summed in the database with
one grouped query per level, so each page runs a fixed number of queries whatever the number of rows.

People are never listed: a lot shows how many distinct people worked on it, and the home page the year's
people and contracts as the statistics page protects them (``reporting.confidentialite``).
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from clauses import objectif
from clauses.models import HeuresMensuelles
from clauses.services import Avancement
from conventions.models import Avenant, Convention, EtatConvention, User
from conventions.portail import choisir_donneur, portail_requis
from conventions.services import prend_effet

# The calendar's presentation (situation of a day, periods shown) is the facilitator's page's: same words,
# same rules. It lives in that app's views for now; reporting may import conventions.
from conventions.views import Situation, periodes_affichees, situation
from marches.models import STATUTS_ACTIFS, STATUTS_AVEC_OBJECTIF, Attribution, Lot, Marche, StatutMarche
from marches.services import OBJECTIF_LOT, marches_avec_chiffres
from reporting import agregats, confidentialite, indicators
from reporting.confidentialite import masquer
from reporting.indicators import Periode

MARCHES_SUR_L_ACCUEIL = 5
MARCHES_PAR_PAGE = 50


def _personnes(n: int) -> str:
    return f"{masquer(n)} personne{'s' if n else ''}"


# --- Progress of lots and attributaires --------------------------------------------------------------


def _avancement(cible: int, realisees: Decimal, debut, fin, statut: str, arrete: dt.date) -> Avancement:
    """As ``clauses.services.avancement_lot``, from figures already summed: nothing is expected before award."""
    attendues = objectif.heures_attendues(cible, debut, fin, arrete) if statut in STATUTS_AVEC_OBJECTIF else None
    return Avancement(objectif=cible, realisees=realisees, attendues=attendues, arrete_au=arrete)


def _heures_par(champ: str, heures: QuerySet) -> dict[int, dict]:
    """Hours and distinct people with hours, grouped by ``champ`` (one query)."""
    lignes = (
        heures.order_by()
        .values(champ)
        .annotate(
            total=Sum("heures"),
            personnes=Count("placement__participant", distinct=True, filter=Q(heures__gt=0)),
        )
    )
    return {ligne[champ]: ligne for ligne in lignes}


@dataclass(frozen=True)
class LigneAttributaire:
    attribution: Attribution
    realisees: Decimal
    # None when the attributaire has no share of the target to be judged on.
    avancement: Avancement | None


@dataclass(frozen=True)
class LigneLot:
    lot: Lot
    avancement: Avancement
    personnes: str
    attributaires: list[LigneAttributaire]


def _cible_attributaire(attribution: Attribution, cible_lot: int, seul: bool) -> int | None:
    """The attributaire's share of the target; the lot's whole target when it is the lot's only attributaire."""
    if attribution.heures_objectif is not None:
        return attribution.heures_objectif
    return cible_lot if seul else None


def lignes_du_marche(donneur, marche: Marche, jour: dt.date) -> list[LigneLot]:
    """Each lot of ``marche`` and each of its attributaires with their progress, in four queries."""
    arrete = objectif.date_d_arrete(jour)
    lots = list(Lot.objects.for_donneur(donneur).filter(marche=marche).annotate(cible=OBJECTIF_LOT))
    attributions = list(
        Attribution.objects.for_donneur(donneur)
        .filter(lot__marche=marche)
        .select_related("entreprise")
        .order_by("lot", "role", "entreprise__raison_sociale")
    )
    heures = HeuresMensuelles.objects.for_donneur(donneur).filter(
        placement__attribution__lot__marche=marche, mois__lte=jour
    )
    par_lot = _heures_par("placement__attribution__lot", heures)
    par_attribution = _heures_par("placement__attribution", heures)

    attributions_du_lot: dict[int, list[Attribution]] = {}
    for attribution in attributions:
        attributions_du_lot.setdefault(attribution.lot_id, []).append(attribution)
    lignes = []
    for lot in lots:
        chiffres = par_lot.get(lot.pk, {})
        du_lot = attributions_du_lot.get(lot.pk, [])
        attributaires = []
        for attribution in du_lot:
            cible = _cible_attributaire(attribution, lot.cible, len(du_lot) == 1)
            avancement = None
            realisees = par_attribution.get(attribution.pk, {}).get("total") or Decimal(0)
            if cible:
                # An attributaire is judged on its own planned dates when it has both, else on the lot's.
                debut, fin = (
                    (attribution.date_debut, attribution.date_fin)
                    if attribution.date_debut and attribution.date_fin
                    else (lot.date_debut, lot.date_fin)
                )
                avancement = _avancement(cible, realisees, debut, fin, marche.statut, arrete)
            attributaires.append(LigneAttributaire(attribution, realisees, avancement))
        lignes.append(
            LigneLot(
                lot=lot,
                avancement=_avancement(
                    lot.cible, chiffres.get("total") or Decimal(0), lot.date_debut, lot.date_fin, marche.statut, arrete
                ),
                personnes=_personnes(chiffres.get("personnes", 0)),
                attributaires=attributaires,
            )
        )
    return lignes


def lots_en_retard_par_marche(donneur, jour: dt.date) -> dict[int, int]:
    """Number of late lots of each active marché of ``donneur`` (two queries)."""
    arrete = objectif.date_d_arrete(jour)
    lots = Lot.objects.for_donneur(donneur).filter(marche__statut__in=STATUTS_ACTIFS)
    realisees = agregats.heures_des_lots_a_date(lots, jour)
    if realisees is None:
        realisees = dict(
            HeuresMensuelles.objects.for_donneur(donneur)
            .filter(placement__attribution__lot__in=lots.values("pk"), mois__lte=jour)
            .order_by()
            .values_list("placement__attribution__lot")
            .annotate(total=Sum("heures"))
        )
    retards: dict[int, int] = {}
    colonnes = ("pk", "marche_id", "marche__statut", "date_debut", "date_fin", "cible")
    for lot in lots.annotate(cible=OBJECTIF_LOT).values(*colonnes):
        realisees_lot = realisees.get(lot["pk"], Decimal(0))
        avancement = _avancement(
            lot["cible"], realisees_lot, lot["date_debut"], lot["date_fin"], lot["marche__statut"], arrete
        )
        if avancement.en_retard:
            retards[lot["marche_id"]] = retards.get(lot["marche_id"], 0) + 1
    return retards


# --- Conventions -------------------------------------------------------------------------------------


def _avenants_dates(avenants: list[Avenant], jour: dt.date) -> list[Avenant]:
    # Two attributes for the templates, on the instances they already show (not fields of the model).
    for avenant in avenants:
        effet = prend_effet(avenant)
        avenant.prend_effet = effet  # type: ignore[attr-defined]
        avenant.en_vigueur = effet and avenant.date_effet <= jour  # type: ignore[attr-defined]
    return avenants


@dataclass(frozen=True)
class LigneConvention:
    convention: Convention
    situation: Situation
    avenants: list[Avenant]


def conventions_du_donneur(donneur, jour: dt.date) -> list[LigneConvention]:
    """The organisation's conventions, most recent first, with their situation on ``jour`` (two queries)."""
    conventions = Convention.objects.for_donneur(donneur).prefetch_related("avenants").order_by("-date_effet", "-pk")
    return [LigneConvention(c, situation(c, jour), _avenants_dates(list(c.avenants.all()), jour)) for c in conventions]


# --- Pages -------------------------------------------------------------------------------------------


@require_safe
@portail_requis
def accueil(request):
    donneur = request.donneur
    jour = timezone.localdate()
    periode = Periode.annee(jour.year)
    # One walk over the organisation's hours of the year gives their sum and the people.
    population = indicators.population_en_parcours(periode.debut, periode.fin, donneur=donneur)
    # The page shows the year's hours against its target; people and contracts come from the statistics below.
    chiffres = indicators.heures_et_objectif(periode, jour, heures=population.synthese.heures, donneur=donneur)
    # People and contracts as the statistics page shows them for the same year: one protected total, never
    # a raw count that would undo the statistics page's secondary suppression. The total depends on the gender,
    # age and qualification tables only: the others are not counted.
    statistiques = confidentialite.statistiques_personnes(
        periode.debut,
        periode.fin,
        population=population,
        tableaux=("genre", "age", "qualification", "contrat"),
        donneur=donneur,
    )
    retards = lots_en_retard_par_marche(donneur, jour)
    actifs = list(
        marches_avec_chiffres(Marche.objects.for_donneur(donneur).actifs(), agregats.heures_du_marche()).order_by(
            "objet", "pk"
        )
    )
    for marche in actifs:
        marche.lots_en_retard = retards.get(marche.pk, 0)
    # The marchés that need attention come first.
    actifs.sort(key=lambda m: -m.lots_en_retard)
    return render(
        request,
        "reporting/portail/accueil.html",
        {
            "titre": f"Portail — {donneur.nom}",
            "jour": jour,
            "annee": jour.year,
            "conventions": conventions_du_donneur(donneur, jour),
            "chiffres": chiffres,
            "chiffres_en_retard": objectif.en_retard(chiffres.heures, chiffres.attendu_a_date),
            "personnes": statistiques.personnes,
            "contrats": next(t.repartition for t in statistiques.tableaux if t.cle == "contrat"),
            "marches_actifs": actifs[:MARCHES_SUR_L_ACCUEIL],
            "nb_marches_actifs": len(actifs),
            "heures_par_etp": settings.CLAUSES_HEURES_PAR_ETP,
        },
    )


# Active marchés first, then those being prepared, then the finished ones, abandoned ones last.
ORDRE_STATUTS = Case(
    When(statut__in=STATUTS_ACTIFS, then=Value(0)),
    When(statut__in=(StatutMarche.EN_PREPARATION, StatutMarche.EN_CONSULTATION), then=Value(1)),
    When(statut__in=(StatutMarche.ACHEVE, StatutMarche.SOLDE), then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


@require_safe
@portail_requis
def marches(request):
    donneur = request.donneur
    queryset = marches_avec_chiffres(Marche.objects.for_donneur(donneur), agregats.heures_du_marche()).order_by(
        ORDRE_STATUTS, "-cree_le", "-pk"
    )
    page = Paginator(queryset, MARCHES_PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/portail/marches.html",
        {
            "titre": f"Marchés — {donneur.nom}",
            "marches": page.object_list,
            "page_obj": page,
            "paginator": page.paginator,
            "is_paginated": page.has_other_pages(),
            "params_sans_page": "",
        },
    )


@require_safe
@portail_requis
def marche(request, pk: int):
    donneur = request.donneur
    marche = get_object_or_404(
        marches_avec_chiffres(Marche.objects.for_donneur(donneur), agregats.heures_du_marche()), pk=pk
    )
    jour = timezone.localdate()
    return render(
        request,
        "reporting/portail/marche.html",
        {
            "titre": marche.objet,
            "marche": marche,
            "lignes": lignes_du_marche(donneur, marche, jour),
            "arrete_au": objectif.date_d_arrete(jour),
        },
    )


@require_safe
@portail_requis
def convention(request, pk: int):
    donneur = request.donneur
    convention = get_object_or_404(Convention.objects.for_donneur(donneur), pk=pk)
    jour = timezone.localdate()
    etat = situation(convention, jour)
    courante = convention.periode_courante(jour)
    return render(
        request,
        "reporting/portail/convention.html",
        {
            "titre": str(convention),
            "convention": convention,
            "aujourdhui": jour,
            "situation": etat,
            "courante": courante,
            "renouvellement": (
                courante.date_renouvellement
                if convention.date_fin is None and etat.etat != EtatConvention.TERMINEE
                else None
            ),
            "periodes": periodes_affichees(convention, jour),
            "avenants": _avenants_dates(list(convention.avenants.all()), jour),
        },
    )


def _pdf(fichier, nom: str) -> FileResponse:
    if not fichier:
        raise Http404("Aucun document déposé.")
    try:
        contenu = fichier.open("rb")
    except FileNotFoundError as erreur:
        raise Http404("Le document est introuvable.") from erreur
    return FileResponse(contenu, as_attachment=True, filename=f"{nom}.pdf", content_type="application/pdf")


@require_safe
@portail_requis
def convention_document(request, pk: int):
    convention = get_object_or_404(Convention.objects.for_donneur(request.donneur), pk=pk)
    nom = f"convention-{slugify(convention.numero) or convention.pk}-{slugify(request.donneur.nom)}"
    return _pdf(convention.document, nom)


@require_safe
@portail_requis
def avenant_document(request, pk: int):
    avenant = get_object_or_404(
        Avenant.objects.filter(convention__in=Convention.objects.for_donneur(request.donneur)), pk=pk
    )
    return _pdf(avenant.document, f"avenant-{avenant.numero}-{slugify(request.donneur.nom)}")


# --- The référent's own details ----------------------------------------------------------------------

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
        self.fields[
            "fonction"
        ].help_text = f"Votre fonction chez {referent.donneur_d_ordre.nom}. Ex. : responsable de la commande publique."
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


@portail_requis
def profil(request):
    referent = get_object_or_404(
        request.user.referents.select_related("donneur_d_ordre"), donneur_d_ordre=request.donneur
    )
    if request.method == "POST":
        form = CoordonneesForm(request.POST, instance=request.user, referent=referent)
        if form.is_valid():
            form.save()
            messages.success(request, "Vos coordonnées ont été enregistrées.")
            return redirect("portail:profil")
    else:
        form = CoordonneesForm(instance=request.user, referent=referent)
    return render(request, "reporting/portail/profil.html", {"titre": "Mes coordonnées", "form": form})


@require_POST
@portail_requis
def changer_donneur(request):
    try:
        donneur_id = int(request.POST.get("donneur", ""))
    except ValueError:
        donneur_id = 0
    donneur = choisir_donneur(request, donneur_id)
    if donneur is None:
        messages.error(request, "Vous n'êtes pas référent de cette organisation.")
    else:
        messages.success(request, f"Vous consultez maintenant l'espace de {donneur.nom}.")
    return redirect("portail:accueil")


urlpatterns = [
    path("", accueil, name="accueil"),
    path("organisation/", changer_donneur, name="changer_donneur"),
    path("marches/", marches, name="marches"),
    path("marches/<int:pk>/", marche, name="marche"),
    path("conventions/<int:pk>/", convention, name="convention"),
    path("conventions/<int:pk>/document/", convention_document, name="convention_document"),
    path("avenants/<int:pk>/document/", avenant_document, name="avenant_document"),
    path("profil/", profil, name="profil"),
]
