"""Strict validation of survey returns, with located bilingual errors.

Pure module (no Django).  The rows come from :func:`.workbook.read_returns_workbook`
(raw cell values as python-calamine gives them) or straight from Python code
(e.g. the synthetic population generator): each is ``(excel_row, {field_key: value})``.

Public API::

    validate_rows(rows, *, year, sheet, context, dictionary=None, columns=None)
        -> ValidationResult(rows: list[CleanRow], errors: list[CellError], warnings: list[CellError])
    validate_columns(row_numbers, raw_columns, *, year, ...)   # the same, rows given by column
    ValidationContext(cities, counties, parks, industries, aliases)   # reference tables
    ValidationContext.from_areas(areafile=None, *, counties=None, industries=None)
    CellError(sheet, row, column, field_key, value, code, params, severity).message("zh" | "en")
    MESSAGES                                    # the one bilingual message table
    register_field_check(key, check, messages)  # a check another app owns (chains' node codes)

Typed values of a :class:`CleanRow`: ``year`` and the other integer fields are
``int``; money and the other decimal fields are :class:`decimal.Decimal`,
rounded half-up to the field's ``decimals`` (2: what the database stores, 万元
to the hundred yuan) -- floats from Excel are converted through their shortest
``repr`` so ``1234.56`` stays ``Decimal("1234.56")``, never 1234.5599999...; codes, names and enum values are
``str`` (enum values are the dictionary's ``value``, e.g. ``"manufacturing"``;
parks are park keys); bools are ``bool``; a blank cell is ``None`` (never 0).

Only rows without errors are returned as clean rows; warnings do not block.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import compress
from typing import Any, Literal

from stdnum.cn import uscc as _uscc

from .dictionary import Dictionary, FieldSpec, load_dictionary

__all__ = [
    "MESSAGES",
    "RETURNS_SHEET",
    "CellError",
    "CleanRow",
    "CleanRows",
    "ValidationContext",
    "ValidationResult",
    "column_index",
    "display_value",
    "register_field_check",
    "unregister_field_check",
    "validate_columns",
    "validate_rows",
]

#: Name of the returns sheet of the template (also used for errors found in Python rows).
RETURNS_SHEET = "年报 Returns"

Severity = Literal["error", "warning"]

# ---------------------------------------------------------------------------
# The message table
# ---------------------------------------------------------------------------
#
# One entry per code (``code.reason`` for variants).  Placeholders: {loc} the
# cell ("第 12 行 C 列「企业名称」" / "Row 12, column C (enterprise name)"),
# {value} the cell's value as text, {label} the field's label, {sheet},
# {row}, {column}, and the error's params.  Field keys in params ``given``
# and ``fields`` are shown as labels; ``choices`` as the allowed values.

MESSAGES: dict[str, dict[str, str]] = {
    # -- one cell ---------------------------------------------------------------
    "required": {
        "zh": "{loc}为必填项，不能为空",
        "en": "{loc}: a value is required",
    },
    "required_with": {
        "zh": "{loc}不能为空：已填写{given}",
        "en": "{loc}: a value is required because {given} is given",
    },
    "bad_uscc": {
        "zh": "{loc}的值“{value}”校验位错误",
        "en": "{loc}: check character is wrong for “{value}”",
    },
    "bad_uscc.length": {
        "zh": "{loc}的值“{value}”应为 18 位，实际为 {length} 位",
        "en": "{loc}: “{value}” has {length} characters instead of 18",
    },
    "bad_uscc.format": {
        "zh": "{loc}的值“{value}”含有统一社会信用代码不允许的字符（第 3—8 位为数字，"
        "其余为数字或除 I、O、S、V、Z 以外的大写字母）",
        "en": "{loc}: “{value}” contains characters a unified social credit code cannot "
        "have (characters 3-8 are digits, the others digits or capital letters other "
        "than I, O, S, V and Z)",
    },
    "bad_code": {
        "zh": "{loc}的值“{value}”应为 {digits} 位数字",
        "en": "{loc}: “{value}” should be {digits} digits",
    },
    "mangled_code.scientific": {
        "zh": "{loc}的值“{value}”已被 Excel 转成科学计数法的数字，代码的末几位已经丢失；"
        "请将该列设为文本格式后重新录入",
        "en": "{loc}: “{value}” was turned by Excel into a number in scientific notation and "
        "the last digits of the code are lost; format the column as text and enter it again",
    },
    "mangled_code.leading_zero": {
        "zh": "{loc}的值“{value}”是数字格式，代码开头的 0 可能已经丢失；"
        "请将该列设为文本格式后重新录入",
        "en": "{loc}: “{value}” was stored as a number, so the leading zeros of the code may "
        "be lost; format the column as text and enter it again",
    },
    "not_a_number": {
        "zh": "{loc}的值“{value}”不是数字",
        "en": "{loc}: “{value}” is not a number",
    },
    "not_an_integer": {
        "zh": "{loc}的值“{value}”不是整数",
        "en": "{loc}: “{value}” is not a whole number",
    },
    "negative": {
        "zh": "{loc}的值“{value}”不能为负数",
        "en": "{loc}: “{value}” is negative, which is not allowed",
    },
    "below_min": {
        "zh": "{loc}的值“{value}”小于下限 {min}{unit}",
        "en": "{loc}: “{value}” is below the minimum of {min}{unit}",
    },
    "above_max": {
        "zh": "{loc}的值“{value}”大于上限 {max}{unit}",
        "en": "{loc}: “{value}” is above the maximum of {max}{unit}",
    },
    "text_too_long": {
        "zh": "{loc}的内容有 {length} 个字符，超过上限 {max_length} 个字符",
        "en": "{loc}: the text has {length} characters, more than the maximum of {max_length}",
    },
    "bad_enum": {
        "zh": "{loc}的值“{value}”不是可选值（可选：{choices}）",
        "en": "{loc}: “{value}” is not one of the allowed values ({choices})",
    },
    "unknown_city": {
        "zh": "{loc}的值“{value}”不是有效的设区市行政区划代码",
        "en": "{loc}: “{value}” is not the code of a known city",
    },
    "unknown_county": {
        "zh": "{loc}的值“{value}”不是有效的县（市、区）行政区划代码",
        "en": "{loc}: “{value}” is not the code of a known county or district",
    },
    "county_not_in_city": {
        "zh": "{loc}的值“{value}”不属于所填设区市“{city}”（{city_column} 列）",
        "en": "{loc}: county “{value}” is not in the city “{city}” given in column {city_column}",
    },
    "unknown_park": {
        "zh": "{loc}的值“{value}”不是“311”工程生态环保产业特色园区（可选：{choices}）",
        "en": '{loc}: “{value}” is not a characteristic park of the "311" Project '
        "(allowed: {choices})",
    },
    "park_not_in_city": {
        "zh": "{loc}的园区“{value}”不在所填设区市“{city}”（{city_column} 列）",
        "en": "{loc}: park “{value}” is not in the city “{city}” given in column {city_column}",
    },
    "unknown_industry": {
        "zh": "{loc}的值“{value}”不是有效的国民经济行业小类代码（GB/T 4754-2017）",
        "en": "{loc}: “{value}” is not a class of the industrial classification GB/T 4754-2017",
    },
    # An empty reference table: the reference data was never loaded, not thousands of bad values.
    "empty_reference.industry": {
        "zh": "国民经济行业代码表为空，无法核对「国民经济行业代码」：请先运行 eco311 setup 加载参考数据",
        "en": "The industry code table is empty, so industry codes cannot be checked: "
        "run eco311 setup to load the reference data",
    },
    "empty_reference.city": {
        "zh": "设区市代码表为空，无法核对「所在设区市代码」：请先运行 eco311 setup 加载参考数据",
        "en": "The city table is empty, so city codes cannot be checked: "
        "run eco311 setup to load the reference data",
    },
    "wrong_year": {
        "zh": "{loc}的值“{value}”与本次导入的年份 {year} 不一致",
        "en": "{loc}: “{value}” is not the year of this import, {year}",
    },
    "duplicate_enterprise": {
        "zh": "{loc}的值“{value}”在本文件中重复出现（另见第 {other_rows} 行）",
        "en": "{loc}: enterprise “{value}” appears more than once in the file "
        "(see also row {other_rows})",
    },
    # -- cross-field rules (codes of dictionary.yaml's rules) ---------------------
    "sum_exceeds_total": {
        "zh": "{loc}的值“{value}”小于{fields}之和 {sum}（{columns} 列）",
        "en": "{loc}: “{value}” is less than the sum of {fields}, {sum} (columns {columns})",
    },
    "rd_staff_exceeds_employees": {
        "zh": "{loc}的值“{value}”多于{bound_label} {bound}（{bound_column} 列）",
        "en": "{loc}: “{value}” is more than the {bound_label}, {bound} (column {bound_column})",
    },
    "output_exceeds_capacity": {
        "zh": "{loc}的值“{value}”超过{bound_label} {bound}（{bound_column} 列）的 {factor} 倍，请核实",
        "en": "{loc}: “{value}” is more than {factor} times the {bound_label}, {bound} "
        "(column {bound_column}); please check",
    },
    # -- the workbook (workbook.read_returns_workbook) ------------------------------
    "unreadable": {  # the reason is the reader's own (English) text: kept out of the Chinese
        "zh": "无法读取该文件：它不是 Excel 工作簿（.xlsx）或已损坏，请上传 .xlsx 格式的工作簿",
        "en": "The file cannot be read ({reason}); upload an Excel workbook (.xlsx)",
    },
    "too_large.rows": {
        "zh": "文件中的工作表用到了第 {at_row} 行（{ref}），超过上限 {limit} 行，文件未被读取；"
        "请删除多余的行（包括只设了格式的行）后重新上传",
        "en": "A sheet of the file reaches row {at_row} ({ref}), beyond the limit of {limit} rows; "
        "the file was not read. Delete the extra rows (formatted ones too) and upload it again",
    },
    "too_large.columns": {
        "zh": "文件中的工作表用到了 {at_column} 列（{ref}），超过上限 {limit} 列（{limit_column} 列），"
        "文件未被读取；请删除多余的列（包括只设了格式的列）后重新上传",
        "en": "A sheet of the file reaches column {at_column} ({ref}), beyond the limit of {limit} "
        "columns (column {limit_column}); the file was not read. Delete the extra columns and "
        "upload it again",
    },
    "too_large.total": {
        "zh": "文件解压后超过 {limit_mb} MB 的上限，文件未被读取；请只上传年报数据",
        "en": "The file inflates to more than the limit of {limit_mb} MB; it was not read. "
        "Upload the returns only",
    },
    "too_large.member": {
        "zh": "文件中的“{part}”解压后超过 {limit_mb} MB 的上限，文件未被读取",
        "en": "The part “{part}” of the file inflates to more than the limit of {limit_mb} MB; "
        "the file was not read",
    },
    "too_large.ratio": {
        "zh": "文件中的“{part}”压缩比异常（{ratio} 倍，上限 {limit} 倍），可能是恶意构造的文件，"
        "未被读取；请在 Excel 中另存后重新上传",
        "en": "The part “{part}” of the file is compressed {ratio} times (the limit is "
        "{limit}), as crafted files are; it was not read. Save it again in Excel and upload it",
    },
    "import_failed": {  # a queued import's job failed; the reason (English) stays out of zh
        "zh": "导入未能完成，没有导入任何数据；请稍后重新上传，如仍失败请联系管理员",
        "en": "The import could not finish ({reason}); nothing was imported. Upload the file "
        "again later, or ask the administrator if it fails again",
    },
    "formula": {
        "zh": "{loc}是公式单元格（{value}），导入只读取数值、不计算公式；"
        "请复制该单元格并“选择性粘贴”为数值后重新上传",
        "en": "{loc} holds a formula ({value}); the import reads values and does not compute "
        "formulas: copy the cells and paste them as values, then upload the file again",
    },
    "missing_sheet": {
        "zh": "工作簿中没有“{expected}”工作表，请使用统计调查模板填报",
        "en": "The workbook has no sheet “{expected}”; use the survey template",
    },
    "extra_sheet": {
        "zh": "工作簿中有多余的工作表“{value}”，其内容不会被导入；请只在“{expected}”中填报",
        "en": "The workbook has an unexpected sheet “{value}”, which will not be imported; "
        "enter the returns in “{expected}” only",
    },
    "no_header": {
        "zh": "“{sheet}”的第 1、2 行应为表头（中文、英文字段名），数据从第 3 行开始",
        "en": "Rows 1 and 2 of “{sheet}” must be the headings (Chinese and English); "
        "the data starts in row 3",
    },
    "unknown_column": {
        "zh": "{loc}的表头“{value}”不是数据字典中的字段，该列不会被导入",
        "en": "{loc}: heading “{value}” is not a field of the data dictionary; "
        "the column will not be imported",
    },
    "unnamed_column": {
        "zh": "{loc}没有表头，但从第 {first_row} 行起有数据，该列不会被导入",
        "en": "{loc}: the column has no heading but holds data from row {first_row}; "
        "it will not be imported",
    },
    "missing_column": {
        "zh": "缺少「{label}」列（模板中为 {expected_column} 列）",
        "en": "The column “{label}” is missing (column {expected_column} in the template)",
    },
    "duplicate_column": {
        "zh": "{loc}与 {other_column} 列是同一字段，只导入 {other_column} 列",
        "en": "{loc}: the same field as column {other_column}; only column {other_column} "
        "is imported",
    },
    "bad_header": {
        "zh": "{loc}的表头“{value}”应为“{expected}”",
        "en": "{loc}: heading “{value}” should be “{expected}”",
    },
    "columns_reordered": {
        "zh": "{loc}在模板中为 {expected_column} 列；已按表头读取",
        "en": "{loc}: column {expected_column} in the template; read by its heading",
    },
    "merged_cells": {
        "zh": "{loc}处有合并单元格 {range}，请取消合并后在每个单元格中分别填写",
        "en": "{loc}: cells {range} are merged; unmerge them and fill in each cell",
    },
    "no_data": {
        "zh": "“{sheet}”中没有数据行（数据从第 3 行开始）",
        "en": "“{sheet}” has no data rows (the data starts in row 3)",
    },
}

#: Checks of a field that need reference data this package may not import (the chain
#: taxonomy: chains sits above enterprises). The owning app registers them when it starts
#: (chains/apps.py ready()), with the messages of the codes they give. key -> check.
FieldCheck = Callable[[Any], "tuple[str, dict[str, Any]] | None"]
_FIELD_CHECKS: dict[str, FieldCheck] = {}
_REGISTERED_MESSAGES: dict[str, dict[str, str]] = {}


def register_field_check(
    key: str, check: FieldCheck, messages: Mapping[str, Mapping[str, str]]
) -> None:
    """Check every non-blank typed value of field ``key`` with ``check``: it returns None, or
    (code, params) for a located error whose ``messages[code]`` ({"zh", "en"}, placeholders as
    in MESSAGES) says what is wrong. Registering again replaces (a second ready() is harmless).
    """
    _FIELD_CHECKS[key] = check
    for code, texts in messages.items():
        _REGISTERED_MESSAGES[code] = {"zh": texts["zh"], "en": texts["en"]}


def unregister_field_check(key: str) -> None:
    _FIELD_CHECKS.pop(key, None)


_GENERIC = {"zh": "{loc}：{rule}", "en": "{loc}: {rule}"}
_CELL_FREE = {"zh": "{rule}", "en": "{rule}"}
_VALUE_CLIP = 40


def _lang(lang: str) -> str:
    return "zh" if lang.lower().startswith("zh") else "en"


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _en_label(label: str) -> str:
    """Lower-case the first letter of a sentence-case label ("Enterprise name" -> "enterprise name")."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _field_label(dictionary: Dictionary, key: str | None, lang: str) -> str:
    f = dictionary.by_key.get(key) if key else None
    if f is None:
        return key or ""
    return f.label.zh if lang == "zh" else _en_label(f.label.en)


def _join_labels(dictionary: Dictionary, keys: Iterable[str], lang: str) -> str:
    labels = [_field_label(dictionary, k, lang) for k in keys]
    if lang == "zh":
        return "、".join(f"「{x}」" for x in labels)
    return ", ".join(labels)


def _choices(dictionary: Dictionary, error: CellError, lang: str) -> str:
    listed = error.params.get("choices")
    if listed is not None:
        return ("、" if lang == "zh" else ", ").join(str(c) for c in listed)
    f = dictionary.by_key.get(error.field_key or "")
    if f is None:
        return ""
    labels = [label.get(lang) for _value, label in f.options()]
    return ("、" if lang == "zh" else ", ").join(labels)


@dataclass(frozen=True, slots=True)
class CellError:
    """One problem, located at a cell of the workbook (``row``/``column`` None: the whole sheet).

    ``row`` is the 1-based Excel row, ``column`` the Excel column letter, ``value``
    the cell's value as text (None if blank), ``params`` JSON-serialisable details
    used by the message (numbers as strings, field keys as keys).
    """

    sheet: str
    row: int | None
    column: str | None
    field_key: str | None
    value: str | None
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity = "error"

    def location(self, lang: str = "zh", dictionary: Dictionary | None = None) -> str:
        """Where: "第 12 行 C 列「企业名称」" / "Row 12, column C (enterprise name)"."""
        lang = _lang(lang)
        d = dictionary or load_dictionary()
        label = _field_label(d, self.field_key, lang) if self.field_key else ""
        if self.row is None and self.column is None:
            return f"「{label}」" if lang == "zh" and label else label
        parts_zh, parts_en = [], []
        if self.row is not None:
            parts_zh.append(f"第 {self.row} 行")
            parts_en.append(f"Row {self.row}")
        if self.column is not None:
            parts_zh.append(f"{self.column} 列")
            parts_en.append(f"column {self.column}")
        if lang == "zh":
            return " ".join(parts_zh) + (f"「{label}」" if label else "")
        return ", ".join(parts_en) + (f" ({label})" if label else "")

    def message(self, lang: str = "zh", dictionary: Dictionary | None = None) -> str:
        """The located message in ``lang`` ("zh" or "en"; "zh-hans" etc. count as "zh")."""
        lang = _lang(lang)
        d = dictionary or load_dictionary()
        reason = self.params.get("reason")
        entry = (
            (MESSAGES.get(f"{self.code}.{reason}") if reason else None)
            or MESSAGES.get(self.code)
            or _REGISTERED_MESSAGES.get(self.code)
        )
        f = d.by_key.get(self.field_key or "")
        args = _Defaulting(self.params)
        rule_text = ""
        for rule in d.rules:
            if rule.code == self.code:
                rule_text = rule.text.get(lang)
        if entry is None:
            entry = _GENERIC if (self.row is not None or self.column is not None) else _CELL_FREE
        value = self.value if self.value is not None else ""
        if len(value) > _VALUE_CLIP:
            value = value[: _VALUE_CLIP - 1] + "…"
        unit = ""
        if f is not None and f.unit is not None:
            unit = f.unit.zh if lang == "zh" else f" {f.unit.en}"
        args.update(
            loc=self.location(lang, d),
            value=value,
            label=_field_label(d, self.field_key, lang),
            sheet=self.sheet,
            row=self.row,
            column=self.column,
            unit=unit,
            rule=rule_text or self.code,
        )
        if "given" in self.params:
            args["given"] = _join_labels(d, self.params["given"], lang)
        if "fields" in self.params:
            args["fields"] = _join_labels(d, self.params["fields"], lang)
        if "bound_field" in self.params:
            args["bound_label"] = _field_label(d, self.params["bound_field"], lang)
        if "other_rows" in self.params:
            args["other_rows"] = ("、" if lang == "zh" else ", ").join(
                str(r) for r in self.params["other_rows"]
            )
        if self.code in ("bad_enum", "unknown_park"):
            args["choices"] = _choices(d, self, lang)
        return entry[lang].format_map(args)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (e.g. for an import ledger)."""
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "field_key": self.field_key,
            "value": self.value,
            "code": self.code,
            "params": dict(self.params),
            "severity": self.severity,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CellError:
        """The inverse of :meth:`to_dict` (e.g. to show a stored error in another language)."""
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def column_index(letter: str) -> int:
    """0-based index of an Excel column letter ("A" -> 0, "AA" -> 26)."""
    n = 0
    for ch in letter.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def sort_key(error: CellError) -> tuple[int, int, int]:
    """Sheet-level problems first, then by row and column."""
    return (
        error.row if error.row is not None else 0,
        column_index(error.column) if error.column else -1,
        0 if error.severity == "error" else 1,
    )


# ---------------------------------------------------------------------------
# Context and results
# ---------------------------------------------------------------------------


@dataclass
class ValidationContext:
    """The reference tables a return is checked against (supplied by the caller).

    ``cities``: valid city codes.  ``counties``: county code -> city code; None
    when no county table is available, then a county code is only checked for
    its form and for lying in the city (its first four digits are the city's).
    ``parks``: park keys, or a mapping of park key -> city code (then a park
    must lie in the city given).  ``industries``: valid GB/T 4754-2017 class
    codes; None checks the form only.  ``aliases``: per field key, other
    spellings accepted for a code or key, e.g. ``{"park_key": {"青岛上合":
    "park-qingdao-shanghe"}, "city_code": {"济南市": "370100"}}``.
    """

    cities: Collection[str]
    counties: Mapping[str, str] | None = None
    parks: Collection[str] | Mapping[str, str | None] = ()
    industries: Collection[str] | None = None
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cities = frozenset(self.cities)
        if self.industries is not None:
            self.industries = frozenset(self.industries)
        if not isinstance(self.parks, Mapping):
            self.parks = dict.fromkeys(self.parks)

    @classmethod
    def from_areas(
        cls,
        areafile: Any = None,
        *,
        counties: Mapping[str, str] | None = None,
        industries: Collection[str] | None = None,
    ) -> ValidationContext:
        """Cities and parks (with their names as aliases) from the area file.

        ``areafile`` is an :class:`eco311.geo.areafile.AreaFile` (default: the
        shipped ``geo/data/areas.yaml``).
        """
        if areafile is None:
            from eco311.geo.areafile import load_area_file

            areafile = load_area_file()
        cities = {a.code: a for a in areafile.of_kind("city")}
        parks: dict[str, str | None] = {}
        aliases: dict[str, dict[str, str]] = {"city_code": {}, "park_key": {}}
        for code, area in cities.items():
            for name in (area.name, area.short_name):
                if name is not None:
                    aliases["city_code"][name.zh] = code
                    aliases["city_code"][name.en] = code
        for park in areafile.of_kind("park"):
            city = areafile.city_of(park.key)
            parks[park.key] = city.code if city is not None else None
            for name in (park.name, park.short_name):
                if name is not None:
                    aliases["park_key"][name.zh] = park.key
                    aliases["park_key"][name.en] = park.key
        return cls(
            cities=set(cities),
            counties=counties,
            parks=parks,
            industries=industries,
            aliases=aliases,
        )


@dataclass(slots=True)
class CleanRow:
    """A row without errors: its Excel row number and typed values (every field key present)."""

    row: int
    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def uscc(self) -> str:
        return self.values["uscc"]


class CleanRows(Sequence[CleanRow]):
    """The clean rows of :func:`validate_columns`: a read-only sequence of :class:`CleanRow`.

    The checks work column by column, so the rows are kept as columns and made into
    CleanRows (one dict each) only when first used; :meth:`column` gives a field's values
    for every clean row straight from the columns (what a bulk import wants).
    """

    def __init__(
        self,
        row_numbers: Sequence[int],
        index: Sequence[int],
        columns: Mapping[str, Sequence[Any]],
        keys: Sequence[str],
    ):
        self._row_numbers = row_numbers
        self._index = index  # positions of the clean rows in row_numbers and the columns
        self._columns = columns
        self._keys = list(keys)
        self._rows: list[CleanRow] | None = None

    def column(self, key: str) -> list[Any]:
        """The typed values of ``key`` (None when blank), one per clean row."""
        col = self._columns.get(key)
        if col is None:
            return [None] * len(self._index)
        if len(self._index) == len(self._row_numbers):
            return list(col)
        return [col[i] for i in self._index]

    def without(self, rows: Collection[int]) -> CleanRows:
        """These rows but those whose Excel row number is in ``rows``."""
        numbers = self._row_numbers
        index = [i for i in self._index if numbers[i] not in rows]
        return CleanRows(numbers, index, self._columns, self._keys)

    def _list(self) -> list[CleanRow]:
        if self._rows is None:
            n = len(self._row_numbers)
            blank = [None] * n
            keys = self._keys
            values = list(zip(*(self._columns.get(k, blank) for k in keys), strict=True))
            numbers = self._row_numbers
            self._rows = [
                CleanRow(numbers[i], dict(zip(keys, values[i], strict=True))) for i in self._index
            ]
        return self._rows

    def __getitem__(self, i):
        return self._list()[i]

    def __iter__(self):
        return iter(self._list())

    def __len__(self) -> int:
        return len(self._index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return self._list() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._list())


@dataclass
class ValidationResult:
    #: The rows without errors (a :class:`CleanRows` from the validators; any sequence of
    #: CleanRow will do).
    rows: Sequence[CleanRow]
    errors: list[CellError]
    warnings: list[CellError]
    #: Number of rows checked (with or without errors).
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> set[int]:
        return {e.row for e in self.errors if e.row is not None}

    def problems(self) -> list[CellError]:
        """Errors and warnings together, in sheet order."""
        return sorted([*self.errors, *self.warnings], key=sort_key)


# ---------------------------------------------------------------------------
# Cell parsers
# ---------------------------------------------------------------------------


class _Bad(Exception):  # noqa: N818 -- internal control flow, not an API error
    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params


def display_value(raw: Any) -> str:
    """A raw cell value as the text shown in messages (12.0 -> "12", dates in ISO form)."""
    if raw is None:
        return ""
    t = type(raw)
    if t is str:
        return raw
    if t is bool:
        return "TRUE" if raw else "FALSE"
    if t is float:
        if raw.is_integer() and abs(raw) < 1e15:
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, Decimal):
        return _plain(raw)
    if hasattr(raw, "isoformat"):
        return raw.isoformat()
    return str(raw)


def _plain(d: Decimal) -> str:
    """A Decimal without exponent or trailing zeros ("1E+2" -> "100", "1.50" -> "1.5")."""
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
#: How Excel shows a long number: "9.13701E+17" (one digit before the point).
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?[eE]\+\d{1,3}$")
_DIGITS = {"division": 6, "industry": 4}
_USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")  # = _USCC_CHARS
_USCC_FIRST = frozenset("123456789ANY")
_TRUE = frozenset({"是", "true", "yes", "y", "1", "√", "对"})
_FALSE = frozenset({"否", "false", "no", "n", "0", "×", "不"})


def _to_decimal(raw: Any) -> Decimal:
    t = type(raw)
    if t is float:
        if not math.isfinite(raw):
            raise _Bad("not_a_number")
        return Decimal(repr(raw))
    if t is int:
        return Decimal(raw)
    if t is str:
        s = raw.strip()
        if _NUMBER.match(s):
            return Decimal(s)
        if _GROUPED.match(s):
            return Decimal(s.replace(",", ""))
        raise _Bad("not_a_number")
    if isinstance(raw, Decimal) and raw.is_finite():
        return raw
    raise _Bad("not_a_number")  # bool, dates, ...


def _bounds(f: FieldSpec, d: Decimal) -> None:
    if f.min is not None and d < f.min:
        if f.min == 0:
            raise _Bad("negative")
        raise _Bad("below_min", min=_plain(f.min))
    if f.max is not None and d > f.max:
        raise _Bad("above_max", max=_plain(f.max))


def _decimal_parser(f: FieldSpec) -> Callable[[Any], Decimal]:
    quantum = Decimal(1).scaleb(-f.decimals) if f.decimals is not None else None
    lo = float(f.min) if f.min is not None else -math.inf
    hi = float(f.max) if f.max is not None else math.inf

    def slow(raw: Any) -> Decimal:
        d = _to_decimal(raw)
        _bounds(f, d)
        if quantum is not None:
            try:
                d = d.quantize(quantum, rounding=ROUND_HALF_UP)
            except InvalidOperation:  # more digits than the context holds
                raise _Bad("above_max", max=_plain(f.max or Decimal(0))) from None
        return abs(d) if d.is_zero() else d  # no "-0"

    if quantum is None:
        return slow

    zero = Decimal(0).quantize(quantum)

    def parse(raw: Any) -> Decimal:
        # Fast path: a float inside the bounds (the usual cell).
        if type(raw) is float and lo <= raw <= hi:
            if not raw:
                return zero  # also for -0.0
            return Decimal(repr(raw)).quantize(quantum, rounding=ROUND_HALF_UP)
        return slow(raw)

    def many(raws: Iterable[Any]) -> dict[Any, Decimal]:
        """``parse`` of the floats among ``raws`` that have at most ``decimals`` decimals.

        For such a float x (below 1e13), n = round(x * 10**decimals) is exact, n / 10**decimals
        gives x back, and ``Decimal(n).scaleb(-decimals)`` is what ``parse`` gives: the same
        digits and exponent. Other values are left to ``parse``.
        """
        import numpy as np

        floats = [r for r in raws if type(r) is float]
        if not floats:
            return {}
        x = np.array(floats)
        with np.errstate(invalid="ignore", over="ignore"):
            n = np.rint(x * scale)
            ok = (x >= lo) & (x <= hi) & (np.abs(x) < 1e13) & (n / scale == x)
        exponent = -f.decimals
        out: dict[Any, Decimal] = {}
        ints = n[ok].astype(np.int64).tolist()
        for raw, k in zip(compress(floats, ok.tolist()), ints, strict=True):
            out[raw] = Decimal(k).scaleb(exponent) if k else zero
        return out

    scale = float(10**f.decimals)
    parse.many = many  # type: ignore[attr-defined]
    return parse


def _integer_parser(f: FieldSpec) -> Callable[[Any], int]:
    lo = int(f.min) if f.min is not None else None
    hi = int(f.max) if f.max is not None else None
    flo = float(lo) if lo is not None else -math.inf
    fhi = float(hi) if hi is not None else math.inf

    def parse(raw: Any) -> int:
        t = type(raw)
        if t is float and raw.is_integer():
            if flo <= raw <= fhi:
                return int(raw)
            n = int(raw)
        elif t is int:
            n = raw
        else:
            d = _to_decimal(raw)
            if d != d.to_integral_value():
                raise _Bad("not_an_integer")
            n = int(d)
        if lo is not None and n < lo:
            if lo == 0:
                raise _Bad("negative")
            raise _Bad("below_min", min=str(lo))
        if hi is not None and n > hi:
            raise _Bad("above_max", max=str(hi))
        return n

    return parse


def _text_parser(f: FieldSpec) -> Callable[[Any], str]:
    limit = f.max_length if f.max_length is not None else math.inf

    def parse(raw: Any) -> str:
        s = (raw if type(raw) is str else display_value(raw)).strip()
        if len(s) > limit:
            raise _Bad("text_too_long", length=len(s), max_length=limit)
        return s

    return parse


def _code_text(raw: Any, fmt: str | None) -> str:
    """The text of a code cell, refusing numbers that Excel has mangled."""
    t = type(raw)
    if t is str:
        s = raw.strip()
        if "+" in s and _SCIENTIFIC.match(s):
            raise _Bad("mangled_code", reason="scientific")
        return s
    if t is float:
        if not math.isfinite(raw) or not raw.is_integer():
            return display_value(raw)  # e.g. 3701.5: wrong form, reported as such
        if abs(raw) >= 1e15:  # beyond Excel's 15 significant digits
            raise _Bad("mangled_code", reason="scientific")
        s = str(int(raw))
    elif t is int:
        s = str(raw)
    else:
        return display_value(raw)
    digits = _DIGITS.get(fmt or "")
    if digits is not None and len(s.lstrip("-")) < digits:
        raise _Bad("mangled_code", reason="leading_zero")
    return s


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 table 2 (no I, O, S, V, Z)
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_CHARS)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _uscc_check_char(body: str) -> str:
    """The check character of the first 17 characters (same as ``stdnum.cn.uscc``, faster)."""
    total = sum(map(operator.mul, map(_USCC_VALUE.__getitem__, body), _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


#: The form of a code (GB 32100-2015): what the checks below accept, in one match.
_USCC_FORM = re.compile(r"[1-9ANY][0-9A-HJ-NP-RTUW-Y][0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}")


def _check_uscc(s: str) -> str:
    code = s.upper()
    if _USCC_FORM.fullmatch(code) is not None:  # the usual case: only the checksum to check
        if (
            _uscc_check_char(code[:17]) != code[17]
            and _uscc.calc_check_digit(code[:17]) != code[17]
        ):
            raise _Bad("bad_uscc", reason="checksum")
        return code
    if len(code) != 18:
        raise _Bad("bad_uscc", reason="length", length=len(code))
    if (
        code[0] not in _USCC_FIRST
        or code[1] not in _USCC_ALPHABET
        or not code[2:8].isdigit()
        or not code[2:8].isascii()
        or not _USCC_ALPHABET.issuperset(code[8:])
    ):
        raise _Bad("bad_uscc", reason="format")
    # python-stdnum is the reference; its compact() is slow, so it only confirms a failure.
    if _uscc_check_char(code[:17]) != code[17] and _uscc.calc_check_digit(code[:17]) != code[17]:
        raise _Bad("bad_uscc", reason="checksum")
    return code


def _code_parser(f: FieldSpec, aliases: Mapping[str, str]) -> Callable[[Any], str]:
    fmt = f.format
    digits = _DIGITS.get(fmt or "")
    limit = f.max_length

    def parse(raw: Any) -> str:
        s = _code_text(raw, fmt)
        if fmt == "uscc":
            return _check_uscc(s)
        if digits is not None:
            if len(s) == digits and s.isdigit() and s.isascii():
                return s
            if s in aliases:
                return aliases[s]
            # A drop-down entry reads "370100 济南市": the code comes first.
            head = s.split(maxsplit=1)[0] if s else s
            if len(head) == digits and head.isdigit() and head.isascii():
                return head
            raise _Bad("bad_code", digits=digits)
        if s in aliases:
            return aliases[s]
        if limit is not None and len(s) > limit:
            raise _Bad("text_too_long", length=len(s), max_length=limit)
        return s

    if fmt == "uscc":
        parse.many = _uscc_many  # type: ignore[attr-defined]
    return parse


_USCC_TABLES: dict[str, Any] = {}


def _uscc_tables() -> dict[str, Any]:
    """Byte -> (valid first character, valid character, digit, value) lookup arrays."""
    if not _USCC_TABLES:
        import numpy as np

        def flags(chars: Iterable[str]) -> np.ndarray:
            table = np.zeros(256, dtype=bool)
            table[[ord(c) for c in chars]] = True
            return table

        value = np.zeros(256, dtype=np.int64)
        for c, v in _USCC_VALUE.items():
            value[ord(c)] = v
        _USCC_TABLES.update(
            first=flags(_USCC_FIRST),
            char=flags(_USCC_CHARS),
            digit=flags("0123456789"),
            value=value,
            chars=np.frombuffer(_USCC_CHARS.encode("ascii"), dtype=np.uint8),
            weights=np.array(_USCC_WEIGHTS, dtype=np.int64),
        )
    return _USCC_TABLES


def _uscc_many(raws: Iterable[Any]) -> dict[Any, str]:
    """``parse`` of the well-formed codes with the right check character among ``raws``, all
    checked at once (the test of :func:`_check_uscc`'s fast path, in numpy). The others are
    left to ``parse``, which finds what is wrong with them."""
    import numpy as np

    texts = [r for r in raws if type(r) is str]
    codes = [r.strip().upper() for r in texts]
    keep = [i for i, c in enumerate(codes) if len(c) == 18 and c.isascii()]
    if not keep:
        return {}
    t = _uscc_tables()
    a = np.frombuffer("".join([codes[i] for i in keep]).encode("ascii"), dtype=np.uint8)
    a = a.reshape(-1, 18)
    ok = (
        t["first"][a[:, 0]]
        & t["char"][a[:, 1]]
        & t["digit"][a[:, 2:8]].all(axis=1)
        & t["char"][a[:, 8:]].all(axis=1)
    )
    check = (31 - (t["value"][a[:, :17]] @ t["weights"]) % 31) % 31
    ok &= t["chars"][check] == a[:, 17]
    return {texts[keep[j]]: codes[keep[j]] for j in np.flatnonzero(ok).tolist()}


def _enum_parser(f: FieldSpec) -> Callable[[Any], Any]:
    spellings: dict[str, Any] = {}
    for value, label in f.options():
        if f.type == "bool":
            spellings[label.zh.casefold()] = value
            spellings[label.en.casefold()] = value
        else:
            for s in (str(value), label.zh, label.en):
                spellings[s.strip().casefold()] = value
    is_bool = f.type == "bool"

    def parse(raw: Any) -> Any:
        t = type(raw)
        if is_bool:
            if t is bool:
                return raw
            if t in (float, int) and raw in (0, 1):
                return bool(raw)
            s = display_value(raw).strip().casefold()
            if s in _TRUE:
                return True
            if s in _FALSE:
                return False
            raise _Bad("bad_enum")
        s = (raw if t is str else display_value(raw)).strip().casefold()
        try:
            return spellings[s]
        except KeyError:
            raise _Bad("bad_enum") from None

    return parse


def _park_parser(parks: Mapping[str, Any], aliases: Mapping[str, str]) -> Callable[[Any], str]:
    keys = {k.casefold(): k for k in parks}
    choices = sorted(parks)

    def parse(raw: Any) -> str:
        s = display_value(raw).strip()
        if s in aliases:
            return aliases[s]
        folded = s.casefold()
        if folded in keys:
            return keys[folded]
        head = folded.split(maxsplit=1)[0] if folded else folded
        if head in keys:  # drop-down entry "park-key 园区名称"
            return keys[head]
        raise _Bad("unknown_park", choices=choices)

    return parse


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


def _parsers(dictionary: Dictionary, context: ValidationContext) -> dict[str, Callable]:
    out: dict[str, Callable] = {}
    for f in dictionary.fields:
        aliases = context.aliases.get(f.key, {})
        if f.type == "decimal":
            out[f.key] = _decimal_parser(f)
        elif f.type == "integer":
            out[f.key] = _integer_parser(f)
        elif f.type == "text":
            out[f.key] = _text_parser(f)
        elif f.type == "code":
            out[f.key] = _code_parser(f, aliases)
        elif f.type == "enum" and f.values_from == "parks":
            out[f.key] = _park_parser(context.parks, aliases)
        else:
            out[f.key] = _enum_parser(f)
    return out


def _is_blank(raw: Any) -> bool:
    return raw is None or (type(raw) is str and not raw.strip())


_CACHEABLE = frozenset({str, float, int, type(None)})


def _raw_column(rows: Sequence[Mapping[str, Any]], key: str) -> list[Any]:
    """The raw values of one field, row by row (a missing key is a blank cell)."""
    try:
        return list(map(operator.itemgetter(key), rows))
    except KeyError:
        return [row.get(key) for row in rows]


def _parse_column(
    raws: Sequence[Any], parse: Callable[[Any], Any], required: bool
) -> tuple[list[Any], list[tuple[int, str, dict[str, Any]]]]:
    """The parsed values of one column (None where blank or bad) and its problems in row order.

    Problems are ``(index, code, params)``; ``code`` is "required" for a blank required cell.
    A column of text and floats (what a workbook gives) or of text and ints is parsed once
    per distinct value: parsers are pure, and the only distinct values such a column holds
    that Python finds equal, 0.0 and -0.0, parse alike. Anything else (bools, which equal 0
    and 1; ints mixed with floats, e.g. a code typed as 10**16 and as 1e16; dates) is parsed
    cell by cell.
    """
    problems: list[tuple[int, str, dict[str, Any]]] = []
    # The types of every cell, not of the distinct values: False == 0 would hide a bool.
    kinds = set(map(type, raws))
    if kinds <= _CACHEABLE and not (int in kinds and float in kinds):
        distinct = set(raws)
        many = getattr(parse, "many", None)
        parsed: dict[Any, Any] = many(distinct) if many is not None else {}
        failed: dict[Any, _Bad | None] = {}  # None: blank
        for raw in distinct.difference(parsed) if parsed else distinct:
            if raw is None or (type(raw) is str and not raw.strip()):
                if required:
                    failed[raw] = None
                continue
            try:
                parsed[raw] = parse(raw)
            except _Bad as bad:
                failed[raw] = bad
        out = list(map(parsed.get, raws))
        if failed:
            for i, raw in enumerate(raws):
                if raw in failed:
                    bad = failed[raw]
                    if bad is None:
                        problems.append((i, "required", {}))
                    else:
                        problems.append((i, bad.code, bad.params))
        return out, problems
    out = [None] * len(raws)
    for i, raw in enumerate(raws):
        if raw is None or (type(raw) is str and not raw.strip()):
            if required:
                problems.append((i, "required", {}))
            continue
        try:
            out[i] = parse(raw)
        except _Bad as bad:
            problems.append((i, bad.code, bad.params))
    return out, problems


def validate_rows(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    year: int,
    sheet: str = RETURNS_SHEET,
    context: ValidationContext,
    dictionary: Dictionary | None = None,
    columns: Mapping[str, str] | None = None,
) -> ValidationResult:
    """Check every row; return the clean rows, the errors and the warnings (in sheet order).

    ``rows``: ``(excel_row, {field_key: raw value})``; keys not in the dictionary
    are ignored and a missing key counts as a blank cell.  ``columns`` (field
    key -> Excel letter, as :func:`.workbook.read_returns_workbook` found them)
    locates the errors when the columns are not in the template's order; a
    field absent from ``columns`` is not checked at all (its missing column is
    reported once by the reader instead of once per row).

    The work goes column by column (each field parsed for all rows, then each check over
    all rows); the problems are gathered per row in the order a row-by-row pass finds them.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    raw_rows = [raw for _r, raw in rows]
    d = dictionary or load_dictionary()
    wanted = d.keys() if columns is None else [k for k in columns if k in d.by_key]
    return validate_columns(
        [r for r, _raw in rows],
        {key: _raw_column(raw_rows, key) for key in wanted},
        year=year,
        sheet=sheet,
        context=context,
        dictionary=d,
        columns=columns,
    )


def validate_columns(
    row_numbers: Sequence[int],
    raw_columns: Mapping[str, Sequence[Any]],
    *,
    year: int,
    sheet: str = RETURNS_SHEET,
    context: ValidationContext,
    dictionary: Dictionary | None = None,
    columns: Mapping[str, str] | None = None,
) -> ValidationResult:
    """:func:`validate_rows` for rows given column by column (the reader's fast path).

    ``raw_columns``: field key -> the raw values of that field, one per row of ``row_numbers``
    (a blank cell is None or ""; a missing key is a column of blank cells).
    """
    d = dictionary or load_dictionary()
    parsers = _parsers(d, context)
    if columns is None:
        letters = {f.key: f.letter for f in d.fields}
    else:
        letters = {k: v for k, v in columns.items() if k in d.by_key}
    plan = [(f.key, f.required, parsers[f.key]) for f in d.fields if f.key in letters]
    all_keys = d.keys()
    cities = context.cities
    counties = context.counties
    parks = context.parks
    industries = context.industries
    rules = [
        (rule, (*rule.fields, rule.bound))
        for rule in d.rules
        if all(k in letters for k in (*rule.fields, rule.bound))
    ]
    has = letters.__contains__
    check_park = has("park_key") and any(c is not None for c in parks.values())
    check_industry = has("industry_code") and industries is not None

    n = len(row_numbers)
    # An empty table means `eco311 setup` was never run: one error for the table, not one
    # "invalid value" per row.
    empty = [
        CellError(sheet, None, None, key, None, "empty_reference", {"reason": reason})
        for key, reason, table in (
            ("city_code", "city", cities),
            ("industry_code", "industry", industries),
        )
        if n and has(key) and table is not None and not table
    ]
    if empty:
        return ValidationResult(rows=[], errors=empty, warnings=[], checked=n)
    row_nos = row_numbers
    row_errors: dict[int, list[CellError]] = {}
    row_warnings: dict[int, list[CellError]] = {}
    failed: dict[int, set[str]] = {}

    def make(
        i: int, key: str, code: str, raw: Any, severity: Severity = "error", **params: Any
    ) -> CellError:
        value = None if _is_blank(raw) else display_value(raw)
        return CellError(sheet, row_nos[i], letters.get(key), key, value, code, params, severity)

    def error(i: int, key: str, code: str, **params: Any) -> None:
        row_errors.setdefault(i, []).append(make(i, key, code, raw[key][i], **params))

    # -- each cell ---------------------------------------------------------------------
    raw: dict[str, Sequence[Any]] = {}
    value: dict[str, list[Any]] = {}
    for key, required, parse in plan:
        raw[key] = raw_columns[key] if key in raw_columns else [None] * n
        value[key], problems = _parse_column(raw[key], parse, required)
        for i, code, params in problems:
            cell = None if code == "required" else raw[key][i]
            row_errors.setdefault(i, []).append(make(i, key, code, cell, **params))
            failed.setdefault(i, set()).add(key)

    # -- checks against the import and the reference tables -----------------------------
    if has("year"):
        for i, y in enumerate(value["year"]):
            if y is not None and y != year:
                error(i, "year", "wrong_year", year=year)
    city_of_row: list[str | None] = [None] * n
    if has("city_code"):
        city_of_row = list(value["city_code"])
        for i, city in enumerate(city_of_row):
            if city is not None and city not in cities:
                error(i, "city_code", "unknown_city")
                city_of_row[i] = None
    if has("county_code"):
        city_column = letters.get("city_code")
        for i, county in enumerate(value["county_code"]):
            if county is None:
                continue
            city = city_of_row[i]
            if counties is not None and county not in counties:
                error(i, "county_code", "unknown_county")
            elif city is not None and (
                counties[county] != city if counties is not None else county[:4] != city[:4]
            ):
                error(i, "county_code", "county_not_in_city", city=city, city_column=city_column)
    if check_park:
        city_column = letters.get("city_code")
        for i, park in enumerate(value["park_key"]):
            city = city_of_row[i]
            if city is not None and park is not None:
                park_city = parks.get(park)
                if park_city is not None and park_city != city:
                    error(i, "park_key", "park_not_in_city", city=city, city_column=city_column)
    if check_industry:
        for i, industry in enumerate(value["industry_code"]):
            if industry is not None and industry not in industries:
                error(i, "industry_code", "unknown_industry")
    for key, field_check in list(_FIELD_CHECKS.items()):
        if not has(key):
            continue
        for i, typed in enumerate(value[key]):
            found = field_check(typed) if typed is not None else None
            if found is not None:
                error(i, key, found[0], **found[1])

    # -- cross-field rules -------------------------------------------------------------------
    for rule, involved in rules:
        for i in _rule_suspects(rule, value):
            if i in failed and not failed[i].isdisjoint(involved):
                continue
            found = _apply_rule(rule, {k: value[k][i] for k in involved}, letters)
            if found is None:
                continue
            key, raw_key, params = found
            problem = make(i, key, rule.code, raw[raw_key][i], rule.severity, **params)
            target = row_errors if rule.severity == "error" else row_warnings
            target.setdefault(i, []).append(problem)

    # -- clean rows, errors in row order -----------------------------------------------------
    errors = [e for i in sorted(row_errors) for e in row_errors[i]]
    warnings = [w for i in sorted(row_warnings) for w in row_warnings[i]]
    index = [i for i in range(n) if i not in row_errors] if row_errors else range(n)
    clean = CleanRows(row_nos, index, value, all_keys)

    # -- the same enterprise twice: report every row --------------------------------------------
    if has("uscc"):
        codes = [c for c in value["uscc"] if c is not None]
        if len(set(codes)) != len(codes):
            seen_uscc: dict[str, list[int]] = {}
            for i, uscc in enumerate(value["uscc"]):
                if uscc is not None:
                    seen_uscc.setdefault(uscc, []).append(row_nos[i])
            duplicated: set[int] = set()
            for uscc, row_list in seen_uscc.items():
                if len(row_list) < 2:
                    continue
                for r in row_list:
                    others = [o for o in row_list if o != r]
                    errors.append(
                        CellError(
                            sheet,
                            r,
                            letters["uscc"],
                            "uscc",
                            uscc,
                            "duplicate_enterprise",
                            {"other_rows": others},
                        )
                    )
                    duplicated.add(r)
            clean = clean.without(duplicated)

    errors.sort(key=sort_key)
    warnings.sort(key=sort_key)
    return ValidationResult(rows=clean, errors=errors, warnings=warnings, checked=n)


def _rule_suspects(rule: Any, value: Mapping[str, list[Any]]) -> Iterable[int]:
    """The rows where ``rule`` may fail (a superset; :func:`_apply_rule` decides)."""
    bound = value[rule.bound]
    parts = [value[k] for k in rule.fields]
    if rule.kind == "required_with":
        return (
            i for i, b in enumerate(bound) if b is None and any(p[i] is not None for p in parts)
        )
    factor = rule.factor
    if len(parts) == 1:
        [part] = parts
        if factor == 1:
            return (
                i
                for i, (x, b) in enumerate(zip(part, bound, strict=True))
                if x is not None and b is not None and x > b
            )
        return (
            i
            for i, (x, b) in enumerate(zip(part, bound, strict=True))
            if x is not None and b is not None and x > b * factor
        )

    def suspects() -> Iterable[int]:
        for i, (b, *xs) in enumerate(zip(bound, *parts, strict=True)):
            if b is None:
                continue
            total = None
            for x in xs:
                if x is not None:
                    total = x if total is None else total + x
            if total is not None and total > (b * factor if factor != 1 else b):
                yield i

    return suspects()


def _apply_rule(
    rule: Any, v: Mapping[str, Any], letters: Mapping[str, str]
) -> tuple[str, str, dict[str, Any]] | None:
    """(field to mark, field whose raw value to show, params) if ``rule`` fails for ``v``."""
    bound = v[rule.bound]
    if rule.kind == "required_with":
        if bound is not None:
            return None
        given = [k for k in rule.fields if v[k] is not None]
        return (rule.bound, rule.bound, {"given": given}) if given else None
    if bound is None:
        return None
    parts = [v[k] for k in rule.fields if v[k] is not None]
    if not parts:
        return None
    total = parts[0] if len(parts) == 1 else sum(parts[1:], parts[0])
    limit = bound * rule.factor if rule.factor != 1 else bound
    if total <= limit:
        return None
    if rule.kind == "sum_le":
        return (
            rule.bound,
            rule.bound,
            {
                "fields": list(rule.fields),
                "sum": _plain(Decimal(total)),
                "columns": "+".join(letters[k] for k in rule.fields),
            },
        )
    key = rule.fields[0]
    return (
        key,
        key,
        {
            "bound_field": rule.bound,
            "bound": _plain(Decimal(bound)),
            "bound_column": letters[rule.bound],
            "factor": _plain(rule.factor),
        },
    )
