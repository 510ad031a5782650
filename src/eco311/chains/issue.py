"""Issuing the chain-map analysis: the document frozen under a number, filed as the evidence of
the plan's 四(二)1 milestone (target 4-2-1-a, "2024年6月底前，完成我省生态环保产业优势产业链图谱
分析").

Takes the Actor (duck-typed: this package never imports accounts) and checks the rule it
enforces; a refusal is a PermissionDenied, a bad value a ValidationError with its field.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eco311.chains import report as chain_report
from eco311.chains.models import ChainReport
from eco311.core.text import has_nul
from eco311.plans import workflow
from eco311.plans.display import as_of_from
from eco311.plans.models import ProgressReport, Target

PLAN = "shandong-311"
TARGET = "4-2-1-a"
#: 鲁环311链〔2024〕1号: the evaluation report's form (evaluation/issue.py) with 链 for the chain
#: map: the issuing office's prefix, the year in tortoise-shell brackets, the running number.
NUMBER_PREFIX = "鲁环311链"
NUMBER_RE = re.compile(r"〔(\d{4})〕(\d+)号$")


def milestone_target() -> Target:
    """Target 4-2-1-a of the shandong-311 plan, which an issued analysis is the evidence of."""
    return Target.objects.select_related("plan").get(plan__key=PLAN, key=TARGET)


def suggest_number(on: date) -> str:
    """The next number of the issue year: one more than the highest issued so far."""
    highest = 0
    for number in ChainReport.objects.filter(number__contains=f"〔{on.year}〕").values_list(
        "number", flat=True
    ):
        m = NUMBER_RE.search(number or "")
        if m and int(m.group(1)) == on.year:
            highest = max(highest, int(m.group(2)))
    return f"{NUMBER_PREFIX}〔{on.year}〕{highest + 1}号"


def _clean_number(number: str) -> str:
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("Enter the issue number.")})
    if has_nul(number) or any(ord(c) < 32 for c in number) or len(number) > 60:
        raise ValidationError({"number": _("The issue number is not valid.")})
    if ChainReport.objects.filter(number=number).exists():
        raise ValidationError({"number": _("This issue number is already used.")})
    return number


def evidence_period(on: date) -> tuple[date, date]:
    """The report period of the evidence: from the start of the month the document is issued
    in to the issue day itself.

    Not workflow.current_period (the last period already over), which would date the evidence
    before the document existed: an analysis issued on 10 July would then count for the
    quarter ending 30 June and read as on time. Nor the whole month: the target counts a
    report from its period's end (plans/tracking.py), so an analysis issued on 10 July would
    read overdue until 31 July. Ending on the issue day, it counts from the day it exists."""
    start, _end = workflow.period_bounds("month", on.year, on.month)
    return start, on


def is_on_time(issued: ChainReport) -> bool:
    """Issued by the milestone's deadline (2024-06-30)."""
    deadline = milestone_target().deadline
    return deadline is None or issued.issued_on <= deadline


def issue(actor, year: int, number: str, on: date) -> ChainReport:
    """Issue ``year``'s chain-map analysis under ``number`` on ``on``.

    Rules: only the plan owner (Actor.can_issue_chain_reports); the number unique and clean;
    the date given and not after the platform's as-of date (ECO311_AS_OF, else today); the
    year has data. A year may be issued again (a revised edition) under another number.

    The document is frozen as it reads now, in both languages (a JSON snapshot), and its
    Chinese PDF stored; then it is filed as the evidence of target 4-2-1-a: an *approved*
    progress report (done, the month of issue, the PDF attached), submitted and reviewed by
    the issuer. The workflow's four-eyes rule (workflow._four_eyes: nobody decides on his own
    submission) does not apply: it guards a unit's claim that something was done, which
    another person must check; here the claim *is* the official document the plan owner
    issues under a number, and issuing is that decision. Everything is written in one
    transaction: if the PDF, the snapshot or a row fails, nothing is written."""
    if not actor.can_issue_chain_reports:
        raise PermissionDenied
    number = _clean_number(number)
    if on is None:
        raise ValidationError({"date": _("Enter the issue date.")})
    limit = as_of_from(None)
    if on > limit:
        raise ValidationError(
            {
                "date": _("The issue date cannot be after the platform's date (%(date)s).")
                % {"date": limit.isoformat()}
            }
        )
    try:
        target = milestone_target()
    except Target.DoesNotExist:
        raise ValidationError(
            _("The plan's target 4-2-1-a is not loaded: run `eco311 plan load` first.")
        ) from None
    now = timezone.now()
    snapshot = {}
    try:
        for lang in chain_report.LANGS:
            doc = chain_report.build(year, lang)
            doc.generated_at = timezone.localtime(now).isoformat()
            doc.issue_number = number
            doc.issued_on = on.isoformat()
            doc.issuer = chain_report.ISSUER[lang]
            snapshot[lang] = chain_report.to_dict(doc)
    except chain_report.NoData:
        raise ValidationError(
            {"year": _("There are no approved survey returns for %(year)s.") % {"year": year}}
        ) from None
    zh = chain_report.from_dict(snapshot["zh"])
    pdf = chain_report.render_pdf(zh)
    name = chain_report.filename(zh, "pdf")
    synthetic = zh.synthetic
    start, end = evidence_period(on)
    stored: list = []
    try:
        with transaction.atomic():
            # A revised edition in the same month replaces the earlier edition's evidence.
            for old in ProgressReport.objects.select_for_update().filter(
                target=target,
                period_kind="month",
                period_start=start,
                status=ProgressReport.Status.APPROVED,
                pk__in=ChainReport.objects.values("evidence"),
            ):
                old.status = ProgressReport.Status.SUPERSEDED
                old._change_reason = f"superseded by the chain-map analysis {number}"
                old.save()
            evidence = ProgressReport(
                target=target,
                period_kind="month",
                period_start=start,
                period_end=end,
                done=True,
                note=_("The chain-map analysis %(title)s of %(year)s, issued as %(number)s.")
                % {"title": chain_report.TITLE["zh"], "year": year, "number": number},
                status=ProgressReport.Status.APPROVED,
                submitted_by=actor.user,
                reviewed_by=actor.user,
                reviewed_at=now,
                review_comment=_("Approved by issuing the document %(number)s.")
                % {"number": number},
                synthetic=synthetic,
            )
            evidence.attachment.save(name, ContentFile(pdf), save=False)
            stored.append(evidence.attachment)
            evidence._change_reason = f"filed by issuing the chain-map analysis {number}"
            evidence.save()
            issued = ChainReport(
                year=year,
                number=number,
                issued_on=on,
                issued_by=actor.user,
                snapshot=snapshot,
                evidence=evidence,
                synthetic=synthetic,
            )
            issued.pdf.save(name, ContentFile(pdf), save=False)
            stored.append(issued.pdf)
            issued._change_reason = f"issued as {number}"
            issued.save()
    except IntegrityError:
        _discard(stored)
        raise ValidationError({"number": _("This issue number is already used.")}) from None
    except BaseException:
        _discard(stored)
        raise
    return issued


def _discard(files) -> None:
    """Remove the stored files of a failed issue, so a rollback leaves no orphan on disk."""
    for f in files:
        try:
            f.storage.delete(f.name)
        except Exception:  # noqa: BLE001 - best effort: the rollback is what matters
            pass


def document(issued: ChainReport, lang: str) -> chain_report.ChainMapReport:
    """An issued analysis as it was issued (its snapshot, never today's data)."""
    lang = "en" if lang == "en" else "zh"
    return chain_report.from_dict(issued.snapshot[lang])
