"""The to-do inbox (待办): what a user has to act on, computed from the state, never stored.

An item is there while its cause is: a report due this period and not yet filed, a report
returned for correction and not yet corrected, a submission or an annual return waiting for
review, an annual return to file or to correct, an open reminder addressed to the user's party,
a published notice the user has not opened. When the user (or a reviewer) acts, the cause is
gone and so is the item; nothing has to be ticked off.

Who sees which items follows the Actor's rules (accounts/scopes.py), passed in as ``actor``
(supervision does not import accounts): scope_q, reminders_q, returns_to_review_q, notices_q.

``count_for`` runs on every page (the header's badge): it costs a handful of COUNT queries and
never loads rows it does not need.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eco311.enterprises import returns as annual_returns
from eco311.enterprises.models import AnnualReturn
from eco311.plans import tracking
from eco311.plans.models import ProgressReport, Target
from eco311.plans.workflow import PERIOD_MONTHS, period_bounds, takes_reports
from eco311.supervision.models import Notice, Reminder

#: The kinds of item, in the order the inbox shows them, with their group headings.
KINDS = {
    "report_due": gettext_lazy("Reports due this period"),
    "report_returned": gettext_lazy("Reports returned for correction"),
    "report_review": gettext_lazy("Submissions waiting for review"),
    "return_to_file": gettext_lazy("Annual returns to file"),
    "return_returned": gettext_lazy("Annual returns returned for correction"),
    "return_review": gettext_lazy("Annual returns waiting for review"),
    "reminder": gettext_lazy("Reminders received"),
    "notice": gettext_lazy("Unread notices"),
}

#: At most this many items of one kind are listed; one more item links to the full queue.
ITEM_LIMIT = 100

OPEN_REMINDER = (Reminder.Status.SENT, Reminder.Status.ACKNOWLEDGED)


@dataclass(frozen=True)
class Item:
    kind: str
    title: str
    detail: str
    url: str
    due: date | None = None
    since: datetime | date | None = None
    count: int = 1

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])


# ---------------------------------------------------------------------------------------------
# Reports due this period
# ---------------------------------------------------------------------------------------------


def _reporting_targets(actor) -> list[Target]:
    """The active targets in the actor's scope that take progress reports, for the officials
    who report (the plan owner reviews: he has nothing due)."""
    if not actor.owes_reports:
        return []
    qs = (
        Target.objects.filter(is_active=True)
        .filter(pk__in=Target.objects.filter(actor.scope_q()).values("pk"))
        .select_related("plan")
        .order_by("plan__key", "order", "pk")
    )
    return [t for t in qs if takes_reports(t)]


def current_periods(targets: list[Target], as_of: date) -> dict[int, tuple[str, int, int]]:
    """plans.workflow.current_period for many targets in one query: the period a report is due
    for on ``as_of``, by target id. The same rule (tests/supervision/test_inbox.py checks that
    both agree for every target): the kind of the target's latest report, else a year for a
    yearly recurring target, else a quarter; the last period that has ended, or the running one
    when that ends before the plan starts."""
    latest: dict[int, str] = {}
    rows = (
        ProgressReport.objects.filter(target__in=[t.pk for t in targets])
        .exclude(period_kind="")
        .order_by("target_id", "-period_end", "-submitted_at")
        .values_list("target_id", "period_kind")
    )
    for target_id, kind in rows:
        latest.setdefault(target_id, kind)
    found = {}
    for t in targets:
        kind = latest.get(t.pk)
        if kind not in PERIOD_MONTHS:
            if t.kind == Target.Kind.RECURRING and t.recurring_per == "year":
                kind = "year"
            else:
                kind = "quarter"
        months = PERIOD_MONTHS[kind]
        index = (as_of.month - 1) // months
        year = as_of.year
        if index == 0:
            year, index = year - 1, 12 // months
        if period_bounds(kind, year, index)[1] < t.plan.period_start:
            found[t.pk] = (kind, as_of.year, (as_of.month - 1) // months + 1)
        else:
            found[t.pk] = (kind, year, index)
    return found


def _due_reports(actor, as_of: date) -> list[tuple[Target, tuple[str, int, int], date, date]]:
    """(target, period, start, end) of each report due on ``as_of`` and not filed: no report
    submitted (waiting), approved or returned (listed as such) for the period. A period that starts after the target's
    deadline, or after the plan has ended, owes nothing."""
    targets = _reporting_targets(actor)
    if not targets:
        return []
    periods = current_periods(targets, as_of)
    bounds = {t.pk: period_bounds(*periods[t.pk]) for t in targets}
    earliest = min(start for start, _end in bounds.values())
    filed = set(
        ProgressReport.objects.filter(
            target__in=[t.pk for t in targets],
            # A returned one is listed as returned for correction, not a second time as due.
            status__in=(
                ProgressReport.Status.SUBMITTED,
                ProgressReport.Status.APPROVED,
                ProgressReport.Status.RETURNED,
            ),
            period_start__gte=earliest,
        ).values_list("target_id", "period_start", "period_end")
    )
    due = []
    for t in targets:
        start, end = bounds[t.pk]
        deadline = tracking.effective_deadline(t)
        if (deadline is not None and start > deadline) or start > t.plan.period_end:
            continue
        if (t.pk, start, end) in filed:
            continue
        due.append((t, periods[t.pk], start, end))
    return due


def _period_label(period: tuple[str, int, int]) -> str:
    kind, year, index = period
    if kind == "year":
        return _("%(year)s") % {"year": year}
    if kind == "quarter":
        return _("%(year)s Q%(index)s") % {"year": year, "index": index}
    if kind == "half":
        return _("%(year)s H%(index)s") % {"year": year, "index": index}
    return _("%(year)s-%(index)02d") % {"year": year, "index": index}


def _target_url(target: Target, anchor: str = "") -> str:
    return reverse("target", args=[target.plan.key, target.key]) + anchor


# ---------------------------------------------------------------------------------------------
# The querysets behind the other kinds (shared by count_for and items_for)
# ---------------------------------------------------------------------------------------------


def _returned_reports(actor):
    """Reports returned for correction, submitted by the actor's party (Actor.party_reports_q:
    its department, city bureau or park committee), not corrected since: no later report of the
    same target and period exists."""
    if actor.user is None:
        return ProgressReport.objects.none()
    party = actor.party_reports_q()
    later = ProgressReport.objects.filter(
        target=OuterRef("target"),
        period_start=OuterRef("period_start"),
        period_end=OuterRef("period_end"),
        submitted_at__gt=OuterRef("submitted_at"),
    )
    return (
        ProgressReport.objects.filter(party, status=ProgressReport.Status.RETURNED)
        .filter(superseded_by__isnull=True)
        .exclude(Exists(later))
    )


def _reports_to_review(actor):
    """Submissions waiting for the plan owner's decision, except his own (four eyes). The plan
    owner reviews every target (Actor.can_review), so no target filter is needed."""
    if not actor.is_admin or actor.user is None:
        return ProgressReport.objects.none()
    return ProgressReport.objects.filter(status=ProgressReport.Status.SUBMITTED).exclude(
        submitted_by=actor.user
    )


def _returns_to_review(actor):
    if not actor.can_review_returns:
        return AnnualReturn.objects.none()
    return AnnualReturn.objects.filter(actor.returns_to_review_q()).filter(
        status=AnnualReturn.Status.SUBMITTED
    )


def _own_returns(actor):
    if not actor.can_file_returns:
        return AnnualReturn.objects.none()
    return AnnualReturn.objects.filter(enterprise_id=actor.enterprise_id)


def _return_to_file(actor) -> int | None:
    """The survey year whose return the enterprise still has to file (none started, or only a
    draft), or None."""
    if not actor.can_file_returns:
        return None
    year = annual_returns.survey_year()
    status = _own_returns(actor).filter(year=year).values_list("status", flat=True).first()
    if status is None or status == AnnualReturn.Status.DRAFT:
        return year
    return None


def _open_reminders(actor):
    if actor.user is None:
        return Reminder.objects.none()
    return Reminder.objects.filter(actor.reminders_q()).filter(status__in=OPEN_REMINDER)


def _unread_notices(actor):
    """Published notices the user may read and has not opened (not his own publications)."""
    if actor.user is None:
        return Notice.objects.none()
    readable = Notice.objects.filter(actor.notices_q()).values("pk")
    return (
        Notice.objects.filter(pk__in=readable)
        .exclude(receipts__user=actor.user)
        .exclude(published_by=actor.user)
    )


# ---------------------------------------------------------------------------------------------
# The inbox
# ---------------------------------------------------------------------------------------------


def count_for(actor, as_of: date | None = None) -> int:
    """How many things the user has to act on: the header's badge. A handful of queries."""
    if actor.user is None:
        return 0
    as_of = as_of or timezone.localdate()
    n = len(_due_reports(actor, as_of))
    n += _returned_reports(actor).count()
    if actor.is_admin:
        n += _reports_to_review(actor).count()
    if actor.can_file_returns:
        n += _return_to_file(actor) is not None
        n += _own_returns(actor).filter(status=AnnualReturn.Status.RETURNED).count()
    if actor.can_review_returns:
        n += _returns_to_review(actor).count()
    n += _open_reminders(actor).count()
    n += _unread_notices(actor).count()
    return n


def items_for(actor, as_of: date | None = None) -> list[Item]:
    """Every item of the user's inbox, grouped by kind in KINDS order, oldest cause first."""
    if actor.user is None:
        return []
    as_of = as_of or timezone.localdate()
    items: list[Item] = []
    for t, period, start, end in _due_reports(actor, as_of):
        items.append(
            Item(
                "report_due",
                f"{t.key} {t.text}",
                _("Report for %(period)s (%(start)s – %(end)s) not filed yet")
                % {"period": _period_label(period), "start": start, "end": end},
                _target_url(t, "#report"),
                since=end,
            )
        )
    returned = _returned_reports(actor).select_related("target__plan").order_by("reviewed_at")
    for r in returned[:ITEM_LIMIT]:
        items.append(
            Item(
                "report_returned",
                f"{r.target.key} {r.target.text}",
                _("Period ending %(end)s: %(comment)s")
                % {"end": r.period_end, "comment": r.review_comment or "—"},
                _target_url(r.target, "#report"),
                since=r.reviewed_at,
            )
        )
    items += _capped(
        "report_review",
        _reports_to_review(actor).select_related("target__plan", "submitted_by"),
        "submitted_at",
        lambda r: Item(
            "report_review",
            f"{r.target.key} {r.target.text}",
            _("Period ending %(end)s, submitted by %(who)s")
            % {"end": r.period_end, "who": r.submitted_by.get_full_name() or r.submitted_by},
            _target_url(r.target, "#reports"),
            since=r.submitted_at,
        ),
        reverse("review_queue"),
    )
    year = _return_to_file(actor)
    if year is not None:
        items.append(
            Item(
                "return_to_file",
                _("Annual return %(year)s") % {"year": year},
                _("Not submitted yet: fill it in and submit it."),
                reverse("my_return") + f"?year={year}",
            )
        )
    for r in _own_returns(actor).filter(status=AnnualReturn.Status.RETURNED).order_by("year"):
        items.append(
            Item(
                "return_returned",
                _("Annual return %(year)s") % {"year": r.year},
                _("Returned for correction: correct it and submit it again."),
                reverse("my_return") + f"?year={r.year}",
                since=r.modified_on,
            )
        )
    items += _capped(
        "return_review",
        _returns_to_review(actor).select_related("enterprise"),
        "modified_on",
        lambda r: Item(
            "return_review",
            r.enterprise.name,
            _("Annual return %(year)s, submitted") % {"year": r.year},
            reverse("return_review", args=[r.enterprise.uscc, r.year]),
            since=r.modified_on,
        ),
        reverse("returns_queue"),
    )
    reminders = _open_reminders(actor).select_related("target__plan", "enterprise")
    for r in reminders.order_by("sent_on")[:ITEM_LIMIT]:
        about = f"{r.target.key} {r.target.text}" if r.target_id else ""
        if not about and r.year:
            about = _("Annual return %(year)s") % {"year": r.year}
        items.append(
            Item(
                "reminder",
                f"{r.get_level_display()} · {about}".strip(" ·"),
                r.text,
                _reminder_url(r.pk),
                since=r.sent_on,
            )
        )
    for n in _unread_notices(actor).order_by("published_on")[:ITEM_LIMIT]:
        items.append(
            Item(
                "notice",
                n.title,
                n.number,
                reverse("notice", args=[n.pk]),
                since=n.published_on,
            )
        )
    return items


def _capped(kind, qs, order, make, queue_url) -> list[Item]:
    """Items of one kind, oldest first, at most ITEM_LIMIT, and one item for the rest that
    links to the queue where they all are."""
    total = qs.count()
    found = [make(r) for r in qs.order_by(order, "pk")[:ITEM_LIMIT]]
    if total > ITEM_LIMIT:
        rest = total - ITEM_LIMIT
        found.append(
            Item(kind, _("%(n)s more") % {"n": rest}, str(KINDS[kind]), queue_url, count=rest)
        )
    return found


def _reminder_url(pk: int) -> str:
    # The reminder pages are another part of the loop; until they exist, the address they use.
    try:
        return reverse("reminder", args=[pk])
    except NoReverseMatch:
        return f"/reminders/{pk}/"


def grouped(items: list[Item]) -> list[tuple[str, str, int, list[Item]]]:
    """(kind, heading, count, items) per kind that has items, in KINDS order."""
    by_kind: dict[str, list[Item]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    return [
        (kind, str(label), sum(i.count for i in by_kind[kind]), by_kind[kind])
        for kind, label in KINDS.items()
        if kind in by_kind
    ]
