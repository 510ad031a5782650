"""Normalisation and ranking (eco311.ranking.engine.normalise), on values checked by hand."""

import math

import numpy as np
import pytest

from eco311.ranking.engine.methodology import Normalise
from eco311.ranking.engine.normalise import normalise, ranks_ascending, ranks_descending

nan = math.nan
# One indicator, four units, one of them missing.
X = np.array([[1.0], [2.0], [4.0], [nan]])
UP, DOWN = np.array([1.0]), np.array([-1.0])


def spec(method="minmax", **kwargs):
    return Normalise(enabled=True, method=method, **kwargs)


def column(values, directions, s, **kwargs):
    return normalise(values, directions, s, **kwargs)[:, 0].tolist()


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-14, atol=1e-12, equal_nan=True)


def test_minmax_maps_onto_the_range():
    close(column(X, UP, spec()), [0, 100 / 3, 100, nan])
    close(column(X, UP, spec(range=(1, 11))), [1, 1 + 10 / 3, 11, nan])


def test_a_lower_is_better_indicator_is_reversed():
    close(column(X, DOWN, spec()), [100, 200 / 3, 0, nan])


def test_distance_to_max_is_coinrs_n_dist2max():
    # 1 - (max - x) / (max - min), then onto the range
    close(column(X, UP, spec("distance_to_max")), [0, 100 / 3, 100, nan])


def test_zscore_uses_the_sample_standard_deviation():
    mean, sd = 7 / 3, math.sqrt(7 / 3)  # sum of squares 42/9, over n - 1 = 2
    close(column(X, UP, spec("zscore")), [(v - mean) / sd for v in (1, 2, 4)] + [nan])
    close(
        column(X, UP, spec("zscore", mean_sd=(100, 10))),
        [100 + 10 * (v - mean) / sd for v in (1, 2, 4)] + [nan],
    )


def test_goalposts_measure_the_way_from_worst_to_best_and_truncate():
    values = np.array([[-1.0], [1.0], [4.0], [6.0]])
    posts = np.array([[0.0, 5.0]])
    close(column(values, UP, spec("goalposts"), goalposts=posts), [0, 20, 80, 100])
    close(column(values, DOWN, spec("goalposts"), goalposts=posts), [100, 80, 20, 0])
    untruncated = spec("goalposts", truncate=False)
    close(column(values, UP, untruncated, goalposts=posts), [-20, 20, 80, 120])


def test_distance_to_target_gives_full_marks_at_the_target():
    close(column(X, UP, spec("distance_to_target"), targets=np.array([3.0])), [0, 50, 100, nan])
    uncapped = spec("distance_to_target", cap_at_target=False)
    close(column(X, UP, uncapped, targets=np.array([3.0])), [0, 50, 150, nan])
    # lower is better, target 2: (max - x) / (max - target)
    close(column(X, DOWN, spec("distance_to_target"), targets=np.array([2.0])), [100, 100, 0, nan])


def test_rank_percentile_rank_and_borda_count_from_the_worst():
    values = np.array([[10.0], [30.0], [20.0], [30.0], [nan]])
    close(column(values, UP, spec("rank")), [1, 3, 2, 3, nan])
    close(column(values, DOWN, spec("rank")), [4, 1, 3, 1, nan])
    close(column(values, UP, spec("borda")), [0, 2, 1, 2, nan])
    close(column(values, UP, spec("percentile_rank")), [0, 200 / 3, 100 / 3, 200 / 3, nan])


def test_a_disabled_step_only_applies_directions():
    off = Normalise(enabled=False, method="minmax")
    close(column(X, DOWN, off), [-1, -2, -4, nan])


def test_columns_are_normalised_independently():
    values = np.array([[1.0, 10.0], [3.0, 0.0]])
    close(normalise(values, np.array([1.0, -1.0]), spec()), [[0, 0], [100, 100]])


def test_a_constant_indicator_cannot_be_minmax_normalised():
    with np.errstate(invalid="ignore"):
        assert np.isnan(normalise(np.array([[2.0], [2.0]]), UP, spec())).all()


def test_ranks_use_ties_min():
    values = np.array([5.0, 7.0, 7.0, 1.0, nan])
    close(ranks_descending(values), [3, 1, 1, 4, nan])
    close(ranks_ascending(values), [2, 3, 3, 1, nan])


@pytest.mark.parametrize("method", ["minmax", "zscore", "rank", "percentile_rank", "borda"])
def test_every_method_keeps_the_order_of_the_units(method):
    values = np.random.default_rng(5).normal(size=(30, 1))
    out = normalise(values, UP, spec(method))[:, 0]
    assert (np.argsort(out, kind="stable") == np.argsort(values[:, 0], kind="stable")).all()
