"""Thin glue between the database and the pure KPI engine (enterprises/kpi).

Approved returns and the tags active at each year's end become a ReturnsTable; the engine
computes every indicator for every scope and year; the values are stored in IndicatorValue
and feed the plan targets the indicator file binds them to.
"""

from collections import defaultdict
from datetime import date
from functools import cache

from django.db import connection, transaction
from django.db.models import FloatField
from django.db.models.functions import Cast

from eco311.enterprises.kpi import ReturnsTable, ScopeMap, compute, load_indicators
from eco311.enterprises.models import AnnualReturn, IndicatorValue, Tag
from eco311.plans.sources import Binding

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
    """The approved returns (of ``years`` only, if given) as the engine's table.

    Read as columns of plain values (the numbers cast to floats by the database, not made
    into Decimals and back): the engine wants floats, and a survey of 100,000 enterprises
    over five years is half a million rows.
    """
    qs = AnnualReturn.objects.filter(status=AnnualReturn.Status.APPROVED).order_by()
    if years is not None:
        qs = qs.filter(year__in=list(years))
    numbers = {f"_{f}": Cast(f, FloatField()) for f in ROW_FIELDS if f != "major_violation"}
    rows = qs.annotate(**numbers).values_list(
        "enterprise_id",
        "year",
        "enterprise__city__code",
        "enterprise__park__key",
        "enterprise__segment",
        "major_violation",
        *numbers,
    )
    names = ("enterprise", "year", "city_code", "park_key", "segment", "major_violation")
    names += tuple(f for f in ROW_FIELDS if f != "major_violation")
    # The query as SQL, its rows as the driver gives them: Django's per-row converters
    # (here only the flag's, 0/1 to bool on SQLite) would cost more than the query.
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        transposed = list(zip(*cursor.fetchall(), strict=True)) or [()] * len(names)
    columns = dict(zip(names, transposed, strict=True))
    sm = scopes()
    clusters = {code: sm.cluster_of_city(code) for code in set(columns["city_code"])}
    columns["cluster_key"] = [clusters[c] for c in columns["city_code"]]
    tags = _tags_at_year_end(sorted(set(columns["year"])))
    none = frozenset()
    columns["tags"] = [
        tags.get(key, none) for key in zip(columns["enterprise"], columns["year"], strict=True)
    ]
    return ReturnsTable.from_columns(columns)


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


@cache  # the indicator file is read once per process, so its bindings cannot change
def bindings(plan_key: str) -> dict[str, Binding]:
    """The same as :func:`bound`, in the form plans/sources.py registers."""
    return {
        t: Binding(source="survey", indicator=ind, scope=scope)
        for t, (ind, scope) in bound(plan_key).items()
    }


def _links(targets) -> dict[int, tuple[str, str]]:
    """Target id -> (indicator, scope key) of the targets the survey feeds."""
    wanted = {}
    for t in targets:
        link = bound(t.plan.key).get(t.key)
        if link:
            wanted[t.id] = link
    return wanted


def counts_for(targets) -> dict[int, int]:
    """Target id -> the fewest enterprises any stored value feeding it is built from."""
    wanted = _links(targets)
    if not wanted:
        return {}
    fewest: dict[tuple[str, str], int] = {}
    for ind, scope, n in IndicatorValue.objects.filter(
        indicator__in={ind for ind, _ in wanted.values()}, value__isnull=False
    ).values_list("indicator", "scope_key", "n_enterprises"):
        fewest[(ind, scope)] = min(n, fewest.get((ind, scope), n))
    return {tid: fewest[link] for tid, link in wanted.items() if link in fewest}


def series_for(targets) -> dict[int, list[tuple[int, float]]]:
    """Target id -> [(year, value), …] of the stored KPI values that feed it."""
    wanted = _links(targets)
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
