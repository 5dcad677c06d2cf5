"""Periods and scopes: what every figure is computed over."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Q,
    QuerySet,
)

from clauses.models import (
    HeuresMensuelles,
)

ZERO = Decimal("0")
DEUX_DECIMALES = Decimal("0.01")
# Marchés whose lots carry a target that counts: awarded or later (not drafts, not abandoned tenders).
EPOQUE = dt.date(1970, 1, 1)


# --- Periods ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Periode:
    debut: dt.date
    fin: dt.date

    @classmethod
    def annee(cls, annee: int) -> "Periode":
        return cls(dt.date(annee, 1, 1), dt.date(annee, 12, 31))

    @property
    def libelle(self) -> str:
        if (self.debut.month, self.debut.day, self.fin.month, self.fin.day) == (1, 1, 12, 31):
            if self.debut.year == self.fin.year:
                return str(self.debut.year)
        return f"du {self.debut:%d/%m/%Y} au {self.fin:%d/%m/%Y}"


def premier_du_mois(jour: dt.date) -> dt.date:
    return jour.replace(day=1)


# --- Scope -----------------------------------------------------------------------------------------

PORTEES = ("donneur", "convention", "marche", "lot", "attribution", "entreprise")
# Lookup paths from Attribution to each scope. A convention is reached through its donneur d'ordre: the join
# on the reverse foreign key matches one row (the convention asked for), so it multiplies nothing.
VERS_PORTEE = {
    "attribution": "",
    "entreprise": "entreprise",
    "lot": "lot",
    "marche": "lot__marche",
    "donneur": "lot__marche__donneur_d_ordre",
    "convention": "lot__marche__donneur_d_ordre__conventions",
}


def _verifier(portee: dict) -> None:
    inconnues = set(portee) - set(PORTEES)
    if inconnues:
        raise TypeError(f"Portée inconnue : {', '.join(sorted(inconnues))} (attendu : {', '.join(PORTEES)}).")


def _pk(valeur):
    """A model instance or its primary key, as a primary key (``pk=`` lookups refuse instances)."""
    return getattr(valeur, "pk", valeur)


def _portee(vers_attribution: str, portee: dict) -> Q:
    """The filter restricting a queryset to ``portee``, given the lookup path from its model to Attribution."""
    _verifier(portee)
    q = Q()
    for cle, valeur in portee.items():
        if valeur is not None:
            chemin = "__".join(c for c in (vers_attribution, VERS_PORTEE[cle]) if c) or "pk"
            q &= Q(**{chemin: _pk(valeur)})
    return q


def _heures(debut: dt.date, fin: dt.date, portee: dict) -> QuerySet:
    return HeuresMensuelles.objects.filter(
        _portee("placement__attribution", portee), mois__gte=premier_du_mois(debut), mois__lte=fin
    )


def en_decimal(valeur) -> Decimal:
    if valeur is None:
        return ZERO
    return Decimal(str(valeur)).quantize(DEUX_DECIMALES, rounding=ROUND_HALF_UP)
