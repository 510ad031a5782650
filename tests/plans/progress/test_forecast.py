"""Tests of eco311.plans.progress.forecast."""

import math
from datetime import date, timedelta

import pytest

from eco311.plans.progress.forecast import (
    Forecast,
    forecast_cagr,
    forecast_linear,
    recency_weights,
    year_to_date,
)
from eco311.plans.progress.measure import period_to_year


def wls(points, ratio=2.0):
    """Reference weighted least squares via the normal equations (uncentred)."""
    t0, tn = points[0][0], points[-1][0]
    w = [1 + (ratio - 1) * (t - t0) / (tn - t0) for t, _ in points]
    s = sum(w)
    st = sum(wi * t for wi, (t, _) in zip(w, points, strict=True))
    sv = sum(wi * v for wi, (_, v) in zip(w, points, strict=True))
    stt = sum(wi * t * t for wi, (t, _) in zip(w, points, strict=True))
    stv = sum(wi * t * v for wi, (t, v) in zip(w, points, strict=True))
    b = (s * stv - st * sv) / (s * stt - st * st)
    a = (sv - b * st) / s
    return a, b


# ---------------------------------------------------------------------------------------------
# year_to_date


def test_year_to_date_inverts_period_to_year_for_every_day_of_several_years():
    d = date(2023, 1, 1)
    while d <= date(2025, 12, 31):
        assert year_to_date(period_to_year(d)) == d
        d += timedelta(days=1)


def test_year_to_date_puts_a_whole_year_at_the_end_of_the_previous_december():
    assert year_to_date(2026.0) == date(2025, 12, 31)


def test_year_to_date_finds_the_day_containing_a_fractional_year():
    # 0.3 of 2025 is 109.5 days in: during the 110th day, 20 April.
    assert year_to_date(2025.3) == date(2025, 4, 20)
    assert year_to_date(2024.5) == date(2024, 7, 1)  # 183rd of 366 days


def test_year_to_date_rejects_non_finite_years():
    with pytest.raises(ValueError):
        year_to_date(math.inf)


# ---------------------------------------------------------------------------------------------
# CAGR


def test_cagr_extrapolates_first_to_latest_growth_to_the_deadline():
    obs = [(2021.0, 100.0), (2022.0, 104.0), (2023.0, 110.0)]
    f = forecast_cagr(obs, 2026.0)
    g = (110 / 100) ** (1 / 2) - 1
    assert f.method == "cagr" and f.rate == pytest.approx(g)
    assert f.value_at_deadline == pytest.approx(110 * (1 + g) ** 3)


def test_cagr_finds_the_year_the_target_is_reached():
    obs = [(2021.0, 100.0), (2023.0, 121.0)]  # 10 % a year
    f = forecast_cagr(obs, 2030.0, target=146.41)
    assert f.reach_year == pytest.approx(2025.0)
    assert f.reach_date == date(2024, 12, 31)


def test_cagr_handles_fractional_years_from_quarterly_data():
    t0, t1 = period_to_year(date(2024, 3, 31)), period_to_year(date(2025, 9, 30))
    f = forecast_cagr([(t0, 50.0), (t1, 60.0)], 2026.0)
    g = (60 / 50) ** (1 / (t1 - t0)) - 1
    assert f.value_at_deadline == pytest.approx(60 * (1 + g) ** (2026.0 - t1))


def test_cagr_is_undefined_for_non_positive_values():
    assert forecast_cagr([(2020, 0.0), (2022, 5.0)], 2025).value_at_deadline is None
    assert forecast_cagr([(2020, -3.0), (2022, -1.0)], 2025).value_at_deadline is None
    assert forecast_cagr([(2020, 3.0), (2022, -1.0)], 2025).reach_year is None


def test_cagr_needs_two_distinct_years():
    assert forecast_cagr([(2020, 3.0)], 2025) == Forecast("cagr", None, None)
    assert forecast_cagr([], 2025).value_at_deadline is None


def test_cagr_never_reaches_a_target_it_moves_away_from():
    obs = [(2020, 100.0), (2022, 90.0)]
    assert forecast_cagr(obs, 2030, target=120).reach_year is None
    assert forecast_cagr(obs, 2030, target=80).reach_year > 2022


def test_cagr_never_reaches_a_target_from_a_flat_series_or_a_non_positive_target():
    assert forecast_cagr([(2020, 5.0), (2022, 5.0)], 2030, target=6).reach_year is None
    assert forecast_cagr([(2020, 5.0), (2022, 4.0)], 2030, target=0).reach_year is None


def test_cagr_reports_the_latest_year_when_the_target_equals_the_latest_value():
    assert forecast_cagr([(2020, 5.0), (2022, 6.0)], 2030, target=6.0).reach_year == 2022


# ---------------------------------------------------------------------------------------------
# Linear


def test_recency_weights_rise_linearly_from_one_to_two():
    assert recency_weights([2020, 2021, 2022, 2024]) == pytest.approx([1, 1.25, 1.5, 2])
    assert recency_weights([2020, 2024], ratio=3) == pytest.approx([1, 3])
    assert recency_weights([2020, 2020]) == [1.0, 1.0]


def test_linear_fit_is_exact_on_a_straight_line():
    obs = [(2020 + i * 0.25, 10 + 2 * i * 0.25) for i in range(9)]
    f = forecast_linear(obs, 2025.0, target=20)
    assert f.rate == pytest.approx(2.0)
    assert f.value_at_deadline == pytest.approx(10 + 2 * 5)
    assert f.reach_year == pytest.approx(2025.0)


def test_linear_fit_is_the_weighted_least_squares_line():
    obs = [(2020.0, 10.0), (2021.0, 14.0), (2022.0, 13.0), (2023.0, 18.0), (2024.0, 17.0)]
    a, b = wls(obs)
    f = forecast_linear(obs, 2026.0)
    assert f.rate == pytest.approx(b)
    assert f.value_at_deadline == pytest.approx(a + b * 2026)
    assert f.intercept == pytest.approx(a + b * 2024)


def test_linear_fit_weighs_recent_points_more_than_ordinary_least_squares():
    # A late acceleration: the weighted slope is steeper than the unweighted one.
    obs = [(2020.0, 10.0), (2021.0, 10.5), (2022.0, 11.0), (2023.0, 14.0), (2024.0, 17.0)]
    weighted = forecast_linear(obs, 2026.0).rate
    unweighted = forecast_linear(obs, 2026.0, recency_ratio=1.0).rate
    assert weighted > unweighted
    assert unweighted == pytest.approx(wls(obs, ratio=1.0)[1])


def test_linear_reach_year_handles_lower_is_better_targets():
    obs = [(2020.0, 50.0), (2021.0, 47.0), (2022.0, 44.0)]
    f = forecast_linear(obs, 2025.0, target=35)
    assert f.rate == pytest.approx(-3.0)
    assert f.reach_year == pytest.approx(2025.0)
    assert f.value_at_deadline == pytest.approx(35.0)


def test_linear_never_reaches_a_target_it_moves_away_from():
    obs = [(2020.0, 50.0), (2021.0, 52.0), (2022.0, 54.0)]
    assert forecast_linear(obs, 2025.0, target=40).reach_year is None
    flat = [(2020.0, 5.0), (2022.0, 5.0)]
    assert forecast_linear(flat, 2025.0, target=6).reach_year is None


def test_linear_works_with_two_points_and_negative_values():
    f = forecast_linear([(2020.0, -4.0), (2022.0, -2.0)], 2024.0, target=0.0)
    assert f.value_at_deadline == pytest.approx(0.0)
    assert f.reach_year == pytest.approx(2024.0)


def test_linear_needs_two_distinct_years():
    assert forecast_linear([(2020.0, 1.0), (2020.0, 2.0)], 2025).value_at_deadline is None
    assert forecast_linear([], 2025) == Forecast("linear", None, None)


def test_forecasts_ignore_missing_values_and_sort_by_year():
    obs = [(2022.0, 12.0), (2021.0, None), (2020.0, 10.0)]
    assert forecast_linear(obs, 2024.0).value_at_deadline == pytest.approx(14.0)
    assert forecast_cagr(obs, 2022.0).value_at_deadline == pytest.approx(12.0)


# ---------------------------------------------------------------------------------------------
# Reaching the target on the side where it is met


def test_a_line_above_a_minimum_but_falling_never_reaches_it():
    # Fitted 100.6 at the latest year and falling: crossing 100 is leaving the target.
    pts = [(2022.0, 120.0), (2023.0, 118.0), (2024.0, 109.0), (2025.0, 99.5)]
    undirected = forecast_linear(pts, 2027.0, 100.0)
    directed = forecast_linear(pts, 2027.0, 100.0, direction=1)
    assert directed.intercept > 100 and directed.rate < 0
    assert undirected.reach_year is not None  # the bare crossing
    assert directed.reach_year is None


def test_a_line_already_on_the_met_side_and_staying_reaches_it_at_the_latest_year():
    pts = [(2022.0, 90.0), (2023.0, 101.0), (2024.0, 104.0)]
    f = forecast_linear(pts, 2030.0, 95.0, direction=1)
    assert f.intercept > 95 and f.rate > 0 and f.reach_year == 2024.0


def test_a_falling_line_reaches_a_maximum_from_above():
    pts = [(2022.0, 50.0), (2023.0, 46.0), (2024.0, 42.0)]
    f = forecast_linear(pts, 2030.0, 30.0, direction=-1)
    assert f.reach_year == pytest.approx(2027.0)
    assert forecast_linear(pts, 2030.0, 60.0, direction=1).reach_year is None


def test_cagr_reach_follows_the_direction_too():
    pts = [(2022.0, 100.0), (2024.0, 121.0)]  # +10 % a year
    assert forecast_cagr(pts, 2030.0, 133.1, direction=1).reach_year == pytest.approx(2025.0)
    assert forecast_cagr(pts, 2030.0, 90.0, direction=-1).reach_year is None
    assert forecast_cagr(pts, 2030.0, 110.0, direction=1).reach_year == 2024.0


def test_an_annualised_growth_too_large_for_a_float_gives_no_cagr_forecast():
    # A thousandfold rise in two days: (1000 ** 182.5) overflows; no forecast, no crash.
    pts = [(2024.0, 1.0), (2024.0 + 2 / 366, 1000.0)]
    f = forecast_cagr(pts, 2030.0, 5000.0, direction=1)
    assert (f.value_at_deadline, f.reach_year) == (None, None)


def test_a_collapse_over_a_few_days_has_no_reach_year():
    pts = [(2024.0, 1000.0), (2024.0 + 2 / 366, 1e-300)]
    f = forecast_cagr(pts, 2030.0, 5.0, direction=1)
    assert f.reach_year is None
