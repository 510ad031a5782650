"""``eco311 chains complexity --data LONG.csv [--format json]``.

Reads a long table (columns ``time, loc, prod, val``; one time period, or the latest one is
used) and prints the regional-specialisation measures of chains/complexity.py as JSON:
``{"loc_prod": [{loc, prod, rca, mcp, density, cog}], "loc": [{loc, diversity, eci, coi}],
"prod": [{prod, ubiquity, pci}]}``. It needs neither Django nor a database, so the measures can
be checked on any table. A bad file prints a located message in Chinese and English to stderr,
nothing on stdout, and exits with status 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from contextlib import contextmanager

from eco311.chains import complexity

EXIT_BAD_INPUT = 2
COLUMNS = ("time", "loc", "prod", "val")


class InputError(Exception):
    pass


@contextmanager
def reading(path: str):
    """Turn a file that cannot be read, or is not UTF-8, into one bilingual InputError."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}：不是 UTF-8 文本 / {path}: the file is not UTF-8 text") from exc
    except OSError as exc:
        raise InputError(
            f"{path}：无法读取（{exc.strerror}） / {path}: cannot read it ({exc.strerror})"
        ) from exc


def read_long(path: str) -> tuple[str, list[tuple[str, str, float]]]:
    """The rows of the latest period in ``path``: (period, [(loc, prod, val)]). Keys are read
    as text (product codes keep their leading zeros)."""
    with reading(path), open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                f"{path}：缺少列 {', '.join(missing)}（应为 time, loc, prod, val）"
                f" / {path}: missing column(s) {', '.join(missing)}"
                " (expected time, loc, prod, val)"
            )
        by_time: dict[str, list] = {}
        for line, row in enumerate(reader, start=2):
            try:
                val = float(row["val"])
            except (TypeError, ValueError):
                val = math.nan
            if not math.isfinite(val) or val < 0:
                raise InputError(
                    f"{path}:{line}：val 应为非负数字，而不是 {row['val']!r}"
                    f" / {path}:{line}: val must be a non-negative number, "
                    f"not {row['val']!r}"
                )
            if not row["loc"] or not row["prod"]:
                raise InputError(
                    f"{path}:{line}：loc 和 prod 不能为空 / {path}:{line}: loc and prod "
                    "must not be empty"
                )
            by_time.setdefault(row["time"], []).append((row["loc"], row["prod"], val))
    if not by_time:
        raise InputError(f"{path}：没有数据行 / {path}: no data rows")
    latest = max(by_time, key=lambda t: (len(t), t))
    return latest, by_time[latest]


def run_complexity(args: argparse.Namespace) -> int:
    try:
        period, rows = read_long(args.data)
        result = complexity.from_rows(rows)
    except (InputError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    out = {"time": period, **result.as_dict()}
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``complexity`` to the subparsers of ``eco311 chains``."""
    help_text = "regional specialisation: RCA, density, ECI/PCI, COI/COG (py-ecomplexity's)"
    parser = subparsers.add_parser("complexity", help=help_text, description=help_text)
    parser.add_argument(
        "--data", required=True, metavar="LONG.csv", help="columns time, loc, prod, val (UTF-8)"
    )
    parser.add_argument("--format", choices=("json",), default="json")
    parser.set_defaults(func=run_complexity)
    from eco311.chains import classify_cli  # the placement scorer's subcommands

    classify_cli.register(subparsers)
    return parser
