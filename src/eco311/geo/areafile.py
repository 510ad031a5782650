"""The area file and the county file: Shandong, its cities and counties, the clusters and parks.

Pure module (pydantic + PyYAML, no Django), the counterpart of
:mod:`eco311.plans.planfile` for ``geo/data/areas.yaml`` (``schema: eco311.areas/1``:
the province, its 16 cities, the 3 "311" clusters and the 10 parks) and
``geo/data/counties.yaml`` (``schema: eco311.counties/1``: the county-level divisions
of each city).  See ``docs/plan-file-format.md``.

Public API::

    load_area_file(path=AREA_FILE) -> AreaFile                      # raises AreaFileError
    load_county_file(path=COUNTY_FILE, areas=None) -> CountyFile    # raises AreaFileError
    CountyFile.by_city()      # {city code: [CountySpec, ...]} in file order
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from eco311.core.datafile import (
    DataFileError,
    DataFileModel,
    Location,
    StrictModel,
    Text,
    load_data_file,
)

__all__ = [
    "AREA_FILE",
    "AREA_SCHEMA",
    "COUNTY_FILE",
    "COUNTY_SCHEMA",
    "AreaFile",
    "AreaFileError",
    "AreaSpec",
    "CountyFile",
    "CountySpec",
    "load_area_file",
    "load_county_file",
]

AREA_SCHEMA = "eco311.areas/1"
AREA_FILE = Path(__file__).parent / "data" / "areas.yaml"
COUNTY_SCHEMA = "eco311.counties/1"
COUNTY_FILE = Path(__file__).parent / "data" / "counties.yaml"

AreaKind = Literal["province", "city", "cluster", "park"]

#: Which kind of area each kind's ``parent`` must be.
PARENT_KIND: dict[str, str | None] = {
    "province": None,
    "city": "province",
    "cluster": "city",
    "park": "city",
}

_CODE = re.compile(r"^\d{6}$")


class AreaFileError(DataFileError):
    """The area or county file could not be loaded (same message format as plan files)."""


class AreaSpec(StrictModel):
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


class AreaFile(DataFileModel):
    """The whole area file. ``schema_`` is the YAML key ``schema``."""

    schema_: Literal["eco311.areas/1"] = Field(alias="schema")
    areas: list[AreaSpec]

    def cross_check(self) -> list[tuple[Location, str]]:
        problems: list[tuple[Location, str]] = []
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
    return load_data_file(path, AreaFile, AreaFileError)


# ---------------------------------------------------------------------------
# The county file
# ---------------------------------------------------------------------------


class CountySpec(StrictModel):
    """A county-level division (county, county-level city or district) of a city."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    #: GB/T 2260 code; its first four digits are its city's.
    code: str = Field(pattern=r"^\d{6}$")
    name: Text
    #: The GB/T 2260 code of its city (a city of the area file).
    city: str = Field(pattern=r"^\d{4}00$")


class CountyFile(DataFileModel):
    """The whole county file. ``schema_`` is the YAML key ``schema``."""

    schema_: Literal["eco311.counties/1"] = Field(alias="schema")
    counties: list[CountySpec] = Field(min_length=1)

    def cross_check(self, cities: Collection[str] | None = None) -> list[tuple[Location, str]]:
        """Unique codes, each within its city; with ``cities``, each city must be one of them."""
        problems: list[tuple[Location, str]] = []
        first: dict[str, int] = {}
        for i, county in enumerate(self.counties):
            code, city = county.code, county.city
            if code in first:
                problems.append(
                    (
                        ("counties", i, "code"),
                        f"duplicate county code {code} (first at counties[{first[code]}])",
                    )
                )
            first.setdefault(code, i)
            if code.endswith("00"):
                problems.append(
                    (
                        ("counties", i, "code"),
                        f"{code} is the code of a city or province, not of a county",
                    )
                )
            elif code[:4] != city[:4]:
                problems.append(
                    (
                        ("counties", i, "code"),
                        f"county code {code} does not lie in city {city}: "
                        f"it must begin with {city[:4]}",
                    )
                )
            if cities is not None and city not in cities:
                problems.append((("counties", i, "city"), f"{city} is not a city of the area file"))
        return problems

    def by_code(self) -> dict[str, CountySpec]:
        return {county.code: county for county in self.counties}

    def by_city(self) -> dict[str, list[CountySpec]]:
        """City code -> its counties, both in file order."""
        out: dict[str, list[CountySpec]] = {}
        for county in self.counties:
            out.setdefault(county.city, []).append(county)
        return out


def load_county_file(path: str | Path = COUNTY_FILE, areas: AreaFile | None = None) -> CountyFile:
    """Load and validate the county file; raise :class:`AreaFileError` on any problem.

    Every county's city must be a city of ``areas`` (default: the shipped area file).
    """
    if areas is None:
        areas = load_area_file()
    cities = {a.code for a in areas.of_kind("city")}
    return load_data_file(
        path, CountyFile, AreaFileError, cross_check=lambda f: f.cross_check(cities)
    )
