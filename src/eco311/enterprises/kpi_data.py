"""What the indicator pages show: stored KPI values by scope and year, and the drill-down.

Values come from IndicatorValue (computed by kpis.recompute from approved returns, never typed
in). The drill-down re-runs the engine's ``members`` on the approved returns to list the
enterprises behind one value; the caller passes the enterprises the user may see
(``Actor.scoped_enterprises``) and only those are listed.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from eco311.core.workbooks import write_about_sheet
from eco311.enterprises import kpis
from eco311.enterprises.directory import field_value, lang
from eco311.enterprises.kpi import members
from eco311.enterprises.models import AnnualReturn, Enterprise, IndicatorValue, Segment, Tag
from eco311.enterprises.survey.dictionary import load_dictionary
from eco311.geo.models import Area
from eco311.plans.models import Target

PRIMARY = "#0b5d52"
MAP_URL = "/static/eco311/maps/shandong.json"
SCOPE_KINDS = ("province", "city", "cluster", "park")

#: Says whether the viewer may see a value of this scope (key) though it is built from fewer
#: enterprises than settings.ECO311_MIN_PUBLIC_ENTERPRISES (Actor.sees_small_counts decides).
Reveal = Callable[[str], bool]


def _nobody(_scope_key: str) -> bool:
    return False


def min_enterprises() -> int:
    return settings.ECO311_MIN_PUBLIC_ENTERPRISES


def is_withheld(value, n_enterprises: int, scope_key: str, reveal: Reveal | None) -> bool:
    """Whether a value is shown as "—": one built from so few enterprises that it would
    disclose an individual firm's figures (a park with one firm: its revenue), unless the
    viewer is an official whose scope covers it."""
    if value is None or n_enterprises >= min_enterprises():
        return False
    return not (reveal or _nobody)(scope_key)


def withheld_note() -> str:
    return _("fewer than %(n)s enterprises: not shown to protect individual firms") % {
        "n": min_enterprises()
    }


# ---------------------------------------------------------------------------
# Indicators, years, scopes
# ---------------------------------------------------------------------------


def indicator(key: str):
    """The indicator with this key, or None."""
    try:
        return kpis.indicators()[key]
    except KeyError:
        return None


def years() -> list[int]:
    """Years with approved returns, newest first."""
    return list(
        AnnualReturn.objects.filter(status=AnnualReturn.Status.APPROVED)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def chosen_year(raw, available: list[int]) -> int | None:
    """The year asked for if it has approved returns, else the latest one."""
    try:
        year = int(raw)
    except (TypeError, ValueError):
        year = None
    if year in available:
        return year
    return available[0] if available else None


def text(t) -> str:
    """A bilingual Text of the indicator file in the active language."""
    return t.get(lang()) if t is not None else ""


def with_unit(label: str, unit: str) -> str:
    """ "数值（亿元）" / "Value (100 million yuan)"."""
    if not unit:
        return label
    return f"{label}（{unit}）" if lang() == "zh" else f"{label} ({unit})"


def format_value(value, ind) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if ind.kind == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def scope_kind(key: str) -> str | None:
    sm = kpis.scopes()
    for kind in SCOPE_KINDS:
        if key in sm.keys(kind):
            return kind
    return None


def areas_by_key() -> dict[str, Area]:
    return {a.key: a for a in Area.objects.filter(kind__in=SCOPE_KINDS)}


def indicator_scope(ind, key: str | None) -> str | None:
    """``key`` (none given: the province) if ``ind`` is computed for that scope, else None."""
    key = key or kpis.scopes().province
    kind = scope_kind(key)
    return key if kind is not None and kind in ind.scopes else None


def drill_part(ind, raw: str | None) -> str:
    """Which rows a drill-down lists: a share's or ratio's denominator if asked, else the
    numerator (a count or sum has only that)."""
    if ind.kind in ("share", "ratio") and raw == "denominator":
        return "denominator"
    return "numerator"


def scope_name(key: str) -> str:
    area = Area.objects.filter(key=key).first()
    return area.name if area else key


@dataclass
class ScopeChoice:
    key: str
    name: str
    kind: str


def scope_groups(ind) -> list[tuple[str, list[ScopeChoice]]]:
    """The scopes the indicator is computed for, grouped by kind (for the scope chooser)."""
    sm, areas = kpis.scopes(), areas_by_key()
    groups = []
    for kind in SCOPE_KINDS:
        if kind not in ind.scopes:
            continue
        choices = [
            ScopeChoice(key, areas[key].name if key in areas else key, kind)
            for key in sm.keys(kind)
        ]
        groups.append((str(Area.Kind(kind).label), choices))
    return groups


# ---------------------------------------------------------------------------
# Bound targets
# ---------------------------------------------------------------------------


@dataclass
class BoundTarget:
    target: Target | None
    key: str
    scope_key: str
    scope_name: str


def bound_targets(inds) -> dict[str, list[BoundTarget]]:
    """Indicator key -> the plan targets it feeds (one query for all indicators)."""
    plan = kpis.indicators().plan
    keys = {b.target for ind in inds for b in ind.binds}
    targets = {
        t.key: t
        for t in Target.objects.filter(plan__key=plan, key__in=keys).select_related("plan", "scope")
    }
    areas = areas_by_key()
    return {
        ind.key: [
            BoundTarget(
                targets.get(b.target),
                b.target,
                b.scope,
                areas[b.scope].name if b.scope in areas else b.scope,
            )
            for b in ind.binds
        ]
        for ind in inds
    }


# ---------------------------------------------------------------------------
# The overview and one indicator's values
# ---------------------------------------------------------------------------


@dataclass
class OverviewRow:
    indicator: object
    label: str
    definition: str
    unit: str
    value: str
    n_enterprises: int | None
    targets: list[BoundTarget]
    withheld: bool = False


def overview(year: int | None, reveal: Reveal | None = None) -> list[OverviewRow]:
    """Every indicator's province value for the year, with its unit and bound targets."""
    inds = list(kpis.indicators())
    province = kpis.scopes().province
    stored = {
        v.indicator: v for v in IndicatorValue.objects.filter(scope_key=province, year=year or 0)
    }
    bound = bound_targets(inds)
    rows = []
    for ind in inds:
        v = stored.get(ind.key)
        hidden = v is not None and is_withheld(v.value, v.n_enterprises, province, reveal)
        rows.append(
            OverviewRow(
                indicator=ind,
                label=text(ind.label),
                definition=text(ind.definition),
                unit=text(ind.unit),
                value=format_value(v.value if v and not hidden else None, ind),
                n_enterprises=v.n_enterprises if v else None,
                targets=bound[ind.key],
                withheld=hidden,
            )
        )
    return rows


@dataclass
class YearValue:
    year: int
    value: float | None
    text: str
    n_enterprises: int
    withheld: bool = False


def series(ind, scope_key: str, reveal: Reveal | None = None) -> list[YearValue]:
    rows = []
    for v in IndicatorValue.objects.filter(indicator=ind.key, scope_key=scope_key).order_by("year"):
        hidden = is_withheld(v.value, v.n_enterprises, scope_key, reveal)
        value = None if hidden else v.value
        rows.append(YearValue(v.year, value, format_value(value, ind), v.n_enterprises, hidden))
    return rows


def series_chart(ind, rows: list[YearValue], scope_key: str) -> dict:
    """One scope's values by year as vertical bars (a year is a period, not a date)."""
    return {
        "categories": [str(r.year) for r in rows],
        "horizontal": False,
        "series": [
            {
                "code": "",
                "name": with_unit(text(ind.label), text(ind.unit)),
                "color": PRIMARY,
                "data": [None if r.value is None else round(r.value, 4) for r in rows],
            }
        ],
        "hrefs": [f"?scope={scope_key}&year={r.year}" for r in rows],
        "emptyLabel": _("No values yet."),
    }


def target_here(targets: list[BoundTarget], scope_key: str) -> BoundTarget | None:
    """The plan target the value at this scope feeds, if any."""
    return next((b for b in targets if b.scope_key == scope_key and b.target), None)


def city_map(ind, year: int | None, reveal: Reveal | None = None) -> dict | None:
    """The choropleth of the 16 cities for the year (None if not computed for cities)."""
    if "city" not in ind.scopes or year is None:
        return None
    stored = {
        v.scope_key: None if is_withheld(v.value, v.n_enterprises, v.scope_key, reveal) else v.value
        for v in IndicatorValue.objects.filter(indicator=ind.key, scope_kind="city", year=year)
    }
    return {
        "mapUrl": MAP_URL,
        "valueLabel": with_unit(text(ind.label), text(ind.unit)),
        "data": [
            {
                "adcode": a.code,
                "name": a.name,
                "value": stored.get(a.key),
                "href": f"?scope={a.key}&year={year}",
            }
            for a in Area.objects.filter(kind="city", is_active=True).order_by("code")
        ],
    }


def stored_values(ind, scope_key: str | None = None, year: int | None = None):
    """The stored values of ``ind`` (of one scope and/or year if given): province first, then
    cities, clusters and parks, each by key and year."""
    qs = IndicatorValue.objects.filter(indicator=ind.key)
    if scope_key is not None:
        qs = qs.filter(scope_key=scope_key)
    if year is not None:
        qs = qs.filter(year=year)
    rank = {kind: i for i, kind in enumerate(SCOPE_KINDS)}
    return sorted(qs, key=lambda v: (rank.get(v.scope_kind, len(rank)), v.scope_key, v.year))


@dataclass
class ScopeValue:
    key: str
    name: str
    kind_label: str
    value: float | None
    text: str
    n_enterprises: int
    withheld: bool = False


def comparison(ind, year: int | None, reveal: Reveal | None = None) -> list[ScopeValue]:
    """The clusters' and parks' values for the year, in that order."""
    kinds = [k for k in ("cluster", "park") if k in ind.scopes]
    if not kinds or year is None:
        return []
    stored = {
        v.scope_key: v
        for v in IndicatorValue.objects.filter(indicator=ind.key, scope_kind__in=kinds, year=year)
    }
    areas, sm = areas_by_key(), kpis.scopes()
    rows = []
    for kind in kinds:
        for key in sm.keys(kind):
            v = stored.get(key)
            area = areas.get(key)
            hidden = v is not None and is_withheld(v.value, v.n_enterprises, key, reveal)
            value = v.value if v and not hidden else None
            rows.append(
                ScopeValue(
                    key,
                    area.short_name if area else key,
                    str(Area.Kind(kind).label),
                    value,
                    format_value(value, ind),
                    v.n_enterprises if v else 0,
                    hidden,
                )
            )
    return rows


def comparison_chart(ind, rows: list[ScopeValue], year) -> dict:
    return {
        "categories": [r.name for r in rows],
        "horizontal": True,
        "series": [
            {
                "code": "",
                "name": with_unit(text(ind.label), text(ind.unit)),
                "color": PRIMARY,
                "data": [None if r.value is None else round(r.value, 4) for r in rows],
            }
        ],
        "hrefs": [f"?scope={r.key}&year={year}" for r in rows],
        "emptyLabel": _("No values yet."),
    }


# ---------------------------------------------------------------------------
# Drill-down
# ---------------------------------------------------------------------------


@dataclass
class Column:
    key: str
    zh: str
    en: str
    numeric: bool = True

    @property
    def label(self) -> str:
        return self.zh if lang() == "zh" else self.en


@dataclass
class Cell:
    text: str
    numeric: bool


@dataclass
class Member:
    enterprise: Enterprise
    year: int
    cells: list[Cell]
    raw: list
    weight: float


@dataclass
class DrillDown:
    indicator: object
    scope_kind: str
    scope_key: str
    scope_name: str
    year: int
    part: str
    total_rows: int
    total_enterprises: int
    columns: list[Column] = field(default_factory=list)
    rows: list[Member] = field(default_factory=list)

    @property
    def hidden_enterprises(self) -> int:
        return self.total_enterprises - len({m.enterprise.pk for m in self.rows})


def _fields_of(ind, part: str) -> tuple[list[str], bool, bool]:
    """(return fields, uses tags, uses major_violation) of the measure the drill-down lists."""
    measure = ind.measures()[0 if part == "numerator" else 1]
    names: list[str] = []
    tags = violation = False
    wheres = list(measure.where)
    if measure.field:
        names += ind.components(measure.field)
    for cond in wheres:
        if cond.field:
            names += ind.components(cond.field)
        tags = tags or cond.tag is not None or cond.not_tag is not None
        violation = violation or cond.major_violation is not None
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen, tags, violation


def drill_down(ind, scope_key: str, year: int, visible, part: str = "numerator") -> DrillDown:
    """The returns behind one value; ``visible`` is the queryset of enterprises to list."""
    kind = scope_kind(scope_key)
    if kind is None or kind not in ind.scopes:
        raise ValueError(f"{ind.key} has no value for scope {scope_key!r}")
    if part != "numerator" and ind.kind in ("count", "sum"):
        part = "numerator"
    # Only the years the value is made of: the year itself, or the years a running total adds up.
    first = ind.accumulate_from if ind.accumulate_from is not None else year
    table = kpis.returns_table(years=range(min(first, year), year + 1))
    index = members(table, ind, kind, scope_key, year, part=part) if len(table) else []
    rows = [table.row(i) for i in index]
    d = load_dictionary().by_key
    names, uses_tags, uses_violation = _fields_of(ind, part)
    getters = []  # (column, row -> (cell text, raw value))
    for spec in [d[n] for n in names if n in d]:
        getters.append(
            (
                Column(spec.key, spec.header("zh"), spec.header("en")),
                lambda r, s=spec: (field_value(s, r.get(s.key)), r.get(s.key)),
            )
        )
    if uses_tags:
        tag_labels = dict(Tag.Kind.choices)
        sep = "、" if lang() == "zh" else ", "
        getters.append(
            (
                Column("tags", "年末有效标签", "Tags at year end", numeric=False),
                lambda r: (
                    sep.join(str(tag_labels.get(t, t)) for t in sorted(r["tags"])) or "—",
                    ", ".join(sorted(r["tags"])),
                ),
            )
        )
    if uses_violation:
        spec = d["major_violation"]
        getters.append(
            (
                Column(spec.key, spec.label.zh, spec.label.en, numeric=False),
                lambda r, s=spec: (field_value(s, r.get(s.key)), r.get(s.key)),
            )
        )
    measure = ind.measures()[0 if part == "numerator" else 1]
    weight_fields = ind.components(measure.field) if measure.field else ()

    wanted = {r["enterprise"] for r in rows}
    if len(wanted) <= 500:  # few: ask for them; many: one pass over the visible ones
        visible = visible.filter(pk__in=wanted)
    shown = {e.pk: e for e in visible.select_related("city", "park") if e.pk in wanted}
    listed = []
    for r in rows:
        e = shown.get(r["enterprise"])
        if e is None:
            continue
        pairs = [(col, get(r)) for col, get in getters]
        weight = sum((r.get(f) or 0.0) for f in weight_fields) if weight_fields else 1.0
        cells = [Cell(text, col.numeric) for col, (text, _raw) in pairs]
        listed.append(Member(e, r["year"], cells, [raw for _col, (_t, raw) in pairs], weight))
    listed.sort(key=lambda m: (-m.weight, m.enterprise.name, m.year))
    areas = areas_by_key()
    return DrillDown(
        indicator=ind,
        scope_kind=kind,
        scope_key=scope_key,
        scope_name=areas[scope_key].name if scope_key in areas else scope_key,
        year=year,
        part=part,
        total_rows=len(rows),
        total_enterprises=len(wanted),
        columns=[col for col, _get in getters],
        rows=listed,
    )


def member_returns(rows: list[Member]) -> dict[tuple[int, int], AnnualReturn]:
    """(enterprise id, year) -> the stored return behind each drill-down row.

    The drill-down reads the engine's table, whose numbers are floats; whoever states money to
    the fen (the JSON API) takes the values from the returns themselves.
    """
    pairs = {(m.enterprise.pk, m.year) for m in rows}
    if not pairs:
        return {}
    found = AnnualReturn.objects.filter(
        enterprise_id__in={e for e, _y in pairs}, year__in={y for _e, y in pairs}
    )
    return {(r.enterprise_id, r.year): r for r in found if (r.enterprise_id, r.year) in pairs}


def drill_down_xlsx(dd: DrillDown, *, user=None, demo: bool = False) -> bytes:
    """The drill-down as an Excel workbook: Chinese headings in row 1, English in row 2."""
    import xlsxwriter

    d = load_dictionary().by_key
    fixed = [
        ("uscc", d["uscc"].label.zh, d["uscc"].label.en, 22),
        ("name", d["name"].label.zh, d["name"].label.en, 36),
        ("city", d["city_code"].label.zh, d["city_code"].label.en, 12),
        ("park", d["park_key"].label.zh, d["park_key"].label.en, 22),
        ("segment", d["segment"].label.zh, d["segment"].label.en, 16),
        ("year", d["year"].label.zh, d["year"].label.en, 8),
    ]
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    head = wb.add_format({"bold": True, "bg_color": "#E9EEF0", "text_wrap": True, "border": 1})
    head_en = wb.add_format({"italic": True, "bg_color": "#F3F5F6", "text_wrap": True, "border": 1})
    number = wb.add_format({"num_format": "#,##0.00"})
    integer = wb.add_format({"num_format": "#,##0"})
    ws = wb.add_worksheet("企业明细 Enterprises")
    headings = [(zh, en, w) for _k, zh, en, w in fixed] + [(c.zh, c.en, 18) for c in dd.columns]
    for j, (zh, en, width) in enumerate(headings):
        ws.write_string(0, j, zh, head)
        ws.write_string(1, j, en, head_en)
        ws.set_column(j, j, width)
    segments = dict(Segment.choices)
    for i, m in enumerate(dd.rows, start=2):
        e = m.enterprise
        ws.write_string(i, 0, e.uscc)
        ws.write_string(i, 1, e.name)
        ws.write_string(i, 2, e.city.name)
        ws.write_string(i, 3, e.park.name if e.park_id else "")
        ws.write_string(i, 4, str(segments.get(e.segment, e.segment)))
        ws.write_number(i, 5, m.year)
        for j, (col, value) in enumerate(zip(dd.columns, m.raw, strict=True), start=len(fixed)):
            spec = d.get(col.key)
            if value is None:
                continue
            if isinstance(value, bool) or (spec is not None and spec.type == "bool"):
                ws.write_string(i, j, m.cells[j - len(fixed)].text)
            elif isinstance(value, int | float):
                fmt = integer if spec is not None and spec.type == "integer" else number
                ws.write_number(i, j, float(value), fmt)
            else:
                ws.write_string(i, j, str(value))
    ws.freeze_panes(2, 2)
    ws.autofilter(1, 0, 1 + len(dd.rows), len(headings) - 1)

    ind = dd.indicator
    scope_area = Area.objects.filter(key=dd.scope_key).first()
    part = {"numerator": ("分子", "numerator"), "denominator": ("分母", "denominator")}[dd.part]
    lines = [
        ("指标 Indicator", ind.label.zh, ind.label.en),
        ("定义 Definition", ind.definition.zh, ind.definition.en),
        ("单位 Unit", ind.unit.zh, ind.unit.en),
        (
            "范围 Scope",
            scope_area.name_zh if scope_area else dd.scope_key,
            scope_area.name_en if scope_area else dd.scope_key,
        ),
        ("年份 Year", str(dd.year), str(dd.year)),
        ("所列 Rows", part[0] if ind.kind in ("share", "ratio") else "", part[1]),
        (
            "企业数 Enterprises",
            f"共 {dd.total_enterprises} 家，本表列出您权限范围内的 "
            f"{dd.total_enterprises - dd.hidden_enterprises} 家",
            f"{dd.total_enterprises} in all; this sheet lists the "
            f"{dd.total_enterprises - dd.hidden_enterprises} within your scope",
        ),
        (
            "导出 Exported",
            timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            (user.get_username() if user is not None else ""),
        ),
    ]
    if ind.caveat is not None:
        lines.insert(3, ("说明 Caveat", ind.caveat.zh, ind.caveat.en))
    write_about_sheet(wb, lines, demo=demo, width=60)
    wb.close()
    return out.getvalue()
