"""The survey data dictionary: every field of the annual enterprise return.

Pure module (pydantic + PyYAML, no Django).  ``dictionary.yaml`` next to this
file (``schema: eco311.survey-dictionary/1``) is the one description of the
survey; the Excel template, the validation, the web pages and ``docs/survey.md``
are all derived from it.

Public API::

    load_dictionary(path=DICTIONARY_FILE) -> Dictionary    # raises DictionaryError
    Dictionary.fields        # list[FieldSpec], in column order
    Dictionary.by_key        # {key: FieldSpec}
    Dictionary.columns()     # list[FieldSpec] in column order (FieldSpec.letter = "A"...)
    FieldSpec.header(lang)   # "营业收入（万元）" / "Operating revenue (10k yuan)"
    column_letter(index)     # 0 -> "A", 26 -> "AA"

The default dictionary is loaded once per process (``load_dictionary()`` with
no argument is cached); treat the returned objects as read-only.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from eco311.core.datafile import DataFileError, DataFileModel, StrictModel, Text, load_data_file

__all__ = [
    "BOOL_OPTIONS",
    "DICTIONARY_FILE",
    "DICTIONARY_SCHEMA",
    "Dictionary",
    "DictionaryError",
    "FieldSpec",
    "FieldType",
    "GroupSpec",
    "Option",
    "RuleSpec",
    "column_letter",
    "load_dictionary",
]

DICTIONARY_SCHEMA = "eco311.survey-dictionary/1"
DICTIONARY_FILE = Path(__file__).parent / "dictionary.yaml"

FieldType = Literal["text", "code", "integer", "decimal", "enum", "bool"]
GroupKey = Literal["registry", "finance", "production", "innovation", "compliance"]

_KEY = r"^[a-z][a-z0-9_]*$"


class DictionaryError(DataFileError):
    """The dictionary file could not be loaded (same message format as plan files)."""


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index (0 -> "A", 26 -> "AA")."""
    if index < 0:
        raise ValueError(f"column index must be >= 0, got {index}")
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class Option(StrictModel):
    """One allowed value of an enum (or bool) field."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    value: str = Field(min_length=1)
    label: Text


#: The two values of a bool field: stored as True / False, shown as 是 / 否.
BOOL_OPTIONS: tuple[tuple[bool, Text], ...] = (
    (True, Text(zh="是", en="Yes")),
    (False, Text(zh="否", en="No")),
)


class GroupSpec(StrictModel):
    key: GroupKey
    label: Text


class FieldSpec(StrictModel):
    """One field (one column of the returns sheet)."""

    key: str = Field(pattern=_KEY)
    column: int = Field(ge=1)
    group: GroupKey
    label: Text
    definition: Text
    type: FieldType
    unit: Text | None
    required: bool
    min: Decimal | None = None
    max: Decimal | None = None
    decimals: int | None = Field(default=None, ge=0, le=10)
    max_length: int | None = Field(default=None, ge=1)
    format: Literal["uscc", "division", "industry"] | None = None
    lookup: Literal["cities", "counties", "industries"] | None = None
    values: list[Option] | None = None
    values_from: Literal["parks"] | None = None
    #: The column may be missing from a workbook (a column added after templates were in use:
    #: older workbooks without it still import, its cells read as blank).
    optional_column: bool = False

    @model_validator(mode="after")
    def _check(self) -> FieldSpec:
        problems: list[str] = []
        numeric = self.type in ("integer", "decimal")

        def only(attr: str, allowed: bool, what: str) -> None:
            if getattr(self, attr) is not None and not allowed:
                problems.append(f"'{attr}' is only allowed on {what} fields, not {self.type}")

        only("min", numeric, "integer and decimal")
        only("max", numeric, "integer and decimal")
        only("decimals", self.type == "decimal", "decimal")
        only("max_length", self.type in ("text", "code"), "text and code")
        only("format", self.type == "code", "code")
        only("lookup", self.type == "code", "code")
        only("values", self.type == "enum", "enum")
        only("values_from", self.type == "enum", "enum")
        if self.optional_column and self.required:
            problems.append("a required field cannot have an optional column")
        if self.type == "code" and self.format is None:
            problems.append("a code field needs a format (uscc, division or industry)")
        if self.type == "enum" and (self.values is None) == (self.values_from is None):
            problems.append("an enum field needs exactly one of 'values' and 'values_from'")
        if self.values is not None:
            if not self.values:
                problems.append("'values' must not be empty")
            seen: set[str] = set()
            for option in self.values:
                for spelling in (option.value, option.label.zh, option.label.en):
                    folded = spelling.strip().casefold()
                    if folded in seen:
                        problems.append(f"enum spelling {spelling!r} is used twice")
                    seen.add(folded)
        if self.type == "integer":
            for attr in ("min", "max"):
                bound = getattr(self, attr)
                if bound is not None and bound != bound.to_integral_value():
                    problems.append(f"'{attr}' of an integer field must be a whole number")
        if self.min is not None and self.max is not None and self.min > self.max:
            problems.append(f"min {self.min} is greater than max {self.max}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- derived ---------------------------------------------------------------

    @property
    def letter(self) -> str:
        """The Excel column letter of this field in the returns sheet."""
        return column_letter(self.column - 1)

    @property
    def index(self) -> int:
        """0-based column index."""
        return self.column - 1

    @property
    def is_money(self) -> bool:
        return self.unit is not None and self.unit.zh == "万元"

    def header(self, lang: str) -> str:
        """The column heading: label with the unit, e.g. "营业收入（万元）"."""
        label = self.label.get(lang)
        if self.unit is None:
            return label
        if lang.lower().startswith("zh"):
            return f"{label}（{self.unit.zh}）"
        return f"{label} ({self.unit.en})"

    def options(self) -> list[tuple[object, Text]]:
        """(stored value, label) of each static choice: enum values, or the two bools."""
        if self.type == "bool":
            return list(BOOL_OPTIONS)
        return [(o.value, o.label) for o in self.values or ()]


class RuleSpec(StrictModel):
    """A cross-field rule (its messages are in ``validate.py``).

    ``sum_le``: sum of ``fields`` <= ``bound``; ``le``: the one field in ``fields``
    <= ``bound`` x ``factor``; ``required_with``: ``bound`` is required when any
    of ``fields`` is given.
    """

    code: str = Field(pattern=_KEY)
    kind: Literal["sum_le", "le", "required_with"]
    fields: list[str] = Field(min_length=1)
    bound: str
    factor: Decimal = Decimal(1)
    severity: Literal["error", "warning"] = "error"
    text: Text

    @model_validator(mode="after")
    def _check(self) -> RuleSpec:
        if self.kind == "le" and len(self.fields) != 1:
            raise ValueError("an 'le' rule compares exactly one field with its bound")
        return self


class Dictionary(DataFileModel):
    """The whole dictionary file. ``schema_`` is the YAML key ``schema``."""

    schema_: Literal["eco311.survey-dictionary/1"] = Field(alias="schema")
    title: Text
    groups: list[GroupSpec]
    fields: list[FieldSpec] = Field(min_length=1)
    rules: list[RuleSpec] = []

    def cross_check(self) -> list[tuple[tuple[str | int, ...], str]]:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        keys: dict[str, int] = {}
        columns: dict[int, str] = {}
        for i, f in enumerate(self.fields):
            if f.key in keys:
                problems.append((("fields", i, "key"), f"duplicate field key {f.key!r}"))
            keys.setdefault(f.key, i)
            if f.column in columns:
                problems.append(
                    (
                        ("fields", i, "column"),
                        f"column {f.column} is also used by {columns[f.column]!r}",
                    )
                )
            columns.setdefault(f.column, f.key)
        expected = set(range(1, len(self.fields) + 1))
        if not problems and set(columns) != expected:
            gaps = sorted(expected - set(columns))
            problems.append(
                (("fields",), f"columns must be numbered 1..{len(self.fields)}; missing {gaps}")
            )
        group_keys = [g.key for g in self.groups]
        for i, g in enumerate(self.groups):
            if group_keys.count(g.key) > 1 and group_keys.index(g.key) != i:
                problems.append((("groups", i, "key"), f"duplicate group {g.key!r}"))
        for i, f in enumerate(self.fields):
            if f.group not in group_keys:
                problems.append((("fields", i, "group"), f"group {f.group!r} is not in 'groups'"))
        for i, rule in enumerate(self.rules):
            for name in [*rule.fields, rule.bound]:
                if name not in keys:
                    problems.append((("rules", i), f"unknown field {name!r}"))
            numeric_kinds = ("sum_le", "le")
            if rule.kind in numeric_kinds:
                for name in [*rule.fields, rule.bound]:
                    if name in keys and self.fields[keys[name]].type not in ("integer", "decimal"):
                        problems.append((("rules", i), f"field {name!r} is not a number"))
        return problems

    # -- navigation ------------------------------------------------------------

    def model_post_init(self, __context: object) -> None:
        self.fields.sort(key=lambda f: f.column)

    @functools.cached_property
    def by_key(self) -> dict[str, FieldSpec]:
        """Mapping of field key to field."""
        return {f.key: f for f in self.fields}

    def columns(self) -> list[FieldSpec]:
        """The fields in column order (``FieldSpec.letter`` gives each column's letter)."""
        return list(self.fields)

    def keys(self) -> list[str]:
        """The field keys in column order."""
        return [f.key for f in self.fields]

    def group(self, key: str) -> GroupSpec:
        for g in self.groups:
            if g.key == key:
                return g
        raise KeyError(key)

    def required_keys(self) -> list[str]:
        return [f.key for f in self.fields if f.required]


@functools.lru_cache(maxsize=4)
def _load_cached(path: Path) -> Dictionary:
    return load_data_file(path, Dictionary, DictionaryError)


def load_dictionary(path: str | Path = DICTIONARY_FILE) -> Dictionary:
    """Load and validate the data dictionary; raise :class:`DictionaryError` on any problem.

    Messages are located like plan-file messages, e.g.
    ``"dictionary.yaml: fields[3].type: Input should be 'text', 'code', ... (got 'txt') (line 61)"``.
    """
    return _load_cached(Path(path).resolve())
