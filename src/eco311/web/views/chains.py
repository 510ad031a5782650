"""The chain-map pages (plan 四(二)1): the overview of all chains, a chain's panorama, a node,
a city's specialisation and the chain's "N lists", each list also as Excel.

The figures come from chains/population.py (the analytics of a year and scope, and the cities'
specialisation); the rules of the lists from chains/lists.py; who sees what from the Actor:
officials see the enterprises of their own scope (``enterprises_q``), everyone else aggregates
only, and no figure built from fewer than ECO311_MIN_PUBLIC_ENTERPRISES enterprises unless the
viewer's scope covers it (``Actor.sees_small_counts``, the rule of the indicator pages).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from eco311.accounts.lookups import enterprises_for_user
from eco311.accounts.scopes import Actor, actor
from eco311.chains import lists as chain_lists
from eco311.chains import placements
from eco311.chains import population as chain_population
from eco311.chains import taxonomy as chain_taxonomy
from eco311.enterprises import kpi_data, kpis
from eco311.enterprises.directory import lang
from eco311.enterprises.models import Enterprise
from eco311.geo.models import Area
from eco311.web import tables
from eco311.web.tables import Column, export_query, wants_xlsx

STAGES = ("upstream", "midstream", "downstream")
STAGE_LABELS = {
    "upstream": gettext_lazy("Upstream"),
    "midstream": gettext_lazy("Midstream"),
    "downstream": gettext_lazy("Downstream"),
}
COVERAGE_LABELS = {
    "none": gettext_lazy("No local enterprise"),
    "one": gettext_lazy("A single local enterprise"),
    "several": gettext_lazy("Several local enterprises"),
}
#: What a viewer who may not see small counts reads for a node of 1-2 firms: "one" or
#: "several" would tell him how many (the count itself reads "fewer than 3").
FEW = "few"
#: The panorama's colours (app.css .coverage-* uses the same): red for a gap, amber for a
#: single supplier, the platform's green for a covered node.
COVERAGE_COLORS = {"none": "#c62828", "one": "#f9a825", FEW: "#f9a825", "several": "#0b5d52"}


def coverage_label(code: str) -> str:
    if code == FEW:
        return _("Fewer than %(n)s local enterprises") % {"n": kpi_data.min_enterprises()}
    return str(COVERAGE_LABELS[code])


def coverage_classes(reveal: bool) -> tuple[str, ...]:
    """The legend's classes, in order, as this viewer sees them."""
    return ("none", "one", "several") if reveal else ("none", FEW, "several")


WEAK_COLOR = "#6a1b9a"
FLAG_LABELS = {
    "short_board": gettext_lazy("Short board"),
    "international_brand": gettext_lazy("International-brand field"),
    "high_end": gettext_lazy("High-end field"),
    "strengthen": gettext_lazy("Field to strengthen"),
}
LACK_LABELS = {
    "no_supplier": gettext_lazy("no local supplier"),
    "single_supplier": gettext_lazy("a single local supplier"),
    "concentrated": gettext_lazy("revenue concentrated in few firms"),
    "short_board": gettext_lazy("a short board named by the plan"),
}
NEED_LABELS = {
    "technology": gettext_lazy("Technology"),
    "talent": gettext_lazy("Talent"),
    "finance": gettext_lazy("Finance"),
    "policy": gettext_lazy("Policy"),
}
STATUS_LABELS = {
    "proposed": gettext_lazy("Proposed"),
    "declared": gettext_lazy("Declared by the enterprise"),
    "confirmed": gettext_lazy("Confirmed"),
}
TOP_ENTERPRISES = 20
FIRM_PAGE = 50
TOP_WEAK = 3


def _population():
    """chains/population.py: the cached population and its analyses (a function, so that a test
    can stand in another)."""
    return chain_population


# ---------------------------------------------------------------------------
# Year, scope and what the viewer may see
# ---------------------------------------------------------------------------


@dataclass
class ScopeChoice:
    kind: str
    key: str
    name: str


@dataclass
class View:
    """What every chain page needs: the year, the scope and what this viewer may see there."""

    actor: Actor
    year: int | None
    years: list[int]
    kind: str
    key: str
    area: Area | None
    reveal: bool  # may see figures of this scope built from fewer than the minimum of firms
    groups: list[tuple[str, list[ScopeChoice]]] = field(default_factory=list)

    @property
    def scope_name(self) -> str:
        return self.area.name if self.area else self.key

    def query(self) -> str:
        return f"year={self.year}&scope={self.key}" if self.year else f"scope={self.key}"


def _scope_groups(areas: dict[str, Area]) -> list[tuple[str, list[ScopeChoice]]]:
    """Every scope: the province, the 3 clusters, the 16 cities and the 10 parks. Everyone may
    choose any of them: the figures are aggregates, withheld where they rest on too few firms."""
    sm = kpis.scopes()
    groups = []
    for kind in ("province", "cluster", "city", "park"):
        choices = [
            ScopeChoice(kind, key, areas[key].name if key in areas else key)
            for key in sm.keys(kind)
        ]
        groups.append((str(Area.Kind(kind).label), choices))
    return groups


def _view(request) -> View:
    a = actor(request)
    years = sorted(_population().years(), reverse=True)
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    if year not in years:
        year = years[0] if years else None
    areas = kpi_data.areas_by_key()
    groups = _scope_groups(areas)
    sm = kpis.scopes()
    key = request.GET.get("scope") or sm.province
    kind = next((c.kind for _, cs in groups for c in cs if c.key == key), None)
    if kind is None:
        key, kind = sm.province, "province"
    area = areas.get(key)
    return View(a, year, years, kind, key, area, a.sees_small_counts(area), groups)


def _analysis(v: View):
    if v.year is None:
        return None
    return _population().analysis_for(v.year, kind=v.kind, key=v.key)


def _few(n: int) -> bool:
    return 0 < n < kpi_data.min_enterprises()


def count_text(n: int, reveal: bool) -> str:
    """An enterprise count; 1 or 2 read "fewer than 3" for a viewer outside the scope."""
    if _few(n) and not reveal:
        return _("fewer than %(n)s") % {"n": kpi_data.min_enterprises()}
    return f"{n:,}"


def money(value) -> str:
    """Revenue in 万元 as the plan writes it: 亿元 from 1亿 up, 万元 below."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 10_000:
        unit = _("100 million yuan")  # outside the f-string, where makemessages finds it
        return f"{value / 10_000:,.2f} {unit}"
    unit = _("10,000 yuan")
    return f"{value:,.0f} {unit}"


def pct(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.1f}%"


def num(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def join(items) -> str:
    """A list as the language writes it: 、 between Chinese items, a comma in English."""
    return ("、" if lang() == "zh" else ", ").join(str(i) for i in items)


def _text(t) -> str:
    return t.get(lang()) if t is not None else ""


# ---------------------------------------------------------------------------
# Rows the pages show
# ---------------------------------------------------------------------------


@dataclass
class NodeRow:
    code: str
    name: str
    stage: str
    stage_label: str
    href: str
    enterprises: int
    withheld: bool  # figures built from 1 or 2 firms this viewer may not see
    enterprises_text: str
    revenue: float | None  # None when withheld
    revenue_text: str
    share_text: str
    growth_text: str
    hhi_text: str
    pagerank: float
    betweenness: float
    importance: float
    coverage: str
    coverage_label: str
    weak: bool
    weak_score: float | None  # None when withheld
    weak_text: str
    result: object
    spec: object
    inputs: str = ""  # the names of the nodes it is an input to


def node_row(chain, spec, res, reveal: bool, query: str = "") -> NodeRow:
    """One node's figures for display; those resting on 1-2 enterprises are "—" unless the
    viewer may see small counts of the scope (the count itself then reads "fewer than 3")."""
    withheld = _few(res.enterprises) and not reveal
    cov = FEW if withheld else chain_lists.coverage(res)
    href = reverse("chain_node", args=[chain.code, spec.code])
    return NodeRow(
        code=spec.code,
        name=_text(spec.name),
        stage=spec.stage,
        stage_label=str(STAGE_LABELS[spec.stage]),
        href=f"{href}?{query}" if query else href,
        enterprises=res.enterprises,
        withheld=withheld,
        enterprises_text=count_text(res.enterprises, reveal),
        revenue=None if withheld else res.revenue,
        revenue_text="—" if withheld else money(res.revenue),
        share_text="—" if withheld else pct(res.share),
        growth_text="—" if withheld else pct(res.growth),
        hhi_text="—" if withheld else num(res.hhi),
        pagerank=res.pagerank,
        betweenness=res.betweenness,
        importance=res.importance,
        coverage=cov,
        coverage_label=coverage_label(cov),
        weak=chain_lists.is_weak(res),
        weak_score=None if withheld else res.weak.score,
        weak_text="—" if withheld else num(res.weak.score),
        result=res,
        spec=spec,
        inputs=join(_text(chain_taxonomy.load().node(t).name) for t in spec.input_to),
    )


@dataclass
class ChainRow:
    code: str
    name: str
    description: str
    area_name: str
    href: str
    completeness: float
    completeness_unweighted: float
    enterprises: int
    withheld: bool
    enterprises_text: str
    revenue: float | None
    revenue_text: str
    nodes: list[NodeRow]
    gaps: list[NodeRow]
    single: list[NodeRow]
    weak: list[NodeRow]  # the weakest first, at most TOP_WEAK
    few: list[NodeRow] = field(default_factory=list)  # 1-2 firms, for a viewer without reveal
    leaders: list = field(default_factory=list)  # LeaderLine
    leader_count: int = 0
    candidates: list = field(default_factory=list)
    leaders_hidden: int = 0
    result: object = None

    @property
    def completeness_text(self) -> str:
        return pct(self.completeness)

    @property
    def unweighted_text(self) -> str:
        return pct(self.completeness_unweighted)


@dataclass
class LeaderLine:
    enterprise: Enterprise
    node: str
    score: float
    share: float


def _area_names() -> dict[str, str]:
    return {a.key: a.short_name for a in Area.objects.filter(kind__in=("province", "city"))}


def chain_rows(v: View, analysis, with_leaders: bool = True) -> list[ChainRow]:
    """Every chain of the taxonomy with its figures in the view's year and scope."""
    tax = chain_taxonomy.load()
    by_code = {c.code: c for c in analysis.chains} if analysis else {}
    names = _area_names()
    rows = []
    seen = _visible_ids(v.actor) if with_leaders else None
    for chain in tax.chains:
        res = by_code.get(chain.code)
        if res is None:
            continue
        results = {n.code: n for n in res.nodes}
        nodes = [
            node_row(chain, spec, results[spec.code], v.reveal, v.query())
            for spec in chain.nodes
            if spec.code in results
        ]
        withheld = _few(res.enterprises) and not v.reveal
        weak = sorted((n for n in nodes if n.weak), key=lambda n: (-n.result.weak.score, n.code))[
            :TOP_WEAK
        ]
        row = ChainRow(
            code=chain.code,
            name=_text(chain.name),
            description=_text(chain.description),
            area_name=names.get(chain.area, chain.area),
            href=reverse("chain", args=[chain.code]) + f"?{v.query()}",
            completeness=res.completeness,
            completeness_unweighted=res.completeness_unweighted,
            enterprises=res.enterprises,
            withheld=withheld,
            enterprises_text=count_text(res.enterprises, v.reveal),
            revenue=None if withheld else res.revenue,
            revenue_text="—" if withheld else money(res.revenue),
            nodes=nodes,
            gaps=[n for n in nodes if n.code in set(res.gaps)],
            # Outside the viewer's scope "a single supplier" is a figure of one firm: withheld.
            single=[n for n in nodes if n.code in set(res.single)] if v.reveal else [],
            few=[n for n in nodes if n.coverage == FEW],
            weak=weak,
            result=res,
        )
        if with_leaders:
            _leaders(row, res, v.actor, seen)
        rows.append(row)
    return rows


def _visible_ids(a: Actor) -> set[int] | None:
    """Ids of the enterprises this viewer may see by name (None: none at all)."""
    if not a.can_see_chain_enterprises:
        return None
    return set(enterprises_for_user(a).values_list("pk", flat=True))


def _leaders(row: ChainRow, res, a: Actor, seen: set[int] | None) -> None:
    """The official 链主 (a count for everyone, names for officials within their scope) and,
    for officials only, the candidates the score proposes for the tag."""
    tagged = [lr for lr in res.leaders if lr.tagged]
    row.leader_count = len(tagged)
    if seen is None:
        return
    wanted = [lr for lr in res.leaders if lr.tagged or lr.candidate]
    firms = Enterprise.objects.in_bulk([lr.enterprise for lr in wanted if lr.enterprise in seen])
    for lr in wanted:
        ent = firms.get(lr.enterprise)
        if ent is None:
            row.leaders_hidden += lr.tagged
            continue
        line = LeaderLine(ent, lr.node, lr.score, lr.share)
        (row.leaders if lr.tagged else row.candidates).append(line)


def _chain_or_404(code: str):
    tax = chain_taxonomy.load()
    try:
        return tax.chain(code)
    except KeyError:
        raise Http404 from None


def _base_context(v: View) -> dict:
    return {
        "v": v,
        "year": v.year,
        "years": v.years,
        "scope": v.key,
        "scope_groups": v.groups,
        "withheld_note": kpi_data.withheld_note(),
        "sees_firms": v.actor.can_see_chain_enterprises,
        "sep": "、" if lang() == "zh" else ", ",
    }


# ---------------------------------------------------------------------------
# /chains/: every chain
# ---------------------------------------------------------------------------


def chain_overview(request):
    """Every chain in the year and scope: completeness, enterprises, revenue, 链主, weak links."""
    v = _view(request)
    analysis = _analysis(v)
    rows = chain_rows(v, analysis) if analysis else []
    if wants_xlsx(request):
        columns = [
            Column(_("Chain"), lambda r: r.name),
            Column(_("Area"), lambda r: r.area_name),
            Column(_("Completeness"), lambda r: r.completeness * 100, unit="%", kind="number"),
            Column(
                _("Unweighted completeness"),
                lambda r: r.completeness_unweighted * 100,
                unit="%",
                kind="number",
            ),
            Column(
                pgettext("count", "Enterprises"),
                lambda r: None if r.withheld else r.enterprises,
                kind="int",
            ),
            Column(_("Revenue"), lambda r: r.revenue, unit=_("10,000 yuan"), kind="number"),
            Column(_("Official chain leaders"), lambda r: r.leader_count, kind="int"),
            Column(_("Weakest links"), lambda r: "; ".join(n.name for n in r.weak)),
        ]
        return _xlsx(request, v, _("Industry chains"), columns, rows, "chains")
    context = {
        **_base_context(v),
        "rows": rows,
        "export_query": export_query(request),
        "any_withheld": any(r.withheld or any(n.withheld for n in r.nodes) for r in rows),
        "to_place": _to_place(v.actor),
    }
    return render(request, "web/chain_overview.html", context)


def _to_place(a: Actor) -> dict | None:
    """For an official: how many enterprises of his scope await a placement decision (linked
    to the directory filtered on them), so that the proposals get confirmed or corrected."""
    if not a.can_see_chain_enterprises:
        return None
    scoped = enterprises_for_user(a)
    return {s: placements.in_state(scoped, s).count() for s in ("proposed", "unplaced")}


def _xlsx(request, v: View, title, columns, rows, name):
    about = [("年份 Year", str(v.year or "—"), str(v.year or "—"))]
    about.append(("范围 Scope", v.scope_name, v.area.name_en if v.area else v.key))
    about.append(("空白单元格 Empty cells", _withheld_zh(), _withheld_en()))
    return tables.xlsx_response(
        request,
        title=title,
        columns=columns,
        rows=rows,
        filename=f"{name}-{v.key}-{v.year or 'none'}.xlsx",
        about=about,
    )


def _withheld_zh() -> str:
    from django.utils.translation import override

    with override("zh-hans"):
        return "空白：" + kpi_data.withheld_note()


def _withheld_en() -> str:
    from django.utils.translation import override

    with override("en"):
        return "Empty: " + kpi_data.withheld_note()


# ---------------------------------------------------------------------------
# /chains/<chain>/: the panorama
# ---------------------------------------------------------------------------


def panorama_data(chain, nodes: list[NodeRow], reveal: bool = True) -> dict:
    """The panorama's JSON (web/static/eco311/chains.js draws it): the nodes in their stage
    columns with revenue (null when withheld), coverage class and weak mark, and the input
    edges; every label translated here."""
    return {
        "stages": [{"code": s, "label": str(STAGE_LABELS[s])} for s in STAGES],
        "nodes": [
            {
                "code": n.code,
                "name": n.name,
                "stage": n.stage,
                "coverage": n.coverage,
                "weak": n.weak,
                "revenue": n.revenue,
                "revenueText": n.revenue_text,
                "enterprises": n.enterprises_text,
                "weakText": n.weak_text,
                "href": n.href,
            }
            for n in nodes
        ],
        "links": [{"source": a, "target": b} for a, b in chain.edges()],
        "coverage": [
            {"code": c, "label": coverage_label(c), "color": COVERAGE_COLORS[c]}
            for c in coverage_classes(reveal)
        ],
        "weakColor": WEAK_COLOR,
        "labels": {
            "weak": _("Weak link (purple ring)"),
            "revenue": _("Revenue"),
            "enterprises": pgettext("count", "Enterprises"),
            "weakScore": _("Weak-link score"),
        },
        "errorLabel": _("The chart could not be drawn; the table below has every figure."),
    }


def chain_panorama(request, chain_code):
    """A chain's panorama: its nodes by stage along the input edges, and the same as a table."""
    chain = _chain_or_404(chain_code)
    v = _view(request)
    analysis = _analysis(v)
    rows = [r for r in chain_rows(v, analysis, with_leaders=False) if r.code == chain.code]
    row = rows[0] if rows else None
    nodes = row.nodes if row else []
    context = {
        **_base_context(v),
        "chain": chain,
        "chain_name": _text(chain.name),
        "description": _text(chain.description),
        "row": row,
        "nodes": nodes,
        "panorama": panorama_data(chain, nodes, v.reveal),
        "coverage": panorama_data(chain, [], v.reveal)["coverage"],
        "reveal": v.reveal,
        "few_label": _("Nodes with fewer than %(n)s local enterprises")
        % {"n": kpi_data.min_enterprises()},
        "weak_color": WEAK_COLOR,
        "any_withheld": any(n.withheld for n in nodes),
    }
    return render(request, "web/chain_panorama.html", context)


# ---------------------------------------------------------------------------
# /chains/<chain>/nodes/<node>/
# ---------------------------------------------------------------------------


def _node_or_404(chain, node_code: str):
    spec = next((n for n in chain.nodes if n.code == node_code), None)
    if spec is None:
        raise Http404
    return spec


@dataclass
class FirmLine:
    enterprise: Enterprise
    revenue: float | None
    status: str
    status_label: str


def node_firm_ids(node_code: str, year: int | None) -> dict[int, float]:
    """Enterprise id -> its environmental revenue (万元) in ``year``, for every enterprise the
    analytics place on the node (chains/population.py's effective placements) and count that
    year: those with an approved return, so that the list adds up to the node's figures."""
    pop = _population().population()
    tax = chain_taxonomy.load()
    j = [n.code for n in tax.nodes].index(node_code)
    if year not in pop.years:
        return {}
    col = pop.years.index(year)
    out = {}
    for firm in pop.place_firm[pop.place_node == j]:
        rev = float(pop.revenue[firm, col])
        if not math.isnan(rev):
            out[int(pop.ids[firm])] = rev
    return out


def _in_scope_q(v: View):
    """Enterprises of the chosen scope (a cluster is its city, as in the indicators)."""
    from django.db.models import Q

    sm = kpis.scopes()
    if v.kind == "province":
        return Q()
    if v.kind == "park":
        return Q(park__key=v.key)
    return Q(city__key=sm.city_of(v.key) or v.key)


def node_firms(v: View, node_code: str) -> list[FirmLine]:
    """The enterprises on the node in the chosen scope that this official may see, by revenue."""
    from eco311.chains.models import Placement

    revenue = node_firm_ids(node_code, v.year)
    qs = (
        enterprises_for_user(v.actor)
        .filter(pk__in=list(revenue))
        .filter(_in_scope_q(v))
        .select_related("city", "park")
    )
    status = dict(
        Placement.objects.filter(node=node_code, enterprise_id__in=list(revenue)).values_list(
            "enterprise_id", "status"
        )
    )
    rows = [
        FirmLine(
            e,
            revenue[e.pk],
            status.get(e.pk, ""),
            str(STATUS_LABELS.get(status.get(e.pk, ""), "")),
        )
        for e in qs
    ]
    rows.sort(key=lambda r: (-(r.revenue or 0), r.enterprise.name))
    return rows


def _city_counts(node_code: str, year: int | None) -> tuple[dict[str, int], dict[str, int]]:
    """Enterprises on the node with a return in ``year``, per city code and per park key."""
    pop = _population().population()
    tax = chain_taxonomy.load()
    j = [n.code for n in tax.nodes].index(node_code)
    col = pop.years.index(year) if year in pop.years else None
    cities: dict[str, int] = {}
    parks: dict[str, int] = {}
    for firm in set(int(f) for f in pop.place_firm[pop.place_node == j]):
        if col is None or math.isnan(pop.revenue[firm, col]):
            continue
        c = pop.cities[pop.city[firm]]
        cities[c] = cities.get(c, 0) + 1
        if pop.park[firm] >= 0:
            p = pop.parks[pop.park[firm]]
            parks[p] = parks.get(p, 0) + 1
    return cities, parks


def _why(res, spec, reveal: bool = True) -> str:
    """A sentence saying why the node scores as it does, from the components (without the
    number of firms when it is 1-2 and the viewer may not see small counts)."""
    parts = []
    if res.enterprises == 0:
        parts.append(_("no enterprise in the scope serves it"))
    elif _few(res.enterprises) and not reveal:
        parts.append(_("fewer than %(n)s enterprises serve it") % {"n": kpi_data.min_enterprises()})
    elif res.enterprises == 1:
        parts.append(_("a single enterprise serves it"))
    # With none or one firm the concentration is 1 by definition: said already above.
    concentrated = (
        res.weak.concentration is not None
        and res.weak.concentration >= chain_lists.CONCENTRATED_HHI
    )
    if res.enterprises > 1 and concentrated:
        parts.append(_("its revenue is concentrated in few firms"))
    if res.importance >= 0.5:
        parts.append(_("it is one of the chain's most important links"))
    if any(f.kind == "short_board" for f in spec.flags):
        parts.append(_("the plan names it a short board"))
    if not parts:
        return _("Several local enterprises serve it and its revenue is spread among them.")
    joined = "; ".join(str(p) for p in parts)
    if chain_lists.is_weak(res):
        return _("A weak link: %(why)s.") % {"why": joined}
    return _("Not a weak link, though %(why)s.") % {"why": joined}


def chain_node(request, chain_code, node_code):
    """One node: its figures, importance and weak-link score with the components, the plan's
    flags, where its enterprises are, and (officials) the enterprises themselves."""
    chain = _chain_or_404(chain_code)
    spec = _node_or_404(chain, node_code)
    v = _view(request)
    analysis = _analysis(v)
    res = None
    if analysis:
        cres = next((c for c in analysis.chains if c.code == chain.code), None)
        res = next((n for n in cres.nodes if n.code == spec.code), None) if cres else None
    row = node_row(chain, spec, res, v.reveal, v.query()) if res else None
    firms = node_firms(v, spec.code) if v.actor.can_see_chain_enterprises and v.year else None
    if wants_xlsx(request):
        if firms is None:
            # The list exists, but not for this role (the public, banks, enterprises).
            raise PermissionDenied
        columns = [
            Column(_("Enterprise"), lambda f: f.enterprise.name),
            Column(_("Unified social credit code"), lambda f: f.enterprise.uscc),
            Column(_("City"), lambda f: f.enterprise.city.short_name),
            Column(_("Park"), lambda f: f.enterprise.park.short_name if f.enterprise.park else ""),
            Column(_("Revenue"), lambda f: f.revenue, unit=_("10,000 yuan"), kind="number"),
            Column(_("Placement"), lambda f: f.status_label),
        ]
        title = _("Enterprises on %(node)s") % {"node": _text(spec.name)}
        return _xlsx(request, v, title, columns, firms, f"node-{spec.code}")
    cities, parks = _city_counts(spec.code, v.year)
    areas = kpi_data.areas_by_key()
    city_areas = list(Area.objects.filter(kind="city", is_active=True).order_by("code"))

    def shown(n, area):
        return None if _few(n) and not v.actor.sees_small_counts(area) else n

    node_map = {
        "mapUrl": kpi_data.MAP_URL,
        "valueLabel": _("Enterprises on the node"),
        "data": [
            {
                "adcode": a.code,
                "name": a.short_name,
                "value": shown(cities.get(a.code, 0), a),
                "href": reverse("chain_city", args=[a.code])
                + (f"?year={v.year}" if v.year else ""),
            }
            for a in city_areas
        ],
        "errorLabel": _("The map could not be drawn; the table beside it has every figure."),
    }
    city_rows = [
        {
            "area": a,
            "count": cities.get(a.code, 0),
            "text": count_text(cities.get(a.code, 0), v.actor.sees_small_counts(a)),
        }
        for a in city_areas
        if cities.get(a.code)
    ]
    park_rows = [
        {"area": areas[k], "count": n, "text": count_text(n, v.actor.sees_small_counts(areas[k]))}
        for k, n in sorted(parks.items(), key=lambda kv: -kv[1])
        if k in areas
    ]
    flags = [
        {"label": str(FLAG_LABELS.get(f.kind, f.kind)), "ref": f.ref, "source": f.source}
        for f in spec.flags
    ]
    context = {
        **_base_context(v),
        "chain": chain,
        "chain_name": _text(chain.name),
        "spec": spec,
        "node_name": _text(spec.name),
        "row": row,
        "res": res,
        "why": _why(res, spec, v.reveal) if res else "",
        "flags": flags,
        "inputs_from": join(_text(n.name) for n in chain.nodes if spec.code in n.input_to),
        "inputs_to": join(_text(chain_taxonomy.load().node(t).name) for t in spec.input_to),
        "words": join(spec.words()),
        "node_map": node_map,
        "city_rows": city_rows,
        "park_rows": park_rows,
        "firms": firms,
        "export_query": export_query(request),
    }
    if firms is not None:
        context["firm_page"] = Paginator(firms, FIRM_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context["firm_query"] = query.urlencode()
    return render(request, "web/chain_node.html", context)


# ---------------------------------------------------------------------------
# /chains/cities/<code>/: a city's specialisation
# ---------------------------------------------------------------------------


@dataclass
class Speciality:
    code: str
    name: str
    chain_name: str
    href: str
    rca_text: str
    revenue_text: str
    enterprises_text: str
    withheld: bool
    rca: float = 0.0


@dataclass
class RecommendationLine:
    code: str
    name: str
    chain_name: str
    href: str
    density: float
    cog: float
    sentence: str


def city_view(v: View, city: Area, spec_) -> dict:
    """A city's specialisations (RCA >= 1), its ECI rank among the cities and the nodes it is
    best placed to develop, each with the related nodes it is already strong in."""
    tax = chain_taxonomy.load()
    m = spec_.measures
    if city.code not in m.locs:
        return {"specialities": [], "recommendations": [], "eci_rank": None, "n_cities": 0}
    i = m.locs.index(city.code)
    local = _population().analysis_for(spec_.year, kind="city", key=city.key)
    counts = {n.code: n.enterprises for c in local.chains for n in c.nodes}
    reveal = v.actor.sees_small_counts(city)
    specialities = []
    for j, code in enumerate(m.prods):
        if not m.mcp[i, j] or not tax.has_node(code):
            continue
        n = counts.get(code, 0)
        withheld = _few(n) and not reveal
        chain = tax.chain_of(code)
        specialities.append(
            Speciality(
                code,
                _text(tax.node(code).name),
                _text(chain.name),
                reverse("chain_node", args=[chain.code, code]) + f"?year={spec_.year}",
                "—" if withheld else num(float(m.rca[i, j])),
                "—" if withheld else money(float(m.value[i, j])),
                count_text(n, reveal),
                withheld,
                float(m.rca[i, j]),
            )
        )
    # The strongest first; the withheld ones last, so that their order says nothing of RCA.
    specialities.sort(key=lambda s: (s.withheld, -s.rca if not s.withheld else 0, s.code))
    eci = [(float(e), loc) for e, loc in zip(m.eci, m.locs, strict=True) if not math.isnan(e)]
    eci.sort(key=lambda r: -r[0])
    rank = next((k + 1 for k, (_e, loc) in enumerate(eci) if loc == city.code), None)
    recs = []
    for r in spec_.recommendations.get(city.code, []):
        if not tax.has_node(r.node):
            continue
        chain = tax.chain_of(r.node)
        related = [
            _text(tax.node(c).name) for c in chain_lists.related_strengths(spec_, city.code, r.node)
        ]
        if related:
            sentence = _("Close to what %(city)s is already strong in: %(nodes)s.") % {
                "city": city.short_name,
                "nodes": "、".join(related) if lang() == "zh" else ", ".join(related),
            }
        else:
            sentence = _("No present specialisation of %(city)s is close to it yet.") % {
                "city": city.short_name
            }
        recs.append(
            RecommendationLine(
                r.node,
                _text(tax.node(r.node).name),
                _text(chain.name),
                reverse("chain_node", args=[chain.code, r.node]) + f"?year={spec_.year}",
                r.density,
                r.cog,
                sentence,
            )
        )
    return {
        "specialities": specialities,
        "recommendations": recs,
        "eci_rank": rank,
        "eci": float(m.eci[i]) if not math.isnan(m.eci[i]) else None,
        "n_cities": len(eci),
        "diversity": int(m.diversity[i]),
    }


def chain_city(request, code):
    """A city's view: its specialisations, ECI rank and the links it is best placed to develop."""
    city = Area.objects.filter(kind="city", code=code, is_active=True).first()
    if city is None:
        raise Http404
    v = _view(request)
    data = {"specialities": [], "recommendations": [], "eci_rank": None, "n_cities": 0}
    if v.year is not None:
        data = city_view(v, city, _population().specialisation_for(v.year))
    if wants_xlsx(request):
        columns = [
            Column(_("Node"), lambda r: r.name),
            Column(_("Chain"), lambda r: r.chain_name),
            Column(_("Density"), lambda r: r.density, kind="number"),
            Column(_("Complexity outlook gain"), lambda r: r.cog, kind="number"),
            Column(_("Why"), lambda r: r.sentence),
        ]
        title = _("Links %(city)s is best placed to develop") % {"city": city.short_name}
        return _xlsx(request, v, title, columns, data["recommendations"], f"city-{code}")
    context = {**_base_context(v), "city": city, **data, "export_query": export_query(request)}
    return render(request, "web/chain_city.html", context)


# ---------------------------------------------------------------------------
# /chains/<chain>/lists/: the N lists
# ---------------------------------------------------------------------------

LISTS = ("enterprises", "parks", "needs", "attraction")


@dataclass
class KeyFirm:
    enterprise: Enterprise
    node: str
    revenue: float | None
    leader: bool
    candidate: bool


def _chain_firms(v: View, chain) -> dict[int, tuple[str, float | None]]:
    """Enterprise id -> (its first node on the chain, revenue) for the enterprises of the chain."""
    out: dict[int, tuple[str, float | None]] = {}
    for spec in chain.nodes:
        for pk, rev in node_firm_ids(spec.code, v.year).items():
            out.setdefault(pk, (_text(spec.name), rev))
    return out


def key_enterprises(v: View, chain, row: ChainRow | None) -> list[KeyFirm]:
    """Leaders and candidates first, then the largest by revenue, within this official's scope
    and the chosen scope (the first TOP_ENTERPRISES)."""
    firms = _chain_firms(v, chain)
    tagged = {lr.enterprise for lr in row.result.leaders if lr.tagged} if row else set()
    cand = {lr.enterprise for lr in row.result.leaders if lr.candidate} if row else set()
    qs = enterprises_for_user(v.actor).filter(pk__in=list(firms)).filter(_in_scope_q(v))
    ents = list(qs.select_related("city", "park"))
    rows = [KeyFirm(e, firms[e.pk][0], firms[e.pk][1], e.pk in tagged, e.pk in cand) for e in ents]
    rows.sort(key=lambda r: (not r.leader, not r.candidate, -(r.revenue or 0), r.enterprise.name))
    keep = [r for r in rows if r.leader or r.candidate]
    rest = [r for r in rows if not (r.leader or r.candidate)]
    return keep + rest[: max(0, TOP_ENTERPRISES - len(keep))]


def chain_parks(v: View, chain) -> list[dict]:
    """The parks of the chosen scope with enterprises on the chain (counts, withheld below the
    minimum)."""
    pop = _population().population()
    codes = [n.code for n in chain_taxonomy.load().nodes]
    idx = {codes.index(n.code) for n in chain.nodes}
    col = pop.years.index(v.year) if v.year in pop.years else None
    inside = _population().mask(pop, v.kind, v.key)
    firms = {int(f) for f, n in zip(pop.place_firm, pop.place_node, strict=True) if int(n) in idx}
    counts: dict[str, int] = {}
    for f in firms:
        if pop.park[f] < 0 or not inside[f] or col is None or math.isnan(pop.revenue[f, col]):
            continue
        k = pop.parks[pop.park[f]]
        counts[k] = counts.get(k, 0) + 1
    areas = kpi_data.areas_by_key()
    rows = []
    for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        area = areas.get(k)
        reveal = v.actor.sees_small_counts(area)
        rows.append(
            {
                "name": area.name if area else k,
                "key": k,
                "count": None if _few(n) and not reveal else n,
                "text": count_text(n, reveal),
            }
        )
    return rows


@dataclass
class NeedLine:
    node: NodeRow
    lacks: str
    needs: str
    flags: str


def _lack(code: str, withheld: bool) -> str:
    """A lack in words; "a single local supplier" is a figure of one firm, withheld as such."""
    if code == "single_supplier" and withheld:
        return _("fewer than %(n)s local suppliers") % {"n": kpi_data.min_enterprises()}
    return str(LACK_LABELS[code])


def weak_needs(chain, row: ChainRow | None) -> list[NeedLine]:
    """Per weak link: what it lacks and what it needs (chains/lists.py's rules)."""
    if row is None:
        return []
    out = []
    sep = "、" if lang() == "zh" else ", "
    for n in row.nodes:
        if not n.weak:
            continue
        nd = chain_lists.need(n.result, n.spec)
        out.append(
            NeedLine(
                n,
                sep.join(_lack(x, n.withheld) for x in nd.lacks) or _("low local weight"),
                sep.join(str(NEED_LABELS[x]) for x in nd.needs) or "—",
                sep.join(str(FLAG_LABELS.get(f.kind, f.kind)) for f in n.spec.flags),
            )
        )
    return out


@dataclass
class AttractionLine:
    node: NodeRow
    reason: str
    cities: str


def attraction(v: View, row: ChainRow | None) -> list[AttractionLine]:
    """Gap and weak nodes, each with the cities best placed to develop it (by density)."""
    if row is None or v.year is None:
        return []
    spec = _population().specialisation_for(v.year)
    names = {a.code: a.short_name for a in Area.objects.filter(kind="city")}
    sep = "、" if lang() == "zh" else ", "
    out = []
    for n in row.nodes:
        # Gaps and single suppliers (whatever the viewer may see of the count) and weak links.
        if not (n.weak or n.result.enterprises <= 1):
            continue
        best = chain_lists.best_cities(spec, n.code)
        cities = sep.join(f"{names.get(c, c)} ({d:.2f})" for c, d in best)
        # No city has a related strength when no firm in the province is on a nearby node.
        none = _("none yet: to be attracted from outside the province")
        out.append(AttractionLine(n, n.coverage_label, cities or none))
    return out


def chain_lists_page(request, chain_code):
    """The chain's lists: key enterprises (officials; the public sees counts), parks, weak-link
    needs, investment-attraction directions; projects and platforms have no registry yet."""
    chain = _chain_or_404(chain_code)
    v = _view(request)
    analysis = _analysis(v)
    rows = [r for r in chain_rows(v, analysis) if r.code == chain.code] if analysis else []
    row = rows[0] if rows else None
    sees = v.actor.can_see_chain_enterprises
    firms = key_enterprises(v, chain, row) if sees and v.year else None
    parks = chain_parks(v, chain)
    needs = weak_needs(chain, row)
    attract = attraction(v, row)
    which = request.GET.get("list", "")
    if wants_xlsx(request):
        return _lists_xlsx(request, v, chain, which, firms, parks, needs, attract)
    query = request.GET.copy()
    query.pop("list", None)
    query["format"] = "xlsx"
    context = {
        **_base_context(v),
        "chain": chain,
        "chain_name": _text(chain.name),
        "row": row,
        "firms": firms,
        "parks": parks,
        "needs": needs,
        "attract": attract,
        "xlsx_query": query.urlencode(),
    }
    return render(request, "web/chain_lists.html", context)


def _lists_xlsx(request, v, chain, which, firms, parks, needs, attract):
    name = _text(chain.name)
    if which == "enterprises":
        if firms is None:
            # The list exists, but not for this role (the public, banks, enterprises).
            raise PermissionDenied
        columns = [
            Column(_("Enterprise"), lambda f: f.enterprise.name),
            Column(_("Unified social credit code"), lambda f: f.enterprise.uscc),
            Column(_("City"), lambda f: f.enterprise.city.short_name),
            Column(_("Node"), lambda f: f.node),
            Column(_("Revenue"), lambda f: f.revenue, unit=_("10,000 yuan"), kind="number"),
            Column(_("Official chain leader"), lambda f: _("yes") if f.leader else ""),
            Column(_("Candidate"), lambda f: _("yes") if f.candidate else ""),
        ]
        rows, title = firms, _("Key enterprises: %(chain)s") % {"chain": name}
    elif which == "parks":
        columns = [
            Column(_("Park"), lambda p: p["name"]),
            Column(pgettext("count", "Enterprises"), lambda p: p["count"], kind="int"),
        ]
        rows, title = parks, _("Parks: %(chain)s") % {"chain": name}
    elif which == "needs":
        columns = [
            Column(_("Node"), lambda n: n.node.name),
            Column(_("Weak-link score"), lambda n: n.node.weak_score, kind="number"),
            Column(_("Lacks"), lambda n: n.lacks),
            Column(_("Needs"), lambda n: n.needs),
            Column(_("Plan flags"), lambda n: n.flags),
        ]
        rows, title = needs, _("Weak-link needs: %(chain)s") % {"chain": name}
    elif which == "attraction":
        columns = [
            Column(_("Node"), lambda n: n.node.name),
            Column(_("Coverage"), lambda n: n.reason),
            Column(_("Cities best placed (density)"), lambda n: n.cities),
        ]
        rows, title = attract, _("Investment attraction: %(chain)s") % {"chain": name}
    else:
        raise Http404
    return _xlsx(request, v, title, columns, rows, f"{chain.code}-{which}")
