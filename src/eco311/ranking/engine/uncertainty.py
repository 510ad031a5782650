"""Uncertainty and sensitivity of the ranks: Monte Carlo over the methodology's uncertain choices.

``analyse(data, methodology)`` draws variants of the methodology as its ``uncertainty`` section
says (noise on weights, alternative treatments, normalisations and aggregations), ranks the
units under each, and reports for every unit its nominal rank, median rank, 5th-95th
percentile band and probability of being in the top N, and for every choice its first-order
and total Sobol index on the mean absolute rank shift (COINr's sensitivity target).

The variants are never built as methodologies. The data steps before treatment do not vary,
so they run once; each treatment x normalisation pair is computed once; what varies per run is
only the weights and the aggregation, which are evaluated for a block of runs at a time with
matrix products. When every level uses the same power mean and no value is missing, the levels
collapse into one weighted power mean with effective weights (a power mean of power means with
the same exponent is one), which makes a run cost one row of one matrix product plus a sort.
``rerun=True`` instead re-runs the whole pipeline for every variant, as COINr does; it is the
reference the fast path is tested against and the baseline of the benchmark.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from eco311.ranking.engine.aggregate import (
    aggregate,
    check_domain,
    exponent,
    power_inverse,
    power_transform,
)
from eco311.ranking.engine.methodology import Aggregation, Methodology
from eco311.ranking.engine.pipeline import Result, normalise_stage, run, treat_stage
from eco311.ranking.engine.sensitivity import (
    Sobol,
    quantiles,
    saltelli_blocks,
    sobol_indices,
    sorted_ranks,
    unsort,
)
from eco311.ranking.engine.table import DataError, DataTable, DomainError

#: Runs evaluated together: big enough for fast matrix products, small enough for the cache.
BLOCK = 128


@dataclass(frozen=True)
class Variants:
    """Every run of the analysis, in Saltelli's order A, B, AB_1, ..., AB_d.

    ``weights[r]`` holds the weight of every indicator, then of every group below the top
    (in file order); the other arrays index ``Methodology.*_choices()``.
    """

    n: int
    factors: tuple[str, ...]
    weights: np.ndarray
    treatment: np.ndarray
    normalisation: np.ndarray
    aggregation: np.ndarray

    @property
    def runs(self) -> int:
        return self.weights.shape[0]


def sample_variants(m: Methodology, samples: int, seed: int) -> Variants:
    """Draw the runs: uniform numbers mapped onto each factor's noise or alternatives."""
    nominal, noise = _weights_and_noise(m)
    noisy = np.flatnonzero(noise)
    counts = {
        "treatment": len(m.treatment_choices()),
        "normalisation": len(m.normalisation_choices()),
        "aggregation": len(m.aggregation_choices()),
    }
    columns: dict[str, slice] = {}
    if noisy.size:
        columns["weights"] = slice(0, noisy.size)
    for factor, count in counts.items():
        if count > 1:
            start = max((c.stop for c in columns.values()), default=0)
            columns[factor] = slice(start, start + 1)
    a, b, ab = saltelli_blocks(np.random.default_rng(seed), samples, list(columns.values()))
    u = np.vstack([a, b, *ab])
    weights = np.tile(nominal, (u.shape[0], 1))
    if noisy.size:
        weights[:, noisy] *= 1 + noise[noisy] * (2 * u[:, columns["weights"]] - 1)

    def pick(factor: str) -> np.ndarray:
        if factor not in columns:
            return np.zeros(u.shape[0], dtype=int)
        return np.minimum(
            (u[:, columns[factor].start] * counts[factor]).astype(int), counts[factor] - 1
        )

    return Variants(
        n=samples,
        factors=tuple(columns),
        weights=weights,
        treatment=pick("treatment"),
        normalisation=pick("normalisation"),
        aggregation=pick("aggregation"),
    )


def _weights_and_noise(m: Methodology) -> tuple[np.ndarray, np.ndarray]:
    """Nominal weights and relative noise of every weighted entry (indicators, then groups)."""
    noise = m.uncertainty.weight_noise
    weights = [i.weight for i in m.indicators]
    factors = [noise.get("indicators", 0.0)] * len(m.indicators)
    for level in m.levels[:-1]:
        weights += [g.weight for g in level.groups]
        factors += [noise.get(level.name, 0.0)] * len(level.groups)
    return np.array(weights, dtype=float), np.array(factors, dtype=float)


# ---------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    """Rank statistics over the runs of blocks A and B (as COINr), and the Sobol indices."""

    units: tuple[str, ...]  # the units with a nominal score
    nominal_rank: np.ndarray
    median_rank: np.ndarray
    rank_q05: np.ndarray
    rank_q95: np.ndarray
    mean_rank: np.ndarray
    p_top: np.ndarray  # share of runs with rank <= top_n
    top_n: int
    sobol: dict[str, Sobol]  # by factor; empty when only one factor varies
    shifts: np.ndarray  # mean absolute rank shift of every run
    runs: int

    def table(self) -> list[dict[str, object]]:
        """One row per unit, in nominal rank order."""
        rows = [
            {
                "unit": unit,
                "nominal_rank": int(self.nominal_rank[i]),
                "median_rank": float(self.median_rank[i]),
                "rank_q05": float(self.rank_q05[i]),
                "rank_q95": float(self.rank_q95[i]),
                "mean_rank": float(self.mean_rank[i]),
                "p_top": float(self.p_top[i]),
            }
            for i, unit in enumerate(self.units)
        ]
        return sorted(rows, key=lambda r: r["nominal_rank"])


def analyse(
    data: DataTable,
    methodology: Methodology,
    *,
    samples: int | None = None,
    seed: int | None = None,
    rerun: bool = False,
    workers: int | None = None,
) -> Analysis:
    """The uncertainty analysis of ``methodology.uncertainty`` (``samples`` and ``seed``
    override the file). ``rerun=True`` re-runs the pipeline for every variant (slow)."""
    m = methodology
    spec = m.uncertainty
    if not spec.enabled:
        raise ValueError("the methodology's uncertainty analysis is off (uncertainty.enabled)")
    samples = spec.samples if samples is None else samples
    if samples < 2:
        raise ValueError(f"the analysis needs at least 2 samples, not {samples}")
    variants = sample_variants(m, samples, spec.seed if seed is None else seed)
    nominal = run(data, m)
    index = nominal.index
    scored = ~np.isnan(index)
    nominal_rank = nominal.ranks.column(m.index_code)[scored].astype(np.int32)
    stats_runs = 2 * variants.n
    kept = np.empty((stats_runs, int(scored.sum())), dtype=np.int32)
    shifts = np.empty(variants.runs)
    if rerun:
        blocks = _rerun_blocks(data, m, variants, scored, nominal_rank)
    else:
        blocks = _fast_blocks(m, nominal, variants, scored, nominal_rank, workers)
    for rows, block_shifts, ranks in blocks:  # ranks of the rows that are A or B runs
        shifts[rows] = block_shifts
        kept[rows[: len(ranks)]] = ranks
    units = tuple(u for u, s in zip(nominal.normalised.units, scored, strict=True) if s)
    return _summary(m, units, nominal_rank, kept, shifts, variants)


def _summary(
    m: Methodology,
    units: tuple[str, ...],
    nominal_rank: np.ndarray,
    kept: np.ndarray,
    shifts: np.ndarray,
    variants: Variants,
) -> Analysis:
    """Rank statistics of the A and B runs (``kept``), Sobol indices of all runs' shifts."""
    ordered = np.sort(kept.T, axis=1)
    median, q05, q95 = quantiles(ordered, (0.5, 0.05, 0.95))
    sobol = {}
    if len(variants.factors) > 1:
        indices, _ = sobol_indices(shifts, variants.n, len(variants.factors))
        sobol = dict(zip(variants.factors, indices, strict=True))
    return Analysis(
        units=units,
        nominal_rank=nominal_rank,
        median_rank=median,
        rank_q05=q05,
        rank_q95=q95,
        mean_rank=kept.mean(axis=0),
        p_top=(kept <= m.uncertainty.top_n).mean(axis=0),
        top_n=m.uncertainty.top_n,
        sobol=sobol,
        shifts=shifts,
        runs=variants.runs,
    )


# ---------------------------------------------------------------------------------------------
# The reference: re-run the pipeline for every variant
# ---------------------------------------------------------------------------------------------


def variant_methodology(m: Methodology, variants: Variants, r: int) -> Methodology:
    """Run ``r`` as a methodology of its own (weights, treatment, normalisation, aggregation)."""
    weights = iter(variants.weights[r].tolist())
    indicators = [i.model_copy(update={"weight": next(weights)}) for i in m.indicators]
    aggregations = m.aggregation_choices()[variants.aggregation[r]]
    levels = []
    for k, level in enumerate(m.levels):
        groups = level.groups
        if k < len(m.levels) - 1:
            groups = [g.model_copy(update={"weight": next(weights)}) for g in groups]
        levels.append(level.model_copy(update={"groups": groups, "aggregation": aggregations[k]}))
    steps = m.steps.model_copy(
        update={
            "treat": m.treatment_choices()[variants.treatment[r]],
            "normalise": m.normalisation_choices()[variants.normalisation[r]],
        }
    )
    return m.model_copy(update={"indicators": indicators, "levels": levels, "steps": steps})


def _rerun_blocks(
    data: DataTable, m: Methodology, variants: Variants, scored: np.ndarray, nominal: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    for r in range(variants.runs):
        result = run(data, variant_methodology(m, variants, r))
        ranks = result.ranks.column(m.index_code)[scored]
        ranks = np.where(np.isnan(ranks), scored.sum(), ranks).astype(np.int32)[None, :]
        in_stats = ranks if r < 2 * variants.n else ranks[:0]
        yield np.array([r]), np.abs(ranks - nominal).mean(axis=1), in_stats


# ---------------------------------------------------------------------------------------------
# The fast path
# ---------------------------------------------------------------------------------------------


def _fast_blocks(
    m: Methodology,
    nominal: Result,
    variants: Variants,
    scored: np.ndarray,
    nominal_rank: np.ndarray,
    workers: int | None,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Blocks of runs that share treatment, normalisation and aggregation, ranked in threads."""
    matrices = _normalised_matrices(m, nominal, variants, scored)
    hierarchy = _Hierarchy.of(m)
    combos = np.stack([variants.treatment, variants.normalisation, variants.aggregation], axis=1)
    tasks = []
    for combo in np.unique(combos, axis=0):
        rows = np.flatnonzero((combos == combo).all(axis=1))
        for start in range(0, rows.size, BLOCK):
            tasks.append((rows[start : start + BLOCK], tuple(combo)))

    def evaluate(task):
        block, (t, z, a) = task
        try:
            scores = hierarchy.scores(
                matrices[t, z], variants.weights[block], m.aggregation_choices()[a]
            )
        except DomainError as exc:
            raise DataError(f"uncertainty analysis, {_describe(m, t, z, a)}: {exc}") from exc
        units, ranks = sorted_ranks(scores)
        shift = nominal_rank[units]
        np.subtract(ranks, shift, out=shift)
        shifts = np.abs(shift, out=shift).sum(axis=1) / shift.shape[1]
        in_stats = int(np.searchsorted(block, 2 * variants.n))
        return block, shifts, unsort(units[:in_stats], ranks[:in_stats])

    with ThreadPoolExecutor(workers or os.cpu_count() or 1) as pool:
        yield from pool.map(evaluate, tasks)


def _normalised_matrices(
    m: Methodology, nominal: Result, variants: Variants, scored: np.ndarray
) -> dict[tuple[int, int], np.ndarray]:
    """Normalised values (scored units x indicators) of each treatment x normalisation used."""
    treatments: dict[int, object] = {}
    out = {}
    for t, z in {
        (int(t), int(z)) for t, z in zip(variants.treatment, variants.normalisation, strict=True)
    }:
        if t not in treatments:
            spec = m.treatment_choices()[t]
            same = spec == m.steps.treat
            treatments[t] = nominal.treated if same else treat_stage(nominal.transformed, spec)[0]
        frame = normalise_stage(m, treatments[t], m.normalisation_choices()[z])
        out[t, z] = np.ascontiguousarray(frame.values[scored])
    return out


@dataclass(frozen=True)
class _Hierarchy:
    """The hierarchy as index arrays over the weight vector of ``Variants``."""

    children: list[list[np.ndarray]]  # per level, per group: entry indices of its children
    chains: np.ndarray  # per indicator: entry indices of itself and its groups below the top

    @classmethod
    def of(cls, m: Methodology) -> _Hierarchy:
        position = {i.code: j for j, i in enumerate(m.indicators)}
        for level in m.levels[:-1]:
            position.update({g.code: len(position) + j for j, g in enumerate(level.groups)})
        children = [
            [np.array([position[c] for c, _ in kids]) for kids in m.children(k).values()]
            for k in range(len(m.levels))
        ]
        group_of = {g.code: g for level in m.levels for g in level.groups}
        chains = []
        for indicator in m.indicators:
            chain, parent = [position[indicator.code]], indicator.parent
            while group_of[parent].parent is not None:
                chain.append(position[parent])
                parent = group_of[parent].parent
            chains.append(chain)
        return cls(children, np.array(chains))

    def scores(
        self, x: np.ndarray, weights: np.ndarray, aggregations: tuple[Aggregation, ...]
    ) -> np.ndarray:
        """Index scores (runs x units) of the normalised values ``x`` under each run's weights."""
        powers = {exponent(a) for a in aggregations}
        if len(powers) == 1 and None not in powers and not np.isnan(x).any():
            return self._collapsed(x, weights, powers.pop())
        return self._level_by_level(x, weights, aggregations)

    def _collapsed(self, x: np.ndarray, weights: np.ndarray, p: float) -> np.ndarray:
        """One power mean with each indicator's weight share times its groups' shares."""
        check_domain(x, p)
        shares = np.empty_like(weights)
        for level in self.children:
            for kids in level:
                shares[:, kids] = weights[:, kids] / weights[:, kids].sum(axis=1, keepdims=True)
        effective = shares[:, self.chains].prod(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            return power_inverse(effective @ power_transform(x, p).T, p)

    def _level_by_level(
        self, x: np.ndarray, weights: np.ndarray, aggregations: tuple[Aggregation, ...]
    ) -> np.ndarray:
        """The general case: missing values, or different means at different levels."""
        runs = weights.shape[0]
        below = [np.broadcast_to(x[:, j], (runs, x.shape[0])) for j in range(x.shape[1])]
        first = 0
        for level, spec in zip(self.children, aggregations, strict=True):
            p = exponent(spec)
            scores = []
            for kids in level:
                values = [below[k - first] for k in kids]
                w = weights[:, kids]
                if p is None:
                    scores.append(_per_run(values, w, spec))
                else:
                    scores.append(_power_mean(values, w, p))
            first += len(below)
            below = scores
        return below[0]


def _power_mean(values: list[np.ndarray], weights: np.ndarray, p: float) -> np.ndarray:
    """The power mean of children (each runs x units) with per-run weights."""
    numerator = np.zeros(values[0].shape)
    denominator = np.zeros(values[0].shape)
    for j, v in enumerate(values):
        check_domain(v, p)
        present = ~np.isnan(v)
        w = np.where(present, weights[:, j, None], 0.0)
        numerator += w * power_transform(np.where(present, v, 1.0), p)
        denominator += w
    with np.errstate(invalid="ignore", divide="ignore"):
        return power_inverse(numerator / denominator, p)


def _per_run(values: list[np.ndarray], weights: np.ndarray, spec: Aggregation) -> np.ndarray:
    """Median and Copeland do not vectorise over runs: one run at a time."""
    return np.array(
        [
            aggregate(np.stack([v[r] for v in values], axis=1), weights[r], spec)
            for r in range(weights.shape[0])
        ]
    )


def _describe(m: Methodology, t: int, z: int, a: int) -> str:
    """The choices of a run, for an error message: 'treatment 1, normalisation 2 (zscore)...'."""
    methods = "/".join(dict.fromkeys(spec.method for spec in m.aggregation_choices()[a]))
    return (
        f"treatment choice {t + 1}, normalisation choice {z + 1} "
        f"({m.normalisation_choices()[z].method}), aggregation choice {a + 1} ({methods})"
    )
