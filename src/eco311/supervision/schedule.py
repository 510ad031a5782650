"""The schedule of automatic reminders: which reminders are due on a day. Pure: no Django.

The rules are data (supervision/data/schedule.yaml, documented in docs/supervision.md); this
module reads them and, given plain facts about targets and annual returns and a day
(``as_of``), returns the reminders due that day. supervision/auto.py gathers the facts from the
database, writes the reminders that do not exist yet and delivers them.

Rule kinds:

* ``deadline``: ``days`` days or fewer before a target's effective deadline, not achieved.
  Several deadline rules cascade: a rule's window ends where the next closer rule's begins
  (30 → days 30..8, 7 → days 7..0), so a schedule that did not run for a while sends the one
  reminder that fits the day, not all of them.
* ``overdue``: the target's status is overdue (deadline passed, not achieved) for ``days``
  days or more; again every ``repeat_every_days`` days when given.
* ``report_missing``: the target takes reports and has none (submitted or approved) for its
  current period (plans/workflow.current_period) ``days`` days after the period ended.
* ``return_due``: an enterprise has not submitted its annual return for the survey year whose
  deadline (``survey_deadline`` of the next year) is ``days`` days away or fewer; cascading as
  ``deadline``.
* ``return_returned``: a return sent back for correction is not resubmitted ``days`` days
  after; again every ``repeat_every_days`` days when given.

Every due reminder has a ``dedupe_key``: rule, object, party and the window it belongs to (the
deadline, the period, the repeat window), so the same day's or the next day's rerun finds the
key taken and sends nothing twice, while a new window (a new period, the next repeat) sends
again.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from eco311.core.datafile import (
    DataFileError,
    DataFileModel,
    Location,
    StrictModel,
    Text,
    load_data_file,
)

SCHEDULE_PATH = Path(__file__).resolve().parent / "data" / "schedule.yaml"

LEVELS = ("remind", "urge", "supervise")
KINDS = ("deadline", "overdue", "report_missing", "return_due", "return_returned")
TARGET_KINDS = ("deadline", "overdue", "report_missing")
RETURN_KINDS = ("return_due", "return_returned")
#: The placeholders a reason may use, by rule kind.
PLACEHOLDERS = {
    "deadline": {"target", "deadline", "days"},
    "overdue": {"target", "deadline", "days"},
    "report_missing": {"target", "period", "days"},
    "return_due": {"year", "survey_deadline", "days"},
    "return_returned": {"year", "days"},
}
#: Whom a rule addresses: every responsible unit (else the area office of a city or park
#: target), the lead units only (same fallback), or the enterprise (returns).
PARTIES = ("responsible", "lead", "enterprise")


class ScheduleError(DataFileError):
    """The schedule file is wrong; each message names the file, the key and the line."""


class Rule(StrictModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    kind: Literal["deadline", "overdue", "report_missing", "return_due", "return_returned"]
    level: Literal["remind", "urge", "supervise"]
    days: int = Field(ge=0, le=3660)
    party: Literal["responsible", "lead", "enterprise"]
    reason: Text
    repeat_every_days: int | None = Field(default=None, ge=1, le=3660)


class Schedule(DataFileModel):
    schema_: Literal[1] = Field(alias="schema")
    #: Year Y's annual return is due by this month-day of year Y+1.
    survey_deadline: str = Field(pattern=r"^\d\d-\d\d$")
    rules: list[Rule]

    @field_validator("survey_deadline")
    @classmethod
    def _a_real_day(cls, v: str) -> str:
        month, day = (int(x) for x in v.split("-"))
        try:
            date(2001, month, day)  # not a leap year: 02-29 would vanish three years in four
        except ValueError:
            raise ValueError(f"{v!r} is not a day of the year (MM-DD)") from None
        return v

    def cross_check(self) -> list[tuple[Location, str]]:
        problems: list[tuple[Location, str]] = []
        seen: dict[str, int] = {}
        for i, rule in enumerate(self.rules):
            if rule.key in seen:
                problems.append(
                    (
                        ("rules", i, "key"),
                        f"duplicate rule key {rule.key!r} (rule {seen[rule.key]})",
                    )
                )
            seen.setdefault(rule.key, i)
            is_return = rule.kind in RETURN_KINDS
            if is_return != (rule.party == "enterprise"):
                wanted = "enterprise" if is_return else "responsible or lead"
                problems.append((("rules", i, "party"), f"a {rule.kind} rule addresses {wanted}"))
            if rule.repeat_every_days is not None and rule.kind not in (
                "overdue",
                "return_returned",
            ):
                problems.append(
                    (
                        ("rules", i, "repeat_every_days"),
                        "only overdue and return_returned rules repeat",
                    )
                )
            for lang in ("zh", "en"):
                text = getattr(rule.reason, lang)
                try:
                    names = {n for _, n, _, _ in string.Formatter().parse(text) if n is not None}
                except ValueError as exc:
                    problems.append((("rules", i, "reason", lang), f"bad placeholder: {exc}"))
                    continue
                unknown = sorted(names - PLACEHOLDERS[rule.kind])
                if unknown:
                    allowed = ", ".join("{" + n + "}" for n in sorted(PLACEHOLDERS[rule.kind]))
                    problems.append(
                        (
                            ("rules", i, "reason", lang),
                            f"unknown placeholder {{{unknown[0]}}}: a {rule.kind} rule may use "
                            f"{allowed}",
                        )
                    )
        for kind in ("deadline", "return_due"):
            days = [(r.days, i) for i, r in enumerate(self.rules) if r.kind == kind]
            firsts: dict[int, int] = {}
            for d, i in days:
                if d in firsts:
                    problems.append(
                        (
                            ("rules", i, "days"),
                            f"two {kind} rules with {d} days (rule {firsts[d]}): their windows "
                            "would be the same",
                        )
                    )
                firsts.setdefault(d, i)
        return problems

    def survey_deadline_for(self, year: int) -> date:
        """The day year ``year``'s annual return is due."""
        month, day = (int(x) for x in self.survey_deadline.split("-"))
        return date(year + 1, month, day)

    def survey_year_due(self, as_of: date) -> int:
        """The survey year whose return is due next on ``as_of`` (its deadline not passed)."""
        year = as_of.year - 1
        return year if as_of <= self.survey_deadline_for(year) else year + 1


def load_schedule(path: str | Path = SCHEDULE_PATH) -> Schedule:
    """The schedule file, validated; raises ScheduleError with located messages."""
    return load_data_file(path, Schedule, ScheduleError)


# -- the facts the schedule looks at --------------------------------------------------------------


@dataclass(frozen=True, order=True)
class PartyRef:
    """One addressee: a unit (department), an area (city bureau, park committee), an
    enterprise. ``name`` is for listings only."""

    kind: Literal["unit", "area", "enterprise"]
    id: int
    name: str = field(default="", compare=False)

    @property
    def ref(self) -> str:
        return f"{self.kind}{self.id}"


@dataclass(frozen=True)
class TargetFacts:
    id: int
    key: str
    kind: str  # numeric, milestone, recurring
    deadline: date | None  # the effective deadline (plans/tracking.effective_deadline)
    status: str  # the computed status code: achieved, on_track, ..., overdue, no_data
    #: Every responsible party, lead units first (responsibility.responsible_for); when the
    #: target has no unit, the area office of a city or park target; may be empty.
    parties: tuple[PartyRef, ...] = ()
    leads: tuple[PartyRef, ...] = ()
    plan_start: date | None = None
    #: Reporting: whether the target takes reports (survey-fed ones do not), and its current
    #: period (plans/workflow.current_period) with whether a report exists for it.
    takes_reports: bool = True
    plan: str = ""  # the plan's key (target keys are unique within a plan)
    period: str = ""  # e.g. "2025-Q2", "2025-M05", "2024"
    period_end: date | None = None
    has_report: bool = True


@dataclass(frozen=True)
class ReturnFacts:
    enterprise_id: int
    uscc: str
    name: str
    year: int
    status: str | None  # None: no return at all; draft, submitted, approved, returned
    returned_on: date | None = None  # when it was last sent back for correction


@dataclass(frozen=True)
class Due:
    """One reminder the schedule says is due."""

    rule: str
    kind: str
    level: str
    party: PartyRef
    reason_zh: str
    reason_en: str
    dedupe_key: str
    as_of: date
    target_id: int | None = None
    target_key: str = ""
    plan: str = ""
    enterprise_id: int | None = None
    uscc: str = ""
    year: int | None = None

    @property
    def message(self) -> str:
        """What the Reminder row says: Chinese first, then English (a row has one text)."""
        return f"{self.reason_zh}\n\n{self.reason_en}"

    def sort_key(self) -> tuple:
        return (
            self.plan,
            self.target_key,
            self.uscc,
            self.year or 0,
            self.rule,
            self.party.kind,
            self.party.id,
        )


# -- the computation -----------------------------------------------------------------------------


def _windows(rules: list[Rule]) -> dict[str, int]:
    """For cascading rules: rule key -> the number of days left at which its window ends
    (exclusive): the next closer rule's ``days``, or -1 for the closest (the deadline day
    itself is in its window)."""
    ordered = sorted(rules, key=lambda r: r.days)
    out = {}
    below = -1
    for rule in ordered:
        out[rule.key] = below
        below = rule.days
    return out


def _repeat_window(start: date, elapsed: int, rule: Rule) -> date:
    """The first day of the repeat window ``elapsed`` days after ``start`` falls in."""
    first = rule.days
    if rule.repeat_every_days is None:
        return start + timedelta(days=first)
    k = (elapsed - first) // rule.repeat_every_days
    return start + timedelta(days=first + k * rule.repeat_every_days)


def _addressees(rule: Rule, facts: TargetFacts) -> tuple[PartyRef, ...]:
    if rule.party == "lead":
        return facts.leads or facts.parties
    return facts.parties


def _due(rule: Rule, party: PartyRef, obj: str, window: str, as_of: date, values, **ids) -> Due:
    return Due(
        rule=rule.key,
        kind=rule.kind,
        level=rule.level,
        party=party,
        reason_zh=rule.reason.zh.format(**values),
        reason_en=rule.reason.en.format(**values),
        dedupe_key=f"{rule.key}|{obj}|{party.ref}|{window}"[:200],
        as_of=as_of,
        **ids,
    )


def target_reminders(schedule: Schedule, targets: Iterable[TargetFacts], as_of: date) -> list[Due]:
    """The target reminders due on ``as_of``. An achieved target gets none."""
    rules = [r for r in schedule.rules if r.kind in TARGET_KINDS]
    ends = _windows([r for r in rules if r.kind == "deadline"])
    out: list[Due] = []
    for t in targets:
        if t.status == "achieved":
            continue
        ids = {"target_id": t.id, "target_key": t.key, "plan": t.plan}
        obj = f"t{t.id}"
        for rule in rules:
            parties = _addressees(rule, t)
            if not parties:
                continue
            if rule.kind == "deadline":
                if t.deadline is None or t.status == "overdue":
                    continue
                left = (t.deadline - as_of).days
                if not ends[rule.key] < left <= rule.days:
                    continue
                values = {"target": t.key, "deadline": t.deadline.isoformat(), "days": left}
                window = t.deadline.isoformat()
            elif rule.kind == "overdue":
                if t.deadline is None or t.status != "overdue":
                    continue
                over = (as_of - t.deadline).days
                if over < max(rule.days, 1):
                    continue
                values = {"target": t.key, "deadline": t.deadline.isoformat(), "days": over}
                window = _repeat_window(t.deadline, over, rule).isoformat()
            else:  # report_missing
                if not report_missing(t, as_of, rule.days):
                    continue
                values = {"target": t.key, "period": t.period, "days": (as_of - t.period_end).days}
                window = t.period
            out.extend(_due(rule, p, obj, window, as_of, values, **ids) for p in parties)
    return out


def report_missing(t: TargetFacts, as_of: date, grace: int) -> bool:
    """Whether ``t`` lacks its current period's report ``grace`` days after the period ended.

    As the warnings do (plans/tracking.warnings): a target the survey feeds takes no reports,
    and a milestone reports its completion, not periodic progress, until it is overdue.
    """
    if not t.takes_reports or t.has_report or t.period_end is None or not t.period:
        return False
    if t.kind == "milestone" and t.status != "overdue":
        return False
    if t.plan_start is not None and t.period_end < t.plan_start:
        return False
    return (as_of - t.period_end).days >= grace


def return_reminders(schedule: Schedule, returns: Iterable[ReturnFacts], as_of: date) -> list[Due]:
    """The annual-return reminders due on ``as_of``, to the enterprises."""
    rules = [r for r in schedule.rules if r.kind in RETURN_KINDS]
    ends = _windows([r for r in rules if r.kind == "return_due"])
    due_year = schedule.survey_year_due(as_of)
    deadline = schedule.survey_deadline_for(due_year)
    out: list[Due] = []
    for f in returns:
        party = PartyRef("enterprise", f.enterprise_id, f.name)
        ids = {"enterprise_id": f.enterprise_id, "uscc": f.uscc, "year": f.year}
        obj = f"e{f.enterprise_id}-{f.year}"
        for rule in rules:
            if rule.kind == "return_due":
                if f.year != due_year or f.status not in (None, "draft"):
                    continue
                left = (deadline - as_of).days
                if not ends[rule.key] < left <= rule.days:
                    continue
                values = {"year": f.year, "survey_deadline": deadline.isoformat(), "days": left}
                window = deadline.isoformat()
            else:  # return_returned
                if f.status != "returned" or f.returned_on is None:
                    continue
                since = (as_of - f.returned_on).days
                if since < rule.days:
                    continue
                values = {"year": f.year, "days": since}
                window = _repeat_window(f.returned_on, since, rule).isoformat()
            out.append(_due(rule, party, obj, window, as_of, values, **ids))
    return out


def due_reminders(
    schedule: Schedule,
    targets: Iterable[TargetFacts],
    returns: Iterable[ReturnFacts],
    as_of: date,
) -> list[Due]:
    """Every reminder due on ``as_of``, in a stable order (target key, enterprise, rule)."""
    out = target_reminders(schedule, targets, as_of) + return_reminders(schedule, returns, as_of)
    return sorted(out, key=Due.sort_key)
