"""chains/lists.py: which nodes are weak links, what they lack and need, and which cities are
best placed for a node (pure: no database)."""

import numpy as np

from eco311.chains import complexity, lists
from eco311.chains.analytics import NodeResult, Recommendation, Specialisation, WeakLink
from eco311.chains.taxonomy import Flag, Node


def _node(enterprises, hhi=None, score=0.2, code="n"):
    weak = WeakLink(
        score=score,
        importance=0.5,
        coverage_gap=1 / (1 + enterprises),
        concentration=1.0 if hhi is None else hhi,
        unmet_demand=None,
    )
    return NodeResult(code, enterprises, 0.0, None, None, hhi, 0.2, 0.0, 0.5, weak)


def _spec(*kinds):
    flags = [Flag(kind=k, ref="四(一)1", source="在材料药剂等短板领域") for k in kinds]
    return Node(
        code="node-x",
        name={"zh": "节点", "en": "Node"},
        stage="upstream",
        gb4754=["2666"],
        segment="manufacturing",
        keywords=["膜"],
        flags=flags,
    )


def test_a_node_without_a_local_firm_is_weak_whatever_its_score():
    assert lists.is_weak(_node(0, score=0.1))
    assert not lists.is_weak(_node(5, hhi=0.1, score=lists.WEAK_THRESHOLD - 0.01))
    assert lists.is_weak(_node(5, hhi=0.1, score=lists.WEAK_THRESHOLD))


def test_coverage_classes():
    assert [lists.coverage(_node(n)) for n in (0, 1, 2, 9)] == ["none", "one", "several", "several"]


def test_what_a_weak_link_lacks_follows_its_components_and_flags():
    gap = lists.need(_node(0), _spec("short_board"))
    assert gap.lacks == ["no_supplier", "short_board"]
    assert gap.needs == ["technology", "talent", "finance", "policy"]
    single = lists.need(_node(1), _spec())
    assert single.lacks == ["single_supplier"] and single.needs == ["finance", "policy"]
    concentrated = lists.need(_node(4, hhi=lists.CONCENTRATED_HHI), _spec())
    assert concentrated.lacks == ["concentrated"] and concentrated.needs == ["policy"]
    spread = lists.need(_node(4, hhi=0.1), _spec("international_brand"))
    assert spread.lacks == [] and spread.needs == ["finance", "policy"]


def _specialisation():
    # Three cities over three nodes: A holds a and b, B holds b and c, C only a.
    x = np.array([[5.0, 5.0, 0.0], [0.0, 5.0, 5.0], [5.0, 0.0, 0.0]])
    m = complexity.compute(["A", "B", "C"], ["a", "b", "c"], x)
    return Specialisation(2024, m, {"C": [Recommendation("b", 0.5, 0.0, 0.0)]})


def test_the_best_placed_cities_lack_the_node_and_come_by_density():
    spec = _specialisation()
    m = spec.measures
    best = lists.best_cities(spec, "c")
    assert [c for c, _ in best] == sorted(
        [m.locs[i] for i in range(3) if not m.mcp[i, 2] and m.density[i, 2] > 0],
        key=lambda c: -m.density[m.locs.index(c), 2],
    )
    assert all(not m.mcp[m.locs.index(c), 2] for c, _ in best)
    assert lists.best_cities(spec, "nowhere") == []


def test_related_strengths_are_the_citys_own_specialisations_closest_to_the_node():
    spec = _specialisation()
    m = spec.measures
    related = lists.related_strengths(spec, "C", "b")
    i = m.locs.index("C")
    assert related and all(m.mcp[i, m.prods.index(code)] for code in related)
    assert "b" not in related
    assert lists.related_strengths(spec, "nowhere", "b") == []
