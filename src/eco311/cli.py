"""The `eco311` console command.

Subcommands that only compute (`progress measure`) run without Django; the others set Django up
first. `eco311 manage ...` passes through to Django's management commands.
"""

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eco311.settings")
    import django

    from eco311.core.env import SettingsError

    try:
        django.setup()
    except SettingsError as exc:  # e.g. no SECRET_KEY in production: say what to set, and stop
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def cmd_plan_load(args) -> int:
    _django()
    from eco311.plans.loader import PlanLoadError, load_plan
    from eco311.plans.planfile import plan_files

    names = [str(p) for p in plan_files()] if args.all or not args.plans else args.plans
    try:
        for name in names:
            r = load_plan(name)
            print(
                f"{r.plan_key}: {r.created} created, {r.updated} updated, "
                f"{r.unchanged} unchanged, {r.deactivated} deactivated"
            )
    except PlanLoadError as exc:
        return _fail("\n".join(exc.messages))
    return 0


def cmd_plan_export(args) -> int:
    _django()
    from eco311.plans.export import export_plan
    from eco311.plans.models import Plan

    plan = Plan.objects.filter(key=args.plan).first()
    if plan is None:
        return _fail(f"{args.plan}: no such plan (load it with `eco311 plan load {args.plan}`)")
    json.dump(export_plan(plan), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_plan_check(args) -> int:
    """Validate every shipped plan file, and its source sentences when the seeds are at hand."""
    from eco311.geo.areafile import load_area_file
    from eco311.plans import planfile

    areas = {a.key for a in load_area_file().areas}
    seeds = Path(args.seeds) if args.seeds else None
    problems = []
    for path in planfile.plan_files():
        try:
            spec = planfile.load_plan_file(path)
        except planfile.PlanFileError as exc:
            problems.extend(exc.messages)
            continue
        problems.extend(planfile.check_areas(spec, areas))
        if seeds:
            source = (seeds / spec.plan.source_file).read_text(encoding="utf-8")
            problems.extend(planfile.check_sources(spec, source))
        print(f"{path.name}: {sum(1 for _ in spec.iter_targets())} targets")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


def cmd_evaluate(args) -> int:
    _django()
    from eco311.plans.models import Plan
    from eco311.reports.build import build_report
    from eco311.reports.render import filename, render

    if args.draft or args.issued:
        # A stored report: a draft with its narrative, or an issued one from its snapshot.
        from eco311.evaluation.issue import report_for
        from eco311.evaluation.models import EvaluationDraft

        stored = (
            EvaluationDraft.objects.filter(pk=args.draft).first()
            if args.draft
            else EvaluationDraft.objects.filter(issue_number=args.issued).first()
        )
        if stored is None:
            return _fail(f"{args.draft or args.issued}: no such evaluation report")
        report = report_for(stored, args.lang)
    else:
        plan = Plan.objects.filter(key=args.plan).first()
        if plan is None:
            return _fail(f"{args.plan}: no such plan")
        try:
            as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
        except ValueError:
            return _fail(f"--as-of {args.as_of}: expected a date such as 2025-06-30")
        report = build_report(plan, as_of, args.lang)
    body = render(report, args.format)
    out = Path(args.output) if args.output else Path(filename(report, args.format))
    out.write_bytes(body)
    print(out)
    return 0


def _as_of_arg(raw: str | None):
    """The --as-of date, or None for the default; a bad one says where, in both languages."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"--as-of {raw}: 不是有效日期，应为 2025-06-30 这样的日期 / "
            "not a valid date: expected a date such as 2025-06-30"
        ) from None


def cmd_remind(args) -> int:
    """The reminders the schedule says are due: listed, and sent unless --dry-run."""
    try:
        as_of = _as_of_arg(args.as_of)
    except ValueError as exc:
        return _fail(str(exc))
    _django()
    from eco311.supervision import auto
    from eco311.supervision.schedule import ScheduleError, load_schedule

    try:
        schedule = load_schedule(args.schedule) if args.schedule else load_schedule()
    except ScheduleError as exc:
        return _fail(str(exc))
    result = auto.run(as_of, dry_run=args.dry_run, schedule=schedule)
    rows = auto.as_rows(result.due)
    if args.format == "json":
        out = {"as_of": result.as_of.isoformat(), "dry_run": args.dry_run, "reminders": rows}
        print(json.dumps(out, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        for r in rows:
            what = r["target"] and f"{r['plan']}/{r['target']}" or f"{r['enterprise']} {r['year']}"
            party = f"{r['party']['kind']}:{r['party']['name'] or r['party']['id']}"
            print(f"{what}\t{party}\t{r['level']}\t{r['rule']}\t{r['reason']['zh']}")
        verb = "would send" if args.dry_run else "sent"
        print(f"{len(rows)} reminders {verb} for {result.as_of.isoformat()}", file=sys.stderr)
    return 0


def cmd_digest(args) -> int:
    """Send the daily e-mail digests now (and retry single mails that failed)."""
    _django()
    from eco311.supervision import delivery

    sent = delivery.send_digests()
    retried = delivery.retry_failed()
    print(f"{sent} digests sent, {retried} failed mails sent again")
    return 0


def _database_problem() -> str | None:
    """What to run first when the database is not migrated (a server would only fail later,
    request by request)."""
    from eco311.install import database_problem

    return database_problem()


def cmd_setup(args) -> int:
    """Migrate, load the reference data and the plans, create the first administrator."""
    _django()
    from eco311.install import SetupRefused, setup

    try:
        setup(interactive=not args.no_input)
    except SetupRefused as exc:
        return _fail(str(exc))
    except (EOFError, KeyboardInterrupt):
        return _fail("\n已取消 / Cancelled (without a terminal, use eco311 setup --no-input)")
    return 0


def cmd_serve(args) -> int:
    _django()
    if (problem := _database_problem()) is not None:
        return _fail(problem)
    from waitress import serve

    from eco311.wsgi import application

    if not args.no_worker:
        from eco311.core import jobs

        jobs.start_thread(daily=args.daily_jobs)
    print(f"eco311 is serving on http://{args.host}:{args.port}/", flush=True)
    serve(application, host=args.host, port=args.port, threads=args.threads, _quiet=True)
    return 0


def cmd_worker(args) -> int:
    """Run background jobs until interrupted (or, with --once, until the queue is empty)."""
    _django()
    if (problem := _database_problem()) is not None:
        return _fail(problem)
    import threading

    from eco311.core import jobs

    if args.once:
        if args.daily:  # run from cron: the day's reminders and digests, then stop
            jobs.enqueue_daily()
        while (job := jobs.run_next()) is not None:
            print(f"job {job.pk} {job.kind}: {job.status}", flush=True)
        return 0
    stop = threading.Event()
    print("eco311 worker: waiting for jobs (Ctrl+C stops)", flush=True)
    try:
        # A worker process also enqueues the daily jobs: reminders, e-mail digests.
        jobs.work(stop, poll=args.poll, daily=True)
    except KeyboardInterrupt:
        stop.set()
    return 0


def cmd_demo(args) -> int:
    os.environ.setdefault("ECO311_AS_OF", "2025-06-30")
    # Set before Django reads the settings: demo mode is also what lets a fresh machine start
    # without SECRET_KEY (core/env.py, secret_key: a random key kept in ECO311_DATA_DIR, which
    # a later `ECO311_DEMO=1 eco311 serve` on the same data finds again).
    os.environ.setdefault("ECO311_DEMO", "true")
    _django()
    from eco311.demo import setup_demo

    logins = setup_demo(seed=args.seed, password=args.password)
    print("\neco311 demo — synthetic data / 演示数据均为合成数据")
    print(f"Open http://{args.host}:{args.port}/  (evaluation date {os.environ['ECO311_AS_OF']})")
    print("Demo logins (user / password):")
    for username, role, scope in logins:
        print(f"  {username:<14} {args.password}   {role}  {scope}")
    if args.no_serve:
        return 0
    return cmd_serve(args)


def _years(text: str) -> list[int]:
    """'2024' or '2021-2025'."""
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def cmd_kpi(args) -> int:
    """Print the KPI values; they are computed first when none are stored or on --recompute."""
    _django()
    from eco311.enterprises import kpis
    from eco311.enterprises.models import IndicatorValue

    years = _years(args.year) if args.year else None
    ind = kpis.indicators()
    qs = IndicatorValue.objects.all()
    if years:
        qs = qs.filter(year__in=years)
    if args.recompute or not qs.exists():
        kpis.recompute(years)
    if args.scope:
        qs = qs.filter(scope_key=args.scope)
    out = [
        {
            "indicator": v.indicator,
            "scope": {"kind": v.scope_kind, "key": v.scope_key},
            "year": v.year,
            "value": v.value,
            "unit": ind[v.indicator].unit.zh,
            "unit_en": ind[v.indicator].unit.en,
            "enterprises": v.n_enterprises,
            "targets": list(ind[v.indicator].targets_at(v.scope_key)),
        }
        for v in qs
    ]
    json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_demo_data(args) -> int:
    """Generate the synthetic enterprise population: into the database, or as workbooks."""
    from eco311.enterprises.survey.synthetic import PopulationSpec, generate

    try:
        spec = PopulationSpec(
            enterprises=args.enterprises, years=tuple(_years(args.years)), seed=args.seed
        )
    except ValueError:
        return _fail(f"--years {args.years}: expected a year or a range such as 2021-2025")
    if args.xlsx:
        from eco311.chains import taxonomy, textgen
        from eco311.enterprises.survey.dictionary import load_dictionary
        from eco311.enterprises.survey.workbook import write_returns_workbook

        population = generate(spec)
        # The texts the demo writes from the firms' true chain nodes (chains/demo.py), so that
        # importing these workbooks into the demo changes no enterprise's main products.
        made = textgen.population_products(population.enterprises, taxonomy.load(), seed=spec.seed)
        population.set_main_products([text for _nodes, text, _stage in made])
        out = Path(args.xlsx)
        for year in spec.years:
            path = out if len(spec.years) == 1 else out.with_name(f"{out.stem}-{year}{out.suffix}")
            write_returns_workbook(path, population.returns(year), load_dictionary(), year)
            print(path)
        return 0
    _django()
    from eco311.accounts.scopes import Actor
    from eco311.chains.demo import products, setup_chains_demo
    from eco311.enterprises import kpis
    from eco311.enterprises.demo import load_population

    counts = load_population(spec, products=products(spec.seed))
    setup_chains_demo(Actor.of, counts.get("nodes"))  # truth rows and the scorer's proposals
    print(f"{counts['enterprises']} enterprises, {counts['returns']} returns (synthetic)")
    print(f"{kpis.recompute()} indicator values computed")
    return 0


def cmd_survey_template(args) -> int:
    from eco311.enterprises.survey.workbook import write_template

    write_template(args.output, year=args.year)
    print(args.output)
    return 0


_IMPORT_TEXT = {
    "no_file": ("{path}：文件不存在", "{path}: no such file"),
    "not_a_file": ("{path}：不是文件（是一个目录？）", "{path}: not a file (a directory?)"),
    "unreadable_file": ("{path}：无法读取该文件", "{path}: the file cannot be read"),
    "bad_year": (
        "--year {year}：报告年份应在 2000—2100 之间",
        "--year {year}: the reporting year must be between 2000 and 2100",
    ),
    "rejected": (
        "{n} 个错误，未导入任何数据",
        "{n} errors; nothing was imported",
    ),
    "marked": ("；已标注错误的副本：{marked}", "; marked copy: {marked}"),
    "applied": (
        "{file} {year}：新建 {created} 条，更新 {updated} 条，未变 {unchanged} 条，拒绝 0 条",
        "{file} {year}: {created} created, {updated} updated, {unchanged} unchanged, 0 rejected",
    ),
}


def _say(lang: str, key: str, **params) -> str:
    zh, en = _IMPORT_TEXT[key]
    return (zh if lang == "zh" else en).format(**params)


def cmd_survey_import(args) -> int:
    """Import a filled workbook; on errors print them and write the highlighted copy.

    Every message is one line in ``--lang``; a file that is not a workbook, a folder or a
    year out of range is refused with a message, never a traceback."""
    lang = args.lang
    path = Path(args.file)
    if not 2000 <= args.year <= 2100:
        return _fail(_say(lang, "bad_year", year=args.year))
    if not path.exists():
        return _fail(_say(lang, "no_file", path=path))
    if not path.is_file():
        return _fail(_say(lang, "not_a_file", path=path))
    try:
        data = path.read_bytes()
    except OSError:
        return _fail(_say(lang, "unreadable_file", path=path))
    _django()
    from eco311.enterprises.importer import highlighted, import_returns, markable

    outcome = import_returns(data, year=args.year, file_name=path.name, approve=args.approve)
    for w in outcome.warnings:
        print(w.message(lang), file=sys.stderr)
    if not outcome.ok:
        for e in outcome.errors:
            print(e.message(lang), file=sys.stderr)
        if not markable(outcome.errors):
            return 1  # refused whole (not a workbook, too large): its one line says it all
        marked = path.with_name(f"{path.stem}-errors{path.suffix}")
        marked.write_bytes(highlighted(data, outcome.errors, lang))
        summary = _say(lang, "rejected", n=len(outcome.errors))
        print(summary + _say(lang, "marked", marked=marked), file=sys.stderr)
        return 1
    b = outcome.batch
    print(
        _say(
            lang,
            "applied",
            file=b.file_name,
            year=b.year,
            created=b.created,
            updated=b.updated,
            unchanged=b.unchanged,
        )
    )
    return 0


def _rows(n: int) -> str:
    return f"{n:,}"


def cmd_backup(args) -> int:
    """The database (a consistent copy while the platform runs) and the uploads, in one file."""
    _django()
    from eco311.core.backup import BackupError, backup

    try:
        s = backup(args.file)
    except BackupError as exc:
        return _fail(str(exc))
    except OSError as exc:  # a full disk, no permission: one line, not a traceback
        return _fail(f"备份失败 / backup failed: {exc}")
    print(
        f"已备份 / backed up: {s.path} ({s.engine}, {len(s.tables)} tables, {_rows(s.rows)} rows, "
        f"{s.files} files)"
    )
    return 0


def cmd_restore(args) -> int:
    """Replace the database and the uploads with a backup's (stop the server first)."""
    _django()
    from eco311.core.backup import BackupError, restore

    try:
        s = restore(args.file, force=args.force)
    except BackupError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"恢复失败 / restore failed: {exc}")
    print(
        f"已恢复 / restored: {s.path}, made {s.created} ({s.engine}): {len(s.tables)} tables, "
        f"{_rows(s.rows)} rows, {s.files} files"
    )
    for note in s.notes:
        print(note)
    return 0


def cmd_search_reindex(args) -> int:
    """Rebuild the search index from the database: after a fixture load or a restore from an
    older version; saves and imports keep it up to date by themselves."""
    _django()
    from eco311.search.index import reindex

    written = reindex(args.kind)
    print(", ".join(f"{kind}: {n}" for kind, n in written.items()))
    return 0


def cmd_chains_check(args) -> int:
    """List the rows that no longer fit the chain taxonomy: exit 0 when there are none, 1 when
    something is listed (each line says what to do)."""
    _django()
    from eco311.chains.check import findings

    found = findings()
    for f in found:
        print(f.text)
    if not found:
        print("产业链数据与图谱一致 / the chain data fit the taxonomy")
    return 1 if found else 0


def cmd_chains_report(args) -> int:
    """Write the year's chain-map analysis (优势产业链图谱分析) as PDF or Word, the current draft
    from the data; a year without approved returns is refused (exit 2) and nothing written."""
    _django()
    from django.utils import translation

    from eco311.chains import report

    lang = args.lang
    with translation.override("zh-hans" if lang == "zh" else "en"):
        try:
            doc = report.build(args.year, lang)
        except report.NoData:
            known = ", ".join(str(y) for y in report.years()) or "—"
            return _fail(
                f"--year {args.year}：该年度没有已审核的企业调查报表（有数据的年度：{known}） / "
                f"--year {args.year}: no approved survey returns for that year (years with "
                f"data: {known})"
            )
        body = report.render(doc, args.format)
    out = Path(args.output) if args.output else Path.cwd() / report.filename(doc, args.format)
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_bytes(body)  # then renamed: a reader never finds half a document
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        return _fail(f"{out}：无法写入（{exc.strerror}） / {out}: cannot write ({exc.strerror})")
    print(out)
    return 0


def cmd_chains_measure(args) -> int:
    """How well placement does on the demo: effective placements against the synthetic truth
    (n, top-1, precision, recall, per chain). Without truth rows (production) it says so."""
    _django()
    from eco311.chains.demo import measure

    result = measure()
    if args.format == "json":
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not result["synthetic_truth"]:
        print(
            "没有合成真值：只有演示数据记录企业的真实环节，生产数据无法据此衡量 / "
            "no synthetic truth: only the demo records the enterprises' true nodes, so "
            "placement cannot be measured on production data"
        )
        return 0

    def pct(v):
        return "—" if v is None else f"{100 * v:.1f}%"

    print(
        f"n={result['n']}  placed={result['placed']}  top-1={pct(result['top1'])}  "
        f"precision={pct(result['precision'])}  recall={pct(result['recall'])}"
    )
    for c in result["chains"]:
        print(
            f"  {c['chain']:<14} n={c['n']:<5} top-1={pct(c['top1']):>7}  "
            f"precision={pct(c['precision']):>7}  recall={pct(c['recall']):>7}  {c['name']}"
        )
    return 0


def cmd_manage(args) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["eco311 manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eco311", description="The 311 plan-to-evidence platform")
    sub = parser.add_subparsers(dest="command", required=True)

    plan = sub.add_parser("plan", help="load, export and check plans").add_subparsers(
        dest="plan_command", required=True
    )
    p = plan.add_parser("load", help="load shipped plans (all by default) or a plan file")
    p.add_argument("plans", nargs="*", help="plan keys or paths")
    p.add_argument("--all", action="store_true")
    p.set_defaults(func=cmd_plan_load)
    p = plan.add_parser("export", help="print a plan and its targets")
    p.add_argument("plan")
    p.add_argument("--format", choices=["json"], default="json")
    p.set_defaults(func=cmd_plan_export)
    p = plan.add_parser("check", help="validate the shipped plan files")
    p.add_argument("--seeds", help="folder with the source documents, to check source sentences")
    p.set_defaults(func=cmd_plan_check)

    from eco311.plans.progress.cli import register

    register(
        sub.add_parser(
            "progress", help="the Open SDG progress measure and the target status"
        ).add_subparsers(dest="progress_command", required=True)
    )

    from eco311.ranking.engine.cli import register as register_rank

    register_rank(
        sub.add_parser("rank", help="composite-indicator rankings").add_subparsers(
            dest="rank_command", required=True
        )
    )

    from eco311.chains.cli import register as register_chains

    chains = sub.add_parser("chains", help="the industry chain map and its analytics")
    chains_sub = chains.add_subparsers(dest="chains_command", required=True)
    register_chains(chains_sub)  # the commands that need no database (complexity, classify)
    # The chain commands that need the database (their cmd_chains_* functions are above).
    p = chains_sub.add_parser(
        "check", help="list placements, chain-leader tags and demo truths off the taxonomy"
    )
    p.set_defaults(func=cmd_chains_check)
    p = chains_sub.add_parser(
        "report", help="write the chain-map analysis (优势产业链图谱分析) as PDF or Word"
    )
    p.add_argument("--year", type=int, required=True, help="the survey year, e.g. 2024")
    p.add_argument("--format", choices=["pdf", "docx"], default="pdf")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--output", help="file to write (default: 优势产业链图谱分析-YEAR.pdf here)")
    p.set_defaults(func=cmd_chains_report)
    p = chains_sub.add_parser(
        "measure", help="placement on the demo against its synthetic truth (top-1, precision…)"
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_chains_measure)

    p = sub.add_parser("kpi", help="the plan's indicators computed from the enterprise survey")
    p.add_argument("--year", help="a year or a range, e.g. 2024 or 2021-2025")
    p.add_argument("--scope", help="a scope key: 370000, a city code, cluster-… or park-…")
    p.add_argument("--format", choices=["json"], default="json")
    p.add_argument("--recompute", action="store_true", help="recompute from approved returns first")
    p.set_defaults(func=cmd_kpi)

    survey = sub.add_parser("survey", help="the annual enterprise survey").add_subparsers(
        dest="survey_command", required=True
    )
    p = survey.add_parser("template", help="write the return template workbook")
    p.add_argument("output")
    p.add_argument("--year", type=int)
    p.set_defaults(func=cmd_survey_template)
    p = survey.add_parser("import", help="import a filled return workbook (all or nothing)")
    p.add_argument("file")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--approve", action="store_true", help="mark the imported returns approved")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.set_defaults(func=cmd_survey_import)

    search = sub.add_parser("search", help="the search index").add_subparsers(
        dest="search_command", required=True
    )
    p = search.add_parser("reindex", help="rebuild the search index (entries written or removed)")
    p.add_argument("--kind", choices=["target", "enterprise", "report", "notice"])
    p.set_defaults(func=cmd_search_reindex)

    p = sub.add_parser("demo-data", help="generate a synthetic enterprise population")
    p.add_argument("--enterprises", type=int, default=3700)
    p.add_argument("--years", default="2021-2025")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--xlsx", help="write filled survey workbooks instead of loading the database")
    p.set_defaults(func=cmd_demo_data)

    p = sub.add_parser("evaluate", help="write the periodic evaluation report")
    p.add_argument("--plan", default="shandong-311")
    p.add_argument("--as-of", dest="as_of")
    p.add_argument("--format", choices=["pdf", "docx", "xlsx", "html"], default="pdf")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("-o", "--output")
    p.add_argument("--draft", type=int, help="render the stored draft with this id")
    p.add_argument("--issued", help="render the issued report with this number (its snapshot)")
    p.set_defaults(func=cmd_evaluate)

    for name, func, helptext in (
        ("serve", cmd_serve, "serve the platform"),
        ("demo", cmd_demo, "set up the demo (plans, synthetic data, accounts) and serve it"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--threads", type=int, default=8)
        p.add_argument(
            "--no-worker",
            action="store_true",
            help="do not run background jobs in this process (run `eco311 worker` instead)",
        )
        p.add_argument(
            "--daily-jobs",
            action="store_true",
            help="the worker thread also runs the daily jobs (reminders, e-mail digests), as "
            "`eco311 worker` does",
        )
        if name == "demo":
            p.add_argument("--seed", type=int, default=1)
            p.add_argument("--password", default="eco311-demo")
            p.add_argument("--no-serve", action="store_true")
        p.set_defaults(func=func)

    p = sub.add_parser(
        "setup",
        help="install or upgrade: migrate, load reference data and plans, create the first "
        "administrator (no demo data)",
    )
    p.add_argument(
        "--no-input",
        action="store_true",
        help="do not prompt: the administrator comes from ECO311_ADMIN_USERNAME, "
        "ECO311_ADMIN_PASSWORD and ECO311_ADMIN_EMAIL (optional)",
    )
    p.set_defaults(func=cmd_setup)

    p = sub.add_parser(
        "remind", help="the reminders the schedule says are due (sent unless --dry-run)"
    )
    p.add_argument(
        "--as-of", dest="as_of", help="the day (ISO date); default ECO311_AS_OF or today"
    )
    p.add_argument("--dry-run", action="store_true", help="list them, send and write nothing")
    p.add_argument("--format", choices=["json", "text"], default="text")
    p.add_argument("--schedule", help="another schedule file (default the shipped one)")
    p.set_defaults(func=cmd_remind)

    p = sub.add_parser("digest", help="send the daily e-mail digests now")
    p.set_defaults(func=cmd_digest)

    p = sub.add_parser("worker", help="run background jobs (rankings, long reports)")
    p.add_argument("--once", action="store_true", help="run the queued jobs, then stop")
    p.add_argument(
        "--daily",
        action="store_true",
        help="with --once: first enqueue the daily jobs not yet run today (reminders, digests)",
    )
    p.add_argument("--poll", type=float, default=1.0, help="seconds between looks at the queue")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("backup", help="back up the database and uploaded files to one file")
    p.add_argument("file", help="the archive to write (a .tar; see docs/backup.md)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore the database and uploaded files from a backup")
    p.add_argument("file", help="an archive written by eco311 backup")
    p.add_argument(
        "--force", action="store_true", help="overwrite a database or MEDIA_ROOT that holds data"
    )
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("manage", help="run a Django management command", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except Exception as exc:
        # A database that is not migrated (or not reachable) gets what to run, not a traceback.
        from eco311.install import explain_database_error

        message = explain_database_error(exc)
        if message is None:
            raise
        return _fail(message)


if __name__ == "__main__":
    sys.exit(main())
