import datetime as dt
from decimal import Decimal

import pytest

from config.templatetags.ui import date_longue, heures, pluriel, pourcent


@pytest.mark.parametrize(
    ("nombre", "attendu"), [(0, ""), (1, ""), (-1, ""), (2, "s"), (1500, "s"), ("x", ""), (None, "")]
)
def test_french_plural_is_singular_at_zero_and_one(nombre, attendu):
    assert pluriel(nombre) == attendu


def test_formats():
    assert date_longue(dt.date(2027, 7, 1)) == "1er juillet 2027"
    assert date_longue(dt.date(2027, 3, 15)) == "15 mars 2027"
    assert date_longue(None) == "—"
    assert heures(Decimal("1234.5")) == "1\u00a0234,5 h"
    assert heures(Decimal("833")) == "833 h"
    assert pourcent(Decimal("0.523")) == "52 %"
