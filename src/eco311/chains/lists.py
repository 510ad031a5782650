"""The rules behind the chain pages' "N lists": which nodes are weak links, what a weak link
lacks and what it needs, and which related nodes make a city well placed for a node.

Pure module (no Django): it reads the analytics' dataclasses and the taxonomy and returns plain
codes; the pages and the report translate them. Keeping the rules here, not in a view, means the
page, its Excel export and any later document say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eco311.chains.analytics import NodeResult, Specialisation
from eco311.chains.taxonomy import Node

#: A node whose weak-link score reaches this is marked a weak link (the score runs 0..1 and
#: averages importance, coverage gap and concentration: half-way means at least one of them is
#: bad on an important node).
WEAK_THRESHOLD = 0.5
#: HHI at or above this is a concentrated node (the US merger guidelines' "highly concentrated"
#: begins at 2,500 on the 0..10,000 scale).
CONCENTRATED_HHI = 0.25

#: What each of the plan's flags asks for (the plan, 四(一) and 四(二)): a short board is a
#: materials gap to close by research and people; a high-end field needs the same at the
#: frontier; a field to strengthen is an equipment line to scale, which takes money and policy;
#: an international-brand field needs brand policy and export finance.
FLAG_NEEDS = {
    "short_board": ("technology", "talent"),
    "high_end": ("technology", "talent"),
    "strengthen": ("finance", "policy"),
    "international_brand": ("policy", "finance"),
}
NEED_ORDER = ("technology", "talent", "finance", "policy")


def is_weak(node: NodeResult) -> bool:
    """A weak link: its score reaches WEAK_THRESHOLD, or no local enterprise serves it."""
    return node.weak.score >= WEAK_THRESHOLD or node.enterprises == 0


def coverage(node: NodeResult) -> str:
    """The coverage class the panorama colours by: "none", "one" or "several" local firms."""
    if node.enterprises == 0:
        return "none"
    return "one" if node.enterprises == 1 else "several"


@dataclass
class Need:
    node: str
    lacks: list[str]  # "no_supplier", "single_supplier", "concentrated", "short_board"
    needs: list[str]  # of NEED_ORDER


def need(node: NodeResult, spec: Node) -> Need:
    """What a weak link lacks (from the score's components and the plan's flags) and what it
    needs: no or a single local supplier calls for attracting investment (finance, policy); a
    concentrated node for more suppliers (policy); each plan flag for what FLAG_NEEDS says."""
    lacks: list[str] = []
    wanted: set[str] = set()
    if node.enterprises == 0:
        lacks.append("no_supplier")
        wanted |= {"finance", "policy"}
    elif node.enterprises == 1:
        lacks.append("single_supplier")
        wanted |= {"finance", "policy"}
    elif node.hhi is not None and node.hhi >= CONCENTRATED_HHI:
        lacks.append("concentrated")
        wanted.add("policy")
    kinds = {f.kind for f in spec.flags}
    if "short_board" in kinds:
        lacks.append("short_board")
    for kind in kinds:
        wanted |= set(FLAG_NEEDS.get(kind, ()))
    return Need(node.code, lacks, [n for n in NEED_ORDER if n in wanted])


def best_cities(spec: Specialisation, node_code: str, n: int = 3) -> list[tuple[str, float]]:
    """The cities best placed to develop ``node_code``: those not yet specialised in it, by
    density (how close their present specialisations are to it), densest first."""
    m = spec.measures
    if node_code not in m.prods:
        return []
    j = m.prods.index(node_code)
    rows = [
        (m.locs[i], float(m.density[i, j]))
        for i in range(len(m.locs))
        # Density 0: nothing the city does is related to the node (no city has it, or none
        # of its specialisations co-occurs with it): not a reason to name the city.
        if not m.mcp[i, j] and not np.isnan(m.density[i, j]) and m.density[i, j] > 0
    ]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows[:n]


def related_strengths(spec: Specialisation, city: str, node_code: str, n: int = 3) -> list[str]:
    """The nodes ``city`` is already specialised in (RCA >= 1) that are closest to
    ``node_code`` by proximity: why the city is well placed to develop it."""
    m = spec.measures
    if city not in m.locs or node_code not in m.prods:
        return []
    i, j = m.locs.index(city), m.prods.index(node_code)
    rows = [
        (float(m.proximity[j, k]), m.prods[k])
        for k in range(len(m.prods))
        if k != j and m.mcp[i, k] and m.proximity[j, k] > 0
    ]
    rows.sort(key=lambda r: (-r[0], r[1]))
    return [code for _, code in rows[:n]]
