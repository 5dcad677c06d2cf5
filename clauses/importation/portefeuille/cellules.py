"""From a cell of the portfolio workbook to a value of a model's field, or to a French reason why not.

Each reader takes the cell as the file holds it (text, number, date…) and returns the value, or raises ``Refus``
whose message the sheet's error names with its sheet, line and column. ``Ligne`` reads the cells of one row and
records those errors. Nothing here knows the models' rows: only their fields' types and choices.
"""

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache, wraps

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import TextChoices
from django.utils import timezone

from clauses import minimisation
from clauses.importation.lecture import lire_date, lire_nombre, lire_nombre_heures, normaliser, texte_cellule
from clauses.importation.participants import NON, OUI
from clauses.importation.releve import controle_siret
from entreprises.validators import NAF_RE

Lecteur = Callable[[object], object]


class Refus(ValueError):
    """A cell that cannot become its field's value: the message says why, in French."""


# A national workbook repeats the same SIRETs, dates, months and choices hundreds of thousands of times: the readers
# of such cells remember what they read (a refusal is not remembered, and is rare). ``typed`` keeps 1 apart from 1.0
# and True.
def memorise(lecteur: Callable) -> Callable:
    en_memoire = lru_cache(maxsize=100_000, typed=True)(lecteur)

    @wraps(lecteur)
    def lire(valeur: object):
        try:
            return en_memoire(valeur)
        except TypeError:  # an unhashable cell
            return lecteur(valeur)

    return lire


# --- Readers ---------------------------------------------------------------------------------------------


def texte(longueur: int) -> Lecteur:
    """A text of at most ``longueur`` characters, never holding a social security number (``clauses.minimisation``:
    no column of a portfolio has any use for one)."""

    def lire(valeur: object) -> str:
        resultat = texte_cellule(valeur)
        if len(resultat) > longueur:
            raise Refus(f"{len(resultat)} caractères, au plus {longueur}.")
        if minimisation.contient_un_nir(resultat):
            raise Refus(minimisation.MESSAGE_NIR)
        return resultat

    return lire


def notes(longueur: int) -> Lecteur:
    """Notes about a person: a text that also records no disability (the RQTH is a criterion, not free text)."""
    lire_texte = texte(longueur)

    def lire(valeur: object) -> str:
        resultat = str(lire_texte(valeur))
        mot = minimisation.mot_de_sante(resultat)
        if mot is not None:
            raise Refus(minimisation.MESSAGE_SANTE.format(mot=f"« {mot} »"))
        return resultat

    return lire


def choix(enum: type[TextChoices], **synonymes: str) -> Lecteur:
    """A choice named by its code, its label, the label's short form (« ETTI » for « ETTI — entreprise de travail
    temporaire d'insertion », « Niveau 3 » for « Niveau 3 (CAP, BEP) ») or a synonym."""
    connus: dict[str, str] = {}
    for code, libelle in enum.choices:
        for variante in (code, libelle, libelle.split(" — ")[0], libelle.split(" (")[0]):
            connus.setdefault(normaliser(variante), code)
    for variante, code in synonymes.items():
        connus.setdefault(normaliser(variante), code)
    attendus = " ; ".join(f"« {libelle} »" for _, libelle in enum.choices)

    @memorise
    def lire(valeur: object) -> str:
        code = connus.get(normaliser(texte_cellule(valeur)))
        if code is None:
            raise Refus(f"« {texte_cellule(valeur)} » n'est pas une valeur connue : {attendus}.")
        return code

    return lire


@memorise
def date_(valeur: object) -> dt.date:
    date = lire_date(valeur)
    if date is None:
        raise Refus(f"« {texte_cellule(valeur)} » n'est pas une date : JJ/MM/AAAA attendu.")
    if not dt.date(1900, 1, 1) <= date <= dt.date(2199, 12, 31):
        raise Refus(f"date {date:%d/%m/%Y} hors des années possibles.")
    return date


_INSTANT = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?$")


@memorise
def instant(valeur: object) -> dt.datetime:
    """A moment: « JJ/MM/AAAA HH:MM », ISO 8601, a date-time cell, or a date (midnight), in the site's time zone."""
    if isinstance(valeur, dt.datetime):
        moment = valeur
    else:
        brut = texte_cellule(valeur)
        if correspondance := _INSTANT.match(brut):
            jour, mois, annee, heure, minute, seconde = (int(g or 0) for g in correspondance.groups())
            try:
                moment = dt.datetime(annee, mois, jour, heure, minute, seconde)
            except ValueError:
                raise Refus(f"« {brut} » n'est pas une date et heure : JJ/MM/AAAA HH:MM attendu.") from None
        else:
            try:
                moment = dt.datetime.fromisoformat(brut)
            except ValueError:
                moment = dt.datetime.combine(date_(valeur), dt.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _nombre(valeur: object, heures: bool = False) -> Decimal:
    if isinstance(valeur, str):
        valeur = valeur.replace("%", "").replace("€", "").strip()
    nombre = lire_nombre_heures(valeur) if heures else lire_nombre(valeur)
    if nombre is None:
        raise Refus(f"« {texte_cellule(valeur)} » n'est pas un nombre.")
    return nombre


def decimal_(chiffres: int, decimales: int, minimum: Decimal = Decimal(0), maximum: Decimal | None = None) -> Lecteur:
    """A number of the field's precision: « 1 234,50 », 1234.5, « 5 % », « 30 € » (rounded to its decimals)."""
    plafond = Decimal(10) ** (chiffres - decimales)

    @memorise
    def lire(valeur: object) -> Decimal:
        nombre = _nombre(valeur).quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP)
        if nombre < minimum:
            raise Refus(f"{texte_cellule(valeur)} : au moins {minimum} attendu.")
        haut = maximum if maximum is not None else plafond
        if nombre > haut or nombre >= plafond:
            raise Refus(f"{texte_cellule(valeur)} : au plus {haut} attendu.")
        return nombre

    return lire


pourcentage = decimal_(5, 2, Decimal(0), Decimal(100))


def entier(minimum: int = 0, maximum: int = 2_147_483_647) -> Lecteur:
    @memorise
    def lire(valeur: object) -> int:
        nombre = _nombre(valeur)
        if nombre != nombre.to_integral_value():
            raise Refus(f"{texte_cellule(valeur)} : un nombre entier est attendu.")
        if not minimum <= nombre <= maximum:
            raise Refus(f"{texte_cellule(valeur)} : un nombre de {minimum} à {maximum} est attendu.")
        return int(nombre)

    return lire


def heures(maximum: Decimal) -> Lecteur:
    """Hours of a month: a number or a duration (35,5 ; 35h30 ; 35:30), to the hundredth."""

    @memorise
    def lire(valeur: object) -> Decimal:
        if isinstance(valeur, dt.date) and not isinstance(valeur, dt.datetime):
            raise Refus(f"« {valeur:%d/%m/%Y} » est une date, pas un nombre d'heures.")
        nombre = _nombre(valeur, heures=True).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if not 0 <= nombre <= maximum:
            raise Refus(f"{texte_cellule(valeur)} : de 0 à {maximum} heures dans un mois.")
        return nombre

    return lire


@memorise
def booleen(valeur: object) -> bool:
    if isinstance(valeur, bool):
        return valeur
    mot = normaliser(texte_cellule(valeur))
    if mot in OUI:
        return True
    if mot in NON:
        return False
    raise Refus(f"« {texte_cellule(valeur)} » : oui ou non attendu.")


def email(valeur: object) -> str:
    adresse = texte_cellule(valeur)
    try:
        validate_email(adresse)
    except ValidationError:
        raise Refus(f"« {adresse} » n'est pas une adresse e-mail.") from None
    if len(adresse) > 254:
        raise Refus("adresse e-mail trop longue (254 caractères au plus).")
    return adresse


@memorise
def siret(valeur: object) -> str:
    resultat, erreur = controle_siret(valeur)
    if erreur:
        raise Refus(erreur)
    return resultat


@memorise
def code_postal(valeur: object) -> str:
    if isinstance(valeur, (int, float)) and not isinstance(valeur, bool) and float(valeur).is_integer():
        code = f"{int(valeur):05d}"
    else:
        code = texte_cellule(valeur).replace(" ", "")
    if not re.fullmatch(r"\d{5}", code):
        raise Refus(f"« {texte_cellule(valeur)} » : 5 chiffres attendus.")
    return code


@memorise
def naf(valeur: object) -> str:
    code = texte_cellule(valeur).upper().replace(" ", "")
    if re.fullmatch(r"\d{4}[A-Z]", code):
        code = f"{code[:2]}.{code[2:]}"
    if not NAF_RE.match(code):
        raise Refus(f"« {texte_cellule(valeur)} » : un code NAF de la forme 43.34Z est attendu.")
    return code


def designation(valeur: object) -> str:
    """A reference to a row of another sheet, as written: spaces at both ends are not part of it."""
    return texte_cellule(valeur)


def liste(valeur: object) -> list[str]:
    """« deld; rsa » → ["deld", "rsa"]."""
    return [morceau.strip() for morceau in texte_cellule(valeur).split(";") if morceau.strip()]


def desechapper(valeur: object) -> object:
    """A text the export protected from being read as a formula (« '=… », « '+33… ») without its apostrophe."""
    if isinstance(valeur, str) and len(valeur) > 1 and valeur[0] == "'" and valeur[1] in "=+-@'":
        return valeur[1:]
    return valeur


# --- A row ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Champ:
    """A column that is a field of the sheet's model, read by ``lire``."""

    colonne: str
    champ: str
    lire: Lecteur
    obligatoire: bool = False


class Ligne:
    """The cells of one row, read one by one; each refusal becomes an error naming the row and the column."""

    __slots__ = ("erreurs", "feuille", "numero", "valeurs")

    def __init__(self, feuille, numero: int, valeurs: tuple):
        self.feuille, self.numero, self.valeurs = feuille, numero, valeurs
        self.erreurs = 0

    @property
    def valide(self) -> bool:
        return not self.erreurs

    def brut(self, colonne: str) -> object:
        """The cell as the file holds it (None for an empty one, or a column the sheet lacks). Millions of cells
        pass here in a national workbook: no call that can be spared."""
        index = self.feuille.tableau.colonnes.get(colonne)
        if index is None:
            return None
        valeur = self.valeurs[index]
        if isinstance(valeur, str):
            if not valeur or valeur.isspace():
                return None
            if valeur[0] == "'":
                return desechapper(valeur)
        return valeur

    def rempli(self, colonne: str) -> bool:
        return bool(texte_cellule(self.brut(colonne)))

    def lire(self, colonne: str, lecteur: Lecteur, obligatoire: bool = False):
        """The cell's value; None when it is empty (an error if ``obligatoire``) or refused (an error)."""
        brut = self.brut(colonne)
        if brut is None or (type(brut) is not str and not texte_cellule(brut)):
            if obligatoire:
                self.erreur(colonne, "cellule vide : cette colonne est obligatoire.")
            return None
        try:
            return lecteur(brut)
        except Refus as refus:
            self.erreur(colonne, str(refus))
            return None

    def champs(self, champs: Iterable[Champ]) -> dict:
        """Field → value of the filled cells of these columns (an empty cell leaves its field as it is)."""
        valeurs = {}
        for champ in champs:
            valeur = self.lire(champ.colonne, champ.lire, champ.obligatoire)
            if valeur is not None:
                valeurs[champ.champ] = valeur
        return valeurs

    def erreur(self, colonne: str | None, message: str) -> None:
        self.erreurs += 1
        self.feuille.erreur(self.numero, colonne, message)
