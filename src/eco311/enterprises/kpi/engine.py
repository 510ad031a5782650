"""The KPI engine: the plan's enterprise-based indicators from the annual survey returns.

Pure module (numpy, no Django; docs/adr/0001).  The returns arrive as plain rows,
one per enterprise and year, and are turned into numpy columns once
(:class:`ReturnsTable`); categoricals (enterprise, city, park, cluster, segment)
become integer codes and the tags a bit mask.  :func:`compute` then evaluates every
indicator of an :class:`~eco311.enterprises.kpi.definitions.IndicatorSet` for every
scope of a :class:`ScopeMap` and every year with vectorised masks and group sums:

1. each row falls in one *cell*, a distinct (city, park, cluster, year); the cells are
   found once per table;
2. an indicator's filters become boolean masks, its count or sum becomes a weight per
   row, and ``np.bincount`` sums the weights per cell (one pass over the rows);
3. the few hundred cells are summed into the scopes they belong to: the province, their
   city, their cluster and their park.

There is no per-row Python in that path; 100,000 enterprises x 5 years take well under a
second (docs/kpi.md).  :func:`members` gives the rows behind any value, for drill-down.

Conventions (docs/kpi.md): a missing field value (None) never matches a field
condition and adds nothing to a sum; a count or sum over no rows is 0; a share or ratio
whose denominator is 0 (or has no reporting row) is None.  The province scope covers
every row of the table; a city, cluster or park scope the rows whose ``city_code``,
``cluster_key`` or ``park_key`` is that key.  Values are produced only for years that
have returns in the table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from eco311.enterprises.kpi.definitions import (
    BASE_FIELDS,
    SCOPE_KINDS,
    SEGMENTS,
    TAGS,
    Condition,
    Indicator,
    IndicatorSet,
    Measure,
)

__all__ = [
    "COLUMNS",
    "TAG_BITS",
    "KpiValue",
    "ReturnsTable",
    "ScopeMap",
    "compute",
    "index",
    "members",
]

#: Bit of each tag in :attr:`ReturnsTable.tags`.
TAG_BITS: dict[str, int] = {tag: 1 << i for i, tag in enumerate(TAGS)}
_SEGMENT_CODES = {name: i for i, name in enumerate(SEGMENTS)}
_REQUIRED = ("enterprise", "year", "city_code", "segment")
#: The columns a return row may carry (others are ignored).
COLUMNS = (*_REQUIRED, "park_key", "cluster_key", *BASE_FIELDS, "major_violation", "tags")

_COMPARE = {
    ">": np.greater,
    ">=": np.greater_equal,
    "<": np.less,
    "<=": np.less_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


# ---------------------------------------------------------------------------
# Scopes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeMap:
    """The scopes values are computed for: the province, its cities, clusters and parks.

    ``clusters`` and ``parks`` map each key to the key of its city (a mapping or
    ``(key, city)`` pairs).  Build it from the area file with :meth:`from_areas`.
    """

    province: str
    cities: tuple[str, ...]
    clusters: tuple[tuple[str, str], ...] = ()
    parks: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        def pairs(value: Any) -> tuple[tuple[str, str], ...]:
            items = value.items() if isinstance(value, Mapping) else value
            return tuple((str(k), str(c)) for k, c in items)

        object.__setattr__(self, "province", str(self.province))
        object.__setattr__(self, "cities", tuple(str(c) for c in self.cities))
        object.__setattr__(self, "clusters", pairs(self.clusters))
        object.__setattr__(self, "parks", pairs(self.parks))
        keys = [self.province, *self.cities, *(k for k, _ in self.clusters + self.parks)]
        dups = sorted({k for k in keys if keys.count(k) > 1})
        if dups:
            raise ValueError(f"scope keys used twice: {', '.join(dups)}")
        cities = set(self.cities)
        for key, city in self.clusters + self.parks:
            if city not in cities:
                raise ValueError(f"{key!r} lies in {city!r}, which is not a city of the map")

    @classmethod
    def from_areas(cls, areas: Any = None) -> ScopeMap:
        """From area specs: ``load_area_file().areas`` (the default), an AreaFile, or any
        iterable of objects with ``key``, ``kind`` and ``parent``."""
        if areas is None:
            from eco311.geo.areafile import load_area_file

            areas = load_area_file()
        specs = list(getattr(areas, "areas", areas))
        provinces = [a.key for a in specs if a.kind == "province"]
        if len(provinces) != 1:
            raise ValueError(f"expected one province among the areas, found {len(provinces)}")
        return cls(
            province=provinces[0],
            cities=tuple(a.key for a in specs if a.kind == "city"),
            clusters=tuple((a.key, a.parent) for a in specs if a.kind == "cluster"),
            parks=tuple((a.key, a.parent) for a in specs if a.kind == "park"),
        )

    def keys(self, kind: str) -> tuple[str, ...]:
        if kind == "province":
            return (self.province,)
        if kind == "city":
            return self.cities
        if kind == "cluster":
            return tuple(k for k, _ in self.clusters)
        if kind == "park":
            return tuple(k for k, _ in self.parks)
        raise ValueError(f"unknown scope kind {kind!r} (one of {', '.join(SCOPE_KINDS)})")

    def scopes(self) -> list[tuple[str, str]]:
        """Every ``(kind, key)``: the province, then cities, clusters and parks."""
        return [(kind, key) for kind in SCOPE_KINDS for key in self.keys(kind)]

    def city_of(self, key: str) -> str | None:
        """The city of a city, cluster or park key (None for the province)."""
        if key in self.cities:
            return key
        return dict(self.clusters + self.parks).get(key)

    def cluster_of_city(self, city_code: str) -> str | None:
        """The cluster an enterprise of ``city_code`` belongs to (a cluster is its city)."""
        for key, city in self.clusters:
            if city == str(city_code):
                return key
        return None


# ---------------------------------------------------------------------------
# The returns as columns
# ---------------------------------------------------------------------------


def _encode(values: Sequence, name: str, *, optional: bool, as_str: bool):
    """Integer codes (-1 for None) and the distinct values in order of first appearance."""
    index: dict[Any, int] = {}
    codes = []
    append = codes.append
    setdefault = index.setdefault
    for i, v in enumerate(values):
        if v is None:
            if not optional:
                raise ValueError(f"row {i}: {name} is required")
            append(-1)
        else:
            append(setdefault(str(v) if as_str else v, len(index)))
    return np.array(codes, dtype=np.int32), tuple(index)


def _floats(values: Sequence, name: str) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(np.float64)
    values = list(values)
    if any(issubclass(t, (str, bytes)) for t in set(map(type, values))):
        # numpy would parse numeric strings silently: the survey import converts, not us
        i, v = next((i, v) for i, v in enumerate(values) if isinstance(v, (str, bytes)))
        raise ValueError(f"row {i}: {name} must be a number or None, got {v!r}")
    try:
        nan = math.nan
        return np.fromiter((nan if v is None else v for v in values), np.float64, len(values))
    except (TypeError, ValueError):
        for i, v in enumerate(values):
            try:
                float(v if v is not None else 0)
            except (TypeError, ValueError):
                raise ValueError(f"row {i}: {name} must be a number or None, got {v!r}") from None
        raise


def _years(values: Sequence) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int32)
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"row {i}: year must be an integer, got {v!r}")
    return np.array(values, dtype=np.int32)


def _flags(values: Sequence, name: str) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype == bool:
        return values.copy()
    values = list(values)
    if set(map(type, values)) <= {bool, np.bool_, type(None)}:
        return np.array([v is not None and bool(v) for v in values], dtype=bool)
    out = []
    for i, v in enumerate(values):
        if v is None:
            out.append(False)
        elif isinstance(v, (bool, np.bool_)) or v in (0, 1):
            out.append(bool(v))
        else:
            raise ValueError(f"row {i}: {name} must be true, false or None, got {v!r}")
    return np.array(out, dtype=bool)


def _tag_masks(values: Sequence) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        if values.size and (values.min() < 0 or values.max() >= 1 << len(TAGS)):
            raise ValueError("tag bit masks must be between 0 and 2**len(TAGS) - 1")
        return values.astype(np.uint16)
    seen: dict[frozenset, int] = {}
    out = []
    for i, tags in enumerate(values):
        if not tags:
            out.append(0)
            continue
        if isinstance(tags, str):
            raise ValueError(f"row {i}: tags must be a set of tag names, not the string {tags!r}")
        key = frozenset(tags)
        mask = seen.get(key)
        if mask is None:
            unknown = sorted(str(t) for t in key if t not in TAG_BITS)
            if unknown:
                raise ValueError(f"row {i}: unknown tag {unknown[0]!r} (one of {', '.join(TAGS)})")
            mask = seen[key] = sum(TAG_BITS[t] for t in key)
        out.append(mask)
    return np.array(out, dtype=np.uint16)


class ReturnsTable:
    """The survey returns as numpy columns, one row per enterprise and year.

    Attributes (read-only arrays of length ``len(table)``): ``enterprise``, ``city``,
    ``park``, ``cluster`` -- integer codes into ``enterprise_keys``, ``city_keys``,
    ``park_keys``, ``cluster_keys`` (-1 = none); ``segment`` -- code into
    :data:`~eco311.enterprises.kpi.definitions.SEGMENTS`; ``year``; ``values`` -- one
    float64 column per return field of
    :data:`~eco311.enterprises.kpi.definitions.BASE_FIELDS` (NaN = missing);
    ``major_violation``; ``tags`` -- bit mask, see :data:`TAG_BITS`.
    """

    def __init__(
        self,
        *,
        enterprise: np.ndarray,
        enterprise_keys: tuple,
        year: np.ndarray,
        city: np.ndarray,
        city_keys: tuple[str, ...],
        park: np.ndarray,
        park_keys: tuple[str, ...],
        cluster: np.ndarray,
        cluster_keys: tuple[str, ...],
        segment: np.ndarray,
        values: Mapping[str, np.ndarray],
        major_violation: np.ndarray,
        tags: np.ndarray,
    ):
        n = len(year)
        self.enterprise = enterprise
        self.enterprise_keys = tuple(enterprise_keys)
        self.year = year
        self.city, self.city_keys = city, tuple(city_keys)
        self.park, self.park_keys = park, tuple(park_keys)
        self.cluster, self.cluster_keys = cluster, tuple(cluster_keys)
        self.segment = segment
        self.values = {name: values[name] for name in BASE_FIELDS}
        self.major_violation = major_violation
        self.tags = tags
        arrays = [enterprise, year, city, park, cluster, segment, major_violation, tags]
        for arr in [*arrays, *self.values.values()]:
            if len(arr) != n:
                raise ValueError("all columns must have the same length")
            arr.flags.writeable = False
        self._cache: dict[Any, Any] = {}
        self.years: tuple[int, ...] = tuple(int(y) for y in np.unique(year))
        self._check_unique()

    # -- construction ------------------------------------------------------------

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> ReturnsTable:
        """From return rows (dicts with the keys of :data:`COLUMNS`; others are ignored).

        ``enterprise``, ``year``, ``city_code`` and ``segment`` are required; numbers may
        be None (missing), Decimal or float; ``tags`` is a set of tag names.
        """
        rows = list(rows)
        for i, row in enumerate(rows):
            missing = [k for k in _REQUIRED if k not in row]
            if missing:
                raise ValueError(f"row {i}: missing {', '.join(missing)}")
        columns = {name: [row.get(name) for row in rows] for name in COLUMNS}
        return cls.from_columns(columns)

    @classmethod
    def from_columns(cls, columns: Mapping[str, Sequence]) -> ReturnsTable:
        """From columns (name -> sequence or numpy array, all of one length).

        ``tags`` may be a sequence of sets of tag names or an integer array of bit masks
        (:data:`TAG_BITS`); absent optional columns are None / False / no tags.
        """
        missing = [k for k in _REQUIRED if k not in columns]
        if missing:
            raise ValueError(f"missing column {', '.join(missing)}")
        n = len(columns["enterprise"])
        for name, col in columns.items():
            if name in COLUMNS and len(col) != n:
                raise ValueError(f"column {name} has {len(col)} values, expected {n}")

        def col(name: str, default: Any) -> Sequence:
            return columns[name] if name in columns else [default] * n

        segment = columns["segment"]
        if isinstance(segment, np.ndarray) and segment.dtype.kind in "iu":
            if segment.size and (segment.min() < 0 or segment.max() >= len(SEGMENTS)):
                raise ValueError("segment codes must index SEGMENTS")
            seg = segment.astype(np.int8)
        else:
            seg_codes = []
            for i, s in enumerate(segment):
                code = _SEGMENT_CODES.get(s)
                if code is None:
                    raise ValueError(
                        f"row {i}: segment must be one of {', '.join(SEGMENTS)}, got {s!r}"
                    )
                seg_codes.append(code)
            seg = np.array(seg_codes, dtype=np.int8)

        enterprise, enterprise_keys = _encode(
            columns["enterprise"], "enterprise", optional=False, as_str=False
        )
        city, city_keys = _encode(columns["city_code"], "city_code", optional=False, as_str=True)
        park, park_keys = _encode(col("park_key", None), "park_key", optional=True, as_str=True)
        cluster, cluster_keys = _encode(
            col("cluster_key", None), "cluster_key", optional=True, as_str=True
        )
        return cls(
            enterprise=enterprise,
            enterprise_keys=enterprise_keys,
            year=_years(columns["year"]),
            city=city,
            city_keys=city_keys,
            park=park,
            park_keys=park_keys,
            cluster=cluster,
            cluster_keys=cluster_keys,
            segment=seg,
            values={name: _floats(col(name, None), name) for name in BASE_FIELDS},
            major_violation=_flags(col("major_violation", False), "major_violation"),
            tags=_tag_masks(col("tags", None)),
        )

    def _check_unique(self) -> None:
        if not len(self):
            return
        years = np.asarray(self.years)
        key = self.enterprise.astype(np.int64) * len(years) + np.searchsorted(years, self.year)
        ordered = np.sort(key)
        dup = ordered[1:][ordered[1:] == ordered[:-1]]
        if dup.size:
            ent, y = divmod(int(dup[0]), len(years))
            raise ValueError(
                f"enterprise {self.enterprise_keys[ent]!r} has more than one return for {years[y]}"
            )

    # -- access --------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.year)

    def __repr__(self) -> str:
        return f"<ReturnsTable {len(self)} rows, years {list(self.years)}>"

    def row(self, i: int) -> dict[str, Any]:
        """Row ``i`` as a plain dict (the form :meth:`from_rows` takes)."""
        i = int(i)

        def key(codes: np.ndarray, keys: tuple) -> Any:
            return keys[codes[i]] if codes[i] >= 0 else None

        out: dict[str, Any] = {
            "enterprise": self.enterprise_keys[self.enterprise[i]],
            "year": int(self.year[i]),
            "city_code": self.city_keys[self.city[i]],
            "park_key": key(self.park, self.park_keys),
            "cluster_key": key(self.cluster, self.cluster_keys),
            "segment": SEGMENTS[self.segment[i]],
        }
        for name, arr in self.values.items():
            v = float(arr[i])
            out[name] = None if math.isnan(v) else v
        out["major_violation"] = bool(self.major_violation[i])
        out["tags"] = {t for t, bit in TAG_BITS.items() if self.tags[i] & bit}
        return out

    # -- cached derived data ---------------------------------------------------------

    def _year_index(self) -> np.ndarray:
        if "year_index" not in self._cache:
            self._cache["year_index"] = np.searchsorted(np.asarray(self.years), self.year)
        return self._cache["year_index"]

    def _cells(self) -> _Cells:
        """Each row's cell: its distinct (city, park, cluster, year)."""
        if "cells" not in self._cache:
            self._cache["cells"] = _Cells.of(self)
        return self._cache["cells"]

    def _field(self, components: tuple[str, ...]) -> np.ndarray:
        """A return field, or the sum of several (missing parts 0; all missing -> NaN)."""
        if len(components) == 1:
            return self.values[components[0]]
        key = ("field", components)
        if key not in self._cache:
            total = np.zeros(len(self))
            present = np.zeros(len(self), dtype=bool)
            for name in components:
                arr = self.values[name]
                ok = ~np.isnan(arr)
                total += np.where(ok, arr, 0.0)
                present |= ok
            total[~present] = np.nan
            total.flags.writeable = False
            self._cache[key] = total
        return self._cache[key]

    def _summable(self, components: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """``(values with missing as 0, present)`` of a field, for sums."""
        key = ("summable", components)
        if key not in self._cache:
            values = self._field(components)
            present = ~np.isnan(values)
            clean = values.copy()
            np.copyto(clean, 0.0, where=~present)
            clean.flags.writeable = present.flags.writeable = False
            self._cache[key] = (clean, present)
        return self._cache[key]


@dataclass(frozen=True)
class _Cells:
    index: np.ndarray  # cell of each row
    city: np.ndarray  # per cell: city code (-1 none)
    park: np.ndarray
    cluster: np.ndarray
    year: np.ndarray  # per cell: year index

    @property
    def count(self) -> int:
        return len(self.year)

    @classmethod
    def of(cls, t: ReturnsTable) -> _Cells:
        n_year = len(t.years)
        n_park, n_cluster = len(t.park_keys) + 1, len(t.cluster_keys) + 1
        key = (t.city.astype(np.int64) + 1) * n_park + (t.park + 1)
        key = (key * n_cluster + (t.cluster + 1)) * n_year + t._year_index()
        space = (len(t.city_keys) + 1) * n_park * n_cluster * n_year
        if space <= 4 * len(t) + 4096:
            present = np.bincount(key, minlength=space) > 0
            lookup = np.cumsum(present) - 1
            index, uniq = lookup[key], np.flatnonzero(present)
        else:
            uniq, index = np.unique(key, return_inverse=True)
        rest, year = np.divmod(uniq, n_year)
        rest, cluster = np.divmod(rest, n_cluster)
        city, park = np.divmod(rest, n_park)
        return cls(index.astype(np.intp), city - 1, park - 1, cluster - 1, year)


# ---------------------------------------------------------------------------
# Row-level evaluation: masks and weights
# ---------------------------------------------------------------------------


class _Rows:
    """Filter masks and measure weights of one table (cached on the table)."""

    def __init__(self, table: ReturnsTable):
        self.t = table

    def condition(self, indicator: Indicator, cond: Condition) -> np.ndarray:
        comps = indicator.components(cond.field) if cond.field is not None else None
        key = ("mask", cond.cache_key(), comps)
        cache = self.t._cache
        if key in cache:
            return cache[key]
        t = self.t
        if cond.segment is not None:
            mask = np.isin(t.segment, [SEGMENTS.index(s) for s in cond.segment])
        elif cond.tag is not None:
            mask = (t.tags & sum(TAG_BITS[x] for x in cond.tag)) != 0
        elif cond.not_tag is not None:
            mask = (t.tags & sum(TAG_BITS[x] for x in cond.not_tag)) == 0
        elif cond.field is not None:
            values = t._field(comps)
            with np.errstate(invalid="ignore"):
                mask = _COMPARE[cond.op](values, cond.value)  # NaN compares false...
            if cond.op == "!=":
                mask &= ~np.isnan(values)  # ...except with !=
        elif cond.major_violation is not None:
            mask = t.major_violation == cond.major_violation
        else:
            mask = (t.cluster if cond.member_of == "cluster" else t.park) >= 0
        mask.flags.writeable = False
        cache[key] = mask
        return mask

    def measure(self, indicator: Indicator, m: Measure) -> tuple[np.ndarray, np.ndarray]:
        """``(weights, contributing)``: what each row adds, and which rows add to it.

        For a count both are the filter mask; for a sum the contributing rows are those
        that pass the filters and have the field.
        """
        mask = None
        for cond in m.where:
            c = self.condition(indicator, cond)
            mask = c if mask is None else mask & c
        if m.kind == "count":
            contrib = np.ones(len(self.t), dtype=bool) if mask is None else mask
            return contrib, contrib
        clean, present = self.t._summable(indicator.components(m.field))
        if mask is None:
            return clean, present
        contrib = present & mask
        return clean * contrib, contrib


# ---------------------------------------------------------------------------
# Aggregation
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiValue:
    """One indicator's value for one scope and year.

    ``targets`` are the plan targets this value feeds (the indicator's bindings at this
    scope key); ``n_enterprises`` the number of enterprises behind it -- those counted,
    or those contributing to the sum or to a share's/ratio's numerator (for an
    accumulated sum: distinct enterprises over the years summed).
    """

    indicator: str
    scope_kind: str
    scope_key: str
    year: int
    value: float | None
    unit_zh: str
    unit_en: str
    targets: tuple[str, ...]
    n_enterprises: int


def _scaled(values: np.ndarray, scale: float) -> np.ndarray:
    """``values * scale``; by division for 1/N scales, so that 9500 万元 is 0.95 亿元 exactly."""
    if scale < 1:
        inverse = round(1 / scale)
        if math.isclose(inverse * scale, 1.0, rel_tol=1e-12):
            return values / inverse
    return values * scale


class _Aggregator:
    """Sums row weights into (scope, year) for every scope of a ScopeMap."""

    def __init__(self, table: ReturnsTable, scopes: ScopeMap):
        self.t = table
        self.rows = _Rows(table)
        self.cells = cells = table._cells()
        self.scope_list = scopes.scopes()
        self.n_scope, self.n_year = len(self.scope_list), len(table.years)
        position = {s: i for i, s in enumerate(self.scope_list)}

        def lookup(kind: str, keys: tuple[str, ...], codes: np.ndarray) -> np.ndarray:
            # scope index of each cell for this kind (-1: none, or not a scope of the map)
            table_to_scope = np.array([position.get((kind, k), -1) for k in keys] + [-1])
            return table_to_scope[codes]  # code -1 picks the trailing -1

        self.cell_scope = [
            np.zeros(cells.count, dtype=np.int64),  # every cell is in the province
            lookup("city", table.city_keys, cells.city),
            lookup("cluster", table.cluster_keys, cells.cluster),
            lookup("park", table.park_keys, cells.park),
        ]
        pair_cell = np.concatenate([np.flatnonzero(s >= 0) for s in self.cell_scope])
        pair_scope = np.concatenate([s[s >= 0] for s in self.cell_scope])
        self.pair_cell = pair_cell
        self.pair_group = pair_scope * self.n_year + cells.year[pair_cell]
        self._measures: dict[Any, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _to_scopes(self, per_cell: np.ndarray) -> np.ndarray:
        out = np.bincount(
            self.pair_group,
            weights=per_cell[self.pair_cell],
            minlength=self.n_scope * self.n_year,
        )
        return out.reshape(self.n_scope, self.n_year)

    def measure(self, indicator: Indicator, m: Measure):
        """``(total, n, contributing)``: (scope, year) arrays and the row mask."""
        comps = [indicator.components(m.field) if m.field else None]
        comps += [indicator.components(c.field) for c in m.where if c.field is not None]
        key = (m.cache_key(), tuple(comps))
        if key not in self._measures:
            weights, contrib = self.rows.measure(indicator, m)
            idx, n_cells = self.cells.index, self.cells.count
            n_per_cell = np.bincount(idx, weights=contrib, minlength=n_cells)
            if weights is contrib:
                total = n = self._to_scopes(n_per_cell)
            else:
                total = self._to_scopes(np.bincount(idx, weights=weights, minlength=n_cells))
                n = self._to_scopes(n_per_cell)
            self._measures[key] = (total, n, contrib)
        return self._measures[key]

    def indicator(self, ind: Indicator) -> tuple[np.ndarray, np.ndarray]:
        """``(value, n_enterprises)`` as (scope, year) arrays; NaN = no value."""
        if ind.kind in ("count", "sum"):
            total, n, contrib = self.measure(ind, ind.measures()[0])
            if ind.accumulate_from is None:
                return _scaled(total, ind.scale), n
            included = np.asarray(self.t.years) >= ind.accumulate_from
            value = _scaled(np.cumsum(total * included, axis=1), ind.scale)
            value[:, ~included] = np.nan
            n = self._distinct_cumulative(contrib, included)
            return value, n
        num, n_num, _ = self.measure(ind, ind.numerator)
        den, n_den, _ = self.measure(ind, ind.denominator)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where((den != 0) & (n_den > 0), num / den * ind.scale, np.nan)
        return value, n_num

    def _distinct_cumulative(self, contrib: np.ndarray, included: np.ndarray) -> np.ndarray:
        """Distinct enterprises contributing in the included years up to each year."""
        year_idx = self.t._year_index()
        rows = np.flatnonzero(contrib & included[year_idx])
        n_ent = len(self.t.enterprise_keys)
        keys, years = [], []
        for cell_scope in self.cell_scope:
            scope = cell_scope[self.cells.index[rows]]
            ok = scope >= 0
            keys.append(scope[ok] * n_ent + self.t.enterprise[rows[ok]])
            years.append(year_idx[rows[ok]])
        key, year = np.concatenate(keys), np.concatenate(years)
        size = self.n_scope * n_ent
        if size <= 64_000_000:
            # first year of each (scope, enterprise): write later years first, earlier overwrite
            first_year = np.full(size, self.n_year, dtype=np.int16)
            for y in range(self.n_year - 1, -1, -1):
                first_year[key[year == y]] = y
            seen = np.flatnonzero(first_year < self.n_year)
            group = (seen // n_ent) * self.n_year + first_year[seen]
        else:
            order = np.lexsort((year, key))
            key, year = key[order], year[order]
            new = np.ones(len(key), dtype=bool)
            new[1:] = key[1:] != key[:-1]
            group = (key[new] // n_ent) * self.n_year + year[new]
        first = np.bincount(group, minlength=self.n_scope * self.n_year)
        n = np.cumsum(first.reshape(self.n_scope, self.n_year), axis=1)
        n[:, ~included] = 0
        return n


def compute(
    table: ReturnsTable,
    indicators: IndicatorSet | Iterable[Indicator],
    *,
    years: Iterable[int] | None = None,
    scopes: ScopeMap,
) -> list[KpiValue]:
    """Every indicator x supported scope x year, in that order.

    ``years`` restricts the output to those years; only years with returns in the table
    are produced (an accumulated sum still adds up the earlier years).
    """
    inds = list(indicators)
    if not len(table) or not inds:
        return []
    agg = _Aggregator(table, scopes)
    wanted = None if years is None else {int(y) for y in years}
    year_pos = [(i, y) for i, y in enumerate(table.years) if wanted is None or y in wanted]
    out: list[KpiValue] = []
    for ind in inds:
        value, n = agg.indicator(ind)
        value_rows, n_rows = value.tolist(), n.astype(np.int64).tolist()
        supported = set(ind.scopes)
        for s, (kind, key) in enumerate(agg.scope_list):
            if kind not in supported:
                continue
            targets = ind.targets_at(key)
            for i, year in year_pos:
                v = value_rows[s][i]
                out.append(
                    KpiValue(
                        indicator=ind.key,
                        scope_kind=kind,
                        scope_key=key,
                        year=year,
                        value=None if math.isnan(v) else v,
                        unit_zh=ind.unit.zh,
                        unit_en=ind.unit.en,
                        targets=targets,
                        n_enterprises=n_rows[s][i],
                    )
                )
    return out


def index(values: Iterable[KpiValue]) -> dict[tuple[str, str, int], KpiValue]:
    """``(indicator, scope_key, year) -> KpiValue`` for look-ups."""
    return {(v.indicator, v.scope_key, v.year): v for v in values}


def members(
    table: ReturnsTable,
    indicator: Indicator,
    scope_kind: str,
    scope_key: str,
    year: int,
    *,
    part: str = "numerator",
) -> np.ndarray:
    """Row indices of the returns behind one value, for drill-down.

    The rows counted, or contributing to the sum (filters pass and the field is
    present), or -- for a share or ratio -- to the numerator (``part="denominator"``
    gives the denominator's rows).  For an accumulated sum, the rows of every year
    summed.  ``len(members(...))`` is the value's ``n_enterprises`` (for an accumulated
    sum: the number of distinct enterprises among the rows).
    """
    if scope_kind not in indicator.scopes:
        raise ValueError(
            f"{indicator.key} is computed for {', '.join(indicator.scopes)}, not {scope_kind!r}"
        )
    if part not in ("numerator", "denominator"):
        raise ValueError("part must be 'numerator' or 'denominator'")
    measures = indicator.measures()
    if part == "denominator" and len(measures) == 1:
        raise ValueError(f"{indicator.key} is a {indicator.kind}: it has no denominator")
    m = measures[0] if part == "numerator" else measures[1]
    _weights, contrib = _Rows(table).measure(indicator, m)

    if scope_kind == "province":
        in_scope = np.ones(len(table), dtype=bool)
    else:
        codes, keys = {
            "city": (table.city, table.city_keys),
            "cluster": (table.cluster, table.cluster_keys),
            "park": (table.park, table.park_keys),
        }[scope_kind]
        key = str(scope_key)
        in_scope = codes == (keys.index(key) if key in keys else -2)

    year = int(year)
    if indicator.accumulate_from is None:
        in_year = table.year == year
    else:
        in_year = (table.year >= indicator.accumulate_from) & (table.year <= year)
        if year < indicator.accumulate_from or year not in table.years:
            in_year = np.zeros(len(table), dtype=bool)
    return np.flatnonzero(contrib & in_scope & in_year)
