"""Uncertainty benchmark: `uv run python bench/ranking_uncertainty.py [--enterprises 3700]`.

A synthetic year (default 3,700 enterprises x 12 indicators in 5 groups, heavy-tailed, seeded)
is ranked by a methodology whose uncertainty section varies the weights (+/-25 % on indicators
and groups), the outlier treatment (COINr's default or none), the normalisation (min-max or
percentile rank, both 1-100) and the aggregation (arithmetic or geometric mean). With 4 factors,
N = 1,667 base samples give 1,667 x 6 = 10,002 Monte Carlo runs, with the Sobol analysis.

Two implementations are measured in the same run:

1. ``analyse(data, methodology)``: the engine's vectorised analysis (median of --repeat runs).
   Target: under 2 s.
2. The baseline, ``analyse(..., rerun=True)``: the whole pipeline re-run for every variant, as
   COINr's ``get_sensitivity()`` does. Re-running 10,002 variants takes tens of minutes, so the
   baseline runs a smaller design (--baseline-samples, 6 runs each) and is compared per run;
   ``--baseline-samples 1667`` runs it in full. The fast path is also run on that small design
   and must give the same result (checked and printed). Target: at least 5x faster per run.

Results are printed and written to bench/results/ranking_uncertainty.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TARGET_SECONDS = 2.0
TARGET_RATIO = 5.0
GROUPS = {"scale": 3, "growth": 2, "innovation": 3, "quality": 2, "credit": 2}


def synthetic(enterprises: int, seed: int):
    """A table and methodology of the 311 shape; the indicators are lognormal, a few inverted."""
    from eco311.ranking.engine import DataTable, parse_methodology

    rng = np.random.default_rng(seed)
    columns, indicators = {}, []
    for group, count in GROUPS.items():
        for j in range(count):
            code = f"{group}_{j + 1}"
            columns[code] = rng.lognormal(0.0, 0.6 + 0.3 * j, enterprises)
            direction = -1 if group == "credit" and j == 1 else 1
            indicators.append(
                {"code": code, "parent": group, "weight": 1 + j % 2, "direction": direction}
            )
    records = [
        {"uscc": f"E{i:06d}", **{code: float(v[i]) for code, v in columns.items()}}
        for i in range(enterprises)
    ]
    off = {"enabled": False}
    methodology = {
        "schema": "eco311.methodology/1",
        "name": {"en": "benchmark"},
        "unit_column": "uscc",
        "indicators": indicators,
        "levels": [
            {
                "name": "dimension",
                "aggregation": {"method": "arithmetic"},
                "groups": [{"code": g, "parent": "index"} for g in GROUPS],
            },
            {
                "name": "index",
                "aggregation": {"method": "arithmetic"},
                "groups": [{"code": "index"}],
            },
        ],
        "steps": {
            "denominate": off,
            "impute": off,
            "screen": off,
            "transform": off,
            "treat": {"enabled": True},
            "normalise": {"enabled": True, "method": "minmax", "range": [1, 100]},
        },
        "uncertainty": {
            "enabled": True,
            "samples": 1667,
            "seed": 1,
            "top_n": 100,
            "weight_noise": {"indicators": 0.25, "dimension": 0.25},
            "treatments": [{"enabled": True}, {"enabled": False}],
            "normalisations": [
                {"method": "minmax", "range": [1, 100]},
                {"method": "percentile_rank", "range": [1, 100]},
            ],
            "aggregations": [{"method": "arithmetic"}, {"method": "geometric"}],
        },
    }
    return DataTable.from_records(records, "uscc"), parse_methodology(json.dumps(methodology))


def timed(fn, repeat: int):
    """Median seconds of ``repeat`` calls, and the last result."""
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def measure(args) -> dict:
    from eco311.ranking.engine.uncertainty import analyse

    data, methodology = synthetic(args.enterprises, args.seed)
    analyse(data, methodology, samples=20)  # warm-up: imports, thread pool, caches
    fast_seconds, fast = timed(lambda: analyse(data, methodology), args.repeat)

    small = args.baseline_samples
    slow_seconds, slow = timed(lambda: analyse(data, methodology, samples=small, rerun=True), 1)
    check = analyse(data, methodology, samples=small)
    agree = float(np.max(np.abs(check.shifts - slow.shifts)))

    fast_per_run = fast_seconds / fast.runs
    slow_per_run = slow_seconds / slow.runs
    return {
        "enterprises": args.enterprises,
        "indicators": sum(GROUPS.values()),
        "cores": os.cpu_count(),
        "runs": fast.runs,
        "sobol": {
            k: {"first_order": v.first_order, "total": v.total} for k, v in fast.sobol.items()
        },
        "fast_seconds": fast_seconds,
        "fast_seconds_per_run": fast_per_run,
        "baseline_runs": slow.runs,
        "baseline_seconds": slow_seconds,
        "baseline_seconds_per_run": slow_per_run,
        "baseline_seconds_projected": slow_per_run * fast.runs,
        "ratio_baseline_to_fast_per_run": slow_per_run / fast_per_run,
        "max_shift_difference_fast_vs_baseline": agree,
        "target_seconds_met": fast_seconds < TARGET_SECONDS,
        "target_ratio_met": slow_per_run / fast_per_run >= TARGET_RATIO,
    }


def report(r: dict) -> None:
    print(
        f"{r['enterprises']} enterprises x {r['indicators']} indicators, {r['runs']} Monte Carlo "
        f"runs with Sobol indices, {r['cores']} cores"
    )
    print(f"  vectorised analysis       {r['fast_seconds']:8.2f} s  (target < {TARGET_SECONDS} s)")
    print(
        f"  baseline (pipeline re-run) {r['baseline_seconds_per_run'] * 1e3:7.1f} ms per run over "
        f"{r['baseline_runs']} runs; {r['baseline_seconds_projected']:.0f} s projected"
    )
    print(
        f"  ratio baseline / vectorised, per run: {r['ratio_baseline_to_fast_per_run']:.0f}x "
        f"(target >= {TARGET_RATIO:.0f}x)"
    )
    print(
        f"  same results on the baseline's design: max shift difference {r['max_shift_difference_fast_vs_baseline']:.1e}"
    )
    for factor, s in r["sobol"].items():
        print(f"  {factor:<14} first order {s['first_order']:6.3f}  total {s['total']:6.3f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=3700)
    parser.add_argument("--seed", type=int, default=311)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-samples", type=int, default=10)
    args = parser.parse_args(argv)
    results = measure(args)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "ranking_uncertainty.json").write_text(json.dumps(results, indent=2))
    report(results)
    return 0 if results["target_seconds_met"] and results["target_ratio_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
