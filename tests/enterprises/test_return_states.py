"""The return-state rules (enterprises/returns.py) that the pages ask instead of deciding.

Each rule is checked against the action it predicts: the page offers "save draft" exactly
when save_draft accepts the return's state, calls a submission a correction exactly when
submit records one, and shows the review form exactly when approve accepts the state.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eco311.accounts.models import Role
from eco311.accounts.scopes import Actor
from eco311.enterprises import returns
from eco311.enterprises.models import AnnualReturn, Enterprise, IndustryCode
from eco311.enterprises.survey.synthetic import synthetic_uscc
from eco311.geo.models import Area

pytestmark = pytest.mark.django_db

Status = AnnualReturn.Status
YEAR = 2024


@pytest.fixture
def enterprise(personas):
    industry, _ = IndustryCode.objects.get_or_create(
        code="7721", defaults={"name_zh": "水污染治理", "name_en": "Water pollution control"}
    )
    return Enterprise.objects.create(
        uscc=synthetic_uscc(987_001, "370102"),  # valid: a draft is checked like an import
        name="状态测试环保有限公司（合成）",
        city=Area.objects.get(code="370100", kind="city"),
        industry=industry,
        segment="services",
    )


@pytest.fixture
def own(personas, enterprise):
    return Actor(user=personas["enterprise"], role=Role.ENTERPRISE, enterprise_id=enterprise.pk)


@pytest.fixture
def admin(personas):
    return Actor.of(personas["admin"])


def _return(enterprise, status) -> AnnualReturn:
    return AnnualReturn.objects.create(enterprise=enterprise, year=YEAR, status=status)


def test_the_rules_for_a_return_not_started_yet():
    assert returns.may_save_draft(None) is True
    assert returns.is_correction(None) is False
    assert returns.awaits_decision(None) is False


@pytest.mark.parametrize("status", Status.values)
def test_save_draft_is_offered_exactly_when_it_is_accepted(own, enterprise, status):
    annual_return = _return(enterprise, status)
    offered = returns.may_save_draft(annual_return)
    try:
        returns.save_draft(own, enterprise, YEAR, {})
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert offered is accepted
    assert offered is (status in (Status.DRAFT, Status.RETURNED))


@pytest.mark.parametrize("status", Status.values)
def test_a_correction_is_a_change_to_a_submitted_or_approved_return(enterprise, status):
    annual_return = _return(enterprise, status)
    assert returns.is_correction(annual_return) is (status in (Status.SUBMITTED, Status.APPROVED))
    # an unsaved return (the form before the first save) is never a correction
    assert returns.is_correction(AnnualReturn(enterprise=enterprise, year=YEAR, status=status)) is (
        False
    )


@pytest.mark.parametrize("status", Status.values)
def test_the_review_form_is_shown_exactly_when_a_decision_is_accepted(admin, enterprise, status):
    annual_return = _return(enterprise, status)
    shown = returns.awaits_decision(annual_return)
    try:
        returns.approve(admin, annual_return, "")
    except (ValidationError, PermissionDenied):  # a draft is not even the reviewer's
        accepted = False
    else:
        accepted = True
    assert shown is accepted
    assert shown is (status == Status.SUBMITTED)


@pytest.mark.parametrize(
    ("asked", "listed"),
    [
        (None, Status.SUBMITTED),  # the queue opens on what waits for a decision
        ("submitted", Status.SUBMITTED),
        ("approved", Status.APPROVED),
        ("returned", Status.RETURNED),
        ("", ""),  # every state
        ("draft", ""),  # a draft is the enterprise's alone: never a reviewer's filter
        ("<script>", ""),
    ],
)
def test_the_review_queue_lists_a_reviewable_state(asked, listed):
    assert returns.queue_status(asked) == listed
