"""Outlier treatment (eco311.ranking.engine.treat) against Excel and COINr's rules."""

import math
import statistics

import numpy as np
import pytest

from eco311.ranking.engine.treat import kurtosis, log_ct, passes, skew, treat_column, winsorise

# The example of Microsoft's help pages for SKEW and KURT, with the values Excel prints.
EXCEL_DATA = [3, 4, 5, 2, 3, 4, 5, 6, 4, 7]
EXCEL_SKEW = 0.359543
EXCEL_KURT = -0.151799637

DEFAULTS = {"skew_threshold": 2.0, "kurtosis_threshold": 3.5}


def excel_skew(x):
    """SKEW as Excel documents it: n / ((n-1)(n-2)) * sum(((x - mean) / s)^3)."""
    n, m, s = len(x), statistics.fmean(x), statistics.stdev(x)
    return n / ((n - 1) * (n - 2)) * sum(((v - m) / s) ** 3 for v in x)


def excel_kurt(x):
    """KURT as Excel documents it."""
    n, m, s = len(x), statistics.fmean(x), statistics.stdev(x)
    head = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * sum(((v - m) / s) ** 4 for v in x)
    return head - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))


def test_skew_and_kurtosis_match_excels_documented_example():
    x = np.array(EXCEL_DATA, dtype=float)
    assert skew(x) == pytest.approx(EXCEL_SKEW, abs=1e-6)
    assert kurtosis(x) == pytest.approx(EXCEL_KURT, abs=1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_skew_and_kurtosis_match_excels_formulas(seed):
    x = np.random.default_rng(seed).lognormal(size=37)
    assert skew(x) == pytest.approx(excel_skew(list(x)), rel=1e-12)
    assert kurtosis(x) == pytest.approx(excel_kurt(list(x)), rel=1e-12)


def test_missing_values_are_ignored():
    x = np.array([*EXCEL_DATA, np.nan], dtype=float)
    assert skew(x) == pytest.approx(EXCEL_SKEW, abs=1e-6)
    assert kurtosis(x) == pytest.approx(EXCEL_KURT, abs=1e-9)


def test_skew_needs_three_values_and_kurtosis_four():
    assert math.isnan(skew(np.array([1.0, 2.0])))
    assert skew(np.array([1.0, 2.0, 3.0])) == 0
    assert math.isnan(kurtosis(np.array([1.0, 2.0, 3.0])))


def test_an_indicator_fails_only_when_both_skew_and_kurtosis_are_high():
    outlier = np.array([*range(1, 21), 1000], dtype=float)  # skew 4.6, kurtosis 21
    assert passes(outlier, **DEFAULTS) is False
    assert passes(outlier, skew_threshold=5, kurtosis_threshold=3.5) is True
    assert passes(outlier, skew_threshold=2, kurtosis_threshold=22) is True
    assert passes(np.array([1.0, 1, 1, 1]), **DEFAULTS) is None


def test_a_single_high_outlier_takes_the_next_highest_value():
    x = np.array([*range(1, 21), 1000], dtype=float)
    treated, record = treat_column(x, **DEFAULTS, max_points=5, fallback="log_ct")
    assert treated.tolist() == [*range(1, 21), 20]
    assert record.outcome == "winsorised"
    assert record.changed == (20,)
    assert x[-1] == 1000, "the input is not modified"


def test_negative_skew_winsorises_the_lowest_value():
    x = np.array([-1000, *range(1, 21)], dtype=float)
    treated, record = treat_column(x, **DEFAULTS, max_points=5, fallback="log_ct")
    assert treated.tolist() == [1, *range(1, 21)]
    assert record.changed == (0,)


def test_tied_extremes_are_winsorised_together_and_count_as_several_points():
    # COINr replaces every copy of the maximum at once; the count then exceeds the budget,
    # which ends winsorisation (here after one round that fixed the indicator).
    x = np.array([*range(1, 21), 1000, 1000, 1000], dtype=float)
    treated, record = treat_column(x, **DEFAULTS, max_points=2, fallback="log_ct")
    assert treated.tolist() == [*range(1, 21), 20, 20, 20]
    assert record.outcome == "winsorised"


def test_log_ct_is_applied_to_the_original_values_when_winsorising_is_not_enough():
    # One point allowed: 1000 -> 100 leaves 1..20, 100, 100, which still fails.
    x = np.array([*range(1, 21), 100, 1000], dtype=float)
    once = winsorise(x, 1, **DEFAULTS)
    assert once.tolist() == [*range(1, 21), 100, 100]
    assert passes(once, **DEFAULTS) is False
    treated, record = treat_column(x, **DEFAULTS, max_points=1, fallback="log_ct")
    expected = [math.log(v - 1 + 0.01 * (1000 - 1)) for v in x]
    np.testing.assert_allclose(treated, expected, rtol=1e-15)
    assert record.outcome == "log_ct"
    assert record.changed == tuple(range(22))


def test_without_fallback_the_winsorised_values_are_kept_and_flagged():
    x = np.array([*range(1, 21), 100, 1000], dtype=float)
    treated, record = treat_column(x, **DEFAULTS, max_points=1, fallback="none")
    assert treated.tolist() == [*range(1, 21), 100, 100]
    assert record.outcome == "still_failing"


def test_zero_points_goes_straight_to_the_fallback():
    x = np.array([*range(1, 21), 1000], dtype=float)
    treated, record = treat_column(x, **DEFAULTS, max_points=0, fallback="log_ct")
    assert record.outcome == "log_ct"
    np.testing.assert_allclose(treated, log_ct(x))


def test_log_ct_maps_the_minimum_to_the_log_of_one_percent_of_the_range():
    x = np.array([5.0, 6.0, 15.0, np.nan])
    np.testing.assert_allclose(log_ct(x)[:3], np.log([0.1, 1.1, 10.1]), rtol=1e-15)
    assert math.isnan(log_ct(x)[3])


def test_an_indicator_that_passes_is_left_alone():
    x = np.array(EXCEL_DATA, dtype=float)
    treated, record = treat_column(x, **DEFAULTS, max_points=5, fallback="log_ct")
    assert treated is x
    assert record.outcome == "passed"
    assert record.skew == pytest.approx(EXCEL_SKEW, abs=1e-6)


def test_too_few_values_are_not_checked():
    x = np.array([1.0, 500.0, np.nan, np.nan, 2.0])
    treated, record = treat_column(x, **DEFAULTS, max_points=5, fallback="log_ct")
    assert treated is x
    assert record.outcome == "not_checked"
