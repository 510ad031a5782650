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

    django.setup()


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


def cmd_serve(args) -> int:
    _django()
    from waitress import serve

    from eco311.wsgi import application

    print(f"eco311 is serving on http://{args.host}:{args.port}/", flush=True)
    serve(application, host=args.host, port=args.port, threads=args.threads, _quiet=True)
    return 0


def cmd_demo(args) -> int:
    os.environ.setdefault("ECO311_AS_OF", "2025-06-30")
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
        sub.add_parser("progress", help="the Open SDG progress measure").add_subparsers(
            dest="progress_command", required=True
        )
    )

    p = sub.add_parser("evaluate", help="write the periodic evaluation report")
    p.add_argument("--plan", default="shandong-311")
    p.add_argument("--as-of", dest="as_of")
    p.add_argument("--format", choices=["pdf", "docx", "xlsx", "html"], default="pdf")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_evaluate)

    for name, func, helptext in (
        ("serve", cmd_serve, "serve the platform"),
        ("demo", cmd_demo, "set up the demo (plans, synthetic data, accounts) and serve it"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--threads", type=int, default=8)
        if name == "demo":
            p.add_argument("--seed", type=int, default=1)
            p.add_argument("--password", default="eco311-demo")
            p.add_argument("--no-serve", action="store_true")
        p.set_defaults(func=func)

    p = sub.add_parser("manage", help="run a Django management command", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
