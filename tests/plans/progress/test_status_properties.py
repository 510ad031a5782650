"""Property-based tests of the target status (hypothesis): rules that hold for any target.

Random numeric, milestone and recurring targets with random trajectories and as-of dates. The
runs are derandomized (the same examples every time), so CI cannot flake, and small enough for
the file to take a few seconds (set ECO311_PROPERTY_EXAMPLES to explore further).
"""

import os
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eco311.plans.progress.status import (
    TARGET_STATUSES,
    Observation,
    TargetSpec,
    compute_status,
    is_met,
)

# ECO311_PROPERTY_EXAMPLES=2000 explores further locally; CI keeps the fast default.
SETTINGS = settings(
    max_examples=int(os.environ.get("ECO311_PROPERTY_EXAMPLES", "80")),
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Reason codes and the trend verdict each one states (docs/progress-method.md, section 4).
ON_TRACK_REASONS = {
    "measure_target_achieved",
    "measure_substantial_progress",
    "forecast_reaches",
    "pace_ahead",
}
AT_RISK_REASONS = {"measure_moderate_progress", "forecast_near", "pace_behind"}
OFF_TRACK_REASONS = {
    "measure_limited_progress",
    "measure_deterioration",
    "forecast_short",
    "pace_far_behind",
}
# Better first; overdue and no_data are not on the trend scale.
RANK = {"achieved": 0, "on_track": 1, "at_risk": 2, "off_track": 3}

BASE_DAY = date(2021, 1, 1)


def days(n):
    return BASE_DAY + timedelta(days=n)


values = st.floats(min_value=0.5, max_value=1000.0, allow_nan=False, allow_infinity=False)


@st.composite
def numeric_specs(draw):
    op = draw(st.sampled_from([">=", ">", "<=", "<", "=", "approx", None]))
    if op in (">=", ">"):
        direction = 1
    elif op in ("<=", "<"):
        direction = -1
    else:
        direction = draw(st.sampled_from([1, -1]))
    start = days(draw(st.integers(0, 365)))
    deadline = draw(
        st.one_of(st.none(), st.integers(200, 2500).map(lambda n: start + timedelta(days=n)))
    )
    base = draw(st.one_of(st.none(), st.tuples(st.integers(2018, 2021), values)))
    return TargetSpec(
        kind="numeric",
        op=op,
        value=draw(values),
        direction=direction,
        start=start,
        deadline=deadline,
        base_year=None if base is None else float(base[0]),
        base_value=None if base is None else base[1],
    )


@st.composite
def milestone_specs(draw):
    start = days(draw(st.integers(0, 365)))
    deadline = start + timedelta(days=draw(st.integers(30, 1500)))
    return TargetSpec(kind="milestone", op=None, value=None, start=start, deadline=deadline)


@st.composite
def recurring_specs(draw):
    start = days(draw(st.integers(0, 365)))
    deadline = start + timedelta(days=draw(st.integers(90, 1500)))
    return TargetSpec(
        kind="recurring",
        op=None,
        value=None,
        start=start,
        deadline=deadline,
        recurring_count=draw(st.integers(1, 6)),
        recurring_per=draw(st.sampled_from(["year", "half", "quarter", "month", "period"])),
    )


def report_days():
    return st.integers(-200, 3300).map(days)


def numeric_obs():
    return st.lists(st.builds(Observation, report_days(), values), max_size=9)


def milestone_obs():
    return st.lists(
        st.builds(
            Observation,
            report_days(),
            done=st.booleans(),
            progress=st.one_of(st.none(), st.floats(0, 100)),
        ),
        max_size=5,
    )


def recurring_obs():
    return st.lists(
        st.builds(Observation, report_days(), count=st.one_of(st.none(), st.integers(0, 3))),
        max_size=8,
    )


any_target = st.one_of(
    st.tuples(numeric_specs(), numeric_obs()),
    st.tuples(milestone_specs(), milestone_obs()),
    st.tuples(recurring_specs(), recurring_obs()),
)
as_of_days = st.integers(0, 3400).map(days)


def usable(obs, as_of):
    """The observations the status may use: up to as_of, the last per day winning."""
    by_day = {}
    for o in obs:
        if o.period_end <= as_of:
            by_day[o.period_end] = o
    return [by_day[d] for d in sorted(by_day)]


def latest_value(spec, obs, as_of):
    valued = [o for o in usable(obs, as_of) if o.value is not None]
    if spec.base_year is not None and spec.base_value is not None:
        from eco311.plans.progress.measure import period_to_year
        from eco311.plans.progress.status import base_point_year

        cut = base_point_year(spec.base_year)
        valued = [o for o in valued if period_to_year(o.period_end) > cut]
    return valued[-1].value if valued else None


# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(target=st.tuples(numeric_specs(), numeric_obs()), as_of=as_of_days)
def test_the_badge_agrees_with_its_reasons(target, as_of):
    spec, obs = target
    result = compute_status(spec, obs, as_of)
    status, reasons = result.status, set(result.reasons)
    assert status in TARGET_STATUSES and result.reasons
    if status == "on_track":
        assert not reasons & (AT_RISK_REASONS | OFF_TRACK_REASONS)
    if status == "off_track":
        assert not reasons & ON_TRACK_REASONS
        assert reasons & OFF_TRACK_REASONS
    if status == "at_risk":
        trend = reasons & (ON_TRACK_REASONS | AT_RISK_REASONS | OFF_TRACK_REASONS)
        assert not trend or not trend <= ON_TRACK_REASONS
        assert not trend or not trend <= OFF_TRACK_REASONS or len(trend) > 1
    assert (status == "achieved") == ("target_met" in reasons) == result.met
    if status == "overdue":
        assert "deadline_passed" in reasons
    # The forecast reasons and the projected date come from the deciding forecast itself.
    f = result.forecast
    if spec.deadline is not None and f is not None and {"forecast_reaches"} & reasons:
        assert is_met(spec, f.value_at_deadline)
    if spec.deadline is not None and reasons & {"forecast_near", "forecast_short"}:
        assert f is not None and not is_met(spec, f.value_at_deadline)
    if result.projected_date is not None:
        assert "forecast_reaches" in reasons
        assert as_of <= result.projected_date
        assert spec.deadline is None or result.projected_date <= spec.deadline
    if "forecast_reaches" in reasons and spec.deadline is not None:
        assert result.projected_date is not None


@SETTINGS
@given(target=st.tuples(numeric_specs(), numeric_obs()), as_of=as_of_days)
def test_a_met_numeric_target_is_achieved(target, as_of):
    spec, obs = target
    latest = latest_value(spec, obs, as_of)
    result = compute_status(spec, obs, as_of)
    if latest is not None and is_met(spec, latest):
        assert result.status == "achieved"
    else:
        assert result.status != "achieved"


@SETTINGS
@given(target=any_target, as_of=as_of_days)
def test_a_met_milestone_or_recurring_target_is_achieved(target, as_of):
    spec, obs = target
    result = compute_status(spec, obs, as_of)
    if spec.kind == "milestone":
        done = any(o.done or (o.progress or 0) >= 100 for o in usable(obs, as_of))
        assert (result.status == "achieved") == done
    if spec.kind == "recurring" and result.events is not None:
        needed = spec.recurring_count
        assert (result.status == "achieved") == (result.events >= needed)


@SETTINGS
@given(
    target=st.tuples(numeric_specs(), numeric_obs()),
    as_of=as_of_days,
    gain=st.floats(min_value=0.001, max_value=3.0),
)
def test_a_better_latest_value_never_lowers_the_status(target, as_of, gain):
    spec, obs = target
    used = [o for o in usable(obs, as_of) if o.value is not None]
    if not used:
        return
    last = used[-1]
    better_value = last.value * (1 + gain) if spec.direction == 1 else last.value / (1 + gain)
    # Replace every report of that day, so "the last one given wins" keeps the better one.
    better = [
        Observation(o.period_end, better_value) if o.period_end == last.period_end else o
        for o in obs
    ]
    before = compute_status(spec, obs, as_of).status
    after = compute_status(spec, better, as_of).status
    if before in RANK and after in RANK:
        assert RANK[after] <= RANK[before], (before, after)
    else:
        assert before == after or after == "achieved"


@SETTINGS
@given(
    spec=numeric_specs().filter(lambda s: s.deadline is not None and s.op in (">=", "<=")),
    first=values,
    step=st.floats(min_value=0.01, max_value=0.3),
    reports=st.integers(2, 8),
)
def test_steady_improvement_never_reads_as_deterioration(spec, first, step, reports):
    # Year-end reports each better than the one before by the same factor.
    growth = (1 + step) if spec.direction == 1 else 1 / (1 + step)
    obs = [
        Observation(date(spec.start.year + i, 12, 31), first * growth**i) for i in range(reports)
    ]
    as_of = obs[-1].period_end + timedelta(days=1)
    result = compute_status(spec, obs, as_of)
    if spec.base_year is None:
        assert "measure_deterioration" not in result.reasons
        assert "measure_limited_progress" not in result.reasons or result.status != "on_track"
    # One more report continuing the same steady improvement never lowers the status.
    more = [*obs, Observation(date(spec.start.year + reports, 12, 31), first * growth**reports)]
    later = compute_status(spec, more, as_of)  # same as-of: the new report is in the future
    assert later == result


@SETTINGS
@given(target=any_target, as_of=as_of_days)
def test_past_the_deadline_and_not_met_is_overdue(target, as_of):
    spec, obs = target
    if spec.deadline is None or as_of <= spec.deadline:
        return
    result = compute_status(spec, obs, as_of)
    assert result.status in ("achieved", "overdue")
    assert (result.status == "overdue") == (not result.met)


@SETTINGS
@given(target=any_target, as_of=as_of_days, later=st.lists(st.integers(1, 900), max_size=4))
def test_reports_dated_after_the_as_of_date_are_ignored(target, as_of, later):
    spec, obs = target
    future = [
        Observation(as_of + timedelta(days=n), value=1e6, done=True, count=9, progress=100)
        for n in later
    ]
    assert compute_status(spec, [*obs, *future], as_of) == compute_status(spec, obs, as_of)
    assert compute_status(spec, [*future, *obs], as_of) == compute_status(spec, obs, as_of)
