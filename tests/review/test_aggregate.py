"""The aggregation rules exactly (docs/review.md, Aggregation), without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.models import AggregationRule
from api.review import aggregate
from api.review.aggregate import display, rank, spread, weighted_total

R = AggregationRule


def d(*values: str | int) -> list[Decimal]:
    return [Decimal(str(v)) for v in values]


@pytest.mark.parametrize("rule", list(R))
def test_zero_reviews_have_no_aggregate(rule: AggregationRule) -> None:
    assert aggregate.aggregate([], rule) is None
    assert spread([]) is None
    assert not aggregate.disagreement(None, Decimal(100))


@pytest.mark.parametrize("rule", list(R))
def test_a_single_review_is_its_own_aggregate(rule: AggregationRule) -> None:
    assert aggregate.aggregate(d("73.5"), rule) == Decimal("73.5")
    assert spread(d("73.5")) == 0


@pytest.mark.parametrize("rule", list(R))
def test_all_equal_totals(rule: AggregationRule) -> None:
    assert aggregate.aggregate(d(80, 80, 80, 80, 80, 80), rule) == 80
    assert spread(d(80, 80, 80)) == 0


def test_mean_is_exact_decimal() -> None:
    result = aggregate.aggregate(d(1, 2, 2), R.mean)
    assert result == Decimal(5) / Decimal(3)
    assert isinstance(result, Decimal)
    assert display(result) == Decimal("1.67")


def test_median_odd_count_is_the_middle_value() -> None:
    assert aggregate.aggregate(d(90, 10, 50), R.median) == 50
    assert aggregate.aggregate(d(1, 100, 3, 2, 99), R.median) == 3


def test_median_even_count_is_the_mean_of_the_two_middle_values() -> None:
    assert aggregate.aggregate(d(10, 40, 20, 90), R.median) == 30
    assert aggregate.aggregate(d("70.5", "71"), R.median) == Decimal("70.75")


def test_trimmed_mean_with_fewer_than_five_is_the_plain_mean() -> None:
    totals = d(10, 60, 80, 90)
    assert aggregate.aggregate(totals, R.trimmed_mean) == 60
    assert aggregate.aggregate(totals, R.trimmed_mean) == aggregate.aggregate(totals, R.mean)


def test_trimmed_mean_with_exactly_five_drops_one_highest_and_one_lowest() -> None:
    # mean of 60, 70, 80 — the 0 and the 100 are dropped
    assert aggregate.aggregate(d(100, 60, 0, 80, 70), R.trimmed_mean) == 70
    assert aggregate.aggregate(d(100, 60, 0, 80, 70), R.mean) == 62


def test_trimmed_mean_drops_only_one_of_tied_extremes() -> None:
    # two highest 90s and two lowest 50s: only one of each goes
    assert aggregate.aggregate(d(90, 90, 70, 50, 50, 60), R.trimmed_mean) == Decimal(270) / 4


def test_trimmed_mean_with_six() -> None:
    assert aggregate.aggregate(d(1, 2, 3, 4, 5, 100), R.trimmed_mean) == Decimal("3.5")


def test_rank_shares_ties_and_skips() -> None:
    ranks = rank({"a": Decimal(80), "b": Decimal(90), "c": Decimal(80), "d": Decimal(70)})
    assert ranks == {"b": 1, "a": 2, "c": 2, "d": 4}


def test_rank_leaves_unscored_unranked() -> None:
    assert rank({"a": None, "b": Decimal(1)}) == {"a": None, "b": 1}
    assert rank({}) == {}


def test_rank_uses_exact_values_not_the_display() -> None:
    # both display as 66.67 but they are not equal
    ranks = rank({"x": Decimal(200) / 3, "y": Decimal("66.67")})
    assert ranks == {"y": 1, "x": 2}


def test_display_rounds_half_up() -> None:
    assert display(Decimal("2.675")) == Decimal("2.68")
    assert display(Decimal("2.665")) == Decimal("2.67")
    assert display(Decimal("-0.005")) == Decimal("-0.01")
    assert display(None) is None


def test_disagreement_is_strictly_more_than_a_fifth_of_the_maximum() -> None:
    assert spread(d(60, 80, 70)) == 20
    assert not aggregate.disagreement(Decimal(20), Decimal(100))
    assert aggregate.disagreement(Decimal("20.01"), Decimal(100))


def test_weighted_total_and_max_total() -> None:
    weights = {"a": Decimal(1), "b": Decimal("2.5")}
    assert weighted_total({"a": Decimal("7.5"), "b": Decimal(4)}, weights) == Decimal("17.5")
    assert aggregate.max_total([(Decimal(10), Decimal(1)), (Decimal(20), Decimal(2))]) == 50
    with pytest.raises(KeyError):
        weighted_total({"a": Decimal(1)}, weights)
