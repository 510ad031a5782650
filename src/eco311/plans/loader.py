"""Load a validated plan file into the database, idempotently.

Loading the same file twice changes nothing; a changed file updates rows in place (the history
tables keep the previous versions) and targets that disappeared are deactivated, never deleted,
because progress reports may point at them.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from eco311.geo.loader import load_areas
from eco311.geo.models import Area
from eco311.plans import planfile
from eco311.plans.models import Plan, Section, Target, TargetUnit, Task, Unit


class PlanLoadError(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class LoadResult:
    plan_key: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    messages: list[str] = field(default_factory=list)


def resolve(name_or_path: str) -> Path:
    """Accept a plan key ('shandong-311') or a path to a plan file."""
    p = Path(name_or_path)
    if p.exists():
        return p
    candidate = planfile.PLAN_DIR / f"{name_or_path}.yaml"
    if candidate.exists():
        return candidate
    raise PlanLoadError([f"{name_or_path}: no such plan file or shipped plan"])


def _save_if_changed(model, lookup: dict, values: dict, user=None):
    """update_or_create that writes (and so adds a history row) only when something changed."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        if user is not None and hasattr(obj, "created_by"):
            obj.created_by = user
        obj.save()
        return obj, "created"
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if not changed:
        return obj, "unchanged"
    for k in changed:
        setattr(obj, k, values[k])
    if user is not None and hasattr(obj, "modified_by"):
        obj.modified_by = user
    obj.save()
    return obj, "updated"


def _target_values(t: planfile.TargetSpec, task: Task, scope: Area, order: int) -> dict:
    return {
        "task": task,
        "kind": t.kind,
        "metric_zh": t.metric.zh if t.metric else "",
        "metric_en": t.metric.en if t.metric else "",
        "op": t.op or "",
        "value": t.value,
        "value_max": t.value_max,
        "unit_zh": t.unit.zh if t.unit else "",
        "unit_en": t.unit.en if t.unit else "",
        "direction": t.direction,
        "base_year": float(t.base.year) if t.base else None,
        "base_value": t.base.value if t.base else None,
        "limit": t.limit,
        "deadline": t.deadline,
        "deadline_text": t.deadline_text or "",
        "recurring_count": t.recurring.count if t.recurring else None,
        "recurring_per": t.recurring.per if t.recurring else "",
        "scope": scope,
        "text_zh": t.text.zh,
        "text_en": t.text.en,
        "source": t.source,
        "flags": [{"code": f.code, "note_zh": f.note.zh, "note_en": f.note.en} for f in t.flags],
        "note_zh": t.note.zh if t.note else "",
        "note_en": t.note.en if t.note else "",
        "order": order,
        "is_active": True,
    }


@transaction.atomic
def load_plan(name_or_path: str, user=None) -> LoadResult:
    path = resolve(name_or_path)
    try:
        spec = planfile.load_plan_file(path)
    except planfile.PlanFileError as exc:
        raise PlanLoadError(list(exc.messages)) from exc
    if not Area.objects.exists():
        load_areas()
    areas = {a.key: a for a in Area.objects.all()}
    problems = planfile.check_areas(spec, set(areas))
    if problems:
        raise PlanLoadError(problems)

    p = spec.plan
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    plan, _ = _save_if_changed(
        Plan,
        {"key": p.key},
        {
            "title_zh": p.title.zh,
            "title_en": p.title.en,
            "short_title_zh": p.short_title.zh,
            "short_title_en": p.short_title.en,
            "issuer_zh": p.issuer.zh,
            "issuer_en": p.issuer.en,
            "doc_number": p.doc_number or "",
            "issued_on": p.issued_on,
            "period_start": p.period_start,
            "period_end": p.period_end,
            "language": p.language,
            "source_file": p.source_file,
            "file_sha256": digest,
            "order": {"shandong-311": 0}.get(p.key, 10),
        },
        user,
    )
    units = {}
    for u in spec.units:
        units[u.key], _ = _save_if_changed(
            Unit,
            {"key": u.key},
            {
                "name_zh": u.name.zh,
                "name_en": u.name.en,
                "collective": u.collective,
                "is_active": True,
            },
        )

    sections = {}
    for order, (s, parent_ref) in enumerate(spec.iter_sections()):
        sections[s.ref], _ = _save_if_changed(
            Section,
            {"plan": plan, "ref": s.ref},
            {
                "parent": sections.get(parent_ref),
                "title_zh": s.title.zh,
                "title_en": s.title.en,
                "order": order,
            },
        )

    tasks = {}
    for order, (s, task) in enumerate(spec.iter_tasks()):
        tasks[task.ref], _ = _save_if_changed(
            Task,
            {"plan": plan, "ref": task.ref},
            {
                "section": sections[s.ref],
                "title_zh": task.title.zh,
                "title_en": task.title.en,
                "order": order,
            },
        )

    result = LoadResult(plan_key=p.key)
    seen = set()
    for order, (_s, task, t) in enumerate(spec.iter_targets()):
        values = _target_values(t, tasks[task.ref], areas[t.scope.key], order)
        target, outcome = _save_if_changed(Target, {"plan": plan, "key": t.key}, values)
        lead, assist = spec.responsible(task, t)
        wanted = [(k, "lead", i) for i, k in enumerate(lead)] + [
            (k, "assist", i) for i, k in enumerate(assist) if k not in lead
        ]
        current = {(link.unit.key, link.role, link.order) for link in target.unit_links.all()}
        if current != set(wanted):
            target.unit_links.all().delete()
            TargetUnit.objects.bulk_create(
                TargetUnit(target=target, unit=units[k], role=role, order=i)
                for k, role, i in wanted
            )
            if outcome == "unchanged":
                outcome = "updated"
        setattr(result, outcome, getattr(result, outcome) + 1)
        seen.add(t.key)

    for target in plan.targets.filter(is_active=True).exclude(key__in=seen):
        target.is_active = False
        target.save()
        result.deactivated += 1
    return result
