"""Survey import benchmark: `uv run python bench/survey_import.py [--enterprises N]`.

Imports one generated workbook of N returns (default 100,000; one survey year) three ways, each
into a fresh, migrated database holding only the reference data (areas, industry codes):

- floor: python-calamine reads the sheet to rows, which go straight into the enterprise and
  return tables -- executemany on SQLite, COPY on PostgreSQL. No validation, no history, no
  comparison with what is stored: the least any import of that file can cost.
- naive: openpyxl (read-only) reads the sheet, a dict is built per row, and Django's
  bulk_create writes the enterprises and the returns. No validation, no history.
- eco311: `import_returns` as the web upload and `eco311 survey import` run it (read, validate,
  compare with the registry, write with history rows, ledger), first into the empty registry,
  then the same file again (idempotent: nothing changes, every return counts as unchanged).

Every measurement runs in its own process on its own copy of the database (a copied SQLite
file, or `CREATE DATABASE ... TEMPLATE` on PostgreSQL). The databases run side by side in one
run: SQLite always; PostgreSQL when DATABASE_URL is set, otherwise on a throwaway cluster
started with scripts/with-postgres (skipped, and said so, when the server binaries are absent).
Results are ratios measured in the same run -- eco311/floor (target: at most 2) and
naive/eco311 (target: at least 4) -- with absolute seconds for context; they are printed and
written to bench/results/survey_import.json.

    uv run python bench/survey_import.py                     # SQLite and PostgreSQL, 100,000
    uv run python bench/survey_import.py --enterprises 5000  # a quick run
    uv run python bench/survey_import.py --databases sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
YEAR = 2024
CASES = ("floor", "naive", "eco311")
TARGET_FULL_OVER_FLOOR = 2.0
TARGET_NAIVE_OVER_FULL = 4.0


# ---------------------------------------------------------------------------------------------
# Orchestration (no Django in this process)
# ---------------------------------------------------------------------------------------------


def make_workbook(path: Path, enterprises: int) -> float:
    from eco311.enterprises.survey.synthetic import PopulationSpec, generate
    from eco311.enterprises.survey.workbook import write_returns_workbook

    t0 = time.perf_counter()
    population = generate(PopulationSpec(enterprises=enterprises, years=(YEAR,)))
    write_returns_workbook(path, population.returns(YEAR), year=YEAR)
    return time.perf_counter() - t0


def child(case: str, workbook: Path, env: dict[str, str]) -> dict:
    """Run one case in a fresh process against the database ``env`` names; its JSON result."""
    proc = subprocess.run(
        [sys.executable, __file__, "--case", case, "--workbook", str(workbook)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"survey_import: case {case} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


class SQLiteDatabases:
    """Fresh databases as copies of one migrated file."""

    vendor = "sqlite"

    def __init__(self, root: Path):
        self.root = root
        self.template = root / "template.sqlite3"
        self.n = 0

    def env(self, path: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update(ECO311_DATA_DIR=str(self.root), ECO311_SQLITE=str(path))
        return env

    def prepare(self, workbook: Path) -> None:
        child("prepare", workbook, self.env(self.template))

    def fresh(self) -> dict[str, str]:
        self.n += 1
        path = self.root / f"run{self.n}.sqlite3"
        shutil.copyfile(self.template, path)
        return self.env(path)

    def drop(self, env: dict[str, str]) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(env["ECO311_SQLITE"] + suffix).unlink(missing_ok=True)


class PostgresDatabases:
    """Fresh databases made with CREATE DATABASE ... TEMPLATE on the DATABASE_URL server."""

    vendor = "postgresql"

    def __init__(self, url: str):
        self.url = url
        self.prefix = f"eco311_bench_{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self.n = 0

    def _url(self, name: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql)

    def env(self, name: str) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self._url(name)}

    def prepare(self, workbook: Path) -> None:
        self._admin(f'CREATE DATABASE "{self.template}"')
        child("prepare", workbook, self.env(self.template))

    def fresh(self) -> dict[str, str]:
        self.n += 1
        name = f"{self.prefix}_{self.n}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return {**self.env(name), "BENCH_DB_NAME": name}

    def drop(self, env: dict[str, str]) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{env["BENCH_DB_NAME"]}"')

    def close(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}"')


def run_on(dbs, workbook: Path, repeat: int, cases: Sequence[str] = CASES) -> dict:
    """Every case ``repeat`` times on fresh databases; medians."""
    dbs.prepare(workbook)
    runs: dict[str, list[dict]] = {case: [] for case in cases}
    for _ in range(repeat):
        for case in cases:
            env = dbs.fresh()
            try:
                runs[case].append(child(case, workbook, env))
            finally:
                dbs.drop(env)
    out: dict = {}
    for case, results in runs.items():
        out[case] = {
            key: statistics.median(r[key] for r in results) if isinstance(value, float) else value
            for key, value in results[0].items()
        }
        if len(results) > 1:
            out[case]["runs"] = [r["seconds"] for r in results]
    if set(cases) != set(CASES):
        return out
    floor, naive, full = out["floor"]["seconds"], out["naive"]["seconds"], out["eco311"]["seconds"]
    out["ratios"] = {
        "eco311_over_floor": full / floor,
        "naive_over_eco311": naive / full,
        "eco311_again_over_floor": out["eco311"]["again_seconds"] / floor,
    }
    out["targets_met"] = {
        "eco311_within_2x_floor": full / floor <= TARGET_FULL_OVER_FLOOR,
        "eco311_4x_faster_than_naive": naive / full >= TARGET_NAIVE_OVER_FULL,
    }
    return out


def run_postgres_elsewhere(args, workbook: Path) -> dict | None:
    """Run the PostgreSQL half under scripts/with-postgres (a throwaway cluster)."""
    out = workbook.with_name("postgresql.json")
    cmd = [
        str(REPO / "scripts" / "with-postgres"),
        sys.executable,
        __file__,
        "--databases",
        "postgresql",
        "--workbook",
        str(workbook),
        "--enterprises",
        str(args.enterprises),
        "--repeat",
        str(args.repeat),
        "--cases",
        args.cases,
        "--json",
        str(out),
    ]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.run(cmd, env=env, check=False)
    if proc.returncode == 3:
        print("survey_import: PostgreSQL skipped (no server binaries)", file=sys.stderr)
        return None
    if proc.returncode != 0:
        raise SystemExit("survey_import: the PostgreSQL run failed")
    return json.loads(out.read_text())["postgresql"]


def report(results: dict, enterprises: int) -> None:
    dbs = list(results)
    rows = [
        ("floor: calamine + executemany / COPY", lambda r: r["floor"]["seconds"], "s"),
        ("naive: openpyxl + bulk_create", lambda r: r["naive"]["seconds"], "s"),
        ("eco311 import, first (empty registry)", lambda r: r["eco311"]["seconds"], "s"),
        ("  of which read + validate", lambda r: r["eco311"]["check_seconds"], "s"),
        ("eco311 import, again (nothing changes)", lambda r: r["eco311"]["again_seconds"], "s"),
        ("eco311 / floor  (target <= 2)", lambda r: r["ratios"]["eco311_over_floor"], "x"),
        ("naive / eco311  (target >= 4)", lambda r: r["ratios"]["naive_over_eco311"], "x"),
    ]
    width = max(len(label) for label, _f, _u in rows)
    print(f"\nsurvey import of {enterprises:,} returns")
    print(" " * width + "".join(f"{db:>14}" for db in dbs))
    for label, get, unit in rows:
        cells = ""
        for db in dbs:
            try:
                cells += f"{get(results[db]):>12.2f} {unit}"
            except KeyError:
                cells += f"{'-':>14}"
        print(f"{label:<{width}}{cells}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (median)")
    parser.add_argument("--workbook", type=Path, help="use this workbook instead of generating")
    parser.add_argument("--json", type=Path, help="write the results here (default: bench/results)")
    parser.add_argument(
        "--cases", default=",".join(CASES), help="a subset of floor,naive,eco311 (no ratios)"
    )
    parser.add_argument("--case", choices=("prepare", *CASES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        return run_case(args.case, args.workbook)

    cases = args.cases.split(",")
    if not set(cases) <= set(CASES):
        parser.error(f"--cases: choose from {', '.join(CASES)}")
    root = Path(tempfile.mkdtemp(prefix="eco311-bench-import-"))
    try:
        workbook = args.workbook
        if workbook is None:
            workbook = root / f"returns-{args.enterprises}.xlsx"
            secs = make_workbook(workbook, args.enterprises)
            print(
                f"generated {workbook.name} ({workbook.stat().st_size / 1e6:.1f} MB) in {secs:.1f} s"
            )
        results: dict[str, dict] = {}
        for db in args.databases.split(","):
            if db == "sqlite":
                results["sqlite"] = run_on(SQLiteDatabases(root), workbook, args.repeat, cases)
            elif db == "postgresql" and os.environ.get("DATABASE_URL"):
                pg = PostgresDatabases(os.environ["DATABASE_URL"])
                try:
                    results["postgresql"] = run_on(pg, workbook, args.repeat, cases)
                finally:
                    pg.close()
            elif db == "postgresql":
                found = run_postgres_elsewhere(args, workbook)
                if found is not None:
                    results["postgresql"] = found
            else:
                parser.error(f"unknown database {db!r}")
        # Ratios are measured in one run, but other work on the machine still skews them.
        load = os.getloadavg()[0]
        payload = {"enterprises": args.enterprises, "year": YEAR, "load_at_end": load, **results}
        if args.json:
            args.json.write_text(json.dumps(payload, indent=2))
            return 0  # the caller reports
        out = HERE / "results"
        out.mkdir(exist_ok=True)
        (out / "survey_import.json").write_text(json.dumps(payload, indent=2))
        report(results, args.enterprises)
        print(f"(load average at the end: {load:.2f} on {os.cpu_count()} cores)")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


# ---------------------------------------------------------------------------------------------
# The cases (each in its own process, with Django set up against a fresh database)
# ---------------------------------------------------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eco311.settings")
    import django

    django.setup()


def run_case(case: str, workbook: Path) -> int:
    _django()
    if case == "prepare":
        result = prepare()
    else:
        result = {"floor": floor, "naive": naive, "eco311": eco311}[case](workbook)
        check_loaded(result.pop("expected"))
    print(json.dumps(result))
    return 0


def prepare() -> dict:
    from django.core.management import call_command
    from django.db import connection

    from eco311.enterprises.reference import load_industry_codes
    from eco311.geo.loader import load_areas

    call_command("migrate", verbosity=0)
    load_areas()
    load_industry_codes()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return {}


def check_loaded(expected: int) -> None:
    from eco311.enterprises.models import AnnualReturn, Enterprise

    found = (Enterprise.objects.count(), AnnualReturn.objects.filter(year=YEAR).count())
    if found != (expected, expected):
        raise SystemExit(f"expected {expected} enterprises and returns, found {found}")


def _mapping():
    """What every pipeline needs to turn a row into table rows: the template's columns, the
    labels of the choices, and the ids of the reference rows."""
    from eco311.enterprises.models import AnnualReturn, Enterprise, IndustryCode
    from eco311.enterprises.survey.dictionary import load_dictionary
    from eco311.geo.models import Area

    d = load_dictionary()
    labels = {}
    for f in d.fields:
        if f.type in ("enum", "bool") and f.values_from is None:
            labels[f.key] = {label.get("zh"): value for value, label in f.options()}
    return {
        "keys": [f.key for f in d.fields],
        "types": {f.key: f.type for f in d.fields},
        "labels": labels,
        "cities": dict(Area.objects.filter(kind="city").values_list("code", "id")),
        "parks": dict(Area.objects.filter(kind="park").values_list("key", "id")),
        "industries": dict(IndustryCode.objects.values_list("code", "id")),
        "enterprise": [f.attname for f in Enterprise._meta.concrete_fields if not f.primary_key],
        "return": [f.attname for f in AnnualReturn._meta.concrete_fields if not f.primary_key],
    }


def floor(workbook: Path) -> dict:
    """The fast reader alone plus a raw bulk insert of the two tables.

    The rows are converted column by column (list comprehensions over the transposed sheet,
    zip to rows): choice labels to values, blank cells to NULL, whole numbers to int (COPY
    wants them so), the reference codes to ids. Nothing is checked.
    """
    from itertools import repeat

    from django.db import connection, transaction
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from eco311.enterprises.models import AnnualReturn, Enterprise

    m = _mapping()
    keys, types, labels = m["keys"], m["types"], m["labels"]
    cities, parks, industries = m["cities"], m["parks"], m["industries"]
    t0 = time.perf_counter()
    sheet = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("年报 Returns")
    data = sheet.to_python(skip_empty_area=False)[2:]
    t_read = time.perf_counter() - t0

    raw = dict(zip(keys, zip(*data, strict=True), strict=True))
    now = connection.ops.adapt_datetimefield_value(timezone.now())

    def column(key):
        values, kind, choices = raw[key], types[key], labels.get(key)
        if choices is not None:
            blank = False if kind == "bool" else ""
            return [choices.get(x, blank) for x in values]
        if kind == "integer":
            return [None if x == "" else int(x) for x in values]
        if kind == "decimal":
            return [None if x == "" else x for x in values]
        return values

    common = {
        "synthetic": repeat(False),
        "created_on": repeat(now),
        "modified_on": repeat(now),
        "created_by_id": repeat(None),
        "modified_by_id": repeat(None),
    }
    enterprise = {
        **common,
        "uscc": raw["uscc"],
        "name": raw["name"],
        "city_id": [cities[x] for x in raw["city_code"]],
        "county_code": raw["county_code"],
        "park_id": [parks.get(x) for x in raw["park_key"]],
        "industry_id": [industries[x] for x in raw["industry_code"]],
        "segment": column("segment"),
        "main_products": raw["main_products"],
    }

    def insert(cursor, table, columns):
        names = ", ".join(columns)
        rows = list(zip(*columns.values(), strict=False))  # the constants repeat forever
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    with transaction.atomic(), connection.cursor() as cursor:
        insert(cursor, Enterprise._meta.db_table, {c: enterprise[c] for c in m["enterprise"]})
        cursor.execute(f"SELECT uscc, id FROM {Enterprise._meta.db_table}")
        ids = dict(cursor.fetchall())
        returns = {
            **common,
            "enterprise_id": [ids[x] for x in raw["uscc"]],
            "year": repeat(YEAR),
            "status": repeat("submitted"),
            "batch_id": repeat(None),
        }
        insert(
            cursor,
            AnnualReturn._meta.db_table,
            {c: returns[c] if c in returns else column(c) for c in m["return"]},
        )
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "read_seconds": t_read, "expected": len(data)}


def naive(workbook: Path) -> dict:
    """openpyxl, a dict per row, Django's bulk_create: what one would write first."""
    from django.db import transaction
    from openpyxl import load_workbook

    from eco311.enterprises.models import AnnualReturn, Enterprise

    m = _mapping()
    keys, types, labels = m["keys"], m["types"], m["labels"]
    cities, parks, industries = m["cities"], m["parks"], m["industries"]
    return_fields = [k for k in keys if k in {f.name for f in AnnualReturn._meta.concrete_fields}]
    return_fields.remove("year")
    return_fields.remove("major_violation")
    t0 = time.perf_counter()
    wb = load_workbook(workbook, read_only=True)
    records = []
    for values in wb["年报 Returns"].iter_rows(min_row=3, values_only=True):
        record = {}
        for key, value in zip(keys, values, strict=False):
            if value is not None and key in labels:
                value = labels[key].get(value)
            elif value is not None and types[key] == "integer":
                value = int(value)
            record[key] = value
        records.append(record)
    wb.close()
    with transaction.atomic():
        Enterprise.objects.bulk_create(
            Enterprise(
                uscc=r["uscc"],
                name=r["name"],
                city_id=cities[r["city_code"]],
                county_code=r["county_code"] or "",
                park_id=parks.get(r["park_key"]),
                industry_id=industries[r["industry_code"]],
                segment=r["segment"],
                main_products=r["main_products"] or "",
            )
            for r in records
        )
        ids = dict(Enterprise.objects.values_list("uscc", "id"))
        AnnualReturn.objects.bulk_create(
            AnnualReturn(
                enterprise_id=ids[r["uscc"]],
                year=int(r["year"]),
                **{
                    f: (
                        r[f]
                        if r[f] is not None or f not in ("main_product_unit", "credit_rating")
                        else ""
                    )
                    for f in return_fields
                },
                major_violation=bool(r["major_violation"]),
            )
            for r in records
        )
    return {"seconds": time.perf_counter() - t0, "expected": len(records)}


def eco311(workbook: Path) -> dict:
    """import_returns into the empty registry, then the same file again."""
    from eco311.enterprises import importer
    from eco311.enterprises.models import AnnualReturn, Enterprise
    from eco311.enterprises.survey.dictionary import load_dictionary

    checked = []
    check_workbook = importer.check_workbook

    def timed_check(*args, **kwargs):
        t = time.perf_counter()
        try:
            return check_workbook(*args, **kwargs)
        finally:
            checked.append(time.perf_counter() - t)

    importer.check_workbook = timed_check
    load_dictionary()  # what a running server has cached (the floor and naive load it too)
    t0 = time.perf_counter()
    first = importer.import_returns(workbook.read_bytes(), year=YEAR, file_name=workbook.name)
    seconds = time.perf_counter() - t0
    if not first.ok:
        raise SystemExit(f"import rejected: {[e.message('en') for e in first.errors[:5]]}")
    n = first.batch.created
    history = (Enterprise.history.count(), AnnualReturn.history.count())
    if history != (n, n):
        raise SystemExit(f"expected {n} history rows per table, found {history}")
    t0 = time.perf_counter()
    again = importer.import_returns(workbook.read_bytes(), year=YEAR, file_name=workbook.name)
    again_seconds = time.perf_counter() - t0
    b = again.batch
    if (b.created, b.updated, b.unchanged) != (0, 0, n):
        raise SystemExit(f"second import changed something: {b.created}, {b.updated}")
    if (Enterprise.history.count(), AnnualReturn.history.count()) != history:
        raise SystemExit("second import wrote history rows")
    return {
        "seconds": seconds,
        "check_seconds": checked[0],
        "again_seconds": again_seconds,
        "again_check_seconds": checked[1],
        "expected": n,
    }


if __name__ == "__main__":
    sys.exit(main())
