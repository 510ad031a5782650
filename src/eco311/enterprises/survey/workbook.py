"""The survey workbook: the Excel template, filled returns, the reader and the highlighted copy.

Pure module (no Django).  Libraries: xlsxwriter writes the template and filled
returns, python-calamine reads uploaded workbooks (fast; values come back as
str / float / bool / date), openpyxl is used only by :func:`highlight_errors`
to write a marked-up copy of the user's own workbook.

Layout (the same for the template and filled returns)::

    年报 Returns          row 1 headings in lang_order[0] (required fields marked "*"),
                          row 2 headings in lang_order[1], data from row 3;
                          one column per dictionary field, in the dictionary's order
    数据字典 Dictionary    every field: column, key, labels, unit, type, bounds,
                          allowed values, definitions; then the cross-field rules
    lists                 hidden: the drop-down lists

Public API::

    write_template(path, dictionary=None, *, lang_order=("zh", "en"), year=None,
                   parks=None, cities=None)
    write_returns_workbook(path, rows, dictionary=None, year=None, ...) -> int
    read_returns_workbook(path_or_bytes, dictionary=None, *, limits=None) -> ReadResult
    check_workbook(path_or_bytes, *, year, context, dictionary=None, limits=None)
        -> (ReadResult, ValidationResult)   # read + validate, problems merged
    highlight_errors(original: bytes, errors, lang="zh") -> bytes
"""

from __future__ import annotations

import html
import io
import operator
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from python_calamine import CalamineError, CalamineWorkbook

from .archive import Limits, inspect_xlsx
from .dictionary import Dictionary, FieldSpec, column_letter, load_dictionary
from .validate import (
    RETURNS_SHEET,
    CellError,
    CleanRows,
    ValidationContext,
    ValidationResult,
    column_index,
    display_value,
    sort_key,
    validate_columns,
    validate_rows,
)

__all__ = [
    "DICTIONARY_SHEET",
    "ERRORS_SHEET",
    "FIRST_DATA_ROW",
    "LISTS_SHEET",
    "RETURNS_SHEET",
    "Limits",
    "ReadResult",
    "area_choices",
    "check_workbook",
    "highlight_errors",
    "read_returns_workbook",
    "write_returns_workbook",
    "write_template",
]

DICTIONARY_SHEET = "数据字典 Dictionary"
LISTS_SHEET = "lists"
ERRORS_SHEET = "错误清单 Errors"
#: Sheets a returns workbook may hold besides the returns sheet.
KNOWN_SHEETS = frozenset({DICTIONARY_SHEET, LISTS_SHEET, ERRORS_SHEET})
#: 1-based Excel row of the first data row (two heading rows).
FIRST_DATA_ROW = 3
_EXCEL_ROWS = 1_048_576

Source = str | Path | bytes | bytearray | memoryview | IO[bytes]

_TYPE_NAMES = {
    "text": ("文本", "Text"),
    "code": ("代码（文本）", "Code (text)"),
    "integer": ("整数", "Integer"),
    "decimal": ("数值", "Number"),
    "enum": ("选项", "Choice"),
    "bool": ("是/否", "Yes/No"),
}
_FORMAT_NOTES = {
    "uscc": (
        "18 位，GB 32100-2015，含校验位",
        "18 characters, GB 32100-2015, with check character",
    ),
    "division": ("6 位数字，GB/T 2260", "6 digits, GB/T 2260"),
    "industry": ("4 位数字，GB/T 4754-2017 小类", "4 digits, GB/T 4754-2017 class"),
}


def _is_zh(lang: str) -> bool:
    return lang.lower().startswith("zh")


# ---------------------------------------------------------------------------
# Reference lists (cities and parks for the drop-downs)
# ---------------------------------------------------------------------------


def area_choices(areafile: Any = None, lang: str = "zh") -> tuple[dict[str, str], dict[str, str]]:
    """(cities, parks) for the drop-downs: city code -> name, park key -> name.

    ``areafile`` is an :class:`eco311.geo.areafile.AreaFile` (default: the shipped one).
    """
    if areafile is None:
        from eco311.geo.areafile import load_area_file

        areafile = load_area_file()
    cities = {a.code: a.name.get(lang) for a in areafile.of_kind("city")}
    parks = {a.key: a.name.get(lang) for a in areafile.of_kind("park")}
    return cities, parks


def _entries(choices: Mapping[str, str] | Iterable[str] | None) -> list[str]:
    """Drop-down entries "code name" (the reader takes the code before the first space)."""
    if choices is None:
        return []
    if isinstance(choices, Mapping):
        return [f"{code} {name}" if name else str(code) for code, name in choices.items()]
    return [str(code) for code in choices]


# ---------------------------------------------------------------------------
# Writing (template and filled returns)
# ---------------------------------------------------------------------------


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _column_width(f: FieldSpec) -> float:
    fixed = {"name": 34, "main_products": 40, "uscc": 22}
    if f.key in fixed:
        return fixed[f.key]
    width = max(_display_width(f.header("zh")), _display_width(f.header("en")) * 0.8, 8)
    return min(width + 2, 30)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bound_text(f: FieldSpec) -> tuple[str, str]:
    def plain(d: Decimal) -> str:
        return format(d.normalize(), ",f") if d != d.to_integral_value() else f"{int(d):,}"

    if f.min is not None and f.max is not None:
        return f"{plain(f.min)} ~ {plain(f.max)}", f"{plain(f.min)} to {plain(f.max)}"
    if f.min is not None:
        return f"≥ {plain(f.min)}", f"≥ {plain(f.min)}"
    if f.max is not None:
        return f"≤ {plain(f.max)}", f"≤ {plain(f.max)}"
    return "", ""


class _Layout:
    """Builds the three sheets; the returns sheet's data rows are written by the caller."""

    def __init__(
        self,
        target: str | Path | IO[bytes],
        dictionary: Dictionary,
        *,
        lang_order: tuple[str, str],
        year: int | None,
        parks: Mapping[str, str] | Iterable[str] | None,
        cities: Mapping[str, str] | Iterable[str] | None,
        constant_memory: bool,
    ):
        if parks is None or cities is None:
            default_cities, default_parks = area_choices(lang=lang_order[0])
            cities = default_cities if cities is None else cities
            parks = default_parks if parks is None else parks
        self.d = dictionary
        self.lang_order = lang_order
        self.first = lang_order[0]
        self.year = year
        self.parks = _entries(parks)
        self.cities = _entries(cities)
        self.wb = xlsxwriter.Workbook(
            str(target) if isinstance(target, Path) else target,
            {
                "constant_memory": constant_memory,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "default_date_format": "yyyy-mm-dd",
            },
        )
        wb = self.wb
        self.fmt_text = wb.add_format({"num_format": "@"})
        self.fmt_int = wb.add_format({"num_format": "0"})
        base = {"border": 1, "text_wrap": True, "valign": "vcenter", "align": "center"}
        self.fmt_head = wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7"})
        self.fmt_head_req = wb.add_format(
            {**base, "bold": True, "bg_color": "#DDEBF7", "font_color": "#C00000"}
        )
        self.fmt_head2 = wb.add_format(
            {**base, "italic": True, "bg_color": "#F2F2F2", "font_color": "#404040"}
        )
        self.fmt_wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.fmt_bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.ws = wb.add_worksheet(RETURNS_SHEET)
        self.dict_ws = wb.add_worksheet(DICTIONARY_SHEET)
        self.lists_ws = wb.add_worksheet(LISTS_SHEET)
        self.ws.activate()
        self.list_ranges = self._write_lists()
        self._write_returns_header()
        self._write_dictionary()

    # -- lists -----------------------------------------------------------------

    def _list_entries(self, f: FieldSpec) -> list[str] | None:
        if f.type == "bool" or (f.type == "enum" and f.values is not None):
            return [label.get(self.first) for _value, label in f.options()]
        if f.values_from == "parks":
            return self.parks or None
        if f.lookup == "cities":
            return self.cities or None
        return None

    def _write_lists(self) -> dict[str, str]:
        columns: list[tuple[str, list[str]]] = []
        for f in self.d.fields:
            entries = self._list_entries(f)
            if entries:
                columns.append((f.key, entries))
        ranges: dict[str, str] = {}
        ws = self.lists_ws
        height = max((len(e) for _k, e in columns), default=0)
        for i in range(height + 1):  # row by row (constant_memory needs row order)
            for j, (key, entries) in enumerate(columns):
                if i == 0:
                    ws.write_string(0, j, key)
                elif i <= len(entries):
                    ws.write_string(i, j, entries[i - 1])
        for j, (key, entries) in enumerate(columns):
            letter = column_letter(j)
            ranges[key] = f"={LISTS_SHEET}!${letter}$2:${letter}${len(entries) + 1}"
        ws.hide()
        return ranges

    # -- returns sheet -------------------------------------------------------------

    def _input_message(self, f: FieldSpec) -> tuple[str, str]:
        first, second = self.lang_order
        title = _clip(f.label.get(first), 32)
        lines = []
        if f.required:
            lines.append("【必填】Required" if _is_zh(first) else "Required【必填】")
        if self.year is not None and f.key == "year":
            lines.append(f"填写 {self.year} / Enter {self.year}")
        defs = [f.definition.get(first), f.definition.get(second)]
        message = "\n".join([*lines, *defs])
        if len(message) > 255:
            message = "\n".join([*lines, defs[0]])
        return title, _clip(message, 255)

    def _validation(self, f: FieldSpec) -> dict[str, Any] | None:
        title, message = self._input_message(f)
        common = {
            "input_title": title,
            "input_message": message,
            "error_title": _clip(f.label.get(self.first), 32),
        }
        lo_zh, lo_en = _bound_text(f)
        if f.key in self.list_ranges:
            reference = f.values_from == "parks" or f.lookup is not None
            return {
                **common,
                "validate": "list",
                "source": self.list_ranges[f.key],
                # Reference lists warn (a bare code may be typed); fixed choices stop.
                "error_type": "warning" if reference else "stop",
                "error_message": "请从下拉列表中选择。\nPlease choose from the list.",
            }
        if f.type == "integer":
            if f.key == "year" and self.year is not None:
                return {
                    **common,
                    "validate": "integer",
                    "criteria": "==",
                    "value": self.year,
                    "error_message": f"报告年份应为 {self.year}。\nThe year must be {self.year}.",
                }
            return {
                **common,
                "validate": "integer",
                "criteria": "between",
                "minimum": int(f.min if f.min is not None else -(10**12)),
                "maximum": int(f.max if f.max is not None else 10**12),
                "error_message": f"请填写整数，范围 {lo_zh}。\nEnter a whole number, {lo_en}.",
            }
        if f.type == "decimal":
            return {
                **common,
                "validate": "decimal",
                "criteria": "between",
                "minimum": float(f.min if f.min is not None else -1e15),
                "maximum": float(f.max if f.max is not None else 1e15),
                "error_message": f"请填写数字，范围 {lo_zh}。\nEnter a number, {lo_en}.",
            }
        if f.type == "code" and f.max_length is not None:
            zh, en = _FORMAT_NOTES.get(f.format or "", ("", ""))
            return {
                **common,
                "validate": "length",
                "criteria": "==",
                "value": f.max_length,
                "error_message": f"应为{zh}。\nExpected: {en}.",
            }
        if f.type == "text" and f.max_length is not None:
            return {
                **common,
                "validate": "length",
                "criteria": "<=",
                "value": f.max_length,
                "error_message": (
                    f"最多 {f.max_length} 个字符。\nAt most {f.max_length} characters."
                ),
            }
        return {**common, "validate": "any"}

    def _write_returns_header(self) -> None:
        ws = self.ws
        first, second = self.lang_order
        ws.set_row(0, 36)
        ws.set_row(1, 36)
        for f in self.d.fields:
            col = f.index
            if f.type in ("code", "text", "enum", "bool"):
                fmt = self.fmt_text
            elif f.type == "integer":
                fmt = self.fmt_int
            else:
                fmt = None
            ws.set_column(col, col, _column_width(f), fmt)
            rule = self._validation(f)
            if rule is not None:
                ws.data_validation(FIRST_DATA_ROW - 1, col, _EXCEL_ROWS - 1, col, rule)
        # Row by row: constant_memory flushes a row as soon as the next one is started.
        for f in self.d.fields:
            mark = "*" if f.required else ""
            fmt = self.fmt_head_req if f.required else self.fmt_head
            ws.write_string(0, f.index, mark + f.header(first), fmt)
        for f in self.d.fields:
            mark = "*" if f.required else ""
            ws.write_string(1, f.index, mark + f.header(second), self.fmt_head2)
        ws.freeze_panes(FIRST_DATA_ROW - 1, 3)

    # -- dictionary sheet ----------------------------------------------------------------

    def _allowed(self, f: FieldSpec) -> str:
        if f.type == "bool":
            return "\n".join(f"{label.zh} / {label.en}" for _value, label in f.options())
        if f.type == "enum" and f.values is not None:
            return "\n".join(f"{o.value} {o.label.zh} / {o.label.en}" for o in f.values)
        if f.values_from == "parks":
            return "\n".join(self.parks)
        if f.lookup == "cities":
            return "\n".join(self.cities)
        if f.format in _FORMAT_NOTES:
            zh, en = _FORMAT_NOTES[f.format]
            return f"{zh}\n{en}"
        return ""

    def _write_dictionary(self) -> None:
        ws = self.dict_ws
        headings = [
            ("列", "Column", 6),
            ("字段键", "Key", 24),
            ("字段名称", "Label", 22),
            ("Label", "English label", 30),
            ("分组", "Group", 14),
            ("类型", "Type", 12),
            ("单位", "Unit", 12),
            ("必填", "Required", 8),
            ("取值范围", "Range", 22),
            ("可选值或格式", "Allowed values / format", 40),
            ("定义", "Definition (zh)", 50),
            ("Definition", "Definition (en)", 60),
        ]
        for j, (zh, en, width) in enumerate(headings):
            ws.set_column(j, j, width, self.fmt_wrap)
            ws.write_string(0, j, zh, self.fmt_head)
            ws.write_string(1, j, en, self.fmt_head2)
        row = 2
        for f in self.d.fields:
            group = self.d.group(f.group).label
            type_zh, type_en = _TYPE_NAMES[f.type]
            lo_zh, _lo_en = _bound_text(f)
            cells = [
                f.letter,
                f.key,
                f.label.zh,
                f.label.en,
                f"{group.zh} / {group.en}",
                f"{type_zh} / {type_en}",
                f"{f.unit.zh} / {f.unit.en}" if f.unit else "",
                "是 / Yes" if f.required else "否 / No",
                lo_zh,
                self._allowed(f),
                f.definition.zh,
                f.definition.en,
            ]
            for j, text in enumerate(cells):
                ws.write_string(row, j, text)
            row += 1
        row += 1
        ws.write_string(row, 0, "校验规则 Rules", self.fmt_bold)
        row += 1
        for rule in self.d.rules:
            level = "错误 Error" if rule.severity == "error" else "提示 Warning"
            ws.write_string(row, 1, rule.code)
            ws.write_string(row, 2, level)
            ws.write_string(row, 10, rule.text.zh)
            ws.write_string(row, 11, rule.text.en)
            row += 1
        ws.freeze_panes(2, 2)

    def close(self) -> None:
        self.wb.close()


def write_template(
    path: str | Path | IO[bytes],
    dictionary: Dictionary | None = None,
    *,
    lang_order: tuple[str, str] = ("zh", "en"),
    year: int | None = None,
    parks: Mapping[str, str] | Iterable[str] | None = None,
    cities: Mapping[str, str] | Iterable[str] | None = None,
) -> None:
    """Write the empty survey template (see the module docstring for the layout).

    ``parks`` / ``cities``: key or code -> name for the drop-downs (entries read
    "370100 济南市"); default: the shipped area file, names in ``lang_order[0]``.
    ``year`` restricts the year column to that year.
    """
    layout = _Layout(
        path,
        dictionary or load_dictionary(),
        lang_order=lang_order,
        year=year,
        parks=parks,
        cities=cities,
        constant_memory=False,
    )
    layout.close()


def _value_plan(d: Dictionary, first: str) -> list[tuple[str, int, int, dict | None]]:
    """(key, column, kind, labels) per field; kind 1 number, 2 labelled choice, 0 text."""
    plan: list[tuple[str, int, int, dict | None]] = []
    for f in d.fields:
        if f.type in ("integer", "decimal"):
            plan.append((f.key, f.index, 1, None))
        elif f.type in ("enum", "bool") and f.values_from is None:
            plan.append((f.key, f.index, 2, {v: label.get(first) for v, label in f.options()}))
        else:
            plan.append((f.key, f.index, 0, None))
    return plan


def _cell(v: Any, kind: int, labels: dict | None) -> tuple[bool, Any]:
    """(is_number, value) of one value as a person would have entered it."""
    t = type(v)
    if kind == 1 and (t is int or t is float or t is Decimal):
        f = float(v)
        if f == f and f not in (float("inf"), float("-inf")):
            return True, (v if t is int else f)
    if kind == 2 and labels is not None and t is not float:
        try:
            if v in labels and (t is not int or v in (0, 1)):
                return False, labels[v]
        except TypeError:  # unhashable
            pass
    return False, (v if t is str else display_value(v))


def write_returns_workbook(
    path: str | Path | IO[bytes],
    rows: Iterable[Mapping[str, Any]],
    dictionary: Dictionary | None = None,
    year: int | None = None,
    *,
    lang_order: tuple[str, str] = ("zh", "en"),
    parks: Mapping[str, str] | Iterable[str] | None = None,
    cities: Mapping[str, str] | Iterable[str] | None = None,
    engine: str = "fast",
) -> int:
    """Write the template filled with ``rows`` (dicts keyed by field key); return the row count.

    A row without ``year`` gets ``year``.  Values are written as a person would
    enter them: codes and text as text, numbers as numbers (Decimal -> float),
    enum values and bools as their label in ``lang_order[0]`` ("环保制造业",
    "是"); a value of the wrong type (e.g. text in a number column, to show
    errors) is written as text.

    ``engine="fast"`` (default) streams: xlsxwriter writes the layout (headings,
    formats, drop-downs, dictionary and lists sheets) and the data rows are
    spliced into the returns sheet's XML as plain ``<row>`` elements (inline
    strings, the column's cell style), through a temporary file -- about ten
    times faster than writing each cell with xlsxwriter, at bounded memory.
    ``engine="xlsxwriter"`` writes every cell with xlsxwriter in
    ``constant_memory`` mode (the reference; same content).
    """
    d = dictionary or load_dictionary()
    if engine == "xlsxwriter":
        return _write_rows_xlsxwriter(path, rows, d, year, lang_order, parks, cities)
    if engine != "fast":
        raise ValueError(f"unknown engine {engine!r}")
    buffer = io.BytesIO()
    layout = _Layout(
        buffer,
        d,
        lang_order=lang_order,
        year=year,
        parks=parks,
        cities=cities,
        constant_memory=False,
    )
    layout.close()
    return _splice_rows(buffer.getvalue(), path, rows, d, year, lang_order[0])


def _write_rows_xlsxwriter(path, rows, d, year, lang_order, parks, cities) -> int:
    layout = _Layout(
        path,
        d,
        lang_order=lang_order,
        year=year,
        parks=parks,
        cities=cities,
        constant_memory=True,
    )
    ws = layout.ws
    plan = _value_plan(d, lang_order[0])
    r = FIRST_DATA_ROW - 1
    for row in rows:
        if r >= _EXCEL_ROWS:
            layout.close()
            raise ValueError(f"more rows than an Excel sheet holds ({_EXCEL_ROWS - 2})")
        for key, col, kind, labels in plan:
            v = row.get(key)
            if v is None or v == "":
                if key == "year" and year is not None:
                    ws.write_number(r, col, year)
                continue
            is_number, value = _cell(v, kind, labels)
            if is_number:
                ws.write_number(r, col, value)
            else:
                ws.write_string(r, col, value)
        r += 1
    layout.close()
    return r - (FIRST_DATA_ROW - 1)


_RETURNS_XML = "xl/worksheets/sheet1.xml"  # xlsxwriter numbers sheets in the order added
_SST_XML = "xl/sharedStrings.xml"
_SST_COUNTS = re.compile(r'count="(\d+)" uniqueCount="(\d+)"')
_COL_STYLE = re.compile(r'<col\b[^>]*?\bmin="(\d+)"[^>]*?\bmax="(\d+)"[^>]*?\bstyle="(\d+)"')
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(s: str) -> str:
    if "&" in s or "<" in s or ">" in s:
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _XML_BAD.search(s):
        s = _XML_BAD.sub(lambda m: f"_x{ord(m.group()):04X}_", s)
    return s


def _splice_rows(
    layout: bytes,
    target: str | Path | IO[bytes],
    rows: Iterable[Mapping[str, Any]],
    d: Dictionary,
    year: int | None,
    first: str,
) -> int:
    """Write ``layout`` (xlsxwriter's output) to ``target`` with ``rows`` added to the returns sheet.

    Text goes to the shared-string table (as Excel itself saves it; faster to
    read back than inline strings), numbers as ``<v>``; every cell carries its
    column's style, so a code cell stays formatted as text.
    """
    import shutil
    import tempfile

    with zipfile.ZipFile(io.BytesIO(layout)) as src:
        sheet_xml = src.read(_RETURNS_XML).decode("utf-8")
        head, sep, tail = sheet_xml.partition("</sheetData>")
        sst_xml = src.read(_SST_XML).decode("utf-8")
        counts = _SST_COUNTS.search(sst_xml)
        if not sep or counts is None or not sst_xml.rstrip().endswith("</sst>"):
            raise RuntimeError("unexpected xlsxwriter output (returns sheet or shared strings)")
        styles: dict[int, str] = {}
        for lo, hi, style in _COL_STYLE.findall(head):
            for col in range(int(lo) - 1, int(hi)):
                styles[col] = f' s="{style}"'
        plan = [
            (key, column_letter(col), styles.get(col, ""), kind, labels)
            for key, col, kind, labels in _value_plan(d, first)
        ]
        year_letter = d.by_key["year"].letter if "year" in d.by_key else None
        year_style = styles.get(d.by_key["year"].index, "") if year_letter else ""
        last_letter = column_letter(len(d.fields) - 1)
        strings: dict[str, int] = {}
        base = int(counts.group(2))  # the layout's own strings come first
        references = int(counts.group(1))

        with tempfile.TemporaryFile() as tmp:
            r = FIRST_DATA_ROW
            chunk: list[str] = []
            append = chunk.append
            for row in rows:
                if r > _EXCEL_ROWS:
                    raise ValueError(f"more rows than an Excel sheet holds ({_EXCEL_ROWS - 2})")
                append(f'<row r="{r}">')
                for key, letter, style, kind, labels in plan:
                    v = row.get(key)
                    if v is None or v == "":
                        if letter == year_letter and year is not None:
                            append(f'<c r="{letter}{r}"{year_style}><v>{year}</v></c>')
                        continue
                    t = type(v)
                    if t is str and kind == 0:  # the common case
                        text = v
                    elif kind == 1 and (t is float or t is int) and v - v == 0:  # finite
                        append(f'<c r="{letter}{r}"{style}><v>{v!r}</v></c>')
                        continue
                    else:
                        is_number, value = _cell(v, kind, labels)
                        if is_number:
                            append(f'<c r="{letter}{r}"{style}><v>{value!r}</v></c>')
                            continue
                        text = value
                    index = strings.get(text)
                    if index is None:
                        index = strings[text] = base + len(strings)
                    append(f'<c r="{letter}{r}"{style} t="s"><v>{index}</v></c>')
                    references += 1
                append("</row>")
                r += 1
                if len(chunk) > 20000:
                    tmp.write("".join(chunk).encode("utf-8"))
                    chunk.clear()
            tmp.write("".join(chunk).encode("utf-8"))
            written = r - FIRST_DATA_ROW
            last_row = max(r - 1, FIRST_DATA_ROW - 1)
            head = re.sub(
                r'<dimension ref="[^"]*"/>',
                f'<dimension ref="A1:{last_letter}{last_row}"/>',
                head,
                count=1,
            )
            sheet_size = tmp.tell()
            tmp.seek(0)
            sst_head = sst_xml[: counts.start()] + (
                f'count="{references}" uniqueCount="{base + len(strings)}"'
            )
            sst_body = sst_xml[counts.end() : sst_xml.rstrip().rindex("</sst>")]
            target_arg = str(target) if isinstance(target, Path) else target
            with zipfile.ZipFile(target_arg, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
                for info in src.infolist():
                    entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    if info.filename == _RETURNS_XML:
                        with out.open(entry, "w", force_zip64=sheet_size > 2**30) as fh:
                            fh.write(head.encode("utf-8"))
                            shutil.copyfileobj(tmp, fh, 1 << 20)
                            fh.write((sep + tail).encode("utf-8"))
                    elif info.filename == _SST_XML:
                        with out.open(entry, "w", force_zip64=True) as fh:
                            fh.write((sst_head + sst_body).encode("utf-8"))
                            _write_shared_strings(fh, strings)
                            fh.write(b"</sst>")
                    else:
                        out.writestr(entry, src.read(info))
    return written


def _write_shared_strings(fh: IO[bytes], strings: dict[str, int]) -> None:
    """``<si>`` elements for ``strings`` (in insertion order, i.e. index order)."""
    chunk: list[str] = []
    for text in strings:
        text = _xml_text(text)
        if text[:1].isspace() or text[-1:].isspace():
            chunk.append(f'<si><t xml:space="preserve">{text}</t></si>')
        else:
            chunk.append(f"<si><t>{text}</t></si>")
        if len(chunk) > 20000:
            fh.write("".join(chunk).encode("utf-8"))
            chunk.clear()
    fh.write("".join(chunk).encode("utf-8"))


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


@dataclass
class ReadResult:
    """What :func:`read_returns_workbook` found.

    ``rows``: ``(excel_row, {field_key: raw value})`` for every non-empty data
    row, blank cells as None, values as python-calamine gives them (str, float,
    bool, date...) -- pass them to :func:`.validate.validate_rows` together with
    ``columns`` (field key -> the Excel letter it was found in).  ``problems``:
    workbook-level errors and warnings (``severity``).
    """

    sheet: str
    rows: list[tuple[int, dict[str, Any]]]
    problems: list[CellError]
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[CellError]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[CellError]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Table:
    """The data rows of a returns sheet as python-calamine gives them (blank cells "").

    ``keys[n]`` is read from column ``picks[n]``; ``index`` lists the rows of ``data``
    (0-based) that are not fully empty.
    """

    data: list[list[Any]]
    keys: list[str]
    picks: list[int]
    index: list[int]

    def row_numbers(self) -> list[int]:
        return [i + 1 for i in self.index]

    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        """``(excel_row, {field_key: value})``, blank cells as None (:attr:`ReadResult.rows`)."""
        if not self.picks:
            return []
        keys, data = self.keys, self.data
        pick = operator.itemgetter(*self.picks)
        single = len(self.picks) == 1
        out = []
        for i in self.index:
            vals = (pick(data[i]),) if single else pick(data[i])
            out.append(
                (i + 1, {k: (None if x == "" else x) for k, x in zip(keys, vals, strict=True)})
            )
        return out

    def columns(self) -> dict[str, Sequence[Any]]:
        """Field key -> its raw values, row by row (blank cells "")."""
        index, data = self.index, self.data
        if not index:
            return {k: [] for k in self.keys}
        first, last = index[0], index[-1]
        if last - first + 1 == len(index):  # no empty rows in between: transpose in one go
            try:
                transposed = list(zip(*data[first : last + 1], strict=True))
            except ValueError:  # rows of different lengths (calamine gives a rectangle)
                pass
            else:
                return {k: transposed[j] for k, j in zip(self.keys, self.picks, strict=True)}
        return {k: [data[i][j] for i in index] for k, j in zip(self.keys, self.picks, strict=True)}


class _LazyRows(Sequence):
    """:attr:`ReadResult.rows` of :func:`check_workbook`, made into dicts when first used."""

    def __init__(self, table: _Table):
        self._table = table
        self._rows: list[tuple[int, dict[str, Any]]] | None = None

    def _list(self) -> list[tuple[int, dict[str, Any]]]:
        if self._rows is None:
            self._rows = self._table.rows()
        return self._rows

    def __getitem__(self, i):
        return self._list()[i]

    def __len__(self) -> int:
        return len(self._table.index) if self._table.picks else 0

    def __eq__(self, other: object) -> bool:
        return self._list() == (list(other) if isinstance(other, Sequence) else other)

    def __repr__(self) -> str:
        return repr(self._list())


_UNIT_SUFFIX = re.compile(r"[（(][^（）()]*[）)]$")
_SPACE = re.compile(r"\s+")
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_CELL_REF = re.compile(r"^([A-Z]+)([0-9]+)$")


def _norm(text: Any) -> str:
    s = text if isinstance(text, str) else display_value(text)
    return _SPACE.sub("", s).lstrip("*＊").casefold()


def _heading_lookup(d: Dictionary) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for f in d.fields:
        for text in (f.key, f.label.zh, f.label.en, f.header("zh"), f.header("en")):
            lookup.setdefault(_norm(text), f.key)
    return lookup


def _match(lookup: dict[str, str], text: Any) -> str | None:
    if _blank(text):
        return None
    n = _norm(text)
    key = lookup.get(n)
    if key is None:
        key = lookup.get(_UNIT_SUFFIX.sub("", n))
    return key


def _blank(v: Any) -> bool:
    return v is None or v == "" or (type(v) is str and not v.strip())


def _open(source: Source) -> tuple[CalamineWorkbook, Any]:
    """The calamine workbook and something zipfile can open again (for merged cells)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return CalamineWorkbook.from_filelike(io.BytesIO(data)), data
    if isinstance(source, (str, Path)):
        return CalamineWorkbook.from_path(str(source)), str(source)
    data = source.read()
    return CalamineWorkbook.from_filelike(io.BytesIO(data)), data


def _parse_ref(ref: str) -> tuple[tuple[int, int], tuple[int, int]]:
    a, _, b = ref.partition(":")
    b = b or a
    ma, mb = _CELL_REF.match(a), _CELL_REF.match(b)
    if ma is None or mb is None:
        raise ValueError(ref)
    return (
        (int(ma.group(2)) - 1, column_index(ma.group(1))),
        (int(mb.group(2)) - 1, column_index(mb.group(1))),
    )


def merged_ranges_from_xlsx(
    source: str | bytes, sheet_name: str
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Merged ranges of one sheet read from the .xlsx zip (fallback when calamine has none).

    0-based ``((first_row, first_col), (last_row, last_col))`` like calamine's
    ``merged_cell_ranges``.  Non-zip files give [].
    """
    opener = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with zipfile.ZipFile(opener) as z:
            workbook = z.read("xl/workbook.xml").decode("utf-8")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
            rid = None
            for m in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)/?>", workbook):
                attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', m.group(1)))
                if html.unescape(attrs.get("name", "")) == sheet_name:
                    rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
            if rid is None:
                return []
            target = None
            for m in re.finditer(r"<(?:\w+:)?Relationship\b([^>]*)/?>", rels):
                attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', m.group(1)))
                if attrs.get("Id") == rid:
                    target = attrs.get("Target")
            if target is None:
                return []
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            xml = z.read(path)
    except (zipfile.BadZipFile, KeyError, OSError):
        return []
    out = []
    for ref in _MERGE_REF.findall(xml):
        try:
            out.append(_parse_ref(ref.decode("ascii")))
        except ValueError:
            continue
    return out


def _find_returns_sheet(names: list[str]) -> str | None:
    if RETURNS_SHEET in names:
        return RETURNS_SHEET
    wanted = _norm(RETURNS_SHEET)
    for name in names:
        if _norm(name) == wanted:
            return name
    for name in names:
        n = _norm(name)
        if "年报" in n or "returns" in n:
            return name
    return None


def read_returns_workbook(
    source: Source, dictionary: Dictionary | None = None, *, limits: Limits | None = None
) -> ReadResult:
    """Read the returns sheet of an uploaded workbook (path, bytes or binary file).

    Checks the sheets (``missing_sheet``, ``extra_sheet``), the two heading rows
    against the dictionary (``no_header``, ``unknown_column``, ``unnamed_column``,
    ``missing_column``, ``duplicate_column``, ``bad_header``, ``columns_reordered``
    -- columns are found by their heading, so a reordered sheet still reads
    correctly), merged cells in the data area (``merged_cells``) and skips
    fully empty rows.  A file that is not a workbook gives ``unreadable``; one beyond
    ``limits`` (rows, columns, inflated size: see .archive) ``too_large``, and it is not
    opened at all.  Cells holding a formula give ``formula``.
    """
    read, table = _read(source, dictionary or load_dictionary(), limits)
    if table is not None:
        read.rows = table.rows()
    return read


def _read(
    source: Source, dictionary: Dictionary, limits: Limits | None = None
) -> tuple[ReadResult, _Table | None]:
    """:func:`read_returns_workbook` without the rows: the sheet's data rows come as a table."""
    d = dictionary
    problems: list[CellError] = []

    def problem(
        code: str,
        *,
        sheet: str = RETURNS_SHEET,
        row=None,
        column=None,
        key=None,
        value=None,
        severity="error",
        **params: Any,
    ) -> None:
        problems.append(CellError(sheet, row, column, key, value, code, params, severity))

    if not isinstance(source, (bytes, bytearray, memoryview, str, Path)):
        source = source.read()  # a file object: read once, inspected and opened from bytes
    # Before calamine sees the file: it would trust the archive's sizes and cell positions.
    inspection = inspect_xlsx(source, limits)
    if inspection.refusal is not None:
        code, params = inspection.refusal
        problem(code, **params)
        return ReadResult(RETURNS_SHEET, [], problems), None
    try:
        wb, reopen = _open(source)
        names = list(wb.sheet_names)
    except (CalamineError, OSError, ValueError, zipfile.BadZipFile) as exc:
        problem("unreadable", reason=str(exc) or type(exc).__name__)
        return ReadResult(RETURNS_SHEET, [], problems), None

    sheet_name = _find_returns_sheet(names)
    visible = {m.name: str(m.visible).endswith("Visible") for m in wb.sheets_metadata}
    for name in names:
        if name == sheet_name or name in KNOWN_SHEETS:
            continue
        other = wb.get_sheet_by_name(name)
        empty = other.height == 0
        problem(
            "extra_sheet",
            sheet=name,
            value=name,
            severity="warning" if empty or not visible.get(name, True) else "error",
            expected=RETURNS_SHEET,
            empty=empty,
        )
    if sheet_name is None:
        problem("missing_sheet", expected=RETURNS_SHEET)
        return ReadResult(RETURNS_SHEET, [], sorted(problems, key=sort_key)), None

    sheet = wb.get_sheet_by_name(sheet_name)
    data: list[list[Any]] = sheet.to_python(skip_empty_area=False) if sheet.height else []
    merged = getattr(sheet, "merged_cell_ranges", None)
    if merged is None:
        merged = merged_ranges_from_xlsx(reopen, sheet_name)

    # -- headings ---------------------------------------------------------------------
    lookup = _heading_lookup(d)
    by_key = d.by_key
    width = len(data[0]) if data else 0
    head1 = data[0] if len(data) > 0 else [""] * width
    head2 = data[1] if len(data) > 1 else [""] * width
    keys1 = [_match(lookup, v) for v in head1]
    keys2 = [_match(lookup, v) for v in head2]
    if not any(keys1) and not any(keys2):
        problem(
            "no_header",
            sheet=sheet_name,
            row=1,
            column="A",
            value=display_value(head1[0]) if head1 and not _blank(head1[0]) else None,
        )
        return ReadResult(sheet_name, [], sorted(problems, key=sort_key)), None
    second_is_data = not any(keys2) and any(not _blank(v) for v in head2)
    if second_is_data:
        problem("no_header", sheet=sheet_name, row=2, column="A")

    found: dict[str, int] = {}
    unnamed: list[int] = []
    for j in range(width):
        a, b = head1[j], head2[j]
        ka, kb = keys1[j], keys2[j]
        letter = column_letter(j)
        if _blank(a) and (_blank(b) or second_is_data):
            unnamed.append(j)
            continue
        key = ka or kb
        if key is None:
            row = 1 if not _blank(a) else 2
            problem(
                "unknown_column",
                sheet=sheet_name,
                row=row,
                column=letter,
                value=display_value(a if row == 1 else b),
            )
            continue
        f = by_key[key]
        expected = f"{f.header('zh')} / {f.header('en')}"
        if ka and kb and ka != kb:
            problem(
                "bad_header",
                sheet=sheet_name,
                row=2,
                column=letter,
                key=key,
                value=display_value(b),
                expected=expected,
            )
        elif not second_is_data:
            for row, raw, k in ((1, a, ka), (2, b, kb)):
                if k is None:
                    problem(
                        "bad_header",
                        sheet=sheet_name,
                        row=row,
                        column=letter,
                        key=key,
                        value=display_value(raw) if not _blank(raw) else None,
                        expected=expected,
                        severity="warning",
                    )
        if key in found:
            problem(
                "duplicate_column",
                sheet=sheet_name,
                row=1,
                column=letter,
                key=key,
                value=display_value(a),
                other_column=column_letter(found[key]),
            )
            continue
        found[key] = j
    for f in d.fields:
        if f.key not in found:
            if not f.optional_column:  # an older template without it: its cells are blank
                problem("missing_column", sheet=sheet_name, key=f.key, expected_column=f.letter)
        elif found[f.key] != f.index:
            problem(
                "columns_reordered",
                sheet=sheet_name,
                row=1,
                column=column_letter(found[f.key]),
                key=f.key,
                expected_column=f.letter,
                severity="warning",
            )
    columns = {key: column_letter(j) for key, j in found.items()}
    index_to_key = {j: key for key, j in found.items()}

    # -- merged cells in the data area ---------------------------------------------------
    first_data = FIRST_DATA_ROW - 1
    for (r0, c0), (r1, c1) in merged:
        if r1 < first_data:
            continue
        top = max(r0, first_data)
        problem(
            "merged_cells",
            sheet=sheet_name,
            row=top + 1,
            column=column_letter(c0),
            key=index_to_key.get(c0),
            value=display_value(data[r0][c0]) if r0 < len(data) and c0 < width else None,
            range=f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}",
        )

    # -- data rows -------------------------------------------------------------------------
    ordered = sorted(found.items(), key=lambda kv: kv[1])
    keys = [k for k, _j in ordered]
    picks = [j for _k, j in ordered]
    start = first_data - 1 if second_is_data else first_data
    index: list[int] = []  # the rows that are not fully empty
    if picks:
        pick = operator.itemgetter(*picks)
        single = len(picks) == 1
        j0 = picks[0]
        for i in range(start, len(data)):
            x = data[i][j0]
            if x != "" and (type(x) is not str or x.strip()):
                index.append(i)
                continue
            vals = pick(data[i])
            if single:
                vals = (vals,)
            for x in vals:
                if x != "" and (type(x) is not str or x.strip()):
                    index.append(i)
                    break
    table = _Table(data, keys, picks, index)
    # Formulas: calamine gives the value Excel last computed, or nothing when none was saved
    # (files written by programs); either way not what the enterprise typed.
    for ref, formula in inspection.formulas.get(sheet_name, {}).items():
        m = _CELL_REF.match(ref)
        if m is None or int(m.group(2)) <= start:
            continue  # the heading rows
        j = column_index(m.group(1))
        if j in index_to_key:
            problem(
                "formula",
                sheet=sheet_name,
                row=int(m.group(2)),
                column=m.group(1),
                key=index_to_key[j],
                value=f"={formula}" if formula else None,
                formula=formula,
            )
    for j in unnamed:
        first_row = next((i + 1 for i in range(start, len(data)) if not _blank(data[i][j])), None)
        if first_row is not None:
            problem(
                "unnamed_column",
                sheet=sheet_name,
                row=1,
                column=column_letter(j),
                first_row=first_row,
            )
    if not index and not any(p.code == "no_header" for p in problems):
        problem("no_data", sheet=sheet_name)
    return ReadResult(sheet_name, [], sorted(problems, key=sort_key), columns), table


def check_workbook(
    source: Source,
    *,
    year: int,
    context: ValidationContext,
    dictionary: Dictionary | None = None,
    limits: Limits | None = None,
) -> tuple[ReadResult, ValidationResult]:
    """Read and validate in one go.

    The returned ValidationResult holds the reader's problems as well (errors
    with errors, warnings with warnings, all in sheet order), so ``result.ok``
    says whether the file may be imported and ``result.errors`` is what
    :func:`highlight_errors` marks.
    """
    d = dictionary or load_dictionary()
    read, table = _read(source, d, limits)
    if table is None:
        result = validate_rows([], year=year, sheet=read.sheet, context=context, dictionary=d)
    else:
        read.rows = _LazyRows(table)  # type: ignore[assignment]
        result = validate_columns(
            table.row_numbers(),
            table.columns(),
            year=year,
            sheet=read.sheet,
            context=context,
            dictionary=d,
            columns=read.columns,
        )
    formulas = {(e.row, e.column) for e in read.errors if e.code == "formula"}
    if formulas:  # the formula is the problem, not the blank or cached value read in its place
        result.errors = [e for e in result.errors if (e.row, e.column) not in formulas]
        result.warnings = [w for w in result.warnings if (w.row, w.column) not in formulas]
    result.errors = sorted([*read.errors, *result.errors], key=sort_key)
    result.warnings = sorted([*read.warnings, *result.warnings], key=sort_key)
    spoilt = {e.row for e in read.errors if e.row is not None and e.row >= FIRST_DATA_ROW}
    if spoilt:  # e.g. merged cells: the row's values cannot be trusted
        if isinstance(result.rows, CleanRows):
            result.rows = result.rows.without(spoilt)
        else:
            result.rows = [r for r in result.rows if r.row not in spoilt]
    return read, result


# ---------------------------------------------------------------------------
# The highlighted copy
# ---------------------------------------------------------------------------

_AUTHOR = "eco311"
_ERROR_FILL = "FFC7CE"
_WARNING_FILL = "FFEB9C"


def highlight_errors(
    original: bytes,
    errors: Iterable[CellError],
    lang: str = "zh",
    *,
    dictionary: Dictionary | None = None,
) -> bytes:
    """A copy of the user's workbook with every problem marked; returns the new .xlsx bytes.

    Each located cell gets a light red fill (light yellow for warnings) and a
    comment with the message(s) in ``lang``; a sheet "错误清单 Errors" lists every
    problem (sheet, row, column, field, value, code, message) and is made the
    active sheet.  Marks from an earlier pass (comments by "eco311") are removed
    first, so a corrected, re-uploaded copy can be highlighted again.  Raises
    ValueError if ``original`` is not an .xlsx workbook openpyxl can open.
    """
    from openpyxl import load_workbook
    from openpyxl.cell.cell import MergedCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    d = dictionary or load_dictionary()
    errors = sorted(errors, key=sort_key)
    try:
        wb = load_workbook(io.BytesIO(original))
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise ValueError(f"not an .xlsx workbook: {exc}") from exc

    no_fill = PatternFill(fill_type=None)
    if ERRORS_SHEET in wb.sheetnames:
        del wb[ERRORS_SHEET]
        for ws in wb.worksheets:
            for cell in list(ws._cells.values()):
                if cell.comment is not None and cell.comment.author == _AUTHOR:
                    cell.comment = None
                    cell.fill = no_fill

    fills = {
        "error": PatternFill("solid", start_color=_ERROR_FILL, end_color=_ERROR_FILL),
        "warning": PatternFill("solid", start_color=_WARNING_FILL, end_color=_WARNING_FILL),
    }

    def target(sheet: str, ref: str) -> str:
        """The cell to mark: inside a merged range, its top-left cell (others are read-only)."""
        ws = wb[sheet]
        if isinstance(ws[ref], MergedCell):
            for merged in ws.merged_cells.ranges:
                if ref in merged:
                    return f"{column_letter(merged.min_col - 1)}{merged.min_row}"
        return ref

    notes: dict[tuple[str, str], list[str]] = {}
    severity_at: dict[tuple[str, str], str] = {}
    messages = [e.message(lang, d) for e in errors]
    for e, msg in zip(errors, messages, strict=True):
        if e.row is None or e.column is None or e.sheet not in wb.sheetnames:
            continue
        at = (e.sheet, target(e.sheet, f"{e.column}{e.row}"))
        notes.setdefault(at, []).append(msg)
        if severity_at.get(at) != "error":
            severity_at[at] = e.severity
    for (sheet, ref), texts in notes.items():
        cell = wb[sheet][ref]
        cell.fill = fills[severity_at[(sheet, ref)]]
        text = "\n".join(texts)
        comment = Comment(text, _AUTHOR)
        comment.width = 320
        comment.height = 40 + 20 * (len(text) // 24 + len(texts))
        cell.comment = comment

    zh = _is_zh(lang)
    ws = wb.create_sheet(ERRORS_SHEET)
    headings = [
        ("工作表", "Sheet", 18),
        ("行", "Row", 7),
        ("列", "Column", 7),
        ("字段", "Field", 22),
        ("值", "Value", 24),
        ("代码", "Code", 22),
        ("级别", "Severity", 9),
        ("说明", "Message", 90),
    ]
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for j, (h_zh, h_en, width) in enumerate(headings, start=1):
        cell = ws.cell(row=1, column=j, value=f"{h_zh} {h_en}")
        cell.font = bold
        ws.column_dimensions[column_letter(j - 1)].width = width
    level = {"error": ("错误", "Error"), "warning": ("提示", "Warning")}
    for i, (e, msg) in enumerate(zip(errors, messages, strict=True), start=2):
        f = d.by_key.get(e.field_key or "")
        label = (f.label.zh if zh else f.label.en) if f else (e.field_key or "")
        values = [
            e.sheet,
            e.row,
            e.column,
            label,
            e.value,
            e.code,
            level[e.severity][0 if zh else 1],
            msg,
        ]
        for j, v in enumerate(values, start=1):
            cell = ws.cell(row=i, column=j, value=v)
            cell.data_type = "n" if isinstance(v, int) else "s"
            if j == len(values):
                cell.alignment = wrap
    ws.freeze_panes = "A2"
    if errors:
        ws.auto_filter.ref = f"A1:{column_letter(len(headings) - 1)}{len(errors) + 1}"
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = wb.sheetnames.index(ERRORS_SHEET)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
