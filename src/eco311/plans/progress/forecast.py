"""Forecasting a target's value at its deadline from (fractional year, value) observations.

Two simple, explainable methods (standard library only):

* CAGR extrapolation: grow the latest value at the compound annual growth rate observed
  between the first and the latest observation. Undefined when either value is not positive.
* Weighted least squares: a straight line fitted with weights rising linearly from 1 for the
  oldest observation to 2 for the latest (``w_i = 1 + (t_i - t_0) / (t_n - t_0)``), so recent
  reports pull the trend harder without letting one noisy month decide it. docs/progress-method.md
  explains the choice.

Both also give the year at which the trend reaches a target value, or None when it never
does or is moving away from it. Given the side on which the target counts as met
(``direction``: +1 at or above it, -1 at or below it), the reach year is when the trend
enters that side for good: the latest observation's year if it is already there and not
leaving, None if it is heading away from that side (a crossing would be leaving it); without
a direction any crossing after the latest observation counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from eco311.plans.progress.measure import growth_rate

METHOD_CAGR = "cagr"
METHOD_LINEAR = "linear"

# Slack when deciding that a trend reaches the target "from now on" (floating-point noise).
_EPS = 1e-9


@dataclass(frozen=True)
class Forecast:
    method: str  # "cagr" or "linear"
    value_at_deadline: float | None
    reach_year: float | None  # fractional year the trend reaches the target; see year_to_date
    rate: float | None = None  # CAGR per year, or slope in value units per year
    intercept: float | None = None  # linear only: fitted value at latest_year
    latest_year: float | None = None  # year of the latest observation used

    @property
    def reach_date(self) -> date | None:
        return None if self.reach_year is None else year_to_date(self.reach_year)


def year_to_date(y: float) -> date:
    """The day during which fractional year ``y`` falls; the inverse of period_to_year.

    period_to_year puts each day at the instant it ends, so a whole number Y is the end of
    31 December of Y - 1, and ``year_to_date(period_to_year(d)) == d`` for every date.
    """
    if not math.isfinite(y):
        raise ValueError(f"not a finite year: {y!r}")
    year = math.floor(y)
    frac = y - year
    if frac <= _EPS:
        return date(year - 1, 12, 31)
    days_in_year = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    day_of_year = max(1, min(days_in_year, math.ceil(frac * days_in_year - 1e-6)))
    return date(year, 1, 1) + timedelta(days=day_of_year - 1)


def _clean(obs: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    pts = []
    for t, v in obs:
        if v is None or t is None:
            continue
        t, v = float(t), float(v)
        if not (math.isfinite(t) and math.isfinite(v)):
            raise ValueError(f"observation ({t!r}, {v!r}) is not finite")
        pts.append((t, v))
    pts.sort(key=lambda p: p[0])
    return pts


def _reach(
    gap: float, speed: float, t_cross: float | None, tn: float, direction: int | None
) -> float | None:
    """The reach year from the signed distance to the target at tn (target - trend value) and
    the trend's signed speed; t_cross is where the trend crosses the target (None: never)."""
    if direction is not None:
        if direction * speed < 0:
            return None  # heading away from the met side: any crossing would be leaving it
        if direction * gap <= 0:
            return tn  # already on the met side, and staying there
        if speed == 0:
            return None
    if gap == 0:
        return tn
    if t_cross is None:
        return None
    return t_cross if t_cross >= tn - _EPS else None


def forecast_cagr(
    obs: Sequence[tuple[float, float]],
    deadline_year: float,
    target: float | None = None,
    *,
    direction: int | None = None,
) -> Forecast:
    """Extrapolate the first-to-latest compound annual growth rate to the deadline."""
    pts = _clean(obs)
    empty = Forecast(METHOD_CAGR, None, None)
    if len(pts) < 2 or pts[0][0] == pts[-1][0]:
        return empty
    (t0, v0), (tn, vn) = pts[0], pts[-1]
    if v0 <= 0 or vn <= 0:
        return Forecast(METHOD_CAGR, None, None, latest_year=tn)
    try:
        g = growth_rate(vn, v0, tn, t0)
        value = vn * (1.0 + g) ** (deadline_year - tn)
    except OverflowError:
        # A big change over a few days, annualised, exceeds any float: no usable growth rate.
        return Forecast(METHOD_CAGR, None, None, latest_year=tn)
    reach = None
    if target is not None and target > 0:
        # 1 + g underflows to 0 for a collapse over a few days: the curve never comes back.
        growing = g != 0 and 1.0 + g > 0
        t_cross = tn + math.log(target / vn) / math.log(1.0 + g) if growing else None
        reach = _reach(target - vn, g, t_cross, tn, direction)
    return Forecast(METHOD_CAGR, value, reach, rate=g, latest_year=tn)


def recency_weights(years: Sequence[float], ratio: float = 2.0) -> list[float]:
    """Weights rising linearly with time from 1 (oldest) to ``ratio`` (latest)."""
    t0, tn = min(years), max(years)
    if tn == t0:
        return [1.0 for _ in years]
    return [1.0 + (ratio - 1.0) * (t - t0) / (tn - t0) for t in years]


def forecast_linear(
    obs: Sequence[tuple[float, float]],
    deadline_year: float,
    target: float | None = None,
    *,
    recency_ratio: float = 2.0,
    direction: int | None = None,
) -> Forecast:
    """Weighted least-squares line through the observations, read at the deadline."""
    pts = _clean(obs)
    if len({t for t, _ in pts}) < 2:
        return Forecast(METHOD_LINEAR, None, None)
    ts = [t for t, _ in pts]
    vs = [v for _, v in pts]
    ws = recency_weights(ts, recency_ratio)
    sw = math.fsum(ws)
    tm = math.fsum(w * t for w, t in zip(ws, ts, strict=True)) / sw
    vm = math.fsum(w * v for w, v in zip(ws, vs, strict=True)) / sw
    sxx = math.fsum(w * (t - tm) ** 2 for w, t in zip(ws, ts, strict=True))
    sxy = math.fsum(w * (t - tm) * (v - vm) for w, t, v in zip(ws, ts, vs, strict=True))
    slope = sxy / sxx
    tn = ts[-1]
    at_latest = vm + slope * (tn - tm)
    value = vm + slope * (deadline_year - tm)
    reach = None
    if target is not None:
        t_cross = tm + (target - vm) / slope if slope != 0 else None
        reach = _reach(target - at_latest, slope, t_cross, tn, direction)
    return Forecast(METHOD_LINEAR, value, reach, rate=slope, intercept=at_latest, latest_year=tn)
