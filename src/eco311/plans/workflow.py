"""The progress-report workflow: submit, approve, return. Business rules live here, not in views."""

import calendar
import math
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eco311.plans import sources
from eco311.plans.models import ProgressReport, Target
from eco311.plans.planfile import is_count_unit

PERIOD_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def period_bounds(kind: str, year: int, index: int) -> tuple[date, date]:
    """First and last day of the index-th month/quarter/half (1-based) of a year."""
    months = PERIOD_MONTHS[kind]
    if not 1 <= index <= 12 // months:
        raise ValidationError(
            {"period_index": _("Period number out of range for this period kind.")}
        )
    first_month = (index - 1) * months + 1
    last_month = first_month + months - 1
    return (
        date(year, first_month, 1),
        date(year, last_month, calendar.monthrange(year, last_month)[1]),
    )


def takes_reports(target: Target) -> bool:
    """Whether progress reports can be filed for a target: not when a registered source (the
    annual enterprise survey) computes its values, for then a report would be ignored."""
    return sources.binding_for(target) is None


def current_period(target: Target, today: date) -> tuple[str, int, int]:
    """The period a report is normally due for on ``today``: (kind, year, index).

    The kind is that of the target's latest report, else a quarter (the usual rhythm; a
    yearly recurring target by the year). The period is the last one that has
    ended, so that an approved value counts at once for an evaluation on ``today``; when that
    one ends before the plan starts, the running one.
    """
    latest = (
        ProgressReport.objects.filter(target=target)
        .exclude(period_kind="")
        .order_by("-period_end", "-submitted_at")
        .values_list("period_kind", flat=True)
        .first()
    )
    if latest in PERIOD_MONTHS:
        kind = latest
    elif target.kind == Target.Kind.RECURRING and target.recurring_per == "year":
        kind = "year"
    else:
        kind = "quarter"
    months = PERIOD_MONTHS[kind]
    index = (today.month - 1) // months  # periods of this year already over
    year = today.year
    if index == 0:
        year, index = year - 1, 12 // months
    if period_bounds(kind, year, index)[1] < target.plan.period_start:
        return kind, today.year, (today.month - 1) // months + 1
    return kind, year, index


def check_payload(target: Target, value, done: bool, count, progress_pct) -> None:
    """Each target kind needs its own kind of evidence; say which field is wrong."""
    errors = {}
    if target.kind == Target.Kind.NUMERIC and value is None:
        errors["value"] = _("A numeric target needs a value.")
    elif value is not None and is_count_unit(target.unit_zh) and not float(value).is_integer():
        # Things to build are counted whole: 1.04 centres is a typing slip, not progress.
        errors["value"] = _(
            "This target counts whole things (%(unit)s): enter a whole number, such as %(n)s."
        ) % {"unit": target.unit, "n": round(value) if math.isfinite(value) else 1}
    if target.kind == Target.Kind.RECURRING and count is None:
        errors["count"] = _("A recurring target needs the number of events held in the period.")
    if target.kind == Target.Kind.MILESTONE and not done and progress_pct is None:
        errors["done"] = _("Report the milestone as completed, or give its progress in per cent.")
    if value is not None and target.limit is not None and value > target.limit:
        errors["value"] = _(
            "The value exceeds the natural limit of this indicator (%(limit)s)."
        ) % {"limit": target.limit}
    if progress_pct is not None and not 0 <= progress_pct <= 100:
        errors["progress_pct"] = _("Progress must be between 0 and 100 per cent.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def submit(
    actor,
    target: Target,
    *,
    period_kind: str,
    year: int,
    index: int = 1,
    value=None,
    done: bool = False,
    count=None,
    progress_pct=None,
    note: str = "",
    attachment=None,
    supersedes: ProgressReport | None = None,
    synthetic: bool = False,
) -> ProgressReport:
    """A unit in whose scope the target lies reports a value or evidence for one period.

    A new submission for a period that already has a pending one replaces it (the old one is
    kept as superseded); an approved value is only replaced when the new report is approved.
    """
    if not actor.can_report(target):
        raise PermissionDenied
    if not takes_reports(target):
        raise ValidationError(
            _(
                "This target takes its values from the enterprise survey; it is not reported by hand."
            )
        )
    if period_kind not in PERIOD_MONTHS:
        raise ValidationError({"period_kind": _("Unknown period kind.")})
    start, end = period_bounds(period_kind, year, index)
    if start > timezone.localdate():
        raise ValidationError({"year": _("You cannot report for a period that has not started.")})
    check_payload(target, value, done, count, progress_pct)
    # Locked: a reviewer deciding on a pending report meanwhile waits, then finds it superseded.
    pending = ProgressReport.objects.select_for_update().filter(
        target=target, period_start=start, period_end=end, status=ProgressReport.Status.SUBMITTED
    )
    for old in pending:
        old.status = ProgressReport.Status.SUPERSEDED
        old._change_reason = "superseded by a new submission"
        old.save()
        supersedes = supersedes or old
    report = ProgressReport(
        target=target,
        period_kind=period_kind,
        period_start=start,
        period_end=end,
        value=value,
        done=done,
        count=count,
        progress_pct=progress_pct,
        note=note,
        submitted_by=actor.user,
        supersedes=supersedes,
        synthetic=synthetic,
    )
    if attachment is not None:
        report.attachment = attachment
    report._change_reason = "submitted"
    report.save()
    return report


@transaction.atomic
def approve(actor, report: ProgressReport, comment: str = "") -> ProgressReport:
    """The plan owner accepts a submission; it replaces any earlier approved value for the period."""
    if not actor.can_review(report.target):
        raise PermissionDenied
    report = _locked(report)
    if report.status != ProgressReport.Status.SUBMITTED:
        raise _not_pending(report, _("Only a submitted report can be approved."))
    _four_eyes(actor, report)
    earlier = ProgressReport.objects.filter(
        target=report.target,
        period_start=report.period_start,
        period_end=report.period_end,
        status=ProgressReport.Status.APPROVED,
    )
    for old in earlier:
        old.status = ProgressReport.Status.SUPERSEDED
        old._change_reason = f"superseded by report {report.pk}"
        old.save()
    return _decide(actor, report, ProgressReport.Status.APPROVED, comment, "approved")


@transaction.atomic
def return_report(actor, report: ProgressReport, comment: str) -> ProgressReport:
    """The plan owner sends a submission back; a comment saying why is required."""
    if not actor.can_review(report.target):
        raise PermissionDenied
    report = _locked(report)
    if report.status != ProgressReport.Status.SUBMITTED:
        raise _not_pending(report, _("Only a submitted report can be returned."))
    _four_eyes(actor, report)
    if not comment.strip():
        raise ValidationError({"comment": _("Say why the report is returned.")})
    return _decide(actor, report, ProgressReport.Status.RETURNED, comment, "returned")


def _locked(report: ProgressReport) -> ProgressReport:
    """The report as stored, its row locked until the decision's transaction ends.

    Two reviewers deciding on one report at the same moment queue here; the second then sees
    the first one's decision instead of the "submitted" it loaded, and is refused (without the
    lock both decisions applied, and a double approval superseded the report by itself).
    """
    list(ProgressReport.objects.select_for_update().filter(pk=report.pk).values_list("pk"))
    report.refresh_from_db()  # decide on the caller's instance, as stored now
    return report


def _not_pending(report: ProgressReport, otherwise: str) -> ValidationError:
    """Refusal of a decision on a report that is no longer pending: "already decided" when a
    reviewer approved or returned it (maybe a moment ago), ``otherwise`` for other states."""
    if report.status in (ProgressReport.Status.APPROVED, ProgressReport.Status.RETURNED):
        return ValidationError(
            _("This report has already been decided on: it is %(status)s now.")
            % {"status": report.get_status_display()},
            code="already_decided",
        )
    return ValidationError(otherwise)


def _four_eyes(actor, report: ProgressReport) -> None:
    """Nobody decides on his own submission: another reviewer approves or returns it."""
    user = getattr(actor, "user", None)
    if user is not None and report.submitted_by_id == user.pk:
        raise ValidationError(
            _("You submitted this report yourself: another reviewer must decide on it.")
        )


def _decide(actor, report: ProgressReport, status: str, comment: str, reason: str):
    report.status = status
    report.reviewed_by = actor.user
    report.reviewed_at = timezone.now()
    report.review_comment = comment
    report._change_reason = reason
    report.save()
    return report
