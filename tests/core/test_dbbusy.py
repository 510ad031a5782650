"""While another connection holds SQLite's write lock, a write waits (the busy timeout) and,
if the lock outlasts it, the user is told the database is busy: 503 with a message, not a 500.

The lock is held with BEGIN IMMEDIATE from a second sqlite3 connection on a file database
built with the project's own connection settings (the test database lives in memory).
"""

import copy
import sqlite3
import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from eco311.core import dbbusy

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's writer lock")


def project_connection(path, timeout):
    """A Django connection to ``path`` with the project's SQLite OPTIONS, ``timeout`` seconds."""
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    settings_dict["NAME"] = str(path)
    settings_dict["OPTIONS"]["timeout"] = timeout
    settings_dict.pop("TEST", None)
    return DatabaseWrapper(settings_dict, alias="busy-test")


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "busy.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")  # as the project's database is after first use
        db.execute("CREATE TABLE t (n INTEGER)")
    return path


def hold_lock(path, seconds):
    """Take the write lock now from another connection; release it after ``seconds``."""
    holder = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    def release():
        time.sleep(seconds)
        holder.execute("ROLLBACK")
        holder.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


@sqlite_only
def test_the_busy_timeout_comes_from_the_settings():
    assert settings.DATABASES["default"]["OPTIONS"]["timeout"] == 30  # ECO311_SQLITE_TIMEOUT


@sqlite_only
def test_a_write_waits_for_a_lock_held_briefly(database):
    db = project_connection(database, timeout=10)
    released = hold_lock(database, 0.5)
    started = time.monotonic()
    try:
        with db.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
        waited = time.monotonic() - started
    finally:
        db.close()
        released.join()
    assert waited >= 0.4  # it waited for the lock rather than failing
    with sqlite3.connect(database) as check:
        assert check.execute("SELECT count(*) FROM t").fetchone() == (1,)


@pytest.fixture
def locked_write(database, monkeypatch):
    """Make the survey import's write hit a held lock with a tiny timeout (a real error)."""
    from eco311.enterprises import uploads

    def write(*args, **kwargs):
        db = project_connection(database, timeout=0.05)
        released = hold_lock(database, 0.5)
        try:
            with db.cursor() as cursor:
                cursor.execute("INSERT INTO t VALUES (1)")
        finally:
            db.close()
            released.join()

    monkeypatch.setattr(uploads, "import_upload", write)


def post_upload(client, tmp_path):
    path = tmp_path / "returns.xlsx"
    path.write_bytes(b"PK")
    with open(path, "rb") as fh:
        return client.post("/survey/import/", {"file": fh, "year": 2024})


@sqlite_only
def test_a_write_that_cannot_get_the_lock_gets_a_busy_page_not_a_500(
    client_for, locked_write, tmp_path
):
    admin = client_for("admin")
    response = post_upload(admin, tmp_path)
    assert response.status_code == 503
    assert response["Retry-After"] == str(dbbusy.RETRY_AFTER)
    page = response.content.decode()
    assert 'data-testid="db-busy"' in page
    assert dbbusy.busy_message() in page or "数据库" in page


@sqlite_only
def test_the_busy_page_is_in_english_for_an_english_user(client_for, locked_write, tmp_path):
    admin = client_for("admin")
    admin.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = post_upload(admin, tmp_path)
    assert response.status_code == 503
    assert "The database is busy with another change; try again in a moment." in (
        response.content.decode()
    )


@sqlite_only
def test_the_api_answers_busy_as_json(client, personas, locked_write, tmp_path, monkeypatch):
    from eco311.accounts.models import ApiToken

    token = ApiToken.issue(personas["admin"], "test")[1]
    path = tmp_path / "returns.xlsx"
    path.write_bytes(b"PK")
    with open(path, "rb") as fh:
        response = client.post(
            "/api/survey/import",
            {"file": fh, "year": 2024},
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code == 503
    assert response.json()["detail"]
    assert response["Retry-After"] == str(dbbusy.RETRY_AFTER)


def test_only_lock_errors_count_as_busy():
    assert dbbusy.is_busy(OperationalError("database is locked"))
    assert not dbbusy.is_busy(OperationalError("no such table: t"))
    assert not dbbusy.is_busy(ValueError("database is locked"))
