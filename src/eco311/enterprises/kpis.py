"""Thin glue between the database and the pure KPI engine (enterprises/kpi).

Approved returns and the tags active at each year's end become a ReturnsTable; the engine
computes every indicator for every scope and year; the values are stored in IndicatorValue
and feed the plan targets the indicator file binds them to.
"""

from collections import defaultdict
from datetime import date
from functools import cache

from django.db import transaction

from eco311.enterprises.kpi import ReturnsTable, ScopeMap, compute, load_indicators
from eco311.enterprises.models import AnnualReturn, IndicatorValue, Tag

ROW_FIELDS = (
    "total_revenue",
    "env_revenue_manufacturing",
    "env_revenue_services",
    "env_revenue_resource",
    "output_value",
    "added_value",
    "profit",
    "taxes",
    "exports",
    "rd_spending",
    "rd_staff",
    "employees",
    "invention_patents",
    "standards_national",
    "standards_industry",
    "major_violation",
)


@cache
def indicators():
    return load_indicators()


@cache
def scopes() -> ScopeMap:
    return ScopeMap.from_areas()


def _tags_at_year_end(years) -> dict[tuple[int, int], set[str]]:
    active = defaultdict(set)
    for enterprise_id, kind, granted, revoked in Tag.objects.values_list(
        "enterprise_id", "kind", "granted_on", "revoked_on"
    ):
        for y in years:
            end = date(y, 12, 31)
            if granted <= end and (revoked is None or revoked > end):
                active[(enterprise_id, y)].add(kind)
    return active


def returns_table(years=None) -> ReturnsTable:
    """The approved returns (of ``years`` only, if given) as the engine's table."""
    qs = AnnualReturn.objects.filter(status=AnnualReturn.Status.APPROVED)
    if years is not None:
        qs = qs.filter(year__in=list(years))
    rows = list(
        qs.values(
            "enterprise_id",
            "year",
            "enterprise__city__code",
            "enterprise__park__key",
            "enterprise__segment",
            *ROW_FIELDS,
        )
    )
    tags = _tags_at_year_end(sorted({r["year"] for r in rows}))
    sm = scopes()
    return ReturnsTable.from_rows(
        {
            "enterprise": r["enterprise_id"],
            "year": r["year"],
            "city_code": r["enterprise__city__code"],
            "park_key": r["enterprise__park__key"],
            "cluster_key": sm.cluster_of_city(r["enterprise__city__code"]),
            "segment": r["enterprise__segment"],
            **{f: r[f] for f in ROW_FIELDS},
            "tags": tags.get((r["enterprise_id"], r["year"]), set()),
        }
        for r in rows
    )


@transaction.atomic
def recompute(years=None) -> int:
    """Recompute and store every indicator; returns the number of values stored."""
    # The whole table, not just `years`: running totals (accumulate_from) need earlier years.
    values = compute(returns_table(), indicators(), scopes=scopes(), years=years)
    stale = IndicatorValue.objects.all()
    if years is not None:
        stale = stale.filter(year__in=list(years))
    stale.delete()
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            indicator=v.indicator,
            scope_kind=v.scope_kind,
            scope_key=v.scope_key,
            year=v.year,
            value=v.value,
            n_enterprises=v.n_enterprises,
        )
        for v in values
    )
    return len(values)


def bound(plan_key: str) -> dict[str, tuple[str, str]]:
    """Target key -> (indicator key, scope key) for the targets fed by the survey."""
    ind = indicators()
    if ind.plan != plan_key:
        return {}
    return {t: (i.key, scope) for t, (i, scope) in ind.bound_targets().items()}


def series_for(targets) -> dict[int, list[tuple[int, float]]]:
    """Target id -> [(year, value), …] of the stored KPI values that feed it."""
    wanted = {}
    for t in targets:
        link = bound(t.plan.key).get(t.key)
        if link:
            wanted[t.id] = link
    if not wanted:
        return {}
    stored = defaultdict(list)
    keys = {ind for ind, _ in wanted.values()}
    for ind, scope, year, value in (
        IndicatorValue.objects.filter(indicator__in=keys)
        .values_list("indicator", "scope_key", "year", "value")
        .order_by("year")
    ):
        stored[(ind, scope)].append((year, value))
    return {tid: [(y, v) for y, v in stored[link] if v is not None] for tid, link in wanted.items()}
