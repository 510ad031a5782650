"""The methodology file: one YAML document that defines a composite indicator end to end.

A ranking that decides who gets support must be reproducible from a file a reviewer can read,
so the file holds everything: the indicator hierarchy, directions and weights, and every step
of the pipeline. Every step section is required (a reader sees the whole pipeline, including
the steps that are off) and has an ``enabled`` switch that keeps its settings when it is off.

Validation is strict (unknown keys are errors: they are almost always typos) and every problem
is reported with its file, its path in the document and its line, e.g.
``asem.yaml: levels[1].groups[3].weight: Input should be greater than or equal to 0 (got -1)
(line 88)``. The schema is documented key by key in ``docs/ranking-methodology.md``; a test
checks that every key below is documented there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

# As pure as the engine: core/datafile.py imports only pydantic and PyYAML.
from eco311.core.datafile import DataFileError, Problem, parse_yaml

SCHEMA = "eco311.methodology/1"

_CODE = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$"
Code = Annotated[str, Field(pattern=_CODE, description="a code: letters, digits, _ . -")]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Direction = Literal[1, -1]

Normalisation = Literal[
    "minmax",
    "zscore",
    "goalposts",
    "rank",
    "percentile_rank",
    "borda",
    "distance_to_max",
    "distance_to_target",
]
AggregationMethod = Literal[
    "arithmetic", "geometric", "harmonic", "generalised", "median", "copeland"
]
NORMALISATIONS: tuple[str, ...] = get_args(Normalisation)
AGGREGATIONS: tuple[str, ...] = get_args(AggregationMethod)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Model):
    """A text in Chinese and/or English (at least one; the UI shows Chinese first)."""

    zh: str | None = Field(None, description="Chinese text")
    en: str | None = Field(None, description="English text")

    @model_validator(mode="after")
    def _one_language(self) -> Text:
        if not (self.zh or "").strip() and not (self.en or "").strip():
            raise ValueError("give the text in at least one language (zh or en)")
        return self


class Transform(_Model):
    """An indicator's own transform, applied before outlier treatment: caps first, then log."""

    cap: tuple[Finite | None, Finite | None] = Field(
        (None, None), description="[lower, upper]: values outside are set to the cap; null = none"
    )
    log: bool = Field(False, description="replace x by ln(x + log_offset)")
    log_offset: Finite = Field(0.0, description="added before the log; x + offset must be > 0")

    @field_validator("cap")
    @classmethod
    def _ordered_caps(cls, cap: tuple[float | None, float | None]):
        lower, upper = cap
        if lower is not None and upper is not None and lower > upper:
            raise ValueError(f"the lower cap {lower:g} is above the upper cap {upper:g}")
        return cap

    @property
    def is_identity(self) -> bool:
        return self.cap == (None, None) and not self.log


class Indicator(_Model):
    """One indicator: a column of the data and its place in the hierarchy."""

    code: Code = Field(description="unique code, used in results and as parent reference")
    name: Text | None = Field(None, description="display name")
    rationale: Text | None = Field(None, description="why this indicator is in the index")
    column: str | None = Field(None, description="data column; default: the code")
    parent: Code = Field(description="code of a group of the first level")
    direction: Direction = Field(1, description="1: higher is better; -1: lower is better")
    weight: Finite = Field(1.0, ge=0, description="weight within its parent group")
    denominator: str | None = Field(None, description="data column to divide by; null = none")
    denominator_scale: Finite = Field(
        1.0, gt=0, description="value / (denominator / scale), e.g. 10000 for 'per 10,000'"
    )
    transform: Transform = Field(Transform(), description="caps and log of this indicator")
    goalposts: tuple[Finite, Finite] | None = Field(
        None, description="[lower, upper] in the indicator's units, for goalposts normalisation"
    )
    target: Finite | None = Field(
        None, description="target in the indicator's units, for distance_to_target"
    )

    @field_validator("goalposts")
    @classmethod
    def _ordered_goalposts(cls, goalposts: tuple[float, float] | None):
        if goalposts is not None and not goalposts[0] < goalposts[1]:
            raise ValueError(f"the lower goalpost {goalposts[0]:g} must be below the upper")
        return goalposts

    @property
    def source_column(self) -> str:
        return self.column or self.code


class Group(_Model):
    """A group of indicators or of lower-level groups, scored by aggregating its children."""

    code: Code = Field(description="unique code")
    name: Text | None = Field(None, description="display name")
    rationale: Text | None = Field(None, description="why this group and its weight")
    parent: Code | None = Field(None, description="code of a group of the next level; top: none")
    direction: Direction = Field(
        1, description="-1 flips the direction of every indicator below this group"
    )
    weight: Finite = Field(1.0, ge=0, description="weight within its parent group")


class Aggregation(_Model):
    """How a level scores each of its groups from the group's children."""

    method: AggregationMethod = Field("arithmetic", description="one of " + ", ".join(AGGREGATIONS))
    p: Finite | None = Field(
        None, validate_default=True, description="exponent of the generalised mean (not 0)"
    )

    @field_validator("p")
    @classmethod
    def _exponent(cls, p: float | None, info: ValidationInfo):
        method = info.data.get("method")
        if method == "generalised" and (p is None or p == 0):
            raise ValueError("the generalised mean needs an exponent p other than 0")
        if method != "generalised" and p is not None:
            raise ValueError(f"p is only used by the generalised mean, not {method}")
        return p


class Level(_Model):
    """One level of groups above the indicators (the first level groups indicators)."""

    name: str = Field(min_length=1, description="level name, e.g. Pillar, Sub-index, Index")
    aggregation: Aggregation = Field(description="aggregation used for every group of the level")
    groups: list[Group] = Field(min_length=1, description="the groups of this level")


class _Step(_Model):
    enabled: bool = Field(description="false switches the step off (its settings are kept)")
    rationale: Text | None = Field(None, description="why the step is set up this way")


class Denominate(_Step):
    """Divide indicators by the column named in their ``denominator``."""


class Impute(_Step):
    """Fill missing values."""

    method: Literal["mean", "median", "group_mean", "group_median"] = Field(
        "mean", description="mean, median, group_mean or group_median of the indicator"
    )
    group_column: str | None = Field(
        None, validate_default=True, description="grouping column, for group_* methods"
    )

    @field_validator("group_column")
    @classmethod
    def _group_column(cls, group_column: str | None, info: ValidationInfo):
        method = info.data.get("method", "")
        if method.startswith("group_") and not group_column:
            raise ValueError(f"missing: method {method} needs it")
        return group_column


class Screen(_Step):
    """Drop units with too little data."""

    threshold: Finite = Field(
        2 / 3, ge=0, le=1, description="minimum share of indicators with a value"
    )
    measured_on: Literal["denominated", "imputed"] = Field(
        "imputed", description="table whose missing values count: before or after imputation"
    )


class Transforms(_Step):
    """Apply each indicator's ``transform``."""


class Treat(_Step):
    """COINr's outlier treatment: winsorise, then log_CT of the original values if needed."""

    skew_threshold: Finite = Field(2.0, gt=0, description="|skewness| at or above fails")
    kurtosis_threshold: Finite = Field(3.5, description="excess kurtosis at or above fails")
    winsorise_max_points: int = Field(5, ge=0, description="most points winsorised")
    fallback: Literal["log_ct", "none"] = Field(
        "log_ct", description="applied to the original values when winsorising is not enough"
    )


class Normalise(_Step):
    """Bring indicators onto a common scale, higher always better."""

    method: Normalisation = Field("minmax", description="one of " + ", ".join(NORMALISATIONS))
    range: tuple[Finite, Finite] = Field(
        (0.0, 100.0), description="[low, high] for the bounded methods"
    )
    mean_sd: tuple[Finite, Finite] = Field(
        (0.0, 1.0), description="[mean, standard deviation] of zscore output"
    )
    truncate: bool = Field(True, description="goalposts: clip values outside the goalposts")
    cap_at_target: bool = Field(True, description="distance_to_target: no credit beyond target")

    @field_validator("range")
    @classmethod
    def _ordered(cls, bounds: tuple[float, float]):
        if not bounds[0] < bounds[1]:
            raise ValueError(f"the low end {bounds[0]:g} must be below the high end {bounds[1]:g}")
        return bounds

    @field_validator("mean_sd")
    @classmethod
    def _spread(cls, mean_sd: tuple[float, float]):
        if not mean_sd[1] > 0:
            raise ValueError("the standard deviation must be above 0")
        return mean_sd


class TreatChoice(_Model):
    """An alternative outlier treatment for the uncertainty analysis: keys override steps.treat."""

    enabled: bool | None = Field(None, description="see steps.treat")
    skew_threshold: Finite | None = Field(None, gt=0, description="see steps.treat")
    kurtosis_threshold: Finite | None = Field(None, description="see steps.treat")
    winsorise_max_points: int | None = Field(None, ge=0, description="see steps.treat")
    fallback: Literal["log_ct", "none"] | None = Field(None, description="see steps.treat")


class NormaliseChoice(_Model):
    """An alternative normalisation for the uncertainty analysis: keys override steps.normalise."""

    enabled: bool | None = Field(None, description="see steps.normalise")
    method: Normalisation | None = Field(None, description="see steps.normalise")
    range: tuple[Finite, Finite] | None = Field(None, description="see steps.normalise")
    mean_sd: tuple[Finite, Finite] | None = Field(None, description="see steps.normalise")
    truncate: bool | None = Field(None, description="see steps.normalise")
    cap_at_target: bool | None = Field(None, description="see steps.normalise")


class Uncertainty(_Model):
    """Monte Carlo over methodological choices, with Sobol indices of each choice."""

    enabled: bool = Field(description="false: no uncertainty analysis (its settings are kept)")
    rationale: Text | None = Field(None, description="why these choices are the uncertain ones")
    samples: int = Field(
        1000, ge=2, description="base sample N; the analysis runs N x (factors + 2) variants"
    )
    seed: int = Field(0, ge=0, description="seed of the random numbers: same seed, same result")
    top_n: int = Field(100, ge=1, description="N of the probability of being in the top N")
    weight_noise: dict[str, Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]] = Field(
        {}, description="level name (or 'indicators') -> relative noise on its weights"
    )
    treatments: list[TreatChoice] = Field([], description="alternatives to steps.treat")
    normalisations: list[NormaliseChoice] = Field([], description="alternatives to steps.normalise")
    aggregations: list[Aggregation] = Field(
        [], description="alternatives, each used at every level"
    )

    @field_validator("treatments", "normalisations", "aggregations")
    @classmethod
    def _none_or_several(cls, choices: list) -> list:
        if len(choices) == 1:
            raise ValueError("give no alternative (the nominal setting is kept) or at least two")
        return choices


Comparison = Literal["==", "!=", "<", "<=", ">", ">="]


class Condition(_Model):
    """``column op value``: a unit meets it when its value in ``column`` compares so."""

    column: str = Field(min_length=1, description="data column (a number column)")
    op: Comparison = Field(description="==, !=, <, <=, > or >=")
    value: Finite = Field(description="the number the column's value is compared with")
    missing: bool = Field(
        False, description="true: a missing value meets the condition too (e.g. 'none reported')"
    )


class EligibilityRule(_Model):
    """A unit that meets ``exclude_if`` is not ranked, for the reason given."""

    code: Code = Field(description="short code of the rule, stored with every unit it excludes")
    exclude_if: Condition = Field(description="the condition that excludes a unit")
    reason: Text = Field(description="the reason a unit is excluded, as users read it")


class Eligibility(_Model):
    """Who may be ranked at all, applied before any other step; the first rule a unit meets
    excludes it."""

    rationale: Text | None = Field(None, description="why these units are not ranked")
    rules: list[EligibilityRule] = Field([], description="the rules, in order")


class Steps(_Model):
    """The data steps, in the order they run. All are required."""

    denominate: Denominate = Field(description="divide by a denominator column")
    impute: Impute = Field(description="fill missing values")
    screen: Screen = Field(description="drop units with too little data")
    transform: Transforms = Field(description="per-indicator caps and logs")
    treat: Treat = Field(description="automatic outlier treatment")
    normalise: Normalise = Field(description="common scale, higher is better")


class Methodology(_Model):
    """A whole methodology file. ``schema_`` is the YAML key ``schema``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: Literal[SCHEMA] = Field(alias="schema", description="format version")
    name: Text = Field(description="name of the index")
    rationale: Text | None = Field(None, description="purpose and sources of the methodology")
    unit_column: str = Field(min_length=1, description="data column with the unit codes")
    name_column: str | None = Field(None, description="data column with unit names, if any")
    indicators: list[Indicator] = Field(min_length=1, description="the indicators")
    levels: list[Level] = Field(min_length=1, description="groups, level by level upwards")
    eligibility: Eligibility = Field(
        default_factory=Eligibility,
        description="who may be ranked at all; optional, everyone when absent",
    )
    steps: Steps = Field(description="the data steps")
    uncertainty: Uncertainty = Field(
        default_factory=lambda: Uncertainty(enabled=False),
        description="Monte Carlo over the uncertain choices; optional, off when absent",
    )

    # -- the hierarchy ------------------------------------------------------------

    @property
    def index_code(self) -> str:
        """Code of the single group of the top level: the composite index."""
        return self.levels[-1].groups[0].code

    def children(self, level: int) -> dict[str, list[tuple[str, float]]]:
        """For each group of ``levels[level]``, its children's (code, weight) in file order."""
        below: list[Indicator] | list[Group]
        below = self.indicators if level == 0 else self.levels[level - 1].groups
        out: dict[str, list[tuple[str, float]]] = {g.code: [] for g in self.levels[level].groups}
        for child in below:
            out[child.parent].append((child.code, child.weight))
        return out

    def directions(self) -> np.ndarray:
        """Each indicator's direction times the directions of all the groups above it."""
        group_of = {g.code: g for level in self.levels for g in level.groups}
        out = []
        for indicator in self.indicators:
            direction, parent = indicator.direction, indicator.parent
            while parent is not None:
                direction *= group_of[parent].direction
                parent = group_of[parent].parent
            out.append(direction)
        return np.array(out, dtype=float)

    # -- cross-reference checks ---------------------------------------------------

    def cross_check(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Problems spanning several entries, as (location, message) pairs."""
        return [
            *self._check_codes(),
            *self._check_parents(),
            *self._check_normalisation_parameters(),
            *self._check_uncertainty(),
            *self._check_eligibility(),
        ]

    def _check_eligibility(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        seen: dict[str, int] = {}
        for i, rule in enumerate(self.eligibility.rules):
            if rule.code in seen:
                where = f"eligibility.rules[{seen[rule.code]}]"
                yield (
                    ("eligibility", "rules", i, "code"),
                    f"duplicate code {rule.code!r} (first at {where})",
                )
            seen.setdefault(rule.code, i)

    def _entries(self) -> Iterator[tuple[tuple[str | int, ...], Indicator | Group]]:
        for i, indicator in enumerate(self.indicators):
            yield ("indicators", i), indicator
        for k, level in enumerate(self.levels):
            for j, group in enumerate(level.groups):
                yield ("levels", k, "groups", j), group

    def _check_codes(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        first: dict[str, tuple[str | int, ...]] = {}
        for loc, entry in self._entries():
            if entry.code in first:
                where = _format_loc(first[entry.code])
                yield (*loc, "code"), f"duplicate code {entry.code!r} (first at {where})"
            else:
                first[entry.code] = loc
        columns: dict[str, int] = {}
        for i, indicator in enumerate(self.indicators):
            column = indicator.source_column
            if column in columns:
                where = f"indicators[{columns[column]}]"
                yield ("indicators", i, "column"), f"column {column!r} is already read by {where}"
            columns.setdefault(column, i)
        names: dict[str, int] = {}
        for k, level in enumerate(self.levels):
            if level.name in names:
                where = f"levels[{names[level.name]}]"
                yield (
                    ("levels", k, "name"),
                    f"duplicate level name {level.name!r} (first at {where})",
                )
            names.setdefault(level.name, k)

    def _check_parents(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        top = len(self.levels) - 1
        for k, level in enumerate(self.levels):
            codes = {g.code for g in level.groups}
            below = ("indicators",) if k == 0 else ("levels", k - 1, "groups")
            entries = self.indicators if k == 0 else self.levels[k - 1].groups
            for i, child in enumerate(entries):
                if child.parent is not None and child.parent not in codes:
                    yield (
                        (*below, i, "parent"),
                        f"{child.parent!r} is not a group of levels[{k}] ({level.name})",
                    )
            has_children = {child.parent for child in entries}
            for j, group in enumerate(level.groups):
                loc = ("levels", k, "groups", j)
                if group.code not in has_children:
                    yield (*loc, "code"), f"group {group.code!r} has no children"
                if k == top and group.parent is not None:
                    yield (*loc, "parent"), "a group of the top level has no parent"
                if k < top and group.parent is None:
                    yield (*loc, "parent"), f"missing: a group of levels[{k + 1}]"
                weights = [child.weight for child in entries if child.parent == group.code]
                if weights and not any(weights):
                    yield (*loc, "code"), f"the weights of the children of {group.code!r} are all 0"
        if len(self.levels[top].groups) != 1:
            yield (
                ("levels", top, "groups"),
                f"the top level must have exactly one group (the index), not "
                f"{len(self.levels[top].groups)}",
            )

    def _check_normalisation_parameters(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        specs = [("steps.normalise.method", self.steps.normalise)]
        for i, choice in enumerate(self.uncertainty.normalisations):
            try:
                specs.append((f"uncertainty.normalisations[{i}]", self._merged(Normalise, choice)))
            except ValidationError:
                continue  # reported by _check_uncertainty
        for where, spec in specs:
            needed = {"goalposts": "goalposts", "distance_to_target": "target"}.get(spec.method)
            if needed is None or not spec.enabled:
                continue
            missing = [i for i, ind in enumerate(self.indicators) if getattr(ind, needed) is None]
            for i in missing:
                yield (
                    ("indicators", i, needed),
                    f"missing: {where} is {spec.method}, which needs it",
                )

    def _check_uncertainty(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        u = self.uncertainty
        varied = any(u.weight_noise.values()) or u.treatments or u.normalisations or u.aggregations
        if u.enabled and not varied:
            yield (
                ("uncertainty",),
                "enabled, but no weight noise and no alternatives: nothing varies",
            )
        allowed = {"indicators", *(level.name for level in self.levels[:-1])}
        for key in self.uncertainty.weight_noise:
            if key not in allowed:
                yield (
                    ("uncertainty", "weight_noise", key),
                    f"not 'indicators' or the name of a level below the top "
                    f"({', '.join(sorted(allowed - {'indicators'}))})",
                )
        pairs = [
            ("treatments", Treat, self.uncertainty.treatments),
            ("normalisations", Normalise, self.uncertainty.normalisations),
        ]
        for key, model, choices in pairs:
            for i, choice in enumerate(choices):
                try:
                    self._merged(model, choice)
                except ValidationError as exc:
                    for err in exc.errors(include_url=False):
                        message = err["msg"].removeprefix("Value error, ")
                        yield ("uncertainty", key, i, *err["loc"]), message

    # -- the choices of the uncertainty analysis ---------------------------------

    def _merged(self, model: type[_Step], choice: TreatChoice | NormaliseChoice) -> Any:
        """The nominal step with the choice's keys applied, validated as a whole."""
        nominal = getattr(self.steps, "treat" if model is Treat else "normalise")
        return model.model_validate(
            {**nominal.model_dump(), **choice.model_dump(exclude_none=True)}
        )

    def treatment_choices(self) -> list[Treat]:
        """The treatments sampled by the uncertainty analysis (the nominal one if none given)."""
        return [self._merged(Treat, c) for c in self.uncertainty.treatments] or [self.steps.treat]

    def normalisation_choices(self) -> list[Normalise]:
        """The normalisations sampled (the nominal one if none given)."""
        choices = self.uncertainty.normalisations
        return [self._merged(Normalise, c) for c in choices] or [self.steps.normalise]

    def aggregation_choices(self) -> list[tuple[Aggregation, ...]]:
        """The aggregations sampled, one per level each (the nominal ones if none given)."""
        if not self.uncertainty.aggregations:
            return [tuple(level.aggregation for level in self.levels)]
        return [(a,) * len(self.levels) for a in self.uncertainty.aggregations]


# ---------------------------------------------------------------------------
# Loading, with located errors
# ---------------------------------------------------------------------------


class MethodologyError(DataFileError, ValueError):
    """The methodology file is invalid; ``problems`` lists every located problem.

    A data-file error like the plan and survey files' (core/datafile.py), and still a
    ValueError for the callers that catch that."""

    def __init__(self, problems: list[Problem], path: str | Path | None = None):
        super().__init__(problems, path)


def load_methodology(path: str | Path) -> Methodology:
    """Load and validate a methodology file; raise MethodologyError on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MethodologyError([Problem(path.name, "", f"cannot read the file: {exc}")]) from exc
    return parse_methodology(text, path.name)


def parse_methodology(text: str, file: str = "<methodology>") -> Methodology:
    """Validate methodology YAML text; ``file`` names it in error messages."""
    # The shared loader: the same syntax messages as every data file, and duplicate keys are
    # errors (PyYAML alone keeps the last value, silently dropping e.g. a weight).
    data, root = parse_yaml(text, file, MethodologyError)
    if not isinstance(data, dict):
        raise MethodologyError([Problem(file, "", "expected a mapping of keys to values")])
    try:
        methodology = Methodology.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(file, root, err) for err in exc.errors(include_url=False)]
        raise MethodologyError(problems) from exc
    problems = [
        Problem(file, _format_loc(loc), msg, _line(root, loc))
        for loc, msg in methodology.cross_check()
    ]
    if problems:
        raise MethodologyError(problems)
    return methodology


def _problem(file: str, root: yaml.Node | None, err: dict[str, Any]) -> Problem:
    """A pydantic error as a Problem: 'Value error, ' dropped, the offending value appended."""
    msg = err["msg"].removeprefix("Value error, ").split(", unable to parse")[0]
    value = err.get("input")
    if err["type"] not in ("missing", "value_error") and isinstance(value, str | int | float):
        msg = f"{msg} (got {value!r})"
    loc = tuple(part for part in err["loc"] if not _is_union_tag(part))
    return Problem(file, _format_loc(loc), msg, _line(root, loc))


def _is_union_tag(part: str | int) -> bool:
    """pydantic adds the member type to locations inside unions ('float', 'tuple[...]')."""
    return isinstance(part, str) and (part in ("float", "int", "str", "bool") or "[" in part)


def _format_loc(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line(root: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """1-based line of the YAML node at ``loc``, or of its nearest existing ancestor."""
    node = root
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if 0 <= part < len(node.value) else None
        if child is None:
            break
        node = child
    return node.start_mark.line + 1 if node is not None else None
