"""Four eyes: nobody approves or returns a report he submitted himself."""

import pytest
from django.core.exceptions import ValidationError

from eco311.accounts.models import Role
from eco311.accounts.scopes import Actor
from eco311.enterprises import kpis
from eco311.plans import workflow
from eco311.plans.models import ProgressReport, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def target():
    return (
        Target.objects.filter(kind="numeric", is_active=True, plan__key="shandong-311")
        .exclude(key__in=kpis.bound("shandong-311"))
        .first()
    )


def test_the_administrator_cannot_approve_his_own_report(target, personas):
    admin = Actor.of(personas["admin"])
    report = workflow.submit(admin, target, period_kind="year", year=2024, value=3)
    assert not admin.can_decide(report)
    with pytest.raises(ValidationError) as exc:
        workflow.approve(admin, report)
    assert "另一位审核人" in " ".join(exc.value.messages)  # Chinese first
    with pytest.raises(ValidationError):
        workflow.return_report(admin, report, "please check")
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED


def test_a_second_administrator_decides_on_it(target, personas, factories):
    admin = Actor.of(personas["admin"])
    report = workflow.submit(admin, target, period_kind="year", year=2024, value=3)
    other = Actor.of(factories.user(Role.ADMIN, username="second-admin"))
    assert other.can_decide(report)
    workflow.approve(other, report)
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.APPROVED
    assert report.reviewed_by_id == other.user.pk


def test_the_page_offers_no_decision_on_ones_own_report(target, personas, client_for):
    admin = Actor.of(personas["admin"])
    report = workflow.submit(admin, target, period_kind="year", year=2024, value=3)
    c = client_for("admin")
    page = c.get(f"/plans/{target.plan.key}/targets/{target.key}/").content.decode()
    assert f"/reports/{report.pk}/review/" not in page
    answer = c.post(f"/reports/{report.pk}/review/", {"action": "approve", "comment": ""})
    assert answer.status_code == 302
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.SUBMITTED
