"""Import of a whole portfolio: one workbook (or a .zip of CSV files) with a sheet per kind of data, previewed
across all its sheets, then written all or nothing.

The steps of the other imports (``clauses.importation``), for thirteen kinds of sheet at once:

1. read: each sheet of the file is recognised by its name (``sources``) and read as a table whose columns are
   found through the kind's header → field table (``TypeFeuille.colonnes``, synonyms accepted; ``correspondances``
   adds a column mapping's headers to it);
2. validate: the kinds are read in the order of their references (``ORDRE``: donneurs d'ordre before their
   conventions and marchés, marchés before lots…), each row checked cell by cell (``cellules``), its references to
   other sheets resolved by natural keys — in the file first, then in Clauses —, and matched with the stored row
   of the same natural key, in bounded queries (``moteur``). Each problem is an error naming its sheet, line and
   column;
3. apply: only when no row is refused, in one transaction, kind after kind, with bulk operations. A row equal to
   what is stored is counted as unchanged and not written: the same file imported twice changes nothing.

The modules: ``organisations`` (donneurs d'ordre, référents, conventions, avenants), ``annuaires`` (entreprises,
opérateurs), ``marches`` (marchés), ``lots`` (lots and their clause, attributions), ``parcours`` (participants,
placements), ``suivi`` (monthly hours, sorties); ``modele`` writes the template and its « Lisez-moi », ``export``
the whole portfolio of Clauses in the same layout, which this import reads back; ``travail`` is the worker's job.
"""

import datetime as dt
from collections import defaultdict

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from clauses.importation.lecture import tableau_de_feuille, verifier_taille
from clauses.importation.limites import FichierInvalide, Limites
from clauses.importation.portefeuille import annuaires, lots, marches, organisations, parcours, suivi
from clauses.importation.portefeuille.moteur import Contexte, FeuilleEnCours, Genre, TypeFeuille
from clauses.importation.portefeuille.rapport import RapportPortefeuille
from clauses.importation.portefeuille.sources import EXTENSIONS_PORTEFEUILLE, LISEZ_MOI, nom_de_type, ouvrir

ORDRE: tuple[type[Genre], ...] = (
    *organisations.GENRES,
    *annuaires.GENRES,
    *marches.GENRES,
    *lots.GENRES,
    *parcours.GENRES,
    *suivi.GENRES,
)
TYPES: tuple[TypeFeuille, ...] = tuple(genre.definition for genre in ORDRE)

# Reading without the web's limits, for ``manage.py importer_portefeuille``: a national portfolio (1.5 million
# rows of hours) fits, in a process that has the memory for it.
GRAND_VOLUME = Limites(
    decompresse=20 * 1024**3,
    elements=10**9,
    chaines=10**8,
    cellules=10**9,
    lignes_lues=10**8,
    lignes=10**8,
)

# The key of the PostgreSQL advisory lock the other imports take too: imports run one at a time.
VERROU_IMPORTS = 7_246_001

__all__ = ["EXTENSIONS_PORTEFEUILLE", "GRAND_VOLUME", "ORDRE", "TYPES", "FichierInvalide", "analyser", "importer"]


def _type_de_feuille(nom: str) -> TypeFeuille | None:
    cle = nom_de_type(nom)
    return next((t for t in TYPES if cle in t.noms()), None)


def analyser(
    fichier,
    nom: str,
    taille: int,
    aujourd_hui: dt.date | None = None,
    utilisateur=None,
    limites: Limites | None = None,
    correspondances: dict[str, dict[str, str]] | None = None,
) -> RapportPortefeuille:
    """Preview: reads and checks every sheet, writes nothing. ``correspondances``: kind of sheet → {header in the
    file → column key}, the column mapping of a file with other headers. ``limites``: None for an upload (the
    limits of the other imports), ``GRAND_VOLUME`` for the command."""
    rapport = RapportPortefeuille()
    contexte = Contexte(rapport, aujourd_hui or timezone.localdate(), utilisateur)
    genres = [genre(contexte) for genre in ORDRE]
    contexte.genres = {genre.definition.cle: genre for genre in genres}
    lues: list[str] = []
    try:
        if limites is None:
            verifier_taille(taille)
        with ouvrir(fichier, nom, limites) as sources:
            par_type: dict[str, list] = defaultdict(list)
            for source in sources:
                type_ = _type_de_feuille(source.nom)
                if type_ is not None:
                    par_type[type_.cle].append(source)
                elif nom_de_type(source.nom) not in LISEZ_MOI:
                    rapport.remarques.append(
                        f"Feuille « {source.nom} » ignorée : son nom n'est celui d'aucune feuille du modèle "
                        f"({', '.join(t.titre for t in TYPES)})."
                    )
            if not par_type:
                raise FichierInvalide(
                    "Aucune feuille du fichier ne porte le nom d'une feuille du modèle ("
                    + ", ".join(t.titre for t in TYPES)
                    + ") : téléchargez le modèle et reprenez ses noms de feuilles."
                )
            for genre in genres:
                type_ = genre.definition
                for source in par_type.get(type_.cle, []):
                    colonnes = type_.colonnes_pour((correspondances or {}).get(type_.cle))
                    try:
                        tableau = tableau_de_feuille(source.lignes(), colonnes, limites.lignes if limites else None)
                    except FichierInvalide as erreur:
                        raise FichierInvalide(f"Feuille « {source.nom} » : {erreur}") from erreur
                    lues.append(source.nom)
                    genre.lire_feuille(FeuilleEnCours(rapport, genre.bilan, type_, source.nom, tableau))
                    del tableau
                if genre.bilan.feuilles:
                    genre.conclure()
                    rapport.bilans.append(genre.bilan)
                    rapport.plan.append(genre)
    except FichierInvalide as erreur:
        rapport.erreur_fichier = str(erreur)
        rapport.plan = []
    rapport.trier_erreurs(lues)
    return rapport


def importer(
    fichier,
    nom: str,
    taille: int,
    utilisateur=None,
    aujourd_hui: dt.date | None = None,
    limites: Limites | None = None,
    correspondances: dict[str, dict[str, str]] | None = None,
) -> RapportPortefeuille:
    """Confirmation: checks the file again and, only if every row of every sheet is good, writes it all in one
    transaction (after the other imports running, which take the same advisory lock)."""
    erreur = "Les données ont été modifiées pendant l'import : rien n'a été enregistré, recommencez."
    try:
        with transaction.atomic():
            with connection.cursor() as curseur:
                curseur.execute("SELECT pg_advisory_xact_lock(%s)", [VERROU_IMPORTS])
            rapport = analyser(fichier, nom, taille, aujourd_hui, utilisateur, limites, correspondances)
            if rapport.valide:
                for genre in rapport.plan:
                    genre.appliquer()
            rapport.plan = []
    except IntegrityError:
        return RapportPortefeuille(erreur_fichier=erreur)
    except OperationalError as exception:
        if getattr(exception.__cause__, "pgcode", None) != "40P01":
            raise
        return RapportPortefeuille(erreur_fichier=erreur)
    return rapport
