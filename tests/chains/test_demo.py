"""The chains' demo on a small population: truth rows for every synthetic firm, texts written
from their true nodes (with history), leader tags on known chains, the scorer's proposals and a
few decisions and declarations, and `eco311 chains measure` computed from them.

The session's survey population was loaded without the chains' hook; for this module it is set
aside (marked non-synthetic, its credit codes moved out of the way) inside one transaction that
is rolled back at the end, and a 300-firm demo population is loaded the way `eco311 demo` does.
"""

import json

import pytest
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from eco311 import cli
from eco311.accounts.scopes import Actor
from eco311.chains import placements, taxonomy
from eco311.chains.demo import compare, measure, products, setup_chains_demo
from eco311.chains.models import Placement, SyntheticTruth
from eco311.enterprises.demo import load_population
from eco311.enterprises.models import Enterprise, Tag
from eco311.enterprises.survey.synthetic import PopulationSpec

pytestmark = pytest.mark.django_db
TAX = taxonomy.load()
SPEC = PopulationSpec(enterprises=300, years=(2023, 2024), seed=7)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            Enterprise.objects.filter(synthetic=True).update(
                synthetic=False, uscc=Concat(Value("X"), Substr("uscc", 2))
            )
            counts = load_population(SPEC, products=products(SPEC.seed))
            done = setup_chains_demo(Actor.of, counts["nodes"])
            yield counts, done
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_every_synthetic_firm_has_its_truth(demo):
    counts, done = demo
    synthetic = set(Enterprise.objects.filter(synthetic=True).values_list("pk", flat=True))
    assert len(synthetic) == counts["enterprises"] == SPEC.enterprises
    truth = dict(SyntheticTruth.objects.values_list("enterprise_id", "nodes"))
    assert set(truth) == synthetic and done["truth"] == len(synthetic)
    assert all(1 <= len(n) <= 3 and all(TAX.has_node(c) for c in n) for n in truth.values())


def test_texts_name_the_true_nodes_from_the_first_history_row(demo):
    truth = dict(SyntheticTruth.objects.values_list("enterprise_id", "nodes"))
    first = {
        h.id: h.main_products
        for h in Enterprise.history.filter(id__in=list(truth), history_type="+")
    }
    named = pairs = 0
    for e in Enterprise.objects.filter(pk__in=list(truth)):
        assert e.main_products and len(e.main_products) <= 200
        assert first[e.pk] == e.main_products  # written at creation, not rewritten afterwards
        for code in truth[e.pk]:
            pairs += 1
            named += any(w in e.main_products for w in TAX.node(code).words())
    assert named / pairs > 0.8  # the rest written vaguely (环保设备), as some firms do


def test_leader_tags_carry_the_chain_of_the_leaders_true_nodes(demo):
    leaders = Tag.objects.filter(kind=Tag.Kind.CHAIN_LEADER, enterprise__synthetic=True)
    assert leaders.exists()
    truth = dict(SyntheticTruth.objects.values_list("enterprise_id", "nodes"))
    for tag in leaders:
        assert tag.stage in {c.code for c in TAX.chains}
        assert TAX.chain_of(truth[tag.enterprise_id][0]).code == tag.stage
    # a tag written with its stage: its history says the same
    tag = leaders.first()
    assert tag.history.earliest().stage == tag.stage


def test_the_demo_proposes_decides_and_declares(demo):
    _counts, done = demo
    rows = Placement.objects.filter(enterprise__synthetic=True)
    assert done["created"] > 0 and rows.filter(status=Placement.Status.PROPOSED).exists()
    assert not rows.filter(synthetic=False).exists()
    confirmed = rows.filter(status=Placement.Status.CONFIRMED)
    assert done["confirmed"] + done["corrected"] >= 2
    assert confirmed.exists() and all(p.reason and p.decided_by_id for p in confirmed)
    assert {p.decided_by.username for p in confirmed} == {"admin"}
    assert done["declared"] >= 1 and rows.filter(status=Placement.Status.DECLARED).exists()
    # a decided firm's effective nodes are its truth
    truth = dict(SyntheticTruth.objects.values_list("enterprise_id", "nodes"))
    effective = placements.effective()
    for firm in set(confirmed.values_list("enterprise_id", flat=True)):
        assert set(effective[firm]) == set(truth[firm])


def test_running_it_again_changes_nothing(demo):
    counts, _done = demo
    before = (SyntheticTruth.objects.count(), Placement.objects.count())
    assert setup_chains_demo(Actor.of, counts["nodes"]) == {}
    assert load_population(SPEC) == {"enterprises": 0, "returns": 0}
    assert (SyntheticTruth.objects.count(), Placement.objects.count()) == before


def test_measure_compares_effective_placements_with_the_truth(demo):
    result = measure()
    truth = dict(SyntheticTruth.objects.values_list("enterprise_id", "nodes"))
    effective = placements.effective()
    assert result["synthetic_truth"] is True and result["n"] == len(truth)
    # recomputed here from the same rows: pairs of (firm, node)
    true_pairs = {(f, c) for f, nodes in truth.items() for c in nodes}
    got_pairs = {(f, c) for f, nodes in effective.items() if f in truth for c in nodes}
    hits = len(true_pairs & got_pairs)
    assert result["precision"] == pytest.approx(hits / len(got_pairs), abs=1e-4)
    assert result["recall"] == pytest.approx(hits / len(true_pairs), abs=1e-4)
    assert result["placed"] == len({f for f, _c in got_pairs})
    assert result["top1"] > 0.6
    assert [c["chain"] for c in result["chains"]] == [c.code for c in TAX.chains]
    assert sum(c["n"] for c in result["chains"]) == len(truth)


def test_compare_counts_top1_by_the_most_confident_node():
    a, b, c = (n.code for n in TAX.nodes[:3])
    truth = {1: [a], 2: [b, c], 3: [c]}
    effective = {1: [a, b], 2: [a], 3: []}
    confidence = {(1, a): 0.9, (1, b): 0.5, (2, a): 0.8}
    result = compare(truth, effective, confidence, TAX)
    assert result["top1"] == pytest.approx(1 / 3, abs=1e-4)  # firm 1 right, 2 wrong, 3 unplaced
    assert result["precision"] == pytest.approx(1 / 3, abs=1e-4)  # a right of a, b, a
    assert result["recall"] == pytest.approx(1 / 4, abs=1e-4)
    assert result["placed"] == 2


def test_the_cli_prints_the_measure(demo, capsys):
    assert cli.main(["chains", "measure", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(measure()))
    assert cli.main(["chains", "measure"]) == 0
    out = capsys.readouterr().out
    assert f"n={printed['n']}" in out and "top-1=" in out


def test_without_truth_measure_says_so(demo, capsys):
    SyntheticTruth.objects.all().delete()  # production: nobody writes truth rows
    assert measure() == {"synthetic_truth": False, "n": 0}
    assert cli.main(["chains", "measure"]) == 0
    out = capsys.readouterr().out
    assert "没有合成真值" in out and "no synthetic truth" in out
