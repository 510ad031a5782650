"""Shared fixtures: the shipped plans and the demo personas, loaded once per test session.

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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from eco311.demo import create_accounts, synthetic_reports
    from eco311.geo.loader import load_areas
    from eco311.plans.loader import load_plan
    from eco311.plans.planfile import plan_files

    with django_db_blocker.unblock():
        load_areas()
        for path in plan_files():
            load_plan(str(path))
        create_accounts("pw")
        synthetic_reports(seed=1)


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


@pytest.fixture
def survey_population(db, personas):
    """200 synthetic enterprises with approved 2023 and 2024 returns, the KPI values computed,
    and the enterprise persona linked to the first of them (as `eco311 demo` does)."""
    from eco311.demo import create_accounts
    from eco311.enterprises import kpis
    from eco311.enterprises.demo import load_population
    from eco311.enterprises.survey.synthetic import PopulationSpec

    counts = load_population(PopulationSpec(enterprises=200, years=(2023, 2024), seed=3))
    kpis.recompute()
    create_accounts("pw")
    return counts
