"""What a validation hands on: the report the facilitator previews, which also carries the rows that
confirmation will write, and the batched lookups the validators make.

Both imports (``releve``, ``participants``) fill the same ``Rapport``, so the views show either one with the
same template and confirmation applies either one the same way.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import QuerySet

from config.requetes import parmi

# The two kinds of import, as the views and the report name them.
RELEVE = "releve"
PARTICIPANTS = "participants"

# Lookups by ``__in`` go by batches: PostgreSQL takes thousands of parameters, and a
# 50,000-row file rarely names more than a few thousand people.
LOT_REQUETE = 2000


def par_lots(valeurs: Iterable, taille: int = LOT_REQUETE) -> Iterator[list]:
    valeurs = list(valeurs)
    for i in range(0, len(valeurs), taille):
        yield valeurs[i : i + taille]


def lignes_parmi(queryset: QuerySet, champ: str, valeurs: Iterable, *colonnes: str) -> Iterator[tuple]:
    """``values_list(*colonnes)`` of the rows of ``queryset`` whose ``champ`` is one of ``valeurs`` (hashable
    values of the column's type), in one query. Unordered: the models' default orderings would cost a sort, and
    for some a join, that a lookup table does not need."""
    valeurs = list(set(valeurs))
    if not valeurs:
        return
    yield from queryset.order_by().filter(parmi(champ, valeurs)).values_list(*colonnes)


# What a row of the preview does once confirmed.
AJOUT = "ajout"
MODIFICATION = "modification"
INCHANGE = "inchange"
ETATS = {AJOUT: "Ajout", MODIFICATION: "Mise à jour", INCHANGE: "Inchangée"}


@dataclass(frozen=True)
class Changement:
    """One line of « what will change »: for a statement a person's month at a company, for participants a
    person; ``avant`` is empty for an addition."""

    lignes: tuple[int, ...]
    etat: str
    objet: str
    avant: str
    apres: str

    @property
    def libelle(self) -> str:
        return ETATS[self.etat]

    @property
    def lignes_texte(self) -> str:
        return ", ".join(str(n) for n in self.lignes)


@dataclass
class Rapport:
    type: str
    lignes: int = 0
    ajoutees: int = 0
    mises_a_jour: int = 0
    inchangees: int = 0
    erreurs: list[str] = field(default_factory=list)
    erreur_fichier: str = ""
    # What the preview shows: each row's outcome, and the notes that are not errors (rows added together…).
    changements: list[Changement] = field(default_factory=list, repr=False)
    remarques: list[str] = field(default_factory=list)
    # Where the rows were read: the workbook's sheet, and the header's line (title lines may come above it).
    feuille: str = ""
    feuille_masquee: bool = False
    ligne_entete: int = 0
    # What confirmation writes; filled by validation.
    creations: list = field(default_factory=list, repr=False)
    modifications: list = field(default_factory=list, repr=False)

    @property
    def valide(self) -> bool:
        return not self.erreur_fichier and not self.erreurs and self.lignes > 0

    @property
    def a_ecrire(self) -> bool:
        return bool(self.creations or self.modifications)

    @property
    def resume(self) -> str:
        """« 46 lignes ajoutées, 0 mise à jour, 3 inchangées »."""

        def accord(n: int, singulier: str, pluriel: str) -> str:
            return f"{n} {pluriel if n > 1 else singulier}"

        return ", ".join(
            (
                accord(self.ajoutees, "ligne ajoutée", "lignes ajoutées"),
                accord(self.mises_a_jour, "mise à jour", "mises à jour"),
                accord(self.inchangees, "inchangée", "inchangées"),
            )
        )

    @property
    def provenance(self) -> str:
        """« Feuille lue : « Relevé » (masquée) ; en-têtes ligne 3. », or "" for a one-sheet file read from
        its first line."""
        morceaux = []
        if self.feuille:
            morceaux.append(f"Feuille lue : « {self.feuille} »{' (masquée)' if self.feuille_masquee else ''}")
        if self.ligne_entete > 1:
            morceaux.append(f"en-têtes ligne {self.ligne_entete}, les lignes au-dessus sont ignorées")
        return " ; ".join(morceaux) + "." if morceaux else ""

    def erreur(self, ligne: int, message: str) -> None:
        self.erreurs.append(f"Ligne {ligne} : {message}")

    @property
    def changements_a_ecrire(self) -> list[Changement]:
        return [c for c in self.changements if c.etat != INCHANGE]

    @property
    def changements_inchanges(self) -> list[Changement]:
        return [c for c in self.changements if c.etat == INCHANGE]

    def trier_erreurs(self) -> None:
        """Row checks and file-wide lookups report in two passes; the facilitator reads them in file order."""
        self.erreurs.sort(key=_numero_erreur)


def _numero_erreur(message: str) -> int:
    correspondance = re.match(r"Ligne (\d+)", message)
    return int(correspondance[1]) if correspondance else 0
