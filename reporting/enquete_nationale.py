"""The national survey of clause facilitators for a calendar year, block by block, from ``reporting.indicateurs`` only.

Every year Alliance Villes Emploi consolidates, for the whole country, what each structure porteuse of a clause
facilitator did: hours, people, contracts, outcomes, companies and donneurs d'ordre. ``contenu(annee)`` answers it as
the survey's blocks (A. activity and actors, B. hours, C. publics, D. contracts, E. outcomes), each a list of tables
whose every figure is an indicator's, unchanged; ``reporting.documents.enquete_nationale`` writes them as a workbook
(a sheet per block) and a one-page summary. The fields, their definitions and what is inferred rather than read in a
public source: ``docs/enquete-nationale.md``, which ``DEFINITIONS`` below follows code for code.

The survey is the structure's own consolidation, sent to the network: facilitators only, exact counts (no small
count is masked, unlike the territorial bilan, which donneurs d'ordre and elected officials read).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from clauses import objectif
from clauses.models import CATEGORIE_PAR_SITUATION, ModalitePlacement, MomentSortie, Situation, TypeContrat
from conventions.models import StructurePorteuse
from reporting import indicateurs
from reporting.indicateurs import Part, Periode

Valeur = Decimal | int


@dataclass(frozen=True)
class Ligne:
    libelle: str
    valeur: Valeur
    code: str = ""  # a figure's field code (« A01 »), or the category's code in a breakdown
    unite: str = ""  # for a figure: « heures », « personnes »…
    niveau: int = 0  # 1: a detail of the row above (a situation under its category of outcome)


@dataclass(frozen=True)
class Tableau:
    code: str  # the field code of the table (« B1 »)
    titre: str
    colonne: str  # header of the label column
    unite: str  # header of the value column
    lignes: list[Ligne]
    total: Valeur | None = None  # printed after the rows, « Total »
    note: str = ""
    additif: bool = True  # whether the rows add up to the total (False: a person may match several rows)

    def valeur(self, libelle: str) -> Valeur:
        return next(ligne.valeur for ligne in self.lignes if ligne.libelle == libelle)


@dataclass(frozen=True)
class Bloc:
    lettre: str
    titre: str
    tableaux: list[Tableau]

    @property
    def feuille(self) -> str:
        """The sheet's name: at most 31 characters, none of : \\ / ? * [ ]."""
        return f"{self.lettre}. {self.titre}"[:31]


@dataclass
class Enquete:
    annee: int
    periode: Periode
    arrete_au: dt.date
    structure: StructurePorteuse
    blocs: list[Bloc]
    # The key figures the one-page summary shows first, by field code.
    chiffres: dict[str, Ligne] = field(default_factory=dict)

    def bloc(self, lettre: str) -> Bloc:
        return next(b for b in self.blocs if b.lettre == lettre)

    @property
    def par_code(self) -> dict[str, Tableau]:
        return {t.code: t for b in self.blocs for t in b.tableaux}

    @property
    def taux(self) -> Decimal | None:
        return indicateurs.taux_realisation(Decimal(self.chiffres["A01"].valeur), self.chiffres["A03"].valeur)

    @property
    def sorties_comparees(self) -> list[tuple[str, Valeur, Valeur]]:
        """Each national category of outcome with its count at the end of the placement (E1) and six months later
        (E2), for a table of both."""
        six_mois = {ligne.code: ligne.valeur for ligne in self.par_code["E2"].lignes if not ligne.niveau}
        return [
            (ligne.libelle, ligne.valeur, six_mois[ligne.code])
            for ligne in self.par_code["E1"].lignes
            if not ligne.niveau
        ]

    @property
    def en_cours(self) -> bool:
        return self.arrete_au < self.periode.fin


# --- The fields -----------------------------------------------------------------------------------------------------

# Field code → (label, definition). docs/enquete-nationale.md gives each with the indicator that computes it and
# its source; a test checks that both list the same codes.
DEFINITIONS: dict[str, tuple[str, str]] = {
    "A01": ("Heures d'insertion réalisées", "Heures des relevés mensuels des mois de l'année, toutes clauses."),
    "A02": ("Équivalents temps plein (ETP)", "Heures réalisées ÷ 1 600, à une décimale."),
    "A03": (
        "Objectif d'heures de l'année",
        "Objectif de chaque lot avec clause d'un marché attribué ou plus avancé, au prorata des jours de son "
        "exécution compris dans l'année ; un lot sans dates d'exécution n'en a pas.",
    ),
    "A04": ("Personnes en parcours", "Personnes distinctes ayant des heures dans l'année."),
    "A05": (
        "Nouveaux entrants",
        "Personnes dont le premier contrat au titre d'une clause a commencé dans l'année (qu'elles aient déjà des "
        "heures ou non).",
    ),
    "A06": ("Contrats commencés", "Contrats, mises à disposition et formations commencés dans l'année."),
    "A07": ("Marchés ayant produit des heures", "Marchés distincts ayant des heures dans l'année."),
    "A08": (
        "Donneurs d'ordre ayant des heures",
        "Donneurs d'ordre distincts dont un marché a des heures dans l'année.",
    ),
    "A09": (
        "Entreprises impliquées",
        "Entreprises distinctes ayant réalisé des heures dans l'année ou attributaires d'un lot dont la clause est "
        "exécutée dans l'année.",
    ),
    "A10": ("Entreprises ayant réalisé des heures", "Entreprises attributaires dont les placements ont des heures."),
    "A11": (
        "Entreprises attributaires d'un lot avec clause exécuté",
        "Marché attribué ou plus avancé, dates d'exécution du lot chevauchant l'année ou inconnues.",
    ),
    "B1": ("Heures par secteur", "Type du marché : travaux, services, fournitures."),
    "B2": (
        "Heures par corps d'état",
        "Corps d'état choisi pour l'objectif de la clause du lot ; « Autre ou non renseigné » : part de main-d'œuvre "
        "saisie librement, ou lot sans clause.",
    ),
    "B3": (
        "Heures par modalité de réalisation",
        "Embauche directe, mise à disposition (ETTI, AI, GEIQ), sous-traitance.",
    ),
    "B4": ("Heures par type de donneur d'ordre", "Commune, EPCI, bailleur social…"),
    "B5": (
        "Heures par modalité juridique de la clause",
        "Une clause peut combiner plusieurs modalités : ses heures comptent dans chacune.",
    ),
    "C1": (
        "Personnes par public éligible",
        "Personnes en parcours par critère d'éligibilité ; une personne peut en cumuler plusieurs.",
    ),
    "C2": ("Personnes par résidence en QPV", "Résidence en quartier prioritaire le jour de l'embauche."),
    "C3": ("Personnes par genre", "Personnes en parcours."),
    "C4": ("Personnes par tranche d'âge", "Âge au 31 décembre de l'année."),
    "C5": ("Personnes par niveau de qualification", "Nomenclature nationale des diplômes (2019)."),
    "D1": ("Contrats commencés par type", "Contrats commencés dans l'année."),
    "E1": (
        "Sorties de parcours",
        "Situation à la fin du placement, constatée dans l'année, par catégorie nationale puis par situation.",
    ),
    "E2": (
        "Situations six mois après la sortie",
        "Situation constatée six mois après la fin du placement, suivi daté de l'année.",
    ),
}


def _ligne(code: str, valeur: Valeur, unite: str) -> Ligne:
    return Ligne(DEFINITIONS[code][0], valeur, code, unite)


def _lignes(parts: list[Part]) -> list[Ligne]:
    return [Ligne(p.libelle, p.valeur, p.code) for p in parts]


def _dans_l_ordre(parts: list[Part], nomenclature) -> list[Ligne]:
    """A breakdown that lists only its non-zero categories, in the nomenclature's order with zeros: the survey's form
    keeps the same rows every year. A category the nomenclature no longer has comes after, under its own name."""
    valeurs = {p.code: p for p in parts}
    lignes = [
        Ligne(libelle, valeurs.pop(code).valeur if code in valeurs else 0, code) for code, libelle in nomenclature
    ]
    return lignes + [Ligne(p.libelle, p.valeur, p.code) for p in valeurs.values()]


def _tableau(code: str, colonne: str, unite: str, lignes: list[Ligne], **extra) -> Tableau:
    return Tableau(code, DEFINITIONS[code][0], colonne, unite, lignes, note=DEFINITIONS[code][1], **extra)


def _sorties(code: str, categories: list[Part], situations: list[Part]) -> Tableau:
    """Each national category of outcome, then its situations."""
    lignes = []
    for categorie in categories:
        lignes.append(Ligne(categorie.libelle, categorie.valeur, categorie.code))
        lignes += [
            Ligne(s.libelle, s.valeur, s.code, niveau=1)
            for s in situations
            if CATEGORIE_PAR_SITUATION[Situation(s.code)].value == categorie.code
        ]
    return _tableau(code, "Catégorie et situation", "Sorties", lignes, total=sum(int(c.valeur) for c in categories))


def contenu(annee: int, aujourd_hui: dt.date | None = None) -> Enquete:
    """The survey of ``annee``: about thirty queries, whatever the number of people (the territory's year reads the
    running totals where ``reporting.agregats`` has them)."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    periode = Periode.annee(annee)
    debut, fin = periode.debut, periode.fin
    jour = min(fin + dt.timedelta(days=1), aujourd_hui)
    chiffres = indicateurs.chiffres_cles(periode, jour)
    entreprises = indicateurs.entreprises_impliquees(debut, fin)
    personnes = indicateurs.repartitions_des_personnes(debut, fin, publics=False)
    publics, en_parcours = indicateurs.personnes_par_public_eligible(debut, fin, personnes=chiffres.personnes)
    contrats, sorties = indicateurs.contrats_et_sorties(debut, fin)

    figures = [
        _ligne("A01", chiffres.heures, "heures"),
        _ligne("A02", chiffres.etp, "ETP"),
        _ligne("A03", chiffres.objectif, "heures"),
        _ligne("A04", chiffres.personnes, "personnes"),
        _ligne("A05", indicateurs.nouveaux_entrants(debut, fin), "personnes"),
        _ligne("A06", chiffres.nombre_contrats, "contrats"),
        _ligne("A07", chiffres.marches_avec_heures, "marchés"),
        _ligne("A08", indicateurs.donneurs_avec_heures(debut, fin), "donneurs d'ordre"),
        _ligne("A09", entreprises.impliquees, "entreprises"),
        _ligne("A10", entreprises.avec_heures, "entreprises"),
        _ligne("A11", entreprises.attributaires, "entreprises"),
    ]
    heures = chiffres.heures
    blocs = [
        Bloc(
            "A",
            "Activité et acteurs",
            [
                Tableau(
                    "A",
                    "Chiffres clés de l'année",
                    "Indicateur",
                    "Valeur",
                    figures,
                    note="Définitions : feuille « Définitions ».",
                )
            ],
        ),
        Bloc(
            "B",
            "Heures",
            [
                _tableau(
                    "B1", "Secteur", "Heures", _lignes(indicateurs.heures_par_type_de_marche(debut, fin)), total=heures
                ),
                _tableau(
                    "B2",
                    "Corps d'état",
                    "Heures",
                    _lignes(indicateurs.heures_par_corps_d_etat(debut, fin)),
                    total=heures,
                ),
                _tableau(
                    "B3",
                    "Modalité de réalisation",
                    "Heures",
                    _dans_l_ordre(indicateurs.heures_par_modalite(debut, fin), ModalitePlacement.choices),
                    total=heures,
                ),
                _tableau(
                    "B4",
                    "Type de donneur d'ordre",
                    "Heures",
                    _lignes(indicateurs.heures_par_type_de_donneur(debut, fin)),
                    total=heures,
                ),
                _tableau(
                    "B5",
                    "Modalité juridique",
                    "Heures",
                    _lignes(indicateurs.heures_par_modalite_juridique(debut, fin)),
                    additif=False,
                ),
            ],
        ),
        Bloc(
            "C",
            "Publics",
            [
                _tableau("C1", "Public éligible", "Personnes", _lignes(publics), total=en_parcours, additif=False),
                _tableau("C2", "Résidence à l'embauche", "Personnes", _lignes(personnes.qpv), total=personnes.nombre),
                _tableau("C3", "Genre", "Personnes", _lignes(personnes.genre), total=personnes.nombre),
                _tableau("C4", "Tranche d'âge", "Personnes", _lignes(personnes.age), total=personnes.nombre),
                _tableau(
                    "C5",
                    "Niveau de qualification",
                    "Personnes",
                    _lignes(personnes.qualification),
                    total=personnes.nombre,
                ),
            ],
        ),
        Bloc(
            "D",
            "Contrats",
            [
                _tableau(
                    "D1",
                    "Type de contrat",
                    "Contrats",
                    _dans_l_ordre(contrats, TypeContrat.choices),
                    total=chiffres.nombre_contrats,
                )
            ],
        ),
        Bloc(
            "E",
            "Sorties",
            [
                _sorties("E1", sorties, indicateurs.sorties_par_situation(debut, fin)),
                _sorties(
                    "E2",
                    indicateurs.sorties_a_six_mois(debut, fin),
                    indicateurs.sorties_par_situation(debut, fin, moment=MomentSortie.SIX_MOIS),
                ),
            ],
        ),
    ]
    return Enquete(
        annee=annee,
        periode=periode,
        arrete_au=objectif.date_d_arrete(jour),
        structure=StructurePorteuse.get(),
        blocs=blocs,
        chiffres={ligne.code: ligne for ligne in figures},
    )
