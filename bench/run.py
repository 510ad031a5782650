"""Benchmarks, run with `make bench`. Timings are reported as ratios against a baseline measured
in the same run, so they compare across machines; absolute seconds are printed for context.

1. Evaluation report: building the report data from the database (baseline) and rendering it in
   each format and language.
2. Status computation: computing the deadline-aware status of every target from its approved
   reports, against the baseline of merely loading those targets and reports.
"""

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def timed(fn, repeat=3):
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> int:
    data_dir = tempfile.mkdtemp(prefix="eco311-bench-")
    os.environ.setdefault("ECO311_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eco311.settings")
    import django

    django.setup()
    from eco311.demo import setup_demo
    from eco311.plans import tracking
    from eco311.plans.models import Plan, ProgressReport
    from eco311.plans.overview import targets_qs
    from eco311.reports.build import build_report
    from eco311.reports.render import FORMATS, render

    setup_demo(seed=1, password="bench")
    plan = Plan.objects.get(key="shandong-311")
    as_of = date(2025, 6, 30)
    results = {}

    def load_only():
        targets = list(targets_qs(plan=plan))
        list(ProgressReport.objects.filter(target__in=targets, status="approved"))

    base = timed(load_only, 5)
    statuses = timed(lambda: tracking.statuses(targets_qs(plan=plan), as_of), 5)
    results["status_all_targets"] = {
        "seconds": statuses,
        "baseline_load_seconds": base,
        "ratio_to_load": statuses / base,
    }

    for lang in ("zh", "en"):
        report = build_report(plan, as_of, lang)
        build = timed(lambda lang=lang: build_report(plan, as_of, lang))
        results[f"build_{lang}"] = {"seconds": build}
        for fmt in FORMATS:
            secs = timed(lambda fmt=fmt, report=report: render(report, fmt))
            results[f"render_{fmt}_{lang}"] = {"seconds": secs, "ratio_to_build": secs / build}

    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    width = max(map(len, results))
    for name, r in results.items():
        ratio = next((f"{k}={v:.2f}" for k, v in r.items() if k.startswith("ratio")), "")
        print(f"{name:<{width}}  {r['seconds'] * 1000:9.1f} ms  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
