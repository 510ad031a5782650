"""KPI benchmark: `uv run python bench/kpi.py [--enterprises N] [--years 2021-2025]`.

The synthetic population (default 100,000 enterprises over 2021-2025, about 470,000 returns
with entries and exits) is measured two ways:

1. The engine. The returns become a ReturnsTable with ``from_columns``, from plain Python
   columns as a database load gives them (ids, codes, floats and None, tag sets); then
   ``compute()`` evaluates every indicator for every scope and year. Each run computes on a
   freshly built table (no cached masks), median of --repeat runs. The baseline, measured in
   the same run, is numpy summing the same table's value arrays once (``nansum`` of every
   column): compute / baseline says how many plain passes over the data the whole indicator
   set costs. Target: compute under 1 s.
2. End to end: ``kpis.recompute()`` (load the approved returns and the tags from the database,
   compute, replace the stored IndicatorValue rows) against a fresh database holding that
   population, on SQLite and on PostgreSQL (DATABASE_URL, else a throwaway cluster from
   scripts/with-postgres; skipped when the server binaries are absent). The population is
   written with raw bulk inserts (not timed); recompute is timed --recompute-repeat times
   (median), with its parts: loading the table, computing, storing.

Results are printed and written to bench/results/kpi.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _child import run_child as run_in_database  # noqa: E402  (bench/ is not a package)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGET_COMPUTE_SECONDS = 1.0


def years_of(text: str) -> tuple[int, ...]:
    first, _, last = text.partition("-")
    return tuple(range(int(first), int(last or first) + 1))


def population(enterprises: int, years: tuple[int, ...]):
    from eco311.enterprises.survey.synthetic import PopulationSpec, generate

    return generate(PopulationSpec(enterprises=enterprises, years=years))


def active_tags(pop) -> dict[tuple[str, int], set[str]]:
    """(uscc, year) -> the tags in force at the year's end."""
    out: dict[tuple[str, int], set[str]] = {}
    for e in pop.enterprises:
        for y in pop.years if e.tags else ():
            end = date(y, 12, 31).isoformat()
            kinds = {
                t["kind"]
                for t in e.tags
                if t["granted_on"] <= end and (t["revoked_on"] is None or t["revoked_on"] > end)
            }
            if kinds:
                out[(e.uscc, y)] = kinds
    return out


# ---------------------------------------------------------------------------------------------
# 1. The engine (no database)
# ---------------------------------------------------------------------------------------------


def engine(pop, repeat: int) -> dict:
    import numpy as np

    from eco311.enterprises.kpi import ReturnsTable, ScopeMap, compute, load_indicators
    from eco311.enterprises.kpi.definitions import BASE_FIELDS

    scopes = ScopeMap.from_areas()
    indicators = load_indicators()
    tags = active_tags(pop)
    ids = {e.uscc: i + 1 for i, e in enumerate(pop.enterprises)}
    rows = list(pop.all_returns())
    columns = {
        "enterprise": [ids[r["uscc"]] for r in rows],
        "year": [r["year"] for r in rows],
        "city_code": [r["city_code"] for r in rows],
        "park_key": [r["park_key"] for r in rows],
        "cluster_key": [scopes.cluster_of_city(r["city_code"]) for r in rows],
        "segment": [r["segment"] for r in rows],
        **{f: [r[f] for r in rows] for f in BASE_FIELDS},
        "major_violation": [r["major_violation"] for r in rows],
        "tags": [tags.get((r["uscc"], r["year"]), set()) for r in rows],
    }
    del rows

    builds, computes, sums = [], [], []
    values = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        table = ReturnsTable.from_columns(columns)
        t1 = time.perf_counter()
        values = compute(table, indicators, scopes=scopes)
        t2 = time.perf_counter()
        builds.append(t1 - t0)
        computes.append(t2 - t1)
        t3 = time.perf_counter()
        for arr in table.values.values():
            np.nansum(arr)
        sums.append(time.perf_counter() - t3)
    seconds = statistics.median(computes)
    baseline = statistics.median(sums)
    return {
        "returns": len(table),
        "enterprises": len(pop.enterprises),
        "years": list(pop.years),
        "indicators": len(list(indicators)),
        "values": len(values),
        "from_columns_seconds": statistics.median(builds),
        "compute_seconds": seconds,
        "baseline_numpy_sum_seconds": baseline,
        "ratio_compute_to_numpy_sum": seconds / baseline,
        "target_met": seconds < TARGET_COMPUTE_SECONDS,
    }


# ---------------------------------------------------------------------------------------------
# 2. End to end against a database (in a child process with Django set up)
# ---------------------------------------------------------------------------------------------


def load_database(pop) -> dict:
    """Write the population (enterprises, approved returns, tags) with raw bulk inserts."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from eco311.enterprises.models import AnnualReturn, Enterprise, IndustryCode, Tag
    from eco311.enterprises.reference import load_industry_codes
    from eco311.geo.loader import load_areas
    from eco311.geo.models import Area

    call_command("migrate", verbosity=0)
    load_areas()
    load_industry_codes()
    cities = dict(Area.objects.filter(kind="city").values_list("code", "id"))
    parks = dict(Area.objects.filter(kind="park").values_list("key", "id"))
    industries = dict(IndustryCode.objects.values_list("code", "id"))
    now = connection.ops.adapt_datetimefield_value(timezone.now())

    def insert(cursor, model, columns, rows):
        table = model._meta.db_table
        names = ", ".join(columns)
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        ent_cols = [f.attname for f in Enterprise._meta.concrete_fields if not f.primary_key]
        insert(
            cursor,
            Enterprise,
            ent_cols,
            [
                tuple(
                    {
                        "uscc": e.uscc,
                        "name": e.name,
                        "city_id": cities[e.city_code],
                        "county_code": e.county_code or "",
                        "park_id": parks.get(e.park_key) if e.park_key else None,
                        "industry_id": industries[e.industry_code],
                        "segment": e.segment,
                        "main_products": e.main_products or "",
                        "synthetic": True,
                        "created_on": now,
                        "modified_on": now,
                        "created_by_id": None,
                        "modified_by_id": None,
                    }[c]
                    for c in ent_cols
                )
                for e in pop.enterprises
            ],
        )
        ids = dict(Enterprise.objects.values_list("uscc", "id"))
        ret_cols = [f.attname for f in AnnualReturn._meta.concrete_fields if not f.primary_key]
        fixed = {
            "status": AnnualReturn.Status.APPROVED,
            "batch_id": None,
            "synthetic": True,
            "created_on": now,
            "modified_on": now,
            "created_by_id": None,
            "modified_by_id": None,
        }
        rows = []
        for r in pop.all_returns():
            r = {**r, **fixed, "enterprise_id": ids[r["uscc"]]}
            r["main_product_unit"] = r["main_product_unit"] or ""
            r["credit_rating"] = r["credit_rating"] or ""
            rows.append(tuple(r[c] for c in ret_cols))
        insert(cursor, AnnualReturn, ret_cols, rows)
        tags = [
            Tag(
                enterprise_id=ids[e.uscc],
                kind=t["kind"],
                stage=t.get("stage") or "",
                granted_on=date.fromisoformat(t["granted_on"]),
                revoked_on=date.fromisoformat(t["revoked_on"]) if t.get("revoked_on") else None,
            )
            for e in pop.enterprises
            for t in e.tags
        ]
        Tag.objects.bulk_create(tags, batch_size=2000)
    return {"load_seconds": time.perf_counter() - t0, "returns": len(rows), "tags": len(tags)}


def recompute(pop, repeat: int) -> dict:
    from eco311.enterprises import kpis
    from eco311.enterprises.models import IndicatorValue

    loaded = load_database(pop)
    parts: dict[str, list[float]] = {"returns_table": [], "compute": [], "store": []}
    totals = []
    table_of, compute_of = kpis.returns_table, kpis.compute

    def timed(name, fn):
        def run(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                parts[name].append(time.perf_counter() - t)

        return run

    kpis.returns_table = timed("returns_table", table_of)
    kpis.compute = timed("compute", compute_of)
    stored = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        stored = kpis.recompute()
        totals.append(time.perf_counter() - t0)
        parts["store"].append(totals[-1] - parts["returns_table"][-1] - parts["compute"][-1])
    assert IndicatorValue.objects.count() == stored
    return {
        **loaded,
        "values_stored": stored,
        "recompute_seconds": statistics.median(totals),
        **{f"{name}_seconds": statistics.median(runs) for name, runs in parts.items()},
    }


def run_child(args) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eco311.settings")
    import django

    django.setup()
    from django.db import connection

    result = recompute(population(args.enterprises, years_of(args.years)), args.recompute_repeat)
    result["vendor"] = connection.vendor
    print(json.dumps(result))
    return 0


def end_to_end(args, database: str) -> dict | None:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--enterprises",
        str(args.enterprises),
        "--years",
        args.years,
        "--recompute-repeat",
        str(args.recompute_repeat),
    ]
    return run_in_database("kpi", cmd, database)


def report(results: dict) -> None:
    e = results["engine"]
    print(
        f"\nKPI engine, {e['enterprises']:,} enterprises x {len(e['years'])} years "
        f"= {e['returns']:,} returns, {e['indicators']} indicators -> {e['values']:,} values"
    )
    print(f"  ReturnsTable.from_columns  {e['from_columns_seconds']:8.3f} s")
    print(
        f"  compute()                  {e['compute_seconds']:8.3f} s   (target < 1 s: "
        f"{'met' if e['target_met'] else 'NOT met'})"
    )
    print(f"  baseline: numpy sums       {e['baseline_numpy_sum_seconds']:8.3f} s")
    print(f"  compute / baseline         {e['ratio_compute_to_numpy_sum']:8.1f} x")
    dbs = [db for db in ("sqlite", "postgresql") if db in results]
    if not dbs:
        return
    print("\nkpis.recompute() end to end" + " " * 3 + "".join(f"{db:>12}" for db in dbs))
    for label, key in (
        ("  total", "recompute_seconds"),
        ("  of which: load returns", "returns_table_seconds"),
        ("            compute", "compute_seconds"),
        ("            store values", "store_seconds"),
        ("(population load, untimed)", "load_seconds"),
    ):
        print(f"{label:<30}" + "".join(f"{results[db][key]:>10.2f} s" for db in dbs))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--years", default="2021-2025")
    parser.add_argument("--repeat", type=int, default=5, help="engine runs (median)")
    parser.add_argument("--recompute-repeat", type=int, default=3)
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="for recompute; '' for the engine only"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_child(args)

    results: dict = {
        "engine": engine(population(args.enterprises, years_of(args.years)), args.repeat)
    }
    for db in filter(None, args.databases.split(",")):
        if db not in ("sqlite", "postgresql"):
            parser.error(f"unknown database {db!r}")
        found = end_to_end(args, db)
        if found is not None:
            results[db] = found
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "kpi.json").write_text(json.dumps(results, indent=2))
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
