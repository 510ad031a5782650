"""Who answers for a target: the units the plan names, and those the plan owner assigned.

The plan's own naming (plans.TargetUnit) is shown as "named in the plan" and is never replaced
here; an Assignment adds a unit to a target or to every target of a task, with a reason. Cities
and park committees answer for the targets scoped to their area whether or not a unit is named.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from eco311.plans.models import Target, Unit
from eco311.supervision.models import Assignment


@dataclass(frozen=True)
class Party:
    """One responsible unit of one target."""

    unit: Unit
    role: str  # "lead" or "assist"
    named_in_plan: bool
    #: The Assignment behind it (None when the plan names it); on the task when ``on_task``.
    assignment: Assignment | None = None
    on_task: bool = False

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"


def responsible_for(targets) -> dict[int, list[Party]]:
    """The responsible parties of every target in ``targets``, lead units first.

    Three queries whatever the number of targets (the plan's links are usually prefetched by
    overview.targets_qs). A unit named in the plan is listed once, as the plan names it, even
    if it was also assigned.
    """
    targets = list(targets)
    by_target: dict[int, list[Party]] = defaultdict(list)
    seen: dict[int, set[int]] = defaultdict(set)
    for t in targets:
        for link in sorted(t.unit_links.all(), key=lambda x: (x.role != "lead", x.order)):
            by_target[t.id].append(Party(link.unit, link.role, True))
            seen[t.id].add(link.unit_id)
    ids = [t.id for t in targets]
    task_ids = {t.task_id for t in targets}
    found = Assignment.objects.filter(
        Q(target_id__in=ids) | Q(task_id__in=task_ids), is_active=True
    ).select_related("unit")
    by_task = defaultdict(list)
    for a in found:
        if a.target_id is not None:
            if a.unit_id not in seen[a.target_id]:
                by_target[a.target_id].append(Party(a.unit, a.role, False, a))
                seen[a.target_id].add(a.unit_id)
        else:
            by_task[a.task_id].append(a)
    for t in targets:
        for a in by_task.get(t.task_id, []):
            if a.unit_id not in seen[t.id]:
                by_target[t.id].append(Party(a.unit, a.role, False, a, on_task=True))
                seen[t.id].add(a.unit_id)
    for t in targets:
        by_target[t.id].sort(key=lambda p: (not p.is_lead, not p.named_in_plan))
    return {t.id: by_target[t.id] for t in targets}


def parties_of(target: Target) -> list[Party]:
    return responsible_for([target])[target.id]


def lead_units(target: Target) -> list[Unit]:
    return [p.unit for p in parties_of(target) if p.is_lead]


def unit_ids_answering(targets) -> dict[int, set[int]]:
    """For a filter by responsible unit: target id → the ids of the units answering for it."""
    return {tid: {p.unit.id for p in ps} for tid, ps in responsible_for(targets).items()}


def targets_of_unit_q(unit_id: int, prefix: str = "") -> Q:
    """A filter on targets for which ``unit_id`` answers, named in the plan or assigned."""
    return (
        Q(**{f"{prefix}unit_links__unit_id": unit_id})
        | Q(**{f"{prefix}assignments__unit_id": unit_id, f"{prefix}assignments__is_active": True})
        | Q(
            **{
                f"{prefix}task__assignments__unit_id": unit_id,
                f"{prefix}task__assignments__is_active": True,
            }
        )
    )
