"""Small-count suppression: figures about people that a donneur d'ordre may see without re-identifying anyone.

Whatever leaves the facilitators' dashboard (the portal, the bilans, later the reports' PDFs) shows
counts of people through this module, never the raw breakdowns of ``reporting.indicateurs``.

The rules
---------

1. **Primary suppression.** A count of 1 or 2 (under ``SEUIL``) shows « < 3 ». Zero shows « 0 »: an empty
   cell identifies no one.
2. **Secondary suppression.** When the rows of a table add up to its total (every person in exactly one
   row) and the total is shown, a reader can subtract the shown rows from the total and learn the sum of
   the masked ones. If that sum pins down a masked count — a single masked row, or masked rows that can
   only all be 1 or all be 2 (two « < 3 » rows that add up to 2 are two ones), or a masked row with the
   smallest value it could have — the smallest row still shown (never a 0) is masked too, and again until
   no masked count can be worked out. Such a row shows « masqué ». The reader is assumed to know that a
   « masqué » row holds at least 3.
3. **The total.** A total of 1 or 2 shows « < 3 », which a reader also uses: two « < 3 » rows under a
   « < 3 » total are two ones. When masking rows is not enough (no row left to mask), the total is masked
   instead — rows of 3 or more then show again, since without the total nothing can be subtracted — and
   shares are not shown at all (a share and a count give back the total).
4. A masked row never shows its share.

Tables whose rows do not add up to the total (eligibility criteria: a person may meet several) get
primary suppression only: subtracting rows from the total tells nothing there.

What this does not cover: recovering a count by crossing two tables of the same population (a cell-level
suppression across tables needs a solver, as τ-Argus does). ``statistiques_personnes`` keeps the one thing
those tables share consistent — their total: if one table needs it masked, every table masks it.
"""

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from reporting import indicateurs
from reporting.diffusion import MASQUE, SECRET, SEUIL, Ligne
from reporting.diffusion import effectif as masquer
from reporting.indicateurs import Part


@dataclass(frozen=True)
class RepartitionProtegee:
    lignes: list[Ligne]
    total: str
    total_masque: bool
    parts_affichees: bool
    raison: str = ""  # the templates shared with reporting.diffusion read it: a table here is always published


def _retrouvable(primaires: int, secondaires: int, somme_min: int, somme_max: int | None) -> bool:
    """Whether some masked count can be worked out, knowing their number and bounds on their sum.

    Masked counts: ``primaires`` each between 1 and SEUIL - 1, ``secondaires`` each SEUIL or more; their sum
    lies between ``somme_min`` and ``somme_max`` (None: no upper bound, the total is unknown). With room for
    two sums every count can move; with exactly one sum, the counts are pinned when there is one of them or
    when the sum is the smallest or largest they can make.
    """
    nombre = primaires + secondaires
    if nombre == 0:
        return False
    plus_petite = primaires + SEUIL * secondaires
    plus_grande = None if secondaires else (SEUIL - 1) * primaires
    bas = max(somme_min, plus_petite)
    bornes_hautes = [b for b in (somme_max, plus_grande) if b is not None]
    if not bornes_hautes:
        return False
    haut = min(bornes_hautes)
    if haut > bas:
        return False
    return nombre == 1 or bas in (plus_petite, plus_grande)


def _bornes_total(total: int, total_connu: bool) -> tuple[int, int | None]:
    """What a reader knows of the total: exact, between 1 and SEUIL - 1 (« < 3 »), or nothing."""
    if not total_connu:
        return 0, None
    if 0 < total < SEUIL:
        return 1, SEUIL - 1
    return total, total


def proteger(
    parts: Sequence[Part], total: int | None = None, *, additive: bool = True, total_connu: bool = True
) -> RepartitionProtegee:
    """``parts`` with small counts masked, following the module's rules.

    ``total``: the number the shares are taken of (default: the sum of the rows). ``additive``: the rows add
    up to the total (False for criteria a person may cumulate). ``total_connu``: False when the total is not
    shown anywhere the reader can see (then no secondary suppression is needed).
    """
    valeurs = [int(p.valeur) for p in parts]
    if any(v < 0 for v in valeurs):
        raise ValueError("Un effectif ne peut pas être négatif.")
    total = sum(valeurs) if total is None else int(total)
    primaires = {i for i, v in enumerate(valeurs) if 0 < v < SEUIL}
    secondaires: set[int] = set()
    total_masque = not total_connu
    if additive and total_connu:
        # Smallest first; among equals, the row further down the table.
        candidats = sorted((i for i, v in enumerate(valeurs) if v >= SEUIL), key=lambda i: (valeurs[i], -i))
        while True:
            masquees = primaires | secondaires
            affiche = sum(v for i, v in enumerate(valeurs) if i not in masquees)
            total_min, total_max = _bornes_total(total, not total_masque)
            somme_max = None if total_max is None else total_max - affiche
            if not _retrouvable(len(primaires), len(secondaires), max(total_min - affiche, 0), somme_max):
                break
            if candidats:
                secondaires.add(candidats.pop(0))
            else:
                # Masking rows was not enough: the total goes, and with it the need for secondary suppression
                # (an unknown total leaves every masked count at least two values).
                total_masque = True
                secondaires.clear()
                break
    if total_masque:
        total_texte = SECRET
    else:
        total_texte = masquer(total)
    parts_affichees = not total_masque and total >= SEUIL
    lignes = []
    for i, part in enumerate(parts):
        if i in primaires:
            lignes.append(Ligne(part.code, part.libelle, MASQUE, None, True))
        elif i in secondaires:
            lignes.append(Ligne(part.code, part.libelle, SECRET, None, True))
        else:
            partage = Decimal(valeurs[i]) / Decimal(total) if parts_affichees and total else None
            lignes.append(Ligne(part.code, part.libelle, masquer(valeurs[i]), partage, False))
    return RepartitionProtegee(lignes, total_texte, total_masque, parts_affichees)


def protegeable(parts: Sequence[Part], total: int | None = None) -> bool:
    """Whether an additive table can be protected without masking its total."""
    return not proteger(parts, total).total_masque


# --- The tables of the portal and the bilans -------------------------------------------------------


@dataclass(frozen=True)
class Tableau:
    cle: str
    titre: str
    colonne: str  # header of the category column
    unite: str  # header of the count column
    repartition: RepartitionProtegee
    note: str = ""


@dataclass(frozen=True)
class StatistiquesProtegees:
    personnes: str  # the people in placement, as shown (« masqué » when a table needs it hidden)
    personnes_masquees: bool
    tableaux: list[Tableau]

    @property
    def vide(self) -> bool:
        return self.personnes == "0"


TABLEAUX = ("genre", "age", "qualification", "public", "contrat", "sortie")


def statistiques_personnes(
    debut: dt.date,
    fin: dt.date,
    *,
    population: indicateurs.Population | None = None,
    tableaux: Collection[str] = TABLEAUX,
    **portee,
) -> StatistiquesProtegees:
    """Every breakdown of the people of a period and scope, protected; a fixed number of queries: four within a
    scope (three with ``population``), five over the whole territory.

    ``population``: ``indicateurs.population_en_parcours(debut, fin, **portee)`` when the caller already has it
    (it spares the one query that walks the scope's hours). ``tableaux``: the keys of the tables wanted, in
    ``TABLEAUX`` (default: all); ``personnes`` is the same whichever are asked for, since it depends on the
    gender, age and qualification tables, which are always counted.
    """
    inconnus = set(tableaux) - set(TABLEAUX)
    if inconnus:
        raise ValueError(f"Tableaux inconnus : {', '.join(sorted(inconnus))}.")
    repartitions = indicateurs.repartitions_des_personnes(
        debut, fin, population=population, publics="public" in tableaux, **portee
    )
    # Only the tables asked for are computed (and built, below).
    contrats: list[indicateurs.Part] = []
    sorties: list[indicateurs.Part] = []
    if "contrat" in tableaux and "sortie" in tableaux:
        contrats, sorties = indicateurs.contrats_et_sorties(debut, fin, **portee)
    elif "contrat" in tableaux:
        contrats = indicateurs.contrats_par_type(debut, fin, **portee)
    elif "sortie" in tableaux:
        sorties = indicateurs.sorties_par_categorie(debut, fin, **portee)
    genre, age, qualification = repartitions.genre, repartitions.age, repartitions.qualification
    nombre = repartitions.nombre

    # Gender, age and qualification split the same people: they share one total, shown or masked everywhere.
    total_connu = all(protegeable(parts, nombre) for parts in (genre, age, qualification))

    def personnes(parts):
        return proteger(parts, nombre, total_connu=total_connu)

    construits = {
        "genre": lambda: Tableau("genre", "Personnes en parcours par genre", "Genre", "Personnes", personnes(genre)),
        "age": lambda: Tableau(
            "age",
            "Personnes en parcours par tranche d'âge",
            "Tranche d'âge",
            "Personnes",
            personnes(age),
            note="Âge au dernier jour de la période.",
        ),
        "qualification": lambda: Tableau(
            "qualification",
            "Personnes en parcours par niveau de qualification",
            "Niveau de qualification",
            "Personnes",
            personnes(qualification),
        ),
        "public": lambda: Tableau(
            "public",
            "Personnes en parcours par public éligible",
            "Public éligible",
            "Personnes",
            proteger(repartitions.publics or [], nombre, additive=False, total_connu=total_connu),
            note="Une personne peut relever de plusieurs publics : les lignes ne s'additionnent pas.",
        ),
        "contrat": lambda: Tableau(
            "contrat",
            "Contrats commencés par type",
            "Type de contrat",
            "Contrats",
            proteger(contrats),
            note="Contrats, mises à disposition et formations commencés dans la période.",
        ),
        "sortie": lambda: Tableau(
            "sortie",
            "Sorties de parcours par catégorie",
            "Catégorie de sortie",
            "Sorties",
            proteger(sorties),
            note="Situation constatée à la fin du parcours, dans la période.",
        ),
    }
    return StatistiquesProtegees(
        personnes=masquer(nombre) if total_connu else SECRET,
        personnes_masquees=not total_connu,
        tableaux=[construits[cle]() for cle in TABLEAUX if cle in tableaux],
    )
