"""Automatic reminders written from the database: once per dedupe key, delivered on commit."""

import itertools
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection

from eco311.accounts.models import Role
from eco311.enterprises.models import AnnualReturn, ReturnEvent
from eco311.plans import tracking
from eco311.plans.models import Target, Unit
from eco311.supervision import auto
from eco311.supervision.models import Assignment, Delivery, Reminder
from eco311.supervision.schedule import load_schedule

pytestmark = pytest.mark.django_db

_n = itertools.count(1)


@pytest.fixture
def assigned():
    """A target due 2025-12-31, not achieved on 2025-12-01, with a fresh lead unit."""
    as_of = date(2025, 12, 1)
    for t in Target.objects.filter(is_active=True, deadline=date(2025, 12, 31)).order_by("id"):
        if tracking.status_of(t, as_of).status != "achieved":
            break
    n = next(_n)
    unit = Unit.objects.create(key=f"auto-unit-{n}", name_zh=f"自动测试厅{n}", name_en=f"Auto {n}")
    Assignment.objects.create(target=t, unit=unit, role="lead", reason="测试")
    return t, unit


def mine(dues, unit):
    return [d for d in dues if d.party.kind == "unit" and d.party.id == unit.id]


def test_a_run_creates_the_due_reminders_and_a_rerun_creates_nothing(assigned):
    target, unit = assigned
    as_of = date(2025, 12, 31) - timedelta(days=30)

    first = auto.run(as_of)

    ours = mine(first.due, unit)
    assert [d.rule for d in ours if d.target_id == target.id] == ["deadline_30"]
    reminder = Reminder.objects.get(dedupe_key=ours[0].dedupe_key)
    assert (reminder.target, reminder.unit, reminder.level) == (target, unit, "remind")
    assert reminder.sent_by is None
    assert reminder.reason == reminder.rule == "deadline_30"
    assert reminder.as_of == as_of
    assert "2025-12-31" in reminder.message
    assert len(first.created) == len(first.due)

    count = Reminder.objects.count()
    assert auto.run(as_of).created == []
    assert auto.run(as_of + timedelta(days=1)).created == []  # the same window
    assert Reminder.objects.count() == count


def test_a_dry_run_writes_nothing_and_lists_what_a_run_would_send(assigned):
    _, unit = assigned
    as_of = date(2025, 12, 1)
    count = Reminder.objects.count()

    dry = auto.run(as_of, dry_run=True)

    assert Reminder.objects.count() == count
    assert dry.created == []
    assert mine(dry.due, unit)
    real = auto.run(as_of)
    assert sorted(d.dedupe_key for d in real.due) == sorted(d.dedupe_key for d in dry.due)
    assert auto.run(as_of, dry_run=True).due == []  # nothing left to send


def test_the_urge_follows_the_earlier_reminder(assigned):
    target, unit = assigned
    auto.run(date(2025, 12, 1))
    auto.run(date(2025, 12, 26))
    urge = Reminder.objects.get(target=target, unit=unit, rule="deadline_7")
    assert urge.level == "urge"
    assert urge.follows == Reminder.objects.get(target=target, unit=unit, rule="deadline_30")


def test_new_reminders_are_mailed_when_the_run_commits(
    assigned, factories, django_capture_on_commit_callbacks
):
    target, unit = assigned
    user = factories.user(Role.DEPARTMENT, unit=unit)
    user.email = "auto@example.org"
    user.save()

    with django_capture_on_commit_callbacks(execute=True):
        auto.run(date(2025, 12, 1))

    to_user = [m for m in mail.outbox if m.to == [user.email]]
    assert len(to_user) == 1
    assert target.key in to_user[0].subject
    assert Delivery.objects.filter(user=user, sent_on__isnull=False).count() == 1


def test_a_key_taken_meanwhile_creates_no_second_row(assigned):
    """What a second worker racing the first finds: the unique key, not a duplicate."""
    _, unit = assigned
    due = mine(auto.run(date(2025, 12, 1), dry_run=True).due, unit)[0]
    assert auto._create(due) is not None
    assert auto._create(due) is None
    assert Reminder.objects.filter(dedupe_key=due.dedupe_key).count() == 1


def test_an_achieved_target_gets_no_overdue_reminder():
    as_of = date(2025, 6, 30)
    facts = {f.id: f for f in auto.target_facts(as_of)}
    achieved = [i for i, f in facts.items() if f.status == "achieved"]
    assert achieved
    dues = auto.run(as_of, dry_run=True).due
    assert not [d for d in dues if d.target_id in achieved]


def test_a_city_target_nobody_is_named_for_goes_to_the_city_bureau():
    as_of = date(2025, 6, 30)
    targets = [
        t
        for t in Target.objects.filter(is_active=True, scope__kind="city")
        .select_related("plan", "scope")
        .prefetch_related("unit_links__unit")
        if not t.unit_links.all()
    ]
    if not targets:
        pytest.skip("no city target without a named unit in the shipped plans")
    facts = auto.target_facts(as_of, targets)
    assert all(f.parties[0].kind == "area" for f in facts if f.parties)


def test_enterprises_are_reminded_of_their_return_and_of_a_returned_one(factories):
    schedule = load_schedule()
    year = 2024
    deadline = schedule.survey_deadline_for(year)
    firm = factories.enterprise()
    back = factories.annual_return(firm, year=2023, status=AnnualReturn.Status.RETURNED)
    event = ReturnEvent.objects.create(annual_return=back, action="returned", comment="补充")
    ReturnEvent.objects.filter(pk=event.pk).update(on=event.on.replace(year=2025, month=5, day=1))

    found = auto.run(deadline - timedelta(days=10))

    ours = {d.rule: d for d in found.due if d.enterprise_id == firm.id}
    assert set(ours) == {"return_due", "return_returned"}
    due = Reminder.objects.get(dedupe_key=ours["return_due"].dedupe_key)
    assert (due.enterprise, due.year, due.target) == (firm, 2024, None)
    returned = Reminder.objects.get(dedupe_key=ours["return_returned"].dedupe_key)
    assert (returned.year, returned.level) == (2023, "urge")


def test_the_daily_job_runs_the_schedule(assigned):
    from eco311.core import jobs

    job = jobs.enqueue("supervision.remind", {"as_of": "2025-12-01"})
    done = jobs.run(jobs.claim("test") or job)
    assert done.status == "done", done.error
    assert done.result["created"] >= 1
    assert done.result["by_rule"]["deadline_30"] >= 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a race needs several writers (PostgreSQL)"
)
@pytest.mark.usefixtures("restores_session_data")
class TestTwoWorkersRunTheScheduleAtOnce:
    @pytest.mark.django_db(transaction=True)
    def test_each_reminder_is_created_once(self, race):
        as_of = date(2025, 12, 1)
        due = auto.run(as_of, dry_run=True).due
        assert due

        outcomes = race(lambda: auto.run(as_of), lambda: auto.run(as_of))

        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        created = [r.dedupe_key for o in outcomes for r in o.created]
        assert sorted(created) == sorted(d.dedupe_key for d in due)
        assert Reminder.objects.filter(dedupe_key__in=created).count() == len(due)
