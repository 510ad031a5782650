"""The industry chain map: chains, nodes, placements, regional specialisation, recommendations.

The figures are those of the pages (chains/population.py ``analysis_for`` and
``specialisation_for``, computed from the approved returns and the effective placements). As
on the pages, aggregates are public, with the small-count rule of the KPI API: a figure built
from one or two enterprises (fewer than ECO311_MIN_PUBLIC_ENTERPRISES) is null with
``withheld: true`` unless the caller is an official whose scope covers it
(Actor.sees_small_counts). A node with no enterprise at all discloses no firm: its zero and
the chain's gaps are public. Which enterprises sit on a node, the placements and the
chain-leader scores are for officials (Actor.can_see_chain_enterprises), and only the
enterprises in their scope are listed.
"""

import math
from datetime import datetime
from typing import Literal

import numpy as np
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import field_validator

from eco311.accounts.lookups import enterprises_for_user, placements_for_user
from eco311.accounts.scopes import actor
from eco311.api.common import (
    ERRORS,
    MAX_PAGE_SIZE,
    PUBLIC,
    Bilingual,
    PageInfo,
    bilingual,
    paginate,
)
from eco311.chains import population, taxonomy
from eco311.chains.models import Placement
from eco311.core.forms import control_character_message
from eco311.enterprises import kpi_data
from eco311.enterprises.models import Enterprise

router = Router(tags=["chains"])

ScopeKind = Literal["province", "city", "cluster", "park"]
Stage = Literal["upstream", "midstream", "downstream"]
StatusKey = Literal[tuple(Placement.Status.values)]

YEAR = Query(None, ge=2000, le=2100, description="Survey year (default: the latest one)")
SCOPE = Query(None, description="Scope key: 370000 (default), a city code, cluster-… or park-…")
# Real keys as examples: the reference shows them, and schemathesis tries them first.
CHAIN = Path(..., description="Chain code (chains/data/chains.yaml)", example="water")
NODE = Path(..., description="Node code", example="water-membrane")
CITY = Path(..., description="City code (GB/T 2260)", example="370100")

WITHHELD = Field(
    False,
    description="True when the figures are built from fewer enterprises than the platform's "
    "minimum (ECO311_MIN_PUBLIC_ENTERPRISES, default 3) and the caller is not an official "
    "whose scope covers them: they are then null, so that no single firm's figures are "
    "disclosed",
)


# -- shapes -------------------------------------------------------------------------------------


class ScopeOut(Schema):
    key: str = Field(description="370000 (province), a city code, cluster-…, park-…")
    kind: ScopeKind
    name: Bilingual


class FlagOut(Schema):
    kind: Literal["short_board", "international_brand", "high_end", "strengthen"]
    ref: str = Field(description="Plan section")
    source: str = Field(description="The plan's sentence, verbatim")


class WeakOut(Schema):
    score: float | None = Field(description="0 strong .. 1 weak")
    importance: float = Field(description="The node's importance in its chain, 0..1")
    coverage_gap: float | None = Field(description="1 with no local enterprise")
    concentration: float | None = Field(description="HHI of the node's revenue in scope")
    unmet_demand: float | None = Field(description="Share of open needs (null until matchmaking)")
    withheld: bool = WITHHELD


class NodeFiguresOut(Schema):
    enterprises: int | None = Field(description="Enterprises placed on the node, in scope")
    revenue: float | None = Field(
        description="Environmental revenue, 万元 (split equally among an enterprise's nodes)"
    )
    share: float | None = Field(description="Of the node's province revenue, 0..1")
    growth: float | None = Field(description="On the year before, same scope")
    hhi: float | None = Field(description="Concentration of the node's revenue, 0..1")
    withheld: bool = WITHHELD


class NodeOut(Schema):
    code: str
    name: Bilingual
    stage: Stage
    input_to: list[str] = Field(description="The nodes it is an input to")
    gb4754: list[str] = Field(description="GB/T 4754-2017 classes")
    segment: str
    figures: NodeFiguresOut
    pagerank: float
    betweenness: float
    importance: float = Field(description="0..1, combining pagerank and betweenness")
    weak: WeakOut
    flags: list[FlagOut]


class ChainFiguresOut(Schema):
    enterprises: int | None = Field(description="Distinct enterprises on any node, in scope")
    revenue: float | None = Field(description="万元")
    completeness: float = Field(
        description="Importance-weighted share of nodes with a local enterprise, 0..1"
    )
    completeness_unweighted: float
    withheld: bool = WITHHELD


class ChainSummaryOut(Schema):
    code: str
    name: Bilingual
    description: Bilingual
    area: str = Field(description="370000, or the city whose own chain it is")
    ref: str = Field(description="Plan section")
    source: str = Field(description="The plan's sentence naming the chain")
    node_count: int = Field(description="How many nodes it has")
    figures: ChainFiguresOut
    gaps: list[str] = Field(description="Nodes with no local enterprise")
    single: list[str] | None = Field(
        description="Nodes with exactly one local enterprise (null when withheld)"
    )


class ChainsOut(Schema):
    year: int
    years: list[int] = Field(description="Years with chain figures, newest first")
    scope: ScopeOut
    chains: list[ChainSummaryOut]


class EnterpriseRef(Schema):
    uscc: str
    name: str
    city: str = Field(description="City code")


class LeaderOut(Schema):
    enterprise: EnterpriseRef
    node: str
    share: float = Field(description="Of its node's revenue in the province")
    importance: float
    local_suppliers: int
    score: float
    tagged: bool = Field(description="Holds the official chain-leader tag of this chain")
    candidate: bool = Field(description="Scores among the chain's top without the tag")


class ChainDetailOut(ChainSummaryOut):
    year: int
    scope: ScopeOut
    edges: list[list[str]] = Field(description="[supplier node, user node] pairs")
    nodes: list[NodeOut] = Field(description="Every node, in the taxonomy's order")
    leaders: list[LeaderOut] | None = Field(
        description="Chain-leader scores, best first: officials only, enterprises in their "
        "scope (null for others)"
    )
    hidden_leaders: int | None = Field(description="Scored enterprises outside the scope")


class CityCountOut(Schema):
    city: str
    name: Bilingual
    enterprises: int | None
    revenue: float | None
    withheld: bool = WITHHELD


class NodeDetailOut(NodeOut):
    chain: str
    year: int
    scope: ScopeOut
    keywords: list[str]
    synonyms: list[str]
    cities: list[CityCountOut] = Field(description="The node in each city (province-wide)")
    on_node: list[EnterpriseRef] | None = Field(
        description="Enterprises on the node in the scope asked for and in the caller's: "
        "officials only (null for others)",
    )
    hidden_enterprises: int | None = Field(
        description="Of the node's enterprises in the scope asked for, those outside the "
        "caller's (officials only)"
    )


class PlacementFilters(Schema):
    enterprise: str = Field("", description="Unified social credit code")
    node: str = Field("", description="Node code")
    status: StatusKey | None = Field(None, description="Placement status")

    @field_validator("enterprise", "node")
    @classmethod
    def no_control_characters(cls, value: str) -> str:
        """A control character (a NUL byte: a server error on PostgreSQL) is refused, 422."""
        problem = control_character_message(value)
        if problem is not None:
            raise ValueError(problem)
        return value


class PlacementOut(Schema):
    id: int
    enterprise: EnterpriseRef
    node: str
    chain: str | None = Field(description="The node's chain; null for a node off the map")
    status: StatusKey
    confidence: float | None
    words: list = Field(description="The words that decided a proposal")
    reason: str
    decided_by: str | None
    decided_on: datetime | None
    synthetic: bool


class PlacementPage(PageInfo):
    items: list[PlacementOut]


class CellOut(Schema):
    city: str
    node: str
    rca: float | None = Field(description="Revealed comparative advantage (Balassa)")
    mcp: int | None = Field(description="1 when rca >= 1")
    density: float | None
    cog: float | None = Field(description="Complexity outlook gain")
    withheld: bool = WITHHELD


class SpecCityOut(Schema):
    code: str
    name: Bilingual
    diversity: int
    eci: float | None
    coi: float | None


class SpecNodeOut(Schema):
    code: str
    ubiquity: int
    pci: float | None


class SpecialisationOut(Schema):
    year: int
    cities: list[SpecCityOut]
    nodes: list[SpecNodeOut]
    cells: list[CellOut] = Field(description="Cities x nodes")


class RecommendationOut(Schema):
    node: str
    name: Bilingual
    chain: str
    density: float
    cog: float
    pci: float


class RecommendationsOut(Schema):
    year: int
    city: str
    name: Bilingual
    items: list[RecommendationOut] = Field(description="Best placed first")


# -- helpers ------------------------------------------------------------------------------------


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _years() -> list[int]:
    return sorted(population.years(), reverse=True)


def _year(year: int | None) -> tuple[int, list[int]]:
    years = _years()
    if not years:
        raise HttpError(404, "no chain figures yet: no approved returns")
    if year is None:
        return years[0], years
    if year not in years:
        raise HttpError(404, f"no chain figures for {year} (years: {', '.join(map(str, years))})")
    return year, years


def _scope(raw: str | None, areas) -> dict:
    key = raw or kpi_data.kpis.scopes().province
    kind = kpi_data.scope_kind(key)
    if kind is None:
        raise HttpError(422, f"unknown scope {key!r}: 370000, a city code, cluster-… or park-…")
    area = areas.get(key)
    name = bilingual(area.name_zh, area.name_en) if area else bilingual(key, key)
    return {"key": key, "kind": kind, "name": name}


def _chain(code: str) -> taxonomy.Chain:
    try:
        return taxonomy.load().chain(code)
    except KeyError:
        raise HttpError(404, f"no such chain: {code}") from None


def _reveal(a, areas):
    return lambda key: a.sees_small_counts(areas.get(key))


def withheld(n: int, scope_key: str, reveal) -> bool:
    """The small-count rule of kpi_data.is_withheld on a count of enterprises: a figure built
    from one or two of them is not shown unless the viewer's scope covers it. A count of none
    is shown: it discloses no firm, and the gaps are what the chain map is for."""
    return n > 0 and kpi_data.is_withheld(n, n, scope_key, reveal)


def _flags(node) -> list[dict]:
    return [{"kind": f.kind, "ref": f.ref, "source": f.source} for f in node.flags]


def _node_out(node, result, hide: bool) -> dict:
    w = result.weak
    return {
        "code": node.code,
        "name": bilingual(node.name.zh, node.name.en),
        "stage": node.stage,
        "input_to": list(node.input_to),
        "gb4754": list(node.gb4754),
        "segment": node.segment,
        "figures": {
            "enterprises": None if hide else result.enterprises,
            "revenue": None if hide else _num(result.revenue),
            "share": None if hide else _num(result.share),
            "growth": None if hide else _num(result.growth),
            "hhi": None if hide else _num(result.hhi),
            "withheld": hide,
        },
        "pagerank": _num(result.pagerank) or 0.0,
        "betweenness": _num(result.betweenness) or 0.0,
        "importance": _num(result.importance) or 0.0,
        "weak": {
            # The coverage and concentration of one or two firms say how big they are.
            "score": None if hide else _num(w.score),
            "importance": _num(w.importance) or 0.0,
            "coverage_gap": None if hide else _num(w.coverage_gap),
            "concentration": None if hide else _num(w.concentration),
            "unmet_demand": None if hide else _num(w.unmet_demand),
            "withheld": hide,
        },
        "flags": _flags(node),
    }


def _summary(chain, result, scope_key: str, reveal) -> dict:
    hide = withheld(result.enterprises, scope_key, reveal)
    # Which nodes have exactly one firm is itself a count of one.
    single_hidden = bool(result.single) and not reveal(scope_key)
    return {
        "code": chain.code,
        "name": bilingual(chain.name.zh, chain.name.en),
        "description": bilingual(chain.description.zh, chain.description.en),
        "area": chain.area,
        "ref": chain.ref,
        "source": chain.source,
        "node_count": len(chain.nodes),
        "figures": {
            "enterprises": None if hide else result.enterprises,
            "revenue": None if hide else _num(result.revenue),
            "completeness": _num(result.completeness) or 0.0,
            "completeness_unweighted": _num(result.completeness_unweighted) or 0.0,
            "withheld": hide,
        },
        "gaps": list(result.gaps),
        "single": None if single_hidden else list(result.single),
    }


def _results(analysis) -> dict:
    return {c.code: c for c in analysis.chains}


def _enterprise_refs(ids) -> dict[int, dict]:
    rows = Enterprise.objects.filter(pk__in=list(ids)).values_list(
        "pk", "uscc", "name", "city__code"
    )
    return {pk: {"uscc": u, "name": n, "city": c} for pk, u, n, c in rows}


def _visible_ids(a, ids) -> set[int]:
    return set(
        enterprises_for_user(a, Enterprise.objects.filter(pk__in=list(ids))).values_list(
            "pk", flat=True
        )
    )


# -- endpoints ----------------------------------------------------------------------------------


@router.get(
    "/chains",
    response={200: ChainsOut, **ERRORS},
    summary="The chains with their figures (public aggregates)",
    openapi_extra=PUBLIC,
)
def list_chains(request, year: int | None = YEAR, scope: str | None = SCOPE):
    """Every chain of the taxonomy with its enterprises, revenue, completeness, gaps and
    single-supplier nodes in the scope asked for (default the province)."""
    year, years = _year(year)
    areas = kpi_data.areas_by_key()
    sc = _scope(scope, areas)
    reveal = _reveal(actor(request), areas)
    results = _results(population.analysis_for(year, sc["kind"], sc["key"]))
    return {
        "year": year,
        "years": years,
        "scope": sc,
        "chains": [
            _summary(c, results[c.code], sc["key"], reveal)
            for c in taxonomy.load().chains
            if c.code in results
        ],
    }


@router.get(
    "/chains/specialisation",
    response={200: SpecialisationOut, **ERRORS},
    summary="Regional specialisation of the 16 cities over the nodes (public)",
    openapi_extra=PUBLIC,
)
def specialisation(request, year: int | None = YEAR):
    """RCA, presence, density and COG per city and node; ECI and COI per city; PCI per node
    (py-ecomplexity's conventions, docs/chains.md). A city's RCA on a node held by one or two
    of its enterprises would disclose their revenue: withheld like any small count."""
    year, _years_ = _year(year)
    areas = kpi_data.areas_by_key()
    reveal = _reveal(actor(request), areas)
    m = population.specialisation_for(year).measures
    counts = _city_node_counts(year, m.locs)
    cells = []
    for i, city in enumerate(m.locs):
        for j, node in enumerate(m.prods):
            hide = withheld(counts.get((city, node), 0), city, reveal)
            cells.append(
                {
                    "city": city,
                    "node": node,
                    "rca": None if hide else _num(m.rca[i, j]),
                    "mcp": None if hide else int(m.mcp[i, j]),
                    "density": _num(m.density[i, j]),
                    "cog": _num(m.cog[i, j]),
                    "withheld": hide,
                }
            )
    return {
        "year": year,
        "cities": [
            {
                "code": city,
                "name": _area_name(areas, city),
                "diversity": int(m.diversity[i]),
                "eci": _num(m.eci[i]),
                "coi": _num(m.coi[i]),
            }
            for i, city in enumerate(m.locs)
        ],
        "nodes": [
            {"code": node, "ubiquity": int(m.ubiquity[j]), "pci": _num(m.pci[j])}
            for j, node in enumerate(m.prods)
        ],
        "cells": cells,
    }


def _area_name(areas, key: str) -> dict:
    area = areas.get(key)
    return bilingual(area.name_zh, area.name_en) if area else bilingual(key, key)


def _city_node_counts(year: int, cities) -> dict[tuple[str, str], int]:
    """(city code, node code) -> enterprises on the node in the city."""
    counts = {}
    for city in cities:
        for c in population.analysis_for(year, "city", city).chains:
            for n in c.nodes:
                counts[(city, n.code)] = n.enterprises
    return counts


@router.get(
    "/chains/cities/{code}/recommendations",
    response={200: RecommendationsOut, **ERRORS},
    summary="The missing links a city is best placed to develop (public)",
    openapi_extra=PUBLIC,
)
def recommendations(request, code: str = CITY, year: int | None = YEAR):
    """The nodes the city does not specialise in yet, best placed first (density, COG, PCI)."""
    year, _years_ = _year(year)
    spec = population.specialisation_for(year)
    if code not in spec.measures.locs:
        raise HttpError(404, f"no such city: {code}")
    tax = taxonomy.load()
    areas = kpi_data.areas_by_key()
    items = []
    for r in spec.recommendations.get(code, []):
        if not tax.has_node(r.node):
            continue
        node = tax.node(r.node)
        items.append(
            {
                "node": r.node,
                "name": bilingual(node.name.zh, node.name.en),
                "chain": tax.chain_of(r.node).code,
                "density": _num(r.density) or 0.0,
                "cog": _num(r.cog) or 0.0,
                "pci": _num(r.pci) or 0.0,
            }
        )
    return {"year": year, "city": code, "name": _area_name(areas, code), "items": items}


@router.get(
    "/chains/{code}",
    response={200: ChainDetailOut, **ERRORS},
    summary="One chain: its nodes with figures, importance, weak links and gaps",
    openapi_extra=PUBLIC,
)
def get_chain(request, code: str = CHAIN, year: int | None = YEAR, scope: str | None = SCOPE):
    """The chain's nodes with their figures, importance and weak-link score with every
    component; its completeness and gaps. Officials also get the chain-leader scores of the
    enterprises in their scope."""
    chain = _chain(code)
    year, _years_ = _year(year)
    areas = kpi_data.areas_by_key()
    sc = _scope(scope, areas)
    a = actor(request)
    reveal = _reveal(a, areas)
    result = _results(population.analysis_for(year, sc["kind"], sc["key"])).get(chain.code)
    if result is None:
        raise HttpError(404, f"no figures for chain {code} in {year}")
    by_code = {n.code: n for n in result.nodes}
    out = _summary(chain, result, sc["key"], reveal)
    out.update(
        year=year,
        scope=sc,
        edges=[[s, t] for s, t in chain.edges()],
        nodes=[
            _node_out(n, by_code[n.code], withheld(by_code[n.code].enterprises, sc["key"], reveal))
            for n in chain.nodes
            if n.code in by_code
        ],
        leaders=None,
        hidden_leaders=None,
    )
    if a.can_see_chain_enterprises:
        province = _results(population.analysis_for(year)).get(chain.code)
        leaders = province.leaders if province else []
        ids = {lr.enterprise for lr in leaders}
        visible, refs = _visible_ids(a, ids), _enterprise_refs(ids)
        out["leaders"] = [
            {
                "enterprise": refs[lr.enterprise],
                "node": lr.node,
                "share": _num(lr.share) or 0.0,
                "importance": _num(lr.importance) or 0.0,
                "local_suppliers": lr.local_suppliers,
                "score": _num(lr.score) or 0.0,
                "tagged": lr.tagged,
                "candidate": lr.candidate,
            }
            for lr in leaders
            if lr.enterprise in visible and lr.enterprise in refs
        ]
        out["hidden_leaders"] = len(ids - visible)
    return out


@router.get(
    "/chains/{code}/nodes/{node}",
    response={200: NodeDetailOut, **ERRORS},
    summary="One node: figures, flags with their sentences, the cities; enterprises (officials)",
    openapi_extra=PUBLIC,
)
def get_node(
    request,
    code: str = CHAIN,
    node: str = NODE,
    year: int | None = YEAR,
    scope: str | None = SCOPE,
):
    """The node's figures in the scope asked for, the plan's flags with their source
    sentences, its enterprises and revenue in each city (each city's small counts withheld
    as the city's), and for officials the enterprises on it within their scope."""
    chain = _chain(code)
    if node not in chain.node_codes():
        raise HttpError(404, f"no such node in chain {code}: {node}")
    tnode = taxonomy.load().node(node)
    year, _years_ = _year(year)
    areas = kpi_data.areas_by_key()
    sc = _scope(scope, areas)
    a = actor(request)
    reveal = _reveal(a, areas)
    result = _node_result(population.analysis_for(year, sc["kind"], sc["key"]), chain.code, node)
    out = _node_out(tnode, result, withheld(result.enterprises, sc["key"], reveal))
    cities = []
    for city in _city_codes(year):
        r = _node_result(population.analysis_for(year, "city", city), chain.code, node)
        hide = withheld(r.enterprises, city, reveal)
        cities.append(
            {
                "city": city,
                "name": _area_name(areas, city),
                "enterprises": None if hide else r.enterprises,
                "revenue": None if hide else _num(r.revenue),
                "withheld": hide,
            }
        )
    out.update(
        chain=chain.code,
        year=year,
        scope=sc,
        keywords=list(tnode.keywords),
        synonyms=list(tnode.synonyms),
        cities=cities,
        on_node=None,
        hidden_enterprises=None,
    )
    if a.can_see_chain_enterprises:
        on_node = _on_node(node, year, sc)
        visible = enterprises_for_user(a, on_node)
        out["on_node"] = [
            {"uscc": u, "name": n, "city": c}
            for u, n, c in visible.order_by("uscc").values_list("uscc", "name", "city__code")
        ]
        out["hidden_enterprises"] = on_node.count() - len(out["on_node"])
    return out


def _node_result(analysis, chain_code: str, node: str):
    for c in analysis.chains:
        if c.code == chain_code:
            for n in c.nodes:
                if n.code == node:
                    return n
    raise HttpError(404, f"no figures for node {node}")


def _city_codes(year: int) -> list[str]:
    return list(population.specialisation_for(year).measures.locs)


def _on_node(node: str, year: int, sc: dict):
    """The enterprises counted on ``node`` in ``year`` and scope ``sc``, as analysis_for counts
    them: effectively placed (chains/placements.py) and with a return for the year."""
    pop = population.population()
    j = [n.code for n in taxonomy.load().nodes].index(node)
    if year not in pop.years:
        return Enterprise.objects.none()
    filed = ~np.isnan(pop.revenue[:, pop.years.index(year)])
    keep = filed & population.mask(pop, sc["kind"], sc["key"])
    firms = np.asarray(pop.place_firm)[np.asarray(pop.place_node) == j]
    ids = {int(pop.ids[f]) for f in firms if keep[f]}
    return Enterprise.objects.filter(pk__in=ids)


@router.get(
    "/placements",
    response={200: PlacementPage, **ERRORS},
    summary="Chain placements of the enterprises in the caller's scope (officials)",
)
def list_placements(
    request,
    filters: Query[PlacementFilters],
    page: int = Query(1, ge=1, description="Page number, from 1"),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
):
    """Every placement (proposed, declared, confirmed, rejected) of the enterprises the caller
    may see: officials only (403 for enterprise users, banks and the public)."""
    qs = placements_for_user(request)
    if filters.enterprise:
        qs = qs.filter(enterprise__uscc=filters.enterprise.upper())
    if filters.node:
        qs = qs.filter(node=filters.node)
    if filters.status:
        qs = qs.filter(status=filters.status)
    info, rows = paginate(qs.order_by("enterprise__uscc", "node", "pk"), page, page_size)
    tax = taxonomy.load()
    return {
        **info,
        "items": [
            {
                "id": p.pk,
                "enterprise": {
                    "uscc": p.enterprise.uscc,
                    "name": p.enterprise.name,
                    "city": p.enterprise.city.code,
                },
                "node": p.node,
                "chain": tax.chain_of(p.node).code if tax.has_node(p.node) else None,
                "status": p.status,
                "confidence": _num(p.confidence),
                "words": list(p.words or []),
                "reason": p.reason,
                "decided_by": p.decided_by.username if p.decided_by_id else None,
                "decided_on": p.decided_on,
                "synthetic": p.synthetic,
            }
            for p in rows
        ],
    }
