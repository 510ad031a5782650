"""Synthetic supervision data for the demo: a few assignments where the plan names no unit, a
contact person per demo party, and reminders at each level, one acknowledged, one answered.

Deterministic (fixed targets, ordered queries) and run once: a second run changes nothing.
Everything goes through assign.py and reminders.py, so the demo obeys the same rules as users;
names and numbers say they are synthetic (Assignment and Contact have no ``synthetic`` flag,
the reminders do).
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from eco311.plans.models import Target, Unit
from eco311.supervision import assign as assigning
from eco311.supervision import reminders
from eco311.supervision.models import Assignment, Reminder
from eco311.supervision.responsibility import parties_of

MARK = "（合成演示数据）"

#: (target key, unit key, role, reason): targets of the 311 plan whose text names no unit.
ASSIGNMENTS = [
    ("1-2-3-b", "industry-it", "lead", "按职能分工由省工业和信息化厅牵头"),
    ("1-2-3-b", "ecology-environment", "assist", "省生态环境厅配合做好环保企业培育"),
    ("1-2-2-a", "ecology-environment", "lead", "特色园区评估认定由省生态环境厅牵头"),
    (
        "2-2-2-b",
        "local-finance",
        "assist",
        "气候投融资涉及地方金融监管职能，由省地方金融监管局协助",
    ),
]


def _target(key: str):
    return (
        Target.objects.filter(plan__key="shandong-311", key=key, is_active=True)
        .select_related("plan", "task", "scope")
        .first()
    )


def _first_target(**filters):
    return (
        Target.objects.filter(plan__key="shandong-311", is_active=True, **filters)
        .select_related("scope")
        .order_by("order", "id")
        .first()
    )


@transaction.atomic
def setup_supervision_demo(actor_of) -> int:
    """Create the demo's assignments, contacts and reminders; ``actor_of(user)`` builds an Actor
    (accounts.scopes.Actor.of: supervision does not import accounts). Returns how many
    reminders were created (0 when the demo data is already there)."""
    if Reminder.objects.filter(synthetic=True, reason="manual").exists():
        return 0
    users = {
        u.username: u
        for u in get_user_model()
        .objects.filter(username__in=["admin", "dept", "jinan", "park"])
        .select_related("membership")
    }
    if "admin" not in users:
        return 0
    admin = actor_of(users["admin"])
    for key, unit_key, role, reason in ASSIGNMENTS:
        target, unit = _target(key), Unit.objects.filter(key=unit_key).first()
        if target is None or unit is None or target.unit_links.exists():
            continue  # a reloaded plan that now names units keeps its own naming
        if Assignment.objects.filter(target=target, unit=unit, is_active=True).exists():
            continue
        assigning.assign(admin, unit=unit, role=role, reason=reason + MARK, target=target)

    # One contact person per demo party, on a target it answers for.
    phones = iter(f"0531-0000{n:04d}" for n in range(1, 100))
    dept_unit = users["dept"].membership.unit if "dept" in users else None
    dept_target = _first_target(unit_links__unit=dept_unit) if dept_unit else None
    owner = Unit.objects.filter(key="ecology-environment").first()
    owner_target = _first_target(unit_links__unit=owner, unit_links__role="lead")
    jinan_area = users["jinan"].membership.area if "jinan" in users else None
    # Jinan's targets are scoped to its cluster: the city bureau answers for it too.
    jinan_target = (
        _first_target(scope=jinan_area) or _first_target(scope__parent=jinan_area)
        if jinan_area
        else None
    )
    park_area = users["park"].membership.area if "park" in users else None
    park_target = _first_target(scope=park_area) if park_area else None
    contacts = [
        (dept_target, {"unit": dept_unit}, "王建国（合成）", "规划发展处 副处长"),
        (owner_target, {"unit": owner}, "刘海燕（合成）", "科技与财务处 四级调研员"),
        (jinan_target, {"area": jinan_area}, "陈立新（合成）", "济南市生态环境局 科长"),
        (park_target, {"area": park_area}, "赵文静（合成）", "园区管委会 经济发展部部长"),
    ]
    for target, party, name, post in contacts:
        if target is not None:
            assigning.set_contact(admin, target, name=name, post=post, phone=next(phones), **party)

    # Reminders at the three levels: to the demo department (acknowledged; answered) and to the
    # Jinan bureau (open, for its to-do list).
    made = []
    if dept_target is not None and dept_unit is not None:
        dept = actor_of(users["dept"])
        r = reminders.send(
            admin,
            target=dept_target,
            unit=dept_unit,
            level="remind",
            message="请按季度报送本目标进展情况及佐证材料。" + MARK,
            synthetic=True,
        )
        reminders.acknowledge(dept, r)
        made.append(r)
        second = next(
            (
                t
                for t in Target.objects.filter(plan__key="shandong-311", is_active=True).order_by(
                    "order", "id"
                )
                if any(p.unit.pk == dept_unit.pk for p in parties_of(t)) and t.pk != dept_target.pk
            ),
            None,
        )
        if second is not None:
            r = reminders.send(
                admin,
                target=second,
                unit=dept_unit,
                level="urge",
                message="本目标上季度进展未报送，请于10个工作日内报送。" + MARK,
                synthetic=True,
            )
            reminders.answer(dept, r, note="已安排专人负责，将于月底前报送。" + MARK)
            made.append(r)
    if jinan_target is not None and jinan_area is not None:
        r = reminders.send(
            admin,
            target=jinan_target,
            area=jinan_area,
            level="supervise",
            message="本目标进展滞后，列入督办事项，请报告推进措施和时间表。" + MARK,
            synthetic=True,
        )
        made.append(r)
    return len(made)
