"""Annual bilans: which years of a convention have one, their figures, and the writes on them.

Shared by the facilitator's pages (``views_bilans``) and the portal (``portail.views.statistiques``), so that both
show the same figures. A bilan covers one period of the convention (``Convention.periode_numero``), whose
scope is the convention's donneur d'ordre: a convention covers all of its marchés.

Hours are stored by month, and a convention's year need not start on the 1st: a bilan counts the months that
end within its year (``mois_du_bilan``), for its hours, its people, its contracts and its target alike. The months
of consecutive bilans then follow one another without overlap or gap, and the hours and the target cover the same
days. Why the month's last day rather than its first or the most of its days: a bilan is drawn up once its year
is over, and by then every month it counts is over too, so it is complete when written (by the first-day or
most-days rule, a year starting after the 16th would count the month under way at its échéance).
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from conventions import calendrier
from conventions.models import Convention
from reporting import diffusion, indicateurs
from reporting.indicateurs import Periode, premier_du_mois
from reporting.models import BilanAnnuel


@dataclass(frozen=True)
class PeriodeBilan:
    periode: calendrier.Periode
    bilan: BilanAnnuel | None
    en_cours: bool


def periodes_commencees(convention: Convention, jour: dt.date) -> list[calendrier.Periode]:
    """The periods of the convention that have started by ``jour`` (the current one included), oldest first."""
    if jour < convention.date_effet:
        return []
    derniere = convention.periode_courante(jour).numero
    return [convention.periode_numero(n) for n in range(1, derniere + 1)]


def periodes_et_bilans(convention: Convention, jour: dt.date) -> list[PeriodeBilan]:
    """Every started period, latest first, with its bilan when there is one (one query)."""
    bilans = {b.numero_periode: b for b in convention.bilans.select_related("transmis_par", "commentaire_par")}
    lignes = []
    for periode in periodes_commencees(convention, jour):
        bilan = bilans.pop(periode.numero, None)
        lignes.append(
            PeriodeBilan(
                _dates_du_bilan(bilan) if bilan else periode, bilan, periode.debut <= jour <= periode.echeance
            )
        )
    # A bilan keeps the dates it was written for, and stays listed if the convention's dates were corrected since.
    lignes += [PeriodeBilan(_dates_du_bilan(b), b, False) for b in bilans.values()]
    return sorted(lignes, key=lambda ligne: ligne.periode.numero, reverse=True)


def _dates_du_bilan(bilan: BilanAnnuel) -> calendrier.Periode:
    return calendrier.Periode(bilan.numero_periode, bilan.periode_debut, bilan.periode_fin, bilan.periode_fin)


def periode_commencee(convention: Convention, numero: int, jour: dt.date) -> calendrier.Periode | None:
    """Period ``numero`` if it has started by ``jour`` (a bilan cannot be written for a year to come)."""
    if numero < 1 or jour < convention.date_effet or numero > convention.periode_courante(jour).numero:
        return None
    return convention.periode_numero(numero)


def mois_du_bilan(debut: dt.date, fin: dt.date) -> Periode:
    """The days whose figures the bilan of the convention year [debut, fin] counts: the months that end within it.

    From the first day of ``debut``'s month to the day before the first of the month holding the day after ``fin``:
    a year from 15 March 2025 to 14 March 2026 counts March 2025 to February 2026, and the next one March 2026
    to February 2027. A year starting on the 1st counts its own days. A period shorter than a month (only a
    bilan's stored dates could be) keeps its months, so that it counts something.
    """
    premier = premier_du_mois(debut)
    dernier = premier_du_mois(fin + dt.timedelta(days=1)) - dt.timedelta(days=1)
    if dernier < premier:
        dernier = fin.replace(day=calendar.monthrange(fin.year, fin.month)[1])
    return Periode(premier, dernier)


MOIS_DE_L_ANNEE = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                   "novembre", "décembre")  # fmt: skip


def _mois(jour: dt.date) -> str:
    return f"{MOIS_DE_L_ANNEE[jour.month - 1]} {jour.year}"


def regle_des_mois(debut: dt.date, fin: dt.date) -> str:
    """The sentence printed on the bilan (pages and PDF) saying which months it counts, and why."""
    mois = mois_du_bilan(debut, fin)
    return (
        f"Les heures sont relevées par mois et chaque mois compte dans le bilan de l'année où il s'achève : "
        f"ce bilan compte les mois de {_mois(mois.debut)} à {_mois(mois.fin)}, pour les heures comme pour "
        f"l'objectif et les personnes."
    )


def chiffres_du_bilan(donneur_id: int, debut: dt.date, fin: dt.date) -> dict:
    """The figures of a bilan's period, as both the portal and the facilitator show them (five queries).

    ``debut`` and ``fin`` are the convention year's; the figures are those of its months (``mois_du_bilan``).
    Only hours and targets leave as numbers; people only through ``diffusion``. The scope's hours are
    walked once (``population_en_parcours``): their sum, the marchés with hours and the people all come from it.
    """
    debut, fin = (mois := mois_du_bilan(debut, fin)).debut, mois.fin
    population = indicateurs.population_en_parcours(debut, fin, donneur=donneur_id)
    chiffres = indicateurs.heures_et_objectif(
        Periode(debut, fin), timezone.localdate(), heures=population.synthese.heures, donneur=donneur_id
    )
    return {
        "regle_des_mois": regle_des_mois(debut, fin),
        "heures": {
            "realisees": chiffres.heures,
            "objectif": chiffres.objectif,
            "taux": chiffres.taux,
            "etp": chiffres.etp,
            "attendu_a_date": chiffres.attendu_a_date,
            "fin_attendu": chiffres.fin_attendu,
            "marches": population.synthese.marches,
        },
        "statistiques": diffusion.statistiques_personnes(debut, fin, population=population, donneur=donneur_id),
        "seuil": diffusion.SEUIL,
        "regle_de_diffusion": diffusion.PHRASE,
    }


# --- Writes ----------------------------------------------------------------------------------------


def enregistrer_texte(convention: Convention, periode: calendrier.Periode, texte: str) -> BilanAnnuel:
    """Create or update the bilan of a period with the facilitator's text."""
    with transaction.atomic():
        bilan, _ = BilanAnnuel.objects.select_for_update().get_or_create(
            convention=convention,
            numero_periode=periode.numero,
            defaults={"periode_debut": periode.debut, "periode_fin": periode.echeance},
        )
        bilan.texte_qualitatif = texte
        bilan.save(update_fields=["texte_qualitatif", "modifie_le"])
    return bilan


def transmettre(bilan: BilanAnnuel, par) -> bool:
    """Make the bilan visible to the donneur d'ordre's référents; False if it already was or has no text.

    The row is locked while it is checked: two facilitators clicking at once transmit it once, with the first
    one's name. A save, not a bulk UPDATE, so that the audit log records who transmitted it.
    """
    with transaction.atomic():
        verrouille = BilanAnnuel.objects.select_for_update().get(pk=bilan.pk)
        if verrouille.est_transmis or not verrouille.texte_qualitatif.strip():
            transmis = False
        else:
            verrouille.transmis_le = timezone.now()
            verrouille.transmis_par = par
            verrouille.save(update_fields=["transmis_le", "transmis_par", "modifie_le"])
            transmis = True
    bilan.refresh_from_db(fields=["transmis_le", "transmis_par", "modifie_le"])
    return transmis


def commenter(bilan: BilanAnnuel, texte: str, par) -> None:
    bilan.commentaire_donneur = texte
    bilan.commentaire_par = par
    bilan.commentaire_le = timezone.now()
    bilan.save(update_fields=["commentaire_donneur", "commentaire_par", "commentaire_le", "modifie_le"])
