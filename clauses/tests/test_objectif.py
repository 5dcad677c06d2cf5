import datetime as dt
from decimal import Decimal

import pytest

from clauses.objectif import ObjectifInvalide, calculer_heures, en_retard, fraction_ecoulee, heures_attendues

D = dt.date


@pytest.mark.parametrize(
    ("montant", "part", "taux", "cout", "heures"),
    [
        ("1000000", "50", "5", "30", 833),  # DOMAIN.md's example: 833,33 h
        ("2400000", "70", "7", "30", 3920),  # the painting lot of the journey
        ("100000", "70", "7", "30", 163),  # 163,33
        ("150000", "50", "5", "30", 125),  # exact
        ("15000", "50", "5", "30", 13),  # 12,5 → 13: half rounds up
        ("14999", "50", "5", "30", 12),  # 12,4996
        ("0", "50", "5", "30", 0),
        ("1000000", "20", "10", "25", 800),
    ],
)
def test_formula_rounded_to_the_nearest_hour(montant, part, taux, cout, heures):
    assert calculer_heures(Decimal(montant), Decimal(part), Decimal(taux), Decimal(cout)) == heures


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-1", "50", "5", "30"), "montant"),
        (("1000", "101", "5", "30"), "main-d'œuvre"),
        (("1000", "50", "-1", "30"), "taux"),
        (("1000", "50", "5", "0"), "coût horaire"),
    ],
)
def test_bad_inputs_are_refused_in_french(args, message):
    with pytest.raises(ObjectifInvalide, match=message):
        calculer_heures(*(Decimal(a) for a in args))


class TestAvancement:
    def test_fraction_counts_both_ends_of_the_period(self):
        debut, fin = D(2026, 1, 1), D(2026, 1, 10)
        assert fraction_ecoulee(debut, fin, D(2025, 12, 31)) == 0
        assert fraction_ecoulee(debut, fin, D(2026, 1, 1)) == Decimal("0.1")
        assert fraction_ecoulee(debut, fin, D(2026, 1, 5)) == Decimal("0.5")
        assert fraction_ecoulee(debut, fin, D(2026, 1, 10)) == 1
        assert fraction_ecoulee(debut, fin, D(2027, 1, 1)) == 1

    def test_one_day_period(self):
        assert fraction_ecoulee(D(2026, 1, 1), D(2026, 1, 1), D(2026, 1, 1)) == 1

    def test_reversed_period(self):
        with pytest.raises(ValueError):
            fraction_ecoulee(D(2026, 2, 1), D(2026, 1, 1), D(2026, 1, 15))

    def test_expected_hours_pro_rata(self):
        # 365 days in 2026; at the end of 2 July, 183 days have passed.
        attendues = heures_attendues(1000, D(2026, 1, 1), D(2026, 12, 31), D(2026, 7, 2))
        assert attendues == Decimal("501.37")
        assert heures_attendues(1000, None, D(2026, 12, 31), D(2026, 7, 2)) is None

    def test_late_under_80_percent_of_expected(self):
        assert en_retard(Decimal("399.99"), Decimal("500"))
        assert not en_retard(Decimal("400"), Decimal("500"))
        assert not en_retard(Decimal("0"), Decimal("0"))
        assert not en_retard(Decimal("0"), None)
