"""Plan files: the machine-readable, human-edited form of a plan's targets.

A plan file is a YAML document (``schema: eco311.plan/1``) that records one
plan document -- its metadata, the responsible units it names, its section
tree, its tasks and every quantified or dated target -- in Chinese and English,
together with the exact sentence of the source document each target comes from.

This module is deliberately pure (pydantic + PyYAML only, no Django): it is
used by the Django loader, by the command line and by the tests.  See
``docs/plan-file-format.md`` for the format and the data conventions.

Public API::

    load_plan_file(path) -> PlanFile          # raises PlanFileError
    check_sources(planfile, source_text)      # -> list[str] (empty = fine)
    check_areas(planfile, area_keys)          # -> list[str] (empty = fine)
    plan_files()                              # shipped files in PLAN_DIR
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import (
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from eco311.core.datafile import (
    DataFileError,
    DataFileModel,
    Problem,
    StrictModel,
    Text,
    format_loc,
    load_data_file,
)

__all__ = [
    "DEADLINE_FLAG_CODES",
    "PLAN_DIR",
    "PLAN_SCHEMA",
    "Base",
    "Flag",
    "PlanFile",
    "PlanFileError",
    "PlanSpec",
    "Problem",
    "Recurring",
    "Scope",
    "SectionSpec",
    "TargetSpec",
    "TaskSpec",
    "Text",
    "UnitSpec",
    "check_areas",
    "check_sources",
    "is_count_unit",
    "load_plan_file",
    "plan_files",
]

PLAN_SCHEMA = "eco311.plan/1"
PLAN_DIR = Path(__file__).parent / "data"

#: Flag codes that explain why a milestone has no usable ``deadline``.
DEADLINE_FLAG_CODES = frozenset({"ambiguous_deadline", "no_deadline"})
#: Flag code allowing ``deadline_text`` to come from outside the quoted ``source``.
CONTEXT_DEADLINE_FLAG = "deadline_from_context"

_SLUG = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
_FLAG_CODE = r"^[a-z][a-z0-9_]*$"
_LINE_BREAKS = re.compile(r"[\r\n]+")

Op = Literal[">=", ">", "<=", "<", "=", "approx", "range"]

#: Units that count whole things (a centre, an enterprise, a standard, a person): their
#: targets, reports and survey returns take whole numbers only. "个/年" counts too; "万人"
#: (ten thousand people) does not, since 1.5 万人 is a whole number of people.
COUNT_UNITS = frozenset("个 家 项 座 次 人 套 条 件 名 所 台 处 批 种 部 支 位 户".split())


def is_count_unit(unit_zh: str | None) -> bool:
    """Whether a (Chinese) unit counts whole things: 个, 家, 项, … alone or per period (家/年)."""
    if not unit_zh:
        return False
    return unit_zh.split("/", 1)[0].strip() in COUNT_UNITS


# The strict base and the bilingual text are core/datafile.py's, shared by every data file.
_Model = StrictModel

# ---------------------------------------------------------------------------
# Leaf types
# ---------------------------------------------------------------------------


class UnitSpec(_Model):
    """A responsible unit (department) named by the plan."""

    key: str = Field(pattern=_SLUG)
    name: Text
    #: The form the plan itself uses, e.g. "省生态环境厅" (optional).
    short_name: Text | None = None
    #: A name for many bodies at once ("各相关部门、单位", "各市人民政府"): nobody acts as it, so
    #: no account, report or reminder is ever addressed to it.
    collective: bool = False


class Scope(_Model):
    """The area a target is about: an area key from ``geo/data/areas.yaml``."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    kind: Literal["province", "cluster", "park", "city"]
    key: str = Field(min_length=1)


class Base(_Model):
    """A baseline stated by the plan (value of the metric in ``year``)."""

    year: int = Field(ge=1900, le=2100)
    value: float


class Recurring(_Model):
    """A recurring activity: ``count`` times per ``per``.

    ``per: period`` is used where the plan says "regularly" (定期) without a
    frequency; such targets carry an ``ambiguous_frequency`` flag.
    """

    count: int = Field(ge=1)
    per: Literal["year", "half", "quarter", "month", "period"]


class Flag(_Model):
    """A data-quality remark on a target (ambiguity, missing information...)."""

    code: str = Field(pattern=_FLAG_CODE)
    note: Text


# ---------------------------------------------------------------------------
# Targets, tasks, sections
# ---------------------------------------------------------------------------


class TargetSpec(_Model):
    key: str = Field(pattern=_SLUG)
    kind: Literal["numeric", "milestone", "recurring"]
    metric: Text | None = None
    op: Op | None = None
    value: float | None = None
    value_max: float | None = None
    unit: Text | None = None
    direction: Literal[1, -1] = 1
    base: Base | None = None
    limit: float | None = None
    #: True where the plan frames the target with 力争 ("strive to").
    strive: bool = False
    deadline: date | None = None
    deadline_text: str | None = None
    recurring: Recurring | None = None
    scope: Scope
    text: Text
    source: str = Field(min_length=1)
    lead: list[str] = []
    assist: list[str] = []
    flags: list[Flag] = []
    note: Text | None = None

    @model_validator(mode="after")
    def _check_consistency(self) -> TargetSpec:
        problems: list[str] = []
        codes = {f.code for f in self.flags}
        if self.kind == "numeric":
            missing = [n for n in ("metric", "op", "value") if getattr(self, n) is None]
            if missing:
                problems.append(f"a numeric target needs {', '.join(missing)}")
        if self.kind == "milestone" and self.deadline is None and not codes & DEADLINE_FLAG_CODES:
            problems.append(
                "a milestone needs a deadline, or a flag explaining why it has none "
                f"(code {' or '.join(sorted(DEADLINE_FLAG_CODES))})"
            )
        if self.kind == "recurring" and self.recurring is None:
            problems.append("a recurring target needs 'recurring' (count and per)")
        if self.kind != "recurring" and self.recurring is not None:
            problems.append(f"'recurring' is only allowed on recurring targets, not {self.kind}")
        if self.op is not None and self.value is None:
            problems.append(f"op {self.op!r} needs a value")
        if self.value is not None and self.op is None:
            problems.append("a value needs an op")
        if self.op == "range":
            if self.value_max is None:
                problems.append("op 'range' needs value_max")
            elif self.value is not None and not self.value_max > self.value:
                problems.append(
                    f"value_max ({self.value_max:g}) must be greater than value ({self.value:g})"
                )
        elif self.value_max is not None:
            problems.append("value_max is only allowed with op 'range'")
        if self.unit is not None and is_count_unit(self.unit.zh):
            for name in ("value", "value_max"):
                v = getattr(self, name)
                if v is not None and not float(v).is_integer():
                    problems.append(
                        f"{name} ({v:g}) must be a whole number: {self.unit.zh!r} counts things"
                    )
        if self.limit is not None:
            for name in ("value", "value_max"):
                v = getattr(self, name)
                if v is not None and v > self.limit:
                    problems.append(f"{name} ({v:g}) exceeds the natural limit ({self.limit:g})")
        if self.deadline is not None and not self.deadline_text:
            problems.append("a deadline needs deadline_text (the date phrase, verbatim)")
        if self.deadline_text and self.deadline is None and not codes & DEADLINE_FLAG_CODES:
            problems.append(
                "deadline_text without a deadline needs a flag explaining why "
                f"(code {' or '.join(sorted(DEADLINE_FLAG_CODES))})"
            )
        if (
            self.deadline_text
            and CONTEXT_DEADLINE_FLAG not in codes
            and _unbreak(self.deadline_text) not in _unbreak(self.source)
        ):
            problems.append(
                f"deadline_text {self.deadline_text!r} does not occur in source; quote the "
                f"sentence that states the date, or add a {CONTEXT_DEADLINE_FLAG!r} flag"
            )
        for dup in _duplicates(self.lead):
            problems.append(f"lead lists {dup!r} twice")
        for dup in _duplicates(self.assist):
            problems.append(f"assist lists {dup!r} twice")
        for both in sorted(set(self.lead) & set(self.assist)):
            problems.append(f"{both!r} is both lead and assist")
        for dup in _duplicates([f.code for f in self.flags]):
            problems.append(f"flag {dup!r} is given twice")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def is_ambiguous(self) -> bool:
        return any(f.code.startswith("ambiguous") for f in self.flags)

    def has_flag(self, code: str) -> bool:
        return any(f.code == code for f in self.flags)


class TaskSpec(_Model):
    ref: str = Field(min_length=1)
    title: Text
    lead: list[str] = []
    assist: list[str] = []
    targets: list[TargetSpec] = []
    note: Text | None = None

    @model_validator(mode="after")
    def _check_units(self) -> TaskSpec:
        problems = [f"lead lists {d!r} twice" for d in _duplicates(self.lead)]
        problems += [f"assist lists {d!r} twice" for d in _duplicates(self.assist)]
        problems += [
            f"{b!r} is both lead and assist" for b in sorted(set(self.lead) & set(self.assist))
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class SectionSpec(_Model):
    ref: str = Field(min_length=1)
    title: Text
    sections: list[SectionSpec] = []
    tasks: list[TaskSpec] = []
    note: Text | None = None


class PlanSpec(_Model):
    key: str = Field(pattern=_SLUG)
    title: Text
    short_title: Text
    issuer: Text
    doc_number: str | None = None
    issued_on: date | None = None
    period_start: date
    period_end: date
    language: Literal["zh", "en"]
    source_file: str = Field(min_length=1)
    #: Free remarks on the plan or its source (optional).
    note: Text | None = None

    @field_validator("source_file")
    @classmethod
    def _bare_name(cls, v: str) -> str:
        if "/" in v or "\\" in v:
            raise ValueError("must be a bare file name under shared/seeds, without directories")
        return v

    @model_validator(mode="after")
    def _check_period(self) -> PlanSpec:
        if self.period_end < self.period_start:
            raise ValueError(
                f"period_end ({self.period_end}) is before period_start ({self.period_start})"
            )
        return self


# ---------------------------------------------------------------------------
# The file
# ---------------------------------------------------------------------------


class PlanFile(DataFileModel):
    """A whole plan file. ``schema_`` is the YAML key ``schema``."""

    schema_: Literal["eco311.plan/1"] = Field(alias="schema")
    plan: PlanSpec
    units: list[UnitSpec]
    sections: list[SectionSpec]

    # -- navigation ---------------------------------------------------------

    def iter_sections(self) -> Iterator[tuple[SectionSpec, str | None]]:
        """Yield ``(section, parent_ref)`` depth-first, parents before children."""

        def walk(sections: list[SectionSpec], parent: str | None):
            for section in sections:
                yield section, parent
                yield from walk(section.sections, section.ref)

        yield from walk(self.sections, None)

    def iter_tasks(self) -> Iterator[tuple[SectionSpec, TaskSpec]]:
        """Yield ``(section, task)`` for every task, in document order."""
        for section, _parent in self.iter_sections():
            for task in section.tasks:
                yield section, task

    def iter_targets(self) -> Iterator[tuple[SectionSpec, TaskSpec, TargetSpec]]:
        """Yield ``(section, task, target)`` for every target, in document order.

        ``section`` is the section that directly contains the task.
        """
        for section, task in self.iter_tasks():
            for target in task.targets:
                yield section, task, target

    def responsible(self, task: TaskSpec, target: TargetSpec) -> tuple[list[str], list[str]]:
        """``(lead, assist)`` unit keys for ``target``.

        Each list of the target, when non-empty, replaces the task's list;
        otherwise the task's list applies.
        """
        lead = list(target.lead) if target.lead else list(task.lead)
        assist = list(target.assist) if target.assist else list(task.assist)
        # A unit that leads never also "assists".
        assist = [u for u in assist if u not in lead]
        return lead, assist

    def unit(self, key: str) -> UnitSpec:
        for unit in self.units:
            if unit.key == key:
                return unit
        raise KeyError(key)

    def target(self, key: str) -> TargetSpec:
        for _s, _t, target in self.iter_targets():
            if target.key == key:
                return target
        raise KeyError(key)

    def top_section_of(self, section_ref: str) -> str:
        """The ref of the top-level section containing ``section_ref``."""
        parents = {s.ref: p for s, p in self.iter_sections()}
        ref = section_ref
        while parents.get(ref) is not None:
            ref = parents[ref]
        return ref

    def count_targets(self) -> Counter[str]:
        """Number of targets per top-level section ref."""
        counts: Counter[str] = Counter()
        for section, _task, _target in self.iter_targets():
            counts[self.top_section_of(section.ref)] += 1
        return counts

    # -- cross-reference checks ----------------------------------------------

    def cross_check(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Problems spanning several objects, as ``(location, message)`` pairs."""
        problems: list[tuple[tuple[str | int, ...], str]] = []
        unit_keys: set[str] = set()
        for i, unit in enumerate(self.units):
            if unit.key in unit_keys:
                problems.append((("units", i, "key"), f"duplicate unit key {unit.key!r}"))
            unit_keys.add(unit.key)

        seen_sections: dict[str, tuple] = {}
        seen_tasks: dict[str, tuple] = {}
        seen_targets: dict[str, tuple] = {}

        def check_units(loc: tuple, keys: list[str], field: str) -> None:
            for j, key in enumerate(keys):
                if key not in unit_keys:
                    problems.append(
                        ((*loc, field, j), f"unknown unit {key!r} (not defined under 'units')")
                    )

        def walk(sections: list[SectionSpec], loc: tuple) -> None:
            for i, section in enumerate(sections):
                sloc = (*loc, i)
                if section.ref in seen_sections:
                    problems.append(
                        (
                            (*sloc, "ref"),
                            f"duplicate section ref {section.ref!r} "
                            f"(first at {format_loc(seen_sections[section.ref])})",
                        )
                    )
                else:
                    seen_sections[section.ref] = (*sloc, "ref")
                for k, task in enumerate(section.tasks):
                    tloc = (*sloc, "tasks", k)
                    if task.ref in seen_tasks:
                        problems.append(
                            (
                                (*tloc, "ref"),
                                f"duplicate task ref {task.ref!r} "
                                f"(first at {format_loc(seen_tasks[task.ref])})",
                            )
                        )
                    else:
                        seen_tasks[task.ref] = (*tloc, "ref")
                    check_units(tloc, task.lead, "lead")
                    check_units(tloc, task.assist, "assist")
                    for m, target in enumerate(task.targets):
                        gloc = (*tloc, "targets", m)
                        if target.key in seen_targets:
                            problems.append(
                                (
                                    (*gloc, "key"),
                                    f"duplicate target key {target.key!r} "
                                    f"(first at {format_loc(seen_targets[target.key])})",
                                )
                            )
                        else:
                            seen_targets[target.key] = (*gloc, "key")
                        check_units(gloc, target.lead, "lead")
                        check_units(gloc, target.assist, "assist")
                walk(section.sections, (*sloc, "sections"))

        walk(self.sections, ("sections",))
        return problems


# ---------------------------------------------------------------------------
# Errors and loading
# ---------------------------------------------------------------------------


class PlanFileError(DataFileError):
    """A plan file could not be loaded (messages as :class:`~eco311.core.datafile.DataFileError`).

    The area, county, dictionary and indicator file errors are siblings, not subclasses: the
    lower packages do not depend on plans. Catch ``DataFileError`` for any data file.
    """


def load_plan_file(path: str | Path) -> PlanFile:
    """Load and validate a plan file; raise :class:`PlanFileError` on any problem."""
    return load_data_file(path, PlanFile, PlanFileError)


def plan_files() -> list[Path]:
    """The plan files shipped in :data:`PLAN_DIR`, sorted by name."""
    return sorted(PLAN_DIR.glob("*.yaml"))


# ---------------------------------------------------------------------------
# Checks against the outside world
# ---------------------------------------------------------------------------


def check_sources(planfile: PlanFile, source_text: str) -> list[str]:
    """One message per target whose ``source`` is not verbatim in ``source_text``.

    The comparison is an exact substring test: no whitespace, line-break or
    punctuation normalisation of any kind.
    """
    messages = []
    for section, task, target in planfile.iter_targets():
        if target.source not in source_text:
            messages.append(
                f"{planfile.plan.source_file}: target {target.key} (task {task.ref}, "
                f"section {section.ref}): source is not a verbatim excerpt of the source "
                f"document: {target.source!r}"
            )
    return messages


def check_areas(planfile: PlanFile, area_keys: Collection[str] | Mapping[str, str]) -> list[str]:
    """One message per target whose scope is not a known area.

    ``area_keys`` is a set of area keys, or a mapping of area key to area kind
    (then the scope's kind must match the area's kind too).
    """
    kinds = area_keys if isinstance(area_keys, Mapping) else None
    messages = []
    for _section, _task, target in planfile.iter_targets():
        scope = target.scope
        if scope.key not in area_keys:
            messages.append(
                f"{planfile.plan.key}: target {target.key}: scope key {scope.key!r} "
                f"is not a known area"
            )
        elif kinds is not None and kinds[scope.key] != scope.kind:
            messages.append(
                f"{planfile.plan.key}: target {target.key}: scope kind {scope.kind!r} does "
                f"not match area {scope.key!r}, which is a {kinds[scope.key]}"
            )
    return messages


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _duplicates(items: list[str]) -> list[str]:
    return sorted(k for k, n in Counter(items).items() if n > 1)


def _unbreak(text: str) -> str:
    return _LINE_BREAKS.sub("", text)
