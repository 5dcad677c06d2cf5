"""What the preview of a portfolio says: per sheet, what will be created, updated or left alone, and every error
with its sheet, line and column; and the same as a file the facilitator can download.

The report of the other imports (``clauses.importation.rapport``) is one sheet's; this one holds a ``BilanFeuille``
per kind of sheet, in the order they are written. A national workbook has millions of rows: the rows left alone
are counted, not listed, and the changes listed stop at ``CHANGEMENTS_GARDES`` per sheet (their count does not).
"""

import csv
import io
import json
from dataclasses import dataclass, field

from clauses.importation.rapport import AJOUT, ETATS, INCHANGE, MODIFICATION, Changement

# Changes kept per sheet for the preview and its downloadable report, and errors kept in all.
CHANGEMENTS_GARDES = 5_000
ERREURS_GARDEES = 20_000


@dataclass(frozen=True)
class Erreur:
    feuille: str
    ligne: int | None
    colonne: str | None
    message: str

    def __str__(self) -> str:
        """« Feuille Marchés, ligne 12, colonne « SIRET du donneur » : … »."""
        morceaux = [f"Feuille {self.feuille}"]
        if self.ligne:
            morceaux.append(f"ligne {self.ligne}")
        if self.colonne:
            morceaux.append(f"colonne « {self.colonne} »")
        return f"{', '.join(morceaux)} : {self.message}"


def _accord(n: int, singulier: str, pluriel: str) -> str:
    return f"{n} {pluriel if n > 1 else singulier}"


@dataclass
class BilanFeuille:
    """One kind of sheet: the sheets of the file read as that kind, and what their rows do."""

    cle: str
    titre: str
    feuilles: list[str] = field(default_factory=list)
    lignes: int = 0
    ajouts: int = 0
    mises_a_jour: int = 0
    inchangees: int = 0
    erreurs: int = 0
    changements: list[Changement] = field(default_factory=list, repr=False)

    def noter(self, ligne: int, etat: str, objet: str, avant: str = "", apres: str = "") -> None:
        if etat == AJOUT:
            self.ajouts += 1
        elif etat == MODIFICATION:
            self.mises_a_jour += 1
        else:
            self.inchangees += 1
            return
        if len(self.changements) < CHANGEMENTS_GARDES:
            self.changements.append(Changement((ligne,), etat, objet, avant, apres))

    @property
    def changements_non_listes(self) -> int:
        return self.ajouts + self.mises_a_jour - len(self.changements)

    @property
    def resume(self) -> str:
        return ", ".join(
            (
                _accord(self.ajouts, "ajout", "ajouts"),
                _accord(self.mises_a_jour, "mise à jour", "mises à jour"),
                _accord(self.inchangees, "inchangée", "inchangées"),
            )
        )


@dataclass
class RapportPortefeuille:
    bilans: list[BilanFeuille] = field(default_factory=list)
    erreurs: list[Erreur] = field(default_factory=list)
    erreurs_total: int = 0
    erreur_fichier: str = ""
    remarques: list[str] = field(default_factory=list)
    # What confirmation writes, kind by kind: filled by validation, never shown.
    plan: list = field(default_factory=list, repr=False)

    def erreur(self, feuille: str, ligne: int | None, colonne: str | None, message: str) -> None:
        self.erreurs_total += 1
        if len(self.erreurs) < ERREURS_GARDEES:
            self.erreurs.append(Erreur(feuille, ligne, colonne, message))

    @property
    def lignes(self) -> int:
        return sum(b.lignes for b in self.bilans)

    @property
    def changements(self) -> list[Changement]:
        """The changes listed, all sheets together (the import pages keep a preview's report when it has any)."""
        return [c for b in self.bilans for c in b.changements]

    @property
    def valide(self) -> bool:
        return not self.erreur_fichier and not self.erreurs_total and self.lignes > 0

    @property
    def a_ecrire(self) -> bool:
        return any(b.ajouts or b.mises_a_jour for b in self.bilans)

    @property
    def resume(self) -> str:
        ajouts = sum(b.ajouts for b in self.bilans)
        mises_a_jour = sum(b.mises_a_jour for b in self.bilans)
        inchangees = sum(b.inchangees for b in self.bilans)
        return ", ".join(
            (
                _accord(ajouts, "ligne ajoutée", "lignes ajoutées"),
                _accord(mises_a_jour, "mise à jour", "mises à jour"),
                _accord(inchangees, "inchangée", "inchangées"),
            )
        )

    def trier_erreurs(self, ordre: list[str]) -> None:
        """Errors by sheet in the order the sheets are written, then by line, as the facilitator reads them."""
        rang = {titre: i for i, titre in enumerate(ordre)}
        self.erreurs.sort(key=lambda e: (rang.get(e.feuille, len(rang)), e.feuille, e.ligne or 0))


# --- The downloadable report ------------------------------------------------------------------------------

TITRES = ["Feuille", "Ligne", "Colonne", "Résultat", "Concerne", "Avant", "Après", "Message"]


def contenu(rapport: RapportPortefeuille) -> bytes:
    """What the download needs of a preview, as JSON (kept beside the upload, as the other imports do)."""
    return json.dumps(
        {
            "erreurs": [[e.feuille, e.ligne, e.colonne, e.message] for e in rapport.erreurs],
            "erreurs_total": rapport.erreurs_total,
            "remarques": rapport.remarques,
            "changements": [
                [b.titre, list(c.lignes), c.etat, c.objet, c.avant, c.apres]
                for b in rapport.bilans
                for c in b.changements
            ],
        },
        ensure_ascii=False,
    ).encode()


def lignes(donnees: bytes) -> list[list]:
    """The file's rows: the errors, then the notes, then what each row changes."""
    lu = json.loads(donnees)
    sortie: list[list] = []
    for feuille, ligne, colonne, message in lu["erreurs"]:
        sortie.append([feuille, ligne or "", colonne or "", "Erreur", "", "", "", message])
    if lu["erreurs_total"] > len(lu["erreurs"]):
        autres = lu["erreurs_total"] - len(lu["erreurs"])
        sortie.append(["", "", "", "Erreur", "", "", "", f"… et {autres} autres erreurs, non listées."])
    for remarque in lu["remarques"]:
        sortie.append(["", "", "", "Remarque", "", "", "", remarque])
    for feuille, numeros, etat, objet, avant, apres in lu["changements"]:
        sortie.append([feuille, ", ".join(map(str, numeros)), "", ETATS[etat], objet, avant, apres, ""])
    return sortie


def _cellule_csv(valeur: object) -> str:
    texte = str(valeur)
    # A cell starting with = + - @ would be a formula in a spreadsheet (CSV injection): names come from files.
    return "'" + texte if texte[:1] in ("=", "+", "-", "@") else texte


def csv_(donnees: bytes) -> bytes:
    texte = io.StringIO(newline="")
    ecrivain = csv.writer(texte, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(TITRES)
    for ligne in lignes(donnees):
        ecrivain.writerow([_cellule_csv(v) for v in ligne])
    return texte.getvalue().encode("utf-8-sig")


def colonnes_xlsx() -> list[tuple]:
    """(title, accessor) for ``config.export.reponse_xlsx``, which escapes formulas as the lists' exports do."""
    return [(titre, lambda ligne, i=i: ligne[i]) for i, titre in enumerate(TITRES)]


__all__ = ["AJOUT", "INCHANGE", "MODIFICATION", "BilanFeuille", "Erreur", "RapportPortefeuille"]
