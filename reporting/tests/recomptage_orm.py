"""A second recount of reporting's derived figures, by the ORM in Python (no trigger and no SQL of
``reporting.cumuls`` involved): the tests check the triggers and ``reporting.cumuls.reconstruction`` against it."""

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce, ExtractYear

from clauses.models import HeuresMensuelles, MomentSortie, Participant, Placement, Sortie
from marches.models import STATUTS_AVEC_OBJECTIF, Lot
from reporting.models import (
    ContratJournalier,
    ContratTerritoire,
    CritereAnnuel,
    CumulLot,
    CumulMensuel,
    CumulTerritoire,
    MarcheAnnuel,
    ObjectifLot,
    PersonneAnnuelle,
    PresenceMensuelle,
    SortieJournaliere,
)

_VERS_MARCHE = "placement__attribution__lot__marche"


def _objectifs_recalcules() -> set:
    """ObjectifLot's rows recomputed from the lots, their clauses and marchés."""
    cible = Coalesce("clause__heures_forcees", "clause__heures_calculees")
    return set(
        Lot.objects.filter(
            clause__isnull=False,
            marche__statut__in=STATUTS_AVEC_OBJECTIF,
            date_debut__isnull=False,
            date_fin__isnull=False,
        )
        .annotate(cible=cible)
        .filter(cible__isnull=False)
        .values_list("pk", "marche__donneur_d_ordre", "marche", "date_debut", "date_fin", "cible")
    )


def _criteres_recalcules() -> set:
    """CritereAnnuel's rows recomputed from the hours and the participants' criteria."""
    annees: dict[int, set[int]] = {}
    positives = HeuresMensuelles.objects.filter(heures__gt=0).order_by().annotate(annee=ExtractYear("mois"))
    for annee, participant in positives.values_list("annee", "placement__participant").distinct():
        annees.setdefault(annee, set()).add(participant)
    criteres: dict[int, list[int]] = {}
    for participant, critere in Participant.criteres.through.objects.values_list("participant", "critereeligibilite"):
        criteres.setdefault(participant, []).append(critere)
    comptes: dict[tuple[int, int], int] = {}
    for annee, personnes in annees.items():
        for personne in personnes:
            for critere in criteres.get(personne) or [0]:
                comptes[annee, critere] = comptes.get((annee, critere), 0) + 1
    return {(annee, critere, n) for (annee, critere), n in comptes.items()}


def _contrats_et_sorties_recalcules() -> dict[str, set]:
    """The counts by day recomputed from the placements and the end-of-placement outcomes."""
    donneur = "attribution__lot__marche__donneur_d_ordre"
    placements = Placement.objects.order_by()
    sorties = Sortie.objects.filter(moment=MomentSortie.FIN_PARCOURS).order_by()
    return {
        "ContratJournalier": {
            (r[donneur], r["date_debut"], r["type_contrat"], r["n"])
            for r in placements.values(donneur, "date_debut", "type_contrat").annotate(n=Count("pk"))
        },
        "ContratTerritoire": {
            (r["date_debut"], r["type_contrat"], r["n"])
            for r in placements.values("date_debut", "type_contrat").annotate(n=Count("pk"))
        },
        "SortieJournaliere": {
            (r[f"placement__{donneur}"], r["date_constat"], r["situation"], r["n"])
            for r in sorties.values(f"placement__{donneur}", "date_constat", "situation").annotate(n=Count("pk"))
        },
    }


def _recalcules() -> dict[str, set]:
    """Every total recomputed from the hours (and the lots' targets from the lots) by the ORM, as sets of tuples
    (no triggers involved)."""
    base = HeuresMensuelles.objects.order_by()
    positives = base.filter(heures__gt=0).annotate(annee=ExtractYear("mois"))
    par = {
        "donneur_d_ordre": F(f"{_VERS_MARCHE}__donneur_d_ordre"),
        "marche": F(_VERS_MARCHE),
        "lot": F("placement__attribution__lot"),
        "participant": F("placement__participant"),
        "modalite": F("placement__modalite"),
    }

    def sommes(qs, *cles):
        return {
            (*(r[c] for c in cles), r["h"], r["n"])
            for r in qs.values(*cles).annotate(h=Sum("heures"), n=Count("heures"))
        }

    def comptes(qs, *cles):
        return {(*(r[c] for c in cles), r["n"]) for r in qs.values(*cles).annotate(n=Count("heures"))}

    return {
        "CumulMensuel": sommes(
            base.annotate(**{k: par[k] for k in ("donneur_d_ordre", "modalite")}),
            "donneur_d_ordre",
            "mois",
            "modalite",
        ),
        "CumulTerritoire": sommes(base.annotate(modalite=par["modalite"]), "mois", "modalite"),
        "CumulLot": sommes(base.annotate(lot=par["lot"]), "lot"),
        "PresenceMensuelle": comptes(
            positives.annotate(**{k: par[k] for k in ("donneur_d_ordre", "marche", "participant")}),
            "donneur_d_ordre",
            "mois",
            "marche",
            "participant",
        ),
        "PersonneAnnuelle": comptes(positives.annotate(participant=par["participant"]), "annee", "participant"),
        "MarcheAnnuel": comptes(positives.annotate(marche=par["marche"]), "annee", "marche"),
        "ObjectifLot": _objectifs_recalcules(),
        "CritereAnnuel": _criteres_recalcules(),
        **_contrats_et_sorties_recalcules(),
    }


def _tenus() -> dict[str, set]:
    return {
        "CumulMensuel": set(
            CumulMensuel.objects.values_list("donneur_d_ordre", "mois", "modalite", "heures", "lignes")
        ),
        "CumulTerritoire": set(CumulTerritoire.objects.values_list("mois", "modalite", "heures", "lignes")),
        "CumulLot": set(CumulLot.objects.values_list("lot", "heures", "lignes")),
        "PresenceMensuelle": set(
            PresenceMensuelle.objects.values_list(
                "donneur_d_ordre", "mois", "marche", "participant", "lignes_positives"
            )
        ),
        "PersonneAnnuelle": set(PersonneAnnuelle.objects.values_list("annee", "participant", "mois_positifs")),
        "MarcheAnnuel": set(MarcheAnnuel.objects.values_list("annee", "marche", "mois_positifs")),
        "ObjectifLot": set(
            ObjectifLot.objects.values_list("lot", "donneur_d_ordre", "marche", "date_debut", "date_fin", "cible")
        ),
        "CritereAnnuel": set(CritereAnnuel.objects.values_list("annee", "critere", "personnes")),
        "ContratJournalier": set(
            ContratJournalier.objects.values_list("donneur_d_ordre", "jour", "type_contrat", "contrats")
        ),
        "ContratTerritoire": set(ContratTerritoire.objects.values_list("jour", "type_contrat", "contrats")),
        "SortieJournaliere": set(
            SortieJournaliere.objects.values_list("donneur_d_ordre", "jour", "situation", "sorties")
        ),
    }


def ecarts_orm(limite: int = 20) -> dict[str, dict[str, list]]:
    """The totals that differ from a recomputation by the ORM: per table, the rows only in the table (``en_trop``)
    and only in the recomputation (``manquantes``), at most ``limite`` of each. Empty when exact."""
    recalcules, tenus = _recalcules(), _tenus()
    resultat = {}
    for table, attendus in recalcules.items():
        en_trop, manquantes = tenus[table] - attendus, attendus - tenus[table]
        if en_trop or manquantes:
            resultat[table] = {"en_trop": sorted(en_trop)[:limite], "manquantes": sorted(manquantes)[:limite]}
    return resultat
