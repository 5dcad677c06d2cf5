"""The PDF documents, rendered by WeasyPrint from templates/reporting/pdf/.

``produire(rapport)`` renders the document a ``Rapport`` row describes (its type, scope and period) and
returns its file name and bytes; the worker stores them (reporting/tasks.py). One module per document:

- ``bilan_annuel``: a convention's year, per marché, lot and attributaire (per marché only past
  ``commun.LIGNES_MAX_DETAILLEES`` rows), with the breakdowns (small counts suppressed), the facilitator's text
  and the donneur d'ordre's comment;
- ``rapport_marche``: a marché per lot and attributaire, monthly curve, placements (names only in the
  facilitator's nominative copy);
- ``rapport_periodique``: a donneur d'ordre's month or quarter;
- ``bilan_territorial``: every donneur d'ordre, for the structure porteuse (without each one's rate and ETP past
  ``bilan_territorial.DONNEURS_MAX_DETAILLES``);
- ``courrier_echeance``: the letter reminding a donneur d'ordre of its convention's renewal;
- ``enquete_nationale``: the national survey of a year, a workbook in the survey's layout (the one document that
  is not a PDF) and its one-page summary, for the structure porteuse.
``rendu`` holds what they share: the document (``Document``: a file name and its bytes), the WeasyPrint call, the
print CSS, fonts, the structure porteuse's header.
"""

from reporting.documents import (
    bilan_annuel,
    bilan_territorial,
    courrier_echeance,
    enquete_nationale,
    rapport_marche,
    rapport_periodique,
)
from reporting.documents.rendu import Document
from reporting.models import Rapport, TypeRapport

__all__ = ["Document", "produire"]


def produire(rapport: Rapport) -> Document:
    producteurs = {
        TypeRapport.BILAN_ANNUEL: bilan_annuel.produire,
        TypeRapport.RAPPORT_MARCHE: rapport_marche.produire,
        TypeRapport.RAPPORT_PERIODIQUE: rapport_periodique.produire,
        TypeRapport.BILAN_TERRITORIAL: bilan_territorial.produire,
        TypeRapport.COURRIER_ECHEANCE: courrier_echeance.produire,
        TypeRapport.ENQUETE_NATIONALE: enquete_nationale.produire_tableur,
        TypeRapport.ENQUETE_SYNTHESE: enquete_nationale.produire_synthese,
    }
    return producteurs[TypeRapport(rapport.type)](rapport)
