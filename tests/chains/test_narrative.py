"""The chain-map analysis's words (chains/narrative.py) on small hand-built analyses: each
reason for a weak link appears when, and only when, its component says so; figures are
written with their units as the data give them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from eco311.chains import narrative

_spec = importlib.util.spec_from_file_location(
    "chainmap_fixtures", Path(__file__).with_name("chainmap_fixtures.py")
)
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)


@pytest.fixture
def tax(tmp_path):
    return fx.taxonomy(tmp_path)


def draft(tax, analysis=None, spec="default", lang="zh"):
    return narrative.draft(
        tax,
        analysis or fx.analysis(),
        fx.specialisation() if spec == "default" else spec,
        lang,
        city_names=fx.CITY_NAMES,
        enterprise_names=fx.NAMES,
    )


def weak_line(text: narrative.ChainNarrative, name: str) -> str:
    [line] = [s for s in text.chains[0].weak_links if s.startswith(name)]
    return line


def test_money_follows_chinese_conventions():
    assert narrative.money(5000.0, "zh") == "5,000万元"
    assert narrative.money(123456.0, "zh") == "12.35亿元"
    assert narrative.money(123456.0, "en") == "CNY 1.23 billion"
    assert narrative.money(5000.0, "en") == "CNY 50.0 million"


def test_a_node_without_enterprises_is_said_to_have_no_local_supplier(tax):
    line = weak_line(draft(tax), "膜材料")
    assert "省内尚无企业布局" in line
    assert "仅有1家企业" not in line


def test_a_single_supplier_is_named_as_such_and_only_there(tax):
    text = draft(tax)
    assert "仅有1家企业，供应单一" in weak_line(text, "水处理药剂")
    others = [s for s in text.chains[0].weak_links if not s.startswith("水处理药剂")]
    assert all("供应单一" not in s for s in others)


def test_concentration_is_a_reason_from_the_threshold_on(tax):
    below = fx.node("wet-kit", 12, 123456.0, hhi=narrative.CONCENTRATED - 0.01, score=0.1)
    at = fx.node("wet-kit", 12, 123456.0, hhi=narrative.CONCENTRATED, score=0.1)
    base = [fx.node("wet-membrane", 3, 10.0, hhi=0.1), fx.node("wet-dose", 4, 10.0, hhi=0.1)]
    run = fx.node("wet-run", 5, 10.0, hhi=0.1)
    quiet = draft(tax, fx.analysis(nodes=[*base, below, run]))
    loud = draft(tax, fx.analysis(nodes=[*base, at, run]))
    assert not any(s.startswith("水处理装备") for s in quiet.chains[0].weak_links)
    line = weak_line(loud, "水处理装备")
    assert f"HHI {narrative.CONCENTRATED:.2f}" in line


def test_a_short_board_quotes_the_plans_sentence_even_with_many_suppliers(tax):
    nodes = [
        fx.node("wet-membrane", 9, 800.0, hhi=0.1),
        fx.node("wet-dose", 4, 10.0, hhi=0.1),
        fx.node("wet-kit", 5, 10.0, hhi=0.1),
        fx.node("wet-run", 5, 10.0, hhi=0.1),
    ]
    text = draft(tax, fx.analysis(nodes=nodes))
    line = weak_line(text, "膜材料")
    flag = tax.node("wet-membrane").flags[0]
    assert f"{flag.ref}：“{flag.source}”" in line
    assert "省内尚无" not in line and "供应单一" not in line
    # The chemicals node has no flag and several suppliers: nothing to say about it.
    assert not any(s.startswith("水处理药剂") for s in text.chains[0].weak_links)


def test_unmet_demand_is_a_reason_only_once_matchmaking_records_it(tax):
    plain = draft(tax)
    assert all("未满足需求" not in s for s in plain.chains[0].weak_links)
    nodes = [
        fx.node("wet-membrane", 3, 10.0, hhi=0.1),
        fx.node("wet-dose", 4, 10.0, hhi=0.1, demand=0.4),
        fx.node("wet-kit", 5, 10.0, hhi=0.1),
        fx.node("wet-run", 5, 10.0, hhi=0.1),
    ]
    assert "未满足需求占40.0%" in weak_line(draft(tax, fx.analysis(nodes=nodes)), "水处理药剂")


def test_strengths_give_revenue_share_and_growth_as_in_the_data(tax):
    a = fx.analysis()
    chain = a.chains[0]
    kit = next(n for n in chain.nodes if n.code == "wet-kit")
    [first, *_] = draft(tax, a).chains[0].strengths
    assert first.startswith("营业收入居前的环节是水处理装备")
    assert narrative.money(kit.revenue, "zh") in first
    assert narrative.pct(kit.revenue / chain.revenue) in first
    assert f"比上年增长{narrative.pct(kit.growth)}" in first
    assert "比上年下降2.0%" in first  # the operation node shrank 2 %


def test_strengths_name_the_city_with_the_highest_rca(tax):
    spec = fx.specialisation()
    m = spec.measures
    j = m.prods.index("wet-kit")
    best = max(range(len(m.locs)), key=lambda i: m.rca[i, j])
    city = fx.CITY_NAMES[m.locs[best]]
    [_, cities] = draft(tax).chains[0].strengths
    assert f"{city}的水处理装备（RCA {m.rca[best, j]:.2f}" in cities


def test_leaders_separate_the_official_tag_from_the_candidates(tax):
    text = draft(tax).chains[0]
    assert text.leaders[0].startswith("已认定的链主企业：甲环保装备有限公司")
    assert "乙水务集团" in text.leaders[1] and "乙水务集团" not in text.leaders[0]


def test_without_a_tag_the_first_candidate_is_recommended_for_cultivation(tax):
    from eco311.chains.analytics import LeaderResult

    leaders = [LeaderResult(102, "wet-run", 0.22, 0.3, 0, 0.3, tagged=False, candidate=True)]
    text = draft(tax, fx.analysis(leaders=leaders))
    assert text.chains[0].leaders[0] == "本链尚无认定的链主企业。"
    assert any("建议将乙水务集团作为本链链主培育对象" in s for s in text.chains[0].recommendations)
    assert any(s.startswith("培育链主") for s in text.recommendations)
    tagged = draft(tax)
    assert not any("培育对象" in s for s in tagged.chains[0].recommendations)


def test_recommendations_name_the_best_placed_cities_by_density(tax):
    recs = draft(tax).chains[0].recommendations
    [line] = [s for s in recs if s.startswith("补齐膜材料")]
    # Zibo (density 0.62) before Qingdao (0.41); Jinan's recommendation is another node.
    assert line.index("淄博（关联密度0.62") < line.index("青岛（关联密度0.41")
    assert "济南" not in line


def test_a_gap_is_filled_by_attraction_pulled_by_its_buyers(tax):
    """Membranes have no supplier in the province: nobody to match with, so the buyers'
    demand pulls investment in rather than matchmaking."""
    recs = draft(tax).chains[0].recommendations
    assert "以水处理装备（12家）企业的采购需求为牵引，引进膜材料企业或项目落地。" in recs
    assert not any("膜材料供应商开展供需对接" in r for r in recs)


def test_without_a_specialisation_no_city_is_recommended(tax):
    text = draft(tax, spec=None)
    assert not any(s.startswith("补齐") for s in text.chains[0].recommendations)
    assert text.specialisation == ["本年度数据不足以计算各市的专业化程度。"]


def test_cities_are_listed_in_eci_order(tax):
    spec = fx.specialisation()
    m = spec.measures
    order = sorted(range(len(m.locs)), key=lambda i: (-m.eci[i], m.locs[i]))
    first = draft(tax).specialisation[0]
    positions = [first.index(fx.CITY_NAMES[m.locs[i]]) for i in order]
    assert positions == sorted(positions)


def test_english_says_the_same_with_english_units(tax):
    text = draft(tax, lang="en")
    assert "no enterprise in the province works on it" in weak_line(text, "Membranes")
    assert "a single enterprise supplies it" in weak_line(text, "Chemicals")
    assert text.overview[0].startswith("In 2024 the province's 1 eco-environmental industry chain")
    assert "CNY" in text.chains[0].summary[0]
