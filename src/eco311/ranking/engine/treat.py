"""Outlier treatment exactly as COINr's default ``Treat()`` does it (COINr 1.1.14, R/treat.R).

An indicator fails when ``|skew| >= skew_threshold`` and ``kurtosis >= kurtosis_threshold``,
both sample-corrected as Excel's SKEW and KURT (e1071 type 2). A failing indicator is winsorised
one extreme at a time, on the side the skew points to, until it passes or the point budget is
spent; if it still fails, the fallback (log_CT) is applied to the *original* values, not to the
winsorised ones. Where skew or kurtosis cannot be computed (fewer than four values, no spread),
COINr leaves the indicator as it was, and so do we.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Outcome = Literal["passed", "winsorised", "log_ct", "still_failing", "not_checked"]


def skew(x: np.ndarray) -> float:
    """Sample skewness as Excel's SKEW (NaN ignored; NaN for fewer than 3 values)."""
    return _skew_and_kurtosis(x)[0]


def kurtosis(x: np.ndarray) -> float:
    """Sample excess kurtosis as Excel's KURT (NaN ignored; NaN for fewer than 4 values)."""
    return _skew_and_kurtosis(x)[1]


def _skew_and_kurtosis(x: np.ndarray) -> tuple[float, float]:
    """Both statistics from one pass, with COINr's formulas (taken from e1071, type 2)."""
    x = x[~np.isnan(x)]
    n = x.size
    if n < 3:
        return np.nan, np.nan
    d = x - x.mean()
    s2 = np.sum(d**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.sqrt(n) * np.sum(d**3) / s2**1.5
        s = float(g * np.sqrt(n * (n - 1)) / (n - 2))
        if n < 4:
            return s, np.nan
        r = n * np.sum(d**4) / s2**2
    return s, float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def passes(x: np.ndarray, skew_threshold: float, kurtosis_threshold: float) -> bool | None:
    """COINr's ``check_SkewKurt``: True, False, or None when it cannot be computed."""
    return _passes(*_skew_and_kurtosis(x), skew_threshold, kurtosis_threshold)


def _passes(s: float, k: float, skew_threshold: float, kurtosis_threshold: float) -> bool | None:
    if np.isnan(s) or np.isnan(k):
        return None
    return bool(abs(s) < skew_threshold or k < kurtosis_threshold)


def winsorise(
    x: np.ndarray, max_points: int, skew_threshold: float, kurtosis_threshold: float
) -> np.ndarray | None:
    """COINr's ``winsorise()``; None where the statistics become undefined on the way.

    Each round replaces every copy of the current maximum (positive skew) or minimum (negative
    skew) by the next value in. COINr counts the points as the size of the last high set plus
    the size of the last low set, so ties grow the count; we count the same way, because the
    count decides when to stop.
    """
    x = x.copy()
    n_high = n_low = 0
    while n_high + n_low < max_points:
        s, k = _skew_and_kurtosis(x)
        ok = _passes(s, k, skew_threshold, kurtosis_threshold)
        if ok is None:
            return None
        if ok:
            break
        if s >= 0:
            extreme = x == np.nanmax(x)
            x[extreme] = np.nanmax(x[~extreme])
            n_high = int(extreme.sum())
        else:
            extreme = x == np.nanmin(x)
            x[extreme] = np.nanmin(x[~extreme])
            n_low = int(extreme.sum())
    return x


def log_ct(x: np.ndarray) -> np.ndarray:
    """COINr's ``log_CT``: ln(x - min + 0.01 (max - min)), so the minimum maps to a finite log."""
    low, high = np.nanmin(x), np.nanmax(x)
    return np.log(x - low + 0.01 * (high - low))


@dataclass(frozen=True)
class Treatment:
    """What treatment did to one indicator, for the record."""

    outcome: Outcome
    skew: float  # before treatment
    kurtosis: float
    changed: tuple[int, ...]  # row positions whose value changed (all rows for log_ct)


def treat_column(
    x: np.ndarray,
    *,
    skew_threshold: float,
    kurtosis_threshold: float,
    max_points: int,
    fallback: Literal["log_ct", "none"],
) -> tuple[np.ndarray, Treatment]:
    """Treat one indicator; returns the treated values and the record of what was done."""
    s, k = _skew_and_kurtosis(x)
    ok = _passes(s, k, skew_threshold, kurtosis_threshold)
    if ok is not False:
        return x, Treatment("not_checked" if ok is None else "passed", s, k, ())
    winsorised = winsorise(x, max_points, skew_threshold, kurtosis_threshold)
    ok = None if winsorised is None else passes(winsorised, skew_threshold, kurtosis_threshold)
    if ok is None:
        return x, Treatment("not_checked", s, k, ())
    if ok:
        return winsorised, Treatment("winsorised", s, k, _changed(x, winsorised))
    if fallback == "none":
        return winsorised, Treatment("still_failing", s, k, _changed(x, winsorised))
    logged = log_ct(x)
    if passes(logged, skew_threshold, kurtosis_threshold) is None:
        return x, Treatment("not_checked", s, k, ())
    return logged, Treatment("log_ct", s, k, tuple(np.flatnonzero(~np.isnan(x)).tolist()))


def _changed(before: np.ndarray, after: np.ndarray) -> tuple[int, ...]:
    return tuple(np.flatnonzero(before != after).tolist())
