"""The disclosure policy's rules on one table (``reporting.diffusion.repartition``); the attacker test
(``test_diffusion_attaquant``) checks them together over every page and document."""

import pytest

from reporting import diffusion
from reporting.indicateurs import Part


def _parts(*valeurs):
    return [Part(f"c{i}", f"Ligne {i}", v) for i, v in enumerate(valeurs)]


def _effectifs(repartition):
    return [ligne.effectif for ligne in repartition.lignes]


@pytest.mark.parametrize(("n", "texte"), [(0, "0"), (1, "< 3"), (2, "< 3"), (3, "3"), (12, "12")])
def test_a_total_is_always_published(n, texte):
    assert diffusion.effectif(n) == texte


def test_under_ten_no_breakdown_but_the_total():
    repartition = diffusion.repartition(_parts(5, 4))
    assert repartition.lignes == [] and repartition.total == "9"
    assert repartition.raison == "Répartition non publiée : moins de 10 personnes."


def test_zeros_read_like_one_and_two():
    # 0 and 1 add up to 10 - 4 - 5 = 1: each may be 0 or 1, so nothing else needs hiding.
    assert _effectifs(diffusion.repartition(_parts(4, 1, 5, 0))) == ["4", "< 3", "5", "< 3"]


def test_a_count_that_would_give_a_small_one_back_is_masked():
    # Femme = 10 - Homme would give the 1 back: the 9 goes too, never the total.
    repartition = diffusion.repartition(_parts(9, 1))
    assert _effectifs(repartition) == ["masqué", "< 3"]
    assert repartition.total == "10"


def test_all_small_rows_at_their_largest_are_not_published():
    # Five rows of 2 under a total of 10: every « < 3 » is pinned at 2 and there is nothing else to hide.
    repartition = diffusion.repartition(_parts(2, 2, 2, 2, 2))
    assert repartition.lignes == [] and repartition.total == "10"
    assert "permettrait de retrouver" in repartition.raison


def test_rows_listed_only_when_present_are_completed_by_the_nomenclature():
    repartition = diffusion.repartition(
        [Part("cdd", "CDD", 10)], nomenclature=[("cdd", "CDD"), ("cdi", "CDI")], unite="contrats"
    )
    # The CDI's 0 would pin itself at 0 against a total of 10: the CDD goes too.
    assert [(ligne.code, ligne.effectif) for ligne in repartition.lignes] == [("cdd", "masqué"), ("cdi", "< 3")]


def test_rows_that_do_not_add_up_get_no_secondary_suppression():
    repartition = diffusion.repartition(_parts(9, 1, 10), 10, additive=False)
    assert _effectifs(repartition) == ["9", "< 3", "10"]
