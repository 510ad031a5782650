"""The area file: Shandong Province, its cities, the "311" clusters and parks.

Pure module (pydantic + PyYAML, no Django), the counterpart of
:mod:`eco311.plans.planfile` for ``geo/data/areas.yaml``
(``schema: eco311.areas/1``).  See ``docs/plan-file-format.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, model_validator

from eco311.plans.planfile import (
    PlanFileError,
    Text,
    _format_loc,
    _located,
    _Model,
    _read_yaml,
    _validate,
)

__all__ = [
    "AREA_FILE",
    "AREA_SCHEMA",
    "AreaFile",
    "AreaFileError",
    "AreaSpec",
    "load_area_file",
]

AREA_SCHEMA = "eco311.areas/1"
AREA_FILE = Path(__file__).parent / "data" / "areas.yaml"

AreaKind = Literal["province", "city", "cluster", "park"]

#: Which kind of area each kind's ``parent`` must be.
PARENT_KIND: dict[str, str | None] = {
    "province": None,
    "city": "province",
    "cluster": "city",
    "park": "city",
}

_CODE = re.compile(r"^\d{6}$")


class AreaFileError(PlanFileError):
    """The area file could not be loaded (same message format as plan files)."""


class AreaSpec(_Model):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    key: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    kind: AreaKind
    #: GB/T 2260 administrative division code (province and cities).
    code: str | None = None
    name: Text
    short_name: Text | None = None
    parent: str | None = None
    #: A park's (or cluster's) specialism as the plan gives it.
    specialism: Text | None = None

    @model_validator(mode="after")
    def _check(self) -> AreaSpec:
        problems = []
        if self.code is not None and not _CODE.match(self.code):
            problems.append(f"code must be six digits (GB/T 2260), got {self.code!r}")
        if self.kind in ("province", "city"):
            if self.code is None:
                problems.append(f"a {self.kind} needs its GB/T 2260 code")
            elif self.key != self.code:
                problems.append(f"a {self.kind}'s key must be its code {self.code!r}")
        if PARENT_KIND[self.kind] is None and self.parent is not None:
            problems.append(f"a {self.kind} has no parent")
        if PARENT_KIND[self.kind] is not None and self.parent is None:
            problems.append(f"a {self.kind} needs a parent ({PARENT_KIND[self.kind]})")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class AreaFile(_Model):
    """The whole area file. ``schema_`` is the YAML key ``schema``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: Literal["eco311.areas/1"] = Field(alias="schema")
    areas: list[AreaSpec]

    @model_validator(mode="after")
    def _cross_check(self, info: ValidationInfo) -> AreaFile:
        if info.context and info.context.get("defer_cross_checks"):
            return self
        problems = self.cross_check()
        if problems:
            raise ValueError("; ".join(f"{_format_loc(loc)}: {msg}" for loc, msg in problems))
        return self

    def cross_check(self) -> list[tuple[tuple[str | int, ...], str]]:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        by_key: dict[str, AreaSpec] = {}
        for i, area in enumerate(self.areas):
            if area.key in by_key:
                problems.append((("areas", i, "key"), f"duplicate area key {area.key!r}"))
            else:
                by_key[area.key] = area
        codes: dict[str, str] = {}
        for i, area in enumerate(self.areas):
            if area.code is not None:
                if area.code in codes and codes[area.code] != area.key:
                    problems.append(
                        (
                            ("areas", i, "code"),
                            f"code {area.code} is also used by {codes[area.code]!r}",
                        )
                    )
                codes.setdefault(area.code, area.key)
            if area.parent is None:
                continue
            parent = by_key.get(area.parent)
            if parent is None:
                problems.append((("areas", i, "parent"), f"unknown parent area {area.parent!r}"))
            elif parent.kind != PARENT_KIND[area.kind]:
                problems.append(
                    (
                        ("areas", i, "parent"),
                        f"the parent of a {area.kind} must be a {PARENT_KIND[area.kind]}, "
                        f"but {parent.key!r} is a {parent.kind}",
                    )
                )
        return problems

    # -- navigation ------------------------------------------------------------

    def by_key(self) -> dict[str, AreaSpec]:
        return {area.key: area for area in self.areas}

    def of_kind(self, kind: str) -> list[AreaSpec]:
        return [area for area in self.areas if area.kind == kind]

    def kinds(self) -> dict[str, str]:
        """Mapping of area key to kind (suitable for ``check_areas``)."""
        return {area.key: area.kind for area in self.areas}

    def children(self, key: str) -> Iterator[AreaSpec]:
        return (area for area in self.areas if area.parent == key)

    def city_of(self, key: str) -> AreaSpec | None:
        """The city an area lies in (the area itself for a city; None for the province)."""
        areas = self.by_key()
        area = areas[key]
        while area is not None and area.kind != "city":
            area = areas.get(area.parent) if area.parent else None
        return area


def load_area_file(path: str | Path = AREA_FILE) -> AreaFile:
    """Load and validate the area file; raise :class:`AreaFileError` on any problem."""
    path = Path(path)
    try:
        data, root = _read_yaml(path)
        areafile = _validate(AreaFile, data, path, root, context={"defer_cross_checks": True})
    except AreaFileError:
        raise
    except PlanFileError as exc:
        raise AreaFileError(exc.problems, path) from exc
    problems = areafile.cross_check()
    if problems:
        raise AreaFileError([_located(path.name, root, loc, msg) for loc, msg in problems], path)
    return areafile
