"""What the database benchmarks share: run this benchmark again as a child process against a
fresh database (a temporary SQLite file, or PostgreSQL: DATABASE_URL if set, else a throwaway
cluster started by scripts/with-postgres) and read the JSON line it prints last."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_child(name: str, cmd: list[str], database: str) -> dict | None:
    """The child's result, or None when PostgreSQL was asked for and no server binaries are
    installed (the child exits 3); a failed child stops the benchmark with its output."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    # A throwaway database needs no lasting key; the platform refuses to start without one.
    env.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(24))
    with tempfile.TemporaryDirectory(prefix=f"eco311-bench-{name}-") as tmp:
        if database == "sqlite":
            env.update(ECO311_DATA_DIR=tmp, ECO311_SQLITE=str(Path(tmp) / f"{name}.sqlite3"))
        elif os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = os.environ["DATABASE_URL"]  # a database this may fill
        else:
            cmd = [str(REPO / "scripts" / "with-postgres"), *cmd]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode == 3 and database == "postgresql":
        print(f"{name}: PostgreSQL skipped (no server binaries)", file=sys.stderr)
        return None
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{name}: the {database} run failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])
