"""The jobs' emails: each a trio of templates under ``reporting/emails/`` (subject, text, HTML), in French.

They are built here and sent by ``reporting.travaux.envoyer_une_fois``, which marks the row before the message
leaves. A référent's email never names a participant: it carries hours, dates and the PDF addressed to the
donneur d'ordre, nothing else. Links are absolute (``CLAUSES_SITE_URL``): a worker has no request to learn the
site's address from.
"""

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import NoReverseMatch, reverse

from config.formats import date_longue
from conventions import calendrier
from conventions.emails import preparer_courriel
from conventions.models import Convention, Periodicite, StructurePorteuse, User
from reporting import indicateurs
from reporting.alertes import GroupeAlertes
from reporting.models import BilanAnnuel, Rapport

TRIMESTRES = {1: "1er trimestre", 4: "2e trimestre", 7: "3e trimestre", 10: "4e trimestre"}


def lien(nom: str, *args, repli: str = "") -> str:
    """An absolute link to a page; to ``repli`` (another URL name) or the site's root if it does not exist."""
    site = settings.CLAUSES_SITE_URL.rstrip("/")
    for candidat in (nom, repli):
        if not candidat:
            continue
        try:
            return site + reverse(candidat, args=args if candidat == nom else ())
        except NoReverseMatch:
            continue
    return site + "/"


def _absolu(chemin: str | None) -> str | None:
    return settings.CLAUSES_SITE_URL.rstrip("/") + chemin if chemin else None


def _joindre(message: EmailMultiAlternatives, document: Rapport | None) -> None:
    if document is None:
        return
    with document.fichier.open("rb") as fichier:
        message.attach(document.nom_telechargement(), fichier.read(), "application/pdf")


def libelle_periode(debut: dt.date, fin: dt.date) -> str:
    """« mars 2027 », « 1er trimestre 2027 », else « du 1er mars au 31 mai 2027 »."""
    if debut.day == 1 and fin == calendrier.add_months(debut, 1) - dt.timedelta(days=1):
        return date_longue(debut).split(" ", 1)[1]
    if debut.day == 1 and debut.month in TRIMESTRES and fin == calendrier.add_months(debut, 3) - dt.timedelta(days=1):
        return f"{TRIMESTRES[debut.month]} {debut.year}"
    return f"du {date_longue(debut)} au {date_longue(fin)}"


def _contexte_commun() -> dict:
    return {"structure": StructurePorteuse.get()}


def rapport_periodique(rapport: Rapport, destinataires: list[str]) -> EmailMultiAlternatives:
    donneur = rapport.donneur_d_ordre
    if donneur is None:
        raise ValueError("Un rapport périodique s'adresse à un donneur d'ordre.")
    chiffres = indicateurs.chiffres_cles(
        indicateurs.Periode(rapport.periode_debut, rapport.periode_fin), rapport.periode_fin, donneur=donneur.pk
    )
    contexte = {
        **_contexte_commun(),
        "donneur": donneur,
        "rapport": rapport,
        "mensuel": donneur.periodicite_rapport == Periodicite.MENSUELLE,
        "periode": libelle_periode(rapport.periode_debut, rapport.periode_fin),
        "heures": chiffres.heures,
        "lien": lien("portail:rapports", repli="portail:accueil"),
    }
    message = preparer_courriel("reporting/emails/rapport_periodique", destinataires, contexte)
    _joindre(message, rapport)
    return message


def rappel_echeance(
    convention: Convention,
    periode: calendrier.Periode,
    jour: dt.date,
    *,
    referents: list[str],
    facilitateurs: list[str],
    courrier: Rapport | None,
) -> EmailMultiAlternatives:
    """To the référents, the facilitators in copy (to the facilitators alone when there is no référent)."""
    jours = (periode.date_limite_denonciation - jour).days
    contexte = {
        **_contexte_commun(),
        "convention": convention,
        "donneur": convention.donneur_d_ordre,
        "periode": periode,
        "jours": jours,
        "jours_passes": -jours,
        "courrier": courrier,
        "aux_referents": bool(referents),
        "lien_convention": lien("conventions:convention", convention.pk),
        "lien_portail": lien("portail:accueil"),
    }
    a, copie = (referents, facilitateurs) if referents else (facilitateurs, [])
    message = preparer_courriel("reporting/emails/rappel_echeance", a, contexte)
    message.cc = [adresse for adresse in copie if adresse not in a]
    _joindre(message, courrier)
    return message


def bilan_a_completer(
    bilan: BilanAnnuel, facilitateurs: list[str], brouillon: Rapport | None
) -> EmailMultiAlternatives:
    convention = bilan.convention
    contexte = {
        **_contexte_commun(),
        "bilan": bilan,
        "convention": convention,
        "donneur": convention.donneur_d_ordre,
        "brouillon": brouillon,
        "lien": lien("reporting:bilan_edition", convention.pk, bilan.numero_periode),
    }
    message = preparer_courriel("reporting/emails/bilan_a_completer", facilitateurs, contexte)
    _joindre(message, brouillon)
    return message


def digest_hebdomadaire(facilitateur: User, groupes: list[GroupeAlertes], jour: dt.date) -> EmailMultiAlternatives:
    lundi = jour - dt.timedelta(days=jour.weekday())
    # The most urgent few of each kind, as on the dashboard before « voir plus »: the rest is one click away.
    lignes = [
        {
            "titre": groupe.titre,
            "total": groupe.total,
            "non_affichees": groupe.total - len(groupe.premieres),
            "alertes": [
                # An alert whose day has passed says since when, as the dashboard's badge does: « en retard » is the
                # word of a lot behind its hours (clauses.objectif.SituationAvancement), not of an overdue task.
                {"texte": a.texte, "url": _absolu(a.url), "depuis": a.echeance if a.en_depassement else None}
                for a in groupe.premieres
            ],
        }
        for groupe in groupes
    ]
    contexte = {
        **_contexte_commun(),
        "facilitateur": facilitateur,
        "lundi": lundi,
        "jour": jour,
        "groupes": lignes,
        "total": sum(groupe.total for groupe in groupes),
        "lien": lien("reporting:accueil"),
    }
    return preparer_courriel("reporting/emails/digest_hebdomadaire", [facilitateur.email], contexte)
