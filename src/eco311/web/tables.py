"""A list page as an Excel workbook: the same rows as on screen, at the same URL with
``?format=xlsx``.

The view builds its rows exactly as for the page (same filters, same scope, the whole filtered
list, never a page of it) and hands them here with a description of the columns. Numbers are
written as numbers so that a meeting can sum and sort them; the unit goes into the header, never
into the cell; an empty value stays an empty cell (a "—" in a number column would turn the column
into text). The workbook carries the platform's About sheet (core/workbooks.py) saying what the
table is, which filters were applied, who exported it when and, on the demo, that the data are
synthetic.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import override

from eco311.core.workbooks import write_about_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Query parameters that shape the page, not the rows: never listed as filters.
NOT_FILTERS = frozenset({"format", "page", "lang"})

#: Excel's limit is 255; wider columns are unreadable anyway.
MAX_WIDTH = 60


@dataclass(frozen=True)
class Column:
    """One column of an exported list: its header, how to read the value off a row, the unit
    shown in the header ("产值（亿元）") and how the value is written."""

    header: Any  # a translated label (gettext_lazy is fine)
    value: Callable[[Any], Any]  # row -> str | int | float | Decimal | date | None
    unit: Any = ""
    kind: str = "text"  # "text" | "number" | "int" | "date"

    def heading(self) -> str:
        """The header cell: the label, then the unit in full-width brackets, as on the pages."""
        unit = str(self.unit or "")
        return f"{self.header}（{unit}）" if unit else str(self.header)


def wants_xlsx(request) -> bool:
    """Whether the request asks for the list as a workbook (``?format=xlsx``)."""
    return request.GET.get("format", "").lower() == "xlsx"


def export_query(request) -> str:
    """The current query string with ``format=xlsx``: the page's "导出 Excel" link."""
    query = request.GET.copy()
    query.pop("page", None)
    query["format"] = "xlsx"
    return query.urlencode()


def xlsx_response(
    request,
    *,
    title,
    columns: Sequence[Column],
    rows: Iterable[Any],
    filename: str,
    about: Iterable[tuple[str, str, str]] = (),
    as_of: date | None = None,
    filters: Iterable[tuple[str, str]] | None = None,
) -> HttpResponse:
    """The rows as an .xlsx attachment.

    ``about`` adds ``(label, Chinese, English)`` lines to the About sheet (e.g. why some cells
    are empty); ``filters`` describes the filters applied as ``(name, value)`` pairs, by default
    the request's query parameters; ``as_of`` is the evaluation date of the figures.
    """
    rows = list(rows)
    body = workbook(
        title=title,
        columns=columns,
        rows=rows,
        lines=_about_lines(request, title, len(rows), about, as_of, filters),
    )
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = _disposition(filename, title)
    return response


def workbook(*, title, columns: Sequence[Column], rows: list, lines) -> bytes:
    """The workbook's bytes: one sheet of rows under a frozen, filterable header row, then
    the About sheet."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    head = wb.add_format({"bold": True, "bg_color": "#E9EEF0", "text_wrap": True, "border": 1})
    formats = {
        "number": wb.add_format({"num_format": "#,##0.00##"}),
        "int": wb.add_format({"num_format": "#,##0"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "text": None,
    }
    ws = wb.add_worksheet(sheet_name(str(title)))
    widths = []
    for j, column in enumerate(columns):
        heading = column.heading()
        ws.write_string(0, j, heading, head)
        widths.append(_width(heading))
    for i, row in enumerate(rows, start=1):
        for j, column in enumerate(columns):
            shown = _put(ws, i, j, column.value(row), column.kind, formats[column.kind])
            widths[j] = max(widths[j], _width(shown))
    for j, w in enumerate(widths):
        ws.set_column(j, j, min(w + 2, MAX_WIDTH))
    ws.freeze_panes(1, 0)
    if columns:
        ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    write_about_sheet(wb, lines, demo=settings.DEMO_MODE)
    wb.close()
    return out.getvalue()


def _put(ws, i: int, j: int, value, kind: str, fmt) -> str:
    """Write one cell by the column's kind; return its text, for the column width. A value
    that is not a number in a number column (None, "—", "") stays an empty cell."""
    if value is None:
        return ""
    if kind in ("number", "int"):
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            return ""
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            return ""
        ws.write_number(i, j, number, fmt)
        return f"{number:,.2f}" if kind == "number" else f"{number:,.0f}"
    if kind == "date":
        if isinstance(value, datetime):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
            ws.write_datetime(i, j, value.replace(tzinfo=None), fmt)
            return "0000-00-00"
        if isinstance(value, date):
            ws.write_datetime(i, j, datetime(value.year, value.month, value.day), fmt)
            return "0000-00-00"
    text = _clean(str(value))
    if text:
        ws.write_string(i, j, text)
    return text


def _clean(text: str) -> str:
    """Control characters are not allowed in an .xlsx cell; drop them (keep tabs, newlines)."""
    return "".join(c for c in text if c in "\t\n" or unicodedata.category(c) != "Cc")


def _width(text: str) -> int:
    """The width of the text in Excel's units: CJK and full-width characters count double."""
    longest = max((text or "").split("\n"), key=len)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in longest)


def sheet_name(title: str) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Sheet1"
    return name[:31]


def _in_both(text) -> tuple[str, str]:
    """A (lazily) translated text in Chinese and in English: the About sheet shows both."""
    with override("zh-hans"):
        zh = str(text)
    with override("en"):
        en = str(text)
    return zh, en


def _about_lines(request, title, count, about, as_of, filters) -> list[tuple[str, str, str]]:
    if filters is None:
        filters = [
            (key, value)
            for key, values in request.GET.lists()
            if key not in NOT_FILTERS
            for value in values
            if value
        ]
    applied = "; ".join(f"{k} = {v}" for k, v in filters)
    user = request.user
    who = user.get_username() if user.is_authenticated else ""
    lines = [
        ("表格 Table", *_in_both(title)),
        ("筛选条件 Filters", applied or "无（全部）", applied or "none (all rows)"),
        ("行数 Rows", str(count), str(count)),
    ]
    if as_of is not None:
        lines.append(("评估日期 As of", as_of.isoformat(), as_of.isoformat()))
    lines += [
        (
            "导出 Exported",
            f"{timezone.localtime():%Y-%m-%d %H:%M}  {who}",
            f"{timezone.localtime():%Y-%m-%d %H:%M}  {who}",
        ),
        (
            "来源 Source",
            f"页面 {request.path}，与页面显示的行相同（同样的筛选和权限范围，不分页）",
            f"Page {request.path}: the rows the page shows (same filters and scope, unpaginated)",
        ),
        *about,
    ]
    return lines


def _disposition(filename: str, title) -> str:
    """An ASCII ``filename`` every client reads, and the title's Chinese name as
    ``filename*`` (RFC 6266) for those that read it: the browser saves "目标清单-2026-12-03.xlsx"."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "export.xlsx"
    if not ascii_name.lower().endswith(".xlsx"):
        ascii_name += ".xlsx"
    header = f'attachment; filename="{ascii_name}"'
    local = f"{sheet_name(str(title))}-{timezone.localdate().isoformat()}.xlsx"
    if not local.isascii():
        header += f"; filename*=utf-8''{quote(local)}"
    return header


__all__ = ["Column", "XLSX", "export_query", "wants_xlsx", "workbook", "xlsx_response"]
