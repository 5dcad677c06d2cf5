"""What the facilitator does with the territory's DECP marchés: review one, then follow it in Clauses.

A DECP record is a notified marché: the marché created from it is « attribué », with one lot carrying its whole
amount (the DECP publishes a lot as its own marché) and its titulaires as the lot's attributaires. A titulaire is
matched to the directory by SIRET; one the directory lacks is added only when the facilitator confirms it and
gives its name (the 2024 format publishes no company name). A titulaire identified otherwise (TVA number,
foreign identifier) cannot be added: the directory keys companies by SIRET.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from config.formats import date_longue
from conventions.calendrier import add_months
from conventions.models import User
from entreprises.models import Entreprise
from entreprises.validators import siret_valide
from marches.models import (
    Attribution,
    Lot,
    Marche,
    MarcheDECP,
    Origine,
    RoleAttributaire,
    StatutMarche,
)

NUMERO_LOT_UNIQUE = "Unique"


def propositions() -> models.QuerySet:
    """The territory's DECP marchés with a social consideration that Clauses does not follow yet, newest first."""
    return (
        MarcheDECP.objects.avec_consideration_sociale()
        .non_suivis()
        .select_related("donneur_d_ordre")
        .order_by("-date_notification", "-pk")
    )


@dataclass
class TitulaireApercu:
    """A titulaire as published, and what creating the marché would do with it."""

    identifiant: str
    type_identifiant: str
    denomination: str
    entreprise: Entreprise | None
    # The review form's two fields for this titulaire, when the directory lacks it (set by the view).
    champ_ajouter: Any = None
    champ_raison: Any = None

    @property
    def siret(self) -> bool:
        return self.type_identifiant == "SIRET"

    @property
    def creable(self) -> bool:
        """Unknown to the directory and identified by a valid SIRET: the facilitator may add it."""
        return self.entreprise is None and self.siret and siret_valide(self.identifiant)

    @property
    def ecarte(self) -> str:
        """Why this titulaire cannot become an attributaire, or ''."""
        if self.entreprise is not None or self.creable:
            return ""
        if not self.siret:
            return f"identifié par son numéro {self.type_identifiant}, non par un SIRET : ajoutez-le à la main"
        return "SIRET publié invalide (clé de contrôle) : vérifiez-le auprès de l'acheteur"


def titulaires(decp: MarcheDECP) -> list[TitulaireApercu]:
    """The record's titulaires, each with the directory's company of that SIRET (one query)."""
    entreprises = {e.siret: e for e in Entreprise.objects.filter(siret__in=decp.sirets_titulaires)}
    return [
        TitulaireApercu(
            identifiant=t["id"],
            type_identifiant=t["type_identifiant"],
            denomination=t.get("denomination", ""),
            entreprise=entreprises.get(t["id"]) if t["type_identifiant"] == "SIRET" else None,
        )
        for t in decp.titulaires
    ]


def dates_d_execution(decp: MarcheDECP) -> tuple[dt.date, dt.date | None]:
    """From the notification, for the published duration (its tranches and renewals included)."""
    debut = decp.date_notification
    if not decp.duree_mois:
        return debut, None
    return debut, add_months(debut, decp.duree_mois) - dt.timedelta(days=1)


@transaction.atomic
def creer_marche(decp: MarcheDECP, facilitateur: User, nouvelles_entreprises: dict[str, str] | None = None) -> Marche:
    """Creates the marché of a DECP record, its lot and its attributaires; the record then links to it.

    ``nouvelles_entreprises``: {SIRET: raison sociale} of the titulaires unknown to the directory that the
    facilitator confirmed; the other unknown titulaires are left out (the page said so before the click).
    Creating twice (a double click, two facilitators) answers the first marché's error, in French.
    """
    decp = MarcheDECP.objects.select_for_update().select_related("donneur_d_ordre").get(pk=decp.pk)
    if decp.marche_id is not None:
        suivi = Marche.objects.get(pk=decp.marche_id)
        raise ValidationError(
            f"Ce marché est déjà suivi dans Clauses depuis le {date_longue(suivi.cree_le.date())} : « {suivi.objet} »."
        )
    nouvelles_entreprises = {s: r.strip() for s, r in (nouvelles_entreprises or {}).items()}
    debut, fin = dates_d_execution(decp)
    objet = decp.objet if len(decp.objet) <= 300 else decp.objet[:299] + "…"
    marche = Marche(
        donneur_d_ordre=decp.donneur_d_ordre,
        # An administrator who is not a facilitator creates it without taking it in charge.
        facilitateur=facilitateur if facilitateur.is_facilitateur else None,
        objet=objet,
        reference=decp.identifiant,
        type=decp.type,
        statut=StatutMarche.ATTRIBUE,
        origine=Origine.DECP,
        montant_estime_ht=decp.montant,
        date_attribution=decp.date_notification,
        date_debut_prevue=debut,
        date_fin_prevue=fin,
        notes=(
            f"Créé depuis les données essentielles de la commande publique (identifiant « {decp.identifiant} », "
            f"notifié le {date_longue(decp.date_notification)}, considérations sociales publiées : "
            f"{', '.join(decp.considerations_sociales) or 'non renseignées'})."
        ),
    )
    marche.full_clean()
    marche.save()
    lot = Lot(
        marche=marche,
        numero=NUMERO_LOT_UNIQUE,
        intitule=decp.objet[:250],
        montant_ht=decp.montant,
        date_debut=debut,
        date_fin=fin,
    )
    lot.full_clean()
    lot.save()
    attributaires: set[int] = set()
    for titulaire in titulaires(decp):
        entreprise = titulaire.entreprise
        if entreprise is None:
            raison = nouvelles_entreprises.get(titulaire.identifiant)
            if not titulaire.creable or not raison:
                continue
            entreprise = Entreprise(siret=titulaire.identifiant, raison_sociale=raison)
            entreprise.full_clean()
            entreprise.save()
        if entreprise.pk in attributaires:
            continue
        attributaires.add(entreprise.pk)
        Attribution.objects.create(
            lot=lot,
            entreprise=entreprise,
            role=RoleAttributaire.TITULAIRE,
            montant_ht=decp.montant if len(decp.titulaires) == 1 else None,
            date_notification=decp.date_notification,
            date_debut=debut,
            date_fin=fin,
        )
    decp.marche = marche
    decp.save(update_fields=["marche", "modifie_le"])
    return marche
