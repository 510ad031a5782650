"""The statistics of the uncertainty analysis: sampling design, Sobol estimators, rank summaries.

Variance-based sensitivity as in Saltelli et al. (2010), "Variance based sensitivity analysis
of model output", the same estimators COINr uses (R/sensitivity.R, ``SA_sample`` and
``SA_estimate``): two independent uniform samples A and B (N rows each) and, for each factor i,
the matrix AB_i (A with factor i's columns taken from B). With y the output of each row,

* first order  S_i  = mean(y_B (y_ABi - y_A)) / V
* total order  ST_i = mean((y_A - y_ABi)^2) / (2 V)     (Jansen's estimator)

where V is the variance of y over A and B together. Written here in NumPy because SciPy and
SALib are not dependencies (docs/adr/0006).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def saltelli_blocks(
    rng: np.random.Generator, n: int, columns: list[slice]
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Uniform A and B (n rows each) and each factor's AB_i; ``columns`` are the factors'."""
    width = max((c.stop for c in columns), default=0)
    a = rng.random((n, width))
    b = rng.random((n, width))
    ab = []
    for factor in columns:
        mixed = a.copy()
        mixed[:, factor] = b[:, factor]
        ab.append(mixed)
    return a, b, ab


@dataclass(frozen=True)
class Sobol:
    """First-order and total sensitivity indices of one factor."""

    first_order: float
    total: float


def sobol_indices(y: np.ndarray, n: int, factors: int) -> tuple[list[Sobol], float]:
    """Indices of each factor from outputs ordered A, B, AB_1 ... AB_d; and the variance."""
    if y.size != n * (factors + 2):
        raise ValueError(f"expected {n * (factors + 2)} outputs, got {y.size}")
    y_a, y_b = y[:n], y[n : 2 * n]
    variance = float(np.var(y[: 2 * n], ddof=1))
    out = []
    for i in range(factors):
        y_ab = y[(2 + i) * n : (3 + i) * n]
        first = np.mean(y_b * (y_ab - y_a)) / variance
        total = np.mean((y_a - y_ab) ** 2) / (2 * variance)
        out.append(Sobol(float(first), float(total)))
    return out, variance


def sorted_ranks(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's units from the lowest score up, and their ranks (highest = 1, ties "min").

    Sorting dominates the Monte Carlo, so instead of an argsort each score becomes a signed
    64-bit key in the order of the floats whose low bits carry the unit's column: one integer
    sort (vectorised, several times faster than argsort) yields both the order and the units.
    The low bits replace the last bits of the mantissa, so scores closer than about 1e-11
    relative count as tied. A missing score ranks last. ``unsort`` gives ranks by unit.
    """
    rows, n = scores.shape
    bits = max(1, (n - 1).bit_length())
    keys = np.array(scores, dtype=np.float64)
    missing = np.isnan(keys)
    if missing.any():
        keys[missing] = -np.inf
    negative = np.signbit(keys).any()
    keys = keys.view(np.int64)
    if negative:  # a negative float's other bits run the wrong way: flip them
        flip = keys >> 63
        flip &= np.int64(0x7FFF_FFFF_FFFF_FFFF)
        keys ^= flip
    keys &= np.int64(~((1 << bits) - 1))
    keys |= np.arange(n, dtype=np.int64)
    keys.sort(axis=1)
    units = keys & np.int64((1 << bits) - 1)
    ranks = np.broadcast_to(np.arange(n, 0, -1, dtype=np.int32), (rows, n))
    keys >>= bits
    same_as_next = keys[:, :-1] == keys[:, 1:]
    if same_as_next.any():  # tied units share the rank of the last (highest) of their run
        last = np.pad(~same_as_next, ((0, 0), (0, 1)), constant_values=True)
        end = np.where(last, np.arange(n), n)[:, ::-1]
        ranks = (n - np.minimum.accumulate(end, axis=1)[:, ::-1]).astype(np.int32)
    return units, ranks


def unsort(units: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Ranks by unit (column) from the sorted form of ``sorted_ranks``."""
    rows, n = units.shape
    out = np.empty((rows, n), dtype=np.int32)
    flat = units + (np.arange(rows, dtype=np.int64) * n)[:, None]
    out.ravel()[flat.ravel()] = ranks.ravel()
    return out


def quantiles(sorted_rows: np.ndarray, probabilities: tuple[float, ...]) -> np.ndarray:
    """Quantiles of each sorted row, interpolated as R's default (type 7) and NumPy's."""
    count = sorted_rows.shape[1]
    out = []
    for p in probabilities:
        h = (count - 1) * p
        low = int(np.floor(h))
        high = min(low + 1, count - 1)
        below, above = sorted_rows[:, low], sorted_rows[:, high]
        out.append(below + (h - low) * (above - below))
    return np.array(out)
