"""The Arles demo territory (``seed_demo``): small, believable, with the situations dashboards must flag."""

import datetime as dt
import math
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.text import slugify

from clauses import objectif
from clauses.demo.commun import (
    COMPTE_ADMIN,
    COMPTE_FACILITATEUR,
    COMPTE_FACILITATEUR_2,
    COMPTE_REFERENT_BAILLEUR,
    COMPTE_REFERENT_COMMUNE,
    GRAINE,
    HEURES_MAX_DEMO,
    HEURES_MIN_PAR_MOIS,
    MOIS_D_HEURES_DEMO,
    Journal,
    Resultat,
    _compte,
    _compter,
    _comptes_de_base,
    _fin_du_mois,
    _mois_entre,
    _nombre,
    _premier,
    _resume,
    _secondes,
    _silence,
    _siret,
    _structure_porteuse,
)
from clauses.demo.vocabulaire import (
    ADRESSES_ENTREPRISES,
    COMMUNES_PARTICIPANTS,
    CONTRAT_PAR_MODALITE,
    CONTRATS_EMBAUCHE,
    CORPS,
    CRITERES_GENERAUX,
    DUREES_EMBAUCHE,
    FORMES,
    LIEUX,
    METIERS,
    MODALITES_PLACEMENT,
    NIVEAUX,
    NOMS,
    POSTES,
    PRENOMS,
    QPV_ARLES,
    SECOND_OEUVRE,
    SITUATIONS_EMPLOI,
    SITUATIONS_FIN,
    VILLES_ENTREPRISES,
    _pondere,
)
from clauses.models import (
    OPERATEUR_PAR_MODALITE,
    ClauseInsertion,
    CorpsDEtat,
    CritereEligibilite,
    Genre,
    HeuresMensuelles,
    ModaliteJuridique,
    ModalitePlacement,
    MomentSortie,
    NiveauQualification,
    Participant,
    Placement,
    Sortie,
    SourceHeures,
)
from clauses.services import enregistrer_clause
from conventions.calendrier import add_months
from conventions.models import (
    Avenant,
    Convention,
    DenoncePar,
    DonneurDOrdre,
    Periodicite,
    Referent,
    TypeDonneur,
)
from entreprises.models import Entreprise, Operateur, TypeOperateur
from marches.decp import importation as importation_decp
from marches.decp.lecture import EXEMPLE as EXEMPLE_DECP
from marches.models import (
    Attribution,
    AvisFaisabilite,
    Lot,
    Marche,
    Origine,
    PropositionAttribution,
    RoleAttributaire,
    StatutMarche,
    TypeMarche,
)

# --- The demo territory ----------------------------------------------------------------------------

# (clé, nom, type, préfixe du SIREN, adresse, code postal, commune, périodicité des rapports)
DONNEURS_DEMO = [
    ("arles", "Ville d'Arles", TypeDonneur.COMMUNE, "21130004", "Hôtel de ville, place de la République", "13200",
     "Arles", Periodicite.TRIMESTRIELLE),
    ("tarascon", "Ville de Tarascon", TypeDonneur.COMMUNE, "21130108", "Hôtel de ville, place du Marché", "13150",
     "Tarascon", Periodicite.TRIMESTRIELLE),
    ("smdc", "Ville de Saint-Martin-de-Crau", TypeDonneur.COMMUNE, "21130097", "Hôtel de ville, avenue de la "
     "République", "13310", "Saint-Martin-de-Crau", Periodicite.TRIMESTRIELLE),
    ("boulbon", "Commune de Boulbon", TypeDonneur.COMMUNE, "21130017", "Mairie, place Gilles Léontin", "13150",
     "Boulbon", Periodicite.TRIMESTRIELLE),
    ("spm", "Commune de Saint-Pierre-de-Mézoargues", TypeDonneur.COMMUNE, "21130096", "Mairie, place de l'Église",
     "13150", "Saint-Pierre-de-Mézoargues", Periodicite.TRIMESTRIELLE),
    ("ccvba", "Communauté de communes Vallée des Baux-Alpilles", TypeDonneur.EPCI, "24130023", "Chemin "
     "Notre-Dame-de-Pitié", "13210", "Saint-Rémy-de-Provence", Periodicite.TRIMESTRIELLE),
    ("cd13", "Département des Bouches-du-Rhône", TypeDonneur.DEPARTEMENT, "22130001", "52 avenue de Saint-Just",
     "13004", "Marseille", Periodicite.TRIMESTRIELLE),
    ("region", "Région Provence-Alpes-Côte d'Azur", TypeDonneur.REGION, "23130002", "27 place Jules Guesde",
     "13002", "Marseille", Periodicite.TRIMESTRIELLE),
    ("bailleur", "Delta Rhône Habitat", TypeDonneur.BAILLEUR, "27130040", "12 boulevard Émile Combes", "13200",
     "Arles", Periodicite.MENSUELLE),
    ("hopital", "Centre hospitalier du Pays d'Arles", TypeDonneur.HOPITAL, "26130016", "Quartier Fourchon",
     "13200", "Arles", Periodicite.TRIMESTRIELLE),
    ("spl", "SPL Camargue Aménagement", TypeDonneur.SEM_SPL, "81903452", "2 place Lamartine", "13200", "Arles",
     Periodicite.TRIMESTRIELLE),
    ("eaux", "Syndicat mixte des eaux du Delta", TypeDonneur.ETABLISSEMENT_PUBLIC, "25130031", "Chemin du Mas "
     "de Pâques", "13200", "Arles", Periodicite.TRIMESTRIELLE),
]  # fmt: skip
# The demo is "already seeded" when this donneur d'ordre exists.
SIRET_MARQUEUR_DEMO = _siret(DONNEURS_DEMO[0][3])

# (type, nom, commune, code postal, préfixe du SIREN, métiers)
OPERATEURS_DEMO = [
    (TypeOperateur.ETTI, "Delta Intérim Insertion", "Arles", "13200", "78451203", "BTP, propreté, logistique"),
    (TypeOperateur.ETTI, "Tremplin Intérim Provence", "Tarascon", "13150", "78451204", "BTP, espaces verts"),
    (TypeOperateur.AI, "Pays d'Arles Services", "Arles", "13200", "78451205", "Entretien, manutention"),
    (TypeOperateur.AI, "Alpilles Emploi Solidarité", "Saint-Rémy-de-Provence", "13210", "78451206",
     "Espaces verts, nettoyage"),
    (TypeOperateur.EI, "Regain Bâtiment", "Arles", "13200", "78451207", "Second œuvre, peinture, plâtrerie"),
    (TypeOperateur.ACI, "Les Jardiniers du Rhône", "Arles", "13200", "78451208", "Espaces verts, débroussaillage"),
    (TypeOperateur.ACI, "Pierre sèche et patrimoine", "Saint-Martin-de-Crau", "13310", "78451209",
     "Restauration du petit patrimoine, maçonnerie"),
    (TypeOperateur.GEIQ, "GEIQ BTP Provence-Rhône", "Arles", "13200", "78451210", "Gros œuvre, VRD, second œuvre"),
    (TypeOperateur.GEIQ, "GEIQ Propreté Sud", "Marseille", "13003", "78451211", "Propreté, hygiène"),
    (TypeOperateur.EA, "Camargue Services Adaptés", "Arles", "13200", "78451212", "Blanchisserie, nettoyage"),
    (TypeOperateur.ESAT, "ESAT Les Olivades", "Tarascon", "13150", "78451213", "Espaces verts, conditionnement"),
    (TypeOperateur.ORGANISME_FORMATION, "Centre de formation BTP du Pays d'Arles", "Arles", "13200", "78451214",
     "Titres professionnels du bâtiment"),
    (TypeOperateur.FRANCE_TRAVAIL, "France Travail Arles", "Arles", "13200", None, ""),
    (TypeOperateur.MISSION_LOCALE, "Mission locale du Delta", "Arles", "13200", None, ""),
    (TypeOperateur.CAP_EMPLOI, "Cap emploi 13", "Marseille", "13008", None, ""),
    (TypeOperateur.PLIE, "PLIE du Pays d'Arles", "Arles", "13200", None, ""),
    (TypeOperateur.DEPARTEMENT, "Département des Bouches-du-Rhône — pôle d'insertion d'Arles", "Arles", "13200",
     None, ""),
    (TypeOperateur.AUTRE_PRESCRIPTEUR, "CCAS d'Arles", "Arles", "13200", None, ""),
]  # fmt: skip
# Insertion operators that also sign contracts as companies (reserved marchés, co-contracting).
ENTREPRISES_SIAE = [
    ("Camargue Services Adaptés", "78451212", "81.21Z", "NETT"),
    ("Les Jardiniers du Rhône", "78451208", "81.30Z", "EVE"),
    ("Regain Bâtiment", "78451207", "43.34Z", "PEINT"),
]
# Number of demo companies per trade.
ENTREPRISES_PAR_METIER = {
    "GO": 6, "VRD": 4, "DEMO": 2, "CHB": 2, "CHM": 2, "COUV": 3, "MEXT": 3, "MINT": 2, "PLAT": 3, "PEINT": 5,
    "FACADE": 1, "SOLS": 2, "CARR": 1, "CVC": 4, "ELEC": 5, "SERR": 2, "VOIRIE": 3, "EVC": 2, "EVE": 2,
    "NETT": 4, "RESTO": 2, "DECH": 1, "DEM": 1, "GARD": 2,
}  # fmt: skip


@dataclass
class MarcheDemo:
    donneur: str
    objet: str
    type: str
    statut: str
    montant_k: int  # estimated amount, thousands of euros
    lots: list  # trade aliases, or (intitulé, alias) pairs
    modalites: tuple[str, ...] = ("condition_execution",)
    # ANRU-funded: the minimum share of the hours for people residing in a QPV when hired (5 % on renovation works,
    # 10 % on local-management contracts), and the lots whose recruits come from elsewhere (below that minimum).
    qpv: int = 0
    qpv_manque: tuple[int, ...] = ()
    retard: tuple[int, ...] = ()  # lot indexes to keep behind schedule
    silence: tuple[int, ...] = ()  # lot indexes whose attributaire sends nothing for two months
    cotraitance: tuple[int, ...] = ()  # lot indexes whose target is split with a co-traitant
    sans_attribution: bool = False
    origine: str = Origine.FACILITATEUR
    titulaire: str | None = None  # raison sociale imposed (reserved marchés)
    forcage: str = ""  # reason to override the computed target
    duree_mois: int = 12
    demarre: bool = False  # awarded, works started this month: a first recruit, no statement yet
    notes: str = ""


E = StatutMarche
MARCHES_DEMO = [
    MarcheDemo("arles", "Réhabilitation de l'école Jules Ferry", TypeMarche.TRAVAUX, E.EN_EXECUTION, 3600,
               ["GO", "MEXT", "PLAT", "PEINT", "ELEC"], retard=(0,), cotraitance=(2,), duree_mois=16,
               notes="Chantier en site occupé : travaux pendant les vacances scolaires pour les classes."),
    MarcheDemo("arles", "Entretien des espaces verts de la ville", TypeMarche.SERVICES, E.EN_EXECUTION, 2000,
               [("Secteur nord et centre ancien", "EVE"), ("Secteur sud : Barriol, Trinquetaille", "EVE")],
               modalites=("condition_execution", "critere_attribution"), duree_mois=36),
    MarcheDemo("arles", "Nettoyage des locaux administratifs", TypeMarche.SERVICES, E.EN_EXECUTION, 2500, ["NETT"],
               forcage="Reprise du personnel en place (article L1224-1 du Code du travail) : seuls les "
               "nouveaux recrutements comptent, objectif ramené en conséquence.", duree_mois=36),
    MarcheDemo("arles", "Restauration des abords du cloître Saint-Trophime", TypeMarche.TRAVAUX, E.ACHEVE, 1300,
               ["GO", "SERR", "VOIRIE"], duree_mois=10),
    MarcheDemo("arles", "Requalification des espaces publics du quartier de Griffeuille", TypeMarche.TRAVAUX,
               E.ATTRIBUE, 3200, ["VRD", "EVC", "SERR"], qpv=5, demarre=True, duree_mois=18),
    MarcheDemo("arles", "Construction d'un gymnase à Barriol", TypeMarche.TRAVAUX, E.EN_CONSULTATION, 4500,
               ["GO", "CHM", "COUV", "SOLS", "ELEC", "CVC"], qpv=5, duree_mois=20),
    MarcheDemo("arles", "Rénovation énergétique de la médiathèque", TypeMarche.TRAVAUX, E.EN_PREPARATION, 1700,
               ["MEXT", "PLAT", "CVC", "ELEC"], origine=Origine.PORTAIL),
    MarcheDemo("tarascon", "Réfection de la toiture de la collégiale Sainte-Marthe", TypeMarche.TRAVAUX, E.ACHEVE,
               1500, ["CHB", "COUV"], duree_mois=11),
    MarcheDemo("tarascon", "Aménagement des berges du Rhône", TypeMarche.TRAVAUX, E.EN_EXECUTION, 2900,
               ["VRD", "EVC", "VOIRIE"], retard=(2,), silence=(1,), duree_mois=18),
    MarcheDemo("tarascon", "Entretien et petites réparations des bâtiments communaux", TypeMarche.TRAVAUX, E.SOLDE,
               1100, ["PEINT", "CVC"], duree_mois=10),
    MarcheDemo("tarascon", "Nettoyage des écoles et des crèches", TypeMarche.SERVICES, E.SANS_SUITE, 700, ["NETT"],
               notes="Consultation déclarée sans suite : une seule offre, inacceptable."),
    MarcheDemo("smdc", "Extension du groupe scolaire Jean Moulin", TypeMarche.TRAVAUX, E.EN_EXECUTION, 4300,
               ["GO", "CHM", "MINT", "SOLS", "ELEC"], cotraitance=(0,), duree_mois=15),
    MarcheDemo("smdc", "Entretien des espaces verts et des stades", TypeMarche.SERVICES, E.ATTRIBUE, 600, ["EVE"],
               modalites=("reserve_siae",), titulaire="Les Jardiniers du Rhône", duree_mois=24),
    MarcheDemo("smdc", "Réhabilitation du centre de loisirs", TypeMarche.TRAVAUX, E.EN_PREPARATION, 1200,
               ["GO", "PLAT", "PEINT"]),
    MarcheDemo("boulbon", "Mise en accessibilité de la mairie et de l'école", TypeMarche.TRAVAUX,
               E.EN_CONSULTATION, 450, ["GO", "MINT"]),
    MarcheDemo("spm", "Réfection de la voirie communale", TypeMarche.TRAVAUX, E.SOLDE, 700, ["VOIRIE"],
               duree_mois=6),
    MarcheDemo("ccvba", "Collecte des déchets ménagers et assimilés", TypeMarche.SERVICES, E.EN_EXECUTION, 7300,
               ["DECH"], duree_mois=48),
    MarcheDemo("ccvba", "Construction d'une crèche intercommunale à Saint-Rémy-de-Provence", TypeMarche.TRAVAUX,
               E.ATTRIBUE, 2300, ["GO", "CHB", "PLAT", "PEINT"], duree_mois=14),
    MarcheDemo("ccvba", "Entretien des zones d'activités", TypeMarche.SERVICES, E.ACHEVE, 1000, ["EVE"],
               duree_mois=12),
    MarcheDemo("ccvba", "Création d'une déchèterie à Maussane-les-Alpilles", TypeMarche.TRAVAUX, E.EN_CONSULTATION,
               1300, ["VRD", "GO", "SERR"]),
    MarcheDemo("cd13", "Restructuration du collège Ampère à Arles", TypeMarche.TRAVAUX, E.EN_EXECUTION, 9500,
               ["DEMO", "GO", "MEXT", "ELEC", "PEINT"], retard=(1,), cotraitance=(1,), duree_mois=22),
    MarcheDemo("cd13", "Entretien des routes départementales du pays d'Arles", TypeMarche.TRAVAUX, E.EN_EXECUTION,
               3400, ["VOIRIE"], duree_mois=30),
    MarcheDemo("cd13", "Restauration scolaire des collèges : préparation et service", TypeMarche.SERVICES,
               E.ACHEVE, 2700, ["RESTO"], modalites=("condition_execution", "critere_attribution"), duree_mois=12),
    MarcheDemo("region", "Rénovation de l'internat du lycée professionnel du Pays d'Arles", TypeMarche.TRAVAUX,
               E.EN_EXECUTION, 4800, ["GO", "PLAT", "CARR", "PEINT", "CVC"], silence=(4,), duree_mois=16),
    MarcheDemo("region", "Nettoyage des lycées du pays d'Arles", TypeMarche.SERVICES, E.ATTRIBUE, 1500, ["NETT"],
               sans_attribution=True, duree_mois=36,
               notes="Attribution notifiée : la liste des attributaires n'a pas encore été transmise."),
    MarcheDemo("bailleur", "Réhabilitation de 120 logements à Griffeuille (NPNRU)", TypeMarche.TRAVAUX,
               E.EN_EXECUTION, 10100, ["GO", "MEXT", "PLAT", "PEINT", "CVC", "ELEC"], qpv=5, qpv_manque=(1, 4),
               modalites=("condition_execution", "critere_attribution"), cotraitance=(3,), duree_mois=20),
    MarcheDemo("bailleur", "Résidentialisation de la résidence Les Tamaris à Barriol", TypeMarche.TRAVAUX,
               E.ACHEVE, 2200, ["VRD", "SERR", "EVC"], qpv=5, duree_mois=10),
    MarcheDemo("bailleur", "Entretien ménager des parties communes", TypeMarche.SERVICES, E.EN_EXECUTION, 1800,
               ["NETT"], qpv=10, qpv_manque=(0,), duree_mois=36),
    MarcheDemo("bailleur", "Remplacement des menuiseries de 80 logements au Trébon", TypeMarche.TRAVAUX, E.SOLDE,
               1700, ["MEXT", "PEINT"], qpv=5, duree_mois=8),
    MarcheDemo("bailleur", "Programme de rénovation de 64 logements à Tarascon", TypeMarche.TRAVAUX,
               E.EN_PREPARATION, 2400, ["GO", "PLAT", "PEINT", "MEXT"], origine=Origine.PORTAIL, duree_mois=11),
    MarcheDemo("bailleur", "Peinture des cages d'escalier de la résidence Mas Clairanne", TypeMarche.TRAVAUX,
               E.EN_CONSULTATION, 380, ["PEINT"]),
    MarcheDemo("hopital", "Blanchisserie et entretien du linge", TypeMarche.SERVICES, E.EN_EXECUTION, 1300,
               [("Unique", None)], modalites=("reserve_ea_esat",), titulaire="Camargue Services Adaptés",
               duree_mois=36),
    MarcheDemo("hopital", "Extension du service des urgences", TypeMarche.TRAVAUX, E.EN_EXECUTION, 7600,
               ["GO", "CHM", "PLAT", "ELEC", "CVC"], duree_mois=20),
    MarcheDemo("hopital", "Gardiennage et accueil des sites hospitaliers", TypeMarche.SERVICES, E.SOLDE, 1500,
               ["GARD"], duree_mois=10),
    MarcheDemo("spl", "ZAC des Minimes : voirie et réseaux", TypeMarche.TRAVAUX, E.EN_EXECUTION, 5900,
               ["VRD", "VOIRIE", "EVC"], duree_mois=24),
    MarcheDemo("spl", "Viabilisation du parc d'activités Écopôle de Saint-Martin-de-Crau", TypeMarche.TRAVAUX,
               E.ACHEVE, 3900, ["VRD", "VOIRIE"], duree_mois=12),
    MarcheDemo("spl", "Déménagement des services dans l'hôtel d'entreprises", TypeMarche.SERVICES, E.SANS_SUITE,
               250, ["DEM"]),
    MarcheDemo("eaux", "Renouvellement des réseaux d'eau potable de Raphèle-lès-Arles", TypeMarche.TRAVAUX,
               E.EN_EXECUTION, 4100, ["VRD", "VOIRIE"], duree_mois=18),
    MarcheDemo("eaux", "Réhabilitation de la station d'épuration de Mas-Thibert", TypeMarche.TRAVAUX, E.ATTRIBUE,
               3600, ["GO", "ELEC", "SERR"], duree_mois=18),
    MarcheDemo("eaux", "Débroussaillage et entretien des ouvrages hydrauliques", TypeMarche.SERVICES,
               E.EN_EXECUTION, 700, ["EVE"], modalites=("reserve_siae",), titulaire="Les Jardiniers du Rhône",
               duree_mois=24),
]  # fmt: skip
del E

# Facilitator in charge, per donneur d'ordre (the others go to Camille).
DONNEURS_DE_THOMAS = {"cd13", "region", "hopital", "eaux"}
MAITRES_D_OEUVRE = [
    "Atelier d'architecture Rhône-Alpilles",
    "Cabinet Vidal et associés, architectes",
    "BET Delta Ingénierie",
    "Agence Lumière d'Arles, architecture",
    "Services techniques du donneur d'ordre",
]


def _instant(jour: dt.date) -> dt.datetime:
    """Ten in the morning of ``jour``, in the site's time zone."""
    return timezone.make_aware(dt.datetime.combine(jour, dt.time(10)))


def _date_effet_pour_limite(limite: dt.date, annees: int) -> dt.date:
    """The date of effect whose notice deadline falls on ``limite`` in the period after ``annees`` renewals.

    The échéance is 3 months after the deadline; a month-end deadline keeps its month-end échéance.
    """
    echeance = add_months(limite, 3)
    if limite == _fin_du_mois(limite):
        echeance = _fin_du_mois(echeance)
    return add_months(echeance + dt.timedelta(days=1), -12 * (annees + 1))


def _conventions_demo(jour: dt.date) -> dict[str, list[dict]]:
    """Conventions spread around today: deadlines soon, later, notice given, ended, in draft."""

    def en_vigueur(limite: dt.date, annees: int, **extra) -> dict:
        effet = _date_effet_pour_limite(limite, annees)
        return {"date_effet": effet, "date_signature": effet - dt.timedelta(days=21), **extra}

    # Arles: renews on the 1st of a month; its notice deadline, a month end, is 2 to 7 weeks away.
    fin_arles = _fin_du_mois(jour + dt.timedelta(days=15))
    # Saint-Pierre-de-Mézoargues gave notice in time last month: the convention ends at the coming échéance.
    echeance_spm = jour + dt.timedelta(days=70)
    effet_spm = add_months(echeance_spm + dt.timedelta(days=1), -24)
    # The hospital's first convention ended two years ago; a new one followed.
    effet_hopital = _premier(add_months(jour, -62))
    denonciation_hopital = add_months(effet_hopital, 29)
    fin_hopital = add_months(effet_hopital, 36) - dt.timedelta(days=1)
    return {
        "arles": [en_vigueur(fin_arles, 3)],
        "tarascon": [en_vigueur(jour + dt.timedelta(days=52), 2)],
        "smdc": [en_vigueur(jour + dt.timedelta(days=130), 4)],
        "boulbon": [
            {
                "date_effet": _premier(add_months(jour, 2)),
                "date_signature": None,
                "notes": "Projet transmis à la commune, en attente de délibération du conseil municipal.",
            }
        ],
        "spm": [
            {
                "date_effet": effet_spm,
                "date_signature": effet_spm - dt.timedelta(days=30),
                "date_denonciation": jour - dt.timedelta(days=35),
                "denoncee_par": DenoncePar.DONNEUR_D_ORDRE,
                "motif_denonciation": "La commune ne prévoit plus de marché de travaux significatif d'ici deux ans.",
            }
        ],
        "ccvba": [en_vigueur(jour + dt.timedelta(days=250), 5)],
        "cd13": [en_vigueur(jour + dt.timedelta(days=95), 1)],
        "region": [en_vigueur(jour + dt.timedelta(days=200), 0)],
        "bailleur": [en_vigueur(jour + dt.timedelta(days=240), 3)],
        "hopital": [
            {
                "date_effet": effet_hopital,
                "date_signature": effet_hopital - dt.timedelta(days=14),
                "date_denonciation": denonciation_hopital,
                "denoncee_par": DenoncePar.STRUCTURE_PORTEUSE,
                "motif_denonciation": "Réorganisation du service emploi : convention remplacée par une nouvelle "
                "convention élargie aux marchés de services.",
            },
            {"date_effet": fin_hopital + dt.timedelta(days=1), "date_signature": fin_hopital - dt.timedelta(days=40)},
        ],
        "spl": [en_vigueur(jour + dt.timedelta(days=300), 2)],
        "eaux": [en_vigueur(jour - dt.timedelta(days=30), 1)],
    }


AVENANTS_DEMO = [
    # (donneur, numéro, objet, signé n jours après la date d'effet)
    ("arles", 1, "Extension de la convention aux marchés de services", 200),
    ("arles", 2, "Rapport trimestriel détaillé par marché", 600),
    ("ccvba", 1, "Intégration des marchés de collecte des déchets", 400),
    ("bailleur", 1, "Opérations du nouveau programme de renouvellement urbain (NPNRU)", 300),
]


@dataclass
class _Attributaire:
    """An attribution to staff, with what the planner needs to know about it."""

    attribution: Attribution
    objectif: int
    debut: dt.date
    fin: dt.date
    metier: str | None
    facteur: float
    silence: bool
    qpv: bool | None  # True: QPV residents first; False: people from elsewhere first; None: anyone
    modalite_imposee: str | None


@dataclass
class _Personne:
    index: int
    nom: str
    prenom: str
    genre: str
    date_naissance: dt.date
    commune: str
    code_postal: str
    qpv: str
    niveau: str
    criteres: list[str]
    prescripteur: str
    telephone: str
    identifiant_ft: str
    libre_le: dt.date = dt.date.min
    nb_placements: int = 0
    premier_debut: dt.date | None = None


@dataclass
class _PlacementPrevu:
    personne: _Personne
    cible: _Attributaire
    modalite: str
    operateur: Operateur | None
    type_contrat: str
    poste: str
    debut: dt.date
    fin_prevue: dt.date
    fin: dt.date | None
    hebdo: int
    heures: list[tuple[dt.date, int]]


class _Demo:
    """Builds the demo territory. One instance, one run: every draw comes from ``self.rng`` in order."""

    def __init__(self, jour: dt.date, journal: Journal):
        self.jour = jour
        self.journal = journal
        self.rng = random.Random(GRAINE)
        self.premier_mois = add_months(_premier(jour), -MOIS_D_HEURES_DEMO)
        self.dernier_mois = add_months(_premier(jour), -1)

    def executer(self) -> None:
        debut = time.monotonic()
        _structure_porteuse()
        self.admin, self.camille = _comptes_de_base()
        self.thomas = _compte(COMPTE_FACILITATEUR_2, "Thomas", "Roux", facilitateur=True)
        self.corps = {c.libelle: c for c in CorpsDEtat.objects.all()}
        self.modalites = {m.code: m for m in ModaliteJuridique.objects.all()}
        self.criteres = {c.code: c for c in CritereEligibilite.objects.all()}
        etapes = [
            ("donneurs d'ordre, conventions et avenants", self._donneurs),
            ("référents", self._referents),
            ("opérateurs et prescripteurs", self._operateurs),
            ("entreprises", self._entreprises),
            ("marchés, lots, clauses et attributions", self._marches),
            ("participants, placements, heures et sorties", self._participants_et_placements),
            ("données essentielles de la commande publique", self._donnees_essentielles),
        ]
        for libelle, etape in etapes:
            etape()
            self.journal(f"  {libelle} ({_secondes(debut)})")

    # Organisations.

    def _donneurs(self) -> None:
        self.donneurs: dict[str, DonneurDOrdre] = {}
        conventions = _conventions_demo(self.jour)
        for cle, nom, type_, prefixe, adresse, code_postal, commune, periodicite in DONNEURS_DEMO:
            slug = slugify(nom)[:30].strip("-")
            donneur = DonneurDOrdre.objects.create(
                nom=nom,
                type=type_,
                siret=_siret(prefixe),
                adresse=adresse,
                code_postal=code_postal,
                commune=commune,
                email=f"commande-publique@{slug}.example",
                telephone=f"04 90 {self.rng.randint(10, 99)} {self.rng.randint(10, 99)} {self.rng.randint(10, 99)}",
                periodicite_rapport=periodicite,
            )
            self.donneurs[cle] = donneur
            for numero, valeurs in enumerate(conventions[cle], start=1):
                annee = valeurs["date_effet"].year
                convention = Convention.objects.create(
                    donneur_d_ordre=donneur, numero=f"ACCM-CI-{annee}-{len(self.donneurs):02d}{numero}", **valeurs
                )
                for cle_avenant, num, objet_avenant, delai in AVENANTS_DEMO:
                    signature = convention.date_effet + dt.timedelta(days=delai)
                    if cle_avenant == cle and convention.date_signature and signature < self.jour:
                        Avenant.objects.create(
                            convention=convention, numero=num, objet=objet_avenant, date_signature=signature
                        )

    def _donnees_essentielles(self) -> None:
        """The DECP sample (marches/decp/exemple_decp.json), written for this territory: its buyers are the demo's
        donneurs d'ordre and most of its titulaires the demo's companies, so that the proposals and the watch list
        of article L2112-2-1 have something to show."""
        with EXEMPLE_DECP.open("rb") as fichier:
            importation_decp.importer(fichier, nom=f"{EXEMPLE_DECP.name} (démonstration)")

    def _referents(self) -> None:
        jeanne = _compte(COMPTE_REFERENT_COMMUNE, "Jeanne", "Arnaud")
        nadia = _compte(COMPTE_REFERENT_BAILLEUR, "Nadia", "Cherif")
        Referent.objects.get_or_create(
            user=jeanne,
            donneur_d_ordre=self.donneurs["arles"],
            defaults={"fonction": "Responsable du service de la commande publique"},
        )
        Referent.objects.get_or_create(
            user=nadia,
            donneur_d_ordre=self.donneurs["bailleur"],
            defaults={"fonction": "Chargée de mission développement social urbain"},
        )
        self.contacts = {"arles": "Jeanne Arnaud", "bailleur": "Nadia Cherif"}
        self.referents = {"arles": jeanne, "bailleur": nadia}

    def _operateurs(self) -> None:
        self.operateurs: dict[str, list[Operateur]] = {}
        for type_, nom, commune, code_postal, prefixe, metiers in OPERATEURS_DEMO:
            prenom, nom_contact = self.rng.choice(PRENOMS[Genre.FEMME]), self.rng.choice(NOMS)
            operateur = Operateur.objects.create(
                nom=nom,
                type=type_,
                siret=_siret(prefixe) if prefixe else None,
                adresse=f"{self.rng.randint(1, 60)} {self.rng.choice(ADRESSES_ENTREPRISES)}",
                code_postal=code_postal,
                commune=commune,
                contact_nom=f"{prenom} {nom_contact}",
                email=f"contact@{slugify(nom)[:30].strip('-')}.example",
                telephone=f"04 90 {self.rng.randint(10, 99)} {self.rng.randint(10, 99)} {self.rng.randint(10, 99)}",
                metiers=metiers,
            )
            self.operateurs.setdefault(type_, []).append(operateur)

    def _entreprises(self) -> None:
        self.entreprises: dict[str, list[Entreprise]] = {}
        self.par_raison: dict[str, Entreprise] = {}
        noms_pris: set[str] = set()
        numero = 0
        for metier, nombre in ENTREPRISES_PAR_METIER.items():
            naf, mots = METIERS[metier]
            for _ in range(nombre):
                numero += 1
                raison = self._raison_sociale(mots, noms_pris)
                self._entreprise(raison, _siret(f"4{numero:03d}1302", nic=numero % 7 + 1), naf, metier)
        for raison, prefixe, naf, metier in ENTREPRISES_SIAE:
            self._entreprise(raison, _siret(prefixe), naf, metier)

    def _raison_sociale(self, mots: list[str], pris: set[str]) -> str:
        while True:
            mot = self.rng.choice(mots)
            modele = self.rng.randrange(3)
            if modele == 0:
                base = f"{mot} {self.rng.choice(LIEUX)}"
            elif modele == 1:
                base = f"{self.rng.choice(NOMS)} {mot}"
            else:
                base = f"{mot} {self.rng.choice(NOMS)} et Fils"
            raison = f"{base} {self.rng.choice(FORMES)}"
            if raison not in pris:
                pris.add(raison)
                return raison

    def _entreprise(self, raison: str, siret: str, naf: str, metier: str) -> None:
        commune, code_postal = self.rng.choice(VILLES_ENTREPRISES)
        prenom, nom = self.rng.choice(PRENOMS[Genre.HOMME] + PRENOMS[Genre.FEMME]), self.rng.choice(NOMS)
        domaine = slugify(raison)[:40].strip("-")
        entreprise = Entreprise.objects.create(
            raison_sociale=raison,
            siret=siret,
            naf=naf,
            adresse=f"{self.rng.randint(1, 120)} {self.rng.choice(ADRESSES_ENTREPRISES)}",
            code_postal=code_postal,
            commune=commune,
            contact_nom=f"{prenom} {nom}",
            contact_email=f"{slugify(prenom)}.{slugify(nom)}@{domaine}.example",
            contact_telephone=f"06 {self.rng.randint(10, 99)} {self.rng.randint(10, 99)} {self.rng.randint(10, 99)} "
            f"{self.rng.randint(10, 99)}",
        )
        self.entreprises.setdefault(metier, []).append(entreprise)
        self.par_raison[raison] = entreprise

    # Marchés, lots, clauses, attributions.

    def _dates(self, spec: MarcheDemo) -> dict:
        """Calendar of a marché, consistent with its status and relative to today."""
        j, r = self.jour, self.rng
        jours = dt.timedelta
        duree = spec.duree_mois
        statut = spec.statut
        dates: dict = {}
        if statut == StatutMarche.EN_PREPARATION:
            debut = j + jours(days=r.randint(120, 240))
        elif statut == StatutMarche.EN_CONSULTATION:
            dates["date_publication"] = j - jours(days=r.randint(10, 35))
            dates["date_remise_offres"] = j + jours(days=r.randint(5, 30))
            debut = j + jours(days=r.randint(60, 120))
        elif statut == StatutMarche.SANS_SUITE:
            dates["date_publication"] = j - jours(days=r.randint(60, 150))
            dates["date_remise_offres"] = dates["date_publication"] + jours(days=35)
            return dates
        else:
            if statut == StatutMarche.ATTRIBUE:
                debut = _premier(j) if spec.demarre else j + jours(days=r.randint(5, 60))
            elif statut == StatutMarche.EN_EXECUTION:
                debut = add_months(j, -r.randint(3, 16)) - jours(days=r.randint(0, 20))
                # A running marché is still running: stretch it if its nominal duration ended.
                duree = max(duree, math.ceil(((j - debut).days + 60) / 30))
            elif statut == StatutMarche.ACHEVE:
                debut = add_months(j, -duree - r.randint(1, 5))
            else:  # soldé: over for a while, but inside the 18 months of hours
                debut = add_months(self.premier_mois, r.randint(0, 1)) + jours(days=r.randint(0, 10))
                duree = min(duree, 10)
            dates["date_attribution"] = debut - jours(days=r.randint(30, 60))
            dates["date_remise_offres"] = dates["date_attribution"] - jours(days=r.randint(30, 50))
            dates["date_publication"] = dates["date_remise_offres"] - jours(days=35)
        dates["date_debut_prevue"] = debut
        dates["date_fin_prevue"] = add_months(debut, duree) - jours(days=1)
        return dates

    def _marches(self) -> None:
        self.a_placer: list[_Attributaire] = []
        compteur_reference: dict[str, int] = {}
        for spec in MARCHES_DEMO:
            donneur = self.donneurs[spec.donneur]
            dates = self._dates(spec)
            annee = (dates.get("date_publication") or self.jour).year
            compteur_reference[spec.donneur] = compteur_reference.get(spec.donneur, 0) + 1
            prefixe = "TX" if spec.type == TypeMarche.TRAVAUX else "SV"
            declaration = {}
            if spec.origine == Origine.PORTAIL and spec.donneur == "bailleur":
                facilitateur = None  # just declared through the portal, not yet taken on
                declaration = {
                    "declare_par": self.referents["bailleur"],
                    "declare_le": _instant(self.jour - dt.timedelta(days=3)),
                    "message_donneur": "Nous souhaitons intégrer une clause d'insertion dès la rédaction du DCE : "
                    "pouvez-vous nous accompagner ?",
                }
            elif spec.donneur in DONNEURS_DE_THOMAS:
                facilitateur = self.thomas
            else:
                facilitateur = self.camille
            avant_attribution = spec.statut in (StatutMarche.EN_PREPARATION, StatutMarche.EN_CONSULTATION)
            travaux = spec.type == TypeMarche.TRAVAUX
            marche = Marche.objects.create(
                donneur_d_ordre=donneur,
                facilitateur=facilitateur,
                objet=spec.objet,
                reference=f"{annee}-{prefixe}-{compteur_reference[spec.donneur]:03d}",
                type=spec.type,
                statut=spec.statut,
                origine=spec.origine,
                montant_estime_ht=Decimal(spec.montant_k * 1000),
                maitre_oeuvre=self.rng.choice(MAITRES_D_OEUVRE) if travaux else "",
                contact=self.contacts.get(spec.donneur, ""),
                avis_faisabilite=(
                    AvisFaisabilite.A_ETUDIER
                    if spec.statut == StatutMarche.EN_PREPARATION
                    else self.rng.choice([AvisFaisabilite.FAVORABLE] * 3 + [AvisFaisabilite.RESERVE])
                ),
                faisabilite_cout=(
                    f"Montant estimé de {_nombre(spec.montant_k * 1000)} € HT : volume d'heures suffisant."
                    if not avant_attribution or spec.origine == Origine.FACILITATEUR
                    else ""
                ),
                faisabilite_duree=f"{spec.duree_mois} mois d'exécution prévus." if not avant_attribution else "",
                faisabilite_technicite=(
                    "Majoritairement du second œuvre, technicité faible à moyenne : favorable à l'insertion."
                    if travaux and not avant_attribution
                    else ""
                ),
                formation_amont=travaux and spec.montant_k >= 3000,
                formation_amont_notes=(
                    "Session de préparation aux métiers du bâtiment envisagée avec le GEIQ BTP."
                    if travaux and spec.montant_k >= 3000
                    else ""
                ),
                notes=spec.notes,
                **declaration,
                **dates,
            )
            self._lots(spec, marche, dates)
        self._proposition()

    def _proposition(self) -> None:
        """Jeanne has just sent a subcontractor for a lot of an Arles marché under way: the facilitator's
        home shows it among « Demandes des donneurs d'ordre », waiting to be accepted."""
        en_execution = Lot.objects.filter(
            marche__donneur_d_ordre=self.donneurs["arles"], marche__statut=StatutMarche.EN_EXECUTION
        )
        lot = en_execution.order_by("marche__pk", "pk").first()
        if lot is None or lot.date_debut is None or lot.date_fin is None:
            return
        PropositionAttribution.objects.create(
            marche=lot.marche,
            lot=lot,
            siret=_siret("89412037"),
            raison_sociale="Carrelages du Trébon",
            contact_nom="Karim Benali",
            contact_email="k.benali@carrelages-trebon.example",
            contact_telephone="04 90 93 12 48",
            date_debut=max(lot.date_debut, self.jour),
            date_fin=lot.date_fin,
            envoye_par=self.referents["arles"],
            envoye_le=_instant(self.jour - dt.timedelta(days=1)),
        )

    def _lots(self, spec: MarcheDemo, marche: Marche, dates: dict) -> None:
        lots = [lot if isinstance(lot, tuple) else (CORPS[lot], lot) for lot in spec.lots]
        poids = [self.rng.uniform(0.6, 1.6) for _ in lots]
        debut, fin = dates.get("date_debut_prevue"), dates.get("date_fin_prevue")
        attribue = spec.statut not in (
            StatutMarche.EN_PREPARATION,
            StatutMarche.EN_CONSULTATION,
            StatutMarche.SANS_SUITE,
        )
        for index, ((intitule, metier), p) in enumerate(zip(lots, poids, strict=True)):
            montant = Decimal(round(spec.montant_k * 1000 * p / sum(poids), -2))
            lot_debut, lot_fin = debut, fin
            if debut and metier in SECOND_OEUVRE and len(lots) > 1:
                lot_debut = debut + dt.timedelta(days=int((fin - debut).days * 0.3))
            lot = Lot.objects.create(
                marche=marche,
                numero="Unique" if len(lots) == 1 else str(index + 1),
                intitule=spec.objet if intitule == "Unique" else intitule,
                montant_ht=montant,
                date_debut=lot_debut,
                date_fin=lot_fin,
            )
            clause = self._clause(spec, lot, metier, montant)
            if attribue and not spec.sans_attribution:
                self._attributions(spec, index, lot, clause, metier, dates)

    def _clause(self, spec: MarcheDemo, lot: Lot, metier: str | None, montant: Decimal) -> ClauseInsertion:
        corps = self.corps.get(CORPS[metier]) if metier else None
        termes = dict(
            corps_d_etat=corps,
            montant_ht=montant,
            part_main_oeuvre=corps.part_main_oeuvre if corps else Decimal("65"),
            taux_insertion=Decimal(self.rng.choice([5, 7, 7, 8, 10, 10])),
            cout_horaire=Decimal(self.rng.randint(25, 35)),
            part_qpv_minimum=Decimal(spec.qpv) if spec.qpv else None,
            modalites=[self.modalites[code] for code in spec.modalites if code in self.modalites],
        )
        clause = enregistrer_clause(lot, **termes)
        if spec.forcage:
            # As a facilitator would: the calculator's result first, then a target below it with its reason.
            heures = int(clause.heures_calculees * 0.6)
            clause = enregistrer_clause(lot, **termes, heures_forcees=heures, motif_forcage=spec.forcage)
        return clause

    def _attributions(
        self, spec: MarcheDemo, index: int, lot: Lot, clause: ClauseInsertion, metier: str | None, dates: dict
    ) -> None:
        if spec.titulaire:
            titulaire = self.par_raison[spec.titulaire]
        else:
            titulaire = self.rng.choice(self.entreprises.get(metier, self.entreprises["GO"]))
        objectif_lot = clause.heures_objectif
        parts = [(titulaire, RoleAttributaire.TITULAIRE, None, lot.montant_ht)]
        if index in spec.cotraitance:
            candidats = [e for e in self.entreprises.get(metier, []) if e != titulaire]
            cotraitant = self.rng.choice(candidats)
            part = self.rng.choice([0.6, 0.65, 0.7])
            heures_titulaire = round(objectif_lot * part)
            montant_titulaire = (lot.montant_ht * Decimal(str(part))).quantize(Decimal("1"))
            parts = [
                (titulaire, RoleAttributaire.TITULAIRE, heures_titulaire, montant_titulaire),
                (
                    cotraitant,
                    RoleAttributaire.CO_TRAITANT,
                    objectif_lot - heures_titulaire,
                    lot.montant_ht - montant_titulaire,
                ),
            ]
        en_retard = index in spec.retard
        for entreprise, role, heures, montant in parts:
            attribution = Attribution.objects.create(
                lot=lot,
                entreprise=entreprise,
                role=role,
                montant_ht=montant,
                heures_objectif=heures,
                date_notification=dates["date_attribution"] + dt.timedelta(days=7),
                date_debut=lot.date_debut,
                date_fin=lot.date_fin,
                contact_nom=entreprise.contact_nom,
                contact_email=entreprise.contact_email,
                contact_telephone=entreprise.contact_telephone,
            )
            modalite = None
            if "reserve_siae" in spec.modalites:
                modalite = ModalitePlacement.SOUS_TRAITANCE_SIAE
            elif "reserve_ea_esat" in spec.modalites:
                modalite = ModalitePlacement.EMBAUCHE_DIRECTE
            self.a_placer.append(
                _Attributaire(
                    attribution=attribution,
                    objectif=heures if heures is not None else objectif_lot,
                    debut=lot.date_debut,
                    fin=lot.date_fin,
                    metier=metier,
                    facteur=self.rng.uniform(0.3, 0.4) if en_retard else self.rng.uniform(1.0, 1.4),
                    silence=index in spec.silence and role == RoleAttributaire.TITULAIRE,
                    qpv=False if index in spec.qpv_manque else (True if spec.qpv else None),
                    modalite_imposee=modalite,
                )
            )

    # People, placements, hours, outcomes.

    def _personnes(self, nombre: int) -> list[_Personne]:
        r = self.rng
        communes = [(c, cp) for c, cp, _ in COMMUNES_PARTICIPANTS]
        poids_communes = [p for _, _, p in COMMUNES_PARTICIPANTS]
        personnes = []
        for index in range(nombre):
            genre = Genre.FEMME if r.random() < 0.3 else Genre.HOMME
            # Born 1960–2006, most of them young: the clause's public is mostly under 35.
            naissance = dt.date(2006 - round(r.triangular(0, 46, 0)), 1, 1) + dt.timedelta(days=r.randint(0, 364))
            commune, code_postal = r.choices(communes, weights=poids_communes)[0]
            qpv = r.choice(QPV_ARLES) if commune == "Arles" and r.random() < 0.45 else ""
            age = (
                self.jour.year - naissance.year - ((self.jour.month, self.jour.day) < (naissance.month, naissance.day))
            )
            niveau = _pondere(r, NIVEAUX)
            criteres: list[str] = []
            if age < 26 and niveau in (NiveauQualification.INFRA_3, NiveauQualification.NIVEAU_3) and r.random() < 0.8:
                criteres.append("jeune")
            elif age >= 50 and r.random() < 0.6:
                criteres.append("senior")
            voulu = 1 if r.random() < 0.55 else 2
            while len(criteres) < voulu:
                code = _pondere(r, CRITERES_GENERAUX)
                if code not in criteres:
                    criteres.append(code)
            criteres = criteres[:2]
            if "jeune" in criteres:
                prescripteur = TypeOperateur.MISSION_LOCALE
            elif "rqth" in criteres:
                prescripteur = TypeOperateur.CAP_EMPLOI
            elif "rsa" in criteres:
                prescripteur = r.choice(
                    [TypeOperateur.DEPARTEMENT, TypeOperateur.PLIE, TypeOperateur.AUTRE_PRESCRIPTEUR]
                )
            else:
                prescripteur = _pondere(
                    r,
                    [
                        (TypeOperateur.FRANCE_TRAVAIL, 60),
                        (TypeOperateur.PLIE, 25),
                        (TypeOperateur.AUTRE_PRESCRIPTEUR, 15),
                    ],
                )
            identifiant = ""
            if prescripteur == TypeOperateur.FRANCE_TRAVAIL or "deld" in criteres:
                identifiant = f"{r.randint(1000000, 9999999)}{r.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}"
            personnes.append(
                _Personne(
                    index=index,
                    nom=r.choice(NOMS),
                    prenom=r.choice(PRENOMS[genre]),
                    genre=genre,
                    date_naissance=naissance,
                    commune=commune,
                    code_postal=code_postal,
                    qpv=qpv,
                    niveau=niveau,
                    criteres=criteres,
                    prescripteur=prescripteur,
                    telephone=f"06 {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}",
                    identifiant_ft=identifiant,
                )
            )
        return personnes

    def _choisir_personne(self, personnes: list[_Personne], debut: dt.date, qpv: bool | None) -> _Personne | None:
        libres = [p for p in personnes if p.libre_le <= debut and (debut - p.date_naissance).days >= 18 * 366]
        if not libres:
            return None
        # People not placed yet come first, so that most people on the list get a chance.
        moins = min(p.nb_placements for p in libres)
        libres = [p for p in libres if p.nb_placements == moins]
        if qpv is not None:
            libres = [p for p in libres if bool(p.qpv) == qpv] or libres
        return self.rng.choice(libres)

    def _modalite(self, cible: _Attributaire) -> tuple[str, Operateur | None, str, int, int, int]:
        r = self.rng
        modalite = cible.modalite_imposee or _pondere(r, MODALITES_PLACEMENT)
        if modalite == ModalitePlacement.EMBAUCHE_DIRECTE:
            contrat = _pondere(r, CONTRATS_EMBAUCHE)
            dmin, dmax = DUREES_EMBAUCHE[contrat]
            hebdo, operateur = 35, None
        else:
            contrat, hebdo, dmin, dmax = CONTRAT_PAR_MODALITE[modalite]
            types = sorted(OPERATEUR_PAR_MODALITE[modalite])
            candidats = [o for t in types for o in self.operateurs.get(t, [])]
            operateur = r.choice(candidats)
        return modalite, operateur, contrat, hebdo, dmin, dmax

    def _heures(self, debut: dt.date, fin: dt.date, hebdo: int, silence: bool) -> list[tuple[dt.date, int]]:
        """Monthly hours from ``debut`` to ``fin``, up to last month; prorated in part-months."""
        r = self.rng
        lignes = []
        dernier = min(_premier(fin), self.dernier_mois)
        for mois in _mois_entre(debut, dernier) if debut <= _fin_du_mois(dernier) else []:
            jours_du_mois = (_fin_du_mois(mois) - mois).days + 1
            premier_jour = max(mois, debut)
            dernier_jour = min(_fin_du_mois(mois), fin)
            prorata = ((dernier_jour - premier_jour).days + 1) / jours_du_mois
            heures = round(hebdo * 52 / 12 * prorata * r.uniform(0.85, 1.05))
            heures = max(HEURES_MIN_PAR_MOIS, min(HEURES_MAX_DEMO, heures))
            if silence and mois >= add_months(self.dernier_mois, -1):
                continue
            lignes.append((mois, heures))
        return lignes

    def _prevoir(
        self,
        cible: _Attributaire,
        personnes: list[_Personne],
        debut: dt.date,
        heures_restantes: float | None = None,
        duree_imposee: int | None = None,
    ) -> _PlacementPrevu | None:
        r = self.rng
        modalite, operateur, contrat, hebdo, dmin, dmax = self._modalite(cible)
        personne = self._choisir_personne(personnes, debut, cible.qpv)
        if personne is None:
            return None
        duree = duree_imposee or r.randint(dmin, dmax)
        if heures_restantes is not None:
            # The last recruit of a lot does not overshoot its target by months: lots behind stay behind.
            duree = min(duree, max(1, math.ceil(heures_restantes / (hebdo * 52 / 12 * 0.95))))
        fin_prevue = min(add_months(debut, duree) - dt.timedelta(days=1), cible.fin)
        fin_prevue = max(fin_prevue, debut)
        fin = None
        if fin_prevue < self.jour:
            fin = fin_prevue
            if r.random() < 0.1 and (fin_prevue - debut).days > 40:
                fin = debut + dt.timedelta(days=r.randint(30, (fin_prevue - debut).days))  # left early
        heures = self._heures(debut, fin or fin_prevue, hebdo, cible.silence)
        personne.libre_le = (fin + dt.timedelta(days=r.randint(1, 45))) if fin else dt.date.max
        personne.nb_placements += 1
        personne.premier_debut = personne.premier_debut or debut
        return _PlacementPrevu(
            personne=personne,
            cible=cible,
            modalite=modalite,
            operateur=operateur,
            type_contrat=contrat,
            poste=r.choice(POSTES[cible.metier]),
            debut=debut,
            fin_prevue=fin_prevue,
            fin=fin,
            hebdo=hebdo,
            heures=heures,
        )

    def _planifier(self, personnes: list[_Personne]) -> list[_PlacementPrevu]:
        """Staffs each attribution so its hours reach ``facteur`` × the hours expected by today."""
        prevus: list[_PlacementPrevu] = []
        for cible in sorted(self.a_placer, key=lambda c: c.debut):
            premier = max(_premier(cible.debut), self.premier_mois)
            dernier = min(_premier(cible.fin), self.dernier_mois)
            if premier > dernier:
                if cible.debut <= self.jour:  # just started: a first recruit, no statement yet
                    prevu = self._prevoir(cible, personnes, cible.debut)
                    prevus += [prevu] if prevu else []
                continue
            attendues = objectif.heures_attendues(cible.objectif, cible.debut, cible.fin, self.jour) or 0
            cible_heures = float(attendues) * cible.facteur
            nb_mois = len(_mois_entre(premier, dernier))
            postes = max(1, math.ceil(cible_heures / (nb_mois * 125)))
            total = 0
            for poste in range(postes):
                curseur = max(
                    cible.debut, add_months(premier, self.rng.randint(0, min(2, nb_mois - 1)) if poste else 0)
                )
                while curseur <= _fin_du_mois(dernier) and total < cible_heures:
                    prevu = self._prevoir(cible, personnes, curseur, heures_restantes=cible_heures - total)
                    if prevu is None:
                        break
                    prevus.append(prevu)
                    total += sum(h for _, h in prevu.heures)
                    curseur = add_months(_premier(prevu.fin or prevu.fin_prevue), 1 + self.rng.randint(0, 1))
                    if self.rng.random() < 0.5:
                        curseur = curseur.replace(day=self.rng.randint(2, 20))
            if cible.silence and not any(p.cible is cible and p.fin is None for p in prevus):
                # The alert needs someone still at work whose hours stopped coming.
                debut = max(cible.debut, add_months(self.dernier_mois, -4))
                prevu = self._prevoir(cible, personnes, debut, duree_imposee=24)
                prevus += [prevu] if prevu else []
        return prevus

    def _participants_et_placements(self) -> None:
        personnes = self._personnes(150)
        prevus = self._planifier(personnes)
        r = self.rng
        prescripteurs = {t: ops[0] for t, ops in self.operateurs.items()}
        references = Participant.objects.nouvelles_references(len(personnes))
        participants = []
        for personne in personnes:
            if personne.premier_debut:
                orientation = personne.premier_debut - dt.timedelta(days=r.randint(10, 60))
            else:
                orientation = self.jour - dt.timedelta(days=r.randint(5, 120))
            participants.append(
                Participant(
                    reference=references[personne.index],
                    nom=personne.nom,
                    prenom=personne.prenom,
                    date_naissance=personne.date_naissance,
                    genre=personne.genre,
                    commune=personne.commune,
                    code_postal=personne.code_postal,
                    reside_qpv=bool(personne.qpv),
                    qpv=personne.qpv,
                    niveau_qualification=personne.niveau,
                    prescripteur=prescripteurs.get(personne.prescripteur),
                    identifiant_france_travail=personne.identifiant_ft,
                    telephone=personne.telephone,
                    date_orientation=orientation,
                )
            )
        Participant.objects.bulk_create(participants)
        lien = Participant.criteres.through
        lien.objects.bulk_create(
            lien(participant_id=participant.pk, critereeligibilite_id=self.criteres[code].pk)
            for participant, personne in zip(participants, personnes, strict=True)
            for code in personne.criteres
            if code in self.criteres
        )
        placements = [
            Placement(
                participant=participants[p.personne.index],
                attribution=p.cible.attribution,
                modalite=p.modalite,
                operateur=p.operateur,
                type_contrat=p.type_contrat,
                poste=p.poste,
                date_debut=p.debut,
                date_fin_prevue=p.fin_prevue,
                date_fin=p.fin,
                duree_hebdomadaire=Decimal(p.hebdo),
                # The demo's people do not move: where they live is where they lived when hired.
                reside_qpv=bool(p.personne.qpv),
            )
            for p in prevus
        ]
        Placement.objects.bulk_create(placements)
        heures, sorties = [], []
        for placement, prevu in zip(placements, prevus, strict=True):
            source = SourceHeures.IMPORT if r.random() < 0.3 else SourceHeures.SAISIE
            heures += [
                HeuresMensuelles(
                    placement=placement, mois=mois, heures=Decimal(h), source=source, saisi_par=self.camille
                )
                for mois, h in prevu.heures
            ]
            sorties += self._sorties(placement, prevu)
        HeuresMensuelles.objects.bulk_create(heures, batch_size=2000)
        Sortie.objects.bulk_create(sorties)

    def _sorties(self, placement: Placement, prevu: _PlacementPrevu) -> list[Sortie]:
        r = self.rng
        # A few finished placements still wait for their outcome: the facilitator is reminded of them.
        if prevu.fin is None or prevu.fin >= self.jour or r.random() < 0.1:
            return []
        attributaire = prevu.cible.attribution.entreprise.raison_sociale
        situation = _pondere(r, SITUATIONS_FIN)
        sorties = [self._sortie(placement, MomentSortie.FIN_PARCOURS, prevu.fin, situation, attributaire)]
        six_mois = add_months(prevu.fin, 6)
        if six_mois <= self.jour and r.random() < 0.7:
            situation = situation if r.random() < 0.5 else _pondere(r, SITUATIONS_FIN)
            sorties.append(self._sortie(placement, MomentSortie.SIX_MOIS, six_mois, situation, attributaire))
        return sorties

    def _sortie(self, placement: Placement, moment: str, jour: dt.date, situation: str, attributaire: str) -> Sortie:
        employeur = ""
        if situation in SITUATIONS_EMPLOI:
            employeur = attributaire if self.rng.random() < 0.5 else self.rng.choice(list(self.par_raison))
        return Sortie(placement=placement, moment=moment, date_constat=jour, situation=situation, employeur=employeur)


def comptes_demo() -> list[tuple[str, str]]:
    return [
        ("administrateur", COMPTE_ADMIN),
        ("facilitatrice", COMPTE_FACILITATEUR),
        ("facilitateur", COMPTE_FACILITATEUR_2),
        ("référente de la Ville d'Arles", COMPTE_REFERENT_COMMUNE),
        ("référente de Delta Rhône Habitat", COMPTE_REFERENT_BAILLEUR),
    ]


# Sent inside the demo's transaction, once its territory is built: jour, facilitateur (a User).
territoire_demo_charge = Signal()


def charger_demo(jour: dt.date | None = None, journal: Journal = _silence) -> Resultat:
    """The Arles demo territory; does nothing if it is already there."""
    jour = jour or timezone.localdate()
    debut = time.monotonic()
    with transaction.atomic():
        if DonneurDOrdre.objects.filter(siret=SIRET_MARQUEUR_DEMO).exists():
            return Resultat(False, "Les données de démonstration sont déjà présentes : rien n'a été modifié.")
        demo = _Demo(jour, journal)
        demo.executer()
        # Apps above this one (reporting: the annual bilans) add their part of the demo.
        territoire_demo_charge.send(sender=_Demo, jour=jour, facilitateur=demo.camille)
    lignes = _compter()
    message = f"Données de démonstration chargées en {_secondes(debut)} : {_resume(lignes)}."
    return Resultat(True, message, comptes_demo(), lignes)
