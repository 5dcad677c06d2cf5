"""Breakdowns of the hours and contracts (modality, type of contract, public)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Func, Q, Sum
from django.db.models.functions import Coalesce

from clauses.models import (
    CritereEligibilite,
    ModalitePlacement,
    Placement,
    TypeContrat,
)
from conventions.models import TypeDonneur
from marches.models import TypeMarche
from reporting import agregats
from reporting.indicateurs.heures import _personnes_en_parcours
from reporting.indicateurs.portee import ZERO, _heures, _portee, _verifier

# --- Breakdowns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One row of a breakdown: a category, its value and its share of the total (None when the total is 0)."""

    code: str
    libelle: str
    valeur: Decimal | int
    part: Decimal | None = None


def _avec_parts(lignes: list[tuple[str, str, Decimal | int]], total: Decimal | int | None = None) -> list[Part]:
    total = sum((v for _, _, v in lignes), 0) if total is None else total
    return [
        Part(code, libelle, valeur, Decimal(valeur) / Decimal(total) if total else None)
        for code, libelle, valeur in lignes
    ]


def repartition_par(
    champ: str,
    debut: dt.date,
    fin: dt.date,
    *,
    libelles: dict[str, str] | None = None,
    mesure: str = "heures",
    **portee,
) -> list[Part]:
    """Hours (``mesure="heures"``) or distinct people (``"personnes"``) of the period, grouped by ``champ``.

    ``champ`` is a lookup from HeuresMensuelles (``"placement__modalite"``, ``"placement__type_contrat"``…).
    Rows come largest first; ``libelles`` turns codes into labels.
    """
    libelles = libelles or {}
    if mesure == "heures" and champ == "placement__modalite":
        _verifier(portee)
        lignes = agregats.heures_par_modalite(debut, fin, portee)
        if lignes is not None:
            return _avec_parts([(code, libelles.get(code, code), valeur) for code, valeur in lignes])
    agregat: Func
    if mesure == "heures":
        agregat = Coalesce(Sum("heures"), ZERO)
    elif mesure == "personnes":
        agregat = Count("placement__participant", distinct=True, filter=Q(heures__gt=0))
    else:
        raise ValueError(f"Mesure inconnue : {mesure}")
    lignes = (
        _heures(debut, fin, portee)
        .values(champ)
        .annotate(valeur=agregat)
        .filter(valeur__gt=0)
        .order_by("-valeur", champ)
    )
    return _avec_parts([(str(r[champ]), libelles.get(r[champ], str(r[champ])), r["valeur"]) for r in lignes])


def heures_par_modalite(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    return repartition_par("placement__modalite", debut, fin, libelles=dict(ModalitePlacement.choices), **portee)


def contrats_par_type(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """Placements started in the period, by type of contract, most frequent first."""
    return _contrats_par_type({"periode": (debut, fin)}, portee)["periode"]


def _contrats_par_type(periodes: dict[str, tuple[dt.date, dt.date]], portee: dict) -> dict[str, list[Part]]:
    """``contrats_par_type`` of several periods in one query: a count per type and per period."""
    lignes = agregats.contrats_par_type(periodes, portee)
    if lignes is None:
        lignes = _contrats_par_type_depuis_les_placements(periodes, portee)
    libelles = dict(TypeContrat.choices)
    resultat = {}
    for i, cle in enumerate(periodes):
        # Most frequent first, then by code: the codes are ASCII, so Python orders them as the database would.
        comptes = sorted(
            ((r["type_contrat"], r[f"n_{i}"]) for r in lignes if r[f"n_{i}"]), key=lambda c: (-c[1], c[0])
        )
        resultat[cle] = _avec_parts([(code, libelles.get(code, code), n) for code, n in comptes])
    return resultat


def _contrats_par_type_depuis_les_placements(periodes: dict[str, tuple[dt.date, dt.date]], portee: dict) -> list:
    return list(
        Placement.objects.filter(
            _portee("attribution", portee),
            date_debut__gte=min(debut for debut, _ in periodes.values()),
            date_debut__lte=max(fin for _, fin in periodes.values()),
        )
        .values("type_contrat")
        # A count of date_debut (never null), not of the primary key: an index on (date_debut) including
        # type_contrat then answers alone.
        .annotate(
            **{
                f"n_{i}": Count("date_debut", filter=Q(date_debut__gte=debut, date_debut__lte=fin))
                for i, (debut, fin) in enumerate(periodes.values())
            }
        )
        .order_by()
    )


SANS_CRITERE = "Aucun critère renseigné"


def personnes_par_public(
    debut: dt.date, fin: dt.date, *, personnes: int | None = None, **portee
) -> tuple[list[Part], int]:
    """People in placement in the period, by eligibility criterion, and the number of distinct people.

    A person may match several criteria: the rows add up to more than the total, and each share is taken
    of the distinct people, not of the sum of the rows. ``personnes``: that number when the caller already
    has it (``synthese_heures(debut, fin, **portee).personnes``, the same people), which spares a query.
    """
    en_parcours = _personnes_en_parcours(debut, fin, portee)
    tenues = agregats.personnes_par_critere(debut, fin, portee)
    if tenues is not None:
        # The territory's year, from its running counts; in PostgreSQL's order (the empty criterion after the
        # others at equal counts, as NULL sorts last).
        lignes = sorted(tenues, key=lambda r: (-r[3], r[2] is None, r[2] or 0, r[1] or ""))
    else:
        # A person has a criterion at most once (the link table is unique on the pair): a plain count per
        # criterion counts distinct people, and the people without any come once, under the empty criterion.
        lignes = [
            (r["criteres__code"], r["criteres__libelle"], r["criteres__ordre"], r["n"])
            for r in en_parcours.values("criteres__code", "criteres__libelle", "criteres__ordre")
            .annotate(n=Count("pk"))
            .order_by("-n", "criteres__ordre", "criteres__libelle")
        ]
    rangees = [(code or "", libelle or SANS_CRITERE, n) for code, libelle, _, n in lignes]
    total = en_parcours.count() if personnes is None else personnes
    return _avec_parts(rangees, total), total


def personnes_par_public_eligible(
    debut: dt.date, fin: dt.date, *, personnes: int | None = None, **portee
) -> tuple[list[Part], int]:
    """``personnes_par_public`` with every eligibility criterion of the reference table, in its order, zeros
    included, then the people without any (always, zero included): the same rows from one year to the next, as a
    survey's form has them. One query more than ``personnes_par_public``."""
    parts, total = personnes_par_public(debut, fin, personnes=personnes, **portee)
    comptes = {part.code: part.valeur for part in parts}
    rangees = [
        (code, libelle, comptes.pop(code, 0))
        for code, libelle in CritereEligibilite.objects.order_by("ordre", "libelle").values_list("code", "libelle")
    ]
    rangees.append(("", SANS_CRITERE, comptes.pop("", 0)))
    return _avec_parts(rangees, total), total


# --- Hours by sector, trade and kind of donneur d'ordre -------------------------------------------------------

NON_RENSEIGNE = "Autre ou non renseigné"


def _heures_par(champ: str, nomenclature, debut: dt.date, fin: dt.date, portee: dict) -> list[Part]:
    """Hours of the period by ``champ`` (a lookup from HeuresMensuelles) in the order of ``nomenclature``, zeros
    included; a value it does not have comes after, under its own code (one query)."""
    lignes = (
        _heures(debut, fin, portee)
        .values(champ)
        .annotate(valeur=Coalesce(Sum("heures"), ZERO))
        .order_by()
        .values_list(champ, "valeur")
    )
    comptes = dict(lignes)
    rangees = [(code, libelle, comptes.pop(code, ZERO)) for code, libelle in nomenclature]
    rangees += [(str(code), str(code), valeur) for code, valeur in sorted(comptes.items(), key=lambda c: str(c[0]))]
    return _avec_parts(rangees)


def heures_par_type_de_marche(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """Hours by sector, the marché's type (travaux, services, fournitures), every type in order, zeros included."""
    _verifier(portee)
    return _heures_par("placement__attribution__lot__marche__type", TypeMarche.choices, debut, fin, portee)


def heures_par_type_de_donneur(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """Hours by kind of donneur d'ordre (commune, EPCI, bailleur social…), every kind in order, zeros included."""
    _verifier(portee)
    return _heures_par(
        "placement__attribution__lot__marche__donneur_d_ordre__type", TypeDonneur.choices, debut, fin, portee
    )


def heures_par_corps_d_etat(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """Hours by trade, the corps d'état chosen on the lot's clause (``ClauseInsertion.corps_d_etat``), in the
    reference table's order; the trades with hours only, then « Autre ou non renseigné » (a clause whose labour
    share was typed in, or a lot without a clause) when it has hours. One query."""
    _verifier(portee)
    corps = "placement__attribution__lot__clause__corps_d_etat"
    lignes = (
        _heures(debut, fin, portee)
        .values(corps, f"{corps}__libelle", f"{corps}__ordre")
        .annotate(valeur=Coalesce(Sum("heures"), ZERO))
        .filter(valeur__gt=0)
        .order_by(f"{corps}__ordre", f"{corps}__libelle")
    )
    rangees = [(str(r[corps]), r[f"{corps}__libelle"], r["valeur"]) for r in lignes if r[corps] is not None]
    rangees += [("", NON_RENSEIGNE, r["valeur"]) for r in lignes if r[corps] is None]
    return _avec_parts(rangees)


SANS_MODALITE = "Sans modalité juridique renseignée"


def heures_par_modalite_juridique(debut: dt.date, fin: dt.date, **portee) -> list[Part]:
    """Hours by legal modality of the lot's clause (condition d'exécution, marché réservé…), in the reference table's
    order, the modalities with hours only, then the hours of lots whose clause has none (or without a clause) when
    there are some (one query). A clause may combine several modalities: its hours count in each, so the rows may
    add up to more than the hours and carry no share."""
    _verifier(portee)
    modalite = "placement__attribution__lot__clause__modalites"
    lignes = (
        _heures(debut, fin, portee)
        .values(f"{modalite}__code", f"{modalite}__libelle", f"{modalite}__ordre")
        .annotate(valeur=Coalesce(Sum("heures"), ZERO))
        .filter(valeur__gt=0)
        .order_by(f"{modalite}__ordre", f"{modalite}__libelle")
    )
    rangees = [r for r in lignes if r[f"{modalite}__code"] is not None]
    rangees += [r for r in lignes if r[f"{modalite}__code"] is None]
    return [
        Part(r[f"{modalite}__code"] or "", r[f"{modalite}__libelle"] or SANS_MODALITE, r["valeur"]) for r in rangees
    ]
