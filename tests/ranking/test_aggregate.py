"""Aggregation (eco311.ranking.engine.aggregate), on values checked by hand."""

import math

import numpy as np
import pytest

from eco311.ranking.engine.aggregate import (
    aggregate,
    copeland,
    exponent,
    power_mean,
    weighted_median,
)
from eco311.ranking.engine.methodology import Aggregation
from eco311.ranking.engine.table import DomainError

nan = math.nan


def rows(*values):
    return np.array(values, dtype=float)


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-14, equal_nan=True)


def test_weighted_arithmetic_mean():
    close(power_mean(rows([10, 20], [0, 40]), np.array([1.0, 3.0]), 1), [17.5, 30])


def test_weights_are_renormalised_over_the_values_present():
    # the second unit lacks the heavy child: its score is its one value, not 10 / 4
    values = rows([10, 20, 30], [10, nan, 30], [nan, nan, nan])
    close(power_mean(values, np.array([1.0, 2.0, 1.0]), 1), [20, 20, nan])
    close(power_mean(rows([4, nan, 16]), np.array([1.0, 5.0, 1.0]), 0), [8])
    close(weighted_median(rows([1, nan, 3, 4]), np.ones(4)), [3])


def test_geometric_mean():
    close(power_mean(rows([4, 16]), np.ones(2), 0), [8])
    close(power_mean(rows([4, 16]), np.array([1.0, 3.0]), 0), [2**3.5])  # 4^(1/4) 16^(3/4)


def test_harmonic_and_generalised_means():
    harmonic = Aggregation(method="harmonic")
    close(aggregate(rows([1, 4]), np.ones(2), harmonic), [1.6])  # 2 / (1 + 1/4)
    quadratic = Aggregation(method="generalised", p=2)
    close(aggregate(rows([3, 4]), np.ones(2), quadratic), [math.sqrt(12.5)])
    cubic_weighted = Aggregation(method="generalised", p=3)
    close(aggregate(rows([1, 2]), np.array([3.0, 1.0]), cubic_weighted), [(11 / 4) ** (1 / 3)])


def test_means_refuse_values_outside_their_domain():
    with pytest.raises(DomainError, match="geometric mean needs values above 0; got 0") as exc:
        power_mean(rows([1, 2], [0, 3]), np.ones(2), 0)
    assert (exc.value.row, exc.value.column) == (1, 0)
    with pytest.raises(DomainError, match="harmonic mean needs values above 0"):
        aggregate(rows([1, -2]), np.ones(2), Aggregation(method="harmonic"))
    with pytest.raises(DomainError, match="p = 0.5 needs values of 0 or more"):
        aggregate(rows([1, -2]), np.ones(2), Aggregation(method="generalised", p=0.5))


def test_each_method_names_its_power_mean_exponent():
    assert exponent(Aggregation(method="arithmetic")) == 1
    assert exponent(Aggregation(method="geometric")) == 0
    assert exponent(Aggregation(method="harmonic")) == -1
    assert exponent(Aggregation(method="generalised", p=3)) == 3
    assert exponent(Aggregation(method="median")) is None


def test_the_arithmetic_mean_takes_any_value():
    close(power_mean(rows([-1, 3]), np.ones(2), 1), [1])


def test_weighted_median():
    equal = np.ones(4)
    close(weighted_median(rows([1, 2, 3, 4], [4, 3, 2, 1]), equal), [2.5, 2.5])
    close(weighted_median(rows([3, 1, 2]), np.ones(3)), [2])
    close(weighted_median(rows([1, 2, 3, 4]), np.array([1.0, 1, 1, 5])), [4])
    close(weighted_median(rows([1, 2]), np.array([3.0, 1.0])), [1])
    close(weighted_median(rows([1, 2, 3]), np.array([1.0, 0.0, 1.0])), [2])  # 0 weight: no vote


def test_copeland_counts_pairwise_wins_minus_losses():
    a, b, c = [3, 3], [2, 2], [1, 5]
    # A beats B on both children. Against C, A and B are higher on the first child (weight 1)
    # and C on the second (weight 2), so C wins both contests: A 1 - 1, B 0 - 2, C 2 - 0.
    close(copeland(rows(a, b, c), np.array([1.0, 2.0])), [0, -2, 2])
    # with equal weights, A-C and B-C are draws
    close(copeland(rows(a, b, c), np.ones(2)), [1, -1, 0])


def test_copeland_draws_on_equal_weights_despite_rounding():
    # 0.1 + 0.2 != 0.3 in floating point; the contest is still a draw
    values = rows([1, 1, 0], [0, 0, 1])
    close(copeland(values, np.array([0.1, 0.2, 0.3])), [0, 0])


def test_copeland_compares_only_children_both_units_have():
    values = rows([5, nan], [1, 9], [nan, 1])
    # unit 0 vs 1: child 0 only, 0 wins; 0 vs 2: nothing shared, draw; 1 vs 2: child 1, 1 wins
    close(copeland(values, np.ones(2)), [1, 0, -1])


def test_a_unit_with_no_value_gets_no_copeland_score():
    close(copeland(rows([1, 2], [nan, nan]), np.ones(2)), [0, nan])


@pytest.mark.parametrize(
    "spec",
    [
        Aggregation(method="arithmetic"),
        Aggregation(method="geometric"),
        Aggregation(method="harmonic"),
        Aggregation(method="generalised", p=0.5),
        Aggregation(method="median"),
        Aggregation(method="copeland"),
    ],
    ids=lambda s: s.method,
)
def test_equal_children_score_their_common_value_or_draw(spec):
    values = rows([7, 7, 7], [7, 7, 7])
    expected = [0, 0] if spec.method == "copeland" else [7, 7]
    close(aggregate(values, np.array([1.0, 2.0, 3.0]), spec), expected)
