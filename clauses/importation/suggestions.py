"""« Vouliez-vous dire P-000151 ? »: for a statement row naming a person nobody knows, the people placed at the
row's company whose reference or identity is one slip away (a digit typed wrong or two swapped, a letter or an
accent off).

Who may be proposed: the imports are for facilitators only (``FacilitateurRequisMixin``), and a facilitator
sees every participant of the instance (the participants' list is not scoped). The hints are still drawn only
from the people placed at the company the row names: those the company may be writing about, which keeps the
hints relevant and never hands a name to a row that could not be about them.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Protocol

from clauses.importation.lecture import normaliser
from clauses.importation.rapport import Rapport, lignes_parmi
from clauses.models import Placement

# Past this many people one slip away, a hint would be a guess: none is given.
PROPOSITIONS_MAX = 3
# How alike two names must be (difflib's ratio on the normalised « nom prénom »).
RESSEMBLANCE_MIN = 0.8


class _Ligne(Protocol):
    numero: int
    reference: str
    identite: tuple[str, str, dt.date] | None


def _un_ecart(a: str, b: str) -> bool:
    """One character replaced, or two neighbours swapped (same length strings)."""
    if len(a) != len(b) or a == b:
        return False
    ecarts = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(ecarts) == 1:
        return True
    return (
        len(ecarts) == 2
        and ecarts[1] == ecarts[0] + 1
        and a[ecarts[0]] == b[ecarts[1]]
        and a[ecarts[1]] == b[ecarts[0]]
    )


def _noms_proches(nom: str, prenom: str, autre_nom: str, autre_prenom: str) -> bool:
    ligne, autre = f"{nom} {prenom}", f"{autre_nom} {autre_prenom}"
    inverse = f"{autre_prenom} {autre_nom}"
    return max(SequenceMatcher(None, ligne, autre).ratio(), SequenceMatcher(None, ligne, inverse).ratio()) >= (
        RESSEMBLANCE_MIN
    )


def _dates_proches(a: dt.date, b: dt.date) -> bool:
    return a == b or _un_ecart(f"{a:%d%m%Y}", f"{b:%d%m%Y}") or (a.day, a.month) == (b.month, b.day)


def _propositions(ligne: _Ligne, candidats: list[tuple]) -> list[tuple]:
    trouves = []
    for reference, nom, prenom, naissance in candidats:
        n_nom, n_prenom = normaliser(nom), normaliser(prenom)
        if ligne.reference:
            if _un_ecart(ligne.reference, reference):
                trouves.append((reference, nom, prenom, naissance))
        elif ligne.identite:
            l_nom, l_prenom, l_naissance = ligne.identite
            memes_noms = {l_nom, l_prenom} == {n_nom, n_prenom}
            if (l_naissance == naissance and _noms_proches(l_nom, l_prenom, n_nom, n_prenom)) or (
                memes_noms and _dates_proches(l_naissance, naissance)
            ):
                trouves.append((reference, nom, prenom, naissance))
    return sorted(trouves) if len(trouves) <= PROPOSITIONS_MAX else []


def _texte(proposition: tuple, avec_naissance: bool) -> str:
    reference, nom, prenom, naissance = proposition
    return (
        f"{reference} ({prenom} {nom}, né(e) le {naissance:%d/%m/%Y})"
        if avec_naissance
        else f"{reference} ({prenom} {nom})"
    )


def suggerer(inconnues: Sequence[tuple[_Ligne, int, str]], rapport: Rapport) -> None:
    """Reports each (row, company id, message) as an error, with a « vouliez-vous dire » when one to three people
    placed at that company are one slip away. One query for all the rows."""
    par_entreprise: dict[int, set[tuple]] = defaultdict(set)
    for entreprise, *personne in lignes_parmi(
        Placement.objects.all(),
        "attribution__entreprise_id",
        {entreprise for _, entreprise, _ in inconnues},
        "attribution__entreprise_id",
        "participant__reference",
        "participant__nom",
        "participant__prenom",
        "participant__date_naissance",
    ):
        par_entreprise[entreprise].add(tuple(personne))
    for ligne, entreprise, message in inconnues:
        propositions = _propositions(ligne, sorted(par_entreprise.get(entreprise, ())))
        if propositions:
            textes = [_texte(p, avec_naissance=not ligne.reference) for p in propositions]
            liste = textes[0] if len(textes) == 1 else f"{', '.join(textes[:-1])} ou {textes[-1]}"
            message = f"{message} Vouliez-vous dire {liste} ?"
        rapport.erreur(ligne.numero, message)
