"""Thin glue between the database and the pure progress core (plans/progress).

Targets and their approved reports are turned into plain specs and observations; the core
computes the status, measure and forecasts. Nothing here decides a status by itself.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from eco311.plans import sources
from eco311.plans.models import ProgressReport, Target
from eco311.plans.progress import Observation, TargetSpec, TargetStatus, compute_status

DUE_SOON_DAYS = 90
# A target with no approved or pending report for this long is "missing a report".
REPORT_GAP_DAYS = 120


def effective_deadline(target: Target) -> date | None:
    """The day a target is judged by: its own deadline, else the end of the plan period.

    The plan file leaves ``deadline`` empty when the sentence states no date; numeric and
    recurring targets then run to the end of the plan period (docs/plan-file-format.md).
    Without it the core has no horizon: "1 of 3 parks built" read as on track because the
    trend reaches 3 "some day" (2029), long after the plan has ended. A milestone without a
    deadline carries a flag saying its date cannot be read, and stays undated.
    """
    if target.deadline is not None or target.kind == Target.Kind.MILESTONE:
        return target.deadline
    return target.plan.period_end


def spec_for(target: Target) -> TargetSpec:
    return TargetSpec(
        kind=target.kind,
        op=target.op or None,
        value=target.value,
        value_max=target.value_max,
        direction=target.direction,
        start=target.plan.period_start,
        deadline=effective_deadline(target),
        base_year=target.base_year,
        base_value=target.base_value,
        limit=target.limit,
        recurring_count=target.recurring_count,
        recurring_per=target.recurring_per or None,
    )


def observation_for(report: ProgressReport) -> Observation:
    return Observation(
        period_end=report.period_end,
        value=report.value,
        done=report.done,
        count=report.count,
        progress=report.progress_pct,
    )


def approved_reports(targets, as_of: date) -> dict[int, list[ProgressReport]]:
    """Approved reports up to as_of, one query for all targets, grouped by target id."""
    grouped = defaultdict(list)
    qs = ProgressReport.objects.filter(
        target__in=targets, status=ProgressReport.Status.APPROVED, period_end__lte=as_of
    ).order_by("period_end", "reviewed_at")
    for r in qs:
        grouped[r.target_id].append(r)
    return grouped


def observations(targets, as_of: date) -> dict[int, list[Observation]]:
    """What each target's status is computed from.

    Targets a registered source feeds (plans/sources.py; the enterprise survey registers
    itself) take their values from it, one per survey year at its year end; the others from
    their approved progress reports.
    """
    targets = list(targets)
    survey = sources.series_for(targets)
    reports = approved_reports([t for t in targets if t.id not in survey], as_of)
    out = {}
    for t in targets:
        if t.id in survey:
            out[t.id] = [
                Observation(period_end=sources.year_end(y), value=v)
                for y, v in survey[t.id]
                if sources.year_end(y) <= as_of
            ]
        else:
            out[t.id] = [observation_for(r) for r in reports[t.id]]
    return out


def statuses(targets, as_of: date) -> dict[int, TargetStatus]:
    targets = list(targets)
    obs = observations(targets, as_of)
    return {t.id: compute_status(spec_for(t), obs[t.id], as_of) for t in targets}


def status_of(target: Target, as_of: date) -> TargetStatus:
    return statuses([target], as_of)[target.id]


@dataclass(frozen=True)
class Warning:
    kind: str  # overdue, due_soon, slow_progress, missing_report
    target: Target
    status: TargetStatus
    days: int | None = None  # days overdue, days left, or days since the last report

    @property
    def deadline(self) -> date | None:
        return effective_deadline(self.target)


WARNING_KINDS = ("overdue", "due_soon", "slow_progress", "missing_report")


def warnings(
    targets, as_of: date, computed: dict[int, TargetStatus] | None = None
) -> list[Warning]:
    """The warnings officials act on. A target can raise more than one.

    A target a source feeds (the enterprise survey) never raises "missing report": nobody can
    file one. Its freshness is the survey year its latest value is for, shown as such.
    """
    targets = list(targets)
    computed = computed if computed is not None else statuses(targets, as_of)
    fed = {t.id for t in targets if sources.binding_for(t) is not None}
    # The latest period with data: approved (in the status) or still waiting for review.
    last_report = {t.id: computed[t.id].latest.period_end for t in targets if computed[t.id].latest}
    for target_id, period_end in ProgressReport.objects.filter(
        target__in=targets, status=ProgressReport.Status.SUBMITTED, period_end__lte=as_of
    ).values_list("target_id", "period_end"):
        if period_end > last_report.get(target_id, date.min):
            last_report[target_id] = period_end
    out = []
    for t in targets:
        st = computed[t.id]
        if st.status == "achieved":
            continue
        deadline = effective_deadline(t)
        if st.status == "overdue":
            out.append(Warning("overdue", t, st, (as_of - deadline).days if deadline else None))
        elif deadline and as_of <= deadline <= as_of + timedelta(days=DUE_SOON_DAYS):
            out.append(Warning("due_soon", t, st, (deadline - as_of).days))
        if st.status in ("at_risk", "off_track"):
            out.append(Warning("slow_progress", t, st))
        if t.id not in fed and (t.kind != Target.Kind.MILESTONE or st.status == "overdue"):
            last = last_report.get(t.id)
            started = t.plan.period_start
            since = (as_of - (last or started)).days
            if since > REPORT_GAP_DAYS and as_of > started:
                out.append(Warning("missing_report", t, st, since))
    order = {k: i for i, k in enumerate(WARNING_KINDS)}
    out.sort(key=lambda w: (order[w.kind], w.target.plan_id, w.target.order))
    return out
