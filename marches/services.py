"""Marchés through their life: status changes, and the figures their pages show.

The hour figures live in the clauses app (the lot's clause, placements, monthly hours). marches never imports
clauses: it reaches them through reverse lookups by name ("clause__…", "attributions__placements__heures__…"),
each sum in its own subquery, because two sums over different joins in one query would multiply rows.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone

from config.formats import date_longue
from conventions.models import DonneurDOrdre
from entreprises.models import Entreprise
from entreprises.validators import normaliser_siret
from marches import emails
from marches.models import (
    STATUTS_ACTIFS,
    Attribution,
    Lot,
    Marche,
    Origine,
    PropositionAttribution,
    RoleAttributaire,
    StatutMarche,
    StatutProposition,
)

HEURES = models.DecimalField(max_digits=14, decimal_places=2)
ENTIER = models.IntegerField()

# The statuts a marché may move to from each statut. Going back one step corrects a mistake.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    StatutMarche.EN_PREPARATION: (StatutMarche.EN_CONSULTATION, StatutMarche.SANS_SUITE),
    StatutMarche.EN_CONSULTATION: (StatutMarche.ATTRIBUE, StatutMarche.EN_PREPARATION, StatutMarche.SANS_SUITE),
    StatutMarche.ATTRIBUE: (StatutMarche.EN_EXECUTION, StatutMarche.EN_CONSULTATION),
    StatutMarche.EN_EXECUTION: (StatutMarche.ACHEVE, StatutMarche.ATTRIBUE),
    StatutMarche.ACHEVE: (StatutMarche.SOLDE, StatutMarche.EN_EXECUTION),
    StatutMarche.SOLDE: (StatutMarche.ACHEVE,),
    StatutMarche.SANS_SUITE: (StatutMarche.EN_PREPARATION,),
}

# From award on, the award date is what the calendar and the reports start from.
STATUTS_APRES_ATTRIBUTION = (
    StatutMarche.ATTRIBUE,
    StatutMarche.EN_EXECUTION,
    StatutMarche.ACHEVE,
    StatutMarche.SOLDE,
)


def statuts_suivants(marche: Marche) -> list[tuple[str, str]]:
    """(value, label) of the statuts the marché may move to."""
    return [(s, StatutMarche(s).label) for s in TRANSITIONS.get(marche.statut, ())]


@transaction.atomic
def changer_statut(marche: Marche, statut: str) -> Marche:
    """Moves the marché to ``statut``; ValidationError (in French) when the move is not allowed."""
    marche = Marche.objects.select_for_update().get(pk=marche.pk)
    if statut not in TRANSITIONS.get(marche.statut, ()):
        raise ValidationError(
            f"Un marché « {marche.get_statut_display().lower()} » ne peut pas passer au statut "
            f"« {StatutMarche(statut).label.lower() if statut in StatutMarche.values else statut} »."
        )
    if statut in STATUTS_APRES_ATTRIBUTION and marche.date_attribution is None:
        raise ValidationError(
            f"Renseignez la date d'attribution du marché (bloc « Calendrier ») avant de le passer au statut "
            f"« {StatutMarche(statut).label.lower()} »."
        )
    marche.statut = statut
    marche.save(update_fields=["statut", "modifie_le"])
    return marche


# --- Reads -----------------------------------------------------------------------------------------------

OBJECTIF_LOT = Coalesce("clause__heures_forcees", "clause__heures_calculees", Value(0), output_field=ENTIER)


def _somme_par(queryset: models.QuerySet, groupe: str, expression) -> Coalesce:
    """A correlated subquery summing ``expression`` over ``queryset`` (already filtered on OuterRef)."""
    sous_requete = queryset.order_by().values(groupe).annotate(total=Sum(expression)).values("total")[:1]
    return Coalesce(Subquery(sous_requete), Value(Decimal(0)), output_field=HEURES)


def _taux(realisees: str, objectif: str):
    """Realised hours as a share of the target (0.52 for 52 %), None without a target.

    In floating point, so that the ratio of two whole sums is never an integer division.
    """
    return models.Case(
        models.When(
            **{f"{objectif}__gt": 0},
            then=Cast(realisees, models.FloatField()) / Cast(objectif, models.FloatField()),
        ),
        default=None,
        output_field=models.FloatField(),
    )


def marches_avec_chiffres(queryset: models.QuerySet | None = None, heures_realisees=None) -> models.QuerySet:
    """Marchés with nb_lots, heures_objectif, heures_realisees and taux_realisation, in one query.

    ``heures_realisees``: an expression of a marché's hours (on ``OuterRef("pk")``) quicker than the walk through
    its lots, attributions, placements and hours, when the caller has one (reporting's running totals).
    """
    queryset = Marche.objects.all() if queryset is None else queryset
    lots = Lot.objects.filter(marche=OuterRef("pk"))
    if heures_realisees is None:
        heures_realisees = _somme_par(lots, "marche", "attributions__placements__heures__heures")
    return (
        queryset.select_related("donneur_d_ordre", "facilitateur")
        .annotate(
            nb_lots=Coalesce(
                Subquery(lots.order_by().values("marche").annotate(n=Count("pk")).values("n")[:1]),
                Value(0),
                output_field=ENTIER,
            ),
            heures_objectif=_somme_par(lots, "marche", OBJECTIF_LOT),
            heures_realisees=heures_realisees,
        )
        .annotate(taux_realisation=_taux("heures_realisees", "heures_objectif"))
    )


def lots_avec_chiffres(queryset: models.QuerySet) -> models.QuerySet:
    """Lots with heures_objectif, heures_parts (shares given to attributaires), heures_realisees, taux."""
    attributions = Attribution.objects.filter(lot=OuterRef("pk"))
    return queryset.annotate(
        heures_objectif=OBJECTIF_LOT,
        heures_parts=_somme_par(attributions, "lot", "heures_objectif"),
        heures_realisees=_somme_par(attributions, "lot", "placements__heures__heures"),
    ).annotate(taux_realisation=_taux("heures_realisees", "heures_objectif"))


def attributions_avec_chiffres(queryset: models.QuerySet) -> models.QuerySet:
    """Attributions with heures_realisees (one subquery, so other joins cannot multiply it)."""
    heures = Attribution.objects.filter(pk=OuterRef("pk"))
    return queryset.select_related("entreprise").annotate(
        heures_realisees=_somme_par(heures, "pk", "placements__heures__heures")
    )


def depassement_des_parts(lot: Lot) -> tuple[int, int] | None:
    """(sum of the attributaires' shares, lot target) when the shares exceed a set target, else None."""
    chiffres = (
        Lot.objects.filter(pk=lot.pk)
        .annotate(
            objectif=OBJECTIF_LOT,
            parts=Coalesce(
                Subquery(
                    Attribution.objects.filter(lot=OuterRef("pk"))
                    .order_by()
                    .values("lot")
                    .annotate(s=Sum("heures_objectif"))
                    .values("s")[:1]
                ),
                Value(0),
                output_field=ENTIER,
            ),
            a_une_clause=Count("clause", filter=Q(clause__isnull=False)),
        )
        .values("objectif", "parts", "a_une_clause")
        .get()
    )
    if chiffres["a_une_clause"] and chiffres["parts"] > chiffres["objectif"]:
        return chiffres["parts"], chiffres["objectif"]
    return None


# --- What a donneur d'ordre sends from the portal ----------------------------------------------------

# The Marche fields a référent fills in when declaring a marché.
CHAMPS_DECLARATION = (
    "objet",
    "type",
    "montant_estime_ht",
    "date_publication",
    "date_debut_prevue",
    "date_fin_prevue",
    "maitre_oeuvre",
    "contact",
    "message_donneur",
)
# The PropositionAttribution fields a référent fills in, which the facilitator may correct.
CHAMPS_PROPOSITION = (
    "lot",
    "siret",
    "raison_sociale",
    "contact_nom",
    "contact_email",
    "contact_telephone",
    "date_debut",
    "date_fin",
)
CHAMPS_CONTACT = ("contact_nom", "contact_email", "contact_telephone")


def _lien(site: str, nom: str, pk: int) -> str:
    """An absolute link for an email (``site`` is "https://host"); a path alone when the site is unknown."""
    return site.rstrip("/") + reverse(nom, args=[pk])


@transaction.atomic
def declarer_marche(
    *,
    donneur: DonneurDOrdre,
    utilisateur: AbstractBaseUser,
    donnees: dict,
    site: str = "",
    cle: uuid.UUID | None = None,
) -> tuple[Marche, bool]:
    """A marché declared by a référent: "en préparation", waiting for a facilitator to take it in charge; and
    whether it is new.

    ``cle`` is the declaration form's key: the same form sent again (a double click, a retry after an error page,
    two sends at once) answers the marché it already created, unchanged. The facilitators are told by e-mail once
    the marché is committed.
    """
    inconnus = set(donnees) - set(CHAMPS_DECLARATION)
    if inconnus:
        raise ValueError(f"Champs non déclarables : {sorted(inconnus)}")
    if cle is not None:
        # Waits for a concurrent send of the same form (its row is locked until it commits), then finds it.
        deja = _declaration_de(donneur, cle)
        if deja is not None:
            return deja, False
    marche = Marche(
        cle_declaration=cle,
        donneur_d_ordre=donneur,
        statut=StatutMarche.EN_PREPARATION,
        origine=Origine.PORTAIL,
        declare_par=utilisateur,
        declare_le=timezone.now(),
        **donnees,
    )
    marche.full_clean()
    try:
        with transaction.atomic():
            marche.save()
    except IntegrityError:
        # The same form sent at the same moment: the other send committed first.
        deja = _declaration_de(donneur, cle) if cle is not None else None
        if deja is None:
            raise
        return deja, False
    # Recorded with the marché, sent by the worker once committed (config.courriels).
    _notifier_declaration(marche.pk, site)
    return marche, True


def _declaration_de(donneur: DonneurDOrdre, cle: uuid.UUID) -> Marche | None:
    return Marche.objects.filter(donneur_d_ordre=donneur, cle_declaration=cle).first()


def _notifier_declaration(marche_pk: int, site: str) -> None:
    marche = Marche.objects.select_related("donneur_d_ordre", "declare_par").filter(pk=marche_pk).first()
    if marche is None:
        return
    emails.envoyer(
        "marche_declare",
        emails.adresses_des_facilitateurs(),
        {"marche": marche, "lien": _lien(site, "marches:marche", marche.pk)},
    )


@transaction.atomic
def prendre_en_charge(marche: Marche, facilitateur: AbstractBaseUser) -> Marche:
    """The facilitator takes a declared marché in charge: it leaves the home page's requests."""
    marche = Marche.objects.select_for_update().get(pk=marche.pk)
    if marche.declare_le is None:
        raise ValidationError(
            "Ce marché n'a pas été déclaré par le donneur d'ordre : il n'y a pas de demande à prendre en charge."
        )
    if marche.pris_en_charge_le is not None:
        par = f" par {marche.facilitateur}" if marche.facilitateur_id else ""
        depuis = date_longue(timezone.localdate(marche.pris_en_charge_le))
        raise ValidationError(f"Ce marché est déjà pris en charge{par} depuis le {depuis}.")
    marche.pris_en_charge_le = timezone.now()
    marche.facilitateur = facilitateur
    marche.save(update_fields=["pris_en_charge_le", "facilitateur", "modifie_le"])
    return marche


def verifier_marche_attribue(marche: Marche) -> None:
    """Attributaires are sent for an awarded marché only: before, there are none; after, it is too late."""
    if marche.statut not in STATUTS_ACTIFS:
        raise ValidationError(
            f"Le marché « {marche.objet} » est « {marche.get_statut_display().lower()} » : les attributaires "
            "et le calendrier prévisionnel s'envoient une fois le marché attribué ou en exécution."
        )


@transaction.atomic
def proposer_attributions(
    marche: Marche, utilisateur: AbstractBaseUser, lignes: Iterable[dict], site: str = ""
) -> list[PropositionAttribution]:
    """Records the référent's attributaires as proposals; no Attribution changes until a facilitator accepts.

    ``lignes``: dicts of CHAMPS_PROPOSITION. The facilitator in charge (or every facilitator) is told by email.
    """
    marche = Marche.objects.select_for_update().get(pk=marche.pk)
    verifier_marche_attribue(marche)
    propositions = []
    for ligne in lignes:
        inconnus = set(ligne) - set(CHAMPS_PROPOSITION)
        if inconnus:
            raise ValueError(f"Champs non proposables : {sorted(inconnus)}")
        proposition = PropositionAttribution(
            marche=marche, envoye_par=utilisateur, **{**ligne, "siret": normaliser_siret(ligne["siret"])}
        )
        proposition.full_clean()
        proposition.save()
        propositions.append(proposition)
    if not propositions:
        raise ValidationError("Renseignez au moins un attributaire.")
    _notifier_propositions(marche.pk, [p.pk for p in propositions], site)
    return propositions


def _notifier_propositions(marche_pk: int, propositions_pks: list[int], site: str) -> None:
    marche = Marche.objects.select_related("donneur_d_ordre", "facilitateur").filter(pk=marche_pk).first()
    propositions = list(
        PropositionAttribution.objects.filter(pk__in=propositions_pks, marche_id=marche_pk)
        .select_related("lot", "envoye_par")
        .order_by("lot__numero", "pk")
    )
    if marche is None or not propositions:
        return
    emails.envoyer(
        "attributaires_proposes",
        emails.adresses_des_facilitateurs(marche.facilitateur),
        {
            "marche": marche,
            "propositions": propositions,
            "envoye_par": propositions[0].envoye_par,
            "lien": _lien(site, "marches:marche", marche.pk) + "#propositions",
        },
    )


@dataclass
class Apercu:
    """What accepting a proposal will do: the company (known or to create), the attribution (new or changed)."""

    entreprise: Entreprise | None  # None: a new company will be added to the directory
    attribution: Attribution | None  # None: a new attribution will be created
    changements: list[tuple[str, str, str]] = field(default_factory=list)  # (label, current, proposed)

    @property
    def nouvelle_entreprise(self) -> bool:
        return self.entreprise is None

    @property
    def nouvelle_attribution(self) -> bool:
        return self.attribution is None


def _texte(valeur) -> str:
    if valeur is None or valeur == "":
        return "—"
    if hasattr(valeur, "isoformat"):
        return date_longue(valeur)
    return str(valeur)


def _changements(attribution: Attribution, valeurs: dict) -> list[tuple[str, str, str]]:
    """The attribution's fields that accepting ``valeurs`` would change (an empty contact keeps the current one)."""
    changements = []
    for champ in ("date_debut", "date_fin", *CHAMPS_CONTACT):
        actuel, propose = getattr(attribution, champ), valeurs[champ]
        if champ in CHAMPS_CONTACT and not propose:
            continue
        if actuel != propose:
            libelle = Attribution._meta.get_field(champ).verbose_name
            changements.append((libelle[:1].upper() + libelle[1:], _texte(actuel), _texte(propose)))
    return changements


def apercus(propositions: list[PropositionAttribution], attributions: Iterable[Attribution]) -> dict[int, Apercu]:
    """What accepting each proposal would do, with one query (the companies), given the marché's attributions."""
    if not propositions:
        return {}
    par_lot_et_siret = {(a.lot_id, a.entreprise.siret): a for a in attributions}
    entreprises = {e.siret: e for e in Entreprise.objects.filter(siret__in={p.siret for p in propositions})}
    resultat = {}
    for proposition in propositions:
        attribution = par_lot_et_siret.get((proposition.lot_id, proposition.siret))
        valeurs = {champ: getattr(proposition, champ) for champ in CHAMPS_PROPOSITION}
        resultat[proposition.pk] = Apercu(
            entreprise=entreprises.get(proposition.siret),
            attribution=attribution,
            changements=_changements(attribution, valeurs) if attribution else [],
        )
    return resultat


def _verrouiller_en_attente(proposition: PropositionAttribution) -> PropositionAttribution:
    proposition = (
        PropositionAttribution.objects.select_for_update().select_related("lot", "marche").get(pk=proposition.pk)
    )
    if proposition.statut != StatutProposition.PROPOSEE:
        raise ValidationError(
            f"Cette proposition a déjà été {proposition.get_statut_display().lower()} le "
            f"{date_longue(timezone.localdate(proposition.traite_le))} : elle ne peut plus être traitée."
        )
    return proposition


@transaction.atomic
def accepter_proposition(
    proposition: PropositionAttribution,
    facilitateur: AbstractBaseUser,
    *,
    corrections: dict | None = None,
    role: str | None = None,
    motif: str = "",
) -> tuple[Attribution, bool]:
    """Accepts a proposal, as sent or with the facilitator's ``corrections`` (CHAMPS_PROPOSITION).

    Adds the company to the directory when its SIRET is unknown (the directory's name of a known company
    is kept), then creates the lot's attribution for it, or updates the dates and contact of the existing
    one. Returns (attribution, created).
    """
    proposition = _verrouiller_en_attente(proposition)
    valeurs = {champ: getattr(proposition, champ) for champ in CHAMPS_PROPOSITION}
    corrections = dict(corrections or {})
    if set(corrections) - set(CHAMPS_PROPOSITION):
        raise ValueError(f"Champs non corrigeables : {sorted(set(corrections) - set(CHAMPS_PROPOSITION))}")
    if "siret" in corrections:
        corrections["siret"] = normaliser_siret(corrections["siret"])
    corrigee = any(valeurs[champ] != valeur for champ, valeur in corrections.items())
    valeurs.update(corrections)
    lot = valeurs["lot"]
    if lot.marche_id != proposition.marche_id:
        raise ValidationError("Ce lot n'appartient pas au marché de la proposition.")

    entreprise = Entreprise.objects.filter(siret=valeurs["siret"]).first()
    if entreprise is None:
        entreprise = Entreprise(
            siret=valeurs["siret"],
            raison_sociale=valeurs["raison_sociale"],
            **{champ: valeurs[champ] for champ in CHAMPS_CONTACT},
        )
        entreprise.full_clean()
        entreprise.save()

    attribution = Attribution.objects.select_for_update().filter(lot=lot, entreprise=entreprise).first()
    creee = attribution is None
    if creee:
        attribution = Attribution(lot=lot, entreprise=entreprise, role=role or RoleAttributaire.TITULAIRE)
    elif role:
        attribution.role = role
    attribution.date_debut, attribution.date_fin = valeurs["date_debut"], valeurs["date_fin"]
    for champ in CHAMPS_CONTACT:
        if valeurs[champ]:
            setattr(attribution, champ, valeurs[champ])
    attribution.full_clean()
    attribution.save()

    proposition.statut = StatutProposition.ACCEPTEE
    proposition.traite_par = facilitateur
    proposition.traite_le = timezone.now()
    proposition.attribution = attribution
    proposition.corrigee = corrigee
    proposition.motif = motif.strip()
    proposition.save(update_fields=["statut", "traite_par", "traite_le", "attribution", "corrigee", "motif"])
    return attribution, creee


@transaction.atomic
def refuser_proposition(
    proposition: PropositionAttribution, facilitateur: AbstractBaseUser, motif: str
) -> PropositionAttribution:
    """Refuses a proposal with a reason the référent will read; nothing else changes."""
    motif = (motif or "").strip()
    if not motif:
        raise ValidationError("Indiquez le motif du refus : le donneur d'ordre le lira sur son portail.")
    proposition = _verrouiller_en_attente(proposition)
    proposition.statut = StatutProposition.REFUSEE
    proposition.traite_par = facilitateur
    proposition.traite_le = timezone.now()
    proposition.motif = motif
    proposition.save(update_fields=["statut", "traite_par", "traite_le", "motif"])
    return proposition
