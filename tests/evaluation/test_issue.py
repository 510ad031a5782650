"""Drafting, editing and issuing an evaluation report: who may, what is kept, what is final."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eco311.accounts.scopes import Actor
from eco311.evaluation import issue as service
from eco311.evaluation.models import EvaluationDraft, IssuedReportIsFinal
from eco311.plans.models import Plan, Target, Unit
from eco311.reports.html import render_html
from eco311.supervision.models import Assignment

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 6, 30)


@pytest.fixture
def owner(personas):
    return Actor.of(personas["admin"])


@pytest.fixture
def dept(personas):
    return Actor.of(personas["dept"])


@pytest.fixture
def draft(owner):
    return service.new_draft(owner, Plan.objects.get(key="shandong-311"), AS_OF)


def assign_a_unit():
    """A change in the data: the plan owner assigns a lead unit to a target that had none."""
    target = Target.objects.filter(plan__key="shandong-311", unit_links__isnull=True).first()
    unit = Unit.objects.exclude(assignments__target=target).first()
    Assignment.objects.create(target=target, unit=unit, role="lead", reason="test")
    return target, unit


def test_only_the_plan_owner_drafts_edits_and_issues(dept, draft):
    plan = draft.plan
    with pytest.raises(PermissionDenied):
        service.new_draft(dept, plan, AS_OF)
    with pytest.raises(PermissionDenied):
        service.save_narrative(dept, draft, "zh", {"problems": "x"})
    with pytest.raises(PermissionDenied):
        service.redraft(dept, draft, "zh", "problems")
    with pytest.raises(PermissionDenied):
        service.issue(dept, draft, "鲁环311评〔2025〕90号", date(2025, 7, 10))
    draft.refresh_from_db()
    assert not draft.is_issued and draft.narrative == {}


def test_an_edit_is_kept_with_history_and_redraft_puts_the_data_text_back(owner, draft):
    drafted = service.report_for(draft, "zh").extras.narrative
    assert "1-" in drafted.problems or "未发现" in drafted.problems
    service.save_narrative(owner, draft, "zh", {"problems": "人工修改的存在问题。"})
    service.save_narrative(owner, draft, "zh", {"next_steps": "人工修改的下一步工作。"})
    n = service.report_for(draft, "zh").extras.narrative
    assert n.problems == "人工修改的存在问题。"
    assert n.next_steps == "人工修改的下一步工作。"
    assert n.judgement == drafted.judgement  # not edited: still drafted from the data
    # every save is a history record, the first with the hand-written problems
    texts = [h.narrative for h in draft.history.order_by("history_date")]
    assert len(texts) >= 3
    assert texts[1]["zh"]["problems"] == "人工修改的存在问题。"
    service.redraft(owner, draft, "zh", "problems")
    again = service.report_for(draft, "zh").extras.narrative
    assert again.problems == drafted.problems
    assert again.next_steps == "人工修改的下一步工作。"


def test_regenerating_the_data_keeps_the_edited_narrative(owner, draft):
    service.save_narrative(owner, draft, "zh", {"judgement": "人工撰写的总体评价。"})
    before = service.report_for(draft, "zh")
    target, unit = assign_a_unit()
    after = service.report_for(draft, "zh")
    counts = {g.label: g.counts.total for g in before.by_unit}
    assert {g.label: g.counts.total for g in after.by_unit}[unit.name] == counts.get(
        unit.name, 0
    ) + 1
    assert after.extras.narrative.judgement == "人工撰写的总体评价。"


def test_a_text_equal_to_the_drafted_one_is_not_stored(owner, draft):
    drafted = service.report_for(draft, "zh").extras.narrative
    service.save_narrative(owner, draft, "zh", {"judgement": drafted.judgement, "foreword": ""})
    draft.refresh_from_db()
    assert draft.edited("zh") == {}


def test_control_characters_are_refused_with_the_field(owner, draft):
    with pytest.raises(ValidationError) as exc:
        service.save_narrative(owner, draft, "zh", {"problems": "坏\x07字符"})
    assert "problems" in exc.value.message_dict


def test_issue_numbers_are_suggested_in_sequence_and_unique(owner, draft):
    year = 2031  # a year no other test issues in
    first = service.suggest_number(year)
    assert first == f"鲁环311评〔{year}〕1号"
    service.issue(owner, draft, first, date(2025, 7, 10))
    assert service.suggest_number(year) == f"鲁环311评〔{year}〕2号"
    other = service.new_draft(owner, draft.plan, AS_OF)
    with pytest.raises(ValidationError) as exc:
        service.issue(owner, other, first, date(2025, 7, 10))
    assert "number" in exc.value.message_dict
    other.refresh_from_db()
    assert not other.is_issued


def test_an_issue_date_before_the_evaluation_date_is_refused(owner, draft):
    with pytest.raises(ValidationError) as exc:
        service.issue(owner, draft, "鲁环311评〔2032〕1号", date(2025, 1, 1))
    assert "date" in exc.value.message_dict


def test_an_issued_report_is_immutable(owner, draft):
    service.issue(owner, draft, "鲁环311评〔2033〕1号", date(2025, 7, 10))
    fresh = EvaluationDraft.objects.get(pk=draft.pk)
    fresh.narrative = {"zh": {"problems": "改"}}
    with pytest.raises(IssuedReportIsFinal):
        fresh.save()
    with pytest.raises(IssuedReportIsFinal):
        EvaluationDraft.objects.filter(pk=draft.pk).update(issue_number="x")
    with pytest.raises(IssuedReportIsFinal):
        fresh.delete()
    with pytest.raises(IssuedReportIsFinal):
        EvaluationDraft.objects.filter(pk=draft.pk).delete()
    with pytest.raises(PermissionDenied):
        service.save_narrative(owner, fresh, "zh", {"problems": "改"})
    with pytest.raises(PermissionDenied):
        service.issue(owner, fresh, "鲁环311评〔2033〕2号", date(2025, 7, 10))
    assert EvaluationDraft.objects.get(pk=draft.pk).issue_number == "鲁环311评〔2033〕1号"


def test_the_snapshot_renders_the_same_document_after_the_data_change(owner, draft):
    service.save_narrative(owner, draft, "zh", {"foreword": "前言文字。"})
    service.issue(owner, draft, "鲁环311评〔2034〕1号", date(2025, 7, 10))
    issued = EvaluationDraft.objects.get(pk=draft.pk)
    before = {lang: render_html(service.report_for(issued, lang)) for lang in ("zh", "en")}
    assert "鲁环311评〔2034〕1号" in before["zh"] and "前言文字。" in before["zh"]
    target, unit = assign_a_unit()
    # the live data changed ...
    live = service.gather(issued.plan, issued.as_of, "zh").report
    assert unit.name in {g.label for g in live.by_unit}
    # ... the issued report did not
    again = EvaluationDraft.objects.get(pk=draft.pk)
    for lang in ("zh", "en"):
        assert render_html(service.report_for(again, lang)) == before[lang]


def test_the_cli_renders_an_issued_report_from_its_snapshot(owner, draft, tmp_path):
    from eco311.cli import main

    service.issue(owner, draft, "鲁环311评〔2035〕1号", date(2025, 7, 10))
    out = tmp_path / "issued.html"
    code = main(
        ["evaluate", "--issued", "鲁环311评〔2035〕1号", "--format", "html", "-o", str(out)]
    )
    assert code == 0
    assert "鲁环311评〔2035〕1号" in out.read_text(encoding="utf-8")
    assert main(["evaluate", "--issued", "鲁环311评〔1999〕9号", "--format", "html"]) != 0
