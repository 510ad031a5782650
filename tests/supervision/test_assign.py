"""Assigning lead and assisting units and contact persons: the plan's naming is never replaced,
every change has a reason and is kept."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eco311.accounts.scopes import Actor
from eco311.plans import workflow
from eco311.plans.models import Target, Unit
from eco311.supervision import assign as assigning
from eco311.supervision.models import Contact
from eco311.supervision.responsibility import parties_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(personas):
    return Actor.of(personas["admin"])


@pytest.fixture
def dept(personas):
    return Actor.of(personas["dept"])


@pytest.fixture
def unnamed():
    """A hand-reported target of the 311 plan for which the plan names no unit."""
    return next(
        t
        for t in Target.objects.filter(
            plan__key="shandong-311", unit_links__isnull=True, is_active=True
        ).order_by("order")
        if workflow.takes_reports(t)
    )


@pytest.fixture
def named():
    """A target whose plan names a lead unit."""
    return (
        Target.objects.filter(plan__key="shandong-311", unit_links__role="lead", is_active=True)
        .exclude(unit_links__unit__key="local-finance")
        .order_by("order")
        .first()
    )


def test_only_the_plan_owner_assigns(unnamed, dept):
    with pytest.raises(PermissionDenied):
        assigning.assign(dept, unit=dept_unit(dept), role="lead", reason="r", target=unnamed)


def stranger(target):
    """A real department the plan does not name for ``target``."""
    return (
        Unit.objects.exclude(target_links__target=target)
        .exclude(key__in=["relevant-units", "cities"])
        .order_by("key")
        .first()
    )


def dept_unit(actor):
    return Unit.objects.get(pk=actor.unit_id)


def test_a_reason_is_required(unnamed, admin, dept):
    with pytest.raises(ValidationError) as exc:
        assigning.assign(admin, unit=dept_unit(dept), role="lead", reason="  ", target=unnamed)
    assert "reason" in exc.value.message_dict


def test_an_assigned_unit_is_shown_with_who_and_why(unnamed, admin, dept):
    a = assigning.assign(
        admin, unit=dept_unit(dept), role="lead", reason="按职能分工牵头", target=unnamed
    )
    [party] = parties_of(unnamed)
    assert party.unit.pk == dept.unit_id and party.is_lead and not party.named_in_plan
    assert party.assignment == a and a.created_by == admin.user
    assert a.history.first().history_change_reason == "按职能分工牵头"


def test_the_plans_lead_is_not_replaced(named, admin):
    other = stranger(named)
    with pytest.raises(ValidationError) as exc:
        assigning.assign(admin, unit=other, role="lead", reason="换人", target=named)
    lead = named.unit_links.get(role="lead").unit
    assert lead.name_zh in " ".join(exc.value.messages)
    # Assisting it is fine, and the plan's lead stays first.
    assigning.assign(admin, unit=other, role="assist", reason="协助", target=named)
    parties = parties_of(named)
    assert parties[0].named_in_plan and parties[0].is_lead
    assert any(p.unit == other and not p.named_in_plan for p in parties)


def test_a_unit_the_plan_names_cannot_be_assigned_again(named, admin):
    link = named.unit_links.first()
    with pytest.raises(ValidationError) as exc:
        assigning.assign(admin, unit=link.unit, role="assist", reason="再指定", target=named)
    assert "unit" in exc.value.message_dict


def test_a_unit_is_not_assigned_twice(unnamed, admin, dept):
    assigning.assign(admin, unit=dept_unit(dept), role="lead", reason="一", target=unnamed)
    with pytest.raises(ValidationError):
        assigning.assign(admin, unit=dept_unit(dept), role="assist", reason="二", target=unnamed)


def test_a_task_assignment_covers_every_target_of_the_task(unnamed, admin, dept):
    assigning.assign(admin, unit=dept_unit(dept), role="lead", reason="整项任务", task=unnamed.task)
    for t in unnamed.task.targets.filter(unit_links__isnull=True):
        [party] = parties_of(t)
        assert party.on_task and party.unit.pk == dept.unit_id


def test_removing_keeps_the_row_and_the_reason(unnamed, admin, dept):
    a = assigning.assign(admin, unit=dept_unit(dept), role="lead", reason="牵头", target=unnamed)
    with pytest.raises(ValidationError):
        assigning.unassign(admin, a, "")
    assigning.unassign(admin, a, "职能调整")
    a.refresh_from_db()
    assert not a.is_active and parties_of(unnamed) == []
    reasons = list(
        a.history.order_by("history_date").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["牵头", "职能调整"]
    with pytest.raises(ValidationError):
        assigning.unassign(admin, a, "again")


def test_a_department_sees_and_reports_on_a_target_assigned_to_it(unnamed, admin, dept):
    assert not dept.can_report(unnamed)
    assert not Target.objects.filter(dept.scope_q(), pk=unnamed.pk).exists()
    assigning.assign(admin, unit=dept_unit(dept), role="assist", reason="协助", target=unnamed)
    assert dept.can_report(unnamed) and dept.can_see_details(unnamed)
    assert Target.objects.filter(dept.scope_q(), pk=unnamed.pk).exists()
    payload = (
        {"done": True}
        if unnamed.kind == "milestone"
        else {"count": 1}
        if unnamed.kind == "recurring"
        else {"value": 1.0}
    )
    report = workflow.submit(dept, unnamed, period_kind="year", year=2024, **payload)
    assert report.submitted_by == dept.user


# -- contacts ------------------------------------------------------------------------------------


def test_the_administrator_names_any_responsible_partys_contact(named, admin):
    unit = named.unit_links.first().unit
    c = assigning.set_contact(
        admin, named, unit=unit, name="张明（合成）", post="处长", phone="0531-0000000"
    )
    c2 = assigning.set_contact(admin, named, unit=unit, name="李华（合成）", phone="0531-1")
    assert c2.pk == c.pk and c2.name == "李华（合成）"
    assert c.history.count() == 2  # the earlier person is kept


def test_a_contact_needs_a_name_and_a_way_to_reach_them(named, admin):
    unit = named.unit_links.first().unit
    with pytest.raises(ValidationError) as exc:
        assigning.set_contact(admin, named, unit=unit, name="", phone="1")
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        assigning.set_contact(admin, named, unit=unit, name="王", phone="", email="")
    assert "phone" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        assigning.set_contact(admin, named, unit=unit, name="王", email="not-an-address")
    assert "email" in exc.value.message_dict


def test_a_unit_that_does_not_answer_for_the_target_has_no_contact_there(named, admin):
    outsider = stranger(named)
    with pytest.raises(ValidationError):
        assigning.set_contact(admin, named, unit=outsider, name="王", phone="1")


def test_a_department_names_only_its_own_units_contact(personas, dept, admin):
    own = Target.objects.filter(unit_links__unit_id=dept.unit_id).first()
    unit = dept_unit(dept)
    assert assigning.set_contact(dept, own, unit=unit, name="赵（合成）", phone="1").unit == unit
    other = own.unit_links.exclude(unit_id=dept.unit_id).first()
    if other is not None:
        with pytest.raises(PermissionDenied):
            assigning.set_contact(dept, own, unit=other.unit, name="钱", phone="1")
    outside = Target.objects.exclude(dept.scope_q()).first()
    with pytest.raises(PermissionDenied):
        assigning.set_contact(dept, outside, unit=unit, name="孙", phone="1")


def test_a_city_names_its_own_areas_contact_only(personas):
    jinan = Actor.of(personas["jinan"])
    target = (
        Target.objects.filter(scope_id=jinan.area_id).first()
        or Target.objects.filter(scope_id__in=jinan.area_ids).first()
    )
    area = personas["jinan"].membership.area
    assert area in assigning.responsible_areas(target)
    c = assigning.set_contact(jinan, target, area=area, name="周（合成）", phone="0531-2")
    assert c.area == area and [k for k, _ in assigning.contact_parties(jinan, target)] == [
        f"area:{area.pk}"
    ]
    with pytest.raises(PermissionDenied):
        assigning.set_contact(Actor.of(personas["park"]), target, area=area, name="吴", phone="1")
    link = target.unit_links.first()
    if link is not None:
        with pytest.raises(PermissionDenied):
            assigning.set_contact(jinan, target, unit=link.unit, name="郑", phone="1")


def test_removing_a_contact_keeps_it_in_the_history(named, admin, personas):
    unit = named.unit_links.first().unit
    c = assigning.set_contact(admin, named, unit=unit, name="冯（合成）", phone="1")
    with pytest.raises(PermissionDenied):
        assigning.remove_contact(Actor.of(personas["bank"]), c)
    assigning.remove_contact(admin, c)
    assert not Contact.objects.get(pk=c.pk).is_active and c.history.count() == 2
