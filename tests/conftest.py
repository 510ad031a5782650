"""Shared fixtures: the shipped plans, the demo personas and a survey population, loaded once
per test session (each test's rollback puts back what it changed); tests/factories.py builds
single objects beside them.

Like datasette's one code-built fixture set, the tests use the same loader and demo generator
as `eco311 demo`, so what the tests check is what users see.
"""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
TESTDATA = SHARED / "testdata"
AS_OF = "2025-06-30"


# The survey population every test sees: built once per session (it took a third of the suite's
# time when each test built its own) and kept as it is by the rollback that ends each test.
SURVEY_SPEC = {"enterprises": 200, "years": (2023, 2024), "seed": 3}
SURVEY_COUNTS: dict = {}


def load_session_data():
    """The areas, the shipped plans, the demo personas and their synthetic reports, and the
    survey population (enterprises with approved returns, their KPI values computed)."""
    from eco311.demo import create_accounts, synthetic_reports
    from eco311.enterprises import kpis
    from eco311.enterprises.demo import load_population
    from eco311.enterprises.models import AnnualReturn, Enterprise
    from eco311.enterprises.survey.synthetic import PopulationSpec
    from eco311.geo.loader import load_areas
    from eco311.plans.loader import load_plan
    from eco311.plans.planfile import plan_files

    load_areas()
    for path in plan_files():
        load_plan(str(path))
    create_accounts("pw")
    synthetic_reports(seed=1)
    load_population(PopulationSpec(**SURVEY_SPEC))
    # Counted, not taken from the load: that says 0 when the data is already there (--reuse-db).
    SURVEY_COUNTS.update(
        enterprises=Enterprise.objects.filter(synthetic=True).count(),
        returns=AnnualReturn.objects.filter(synthetic=True).count(),
    )
    kpis.recompute()
    # Again, now that the population exists: the enterprise persona acts for its first member.
    create_accounts("pw")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_session_data()


@pytest.fixture(scope="class")
def restores_session_data(django_db_setup, django_db_blocker):
    """For a test marked django_db(transaction=True): its flush at the end empties every table,
    the session's plans, personas and survey population too; this puts them back for the tests
    that follow (on PostgreSQL a module-scoped fixture of tests/core/test_backup.py reads them).

    Class-scoped so that its teardown runs after the test's flush: give every such test a class
    of its own (or make it the only test of its module).
    """
    yield
    from eco311.plans.models import Plan

    with django_db_blocker.unblock():
        if not Plan.objects.exists():
            load_session_data()


@pytest.fixture
def race():
    """Run callables at the same moment, each in a thread with its own database connection.

    ``race(f, g)`` returns, in order, what each returned or the exception it raised. A barrier
    starts them together; each thread closes its connection when done (the test database
    cannot be dropped while a thread's connection is open).
    """
    import threading

    from django.db import connection

    def run(*calls):
        barrier = threading.Barrier(len(calls))
        outcomes = [None] * len(calls)

        def worker(i, call):
            try:
                barrier.wait(timeout=30)
                outcomes[i] = call()
            except BaseException as exc:  # noqa: BLE001 - the test looks at what was raised
                outcomes[i] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        return outcomes

    return run


@pytest.fixture
def demo_mode(settings):
    """A demonstration instance (ECO311_DEMO=1): the synthetic-data banner and marks. Off by
    default, as in production; a test that expects the marks asks for this."""
    settings.DEMO_MODE = True
    return settings


@pytest.fixture
def personas(db):
    """The demo users by role name: admin, dept, jinan (city), park, enterprise, bank."""
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def client_for(client, personas):
    """A test client logged in as the named persona (or anonymous for 'public')."""

    def make(name):
        from django.test import Client

        c = Client()
        if name != "public":
            c.force_login(personas[name])
        return c

    return make


@pytest.fixture(scope="session")
def refused():
    """Whether a page refused its visitor: a 403 for a signed-in user, the login page (and back)
    for an anonymous one (web/views/errors.py)."""

    def check(response) -> bool:
        if response.wsgi_request.user.is_authenticated:
            return response.status_code == 403
        return response.status_code == 302 and "/accounts/login/" in response["Location"]

    return check


@pytest.fixture(scope="session")
def factories():
    """tests/factories.py: single enterprises, returns and users, built with the models."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "factories", Path(__file__).with_name("factories.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def survey_spec():
    """The PopulationSpec of the session's survey population."""
    from eco311.enterprises.survey.synthetic import PopulationSpec

    return PopulationSpec(**SURVEY_SPEC)


@pytest.fixture
def survey_population(db, personas):
    """200 synthetic enterprises with approved 2023 and 2024 returns, the KPI values computed,
    and the enterprise persona linked to the first of them (as `eco311 demo` does).

    Part of the session data (load_session_data): this only says a test relies on it, and
    returns the counts as loaded.
    """
    return dict(SURVEY_COUNTS)


@pytest.fixture(scope="session")
def serve_eco311():
    """Start the real server: ``with serve_eco311(env, data) as url:`` runs `eco311 serve` on a
    free port with that environment, waits until it answers, and on leaving stops it and
    prints its output (shown when a test fails), as datasette's browser tests do."""
    import contextlib
    import socket
    import subprocess
    import sys
    import time

    @contextlib.contextmanager
    def serve(env: dict, data: Path, *args: str):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = open(data / "server.log", "w+")  # read back on the way out
        proc = subprocess.Popen(
            [sys.executable, "-m", "eco311.cli", "serve", "--port", str(port), *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            log.seek(0)
            print(log.read())
            log.close()

    return serve


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory, serve_eco311):
    """`eco311 demo --no-serve` once for the session, then `eco311 serve` (no worker), for the
    browser tests that read and act on the demo: building it takes a minute, so it is shared.
    (tests/web/test_browser.py keeps its own, served with the worker.)"""
    import os
    import subprocess
    import sys

    data = tmp_path_factory.mktemp("eco311-demo")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(ECO311_DATA_DIR=str(data), ECO311_AS_OF="2025-06-30", ECO311_DEMO="true")
    setup = subprocess.run(
        [sys.executable, "-m", "eco311.cli", "demo", "--no-serve", "--password", "pw"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    with serve_eco311(env, data, "--no-worker") as url:
        yield url
