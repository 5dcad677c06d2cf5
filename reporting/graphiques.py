"""Charts drawn on the server as SVG: no JavaScript, printable, readable by screen readers.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``; the page
shows the same figures in a table next to it. Only SVG presentation attributes (fill, x, width…) and
classes are used, never a ``style`` attribute, so the charts survive a strict Content-Security-Policy.
"""

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from config.templatetags.ui import heures as format_heures

MOIS_ABREGES = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
COULEUR_BARRE = "#000091"  # the French public service's blue, as the header
COULEUR_TEXTE = "#3a3a3a"
COULEUR_AXE = "#929292"
COULEUR_GRILLE = "#dddddd"
POLICE = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def mois_abrege(mois: dt.date) -> str:
    """1 January 2026 → « janv. 2026 »."""
    return f"{MOIS_ABREGES[mois.month - 1]} {mois.year}"


def _pas_rond(maximum: float, graduations: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 × 10ⁿ) so that ``graduations`` steps cover ``maximum``."""
    if maximum <= 0:
        return 1
    brut = maximum / graduations
    puissance = 10 ** math.floor(math.log10(brut))
    for facteur in (1, 2, 2.5, 5, 10):
        if brut <= facteur * puissance:
            return facteur * puissance
    return 10 * puissance


def _c(valeur: float) -> str:
    """A coordinate, to a tenth of a unit."""
    return f"{valeur:.1f}"


def _nombre(valeur: float) -> str:
    return format_heures(Decimal(str(valeur))).removesuffix(" h")


def _svg(
    identifiant: str, largeur: int, hauteur: int, titre: str, description: str, contenu: SafeString
) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="graphique" role="img" viewBox="0 0 {l} {h}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" aria-labelledby="{id}-titre {id}-desc" font-family="{police}" '
        'font-size="12" fill="{texte}">'
        '<title id="{id}-titre">{titre}</title><desc id="{id}-desc">{desc}</desc>{contenu}</svg>',
        l=largeur,
        h=hauteur,
        id=identifiant,
        police=POLICE,
        texte=COULEUR_TEXTE,
        titre=titre,
        desc=description,
        contenu=contenu,
    )


def histogramme_mensuel(
    identifiant: str, titre: str, mois: Sequence[tuple[dt.date, Decimal]], unite: str = "h"
) -> SafeString:
    """Vertical bars, one per month, the value above each bar and « janv. 2026 » below it."""
    largeur, hauteur = 760, 300
    valeurs = [float(v) for _, v in mois]
    maximum = max(valeurs, default=0)
    pas = _pas_rond(maximum)
    plafond = pas * max(1, math.ceil(maximum / pas)) if maximum else pas * 4
    # Room on the left for the longest y-axis label (« 3 000 000 » on a national instance), ~7 px a character.
    gauche, droite, haut, bas = max(56, 12 + 7 * len(_nombre(plafond))), 12, 24, 44
    zone_l, zone_h = largeur - gauche - droite, hauteur - haut - bas
    elements = []
    # Horizontal grid and the y-axis labels.
    graduation = 0.0
    while graduation <= plafond + 1e-9:
        y = haut + zone_h - graduation / plafond * zone_h
        elements.append(
            format_html(
                '<line x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="{c}" stroke-width="1"/>'
                '<text x="{xt}" y="{yt}" text-anchor="end" font-size="11">{v}</text>',
                x1=gauche,
                x2=largeur - droite,
                y=_c(y),
                c=COULEUR_GRILLE if graduation else COULEUR_AXE,
                xt=gauche - 6,
                yt=_c(y + 4),
                v=_nombre(graduation),
            )
        )
        graduation += pas
    colonne = zone_l / max(1, len(mois))
    # A few months (a year just begun) keep bars of a year's width rather than one bar across the chart.
    barre = min(colonne * 0.62, 48)
    for index, (jour, valeur) in enumerate(mois):
        v = float(valeur)
        h = v / plafond * zone_h if plafond else 0
        x = gauche + index * colonne + (colonne - barre) / 2
        y = haut + zone_h - h
        centre = x + barre / 2
        etiquette = _nombre(v)
        # A value of seven digits (a national month) shrinks to stay within its column (~0.6 em a character).
        taille = max(7, min(11, int((colonne - 4) / (0.6 * max(1, len(etiquette))))))
        elements.append(
            format_html(
                '<g class="graphique-barre"><rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{f}" '
                'rx="2"/><text x="{cx}" y="{ty}" text-anchor="middle" font-size="{taille}">{val}</text>'
                '<text x="{cx}" y="{my}" text-anchor="middle" font-size="11">{m}</text>'
                '<text x="{cx}" y="{ay}" text-anchor="middle" font-size="11">{a}</text></g>',
                x=_c(x),
                y=_c(y),
                w=_c(barre),
                h=_c(h),
                f=COULEUR_BARRE,
                cx=_c(centre),
                ty=_c(y - 5),
                taille=taille,
                val=etiquette,
                my=hauteur - bas + 17,
                ay=hauteur - bas + 32,
                m=MOIS_ABREGES[jour.month - 1],
                a=jour.year,
            )
        )
    total = sum((v for _, v in mois), Decimal(0))
    description = (
        f"Histogramme de {len(mois)} mois, de {mois_abrege(mois[0][0])} à {mois_abrege(mois[-1][0])} : "
        + " ; ".join(f"{mois_abrege(j)} : {format_heures(v)}" for j, v in mois)
        + f". Total : {format_heures(total)}."
        if mois
        else "Aucune donnée."
    )
    return _svg(identifiant, largeur, hauteur, titre, description, mark_safe("".join(elements)))


def barres_horizontales(identifiant: str, titre: str, lignes: Sequence[tuple[str, Decimal | int, str]]) -> SafeString:
    """One horizontal bar per (label, value, value as text) row, the label above its bar so long labels fit."""
    largeur = 760
    ligne_h, haut = 44, 6
    hauteur = haut + max(1, len(lignes)) * ligne_h
    zone_l = largeur - 120
    maximum = max((float(v) for _, v, _ in lignes), default=0)
    elements = []
    for index, (libelle, valeur, texte) in enumerate(lignes):
        y = haut + index * ligne_h
        w = float(valeur) / maximum * zone_l if maximum else 0
        elements.append(
            format_html(
                '<g class="graphique-barre"><text x="0" y="{ty}" font-size="13">{lib}</text>'
                '<rect x="0" y="{ry}" width="{w}" height="16" fill="{f}" rx="2"/>'
                '<text x="{vx}" y="{vy}" font-size="12" font-weight="600">{val}</text></g>',
                ty=y + 14,
                lib=libelle,
                ry=y + 20,
                w=_c(max(w, 1)),
                f=COULEUR_BARRE,
                vx=_c(max(w, 1) + 6),
                vy=y + 33,
                val=texte,
            )
        )
    description = (
        "Diagramme en barres : " + " ; ".join(f"{libelle} : {texte}" for libelle, _, texte in lignes) + "."
        if lignes
        else "Aucune donnée."
    )
    contenu = format_html_join("", "{}", ((e,) for e in elements))
    return _svg(identifiant, largeur, hauteur, titre, description, contenu)
