"""Automatic reminders: the schedule's facts gathered from the database, its due reminders
written once and delivered.

The decision is the pure core's (supervision/schedule.py); here the targets' computed status,
responsible parties and reporting state, and the enterprises' annual returns, are read in a few
queries, the due reminders are created in one transaction where their dedupe key is not taken
yet, and each new one is delivered (supervision/delivery.py) once the transaction commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from eco311.enterprises.models import AnnualReturn, Enterprise, ReturnEvent
from eco311.plans import overview, tracking, workflow
from eco311.plans.models import ProgressReport
from eco311.supervision import delivery
from eco311.supervision.models import Reminder
from eco311.supervision.responsibility import responsible_for
from eco311.supervision.schedule import (
    Due,
    PartyRef,
    ReturnFacts,
    Schedule,
    TargetFacts,
    due_reminders,
    load_schedule,
)

log = logging.getLogger(__name__)

LEVEL_RANK = {"remind": 0, "urge": 1, "supervise": 2}


def default_as_of() -> date:
    """The day the schedule runs for: ECO311_AS_OF when set (the demo's frozen date), else
    today."""
    raw = getattr(settings, "DEFAULT_AS_OF", "")
    if raw:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            log.warning("ECO311_AS_OF=%r is not a date; the schedule runs for today", raw)
    return timezone.localdate()


def period_label(kind: str, year: int, index: int) -> str:
    if kind == "year":
        return str(year)
    prefix = {"month": "M", "quarter": "Q", "half": "H"}[kind]
    width = 2 if kind == "month" else 1
    return f"{year}-{prefix}{index:0{width}d}"


def target_facts(as_of: date, targets=None) -> list[TargetFacts]:
    """The facts of every active target (or of ``targets``): status, parties, reporting."""
    targets = list(targets if targets is not None else overview.targets_qs())
    computed = tracking.statuses(targets, as_of)
    parties = responsible_for(targets)
    reported = set(
        ProgressReport.objects.filter(
            target__in=targets,
            status__in=(ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED),
        ).values_list("target_id", "period_start", "period_end")
    )
    out = []
    for t in targets:
        status = computed[t.id].status
        # "各市人民政府" and the like name many bodies at once: nobody receives as them.
        units = [p for p in parties.get(t.id, []) if not p.unit.collective]
        if units:
            every = tuple(PartyRef("unit", p.unit.id, p.unit.name) for p in units)
            leads = tuple(PartyRef("unit", p.unit.id, p.unit.name) for p in units if p.is_lead)
        elif t.scope.kind in ("city", "park"):
            # Nobody named: the city bureau or park committee answers for its own targets.
            every = leads = (PartyRef("area", t.scope.id, t.scope.name),)
        else:
            every = leads = ()
        takes = workflow.takes_reports(t)
        period, period_end, has_report = "", None, True
        if takes and status != "achieved" and every:
            # One query per target (the kind of its latest report); only for those that
            # might be reminded.
            kind, year, index = workflow.current_period(t, as_of)
            start, period_end = workflow.period_bounds(kind, year, index)
            period = period_label(kind, year, index)
            has_report = (t.id, start, period_end) in reported
        out.append(
            TargetFacts(
                id=t.id,
                key=t.key,
                kind=t.kind,
                deadline=tracking.effective_deadline(t),
                status=status,
                parties=every,
                leads=leads,
                plan_start=t.plan.period_start,
                takes_reports=takes,
                plan=t.plan.key,
                period=period,
                period_end=period_end,
                has_report=has_report,
            )
        )
    return out


def return_facts(schedule: Schedule, as_of: date) -> list[ReturnFacts]:
    """The returns the schedule looks at: the due survey year's (every registered enterprise,
    filed or not) when a return_due window may be open, and every return sent back."""
    out = []
    due_year = schedule.survey_year_due(as_of)
    widest = max((r.days for r in schedule.rules if r.kind == "return_due"), default=-1)
    if (schedule.survey_deadline_for(due_year) - as_of).days <= widest:
        status = dict(
            AnnualReturn.objects.filter(year=due_year).values_list("enterprise_id", "status")
        )
        for eid, uscc, name in Enterprise.objects.values_list("id", "uscc", "name"):
            out.append(ReturnFacts(eid, uscc, name, due_year, status.get(eid)))
    if any(r.kind == "return_returned" for r in schedule.rules):
        returned = (
            AnnualReturn.objects.filter(status=AnnualReturn.Status.RETURNED)
            .annotate(
                returned_at=Max("events__on", filter=Q(events__action=ReturnEvent.Action.RETURNED))
            )
            .values_list(
                "enterprise_id",
                "enterprise__uscc",
                "enterprise__name",
                "year",
                "returned_at",
                "modified_on",
            )
        )
        tz = timezone.get_current_timezone()
        for eid, uscc, name, year, at, modified in returned:
            when = at or modified
            out.append(
                ReturnFacts(
                    eid,
                    uscc,
                    name,
                    year,
                    "returned",
                    timezone.localtime(when, tz).date() if when else None,
                )
            )
    return out


@dataclass
class Run:
    """What a schedule run found (``due``) and wrote (``created``)."""

    as_of: date
    due: list[Due] = field(default_factory=list)
    created: list[Reminder] = field(default_factory=list)


def due_on(as_of: date, schedule: Schedule | None = None) -> list[Due]:
    """Every reminder the schedule says is due on ``as_of``, sent already or not."""
    schedule = schedule or load_schedule()
    return due_reminders(schedule, target_facts(as_of), return_facts(schedule, as_of), as_of)


def run(as_of: date | None = None, *, dry_run: bool = False, schedule=None) -> Run:
    """Send the reminders the schedule says are due on ``as_of`` and were not sent before.

    A reminder is identified by its dedupe key (rule, object, party, window): a rerun on the
    same or the next day creates nothing, and two workers racing create each reminder once
    (the key is unique; the loser of a race finds the winner's row). Each new reminder follows
    the latest open one of the same target (or return) and party, so the escalation chain
    提醒 → 催办 → 督办 is kept, and is delivered by e-mail when the transaction commits.
    ``dry_run``: the reminders that would be sent, nothing written.
    """
    as_of = as_of or default_as_of()
    due = due_on(as_of, schedule)
    taken = set(
        Reminder.objects.filter(dedupe_key__in=[d.dedupe_key for d in due]).values_list(
            "dedupe_key", flat=True
        )
    )
    new = [d for d in due if d.dedupe_key not in taken]
    result = Run(as_of=as_of, due=new)
    if dry_run or not new:
        return result
    with transaction.atomic():
        for d in new:
            reminder = _create(d)
            if reminder is not None:
                result.created.append(reminder)
                transaction.on_commit(lambda r=reminder: _deliver(r))
    created_keys = {r.dedupe_key for r in result.created}
    result.due = [d for d in new if d.dedupe_key in created_keys]
    return result


def _party_fields(party: PartyRef) -> dict:
    return {f"{party.kind}_id": party.id}


def _create(d: Due) -> Reminder | None:
    """The reminder of ``d``, or None when another run created it meanwhile."""
    fields = _party_fields(d.party)
    earlier = (
        Reminder.objects.filter(**fields)
        .exclude(status=Reminder.Status.CLOSED)
        .filter(Q(target_id=d.target_id) if d.target_id else Q(year=d.year, target__isnull=True))
        .order_by("-sent_on", "-id")
        .first()
    )
    follows = earlier if earlier and LEVEL_RANK[earlier.level] <= LEVEL_RANK[d.level] else None
    try:
        with transaction.atomic():  # a savepoint: a lost race rolls back only this row
            reminder, created = Reminder.objects.get_or_create(
                dedupe_key=d.dedupe_key,
                defaults={
                    **fields,
                    "target_id": d.target_id,
                    "year": d.year if d.target_id is None else None,
                    "level": d.level,
                    "message": d.message,
                    "reason": d.rule,
                    "rule": d.rule,
                    "as_of": d.as_of,
                    "sent_by": None,
                    "follows": follows,
                },
            )
    except IntegrityError:  # the other worker's row is not visible to us yet
        return None
    return reminder if created else None


def _deliver(reminder: Reminder) -> None:
    try:
        delivery.deliver_reminder(reminder)
    except Exception:  # the reminder is in the inbox; a mail problem must not undo the run
        log.exception("delivering reminder %s failed", reminder.pk)


def target_label(d: Due) -> str:
    return d.target_key if d.target_id else f"{d.uscc} {d.year}"


def as_rows(dues: list[Due]) -> list[dict]:
    """The due reminders as plain rows (the CLI's JSON), sorted."""
    rows = []
    for d in sorted(dues, key=Due.sort_key):
        rows.append(
            {
                "rule": d.rule,
                "kind": d.kind,
                "level": d.level,
                "target": d.target_key or None,
                "plan": d.plan or None,
                "enterprise": d.uscc or None,
                "year": d.year,
                "party": {"kind": d.party.kind, "id": d.party.id, "name": d.party.name},
                "reason": {"zh": d.reason_zh, "en": d.reason_en},
                "dedupe_key": d.dedupe_key,
                "as_of": d.as_of.isoformat(),
            }
        )
    return rows
