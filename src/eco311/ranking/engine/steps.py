"""The data steps before normalisation: denominate, impute, screen and transform.

Each step takes the indicator matrix (units x indicators, NaN = missing) plus plain
parameters, and returns a new matrix; none of them changes its input. Outlier treatment is
in ``treat.py``, normalisation in ``normalise.py``, aggregation in ``aggregate.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from eco311.ranking.engine.methodology import Transform
from eco311.ranking.engine.table import DomainError


def denominate(
    values: np.ndarray, denominators: Sequence[np.ndarray | None], scales: Sequence[float]
) -> np.ndarray:
    """value / (denominator / scale) for each column with a denominator column.

    A missing or zero denominator gives a missing value: "per employee" means nothing for a
    firm that reports no employees, and imputation can then fill it like any other gap.
    """
    out = values.copy()
    for j, (denominator, scale) in enumerate(zip(denominators, scales, strict=True)):
        if denominator is None:
            continue
        usable = denominator != 0  # NaN != 0 is True; NaN propagates through the division
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, j] = np.where(usable, values[:, j] / (denominator / scale), np.nan)
    return out


def impute(
    values: np.ndarray,
    method: Literal["mean", "median", "group_mean", "group_median"],
    groups: Sequence[str | None] | None = None,
) -> np.ndarray:
    """Fill each missing value with the mean or median of its column.

    The group_* methods use only the units of the same group (COINr's i_mean_grp and
    i_median_grp); units without a group, and groups with no value at all, stay missing.
    """
    if not method.startswith("group_"):
        return _fill(values, method)
    out = values.copy()
    for label in dict.fromkeys(g for g in groups if g is not None):
        members = np.array([g == label for g in groups])
        out[members] = _fill(values[members], method.removeprefix("group_"))
    return out


def _fill(values: np.ndarray, method: str) -> np.ndarray:
    """Missing cells set to their column's mean or median."""
    out = values.copy()
    for j in range(values.shape[1]):
        missing = np.isnan(values[:, j])
        if missing.any() and not missing.all():
            known = values[~missing, j]
            out[missing, j] = known.mean() if method == "mean" else np.median(known)
    return out


def availability(values: np.ndarray) -> np.ndarray:
    """Share of indicators with a value, for each unit (COINr's Dat_Avail)."""
    return 1 - np.isnan(values).sum(axis=1) / values.shape[1]


def screen(values: np.ndarray, threshold: float) -> np.ndarray:
    """Which units have at least ``threshold`` of their indicators (COINr's "byNA" rule)."""
    return availability(values) >= threshold


def transform(values: np.ndarray, transforms: Sequence[Transform]) -> np.ndarray:
    """Apply each column's caps, then its log."""
    out = values.copy()
    for j, spec in enumerate(transforms):
        lower, upper = spec.cap
        column = out[:, j]
        if lower is not None:
            column = np.where(column < lower, lower, column)
        if upper is not None:
            column = np.where(column > upper, upper, column)
        if spec.log:
            shifted = column + spec.log_offset
            bad = np.flatnonzero(shifted <= 0)
            if bad.size:
                raise DomainError(
                    int(bad[0]),
                    j,
                    f"the log needs x + log_offset above 0; got {column[bad[0]]:g} "
                    f"+ {spec.log_offset:g}",
                )
            column = np.log(shifted)
        out[:, j] = column
    return out
