"""The pure chain analytics on tiny hand-built taxonomies and populations whose answers can be
worked out on paper; graph measures against networkx, specialisation against
chains.complexity called directly."""

import math

import networkx as nx
import numpy as np
import pytest

from eco311.chains import analytics, complexity
from eco311.chains.analytics import Population, analyse, specialisation
from eco311.chains.taxonomy import Taxonomy

NAN = float("nan")


def _node(code, to=(), stage="midstream"):
    return {
        "code": code,
        "name": {"zh": code, "en": code},
        "stage": stage,
        "input_to": list(to),
        "gb4754": ["3591"],
        "segment": "manufacturing",
        "keywords": [code],
    }


def _chain(code, nodes):
    return {
        "code": code,
        "name": {"zh": code, "en": code},
        "description": {"zh": code, "en": code},
        "ref": "四(二)1",
        "source": "绘制产业链图谱",
        "nodes": nodes,
    }


# alpha: a1 -> a2 -> a3 (a path); beta: b1 -> b2 (one edge); gamma: a diamond with a tail.
TAXONOMY = Taxonomy.model_validate(
    {
        "schema": "eco311.chains/1",
        "version": "test",
        "chains": [
            _chain("alpha", [_node("a1", ["a2"]), _node("a2", ["a3"]), _node("a3")]),
            _chain("beta", [_node("b1", ["b2"]), _node("b2")]),
            _chain(
                "gamma",
                [
                    _node("g1", ["g2", "g3"]),
                    _node("g2", ["g4"]),
                    _node("g3", ["g4"]),
                    _node("g4", ["g5"]),
                    _node("g5"),
                ],
            ),
        ],
    }
)
CODES = [n.code for n in TAXONOMY.nodes]

# firm: (city, park, revenue 2023, revenue 2024, nodes). NaN: no return that year.
FIRMS = [
    (0, 0, 100.0, 120.0, ["a1"]),
    (0, -1, 50.0, 60.0, ["a1", "a2"]),  # 30 on each node
    (1, -1, NAN, 40.0, ["a2"]),
    (1, -1, 10.0, NAN, ["a3"]),  # filed 2023 only: absent in 2024
    (0, -1, 0.0, 0.0, ["b1"]),  # filed, no environmental revenue: counted, revenue 0
    (2, -1, 80.0, 200.0, ["b2", "a3"]),  # 100 on each node
]


def _population(**extra) -> Population:
    place = [(i, CODES.index(c)) for i, f in enumerate(FIRMS) for c in f[4]]
    return Population(
        ids=np.arange(len(FIRMS)) + 101,
        city=np.array([f[0] for f in FIRMS]),
        park=np.array([f[1] for f in FIRMS]),
        years=[2023, 2024],
        revenue=np.array([[f[2], f[3]] for f in FIRMS]),
        place_firm=np.array([p[0] for p in place]),
        place_node=np.array([p[1] for p in place]),
        cities=["370100", "370200", "370300", "370400"],
        parks=["park-x"],
        **extra,
    )


def _chain_result(a, code):
    return next(c for c in a.chains if c.code == code)


def _node_result(a, code):
    return next(n for c in a.chains for n in c.nodes if n.code == code)


def test_node_figures_split_revenue_and_count_filers():
    a = analyse(TAXONOMY, _population(), 2024)
    a1, a2, a3 = (_node_result(a, c) for c in ("a1", "a2", "a3"))
    assert (a1.enterprises, a1.revenue) == (2, 150.0)  # 120 + 60 / 2
    assert (a2.enterprises, a2.revenue) == (2, 70.0)  # 30 + 40
    assert (a3.enterprises, a3.revenue) == (1, 100.0)  # firm 3 did not file in 2024
    assert a1.hhi == pytest.approx((120**2 + 30**2) / 150**2)
    assert a2.hhi == pytest.approx((30**2 + 40**2) / 70**2)
    assert a3.hhi == 1.0
    b1 = _node_result(a, "b1")
    assert (b1.enterprises, b1.revenue, b1.hhi, b1.share) == (1, 0.0, None, None)
    # Growth on 2023, same scope: a1 was 100 + 25, a3 was 10 + 40.
    assert a1.growth == pytest.approx(150 / 125 - 1)
    assert a3.growth == pytest.approx(100 / 50 - 1)
    assert a1.share == 1.0
    alpha = _chain_result(a, "alpha")
    # Firms 0, 1, 2 and 5 (firm 1 sits on two of its nodes but counts once).
    assert alpha.enterprises == 4
    assert alpha.revenue == pytest.approx(320.0)
    assert alpha.gaps == [] and alpha.single == ["a3"]
    assert alpha.completeness == 1.0 and alpha.completeness_unweighted == 1.0
    # Node revenues add up to the province's (every firm's revenue is split, not copied).
    total = sum(n.revenue for c in a.chains for n in c.nodes)
    assert total == pytest.approx(sum(f[3] for f in FIRMS if not math.isnan(f[3])))


def test_a_scope_counts_its_own_firms_with_shares_of_the_province():
    pop = _population()
    a = analyse(TAXONOMY, pop, 2024, mask=pop.city == 0)
    a1, a2, a3 = (_node_result(a, c) for c in ("a1", "a2", "a3"))
    assert (a1.enterprises, a1.revenue, a1.share) == (2, 150.0, 1.0)
    assert (a2.enterprises, a2.revenue) == (1, 30.0)
    assert a2.share == pytest.approx(30 / 70)
    assert (a3.enterprises, a3.revenue, a3.hhi, a3.growth) == (0, 0.0, None, None)
    assert a3.share == 0.0
    alpha = _chain_result(a, "alpha")
    assert alpha.gaps == ["a3"] and alpha.single == ["a2"]
    assert alpha.completeness_unweighted == pytest.approx(2 / 3)
    imp = {n.code: n.importance for n in alpha.nodes}
    assert alpha.completeness == pytest.approx((imp["a1"] + imp["a2"]) / sum(imp.values()))
    beta = _chain_result(a, "beta")
    assert beta.gaps == ["b2"] and beta.single == ["b1"]
    gamma = _chain_result(a, "gamma")
    assert gamma.completeness == 0.0 and gamma.enterprises == 0 and len(gamma.gaps) == 5


def test_an_empty_scope_and_a_year_without_data_have_nobody():
    pop = _population()
    for a in (
        analyse(TAXONOMY, pop, 2024, mask=np.zeros(len(FIRMS), dtype=bool)),
        analyse(TAXONOMY, pop, 2030),
    ):
        for chain in a.chains:
            assert chain.enterprises == 0 and chain.revenue == 0.0 and chain.leaders == []
            assert chain.completeness == 0.0 and chain.gaps == [n.code for n in chain.nodes]
            assert all(n.growth is None and n.hhi is None for n in chain.nodes)
    assert _node_result(analyse(TAXONOMY, pop, 2030), "a1").share is None
    # The first year has no year before it: no growth anywhere.
    assert all(n.growth is None for c in analyse(TAXONOMY, pop, 2023).chains for n in c.nodes)


@pytest.mark.parametrize("chain", ["alpha", "beta", "gamma"])
def test_importance_is_pagerank_on_reversed_edges_and_betweenness(chain):
    c = TAXONOMY.chain(chain)
    g = nx.DiGraph()
    g.add_nodes_from(c.node_codes())
    g.add_edges_from(c.edges())
    # nx.pagerank needs scipy (not installed): the same PageRank is the stationary vector of
    # networkx's Google matrix, taken here as its leading left eigenvector.
    google = nx.google_matrix(g.reverse(), alpha=0.85, nodelist=c.node_codes())
    values, vectors = np.linalg.eig(google.T)
    lead = np.real(vectors[:, np.argmax(np.real(values))])
    pr = dict(zip(c.node_codes(), lead / lead.sum(), strict=True))
    bc = nx.betweenness_centrality(g, normalized=True)
    result = _chain_result(analyse(TAXONOMY, _population(), 2024), chain)
    for node in result.nodes:
        assert node.pagerank == pytest.approx(pr[node.code], abs=1e-9)
        assert node.betweenness == pytest.approx(bc[node.code], abs=1e-12)
    top_pr, top_bc = max(pr.values()), max(bc.values())
    for node in result.nodes:
        if top_bc > 0:
            expected = 0.5 * pr[node.code] / top_pr + 0.5 * bc[node.code] / top_bc
        else:  # one edge, a path of two: nobody lies between, PageRank alone
            expected = pr[node.code] / top_pr
        assert node.importance == pytest.approx(expected)
        assert 0 <= node.importance <= 1


def test_the_weak_link_score_is_the_documented_weighted_mean_of_its_components():
    a = analyse(TAXONOMY, _population(), 2024, mask=_population().city == 0)
    for node in (n for c in a.chains for n in c.nodes):
        w = node.weak
        assert w.unmet_demand is None and set(w.weights) == {
            "importance",
            "coverage_gap",
            "concentration",
        }
        assert sum(w.weights.values()) == pytest.approx(1.0)
        assert w.score == pytest.approx(
            sum(w.weights[k] * getattr(w, k) for k in w.weights), abs=1e-12
        )
        assert w.importance == node.importance
        assert w.coverage_gap == pytest.approx(1 / (1 + node.enterprises))
        assert w.concentration == (1.0 if node.hhi is None else node.hhi)
    # Renormalised: the three weights keep their proportions.
    base = analytics.WEAK_WEIGHTS
    w = _node_result(a, "a1").weak
    assert w.weights["importance"] / w.weights["concentration"] == pytest.approx(
        base["importance"] / base["concentration"]
    )
    # With unmet demand recorded, it enters as the node's share of its chain's largest need.
    unmet = np.zeros(len(CODES))
    unmet[CODES.index("a3")] = 4
    unmet[CODES.index("a2")] = 1
    b = analyse(TAXONOMY, _population(unmet_demand=unmet), 2024)
    a2, a3, b1 = (_node_result(b, c).weak for c in ("a2", "a3", "b1"))
    assert (a2.unmet_demand, a3.unmet_demand, b1.unmet_demand) == (0.25, 1.0, 0.0)
    assert a3.weights == base
    assert a3.score == pytest.approx(sum(base[k] * getattr(a3, k) for k in base))
    # Uncovered, concentrated and important nodes are weaker than covered ones of the chain.
    scoped = {n.code: n.weak.score for n in _chain_result(a, "alpha").nodes}
    assert scoped["a3"] > scoped["a1"]


def test_leader_scores_and_candidates_exclude_tagged_firms():
    # Firm 0 buys from firms 2 and 3 (twice from 2: distinct suppliers count).
    pop = _population(
        buys_buyer=np.array([0, 0, 0]),
        buys_supplier=np.array([2, 2, 3]),
        leader_firm=np.array([1, 4]),
        leader_chain=np.array([0, 0]),  # firm 4 is tagged on alpha without being on it
        leader_year=np.array([2024, 2023]),
    )
    alpha = _chain_result(analyse(TAXONOMY, pop, 2024), "alpha")
    by_id = {lr.enterprise: lr for lr in alpha.leaders}
    imp = {n.code: n.importance for n in alpha.nodes}
    f0 = by_id[101]
    assert (f0.node, f0.local_suppliers) == ("a1", 2)
    assert f0.share == pytest.approx(120 / 150)
    assert f0.score == pytest.approx(120 / 150 * imp["a1"] * 3)
    # Firm 1: its best node of the two (30/150 on a1, 30/70 on a2), tagged in 2024.
    f1 = by_id[102]
    best = max((30 / 150 * imp["a1"], "a1"), (30 / 70 * imp["a2"], "a2"))
    assert f1.tagged and not f1.candidate and f1.node == best[1]
    assert f1.score == pytest.approx(best[0])
    assert 105 not in by_id  # firm 4's tag held in 2023 only
    scores = [lr.score for lr in alpha.leaders]
    assert scores == sorted(scores, reverse=True)
    candidates = [lr for lr in alpha.leaders if lr.candidate]
    untagged = [lr for lr in alpha.leaders if not lr.tagged]
    assert candidates == untagged[:3] and all(not c.tagged for c in candidates)
    assert {c.enterprise for c in candidates} == {101, 103, 106}
    # In 2023 firm 4 holds the tag: listed although it is on no node of the chain.
    old = _chain_result(analyse(TAXONOMY, pop, 2023), "alpha")
    f4 = next(lr for lr in old.leaders if lr.enterprise == 105)
    assert f4.tagged and (f4.node, f4.score) == ("", 0.0)
    # A listing limit keeps the best untagged firms and every tagged one.
    short = _chain_result(analyse(TAXONOMY, pop, 2024, leaders=1), "alpha")
    assert [lr.enterprise for lr in short.leaders if not lr.tagged] == [untagged[0].enterprise]
    assert any(lr.tagged for lr in short.leaders)


def test_specialisation_agrees_with_complexity_and_ranks_missing_nodes():
    pop = _population()
    spec = specialisation(TAXONOMY, pop, 2024)
    x = np.zeros((4, len(CODES)))
    by_hand = {(0, "a1"): 150, (0, "a2"): 30, (0, "b1"): 0, (1, "a2"): 40}
    by_hand.update({(2, "a3"): 100, (2, "b2"): 100})
    for (city, code), v in by_hand.items():
        x[city, CODES.index(code)] = v
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = complexity.compute(pop.cities, CODES, x)
    assert spec.measures.locs == pop.cities and spec.measures.prods == CODES
    for name in ("value", "rca", "mcp", "density", "cog", "proximity"):
        np.testing.assert_allclose(getattr(spec.measures, name), getattr(direct, name))
    for i, city in enumerate(pop.cities):
        recs = spec.recommendations[city]
        if direct.diversity[i] == 0:
            assert recs == []  # 370400 has no firm: nothing to build on
            continue
        missing = [j for j in range(len(CODES)) if direct.mcp[i, j] == 0]
        missing.sort(key=lambda j: (-direct.density[i, j], -direct.cog[i, j]))
        assert [r.node for r in recs] == [CODES[j] for j in missing[:5]]
        assert all(direct.mcp[i, CODES.index(r.node)] == 0 for r in recs)
    assert spec.recommendations["370400"] == []
    # A year without data: no values, no recommendations, no exception.
    empty = specialisation(TAXONOMY, pop, 2030)
    assert empty.measures.value.sum() == 0 and all(not r for r in empty.recommendations.values())


def test_cached_arrays_give_the_answers_of_a_fresh_population():
    pop = _population()
    warm = [analyse(TAXONOMY, pop, y, mask=pop.city == c) for y in (2023, 2024) for c in (0, 1)]
    cold = [
        analyse(TAXONOMY, _population(), y, mask=pop.city == c)
        for y in (2023, 2024)
        for c in (0, 1)
    ]
    assert warm == cold
    assert analyse(TAXONOMY, pop, 2024) == analyse(TAXONOMY, _population(), 2024)
    with pytest.raises(ValueError):
        analyse(TAXONOMY, pop, 2024, mask=np.ones(3, dtype=bool))


def test_a_population_without_enterprises_or_placements_gives_empty_figures():
    empty = np.zeros(0, dtype=int)
    pop = Population(
        ids=empty, city=empty, park=empty, years=[2024], revenue=np.zeros((0, 1)),
        place_firm=empty, place_node=empty, cities=["370100", "370200"],
    )  # fmt: skip
    a = analyse(TAXONOMY, pop, 2024)
    assert [c.enterprises for c in a.chains] == [0, 0, 0]
    assert all(c.leaders == [] and c.completeness == 0.0 for c in a.chains)
    spec = specialisation(TAXONOMY, pop, 2024)
    assert spec.recommendations == {"370100": [], "370200": []}
