"""The hours grid is not a Django form with fixed fields: one input per placement and month, named
``h-<placement id>-<YYYY-MM>``. These helpers read such inputs back from a POST."""

import datetime as dt
import re

from clauses.heures import mois_depuis_texte

CHAMP_RE = re.compile(r"^h-(\d{1,18})-(\d{4}-\d{2})$")


def lire_saisies(donnees) -> dict[tuple[int, dt.date], str]:
    """{(placement id, month): typed text} for every well-formed grid input of ``donnees``."""
    saisies = {}
    for nom in donnees:
        correspondance = CHAMP_RE.match(nom)
        if not correspondance:
            continue
        mois = mois_depuis_texte(correspondance[2])
        if mois is None:
            continue
        saisies[(int(correspondance[1]), mois)] = donnees.get(nom, "")
    return saisies


def lire_annee(texte: str | None) -> int | None:
    """?annee=2025 → 2025; anything else → None (the grid then shows the current year)."""
    if texte and texte.isdigit() and len(texte) == 4:
        return int(texte)
    return None
