"""The deadline-aware status officials see for one target, on top of measure and forecast.

Statuses: "achieved", "on_track", "at_risk", "off_track", "overdue", "no_data". Every
threshold is a StatusConfig field; docs/progress-method.md states each rule. Reasons are stable
machine codes, so the web layer can translate them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from eco311.plans.progress.forecast import Forecast, forecast_cagr, forecast_linear, year_to_date
from eco311.plans.progress.measure import (
    DEFAULT,
    MeasureConfig,
    MeasureResult,
    measure_observations,
    period_to_year,
)

TARGET_STATUSES = ("achieved", "on_track", "at_risk", "off_track", "overdue", "no_data")
KINDS = ("numeric", "milestone", "recurring")
OPS = (">=", ">", "<=", "<", "=", "approx", "range")
RECURRING_PERIODS = ("year", "half", "quarter", "month", "period")


@dataclass(frozen=True, kw_only=True)
class TargetSpec:
    """A target reduced to what the status needs. Keyword-only (start has no default)."""

    kind: str  # "numeric" | "milestone" | "recurring"
    op: str | None  # ">=", ">", "<=", "<", "=", "approx", "range"; None: by direction
    value: float | None  # the number (lower bound for "range")
    value_max: float | None = None  # upper bound for "range"
    direction: int = 1  # +1 higher is better, -1 lower is better
    start: date  # plan period start (for the elapsed-time share)
    deadline: date | None = None
    base_year: float | None = None  # whole number: calendar year of the figure; else fractional
    base_value: float | None = None
    limit: float | None = None  # natural limit, used by the measure when there is no target
    recurring_count: int | None = None
    recurring_per: str | None = None  # "year", "half", "quarter", "month", "period"
    approx_tolerance: float = 0.05  # 约/左右 counts as met within ±5 %


@dataclass(frozen=True)
class Observation:
    period_end: date
    value: float | None = None
    done: bool = False
    count: int | None = None  # events in the period (recurring targets)
    progress: float | None = None  # milestone % complete (0-100), optional


@dataclass(frozen=True)
class TargetStatus:
    status: str
    reasons: tuple[str, ...]
    measure: MeasureResult | None
    forecast_cagr: Forecast | None
    forecast_linear: Forecast | None
    latest: Observation | None
    met: bool
    elapsed_share: float | None = None  # share of the plan period (or recurring period) gone
    events: int | None = None  # recurring: events counted in the period assessed
    events_required: int | None = None  # recurring: events expected by now (pro rata)
    # Numeric: the forecast that decided (linear or CAGR; None when there was none), and the
    # day it is projected to meet the target, set only when it meets it by the deadline.
    forecast: Forecast | None = None
    projected_date: date | None = None


@dataclass(frozen=True)
class StatusConfig:
    measure: MeasureConfig = DEFAULT
    # Numeric targets: how Open SDG measure statuses map to target statuses.
    on_track_measures: tuple[str, ...] = ("target_achieved", "substantial_progress")
    at_risk_measures: tuple[str, ...] = ("moderate_progress",)
    off_track_measures: tuple[str, ...] = ("limited_progress", "deterioration")
    # A forecast that misses the target by at most this share of the gap (base to target) is
    # "near": at risk rather than off track.
    forecast_near_share: float = 0.10
    # Distinct points needed for the linear forecast to be the deciding one (else CAGR).
    linear_min_points: int = 3
    recency_ratio: float = 2.0  # weight of the latest point relative to the oldest
    # Single observation, no base: pace = share of the target reached / elapsed share.
    pace_on_track: float = 0.95
    pace_at_risk: float = 0.60
    # ... and when no pace can be computed: on track while less than this share has elapsed.
    trend_grace_share: float = 0.5
    # Milestones.
    milestone_early_share: float = 0.5
    milestone_late_share: float = 0.75
    milestone_final_days: int = 90
    # Recurring: no event at all with less than this share of the period left is off track.
    recurring_late_remaining: float = 0.25


DEFAULT_STATUS = StatusConfig()


# --------------------------------------------------------------------------------------------
# Comparators


def _op(spec: TargetSpec) -> str:
    if spec.op is None:
        return ">=" if spec.direction >= 0 else "<="
    if spec.op not in OPS:
        raise ValueError(f"unknown comparator {spec.op!r}")
    return spec.op


def is_met(spec: TargetSpec, value: float | None) -> bool:
    """Whether a value meets the target's comparator.

    ">=", ">", "<=", "<" as written; "=" equal up to floating-point noise or beyond the value
    in the desired direction (as Open SDG judges every target: building 1.04 centres meets "1
    centre"); "range" inclusive (a missing bound is open); "approx" (约/左右) within
    ±approx_tolerance of the value (absolute tolerance when the value is 0) or beyond it in
    the desired direction.
    """
    if value is None:
        return False
    op = _op(spec)
    if op == "range":
        lo, hi = spec.value, spec.value_max
        if lo is None and hi is None:
            return False
        return (lo is None or value >= lo) and (hi is None or value <= hi)
    v = spec.value
    if v is None:
        return False
    if op == ">=":
        return value >= v
    if op == ">":
        return value > v
    if op == "<=":
        return value <= v
    if op == "<":
        return value < v
    if op == "=":
        return (
            math.isclose(value, v, rel_tol=1e-9, abs_tol=1e-12) or spec.direction * (value - v) > 0
        )
    # approx
    tolerance = spec.approx_tolerance * (abs(v) if v != 0 else 1.0)
    if abs(value - v) <= tolerance * (1 + 1e-12):
        return True
    return spec.direction * (value - v) > 0


def _goal(spec: TargetSpec, latest: float) -> tuple[float | None, int]:
    """(target value, direction) the trend has to move towards, seen from the latest value."""
    op = _op(spec)
    if op in (">=", ">"):
        return spec.value, 1
    if op in ("<=", "<"):
        return spec.value, -1
    if op == "range":
        lo, hi = spec.value, spec.value_max
        if lo is not None and latest < lo:
            return lo, 1
        if hi is not None and latest > hi:
            return hi, -1
        return (lo if lo is not None else hi), spec.direction
    # "=" and approx: towards the value in the desired direction; being beyond it that way
    # meets the target, so an unmet value is always on the other side.
    return spec.value, spec.direction


def base_point_year(base_year: float) -> float:
    """A spec's base year on the period_to_year scale.

    A whole number is a calendar-year label (the 2020 figure), which is the value as of the
    end of 2020, i.e. period_to_year(date(2020, 12, 31)) == 2021.0. A fractional year is taken
    as already on the period_to_year scale.
    """
    base_year = float(base_year)
    return base_year + 1.0 if base_year.is_integer() else base_year


# --------------------------------------------------------------------------------------------
# Helpers


def _usable(observations: Sequence[Observation], as_of: date) -> list[Observation]:
    """Observations up to as_of, one per period_end (the last given wins), oldest first."""
    by_end: dict[date, Observation] = {}
    for o in observations:
        if o.period_end <= as_of:
            by_end[o.period_end] = o
    return [by_end[k] for k in sorted(by_end)]


def _elapsed_share(start: date, end: date | None, as_of: date) -> float | None:
    if end is None:
        return None
    total = (end - start).days
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, (as_of - start).days / total))


def _no_reports(spec: TargetSpec, as_of: date, elapsed: float | None) -> TargetStatus:
    if spec.deadline is not None and as_of > spec.deadline:
        return TargetStatus(
            "overdue", ("deadline_passed", "no_reports"), None, None, None, None, False, elapsed
        )
    return TargetStatus("no_data", ("no_reports",), None, None, None, None, False, elapsed)


def compute_status(
    spec: TargetSpec,
    observations: Sequence[Observation],
    as_of: date,
    config: StatusConfig = DEFAULT_STATUS,
) -> TargetStatus:
    """Status of one target on a given day from its (approved) observations."""
    if spec.kind not in KINDS:
        raise ValueError(f"unknown target kind {spec.kind!r}")
    if spec.direction not in (1, -1):
        raise ValueError(f"direction must be 1 or -1, got {spec.direction!r}")
    obs = _usable(observations, as_of)
    if spec.kind == "numeric":
        return _numeric(spec, obs, as_of, config)
    if spec.kind == "milestone":
        return _milestone(spec, obs, as_of, config)
    return _recurring(spec, obs, as_of, config)


# --------------------------------------------------------------------------------------------
# Numeric targets


def _numeric(
    spec: TargetSpec, obs: list[Observation], as_of: date, config: StatusConfig
) -> TargetStatus:
    elapsed = _elapsed_share(spec.start, spec.deadline, as_of)
    valued = [o for o in obs if o.value is not None]
    base = None
    if spec.base_year is not None and spec.base_value is not None:
        base = (base_point_year(spec.base_year), float(spec.base_value))
        # A report at or before the base point is not progress since the base: it is dropped
        # before anything is judged, so the latest value is never one the trend ignores.
        valued = [o for o in valued if period_to_year(o.period_end) > base[0]]
    if not valued:
        return _no_reports(spec, as_of, elapsed)
    latest = valued[-1]
    points = [(period_to_year(o.period_end), float(o.value)) for o in valued]
    if base is not None:
        points = [base, *points]
    target, direction = _goal(spec, latest.value)

    has_number = spec.value is not None or (_op(spec) == "range" and spec.value_max is not None)
    if has_number:
        met = is_met(spec, latest.value)
    else:  # "increase"/"decrease" without a number: met once the value moved the right way
        met = len(points) >= 2 and direction * (points[-1][1] - points[0][1]) > 0

    def done(
        status: str,
        reasons: tuple[str, ...],
        m=None,
        fc=None,
        fl=None,
        primary=None,
        projected=None,
    ) -> TargetStatus:
        return TargetStatus(
            status,
            reasons,
            m,
            fc,
            fl,
            latest,
            met,
            elapsed,
            forecast=primary,
            projected_date=projected,
        )

    if met:
        return done("achieved", ("target_met",))
    if spec.deadline is not None and as_of > spec.deadline:
        return done("overdue", ("deadline_passed",))

    deadline_year = period_to_year(spec.deadline) if spec.deadline is not None else None
    m = measure_observations(
        points,
        target_value=target if deadline_year is not None else None,
        target_year=deadline_year,
        direction=direction,
        limit=spec.limit,
        base=base,
        config=config.measure,
    )
    horizon = deadline_year if deadline_year is not None else points[-1][0]
    fc = forecast_cagr(points, horizon, target, direction=direction)
    fl = forecast_linear(
        points, horizon, target, recency_ratio=config.recency_ratio, direction=direction
    )
    fc = fc if fc.value_at_deadline is not None else None
    fl = fl if fl.value_at_deadline is not None else None
    distinct = len({t for t, _ in points})
    primary = fl if distinct >= config.linear_min_points or fc is None else fc

    # Each fact that is available gives a verdict (0 on track, 1 at risk, 2 off track) and the
    # reason code that states it; the status is decided from those verdicts only, so the badge
    # can never say more than its reasons.
    reasons: list[str] = []
    verdicts: list[int] = []
    if m.status != "not_available":
        reasons.append(f"measure_{m.status}")
        if m.status in config.on_track_measures:
            verdicts.append(0)
        elif m.status in config.at_risk_measures:
            verdicts.append(1)
        elif m.status in config.off_track_measures:
            verdicts.append(2)
    projected = None
    if primary is not None and target is not None:
        reaches = near = False
        if deadline_year is not None:
            reaches = is_met(spec, primary.value_at_deadline)
            if not reaches:
                start_value = points[0][1]
                scale = abs(target - start_value) or abs(target) or 1.0
                shortfall = abs(target - primary.value_at_deadline)
                near = shortfall <= config.forecast_near_share * scale
        else:
            reaches = primary.reach_year is not None
        if reaches:
            projected = _projected_date(primary, deadline_year, as_of)
        reasons.append(
            "forecast_reaches" if reaches else "forecast_near" if near else "forecast_short"
        )
        verdicts.append(0 if reaches else 1 if near else 2)

    if verdicts:
        # One fact alone decides. Two that agree, or differ by one step, give the worse one (a
        # forecast that clearly misses caps an Open SDG "on track" at at_risk, and so on); two
        # opposite ones (on track and off track) meet in the middle: at_risk.
        worst, best = max(verdicts), min(verdicts)
        verdict = 1 if worst - best == 2 else worst
        status = ("on_track", "at_risk", "off_track")[verdict]
        return done(status, tuple(reasons), m, fc, fl, primary, projected)

    # No trend at all (a single observation and no base value): compare the share of the
    # target reached, counting from zero, with the share of the plan period elapsed.
    if direction == 1 and target is not None and target > 0 and latest.value >= 0:
        if elapsed is None:
            return done("on_track", ("insufficient_trend",), m, fc, fl, primary)
        reached = latest.value / target
        pace = math.inf if elapsed == 0 else reached / elapsed
        if pace >= config.pace_on_track:
            return done("on_track", ("pace_ahead",), m, fc, fl, primary)
        if pace >= config.pace_at_risk:
            return done("at_risk", ("pace_behind",), m, fc, fl, primary)
        return done("off_track", ("pace_far_behind",), m, fc, fl, primary)
    if elapsed is None or elapsed < config.trend_grace_share:
        return done("on_track", ("insufficient_trend",), m, fc, fl, primary)
    return done("at_risk", ("insufficient_trend",), m, fc, fl, primary)


def _projected_date(forecast: Forecast, deadline_year: float | None, as_of: date) -> date:
    """The day a forecast that meets the target is projected to meet it.

    Never before as_of (a trend that "reached" the target between the latest report and today
    is expected now, not in the past) and never after the deadline (a forecast meeting an
    approximate target inside its tolerance band may cross the exact number only later).
    """
    now = period_to_year(as_of)
    year = forecast.reach_year if forecast.reach_year is not None else deadline_year
    if year is None:
        year = now
    if deadline_year is not None:
        year = min(year, deadline_year)
    return year_to_date(max(year, now))


# --------------------------------------------------------------------------------------------
# Milestones


def _milestone(
    spec: TargetSpec, obs: list[Observation], as_of: date, config: StatusConfig
) -> TargetStatus:
    elapsed = _elapsed_share(spec.start, spec.deadline, as_of)
    if not obs:
        return _no_reports(spec, as_of, elapsed)
    latest = obs[-1]

    def done(status: str, reason: str, met: bool = False) -> TargetStatus:
        return TargetStatus(status, (reason,), None, None, None, latest, met, elapsed)

    if any(o.done or (o.progress is not None and o.progress >= 100) for o in obs):
        return done("achieved", "milestone_done", met=True)
    if spec.deadline is None:
        return done("on_track", "milestone_no_deadline")
    if as_of > spec.deadline:
        return done("overdue", "deadline_passed")
    reported = [o.progress for o in obs if o.progress is not None]
    progress = reported[-1] / 100.0 if reported else None
    days_left = (spec.deadline - as_of).days
    if elapsed < config.milestone_early_share:
        return done("on_track", "milestone_early")
    if progress is not None and progress >= elapsed:
        return done("on_track", "milestone_progress_ok")
    if days_left <= config.milestone_final_days and (progress is None or progress <= 0):
        return done("off_track", "milestone_deadline_near")
    if elapsed >= config.milestone_late_share:
        return done("at_risk", "milestone_late_risk")
    if progress is not None:
        return done("at_risk", "milestone_behind")
    return done("on_track", "milestone_unconfirmed")


# --------------------------------------------------------------------------------------------
# Recurring targets


def period_window(per: str, day: date, start: date, deadline: date | None) -> tuple[date, date]:
    """The calendar period of kind ``per`` containing ``day`` ("period": the plan period)."""
    y = day.year
    if per == "year":
        return date(y, 1, 1), date(y, 12, 31)
    if per == "half":
        return (
            (date(y, 1, 1), date(y, 6, 30)) if day.month <= 6 else (date(y, 7, 1), date(y, 12, 31))
        )
    if per == "quarter":
        q0 = 3 * ((day.month - 1) // 3) + 1
        end = date(y, q0 + 3, 1) if q0 < 10 else date(y + 1, 1, 1)
        return date(y, q0, 1), date.fromordinal(end.toordinal() - 1)
    if per == "month":
        end = date(y, day.month + 1, 1) if day.month < 12 else date(y + 1, 1, 1)
        return date(y, day.month, 1), date.fromordinal(end.toordinal() - 1)
    if per == "period":
        return start, deadline if deadline is not None else day
    raise ValueError(f"unknown recurring period {per!r}")


def _events(o: Observation) -> int:
    if o.count is not None:
        return int(o.count)
    return 1 if o.done else 0


def _recurring(
    spec: TargetSpec, obs: list[Observation], as_of: date, config: StatusConfig
) -> TargetStatus:
    if not obs:
        return _no_reports(spec, as_of, _elapsed_share(spec.start, spec.deadline, as_of))
    latest = obs[-1]
    needed = spec.recurring_count if spec.recurring_count and spec.recurring_count > 0 else 1
    per = spec.recurring_per or "period"
    past = spec.deadline is not None and as_of > spec.deadline
    ref = spec.deadline if past else as_of
    w_start, w_end = period_window(per, ref, spec.start, spec.deadline)
    w_start = max(w_start, spec.start)
    count = sum(_events(o) for o in obs if w_start <= o.period_end <= w_end)

    if past:
        share = 1.0
    elif per == "period" and spec.deadline is None:
        share = None
    else:
        length = (w_end - w_start).days + 1
        share = min(1.0, max(0.0, ((as_of - w_start).days + 1) / length)) if length > 0 else 1.0
    required = needed if share is None else math.floor(needed * share + 1e-9)

    def done(status: str, reasons: tuple[str, ...]) -> TargetStatus:
        return TargetStatus(
            status, reasons, None, None, None, latest, count >= needed, share, count, required
        )

    if count >= needed:
        return done("achieved", ("recurring_complete",))
    if past:
        return done("overdue", ("deadline_passed", "recurring_behind"))
    if share is None:
        return done("on_track", ("recurring_no_deadline",))
    if count == 0 and 1.0 - share < config.recurring_late_remaining:
        return done("off_track", ("recurring_none_late",))
    if count >= required:
        return done("on_track", ("recurring_on_pace",))
    return done("at_risk", ("recurring_behind",))
