"""The SVG charts of the dashboard."""

import datetime as dt
import re
from decimal import Decimal

from reporting import graphiques


def _marge_gauche(svg: str) -> float:
    return float(re.search(r'<line x1="([\d.]+)"', svg).group(1))


def test_the_y_axis_leaves_room_for_its_longest_label():
    """A national instance's months reach millions of hours: « 3 000 000 » must fit left of the axis."""
    territoire = graphiques.histogramme_mensuel("m", "Heures", [(dt.date(2026, m, 1), Decimal(4500)) for m in (1, 2)])
    national = graphiques.histogramme_mensuel(
        "m", "Heures", [(dt.date(2026, m, 1), Decimal(2_682_548)) for m in (1, 2)]
    )
    assert _marge_gauche(territoire) == 56
    etiquettes = [
        e.replace("\u202f", " ").replace("\xa0", " ") for e in re.findall(r'font-size="11">([^<]+)<', national)
    ]
    assert "3 000 000" in etiquettes
    plus_long = max(etiquettes, key=len)
    assert _marge_gauche(national) >= 12 + 7 * len(plus_long)


def test_a_bar_value_shrinks_to_stay_within_its_column():
    def tailles(valeur):
        svg = graphiques.histogramme_mensuel(
            "m", "Heures", [(dt.date(2025 + m // 12, m % 12 + 1, 1), Decimal(valeur)) for m in range(12)]
        )
        return set(re.findall(r'<rect[^>]*/><text [^>]*font-size="(\d+)"', svg))

    assert tailles(4500) == {"11"}
    assert tailles(1_419_809) == {"9"}
