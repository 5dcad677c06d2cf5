"""What the « Déclaration d'accessibilité » states (RGAA 4.1, the DINUM's model), kept apart from its page so that
tests hold it to what they measure (tests/test_pages_legales.py: every figure below is at most what the test suite
checks, so the page never claims more than is verified).

The state of conformity follows the RGAA's rule, not the test suite: « totalement conforme » when an audit found
every applicable criterion met, « partiellement conforme » from 50 %, « non conforme » under 50 % — and « non
conforme » as long as no audit is valid, whatever the automatic checks. Clauses has not been audited yet: fill
``AUDIT`` with the audit's date, auditor and rate once it has been (and update ``DATE_ETABLISSEMENT``); an audit is
valid three years.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

REFERENTIEL = "RGAA 4.1"
DATE_ETABLISSEMENT = dt.date(2026, 12, 7)
VALIDITE_AUDIT = dt.timedelta(days=3 * 365)


@dataclass(frozen=True)
class Audit:
    date: dt.date
    auditeur: str  # the body or team that made it
    taux: int  # percentage of the applicable RGAA criteria met


AUDIT: Audit | None = None


class EtatConformite(StrEnum):
    TOTALE = "totalement conforme"
    PARTIELLE = "partiellement conforme"
    NON_CONFORME = "non conforme"


def etat(audit: Audit | None, jour: dt.date) -> EtatConformite:
    """The RGAA's state of conformity: an audit valid on ``jour`` decides it; without one, « non conforme »."""
    if audit is None or jour - audit.date > VALIDITE_AUDIT:
        return EtatConformite.NON_CONFORME
    if audit.taux >= 100:
        return EtatConformite.TOTALE
    if audit.taux >= 50:
        return EtatConformite.PARTIELLE
    return EtatConformite.NON_CONFORME


# --- What the test suite checks on every change, in Chromium (the declaration's « résultats des tests ») ---

AXE_VERSION = "4.12"
# axe-core rules run by tests/navigateur.py's check (the WCAG 2.1 A and AA tags): counted on a real run.
REGLES_AXE = 62
# Pages, and states of a page after an action, checked with axe-core without a violation: at least.
ECRANS_AXE = 80
# Pages of the URL matrix opened at 1366 and at 390 pixels wide without sideways scrolling: at least.
PAGES_DEUX_LARGEURS = 70
