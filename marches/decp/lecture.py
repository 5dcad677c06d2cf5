"""Reading a DECP file: its marchés one at a time, in bounded memory, and each record checked.

The national files are hundreds of megabytes, so the file is never loaded whole. The standard library's JSON
decoder reads one value at a time from a window of text (``json.JSONDecoder.raw_decode``): the reader walks the
file's structure by hand down to the array of marchés, then decodes one marché at a time and drops it before the
next. Memory holds one window (1 MB, grown only while a single record is larger) and one record; a record larger
than ``ENREGISTREMENT_MAX`` refuses the file. No dependency: a streaming parser library (ijson) would do the
same walk, and the decoder of the standard library is C code.

Two shapes of file are read (``schema_decp`` of the national format, github.com/139bercy/format-commande-publique):
- the 2024 format: ``{"marches": {"marche": [...], "contrat-concession": [...]}}``, a titulaire as
  ``{"titulaire": {"typeIdentifiant", "id"}}``, ``considerationsSociales`` as a list of values, or as the XML
  conversion writes it, ``{"considerationSociale": [...]}``;
- the 2019 format: ``{"marches": [...]}`` with ``_type`` « Marché » or « Contrat de concession », a titulaire as
  ``{"typeIdentifiant", "id", "denominationSociale"}``, and no social considerations.
Concessions (``contrat-concession``, ``_type`` « Contrat de concession », ``autoriteConcedante``) are counted and
left out: they are not marchés.
"""

import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from entreprises.validators import normaliser_siret
from marches.models import ConsiderationSociale, TypeMarche

# A small file of the 2024 format written for the demo territory (its buyers and companies): the demo, the tests.
EXEMPLE = Path(__file__).resolve().parent / "exemple_decp.json"

FENETRE = 1024 * 1024
# One marché's JSON: a few kilobytes in practice; far beyond this, the file is not what it claims.
ENREGISTREMENT_MAX = 8 * 1024 * 1024
MONTANT_MAX = Decimal("10") ** 14
CPV_RE = re.compile(r"^(\d{8})(-\d)?$")
SIRET_RE = re.compile(r"^\d{14}$")
CONSIDERATIONS = set(ConsiderationSociale.values)


class FichierDECPInvalide(Exception):
    """The whole file is refused (not JSON, not the DECP's shape): the message says why, in French."""


@dataclass(frozen=True)
class Titulaire:
    identifiant: str
    type_identifiant: str
    denomination: str = ""

    def en_json(self) -> dict[str, str]:
        return {"id": self.identifiant, "type_identifiant": self.type_identifiant, "denomination": self.denomination}


@dataclass(frozen=True)
class EnregistrementDECP:
    """A marché of the file, checked: the fields Clauses keeps (``marches.models.MarcheDECP``)."""

    identifiant: str
    acheteur_siret: str
    acheteur_nom: str
    objet: str
    nature: str
    procedure: str
    code_cpv: str
    type: str
    montant: Decimal
    date_notification: dt.date
    duree_mois: int | None
    lieu_code: str
    lieu_type_code: str
    considerations_sociales: tuple[str, ...]
    titulaires: tuple[Titulaire, ...]

    @property
    def cle(self) -> tuple[str, str]:
        return self.acheteur_siret, self.identifiant


@dataclass
class ErreurDECP:
    """What is wrong with one record: its position in the file (from 1) and its ``id`` when it has one."""

    position: int
    identifiant: str
    messages: list[str] = field(default_factory=list)

    @property
    def texte(self) -> str:
        quel = f"Marché n° {self.position}" + (f" (id « {self.identifiant} »)" if self.identifiant else "")
        return f"{quel} : {' ; '.join(self.messages)}."


# --- The stream ------------------------------------------------------------------------------------------------


class _Flux:
    """A window over the file's text, and the few moves the walk down to the marchés needs."""

    def __init__(self, fichier: IO[bytes]):
        self.texte = io.TextIOWrapper(fichier, encoding="utf-8-sig", errors="strict", newline="")
        self.tampon = ""
        self.pos = 0
        self.fin = False
        self.decodeur = json.JSONDecoder()

    def _lire(self) -> bool:
        if self.fin:
            return False
        try:
            morceau = self.texte.read(FENETRE)
        except UnicodeDecodeError:
            raise FichierDECPInvalide("Le fichier n'est pas un texte UTF-8 : est-ce bien un fichier JSON ?") from None
        if not morceau:
            self.fin = True
            return False
        self.tampon = self.tampon[self.pos :] + morceau
        self.pos = 0
        return True

    def caractere(self) -> str:
        """The next character that is not white space ('' at the end of the file), not consumed."""
        while True:
            while self.pos < len(self.tampon) and self.tampon[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.tampon):
                return self.tampon[self.pos]
            if not self._lire():
                return ""

    def attendre(self, attendu: str, contexte: str) -> None:
        trouve = self.caractere()
        if trouve != attendu:
            vu = f"« {trouve} »" if trouve else "la fin du fichier"
            raise FichierDECPInvalide(f"JSON invalide {contexte} : « {attendu} » attendu, {vu} trouvé.")
        self.pos += 1

    def valeur(self, contexte: str) -> Any:
        """Decodes the next JSON value whole, reading more of the file while it is cut by the window's end."""
        self.caractere()
        while True:
            try:
                valeur, fin = self.decodeur.raw_decode(self.tampon, self.pos)
            except json.JSONDecodeError as erreur:
                # An error well before the window's end is the file's; near it, the value may only be cut.
                coupee = erreur.pos >= len(self.tampon) - 10 or erreur.msg.startswith("Unterminated string")
                if not coupee:
                    raise FichierDECPInvalide(f"JSON invalide {contexte} : {_erreur_json(erreur)}.") from None
                if len(self.tampon) - self.pos > ENREGISTREMENT_MAX:
                    raise FichierDECPInvalide(
                        f"JSON invalide ou enregistrement de plus de {ENREGISTREMENT_MAX // (1024 * 1024)} Mo "
                        f"{contexte}."
                    ) from None
                if self._lire():
                    continue
                raise FichierDECPInvalide(f"JSON invalide {contexte} : {_erreur_json(erreur)}.") from None
            # A number or a literal that ends with the window may go on in the next one.
            if fin == len(self.tampon) and self._lire():
                continue
            self.pos = fin
            return valeur

    def chaine(self, contexte: str) -> str:
        if self.caractere() != '"':
            raise FichierDECPInvalide(f"JSON invalide {contexte} : un nom de champ entre guillemets est attendu.")
        return self.valeur(contexte)

    def elements(self, contexte: str) -> Iterator[Any]:
        """The values of the array that starts here, one at a time."""
        self.attendre("[", contexte)
        if self.caractere() == "]":
            self.pos += 1
            return
        numero = 0
        while True:
            numero += 1
            yield self.valeur(f"{contexte}, élément n° {numero}")
            suivant = self.caractere()
            if suivant == "]":
                self.pos += 1
                return
            self.attendre(",", f"{contexte}, après l'élément n° {numero}")

    def membres(self, contexte: str) -> Iterator[str]:
        """The keys of the object that starts here; the caller reads (or skips) each value before the next."""
        self.attendre("{", contexte)
        if self.caractere() == "}":
            self.pos += 1
            return
        while True:
            cle = self.chaine(contexte)
            self.attendre(":", contexte)
            yield cle
            suivant = self.caractere()
            if suivant == "}":
                self.pos += 1
                return
            self.attendre(",", contexte)

    def sauter(self, contexte: str) -> None:
        """Skips the value that starts here, an array one element at a time (a concessions' array may be long)."""
        if self.caractere() == "[":
            for _ in self.elements(contexte):
                pass
        else:
            self.valeur(contexte)


def _erreur_json(erreur: json.JSONDecodeError) -> str:
    messages = {
        "Expecting value": "valeur attendue",
        "Expecting ',' delimiter": "virgule attendue",
        "Expecting ':' delimiter": "deux-points attendus",
        "Expecting property name enclosed in double quotes": "nom de champ entre guillemets attendu",
        "Unterminated string starting at": "texte non terminé",
        "Invalid control character at": "caractère de contrôle dans un texte",
        "Extra data": "données en trop",
    }
    return messages.get(erreur.msg, erreur.msg)


# Where a record comes from: a marché, or a concession to count and leave out.
MARCHE, CONCESSION = "marche", "concession"


def enregistrements(fichier: IO[bytes]) -> Iterator[tuple[str, Any]]:
    """(MARCHE or CONCESSION, the record as decoded) for each record of the file, in order."""
    flux = _Flux(fichier)
    try:
        yield from _parcourir(flux)
    finally:
        # The caller's file stays the caller's to close: the text layer lets go of it without closing it.
        flux.texte.detach()


def _parcourir(flux: _Flux) -> Iterator[tuple[str, Any]]:
    debut = flux.caractere()
    if debut == "[":
        # A bare array of marchés: what some tools write when they export a selection.
        for brut in flux.elements("dans la liste des marchés"):
            yield _genre(brut), brut
    elif debut == "{":
        trouve = False
        for cle in flux.membres("au premier niveau du fichier"):
            if cle != "marches":
                flux.sauter(f"dans le champ « {cle} »")
                continue
            trouve = True
            if flux.caractere() == "[":  # 2019 format
                for brut in flux.elements("dans la liste « marches »"):
                    yield _genre(brut), brut
                continue
            for sous_cle in flux.membres("dans l'objet « marches »"):
                if sous_cle not in ("marche", "contrat-concession"):
                    flux.sauter(f"dans le champ « marches.{sous_cle} »")
                    continue
                genre = MARCHE if sous_cle == "marche" else CONCESSION
                contexte = f"dans la liste « marches.{sous_cle} »"
                if flux.caractere() == "{":  # a single record, as the XML conversion writes a list of one
                    brut = flux.valeur(contexte)
                    yield (genre if genre == CONCESSION else _genre(brut)), brut
                    continue
                for brut in flux.elements(contexte):
                    yield (genre if genre == CONCESSION else _genre(brut)), brut
        if not trouve:
            raise FichierDECPInvalide(
                "Le fichier ne contient pas de champ « marches » : ce n'est pas un fichier des données "
                "essentielles de la commande publique au format national."
            )
    else:
        raise FichierDECPInvalide(
            "Le fichier n'est pas un fichier JSON : il devrait commencer par « { ». Les données essentielles se "
            "téléchargent au format JSON sur data.gouv.fr."
        )
    if flux.caractere() != "":
        raise FichierDECPInvalide("JSON invalide : des données suivent la fin du fichier.")


def _genre(brut: Any) -> str:
    if isinstance(brut, dict) and (
        brut.get("_type") == "Contrat de concession" or ("autoriteConcedante" in brut and "acheteur" not in brut)
    ):
        return CONCESSION
    return MARCHE


# --- One record ------------------------------------------------------------------------------------------------


def identifiant_de(brut: Any) -> str:
    if isinstance(brut, dict) and isinstance(brut.get("id"), str | int) and not isinstance(brut.get("id"), bool):
        return str(brut["id"]).strip()
    return ""


def siret_acheteur(brut: Any) -> str | None:
    """The buyer's SIRET as written (spaces dropped), or None when there is none to read."""
    if not isinstance(brut, dict) or not isinstance(brut.get("acheteur"), dict):
        return None
    valeur = brut["acheteur"].get("id")
    if isinstance(valeur, int) and not isinstance(valeur, bool):
        valeur = f"{valeur:014d}"
    if not isinstance(valeur, str):
        return None
    return normaliser_siret(valeur)


def type_par_cpv(code_cpv: str) -> str:
    """Travaux for the CPV division 45; fournitures for 03 to 44 and 48 (software packages); services otherwise
    (50 to 98): the CPV regulation's split, which the European thresholds follow."""
    division = int(code_cpv[:2])
    if division == 45:
        return TypeMarche.TRAVAUX
    if division <= 44 or division == 48:
        return TypeMarche.FOURNITURES
    return TypeMarche.SERVICES


def _texte(brut: dict, cle: str, erreurs: list[str], *, requis: bool = True, longueur: int = 0) -> str:
    valeur = brut.get(cle)
    if valeur is None or (isinstance(valeur, str) and not valeur.strip()):
        if requis:
            erreurs.append(f"le champ « {cle} » est absent ou vide")
        return ""
    if not isinstance(valeur, str):
        erreurs.append(f"le champ « {cle} » doit être un texte")
        return ""
    valeur = valeur.strip()
    if longueur and len(valeur) > longueur:
        erreurs.append(f"le champ « {cle} » dépasse {longueur} caractères")
    return valeur


def _montant(brut: dict, erreurs: list[str]) -> Decimal:
    valeur = brut.get("montant")
    if valeur is None:
        erreurs.append("le champ « montant » est absent")
        return Decimal(0)
    if isinstance(valeur, bool) or not isinstance(valeur, int | float | str):
        erreurs.append("le champ « montant » doit être un nombre")
        return Decimal(0)
    try:
        montant = Decimal(str(valeur).strip())
    except InvalidOperation:
        erreurs.append(f"le montant « {valeur} » n'est pas un nombre")
        return Decimal(0)
    if not montant.is_finite() or montant < 0 or montant >= MONTANT_MAX:
        erreurs.append(f"le montant « {valeur} » n'est pas un montant positif plausible")
        return Decimal(0)
    return montant.quantize(Decimal("0.01"))


def _date(brut: dict, cle: str, erreurs: list[str]) -> dt.date:
    valeur = brut.get(cle)
    if not isinstance(valeur, str) or not valeur.strip():
        erreurs.append(f"le champ « {cle} » est absent ou vide")
        return dt.date.min
    # The 2019 format allows a time zone after the day (« 2019-03-04+01:00 »).
    try:
        return dt.date.fromisoformat(valeur.strip()[:10])
    except ValueError:
        erreurs.append(f"« {cle} » : « {valeur} » n'est pas une date AAAA-MM-JJ")
        return dt.date.min


def _duree(brut: dict, erreurs: list[str]) -> int | None:
    valeur = brut.get("dureeMois")
    if valeur is None or valeur == "":
        return None
    if isinstance(valeur, str) and valeur.strip().isdigit():
        valeur = int(valeur.strip())
    if isinstance(valeur, bool) or not isinstance(valeur, int) or not 1 <= valeur <= 1200:
        erreurs.append(f"« dureeMois » : « {valeur} » n'est pas un nombre de mois")
        return None
    return valeur


def _liste(valeur: Any, sous_cle: str) -> Any:
    """A list of the 2024 format, written either as a list or, by the XML conversion, as {sous_cle: [...]}."""
    if isinstance(valeur, dict) and sous_cle in valeur:
        valeur = valeur[sous_cle]
    if isinstance(valeur, str | dict):
        return [valeur]
    return valeur


def _considerations(brut: dict, erreurs: list[str]) -> tuple[str, ...]:
    valeur = brut.get("considerationsSociales")
    if valeur is None:
        return ()
    valeurs = _liste(valeur, "considerationSociale")
    if not isinstance(valeurs, list) or not all(isinstance(v, str) for v in valeurs):
        erreurs.append("« considerationsSociales » doit être une liste de textes")
        return ()
    inconnues = [v for v in valeurs if v.strip() not in CONSIDERATIONS]
    if inconnues:
        erreurs.append(
            "« considerationsSociales » : valeur inconnue « "
            + " », « ".join(inconnues)
            + " » (valeurs possibles : "
            + ", ".join(f"« {v} »" for v in ConsiderationSociale.values)
            + ")"
        )
        return ()
    # Kept in the schema's order, each once.
    presentes = {v.strip() for v in valeurs}
    return tuple(v for v in ConsiderationSociale.values if v in presentes)


def _titulaires(brut: dict, erreurs: list[str]) -> tuple[Titulaire, ...]:
    valeur = brut.get("titulaires")
    if valeur is None:
        erreurs.append("le champ « titulaires » est absent")
        return ()
    elements = _liste(valeur, "titulaire")
    if not isinstance(elements, list):
        erreurs.append("« titulaires » doit être une liste")
        return ()
    titulaires: list[Titulaire] = []
    for numero, element in enumerate(elements, start=1):
        if isinstance(element, dict) and isinstance(element.get("titulaire"), dict):
            element = element["titulaire"]
        if not isinstance(element, dict):
            erreurs.append(f"titulaire n° {numero} : un objet est attendu")
            continue
        type_identifiant = element.get("typeIdentifiant")
        identifiant = element.get("id")
        if isinstance(identifiant, int) and not isinstance(identifiant, bool):
            identifiant = str(identifiant)
        if not isinstance(type_identifiant, str) or not type_identifiant.strip():
            erreurs.append(f"titulaire n° {numero} : « typeIdentifiant » est absent")
            continue
        if not isinstance(identifiant, str) or not identifiant.strip():
            erreurs.append(f"titulaire n° {numero} : « id » est absent")
            continue
        type_identifiant = type_identifiant.strip().upper()
        identifiant = identifiant.strip()
        if type_identifiant == "SIRET":
            identifiant = normaliser_siret(identifiant)
            if not SIRET_RE.match(identifiant):
                erreurs.append(f"titulaire n° {numero} : le SIRET « {element.get('id')} » n'a pas 14 chiffres")
                continue
        denomination = element.get("denominationSociale")
        titulaires.append(
            Titulaire(
                identifiant=identifiant[:50],
                type_identifiant=type_identifiant[:20],
                denomination=denomination.strip()[:200] if isinstance(denomination, str) else "",
            )
        )
    return tuple(dict.fromkeys(titulaires))


def verifier(position: int, brut: Any) -> EnregistrementDECP | ErreurDECP:
    """The record checked against the fields Clauses uses, or every reason it is not usable."""
    identifiant = identifiant_de(brut)
    if not isinstance(brut, dict):
        return ErreurDECP(position, "", ["un objet JSON est attendu"])
    erreurs: list[str] = []
    if not identifiant:
        erreurs.append("le champ « id » est absent ou vide")
    elif len(identifiant) > 100:
        erreurs.append("le champ « id » dépasse 100 caractères")
    siret = siret_acheteur(brut)
    if siret is None or not SIRET_RE.match(siret):
        erreurs.append("« acheteur.id » doit être le SIRET de l'acheteur (14 chiffres)")
    acheteur = brut.get("acheteur")
    nom = acheteur.get("nom") if isinstance(acheteur, dict) else None
    nom = nom if isinstance(nom, str) else ""
    objet = _texte(brut, "objet", erreurs, longueur=1000)
    nature = _texte(brut, "nature", erreurs, longueur=100)
    procedure = _texte(brut, "procedure", erreurs, requis=False, longueur=150)
    code_cpv = brut.get("codeCPV")
    correspondance = CPV_RE.match(code_cpv.strip()) if isinstance(code_cpv, str) else None
    if correspondance is None:
        erreurs.append(f"« codeCPV » : « {code_cpv} » n'est pas un code CPV (8 chiffres, ex. 45210000-2)")
    montant = _montant(brut, erreurs)
    date_notification = _date(brut, "dateNotification", erreurs)
    duree = _duree(brut, erreurs)
    lieu = brut.get("lieuExecution")
    lieu_code = lieu_type = ""
    if lieu is not None:
        if not isinstance(lieu, dict):
            erreurs.append("« lieuExecution » doit être un objet (code, typeCode)")
        else:
            lieu_code = str(lieu.get("code") or "").strip()[:20]
            lieu_type = str(lieu.get("typeCode") or "").strip()[:30]
    considerations = _considerations(brut, erreurs)
    titulaires = _titulaires(brut, erreurs)
    if erreurs:
        return ErreurDECP(position, identifiant[:100], erreurs)
    assert siret is not None and correspondance is not None
    cpv = correspondance.group(0)
    return EnregistrementDECP(
        identifiant=identifiant,
        acheteur_siret=siret,
        acheteur_nom=nom.strip()[:300],
        objet=objet,
        nature=nature,
        procedure=procedure,
        code_cpv=cpv,
        type=type_par_cpv(correspondance.group(1)),
        montant=montant,
        date_notification=date_notification,
        duree_mois=duree,
        lieu_code=lieu_code,
        lieu_type_code=lieu_type,
        considerations_sociales=considerations,
        titulaires=titulaires,
    )
