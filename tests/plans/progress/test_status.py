"""Tests of the deadline-aware target status (eco311.plans.progress.status)."""

from datetime import date

import pytest

from eco311.plans.progress.forecast import forecast_cagr, forecast_linear, year_to_date
from eco311.plans.progress.measure import measure_observations, period_to_year
from eco311.plans.progress.status import (
    DEFAULT_STATUS,
    TARGET_STATUSES,
    Observation,
    StatusConfig,
    TargetSpec,
    base_point_year,
    compute_status,
    is_met,
    period_window,
)

START = date(2021, 1, 1)
DEADLINE = date(2030, 12, 31)


def numeric(**kw):
    values = dict(kind="numeric", op=">=", value=200.0, start=START, deadline=DEADLINE)
    values.update(kw)
    return TargetSpec(**values)


def yearly(*pairs):
    """Observations for year-end values: yearly((2021, 100), ...)."""
    return [Observation(date(y, 12, 31), v) for y, v in pairs]


def status_of(spec, obs, as_of, config=DEFAULT_STATUS):
    st = compute_status(spec, obs, as_of, config)
    assert st.status in TARGET_STATUSES
    return st


# ---------------------------------------------------------------------------------------------
# Comparators


def test_is_met_applies_each_comparator():
    assert is_met(numeric(op=">=", value=10), 10)
    assert not is_met(numeric(op=">", value=10), 10) and is_met(numeric(op=">", value=10), 10.1)
    assert is_met(numeric(op="<=", value=10), 10)
    assert not is_met(numeric(op="<", value=10), 10) and is_met(numeric(op="<", value=10), 9.9)
    assert is_met(numeric(op="=", value=0.3), 0.1 + 0.2)
    assert not is_met(numeric(op="=", value=100), 99)


def test_is_met_counts_an_approximate_target_within_five_percent():
    spec = numeric(op="approx", value=100.0)  # 约100 / 100左右
    assert is_met(spec, 95.0) and is_met(spec, 105.0) and is_met(spec, 100.0)
    assert not is_met(spec, 94.9)


def test_is_met_counts_overshooting_an_approximate_target_in_the_desired_direction():
    assert is_met(numeric(op="approx", value=100.0, direction=1), 130.0)
    lower = numeric(op="approx", value=100.0, direction=-1)
    assert is_met(lower, 70.0) and is_met(lower, 104.0) and not is_met(lower, 106.0)


def test_is_met_uses_the_configured_approximate_tolerance():
    spec = numeric(op="approx", value=100.0, approx_tolerance=0.1)
    assert is_met(spec, 90.0) and not is_met(spec, 89.0)
    assert is_met(numeric(op="approx", value=0.0, direction=-1), 0.04)


def test_is_met_checks_a_range_inclusively():
    spec = numeric(op="range", value=10.0, value_max=20.0)
    assert is_met(spec, 10.0) and is_met(spec, 20.0) and is_met(spec, 15.0)
    assert not is_met(spec, 9.99) and not is_met(spec, 20.01)
    assert is_met(numeric(op="range", value=None, value_max=20.0), -5.0)


def test_is_met_follows_the_direction_when_there_is_no_comparator():
    assert is_met(numeric(op=None, value=10, direction=1), 11)
    assert is_met(numeric(op=None, value=10, direction=-1), 9)
    assert not is_met(numeric(op=None, value=10, direction=-1), 11)


def test_is_met_is_false_without_a_value():
    assert not is_met(numeric(), None)
    assert not is_met(numeric(value=None), 5.0)


def test_it_rejects_unknown_comparators_and_kinds():
    with pytest.raises(ValueError):
        is_met(numeric(op="~"), 1.0)
    with pytest.raises(ValueError):
        compute_status(numeric(kind="vague"), [], date(2022, 1, 1))


def test_a_whole_base_year_is_the_figure_of_that_calendar_year():
    assert base_point_year(2020.0) == period_to_year(date(2020, 12, 31)) == 2021.0
    assert base_point_year(2020.5) == 2020.5


# ---------------------------------------------------------------------------------------------
# Numeric: no data, achieved, overdue


def test_it_reports_no_data_without_observations():
    st = status_of(numeric(), [], date(2023, 6, 1))
    assert (st.status, st.reasons, st.latest, st.met) == ("no_data", ("no_reports",), None, False)


def test_it_reports_overdue_without_observations_after_the_deadline():
    st = status_of(numeric(), [], date(2031, 2, 1))
    assert (st.status, st.reasons) == ("overdue", ("deadline_passed", "no_reports"))


def test_it_ignores_observations_after_as_of_and_without_a_value():
    obs = [Observation(date(2024, 12, 31), 250.0), Observation(date(2022, 12, 31), None)]
    assert status_of(numeric(), obs, date(2024, 6, 30)).status == "no_data"


def test_it_marks_a_met_numeric_target_achieved():
    st = status_of(numeric(), yearly((2021, 150), (2022, 210)), date(2023, 3, 1))
    assert (st.status, st.reasons, st.met) == ("achieved", ("target_met",), True)
    assert st.latest == Observation(date(2022, 12, 31), 210)


def test_it_marks_a_met_lower_is_better_target_achieved():
    spec = numeric(op="<=", value=35.0)  # e.g. PM2.5 at most 35 µg/m³
    st = status_of(spec, yearly((2021, 42), (2022, 34.5)), date(2023, 3, 1))
    assert st.status == "achieved"


def test_it_marks_a_met_target_achieved_even_after_the_deadline():
    st = status_of(numeric(), yearly((2030, 205)), date(2031, 5, 1))
    assert st.status == "achieved"


def test_it_marks_an_unmet_target_past_its_deadline_overdue():
    st = status_of(numeric(), yearly((2029, 150), (2030, 190)), date(2031, 1, 1))
    assert (st.status, st.reasons, st.met) == ("overdue", ("deadline_passed",), False)


def test_the_last_report_for_a_period_wins():
    obs = [Observation(date(2022, 12, 31), 210.0), Observation(date(2022, 12, 31), 150.0)]
    st = status_of(numeric(), obs, date(2023, 1, 10))
    assert st.latest.value == 150.0 and st.status != "achieved"


# ---------------------------------------------------------------------------------------------
# Numeric: trend


def test_it_is_on_track_when_the_forecast_reaches_the_target():
    obs = yearly((2021, 100), (2022, 112), (2023, 124), (2024, 136))  # +12 a year
    st = status_of(numeric(), obs, date(2025, 2, 1))
    fl = forecast_linear([(period_to_year(o.period_end), o.value) for o in obs], 2031.0, 200)
    assert fl.value_at_deadline == pytest.approx(136 + 12 * 6)
    assert st.forecast_linear == fl
    assert st.status == "on_track" and "forecast_reaches" in st.reasons


def test_a_forecast_that_clearly_misses_caps_a_substantial_measure_at_at_risk():
    # Issue 8 (5-3-3-a): a jump then a slight decline. The base-to-latest CAGR outpaces the
    # required one (Open SDG: substantial progress) but the weighted line misses the target
    # by far; the badge must not say on track beside "the forecast clearly misses".
    obs = yearly((2021, 100), (2022, 140), (2023, 139), (2024, 138), (2025, 137))
    pts = [(period_to_year(o.period_end), o.value) for o in obs]
    m = measure_observations(pts, 200, 2031.0)
    fl = forecast_linear(pts, 2031.0, 200, direction=1)
    assert m.status == "substantial_progress"
    assert 200 - fl.value_at_deadline > 0.1 * (200 - 100)
    st = status_of(numeric(), obs, date(2026, 2, 1))
    assert st.reasons == ("measure_substantial_progress", "forecast_short")
    assert st.status == "at_risk"
    assert st.measure == m and st.forecast == fl and st.projected_date is None


def test_a_value_falling_below_its_latest_report_is_not_on_track():
    # Issue 8: latest 75, forecast below it. A jump from 50 to 90, then two years of steady
    # monthly decline to 75: Open SDG's base-to-latest CAGR still says substantial progress.
    spec = numeric(value=80.0, start=date(2022, 1, 1), deadline=date(2025, 12, 31))
    monthly = [
        Observation(date(2023 + i // 12, i % 12 + 1, 28), 90.0 - 15.0 * i / 23) for i in range(24)
    ]
    obs = [Observation(date(2022, 12, 31), 50.0), *monthly]
    st = status_of(spec, obs, date(2025, 1, 20))
    assert st.latest.value == pytest.approx(75.0)
    assert st.measure.status == "substantial_progress"
    assert st.forecast.method == "linear" and st.forecast.value_at_deadline < st.latest.value
    assert st.status != "on_track" and "forecast_short" in st.reasons


def test_a_forecast_short_of_the_target_has_no_projected_date():
    # Issue 8: a forecast of 96 % at the deadline must not read "projected to be met".
    spec = numeric(value=100.0, start=date(2021, 1, 1), deadline=date(2025, 12, 31))
    st = status_of(spec, yearly((2021, 80), (2022, 84), (2023, 88), (2024, 92)), date(2025, 2, 1))
    assert st.forecast.value_at_deadline == pytest.approx(96.0)
    assert "forecast_reaches" not in st.reasons and st.projected_date is None
    # The trend itself reaches 100 only a year after the deadline.
    assert st.forecast.reach_date == date(2026, 12, 31)


def test_a_trend_leaving_the_target_has_no_reach_date():
    # The fitted line is above 100 at the latest report but falling: its crossing of 100 is
    # where it leaves the target, not where it reaches it.
    spec = numeric(value=100.0, start=date(2021, 1, 1), deadline=date(2026, 12, 31))
    obs = yearly((2021, 120), (2022, 118), (2023, 109), (2024, 99.5))
    st = status_of(spec, obs, date(2025, 2, 1))
    assert st.forecast.intercept > 100 and st.forecast.rate < 0
    assert st.forecast.reach_year is None and st.projected_date is None
    assert st.status == "off_track"


def test_a_forecast_meeting_the_target_gives_its_projected_date():
    obs = yearly((2021, 100), (2022, 112), (2023, 124), (2024, 136))  # +12 a year, 200 in 2030
    st = status_of(numeric(), obs, date(2025, 2, 1))
    assert "forecast_reaches" in st.reasons
    assert st.projected_date == year_to_date(st.forecast.reach_year)
    assert date(2025, 2, 1) <= st.projected_date <= DEADLINE


def test_moderate_progress_with_a_forecast_that_clearly_misses_is_off_track():
    # Required: 100 -> 200 over 10 years. Observed pace about 0.8 of it.
    req = (200 / 100) ** (1 / 10) - 1
    g = (1 + req) ** 0.8 - 1
    obs = yearly(*[(2020 + i, 100 * (1 + g) ** i) for i in range(1, 5)])
    spec = numeric(base_year=2020, base_value=100.0)
    st = status_of(spec, obs, date(2025, 2, 1))
    assert st.measure.status == "moderate_progress"
    assert st.measure.progress_value == pytest.approx(g / req)
    assert 0.6 <= g / req < 0.95
    assert st.reasons == ("measure_moderate_progress", "forecast_short")
    assert st.status == "off_track"
    # The same trend with a lenient "near" share: both facts say at risk.
    lenient = StatusConfig(forecast_near_share=0.5)
    st = status_of(spec, obs, date(2025, 2, 1), lenient)
    assert (st.status, st.reasons) == ("at_risk", ("measure_moderate_progress", "forecast_near"))


def test_it_is_at_risk_when_the_forecast_falls_just_short():
    # Six monthly reports (too short for the Open SDG measure); the weighted line ends
    # within 10 % of the gap (100 -> 200) short of the target.
    spec = numeric(deadline=date(2026, 12, 31))
    obs = [Observation(date(2024, m, 28), 100.0 + 2.6 * (m - 1)) for m in range(1, 7)]
    pts = [(period_to_year(o.period_end), o.value) for o in obs]
    fl = forecast_linear(pts, 2027.0, 200)
    shortfall = 200 - fl.value_at_deadline
    assert 0 < shortfall <= 0.1 * (200 - 100)
    st = status_of(spec, obs, date(2024, 7, 5))
    assert st.measure.status == "not_available"
    assert (st.status, st.reasons) == ("at_risk", ("forecast_near",))
    strict = StatusConfig(forecast_near_share=0.05)
    assert status_of(spec, obs, date(2024, 7, 5), strict).status == "off_track"


def test_it_is_off_track_on_limited_progress():
    obs = yearly((2021, 100), (2022, 101), (2023, 102), (2024, 103))
    st = status_of(numeric(), obs, date(2025, 2, 1))
    assert st.measure.status == "limited_progress"
    assert st.status == "off_track" and st.reasons == ("measure_limited_progress", "forecast_short")


def test_it_is_off_track_on_deterioration():
    obs = yearly((2021, 100), (2022, 95), (2023, 90))
    st = status_of(numeric(), obs, date(2024, 2, 1))
    assert (st.measure.status, st.status) == ("deterioration", "off_track")


def test_it_is_off_track_when_a_lower_is_better_value_rises():
    spec = numeric(op="<=", value=30.0)
    st = status_of(spec, yearly((2021, 40), (2022, 41), (2023, 43)), date(2024, 2, 1))
    assert st.status == "off_track"
    assert st.measure.status == "deterioration"


def test_it_is_on_track_when_a_lower_is_better_value_falls_fast_enough():
    spec = numeric(op="<=", value=30.0, deadline=date(2025, 12, 31))
    st = status_of(spec, yearly((2021, 40), (2022, 37), (2023, 34.5)), date(2024, 2, 1))
    assert st.status == "on_track"


def test_it_uses_the_base_point_of_the_spec_and_a_cagr_forecast_with_two_points():
    spec = numeric(value=150.0, base_year=2020, base_value=100.0, deadline=date(2025, 12, 31))
    st = status_of(spec, yearly((2022, 120)), date(2023, 3, 1))
    pts = [(2021.0, 100.0), (2023.0, 120.0)]  # the 2020 figure sits at the end of 2020
    fc = forecast_cagr(pts, 2026.0, 150)
    assert st.forecast_cagr == fc
    assert st.measure.base_year == 2021.0 and st.measure.base_value == 100.0
    assert fc.value_at_deadline == pytest.approx(120 * 1.2 ** (3 / 2))
    assert st.status == "on_track" and "forecast_reaches" in st.reasons


def test_it_drops_observations_not_after_the_spec_base():
    spec = numeric(base_year=2022, base_value=100.0)
    obs = yearly((2021, 80), (2022, 999), (2023, 110))
    st = status_of(spec, obs, date(2024, 2, 1))
    assert (st.measure.base_year, st.measure.base_value) == (2023.0, 100.0)
    assert st.measure.current_value == 110


def test_it_uses_fractional_years_for_monthly_reports():
    # Six monthly reports: too short a span for the Open SDG measure (one year), so the
    # weighted line decides. +2 a month reaches 200 from 100 well before the deadline.
    spec = numeric(deadline=date(2028, 12, 31))
    obs = [Observation(date(2024, m, 28), 100.0 + 2 * (m - 1)) for m in range(1, 7)]
    st = status_of(spec, obs, date(2024, 7, 5))
    assert st.measure.status == "not_available" and st.measure.reason == "insufficient_data"
    assert st.forecast_linear.rate == pytest.approx(2 * 12, rel=0.05)
    assert st.status == "on_track" and st.reasons == ("forecast_reaches",)


def test_it_uses_fractional_years_for_quarterly_reports():
    spec = numeric(op="<=", value=50.0, start=date(2024, 1, 1), deadline=date(2025, 12, 31))
    quarter_ends = [date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30), date(2024, 12, 31)]
    obs = [Observation(d, v) for d, v in zip(quarter_ends, [80, 79, 79, 78], strict=True)]
    st = status_of(spec, obs, date(2025, 1, 20))
    years = [period_to_year(d) for d in quarter_ends]
    assert years[-1] - years[0] == pytest.approx(0.75, abs=0.01)
    assert st.forecast_linear.value_at_deadline > 50
    assert st.status == "off_track"


def test_a_numeric_target_without_a_deadline_is_never_overdue():
    spec = numeric(deadline=None)
    st = status_of(spec, yearly((2021, 100), (2022, 95), (2023, 90)), date(2040, 1, 1))
    assert st.status == "off_track"
    st = status_of(spec, yearly((2021, 100), (2022, 110), (2023, 121)), date(2040, 1, 1))
    assert st.status == "on_track"


def test_an_increase_without_a_number_is_met_once_the_value_rose():
    spec = numeric(op=None, value=None, direction=1)
    assert status_of(spec, yearly((2021, 10), (2022, 11)), date(2023, 1, 5)).status == "achieved"
    st = status_of(spec, yearly((2021, 10), (2022, 9)), date(2023, 1, 5))
    assert st.status == "off_track"


def test_an_approximate_target_within_tolerance_is_achieved():
    spec = numeric(op="approx", value=1.2e4)  # 约1.2万亿元
    assert status_of(spec, yearly((2022, 11500)), date(2023, 2, 1)).status == "achieved"


def test_an_approximate_target_outside_tolerance_is_judged_by_its_trend():
    spec = numeric(op="approx", value=1.2e4, deadline=date(2025, 12, 31))
    obs = yearly((2021, 8000), (2022, 9000), (2023, 10000), (2024, 11000))
    assert status_of(spec, obs, date(2025, 1, 10)).status == "on_track"


def test_a_range_target_is_achieved_inside_and_tracked_towards_the_nearest_bound():
    spec = numeric(op="range", value=60.0, value_max=80.0, deadline=date(2025, 12, 31))
    assert status_of(spec, yearly((2022, 70)), date(2023, 1, 2)).status == "achieved"
    rising = yearly((2021, 40), (2022, 47), (2023, 54))
    st = status_of(spec, rising, date(2024, 1, 2))
    assert st.status == "on_track" and st.measure.target_value == 60.0
    falling = yearly((2021, 100), (2022, 99), (2023, 99))
    st = status_of(spec, falling, date(2024, 1, 2))
    assert st.status == "off_track" and st.measure.target_value == 80.0


def test_an_exact_target_is_tracked_in_its_direction():
    lower = numeric(op="=", value=100.0, direction=-1, deadline=date(2025, 12, 31))
    st = status_of(lower, yearly((2021, 120), (2022, 112), (2023, 104)), date(2024, 1, 2))
    assert st.status == "on_track" and st.measure.status == "substantial_progress"
    higher = numeric(op="=", value=100.0, direction=1, deadline=date(2025, 12, 31))
    st = status_of(higher, yearly((2021, 80), (2022, 88), (2023, 96)), date(2024, 1, 2))
    assert st.status == "on_track" and st.measure.status == "substantial_progress"


def test_an_exact_count_reached_or_exceeded_is_achieved():
    # Issue 8, target 2-3-0-a "= 1 个中心": a reported 1.04 showed 进度滞后 and a measure of
    # "deterioration -5.0". Like Open SDG, overshooting in the desired direction meets it.
    spec = numeric(op="=", value=1.0, start=date(2023, 1, 1), deadline=date(2025, 12, 31))
    for latest in (1.0, 1.04, 3.0):
        st = status_of(spec, yearly((2023, 0.0), (2024, latest)), date(2025, 3, 1))
        assert (st.status, st.reasons, st.met) == ("achieved", ("target_met",), True)
        assert st.measure is None
    st = status_of(spec, yearly((2023, 0.0), (2024, 0.5)), date(2025, 3, 1))
    assert st.status != "achieved" and "measure_deterioration" not in st.reasons


def test_an_exact_target_is_met_at_or_beyond_it_in_the_desired_direction():
    assert is_met(numeric(op="=", value=1.0), 1.04)
    assert not is_met(numeric(op="=", value=1.0), 0.96)
    assert is_met(numeric(op="=", value=1.0, direction=-1), 0.96)
    assert not is_met(numeric(op="=", value=1.0, direction=-1), 1.04)


# ---------------------------------------------------------------------------------------------
# Numeric: a single observation and no base


def test_a_single_report_ahead_of_the_elapsed_share_is_on_track():
    spec = numeric(value=100.0, start=date(2023, 1, 1), deadline=date(2025, 12, 31))
    as_of = date(2024, 1, 1)  # 365 of 1095 days: a third elapsed
    st = status_of(spec, [Observation(date(2023, 12, 31), 40.0)], as_of)
    assert st.elapsed_share == pytest.approx(365 / 1095)
    assert 0.40 / st.elapsed_share >= 0.95
    assert (st.status, st.reasons) == ("on_track", ("pace_ahead",))


def test_a_single_report_somewhat_behind_the_elapsed_share_is_at_risk():
    spec = numeric(value=100.0, start=date(2023, 1, 1), deadline=date(2025, 12, 31))
    st = status_of(spec, [Observation(date(2023, 12, 31), 25.0)], date(2024, 1, 1))
    assert 0.6 <= 0.25 / st.elapsed_share < 0.95
    assert (st.status, st.reasons) == ("at_risk", ("pace_behind",))


def test_a_single_report_far_behind_the_elapsed_share_is_off_track():
    spec = numeric(value=100.0, start=date(2023, 1, 1), deadline=date(2025, 12, 31))
    st = status_of(spec, [Observation(date(2024, 12, 31), 20.0)], date(2025, 1, 1))
    assert 0.20 / st.elapsed_share < 0.6
    assert (st.status, st.reasons) == ("off_track", ("pace_far_behind",))


def test_a_single_lower_is_better_report_has_no_trend_early_or_late():
    spec = numeric(op="<=", value=30.0, start=date(2023, 1, 1), deadline=date(2025, 12, 31))
    early = status_of(spec, [Observation(date(2023, 6, 30), 40.0)], date(2023, 7, 1))
    late = status_of(spec, [Observation(date(2025, 3, 31), 40.0)], date(2025, 4, 1))
    assert (early.status, early.reasons) == ("on_track", ("insufficient_trend",))
    assert (late.status, late.reasons) == ("at_risk", ("insufficient_trend",))


def test_status_thresholds_are_configuration():
    spec = numeric(value=100.0, start=date(2023, 1, 1), deadline=date(2025, 12, 31))
    obs = [Observation(date(2023, 12, 31), 25.0)]
    lenient = StatusConfig(pace_on_track=0.7)
    assert status_of(spec, obs, date(2024, 1, 1), lenient).status == "on_track"


# ---------------------------------------------------------------------------------------------
# Milestones

M_START, M_DEADLINE = date(2024, 1, 1), date(2024, 12, 31)  # 365 days


def milestone(**kw):
    values = dict(kind="milestone", op=None, value=None, start=M_START, deadline=M_DEADLINE)
    values.update(kw)
    return TargetSpec(**values)


def test_a_milestone_with_done_evidence_is_achieved():
    obs = [Observation(date(2024, 3, 31)), Observation(date(2024, 6, 30), done=True)]
    st = status_of(milestone(), obs, date(2024, 7, 1))
    assert (st.status, st.reasons, st.met) == ("achieved", ("milestone_done",), True)


def test_a_milestone_reported_100_percent_complete_is_achieved():
    st = status_of(milestone(), [Observation(date(2024, 6, 30), progress=100)], date(2024, 7, 1))
    assert st.status == "achieved"


def test_a_milestone_without_reports_has_no_data_until_it_is_overdue():
    assert status_of(milestone(), [], date(2024, 5, 1)).status == "no_data"
    assert status_of(milestone(), [], date(2025, 1, 1)).status == "overdue"


def test_an_unfinished_milestone_past_its_deadline_is_overdue():
    obs = [Observation(date(2024, 12, 31), progress=90)]
    st = status_of(milestone(), obs, date(2025, 1, 1))
    assert (st.status, st.reasons) == ("overdue", ("deadline_passed",))


def test_a_milestone_in_the_first_half_of_its_period_is_on_track():
    st = status_of(milestone(), [Observation(date(2024, 3, 31))], date(2024, 6, 1))
    assert st.elapsed_share < 0.5
    assert (st.status, st.reasons) == ("on_track", ("milestone_early",))


def test_a_milestone_progressing_at_least_as_fast_as_time_is_on_track():
    as_of = date(2024, 10, 15)
    obs = [Observation(date(2024, 9, 30), progress=85)]
    st = status_of(milestone(), obs, as_of)
    assert st.elapsed_share == pytest.approx((as_of - M_START).days / 365)
    assert 0.85 >= st.elapsed_share
    assert (st.status, st.reasons) == ("on_track", ("milestone_progress_ok",))


def test_a_milestone_three_quarters_through_without_enough_progress_is_at_risk():
    # 1 October: 274/365 = 0.75 elapsed, 91 days left, 40 % reported.
    obs = [Observation(date(2024, 9, 30), progress=40)]
    st = status_of(milestone(), obs, date(2024, 10, 1))
    assert st.elapsed_share >= 0.75
    assert (st.status, st.reasons) == ("at_risk", ("milestone_late_risk",))


def test_a_milestone_within_90_days_of_its_deadline_without_progress_is_off_track():
    obs = [Observation(date(2024, 9, 30), progress=0)]
    st = status_of(milestone(), obs, date(2024, 10, 5))
    assert (M_DEADLINE - date(2024, 10, 5)).days <= 90
    assert (st.status, st.reasons) == ("off_track", ("milestone_deadline_near",))
    st = status_of(milestone(), [Observation(date(2024, 9, 30))], date(2024, 10, 5))
    assert st.status == "off_track"


def test_a_milestone_past_half_time_with_lagging_reported_progress_is_at_risk():
    st = status_of(milestone(), [Observation(date(2024, 7, 31), progress=20)], date(2024, 8, 1))
    assert 0.5 <= st.elapsed_share < 0.75
    assert (st.status, st.reasons) == ("at_risk", ("milestone_behind",))


def test_a_milestone_past_half_time_without_a_progress_figure_stays_on_track():
    st = status_of(milestone(), [Observation(date(2024, 7, 31))], date(2024, 8, 1))
    assert (st.status, st.reasons) == ("on_track", ("milestone_unconfirmed",))


def test_a_milestone_without_a_deadline_is_never_overdue():
    spec = milestone(deadline=None)
    assert status_of(spec, [], date(2040, 1, 1)).status == "no_data"
    st = status_of(spec, [Observation(date(2030, 1, 1), progress=10)], date(2040, 1, 1))
    assert (st.status, st.reasons) == ("on_track", ("milestone_no_deadline",))
    done = status_of(spec, [Observation(date(2030, 1, 1), done=True)], date(2040, 1, 1))
    assert done.status == "achieved"


# ---------------------------------------------------------------------------------------------
# Recurring targets


def recurring(per="year", count=4, **kw):
    values = dict(
        kind="recurring",
        op=None,
        value=None,
        start=date(2023, 1, 1),
        deadline=date(2025, 12, 31),
        recurring_count=count,
        recurring_per=per,
    )
    values.update(kw)
    return TargetSpec(**values)


def events(*days, count=None):
    return [Observation(d, count=count, done=count is None) for d in days]


def test_a_recurring_target_with_the_full_count_this_period_is_achieved():
    obs = events(date(2024, 2, 1), date(2024, 3, 1), date(2024, 5, 1), date(2024, 6, 1))
    st = status_of(recurring(), obs, date(2024, 7, 1))
    assert (st.status, st.events, st.met) == ("achieved", 4, True)


def test_a_recurring_target_on_pace_is_on_track():
    # 4 a year; 1 July 2024 is 183/366 through the year: floor(4 * 0.5) = 2 expected.
    as_of = date(2024, 7, 1)
    st = status_of(recurring(), events(date(2024, 2, 1), date(2024, 5, 1)), as_of)
    assert st.elapsed_share == pytest.approx(183 / 366)
    assert st.events_required == int(4 * 183 / 366) == 2
    assert (st.status, st.reasons) == ("on_track", ("recurring_on_pace",))


def test_a_recurring_target_behind_pro_rata_is_at_risk():
    st = status_of(recurring(), events(date(2024, 2, 1)), date(2024, 8, 1))
    assert st.events == 1 < st.events_required
    assert (st.status, st.reasons) == ("at_risk", ("recurring_behind",))


def test_a_recurring_target_without_events_late_in_the_period_is_off_track():
    # An event last year does not count for this year.
    obs = events(date(2023, 11, 1))
    st = status_of(recurring(count=1), obs, date(2024, 10, 15))
    assert 1 - st.elapsed_share < 0.25 and st.events == 0
    assert (st.status, st.reasons) == ("off_track", ("recurring_none_late",))


def test_a_recurring_target_without_events_early_in_the_period_is_on_track():
    st = status_of(recurring(count=1), events(date(2023, 11, 1)), date(2024, 3, 1))
    assert st.events_required == 0 and st.status == "on_track"


def test_a_recurring_target_counts_reported_event_numbers():
    obs = [Observation(date(2024, 3, 31), count=2), Observation(date(2024, 6, 30), count=1)]
    st = status_of(recurring(), obs, date(2024, 7, 1))
    assert st.events == 3 and st.status == "on_track"


def test_a_recurring_target_uses_quarters_months_and_halves():
    assert period_window("quarter", date(2024, 5, 17), START, None) == (
        date(2024, 4, 1),
        date(2024, 6, 30),
    )
    assert period_window("month", date(2024, 2, 10), START, None) == (
        date(2024, 2, 1),
        date(2024, 2, 29),
    )
    assert period_window("half", date(2024, 8, 1), START, None) == (
        date(2024, 7, 1),
        date(2024, 12, 31),
    )
    spec = recurring(per="quarter", count=1)
    st = status_of(spec, events(date(2024, 4, 20)), date(2024, 5, 17))
    assert st.status == "achieved"
    st = status_of(spec, events(date(2024, 3, 20)), date(2024, 6, 10))
    assert st.status == "off_track"  # nothing this quarter, 21 of 91 days left


def test_a_recurring_target_per_plan_period_counts_the_whole_period():
    spec = recurring(per="period", count=6)
    obs = events(date(2023, 5, 1), date(2023, 9, 1), date(2024, 2, 1), date(2024, 6, 1))
    st = status_of(spec, obs, date(2024, 7, 1))
    total = (date(2025, 12, 31) - date(2023, 1, 1)).days + 1
    assert st.elapsed_share == pytest.approx(
        ((date(2024, 7, 1) - date(2023, 1, 1)).days + 1) / total
    )
    assert st.events == 4 and st.events_required == int(6 * st.elapsed_share)
    assert st.status == "on_track"


def test_a_recurring_target_past_the_deadline_uses_the_last_period():
    spec = recurring(count=2)
    full = events(date(2025, 3, 1), date(2025, 9, 1))
    assert status_of(spec, full, date(2026, 2, 1)).status == "achieved"
    short = events(date(2024, 3, 1), date(2024, 9, 1), date(2025, 9, 1))
    st = status_of(spec, short, date(2026, 2, 1))
    assert (st.status, st.events) == ("overdue", 1)


def test_a_recurring_target_without_reports_has_no_data():
    assert status_of(recurring(), [], date(2024, 7, 1)).status == "no_data"
    assert status_of(recurring(), [], date(2026, 7, 1)).status == "overdue"


def test_a_recurring_target_counts_only_from_the_plan_start():
    spec = recurring(count=2, start=date(2024, 7, 1))
    st = status_of(spec, events(date(2024, 3, 1), date(2024, 8, 1)), date(2024, 10, 1))
    assert st.events == 1
