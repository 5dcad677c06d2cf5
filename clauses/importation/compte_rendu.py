"""The preview as a file the facilitator can download, sort and send back to the company: every error with its
line (the page shows the first thousand), every row's outcome with the hours or fields before and after, and the
notes (rows added together).

The preview's report is kept between the preview and the download as JSON in the default storage, next to the
uploaded file, under the same token: the download is what the facilitator saw, not a new reading of a file that
may have been refused and not kept.
"""

import csv
import io
import json
import re

from clauses.importation.rapport import Changement, Rapport

TITRES = ["Ligne(s)", "Résultat", "Concerne", "Avant", "Après", "Message"]
_LIGNE = re.compile(r"^Ligne (\d+) : (.*)$", re.DOTALL)


def contenu(rapport: Rapport) -> bytes:
    """What the download needs of a report, as JSON."""
    return json.dumps(
        {
            "erreurs": rapport.erreurs,
            "remarques": rapport.remarques,
            "changements": [[list(c.lignes), c.etat, c.objet, c.avant, c.apres] for c in rapport.changements],
        },
        ensure_ascii=False,
    ).encode()


def lignes(donnees: bytes) -> list[list]:
    """The rows of the file: errors first, in file order, then the notes, then each row's outcome."""
    lu = json.loads(donnees)
    sortie: list[list] = []
    for erreur in lu["erreurs"]:
        correspondance = _LIGNE.match(erreur)
        numero, message = (int(correspondance[1]), correspondance[2]) if correspondance else ("", erreur)
        sortie.append([numero, "Erreur", "", "", "", message])
    for remarque in lu["remarques"]:
        sortie.append(["", "Remarque", "", "", "", remarque])
    for numeros, etat, objet, avant, apres in lu["changements"]:
        changement = Changement(tuple(numeros), etat, objet, avant, apres)
        sortie.append([changement.lignes_texte, changement.libelle, objet, avant, apres, ""])
    return sortie


def personnes_nommees(lignes_du_rapport: list[list]) -> int:
    """The rows of the report that name someone (« Concerne »: the participant of a row), for the access log."""
    return sum(1 for ligne in lignes_du_rapport if ligne[2])


def _cellule_csv(valeur: object) -> str:
    texte = str(valeur)
    # A cell starting with = + - @ would be a formula in a spreadsheet (CSV injection): names come from files.
    return "'" + texte if texte[:1] in ("=", "+", "-", "@") else texte


def csv_(lignes_du_rapport: list[list]) -> bytes:
    """The report's rows (``lignes``) as CSV."""
    texte = io.StringIO(newline="")
    ecrivain = csv.writer(texte, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(TITRES)
    for ligne in lignes_du_rapport:
        ecrivain.writerow([_cellule_csv(v) for v in ligne])
    # With a BOM, Excel opens the accents right.
    return texte.getvalue().encode("utf-8-sig")


def colonnes_xlsx() -> list[tuple]:
    """(title, accessor) for ``config.export.reponse_xlsx``, which escapes formulas as the lists' exports do."""
    return [(titre, lambda ligne, i=i: ligne[i]) for i, titre in enumerate(TITRES)]
