"""Targets with their computed statuses, grouped for dashboards and the evaluation report."""

from collections import Counter
from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from eco311.geo.models import Area
from eco311.plans import display, tracking
from eco311.plans.models import Plan, Target
from eco311.plans.progress import TargetStatus


@dataclass
class Row:
    target: Target
    status: TargetStatus
    # Its figures are not for this viewer (too few enterprises behind a survey value): the
    # badge shows, the latest value and the forecast read "—".
    withheld: bool = False

    @property
    def code(self) -> str:
        return self.status.status

    @property
    def label(self):
        return display.STATUS_LABELS[self.status.status]

    @property
    def latest(self) -> str:
        return "—" if self.withheld else display.latest_display(self.target, self.status)

    @property
    def forecast(self) -> str:
        return "—" if self.withheld else display.forecast_display(self.target, self.status)

    @property
    def target_display(self) -> str:
        return display.target_display(self.target)

    @property
    def deadline(self):
        """The deadline the status is judged by (the plan period's end when none is stated)."""
        return tracking.effective_deadline(self.target)


def targets_qs(**filters):
    return (
        Target.objects.filter(is_active=True, **filters)
        .select_related("plan", "task__section__parent", "scope__parent")
        .prefetch_related("unit_links__unit")
    )


def rows_for(targets, as_of, withheld=None) -> list[Row]:
    """The rows of a target list; ``withheld(targets) -> ids`` names the targets whose
    figures the viewer must not see (Actor.withheld_targets)."""
    targets = list(targets)
    computed = tracking.statuses(targets, as_of)
    hidden = withheld(targets) if withheld is not None else set()
    return [Row(t, computed[t.id], t.id in hidden) for t in targets]


def counts(rows) -> dict[str, int]:
    c = Counter(r.code for r in rows)
    return {code: c.get(code, 0) for code in display.STATUS_ORDER}


def status_chart(rows) -> dict:
    return {
        "labels": {k: str(v) for k, v in display.STATUS_LABELS.items()},
        "counts": counts(rows),
        "colors": display.STATUS_COLORS,
    }


def stacked_chart(groups: list[tuple[str, list[Row]]], horizontal=True) -> dict:
    return {
        "categories": [label for label, _rows in groups],
        "horizontal": horizontal,
        "series": [
            {
                "code": code,
                "name": str(display.STATUS_LABELS[code]),
                "color": display.STATUS_COLORS[code],
                "data": [sum(1 for r in rs if r.code == code) for _label, rs in groups],
            }
            for code in display.STATUS_ORDER
        ],
    }


def by_section(rows) -> list[tuple[str, list[Row]]]:
    groups: dict = {}
    for r in rows:
        top = r.target.task.section.top()
        groups.setdefault((r.target.plan_id, top.order, f"{top.ref} {top.title}"), []).append(r)
    return [(label, rs) for (_plan, _order, label), rs in sorted(groups.items())]


SCOPE_KINDS = ("province", "cluster", "park", "city")


def by_scope(rows) -> list[tuple[str, list[Row]]]:
    """Rows grouped by the kind of area their target is about, province first."""
    groups = []
    for kind in SCOPE_KINDS:
        rs = [r for r in rows if r.target.scope.kind == kind]
        if rs:
            groups.append((str(Area.Kind(kind).label), rs))
    return groups


@dataclass(frozen=True)
class CityTally:
    achieved: int = 0
    total: int = 0


def by_city(rows) -> dict[str, CityTally]:
    """City code -> targets scoped to the city, its clusters and parks, and how many of them
    are achieved. Provincial targets belong to no city."""
    achieved: Counter = Counter()
    total: Counter = Counter()
    for r in rows:
        code = r.target.scope.city_code()
        if code:
            total[code] += 1
            achieved[code] += r.code == "achieved"
    return {code: CityTally(achieved[code], total[code]) for code in total}


def city_map(rows, cities) -> dict:
    """The dashboard map: each city coloured by its achieved targets, the tooltip saying
    "achieved: 3 / 11" (the value is the achieved count, never the number of targets)."""
    tally = by_city(rows)
    return {
        "mapUrl": "/static/eco311/maps/shandong.json",
        "valueLabel": str(display.STATUS_LABELS["achieved"]),
        "data": [
            {
                "adcode": a.code,
                "name": a.name_zh,
                "value": tally.get(a.code, CityTally()).achieved,
                "total": tally.get(a.code, CityTally()).total,
                "href": f"/areas/{a.key}/",
            }
            for a in cities
        ],
    }


def by_unit(rows, lead_only=True) -> list[tuple[str, list[Row]]]:
    """Rows grouped by (lead) responsible unit; targets whose unit the plan does not name last."""
    groups: dict = {}
    unnamed = []
    for r in rows:
        units = r.target.responsible("lead" if lead_only else None)
        for unit in units:
            groups.setdefault(unit.name, []).append(r)
        if not units:
            unnamed.append(r)
    ordered = sorted(groups.items(), key=lambda kv: -len(kv[1]))
    if unnamed:
        ordered.append((str(_("No unit named in the plan")), unnamed))
    return ordered


def get_plan(key: str) -> Plan:
    return get_object_or_404(Plan, key=key)
