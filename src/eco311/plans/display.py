"""Display helpers shared by pages, the API and the evaluation report: labels, numbers, dates."""

from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eco311.core.models import is_english
from eco311.plans.planfile import is_count_unit

STATUS_ORDER = ("achieved", "on_track", "at_risk", "off_track", "overdue", "no_data")
STATUS_LABELS = {
    "achieved": _("Achieved"),
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "off_track": _("Off track"),
    "overdue": _("Overdue"),
    "no_data": _("No data"),
}
STATUS_COLORS = {
    "achieved": "#2e7d32",
    "on_track": "#0277bd",
    "at_risk": "#f9a825",
    "off_track": "#e65100",
    "overdue": "#b71c1c",
    "no_data": "#9e9e9e",
}
MEASURE_LABELS = {
    "target_achieved": _("Target achieved"),
    "substantial_progress": _("Substantial progress"),
    "moderate_progress": _("Moderate progress"),
    "limited_progress": _("Limited progress"),
    "deterioration": _("Deterioration"),
    "not_available": _("Not available"),
}
WARNING_LABELS = {
    "overdue": _("Overdue"),
    "due_soon": _("Due within 90 days, not achieved"),
    "slow_progress": _("Slow progress"),
    "missing_report": _("Missing report"),
}
REASON_LABELS = {
    "target_met": _("the latest approved value meets the target"),
    "deadline_passed": _("the deadline has passed"),
    "no_reports": _("no approved report yet"),
    "forecast_reaches": _("the forecast reaches the target by the deadline"),
    "forecast_near": _("the forecast falls slightly short of the target"),
    "forecast_short": _("the forecast falls well short of the target"),
    "insufficient_trend": _("too few reports for a trend; judged by elapsed time"),
    "pace_ahead": _("progress is ahead of the time elapsed"),
    "pace_behind": _("progress lags the time elapsed"),
    "pace_far_behind": _("progress lags the time elapsed by far"),
    "milestone_done": _("completion reported and approved"),
    "milestone_early": _("less than half of the time has elapsed"),
    "milestone_progress_ok": _("reported progress keeps pace with the time elapsed"),
    "milestone_behind": _("reported progress lags the time elapsed"),
    "milestone_late_risk": _("most of the time has elapsed without sufficient progress"),
    "milestone_deadline_near": _("the deadline is near and completion is not reported"),
    "milestone_unconfirmed": _("progress not yet confirmed"),
    "milestone_no_deadline": _("the plan gives no usable deadline"),
    "recurring_complete": _("the required number of events is reached for the period"),
    "recurring_on_pace": _("events keep pace with the period"),
    "recurring_behind": _("fewer events than the period requires so far"),
    "recurring_none_late": _("no event yet and the period is nearly over"),
    "recurring_no_deadline": _("no deadline; judged by the current period"),
}
OP_SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "="}


def as_of_from(request) -> date:
    raw = request.GET.get("as_of", "") if request is not None else ""
    for candidate in (raw, settings.DEFAULT_AS_OF):
        if candidate:
            try:
                return date.fromisoformat(candidate)
            except ValueError:
                continue
    return timezone.localdate()


def number(value: float | None) -> str:
    """Numbers as people write them: no trailing zeros, thousands grouped."""
    if value is None:
        return "—"
    if abs(value - round(value)) < 1e-9:
        return f"{int(round(value)):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def target_display(t) -> str:
    """'≥ 300 家', '约 30 %', '20–30 亿元', '按期完成' for a target."""
    unit = f" {t.unit}" if t.unit else ""
    if t.kind == "milestone":
        return str(_("Complete by deadline"))
    if t.kind == "recurring":
        per = {
            "year": _("per year"),
            "half": _("per half-year"),
            "quarter": _("per quarter"),
            "month": _("per month"),
            "period": _("in the plan period"),
        }.get(t.recurring_per, "")
        return f"{t.recurring_count or 1} × {per}"
    if t.value is None:
        return "—"
    if t.op == "approx":
        about = _("about")
        return f"{about} {number(t.value)}{unit}"
    if t.op == "range":
        return f"{number(t.value)}–{number(t.value_max)}{unit}"
    return f"{OP_SYMBOLS.get(t.op, t.op)} {number(t.value)}{unit}"


def long_date(d: date | None) -> str:
    if d is None:
        return "—"
    if is_english():
        return d.strftime("%-d %B %Y")
    return f"{d.year}年{d.month}月{d.day}日"


def latest_display(target, status) -> str:
    latest = status.latest
    if latest is None:
        return "—"
    if target.kind == "milestone":
        if latest.done:
            return str(_("Completed"))
        return f"{number(latest.progress)} %" if latest.progress is not None else "—"
    if target.kind == "recurring":
        return f"{latest.count if latest.count is not None else '—'}"
    unit = f" {target.unit}" if target.unit else ""
    return f"{number(latest.value)}{unit}"


def deciding_forecast(status):
    """The forecast the status was decided on (linear or CAGR), else whichever was computed."""
    return getattr(status, "forecast", None) or status.forecast_linear or status.forecast_cagr


def forecast_value(target, status) -> float | None:
    """The forecast at the deadline as shown: never beyond the indicator's natural limit (a
    trend of matched enterprises does not reach 110 % of them)."""
    f = deciding_forecast(status)
    if target.kind != "numeric" or f is None or f.value_at_deadline is None:
        return None
    if target.limit is not None:
        return min(f.value_at_deadline, target.limit)
    return f.value_at_deadline


def forecast_display(target, status) -> str:
    value = forecast_value(target, status)
    if value is None:
        return "—"
    if is_count_unit(getattr(target, "unit_zh", "")):
        value = round(value)  # "1.97 条" of industrial chains reads as a typo; counts are whole
    unit = f" {target.unit}" if target.unit else ""
    return f"{number(value)}{unit}"


def reasons_display(status) -> list[str]:
    """Why a status is what it is, in words, every reason the status was decided on.

    The Open SDG measure is one of them when it took part: "at risk" beside only "the forecast
    falls well short" read as a contradiction; with "Open SDG progress measure: substantial
    progress" before it, the official sees the two facts the badge weighs.
    """
    out = []
    for code in status.reasons:
        if code.startswith("measure_"):
            label = MEASURE_LABELS.get(code.removeprefix("measure_"))
            if label is not None:
                sep = ": " if is_english() else "："
                out.append(f"{_('Open SDG progress measure')}{sep}{label}")
            continue
        out.append(str(REASON_LABELS[code]) if code in REASON_LABELS else code)
    return out
