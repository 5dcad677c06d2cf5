"""Pieces several documents share: the monthly chart, the QPV table and the lots' QPV hours against their minimum,
the day figures are judged on.

Figures about people leave only through ``reporting.diffusion`` (the disclosure policy) in the documents addressed
to donneurs d'ordre, and through ``reporting.confidentialite`` in the territorial bilan; none names anyone.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.safestring import SafeString

from clauses import objectif
from marches.models import StatutMarche
from reporting import confidentialite, diffusion, graphiques, indicateurs
from reporting.confidentialite import StatistiquesProtegees, Tableau

# Past two years a bar per month is unreadable on A4: the charts keep the period's last 24 months.
MOIS_MAX_GRAPHIQUE = 24


def aujourd_hui() -> dt.date:
    """The day a document is produced, which figures of a period under way are judged on."""
    return timezone.localdate()


def nombre_de_mois(debut: dt.date, fin: dt.date) -> int:
    """Months from ``debut``'s month to ``fin``'s, both included."""
    return (fin.year - debut.year) * 12 + fin.month - debut.month + 1


def graphique_mensuel(identifiant: str, titre: str, debut: dt.date, fin: dt.date, **portee) -> dict:
    """The hours of each month of [debut, fin] (at most 24, the last ones), as an SVG chart and its figures.

    A period under way stops at the last complete month, as the marché report and the territorial bilan do
    (``objectif.date_d_arrete``): the months to come have no hours, and their bars at zero would read as a
    collapse. A period whose first month is the one under way shows that month alone.
    """
    fin = max(min(fin, objectif.date_d_arrete(aujourd_hui())), indicateurs.premier_du_mois(debut))
    mois = indicateurs.heures_par_mois(fin, min(MOIS_MAX_GRAPHIQUE, max(1, nombre_de_mois(debut, fin))), **portee)
    svg: SafeString = graphiques.histogramme_mensuel(identifiant, titre, [(m.mois, m.heures) for m in mois])
    return {"svg": svg, "mois": mois, "titre": titre}


def histogramme_des_mois(
    identifiant: str, intitule: str, debut: dt.date, fin: dt.date, **portee
) -> tuple[str, list[indicateurs.Mois]]:
    """The chart of the hours of each month from ``debut``'s to ``fin``'s (at most the last 24) and its months,
    titled « intitulé, de <mois> à <mois> »; ("", []) when ``fin`` comes before ``debut``."""
    premier, dernier = indicateurs.premier_du_mois(debut), indicateurs.premier_du_mois(fin)
    if dernier < premier:
        return "", []
    mois = indicateurs.heures_par_mois(dernier, min(MOIS_MAX_GRAPHIQUE, nombre_de_mois(premier, dernier)), **portee)
    titre = f"{intitule}, de {graphiques.mois_abrege(mois[0].mois)} à {graphiques.mois_abrege(mois[-1].mois)}"
    return graphiques.histogramme_mensuel(identifiant, titre, [(m.mois, m.heures) for m in mois]), mois


def tableau_qpv(debut: dt.date, fin: dt.date, statistiques: StatistiquesProtegees, **portee) -> Tableau | None:
    """People by residence in a QPV, protected like the other tables of ``statistiques``; None when it cannot be
    shown without giving away a masked count (the total is shown elsewhere and the two rows would pin it)."""
    parts = indicateurs.personnes_par_qpv(debut, fin, **portee)
    total_connu = not statistiques.personnes_masquees
    repartition = confidentialite.proteger(parts, total_connu=total_connu)
    if total_connu and repartition.total_masque:
        return None
    return Tableau(
        "qpv",
        "Personnes en parcours par résidence en quartier prioritaire à l'embauche",
        "Résidence à l'embauche",
        "Personnes",
        repartition,
        note=indicateurs.DEFINITION_QPV,
    )


# A table of marchés, lots and attributaires past this many rows runs over a dozen pages, and WeasyPrint lays a
# page of table out in about 0.15 s: the bilan of a donneur d'ordre with hundreds of marchés would take half a
# minute and read as a directory. Past it, the table lists one row per marché (its lots summed, the number of
# lots late), grouped by status; each marché's report (``rapport_marche``, on the portal) details its lots.
LIGNES_MAX_DETAILLEES = 150


def lignes_detaillees(marches: list[indicateurs.AvancementMarche]) -> int:
    """Rows of the detailed progress table: a row per marché, per lot and per attributaire."""
    return sum(1 + len(m.lots) + sum(len(lot.attributaires) for lot in m.lots) for m in marches)


def tableau_par_marche(marches: list[indicateurs.AvancementMarche]) -> bool:
    """Whether the progress table is too long to detail lots and attributaires (``LIGNES_MAX_DETAILLEES``)."""
    return lignes_detaillees(marches) > LIGNES_MAX_DETAILLEES


@dataclass(frozen=True)
class GroupeDeMarches:
    statut: str  # label
    marches: list[indicateurs.AvancementMarche]


def marches_par_statut(marches: list[indicateurs.AvancementMarche]) -> list[GroupeDeMarches]:
    """The marchés by status, in the order of the procedure (attribué, en exécution, achevé…), each group in the
    order ``avancement_des_marches`` gives."""
    ordre = {libelle: i for i, libelle in enumerate(StatutMarche.labels)}
    groupes: dict[str, list] = {}
    for marche in sorted(marches, key=lambda m: ordre.get(m.statut, len(ordre))):
        groupes.setdefault(marche.statut, []).append(marche)
    return [GroupeDeMarches(statut, liste) for statut, liste in groupes.items()]


@dataclass(frozen=True)
class LigneQPV:
    """A lot with a QPV minimum in a document: its ``MinimumQPV``, and whether its QPV hours may be printed.
    ``groupe``: the marché (and its donneur d'ordre) heading the lot's rows in a document covering several."""

    libelle: str
    qpv: objectif.MinimumQPV
    heures_publiees: bool
    groupe: str = ""


def lignes_qpv(
    marches: list[indicateurs.AvancementMarche],
    *,
    donneur: bool,
    avec_marche: bool = True,
    donneurs_des_marches: dict[int, str] | None = None,
) -> list[LigneQPV]:
    """The lots of ``marches`` whose clause sets a QPV minimum, in their order. ``donneur``: the document leaves the
    facilitators' hands (a donneur d'ordre's copy, the territorial bilan), and reads a lot's QPV hours only as
    ``diffusion.heures_qpv_publiees`` allows. ``avec_marche``: the lots are grouped under their marché
    (``LigneQPV.groupe``); ``donneurs_des_marches``: the name of each marché's donneur d'ordre, to open that heading
    with (a document covering several donneurs)."""
    lignes = []
    for marche in marches:
        groupe = ""
        if avec_marche:
            groupe = marche.objet
            if donneurs_des_marches:
                groupe = f"{donneurs_des_marches.get(marche.marche_id, '')} — {groupe}"
        for lot in marche.lots_avec_minimum_qpv:
            a = lot.avancement
            if a.qpv is None:  # no minimum after all: nothing to print
                continue
            publiees = not donneur or diffusion.heures_qpv_publiees(a.personnes_qpv)
            lignes.append(LigneQPV(f"Lot {lot.numero} — {lot.intitule}", a.qpv, publiees, groupe))
    return lignes
