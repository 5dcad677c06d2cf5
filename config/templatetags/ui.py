"""Template helpers shared by every page: sortable column headers, French number formats, the footer's accessibility
state."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html

from config import accessibilite, formats

register = template.Library()


@register.simple_tag(takes_context=True)
def entete_tri(context, cle: str, libelle: str, classes: str = ""):
    """A <th> whose link sorts the list by ``cle``; a second click reverses the order."""
    tri = context.get("tri", "")
    params = context.get("params_sans_tri", "")
    if tri == cle:
        suivant, aria, signe = f"-{cle}", "ascending", "▲"
    elif tri == f"-{cle}":
        suivant, aria, signe = cle, "descending", "▼"
    else:
        suivant, aria, signe = cle, "none", ""
    lien = f"?{params}&tri={suivant}" if params else f"?tri={suivant}"
    return format_html(
        '<th scope="col" class="{}" aria-sort="{}"><a href="{}" class="link-body-emphasis">{}'
        '<span aria-hidden="true"> {}</span></a></th>',
        classes,
        aria,
        lien,
        libelle,
        signe,
    )


@register.filter
def heures(valeur, decimales: int = 0) -> str:
    """1234.5 → « 1 234,5 h » (no decimals when the value is whole)."""
    if valeur is None or valeur == "":
        return "—"
    valeur = Decimal(valeur)
    if valeur == valeur.to_integral_value():
        decimales = 0
    elif not decimales:
        decimales = 1
    quantum = Decimal(1).scaleb(-int(decimales))
    return f"{number_format(valeur.quantize(quantum, rounding=ROUND_HALF_UP), int(decimales), force_grouping=True)} h"


@register.filter
def euros(valeur) -> str:
    if valeur is None or valeur == "":
        return "—"
    return f"{number_format(Decimal(valeur).quantize(Decimal('1')), 0, force_grouping=True)} €"


@register.filter
def pourcent(valeur, decimales: int = 0) -> str:
    """A ratio (0.52) as « 52 % »."""
    if valeur is None or valeur == "":
        return "—"
    pct = (Decimal(valeur) * 100).quantize(Decimal(1).scaleb(-int(decimales)), rounding=ROUND_HALF_UP)
    return f"{number_format(pct, int(decimales), force_grouping=True)} %"


@register.filter
def pourcent_borne(valeur) -> int:
    """A ratio as a whole percentage between 0 and 100, for progress bars."""
    if valeur is None or valeur == "":
        return 0
    return max(0, min(100, int((Decimal(valeur) * 100).to_integral_value(rounding=ROUND_HALF_UP))))


@register.filter
def date_longue(valeur) -> str:
    """A date as French writes it: « 1er juillet 2027 », « 15 mars 2027 »."""
    return formats.date_longue(valeur)


@register.filter
def pluriel(nombre, suffixe: str = "s") -> str:
    """French plural: « 0 résultat », « 1 résultat », « 2 résultats » (Django's pluralize puts an s after 0)."""
    try:
        return suffixe if abs(int(nombre)) >= 2 else ""
    except (TypeError, ValueError):
        return ""


@register.filter
def nombre(valeur):
    """An integer with French digit grouping: 250000 → « 250 000 »; anything else (a masked count « < 3 »,
    « masqué ») as it is."""
    if isinstance(valeur, bool) or not isinstance(valeur, int):
        return valeur
    return formats.nombre(valeur)


@register.filter
def insecable(valeur) -> str:
    """Spaces as no-break spaces, so that a short label (« Dans les temps ») stays on one line of a narrow column."""
    return str(valeur).replace(" ", "\u00a0")


@register.simple_tag
def etat_accessibilite() -> str:
    """« non conforme », « partiellement conforme »…: the footer's « Accessibilité : … » on every page, the error pages
    rendered without a request included (config.accessibilite)."""
    return accessibilite.etat(accessibilite.AUDIT, timezone.localdate()).value
