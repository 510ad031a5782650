"""Values from elsewhere: the survey registers itself as a source; plans never imports it."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from eco311.accounts.scopes import Actor
from eco311.plans import sources, tracking, workflow
from eco311.plans.models import Target

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 6, 30)


def test_the_survey_registers_itself_at_app_start():
    from eco311.enterprises import kpis

    assert "survey" in {s.name for s in sources.sources()}
    bound = kpis.bound("shandong-311")
    assert bound and sources.bound_keys("shandong-311") == set(bound)
    t = Target.objects.get(plan__key="shandong-311", key=next(iter(bound)))
    binding = sources.binding_for(t)
    assert (binding.source, binding.indicator, binding.scope) == ("survey", *bound[t.key])


@pytest.fixture
def fake_source():
    """A second source feeding one target that takes reports today."""
    target = Target.objects.filter(
        plan__key="shandong-311", kind="numeric", is_active=True
    ).exclude(key__in=sources.bound_keys("shandong-311"))[0]
    binds = {target.key: sources.Binding("fake", "ind", "370000")}

    def bindings(plan_key):
        return binds if plan_key == "shandong-311" else {}

    def series(targets):
        return {t.id: [(2023, 1.0), (2024, 2.0), (2025, 3.0)] for t in targets}

    sources.register_value_source("fake", bindings=bindings, series=series)
    yield target
    sources.unregister_value_source("fake")


def test_a_registered_source_feeds_the_status_by_survey_year(fake_source):
    obs = tracking.observations([fake_source], AS_OF)[fake_source.id]
    # Each value stands for its year's end; 2025's is not known on 30 June 2025.
    assert [(o.period_end, o.value) for o in obs] == [
        (date(2023, 12, 31), 1.0),
        (date(2024, 12, 31), 2.0),
    ]
    assert tracking.status_of(fake_source, AS_OF).latest.value == 2.0


def test_a_source_fed_target_takes_no_reports(fake_source, personas):
    assert not workflow.takes_reports(fake_source)
    with pytest.raises(ValidationError):
        workflow.submit(
            Actor.of(personas["admin"]), fake_source, period_kind="year", year=2024, value=1
        )


def test_a_survey_target_never_misses_a_report(personas):
    """Nobody can file a report for it, so "missing report" would be a warning nobody can
    act on; its freshness is its survey year."""
    bound = Target.objects.filter(
        plan__key="shandong-311", key__in=sources.bound_keys("shandong-311"), is_active=True
    ).select_related("plan")
    assert bound
    found = tracking.warnings(list(bound), date(2025, 12, 1))
    assert [w for w in found if w.kind == "missing_report"] == []


def test_a_target_without_reports_still_misses_them():
    reported = Target.objects.filter(plan__key="shandong-311", kind="numeric", is_active=True)
    reported = reported.exclude(key__in=sources.bound_keys("shandong-311")).select_related("plan")
    found = tracking.warnings(list(reported), date(2025, 12, 1))
    assert any(w.kind == "missing_report" for w in found)


def test_the_target_page_of_a_survey_target_offers_no_report_form(client_for):
    key = sorted(sources.bound_keys("shandong-311"))[0]
    body = client_for("admin").get(f"/plans/shandong-311/targets/{key}/").content.decode()
    assert 'data-testid="survey-source"' in body
    assert 'data-testid="report-form"' not in body


def test_a_source_fed_target_page_names_the_survey_year_of_its_value(fake_source, client):
    url = f"/plans/{fake_source.plan.key}/targets/{fake_source.key}/?as_of=2025-06-30"
    body = client.get(url).content.decode()
    assert re.search(r'data-testid="survey-year">[^<]*2024', body)
    assert 'data-testid="report-form"' not in body
