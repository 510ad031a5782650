"""Search benchmark: `uv run python bench/search.py [--enterprises N] [--repeat R]`.

A fresh database (SQLite, then PostgreSQL from scripts/with-postgres; skipped when the server
binaries are absent) gets the shipped plans and a synthetic population of --enterprises
(default 100,000) enterprises with their former names, written with raw bulk inserts (not timed);
``search.index.reindex()`` builds the index (timed once). Then typical queries are timed, median
of --repeat runs each:

* ``index``: the enterprise part of a search as the page runs it (search/query.py: the title
  tokens, then all tokens, in the administrator's scope, the first 6 ids, i.e. 5 shown + "more");
* ``page``: the whole search of the page for every kind (targets, enterprises, reports,
  notices) with the objects and the snippets, as the administrator and as a city bureau;
* the baseline, measured in the same run on the same table: the naive way, a LIKE '%q%' scan
  of the enterprise name, credit code and products and of the former names (Django's
  ``icontains``), the first 6 ids.

The queries: a two-character word (环保, in most names), a four-character word (土壤修复), a
credit-code fragment, a former name, and a query nothing matches (the worst case of a scan).
Target: the page's search under 100 ms on both databases. Results are printed and written to
bench/results/search.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _child import run_child as run_in_database  # noqa: E402  (bench/ is not a package)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGET_MS = 100.0
LIMIT = 5


def load_database(enterprises: int) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from eco311.enterprises.models import Enterprise, FormerName, IndustryCode
    from eco311.enterprises.reference import load_industry_codes
    from eco311.enterprises.survey.synthetic import PopulationSpec, generate
    from eco311.geo.loader import load_areas
    from eco311.geo.models import Area
    from eco311.plans.loader import load_plan
    from eco311.plans.planfile import plan_files

    call_command("migrate", verbosity=0)
    load_areas()
    load_industry_codes()
    for path in plan_files():
        load_plan(str(path))
    pop = generate(PopulationSpec(enterprises=enterprises, years=(2024,)))
    cities = dict(Area.objects.filter(kind="city").values_list("code", "id"))
    parks = dict(Area.objects.filter(kind="park").values_list("key", "id"))
    industries = dict(IndustryCode.objects.values_list("code", "id"))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    cols = [f.attname for f in Enterprise._meta.concrete_fields if not f.primary_key]
    rows = [
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
            for c in cols
        )
        for e in pop.enterprises
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        table, names = Enterprise._meta.db_table, ", ".join(cols)
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(cols))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        ids = dict(Enterprise.objects.values_list("uscc", "id"))
        former = [
            FormerName(enterprise_id=ids[e.uscc], name=n["name"])
            for e in pop.enterprises
            for n in e.former_names
        ]
        FormerName.objects.bulk_create(former, batch_size=2000)
    renamed = next(e for e in pop.enterprises[len(pop.enterprises) // 2 :] if e.former_names)
    sample = pop.enterprises[len(pop.enterprises) // 3]
    return {
        "enterprises": len(rows),
        "former_names": len(former),
        # The distinctive part of a former name: its trade name and trade words, no city, no
        # "有限公司（合成）" that every name has.
        "former_name": renamed.former_names[0]["name"][2:8],
        "uscc_fragment": sample.uscc[5:13],
        "jinan": cities["370100"],
    }


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, result


def run_child(args) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eco311.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Q

    from eco311.accounts.scopes import Actor
    from eco311.enterprises.models import Enterprise, FormerName
    from eco311.geo.models import Area
    from eco311.search import index
    from eco311.search.query import matching_ids, search
    from eco311.search.tokenise import parse

    loaded = load_database(args.enterprises)
    t0 = time.perf_counter()
    index.reindex()
    reindex_seconds = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    admin = Actor(role="admin")
    jinan = loaded["jinan"]
    city = Actor(
        role="city",
        area_id=jinan,
        area_ids={jinan, *Area.objects.filter(parent_id=jinan).values_list("pk", flat=True)},
    )
    queries = {
        "2-char word": "环保",
        "4-char word": "土壤修复",
        "credit-code fragment": loaded["uscc_fragment"],
        "former name": loaded["former_name"],
        "no hit": "不存在的词语",
    }

    def baseline(q):
        former = FormerName.objects.filter(name__icontains=q).values("enterprise_id")
        qs = Enterprise.objects.filter(
            Q(name__icontains=q)
            | Q(uscc__icontains=q)
            | Q(main_products__icontains=q)
            | Q(pk__in=former)
        ).order_by()
        return list(qs.values_list("pk", flat=True)[: LIMIT + 1])

    rows = []
    for label, text in queries.items():
        q = parse(text)
        index_ms, ids = timed(
            lambda q=q: matching_ids(admin, "enterprise", q, LIMIT + 1)[0], args.repeat
        )
        base_ms, base_ids = timed(lambda text=text: baseline(text), args.repeat)
        page_ms, _ = timed(lambda q=q: search(admin, q, limit=LIMIT), args.repeat)
        city_ms, _ = timed(lambda q=q: search(city, q, limit=LIMIT), args.repeat)
        rows.append(
            {
                "query": label,
                "text": text,
                "hits": len(ids),
                "baseline_hits": len(base_ids),
                "index_ms": index_ms,
                "baseline_like_ms": base_ms,
                "ratio_index_to_baseline": index_ms / base_ms if base_ms else None,
                "page_admin_ms": page_ms,
                "page_city_ms": city_ms,
            }
        )
    worst = max(max(r["page_admin_ms"], r["page_city_ms"]) for r in rows)
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "enterprises": loaded["enterprises"],
                "former_names": loaded["former_names"],
                "reindex_seconds": reindex_seconds,
                "queries": rows,
                "worst_page_ms": worst,
                "target_met": worst < TARGET_MS,
            }
        )
    )
    return 0


def in_database(args, database: str) -> dict | None:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--enterprises",
        str(args.enterprises),
        "--repeat",
        str(args.repeat),
    ]
    return run_in_database("search", cmd, database)


def report(results: dict) -> None:
    for db, r in results.items():
        print(
            f"\nsearch on {db}: {r['enterprises']:,} enterprises, {r['former_names']:,} former "
            f"names; index built in {r['reindex_seconds']:.1f} s"
        )
        print(
            f"  {'query':<22}{'hits':>5}{'index':>10}{'LIKE scan':>11}{'ratio':>8}"
            f"{'page admin':>12}{'page city':>11}"
        )
        for q in r["queries"]:
            ratio = q["ratio_index_to_baseline"]
            print(
                f"  {q['query']:<22}{q['hits']:>5}{q['index_ms']:>8.1f}ms"
                f"{q['baseline_like_ms']:>9.1f}ms{ratio:>8.2f}"
                f"{q['page_admin_ms']:>10.1f}ms{q['page_city_ms']:>9.1f}ms"
            )
        met = "met" if r["target_met"] else "NOT met"
        print(
            f"  slowest page search {r['worst_page_ms']:.1f} ms (target < {TARGET_MS:.0f} ms: {met})"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_child(args)
    results = {}
    for db in filter(None, args.databases.split(",")):
        if db not in ("sqlite", "postgresql"):
            parser.error(f"unknown database {db!r}")
        found = in_database(args, db)
        if found is not None:
            results[db] = found
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "search.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
