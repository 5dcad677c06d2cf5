import re

from django.core.exceptions import ValidationError

# La Poste's thousands of establishments share one SIREN, more than the Luhn key can number: INSEE
# gives them another check, the sum of the SIRET's digits is a multiple of 5. Its head office,
# 356 000 000 00048, keeps an ordinary Luhn key.
SIREN_LA_POSTE = "356000000"

NAF_RE = re.compile(r"^\d{2}\.\d{2}[A-Z]$")


def luhn_valide(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siret_valide(siret: str) -> bool:
    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret.startswith(SIREN_LA_POSTE):
        return luhn_valide(siret) or sum(int(c) for c in siret) % 5 == 0
    return luhn_valide(siret[:9]) and luhn_valide(siret)


def normaliser_siret(value: str) -> str:
    """Drops the spaces, dots and dashes people type or paste into a SIRET."""
    return re.sub(r"[\s.\-\u00a0]", "", value or "")


def valider_siret(value: str) -> None:
    siret = normaliser_siret(value)
    if len(siret) != 14 or not siret.isdigit():
        raise ValidationError(
            "Le SIRET doit compter 14 chiffres (%(valeur)s).", code="siret_format", params={"valeur": value}
        )
    if not siret_valide(siret):
        raise ValidationError(
            "Le SIRET %(valeur)s n'est pas valide : sa clé de contrôle ne correspond pas.",
            code="siret_cle",
            params={"valeur": value},
        )


def valider_naf(value: str) -> None:
    if not NAF_RE.match(value or ""):
        raise ValidationError(
            "Le code NAF doit avoir la forme 43.34Z (%(valeur)s).", code="naf_format", params={"valeur": value}
        )


def completer_siret(prefixe13: str) -> str:
    """The 14-digit SIRET whose first 13 digits are ``prefixe13``: its Luhn key added (demo data, tests)."""
    for key in "0123456789":
        candidate = prefixe13 + key
        if luhn_valide(candidate):
            return candidate
    raise AssertionError("unreachable: one Luhn key always exists")


def completer_siren(prefixe8: str) -> str:
    for key in "0123456789":
        candidate = prefixe8 + key
        if luhn_valide(candidate):
            return candidate
    raise AssertionError("unreachable: one Luhn key always exists")
