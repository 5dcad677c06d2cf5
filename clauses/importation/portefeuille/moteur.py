"""What every kind of sheet shares: its columns, the rows read from it, the rows of the database they match, and
the writes of confirmation.

A kind of sheet is a ``Genre``: it reads its rows (``lire_ligne``: the natural key, the references to other sheets,
the fields), then, once every sheet of its kind is read, looks up in bounded queries the rows of the database
with the same natural keys (``existants``) and tells for each row whether confirmation creates, updates or leaves
alone (``conclure``). Every row becomes an ``Entree`` that the later sheets refer to: its primary key when the row
exists, filled at confirmation when it is created. Kinds are read in the order of their references (donneurs
before marchés, marchés before lots…), whatever the order of the file's sheets, and written in the same order.

An empty cell leaves its field as it is (as the participants' import does): a portfolio read again changes
nothing, and a file with fewer columns completes what Clauses holds without erasing it.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone

from clauses.heures import formater_heures
from clauses.importation.lecture import Colonne, Tableau, normaliser
from clauses.importation.portefeuille.cellules import Champ, Ligne
from clauses.importation.portefeuille.rapport import AJOUT, INCHANGE, MODIFICATION, BilanFeuille, RapportPortefeuille

LOT_ECRITURE = 2000
# The key of a stored row that ``existants`` found twice: its value says so, in French, and the row is refused.
AMBIGU = "_ambigu"


@dataclass(frozen=True)
class TypeFeuille:
    """A kind of sheet: its name in the template and the names it is known by, its columns (header → field, with
    synonyms: the column-mapping step adds to them), which are required, and what identifies its rows."""

    cle: str
    titre: str
    colonnes: tuple[Colonne, ...]
    obligatoires: tuple[str, ...]
    cle_naturelle: str
    description: str
    synonymes: tuple[str, ...] = ()

    def noms(self) -> set[str]:
        return {normaliser(self.titre), *(normaliser(s) for s in self.synonymes)}

    def titre_colonne(self, cle: str) -> str:
        return next((c.titre for c in self.colonnes if c.cle == cle), cle)

    def colonnes_pour(self, correspondance: dict[str, str] | None = None) -> list[Colonne]:
        """The columns, with the headers of ``correspondance`` (header in the file → column key) as more synonyms:
        what a saved column mapping gives for a file with other headers."""
        ajouts: dict[str, list[str]] = defaultdict(list)
        for entete, cle in (correspondance or {}).items():
            ajouts[cle].append(entete)
        return [
            Colonne(c.cle, c.titre, (*c.synonymes, *ajouts[c.cle]), c.exemple, c.aide) if ajouts[c.cle] else c
            for c in self.colonnes
        ]


class Entree:
    """A row of a sheet, or a row of the database that a sheet names: its primary key (None until created) and
    what the rows referring to it need to know (``d``)."""

    __slots__ = ("d", "ligne", "pk", "valide")

    def __init__(self, pk: int | None = None, ligne: int | None = None, d: Any = None):
        self.pk, self.ligne, self.d, self.valide = pk, ligne, d, True

    def __repr__(self) -> str:
        return f"Entree(pk={self.pk}, ligne={self.ligne})"


def cle_base(*parties) -> tuple | None:
    """A natural key in the database's terms: the referred rows' primary keys. None when one of them is created by
    this file, so that nothing in the database can have this key yet."""
    resultat = []
    for partie in parties:
        if isinstance(partie, Entree):
            if partie.pk is None:
                return None
            partie = partie.pk
        resultat.append(partie)
    return tuple(resultat)


def egales(stockee: object, lue: object) -> bool:
    """Whether a file's value is the stored one: moments to the second (a file writes no microseconds)."""
    if isinstance(stockee, dt.datetime) and isinstance(lue, dt.datetime):
        return stockee.replace(microsecond=0) == lue.replace(microsecond=0)
    return stockee == lue


def valeur_en_base(valeur: object) -> object:
    return valeur.pk if isinstance(valeur, Entree) else valeur


class FeuilleEnCours:
    """One sheet of the file read as one kind: its rows, and where their errors go."""

    def __init__(self, rapport: RapportPortefeuille, bilan: BilanFeuille, type_: TypeFeuille, nom: str, tableau):
        self.rapport, self.bilan, self.definition, self.nom, self.tableau = rapport, bilan, type_, nom, tableau

    def erreur(self, numero: int | None, colonne: str | None, message: str) -> None:
        titre = (self.tableau.entetes.get(colonne) or self.definition.titre_colonne(colonne)) if colonne else None
        self.rapport.erreur(self.nom, numero, titre, message)
        self.bilan.erreurs += 1

    def lignes(self) -> Iterator[Ligne]:
        for numero, valeurs in self.tableau.lignes:
            yield Ligne(self, numero, valeurs)


@dataclass(slots=True)
class Lue:
    """A row read: its natural key, its fields (model field → value; an ``Entree`` for a reference), and what its
    kind keeps besides."""

    ligne: Ligne
    cle: tuple
    valeurs: dict
    extra: Any = None
    entree: Entree = field(default_factory=Entree)

    @property
    def numero(self) -> int:
        return self.ligne.numero


class Contexte:
    """One reading of a portfolio: the report, the day, the user, and each kind by its key
    (``contexte["marches"]``)."""

    def __init__(self, rapport: RapportPortefeuille, aujourd_hui: dt.date, utilisateur=None):
        self.rapport, self.aujourd_hui, self.utilisateur = rapport, aujourd_hui, utilisateur
        self.genres: dict[str, Genre] = {}

    def __getitem__(self, cle: str) -> Any:
        return self.genres[cle]


class Genre:
    """A kind of sheet and its model (see the module's docstring). The default methods serve a model whose natural
    key and fields are the row's own; each kind overrides what differs."""

    definition: ClassVar[TypeFeuille]
    modele: ClassVar[Any]
    champs: ClassVar[tuple[Champ, ...]] = ()
    # Fields compared with the database and described in the preview: the fields read, and any the kind computes.
    libelles: ClassVar[dict[str, str]] = {}

    def __init__(self, contexte: Contexte):
        self.contexte = contexte
        self.bilan = BilanFeuille(self.definition.cle, self.definition.titre)
        self.lues: list[Lue] = []
        self.index: dict[tuple, Entree] = {}
        self.premieres: dict[tuple, int] = {}
        self.a_creer: list[Lue] = []
        self.a_modifier: list[tuple[int, dict]] = []

    # Reading.

    def lire_feuille(self, feuille: FeuilleEnCours) -> None:
        self.bilan.feuilles.append(feuille.nom)
        self.bilan.lignes += len(feuille.tableau.lignes)
        manquantes = [c for c in self.definition.obligatoires if c not in feuille.tableau.colonnes]
        if manquantes:
            titres = ", ".join(f"« {self.definition.titre_colonne(c)} »" for c in manquantes)
            pluriel = "s" if len(manquantes) > 1 else ""
            feuille.erreur(None, None, f"colonne{pluriel} obligatoire{pluriel} absente{pluriel} : {titres}.")
            return
        self.preparer(feuille.tableau)
        for ligne in feuille.lignes():
            lue = self.lire_ligne(ligne)
            if lue is None:
                continue
            if not ligne.valide:
                lue.entree.valide = False
            lue.entree.ligne = ligne.numero
            if lue.cle in self.premieres:
                ligne.erreur(
                    None,
                    f"{self.decrire_cle(lue)} figure déjà ligne {self.premieres[lue.cle]} : gardez une seule de ces "
                    "lignes.",
                )
                continue
            self.premieres[lue.cle] = ligne.numero
            self.index[lue.cle] = lue.entree
            self.lues.append(lue)

    def preparer(self, tableau: Tableau) -> None:
        """Before the rows of a sheet: lookups its rows need (references of other kinds, loaded in bulk)."""

    def lire_ligne(self, ligne: Ligne) -> Lue | None:
        raise NotImplementedError

    # Matching with the database.

    def cle_en_base(self, lue: Lue) -> tuple | None:
        return cle_base(*lue.cle)

    def existants(self, cles: list[tuple]) -> dict[tuple, Any]:
        """Natural key in the database's terms → the row's fields (``pk`` included), for the keys of the rows read."""
        raise NotImplementedError

    def completer(self, lue: Lue, existant: dict | None) -> None:
        """Fields computed from the row and the stored one (a target, a date of effect…), before comparing."""

    def verifier(self, lue: Lue, apres: dict) -> None:
        """Rules across fields, on the row as it would be stored (the stored fields overlaid with the file's)."""

    def apres_conclusion(self, lue: Lue, apres: dict) -> None:
        """What the kinds that refer to this row need to know of it, once it is matched."""

    def decrire_cle(self, lue: Lue) -> str:
        raise NotImplementedError

    def conclure(self) -> None:
        cles = {c for lue in self.lues if (c := self.cle_en_base(lue)) is not None}
        existants = self.existants(list(cles)) if cles else {}
        for lue in self.lues:
            cle = self.cle_en_base(lue)
            existant = existants.get(cle) if cle is not None else None
            if existant is not None and AMBIGU in existant:
                lue.ligne.erreur(None, existant[AMBIGU])
                continue
            self.completer(lue, existant)
            apres = {**(existant or {}), **{k: valeur_en_base(v) for k, v in lue.valeurs.items()}}
            self.verifier(lue, apres)
            if existant is not None:
                lue.entree.pk = existant["pk"]
            self.apres_conclusion(lue, apres)
            if not lue.ligne.valide:
                continue
            objet = self.decrire_cle(lue)
            if existant is None:
                self.a_creer.append(lue)
                self.bilan.noter(lue.numero, AJOUT, objet, "", self.decrire(lue.valeurs))
                continue
            changements = {k: v for k, v in lue.valeurs.items() if not egales(existant.get(k), valeur_en_base(v))}
            extra = self.autres_changements(lue, existant)
            if changements or extra:
                self.a_modifier.append((existant["pk"], changements))
                avant = self.decrire({k: existant.get(k) for k in changements}, extra, avant=True)
                self.bilan.noter(lue.numero, MODIFICATION, objet, avant, self.decrire(changements, extra))
            else:
                self.bilan.noter(lue.numero, INCHANGE, objet)
        # The rows to create are kept for confirmation, not the file's rows they come from: a row read holds its
        # sheet, and a national workbook's sheets would stay in memory until the last one is written.
        for lue in self.a_creer:
            lue.ligne = None  # type: ignore[assignment]
        self.premieres = {}
        self.apres_lecture()

    def autres_changements(self, lue: Lue, existant: dict) -> dict:
        """Changes outside the model's own fields (a clause's modalities, a person's criteria): name → (before,
        after)."""
        return {}

    def apres_lecture(self) -> None:
        """Once every row is concluded: free what only the reading needed."""
        self.lues = []

    @property
    def la_feuille(self) -> str:
        """« la feuille Lots », said of a row another sheet names and this one lacks: when some of its rows are
        refused, the missing row may be one of them."""
        erreurs = " (dont des lignes sont refusées)" if self.bilan.erreurs else ""
        return f"la feuille {self.definition.titre}{erreurs}"

    # The preview's words.

    def libelle(self, champ: str) -> str:
        if champ in self.libelles:
            return self.libelles[champ]
        try:
            return str(
                getattr(self.modele._meta.get_field(champ.removesuffix("_id")), "verbose_name", champ)
            ).capitalize()
        except Exception:
            return champ

    def texte(self, champ: str, valeur: object) -> str:
        if valeur is None or valeur == "":
            return "—"
        if isinstance(valeur, Entree):
            return str(valeur.d) if isinstance(valeur.d, str) else "(ligne du fichier)"
        if isinstance(valeur, bool):
            return "oui" if valeur else "non"
        if isinstance(valeur, dt.datetime):
            return timezone.localtime(valeur).strftime("%d/%m/%Y %H:%M")
        if isinstance(valeur, dt.date):
            return f"{valeur:%d/%m/%Y}"
        if isinstance(valeur, Decimal):
            return formater_heures(valeur)
        try:
            modele_champ = self.modele._meta.get_field(champ)
        except Exception:
            modele_champ = None
        if modele_champ is not None and getattr(modele_champ, "choices", None):
            return str(dict(getattr(modele_champ, "flatchoices", ())).get(valeur, valeur))
        return str(valeur)

    def decrire(self, valeurs: dict, extra: dict | None = None, avant: bool = False) -> str:
        morceaux = [
            f"{self.libelle(k)} : {self.texte(k, v)}"
            for k, v in valeurs.items()
            if not isinstance(v, Entree) or not avant
        ]
        for nom, (ancien, nouveau) in (extra or {}).items():
            morceaux.append(f"{nom} : {ancien if avant else nouveau}")
        texte = " ; ".join(morceaux)
        return texte if len(texte) <= 500 else texte[:499] + "…"

    # Writing.

    def instance(self, lue: Lue) -> models.Model:
        return self.modele(**{k: valeur_en_base(v) for k, v in lue.valeurs.items()})

    def appliquer(self) -> None:
        objets = [self.instance(lue) for lue in self.a_creer]
        self.modele.objects.bulk_create(objets, batch_size=LOT_ECRITURE)
        for lue, objet in zip(self.a_creer, objets, strict=True):
            lue.entree.pk = objet.pk
        self.mettre_a_jour(self.a_modifier)
        self.apres_ecriture()

    def apres_ecriture(self) -> None:
        """Writes beyond the model's own row (links, sequences)."""

    def mettre_a_jour(self, modifications: Iterable[tuple[int, dict]], modele: Any = None) -> None:
        """The changed fields, one ``bulk_update`` per set of fields changed together."""
        modele = modele or self.modele
        noms = {f.name for f in modele._meta.concrete_fields}
        horodate = "modifie_le" if "modifie_le" in noms else None
        maintenant = timezone.now()
        par_champs: dict[tuple, list] = defaultdict(list)
        for pk, changements in modifications:
            if not changements:
                continue
            valeurs = {k: valeur_en_base(v) for k, v in changements.items()}
            if horodate:
                valeurs[horodate] = maintenant
            par_champs[tuple(sorted(valeurs))].append(modele(pk=pk, **valeurs))
        for champs, objets in par_champs.items():
            modele.objects.bulk_update(objets, list(champs), batch_size=LOT_ECRITURE)


def par_lots(valeurs: Iterable, taille: int = 5000) -> Iterator[list]:
    lot: list = []
    for valeur in valeurs:
        lot.append(valeur)
        if len(lot) >= taille:
            yield lot
            lot = []
    if lot:
        yield lot
