"""The shared test data: built once per session, seen by every test, restored by each rollback;
and the factories that build single objects beside it."""

import pytest
from django.db import connection

from eco311.accounts.models import Membership, Role
from eco311.enterprises import kpis
from eco311.enterprises.models import AnnualReturn, Enterprise, IndicatorValue
from eco311.enterprises.survey.synthetic import is_synthetic_uscc

pytestmark = pytest.mark.django_db


def test_every_test_sees_the_survey_population_without_asking(survey_spec):
    # Built in django_db_setup, not per test: this test does not request survey_population.
    assert Enterprise.objects.filter(synthetic=True).count() == survey_spec.enterprises
    years = set(AnnualReturn.objects.values_list("year", flat=True))
    assert years == set(survey_spec.years)
    assert IndicatorValue.objects.filter(scope_key="370000", year=max(years)).exists()


def test_the_fixture_returns_what_the_load_counted(survey_population, survey_spec):
    assert survey_population == {
        "enterprises": Enterprise.objects.filter(synthetic=True).count(),
        "returns": AnnualReturn.objects.filter(synthetic=True, status="approved").count(),
    }
    assert survey_population["enterprises"] == survey_spec.enterprises


def test_the_enterprise_persona_acts_for_the_first_enterprise(survey_population, personas):
    first = Enterprise.objects.filter(synthetic=True).order_by("uscc").first()
    m = personas["enterprise"].membership
    assert m.enterprise == first and m.organisation == first.name


@pytest.mark.parametrize("turn", ["first", "second"])
def test_what_a_test_changes_is_rolled_back_for_the_next(survey_population, turn):
    # Both turns find the population as loaded, whichever ran first, then spoil it.
    returns = AnnualReturn.objects.filter(synthetic=True)
    assert returns.count() == survey_population["returns"]
    assert set(returns.values_list("status", flat=True)) == {AnnualReturn.Status.APPROVED}
    assert IndicatorValue.objects.count() == kpis.recompute()
    returns.update(status=AnnualReturn.Status.RETURNED)
    IndicatorValue.objects.all().delete()
    Membership.objects.filter(user__username="enterprise").update(enterprise=None)
    assert not AnnualReturn.objects.filter(status=AnnualReturn.Status.APPROVED).exists()


# -- the factories -------------------------------------------------------------------------------


def test_a_factory_enterprise_is_new_to_the_registry(factories):
    before = Enterprise.objects.count()
    a, b = factories.enterprise(), factories.enterprise(city_code="370200")
    assert Enterprise.objects.count() == before + 2
    assert a.uscc != b.uscc and is_synthetic_uscc(a.uscc) and is_synthetic_uscc(b.uscc)
    assert (a.city.code, b.city.code) == ("370100", "370200")
    assert a.industry_id and a.segment


def test_a_factory_return_is_approved_and_complete_unless_told(factories):
    r = factories.annual_return()
    assert r.status == AnnualReturn.Status.APPROVED and r.year == 2024
    assert r.env_revenue > 0 and r.employees > 0
    own = factories.enterprise()
    draft = factories.annual_return(own, year=2025, status=AnnualReturn.Status.DRAFT, exports=0)
    assert (draft.enterprise, draft.status, draft.exports) == (own, "draft", 0)


def test_a_factory_user_has_a_role(factories):
    city = factories.user()
    assert city.membership.role == Role.CITY and city.membership.area.code == "370100"
    own = factories.enterprise()
    member = factories.user(Role.ENTERPRISE, enterprise=own)
    assert member.membership.enterprise == own and member.check_password("pw")
    assert city.username != member.username


def test_unregistered_leaves_out_the_enterprises_already_there(factories):
    known = Enterprise.objects.order_by("pk").first()
    rows = [{"uscc": known.uscc}, {"uscc": factories.uscc()}]
    assert factories.unregistered(rows) == rows[1:]


# -- after a transactional test --------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the suite's other transactional tests (the races) run on PostgreSQL only",
)
@pytest.mark.usefixtures("restores_session_data")
class TestTheSessionDataOutlivesAFlush:
    """pytest-django runs transactional tests last, each ending in a flush of every table; this
    one runs among them, so it finds what the flushes before it took away put back."""

    @pytest.mark.django_db(transaction=True)
    def test_the_population_and_the_personas_are_there(self, survey_spec, personas):
        assert Enterprise.objects.filter(synthetic=True).count() == survey_spec.enterprises
        assert IndicatorValue.objects.exists()
        first = Enterprise.objects.filter(synthetic=True).order_by("uscc").first()
        assert personas["enterprise"].membership.enterprise == first
