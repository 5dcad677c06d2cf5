"""What Clauses never records about a person (GDPR art. 5.1.c, minimisation; issue 17).

- **No social security number** (NIR), ever: nothing in the follow-up of a clause needs it, and its use is framed by
  a decree (décret « cadre NIR » of 19 April 2019) that does not cover this processing. Every free-text field of a
  participant, a placement and an outcome refuses a value shaped like one — 13 digits and a 2-digit key, spaced or
  not, starting with 1, 2 (people born in France or abroad), 7 or 8 (temporary numbers) — and so do the columns
  of the imports (``clauses.importation``).
- **Health data only as the eligibility criterion**: a recognition as a disabled worker (RQTH) is recorded by the
  criterion « RQTH » and nowhere else (GDPR art. 9). The notes and comments refuse the words that would write it
  down in free text.

The shape is checked, not the key: a mistyped number is still a number that has no place here.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError

MESSAGE_NIR = "Ce champ ne doit pas contenir de numéro de sécurité sociale."
MESSAGE_SANTE = (
    "Ce champ ne doit pas contenir de donnée de santé ({mot}) : une reconnaissance de travailleur handicapé se "
    "renseigne seulement par le critère d'éligibilité « RQTH »."
)

# Sex (1 digit), year, month (2 each), département (2, or 2A / 2B for Corsica), commune, order (3 each), key (2):
# the groups may be separated by a space (any, a no-break space too), a dot or a dash.
_SEPARATEUR = r"[\s.\-]?"
_NIR = re.compile(
    r"(?<![0-9A-Za-z])[1278]"
    + _SEPARATEUR.join(["", r"\d{2}", r"\d{2}", r"(?:\d{2}|2[ABab])", r"\d{3}", r"\d{3}", r"\d{2}"])
    + r"(?![0-9])"
)

# Words that put a disability in free text, compared without accents or case.
_SANTE = re.compile(r"\b(rqth|mdph|handicap\w*|travailleurs? handicapes?)\b")


def contient_un_nir(texte: str) -> bool:
    return bool(_NIR.search(texte or ""))


def masquer_les_nir(texte: str) -> str:
    return _NIR.sub("[numéro de sécurité sociale masqué]", texte)


def valider_sans_nir(valeur) -> None:
    """Field validator: no social security number."""
    if isinstance(valeur, str) and contient_un_nir(valeur):
        raise ValidationError(MESSAGE_NIR, code="nir")


def _sans_accents(texte: str) -> str:
    return unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii").lower()


def mot_de_sante(texte: str) -> str | None:
    """The first word of ``texte`` that records a disability, as written; None when there is none."""
    trouve = _SANTE.search(_sans_accents(texte or ""))
    return trouve.group(0) if trouve else None


def valider_sans_donnee_de_sante(valeur) -> None:
    """Field validator of notes and comments: no disability in free text (the RQTH is a criterion)."""
    if not isinstance(valeur, str):
        return
    mot = mot_de_sante(valeur)
    if mot is not None:
        raise ValidationError(MESSAGE_SANTE.format(mot=f"« {mot} »"), code="sante")


TEXTE_LIBRE = [valider_sans_nir]
NOTES = [valider_sans_nir, valider_sans_donnee_de_sante]
