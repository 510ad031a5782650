"""`eco311 backup` and `eco311 restore`: a round trip gives identical tables and uploads.

On SQLite the data to back up is a real data directory (a WAL database file, as in production)
built in a subprocess with the same loaders as the test session: plans, synthetic reports and
their history rows. On PostgreSQL it is the session's test database, whose data is committed.
Every restore runs `eco311 restore` in a subprocess into a fresh data directory or a fresh
database, so the test database is never overwritten. The PostgreSQL tests run when the suite
runs on PostgreSQL (scripts/with-postgres).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import textwrap
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection, connections

from eco311.core import backup as backup_mod
from eco311.core.backup import BackupError, backup, read_manifest, restore

MEDIA = backup_mod.MEDIA_PREFIX
SQLITE = connection.vendor == "sqlite"

sqlite_only = pytest.mark.skipif(not SQLITE, reason="the suite runs on PostgreSQL in this pass")
postgres_only = pytest.mark.skipif(SQLITE, reason="the suite runs on SQLite in this pass")

BUILD = textwrap.dedent(
    """
    import django
    django.setup()
    from django.core.management import call_command
    from eco311.demo import create_accounts, synthetic_reports
    from eco311.geo.loader import load_areas
    from eco311.plans.loader import load_plan
    from eco311.plans.planfile import plan_files

    call_command("migrate", verbosity=0)
    load_areas()
    for path in plan_files():
        load_plan(str(path))
    create_accounts("pw")
    synthetic_reports(seed=1)
    """
)


def table_rows(cursor, tables) -> dict[str, list[str]]:
    """Every row of every table, order-independent (sorted by their text)."""
    out = {}
    for t in sorted(tables):
        cursor.execute(f'SELECT * FROM "{t}"')
        out[t] = sorted(repr(tuple(_plain(v) for v in r)) for r in cursor.fetchall())
    return out


def _plain(value):
    # Django's cursor and a bare psycopg one give the same instant different tzinfo objects.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    return value


def sqlite_rows(path: Path) -> dict[str, list[str]]:
    db = sqlite3.connect(path)
    try:
        return table_rows(db.cursor(), backup_mod._sqlite_tables(db))
    finally:
        db.close()


def live_rows() -> dict[str, list[str]]:
    with connection.cursor() as cur:
        return table_rows(cur, connection.introspection.table_names(cur))


def media_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def run_cli(*args, env_extra: dict, code: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ECO311_SQLITE")}
    env.update(env_extra)
    env["DJANGO_SETTINGS_MODULE"] = "eco311.settings"
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "eco311.cli", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def assert_one_line_failure(proc):
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def write_uploads(root: Path) -> None:
    (root / "survey" / "2024").mkdir(parents=True)
    (root / "survey" / "2024" / "济南-returns.xlsx").write_bytes(bytes(range(256)) * 40)
    (root / "survey" / "2024" / "济南-returns-errors.xlsx").write_bytes(b"PK\x03\x04marked")
    (root / "evidence.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2048))


@pytest.fixture(scope="module")
def source(tmp_path_factory, django_db_setup, django_db_blocker):
    """(archive, the rows it should hold by table, the uploads directory it was taken from)."""
    work = tmp_path_factory.mktemp("backup-source")
    archive = work / "eco311-backup.tar"
    if SQLITE:
        data = work / "data"
        env = {"ECO311_DATA_DIR": str(data)}
        built = run_cli(env_extra=env, code=BUILD)
        assert built.returncode == 0, built.stderr[-3000:]
        write_uploads(data / "media")
        proc = run_cli("backup", str(archive), env_extra=env)
        assert proc.returncode == 0, proc.stderr
        assert "backed up" in proc.stdout
        return archive, sqlite_rows(data / "eco311.sqlite3"), data / "media"
    media = work / "media"
    write_uploads(media)
    with django_db_blocker.unblock():
        backup(archive, media_root=media)
        return archive, live_rows(), media


# -- the archive ----------------------------------------------------------------------------------


def test_the_data_to_back_up_includes_history_rows(source):
    _archive, rows, media = source
    history = {t: len(r) for t, r in rows.items() if "historical" in t}
    assert history and any(history.values()), history
    assert rows["plans_target"] and rows["plans_progressreport"]
    assert media_files(media)


def test_the_manifest_counts_every_table_and_hashes_every_member(source):
    archive, rows, media = source
    manifest = read_manifest(archive)
    assert manifest["engine"] == ("sqlite" if SQLITE else "postgresql")
    assert manifest["tables"] == {t: len(r) for t, r in rows.items()}
    assert manifest["migrations"]["plans"], manifest["migrations"]
    assert set(manifest["members"]) == {MEDIA + n for n in media_files(media)} | {
        manifest["database"]
    }
    with tarfile.open(archive) as tar:
        for name, info in manifest["members"].items():
            data = tar.extractfile(name).read()
            assert len(data) == info["size"]
            assert hashlib.sha256(data).hexdigest() == info["sha256"]


@pytest.mark.django_db
def test_restore_refuses_a_database_that_holds_data(source, tmp_path):
    archive, _rows, _media = source
    before = live_rows()
    with pytest.raises(BackupError, match="--force"):
        restore(archive, media_root=tmp_path / "media")
    assert live_rows() == before
    assert not (tmp_path / "media").exists()


@sqlite_only
@pytest.mark.django_db
def test_a_sqlite_backup_inside_a_transaction_is_refused_not_left_waiting(tmp_path):
    # The test database connection is inside the test's transaction.
    with pytest.raises(BackupError, match="inside a transaction"):
        backup(tmp_path / "b.tar", media_root=tmp_path / "media")
    assert not (tmp_path / "b.tar").exists()


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "notes.tar"
    bogus.write_text("just text", encoding="utf-8")
    with pytest.raises(BackupError, match="不是 eco311 备份文件.*not an eco311 backup"):
        read_manifest(bogus)
    with pytest.raises(BackupError, match="no such backup file"):
        read_manifest(tmp_path / "missing.tar")


def rewrite_manifest(archive: Path, out: Path, change) -> Path:
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for m in src:
            data = src.extractfile(m).read()
            if m.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                m.size = len(data)
            dst.addfile(m, io.BytesIO(data))
    return out


def test_restore_refuses_an_unknown_format_version(tmp_path, source):
    newer = rewrite_manifest(
        source[0], tmp_path / "newer.tar", lambda m: m.update(format_version=99)
    )
    with pytest.raises(BackupError, match="format version 99"):
        read_manifest(newer)


def test_restore_refuses_a_backup_from_a_newer_version(tmp_path, source):
    def add_migration(m):
        m["migrations"].setdefault("plans", []).append("9999_from_the_future")

    newer = rewrite_manifest(source[0], tmp_path / "newer.tar", add_migration)
    env = {"ECO311_DATA_DIR": str(tmp_path / "fresh")}
    if not SQLITE:
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    proc = run_cli("restore", str(newer), env_extra=env)
    assert_one_line_failure(proc)
    assert "plans.9999_from_the_future" in proc.stderr


# -- SQLite round trip ----------------------------------------------------------------------------


@sqlite_only
def test_a_sqlite_round_trip_gives_identical_tables_and_files(tmp_path, source):
    archive, rows, media = source
    fresh = tmp_path / "fresh-data"
    proc = run_cli("restore", str(archive), env_extra={"ECO311_DATA_DIR": str(fresh)})
    assert proc.returncode == 0, proc.stderr
    assert "restored" in proc.stdout and "已恢复" in proc.stdout
    assert sqlite_rows(fresh / "eco311.sqlite3") == rows
    assert media_files(fresh / "media") == media_files(media)


@sqlite_only
def test_restore_needs_force_to_overwrite_and_then_replaces_everything(tmp_path, source):
    archive, rows, _media = source
    fresh = tmp_path / "fresh-data"
    env = {"ECO311_DATA_DIR": str(fresh)}
    assert run_cli("restore", str(archive), env_extra=env).returncode == 0
    (fresh / "media" / "stray.txt").write_text("not in the backup")
    db = sqlite3.connect(fresh / "eco311.sqlite3")
    db.execute("DELETE FROM plans_progressreport")
    db.commit()
    db.close()

    refused = run_cli("restore", str(archive), env_extra=env)
    assert_one_line_failure(refused)
    assert "--force" in refused.stderr

    forced = run_cli("restore", "--force", str(archive), env_extra=env)
    assert forced.returncode == 0, forced.stderr
    assert not (fresh / "media" / "stray.txt").exists()
    assert sqlite_rows(fresh / "eco311.sqlite3") == rows


@sqlite_only
def test_restore_refuses_a_damaged_archive_before_touching_anything(tmp_path, source):
    archive = source[0]
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as tar:
        member = tar.getmember(read_manifest(archive)["database"])
    data[member.offset_data + member.size // 2] ^= 0xFF  # one byte inside the database copy
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))
    fresh = tmp_path / "fresh-data"
    proc = run_cli("restore", str(damaged), env_extra={"ECO311_DATA_DIR": str(fresh)})
    assert_one_line_failure(proc)
    assert "SHA-256" in proc.stderr
    assert sqlite_rows(fresh / "eco311.sqlite3") == {}


@sqlite_only
def test_backup_to_a_missing_directory_is_one_clear_line(tmp_path):
    proc = run_cli(
        "backup",
        str(tmp_path / "no" / "such" / "dir" / "b.tar"),
        env_extra={"ECO311_DATA_DIR": str(tmp_path / "data")},
    )
    assert_one_line_failure(proc)
    assert "no such directory" in proc.stderr


@sqlite_only
def test_backup_onto_a_directory_is_one_clear_line(tmp_path):
    (tmp_path / "taken").mkdir()
    proc = run_cli(
        "backup", str(tmp_path / "taken"), env_extra={"ECO311_DATA_DIR": str(tmp_path / "data")}
    )
    assert_one_line_failure(proc)
    assert "backup failed" in proc.stderr


# -- PostgreSQL round trip ------------------------------------------------------------------------


@pytest.fixture
def fresh_postgres():
    """A new, empty database in the same cluster, and its DATABASE_URL."""
    import psycopg

    name = f"eco311_restore_{uuid.uuid4().hex[:8]}"
    conninfo, _env = backup_mod._pg_args({**connection.settings_dict, "NAME": "postgres"})
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
    yield name, url
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_rows(name: str) -> dict[str, list[str]]:
    # Through a Django connection, so the values come back as they do for the live database
    # (a bare psycopg cursor decodes json columns, Django's leaves them as text).
    live = connections["default"]
    restored = type(live)({**live.settings_dict, "NAME": name}, "restored")
    try:
        with restored.cursor() as cur:
            return table_rows(cur, restored.introspection.table_names(cur))
    finally:
        restored.close()


@postgres_only
@pytest.mark.django_db
def test_a_postgres_round_trip_gives_identical_tables_and_files(tmp_path, source, fresh_postgres):
    archive, rows, media = source
    name, url = fresh_postgres
    env = {"DATABASE_URL": url, "ECO311_DATA_DIR": str(tmp_path / "fresh-data")}
    proc = run_cli("restore", str(archive), env_extra=env)
    assert proc.returncode == 0, proc.stderr
    assert "restored" in proc.stdout
    assert postgres_rows(name) == rows
    assert media_files(tmp_path / "fresh-data" / "media") == media_files(media)

    refused = run_cli("restore", str(archive), env_extra=env)
    assert_one_line_failure(refused)
    assert "--force" in refused.stderr
    forced = run_cli("restore", "--force", str(archive), env_extra=env)
    assert forced.returncode == 0, forced.stderr
    assert postgres_rows(name) == rows


@postgres_only
def test_restore_refuses_a_backup_of_another_engine(tmp_path, source):
    archive = source[0]
    proc = run_cli("restore", str(archive), env_extra={"ECO311_DATA_DIR": str(tmp_path / "d")})
    assert_one_line_failure(proc)
    assert "postgresql" in proc.stderr and "sqlite" in proc.stderr
