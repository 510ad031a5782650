"""The placement scorer (chains/scorer.py): matching rules on a small taxonomy written here, and
its accuracy on the labelled set tests/chains/data/placement-labelled.tsv (see its README)."""

import time
from pathlib import Path

import pytest

from eco311.chains import taxonomy
from eco311.chains.classify_cli import accuracy, read_labelled
from eco311.chains.scorer import THRESHOLD, Classified, Scorer

LABELLED = Path(__file__).parent / "data" / "placement-labelled.tsv"


def _node(code, keywords, synonyms=(), gb4754=("3591",), segment="manufacturing"):
    return {
        "code": code,
        "name": {"zh": code, "en": code},
        "stage": "midstream",
        "gb4754": list(gb4754),
        "segment": segment,
        "keywords": list(keywords),
        "synonyms": list(synonyms),
    }


SMALL = taxonomy.Taxonomy.model_validate(
    {
        "schema": "eco311.chains/1",
        "version": "test",
        "chains": [
            {
                "code": "demo",
                "name": {"zh": "测试链", "en": "Test chain"},
                "description": {"zh": "测试用", "en": "for tests"},
                "ref": "四(一)1",
                "source": "测试用的句子",
                "nodes": [
                    _node("t-membrane", ["反渗透膜", "膜组件"], ["RO膜"], ["3463"]),
                    _node("t-film", ["膜", "薄膜"], [], ["2921"], "other"),
                    _node("t-chem", ["聚合氯化铝"], ["PAC", "净水剂"], ["2666"]),
                    _node("t-vocs", ["VOCs治理设备"], ["VOC", "RTO"]),
                    _node("t-ops", ["污水处理厂运营"], ["托管运营"], ["4620"], "services"),
                ],
            }
        ],
    }
)


@pytest.fixture(scope="module")
def small():
    return Scorer(SMALL)


def _nodes(proposals):
    return [p.node for p in proposals]


def test_the_longest_word_takes_its_characters(small):
    assert _nodes(small.propose("反渗透膜")) == ["t-membrane"]
    assert "t-film" not in small.scores("反渗透膜、膜组件")
    both = small.propose("反渗透膜、包装薄膜")
    assert set(_nodes(both)) == {"t-membrane", "t-film"}
    assert next(p for p in both if p.node == "t-film").words == ("薄膜",)


def test_abbreviations_match_on_word_boundaries_in_any_case(small):
    for text in ("聚合氯化铝(PAC)", "pac净水", "ＰＡＣ 30%", "PAC-30"):
        assert "t-chem" in small.scores(text), text
    for text in ("PACK包装", "SPAC", "PAC2"):
        assert "t-chem" not in small.scores(text), text
    assert small.scores("有机废气VOCs治理")["t-vocs"][1] == ("VOC",)  # plural s
    assert "t-vocs" not in small.scores("VOCX")
    assert "t-membrane" in small.scores("ro膜4040") and "t-membrane" not in small.scores("PRO膜")


def test_a_word_never_spans_two_list_items(small):
    assert small.scores("聚合、氯化铝") == {}
    assert small.scores("聚合/氯化铝；污水处理厂,运营") == {}


def test_what_a_firm_excludes_does_not_place_it(small):
    assert small.propose("化工原料销售（不含聚合氯化铝）") == []
    assert small.propose("化工原料销售、聚合氯化铝除外") == []
    assert _nodes(small.propose("净水剂，聚合氯化铝（不含危险化学品）")) == ["t-chem"]


def test_keywords_weigh_more_than_synonyms(small):
    keyword = small.scores("聚合氯化铝")["t-chem"][0]
    synonym = small.scores("净水剂")["t-chem"][0]
    assert keyword > synonym
    assert small.scores("聚合氯化铝、PAC")["t-chem"][0] > keyword


def test_the_class_and_segment_raise_a_node_but_never_place_alone(small):
    plain = small.scores("托管运营")["t-ops"][0]
    with_class = small.scores("托管运营", industry="4620")["t-ops"][0]
    with_both = small.scores("托管运营", industry="4620", segment="services")["t-ops"][0]
    other_class = small.scores("托管运营", industry="3591")["t-ops"][0]
    assert plain < with_class < with_both and other_class == plain
    assert small.propose("面包糕点", industry="4620", segment="services") == []


def test_a_firm_on_several_nodes_gets_each_best_first(small):
    found = small.propose("反渗透膜、膜组件、RO膜；聚合氯化铝、PAC")
    assert _nodes(found) == ["t-membrane", "t-chem"]
    assert found[0].confidence >= found[1].confidence >= THRESHOLD
    assert set(found[0].words) == {"反渗透膜", "膜组件", "RO膜"}
    # A side line named once beside a main business named thrice is not proposed.
    assert _nodes(small.propose("反渗透膜、膜组件、RO膜；净水剂")) == ["t-membrane"]


def test_empty_text_and_no_node(small):
    none = Classified(gb4754="", segment="other", nodes=())
    for text in ("", "   ", "面包、蛋糕、中式糕点", None):
        assert small.propose(text) == []
        assert small.classify(text) == none


def test_classify_takes_the_class_and_segment_of_the_best_node(small):
    c = small.classify("污水处理厂运营、托管运营，兼营净水剂")
    assert c.nodes[0] == "t-ops" and c.gb4754 == "4620" and c.segment == "services"
    assert set(c.nodes) <= {"t-ops", "t-chem"}


def test_every_keyword_of_the_shipped_taxonomy_places_a_firm_on_its_node():
    tax = taxonomy.load()
    scorer = Scorer(tax)
    for node in tax.nodes:
        for word in node.keywords:
            assert node.code in _nodes(scorer.propose(word)), (node.code, word)


# -- the labelled set ------------------------------------------------------------------------

# Measured on the labelled set (README: written before the scorer was tuned); bars set a little
# below the measured figures so that a taxonomy edit that costs accuracy fails here.
MIN_TOP1 = 0.78
MIN_SEGMENT = 0.80
MIN_PRECISION = 0.80


@pytest.fixture(scope="module")
def labelled():
    tax = taxonomy.load()
    return Scorer(tax), read_labelled(str(LABELLED), tax)


def test_the_labelled_set_is_large_and_covers_every_chain(labelled):
    scorer, rows = labelled
    assert len(rows) >= 200
    tax = scorer.taxonomy
    chains = {tax.chain_of(n).code for _t, _g, _s, nodes in rows for n in nodes}
    assert chains == {c.code for c in tax.chains}
    no_node = sum(1 for *_x, nodes in rows if not nodes)
    multi = sum(1 for *_x, nodes in rows if len(nodes) > 1)
    assert 0.08 <= no_node / len(rows) <= 0.2 and multi >= 40


def test_accuracy_on_the_labelled_set(labelled):
    scorer, rows = labelled
    result = accuracy(scorer, rows)
    assert result["n"] == len(rows)
    assert result["top1"] >= MIN_TOP1, result
    assert result["segment_accuracy"] >= MIN_SEGMENT, result
    assert result["precision"] >= MIN_PRECISION, result


def test_confidence_is_calibrated_on_the_labelled_set(labelled):
    """Among all candidate nodes, the mean confidence matches the share that are true, and
    those at or above the threshold are right more often than not, those below it are not."""
    scorer, rows = labelled
    above, below, confidences, truths = [], [], [], []
    for text, _gb, _seg, nodes in rows:
        for code, (conf, *_rest) in scorer.scores(text).items():
            (above if conf >= THRESHOLD else below).append(code in nodes)
            confidences.append(conf)
            truths.append(code in nodes)
    assert abs(sum(confidences) / len(confidences) - sum(truths) / len(truths)) < 0.05
    assert sum(above) / len(above) > 0.5 > sum(below) / len(below)


def test_it_scores_thousands_of_texts_a_second(labelled):
    scorer, rows = labelled
    texts = [t for t, *_x in rows] * 20
    start = time.perf_counter()
    for t in texts:
        scorer.propose(t)
    per_second = len(texts) / (time.perf_counter() - start)
    assert per_second > 2000  # 100,000 enterprises in under a minute on the shared CI cores


def test_a_word_on_two_nodes_credits_both_each_with_its_weight():
    data = SMALL.model_dump(by_alias=True)
    data["chains"][0]["nodes"][4]["synonyms"].append("聚合氯化铝")  # keyword of t-chem
    scorer = Scorer(taxonomy.Taxonomy.model_validate(data))
    found = scorer.scores("聚合氯化铝")
    assert found["t-chem"][2][0] > found["t-ops"][2][0] > 0  # evidence: keyword > synonym
