"""Render the synthetic sample report in every format and language, for a look or a timing.

    uv run python -m eco311.reports.preview --out var/report-previews [--png] [--targets 100]

With --png, each PDF's pages are also written as PNG files (needs poppler's `pdftoppm`).
No database is needed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="var/report-previews", help="output folder")
    parser.add_argument("--targets", type=int, default=100, help="number of sample targets")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lang", choices=("zh", "en"), action="append", help="default: both")
    parser.add_argument("--format", dest="formats", action="append", help="default: all four")
    parser.add_argument("--png", action="store_true", help="also write PDF pages as PNG")
    parser.add_argument("--dpi", type=int, default=60, help="PNG resolution")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eco311.settings")
    import django

    django.setup()
    from .render import FORMATS, filename, render
    from .sample import sample_report

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for lang in args.lang or ("zh", "en"):
        report = sample_report(lang, n_targets=args.targets, seed=args.seed)
        for fmt in args.formats or FORMATS:
            started = time.perf_counter()
            data = render(report, fmt)
            elapsed = time.perf_counter() - started
            path = out / filename(report, fmt)
            path.write_bytes(data)
            print(f"{lang} {fmt:4} {elapsed:6.2f}s {len(data) // 1024:6d} KiB  {path}")
            if fmt == "pdf" and args.png:
                if shutil.which("pdftoppm") is None:
                    print("  pdftoppm not found: install poppler-utils for --png")
                    continue
                prefix = out / path.stem
                subprocess.run(
                    ["pdftoppm", "-r", str(args.dpi), "-png", str(path), str(prefix)], check=True
                )
                print(f"  pages: {prefix}-*.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
