"""The KPI indicators computed from the survey: definitions, values and the drill-down.

As on the /kpi/ pages, definitions and aggregated values are public. The drill-down (which
enterprises make up a value) is for officials (``Actor.can_drill_down``) and lists only the
enterprises in their scope; the totals still count every enterprise behind the value, so a
scoped official sees how many are hidden from them.
"""

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from eco311.accounts.lookups import enterprises_for_user
from eco311.accounts.scopes import actor
from eco311.api.common import (
    ERRORS,
    MAX_PAGE_SIZE,
    PUBLIC,
    Bilingual,
    PageInfo,
    Value,
    bilingual,
    decimal_text,
    paginate,
    plain_value,
)
from eco311.enterprises import kpi_data, kpis

router = Router(tags=["indicators"])

ScopeKind = Literal["province", "city", "cluster", "park"]


class ScopeOut(Schema):
    key: str = Field(description="Area key: 370000 (province), a city code, cluster-…, park-…")
    kind: ScopeKind | None
    name: Bilingual


class BoundTargetOut(Schema):
    plan: str
    key: str = Field(description="Target key in the plan")
    scope: ScopeOut = Field(description="The scope whose value feeds the target")
    text: Bilingual | None = Field(description="The target as the plan states it")
    exists: bool = Field(description="False if the plan file no longer has this target")


class IndicatorOut(Schema):
    key: str
    label: Bilingual = Field(description="Short name")
    definition: Bilingual = Field(description="Exactly what is counted or summed")
    unit: Bilingual
    caveat: Bilingual | None = Field(description="Where it only approximates a bound target")
    kind: Literal["count", "sum", "share", "ratio"]
    scopes: list[ScopeKind] = Field(description="The kinds of scope it is computed for")
    accumulate_from: int | None = Field(description="A running total from this year on")
    targets: list[BoundTargetOut] = Field(description="The plan targets its values feed")


class ValueOut(Schema):
    scope: ScopeOut
    year: int
    value: str | None = Field(
        description="The computed value in the indicator's unit, as exact decimal text "
        "(null: not computable, e.g. a share of nothing)"
    )
    display: str = Field(description="The value as the pages show it (rounded)")
    n_enterprises: int = Field(description="Enterprises (returns) the value is made of")
    withheld: bool = Field(
        False,
        description="True when the value is built from fewer enterprises than the platform's "
        "minimum (ECO311_MIN_PUBLIC_ENTERPRISES, default 3) and the caller is not an official "
        "whose scope covers it: `value` is then null and `display` is —, so that no single "
        "firm's figures are disclosed",
    )
    computed_on: datetime = Field(description="When it was last recomputed from the returns")


class IndicatorValuesOut(Schema):
    indicator: str
    unit: Bilingual
    years: list[int] = Field(description="Years with approved returns, newest first")
    values: list[ValueOut]


class ColumnOut(Schema):
    key: str = Field(description="Survey field key (or `tags`) of the values below")
    label: Bilingual
    numeric: bool


class MemberOut(Schema):
    uscc: str
    name: str
    city: str = Field(description="City code")
    park: str | None = Field(description="Park key")
    segment: str
    year: int = Field(description="The return's year (earlier years for a running total)")
    values: dict[str, Value | list[str]] = Field(
        description="Column key -> the return's value (decimals as exact text); `tags`: "
        "the tags held at the end of the year"
    )


class DrillDownOut(PageInfo):
    indicator: str
    scope: ScopeOut
    year: int
    part: Literal["numerator", "denominator"]
    total_rows: int = Field(description="Returns behind the value, in every scope")
    total_enterprises: int = Field(description="Enterprises behind the value, in every scope")
    hidden_enterprises: int = Field(description="Of those, the ones outside the caller's scope")
    columns: list[ColumnOut]
    items: list[MemberOut] = Field(description="The returns the caller may see, largest first")


def _indicator(key: str):
    ind = kpi_data.indicator(key)
    if ind is None:
        raise HttpError(404, f"no such indicator: {key}")
    return ind


def _scope_out(key: str, areas: dict) -> dict:
    area = areas.get(key)
    return {
        "key": key,
        "kind": kpi_data.scope_kind(key) or (area.kind if area else None),
        "name": bilingual(area.name_zh, area.name_en) if area else bilingual(key, key),
    }


def _scope(ind, raw: str | None) -> str:
    scope = kpi_data.indicator_scope(ind, raw)
    if scope is None:
        raise HttpError(
            422, f"{ind.key} is not computed for scope {raw!r} (it is for: {', '.join(ind.scopes)})"
        )
    return scope


def _text(t) -> dict | None:
    return bilingual(t.zh, t.en) if t is not None else None


def _indicator_out(ind, bound, areas) -> dict:
    return {
        "key": ind.key,
        "label": _text(ind.label),
        "definition": _text(ind.definition),
        "unit": _text(ind.unit),
        "caveat": _text(ind.caveat),
        "kind": ind.kind,
        "scopes": list(ind.scopes),
        "accumulate_from": ind.accumulate_from,
        "targets": [
            {
                "plan": kpis.indicators().plan,
                "key": b.key,
                "scope": _scope_out(b.scope_key, areas),
                "text": bilingual(b.target.text_zh, b.target.text_en) if b.target else None,
                "exists": b.target is not None,
            }
            for b in bound
        ],
    }


YEAR = Query(None, ge=2000, le=2100, description="Survey year (default: all years)")
SCOPE = Query(None, description="Scope key: 370000, a city code, cluster-…, park-…")
# A real key as the example: the reference shows it, and schemathesis tries it first.
KEY = Path(..., description="Indicator key", example="env_revenue_total")


@router.get(
    "/indicators",
    response={200: list[IndicatorOut], **ERRORS},
    summary="Indicators",
    openapi_extra=PUBLIC,
)
def list_indicators(request):
    """Every KPI the survey computes, with its definition and the plan targets it feeds."""
    inds = list(kpis.indicators())
    bound, areas = kpi_data.bound_targets(inds), kpi_data.areas_by_key()
    return [_indicator_out(ind, bound[ind.key], areas) for ind in inds]


@router.get(
    "/indicators/{key}",
    response={200: IndicatorOut, **ERRORS},
    summary="One indicator",
    openapi_extra=PUBLIC,
)
def get_indicator(request, key: str = KEY):
    ind = _indicator(key)
    return _indicator_out(ind, kpi_data.bound_targets([ind])[ind.key], kpi_data.areas_by_key())


@router.get(
    "/indicators/{key}/values",
    response={200: IndicatorValuesOut, **ERRORS},
    summary="Computed values by scope and year (public)",
    openapi_extra=PUBLIC,
)
def indicator_values(request, key: str = KEY, year: int | None = YEAR, scope: str | None = SCOPE):
    """The stored values of one indicator: every scope and year, or those asked for.
    Aggregates only, open to everyone like the /kpi/ pages."""
    ind = _indicator(key)
    scope_key = _scope(ind, scope) if scope else None
    areas = kpi_data.areas_by_key()
    a = actor(request)

    def out(v) -> dict:
        withheld = kpi_data.is_withheld(
            v.value, v.n_enterprises, v.scope_key, lambda k: a.sees_small_counts(areas.get(k))
        )
        value = None if withheld else v.value
        return {
            "scope": _scope_out(v.scope_key, areas),
            "year": v.year,
            "value": decimal_text(value),
            "display": kpi_data.format_value(value, ind),
            "n_enterprises": v.n_enterprises,
            "withheld": withheld,
            "computed_on": v.computed_on,
        }

    return {
        "indicator": ind.key,
        "unit": _text(ind.unit),
        "years": kpi_data.years(),
        "values": [out(v) for v in kpi_data.stored_values(ind, scope_key, year)],
    }


def _member(m, columns, stored) -> dict:
    ret = stored.get((m.enterprise.pk, m.year))
    values = {}
    for col, raw in zip(columns, m.raw, strict=True):
        if col.key == "tags":
            values[col.key] = [t for t in (raw or "").split(", ") if t]
        elif ret is not None:
            values[col.key] = plain_value(getattr(ret, col.key))
        else:  # pragma: no cover - the return went between the two reads
            values[col.key] = plain_value(raw)
    e = m.enterprise
    return {
        "uscc": e.uscc,
        "name": e.name,
        "city": e.city.code,
        "park": e.park.key if e.park_id else None,
        "segment": e.segment,
        "year": m.year,
        "values": values,
    }


@router.get(
    "/indicators/{key}/enterprises",
    response={200: DrillDownOut, **ERRORS},
    summary="The enterprises behind a value (officials, within their scope)",
)
def indicator_enterprises(
    request,
    key: str = KEY,
    year: int | None = Query(None, ge=2000, le=2100, description="Default: the latest year"),
    scope: str | None = Query(None, description="Scope key (default: the province, 370000)"),
    part: Literal["numerator", "denominator"] = Query(
        "numerator", description="For a share or ratio: which side to list"
    ),
    page: int = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
):
    """The drill-down of the /kpi/ pages: the returns one value is made of. Only for the
    officials (403 for enterprise users, banks and the public), and only the enterprises in
    the caller's scope are listed; `hidden_enterprises` says how many are not."""
    ind = _indicator(key)
    a = actor(request)
    if not a.can_drill_down:
        raise PermissionDenied
    scope_key = _scope(ind, scope)
    if year is None:
        year = kpi_data.chosen_year(None, kpi_data.years())
        if year is None:
            raise HttpError(404, "no approved returns yet")
    drill = kpi_data.drill_down(
        ind,
        scope_key,
        year,
        enterprises_for_user(a),
        kpi_data.drill_part(ind, part),
    )
    info, rows = paginate(drill.rows, page, page_size)
    stored = kpi_data.member_returns(rows)
    return {
        **info,
        "indicator": ind.key,
        "scope": _scope_out(scope_key, kpi_data.areas_by_key()),
        "year": year,
        "part": drill.part,
        "total_rows": drill.total_rows,
        "total_enterprises": drill.total_enterprises,
        "hidden_enterprises": drill.hidden_enterprises,
        "columns": [
            {"key": c.key, "label": bilingual(c.zh, c.en), "numeric": c.numeric}
            for c in drill.columns
        ],
        "items": [_member(m, drill.columns, stored) for m in rows],
    }
