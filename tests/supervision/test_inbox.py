"""The to-do inbox (supervision/inbox.py): each source appears for the role that acts on it and
leaves by itself once the thing is done."""

from datetime import date

import pytest

from eco311.accounts.scopes import Actor
from eco311.enterprises import returns
from eco311.enterprises.models import AnnualReturn, Enterprise
from eco311.plans import workflow
from eco311.plans.models import Target
from eco311.supervision import inbox, notices
from eco311.supervision.models import Reminder

pytestmark = pytest.mark.django_db

# A quarter after the session's synthetic reports end (2025-06-30): Q3 2025 is due for every
# target that takes reports and runs past the end of September.
AS_OF = date(2025, 10, 15)
Q3 = {"period_kind": "quarter", "year": 2025, "index": 3}
JINAN = "370100"


@pytest.fixture
def actors(personas):
    return {name: Actor.of(u) for name, u in personas.items()}


def kinds(actor, as_of=AS_OF):
    return [i.kind for i in inbox.items_for(actor, as_of)]


def of_kind(actor, kind, as_of=AS_OF):
    return [i for i in inbox.items_for(actor, as_of) if i.kind == kind]


def dept_targets(actor, n=1):
    """Numeric targets the actor reports on, due in Q3 2025."""
    due = [t for t, period, _s, _e in inbox._due_reports(actor, AS_OF) if period[0] == "quarter"]
    found = [t for t in due if t.kind == Target.Kind.NUMERIC][:n]
    assert len(found) == n, "the department has numeric targets due"
    return found


def about(items, target):
    """The items about ``target``'s Q3 2025 report (the session may hold older ones)."""
    return [i for i in items if i.title.startswith(f"{target.key} ") and "2025-09-30" in i.detail]


def submit(actor, target, value=1.0):
    return workflow.submit(actor, target, value=value, **Q3)


# -- the period rule ---------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [date(2023, 2, 1), date(2024, 7, 1), AS_OF, date(2026, 1, 5)])
def test_the_bulk_period_rule_agrees_with_the_workflow(as_of):
    targets = list(Target.objects.filter(is_active=True).select_related("plan"))
    bulk = inbox.current_periods(targets, as_of)
    for t in targets:
        assert bulk[t.pk] == workflow.current_period(t, as_of), t.key


# -- reports due, returned, waiting for review -------------------------------------------------


def test_a_report_due_leaves_the_inbox_when_it_is_submitted(actors):
    dept = actors["dept"]
    (t,) = dept_targets(dept)
    due = about(of_kind(dept, "report_due"), t)
    assert len(due) == 1
    assert due[0].url.endswith(f"/targets/{t.key}/#report")
    assert "2025" in due[0].detail
    submit(dept, t)
    assert not about(of_kind(dept, "report_due"), t)


def test_nothing_is_due_after_the_plan_has_ended(actors):
    late = date(2027, 5, 1)
    assert all(
        t.plan.period_end >= workflow.period_bounds(*p)[0]
        for t, p, _s, _e in inbox._due_reports(actors["dept"], late)
    )


def test_the_plan_owner_and_non_officials_have_nothing_due(actors):
    for role in ("admin", "enterprise", "bank"):
        assert "report_due" not in kinds(actors[role])


def test_a_returned_report_is_there_until_it_is_corrected(actors):
    dept, admin = actors["dept"], actors["admin"]
    (t,) = dept_targets(dept)
    report = submit(dept, t)
    review = about(of_kind(admin, "report_review"), t)
    assert len(review) == 1 and review[0].url.endswith("#reports")
    workflow.return_report(admin, report, "数值口径不一致，请核实")
    assert not about(of_kind(admin, "report_review"), t)
    returned = about(of_kind(dept, "report_returned"), t)
    assert len(returned) == 1 and "数值口径不一致" in returned[0].detail
    # Returned, it is not also listed as due.
    assert not about(of_kind(dept, "report_due"), t)
    corrected = submit(dept, t, value=2.0)
    assert not about(of_kind(dept, "report_returned"), t)
    workflow.approve(admin, corrected)
    assert not about(of_kind(admin, "report_review"), t)
    assert not about(inbox.items_for(dept, AS_OF), t)


def test_another_party_does_not_see_a_report_returned_to_the_department(actors):
    dept, admin = actors["dept"], actors["admin"]
    (t,) = dept_targets(dept)
    workflow.return_report(admin, submit(dept, t), "请补充附件")
    for role in ("jinan", "park", "enterprise"):
        assert not [
            i for i in of_kind(actors[role], "report_returned") if i.title.startswith(f"{t.key} ")
        ]


def test_a_report_returned_to_a_colleague_is_the_whole_bureau_s_to_correct(actors, factories):
    jinan = actors["jinan"]
    colleague = Actor.of(factories.user("city"))  # another user of the Jinan bureau
    (t,) = dept_targets(jinan)
    workflow.return_report(actors["admin"], submit(colleague, t), "请补充佐证材料")
    assert len(about(of_kind(jinan, "report_returned"), t)) == 1
    submit(jinan, t, value=3.0)
    assert not about(of_kind(colleague, "report_returned"), t)


def test_the_plan_owner_is_not_asked_to_review_his_own_submission(actors):
    admin = actors["admin"]
    (t,) = dept_targets(actors["dept"])
    submit(admin, t)
    assert not about(of_kind(admin, "report_review"), t)


# -- annual returns ----------------------------------------------------------------------------


@pytest.fixture
def filer(factories, survey_population):
    """A new Jinan enterprise with a user of its own and no return yet."""
    e = factories.enterprise(JINAN)
    return Actor.of(factories.user("enterprise", enterprise=e)), e


def complete_values():
    source = AnnualReturn.objects.filter(
        year=returns.survey_year(), status="approved", enterprise__city__code=JINAN
    ).first()
    return returns.form_values(source)


def test_an_annual_return_to_file_leaves_when_submitted_and_the_review_when_approved(filer, actors):
    actor, e = filer
    year = returns.survey_year()
    (item,) = of_kind(actor, "return_to_file")
    assert item.url.endswith(f"/returns/mine/?year={year}")
    returns.save_draft(actor, e, year, {"employees": "12"})
    assert len(of_kind(actor, "return_to_file")) == 1  # a draft is not filed
    returns.submit(actor, e, year, complete_values())
    assert not of_kind(actor, "return_to_file")
    for reviewer in ("jinan", "admin"):
        waiting = [i for i in of_kind(actors[reviewer], "return_review") if i.title == e.name]
        assert len(waiting) == 1 and f"/returns/{e.uscc}/{year}/" in waiting[0].url
    assert not [i for i in of_kind(actors["park"], "return_review") if i.title == e.name]
    ret = e.returns.get(year=year)
    returns.return_to_enterprise(actors["jinan"], ret, "营业收入与上年差异过大，请核实")
    assert not [i for i in of_kind(actors["jinan"], "return_review") if i.title == e.name]
    (back,) = of_kind(actor, "return_returned")
    assert back.url.endswith(f"?year={year}")
    returns.submit(actor, e, year, complete_values())
    assert not of_kind(actor, "return_returned")
    returns.approve(actors["jinan"], e.returns.get(year=year))
    assert not [i for i in of_kind(actors["admin"], "return_review") if i.title == e.name]
    assert inbox.items_for(actor, AS_OF) == []


# -- reminders and notices ---------------------------------------------------------------------


def test_an_open_reminder_is_there_until_answered(actors):
    from eco311.supervision import reminders

    dept = actors["dept"]
    (t,) = dept_targets(dept)
    r = Reminder.objects.create(
        target=t, unit_id=dept.unit_id, level="urge", message="请于本周内报送三季度数据"
    )
    (item,) = [i for i in of_kind(dept, "reminder") if "请于本周内报送" in i.detail]
    assert item.url == f"/reminders/{r.pk}/"
    assert "催办" in item.title or "Urging" in item.title
    assert not [i for i in of_kind(actors["jinan"], "reminder") if "请于本周内报送" in i.detail]
    reminders.acknowledge(dept, r)
    assert [i for i in of_kind(dept, "reminder") if "请于本周内报送" in i.detail]
    reminders.answer(dept, r, note="已于今日报送")
    assert not [i for i in of_kind(dept, "reminder") if "请于本周内报送" in i.detail]


def test_an_unread_notice_is_there_until_opened(actors, personas):
    admin = actors["admin"]
    notice = notices.publish(
        admin, notices.save_draft(admin, title="收件箱测试通知", body="正文", audience="all")
    )
    for role in ("dept", "jinan", "park", "enterprise", "bank"):
        (item,) = [i for i in of_kind(actors[role], "notice") if i.title == "收件箱测试通知"]
        assert item.url == f"/notices/{notice.pk}/" and item.detail == notice.number
    assert not [i for i in of_kind(admin, "notice") if i.title == "收件箱测试通知"]
    notices.mark_read(personas["dept"], notice)
    assert not [i for i in of_kind(actors["dept"], "notice") if i.title == "收件箱测试通知"]
    notices.withdraw(admin, notice, "撤回")
    assert not [i for i in of_kind(actors["jinan"], "notice") if i.title == "收件箱测试通知"]


# -- counting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "dept", "jinan", "park", "enterprise", "bank"])
def test_the_count_is_the_items_and_costs_a_handful_of_queries(
    actors, role, django_assert_max_num_queries
):
    a = actors[role]
    items = inbox.items_for(a, AS_OF)
    with django_assert_max_num_queries(10):
        n = inbox.count_for(a, AS_OF)
    assert n == sum(i.count for i in items)


def test_the_anonymous_public_has_no_inbox(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert inbox.count_for(Actor(), AS_OF) == 0
    assert inbox.items_for(Actor(), AS_OF) == []


def test_items_are_capped_with_one_item_for_the_rest(actors, monkeypatch, factories):
    monkeypatch.setattr(inbox, "ITEM_LIMIT", 2)
    city = Enterprise.objects.filter(city__code=JINAN).first().city
    for _ in range(3):
        factories.annual_return(factories.enterprise(JINAN), year=2024, status="submitted")
    items = of_kind(actors["jinan"], "return_review")
    assert len(items) == 3 and items[-1].url.endswith("/returns/")
    total = AnnualReturn.objects.filter(status="submitted", enterprise__city=city).count()
    assert sum(i.count for i in items) == total
