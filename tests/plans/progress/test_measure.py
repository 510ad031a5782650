"""Tests of the Open SDG 2.4 progress measure (eco311.plans.progress.measure).

Expected values are computed from the formulas of sdg-build's sdg/ProgressMeasure.py
(open-sdg/sdg-build, commit 139fede74ba534d2ed8b9eee4cd878b41f54cb67) wherever possible.
"""

import csv
import io
import math
from datetime import date

import pytest

from eco311.plans.progress.measure import (
    DEFAULT,
    STATUSES,
    MeasureConfig,
    MeasureResult,
    Series,
    indicator_progress,
    indicator_score,
    indicator_status,
    limit_coefficient,
    measure,
    measure_observations,
    period_to_year,
    score_for_value,
    status_for_value,
    status_from_score,
)

INTERPOLATED = MeasureConfig(score_lines="interpolated")


def cagr(current, base, t, t0):
    return (current / base) ** (1 / (t - t0)) - 1


def coeff(base, limit, a=4.44):
    """Limit coefficient as written in sdg-build's get_progress_thresholds."""
    b, lim = abs(base), abs(limit)
    if b >= 2 * lim:
        return 1.0
    if b <= lim:
        return 1 - (b / lim) ** a
    return 1 - ((2 * lim - b) / lim) ** a


# ---------------------------------------------------------------------------------------------
# open-sdg tests/features/ProgressStatus.feature (open-sdg/open-sdg, added in 7af4670e and
# fixed in 11426863). Its test site data: tests/data/indicator-config/1-1-1.yml, 1-5-3.yml,
# 1-5-4.yml and tests/data/data/indicator_1-5-3.csv, indicator_1-5-4.csv. The page labels come
# from open-sdg/sdg-translations translations/en/status.yml:
#   target_achieved -> "Target achieved", substantial_progress -> "On track",
#   deterioration -> "Deterioration".

INDICATOR_1_5_3_CSV = """Year,Units,Group1,Group2,Value
2015,Total,A,X,1
2015,Total,B,Y,2
2016,Total,A,X,3
2016,Total,B,Y,4
2015,Percent,A,X,10
2015,Percent,B,Y,20
2016,Percent,A,X,30
2016,Percent,B,Y,40
"""

INDICATOR_1_5_4_CSV = """Year,Units,Group1,Group2,Value
2015,Total,A,X,1
2015,Total,B,Y,2
2015,Total,single disaggregation,,5
2016,Total,A,X,3
2016,Total,B,Y,4
2016,Total,single disaggregation,,6
2015,Percent,A,X,10
2015,Percent,B,Y,20
2015,Percent,single disaggregation,,7
2016,Percent,A,X,30
2016,Percent,B,Y,40
2016,Percent,single disaggregation,,8
"""

LABELS = {
    "target_achieved": "Target achieved",
    "substantial_progress": "On track",
    "deterioration": "Deterioration",
}


def select(csv_text, **wanted):
    """Rows of the series selected by progress_calculation_options (unit + disaggregation)."""
    rows = csv.DictReader(io.StringIO(csv_text))
    return [
        (float(r["Year"]), float(r["Value"]))
        for r in rows
        if all(r[k] == v for k, v in wanted.items())
    ]


def test_feature_scenario_goal_page_shows_target_achieved_from_the_manual_status():
    # Scenario "Progress status appears on goal pages": /1 lists 1-1-1, whose config has no
    # auto_progress_calculation and "progress_status: target_achieved". sdg-build shows the
    # manual status (with no score) when the automatic calculation is off.
    score, status = indicator_progress([], auto=False, manual_status="target_achieved")
    assert (score, LABELS[status]) == (None, "Target achieved")


def test_feature_scenario_1_5_3_is_deterioration():
    # progress_calculation_options: direction negative, base_year 2015, Group1 A, Group2 X,
    # limit 1, target 1, target_year 2030, unit Percent.
    obs = select(INDICATOR_1_5_3_CSV, Units="Percent", Group1="A", Group2="X")
    assert obs == [(2015.0, 10.0), (2016.0, 30.0)]
    r = measure_observations(obs, 1, 2030, -1, 1, base_year=2015)
    # The value tripled while it should fall to 1 by 2030: P = s*d*CAGR_o/|CAGR_r|.
    expected = 1 * -1 * cagr(30, 10, 2016, 2015) / abs(cagr(1, 10, 2030, 2015))
    assert r.progress_value == pytest.approx(expected)
    assert expected < -0.6  # beyond the score floor
    assert r.status == "deterioration" and r.score == -5
    assert "limit_ignored_with_target" in r.warnings  # a target makes sdg-build ignore limits
    assert LABELS[indicator_progress([r])[1]] == "Deterioration"


def test_feature_scenario_1_5_4_is_on_track():
    # progress_calculation_options: direction positive, base_year 2015, Group1 "single
    # disaggregation", limit 9, target 9, target_year 2030, unit Total.
    obs = select(INDICATOR_1_5_4_CSV, Units="Total", Group1="single disaggregation")
    assert obs == [(2015.0, 5.0), (2016.0, 6.0)]
    r = measure_observations(obs, 9, 2030, 1, 9, base_year=2015)
    expected = cagr(6, 5, 2016, 2015) / abs(cagr(9, 5, 2030, 2015))
    assert r.progress_value == pytest.approx(expected)
    assert expected > 1.3  # beyond the score cap
    assert r.status == "substantial_progress" and r.score == 5
    assert LABELS[indicator_progress([r])[1]] == "On track"


# ---------------------------------------------------------------------------------------------
# Cross-check with real sdg-build 2.4.0 output: indicator_calculation_components.yml of
# sdg-data-canada-odd-donnees/cif-data-donnees-cic (commit bb7a432b) and
# sdg-data-canada-odd-donnees/sdg-data-donnees-odd (commit f89e601d), which build with
# sdg-build@2.4.0. Scores differ below 1e-4 because sdg-build rounds its slopes (7.1429...).

SDG_BUILD_OUTPUT = [
    # (base_year, base, current_year, current, target, target_year, direction, limit,
    #  progress_value, score, status)
    ("cif 1-1-1", 2015, 14.5, 2023, 10.4, 7.25, 2030, -1, None,
     0.9010899546976208, 2.1506954374096354, "moderate_progress"),
    ("cif 1-2-1", 2016, 66.6, 2023, 71.4, None, 2030, 1, 100,
     0.009991483690946268, 1.739752850099936, "moderate_progress"),
    ("cif 10-2-1", 2015, 3.8, 2024, 11.9, None, 2030, -1, None,
     -0.1352325064900486, -5.0, "deterioration"),
    ("cif 11-5-1", 2016, 19.3, 2021, 13.9, 22.0, 2030, 1, None,
     -6.76154243963871, -5.0, "deterioration"),
    ("cif 12-1-1", 2015, 0.37, 2025, 9.53, 60.0, 2030, 1, None,
     0.9504069883014249, 2.502962076738248, "substantial_progress"),
    ("cif 15-1-1", 2015, 79.82, 2020, 80.0, None, 2030, 1, 100,
     0.0004506085041826591, -2.1437311547039553, "limited_progress"),
    ("cif 15-4-1", 2015, 10.1, 2023, 13.7, 30.0, 2030, 1, None,
     0.5160064971944834, -0.34995572813974585, "limited_progress"),
    ("cif 15-5-1", 2015, 70.0, 2023, 55.0, 100.0, 2030, -1, None,
     1.2340549664701979, 5.0, "target_achieved"),
    ("cif 16-1-1", 2021, 79.0, 2022, 79.0, None, 2030, 1, 100,
     0.0, -2.5, "limited_progress"),
    ("cif 16-6-1", 2015, 87.93, 2023, 77.78, None, 2030, -1, None,
     0.015215151249107883, 2.6075756245539417, "substantial_progress"),
    ("cif 3-2-1", 2019, 13.2, 2019, 13.2, 10.0, 2025, -1, None,
     None, None, "not_available"),
    ("gif 1-4-1 clean fuels", 2015, 100.0, 2023, 100.0, 100.0, 2030, 1, None,
     None, 5.0, "target_achieved"),
    ("gif 1-4-1 HSPA", 2016, 99.47, 2024, 99.5, None, 2030, 1, 100,
     3.769483546056662e-05, -1.6917364186249069, "limited_progress"),
]  # fmt: skip


@pytest.mark.parametrize("row", SDG_BUILD_OUTPUT, ids=[r[0] for r in SDG_BUILD_OUTPUT])
def test_it_matches_sdg_build_output(row):
    _, t0, y0, t, y, target, ty, d, limit, pv, score, status = row
    r = measure(Series(t0, y0, t, y, target, ty if target is not None else None, d, limit))
    assert r.status == status
    if pv is None:
        assert r.progress_value is None
    else:
        assert r.progress_value == pytest.approx(pv, rel=1e-12, abs=1e-15)
    if score is None:
        assert r.score is None
    else:
        assert r.score == pytest.approx(score, rel=0, abs=1e-9)


def test_it_matches_the_sdg_build_indicator_mean_of_cif_11_7_1():
    # Two series, both with limit 100; sdg-build: score -3.777194091390002, deterioration.
    results = [
        measure(Series(2015, 83.8, 2022, 77.7, direction=1, limit=100)),
        measure(Series(2015, 66.7, 2024, 61.1, direction=1, limit=100)),
    ]
    assert indicator_score(results) == pytest.approx(-3.777194091390002, rel=0, abs=1e-9)
    assert indicator_status(results) == "deterioration"


# ---------------------------------------------------------------------------------------------
# Years


def test_it_puts_a_year_end_on_the_next_whole_year():
    assert period_to_year(date(2024, 12, 31)) == 2025.0
    assert period_to_year(date(2023, 12, 31)) == 2024.0


def test_it_gives_quarter_and_month_ends_fractional_years():
    assert period_to_year(date(2024, 6, 30)) == 2024 + 182 / 366  # leap year
    assert period_to_year(date(2025, 3, 31)) == 2025 + 90 / 365
    assert period_to_year(date(2025, 1, 31)) == 2025 + 31 / 365
    assert period_to_year(date(2025, 1, 1)) == 2025 + 1 / 365


def test_it_treats_a_datetime_as_its_date():
    from datetime import datetime

    assert period_to_year(datetime(2025, 3, 31, 18, 0)) == period_to_year(date(2025, 3, 31))


def test_it_uses_fractional_years_in_the_cagr_exponent_for_quarterly_data():
    t0, t = period_to_year(date(2023, 3, 31)), period_to_year(date(2025, 9, 30))
    r = measure(Series(t0, 100.0, t, 110.0, direction=1))
    g = (110 / 100) ** (1 / (t - t0)) - 1
    assert r.cagr == pytest.approx(g)
    assert r.progress_value == pytest.approx(g)
    assert t - t0 == pytest.approx(2.5, abs=0.01)


def test_it_uses_fractional_years_for_monthly_observations():
    months = [date(2024, m, 28) for m in range(1, 13)] + [date(2025, m, 28) for m in (1, 2, 3)]
    obs = [(period_to_year(d), 50 + i) for i, d in enumerate(months)]
    r = measure_observations(obs, 80, period_to_year(date(2027, 12, 31)))
    (t0, y0), (t, y) = obs[0], obs[-1]
    ty = 2028.0
    expected = cagr(y, y0, t, t0) / abs(cagr(80, y0, ty, t0))
    assert r.progress_value == pytest.approx(expected)
    assert r.base_year == t0 and r.current_year == t


def test_it_needs_a_year_between_base_and_current_like_sdg_build():
    t0, t = period_to_year(date(2024, 3, 31)), period_to_year(date(2024, 12, 31))
    r = measure(Series(t0, 10, t, 12, direction=1))
    assert (r.status, r.reason, r.score) == ("not_available", "insufficient_data", None)
    relaxed = MeasureConfig(min_span_years=0.5)
    assert measure(Series(t0, 10, t, 12, direction=1), relaxed).status != "not_available"


# ---------------------------------------------------------------------------------------------
# Missing and unusable data


def test_it_is_not_available_without_a_current_value():
    r = measure(Series(2015, 10, None, None))
    assert (r.status, r.score, r.progress_value, r.reason) == (
        "not_available",
        None,
        None,
        "no_data",
    )


def test_it_is_not_available_with_a_single_point():
    r = measure_observations([(2020, 5.0)])
    assert (r.status, r.score, r.reason) == ("not_available", None, "insufficient_data")


def test_it_is_not_available_without_a_base_point():
    r = measure(Series(None, None, 2020, 5.0))
    assert (r.status, r.reason) == ("not_available", "no_base")


def test_it_is_not_available_when_the_base_year_is_after_the_current_year():
    r = measure(Series(2021, 5.0, 2020, 6.0))
    assert (r.status, r.reason) == ("not_available", "base_after_current")


def test_it_is_not_available_when_no_data_exists_from_the_base_year_on():
    r = measure_observations([(2012, 5.0), (2013, 6.0)], base_year=2015)
    assert r.status == "not_available"


def test_it_is_not_available_when_base_and_current_have_opposite_signs():
    r = measure(Series(2015, 10, 2020, -3, direction=-1))
    assert (r.status, r.score, r.progress_value, r.reason) == (
        "not_available",
        None,
        None,
        "opposite_signs",
    )
    r = measure(Series(2015, -10, 2020, 3, direction=1))
    assert r.reason == "opposite_signs"


def test_it_replaces_a_zero_base_value_with_0_001():
    r = measure(Series(2015, 0, 2020, 2, direction=1))
    assert r.base_value == 0.001 and "base_zero_replaced" in r.warnings
    assert r.progress_value == pytest.approx(cagr(2, 0.001, 2020, 2015))
    assert r.status == "substantial_progress"


def test_it_replaces_a_zero_target_with_0_001():
    r = measure(Series(2015, 10, 2020, 8, target_value=0, target_year=2030, direction=-1))
    assert r.target_value == 0.001 and "target_zero_replaced" in r.warnings
    expected = -1 * cagr(8, 10, 2020, 2015) / abs(cagr(0.001, 10, 2030, 2015))
    assert r.progress_value == pytest.approx(expected)


def test_it_keeps_a_replaced_zero_target_on_the_side_of_a_negative_base():
    r = measure(Series(2015, -10, 2020, -8, target_value=0, target_year=2030, direction=1))
    assert r.target_value == -0.001
    expected = -1 * 1 * cagr(-8, -10, 2020, 2015) / abs(cagr(-0.001, -10, 2030, 2015))
    assert r.progress_value == pytest.approx(expected)
    assert r.progress_value > 0


def test_it_reverses_the_growth_of_negative_values_with_the_sign_of_the_base():
    # From -10 to -5 with higher values desired: the ratio 0.5 shrinks (negative CAGR) but
    # the sign s = -1 of the base turns it into progress.
    r = measure(Series(2015, -10, 2020, -5, direction=1))
    assert r.sign == -1
    assert r.progress_value == pytest.approx(-1 * 1 * cagr(-5, -10, 2020, 2015))
    assert r.progress_value > 0.015 and r.status == "substantial_progress"


def test_it_is_deterioration_when_negative_values_fall_with_higher_desired():
    r = measure(Series(2015, -5, 2020, -10, direction=1))
    assert r.progress_value == pytest.approx(-1 * cagr(-10, -5, 2020, 2015))
    assert r.status == "deterioration"


def test_it_rejects_a_direction_other_than_plus_or_minus_one():
    with pytest.raises(ValueError):
        measure(Series(2015, 1, 2020, 2, direction=0))


def test_it_rejects_non_finite_values():
    with pytest.raises(ValueError):
        measure(Series(2015, math.nan, 2020, 2))


# ---------------------------------------------------------------------------------------------
# Targets


def test_it_marks_a_met_higher_is_better_target_achieved_with_score_five():
    r = measure(Series(2015, 50, 2020, 90, target_value=80, target_year=2030, direction=1))
    assert (r.status, r.score, r.target_achieved) == ("target_achieved", 5.0, True)
    # The progress value is still computed (sdg-build keeps it in its components output).
    assert r.progress_value == pytest.approx(cagr(90, 50, 2020, 2015) / cagr(80, 50, 2030, 2015))


def test_it_marks_a_met_lower_is_better_target_achieved():
    r = measure(Series(2015, 50, 2020, 30, target_value=35, target_year=2025, direction=-1))
    assert (r.status, r.score) == ("target_achieved", 5.0)


def test_it_checks_the_target_before_anything_else():
    # One data point (no trend) or opposite signs: a met target still wins, as in sdg-build.
    assert measure_observations([(2020, 100.0)], 90, 2030).status == "target_achieved"
    r = measure(Series(2015, 10, 2020, -3, target_value=-1, target_year=2030, direction=-1))
    assert (r.status, r.score, r.progress_value) == ("target_achieved", 5.0, None)


def test_it_divides_observed_by_required_growth_with_a_target():
    r = measure(Series(2015, 100, 2020, 110, target_value=150, target_year=2030, direction=1))
    req = cagr(150, 100, 2030, 2015)
    assert r.required_cagr == pytest.approx(req)
    assert r.progress_value == pytest.approx(cagr(110, 100, 2020, 2015) / req)
    assert r.method == "target"


def test_it_uses_2030_when_a_target_has_no_year():
    r = measure(Series(2015, 100, 2020, 110, target_value=150))
    assert r.target_year == 2030.0 and "default_target_year" in r.warnings
    assert r.required_cagr == pytest.approx(cagr(150, 100, 2030, 2015))


def test_it_is_deterioration_when_the_base_already_equalled_the_target_and_slipped():
    r = measure(Series(2015, 100, 2020, 98, target_value=100, target_year=2030, direction=1))
    assert (r.status, r.score, r.progress_value, r.reason) == (
        "deterioration",
        -5.0,
        None,
        "required_growth_zero",
    )


def test_it_is_not_available_when_the_target_year_is_not_after_the_base_year():
    r = measure(Series(2015, 100, 2020, 110, target_value=150, target_year=2015))
    assert (r.status, r.reason) == ("not_available", "target_year_not_after_base")


def test_it_is_not_available_when_the_target_has_the_other_sign_than_the_base():
    r = measure(Series(2015, 10, 2020, 5, target_value=-5, target_year=2030, direction=-1))
    assert (r.status, r.reason) == ("not_available", "target_opposite_sign")


def test_it_grades_lower_is_better_progress_against_the_required_decline():
    # Halve 40 by 2030; reached 30 in 2022.
    r = measure(Series(2015, 40, 2022, 30, target_value=20, target_year=2030, direction=-1))
    expected = -1 * cagr(30, 40, 2022, 2015) / abs(cagr(20, 40, 2030, 2015))
    assert r.progress_value == pytest.approx(expected)
    assert r.status == status_for_value(expected, "target")


# ---------------------------------------------------------------------------------------------
# Without a target


def test_it_uses_the_directed_cagr_without_a_target():
    r = measure(Series(2015, 100, 2020, 90, direction=-1))
    assert r.method == "no_target"
    assert r.progress_value == pytest.approx(-1 * cagr(90, 100, 2020, 2015))
    assert r.status == "substantial_progress"  # about 2.1 % a year in the desired direction


def test_it_calls_a_flat_series_limited_progress():
    r = measure(Series(2015, 100, 2020, 100))
    assert (r.progress_value, r.status, r.score) == (0.0, "limited_progress", -2.5)


# ---------------------------------------------------------------------------------------------
# Limit coefficient


@pytest.mark.parametrize(
    "base,limit",
    [(50, 100), (95, 100), (100, 100), (150, 100), (199, 100), (200, 100), (250, 100), (0, 0),
     (-95, -100), (30, 0)],
)  # fmt: skip
def test_it_computes_the_limit_coefficient_like_sdg_build(base, limit):
    assert limit_coefficient(base, limit) == pytest.approx(coeff(base, limit))


def test_the_limit_coefficient_is_zero_at_the_limit_and_symmetric_around_it():
    assert limit_coefficient(100, 100) == 0
    assert limit_coefficient(90, 100) == pytest.approx(limit_coefficient(110, 100))
    assert limit_coefficient(0, 100) == 1 and limit_coefficient(200, 100) == 1


def test_a_limit_lowers_the_no_target_thresholds():
    # 1 % a year is only moderate progress far from a limit ...
    far = measure(Series(2015, 50, 2020, 50 * 1.01**5, direction=1))
    assert far.status == "moderate_progress"
    # ... but substantial when the base value is near a natural maximum of 100.
    near = measure(Series(2015, 95, 2020, 95 * 1.01**5, direction=1, limit=100))
    c = coeff(95, 100)
    assert near.coefficient == pytest.approx(c)
    assert near.progress_value == pytest.approx(0.01)
    assert 0.01 >= 0.015 * c and near.status == "substantial_progress"
    # Score uses the progress value normalised by C: 500 * P / C - 5 (sdg-build), capped at 5.
    assert near.score == pytest.approx(min(500 * 0.01 / c - 5, 5))


def test_a_base_value_at_the_limit_scores_five_for_holding_it():
    r = measure(Series(2015, 100, 2020, 100, direction=1, limit=100))
    assert r.coefficient == 0
    assert (r.status, r.score) == ("substantial_progress", 5.0)


def test_a_base_value_at_the_limit_still_deteriorates_when_falling():
    r = measure(Series(2015, 100, 2020, 99, direction=1, limit=100))
    p = cagr(99, 100, 2020, 2015)
    assert r.status == "deterioration"
    assert r.score == pytest.approx(max(125 * p - 2.5, -5))


def test_a_limit_is_ignored_when_there_is_a_target():
    with_limit = measure(Series(2015, 95, 2020, 97, 99, 2030, 1, limit=100))
    without = measure(Series(2015, 95, 2020, 97, 99, 2030, 1))
    assert with_limit.progress_value == without.progress_value
    assert with_limit.coefficient is None and "limit_ignored_with_target" in with_limit.warnings


def test_it_warns_when_the_base_value_is_beyond_the_limit():
    r = measure(Series(2015, 101, 2020, 100, direction=1, limit=100))
    assert "base_beyond_limit" in r.warnings
    r = measure(Series(2015, 1, 2020, 2, direction=-1, limit=3))
    assert "base_beyond_limit" in r.warnings


# ---------------------------------------------------------------------------------------------
# Thresholds and their boundaries


@pytest.mark.parametrize(
    "value,status",
    [
        (0.015, "substantial_progress"),
        (math.nextafter(0.015, 0), "moderate_progress"),
        (0.005, "moderate_progress"),
        (math.nextafter(0.005, 0), "limited_progress"),
        (0.0, "limited_progress"),
        (-1e-12, "deterioration"),
    ],
)
def test_each_no_target_threshold_includes_its_lower_boundary(value, status):
    assert status_for_value(value, "no_target") == status


@pytest.mark.parametrize(
    "value,status",
    [
        (0.95, "substantial_progress"),
        (math.nextafter(0.95, 0), "moderate_progress"),
        (0.60, "moderate_progress"),
        (math.nextafter(0.60, 0), "limited_progress"),
        (0.0, "limited_progress"),
        (-1e-12, "deterioration"),
    ],
)
def test_each_target_threshold_includes_its_lower_boundary(value, status):
    assert status_for_value(value, "target") == status


def test_the_thresholds_scale_with_the_limit_coefficient():
    c = 0.5
    assert status_for_value(0.0075, "no_target", c) == "substantial_progress"
    assert status_for_value(0.0025, "no_target", c) == "moderate_progress"
    assert status_for_value(0.0, "no_target", c) == "limited_progress"


def test_thresholds_are_configuration():
    strict = MeasureConfig(target_high=1.0, target_med=0.8)
    assert status_for_value(0.95, "target") == "substantial_progress"
    assert status_for_value(0.95, "target", config=strict) == "moderate_progress"
    one_percent = Series(2015, 100, 2020, 100 * 1.01**5)
    assert measure(one_percent).status == "moderate_progress"
    assert measure(one_percent, MeasureConfig(no_target_high=0.009)).status == (
        "substantial_progress"
    )
    with pytest.raises(ValueError):
        MeasureConfig(no_target_med=0.02)  # med above high


def test_measure_at_a_real_boundary_is_consistent_with_the_thresholds():
    # A series growing exactly at the required pace has R = 1: substantial progress.
    base, target = 100.0, 200.0
    g = cagr(target, base, 2030, 2015)
    r = measure(Series(2015, base, 2020, base * (1 + g) ** 5, target, 2030, 1))
    assert r.progress_value == pytest.approx(1.0)
    assert r.status == "substantial_progress"


# ---------------------------------------------------------------------------------------------
# Scores


@pytest.mark.parametrize(
    "value,score",
    [(-0.05, -5), (-0.02, -5), (-0.01, -3.75), (0.0, -2.5), (0.0025, -1.25), (0.005, 0),
     (0.01, 1.25), (0.015, 2.5), (0.0175, 3.75), (0.02, 5), (0.5, 5)],
)  # fmt: skip
def test_the_no_target_score_is_linear_between_the_thresholds(value, score):
    assert score_for_value(value, "no_target", config=INTERPOLATED) == pytest.approx(score)
    assert score_for_value(value, "no_target") == pytest.approx(score)


@pytest.mark.parametrize(
    "value,score",
    [(-2, -5), (-0.6, -5), (-0.3, -3.75), (0.0, -2.5), (0.3, -1.25), (0.6, 0), (0.95, 2.5),
     (1.3, 5), (4, 5)],
)  # fmt: skip
def test_the_target_score_is_linear_between_the_thresholds(value, score):
    assert score_for_value(value, "target", config=INTERPOLATED) == pytest.approx(score)
    # sdg-build's rounded lines stay within 1e-4 of the exact ones.
    assert score_for_value(value, "target") == pytest.approx(score, abs=1e-4)


@pytest.mark.parametrize("p", [-0.7, -0.3, 0.0, 0.2, 0.59, 0.6, 0.8, 0.95, 1.1, 1.29, 2.0])
def test_the_target_score_matches_sdg_build_rounded_lines(p):
    # sdg-build get_score, method 2, with the constants of its source.
    if p >= 0.6:
        expected = min(7.1429 * p - 4.2857, 5)
    else:
        expected = max(4.1667 * p - 2.5, -5)
    assert score_for_value(p, "target") == pytest.approx(expected, rel=0, abs=1e-12)
    assert score_for_value(p, "target", config=INTERPOLATED) == pytest.approx(expected, abs=2e-4)


def test_it_rejects_unknown_score_lines():
    with pytest.raises(ValueError, match="score_lines"):
        MeasureConfig(score_lines="rounded")


@pytest.mark.parametrize("p", [-0.03, -0.01, 0.0, 0.002, 0.005, 0.01, 0.015, 0.018, 0.03])
@pytest.mark.parametrize("c", [1.0, 0.6, 0.1])
def test_the_no_target_score_matches_sdg_build_lines(p, c):
    # sdg-build get_score, method 1, with thresholds already reduced by C.
    if p < 0:
        expected = max(125 * p - 2.5, -5)
    elif p >= 0.015 * c:
        expected = min(500 * p / c - 5, 5)
    elif p >= 0.005 * c:
        expected = 250 * p / c - 1.25
    else:
        expected = 500 * p / c - 2.5
    assert score_for_value(p, "no_target", c) == pytest.approx(expected)


def test_a_met_target_scores_five_and_unknown_progress_scores_nothing():
    assert score_for_value(None, "target", target_achieved=True) == 5
    assert score_for_value(-3.0, "target", target_achieved=True) == 5
    assert score_for_value(None, "target") is None


def test_the_score_agrees_with_the_status_of_each_series():
    for pv in [-1, -0.5, -0.1, 0, 0.3, 0.6, 0.7, 0.95, 1.2, 3]:
        r_status = status_for_value(pv, "target")
        assert status_from_score(score_for_value(pv, "target")) == r_status


@pytest.mark.parametrize(
    "score,status",
    [(5, "substantial_progress"), (2.5, "substantial_progress"),
     (math.nextafter(2.5, 0), "moderate_progress"), (0, "moderate_progress"),
     (-1e-9, "limited_progress"), (-2.5, "limited_progress"),
     (math.nextafter(-2.5, -3), "deterioration"), (-5, "deterioration"),
     (None, "not_available")],
)  # fmt: skip
def test_it_maps_scores_to_statuses_in_quarters(score, status):
    assert status_from_score(score) == status


# ---------------------------------------------------------------------------------------------
# Indicators


def r(score, achieved=False):
    status = "target_achieved" if achieved else status_from_score(score)
    return MeasureResult(status, score, None, target_achieved=achieved)


def test_the_indicator_score_is_the_mean_of_available_series_scores():
    results = [r(5.0, True), r(-1.0), r(None), r(2.0)]
    assert indicator_score(results) == pytest.approx((5 - 1 + 2) / 3)
    assert indicator_status(results) == "moderate_progress"


def test_the_indicator_score_is_none_without_any_series_score():
    assert indicator_score([r(None), r(None)]) is None
    assert indicator_score([]) is None
    assert indicator_status([r(None)]) == "not_available"


def test_an_indicator_is_target_achieved_only_when_every_scored_series_is():
    assert indicator_status([r(5.0, True), r(5.0, True), r(None)]) == "target_achieved"
    assert indicator_status([r(5.0, True), r(4.0)]) == "substantial_progress"


def test_the_automatic_calculation_ignores_a_manual_status():
    score, status = indicator_progress([r(-3.0)], auto=True, manual_status="target_achieved")
    assert (score, status) == (-3.0, "deterioration")
    assert indicator_progress([], auto=False) == (None, "not_available")


# ---------------------------------------------------------------------------------------------
# measure_observations


def test_it_takes_the_latest_observation_as_current_and_the_first_as_base():
    got = measure_observations([(2022, 12.0), (2020, 10.0), (2021, None), (2021.5, 11.0)])
    assert (got.base_year, got.base_value, got.current_year, got.current_value) == (
        2020,
        10.0,
        2022,
        12.0,
    )


def test_it_uses_a_given_base_point():
    got = measure_observations([(2020, 10.0), (2022, 12.0)], base=(2018, 8.0))
    assert (got.base_year, got.base_value) == (2018, 8.0)
    assert got.progress_value == pytest.approx(cagr(12, 8, 2022, 2018))


def test_it_takes_the_next_available_year_when_the_base_year_has_no_data():
    obs = [(2014, 1.0), (2016, 2.0), (2019, 3.0)]
    assert measure_observations(obs, base_year=2015).base_year == 2016
    assert measure_observations(obs, base_year=2014).base_year == 2014


def test_it_refuses_two_observations_for_the_same_year():
    with pytest.raises(ValueError):
        measure_observations([(2020, 1.0), (2020, 2.0)])


def test_it_is_not_available_without_observations():
    assert measure_observations([]).status == "not_available"


def test_every_result_status_is_a_known_status():
    cases = [
        Series(2015, 10, 2020, 12),
        Series(2015, 10, 2020, 8),
        Series(None, None, None, None),
        Series(2015, 10, 2020, 12, 11, 2030),
    ]
    assert {measure(s).status for s in cases} <= set(STATUSES)
    assert DEFAULT == MeasureConfig()
