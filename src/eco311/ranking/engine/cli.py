"""``eco311 rank run --data DATA.csv --method METHOD.yaml [--format json|csv]``.

Runs the composite-indicator engine on any table (a unit column plus indicator and grouping
columns, as the methodology names them) and prints unit, score and rank of every unit, best
first; units removed by screening come last with no score and no rank. It needs neither Django
nor a database, so that the engine can be checked against published indices anywhere.

A bad methodology or data file prints located messages to stderr, nothing on stdout, and exits
with status 2. The lead CLI calls ``register(subparsers)`` with the subparsers of its ``rank``
command; ``python -m eco311.ranking.engine.cli run ...`` runs it standalone.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys

from eco311.ranking.engine.methodology import MethodologyError, load_methodology
from eco311.ranking.engine.pipeline import run
from eco311.ranking.engine.table import DataError, read_csv

OUTPUT_FIELDS = ("unit", "score", "rank")
EXIT_BAD_INPUT = 2

# Every user-facing string, in one place for translation.
MESSAGES = {
    "help_run": "run a composite-indicator methodology on a table and print scores and ranks",
    "help_data": "CSV file, one row per unit (UTF-8)",
    "help_method": "methodology file (YAML; see docs/ranking-methodology.md)",
    "help_format": "output format (default: json)",
    "cannot_read": "{file}: cannot read file: {error}",
    "not_utf8": "{file}: the file is not UTF-8 text",
    "bad_data": "{file}: {error}",
}


def format_json(rows: list[dict[str, object]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def format_csv(rows: list[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=OUTPUT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in OUTPUT_FIELDS})
    return buf.getvalue()


def run_rank(args: argparse.Namespace) -> int:
    """Load both files, run the engine, print the table; 2 on any input problem."""
    try:
        methodology = load_methodology(args.method)
    except MethodologyError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        data = read_csv(args.data, methodology.unit_column)
        result = run(data, methodology)
    except UnicodeDecodeError:
        print(MESSAGES["not_utf8"].format(file=args.data), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        error = exc.strerror or exc
        print(MESSAGES["cannot_read"].format(file=args.data, error=error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except DataError as exc:
        print(MESSAGES["bad_data"].format(file=args.data, error=exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    for warning in result.warnings:
        print(f"{args.data}: {warning}", file=sys.stderr)
    rows = result.table()
    sys.stdout.write(format_csv(rows) if args.format == "csv" else format_json(rows))
    return 0


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``run`` subcommand to the subparsers of ``eco311 rank``."""
    parser = subparsers.add_parser(
        "run", help=MESSAGES["help_run"], description=MESSAGES["help_run"]
    )
    parser.add_argument("--data", required=True, metavar="DATA.csv", help=MESSAGES["help_data"])
    parser.add_argument(
        "--method", required=True, metavar="METHOD.yaml", help=MESSAGES["help_method"]
    )
    parser.add_argument(
        "--format", choices=("json", "csv"), default="json", help=MESSAGES["help_format"]
    )
    parser.set_defaults(func=run_rank)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eco311 rank")
    subparsers = parser.add_subparsers(dest="rank_command", required=True)
    register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
