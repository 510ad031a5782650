"""The official 链主 tag (chains/leaders.py) and `eco311 chains check`.

Granting and revoking: only the plan owner, always with a reason kept as the history's change
reason, a chain of the taxonomy, one active tag of a chain per enterprise, no revocation before
the grant; the revoked row stays. The check lists what no longer fits the taxonomy.
"""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from eco311.accounts.scopes import Actor
from eco311.chains import leaders, population, taxonomy
from eco311.chains.check import findings
from eco311.chains.models import Placement, SyntheticTruth
from eco311.cli import main
from eco311.enterprises.models import AnnualReturn, Enterprise, Tag

pytestmark = pytest.mark.django_db

DAY = date(2024, 3, 1)


def _chain_code():
    return taxonomy.load().chains[0].code


@pytest.fixture
def admin(personas):
    return Actor.of(personas["admin"])


# -- grant and revoke ------------------------------------------------------------------------


def test_the_plan_owner_grants_the_tag_with_its_reason_in_the_history(admin, factories):
    e = factories.enterprise()
    tag = leaders.grant(admin, e, _chain_code(), DAY, "牵头组建膜材料产业联盟")
    assert (tag.kind, tag.stage, tag.granted_on, tag.revoked_on) == (
        Tag.Kind.CHAIN_LEADER,
        _chain_code(),
        DAY,
        None,
    )
    record = tag.history.latest()
    assert record.history_change_reason == "牵头组建膜材料产业联盟"
    assert record.history_user == admin.user
    assert tag in leaders.active_tags(_chain_code(), DAY)


@pytest.mark.parametrize("role", ["dept", "jinan", "park", "enterprise", "bank"])
def test_nobody_else_may_grant_or_revoke(personas, admin, factories, role):
    e = factories.enterprise()
    who = Actor.of(personas[role])
    assert not who.can_tag_chain_leaders
    with pytest.raises(PermissionDenied):
        leaders.grant(who, e, _chain_code(), DAY, "reason")
    tag = leaders.grant(admin, e, _chain_code(), DAY, "reason")
    with pytest.raises(PermissionDenied):
        leaders.revoke(who, tag, DAY, "reason")
    assert not Tag.objects.get(pk=tag.pk).revoked_on
    assert Actor().can_tag_chain_leaders is False


def test_it_refuses_an_unknown_chain_and_a_missing_reason(admin, factories):
    e = factories.enterprise()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        leaders.grant(admin, e, "no-such-chain", DAY, "理由")
    assert "no-such-chain" in exc.value.message_dict["chain"][0]
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            leaders.grant(admin, e, _chain_code(), DAY, blank)
        assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        leaders.grant(admin, e, _chain_code(), DAY, "x" * (leaders.reason_limit() + 1))
    assert "reason" in exc.value.message_dict
    assert not Tag.objects.filter(enterprise=e).exists()


def test_it_refuses_a_second_active_tag_of_the_same_chain(admin, factories):
    e = factories.enterprise()
    first = leaders.grant(admin, e, _chain_code(), DAY, "first")
    with pytest.raises(ValidationError) as exc:
        leaders.grant(admin, e, _chain_code(), date(2025, 1, 1), "again")
    assert "chain" in exc.value.message_dict
    # Revoked later than the new grant's day: the two would overlap.
    leaders.revoke(admin, first, date(2024, 12, 31), "ends")
    with pytest.raises(ValidationError):
        leaders.grant(admin, e, _chain_code(), date(2024, 6, 1), "overlaps")
    again = leaders.grant(admin, e, _chain_code(), date(2025, 1, 1), "after the end")
    assert again.pk != first.pk
    assert Tag.objects.filter(enterprise=e, kind=Tag.Kind.CHAIN_LEADER).count() == 2


def test_other_chains_and_other_enterprises_may_hold_it_beside(admin, factories):
    chains = [c.code for c in taxonomy.load().chains]
    e, other = factories.enterprise(), factories.enterprise()
    leaders.grant(admin, e, chains[0], DAY, "one")
    leaders.grant(admin, other, chains[0], DAY, "a group of leaders")
    if len(chains) > 1:
        leaders.grant(admin, e, chains[1], DAY, "another chain")
    assert {t.enterprise_id for t in leaders.active_tags(chains[0], DAY)} >= {e.pk, other.pk}


def test_revoking_keeps_the_row_and_its_reason(admin, factories):
    e = factories.enterprise()
    tag = leaders.grant(admin, e, _chain_code(), DAY, "granted")
    revoked = leaders.revoke(admin, tag, date(2025, 2, 1), "不再牵头")
    assert Tag.objects.get(pk=tag.pk).revoked_on == date(2025, 2, 1) == revoked.revoked_on
    reasons = [
        h.history_change_reason for h in Tag.history.filter(id=tag.pk).order_by("history_id")
    ]
    assert reasons == ["granted", "不再牵头"]
    assert tag not in leaders.active_tags(_chain_code(), date(2025, 2, 1))
    assert tag in leaders.active_tags(_chain_code(), date(2025, 1, 31))


def test_it_refuses_a_revocation_before_the_grant_or_twice(admin, factories):
    e = factories.enterprise()
    tag = leaders.grant(admin, e, _chain_code(), DAY, "granted")
    with pytest.raises(ValidationError) as exc:
        leaders.revoke(admin, tag, date(2024, 2, 29), "too early")
    assert "revoked_on" in exc.value.message_dict
    leaders.revoke(admin, tag, DAY, "the same day")
    with pytest.raises(ValidationError):
        leaders.revoke(admin, tag, date(2025, 1, 1), "twice")
    other = Tag.objects.create(enterprise=e, kind=Tag.Kind.LISTED, granted_on=DAY)
    with pytest.raises(ValidationError):
        leaders.revoke(admin, other, date(2025, 1, 1), "not a chain tag")


def test_a_granted_tag_shows_in_the_analysis(admin, survey_population):
    """The tag feeds the analysis (LeaderResult.tagged) in the years it is held at year end."""
    year = max(population.years())
    code = _chain_code()
    node = taxonomy.load().chain(code).nodes[0].code
    placed = Placement.objects.filter(node=node).values("enterprise_id")
    e = (
        Enterprise.objects.filter(returns__year=year, returns__status=AnnualReturn.Status.APPROVED)
        .exclude(pk__in=placed)
        .order_by("uscc")
        .first()
    )
    Placement.objects.create(enterprise=e, node=node, status=Placement.Status.CONFIRMED)
    leaders.grant(admin, e, code, date(year, 1, 1), "tagged")
    chain = next(c for c in population.analysis_for(year).chains if c.code == code)
    mine = [lr for lr in chain.leaders if lr.enterprise == e.pk]
    assert mine and mine[0].tagged


# -- eco311 chains check ---------------------------------------------------------------------


def test_check_is_clean_on_consistent_data(capsys):
    # The session's data are consistent unless something was left off the map: then the
    # command lists exactly what findings() finds.
    code = main(["chains", "check"])
    out = capsys.readouterr().out
    assert code == (1 if findings() else 0)
    if code == 0:
        assert "fit the taxonomy" in out


def test_check_lists_what_does_not_fit_the_taxonomy(admin, factories, capsys):
    e = factories.enterprise()
    off = Placement.objects.create(enterprise=e, node="no-such-node", status="confirmed")
    blank = Tag.objects.create(enterprise=e, kind=Tag.Kind.CHAIN_LEADER, stage="", granted_on=DAY)
    wrong = Tag.objects.create(
        enterprise=e, kind=Tag.Kind.CHAIN_LEADER, stage="no-such-chain", granted_on=DAY
    )
    good = leaders.grant(admin, factories.enterprise(), _chain_code(), DAY, "fits")
    truth = SyntheticTruth.objects.create(
        enterprise=e, nodes=[taxonomy.load().nodes[0].code, "gone-node"]
    )
    found = {(f.kind, f.row) for f in findings()}
    assert {
        ("placement", off.pk),
        ("chain_leader_tag", blank.pk),
        ("chain_leader_tag", wrong.pk),
        ("synthetic_truth", truth.pk),
    } <= found
    assert ("chain_leader_tag", good.pk) not in found
    assert main(["chains", "check"]) == 1
    lines = capsys.readouterr().out.splitlines()
    mine = [line for line in lines if e.uscc in line]
    assert len(mine) == 4
    assert any("no-such-node" in line and "move it" in line for line in mine)
    assert any("no-such-chain" in line and "revoke it" in line for line in mine)
    assert any("empty stage" in line for line in mine)
    assert any("gone-node" in line and "regenerate" in line for line in mine)
    assert all(" / " in line for line in mine)  # Chinese / English
