"""Two reviewers deciding on one submitted annual return at the same moment: exactly one
decision applies, the other is told the return has already been decided on."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from eco311.accounts.scopes import Actor
from eco311.enterprises import returns
from eco311.enterprises.models import AnnualReturn, ReturnEvent

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises"
)


@pytest.fixture
def submitted(personas, factories):
    """A return waiting for review (of a new Jinan enterprise, which the jinan persona reviews)."""
    return factories.annual_return(year=2024, status=AnnualReturn.Status.SUBMITTED)


def _stale_copies(r, n=2):
    return [AnnualReturn.objects.select_related("enterprise").get(pk=r.pk) for _ in range(n)]


def _already_decided(outcome) -> bool:
    return isinstance(outcome, ValidationError) and outcome.error_list[0].code == (
        "already_decided"
    )


@pytest.mark.django_db
def test_a_second_decision_on_a_decided_return_is_refused(submitted, personas):
    admin = Actor.of(personas["admin"])
    first, second = _stale_copies(submitted)
    returns.approve(admin, first)
    with pytest.raises(ValidationError) as exc:
        returns.return_to_enterprise(admin, second, "too late")
    assert _already_decided(exc.value)
    assert AnnualReturn.objects.get(pk=submitted.pk).status == AnnualReturn.Status.APPROVED
    assert submitted.events.filter(action=ReturnEvent.Action.RETURNED).count() == 0


@on_postgresql
@pytest.mark.usefixtures("restores_session_data")
class TestApproveAndReturnAtOnce:
    @pytest.mark.django_db(transaction=True)
    def test_only_one_of_approve_and_return_applies(self, submitted, personas, race):
        admin = Actor.of(personas["admin"])
        a, b = _stale_copies(submitted)
        outcomes = race(
            lambda: returns.approve(admin, a),
            lambda: returns.return_to_enterprise(admin, b, "please correct"),
        )
        won = [o for o in outcomes if isinstance(o, AnnualReturn)]
        assert len(won) == 1, outcomes
        assert sum(_already_decided(o) for o in outcomes) == 1, outcomes
        stored = AnnualReturn.objects.get(pk=submitted.pk)
        assert stored.status == won[0].status
        decisions = submitted.events.filter(
            action__in=[ReturnEvent.Action.APPROVED, ReturnEvent.Action.RETURNED]
        )
        assert [e.action for e in decisions] == [stored.status]
