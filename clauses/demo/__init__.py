"""Demo and benchmark data: ``manage.py seed_demo``.

Two generators share this module:

- :func:`charger_demo` builds a small, believable territory (the Arles area, structure porteuse ACCM) for
  demonstrations and manual testing: a dozen donneurs d'ordre, ~40 marchés, ~150 participants,
  18 months of hours, and the situations the dashboards must raise an alert about.
- :func:`charger_volume` builds the benchmark dataset (national: 100,000 marchés, 1.5 M rows of hours
  over ten years) from tuples written in batches: COPY on PostgreSQL, ``bulk_create`` elsewhere, no per-row
  query.

Both are deterministic for a given day: every random draw comes from ``random.Random(GRAINE)`` in a fixed
order, and every date is relative to ``timezone.localdate()`` so the demo always looks current. Both run
in one transaction and stop early when their data is already there, so running them twice does nothing.
"""

from clauses.demo.commun import (
    COMPTE_ADMIN,
    COMPTE_FACILITATEUR,
    COMPTE_FACILITATEUR_2,
    COMPTE_REFERENT_BAILLEUR,
    COMPTE_REFERENT_COMMUNE,
    MOT_DE_PASSE_DEMO,
    Resultat,
)
from clauses.demo.territoire import charger_demo, comptes_demo
from clauses.demo.volume import ECHELLES, charger_volume

__all__ = [
    "COMPTE_ADMIN",
    "COMPTE_FACILITATEUR",
    "COMPTE_FACILITATEUR_2",
    "COMPTE_REFERENT_BAILLEUR",
    "COMPTE_REFERENT_COMMUNE",
    "ECHELLES",
    "MOT_DE_PASSE_DEMO",
    "Resultat",
    "charger_demo",
    "charger_volume",
    "comptes_demo",
]
