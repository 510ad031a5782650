"""The pipeline: ``run(data, methodology)`` builds the composite index and keeps every stage.

A published rank has to be explainable number by number, so the result keeps each
intermediate table (raw, denominated, imputed, transformed, treated, normalised, every
aggregation level, ranks) together with what the screening and the outlier treatment did.
A switched-off step passes its input on unchanged, so the stages always exist.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from eco311.ranking.engine.aggregate import aggregate
from eco311.ranking.engine.eligibility import exclusions
from eco311.ranking.engine.methodology import Methodology, Normalise, Treat
from eco311.ranking.engine.normalise import normalise, ranks_descending
from eco311.ranking.engine.steps import availability, denominate, impute, transform
from eco311.ranking.engine.table import DataError, DataTable, DomainError, Frame
from eco311.ranking.engine.treat import Treatment, treat_column


@dataclass(frozen=True)
class Result:
    """Every stage of one run. Frames after screening hold only the units kept."""

    methodology: Methodology
    excluded: dict[str, str]  # unit -> code of the eligibility rule that excluded it
    raw: Frame
    denominated: Frame
    imputed: Frame
    availability: Frame  # every unit, column "availability", on the table screen measured
    removed: tuple[str, ...]  # units dropped by screening, in data order
    transformed: Frame
    treated: Frame
    treatments: dict[str, Treatment]  # by indicator code; empty when treatment is off
    normalised: Frame
    aggregated: dict[str, Frame]  # by level name: the scores of the level's groups
    ranks: Frame  # every group of every level; 1 = best, ties "min"
    warnings: tuple[str, ...] = field(default=())

    @property
    def index(self) -> np.ndarray:
        """The composite index, one score per unit kept."""
        return self.aggregated[self.methodology.levels[-1].name].column(self.methodology.index_code)

    def table(self) -> list[dict[str, object]]:
        """unit, score and rank of every unit, best first; screened-out and then ineligible
        units last, unscored."""
        code = self.methodology.index_code
        rows = [
            {"unit": unit, "score": _number(score), "rank": _rank(rank)}
            for unit, score, rank in zip(
                self.ranks.units, self.index, self.ranks.column(code), strict=True
            )
        ]
        rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0))
        unranked = [*self.removed, *self.excluded]
        return rows + [{"unit": unit, "score": None, "rank": None} for unit in unranked]


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _rank(value: float) -> int | None:
    return None if math.isnan(value) else int(value)


def run(data: DataTable, methodology: Methodology) -> Result:
    """Run the whole methodology on ``data``; raises DataError if they do not fit."""
    m = methodology
    excluded = exclusions(data, m)
    data = data.without(excluded)
    codes = tuple(i.code for i in m.indicators)
    raw = Frame(data.units, codes, _columns(data, [i.source_column for i in m.indicators]))
    denominated = _denominate(data, m, raw)
    imputed = _impute(data, m, denominated)
    measured = denominated if m.steps.screen.measured_on == "denominated" else imputed
    share = availability(measured.values)
    keep = (
        share >= m.steps.screen.threshold
        if m.steps.screen.enabled
        else np.ones(share.shape, dtype=bool)
    )
    units = tuple(u for u, k in zip(data.units, keep, strict=True) if k)
    screened = Frame(units, codes, imputed.values[keep])
    transformed = _transform(m, screened)
    treated, treatments = treat_stage(transformed, m.steps.treat)
    normalised = normalise_stage(m, treated, m.steps.normalise)
    aggregated = _aggregate(m, normalised)
    groups = list(aggregated.values())
    ranks = Frame(
        units,
        tuple(c for f in groups for c in f.columns),
        ranks_descending(np.hstack([f.values for f in groups])),
    )
    return Result(
        methodology=m,
        excluded=excluded,
        raw=raw,
        denominated=denominated,
        imputed=imputed,
        availability=Frame(data.units, ("availability",), share[:, None]),
        removed=tuple(u for u, k in zip(data.units, keep, strict=True) if not k),
        transformed=transformed,
        treated=treated,
        treatments=treatments,
        normalised=normalised,
        aggregated=aggregated,
        ranks=ranks,
        warnings=tuple(_warnings(m, treated, normalised, aggregated)),
    )


def _columns(data: DataTable, names: list[str]) -> np.ndarray:
    """The named number columns side by side (units x columns)."""
    if not names:
        return np.empty((len(data.units), 0))
    return np.column_stack([data.numbers(n) for n in names])


def _denominate(data: DataTable, m: Methodology, raw: Frame) -> Frame:
    if not m.steps.denominate.enabled:
        return raw
    denominators = [data.numbers(i.denominator) if i.denominator else None for i in m.indicators]
    scales = [i.denominator_scale for i in m.indicators]
    return Frame(raw.units, raw.columns, denominate(raw.values, denominators, scales))


def _impute(data: DataTable, m: Methodology, denominated: Frame) -> Frame:
    spec = m.steps.impute
    if not spec.enabled:
        return denominated
    groups = data.labels(spec.group_column) if spec.method.startswith("group_") else None
    values = impute(denominated.values, spec.method, groups)
    return Frame(denominated.units, denominated.columns, values)


def _transform(m: Methodology, screened: Frame) -> Frame:
    if not m.steps.transform.enabled:
        return screened
    try:
        values = transform(screened.values, [i.transform for i in m.indicators])
    except DomainError as exc:
        raise _located(exc, "transform", screened) from exc
    return Frame(screened.units, screened.columns, values)


def treat_stage(transformed: Frame, spec: Treat) -> tuple[Frame, dict[str, Treatment]]:
    """The outlier treatment of every indicator by ``spec``, and what it did to each."""
    if not spec.enabled:
        return transformed, {}
    columns, treatments = [], {}
    for j, code in enumerate(transformed.columns):
        column, treatments[code] = treat_column(
            transformed.values[:, j],
            skew_threshold=spec.skew_threshold,
            kurtosis_threshold=spec.kurtosis_threshold,
            max_points=spec.winsorise_max_points,
            fallback=spec.fallback,
        )
        columns.append(column)
    values = np.column_stack(columns) if columns else transformed.values
    return Frame(transformed.units, transformed.columns, values), treatments


def normalise_stage(m: Methodology, treated: Frame, spec: Normalise) -> Frame:
    """Every indicator normalised by ``spec``, with the directions and parameters of ``m``."""
    goalposts = np.array([i.goalposts or (np.nan, np.nan) for i in m.indicators], dtype=float)
    targets = np.array([np.nan if i.target is None else i.target for i in m.indicators])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # empty columns: reported by _warnings
        values = normalise(treated.values, m.directions(), spec, goalposts, targets)
    return Frame(treated.units, treated.columns, values)


def _aggregate(m: Methodology, normalised: Frame) -> dict[str, Frame]:
    out: dict[str, Frame] = {}
    below = normalised
    for k, level in enumerate(m.levels):
        scores = []
        for group, children in m.children(k).items():
            codes = [code for code, _ in children]
            weights = np.array([weight for _, weight in children])
            try:
                scores.append(aggregate(below.select(codes), weights, level.aggregation))
            except DomainError as exc:
                raise DataError(
                    f"aggregation of {group} ({level.name}), unit {below.units[exc.row]}, "
                    f"child {codes[exc.column]}: {exc}"
                ) from exc
        below = Frame(normalised.units, tuple(m.children(k)), np.column_stack(scores))
        out[level.name] = below
    return out


def _located(exc: DomainError, step: str, frame: Frame) -> DataError:
    return DataError(
        f"step {step}, indicator {frame.columns[exc.column]}, unit {frame.units[exc.row]}: {exc}"
    )


def _warnings(
    m: Methodology, treated: Frame, normalised: Frame, aggregated: dict[str, Frame]
) -> list[str]:
    """Things a reviewer should know that do not stop the run."""
    out = []
    for j, code in enumerate(treated.columns):
        if np.isnan(treated.values[:, j]).all():
            out.append(f"indicator {code} has no value for any unit kept")
        elif np.isnan(normalised.values[:, j]).all():
            out.append(f"indicator {code} cannot be normalised (no spread); it counts as missing")
    unscored = np.isnan(aggregated[m.levels[-1].name].column(m.index_code))
    if unscored.any():
        units = ", ".join(u for u, x in zip(treated.units, unscored, strict=True) if x)
        out.append(f"no index score (no indicator value) for: {units}")
    return out
