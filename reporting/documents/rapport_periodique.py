"""The periodic report of a donneur d'ordre: a month or a quarter (``rapport.periode_debut`` – ``periode_fin``),
sent to its référents.

The period's figures, the year's up to the end of the period, and each marché of the period with its lots and
attributaires: target against hours and the « en retard » flag of the lot's page (cumulated hours under 80 % of
the pro-rata expectation at the end of the last complete month, ``clauses.objectif``). Addressed to the donneur
d'ordre: it counts no people, contracts nor exits (``reporting.diffusion``: those are published per year only, since
a référent can ask for every month and quarter, and two overlapping periods' counts give their difference).
"""

import calendar
import datetime as dt
from decimal import Decimal

from django.conf import settings

from config.formats import date_longue
from conventions.calendrier import add_months
from marches.models import StatutMarche
from reporting import diffusion, indicateurs
from reporting.documents.commun import aujourd_hui, graphique_mensuel, marches_par_statut, tableau_par_marche
from reporting.documents.rendu import Document, nom_de_fichier, rendre_pdf
from reporting.indicateurs import Periode
from reporting.models import Rapport

GABARIT = "reporting/pdf/rapport_periodique.html"
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre")  # fmt: skip


def _fin_de_mois(jour: dt.date) -> dt.date:
    return jour.replace(day=calendar.monthrange(jour.year, jour.month)[1])


def nature_de_la_periode(debut: dt.date, fin: dt.date) -> tuple[str, str]:
    """(« mensuel », « mars 2027 »), (« trimestriel », « 1er trimestre 2027 ») or (« périodique », « du … au … »)."""
    if debut.day == 1 and fin == _fin_de_mois(debut):
        return "mensuel", f"{MOIS[debut.month - 1]} {debut.year}"
    if debut.day == 1 and debut.month % 3 == 1 and debut.year == fin.year and fin.month == debut.month + 2:
        if fin == _fin_de_mois(fin):
            rang = (debut.month - 1) // 3 + 1
            return "trimestriel", f"{'1er' if rang == 1 else f'{rang}e'} trimestre {debut.year}"
    return "périodique", f"du {date_longue(debut)} au {date_longue(fin)}"


def contexte(rapport: Rapport) -> dict:
    donneur = rapport.donneur_d_ordre
    if donneur is None:
        raise ValueError("Un rapport périodique s'adresse à un donneur d'ordre : ce rapport n'en a pas.")
    debut, fin = rapport.periode_debut, rapport.periode_fin
    jour = aujourd_hui()
    nature, libelle = nature_de_la_periode(debut, fin)
    periode = indicateurs.chiffres_cles(Periode(debut, fin), jour, donneur=donneur)
    annee = indicateurs.chiffres_cles(Periode(dt.date(fin.year, 1, 1), fin), jour, donneur=donneur)
    # A report describes its period: every status, so that a marché completed or closed since keeps the lots that
    # had hours or a target then, and the table adds up to the key figures whatever became of it.
    marches = indicateurs.avancement_des_marches(debut, fin, jour, statuts=StatutMarche.values, donneur=donneur)
    par_marche = tableau_par_marche(marches)
    total_objectif = sum((m.objectif_periode for m in marches), Decimal(0))
    total_heures = sum((m.heures_periode for m in marches), Decimal(0))
    return {
        "donneur": donneur,
        "debut": debut,
        "fin": fin,
        "nature": nature,
        "libelle_periode": libelle,
        "periode": periode,
        "annee": annee,
        # No count of people, contracts or exits: the policy publishes them per year only.
        "regle_de_diffusion": diffusion.PHRASE,
        "regle_periode": diffusion.PHRASE_PERIODE,
        "marches": marches,
        # Hundreds of marchés: one row each, by status (``commun.LIGNES_MAX_DETAILLEES``).
        "par_marche": par_marche,
        "groupes": marches_par_statut(marches) if par_marche else [],
        "lots_en_retard": sum(m.lots_en_retard for m in marches),
        "lots_suivis": sum(len(m.lots) for m in marches),
        "total_objectif": total_objectif,
        "total_heures": total_heures,
        "total_taux": indicateurs.taux_realisation(total_heures, total_objectif),
        "arrete_au": indicateurs.arrete_de_la_periode(fin, jour),
        "graphique": graphique_mensuel(
            "heures-mensuelles",
            "Heures d'insertion réalisées par mois (douze derniers mois)",
            add_months(fin.replace(day=1), -11),
            fin,
            donneur=donneur,
        ),
        "heures_par_etp": settings.CLAUSES_HEURES_PAR_ETP,
    }


def produire(rapport: Rapport) -> Document:
    ctx = contexte(rapport)
    nom = nom_de_fichier(
        f"rapport {ctx['nature']}", ctx["donneur"].nom, f"{ctx['debut']:%Y-%m-%d}", f"{ctx['fin']:%Y-%m-%d}"
    )
    return Document(nom=nom, contenu=rendre_pdf(GABARIT, ctx))
