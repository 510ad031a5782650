"""``eco311 progress status FILE.csv [--format json|csv] [--lang zh|en]``.

Computes the deadline-aware status (status.compute_status) of arbitrary targets, one per CSV
row, so the rules of docs/progress-method.md can be checked from outside the platform.

Columns (any order; id, kind, start and as_of are required, the others may be left out):
id, kind (numeric, milestone, recurring), op, value, value_max, direction (1 or -1, empty: 1),
start, deadline, as_of (ISO dates), recurring_count, recurring_per, base_year, base_value,
limit, observations. ``observations`` holds semicolon-separated items: ``DATE:VALUE`` for
numeric targets, ``DATE:done`` or ``DATE:progress=P`` (0-100) for milestones, ``DATE:count=N``
(or ``DATE:done``, one event) for recurring targets.

Output, in input order: a JSON list of {id, status, reasons, forecast, projected_date}, where
forecast is the deciding forecast's value at the deadline and projected_date the day it meets
the target (both null when there is none).

Bad input prints one line naming the row (spreadsheet numbering: the header is row 1), the
column, the value and the reason, in Chinese by default (``--lang en`` for English), prints
nothing on stdout and exits with status 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from datetime import date

from eco311.plans.progress.status import (
    KINDS,
    OPS,
    RECURRING_PERIODS,
    Observation,
    TargetSpec,
    TargetStatus,
    compute_status,
)

REQUIRED = ("id", "kind", "start", "as_of")
COLUMNS = (
    "id",
    "kind",
    "op",
    "value",
    "value_max",
    "direction",
    "start",
    "deadline",
    "recurring_count",
    "recurring_per",
    "as_of",
    "observations",
    "base_year",
    "base_value",
    "limit",
)
OUTPUT_FIELDS = ("id", "status", "reasons", "forecast", "projected_date")
EXIT_BAD_INPUT = 2
LANGS = ("zh", "en")

# Every user-facing string, Chinese first, then English: (zh, en).
MESSAGES = {
    "help_status": (
        "按截止日期计算 CSV 文件中每个目标的状态",
        "deadline-aware status of each target in a CSV file",
    ),
    "help_file": ("CSV 文件，列：", "CSV file with columns: "),
    "help_format": ("输出格式（默认 json）", "output format (default: json)"),
    "help_lang": ("错误信息的语言（默认中文）", "language of error messages (default: Chinese)"),
    "cannot_read": ("{file}：无法读取文件：{error}", "{file}: cannot read file: {error}"),
    "not_utf8": ("{file}：文件不是 UTF-8 文本", "{file}: the file is not UTF-8 text"),
    "bad_csv": (
        "{file}：第 {row} 行：CSV 格式错误：{error}",
        "{file}: row {row}: malformed CSV: {error}",
    ),
    "missing_column": (
        "{file}：第 1 行：缺少列“{column}”",
        "{file}: row 1: missing column '{column}'",
    ),
    "too_many_cells": (
        "{file}：第 {row} 行：单元格多于表头的列",
        "{file}: row {row}: more cells than columns in the header",
    ),
    "cell": (
        "{file}：第 {row} 行，“{column}”列：“{value}”{reason}",
        "{file}: row {row}, column '{column}': '{value}' {reason}",
    ),
    # Reasons for a bad cell.
    "required": ("不能为空", "must not be empty"),
    "not_a_number": ("不是数字", "is not a number"),
    "not_finite": ("不是有限数值", "is not a finite number"),
    "bad_kind": (
        "应为 numeric、milestone 或 recurring",
        "must be one of numeric, milestone, recurring",
    ),
    "bad_op": ("应为以下之一：" + "、".join(OPS), "must be one of " + ", ".join(OPS)),
    "bad_direction": ("应为 1 或 -1", "must be 1 or -1"),
    "bad_date": ("不是 ISO 日期（YYYY-MM-DD）", "is not an ISO date (YYYY-MM-DD)"),
    "deadline_before_start": ("早于 start 列的开始日期", "is before the start date"),
    "bad_count": ("应为正整数", "must be a positive whole number"),
    "bad_per": (
        "应为以下之一：" + "、".join(RECURRING_PERIODS),
        "must be one of " + ", ".join(RECURRING_PERIODS),
    ),
    "value_needed": (
        "为空，但比较符“{op}”需要目标值",
        "is empty, but comparator '{op}' needs a value",
    ),
    "range_needs_bound": (
        "为空：范围目标至少需要 value 或 value_max",
        "is empty: a range needs value or value_max",
    ),
    "bad_item": (
        "中的“{item}”应为 日期:内容（如 2024-12-31:5）",
        "has item '{item}', expected DATE:CONTENT (e.g. 2024-12-31:5)",
    ),
    "bad_item_date": (
        "中的“{item}”：日期不是 ISO 日期（YYYY-MM-DD）",
        "has item '{item}' whose date is not an ISO date (YYYY-MM-DD)",
    ),
    "bad_numeric_item": (
        "中的“{item}”：数值目标的观测应为 日期:数值",
        "has item '{item}': a numeric target's observation is DATE:VALUE",
    ),
    "bad_milestone_item": (
        "中的“{item}”：里程碑的观测应为 日期:done 或 日期:progress=P（0—100）",
        "has item '{item}': a milestone's observation is DATE:done or DATE:progress=P (0-100)",
    ),
    "bad_recurring_item": (
        "中的“{item}”：重复性目标的观测应为 日期:count=N（N 为非负整数）或 日期:done",
        "has item '{item}': a recurring target's observation is DATE:count=N "
        "(N a whole number, 0 or more) or DATE:done",
    ),
}


class InputError(Exception):
    """Bad input, with the message for the user already in their language."""


def message(key: str, lang: str = "zh", **kwargs) -> str:
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format(**kwargs)


class _Row:
    """One CSV record and where it came from, to locate every error."""

    def __init__(self, file: str, row: int, cells: dict[str, str], lang: str):
        self.file, self.row, self.cells, self.lang = file, row, cells, lang

    def text(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def fail(self, column: str, reason: str, **kwargs) -> InputError:
        return InputError(
            message(
                "cell",
                self.lang,
                file=self.file,
                row=self.row,
                column=column,
                value=self.text(column),
                reason=message(reason, self.lang, **kwargs),
            )
        )

    def number(self, column: str) -> float | None:
        text = self.text(column)
        if text == "":
            return None
        try:
            value = float(text)
        except ValueError:
            raise self.fail(column, "not_a_number") from None
        if not math.isfinite(value):
            raise self.fail(column, "not_finite")
        return value

    def date(self, column: str, required: bool = False) -> date | None:
        text = self.text(column)
        if text == "":
            if required:
                raise self.fail(column, "required")
            return None
        parsed = _iso_date(text)
        if parsed is None:
            raise self.fail(column, "bad_date")
        return parsed


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _whole(text: str) -> int | None:
    """A whole number written as digits (no sign, no decimals), else None."""
    return int(text) if text.isdigit() else None


def _spec(r: _Row) -> TargetSpec:
    kind = r.text("kind")
    if kind == "":
        raise r.fail("kind", "required")
    if kind not in KINDS:
        raise r.fail("kind", "bad_kind")
    op = r.text("op") or None
    if op is not None and op not in OPS:
        raise r.fail("op", "bad_op")
    value, value_max = r.number("value"), r.number("value_max")
    if kind == "numeric":
        if op == "range" and value is None and value_max is None:
            raise r.fail("value", "range_needs_bound")
        if op not in (None, "range") and value is None:
            raise r.fail("value", "value_needed", op=op)
    direction_text = r.text("direction")
    direction = 1
    if direction_text:
        try:
            d = float(direction_text)
        except ValueError:
            d = math.nan
        if d not in (1.0, -1.0):
            raise r.fail("direction", "bad_direction")
        direction = int(d)
    start = r.date("start", required=True)
    deadline = r.date("deadline")
    if deadline is not None and deadline < start:
        raise r.fail("deadline", "deadline_before_start")
    count_text = r.text("recurring_count")
    count = None
    if count_text:
        count = _whole(count_text)
        if count is None or count <= 0:
            raise r.fail("recurring_count", "bad_count")
    per = r.text("recurring_per") or None
    if per is not None and per not in RECURRING_PERIODS:
        raise r.fail("recurring_per", "bad_per")
    return TargetSpec(
        kind=kind,
        op=op,
        value=value,
        value_max=value_max,
        direction=direction,
        start=start,
        deadline=deadline,
        base_year=r.number("base_year"),
        base_value=r.number("base_value"),
        limit=r.number("limit"),
        recurring_count=count,
        recurring_per=per,
    )


def _observation(r: _Row, kind: str, item: str) -> Observation:
    column = "observations"
    day_text, sep, content = item.partition(":")
    day_text, content = day_text.strip(), content.strip()
    if not sep or not day_text or not content:
        raise r.fail(column, "bad_item", item=item)
    day = _iso_date(day_text)
    if day is None:
        raise r.fail(column, "bad_item_date", item=item)
    if kind == "numeric":
        try:
            value = float(content)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise r.fail(column, "bad_numeric_item", item=item)
        return Observation(day, value)
    if content == "done":
        return Observation(day, done=True)
    key, eq, number = content.partition("=")
    key, number = key.strip(), number.strip()
    if kind == "milestone":
        try:
            progress = float(number) if key == "progress" and eq else math.nan
        except ValueError:
            progress = math.nan
        if not 0 <= progress <= 100:  # False for NaN as well
            raise r.fail(column, "bad_milestone_item", item=item)
        return Observation(day, progress=progress)
    count = _whole(number) if key == "count" and eq else None
    if count is None:
        raise r.fail(column, "bad_recurring_item", item=item)
    return Observation(day, count=count)


def _observations(r: _Row, kind: str) -> list[Observation]:
    items = [i.strip() for i in r.text("observations").split(";")]
    return [_observation(r, kind, i) for i in items if i]


def read_cases(
    text: str, file: str = "<input>", lang: str = "zh"
) -> list[tuple[str, TargetSpec, list[Observation], date]]:
    """Parse the CSV text into (id, spec, observations, as_of), raising InputError on the first
    problem."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise InputError(message("bad_csv", lang, file=file, row=1, error=exc)) from None
    reader.fieldnames = header
    for column in REQUIRED:
        if column not in header:
            raise InputError(message("missing_column", lang, file=file, column=column))
    out = []
    try:
        for record in reader:
            if None in record:
                raise InputError(message("too_many_cells", lang, file=file, row=reader.line_num))
            r = _Row(file, reader.line_num, record, lang)
            spec = _spec(r)
            as_of = r.date("as_of", required=True)
            out.append((r.text("id"), spec, _observations(r, spec.kind), as_of))
    except csv.Error as exc:
        raise InputError(
            message("bad_csv", lang, file=file, row=reader.line_num, error=exc)
        ) from None
    return out


def result_row(case_id: str, st: TargetStatus) -> dict:
    f = st.forecast
    return {
        "id": case_id,
        "status": st.status,
        "reasons": list(st.reasons),
        "forecast": f.value_at_deadline if f is not None else None,
        "projected_date": st.projected_date.isoformat() if st.projected_date else None,
    }


def format_json(rows: list[dict]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def format_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=OUTPUT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        cells = dict(row, reasons=";".join(row["reasons"]))
        writer.writerow({k: ("" if v is None else v) for k, v in cells.items()})
    return buf.getvalue()


def run_status(args: argparse.Namespace) -> int:
    file, lang = args.file, getattr(args, "lang", "zh")
    try:
        with open(file, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        print(message("not_utf8", lang, file=file), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(message("cannot_read", lang, file=file, error=exc.strerror or exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        cases = read_cases(text, file, lang)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    rows = [result_row(i, compute_status(spec, obs, as_of)) for i, spec, obs, as_of in cases]
    sys.stdout.write(format_csv(rows) if args.format == "csv" else format_json(rows))
    return 0


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``status`` subcommand to the subparsers of ``eco311 progress``."""
    zh_help = MESSAGES["help_status"][0] + " / " + MESSAGES["help_status"][1]
    parser = subparsers.add_parser("status", help=zh_help, description=zh_help)
    parser.add_argument(
        "file",
        metavar="FILE.csv",
        help=MESSAGES["help_file"][1] + ", ".join(COLUMNS),
    )
    parser.add_argument(
        "--format", choices=("json", "csv"), default="json", help=MESSAGES["help_format"][1]
    )
    parser.add_argument("--lang", choices=LANGS, default="zh", help=MESSAGES["help_lang"][1])
    parser.set_defaults(func=run_status)
    return parser
