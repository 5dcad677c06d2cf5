"""The target of a period, spread over each lot's execution days."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, FloatField, Func, QuerySet, Sum
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce

from marches.models import (
    STATUTS_AVEC_OBJECTIF,
    Attribution,
)
from reporting.indicateurs.portee import EPOQUE, _pk, _portee, _verifier, en_decimal
from reporting.models import ObjectifLot

# --- Target of a period ----------------------------------------------------------------------------


class ObjectifAuProrata(Func):
    """``objectif`` × the share of the days from ``lot_debut`` to ``lot_fin`` that fall in [debut, fin], as a float.

    One node rather than a tree of Greatest, Least, Cast and arithmetic: the SQL is the same, but the ORM resolves,
    copies and hashes each node of an aggregate's expression, which cost more than the query on a small territory.
    Without the lot's dates the result is NULL, which Sum skips. The period's bounds are day numbers written as
    integer literals: they come from dates, never from the request.
    """

    output_field = FloatField()

    def __init__(self, objectif, lot_debut, lot_fin, debut: dt.date, fin: dt.date):
        super().__init__(objectif, lot_debut, lot_fin)
        self.debut, self.fin = (debut - EPOQUE).days, (fin - EPOQUE).days

    def _sql(self, compiler, connection, jour: str, flottant: str, plus_grand: str, plus_petit: str):
        (objectif, p_objectif), (debut, p_debut), (fin, p_fin) = (compiler.compile(e) for e in self.source_expressions)
        lot_debut, lot_fin = jour.format(debut), jour.format(fin)
        # The structure of the former expression, operation for operation: the same floating-point result.
        sql = (
            f"(({flottant.format(objectif)} * {plus_grand}((({plus_petit}({lot_fin}, {int(self.fin)}) - "
            f"{plus_grand}({lot_debut}, {int(self.debut)})) + 1), 0)) / (({lot_fin} - {lot_debut}) + 1))"
        )
        return sql, (*p_objectif, *p_fin, *p_debut, *p_fin, *p_debut)

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra_context):
        return self._sql(
            compiler, connection, "({} - DATE '1970-01-01')", "({})::double precision", "GREATEST", "LEAST"
        )


def objectif_au_prorata(debut: dt.date, fin: dt.date, vers_lot: str, objectif) -> ObjectifAuProrata:
    """``objectif`` × the share of the lot's execution days that fall in [debut, fin]."""
    return ObjectifAuProrata(objectif, F(f"{vers_lot}date_debut"), F(f"{vers_lot}date_fin"), debut, fin)


def objectifs_periodes(periodes: dict[str, tuple[dt.date, dt.date]], **portee) -> dict[str, Decimal]:
    """The targets of several periods at once (one query); see the module's docstring for the definition.

    With an ``attribution`` or ``entreprise`` scope the targets are the attributaires': each attribution's own
    share of its lot's target when it is set, else the lot's target (spread over the lot's execution dates).
    """
    _verifier(portee)
    if not periodes:
        return {}
    lignes: QuerySet
    objectif: Combinable
    if portee.get("attribution") is not None or portee.get("entreprise") is not None:
        lignes = Attribution.objects.filter(
            _portee("", portee), lot__clause__isnull=False, lot__marche__statut__in=STATUTS_AVEC_OBJECTIF
        )
        vers_lot, objectif = (
            "lot__",
            Coalesce("heures_objectif", "lot__clause__heures_forcees", "lot__clause__heures_calculees"),
        )
    else:
        # The lots that count, their target and dates in one narrow table kept by PostgreSQL (ObjectifLot).
        lignes, objectif, vers_donneur = ObjectifLot.objects.all(), F("cible"), "donneur_d_ordre"
        vers_lot = ""
        chemins = {
            "donneur": vers_donneur,
            "convention": f"{vers_donneur}__conventions",
            "marche": "marche",
            "lot": "pk",
        }
        for cle, valeur in portee.items():
            if valeur is not None:
                lignes = lignes.filter(**{chemins[cle]: _pk(valeur)})
    # A lot whose execution dates fall outside every period adds 0 to each sum: leaving it out changes nothing
    # but spares the join of most lots of ten years of marchés (the dates also say they are not null).
    lignes = lignes.filter(
        **{
            f"{vers_lot}date_debut__lte": max(fin for _, fin in periodes.values()),
            f"{vers_lot}date_fin__gte": min(debut for debut, _ in periodes.values()),
        }
    )
    resultat = lignes.aggregate(
        **{cle: Sum(objectif_au_prorata(debut, fin, vers_lot, objectif)) for cle, (debut, fin) in periodes.items()}
    )
    # Facilitators announce whole hours (clauses.objectif): so are the targets of a period.
    return {cle: en_decimal(valeur).quantize(Decimal(1), rounding=ROUND_HALF_UP) for cle, valeur in resultat.items()}


def objectif_periode(debut: dt.date, fin: dt.date, **portee) -> Decimal:
    return objectifs_periodes({"objectif": (debut, fin)}, **portee)["objectif"]


def taux_realisation(heures: Decimal, objectif: Decimal | int | None) -> Decimal | None:
    """Hours ÷ target (1 = 100 %); None without a target."""
    if not objectif:
        return None
    return Decimal(heures) / Decimal(objectif)
