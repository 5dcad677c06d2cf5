"""The annual bilan of a convention: one year of the convention (``rapport.periode_debut`` – ``periode_fin``).

A convention covers every marché of its donneur d'ordre, so the figures are the donneur's over the period
(``convention=`` scope of ``reporting.indicateurs``), the same as the bilan's page on the portal
(``reporting.bilans.chiffres_du_bilan``), over the months that end within the year (``bilans.mois_du_bilan``), for the
hours and the target alike. Addressed to the donneur d'ordre: people appear only as the disclosure policy
publishes them (``reporting.diffusion``), never by name.
"""

from django.conf import settings
from django.utils import timezone

from conventions import calendrier
from marches.models import StatutMarche
from reporting import bilans, diffusion, indicateurs
from reporting.documents.commun import (
    aujourd_hui,
    graphique_mensuel,
    lignes_qpv,
    marches_par_statut,
    tableau_par_marche,
)
from reporting.documents.rendu import Document, nom_de_fichier, rendre_pdf
from reporting.models import BilanAnnuel, Rapport

GABARIT = "reporting/pdf/bilan_annuel.html"


def contexte(rapport: Rapport) -> dict:
    convention = rapport.convention
    if convention is None:
        raise ValueError("Un bilan annuel porte sur une convention : ce rapport n'en a pas.")
    donneur = convention.donneur_d_ordre
    debut, fin = rapport.periode_debut, rapport.periode_fin
    jour = aujourd_hui()
    numero = calendrier.numero_periode(convention.date_effet, debut, convention.duree_mois)
    bilan = (
        BilanAnnuel.objects.filter(convention=convention, periode_debut=debut).first()
        or BilanAnnuel.objects.filter(convention=convention, numero_periode=numero).first()
    )
    # The facilitator's text is a draft until transmitted: a copy addressed to the donneur d'ordre (and so
    # listed on its portal) prints it, and the donneur's comment, only once it is.
    if bilan is not None and rapport.donneur_d_ordre_id is not None and not bilan.est_transmis:
        bilan = None
    # Every figure below is the months' (m_debut – m_fin): the hours are stored by month, and consecutive bilans
    # must add up (``bilans.mois_du_bilan``). The dates printed as the year's stay the convention's.
    mois = bilans.mois_du_bilan(debut, fin)
    m_debut, m_fin = mois.debut, mois.fin
    chiffres = indicateurs.chiffres_cles(mois, jour, convention=convention)
    statistiques = diffusion.statistiques_personnes(
        m_debut, m_fin, tableaux=diffusion.TABLEAUX_POSSIBLES, convention=convention
    )
    contrats = statistiques.tableau("contrat")
    tableaux = statistiques.tableaux
    # Every status: the table's hours then add up to the year's, whatever became of a marché since.
    marches = indicateurs.avancement_des_marches(
        m_debut, m_fin, jour, statuts=StatutMarche.values, convention=convention
    )
    par_marche = tableau_par_marche(marches)
    return {
        "convention": convention,
        "donneur": donneur,
        "debut": debut,
        "fin": fin,
        "numero_periode": bilan.numero_periode if bilan else numero,
        "en_cours": debut <= jour <= fin,
        "chiffres": chiffres,
        # For a year that is over, the pro-rata expectation is the year's whole target.
        "attendu": chiffres.attendu_a_date if chiffres.attendu_a_date is not None else chiffres.objectif,
        "attendu_au": chiffres.fin_attendu or m_fin,
        "regle_des_mois": bilans.regle_des_mois(debut, fin),
        "modalites": indicateurs.heures_par_modalite(m_debut, m_fin, convention=convention),
        "marches": marches,
        # Hundreds of marchés: one row each, by status (``commun.LIGNES_MAX_DETAILLEES``).
        "par_marche": par_marche,
        "groupes": marches_par_statut(marches) if par_marche else [],
        "lots_suivis": sum(len(m.lots) for m in marches),
        "lots_en_retard": sum(m.lots_en_retard for m in marches),
        # Addressed to the donneur d'ordre: a lot's QPV hours as diffusion.heures_qpv_publiees allows.
        "lignes_qpv": lignes_qpv(marches, donneur=True),
        "regle_qpv": diffusion.PHRASE_QPV,
        "graphique": graphique_mensuel(
            "heures-mensuelles", "Heures d'insertion réalisées par mois", m_debut, m_fin, convention=convention
        ),
        "arrete_au": indicateurs.arrete_de_la_periode(m_fin, jour),
        "statistiques": statistiques,
        "tableaux": tableaux,
        "qpv_non_publie": False,
        "contrats": contrats.repartition,
        "tableau_contrats": contrats,
        "heures_par_etp": settings.CLAUSES_HEURES_PAR_ETP,
        "transmis_le": timezone.localdate(bilan.transmis_le) if bilan and bilan.transmis_le else None,
        "commentaire_le": timezone.localdate(bilan.commentaire_le) if bilan and bilan.commentaire_le else None,
        "seuil": diffusion.SEUIL,
        "regle_de_diffusion": diffusion.PHRASE,
        "bilan": bilan,
    }


def produire(rapport: Rapport) -> Document:
    ctx = contexte(rapport)
    nom = nom_de_fichier(
        "bilan annuel", ctx["donneur"].nom, ctx["convention"].numero, ctx["debut"].year, ctx["fin"].year
    )
    return Document(nom=nom, contenu=rendre_pdf(GABARIT, ctx))
