"""Plans and targets as plain dictionaries: `eco311 plan export` and the API share this shape."""

from eco311.plans.models import Plan, Target
from eco311.plans.overview import targets_qs


def plan_to_dict(plan: Plan) -> dict:
    return {
        "key": plan.key,
        "title": {"zh": plan.title_zh, "en": plan.title_en},
        "short_title": {"zh": plan.short_title_zh, "en": plan.short_title_en},
        "issuer": {"zh": plan.issuer_zh, "en": plan.issuer_en},
        "doc_number": plan.doc_number or None,
        "issued_on": plan.issued_on.isoformat() if plan.issued_on else None,
        "period": {"start": plan.period_start.isoformat(), "end": plan.period_end.isoformat()},
        "language": plan.language,
        "source_file": plan.source_file,
    }


def target_to_dict(t: Target) -> dict:
    return {
        "key": t.key,
        "section": t.task.ref,
        "kind": t.kind,
        "scope": {
            "kind": t.scope.kind,
            "name": t.scope.name_zh,
            "name_en": t.scope.name_en,
            "code": t.scope.code or t.scope.key,
        },
        "metric": t.metric_zh or None,
        "metric_en": t.metric_en or None,
        "op": t.op or None,
        "value": t.value,
        "value_max": t.value_max,
        "unit": t.unit_zh or None,
        "unit_en": t.unit_en or None,
        "direction": t.direction,
        "deadline": t.deadline.isoformat() if t.deadline else None,
        "deadline_text": t.deadline_text or None,
        "recurring": (
            {"count": t.recurring_count, "per": t.recurring_per} if t.kind == "recurring" else None
        ),
        "base": (
            {"year": t.base_year, "value": t.base_value} if t.base_value is not None else None
        ),
        "responsible": [u.name_zh for u in t.responsible()],
        "lead": [u.name_zh for u in t.responsible("lead")],
        "text": {"zh": t.text_zh, "en": t.text_en},
        "source": t.source,
        "flags": [f["code"] for f in t.flags],
        "flag_notes": t.flags,
        "active": t.is_active,
    }


def export_plan(plan: Plan) -> dict:
    return {
        "plan": plan_to_dict(plan),
        "targets": [target_to_dict(t) for t in targets_qs(plan=plan)],
    }
