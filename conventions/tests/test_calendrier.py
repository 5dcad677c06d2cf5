import datetime as dt

import pytest

from conventions import calendrier
from conventions.calendrier import add_months, add_months_end_aware, periode, periode_a, periode_de_fin

D = dt.date


@pytest.mark.parametrize(
    ("jour", "mois", "attendu"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2025, 5, 31), -3, D(2025, 2, 28)),
        (D(2025, 3, 15), -3, D(2024, 12, 15)),
        (D(2025, 12, 31), 1, D(2026, 1, 31)),
    ],
)
def test_add_months_clamps_to_month_end(jour, mois, attendu):
    assert add_months(jour, mois) == attendu


@pytest.mark.parametrize(
    ("jour", "mois", "attendu"),
    [
        (D(2026, 6, 30), -3, D(2026, 3, 31)),  # 30 June is a month end: 31 March
        (D(2026, 4, 30), -3, D(2026, 1, 31)),
        (D(2026, 2, 28), -3, D(2025, 11, 30)),
        (D(2028, 2, 29), -3, D(2027, 11, 30)),
        (D(2026, 5, 30), -3, D(2026, 2, 28)),  # not a month end: clamped
        (D(2028, 5, 30), -3, D(2028, 2, 29)),  # leap year
        (D(2026, 6, 15), -3, D(2026, 3, 15)),
    ],
)
def test_add_months_end_aware(jour, mois, attendu):
    assert add_months_end_aware(jour, mois) == attendu


def test_periods_of_a_convention_taking_effect_on_1_july():
    p1 = periode(D(2025, 7, 1), 1)
    assert (p1.debut, p1.echeance, p1.date_renouvellement) == (D(2025, 7, 1), D(2026, 6, 30), D(2026, 7, 1))
    # The journey: "renews on 1 July unless notice by 31 March".
    assert p1.date_limite_denonciation == D(2026, 3, 31)
    p3 = periode(D(2025, 7, 1), 3)
    assert (p3.debut, p3.echeance) == (D(2027, 7, 1), D(2028, 6, 30))


def test_signed_31_may_gives_a_notice_deadline_on_the_last_day_of_february():
    p1 = periode(D(2025, 5, 31), 1)
    assert p1.echeance == D(2026, 5, 30)
    assert p1.date_limite_denonciation == D(2026, 2, 28)
    # In a leap year, the last day of February is the 29th.
    p3 = periode(D(2025, 5, 31), 3)
    assert p3.echeance == D(2028, 5, 30)
    assert p3.date_limite_denonciation == D(2028, 2, 29)


def test_a_convention_starting_on_29_february_does_not_drift():
    debut = D(2024, 2, 29)
    assert periode(debut, 1).echeance == D(2025, 2, 27)
    assert periode(debut, 2).debut == D(2025, 2, 28)
    assert periode(debut, 5).debut == D(2028, 2, 29)
    assert periode(debut, 4).echeance == D(2028, 2, 28)
    # Consecutive periods tile the calendar: no gap, no overlap.
    for n in range(1, 12):
        assert periode(debut, n).echeance + dt.timedelta(days=1) == periode(debut, n + 1).debut


@pytest.mark.parametrize("debut", [D(2024, 2, 29), D(2025, 5, 31), D(2025, 1, 31), D(2025, 7, 1), D(2023, 12, 31)])
def test_periode_a_finds_the_period_containing_each_day(debut):
    jour = debut
    while jour < D(2031, 1, 1):
        p = periode_a(debut, jour)
        assert p.debut <= jour <= p.echeance, (debut, jour, p)
        jour += dt.timedelta(days=17)


def test_periode_before_start_is_the_first():
    assert periode_a(D(2025, 7, 1), D(2025, 1, 1)).numero == 1


def test_period_numbers_start_at_one():
    with pytest.raises(ValueError):
        periode(D(2025, 7, 1), 0)


@pytest.mark.parametrize(
    ("denonciation", "fin"),
    [
        (D(2026, 3, 31), D(2026, 6, 30)),  # on the deadline: ends at this échéance
        (D(2025, 9, 1), D(2026, 6, 30)),
        (D(2026, 4, 1), D(2027, 6, 30)),  # a day late: the renewal already took hold
        (D(2026, 6, 30), D(2027, 6, 30)),
        (D(2026, 7, 1), D(2027, 6, 30)),
    ],
)
def test_notice_ends_the_convention_at_the_right_echeance(denonciation, fin):
    assert periode_de_fin(D(2025, 7, 1), denonciation).echeance == fin


def test_other_durations_and_notice_periods():
    p = calendrier.periode(D(2025, 1, 1), 2, duree_mois=24, preavis_mois=6)
    assert (p.debut, p.echeance, p.date_limite_denonciation) == (D(2027, 1, 1), D(2028, 12, 31), D(2028, 6, 30))
