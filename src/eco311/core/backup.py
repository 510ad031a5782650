"""`eco311 backup FILE` and `eco311 restore FILE`: the database and the uploaded files in one
archive, taken while the platform runs.

The archive is a plain tar (docs/backup.md):

- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while others write) or
  ``database.pgdump`` (``pg_dump -Fc``, one snapshot);
- ``media/…``: every file under MEDIA_ROOT (uploaded workbooks, marked copies of rejected ones);
- ``manifest.json``: format version, date, engine, the applied migrations, every table's row
  count in the copy, and the size and SHA-256 of every other member.

Restore checks the whole archive against its manifest before it touches anything, refuses a
database that already holds data (or a MEDIA_ROOT with files) unless forced, and afterwards
counts the rows again and compares them with the manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

FORMAT = "eco311-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is bilingual, Chinese first."""


@dataclass
class Summary:
    """What a backup wrote or a restore restored, for the one line the CLI prints."""

    path: Path
    engine: str
    created: str
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


# -- where the database is ----------------------------------------------------------------------


def _engine(settings_dict: dict) -> str:
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"不支持的数据库引擎 / unsupported database engine: {engine}")


def _pg_bin(name: str) -> str:
    """pg_dump / pg_restore: from pg_config's bindir, else the newest /usr/lib/postgresql/*/bin
    (as scripts/with-postgres does; a newer client can read an older server), else PATH."""
    candidates = []
    if pg_config := shutil.which("pg_config"):
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()) / name)

    def version(p: Path) -> tuple:
        return tuple(int(x) if x.isdigit() else 0 for x in p.parent.parent.name.split("."))

    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=version)[::-1]
    if found := shutil.which(name):
        candidates.append(Path(found))
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    raise BackupError(
        f"找不到 {name}，请安装 PostgreSQL 客户端 / {name} not found: install the PostgreSQL "
        "client (Debian: apt-get install postgresql-client)"
    )


def _pg_args(settings_dict: dict) -> tuple[str, dict]:
    """A libpq connection string and environment for pg_dump/pg_restore; the password goes in
    the environment, not on the command line where `ps` would show it."""
    from psycopg.conninfo import make_conninfo

    params = {
        k: v
        for k, v in {
            "dbname": settings_dict.get("NAME"),
            "user": settings_dict.get("USER"),
            "host": settings_dict.get("HOST"),
            "port": str(settings_dict.get("PORT") or ""),
        }.items()
        if v
    }
    options = dict(settings_dict.get("OPTIONS") or {})
    for key in ("host", "port", "sslmode", "sslrootcert", "sslcert", "sslkey", "passfile"):
        if options.get(key) and key not in params:
            params[key] = str(options[key])
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return make_conninfo(**params), env


def _run(cmd: list[str], env: dict, what: str) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise BackupError(f"{what}失败 / {what} failed: " + (detail[-1] if detail else "?"))


# -- counting -------------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _count(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [r[0] for r in rows]


def _migrations(cursor, tables) -> dict[str, list[str]]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


# -- backup ---------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _copy_sqlite(alias: str, dest: Path) -> tuple[dict, dict]:
    """SQLite's online backup of what the connection sees; the counts are taken from the copy, so
    they describe exactly it. In WAL mode (settings.py) writers go on meanwhile.

    Django's own connection rather than a new one: it also works for an in-memory database."""
    from django.db import connections

    conn = connections[alias]
    if conn.in_atomic_block:
        # SQLite's backup step waits forever on a connection that holds a write transaction.
        raise BackupError(
            "不能在数据库事务中备份 SQLite / cannot back up SQLite from inside a transaction"
        )
    conn.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        conn.connection.backup(target)
        # One self-contained file: no -wal beside it, whatever mode the live database uses.
        target.execute("PRAGMA journal_mode=DELETE")
        tables = _sqlite_tables(target)
        cur = target.cursor()
        return _count(cur, tables), _migrations(cur, tables)
    finally:
        target.close()


def _dump_postgresql(alias: str, dest: Path) -> tuple[dict, dict]:
    """pg_dump of the snapshot our own REPEATABLE READ transaction sees, so the row counts in
    the manifest and the dump describe the same instant even while others write."""
    from django.db import connections

    conn = connections.create_connection(alias)
    try:
        with conn.cursor() as cur:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            tables = conn.introspection.table_names(cur)
            counts, applied = _count(cur, tables), _migrations(cur, tables)
            conninfo, env = _pg_args(conn.settings_dict)
            _run(
                [_pg_bin("pg_dump"), "-Fc", f"--snapshot={snapshot}", "-f", str(dest), conninfo],
                env,
                "pg_dump",
            )
            cur.execute("COMMIT")
        return counts, applied
    finally:
        conn.close()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eco311")
    except PackageNotFoundError:
        return "unknown"


def _media_files(media_root: Path) -> list[Path]:
    if not media_root.is_dir():
        return []
    return sorted(p for p in media_root.rglob("*") if p.is_file() and not p.is_symlink())


def backup(
    path: str | os.PathLike, *, alias: str = "default", media_root: Path | None = None
) -> Summary:
    """Write the archive to `path` (atomically: a partial file never has the final name)."""
    from django.conf import settings
    from django.db import connections

    path = Path(path)
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    engine = _engine(connections[alias].settings_dict)
    if not path.parent.is_dir():
        raise BackupError(f"目录不存在 / no such directory: {path.parent}")
    created = datetime.now(UTC).isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory(prefix="eco311-backup-", dir=path.parent) as tmp:
        staged = Path(tmp) / DB_MEMBER[engine]
        if engine == "sqlite":
            counts, applied = _copy_sqlite(alias, staged)
        else:
            counts, applied = _dump_postgresql(alias, staged)
        members = {DB_MEMBER[engine]: staged}
        for f in _media_files(media_root):
            members[MEDIA_PREFIX + f.relative_to(media_root).as_posix()] = f
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "eco311_version": _version(),
            "created": created,
            "engine": engine,
            "database": DB_MEMBER[engine],
            "migrations": applied,
            "tables": counts,
            "members": {
                name: {"size": p.stat().st_size, "sha256": _sha256(p)}
                for name, p in members.items()
            },
        }
        partial = Path(tmp) / "archive.tar"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(datetime.now().timestamp()), 0o644
            tar.addfile(info, io.BytesIO(data))
            for name, p in members.items():
                tar.add(p, arcname=name, recursive=False)
        os.replace(partial, path)
    return Summary(path, engine, created, counts, len(members) - 1)


# -- restore --------------------------------------------------------------------------------------


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and name == p.as_posix()


def read_manifest(path: str | os.PathLike) -> dict:
    """The manifest of an archive, checked for format and version (nothing else is read)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"找不到备份文件 / no such backup file: {path}")
    try:
        with tarfile.open(path, "r:*") as tar:
            member = tar.getmember(MANIFEST)
            manifest = json.loads(tar.extractfile(member).read())
    except (tarfile.TarError, KeyError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackupError(
            f"{path}: 不是 eco311 备份文件（无有效的 {MANIFEST}）/ not an eco311 backup "
            f"(no valid {MANIFEST}): {exc}"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: 不是 eco311 备份文件 / not an eco311 backup")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{path}: 备份格式版本 {manifest.get('format_version')} 不受支持（支持 "
            f"{FORMAT_VERSION}）/ backup format version {manifest.get('format_version')} is "
            f"not supported (this version reads {FORMAT_VERSION})"
        )
    for key in ("engine", "database", "tables", "members", "created"):
        if key not in manifest:
            raise BackupError(f"{path}: {MANIFEST} 缺少 {key} / {MANIFEST} has no {key}")
    return manifest


def _extract_checked(path: Path, manifest: dict, into: Path) -> None:
    """Extract every member the manifest lists, checking its size and SHA-256, before anything
    of the live installation is touched."""
    expected = manifest["members"]
    if manifest["database"] not in expected:
        raise BackupError(f"{path}: 清单未列出数据库文件 / manifest lists no database file")
    seen = set()
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            if member.name not in expected or not _safe_name(member.name):
                raise BackupError(
                    f"{path}: 成员 {member.name} 不在清单中 / member {member.name} is not in "
                    "the manifest"
                )
            if not member.isfile():
                raise BackupError(f"{path}: {member.name} 不是普通文件 / is not a regular file")
            dest = into / member.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            h = hashlib.sha256()
            with tar.extractfile(member) as src, dest.open("wb") as out:
                while chunk := src.read(CHUNK):
                    h.update(chunk)
                    out.write(chunk)
            want = expected[member.name]
            if h.hexdigest() != want.get("sha256") or dest.stat().st_size != want.get("size"):
                raise BackupError(
                    f"{path}: {member.name} 校验和不符，备份已损坏 / {member.name} does not "
                    "match its SHA-256 in the manifest: the backup is damaged"
                )
            seen.add(member.name)
    if missing := sorted(set(expected) - seen):
        raise BackupError(
            f"{path}: 缺少成员 / members missing: {', '.join(missing[:5])}"
            + (" …" if len(missing) > 5 else "")
        )


def _check_migrations(manifest: dict) -> list[str]:
    """Refuse a backup made by a newer eco311 (migrations this code does not have); note one
    made by an older version, which `eco311 setup` then migrates."""
    from django.db.migrations.loader import MigrationLoader

    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {
        (app, name) for app, names in manifest.get("migrations", {}).items() for name in names
    }
    unknown = sorted(applied - on_disk)
    if unknown:
        app, name = unknown[0]
        raise BackupError(
            f"备份来自更新的 eco311 版本（未知迁移 {app}.{name}），请先升级 / the backup was made "
            f"by a newer eco311 (unknown migration {app}.{name}): upgrade first"
        )
    if on_disk - applied:
        return ["备份早于当前版本，请运行 eco311 setup / older than this version: run eco311 setup"]
    return []


def _live_rows(alias: str) -> dict[str, int]:
    from django.db import connections

    conn = connections[alias]
    with conn.cursor() as cur:
        tables = conn.introspection.table_names(cur)
        return {t: n for t, n in _count(cur, tables).items() if n}


def _restore_sqlite(alias: str, copy: Path) -> None:
    from django.db import connections

    conn = connections[alias]
    name = conn.settings_dict["NAME"]
    connections.close_all()
    # The backup API writes the pages into the target through SQLite, so an existing file, its
    # -wal and any other open connection stay coherent (a file copy would not).
    src = sqlite3.connect(copy)
    try:
        dst = sqlite3.connect(name, uri=str(name).startswith("file:"))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _restore_postgresql(alias: str, dump: Path) -> None:
    from django.db import connections

    conn = connections[alias]
    with conn.cursor() as cur:
        # Only the tables: sequences they own and their indexes and constraints go with them.
        for table in conn.introspection.table_names(cur):
            cur.execute(f"DROP TABLE IF EXISTS {_quote(table)} CASCADE")
    conninfo, env = _pg_args(conn.settings_dict)
    connections.close_all()
    _run(
        [
            _pg_bin("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "-d",
            conninfo,
            str(dump),
        ],
        env,
        "pg_restore",
    )


def restore(
    path: str | os.PathLike,
    *,
    force: bool = False,
    alias: str = "default",
    media_root: Path | None = None,
) -> Summary:
    """Replace the database and MEDIA_ROOT with the archive's; refuse to overwrite data unless
    `force`. Checks the archive first and the restored row counts last."""
    from django.conf import settings
    from django.db import connections

    path = Path(path)
    media_root = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    manifest = read_manifest(path)
    engine = _engine(connections[alias].settings_dict)
    if manifest["engine"] != engine:
        raise BackupError(
            f"{path}: 备份的数据库是 {manifest['engine']}，当前是 {engine}，不能互相恢复 / the "
            f"backup is of a {manifest['engine']} database and this one is {engine}"
        )
    notes = _check_migrations(manifest)
    if not force:
        if rows := _live_rows(alias):
            raise BackupError(
                f"数据库已有数据（{len(rows)} 个表非空），如确要覆盖请加 --force / the database "
                f"is not empty ({len(rows)} tables hold rows): add --force to overwrite it"
            )
        if _media_files(media_root):
            raise BackupError(
                f"{media_root} 已有文件，如确要覆盖请加 --force / {media_root} holds files: "
                "add --force to replace them"
            )
    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="eco311-restore-", dir=media_root.parent) as tmp:
        staged = Path(tmp)
        _extract_checked(path, manifest, staged)
        if engine == "sqlite":
            _restore_sqlite(alias, staged / manifest["database"])
        else:
            _restore_postgresql(alias, staged / manifest["database"])
        # MEDIA_ROOT becomes exactly the archive's: the old tree is moved aside, then removed.
        new_media = staged / MEDIA_PREFIX.rstrip("/")
        new_media.mkdir(exist_ok=True)
        old = staged / "old-media"
        if media_root.exists():
            os.replace(media_root, old)
        shutil.move(str(new_media), str(media_root))
    restored = _live_rows(alias)
    expected = {t: n for t, n in manifest["tables"].items() if n}
    if restored != expected:
        diff = sorted(set(restored.items()) ^ set(expected.items()))
        raise BackupError(
            "恢复后的行数与清单不符 / the restored row counts differ from the manifest: "
            + ", ".join(f"{t}={n}" for t, n in diff[:5])
        )
    files = sum(1 for m in manifest["members"] if m.startswith(MEDIA_PREFIX))
    return Summary(path, engine, manifest["created"], dict(manifest["tables"]), files, notes)
