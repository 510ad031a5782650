"""Two reviewers deciding on one progress report at the same moment: exactly one decision
applies, the other is told the report has already been decided on."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from eco311.accounts.scopes import Actor
from eco311.enterprises import kpis
from eco311.plans import workflow
from eco311.plans.models import ProgressReport, Target

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises"
)


def _pending_report(personas) -> ProgressReport:
    unit = personas["dept"].membership.unit
    target = (
        Target.objects.filter(kind="numeric", unit_links__unit=unit, is_active=True)
        .exclude(key__in=kpis.bound("shandong-311"))
        .first()
    )
    return workflow.submit(
        Actor.of(personas["dept"]), target, period_kind="year", year=2024, value=11
    )


def _stale_copies(report, n=2):
    """Each decision starts from its own instance, loaded while the report was pending."""
    return [ProgressReport.objects.get(pk=report.pk) for _ in range(n)]


def _already_decided(outcome) -> bool:
    return isinstance(outcome, ValidationError) and outcome.error_list[0].code == (
        "already_decided"
    )


@pytest.mark.django_db
def test_a_second_decision_on_a_decided_report_is_refused(personas):
    admin = Actor.of(personas["admin"])
    report = _pending_report(personas)
    first, second = _stale_copies(report)
    workflow.approve(admin, first)
    with pytest.raises(ValidationError) as exc:
        workflow.return_report(admin, second, "too late")
    assert _already_decided(exc.value)
    assert "already been decided" in exc.value.messages[0] or "已" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        workflow.approve(admin, second)
    assert _already_decided(exc.value)
    stored = ProgressReport.objects.get(pk=report.pk)
    assert stored.status == ProgressReport.Status.APPROVED
    assert stored.review_comment == ""


@on_postgresql
@pytest.mark.usefixtures("restores_session_data")
class TestApproveAndReturnAtOnce:
    @pytest.mark.django_db(transaction=True)
    def test_only_one_of_approve_and_return_applies(self, personas, race):
        admin = Actor.of(personas["admin"])
        report = _pending_report(personas)
        a, b = _stale_copies(report)
        outcomes = race(
            lambda: workflow.approve(admin, a), lambda: workflow.return_report(admin, b, "no")
        )
        won = [o for o in outcomes if isinstance(o, ProgressReport)]
        lost = [o for o in outcomes if not isinstance(o, ProgressReport)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        assert _already_decided(lost[0]), lost[0]
        stored = ProgressReport.objects.get(pk=report.pk)
        assert stored.status == won[0].status
        assert stored.status in (ProgressReport.Status.APPROVED, ProgressReport.Status.RETURNED)


@on_postgresql
@pytest.mark.usefixtures("restores_session_data")
class TestApproveTwiceAtOnce:
    @pytest.mark.django_db(transaction=True)
    def test_a_double_approval_applies_once_and_never_supersedes_itself(self, personas, race):
        admin = Actor.of(personas["admin"])
        report = _pending_report(personas)
        a, b = _stale_copies(report)
        outcomes = race(lambda: workflow.approve(admin, a), lambda: workflow.approve(admin, b))
        assert sum(isinstance(o, ProgressReport) for o in outcomes) == 1, outcomes
        assert sum(_already_decided(o) for o in outcomes) == 1, outcomes
        stored = ProgressReport.objects.get(pk=report.pk)
        assert stored.status == ProgressReport.Status.APPROVED
        approved_for_period = ProgressReport.objects.filter(
            target=report.target,
            period_start=report.period_start,
            period_end=report.period_end,
            status=ProgressReport.Status.APPROVED,
        )
        assert list(approved_for_period) == [stored]
        reasons = [h.history_change_reason for h in stored.history.all()]
        assert not any(r and r.startswith("superseded") for r in reasons)
