from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import cast

from django import forms
from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import timezone

from config.permissions import est_facilitateur
from config.templatetags.ui import heures as format_heures
from config.templatetags.ui import pourcent
from reporting import alertes, graphiques, indicateurs, veille_decp
from reporting.indicateurs import Periode

ANNEES_PROPOSEES = 10
PORTEES_ALERTES = ("miennes", "equipe")


class ChoixAnneeForm(forms.Form):
    annee = forms.TypedChoiceField(label="Année", coerce=int)

    def __init__(self, *args, annee_courante: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.annees = [(a, str(a)) for a in range(annee_courante, annee_courante - ANNEES_PROPOSEES, -1)]
        cast(forms.TypedChoiceField, self.fields["annee"]).choices = self.annees

    def annee_choisie(self, par_defaut: int) -> int:
        return self.cleaned_data["annee"] if self.is_valid() else par_defaut


def _lignes_graphique(
    parts: Sequence[indicateurs.Part], format_valeur: Callable[[indicateurs.Part], str]
) -> list[tuple[str, Decimal | int, str]]:
    return [(p.libelle, p.valeur, format_valeur(p)) for p in parts]


def _heures_et_part(part) -> str:
    return (
        f"{format_heures(part.valeur)} ({pourcent(part.part)})"
        if part.part is not None
        else format_heures(part.valeur)
    )


def _nombre_et_part(part) -> str:
    return f"{part.valeur} ({pourcent(part.part)})" if part.part is not None else str(part.valeur)


def _evolution(actuel, precedent) -> str:
    """« +12 % », « −5 % » or « stable » from the previous year; empty when there is nothing to compare to."""
    if not precedent:
        return ""
    ecart = (Decimal(actuel) - Decimal(precedent)) / Decimal(precedent)
    texte = pourcent(abs(ecart))
    if texte == "0 %":
        return "stable"
    return f"+{texte}" if ecart > 0 else f"−{texte}"


def accueil(request):
    """The facilitator's home page; anyone else is sent where they belong."""
    if not est_facilitateur(request.user):
        if request.user.referents.exists():
            return redirect("portail:accueil")
        if request.user.is_staff:
            return redirect("admin:index")
        return render(request, "reporting/acces_refuse.html", status=403)

    jour = timezone.localdate()
    formulaire = ChoixAnneeForm(request.GET or {"annee": jour.year}, annee_courante=jour.year)
    annee = formulaire.annee_choisie(jour.year)
    periode, precedente = Periode.annee(annee), Periode.annee(annee - 1)
    annee_en_cours = annee == jour.year

    chiffres, chiffres_precedents = indicateurs.chiffres_cles_comparees(periode, precedente, jour)
    # The current year shows the last twelve months up to this one; a past year shows its own twelve months.
    mois = indicateurs.heures_par_mois(jour if annee_en_cours else periode.fin)
    modalites = indicateurs.heures_par_modalite(periode.debut, periode.fin)
    publics, nb_personnes = indicateurs.personnes_par_public(periode.debut, periode.fin, personnes=chiffres.personnes)
    # Whose alerts: « mes marchés » (and those nobody is in charge of) or the whole team's.
    portee = request.GET.get("alertes")
    if portee not in PORTEES_ALERTES:
        portee = "miennes" if alertes.portee_par_defaut(request.user) is not None else "equipe"
    facilitateur_id = request.user.pk if portee == "miennes" else None
    groupes = [g for g in alertes.alertes(jour, facilitateur_id) if g.total]

    titre_mois = (
        "Heures réalisées par mois, sur les 12 derniers mois"
        if annee_en_cours
        else f"Heures réalisées par mois en {annee}"
    )
    contexte = {
        "titre": "Tableau de bord",
        "jour": jour,
        "annees": formulaire.annees,
        "annee": annee,
        "annee_precedente": annee - 1,
        "annee_suivante": annee + 1 if annee < jour.year else None,
        "annee_en_cours": annee_en_cours,
        "chiffres": chiffres,
        "precedents": chiffres_precedents,
        "evolutions": {
            "heures": _evolution(chiffres.heures, chiffres_precedents.heures),
            "personnes": _evolution(chiffres.personnes, chiffres_precedents.personnes),
            "contrats": _evolution(chiffres.nombre_contrats, chiffres_precedents.nombre_contrats),
        },
        "marches_actifs": indicateurs.marches_actifs(),
        "heures_par_etp": settings.CLAUSES_HEURES_PAR_ETP,
        "mois": mois,
        "titre_mois": titre_mois,
        "graphique_mois": graphiques.histogramme_mensuel(
            "graphique-mois", titre_mois, [(m.mois, m.heures) for m in mois]
        ),
        "modalites": modalites,
        "graphique_modalites": graphiques.barres_horizontales(
            "graphique-modalites",
            f"Heures réalisées en {annee} par modalité de recrutement",
            _lignes_graphique(modalites, _heures_et_part),
        ),
        "publics": publics,
        "nb_personnes_publics": nb_personnes,
        "graphique_publics": graphiques.barres_horizontales(
            "graphique-publics",
            f"Personnes en parcours en {annee} par public éligible",
            _lignes_graphique(publics, _nombre_et_part),
        ),
        "graphique_contrats": graphiques.barres_horizontales(
            "graphique-contrats",
            f"Contrats commencés en {annee} par type",
            _lignes_graphique(chiffres.contrats, _nombre_et_part),
        ),
        "groupes_alertes": groupes,
        "portee_alertes": portee,
        "nb_alertes": sum(g.total for g in groupes),
        "veille_decp": veille_decp.veille(),
        "notices": alertes.notices_a_remettre(),
    }
    return render(request, "reporting/accueil.html", contexte)
