"""The demo population's true chain nodes and main-products texts (chains/textgen.py): texts a
scorer has to work on, nodes consistent with each firm, cities that specialise, weak links.

Pure: no database. One 3,700-firm population (the demo's size) is built once for the module.
"""

from collections import Counter, defaultdict

import numpy as np
import pytest

from eco311.chains import taxonomy, textgen
from eco311.enterprises.survey.synthetic import PopulationSpec, generate

TAX = taxonomy.load()


@pytest.fixture(scope="module")
def population():
    return generate(PopulationSpec(enterprises=3700, years=(2024,), seed=1))


@pytest.fixture(scope="module")
def made(population):
    return textgen.population_products(population.enterprises, TAX, seed=1)


def _leader(e) -> bool:
    return any(t["kind"] == "chain_leader" for t in e.tags)


def test_texts_are_short_and_never_empty(made):
    lengths = [len(text) for _nodes, text, _stage in made]
    assert min(lengths) > 0
    assert max(lengths) <= textgen.MAX_LENGTH == 200


def test_a_long_text_is_cut_to_the_survey_cell():
    node = max(TAX.nodes, key=lambda n: sum(map(len, n.words())))
    rng = np.random.default_rng(5)
    texts = [textgen.product_text(rng, [node] * 12, "环境保护专用设备制造") for _ in range(20)]
    assert all(0 < len(t) <= 200 for t in texts)


def test_the_same_seed_gives_the_same_population_and_another_seed_another(population, made):
    again = textgen.population_products(population.enterprises, TAX, seed=1)
    assert again == made
    other = textgen.population_products(population.enterprises, TAX, seed=2)
    assert [t for _n, t, _s in other] != [t for _n, t, _s in made]


def test_texts_name_their_nodes_mostly_and_never_every_word(made):
    named = pairs = listed_all = 0
    for nodes, text, _stage in made:
        for code in nodes:
            words = TAX.node(code).words()
            pairs += 1
            named += any(w in text for w in words)
            if len(words) > 2 and all(w in text for w in words):
                listed_all += 1
    assert listed_all == 0
    # a few nodes are written vaguely (环保设备): placed by class and segment, not by words
    assert 0.85 < named / pairs < 0.97
    vague = [w for words in textgen._VAGUE.values() for w in words]
    assert any(any(v in t for v in vague) for _n, t, _s in made)


def test_some_texts_name_a_neighbouring_link_as_what_they_use(made):
    """A distractor for the scorer: 采用MBR膜工艺 in an operator's text is not its node."""
    mentions = 0
    for nodes, text, _stage in made:
        for other in textgen._neighbours(TAX, nodes, set(textgen.thin_nodes(TAX))):
            if any(
                f"{verb}{w}" in text for w in other.words() for verb in ("配套", "采用", "配备")
            ):
                mentions += 1
                break
    assert 0.05 < mentions / len(made) < 0.2


def test_texts_mix_abbreviations_model_numbers_and_side_businesses(made):
    texts = [text for _n, text, _s in made]
    synonyms = [
        any(s in text for c in nodes for s in TAX.node(c).synonyms) for nodes, text, _s in made
    ]
    assert 0.2 < sum(synonyms) / len(made) < 0.9  # abbreviations often, not always
    assert any("系列" in t or "型" in t for t in texts)  # model numbers
    side = sum(any(s in t for s in textgen._SIDE) for t in texts) / len(texts)
    assert 0.15 < side < 0.45  # a side business on no node, about 30 %
    assert any("、" in t for t in texts) and any("；" in t or ";" in t for t in texts)


def test_nodes_fit_the_firms_class_or_segment_and_city(population, made):
    for e, (nodes, _text, _stage) in zip(population.enterprises, made, strict=True):
        assert 1 <= len(nodes) <= 3 and len(set(nodes)) == len(nodes)
        assert len({TAX.chain_of(c).code for c in nodes}) <= 2
        for code in nodes:
            node, chain = TAX.node(code), TAX.chain_of(code)
            assert textgen.fits(node, chain.area, e.industry_code, e.segment, e.city_code)
            if chain.area != textgen.PROVINCE:  # a city's own chain: its firms and neighbours
                assert e.city_code == chain.area or e.city_code in textgen.NEIGHBOURS[chain.area]


def test_a_class_match_decides_when_there_is_one(population, made):
    matched = with_class = 0
    for e, (nodes, _text, _stage) in zip(population.enterprises, made, strict=True):
        if any(e.industry_code in n.gb4754 for n in TAX.nodes):
            with_class += 1
            matched += e.industry_code in TAX.node(nodes[0]).gb4754
    assert with_class and matched / with_class > 0.6


def test_firms_have_one_node_mostly_two_sometimes_three_rarely(population, made):
    counts = Counter(
        len(nodes)
        for e, (nodes, _t, _s) in zip(population.enterprises, made, strict=True)
        if not _leader(e)
    )
    total = sum(counts.values())
    assert abs(counts[1] / total - 0.70) < 0.04
    assert abs(counts[2] / total - 0.25) < 0.04
    assert abs(counts[3] / total - 0.05) < 0.025


def test_every_chain_gets_firms(made):
    per_chain = Counter(TAX.chain_of(c).code for nodes, _t, _s in made for c in set(nodes))
    assert {c.code for c in TAX.chains} == set(per_chain)
    assert min(per_chain.values()) >= 3


def test_a_short_board_is_thin_in_the_province(made):
    thin = textgen.thin_nodes(TAX)
    assert thin
    per_node = Counter(c for nodes, _t, _s in made for c in nodes)
    for code in thin:
        assert any(f.kind == "short_board" for f in TAX.node(code).flags)
        assert per_node[code] <= 1  # no firm or a single one: the plan's short board


def test_cities_specialise(population, made):
    """Some nodes have RCA above 1 in a city and no firm at all in another (firm counts)."""
    by_city: dict[str, Counter] = defaultdict(Counter)
    for e, (nodes, _t, _s) in zip(population.enterprises, made, strict=True):
        by_city[e.city_code].update(nodes)
    total = Counter()
    for c in by_city.values():
        total.update(c)
    grand = sum(total.values())
    specialised = absent = 0
    for counts in by_city.values():
        size = sum(counts.values())
        rca = {n: (counts[n] / size) / (total[n] / grand) for n in total}
        specialised += any(r > 1.5 for n, r in rca.items() if counts[n] >= 3)
        absent += any(counts[n] == 0 and total[n] >= 20 for n in total)
    assert specialised == len(by_city) == 16  # every city has a node it is strong on
    assert absent >= 12  # and most lack a node the province has plenty of


def test_city_preferences_are_deterministic_per_city_and_seed():
    a = textgen.city_preferences(TAX, "370100", seed=1)
    assert a == textgen.city_preferences(TAX, "370100", seed=1)
    assert a != textgen.city_preferences(TAX, "370200", seed=1)
    assert a != textgen.city_preferences(TAX, "370100", seed=2)
    assert sum(v == textgen.FAVOURED_FACTOR for v in a.values()) == textgen.FAVOURED_NODES
    assert 0 in a.values()


def test_most_chains_have_one_leader_and_a_couple_none(population, made):
    leaders = [
        (stage, nodes)
        for e, (nodes, _t, stage) in zip(population.enterprises, made, strict=True)
        if _leader(e)
    ]
    assert leaders and all(stage == TAX.chain_of(nodes[0]).code for stage, nodes in leaders)
    led = Counter(stage for stage, _n in leaders)
    without = [c.code for c in TAX.chains if c.code not in led]
    assert 1 <= len(without) <= max(3, len(TAX.chains) // 3)
    assert len(led) > len(TAX.chains) / 2
    rng = np.random.default_rng(3)
    firms = [(e.industry_code, e.segment, e.city_code) for e in population.enterprises[:40]]
    _nodes, skipped = textgen.leader_nodes(rng, TAX, firms)
    assert len(skipped) == textgen.CHAINS_WITHOUT_LEADER
    assert all(TAX.chain(c).area == textgen.PROVINCE for c in skipped)
    assert not {TAX.chain_of(n[0]).code for n in _nodes} & set(skipped)


def test_non_leaders_carry_no_leader_stage(population, made):
    for e, (_nodes, _t, stage) in zip(population.enterprises, made, strict=True):
        assert (stage is not None) == _leader(e)


def test_the_texts_go_into_the_registry_and_the_returns_alike():
    population = generate(PopulationSpec(enterprises=50, years=(2024,), seed=4))
    made = textgen.population_products(population.enterprises, TAX, seed=4)
    population.set_main_products([text for _n, text, _s in made])
    by_uscc = {e.uscc: e.main_products for e in population.enterprises}
    assert [e.main_products for e in population.enterprises] == [t for _n, t, _s in made]
    for row in population.returns(2024):
        assert row["main_products"] == by_uscc[row["uscc"]]
    with pytest.raises(ValueError):
        population.set_main_products(["too few"])
