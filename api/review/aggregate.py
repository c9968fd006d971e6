"""Pure arithmetic of review results (docs/review.md, Scoring and Aggregation): the weighted
total of one review, the aggregate of an application's totals under the batch's rule, spread,
the disagreement flag and the rank within a field. Decimal throughout: a float would make two
equal aggregates compare unequal and shift ranks.

A batch's results are computed in SQL (api.review.results); `aggregate`, `rank` and `spread`
are the specification that statement is tested against (tests/review/test_results_sql.py), so
a change of rule goes in both places."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from api.models import AggregationRule

K = TypeVar("K", bound=Hashable)

# 去掉一个最高分和一个最低分 only once there are enough totals for the trim to be fair.
TRIM_MINIMUM = 5
# A spread above this share of the rubric's maximum total flags the experts as disagreeing.
DISAGREEMENT_SHARE = Decimal("0.2")
CENT = Decimal("0.01")


def weighted_total(scores: Mapping[K, Decimal], weights: Mapping[K, Decimal]) -> Decimal:
    """Σ weight × score over the criteria in `weights`; every one must be scored."""
    return sum((weights[k] * scores[k] for k in weights), Decimal(0))


def max_total(criteria: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """Σ weight × max_score of (max_score, weight) pairs."""
    return sum((weight * top for top, weight in criteria), Decimal(0))


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def aggregate(totals: Sequence[Decimal], rule: AggregationRule) -> Decimal | None:
    """The application's score under `rule`; None without any total."""
    if not totals:
        return None
    ordered = sorted(totals)
    if rule == AggregationRule.median:
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2
    if rule == AggregationRule.trimmed_mean and len(ordered) >= TRIM_MINIMUM:
        return _mean(ordered[1:-1])
    return _mean(ordered)


def spread(totals: Sequence[Decimal]) -> Decimal | None:
    return max(totals) - min(totals) if totals else None


def disagreement(spread_value: Decimal | None, rubric_max_total: Decimal) -> bool:
    return spread_value is not None and spread_value > DISAGREEMENT_SHARE * rubric_max_total


def rank(scores: Mapping[K, Decimal | None]) -> dict[K, int | None]:
    """Competition ranking by score, descending: ties share a rank and the next rank skips
    (1, 2, 2, 4). Keys without a score have no rank."""
    ordered = sorted((v for v in scores.values() if v is not None), reverse=True)
    first_position: dict[Decimal, int] = {}
    for position, value in enumerate(ordered, start=1):
        first_position.setdefault(value, position)
    return {k: None if v is None else first_position[v] for k, v in scores.items()}


def display(value: Decimal | None) -> Decimal | None:
    """Two decimals, half up — for showing only; ranks and flags use the exact value."""
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)
