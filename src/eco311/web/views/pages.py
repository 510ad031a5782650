"""Read-only pages: dashboard, plans, target lists, areas and warnings."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from eco311.accounts.scopes import actor
from eco311.geo.models import Area
from eco311.plans import display, tracking
from eco311.plans.models import Plan
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
from eco311.web import target_lists
from eco311.web.tables import Column, export_query, wants_xlsx, xlsx_response


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


def _filter_rows(request, rows, parties):
    """The rows the list's filters keep; ``parties`` (target id → responsible parties) lets
    the unit filter match the units the plan owner assigned as well as those the plan names."""
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
    rows = target_lists.filter_by_unit(rows, parties, unit, lambda r: r.target)
    if section:
        rows = [r for r in rows if r.target.task.section.top().ref == section]
    return rows


def _targets_xlsx(request, *, title, rows, parties, filename, as_of):
    """A target list as Excel: the rows the page shows, figures withheld from the viewer left
    empty as on the page."""
    columns = target_lists.target_columns(
        parties, target=lambda r: r.target, status=lambda r: r.status, withheld=lambda r: r.withheld
    )
    return xlsx_response(
        request,
        title=title,
        columns=columns,
        rows=rows,
        filename=filename,
        as_of=as_of,
        about=target_lists.about_lines(any(r.withheld for r in rows)),
    )


def plan_detail(request, plan_key):
    """The plan's structure and the filterable list of its targets."""
    plan = get_plan(plan_key)
    as_of = display.as_of_from(request)
    all_rows = rows_for(targets_qs(plan=plan), as_of, withheld=actor(request).withheld_targets)
    parties = target_lists.parties_by_target(r.target for r in all_rows)
    rows = _filter_rows(request, all_rows, parties)
    if wants_xlsx(request):
        return _targets_xlsx(
            request,
            title=_("Targets of %(plan)s") % {"plan": plan.short_title},
            rows=rows,
            parties=parties,
            filename=f"targets-{plan.key}.xlsx",
            as_of=as_of,
        )
    context = {
        "plan": plan,
        "as_of": as_of,
        "rows": rows,
        "parties": parties,
        "assigned_legend": target_lists.ASSIGNED_LEGEND,
        "export_query": export_query(request),
        "total": len(all_rows),
        "counts": counts(all_rows),
        "labels": display.STATUS_LABELS,
        "sections": plan.sections.filter(parent=None),
        "units": target_lists.unit_choices(parties),
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
    all_rows = rows_for(
        targets_qs(scope_id__in=scope_ids), as_of, withheld=actor(request).withheld_targets
    )
    parties = target_lists.parties_by_target(r.target for r in all_rows)
    unit = request.GET.get("unit", "")
    rows = target_lists.filter_by_unit(all_rows, parties, unit, lambda r: r.target)
    if wants_xlsx(request):
        return _targets_xlsx(
            request,
            title=_("Targets of %(area)s") % {"area": area.short_name},
            rows=rows,
            parties=parties,
            filename=f"targets-{area.key}.xlsx",
            as_of=as_of,
        )
    context = {
        "area": area,
        "children": children,
        "as_of": as_of,
        "rows": rows,
        "all_rows": all_rows,
        "parties": parties,
        "assigned_legend": target_lists.ASSIGNED_LEGEND,
        "export_query": export_query(request),
        "units": target_lists.unit_choices(parties),
        "unit": unit,
        "filters": request.GET,
        "counts": counts(all_rows),
        "labels": display.STATUS_LABELS,
        "status_chart": status_chart(all_rows),
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
    unit = request.GET.get("unit", "")
    found = tracking.warnings(targets, as_of)
    if kind:
        found = [w for w in found if w.kind == kind]
    parties = target_lists.parties_by_target({w.target.id: w.target for w in found}.values())
    units = target_lists.unit_choices(parties)
    found = target_lists.filter_by_unit(found, parties, unit, lambda w: w.target)
    if wants_xlsx(request):
        withheld = a.withheld_targets([w.target for w in found])
        columns = [
            Column(_("Warning"), lambda w: display.WARNING_LABELS[w.kind]),
            Column(_("Days"), lambda w: w.days, kind="int"),
            *target_lists.target_columns(
                parties,
                target=lambda w: w.target,
                status=lambda w: w.status,
                withheld=lambda w: w.target.id in withheld,
            ),
        ]
        return xlsx_response(
            request,
            title=_("Warnings"),
            columns=columns,
            rows=found,
            filename="warnings.xlsx",
            as_of=as_of,
            about=target_lists.about_lines(bool(withheld)),
        )
    context = {
        "as_of": as_of,
        "warnings": found,
        "kind": kind,
        "unit": unit,
        "filters": request.GET,
        "units": units,
        "parties": parties,
        "assigned_legend": target_lists.ASSIGNED_LEGEND,
        "export_query": export_query(request),
        "warning_labels": display.WARNING_LABELS,
        "labels": display.STATUS_LABELS,
    }
    return render(request, "web/warnings.html", context)
