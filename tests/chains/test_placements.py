"""Placing enterprises on chain nodes: the scorer proposes, the enterprise declares, an official
decides; corrections win over later proposals and every change is kept in history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eco311.accounts.scopes import Actor
from eco311.chains import placements, taxonomy
from eco311.chains.models import Placement
from eco311.chains.scorer import THRESHOLD
from eco311.enterprises.models import Enterprise, IndustryCode
from eco311.geo.models import Area

pytestmark = pytest.mark.django_db
S = Placement.Status


def _two_nodes():
    """Two nodes of different chains when the taxonomy has several, else of the same chain."""
    chains = taxonomy.load().chains
    if len(chains) > 1:
        return chains[0].nodes[0], chains[1].nodes[0]
    return chains[0].nodes[0], chains[0].nodes[1]


def _firm(factories, *nodes, **fields):
    """An enterprise whose products text names the first two keywords of each node, in its
    first node's class and segment."""
    text = "、".join(w for n in nodes for w in n.keywords[:2])
    industry = IndustryCode.objects.filter(code__in=nodes[0].gb4754).first()
    values = {"main_products": text, "segment": nodes[0].segment}
    if industry is not None:
        values["industry"] = industry
    values.update(fields)
    return factories.enterprise(**values)


def _qs(*firms):
    return Enterprise.objects.filter(pk__in=[f.pk for f in firms])


def _rows(enterprise):
    return {p.node: p for p in Placement.objects.filter(enterprise=enterprise)}


def _admin(personas):
    return Actor.of(personas["admin"])


def test_propose_stores_the_scorers_nodes_with_confidence_and_words(factories):
    a, b = _two_nodes()
    firm = _firm(factories, a, b)
    counts = placements.propose(_qs(firm))
    rows = _rows(firm)
    assert set(rows) == {a.code, b.code}
    assert counts["created"] == 2 and counts["removed"] == 0
    for node in (a, b):
        row = rows[node.code]
        assert row.status == S.PROPOSED and row.confidence >= THRESHOLD
        assert set(row.words) <= set(node.words()) and row.words
        assert row.synthetic is firm.synthetic
    assert placements.effective([firm.pk]) == {firm.pk: [a.code, b.code]}
    assert (firm.pk, a.code) in placements.effective_pairs()


def test_propose_again_keeps_what_did_not_change_and_removes_stale_proposals(factories):
    a, b = _two_nodes()
    firm = _firm(factories, a, b)
    placements.propose(_qs(firm))
    again = placements.propose(_qs(firm))
    assert again == {"created": 0, "updated": 0, "removed": 0, "kept": 2}
    firm.main_products = "、".join(a.keywords[:2])
    firm.save()
    counts = placements.propose([firm])
    assert counts["removed"] == 1
    assert set(_rows(firm)) == {a.code}
    removal = Placement.history.filter(enterprise_id=firm.pk, node=b.code, history_type="-")
    assert [h.history_change_reason for h in removal] == ["no longer proposed by the scorer"]


def test_an_enterprise_with_no_node_words_gets_no_row(factories):
    firm = factories.enterprise(main_products="面包、蛋糕、中式糕点生产销售")
    counts = placements.propose([firm])
    assert counts["created"] == 0 and _rows(firm) == {}
    assert firm.pk not in placements.effective([firm.pk])


def test_a_proposal_below_the_threshold_is_not_effective(factories):
    a, _b = _two_nodes()
    firm = factories.enterprise()
    Placement.objects.create(
        enterprise=firm, node=a.code, status=S.PROPOSED, confidence=THRESHOLD / 2, words=["x"]
    )
    assert placements.effective([firm.pk]) == {}


def test_an_officials_decision_confirms_rejects_and_keeps_history(factories, personas):
    a, b = _two_nodes()
    firm = _firm(factories, a, b)
    placements.propose([firm])
    rows = placements.decide(_admin(personas), firm, [a.code], "现场核实：仅生产膜组件")
    by_node = {p.node: p for p in rows}
    assert by_node[a.code].status == S.CONFIRMED and by_node[b.code].status == S.REJECTED
    assert by_node[a.code].decided_by == personas["admin"]
    assert by_node[a.code].decided_on is not None
    assert by_node[b.code].reason == "现场核实：仅生产膜组件"
    history = Placement.history.filter(enterprise_id=firm.pk, node=b.code).order_by("history_id")
    assert [h.status for h in history] == [S.PROPOSED, S.REJECTED]
    assert history.last().reason == "现场核实：仅生产膜组件"
    assert history.last().history_user == personas["admin"]
    assert placements.effective([firm.pk]) == {firm.pk: [a.code]}


def test_corrections_win_over_a_later_propose(factories, personas):
    a, b = _two_nodes()
    firm = _firm(factories, a, b)
    placements.propose([firm])
    placements.decide(_admin(personas), firm, [b.code], "企业主营为后者")
    counts = placements.propose([firm])
    rows = _rows(firm)
    assert rows[a.code].status == S.REJECTED and rows[b.code].status == S.CONFIRMED
    assert counts["created"] == 0 and counts["updated"] == 0 and counts["removed"] == 0
    assert placements.effective([firm.pk]) == {firm.pk: [b.code]}


def test_an_official_may_remove_every_node(factories, personas):
    a, b = _two_nodes()
    firm = _firm(factories, a, b)
    placements.propose([firm])
    placements.decide(_admin(personas), firm, [], "非环保企业")
    assert {p.status for p in _rows(firm).values()} == {S.REJECTED}
    placements.propose([firm])
    assert firm.pk not in placements.effective([firm.pk])


def test_a_decision_needs_a_reason_and_known_nodes(factories, personas):
    a, _b = _two_nodes()
    firm = _firm(factories, a)
    with pytest.raises(ValidationError) as missing:
        placements.decide(_admin(personas), firm, [a.code], "   ")
    assert missing.value.code == "reason_required"
    with pytest.raises(ValidationError) as unknown:
        placements.decide(_admin(personas), firm, [a.code, "no-such-node"], "核实")
    assert "no-such-node" in unknown.value.messages[0]
    assert _rows(firm) == {}  # nothing half-written


def test_only_the_admin_and_the_officials_of_its_city_or_park_decide(factories, personas):
    a, _b = _two_nodes()
    park = Area.objects.get(pk=personas["park"].membership.area_id)
    here = _firm(factories, a, city=Area.objects.get(code="370100", kind="city"))
    elsewhere = _firm(factories, a, city=Area.objects.get(code="370200", kind="city"))
    in_park = _firm(factories, a, park=park)
    jinan, dept = Actor.of(personas["jinan"]), Actor.of(personas["dept"])
    assert jinan.can_place(here) and not jinan.can_place(elsewhere)
    assert Actor.of(personas["park"]).can_place(in_park)
    assert not Actor.of(personas["park"]).can_place(here)  # not in its park
    for name in ("dept", "enterprise", "bank"):
        assert not Actor.of(personas[name]).can_place(here), name
    assert not Actor().can_place(here)
    with pytest.raises(PermissionDenied):
        placements.decide(dept, here, [a.code], "核实")
    with pytest.raises(PermissionDenied):
        placements.decide(jinan, elsewhere, [a.code], "核实")
    placements.decide(jinan, here, [a.code], "核实")
    assert _rows(here)[a.code].status == S.CONFIRMED


def test_a_declaration_takes_over_proposals_but_never_an_officials_decision(factories, personas):
    a, b = _two_nodes()
    firm = _firm(factories, a, b)
    placements.propose([firm])
    placements.declare(firm, [a.code])
    rows = _rows(firm)
    assert rows[a.code].status == S.DECLARED and rows[b.code].status == S.PROPOSED
    assert placements.effective([firm.pk]) == {firm.pk: [a.code]}
    placements.decide(_admin(personas), firm, [b.code], "核实后更正")
    placements.declare(firm, [a.code, b.code])
    rows = _rows(firm)
    assert rows[a.code].status == S.REJECTED and rows[b.code].status == S.CONFIRMED
    with pytest.raises(ValidationError) as unknown:
        placements.declare(firm, ["nope-node"])
    assert "nope-node" in unknown.value.messages[0]


def test_a_node_no_longer_declared_is_withdrawn_with_history(factories):
    a, b = _two_nodes()
    firm = factories.enterprise()
    placements.declare(firm, [a.code, b.code])
    placements.declare(firm, [b.code])
    assert set(_rows(firm)) == {b.code}
    assert Placement.history.filter(enterprise_id=firm.pk, node=a.code, history_type="-").exists()
    assert placements.effective([firm.pk]) == {firm.pk: [b.code]}


def test_propose_runs_a_constant_number_of_queries_whatever_the_number_of_firms(factories):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a, b = _two_nodes()

    def queries(n):
        firms = [_firm(factories, a, b) for _ in range(n)]
        with CaptureQueriesContext(connection) as first:
            placements.propose(_qs(*firms))
        for f in firms[: n // 2]:  # half change: updates and removals too
            f.main_products = "、".join(a.keywords[:2])
        Enterprise.objects.bulk_update(firms, ["main_products"])
        with CaptureQueriesContext(connection) as second:
            counts = placements.propose(_qs(*firms))
        assert counts["removed"] == n // 2
        return len(first), len(second)

    small, big = queries(4), queries(40)
    # Ten times the firms: the same queries, give or take a bulk insert SQLite splits in two
    # (its limit on query parameters); one query per firm would add dozens.
    assert big[0] <= small[0] + 2 and big[1] <= small[1] + 2


def test_in_state_sorts_enterprises_by_where_their_placement_stands(factories, personas):
    """proposed: only the scorer placed it; decided: a person spoke; unplaced: on no node,
    whether nothing was proposed or an official rejected every node."""
    a, b = _two_nodes()
    proposed = _firm(factories, a)
    confirmed = _firm(factories, a)
    rejected = _firm(factories, a)
    nothing = factories.enterprise(main_products="面包、糕点零售")
    weak = factories.enterprise(main_products="日用百货销售")
    placements.propose(_qs(proposed, confirmed, rejected, nothing, weak))
    Placement.objects.create(enterprise=weak, node=b.code, status=S.PROPOSED, confidence=0.1)
    placements.decide(_admin(personas), confirmed, [a.code], "核实无误")
    placements.decide(_admin(personas), rejected, [], "非环保企业")
    everyone = _qs(proposed, confirmed, rejected, nothing, weak)

    def ids(state):
        return set(placements.in_state(everyone, state).values_list("pk", flat=True))

    assert ids("proposed") == {proposed.pk}
    assert ids("decided") == {confirmed.pk, rejected.pk}
    assert ids("unplaced") == {rejected.pk, nothing.pk, weak.pk}
    # The states agree with effective(): unplaced ones are on no node, the others on some.
    on_node = set(placements.effective([f.pk for f in everyone]))
    assert ids("unplaced").isdisjoint(on_node)
    assert ids("proposed") | {confirmed.pk} == on_node
    with pytest.raises(ValueError):
        placements.in_state(everyone, "nonsense")
