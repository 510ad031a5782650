"""The target page, progress submission and review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eco311.accounts.lookups import (
    get_report_for_user,
    get_target_for_user,
    reports_to_review_for_user,
)
from eco311.accounts.scopes import actor
from eco311.enterprises import kpi_data, kpis
from eco311.plans import display, sources, tracking, workflow
from eco311.plans.forms import ReportForm, ReviewForm
from eco311.plans.models import ProgressReport
from eco311.plans.planfile import is_count_unit
from eco311.plans.progress.forecast import year_to_date
from eco311.web import target_lists
from eco311.web.tables import Column, export_query, wants_xlsx, xlsx_response
from eco311.web.views import supervision


def _series_chart(target, status, observations) -> dict:
    points = [
        {"date": o.period_end.isoformat(), "value": o.value}
        for o in observations
        if o.value is not None
    ]
    forecast = []
    at_deadline = display.forecast_value(target, status)
    deadline = tracking.effective_deadline(target)
    if points and at_deadline is not None and deadline:
        start = points[-1]
        f = display.deciding_forecast(status)
        if f.method == "linear" and f.intercept is not None and f.latest_year is not None:
            # The fitted line, from its value at the latest report: drawn from the last point
            # itself, a rising trend that ends below it looked like a forecast decline.
            start = {"date": year_to_date(f.latest_year).isoformat(), "value": f.intercept}
        forecast = [start, {"date": deadline.isoformat(), "value": at_deadline}]
    base = None
    if target.base_year is not None and target.base_value is not None:
        base = {"date": year_to_date(target.base_year).isoformat(), "value": target.base_value}
    return {
        "unit": target.unit,
        "whole": is_count_unit(target.unit_zh),
        "points": points,
        "target": {
            "value": target.value,
            "value_max": target.value_max,
            "date": deadline.isoformat() if deadline else None,
            "label": display.target_display(target),
        },
        "forecast": forecast,
        "base": base,
        "labels": {
            "actual": _("Approved value"),
            "target": _("Target value"),
            "forecast": _("Forecast"),
            "base": _("Baseline"),
        },
    }


def target_detail(request, plan_key, target_key):
    target, can_see_details, can_report = get_target_for_user(request, plan_key, target_key)
    as_of = display.as_of_from(request)
    status = tracking.status_of(target, as_of)
    observations = tracking.observations([target], as_of)[target.id]
    binding = sources.binding_for(target)
    # A survey value built from too few enterprises for this viewer: badge only (no figures).
    withheld = bool(actor(request).withheld_targets([target]))
    survey = binding if binding is not None and binding.source == "survey" else None
    approved = list(
        target.reports.filter(status=ProgressReport.Status.APPROVED, period_end__lte=as_of)
    )
    # Approved for a period that ends after the evaluation date: counted once the date
    # reaches the period's end. Said on the page, or the value seems to have vanished.
    later = list(
        target.reports.filter(status=ProgressReport.Status.APPROVED, period_end__gt=as_of).order_by(
            "period_end"
        )
    )
    context = {
        "target": target,
        "plan": target.plan,
        "as_of": as_of,
        "status": status,
        "status_label": display.STATUS_LABELS[status.status],
        "measure_label": display.MEASURE_LABELS.get(status.measure.status)
        if status.measure
        else None,
        "target_display": display.target_display(target),
        "deadline": tracking.effective_deadline(target),
        "deadline_from_plan": target.deadline is None and tracking.effective_deadline(target),
        "reasons": display.reasons_display(status),
        "latest": "—" if withheld else display.latest_display(target, status),
        "forecast": "—" if withheld else display.forecast_display(target, status),
        # Only a forecast that meets the target by the deadline has a date to show: "reached
        # around 2029" beside a 2025 deadline read as good news.
        "reach_date": None if withheld else getattr(status, "projected_date", None),
        "withheld_note": kpi_data.withheld_note() if withheld else None,
        "chart": _series_chart(target, status, [] if withheld else observations),
        "survey_indicator": kpis.indicators()[survey.indicator] if survey else None,
        "survey_scope": survey.scope if survey else None,
        # A source's value stands for its survey year: that is how fresh it is.
        "survey_year": status.latest.period_end.year if binding and status.latest else None,
        "approved": approved,
        "approved_later": later,
        "can_see_details": can_see_details,
        "can_report": can_report and workflow.takes_reports(target),
        "can_review": actor(request).can_review(target),
    }
    if can_see_details:
        context["reports"] = target.reports.select_related("submitted_by", "reviewed_by").order_by(
            "-submitted_at"
        )
        context["history"] = (
            ProgressReport.history.filter(target_id=target.id)
            .select_related("history_user")
            .order_by("-history_date")[:100]
        )
        context["target_history"] = target.history.select_related("history_user").order_by(
            "-history_date"
        )[:20]
    if context["can_report"]:
        context["form"] = ReportForm(target=target, as_of=as_of)
    # Who answers for it (named in the plan or assigned), contacts, reminders: supervision's.
    context.update(supervision.responsibility_context(request, target, can_see_details))
    if can_see_details:
        context["timeline"] = _timeline(context)
    return render(request, "web/target_detail.html", context)


def _timeline(context) -> list[tuple[str, object]]:
    """Reports, reminders, assignments and the target's definition in one list, newest first:
    an official reads the chain (assigned → 催办 sent → answered by a report → approved) in the
    order it happened."""
    kinds = ("history", "reminder_history", "assignment_history", "target_history")
    rows = [(kind, h) for kind in kinds for h in context.get(kind, ())]
    return sorted(rows, key=lambda row: row[1].history_date, reverse=True)


@login_required
@require_POST
def submit_report(request, plan_key, target_key):
    target, _details, can_report = get_target_for_user(request, plan_key, target_key)
    if not can_report:
        raise PermissionDenied
    form = ReportForm(request.POST, request.FILES, target=target)
    if form.is_valid():
        data = form.cleaned_data
        try:
            workflow.submit(
                actor(request),
                target,
                period_kind=data["period_kind"],
                year=data["year"],
                index=data["index"],
                value=data.get("value"),
                done=bool(data.get("done")),
                count=data.get("count"),
                progress_pct=data.get("progress_pct"),
                note=data.get("note", ""),
                attachment=data.get("attachment"),
            )
        except ValidationError as exc:
            problems = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, errors in problems.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Report submitted for review."))
            return redirect("target", plan_key=plan_key, target_key=target_key)
    as_of = display.as_of_from(request)
    status = tracking.status_of(target, as_of)
    return render(
        request,
        "web/report_form.html",
        {"target": target, "form": form, "status_label": display.STATUS_LABELS[status.status]},
        status=400,
    )


@login_required
@require_POST
def review_report(request, report_id):
    report = get_report_for_user(request, report_id)
    a = actor(request)
    if not a.can_review(report.target):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        # Say what failed: the comment (too long, a control character) or the choice.
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else None
            text = " ".join(errors)
            messages.error(request, f"{label}: {text}" if label else text)
    else:
        try:
            if form.cleaned_data["action"] == "approve":
                workflow.approve(a, report, form.cleaned_data["comment"])
                messages.success(request, _("Report approved."))
            else:
                workflow.return_report(a, report, form.cleaned_data["comment"])
                messages.success(request, _("Report returned to the submitter."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("target", plan_key=report.target.plan.key, target_key=report.target.key)


@login_required
def report_attachment(request, report_id):
    report = get_report_for_user(request, report_id)
    if not report.attachment:
        raise Http404
    return FileResponse(report.attachment.open("rb"), as_attachment=True)


@login_required
def review_queue(request):
    """Submissions waiting for the plan owner."""
    a = actor(request)
    pending = list(
        reports_to_review_for_user(a)
        .select_related("target__plan", "target__task", "target__scope", "submitted_by")
        .prefetch_related("target__unit_links__unit")
        .order_by("submitted_at")
    )
    parties = target_lists.parties_by_target({r.target_id: r.target for r in pending}.values())
    unit = request.GET.get("unit", "")
    units = target_lists.unit_choices(parties)
    pending = target_lists.filter_by_unit(pending, parties, unit, lambda r: r.target)
    if wants_xlsx(request):
        return _review_queue_xlsx(request, pending, parties)
    context = {
        "pending": pending,
        "can_review": a.is_admin,
        "parties": parties,
        "units": units,
        "unit": unit,
        "assigned_legend": target_lists.ASSIGNED_LEGEND,
        "export_query": export_query(request),
    }
    return render(request, "web/review_queue.html", context)


def _review_queue_xlsx(request, pending, parties):
    """The review queue as Excel: the submitted figure as a number, in the target's unit."""

    def figure(r):
        if r.value is not None:
            return r.value
        if r.count is not None:
            return r.count
        return r.progress_pct

    columns = [
        Column(_("Target key"), lambda r: r.target.key),
        Column(_("Target"), lambda r: r.target.text),
        Column(
            _("Responsible units (named in the plan)"),
            lambda r: target_lists.names(parties.get(r.target_id, []), named_in_plan=True),
        ),
        Column(
            _("Responsible units (assigned)"),
            lambda r: target_lists.names(parties.get(r.target_id, []), named_in_plan=False),
        ),
        Column(_("Period end"), lambda r: r.period_end, kind="date"),
        Column(_("Value"), figure, kind="number"),
        Column(
            _("Unit"),
            lambda r: (
                "%"
                if r.value is None and r.count is None and r.progress_pct is not None
                else r.target.unit
            ),
        ),
        Column(_("Completed"), lambda r: _("yes") if r.done else ""),
        Column(_("Submitted by"), lambda r: r.submitted_by.get_username()),
        Column(_("Submitted on"), lambda r: r.submitted_at, kind="date"),
    ]
    return xlsx_response(
        request,
        title=_("Submissions waiting for review"),
        columns=columns,
        rows=pending,
        filename="review-queue.xlsx",
    )
