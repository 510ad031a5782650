"""Fill the evaluation report (reports/document.py) from the database, in the requested language."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from eco311.plans import display, tracking
from eco311.plans.models import Plan, ProgressReport
from eco311.plans.overview import by_section, by_unit, counts, rows_for, targets_qs
from eco311.reports.document import EvaluationReport, GroupRow, StatusCounts, TargetRow, WarningRow


def _counts(rows) -> StatusCounts:
    return StatusCounts(counts=counts(rows))


def build_report(plan: Plan, as_of, lang: str = "zh") -> EvaluationReport:
    with override("en" if lang == "en" else "zh-hans"):
        rows = rows_for(targets_qs(plan=plan), as_of)
        observed = tracking.observations([r.target for r in rows], as_of)
        synthetic = (
            settings.DEMO_MODE
            or ProgressReport.objects.filter(target__plan=plan, synthetic=True).exists()
        )
        targets = []
        for r in rows:
            t = r.target
            obs = observed[t.id]
            targets.append(
                TargetRow(
                    key=t.key,
                    section_ref=t.task.ref,
                    text=t.text,
                    scope=t.scope.name,
                    responsible=[u.name for u in t.responsible()],
                    # The day the status judges by: an undated numeric target runs to the
                    # end of the plan period, as the target page says.
                    deadline=tracking.effective_deadline(t),
                    deadline_text=t.deadline_text or None,
                    target_display=display.target_display(t),
                    latest_value=r.latest if r.status.latest else None,
                    latest_period=display.long_date(obs[-1].period_end) if obs else None,
                    forecast_display=r.forecast if r.forecast != "—" else None,
                    projected_date=r.status.projected_date,
                    status=r.code,
                    measure_status=r.status.measure.status if r.status.measure else None,
                    flags=t.flag_notes,
                    series=[(x.period_end, x.value) for x in obs if x.value is not None],
                    target_value=t.value,
                )
            )
        computed = {r.target.id: r.status for r in rows}
        warnings = [
            WarningRow(
                kind=w.kind,
                target_key=w.target.key,
                text=w.target.text,
                detail=_warning_detail(w),
            )
            for w in tracking.warnings([r.target for r in rows], as_of, computed)
        ]
        return EvaluationReport(
            lang=lang,
            plan_key=plan.key,
            plan_title=plan.title,
            as_of=as_of,
            generated_at=timezone.localtime(),
            synthetic=synthetic,
            summary=_counts(rows),
            by_section=[
                GroupRow(key=label.split(" ")[0], label=label, counts=_counts(rs))
                for label, rs in by_section(rows)
            ],
            by_unit=[
                GroupRow(key=label, label=label, counts=_counts(rs)) for label, rs in by_unit(rows)
            ],
            targets=targets,
            warnings=warnings,
            source_note=_source_note(plan, as_of),
        )


def _warning_detail(w) -> str:
    label = str(display.WARNING_LABELS[w.kind])
    if w.days is None:
        return f"{label} · {display.STATUS_LABELS[w.status.status]}"
    unit = _("days")
    return f"{label} · {w.days} {unit}"


def _source_note(plan: Plan, as_of) -> str:
    return _(
        "Statuses are computed from progress reports approved up to %(date)s, using the Open SDG "
        "2.4 progress measure and the deadline rules described in the platform documentation. "
        "Source: %(source)s."
    ) % {"date": display.long_date(as_of), "source": plan.title}
