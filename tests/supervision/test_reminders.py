"""Manual reminders 提醒 → 催办 → 督办: who may send to whom, the states, the escalation chain,
and answering by a progress report."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eco311.accounts.scopes import Actor
from eco311.plans import workflow
from eco311.plans.models import Target, Unit
from eco311.supervision import reminders
from eco311.supervision.models import Reminder
from eco311.supervision.responsibility import parties_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(personas):
    return Actor.of(personas["admin"])


@pytest.fixture
def dept(personas):
    return Actor.of(personas["dept"])


@pytest.fixture
def jinan(personas):
    return Actor.of(personas["jinan"])


@pytest.fixture
def dept_target(dept):
    """A hand-reported target the demo department answers for in the plan."""
    return next(
        t
        for t in Target.objects.filter(unit_links__unit_id=dept.unit_id, is_active=True)
        if workflow.takes_reports(t)
    )


def urge(admin, target, unit, level="urge", **kw):
    return reminders.send(
        admin, target=target, unit=unit, level=level, message="请尽快报送进展", **kw
    )


def payload(target):
    if target.kind == "milestone":
        return {"done": True}
    if target.kind == "recurring":
        return {"count": 1}
    return {"value": 1.0}


def test_the_plan_owner_reminds_a_responsible_unit(
    admin, dept, dept_target, django_capture_on_commit_callbacks
):
    unit = Unit.objects.get(pk=dept.unit_id)
    with django_capture_on_commit_callbacks() as delivered:
        r = urge(admin, dept_target, unit)
    assert r.status == "sent" and r.sent_by == admin.user and r.reason == "manual"
    assert len(delivered) == 1  # handed to delivery once stored
    assert dept.is_addressee(r) and Reminder.objects.filter(dept.reminders_q(), pk=r.pk).exists()


def test_a_unit_that_does_not_answer_for_the_target_is_not_reminded(admin, dept_target):
    outsider = (
        Unit.objects.exclude(target_links__target=dept_target)
        .exclude(assignments__target=dept_target)
        .first()
    )
    with pytest.raises(ValidationError) as exc:
        urge(admin, dept_target, outsider)
    assert outsider.name_zh in " ".join(exc.value.messages)


def test_a_department_does_not_send_reminders(dept, dept_target):
    with pytest.raises(PermissionDenied):
        urge(dept, dept_target, Unit.objects.get(pk=dept.unit_id))


def test_a_message_is_required(admin, dept, dept_target):
    with pytest.raises(ValidationError) as exc:
        reminders.send(
            admin,
            target=dept_target,
            unit=Unit.objects.get(pk=dept.unit_id),
            level="remind",
            message=" ",
        )
    assert "message" in exc.value.message_dict


def test_a_city_reminds_the_offices_in_its_city_only(jinan, personas):
    mine = Target.objects.filter(scope__parent_id=jinan.area_id).select_related("scope").first()
    office = mine.scope
    r = reminders.send(jinan, target=mine, area=office, level="remind", message="请报送")
    assert r.area == office
    # Not itself, not a provincial department, not outside its city.
    with pytest.raises(PermissionDenied):
        reminders.send(
            jinan, target=mine, area=jinan.user.membership.area, level="remind", message="x"
        )
    link = Target.objects.filter(scope_id__in=jinan.area_ids, unit_links__isnull=False).first()
    if link is not None:
        with pytest.raises(PermissionDenied):
            reminders.send(
                jinan, target=link, unit=link.unit_links.first().unit, level="remind", message="x"
            )
    outside = Target.objects.exclude(scope_id__in=jinan.area_ids).filter(scope__kind="park").first()
    with pytest.raises(PermissionDenied):
        reminders.send(jinan, target=outside, area=outside.scope, level="remind", message="x")


def test_the_states_follow_the_table(admin, dept, dept_target, personas):
    r = urge(admin, dept_target, Unit.objects.get(pk=dept.unit_id))
    with pytest.raises(PermissionDenied):
        reminders.acknowledge(Actor.of(personas["jinan"]), r)
    with pytest.raises(PermissionDenied):
        reminders.acknowledge(admin, r)  # the sender does not acknowledge for the addressee
    r = reminders.acknowledge(dept, r)
    assert r.status == "acknowledged" and r.acknowledged_by == dept.user
    with pytest.raises(ValidationError):
        reminders.acknowledge(dept, r)
    with pytest.raises(ValidationError) as exc:
        reminders.answer(dept, r, note="")
    assert "note" in exc.value.message_dict
    r = reminders.answer(dept, r, note="已部署，月底前报送")
    assert r.status == "answered" and r.answered_by == dept.user
    with pytest.raises(PermissionDenied):
        reminders.close(dept, r)
    r = reminders.close(admin, r)
    assert r.status == "closed"
    with pytest.raises(PermissionDenied):
        reminders.answer(dept, r, note="too late")
    reasons = list(
        r.history.order_by("history_date").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["sent", "acknowledged", "answered", "closed"]


def test_escalation_climbs_the_ladder_and_closes_the_lower_step(admin, dept, dept_target):
    first = urge(admin, dept_target, Unit.objects.get(pk=dept.unit_id), level="remind")
    second = reminders.escalate(admin, first, "仍未报送，请抓紧")
    third = reminders.escalate(admin, second, "列入督办")
    assert [second.level, third.level] == ["urge", "supervise"]
    assert third.follows == second and second.follows == first
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == "closed" and third.status == "sent"
    with pytest.raises(ValidationError):
        reminders.escalate(admin, third, "higher still")
    with pytest.raises(ValidationError):  # a lower or equal level never follows
        urge(admin, dept_target, Unit.objects.get(pk=dept.unit_id), level="urge", follows=third)
    with pytest.raises(PermissionDenied):
        reminders.escalate(dept, third, "x")


def test_a_report_submitted_by_the_party_answers_its_reminder(admin, dept, dept_target):
    unit = Unit.objects.get(pk=dept.unit_id)
    r = urge(admin, dept_target, unit)
    others = [p.unit for p in parties_of(dept_target) if p.unit.pk != unit.pk]
    other = urge(admin, dept_target, others[0]) if others else None
    report = workflow.submit(
        dept, dept_target, period_kind="year", year=2024, **payload(dept_target)
    )
    r.refresh_from_db()
    assert r.status == "answered" and r.answer_report == report and r.answered_by == dept.user
    assert r.history.first().history_change_reason == f"answered by report #{report.pk}"
    if other is not None:  # another unit's reminder stays open
        other.refresh_from_db()
        assert other.status == "sent"


def test_a_report_on_another_target_answers_nothing(admin, dept, dept_target):
    r = urge(admin, dept_target, Unit.objects.get(pk=dept.unit_id))
    elsewhere = next(
        t
        for t in Target.objects.filter(unit_links__unit_id=dept.unit_id).exclude(pk=dept_target.pk)
        if workflow.takes_reports(t)
    )
    workflow.submit(dept, elsewhere, period_kind="year", year=2024, **payload(elsewhere))
    r.refresh_from_db()
    assert r.status == "sent"


def test_a_city_reminds_its_own_enterprises_of_their_return(jinan, personas, factories):
    mine = factories.enterprise()
    r = reminders.send(jinan, enterprise=mine, year=2024, level="remind", message="请填报年报")
    assert r.enterprise == mine and r.target is None
    user = factories.user("enterprise", enterprise=mine)
    r = reminders.acknowledge(Actor.of(user), r)
    assert r.status == "acknowledged"
    with pytest.raises(PermissionDenied):
        reminders.send(
            jinan, enterprise=factories.enterprise("370200"), year=2024, level="remind", message="x"
        )
    with pytest.raises(ValidationError):
        reminders.send(jinan, enterprise=mine, level="remind", message="no year")


def test_the_demo_assigns_names_contacts_and_reminds_at_each_level(personas):
    from eco311.supervision.demo import setup_supervision_demo
    from eco311.supervision.models import Assignment, Contact

    assert setup_supervision_demo(Actor.of) == 3
    made = Reminder.objects.filter(synthetic=True, reason="manual")
    assert sorted(made.values_list("level", flat=True)) == ["remind", "supervise", "urge"]
    assert sorted(made.values_list("status", flat=True)) == ["acknowledged", "answered", "sent"]
    assert made.filter(unit=personas["dept"].membership.unit).count() == 2
    assert made.filter(area=personas["jinan"].membership.area).count() == 1
    assigned = Assignment.objects.filter(is_active=True, reason__contains="按职能分工")
    assert assigned.exists() and all(not a.target.unit_links.exists() for a in assigned)
    assert Contact.objects.filter(is_active=True, name__contains="（合成）").count() == 4
    assert setup_supervision_demo(Actor.of) == 0  # run once


def test_nobody_is_reminded_as_a_collective_unit(personas):
    """ "各相关部门、单位" and "各市人民政府" name many bodies at once: the schedule skips them and
    a reminder sent to one is refused with a message saying why."""
    from django.core.exceptions import ValidationError

    from eco311.accounts.scopes import Actor
    from eco311.plans.models import Target, Unit
    from eco311.supervision import auto, reminders

    collective = Unit.objects.filter(collective=True)
    assert set(collective.values_list("key", flat=True)) >= {"relevant-units", "cities"}
    target = Target.objects.filter(unit_links__unit__collective=True, is_active=True).first()
    with pytest.raises(ValidationError) as exc:
        reminders.send(
            Actor.of(personas["admin"]),
            target=target,
            unit=target.unit_links.filter(unit__collective=True).first().unit,
            level="remind",
            message="请报送进展",
        )
    assert "统称" in " ".join(exc.value.messages)  # Chinese first
    due = auto.run(as_of=target.plan.period_end, dry_run=True).due
    assert due and not any(
        d.party.kind == "unit" and d.party.id in set(collective.values_list("id", flat=True))
        for d in due
    )


def test_reminders_to_the_plan_owners_own_unit_reach_its_administrator(personas):
    """山东省生态环境厅 owns the plan and leads many of its targets: the schedule's reminders to
    that unit land in the administrator's inbox, and he answers them as its addressee."""
    from eco311.accounts.scopes import Actor
    from eco311.plans.models import Target
    from eco311.supervision import inbox
    from eco311.supervision.models import Reminder

    admin = Actor.of(personas["admin"])
    owner = personas["admin"].membership.unit
    target = Target.objects.filter(unit_links__unit=owner, is_active=True).first()
    reminder = Reminder.objects.create(
        target=target,
        unit=owner,
        level="supervise",
        message="目标已逾期\n\nThe target is overdue",
        reason="overdue",
        rule="overdue",
    )
    assert admin.is_addressee(reminder) and admin.can_answer_reminder(reminder)
    assert reminder.pk in {
        i.url.rstrip("/").rsplit("/", 1)[-1] and int(i.url.rstrip("/").rsplit("/", 1)[-1])
        for i in inbox.items_for(admin)
        if i.kind == "reminder"
    }
    assert not Actor.of(personas["jinan"]).is_addressee(reminder)
