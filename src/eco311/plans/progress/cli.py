"""``eco311 progress measure FILE.csv [--format json|csv]``.

Reads one series per CSV row (columns id, base_year, base_value, current_year, current_value,
target_value, target_year, direction, limit; an empty cell means none, an empty direction
means +1) and prints the Open SDG progress measure of each row in input order.

Bad input (a missing column, a cell that is not a number, a direction other than 1 or -1, an
unreadable file) prints a message naming the row and column to stderr, prints nothing on
stdout, and exits with status 2. Rows are numbered as in a spreadsheet: the header is row 1.

The lead CLI calls ``register(subparsers)`` with the subparsers of its ``progress`` command,
which also adds ``status`` (status_cli.py: the deadline-aware status of arbitrary targets);
``python -m eco311.plans.progress.cli measure FILE.csv`` runs it standalone.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys

from eco311.plans.progress.measure import MeasureResult, Series, measure

COLUMNS = (
    "id",
    "base_year",
    "base_value",
    "current_year",
    "current_value",
    "target_value",
    "target_year",
    "direction",
    "limit",
)
NUMBER_COLUMNS = COLUMNS[1:-2] + ("limit",)
OUTPUT_FIELDS = ("id", "status", "score", "progress_value")
EXIT_BAD_INPUT = 2

# Every user-facing string, in one place for translation.
MESSAGES = {
    "help_measure": "Open SDG progress measure of each series in a CSV file",
    "help_file": "CSV file with columns: " + ", ".join(COLUMNS),
    "help_format": "output format (default: json)",
    "cannot_read": "{file}: cannot read file: {error}",
    "not_utf8": "{file}: the file is not UTF-8 text",
    "bad_csv": "{file}: row {row}: malformed CSV: {error}",
    "missing_column": "{file}: row 1: missing column '{column}'",
    "not_a_number": "{file}: row {row}, column '{column}': '{value}' is not a number",
    "not_finite": "{file}: row {row}, column '{column}': '{value}' is not a finite number",
    "bad_direction": "{file}: row {row}, column 'direction': '{value}' must be 1 or -1",
    "too_many_cells": "{file}: row {row}: more cells than columns in the header",
}


class InputError(Exception):
    """Bad input, with the message for the user."""


def _message(key: str, **kwargs) -> str:
    return MESSAGES[key].format(**kwargs)


def _number(file: str, row: int, column: str, text: str) -> float | None:
    text = text.strip()
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            _message("not_a_number", file=file, row=row, column=column, value=text)
        ) from None
    if not math.isfinite(value):
        raise InputError(_message("not_finite", file=file, row=row, column=column, value=text))
    return value


def _direction(file: str, row: int, text: str) -> int:
    text = text.strip()
    if text == "":
        return 1
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if value not in (1.0, -1.0):
        raise InputError(_message("bad_direction", file=file, row=row, value=text))
    return int(value)


def read_series(text: str, file: str = "<input>") -> list[Series]:
    """Parse the CSV text into Series, raising InputError on the first problem."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise InputError(_message("bad_csv", file=file, row=1, error=exc)) from None
    header = [h.strip() for h in header]
    reader.fieldnames = header
    for column in COLUMNS:
        if column not in header:
            raise InputError(_message("missing_column", file=file, column=column))
    out = []
    row = 1
    try:
        for record in reader:
            row = reader.line_num
            if None in record:
                raise InputError(_message("too_many_cells", file=file, row=row))
            cells = {k: (record.get(k) or "") for k in COLUMNS}
            numbers = {c: _number(file, row, c, cells[c]) for c in NUMBER_COLUMNS}
            out.append(
                Series(
                    id=cells["id"].strip(),
                    direction=_direction(file, row, cells["direction"]),
                    **numbers,
                )
            )
    except csv.Error as exc:
        raise InputError(_message("bad_csv", file=file, row=reader.line_num, error=exc)) from None
    return out


def _row(result: MeasureResult) -> dict:
    return {
        "id": result.id,
        "status": result.status,
        "score": result.score,
        "progress_value": result.progress_value,
    }


def format_json(results: list[MeasureResult]) -> str:
    return json.dumps([_row(r) for r in results], ensure_ascii=False, indent=2) + "\n"


def format_csv(results: list[MeasureResult]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=OUTPUT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in results:
        writer.writerow({k: ("" if v is None else v) for k, v in _row(r).items()})
    return buf.getvalue()


def run_measure(args: argparse.Namespace) -> int:
    file = args.file
    try:
        with open(file, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        print(_message("not_utf8", file=file), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(_message("cannot_read", file=file, error=exc.strerror or exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        series = read_series(text, file)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    results = [measure(s) for s in series]
    out = format_csv(results) if args.format == "csv" else format_json(results)
    sys.stdout.write(out)
    return 0


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``measure`` and ``status`` subcommands to the subparsers of ``eco311 progress``.

    Returns the ``measure`` parser; ``status`` is status_cli.register's.
    """
    from eco311.plans.progress import status_cli

    parser = subparsers.add_parser(
        "measure", help=MESSAGES["help_measure"], description=MESSAGES["help_measure"]
    )
    parser.add_argument("file", metavar="FILE.csv", help=MESSAGES["help_file"])
    parser.add_argument(
        "--format", choices=("json", "csv"), default="json", help=MESSAGES["help_format"]
    )
    parser.set_defaults(func=run_measure)
    status_cli.register(subparsers)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eco311 progress")
    subparsers = parser.add_subparsers(dest="command", required=True)
    register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
