"""Issuing the chain-map analysis (chains/issue.py): only the plan owner, a clean unique number,
a date not after the platform's; the document frozen in both languages with its PDF; filed as
the approved evidence of target 4-2-1-a, whose computed status (plans/tracking.py, as the
target page computes it) then turns achieved, on time when issued by 2024-06-30."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from eco311.accounts.scopes import Actor
from eco311.chains import issue as service
from eco311.chains import report
from eco311.chains.models import ChainReport
from eco311.plans import tracking
from eco311.plans.models import ProgressReport

pytestmark = pytest.mark.django_db

DEADLINE = date(2024, 6, 30)


@pytest.fixture
def target(settings, tmp_path):
    """Target 4-2-1-a without any approved report (the demo's synthetic ones set aside inside
    this test's transaction), so that only the issued analysis can complete it."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.DEFAULT_AS_OF = "2025-06-30"
    t = service.milestone_target()
    ProgressReport.objects.filter(target=t, status=ProgressReport.Status.APPROVED).update(
        status=ProgressReport.Status.SUPERSEDED
    )
    return t


@pytest.fixture(autouse=True)
def english():
    """The messages are compared in English (Chinese is the default language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def admin(personas):
    return Actor.of(personas["admin"])


@pytest.fixture
def year():
    return max(report.years())


def status(target, on):
    return tracking.status_of(target, on)


def test_issuing_by_the_deadline_turns_the_target_achieved_on_time(target, admin, year):
    assert status(target, DEADLINE).status != "achieved"
    issued = service.issue(admin, year, "鲁环311链〔2024〕1号", date(2024, 6, 20))
    st = status(target, DEADLINE)
    assert st.status == "achieved"
    assert st.latest.period_end <= target.deadline
    assert service.is_on_time(issued)


def test_issuing_after_the_deadline_achieves_it_late(target, admin, year):
    issued = service.issue(admin, year, "鲁环311链〔2024〕2号", date(2024, 7, 10))
    # Not retroactive: at the deadline the milestone was not done, overdue until the document
    # existed, achieved from its issue day on (not from the month's end).
    assert status(target, DEADLINE).status != "achieved"
    assert status(target, date(2024, 7, 9)).status == "overdue"
    st = status(target, date(2024, 7, 10))
    assert st.status == "achieved"
    assert st.latest.period_end == date(2024, 7, 10)
    assert st.latest.period_end > target.deadline
    assert not service.is_on_time(issued)


def test_the_evidence_is_an_approved_report_with_the_pdf_and_a_frozen_snapshot(
    target, admin, year, personas
):
    issued = service.issue(admin, year, "鲁环311链〔2024〕3号", date(2024, 6, 20))
    ev = issued.evidence
    assert ev.target == target and ev.status == ProgressReport.Status.APPROVED and ev.done
    assert (ev.period_kind, ev.period_start, ev.period_end) == (
        "month",
        date(2024, 6, 1),
        date(2024, 6, 20),  # counted from the issue day
    )
    assert ev.submitted_by == personas["admin"] and ev.reviewed_by == personas["admin"]
    assert "鲁环311链〔2024〕3号" in ev.note and "鲁环311链〔2024〕3号" in ev.review_comment
    assert ev.attachment.read().startswith(b"%PDF")
    assert issued.pdf.read().startswith(b"%PDF")
    assert ev.history.count() == 1 and issued.history.count() == 1
    # Both languages frozen, with the number, the date and the issuer.
    zh, en = service.document(issued, "zh"), service.document(issued, "en")
    assert (zh.lang, en.lang) == ("zh", "en")
    assert zh.issue_number == en.issue_number == "鲁环311链〔2024〕3号"
    assert zh.issued_on == "2024-06-20" and zh.issuer == "山东省生态环境厅"
    assert zh.year == year and [c.code for c in zh.chains] == [c.code for c in en.chains]


def test_the_demo_issues_one_analysis_on_time(target, personas):
    from eco311.chains.demo_report import NUMBER, issue_demo_report

    issued = issue_demo_report(Actor.of)
    assert issued.number == NUMBER and issued.synthetic and issued.year == 2023
    assert status(target, DEADLINE).status == "achieved"
    assert issue_demo_report(Actor.of) == issued  # once


def test_only_the_plan_owner_issues(target, personas, year):
    before = ChainReport.objects.count()
    for role in ("dept", "jinan", "enterprise"):
        with pytest.raises(PermissionDenied):
            service.issue(Actor.of(personas[role]), year, f"X-{role}", date(2024, 6, 20))
    assert ChainReport.objects.count() == before


@pytest.mark.parametrize(
    ("number", "message"),
    [("", "Enter the issue number."), ("a\x01b", "The issue number is not valid.")],
)
def test_a_bad_number_is_refused_on_its_field(target, admin, year, number, message):
    with pytest.raises(ValidationError) as exc:
        service.issue(admin, year, number, date(2024, 6, 20))
    assert exc.value.message_dict == {"number": [message]}


def test_a_revised_edition_needs_another_number(target, admin, year):
    service.issue(admin, year, "鲁环311链〔2024〕5号", date(2024, 6, 20))
    with pytest.raises(ValidationError) as exc:
        service.issue(admin, year, "鲁环311链〔2024〕5号", date(2024, 6, 25))
    assert exc.value.message_dict == {"number": ["This issue number is already used."]}
    revised = service.issue(admin, year, "鲁环311链〔2024〕6号", date(2024, 6, 25))
    assert ChainReport.objects.filter(year=year).count() >= 2
    # The revision's evidence replaces the first one for the same month.
    approved = ProgressReport.objects.filter(target=target, status="approved")
    assert list(approved) == [revised.evidence]
    assert service.suggest_number(date(2024, 7, 1)) == "鲁环311链〔2024〕7号"


def test_a_date_after_the_platforms_is_refused(target, admin, year, settings):
    settings.DEFAULT_AS_OF = "2024-06-30"
    with pytest.raises(ValidationError) as exc:
        service.issue(admin, year, "鲁环311链〔2024〕8号", date(2024, 7, 1))
    assert list(exc.value.message_dict) == ["date"]


def test_a_year_without_data_is_refused(target, admin):
    with pytest.raises(ValidationError) as exc:
        service.issue(admin, 1999, "鲁环311链〔2024〕9号", date(2024, 6, 20))
    assert list(exc.value.message_dict) == ["year"]


def test_nothing_is_written_when_the_pdf_fails(target, admin, year, monkeypatch):
    def broken(doc):
        raise RuntimeError("the printer is on fire")

    monkeypatch.setattr(report, "render_pdf", broken)
    reports, evidence = ChainReport.objects.count(), ProgressReport.objects.count()
    with pytest.raises(RuntimeError):
        service.issue(admin, year, "鲁环311链〔2024〕10号", date(2024, 6, 20))
    assert ChainReport.objects.count() == reports
    assert ProgressReport.objects.count() == evidence


def test_nothing_is_written_when_a_row_fails(target, admin, year, monkeypatch, settings):
    def broken(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ChainReport, "save", broken)
    evidence = ProgressReport.objects.count()
    with pytest.raises(RuntimeError):
        service.issue(admin, year, "鲁环311链〔2024〕11号", date(2024, 6, 20))
    assert ProgressReport.objects.count() == evidence
    assert status(target, DEADLINE).status != "achieved"
