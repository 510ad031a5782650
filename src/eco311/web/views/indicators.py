"""Indicator pages: KPI values computed from the survey, and the drill-down for officials."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import override

from eco311.accounts.lookups import enterprises_for_user
from eco311.accounts.scopes import actor
from eco311.enterprises import kpi_data, kpis
from eco311.enterprises.models import IndicatorValue
from eco311.plans import display
from eco311.web import tables
from eco311.web.tables import Column, export_query, wants_xlsx
from eco311.web.views.survey import xlsx_response

DRILL_PAGE = 50


def kpi_list(request):
    """Every indicator for a year (default: the latest with approved returns), province-wide."""
    available = kpi_data.years()
    year = kpi_data.chosen_year(request.GET.get("year"), available)
    rows = kpi_data.overview(year, _reveal(request))
    if wants_xlsx(request):
        return _kpi_list_xlsx(request, year, rows)
    context = {
        "year": year,
        "years": available,
        "rows": rows,
        "withheld_note": kpi_data.withheld_note(),
        "province_name": kpi_data.scope_name(kpis.scopes().province),
        "export_query": export_query(request),
    }
    return render(request, "web/kpi_list.html", context)


def _kpi_list_xlsx(request, year, rows):
    """The indicators as Excel: the page's rows (one per indicator), the province's value and
    each city's as numbers; a value resting on too few enterprises for this viewer stays an
    empty cell, and the About sheet says why."""
    sm = kpis.scopes()
    scope_keys = [sm.province, *sm.cities]
    areas = kpi_data.areas_by_key()
    reveal = _reveal(request, areas)
    stored = {
        (v.indicator, v.scope_key): v
        for v in IndicatorValue.objects.filter(year=year or 0, scope_key__in=scope_keys)
    }
    withheld = set()

    def value(scope_key):
        def read(row):
            v = stored.get((row.indicator.key, scope_key))
            if v is None or v.value is None:
                return None
            if kpi_data.is_withheld(v.value, v.n_enterprises, scope_key, reveal):
                withheld.add((row.indicator.key, scope_key))
                return None
            return v.value

        return read

    def name(key):
        area = areas.get(key)
        return (area.short_name or area.name) if area else key

    columns = [
        Column(_("Key"), lambda r: r.indicator.key),
        Column(_("Indicator"), lambda r: r.label),
        Column(_("Unit"), lambda r: r.unit),
        *[Column(name(key), value(key), kind="number") for key in scope_keys],
        Column(
            _("Enterprises in %(scope)s") % {"scope": name(sm.province)},
            lambda r: r.n_enterprises,
            kind="int",
        ),
        Column(
            _("Plan targets fed"),
            lambda r: "; ".join(b.target.key if b.target else b.key for b in r.targets),
        ),
        Column(_("Definition"), lambda r: r.definition),
    ]
    # Read the values once so that the About sheet knows whether any were withheld.
    for key in scope_keys:
        for r in rows:
            value(key)(r)
    about = [("年份 Year", str(year or "—"), str(year or "—"))]
    if withheld:
        with override("zh-hans"):
            zh = kpi_data.withheld_note()
        with override("en"):
            en = kpi_data.withheld_note()
        about.append(("空白单元格 Empty cells", f"空白：{zh}", f"Empty: {en}"))
    return tables.xlsx_response(
        request,
        title=_("Indicators from the enterprise survey"),
        columns=columns,
        rows=rows,
        filename=f"indicators-{year or 'none'}.xlsx",
        about=about,
    )


def _reveal(request, areas=None):
    """Which scopes' small-count values this user may see (Actor.sees_small_counts)."""
    a = actor(request)
    areas = areas if areas is not None else kpi_data.areas_by_key()
    return lambda key: a.sees_small_counts(areas.get(key))


def _indicator_or_404(key):
    ind = kpi_data.indicator(key)
    if ind is None:
        raise Http404
    return ind


def _scope(request, ind) -> str:
    return kpi_data.indicator_scope(ind, request.GET.get("scope")) or kpis.scopes().province


def _part(request, ind) -> str:
    return kpi_data.drill_part(ind, request.GET.get("part"))


def kpi_detail(request, key):
    ind = _indicator_or_404(key)
    a = actor(request)
    available = kpi_data.years()
    year = kpi_data.chosen_year(request.GET.get("year"), available)
    scope = _scope(request, ind)
    bound = kpi_data.bound_targets([ind])[ind.key]
    areas = kpi_data.areas_by_key()
    reveal = _reveal(request, areas)
    series = kpi_data.series(ind, scope, reveal)
    comparison = kpi_data.comparison(ind, year, reveal)
    current = next((v for v in series if v.year == year), None)
    here = kpi_data.target_here(bound, scope)
    context = {
        "ind": ind,
        "label": kpi_data.text(ind.label),
        "definition": kpi_data.text(ind.definition),
        "caveat": kpi_data.text(ind.caveat) if ind.caveat else "",
        "unit": kpi_data.text(ind.unit),
        "value_heading": kpi_data.with_unit(_("Value"), kpi_data.text(ind.unit)),
        "year": year,
        "years": available,
        "scope": scope,
        "scope_name": areas[scope].name if scope in areas else scope,
        "scope_groups": kpi_data.scope_groups(ind),
        "current": current,
        "series": series,
        "series_chart": kpi_data.series_chart(ind, series, scope),
        "here": here,
        "here_display": display.target_display(here.target) if here else "",
        "map": kpi_data.city_map(ind, year, reveal),
        "withheld_note": kpi_data.withheld_note(),
        "comparison": comparison,
        "comparison_chart": kpi_data.comparison_chart(ind, comparison, year)
        if comparison
        else None,
        "targets": bound,
        "can_drill_down": a.can_drill_down,
        "is_share": ind.kind in ("share", "ratio"),
        "series_withheld": any(v.withheld for v in series),
        "comparison_withheld": any(r.withheld for r in comparison),
    }
    if a.can_drill_down and year is not None:
        part = _part(request, ind)
        drill = kpi_data.drill_down(ind, scope, year, enterprises_for_user(a), part)
        context["drill"] = drill
        context["part"] = part
        context["drill_page"] = Paginator(drill.rows, DRILL_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        query["scope"], query["year"] = scope, str(year)
        context["drill_query"] = query.urlencode()
    return render(request, "web/kpi_detail.html", context)


def kpi_export(request, key) -> HttpResponse:
    """The drill-down as Excel: the enterprises behind one value that the user may see."""
    ind = _indicator_or_404(key)
    a = actor(request)
    if not a.can_drill_down:
        raise PermissionDenied
    available = kpi_data.years()
    year = kpi_data.chosen_year(request.GET.get("year"), available)
    scope = kpi_data.indicator_scope(ind, request.GET.get("scope"))
    if year is None or scope is None:
        raise Http404
    drill = kpi_data.drill_down(ind, scope, year, enterprises_for_user(a), _part(request, ind))
    body = kpi_data.drill_down_xlsx(drill, user=request.user, demo=settings.DEMO_MODE)
    return xlsx_response(body, f"{ind.key}-{scope}-{year}-{drill.part}.xlsx")
