"""Plain tables for the engine: the input data and the numeric frames every step produces.

The engine must not depend on pandas or Django, so it carries its own two small types:

* :class:`DataTable` is the input: one row per unit, columns of numbers or text (a text column
  is typically a grouping such as a city or an industry chain).
* :class:`Frame` is a numeric matrix with named rows (units) and columns (indicator or group
  codes). Every intermediate result of the pipeline is a Frame, so each number can be looked
  up by unit and code. Missing values are NaN.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Cell texts read as a missing value (R writes NA, spreadsheets leave cells empty).
MISSING_TEXTS = frozenset({"", "NA", "N/A", "NaN", "nan", "null", "-"})


class DataError(ValueError):
    """The data do not fit the methodology (a missing column, a text in a number column...)."""


class DomainError(ValueError):
    """A value outside the domain of a step (a log of 0...), at a row and column position.

    The steps work on bare matrices; the pipeline turns this into a DataError that names the
    unit, the indicator or group, and the step.
    """

    def __init__(self, row: int, column: int, message: str):
        self.row = row
        self.column = column
        super().__init__(message)


def _parse_number(text: str) -> float | None:
    """The cell as a float, NaN when missing, None when it is not a number."""
    text = text.strip()
    if text in MISSING_TEXTS:
        return math.nan
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class DataTable:
    """The input table: unit codes and named columns.

    ``columns`` maps a column name to either a float array (a number column; NaN = missing) or
    a tuple of texts (None = missing). Columns read from CSV are numeric when every non-missing
    cell is a number.
    """

    units: tuple[str, ...]
    columns: Mapping[str, np.ndarray | tuple[str | None, ...]]

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, object]], unit_column: str) -> DataTable:
        """Build a table from dicts (one per unit); values may be numbers, texts or None."""
        names = list(dict.fromkeys(k for r in records for k in r))
        if unit_column not in names:
            raise DataError(f"no unit column {unit_column!r} in the data")
        texts = {n: [_cell_text(r.get(n)) for r in records] for n in names}
        return cls._from_texts(texts, unit_column)

    @classmethod
    def _from_texts(cls, texts: dict[str, list[str]], unit_column: str) -> DataTable:
        units = tuple(t.strip() for t in texts[unit_column])
        _check_units(units, unit_column)
        columns: dict[str, np.ndarray | tuple[str | None, ...]] = {}
        for name, cells in texts.items():
            numbers = [_parse_number(c) for c in cells]
            if all(v is not None for v in numbers):
                columns[name] = np.array(numbers, dtype=float)
            else:
                columns[name] = tuple(None if c.strip() in MISSING_TEXTS else c for c in cells)
        return cls(units, columns)

    def without(self, units: Collection[str]) -> DataTable:
        """The table without the rows of ``units``."""
        if not units:
            return self
        keep = [i for i, u in enumerate(self.units) if u not in units]
        columns = {
            name: values[keep] if isinstance(values, np.ndarray) else tuple(values[i] for i in keep)
            for name, values in self.columns.items()
        }
        return DataTable(tuple(self.units[i] for i in keep), columns)

    def numbers(self, column: str) -> np.ndarray:
        """A number column; raises DataError naming the first cell that is not a number."""
        values = self._column(column)
        if isinstance(values, np.ndarray):
            return values
        numbers = []
        for unit, cell in zip(self.units, values, strict=True):
            number = math.nan if cell is None else _parse_number(cell)
            if number is None:
                raise DataError(f"column {column!r}, unit {unit}: {cell!r} is not a number")
            numbers.append(number)
        return np.array(numbers, dtype=float)

    def labels(self, column: str) -> tuple[str | None, ...]:
        """A column as texts (numbers too: a grouping may be coded by numbers); None = missing."""
        values = self._column(column)
        if isinstance(values, np.ndarray):
            return tuple(None if math.isnan(v) else _number_label(v) for v in values)
        return values

    def _column(self, column: str) -> np.ndarray | tuple[str | None, ...]:
        try:
            return self.columns[column]
        except KeyError:
            raise DataError(f"no column {column!r} in the data") from None


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _number_label(value: float) -> str:
    """1.0 -> '1', so that a grouping coded 1, 2, 3 reads as it was written."""
    return str(int(value)) if value.is_integer() else repr(value)


def _check_units(units: tuple[str, ...], unit_column: str) -> None:
    seen: set[str] = set()
    for row, unit in enumerate(units, start=2):
        if unit in MISSING_TEXTS:
            raise DataError(f"row {row}: the unit column {unit_column!r} is empty")
        if unit in seen:
            raise DataError(f"row {row}: unit {unit!r} appears twice")
        seen.add(unit)


def read_csv(path: str | Path, unit_column: str) -> DataTable:
    """Read a UTF-8 CSV file (a BOM is allowed) with one row per unit."""
    text = Path(path).read_text(encoding="utf-8-sig")
    return parse_csv(text, unit_column)


def parse_csv(text: str, unit_column: str) -> DataTable:
    """Parse CSV text with a header row; rows are numbered as in a spreadsheet in errors."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    if unit_column not in header:
        raise DataError(f"no unit column {unit_column!r} in the header")
    if len(set(header)) != len(header):
        duplicates = sorted({h for h in header if header.count(h) > 1})
        raise DataError(f"duplicate column names in the header: {', '.join(duplicates)}")
    texts: dict[str, list[str]] = {h: [] for h in header}
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DataError(
                f"row {reader.line_num}: {len(row)} cells but the header has {len(header)}"
            )
        for name, cell in zip(header, row, strict=True):
            texts[name].append(cell)
    return DataTable._from_texts(texts, unit_column)


@dataclass(frozen=True)
class Frame:
    """A numeric table: ``values[i, j]`` is unit ``units[i]`` on column ``columns[j]``."""

    units: tuple[str, ...]
    columns: tuple[str, ...]
    values: np.ndarray

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=float)
        if values.shape != (len(self.units), len(self.columns)):
            raise ValueError(
                f"values have shape {values.shape}, expected "
                f"({len(self.units)}, {len(self.columns)})"
            )
        values.flags.writeable = False  # a pipeline result must not change after the fact
        object.__setattr__(self, "values", values)

    def column(self, code: str) -> np.ndarray:
        """The values of one column, in unit order."""
        return self.values[:, self.columns.index(code)]

    def value(self, unit: str, code: str) -> float:
        """One number, looked up by unit and column code."""
        return float(self.values[self.units.index(unit), self.columns.index(code)])

    def select(self, columns: Iterable[str]) -> np.ndarray:
        """The values of the given columns, as a new array (units x columns)."""
        return self.values[:, [self.columns.index(c) for c in columns]]

    def records(self) -> list[dict[str, object]]:
        """One dict per unit (``unit`` plus every column; NaN becomes None), e.g. for JSON."""
        return [
            {"unit": unit, **{c: _plain(v) for c, v in zip(self.columns, row, strict=True)}}
            for unit, row in zip(self.units, self.values, strict=True)
        ]


def _plain(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
