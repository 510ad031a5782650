"""Read-only pages: dashboard, plans, target lists, areas and warnings."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from eco311.accounts.scopes import actor
from eco311.geo.models import Area
from eco311.plans import display, tracking
from eco311.plans.models import Plan, Unit
from eco311.plans.overview import (
    by_scope,
    by_section,
    by_unit,
    city_map,
    counts,
    get_plan,
    rows_for,
    stacked_chart,
    status_chart,
    targets_qs,
)


def dashboard(request):
    """3-10-100 at a glance: every active target of the main plan, with its computed status."""
    as_of = display.as_of_from(request)
    plan = Plan.objects.order_by("order", "key").first()
    if plan is None:
        return render(request, "web/empty.html")
    rows = rows_for(targets_qs(plan=plan), as_of, withheld=actor(request).withheld_targets)
    areas = Area.objects.filter(is_active=True)
    map_data = city_map(rows, [a for a in areas if a.kind == Area.Kind.CITY])
    a = actor(request)
    warnings = []
    if a.can_see_warnings:
        scoped = a.scoped_targets(targets_qs(plan=plan))
        scoped_ids = set(scoped.values_list("id", flat=True))
        in_scope = [r.target for r in rows if r.target.id in scoped_ids]
        computed = {r.target.id: r.status for r in rows}
        warnings = tracking.warnings(in_scope, as_of, computed)[:10]
    context = {
        "plan": plan,
        "plans": Plan.objects.all(),
        "as_of": as_of,
        "rows": rows,
        "counts": counts(rows),
        "total": len(rows),
        "status_chart": status_chart(rows),
        "section_chart": stacked_chart([(label[:14], rs) for label, rs in by_section(rows)]),
        "scope_chart": stacked_chart(by_scope(rows)),
        "unit_chart": stacked_chart([(label[:12], rs) for label, rs in by_unit(rows)[:12]]),
        "map_data": map_data,
        "clusters": areas.filter(kind="cluster"),
        "parks": areas.filter(kind="park"),
        "warnings": warnings,
        "warning_labels": display.WARNING_LABELS,
        "flagged": [r for r in rows if r.target.doubt_notes],
    }
    return render(request, "web/dashboard.html", context)


def plan_list(request):
    as_of = display.as_of_from(request)
    plans = []
    for plan in Plan.objects.all():
        rows = rows_for(targets_qs(plan=plan), as_of)
        plans.append({"plan": plan, "counts": counts(rows), "total": len(rows)})
    return render(
        request,
        "web/plan_list.html",
        {"plans": plans, "as_of": as_of, "labels": display.STATUS_LABELS},
    )


def _filter_rows(request, rows):
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    scope = request.GET.get("scope", "")
    unit = request.GET.get("unit", "")
    section = request.GET.get("section", "")
    if q:
        rows = [
            r
            for r in rows
            if q.lower()
            in (r.target.text_zh + r.target.text_en + r.target.key + r.target.source).lower()
        ]
    if status:
        rows = [r for r in rows if r.code == status]
    if kind:
        rows = [r for r in rows if r.target.kind == kind]
    if scope:
        rows = [r for r in rows if r.target.scope.kind == scope or r.target.scope.key == scope]
    if unit:
        rows = [r for r in rows if any(u.key == unit for u in r.target.responsible())]
    if section:
        rows = [r for r in rows if r.target.task.section.top().ref == section]
    return rows


def plan_detail(request, plan_key):
    """The plan's structure and the filterable list of its targets."""
    plan = get_plan(plan_key)
    as_of = display.as_of_from(request)
    all_rows = rows_for(targets_qs(plan=plan), as_of, withheld=actor(request).withheld_targets)
    rows = _filter_rows(request, all_rows)
    context = {
        "plan": plan,
        "as_of": as_of,
        "rows": rows,
        "total": len(all_rows),
        "counts": counts(all_rows),
        "labels": display.STATUS_LABELS,
        "sections": plan.sections.filter(parent=None),
        "units": Unit.objects.filter(target_links__target__plan=plan).distinct(),
        "filters": request.GET,
        "status_chart": status_chart(all_rows),
    }
    return render(request, "web/plan_detail.html", context)


def area_list(request):
    # Counties are reference data for the survey, not places targets are set for.
    areas = Area.objects.filter(is_active=True).exclude(kind=Area.Kind.COUNTY)
    areas = areas.select_related("parent")
    groups = [
        (str(label), [a for a in areas if a.kind == kind]) for kind, label in Area.Kind.choices
    ]
    return render(request, "web/area_list.html", {"groups": groups})


def area_detail(request, area_key):
    """A cluster, park or city page: its own targets and, for a city, its clusters and parks."""
    area = get_object_or_404(Area, key=area_key)
    as_of = display.as_of_from(request)
    children = list(area.children.filter(is_active=True).exclude(kind=Area.Kind.COUNTY))
    scope_ids = [area.id] + [c.id for c in children]
    rows = rows_for(
        targets_qs(scope_id__in=scope_ids), as_of, withheld=actor(request).withheld_targets
    )
    context = {
        "area": area,
        "children": children,
        "as_of": as_of,
        "rows": rows,
        "counts": counts(rows),
        "labels": display.STATUS_LABELS,
        "status_chart": status_chart(rows),
    }
    return render(request, "web/area_detail.html", context)


def warnings_page(request):
    """Overdue, due soon, slow progress, missing reports — for officials, within their scope."""
    a = actor(request)
    if not a.can_see_warnings:
        raise PermissionDenied
    as_of = display.as_of_from(request)
    targets = list(a.scoped_targets(targets_qs()))
    kind = request.GET.get("kind", "")
    found = tracking.warnings(targets, as_of)
    if kind:
        found = [w for w in found if w.kind == kind]
    context = {
        "as_of": as_of,
        "warnings": found,
        "kind": kind,
        "warning_labels": display.WARNING_LABELS,
        "labels": display.STATUS_LABELS,
    }
    return render(request, "web/warnings.html", context)
