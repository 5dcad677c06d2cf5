"""The portal's home, its conventions and marchés, the organisation switcher and the référent's details.

Every lookup starts from ``request.donneur`` (set by ``portail_requis``): another organisation's convention
or marché answers 404. Progress reads the same as on the facilitator's lot page (``clauses.services``):
the target is the clause's, realised hours are those of the months started by today, the expectation is
pro rata of the execution period at the end of the last complete month (``clauses.objectif.date_d_arrete``)
and a lot is late under 80 % of it (``clauses.objectif.en_retard``). Hours are summed in the database with
one grouped query per level, so each page runs a fixed number of queries whatever the number of rows.

People are never listed: the home page shows the year's people and contracts as the statistics page publishes them,
and a lot with a QPV minimum its QPV hours only when at least 3 people did them (``reporting.diffusion``).
"""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST, require_safe

from clauses import objectif
from config.fichiers import telechargement
from conventions.calendrier import periodes_affichees, situation
from conventions.models import Avenant, Convention, EtatConvention
from conventions.noms import de_avec_article
from conventions.portail import choisir_donneur, portail_requis
from marches.models import STATUTS_ACTIFS, Marche, StatutMarche
from marches.services import marches_avec_chiffres
from reporting import agregats, diffusion, indicateurs, veille_decp
from reporting.indicateurs import Periode
from reporting.portail.forms import CoordonneesForm
from reporting.portail.lectures import (
    _avenants_dates,
    conventions_du_donneur,
    lignes_du_marche,
    lots_en_retard_par_marche,
)

MARCHES_SUR_L_ACCUEIL = 5
MARCHES_PAR_PAGE = 50


# --- Pages -------------------------------------------------------------------------------------------


@require_safe
@portail_requis
def accueil(request):
    donneur = request.donneur
    jour = timezone.localdate()
    periode = Periode.annee(jour.year)
    # One walk over the organisation's hours of the year gives their sum and the people.
    population = indicateurs.population_en_parcours(periode.debut, periode.fin, donneur=donneur)
    # The page shows the year's hours against its target; people and contracts come from the statistics below.
    chiffres = indicateurs.heures_et_objectif(periode, jour, heures=population.synthese.heures, donneur=donneur)
    # People and contracts as the statistics page publishes them for the same year (``reporting.diffusion``).
    statistiques = diffusion.statistiques_personnes(
        periode.debut, periode.fin, population=population, tableaux=("contrat",), donneur=donneur
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
            "contrats": statistiques.tableau("contrat").repartition,
            "marches_actifs": actifs[:MARCHES_SUR_L_ACCUEIL],
            "nb_marches_actifs": len(actifs),
            "heures_par_etp": settings.CLAUSES_HEURES_PAR_ETP,
            "regle_de_diffusion": diffusion.PHRASE,
            "veille_decp": veille_decp.veille(donneur),
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
    lignes = lignes_du_marche(donneur, marche, jour)
    return render(
        request,
        "reporting/portail/marche.html",
        {
            "titre": marche.objet,
            "marche": marche,
            "lignes": lignes,
            "arrete_au": objectif.date_d_arrete(jour),
            # A lot's QPV hours as the donneur's copy of the marché report prints them (``diffusion.PHRASE_QPV``).
            "avec_minimum_qpv": any(ligne.avancement.qpv for ligne in lignes),
            "regle_qpv": diffusion.PHRASE_QPV,
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
    return telechargement(fichier, f"{nom}.pdf", content_type="application/pdf")


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
        messages.success(request, f"Vous consultez maintenant l'espace {de_avec_article(donneur.nom)}.")
    return redirect("portail:accueil")
