"""Rapport de marché: a marché's lots and attributaires over a period, its monthly hours and its placements.

Progress is ``indicateurs.avancement_des_marches``, the figures of the lot page and the portal: each lot's
whole target and its part in the period, the hours of the period and since the start, and the pro-rata
expectation at the end of the last complete month (``clauses.objectif.date_d_arrete``), late under 80 % of
it (``clauses.objectif.en_retard``). A report is « arrêté » at the end of its period: for a period already
over, hours run to its last month and the expectation to its last day; for a period under way, to today.

Two copies:

- the facilitator's **nominative** copy (``rapport.nominatif``) lists the placements with the participant's
  reference and name;
- the copy for the **donneur d'ordre** lists no placement at all, not even as « Personne 1 »: a row with a
  company, a job, a contract type and dates points to one person for anyone who knows the site. Nor does it count
  people or contracts (``reporting.diffusion``: those are published per year and per donneur d'ordre only; a
  marché's period is any period, and two reports' counts would give their difference). Hours, which describe
  the work and not a person, are shown in both.

Every figure is a database aggregate: a fixed number of queries whatever the number of lots or placements.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import number_format

from clauses import objectif
from clauses.models import Placement
from marches.models import Marche, StatutMarche
from reporting import confidentialite, diffusion, indicateurs
from reporting.documents.commun import LigneQPV, histogramme_des_mois, lignes_qpv
from reporting.documents.rendu import Document, nom_de_fichier, rendre_pdf
from reporting.indicateurs import Part, Periode
from reporting.models import Rapport

GABARIT = "reporting/pdf/rapport_marche.html"
ZERO = Decimal(0)


# --- When the report is « arrêté » -----------------------------------------------------------------


def jour_de_reference(fin: dt.date, aujourd_hui: dt.date) -> dt.date:
    """The day the report reads progress as of: the day after the period for a period over, else today.

    ``objectif.date_d_arrete`` of that day is the period's last day when it ends a month (31 December →
    1 January → 31 December), and the end of the last complete month for a period under way.
    """
    return min(fin + dt.timedelta(days=1), aujourd_hui)


# --- Lots and attributaires ------------------------------------------------------------------------


@dataclass(frozen=True)
class Ligne:
    """A lot's or an attributaire's row of the progress table."""

    libelle: str
    avancement: indicateurs.Avancement


@dataclass(frozen=True)
class LotDuRapport:
    ligne: Ligne
    attributaires: list[Ligne]
    # None in the donneur's copy, which counts no people nor contracts.
    personnes: str | None  # distinct people with hours in the period
    contrats_en_cours: str | None  # placements running at some point of the period
    contrats_commences: str | None  # placements started in the period


def _contrats_par_lot(marche: Marche, periode: Periode) -> dict[int, dict]:
    """Per lot: placements running at some point of the period, and placements started in it (one query)."""
    en_cours = Q(date_debut__lte=periode.fin) & (Q(date_fin__isnull=True) | Q(date_fin__gte=periode.debut))
    commences = Q(date_debut__gte=periode.debut, date_debut__lte=periode.fin)
    lignes = (
        Placement.objects.filter(attribution__lot__marche=marche)
        .order_by()
        .values("attribution__lot")
        .annotate(en_cours=Count("pk", filter=en_cours), commences=Count("pk", filter=commences))
    )
    return {ligne["attribution__lot"]: ligne for ligne in lignes}


def lots_du_rapport(
    marche: Marche,
    periode: Periode,
    aujourd_hui: dt.date,
    compter,
    avancements: list[indicateurs.AvancementMarche] | None = None,
) -> list[LotDuRapport]:
    """Each lot of ``marche`` and its attributaires with their progress (``indicateurs.avancement_des_marches``,
    whatever the marché's status: a report may be asked before award), and the lot's contracts: five queries.

    ``compter`` turns a count of people or contracts into text, or None when the copy does not show it.
    ``avancements``: ``avancements_du_marche(marche, periode, aujourd_hui)`` when the caller already has it.
    """
    if avancements is None:
        avancements = avancements_du_marche(marche, periode, aujourd_hui)
    contrats = _contrats_par_lot(marche, periode)
    resultat = []
    for avancement_marche in avancements:
        for lot in avancement_marche.lots:
            contrats_du_lot = contrats.get(lot.lot_id, {})
            resultat.append(
                LotDuRapport(
                    ligne=Ligne(f"Lot {lot.numero} — {lot.intitule}", lot.avancement),
                    attributaires=[
                        Ligne(f"{a.entreprise} ({a.role.lower()})", a.avancement) for a in lot.attributaires
                    ],
                    personnes=compter(lot.avancement.personnes),
                    contrats_en_cours=compter(contrats_du_lot.get("en_cours", 0)),
                    contrats_commences=compter(contrats_du_lot.get("commences", 0)),
                )
            )
    return resultat


def avancements_du_marche(
    marche: Marche, periode: Periode, aujourd_hui: dt.date
) -> list[indicateurs.AvancementMarche]:
    """``indicateurs.avancement_des_marches`` of the marché, whatever its status (a report may be asked before
    award)."""
    return indicateurs.avancement_des_marches(
        periode.debut, periode.fin, aujourd_hui, statuts=StatutMarche.values, marche=marche
    )


# --- Placements (the nominative copy only) ---------------------------------------------------------


def placements_nominatifs(marche: Marche, periode: Periode) -> list[Placement]:
    """Placements running at some point of the period, with their hours of the period and in all (one query).

    Only the facilitator's nominative copy reads this: it carries the participants' identity.
    """
    dans_la_periode = Q(heures__mois__gte=indicateurs.premier_du_mois(periode.debut), heures__mois__lte=periode.fin)
    return list(
        Placement.objects.filter(attribution__lot__marche=marche, date_debut__lte=periode.fin)
        .filter(Q(date_fin__isnull=True) | Q(date_fin__gte=periode.debut))
        .select_related("participant", "attribution__entreprise", "attribution__lot")
        .annotate(
            heures_periode=Coalesce(Sum("heures__heures", filter=dans_la_periode), ZERO, output_field=DecimalField()),
            heures_total=Coalesce(Sum("heures__heures"), ZERO, output_field=DecimalField()),
        )
        .order_by("attribution__lot__numero", "attribution__entreprise__raison_sociale", "date_debut", "pk")
    )


def personnes_nommees(rapport: Rapport) -> int:
    """How many people the nominative copy ``rapport`` names (those of ``placements_nominatifs``), for the log of
    who read which personal data; one query, without the hours."""
    periode = Periode(rapport.periode_debut, rapport.periode_fin)
    return (
        Placement.objects.filter(attribution__lot__marche=rapport.marche_id, date_debut__lte=periode.fin)
        .filter(Q(date_fin__isnull=True) | Q(date_fin__gte=periode.debut))
        .values("participant")
        .distinct()
        .count()
    )


# --- The document ----------------------------------------------------------------------------------


def _compteur(nominatif: bool):
    """Counts of people as the copy shows them: exact in the facilitator's copy, none in the donneur's."""
    return _nombre if nominatif else _rien


def _rien(n) -> None:
    return None


def _contrats(parts: list[Part], nominatif: bool) -> tuple[list[confidentialite.Ligne], str | None]:
    """Contracts by type as table rows and their total: the facilitator's copy only."""
    if not nominatif:
        return [], None
    lignes = [confidentialite.Ligne(p.code, p.libelle, _nombre(p.valeur), p.part, False) for p in parts]
    return lignes, _nombre(sum(int(p.valeur) for p in parts))


def _nombre(n) -> str:
    return number_format(int(n), 0, force_grouping=True)


@dataclass
class ContenuRapportMarche:
    """What the template reads; built apart from the rendering so that tests can compare it to the indicateurs."""

    marche: Marche
    periode: Periode
    nominatif: bool
    arrete_au: dt.date
    chiffres: indicateurs.ChiffresCles
    personnes: str | None  # None in the donneur's copy
    nombre_contrats: str | None
    lots: list[LotDuRapport]
    contrats: list[confidentialite.Ligne]
    modalites: list[Part]
    graphique: str
    mois_graphique: list[indicateurs.Mois]
    placements: list[Placement] = field(default_factory=list)
    # The lots with a QPV minimum; their QPV hours in the donneur's copy as diffusion.heures_qpv_publiees allows.
    lignes_qpv: list[LigneQPV] = field(default_factory=list)

    @property
    def en_retard(self) -> bool:
        return objectif.en_retard(self.chiffres.heures, self.chiffres.attendu_a_date)


def contenu(
    marche: Marche, periode: Periode, *, nominatif: bool, aujourd_hui: dt.date | None = None
) -> ContenuRapportMarche:
    aujourd_hui = aujourd_hui or timezone.localdate()
    jour = jour_de_reference(periode.fin, aujourd_hui)
    compter = _compteur(nominatif)
    chiffres = indicateurs.chiffres_cles(periode, jour, marche=marche)
    contrats, nombre_contrats = _contrats(chiffres.contrats, nominatif)

    # The chart stops at the last complete month: the month under way has rarely any hours yet, and a bar
    # at zero would read as a collapse.
    arrete = objectif.date_d_arrete(jour)
    graphique, mois = histogramme_des_mois(
        "heures-mensuelles",
        "Heures d'insertion réalisées par mois",
        periode.debut,
        min(periode.fin, arrete),
        marche=marche,
    )
    avancements = avancements_du_marche(marche, periode, aujourd_hui)
    return ContenuRapportMarche(
        marche=marche,
        periode=periode,
        nominatif=nominatif,
        arrete_au=arrete,
        chiffres=chiffres,
        personnes=compter(chiffres.personnes),
        nombre_contrats=nombre_contrats,
        lots=lots_du_rapport(marche, periode, aujourd_hui, compter, avancements),
        contrats=contrats,
        modalites=indicateurs.heures_par_modalite(periode.debut, periode.fin, marche=marche),
        graphique=graphique,
        mois_graphique=mois,
        placements=placements_nominatifs(marche, periode) if nominatif else [],
        lignes_qpv=lignes_qpv(avancements, donneur=not nominatif, avec_marche=False),
    )


def mois_du_graphique_tronques(premier: dt.date, mois: list[indicateurs.Mois]) -> bool:
    return bool(mois) and mois[0].mois > indicateurs.premier_du_mois(premier)


def produire(rapport: Rapport) -> Document:
    marche = Marche.objects.select_related("donneur_d_ordre", "facilitateur").get(pk=rapport.marche_id)
    periode = Periode(rapport.periode_debut, rapport.periode_fin)
    # The constraint already forbids a nominative copy addressed to a donneur d'ordre; never rely on one check.
    nominatif = bool(rapport.nominatif) and rapport.donneur_d_ordre_id is None
    donnees = contenu(marche, periode, nominatif=nominatif)
    contexte = {
        "rapport": donnees,
        "graphique_tronque": mois_du_graphique_tronques(periode.debut, donnees.mois_graphique),
        "seuil": confidentialite.SEUIL,
        "regle_periode": diffusion.PHRASE_PERIODE,
        "regle_de_diffusion": diffusion.PHRASE,
        "regle_qpv": "" if nominatif else diffusion.PHRASE_QPV,
    }
    nom = nom_de_fichier(
        "Rapport de marché",
        marche.reference or marche.objet[:60],
        f"{periode.debut:%Y-%m-%d}",
        f"{periode.fin:%Y-%m-%d}",
        "nominatif" if nominatif else "",
    )
    cites = tuple(sorted({placement.participant_id for placement in donnees.placements}))
    return Document(nom=nom, contenu=rendre_pdf(GABARIT, contexte), participants=cites)


__all__ = [
    "contenu",
    "jour_de_reference",
    "lots_du_rapport",
    "personnes_nommees",
    "placements_nominatifs",
    "produire",
]
