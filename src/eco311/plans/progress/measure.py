"""The Open SDG 2.4 progress measure (Statistics Canada method), re-implemented.

Pure standard library, no Django. The rules follow sdg-build's ``sdg/ProgressMeasure.py``
(classes ``SeriesProgress`` / ``IndicatorProgress``) and Open SDG's progress documentation;
docs/progress-method.md lists every rule with the source it came from and the few places where
this module deliberately differs (all of them cases where sdg-build would crash or return
complex numbers).

In short, for one series with a base point (t0, y0) and a current point (t, y):

* CAGR = (y / y0) ** (1 / (t - t0)) - 1, with fractional years allowed.
* Without a target: P = s * d * CAGR, where s is the sign of the base value and d the desired
  direction (+1 increase, -1 decrease). Thresholds 1.5 % / 0.5 % / 0, the positive ones scaled
  by the limit coefficient C when a natural limit is given.
* With a target: P = s * d * CAGR / |CAGR_required|, where CAGR_required is the growth needed to
  go from the base value to the target by the target year. Thresholds 0.95 / 0.60 / 0.
* A target that the current value already meets gives "target_achieved" and a score of 5,
  whatever the trend and even when the trend cannot be computed.
* The score maps P linearly onto -5..+5 (category boundaries at -2.5, 0 and 2.5); the score of
  an indicator is the mean of its series' scores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

STATUSES = (
    "target_achieved",
    "substantial_progress",
    "moderate_progress",
    "limited_progress",
    "deterioration",
    "not_available",
)

METHOD_NO_TARGET = "no_target"  # sdg-build "methodology 1" (qualitative target)
METHOD_TARGET = "target"  # sdg-build "methodology 2" (quantitative target)

SCORE_MIN = -5.0
SCORE_MAX = 5.0
# Score at each threshold, in the order floor, low, med, high, cap. The four categories split the
# -5..+5 range into equal quarters (progress-methodology.md, "Aggregated progress status").
_SCORE_AT = (-5.0, -2.5, 0.0, 2.5, 5.0)
SCORE_LINES = ("sdg_build", "interpolated")
# sdg-build get_score, method 2: the line through (0.6, 0) and (1.3, 5) and the line through
# (0, -2.5) and (0.6, 0), with the slopes and intercept rounded to four decimals in its source.
SDG_BUILD_TARGET_SLOPE_HIGH = 7.1429
SDG_BUILD_TARGET_INTERCEPT_HIGH = 4.2857
SDG_BUILD_TARGET_SLOPE_LOW = 4.1667


@dataclass(frozen=True)
class MeasureConfig:
    """Thresholds and constants of the method. Defaults are Open SDG 2.4 / sdg-build's."""

    # Without a target: observed (signed, directed) CAGR.
    no_target_high: float = 0.015  # >= -> substantial_progress
    no_target_med: float = 0.005  # >= -> moderate_progress
    no_target_low: float = 0.0  # >= -> limited_progress, below -> deterioration
    no_target_score_floor: float = -0.02  # CAGR at which the score reaches -5
    no_target_score_cap: float = 0.02  # CAGR (times C) at which the score reaches +5
    # With a target: ratio of observed to required CAGR.
    target_high: float = 0.95
    target_med: float = 0.60
    target_low: float = 0.0
    target_score_floor: float = -0.60
    target_score_cap: float = 1.30
    # Natural limits: C = 1 - (y0 / ylim) ** limit_exponent (see limit_coefficient).
    limit_exponent: float = 4.44
    # A zero base value or target breaks the exponential model; sdg-build replaces it.
    zero_replacement: float = 0.001
    # sdg-build returns no progress when current_year - base_year < 1.
    min_span_years: float = 1.0
    # sdg-build's default target year when a target has none.
    default_target_year: float = 2030.0
    # How scores are computed: "sdg_build" uses the lines hard-coded in sdg-build's get_score
    # (rounded slopes 7.1429, 4.2857, 4.1667) so published Open SDG scores are reproduced to
    # the last digit; "interpolated" draws exact lines through the configured thresholds, which
    # is what a changed threshold needs (sdg-build's lines only fit its default thresholds).
    score_lines: str = "sdg_build"

    def __post_init__(self) -> None:
        if self.score_lines not in SCORE_LINES:
            raise ValueError(f"score_lines must be one of {SCORE_LINES}, got {self.score_lines!r}")
        for prefix in ("no_target", "target"):
            seq = [
                getattr(self, f"{prefix}_score_floor"),
                getattr(self, f"{prefix}_low"),
                getattr(self, f"{prefix}_med"),
                getattr(self, f"{prefix}_high"),
                getattr(self, f"{prefix}_score_cap"),
            ]
            if any(b <= a for a, b in zip(seq, seq[1:], strict=False)):
                raise ValueError(
                    f"{prefix} thresholds must increase strictly: "
                    "score_floor < low < med < high < score_cap"
                )
        if self.zero_replacement <= 0:
            raise ValueError("zero_replacement must be positive")
        if self.min_span_years < 0:
            raise ValueError("min_span_years must not be negative")


DEFAULT = MeasureConfig()


@dataclass(frozen=True)
class Series:
    """One time series reduced to its base and current points (plus target and options)."""

    base_year: float | None
    base_value: float | None
    current_year: float | None
    current_value: float | None
    target_value: float | None = None
    target_year: float | None = None
    direction: int = 1  # +1: increase desired, -1: decrease desired
    limit: float | None = None  # natural maximum (direction +1) or minimum (direction -1)
    id: str = ""


@dataclass(frozen=True)
class MeasureResult:
    status: str
    score: float | None
    progress_value: float | None
    id: str = ""
    method: str | None = None  # "no_target", "target", or None when nothing could be measured
    target_achieved: bool = False
    cagr: float | None = None  # observed CAGR between base and current, before sign/direction
    required_cagr: float | None = None  # CAGR needed to reach the target by the target year
    coefficient: float | None = None  # limit coefficient C (no-target method with a limit)
    sign: int | None = None  # -1 when the base value is negative, else +1
    base_year: float | None = None
    base_value: float | None = None  # after the zero replacement, as used in the formula
    current_year: float | None = None
    current_value: float | None = None
    target_value: float | None = None  # after the zero replacement
    target_year: float | None = None  # after applying the default target year
    reason: str | None = None  # why progress_value is None (stable machine code)
    warnings: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------------------------
# Time


def period_to_year(d: date) -> float:
    """A date as a fractional year: the instant at the END of that day.

    ``year + day_of_year / days_in_year``, so 31 December 2024 is exactly 2025.0 (the moment
    2024 is over), 30 June 2024 is 2024 + 182/366 = 2024.497 and 31 March 2025 is
    2025 + 90/365 = 2025.247. Year-end observations therefore sit on whole numbers one year
    apart, which gives annual series exactly the spans sdg-build computes from its integer
    ``Year`` column. A datetime counts as its date. year_to_date (forecast.py) is the inverse.
    """
    if isinstance(d, datetime):
        d = d.date()
    start = date(d.year, 1, 1)
    days_in_year = (date(d.year + 1, 1, 1) - start).days
    day_of_year = (d - start).days + 1
    return d.year + day_of_year / days_in_year


# --------------------------------------------------------------------------------------------
# Building blocks


def growth_rate(current_value: float, base_value: float, current_year: float, base_year: float):
    """Compound annual growth rate between two points (years may be fractional)."""
    return (current_value / base_value) ** (1.0 / (current_year - base_year)) - 1.0


def limit_coefficient(base_value: float, limit: float, exponent: float = 4.44) -> float:
    """Scaling factor C in [0, 1] for the no-target thresholds near a natural limit.

    sdg-build compares absolute values: C = 1 when |y0| >= 2|ylim| (checked first, so a zero
    limit with a zero base gives 1), C = 1 - (|y0|/|ylim|)**a when |y0| <= |ylim|, otherwise
    C = 1 - ((2|ylim| - |y0|)/|ylim|)**a. C is 0 at the limit and 1 far from it, symmetric
    around the limit; the direction is not used.
    """
    b, lim = abs(base_value), abs(limit)
    if b >= 2 * lim:
        return 1.0
    if b <= lim:
        return 1.0 - (b / lim) ** exponent
    return 1.0 - ((2 * lim - b) / lim) ** exponent


def thresholds(method: str, coefficient: float = 1.0, config: MeasureConfig = DEFAULT):
    """(floor, low, med, high, cap) for a method; positive values scaled by the coefficient.

    Open SDG scales only the thresholds above zero (progress-methodology.md); with the default
    low threshold of 0 this is the same as sdg-build, which multiplies all three.
    """
    if method == METHOD_NO_TARGET:
        raw = (
            config.no_target_score_floor,
            config.no_target_low,
            config.no_target_med,
            config.no_target_high,
            config.no_target_score_cap,
        )
    elif method == METHOD_TARGET:
        raw = (
            config.target_score_floor,
            config.target_low,
            config.target_med,
            config.target_high,
            config.target_score_cap,
        )
    else:
        raise ValueError(f"unknown method {method!r}")
    return tuple(v * coefficient if v > 0 else v for v in raw)


def status_for_value(
    progress_value: float | None,
    method: str,
    coefficient: float = 1.0,
    config: MeasureConfig = DEFAULT,
    target_achieved: bool = False,
) -> str:
    """Category of a progress value: each threshold includes its lower boundary."""
    if target_achieved:
        return "target_achieved"
    if progress_value is None:
        return "not_available"
    _, low, med, high, _ = thresholds(method, coefficient, config)
    if progress_value >= high:
        return "substantial_progress"
    if progress_value >= med:
        return "moderate_progress"
    if progress_value >= low:
        return "limited_progress"
    return "deterioration"


def score_for_value(
    progress_value: float | None,
    method: str,
    coefficient: float = 1.0,
    config: MeasureConfig = DEFAULT,
    target_achieved: bool = False,
) -> float | None:
    """Score in [-5, 5]: piecewise linear through (floor,-5) (low,-2.5) (med,0) (high,2.5) (cap,5).

    With ``config.score_lines == "sdg_build"`` (the default) the lines are sdg-build's
    get_score, operation for operation, including its rounded slopes (7.1429, 4.2857, 4.1667),
    so published Open SDG scores are reproduced exactly; "interpolated" uses exact lines
    through the configured thresholds (the two differ by less than 1e-4 with the defaults).
    A met target scores 5. With C == 0 (base value at the limit) any non-negative progress
    scores 5, as in sdg-build.
    """
    if target_achieved:
        return SCORE_MAX
    if progress_value is None:
        return None
    points = thresholds(method, coefficient, config)
    if config.score_lines == "sdg_build":
        return _sdg_build_score(progress_value, method, coefficient, points)
    if method == METHOD_NO_TARGET and coefficient == 0 and progress_value >= points[1]:
        return SCORE_MAX
    if progress_value <= points[0]:
        return SCORE_MIN
    if progress_value >= points[-1]:
        return SCORE_MAX
    for (x0, y0), (x1, y1) in zip(
        zip(points, _SCORE_AT, strict=True),
        zip(points[1:], _SCORE_AT[1:], strict=True),
        strict=True,
    ):
        if x0 <= progress_value <= x1:
            return y0 + (y1 - y0) * (progress_value - x0) / (x1 - x0)
    raise AssertionError("unreachable")  # pragma: no cover


def _sdg_build_score(p: float, method: str, coefficient: float, points) -> float:
    """sdg-build's get_score for an unmet target, written in its order of operations.

    Only the thresholds low, med and high come from the configuration (as in sdg-build, where
    they are already scaled by C); the slopes are its constants, fitted to the defaults.
    """
    _, low, med, high, _ = points
    if method == METHOD_NO_TARGET:
        if p < low:
            return max(125 * p - 2.5, SCORE_MIN)
        if coefficient == 0:
            return SCORE_MAX
        if p >= high:
            return min(500 * p / coefficient - 5, SCORE_MAX)
        if p >= med:
            return 250 * p / coefficient - 1.25
        return 500 * p / coefficient - 2.5
    if p >= med:
        return min(SDG_BUILD_TARGET_SLOPE_HIGH * p - SDG_BUILD_TARGET_INTERCEPT_HIGH, SCORE_MAX)
    return max(SDG_BUILD_TARGET_SLOPE_LOW * p - 2.5, SCORE_MIN)


def status_from_score(score: float | None, target_achieved: bool = False) -> str:
    """Category of a score (used for indicators): [2.5, 5] substantial, [0, 2.5) moderate,
    [-2.5, 0) limited, [-5, -2.5) deterioration."""
    if target_achieved:
        return "target_achieved"
    if score is None:
        return "not_available"
    if score >= 2.5:
        return "substantial_progress"
    if score >= 0:
        return "moderate_progress"
    if score >= -2.5:
        return "limited_progress"
    return "deterioration"


# --------------------------------------------------------------------------------------------
# The measure


def _check_finite(name: str, value: float | None) -> None:
    if value is not None and not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def measure(series: Series, config: MeasureConfig = DEFAULT) -> MeasureResult:
    """Progress status, score and value of one series, following sdg-build step by step."""
    s = series
    for name in (
        "base_year",
        "base_value",
        "current_year",
        "current_value",
        "target_value",
        "target_year",
        "limit",
    ):
        _check_finite(name, getattr(s, name))
    if s.direction not in (1, -1):
        raise ValueError(f"direction must be 1 or -1, got {s.direction!r}")

    warnings: list[str] = []
    d = s.direction
    target = s.target_value
    if target == 0:
        # sdg-build: a zero target becomes 0.001. We give it the sign of the base value so a
        # negative series does not end up with a target of the opposite sign.
        negative = s.base_value is not None and s.base_value < 0
        target = -config.zero_replacement if negative else config.zero_replacement
        warnings.append("target_zero_replaced")
    method = METHOD_NO_TARGET if target is None else METHOD_TARGET
    target_year = s.target_year
    if target is not None and target_year is None:
        target_year = config.default_target_year
        warnings.append("default_target_year")

    def result(status, score=None, progress=None, reason=None, **extra) -> MeasureResult:
        return MeasureResult(
            status=status,
            score=score,
            progress_value=progress,
            id=s.id,
            target_value=target,
            target_year=target_year,
            reason=reason,
            warnings=tuple(warnings),
            **extra,
        )

    if s.current_value is None or s.current_year is None:
        return result("not_available", reason="no_data")

    # The target check comes first in sdg-build: a met target wins even without a usable trend.
    achieved = target is not None and (
        (d == 1 and s.current_value >= target) or (d == -1 and s.current_value <= target)
    )
    points = {"current_year": s.current_year, "current_value": s.current_value}

    def unmeasurable(reason: str, **extra) -> MeasureResult:
        if achieved:
            return result("target_achieved", SCORE_MAX, None, reason, target_achieved=True, **extra)
        return result("not_available", None, None, reason, **extra)

    if s.base_value is None or s.base_year is None:
        return unmeasurable("no_base", method=method, **points)

    base = s.base_value
    sign = -1 if base < 0 else 1  # from the raw base value, before any replacement
    points.update(base_year=s.base_year, sign=sign)

    coefficient = 1.0
    if method == METHOD_NO_TARGET and s.limit is not None:
        if (d == -1 and base < s.limit) or (d == 1 and base > s.limit):
            warnings.append("base_beyond_limit")
        coefficient = limit_coefficient(base, s.limit, config.limit_exponent)
    elif method == METHOD_TARGET and s.limit is not None:
        warnings.append("limit_ignored_with_target")
    extra = dict(points, method=method)
    if method == METHOD_NO_TARGET and s.limit is not None:
        extra["coefficient"] = coefficient

    if base == 0:
        base = config.zero_replacement
        warnings.append("base_zero_replaced")
    extra["base_value"] = base

    if (base > 0 and s.current_value < 0) or (base < 0 and s.current_value > 0):
        return unmeasurable("opposite_signs", **extra)
    if s.base_year > s.current_year:
        return unmeasurable("base_after_current", **extra)
    if s.current_year - s.base_year < config.min_span_years or s.current_year == s.base_year:
        return unmeasurable("insufficient_data", **extra)

    cagr = growth_rate(s.current_value, base, s.current_year, s.base_year)
    extra["cagr"] = cagr
    if method == METHOD_NO_TARGET:
        progress = sign * d * cagr
    else:
        if target_year <= s.base_year:
            return unmeasurable("target_year_not_after_base", **extra)
        if (target > 0) != (base > 0):
            return unmeasurable("target_opposite_sign", **extra)
        required = growth_rate(target, base, target_year, s.base_year)
        extra["required_cagr"] = required
        if required == 0:
            # Base value equals the target. sdg-build divides by zero here; when the target
            # is not met the current value has moved the wrong way, which is deterioration.
            if achieved:
                return unmeasurable("required_growth_zero", **extra)
            return result("deterioration", SCORE_MIN, None, "required_growth_zero", **extra)
        progress = sign * d * cagr / abs(required)

    return result(
        status_for_value(progress, method, coefficient, config, achieved),
        score_for_value(progress, method, coefficient, config, achieved),
        progress,
        target_achieved=achieved,
        **extra,
    )


def measure_observations(
    observations: Sequence[tuple[float, float]],
    target_value: float | None = None,
    target_year: float | None = None,
    direction: int = 1,
    limit: float | None = None,
    base: tuple[float, float] | None = None,
    *,
    base_year: float | None = None,
    config: MeasureConfig = DEFAULT,
    id: str = "",
) -> MeasureResult:
    """Measure a whole series of (year, value) observations.

    The current point is the latest observation. The base point is ``base`` when given;
    otherwise, with ``base_year``, the observation of that year or else the first one after it
    (sdg-build's rule for its default base year 2015); otherwise the first observation.
    Observations with a value of None are dropped; two observations for the same year are an
    error (sdg-build raises as well).
    """
    pts = sorted((float(t), float(v)) for t, v in observations if v is not None)
    years = [t for t, _ in pts]
    if len(set(years)) != len(years):
        dupes = sorted({t for t in years if years.count(t) > 1})
        raise ValueError(f"duplicate observations for year(s) {dupes}")
    current = pts[-1] if pts else (None, None)
    if base is not None:
        chosen = (float(base[0]), float(base[1]))
    elif pts and base_year is not None:
        later = [p for p in pts if p[0] >= base_year]
        # No data in or after the base year: no base point (sdg-build cannot measure either).
        chosen = later[0] if later else (base_year, None)
    else:
        chosen = pts[0] if pts else (None, None)
    series = Series(
        base_year=chosen[0],
        base_value=chosen[1],
        current_year=current[0],
        current_value=current[1],
        target_value=target_value,
        target_year=target_year,
        direction=direction,
        limit=limit,
        id=id,
    )
    return measure(series, config)


# --------------------------------------------------------------------------------------------
# Indicators


def indicator_score(results: Iterable[MeasureResult]) -> float | None:
    """Mean score of the series that have one; None when none has."""
    scores = [r.score for r in results if r.score is not None]
    if not scores:
        return None
    return math.fsum(scores) / len(scores)


def indicator_status(results: Iterable[MeasureResult]) -> str:
    """Status of an indicator from the mean score of its series.

    "target_achieved" only when every scored series has met its target (a met target scores 5,
    but one met target among others does not make the indicator achieved).
    """
    scored = [r for r in results if r.score is not None]
    if not scored:
        return "not_available"
    return status_from_score(indicator_score(scored), all(r.target_achieved for r in scored))


def indicator_progress(
    results: Iterable[MeasureResult], *, auto: bool = True, manual_status: str | None = None
) -> tuple[float | None, str]:
    """(score, status) of an indicator the way Open SDG decides what to display.

    With the automatic calculation on, the series results decide and any manual status is
    ignored. With it off, the manual ``progress_status`` of the metadata is shown with no score
    (sdg-build returns an empty status when there is none; we return "not_available").
    """
    if not auto:
        return None, manual_status or "not_available"
    results = list(results)
    return indicator_score(results), indicator_status(results)
