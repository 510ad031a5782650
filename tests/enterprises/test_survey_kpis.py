"""The survey feeds the plan: population → approved returns → KPI values → target statuses."""

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from eco311.accounts.scopes import Actor
from eco311.cli import main
from eco311.enterprises import kpis
from eco311.enterprises.demo import load_population
from eco311.enterprises.models import AnnualReturn, Enterprise, IndicatorValue
from eco311.plans import tracking, workflow
from eco311.plans.models import Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(survey_population):
    """The session's survey population (tests/conftest.py), its KPI values computed."""
    return survey_population


def test_the_population_loads_once_and_is_marked_synthetic(population, survey_spec):
    assert population["enterprises"] == survey_spec.enterprises
    assert Enterprise.objects.filter(synthetic=True).count() == survey_spec.enterprises
    assert AnnualReturn.objects.filter(status="approved").count() == population["returns"]
    assert population["returns"] > survey_spec.enterprises  # most filed both years
    assert load_population(survey_spec) == {"enterprises": 0, "returns": 0}


def test_stored_values_count_the_approved_returns(population):
    stored = IndicatorValue.objects.get(
        indicator="env_revenue_over_100m", scope_key="370000", year=2024
    )
    expected = sum(
        1
        for r in AnnualReturn.objects.filter(year=2024, status="approved")
        if r.env_revenue > 10000
    )
    assert stored.value == expected and stored.n_enterprises == expected


def test_a_returned_return_no_longer_counts(population):
    big = next(r for r in AnnualReturn.objects.filter(year=2024) if r.env_revenue > 10000)
    before = IndicatorValue.objects.get(
        indicator="env_revenue_over_100m", scope_key="370000", year=2024
    ).value
    big.status = AnnualReturn.Status.RETURNED
    big.save()
    kpis.recompute([2024])
    after = IndicatorValue.objects.get(
        indicator="env_revenue_over_100m", scope_key="370000", year=2024
    ).value
    assert after == before - 1


def test_bound_targets_take_their_values_from_the_survey(population):
    target = Target.objects.get(plan__key="shandong-311", key="1-2-3-b")
    status = tracking.status_of(target, date(2025, 6, 30))
    stored = IndicatorValue.objects.get(
        indicator="env_revenue_over_100m", scope_key="370000", year=2024
    )
    assert status.latest.period_end == date(2024, 12, 31)
    assert status.latest.value == stored.value
    early = tracking.status_of(target, date(2024, 6, 30))
    assert early.latest.period_end == date(2023, 12, 31)


def test_bound_targets_cannot_be_reported_by_hand(personas):
    target = Target.objects.get(plan__key="shandong-311", key="1-2-3-b")
    with pytest.raises(ValidationError):
        workflow.submit(Actor.of(personas["admin"]), target, period_kind="year", year=2024, value=1)


def test_the_target_page_names_its_survey_source(client):
    body = client.get("/plans/shandong-311/targets/1-2-3-b/").content.decode()
    assert 'data-testid="survey-source"' in body and "env_revenue_over_100m" in body


def test_kpi_command_prints_values_with_their_targets(population, capsys):
    assert main(["kpi", "--year", "2024", "--scope", "370000"]) == 0
    rows = json.loads(capsys.readouterr().out)
    row = next(r for r in rows if r["indicator"] == "env_revenue_over_100m")
    assert row["year"] == 2024 and row["unit"] == "家" and "1-2-3-b" in row["targets"]
    assert {r["scope"]["key"] for r in rows} == {"370000"}
