"""The attacker of the disclosure policy: every figure a référent can obtain about people, as linear constraints
over the unknown true counts, and an integer program (PuLP's bundled CBC) that looks for a masked figure with a
single possible value.

The attacker knows the rules (what « < 3 » and « masqué » mean), the structure of the figures (a table's rows
add up to its population; tables of one population share its total; contracts and exits are counted by day, so
the counts of two periods add up over their common days; the people of a period are at least those of any period
inside it, and at most the sum of periods that cover it) and every published figure. The true counts are read
from ``reporting.indicateurs`` alongside: they are one solution of the system (a check of the model itself), and a
masked count is recovered when no other solution gives it another value.

Sources, for one donneur d'ordre, as the référent gets them: the portal's statistics page of every year the form
offers and its home page (the contexts those templates receive), the bilan annuel of every convention year the
portal's form offers (the PDF's context) and the bilan's portal page, the rapport périodique of every period the
form offers, and the donneur's copy of the rapport de marché of every marché over its default period.
"""

import datetime as dt
import itertools
import re
import warnings
from dataclasses import dataclass, field

import pulp

from clauses.models import TypeContrat
from reporting import indicateurs

SEUIL = 3
FAMILLES_ADDITIVES_DANS_LE_TEMPS = ("contrats", "sorties")
UN_JOUR = dt.timedelta(days=1)
GRAND = 100_000


@dataclass(frozen=True)
class Publication:
    cle: tuple
    texte: str
    source: str


@dataclass
class Fuite:
    cle: tuple
    valeur: int
    sources: list[str]

    def __str__(self) -> str:
        famille, debut, fin, tableau, code = self.cle
        cellule = "total" if tableau == "total" else f"{tableau}={code}"
        return f"{famille} {debut}→{fin} {cellule} = {self.valeur} ({', '.join(sorted(set(self.sources)))})"


def lire(texte: str) -> tuple[str, int | None]:
    """(« exact », n), (« petit », None), (« secret », None) or (« rien », None) for a published count."""
    brut = re.sub(r"[\s\u00a0\u202f]", "", str(texte))
    if brut.startswith("<"):
        return "petit", None
    if brut.lower().startswith("masqu"):
        return "secret", None
    if brut.isdigit():
        return "exact", int(brut)
    return "rien", None


@dataclass
class Attaquant:
    """What one référent gathers about one donneur d'ordre, and the integer program over it.

    ``zeros_masques``: « < 3 » covers 0 too (else a zero shows « 0 » and « < 3 » means 1 or 2).
    """

    donneur: object
    zeros_masques: bool
    publications: list[Publication] = field(default_factory=list)
    vraies: dict[tuple, int] = field(default_factory=dict)
    # Rows that are listed only when not empty (a table of the criteria present): « < 3 » there means 1 or 2.
    au_moins_un: set[tuple] = field(default_factory=set)
    sommes: list[tuple[tuple, list[tuple]]] = field(default_factory=list)  # total == sum of cells
    majorees: list[tuple[tuple, tuple]] = field(default_factory=list)  # a <= b
    couvertures: list[tuple[tuple, list[tuple]]] = field(default_factory=list)  # total <= sum of cells

    # --- What is published ------------------------------------------------------------------------

    def publier(self, cle: tuple, texte, source: str) -> None:
        self.publications.append(Publication(cle, str(texte), source))

    def population(self, famille: str, debut: dt.date, fin: dt.date) -> tuple:
        return (famille, debut, fin, "total", "")

    def tableau(
        self,
        famille: str,
        debut: dt.date,
        fin: dt.date,
        nom: str,
        parts: list,
        lignes,
        source: str,
        *,
        additive: bool = True,
        nomenclature: list[str] | None = None,
        clairsemee: bool = False,
    ) -> None:
        """A published table: ``parts`` the true rows (``indicateurs.Part``), ``lignes`` the published ones
        (``code`` and ``effectif``); with ``nomenclature``, codes not listed are published as « 0 »."""
        total = self.population(famille, debut, fin)
        vraies = {p.code: int(p.valeur) for p in parts}
        codes = list(dict.fromkeys([*(nomenclature or []), *vraies]))
        cellules = []
        for code in codes:
            cle = (famille, debut, fin, nom, code)
            self.vraies[cle] = vraies.get(code, 0)
            cellules.append(cle)
        publiees = {ligne.code for ligne in lignes}
        for ligne in lignes:
            self.publier((famille, debut, fin, nom, ligne.code), ligne.effectif, source)
            if clairsemee:
                self.au_moins_un.add((famille, debut, fin, nom, ligne.code))
        if lignes and nomenclature:
            for code in codes:
                if code not in publiees:
                    self.publier((famille, debut, fin, nom, code), "0", source)
        if additive:
            self.sommes.append((total, cellules))
        else:
            self.majorees += [(cle, total) for cle in cellules]

    # --- The structure the attacker knows -----------------------------------------------------------

    def _periodes(self, famille: str) -> set[tuple[dt.date, dt.date]]:
        cles = {p.cle for p in self.publications} | set(self.vraies)
        return {(c[1], c[2]) for c in cles if c[0] == famille}

    def _structure_dans_le_temps(self) -> None:
        """Contracts and exits are counted by day: a period's count is the sum of the counts of the pieces the
        published periods' bounds cut the time into (one set of pieces for all, so that every overlap adds up)."""
        portee = {"donneur": self.donneur}
        for famille in FAMILLES_ADDITIVES_DANS_LE_TEMPS:
            periodes = self._periodes(famille)
            if len(periodes) < 2:
                continue
            bornes = sorted({d for d, _ in periodes} | {f + UN_JOUR for _, f in periodes})
            morceaux = [(d, f - UN_JOUR) for d, f in itertools.pairwise(bornes)]
            nom = "contrat" if famille == "contrats" else "sortie"
            comptes = {}
            for debut, fin in set(morceaux) | periodes:
                contrats, sorties = indicateurs.contrats_et_sorties(debut, fin, **portee)
                parts = contrats if famille == "contrats" else sorties
                self.vraies[self.population(famille, debut, fin)] = sum(int(p.valeur) for p in parts)
                comptes[(debut, fin)] = {p.code: int(p.valeur) for p in parts}
            codes = {code for par_code in comptes.values() for code in par_code} | {
                c[4] for c in self.vraies if c[0] == famille and c[3] == nom
            }
            for (debut, fin), par_code in comptes.items():
                for code in codes:
                    self.vraies[(famille, debut, fin, nom, code)] = par_code.get(code, 0)
            for debut, fin in periodes:
                dedans = [(d, f) for d, f in morceaux if debut <= d and f <= fin]
                if dedans == [(debut, fin)]:
                    continue
                self.sommes.append(
                    (self.population(famille, debut, fin), [self.population(famille, d, f) for d, f in dedans])
                )
                for code in codes:
                    cellules = [(famille, d, f, nom, code) for d, f in dedans]
                    self.sommes.append(((famille, debut, fin, nom, code), cellules))

    def _structure_des_personnes(self) -> None:
        """The people of a period include those of any period inside it (row by row), and are at most the sum of
        periods that cover it exactly."""
        periodes = sorted(self._periodes("personnes"))
        cellules: dict[tuple, list[tuple]] = {}
        for cle in self.vraies:
            if cle[0] == "personnes":
                cellules.setdefault((cle[1], cle[2]), []).append(cle)
        for (d1, f1), (d2, f2) in itertools.permutations(periodes, 2):
            if d2 <= d1 and f1 <= f2:
                for cle in cellules.get((d1, f1), []):
                    autre = ("personnes", d2, f2, cle[3], cle[4])
                    if autre in self.vraies:
                        self.majorees.append((cle, autre))
        for debut, fin in periodes:
            # Sub-periods chained from the start to the end without overlap.
            chaine, jour = [], debut
            while jour <= fin:
                suivante = max((p for p in periodes if p[0] == jour and p[1] <= fin and p != (debut, fin)),
                               key=lambda p: p[1], default=None)  # fmt: skip
                if suivante is None:
                    break
                chaine.append(suivante)
                jour = suivante[1] + UN_JOUR
            if chaine and jour == fin + UN_JOUR:
                total = self.population("personnes", debut, fin)
                self.couvertures.append((total, [self.population("personnes", d, f) for d, f in chaine]))

    # --- The integer program ------------------------------------------------------------------------

    def _contraintes(self) -> tuple[list[tuple[dict, str, int]], dict[tuple, list[str]]]:
        """Every constraint as (coefficients by key, sense, right-hand side), and the masked keys with sources."""
        contraintes: list[tuple[dict, str, int]] = []
        masquees: dict[tuple, list[str]] = {}
        for pub in self.publications:
            nature, n = lire(pub.texte)
            cle = pub.cle
            if nature == "exact":
                contraintes.append(({cle: 1}, "==", n))
            elif nature == "petit":
                contraintes.append(({cle: 1}, "<=", SEUIL - 1))
                # A total shows « 0 » when empty; a row listed only when present is not empty.
                if not self.zeros_masques or cle in self.au_moins_un or cle[3] == "total":
                    contraintes.append(({cle: 1}, ">=", 1))
                masquees.setdefault(cle, []).append(pub.source)
            elif nature == "secret":
                if cle[3] != "total":
                    contraintes.append(({cle: 1}, ">=", SEUIL))
                masquees.setdefault(cle, []).append(pub.source)
        for total, cellules in self.sommes:
            contraintes.append(({total: 1} | {c: -1 for c in cellules}, "==", 0))
        for total, cellules in self.couvertures:
            contraintes.append(({total: 1} | {c: -1 for c in cellules}, "<=", 0))
        for petite, grande in self.majorees:
            contraintes.append(({petite: 1, grande: -1}, "<=", 0))
        return contraintes, masquees

    def fuites(self) -> list[Fuite]:
        """Every masked figure the published ones pin down to a single value."""
        self._structure_dans_le_temps()
        self._structure_des_personnes()
        contraintes, masquees = self._contraintes()
        # The true counts are a solution: else the model says something false.
        for coefficients, sens, droite in contraintes:
            manquantes = [c for c in coefficients if c not in self.vraies]
            assert not manquantes, f"Valeur vraie inconnue pour {manquantes[0]}."
            gauche = sum(k * self.vraies[c] for c, k in coefficients.items())
            juste = {"==": gauche == droite, "<=": gauche <= droite, ">=": gauche >= droite}[sens]
            assert juste, f"Le modèle de l'attaquant exclut les vraies valeurs : {coefficients} {sens} {droite}"

        # A masked count can take another value than its true one when some solution moves it. One program moves
        # as many as it can at once (a binary per count, up or down); those moved are safe, and again on the
        # others until no more moves: those left are pinned.
        restantes = sorted(masquees, key=str)
        while restantes:
            probleme = pulp.LpProblem("attaquant", pulp.LpMaximize)
            variables: dict[tuple, pulp.LpVariable] = {}

            def x(cle, probleme=probleme, variables=variables):
                if cle not in variables:
                    variables[cle] = probleme.add_variable(f"x{len(variables)}", lowBound=0, cat="Integer")
                return variables[cle]

            for coefficients, sens, droite in contraintes:
                expression = pulp.lpSum(k * x(c) for c, k in coefficients.items())
                probleme += {"==": expression == droite, "<=": expression <= droite, ">=": expression >= droite}[sens]
            bascules = {}
            for i, cle in enumerate(restantes):
                haut = probleme.add_variable(f"h{i}", cat="Binary")
                bas = probleme.add_variable(f"b{i}", cat="Binary")
                vraie = self.vraies[cle]
                probleme += x(cle) >= vraie + 1 - GRAND * (1 - haut)
                probleme += x(cle) <= vraie - 1 + GRAND * (1 - bas)
                probleme += haut + bas <= 1
                bascules[cle] = (haut, bas)
            probleme.setObjective(pulp.lpSum(h + b for h, b in bascules.values()))
            probleme.solve(solveur())
            assert pulp.LpStatus[probleme.status] == "Optimal", pulp.LpStatus[probleme.status]
            bougees = {cle for cle, (h, b) in bascules.items() if (h.value() or 0) + (b.value() or 0) > 0.5}
            if not bougees:
                break
            restantes = [cle for cle in restantes if cle not in bougees]
        return [Fuite(cle, self.vraies[cle], masquees[cle]) for cle in restantes]


def solveur():
    """The CBC binary PuLP ships: PuLP 3.3 announces it for removal in 4.0 (pinned here below 4), in favour of a
    separate package; the bundled one is what the brief asks for and needs nothing else installed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=False)


def contrats_nomenclature() -> list[str]:
    return list(TypeContrat.values)


# --- Gathering what a référent can obtain --------------------------------------------------------------------


def _tables_vraies(donneur, debut: dt.date, fin: dt.date) -> dict[str, tuple]:
    """For each table key: (family, table name, true rows, additive, nomenclature, sparse)."""
    personnes = indicateurs.repartitions_des_personnes(debut, fin, donneur=donneur)
    contrats, sorties = indicateurs.contrats_et_sorties(debut, fin, donneur=donneur)

    def codes(parts):
        return [p.code for p in parts]

    return {
        "genre": ("personnes", "genre", personnes.genre, True, codes(personnes.genre), False),
        "age": ("personnes", "age", personnes.age, True, codes(personnes.age), False),
        "qualification": (
            "personnes", "qualification", personnes.qualification, True, codes(personnes.qualification), False
        ),
        "qpv": ("personnes", "qpv", personnes.qpv, True, codes(personnes.qpv), False),
        "public": ("personnes", "public", personnes.publics or [], False, None, True),
        "contrat": ("contrats", "contrat", contrats, True, contrats_nomenclature(), False),
        "sortie": ("sorties", "sortie", sorties, True, codes(sorties), False),
        "_nombres": (personnes.nombre, sum(int(p.valeur) for p in contrats), sum(int(p.valeur) for p in sorties)),
    }  # fmt: skip


def _vraies_des_totaux(attaquant: Attaquant, debut: dt.date, fin: dt.date, vraies: dict) -> None:
    personnes, contrats, sorties = vraies["_nombres"]
    attaquant.vraies[attaquant.population("personnes", debut, fin)] = personnes
    attaquant.vraies[attaquant.population("contrats", debut, fin)] = contrats
    attaquant.vraies[attaquant.population("sorties", debut, fin)] = sorties


def statistiques(attaquant: Attaquant, debut: dt.date, fin: dt.date, stats, tableaux, source: str) -> None:
    """A page's or a document's people: the headline count and each table (``Tableau``: ``cle``, ``repartition``)."""
    vraies = _tables_vraies(attaquant.donneur, debut, fin)
    _vraies_des_totaux(attaquant, debut, fin, vraies)
    attaquant.publier(attaquant.population("personnes", debut, fin), stats.personnes, source)
    for tableau in tableaux:
        famille, nom, parts, additive, nomenclature, clairsemee = vraies[tableau.cle]
        repartition = tableau.repartition
        lignes = repartition.lignes if repartition is not None else []
        attaquant.tableau(
            famille, debut, fin, nom, parts, lignes, source,
            additive=additive, nomenclature=nomenclature, clairsemee=clairsemee,
        )  # fmt: skip
        if repartition is not None and tableau.cle != "public":
            attaquant.publier(attaquant.population(famille, debut, fin), repartition.total, source)


def effectif(attaquant: Attaquant, famille: str, debut: dt.date, fin: dt.date, texte, source: str) -> None:
    """A single count (« 4 personnes en parcours ») of the donneur's family over a period."""
    vraies = _tables_vraies(attaquant.donneur, debut, fin)
    _vraies_des_totaux(attaquant, debut, fin, vraies)
    if famille == "contrats":
        # Its rows are known to exist even when not published: the period's pieces add up row by row.
        _, nom, parts, _, nomenclature, _ = vraies["contrat"]
        attaquant.tableau(famille, debut, fin, nom, parts, [], source, nomenclature=nomenclature)
    attaquant.publier(attaquant.population(famille, debut, fin), texte, source)
