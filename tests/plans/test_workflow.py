"""Progress reporting: submit, approve, return; nothing overwritten, every change kept."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eco311.accounts.scopes import Actor
from eco311.enterprises import kpis
from eco311.plans import tracking, workflow
from eco311.plans.models import ProgressReport, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def numeric(personas):
    unit = personas["dept"].membership.unit
    return (
        Target.objects.filter(kind="numeric", unit_links__unit=unit, is_active=True)
        .exclude(key__in=kpis.bound("shandong-311"))
        .first()
    )


@pytest.fixture
def dept(personas):
    return Actor.of(personas["dept"])


@pytest.fixture
def admin(personas):
    return Actor.of(personas["admin"])


def test_it_requires_a_value_for_a_numeric_target(numeric, dept):
    with pytest.raises(ValidationError) as exc:
        workflow.submit(dept, numeric, period_kind="year", year=2024)
    assert "value" in exc.value.message_dict


def test_it_rejects_a_period_number_out_of_range(numeric, dept):
    with pytest.raises(ValidationError) as exc:
        workflow.submit(dept, numeric, period_kind="quarter", year=2024, index=5, value=1)
    assert "period_index" in exc.value.message_dict


def test_it_rejects_reports_from_outside_the_scope(numeric, personas):
    with pytest.raises(PermissionDenied):
        workflow.submit(Actor.of(personas["bank"]), numeric, period_kind="year", year=2024, value=1)


def test_approval_supersedes_the_earlier_value_and_keeps_it(numeric, dept, admin):
    first = workflow.submit(dept, numeric, period_kind="year", year=2024, value=10)
    workflow.approve(admin, first)
    second = workflow.submit(
        dept, numeric, period_kind="year", year=2024, value=12, note="corrected"
    )
    assert first.pk != second.pk
    workflow.approve(admin, second)
    first.refresh_from_db()
    assert first.status == ProgressReport.Status.SUPERSEDED and first.value == 10
    reasons = list(
        ProgressReport.history.filter(id=first.id).values_list("history_change_reason", flat=True)
    )
    assert "submitted" in reasons and "approved" in reasons
    assert any(r and r.startswith("superseded") for r in reasons)


def test_only_approved_values_count_for_the_status(numeric, dept, admin):
    from datetime import date

    as_of = date(2026, 12, 31)
    before = tracking.status_of(numeric, as_of).latest
    value = numeric.limit * 0.99 if numeric.limit is not None else 999999
    report = workflow.submit(dept, numeric, period_kind="year", year=2026, value=value)
    assert tracking.status_of(numeric, as_of).latest == before
    workflow.approve(admin, report)
    assert tracking.status_of(numeric, as_of).latest.value == value


def test_returning_needs_a_reason(numeric, dept, admin):
    report = workflow.submit(dept, numeric, period_kind="year", year=2024, value=5)
    with pytest.raises(ValidationError):
        workflow.return_report(admin, report, "  ")
    workflow.return_report(admin, report, "please attach the statistics table")
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.RETURNED
    assert report.review_comment == "please attach the statistics table"


def test_a_department_cannot_approve(numeric, dept):
    report = workflow.submit(dept, numeric, period_kind="year", year=2024, value=5)
    with pytest.raises(PermissionDenied):
        workflow.approve(dept, report)


def test_a_bad_form_shows_located_errors_in_chinese(client_for, numeric):
    c = client_for("dept")
    url = f"/plans/{numeric.plan.key}/targets/{numeric.key}/report/"
    count = ProgressReport.objects.count()
    response = c.post(url, {"period_kind": "year", "year": "二〇二四", "index": 1, "value": "abc"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请输入" in body or "输入" in body  # Django's own zh-hans messages ("请输入整数" etc.)
    assert ProgressReport.objects.count() == count
