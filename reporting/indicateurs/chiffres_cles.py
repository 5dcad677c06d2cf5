"""Key figures of a period, and the same for the previous one."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from clauses.objectif import date_d_arrete
from reporting.indicateurs.heures import etp, heures_realisees, synthese_heures
from reporting.indicateurs.objectifs import objectifs_periodes, taux_realisation
from reporting.indicateurs.portee import Periode
from reporting.indicateurs.repartitions import Part, _contrats_par_type

# --- Key figures of a period -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChiffresCles:
    periode: Periode
    heures: Decimal
    objectif: Decimal
    # Target from the start of the period to the end of the last complete month (hours come in monthly
    # statements, so the current month cannot be judged yet); None when the period is not under way.
    attendu_a_date: Decimal | None
    fin_attendu: dt.date | None
    personnes: int
    marches_avec_heures: int
    contrats: list[Part]

    @property
    def etp(self) -> Decimal:
        return etp(self.heures)

    @property
    def nombre_contrats(self) -> int:
        return sum(int(p.valeur) for p in self.contrats)  # counts of contracts

    @property
    def taux(self) -> Decimal | None:
        return taux_realisation(self.heures, self.objectif)


@dataclass(frozen=True)
class HeuresEtObjectif:
    """The hours of a period against its target, as ``ChiffresCles`` gives them, without the people and contracts."""

    periode: Periode
    heures: Decimal
    objectif: Decimal
    attendu_a_date: Decimal | None
    fin_attendu: dt.date | None

    @property
    def etp(self) -> Decimal:
        return etp(self.heures)

    @property
    def taux(self) -> Decimal | None:
        return taux_realisation(self.heures, self.objectif)


def heures_et_objectif(
    periode: Periode, jour: dt.date, *, heures: Decimal | None = None, **portee
) -> HeuresEtObjectif:
    """``chiffres_cles`` for a page that shows no people nor contracts (two queries, no distinct count).

    ``heures``: the period's hours when the caller already has them (``population_en_parcours(…).synthese.heures``),
    which spares a query."""
    fin_attendu = date_d_arrete(jour)
    en_cours = periode.debut <= fin_attendu < periode.fin
    fenetres = {"objectif": (periode.debut, periode.fin)}
    if en_cours:
        fenetres["attendu"] = (periode.debut, fin_attendu)
    objectifs = objectifs_periodes(fenetres, **portee)
    return HeuresEtObjectif(
        periode=periode,
        heures=heures_realisees(periode.debut, periode.fin, **portee) if heures is None else heures,
        objectif=objectifs["objectif"],
        attendu_a_date=objectifs["attendu"] if en_cours else None,
        fin_attendu=fin_attendu if en_cours else None,
    )


def chiffres_cles(periode: Periode, jour: dt.date, **portee) -> ChiffresCles:
    """The key figures of a period, in three queries whatever the volume."""
    return _chiffres_cles((periode,), jour, portee)[0]


def chiffres_cles_comparees(
    periode: Periode, precedente: Periode, jour: dt.date, **portee
) -> tuple[ChiffresCles, ChiffresCles]:
    """``chiffres_cles`` of two periods (a year and the one before), in four queries rather than six: the targets
    and the contracts of both periods come from one query each."""
    chiffres, precedents = _chiffres_cles((periode, precedente), jour, portee)
    return chiffres, precedents


def _chiffres_cles(periodes: tuple[Periode, ...], jour: dt.date, portee: dict) -> list[ChiffresCles]:
    fin_attendu = date_d_arrete(jour)
    en_cours = [p.debut <= fin_attendu < p.fin for p in periodes]
    fenetres = {}
    for i, periode in enumerate(periodes):
        fenetres[f"objectif_{i}"] = (periode.debut, periode.fin)
        if en_cours[i]:
            fenetres[f"attendu_{i}"] = (periode.debut, fin_attendu)
    objectifs = objectifs_periodes(fenetres, **portee)
    contrats = _contrats_par_type({f"periode_{i}": (p.debut, p.fin) for i, p in enumerate(periodes)}, portee)
    resultat = []
    for i, periode in enumerate(periodes):
        # One query per period: a single scan over both periods' hours, with its distinct counts, costs more.
        synthese = synthese_heures(periode.debut, periode.fin, **portee)
        resultat.append(
            ChiffresCles(
                periode=periode,
                heures=synthese.heures,
                objectif=objectifs[f"objectif_{i}"],
                attendu_a_date=objectifs[f"attendu_{i}"] if en_cours[i] else None,
                fin_attendu=fin_attendu if en_cours[i] else None,
                personnes=synthese.personnes,
                marches_avec_heures=synthese.marches,
                contrats=contrats[f"periode_{i}"],
            )
        )
    return resultat
