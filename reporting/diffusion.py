"""The disclosure policy: what a donneur d'ordre may read about people, on the portal, in its documents and e-mails.

Everything addressed to a donneur d'ordre (its portal's pages, the PDFs it can ask for or download, the e-mails it
receives) shows counts of people, contracts and exits through this module, never the raw breakdowns of
``reporting.indicateurs``. The facilitator's own pages are not concerned. The rule, written for readers in
``docs/diffusion.md`` and printed on the documents (``PHRASE``):

1. **The total is always published.** The number of people of a scope and period, of contracts started, of exits,
   is shown exact from 3, « < 3 » from 1 to 2, « 0 » for none. A reader never loses the total to protect a cell.
2. **No breakdown below 10.** A table breaking a population down (gender, age, qualification, residence in a QPV,
   eligible public, type of contract, exit) is published only when the population it breaks down counts at least
   ``EFFECTIF_MIN`` (10) people, contracts or exits; below, the table says it is not published.
3. **Within a table, every count under 3 reads « < 3 », zeros included**, so that « < 3 » tells 0, 1 or 2 apart
   from nothing; and a count of 3 or more is hidden too (« masqué ») as long as the table's total would give a
   « < 3 » back by subtraction (secondary suppression, smallest rows first). A table that cannot be protected so is
   not published.
4. **Tables of one population are protected together**: they share their total, which is published exact (rule 1
   and 2: a table exists only from 10), so nothing links their cells but that total, and each table protected
   against it protects them all (the attacker test solves them together).
5. **Periods.** Counts are published per year only. People: the calendar year (portal statistics and home page)
   and the convention year (bilan annuel). Contracts and exits, which add up from day to day (a contract starts on
   one day), per calendar year only: a convention year starting on 15 March overlaps two calendar years, and the
   three counts together give each piece by difference. A shorter period (a month's or a quarter's report) or any
   other (a marché report) gives hours, not people: a référent can ask for every period.
"""

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format

from clauses.models import TypeContrat
from reporting import indicateurs
from reporting.indicateurs import Part

SEUIL = 3
EFFECTIF_MIN = 10
ZEROS_MASQUES = True  # within a published table: 0, 1 and 2 all read « < 3 »
MASQUE = f"< {SEUIL}"
SECRET = "masqué"

PHRASE = (
    f"Règle de diffusion : les totaux sont toujours publiés (« {MASQUE} » pour 1 ou 2) ; une répartition n'est "
    f"publiée qu'à partir de {EFFECTIF_MIN} personnes, contrats ou sorties, tout effectif de 0 à {SEUIL - 1} y "
    f"figure « {MASQUE} » et un effectif qui permettrait de le retrouver « {SECRET} » ; personnes, contrats et "
    "sorties ne sont publiés que par année (civile pour les contrats et les sorties)."
)
PHRASE_ANNEE_CIVILE = (
    "Contrats et sorties ne sont publiés que par année civile (statistiques du portail) : sur une année de "
    "convention qui chevauche deux années civiles, ils permettraient par différence de retrouver de petits effectifs."
)
PHRASE_PERIODE = (
    "Les effectifs de personnes, de contrats et de sorties ne sont publiés que par année (statistiques du portail, "
    "bilan annuel) : sur une période plus courte, ils permettraient par différence de retrouver de petits effectifs."
)

# QPV hours of a lot (the ANRU minimum). Hours describe work, not people, but those of a lot's QPV residents are the
# hours of one person when one resident worked there, and say that this person lives in a quartier prioritaire: a
# donneur d'ordre reads them only when at least SEUIL people did them; below (zero included, as in a table), the
# lot's situation against its minimum alone. See docs/diffusion.md.
PHRASE_QPV = (
    f"Heures QPV d'un lot : publiées lorsqu'au moins {SEUIL} personnes les ont réalisées ; en deçà (aucune "
    "comprise), seule la situation du lot face à son minimum est donnée, pour ne pas désigner une personne."
)


def heures_qpv_publiees(personnes_qpv: int) -> bool:
    """Whether a donneur d'ordre may read the QPV hours of a lot done by ``personnes_qpv`` people (``PHRASE_QPV``)."""
    return int(personnes_qpv) >= SEUIL


def effectif(n: int) -> str:
    """A total as published: « 0 », « < 3 » for 1 and 2, else « 1 234 »."""
    n = int(n)
    if n < 0:
        raise ValueError(f"Un effectif ne peut pas être négatif : {n}.")
    if 0 < n < SEUIL:
        return MASQUE
    return number_format(n, 0, force_grouping=True)


@dataclass(frozen=True)
class Ligne:
    """One row as published: the count is text, and a masked row keeps no trace of its value."""

    code: str
    libelle: str
    effectif: str
    part: Decimal | None
    masquee: bool


@dataclass(frozen=True)
class Repartition:
    """A table as published; ``raison`` says why it is not (then ``lignes`` is empty)."""

    lignes: list[Ligne]
    total: str
    raison: str = ""
    # What the templates shared with the facilitator's territorial bilan read: the total is never masked here.
    total_masque: bool = False

    @property
    def publiee(self) -> bool:
        return not self.raison

    @property
    def parts_affichees(self) -> bool:
        return self.publiee


def _epingle(bornes: Sequence[tuple[int, int | None]], somme: int) -> bool:
    """Whether some masked count is pinned: counts within ``bornes`` (upper None: unbounded) that add up to ``somme``.

    Each count ranges over [max(lo, somme - others' highs), min(hi, somme - others' lows)], every integer of which
    is reachable: it is pinned when that range is one value."""
    bas_total = sum(lo for lo, _ in bornes)
    hauts = [hi for _, hi in bornes]
    haut_total = None if None in hauts else sum(h for h in hauts if h is not None)
    for lo, hi in bornes:
        plus_bas = lo if haut_total is None or hi is None else max(lo, somme - (haut_total - hi))
        plus_haut = somme - (bas_total - lo) if hi is None else min(hi, somme - (bas_total - lo))
        if plus_bas >= plus_haut:
            return True
    return False


def repartition(
    parts: Sequence[Part],
    total: int | None = None,
    *,
    additive: bool = True,
    nomenclature: Sequence[tuple[str, str]] = (),
    unite: str = "personnes",
) -> Repartition:
    """``parts`` as published under the policy: not at all under ``EFFECTIF_MIN``, else with every count under
    ``SEUIL`` masked and, when the rows add up to the total (``additive``), secondary suppression.

    ``nomenclature``: (code, label) of every row the table has even when empty (types of contract are counted only
    when present): a missing row would read as a published zero."""
    connus = {p.code for p in parts}
    parts = list(parts) + [Part(code, libelle, 0) for code, libelle in nomenclature if code not in connus]
    valeurs = [int(p.valeur) for p in parts]
    if any(v < 0 for v in valeurs):
        raise ValueError("Un effectif ne peut pas être négatif.")
    total = sum(valeurs) if total is None else int(total)
    if total < EFFECTIF_MIN:
        return Repartition([], effectif(total), f"Répartition non publiée : moins de {EFFECTIF_MIN} {unite}.")
    primaires = {i for i, v in enumerate(valeurs) if v < SEUIL}
    secondaires: set[int] = set()
    if additive:
        # Smallest first; among equals, the row further down the table.
        candidats = sorted((i for i in range(len(valeurs)) if i not in primaires), key=lambda i: (valeurs[i], -i))
        while True:
            masquees = primaires | secondaires
            if not masquees:
                break
            somme = total - sum(v for i, v in enumerate(valeurs) if i not in masquees)
            bornes = [(0, SEUIL - 1)] * len(primaires) + [(SEUIL, None)] * len(secondaires)
            if not _epingle(bornes, somme):
                break
            if not candidats:
                return Repartition(
                    [], effectif(total), "Répartition non publiée : elle permettrait de retrouver un petit effectif."
                )
            secondaires.add(candidats.pop(0))
    lignes = []
    for i, part in enumerate(parts):
        if i in primaires:
            lignes.append(Ligne(part.code, part.libelle, MASQUE, None, True))
        elif i in secondaires:
            lignes.append(Ligne(part.code, part.libelle, SECRET, None, True))
        else:
            partage = Decimal(valeurs[i]) / Decimal(total)
            texte = number_format(valeurs[i], 0, force_grouping=True)
            lignes.append(Ligne(part.code, part.libelle, texte, partage, False))
    return Repartition(lignes, effectif(total))


# --- The tables of the portal and the bilans -------------------------------------------------------


@dataclass(frozen=True)
class Tableau:
    cle: str
    titre: str
    colonne: str  # header of the category column
    unite: str  # header of the count column
    repartition: Repartition
    note: str = ""


@dataclass(frozen=True)
class Statistiques:
    personnes: str  # the people of the period, as published (never masked)
    tableaux: list[Tableau]
    # What the templates shared with the territorial bilan read: the total is never masked here.
    personnes_masquees: bool = False

    @property
    def vide(self) -> bool:
        return self.personnes == "0"

    def tableau(self, cle: str) -> Tableau:
        return next(t for t in self.tableaux if t.cle == cle)


def annee_civile(debut: dt.date, fin: dt.date) -> bool:
    return debut.year == fin.year and (debut.month, debut.day, fin.month, fin.day) == (1, 1, 12, 31)


TABLEAUX = ("genre", "age", "qualification", "public", "contrat", "sortie")
TABLEAUX_POSSIBLES = (*TABLEAUX, "qpv")


def statistiques_personnes(
    debut: dt.date,
    fin: dt.date,
    *,
    population: indicateurs.Population | None = None,
    tableaux: Collection[str] = TABLEAUX,
    **portee,
) -> Statistiques:
    """Every breakdown of the people of a period and scope, as published; a fixed number of queries: four within a
    scope (three with ``population``), five over the whole territory.

    ``population``: ``indicateurs.population_en_parcours(debut, fin, **portee)`` when the caller already has it.
    ``tableaux``: the keys wanted, in ``TABLEAUX_POSSIBLES`` (default: ``TABLEAUX``, without residence in a QPV).
    """
    inconnus = set(tableaux) - set(TABLEAUX_POSSIBLES)
    if inconnus:
        raise ValueError(f"Tableaux inconnus : {', '.join(sorted(inconnus))}.")
    repartitions = indicateurs.repartitions_des_personnes(
        debut, fin, population=population, publics="public" in tableaux, **portee
    )
    contrats: list[Part] = []
    sorties: list[Part] = []
    if "contrat" in tableaux and "sortie" in tableaux:
        contrats, sorties = indicateurs.contrats_et_sorties(debut, fin, **portee)
    elif "contrat" in tableaux:
        contrats = indicateurs.contrats_par_type(debut, fin, **portee)
    elif "sortie" in tableaux:
        sorties = indicateurs.sorties_par_categorie(debut, fin, **portee)
    nombre = repartitions.nombre
    civile = annee_civile(debut, fin)

    def par_annee_civile(construire):
        return construire() if civile else Repartition([], "", PHRASE_ANNEE_CIVILE)

    def personnes(parts, **options):
        return repartition(parts, nombre, **options)

    construits = {
        "genre": lambda: Tableau(
            "genre", "Personnes en parcours par genre", "Genre", "Personnes", personnes(repartitions.genre)
        ),
        "age": lambda: Tableau(
            "age",
            "Personnes en parcours par tranche d'âge",
            "Tranche d'âge",
            "Personnes",
            personnes(repartitions.age),
            note="Âge au dernier jour de la période.",
        ),
        "qualification": lambda: Tableau(
            "qualification",
            "Personnes en parcours par niveau de qualification",
            "Niveau de qualification",
            "Personnes",
            personnes(repartitions.qualification),
        ),
        "public": lambda: Tableau(
            "public",
            "Personnes en parcours par public éligible",
            "Public éligible",
            "Personnes",
            personnes(repartitions.publics or [], additive=False),
            note="Une personne peut relever de plusieurs publics : les lignes ne s'additionnent pas.",
        ),
        "contrat": lambda: Tableau(
            "contrat",
            "Contrats commencés par type",
            "Type de contrat",
            "Contrats",
            par_annee_civile(lambda: repartition(contrats, nomenclature=TypeContrat.choices, unite="contrats")),
            note="Contrats, mises à disposition et formations commencés dans la période.",
        ),
        "sortie": lambda: Tableau(
            "sortie",
            "Sorties de parcours par catégorie",
            "Catégorie de sortie",
            "Sorties",
            par_annee_civile(lambda: repartition(sorties, unite="sorties")),
            note="Situation constatée à la fin du parcours, dans la période.",
        ),
        "qpv": lambda: Tableau(
            "qpv",
            "Personnes en parcours par résidence en quartier prioritaire à l'embauche",
            "Résidence à l'embauche",
            "Personnes",
            personnes(repartitions.qpv),
            note=indicateurs.DEFINITION_QPV,
        ),
    }
    return Statistiques(
        personnes=effectif(nombre),
        tableaux=[construits[cle]() for cle in TABLEAUX_POSSIBLES if cle in tableaux],
    )
