"""Normalisation: every indicator onto a common scale on which higher is better.

Each function takes the matrix of indicator values (units x indicators, NaN = missing) and the
direction of each indicator, and works column by column over the units present. The formulas
follow COINr's ``n_*`` functions (R/normalise.R); where COINr returns a value in [0, 1], we map
it onto ``range`` (default 0-100) so that every bounded method reads the same way.
"""

from __future__ import annotations

import numpy as np

from eco311.ranking.engine.methodology import Normalise


def ranks_ascending(values: np.ndarray) -> np.ndarray:
    """Rank of each value within its column, smallest = 1, ties "min", NaN stays NaN."""
    return _ranks(values, descending=False)


def ranks_descending(values: np.ndarray) -> np.ndarray:
    """Rank of each value within its column, largest = 1, ties "min", NaN stays NaN."""
    return _ranks(values, descending=True)


def _ranks(values: np.ndarray, descending: bool) -> np.ndarray:
    matrix = values.reshape(values.shape[0], -1)
    out = np.full(matrix.shape, np.nan)
    for j in range(matrix.shape[1]):
        column = matrix[:, j]
        present = ~np.isnan(column)
        ordered = np.sort(column[present])
        if descending:
            # 1 + the number of values strictly greater
            out[present, j] = 1 + ordered.size - np.searchsorted(ordered, column[present], "right")
        else:
            out[present, j] = 1 + np.searchsorted(ordered, column[present], "left")
    return out.reshape(values.shape)


def normalise(
    values: np.ndarray,
    directions: np.ndarray,
    spec: Normalise,
    goalposts: np.ndarray | None = None,
    targets: np.ndarray | None = None,
) -> np.ndarray:
    """Normalise every column by ``spec.method``.

    ``goalposts`` (indicators x 2) and ``targets`` (indicators) are in the indicators' own
    units and are only read by the methods that need them. With the step disabled the values
    are only multiplied by their direction, so that higher still means better.
    """
    x = values * directions
    if not spec.enabled:
        return x
    low, high = spec.range
    with np.errstate(invalid="ignore", divide="ignore"):
        match spec.method:
            case "minmax" | "distance_to_max":
                unit = _minmax(x)
            case "goalposts":
                unit = _goalposts(values, directions, goalposts, spec.truncate)
            case "distance_to_target":
                unit = _distance_to_target(x, directions * targets, spec.cap_at_target)
            case "percentile_rank":
                unit = (ranks_ascending(x) - 1) / (np.sum(~np.isnan(x), axis=0) - 1)
            case "zscore":
                mean, sd = spec.mean_sd
                return (x - np.nanmean(x, axis=0)) / np.nanstd(x, axis=0, ddof=1) * sd + mean
            case "rank":
                return ranks_ascending(x)
            case "borda":
                return ranks_ascending(x) - 1
    return low + unit * (high - low)


def _minmax(x: np.ndarray) -> np.ndarray:
    """(x - min) / (max - min): COINr's n_minmax on [0, 1], and also its n_dist2max."""
    low, high = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    return (x - low) / (high - low)


def _goalposts(
    values: np.ndarray, directions: np.ndarray, goalposts: np.ndarray, truncate: bool
) -> np.ndarray:
    """Share of the way from the worst goalpost to the best one, clipped to [0, 1] if asked."""
    lower, upper = goalposts[:, 0], goalposts[:, 1]
    worst = np.where(directions > 0, lower, upper)
    y = directions * (values - worst) / (upper - lower)
    return np.clip(y, 0, 1) if truncate else y


def _distance_to_target(x: np.ndarray, targets: np.ndarray, cap: bool) -> np.ndarray:
    """COINr's n_dist2targ on direction-adjusted data: (x - min) / (target - min)."""
    low = np.nanmin(x, axis=0)
    y = (x - low) / (targets - low)
    return np.minimum(y, 1) if cap else y
