"""Denominate, impute, screen and transform (eco311.ranking.engine.steps), checked by hand."""

import math

import numpy as np
import pytest

from eco311.ranking.engine.methodology import Transform
from eco311.ranking.engine.steps import (
    availability,
    denominate,
    impute,
    screen,
    transform,
)
from eco311.ranking.engine.table import DomainError

nan = math.nan


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-15, equal_nan=True)


def test_denominate_divides_by_the_named_column_and_scale():
    values = np.array([[10.0, 5.0], [30.0, 7.0]])
    staff = np.array([2.0, 3.0])
    out = denominate(values, [staff, None], [1.0, 1.0])
    close(out, [[5, 5], [10, 7]])
    per_10k = denominate(values, [staff, None], [10_000.0, 1.0])
    close(per_10k[:, 0], [50_000, 100_000])
    assert values[0, 0] == 10, "the input is not modified"


def test_a_missing_or_zero_denominator_gives_a_missing_value():
    values = np.array([[10.0], [30.0], [4.0]])
    close(denominate(values, [np.array([0.0, nan, 2.0])], [1.0]), [[nan], [nan], [2]])


def test_impute_by_column_mean_and_median():
    values = np.array([[1.0, nan], [2.0, 5.0], [nan, 6.0], [9.0, 10.0]])
    close(impute(values, "mean"), [[1, 7], [2, 5], [4, 6], [9, 10]])
    close(impute(values, "median"), [[1, 6], [2, 5], [2, 6], [9, 10]])


def test_impute_by_group_uses_only_the_units_of_the_same_group():
    values = np.array([[1.0], [3.0], [nan], [10.0], [nan], [nan], [nan]])
    groups = ["a", "a", "a", "b", "b", "c", None]
    # group c has no value to impute from; the unit without a group is left alone
    close(impute(values, "group_mean", groups), [[1], [3], [2], [10], [10], [nan], [nan]])
    close(impute(values, "group_median", groups), [[1], [3], [2], [10], [10], [nan], [nan]])


def test_group_median_of_an_odd_group():
    values = np.array([[1.0], [2.0], [9.0], [nan]])
    close(impute(values, "group_median", ["a"] * 4)[:, 0], [1, 2, 9, 2])


def test_screening_keeps_units_at_or_above_the_threshold():
    values = np.array([[1.0, 2.0, 3.0], [1.0, nan, 3.0], [nan, nan, 3.0]])
    close(availability(values), [1, 2 / 3, 1 / 3])
    assert screen(values, 2 / 3).tolist() == [True, True, False]
    assert screen(values, 0.9).tolist() == [True, False, False]
    assert screen(values, 0).tolist() == [True, True, True]


def test_caps_clip_and_log_follows_them():
    values = np.array([[-5.0, 1.0], [50.0, math.e - 1], [500.0, nan]])
    specs = [Transform(cap=(0, 100)), Transform(log=True, log_offset=1)]
    close(transform(values, specs), [[0, math.log(2)], [50, 1], [100, nan]])


def test_a_one_sided_cap():
    out = transform(np.array([[-5.0], [500.0]]), [Transform(cap=(None, 100))])
    close(out, [[-5], [100]])


def test_the_log_of_a_value_at_or_below_zero_is_refused():
    values = np.array([[1.0, 2.0], [3.0, -1.0]])
    with pytest.raises(DomainError, match="needs x \\+ log_offset above 0; got -1 \\+ 0") as exc:
        transform(values, [Transform(), Transform(log=True)])
    assert (exc.value.row, exc.value.column) == (1, 1)
