"""Aggregation: one group score per unit from the scores of the group's children.

Every method takes ``values`` (units x children, NaN = missing) and ``weights`` (children) and
uses, for each unit, only the children that have a value: the weights are re-normalised over
them, so a missing value neither counts as zero nor changes the other weights' proportions.
A unit with no child value gets no score (NaN).

The means require values in their domain (the geometric mean cannot take 0); rather than
return a silently wrong score, they raise :class:`DomainError` naming the first offending row.
"""

from __future__ import annotations

import numpy as np

from eco311.ranking.engine.methodology import Aggregation
from eco311.ranking.engine.table import DomainError

#: Copeland treats weighted wins and losses within this relative distance as a draw, so that
#: weights such as 0.1 + 0.2 versus 0.3 draw as they do on paper.
DRAW_TOLERANCE = 1e-12
#: Rows compared at once by Copeland: memory stays at a few MB for thousands of units.
COPELAND_CHUNK = 256


def aggregate(values: np.ndarray, weights: np.ndarray, spec: Aggregation) -> np.ndarray:
    """The score of each unit by ``spec.method``."""
    p = exponent(spec)
    if p is not None:
        return power_mean(values, weights, p)
    if spec.method == "median":
        return weighted_median(values, weights)
    return copeland(values, weights)


def exponent(spec: Aggregation) -> float | None:
    """The exponent p of the power mean a spec names (0: geometric); None for the others."""
    return {"arithmetic": 1.0, "geometric": 0.0, "harmonic": -1.0, "generalised": spec.p}.get(
        spec.method
    )


def power_mean(values: np.ndarray, weights: np.ndarray, p: float) -> np.ndarray:
    """(sum w x^p / sum w)^(1/p) over the children present; p = 0 is the geometric mean.

    p = 1 is the weighted arithmetic mean sum(w x) / sum(w) (COINr's a_amean), p = -1 the
    harmonic mean, p = 0 exp(sum w ln x / sum w).
    """
    check_domain(values, p)
    present = ~np.isnan(values)
    w = np.where(present, weights, 0.0)
    transformed = power_transform(np.where(present, values, 1.0), p)
    with np.errstate(invalid="ignore", divide="ignore"):
        return power_inverse(np.sum(w * transformed, axis=1) / w.sum(axis=1), p)


def power_transform(x: np.ndarray, p: float) -> np.ndarray:
    """x^p, or ln x for p = 0: the scale on which a power mean is an arithmetic mean."""
    if p == 1:
        return x
    return np.log(x) if p == 0 else x**p


def power_inverse(y: np.ndarray, p: float) -> np.ndarray:
    """Back from the power scale: y^(1/p), or exp y for p = 0."""
    if p == 1:
        return y
    return np.exp(y) if p == 0 else y ** (1 / p)


def check_domain(values: np.ndarray, p: float) -> None:
    """Raise DomainError at the first present value the power mean cannot take."""
    if p == 1:
        return
    with np.errstate(invalid="ignore"):
        bad = (values <= 0) if p <= 0 else (values < 0)  # NaN compares False: not checked
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise DomainError(int(row), int(column), f"{_domain_text(p)}; got {values[row, column]:g}")


def _domain_text(p: float) -> str:
    if p == 0:
        return "the geometric mean needs values above 0"
    if p == -1:
        return "the harmonic mean needs values above 0"
    if p < 0:
        return f"the generalised mean with p = {p:g} needs values above 0"
    return f"the generalised mean with p = {p:g} needs values of 0 or more"


def _present_weights(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per unit, each child's weight if its value is present, else 0; and their sum."""
    w = np.where(np.isnan(values), 0.0, weights)
    return w, w.sum(axis=1)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The value at which the present children's weight reaches half, from below.

    When the cumulative weight is exactly half at a value, the median is the mean of that
    value and the next one, so equal weights give the ordinary median.
    """
    w, total = _present_weights(values, weights)
    usable = np.where(w > 0, values, np.nan)  # zero-weight children do not vote
    order = np.argsort(usable, axis=1)  # NaN sorts last
    x = np.take_along_axis(usable, order, axis=1)
    cumulative = np.cumsum(np.take_along_axis(w, order, axis=1), axis=1)
    k = np.argmax(2 * cumulative >= total[:, None], axis=1)
    rows = np.arange(values.shape[0])
    at_k = x[rows, k]
    exactly_half = 2 * cumulative[rows, k] == total
    after_k = x[rows, np.minimum(k + 1, values.shape[1] - 1)]
    median = np.where(exactly_half, (at_k + after_k) / 2, at_k)
    return np.where(total > 0, median, np.nan)


def copeland(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Copeland score: pairwise contests won minus contests lost.

    Unit i beats unit j when the weight of the children on which i is higher exceeds the weight
    of those on which j is higher, counting only children both have (COINr's outranking matrix
    with its 0.5 cut-off, re-normalised over the values present). Units sharing no child draw.
    """
    n = values.shape[0]
    scores = np.zeros(n)
    present = ~np.isnan(values)
    for start in range(0, n, COPELAND_CHUNK):
        rows = slice(start, min(start + COPELAND_CHUNK, n))
        wins = np.zeros((rows.stop - start, n))
        losses = np.zeros_like(wins)
        scale = np.zeros_like(wins)
        for c, weight in enumerate(weights):
            a, b = values[rows, c, None], values[None, :, c]
            both = present[rows, c, None] & present[None, :, c]
            wins += weight * (both & (a > b))
            losses += weight * (both & (a < b))
            scale += weight * both
        margin = np.where(np.abs(wins - losses) <= DRAW_TOLERANCE * scale, 0.0, wins - losses)
        scores[rows] = np.sign(margin).sum(axis=1)
    return np.where(present.any(axis=1), scores, np.nan)
