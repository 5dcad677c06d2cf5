"""The letter reminding a donneur d'ordre that its convention renews tacitly at an échéance unless notice is given.

``rapport.convention`` is the convention, ``rapport.periode_fin`` the échéance concerned (the last day of one of
its periods). The dates come from the convention's calendar (``conventions.calendrier``): the notice deadline
is the échéance minus the préavis, month-end aware. A letter for a date that is not an échéance, for a
convention not signed, or for one that will not renew (dénoncée, ended) is refused with a French message, which
the worker records on the report.
"""

import datetime as dt

from django.utils.text import capfirst

from conventions import calendrier
from conventions.models import Convention
from reporting.documents.commun import aujourd_hui
from reporting.documents.rendu import Document, nom_de_fichier, rendre_pdf
from reporting.models import Rapport

GABARIT = "reporting/pdf/courrier_echeance.html"


class CourrierImpossible(ValueError):
    """The letter would say something false: its message says why, in French."""


def periode_a_echeance(convention: Convention, echeance: dt.date) -> calendrier.Periode:
    """The period of ``convention`` ending on ``echeance``; CourrierImpossible when there is none."""
    numero = calendrier.numero_periode(convention.date_effet, echeance, convention.duree_mois)
    periode = convention.periode_numero(numero)
    if periode.echeance != echeance:
        raise CourrierImpossible(
            f"Le {echeance:%d/%m/%Y} n'est pas une échéance de {convention.designation} "
            f"(échéance de la période : {periode.echeance:%d/%m/%Y})."
        )
    return periode


def contexte(rapport: Rapport) -> dict:
    convention = rapport.convention
    if convention is None:
        raise CourrierImpossible("Un courrier d'échéance porte sur une convention : ce rapport n'en a pas.")
    if convention.date_signature is None:
        raise CourrierImpossible(
            f"{capfirst(convention.designation)} n'est pas signée : elle n'a pas d'échéance à rappeler."
        )
    periode = periode_a_echeance(convention, rapport.periode_fin)
    finale = convention.periode_finale
    if finale is not None and finale.numero <= periode.numero:
        raise CourrierImpossible(
            f"{capfirst(convention.designation)} a été dénoncée le {convention.date_denonciation:%d/%m/%Y} : elle "
            f"prend fin le {finale.echeance:%d/%m/%Y} et ne sera pas reconduite."
        )
    jour = aujourd_hui()
    suivante = convention.periode_numero(periode.numero + 1)
    donneur = convention.donneur_d_ordre
    referent = (
        donneur.referents.select_related("user").filter(user__is_active=True).order_by("-principal", "cree_le").first()
    )
    return {
        "convention": convention,
        "donneur": donneur,
        "referent": referent,
        "periode": periode,
        "suivante": suivante,
        "echeance": periode.echeance,
        "date_limite": periode.date_limite_denonciation,
        "renouvellement": periode.date_renouvellement,
        "delai_expire": jour > periode.date_limite_denonciation,
        "echeance_passee": jour > periode.echeance,
        "avenants": list(convention.avenants_en_vigueur(periode.echeance).order_by("numero")),
        "date_du_courrier": jour,
    }


def produire(rapport: Rapport) -> Document:
    ctx = contexte(rapport)
    convention = ctx["convention"]
    nom = nom_de_fichier(
        "courrier echeance", ctx["donneur"].nom, convention.numero or f"convention {convention.pk}", ctx["echeance"]
    )
    return Document(nom=nom, contenu=rendre_pdf(GABARIT, ctx))
