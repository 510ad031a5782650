"""accounts/lookups.py: every kind of object, looked up by its key for a user.

Each lookup gives the object to a user in scope and answers 404 to one outside it, like an
object that does not exist (so that existence is not revealed); 403 only where the page is not
for the role at all. The objects are built one by one here (no population): what is in scope
is decided by the data each test creates, not by asking the Actor.
"""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from eco311.accounts import lookups
from eco311.accounts.models import Role
from eco311.accounts.scopes import Actor, actor
from eco311.enterprises.models import AnnualReturn, Enterprise, ImportBatch, IndustryCode
from eco311.geo.models import Area
from eco311.plans.models import ProgressReport, Target
from eco311.ranking import service
from eco311.ranking.models import RankingList

pytestmark = pytest.mark.django_db

Status = AnnualReturn.Status


def as_actor(personas, name) -> Actor:
    """The Actor of a demo persona, read afresh ('public': the anonymous public)."""
    if name == "public":
        return Actor.of(None)
    user = personas[name]
    return Actor.of(type(user).objects.get(pk=user.pk))


def _enterprise(uscc: str, city_code: str, park=None) -> Enterprise:
    industry, _ = IndustryCode.objects.get_or_create(
        code="7721", defaults={"name_zh": "水污染治理", "name_en": "Water pollution control"}
    )
    return Enterprise.objects.create(
        uscc=uscc,
        name=f"查找测试环保有限公司{uscc[-4:]}（合成）",
        city=Area.objects.get(code=city_code, kind="city"),
        park=park,
        industry=industry,
        segment="services",
    )


@pytest.fixture
def firms(personas):
    """An enterprise in Jinan, one in Qingdao, and the enterprise persona's own (in Qingdao)."""
    jinan = _enterprise("91370102LK0000001X", "370100")
    qingdao = _enterprise("91370202LK0000002X", "370200")
    own = _enterprise("91370202LK0000003X", "370200")
    return {"jinan": jinan, "qingdao": qingdao, "own": own}


def enterprise_actor(personas, enterprise) -> Actor:
    """The enterprise persona, linked to ``enterprise``."""
    return Actor(user=personas["enterprise"], role=Role.ENTERPRISE, enterprise_id=enterprise.pk)


# -- targets and progress reports --------------------------------------------------------------


def _report_in(scope_codes, personas, inside: bool) -> ProgressReport:
    """A synthetic report whose target is (inside) or is not (outside) scoped to an area of
    ``scope_codes`` and is not linked to the department persona's unit."""
    dept_unit = personas["dept"].membership.unit
    reports = ProgressReport.objects.exclude(target__unit_links__unit=dept_unit)
    reports = (
        reports.filter(target__scope__in=scope_codes)
        if inside
        else reports.exclude(target__scope__in=scope_codes)
    )
    report = reports.order_by("pk").first()
    assert report is not None, "the session's synthetic reports cover this scope"
    return report


def test_a_target_is_public_but_its_details_follow_scope(personas):
    dept_unit = personas["dept"].membership.unit
    province_wide = Target.objects.filter(scope__kind="province", plan__key="shandong-311")
    outside = province_wide.exclude(unit_links__unit=dept_unit).order_by("pk").first()
    of_dept = province_wide.filter(unit_links__unit=dept_unit).order_by("pk").first()
    for name in ("admin", "dept", "jinan", "bank", "public"):
        found, details, can_report = lookups.get_target_for_user(
            as_actor(personas, name), outside.plan.key, outside.key
        )
        assert found == outside  # targets and their status are public
        assert details is (name == "admin"), name
        assert can_report is (name == "admin"), name
    found, details, can_report = lookups.get_target_for_user(
        as_actor(personas, "dept"), of_dept.plan.key, of_dept.key
    )
    assert found == of_dept and details and can_report
    with pytest.raises(Http404):
        lookups.get_target_for_user(as_actor(personas, "admin"), outside.plan.key, "no-such-key")


def test_a_report_is_found_in_scope_and_404_outside(personas):
    jinan = personas["jinan"].membership.area
    areas = [jinan, *jinan.children.all()]
    inside = _report_in(areas, personas, inside=True)
    outside = _report_in(areas, personas, inside=False)
    city = as_actor(personas, "jinan")
    assert lookups.get_report_for_user(city, inside.pk) == inside
    assert lookups.get_report_for_user(as_actor(personas, "admin"), outside.pk) == outside
    for who in (city, as_actor(personas, "bank"), as_actor(personas, "public")):
        with pytest.raises(Http404):
            lookups.get_report_for_user(who, outside.pk)
    with pytest.raises(Http404):
        lookups.get_report_for_user(as_actor(personas, "admin"), 10**9)


def test_the_reports_to_review_are_the_officials_own_scope(personas):
    jinan = personas["jinan"].membership.area
    areas = [jinan, *jinan.children.all()]
    inside = _report_in(areas, personas, inside=True)
    outside = _report_in(areas, personas, inside=False)
    ProgressReport.objects.filter(pk__in=[inside.pk, outside.pk]).update(
        status=ProgressReport.Status.SUBMITTED
    )
    seen = set(lookups.reports_to_review_for_user(as_actor(personas, "jinan")))
    assert inside in seen and outside not in seen
    assert {inside, outside} <= set(lookups.reports_to_review_for_user(as_actor(personas, "admin")))
    for name in ("bank", "enterprise", "public"):
        with pytest.raises(PermissionDenied):
            lookups.reports_to_review_for_user(as_actor(personas, name))


# -- enterprises -------------------------------------------------------------------------------


def test_an_enterprise_is_found_in_scope_and_404_outside(personas, firms):
    city = as_actor(personas, "jinan")
    assert lookups.get_enterprise_for_user(city, firms["jinan"].uscc) == firms["jinan"]
    # the key is matched whatever its case, as typed in an address
    assert lookups.get_enterprise_for_user(city, firms["jinan"].uscc.lower()) == firms["jinan"]
    with pytest.raises(Http404):
        lookups.get_enterprise_for_user(city, firms["qingdao"].uscc)
    own = enterprise_actor(personas, firms["own"])
    assert lookups.get_enterprise_for_user(own, firms["own"].uscc) == firms["own"]
    with pytest.raises(Http404):
        lookups.get_enterprise_for_user(own, firms["qingdao"].uscc)
    for name in ("admin", "dept"):
        assert lookups.get_enterprise_for_user(as_actor(personas, name), firms["qingdao"].uscc)
    with pytest.raises(Http404):
        lookups.get_enterprise_for_user(as_actor(personas, "admin"), "91370000NOSUCH000X")


@pytest.mark.parametrize("name", ["bank", "public"])
def test_a_role_that_never_sees_enterprises_gets_403(personas, firms, name):
    with pytest.raises(PermissionDenied):
        lookups.get_enterprise_for_user(as_actor(personas, name), firms["jinan"].uscc)


def test_the_enterprise_list_is_limited_to_scope(personas, firms):
    made = set(firms.values())
    assert made & set(lookups.enterprises_for_user(as_actor(personas, "jinan"))) == {firms["jinan"]}
    assert set(lookups.enterprises_for_user(enterprise_actor(personas, firms["own"]))) == {
        firms["own"]
    }
    assert made <= set(lookups.enterprises_for_user(as_actor(personas, "dept")))
    assert not lookups.enterprises_for_user(as_actor(personas, "bank")).exists()


def test_the_own_enterprise_is_only_the_enterprise_users(personas, firms):
    own = enterprise_actor(personas, firms["own"])
    assert lookups.get_own_enterprise_for_user(own) == firms["own"]
    for name in ("admin", "jinan", "bank", "public"):
        with pytest.raises(PermissionDenied):
            lookups.get_own_enterprise_for_user(as_actor(personas, name))
    without = Actor(user=personas["enterprise"], role=Role.ENTERPRISE, enterprise_id=None)
    with pytest.raises(PermissionDenied):
        lookups.get_own_enterprise_for_user(without)


# -- annual returns on the review pages ---------------------------------------------------------


@pytest.fixture
def filed(firms):
    """Submitted 2024 returns of the Jinan and the Qingdao enterprise, and a Jinan draft."""

    def make(enterprise, year, status):
        return AnnualReturn.objects.create(enterprise=enterprise, year=year, status=status)

    return {
        "jinan": make(firms["jinan"], 2024, Status.SUBMITTED),
        "qingdao": make(firms["qingdao"], 2024, Status.SUBMITTED),
        "draft": make(firms["jinan"], 2023, Status.DRAFT),
    }


def test_a_return_to_review_is_found_in_scope_and_404_outside(personas, firms, filed):
    city = as_actor(personas, "jinan")
    assert lookups.get_return_for_user(city, firms["jinan"].uscc, 2024) == filed["jinan"]
    with pytest.raises(Http404):
        lookups.get_return_for_user(city, firms["qingdao"].uscc, 2024)
    admin = as_actor(personas, "admin")
    assert lookups.get_return_for_user(admin, firms["qingdao"].uscc, 2024) == filed["qingdao"]
    with pytest.raises(Http404):
        lookups.get_return_for_user(admin, firms["jinan"].uscc, 2022)  # none that year


@pytest.mark.parametrize("name", ["jinan", "admin"])
def test_a_draft_is_never_a_reviewers(personas, firms, filed, name):
    with pytest.raises(Http404):
        lookups.get_return_for_user(as_actor(personas, name), firms["jinan"].uscc, 2023)
    assert filed["draft"] not in set(lookups.returns_to_review_for_user(as_actor(personas, name)))


@pytest.mark.parametrize("name", ["dept", "park", "bank", "public"])
def test_a_role_that_reviews_no_returns_gets_403(personas, firms, filed, name):
    with pytest.raises(PermissionDenied):
        lookups.get_return_for_user(as_actor(personas, name), firms["jinan"].uscc, 2024)
    with pytest.raises(PermissionDenied):
        lookups.returns_to_review_for_user(as_actor(personas, name))


def test_the_enterprise_itself_does_not_review_its_return(personas, firms, filed):
    with pytest.raises(PermissionDenied):
        lookups.get_return_for_user(
            enterprise_actor(personas, firms["jinan"]), firms["jinan"].uscc, 2024
        )


# -- the import ledger -------------------------------------------------------------------------


@pytest.fixture
def batch(personas):
    return ImportBatch.objects.create(
        file_name="returns.xlsx",
        sha256="0" * 64,
        year=2024,
        imported_by=personas["admin"],
        outcome=ImportBatch.Outcome.APPLIED,
    )


@pytest.mark.parametrize("name", ["admin", "dept"])
def test_an_import_is_found_by_the_ledgers_readers(personas, batch, name):
    a = as_actor(personas, name)
    assert lookups.get_batch_for_user(a, batch.pk) == batch
    assert batch in set(lookups.batches_for_user(a))
    with pytest.raises(Http404):
        lookups.get_batch_for_user(a, batch.pk + 1000)


@pytest.mark.parametrize("name", ["jinan", "park", "enterprise", "bank", "public"])
def test_the_ledger_is_403_for_everyone_else(personas, batch, name):
    """Every import is in the same scope (the whole province): the ledger is for a role or
    not, so a reader outside it gets 403, not 404, and learns nothing about one import."""
    with pytest.raises(PermissionDenied):
        lookups.get_batch_for_user(as_actor(personas, name), batch.pk)


# -- ranking lists and their entries -----------------------------------------------------------


def _ranking(status: str) -> RankingList:
    text = service.methodology_text()
    return RankingList.objects.create(
        year=2024,
        status=status,
        methodology_key=service.METHODOLOGY_KEY,
        methodology_name_zh="测试",
        methodology_name_en="test",
        methodology_text=text,
        methodology_sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def test_a_published_list_is_for_everyone_and_a_draft_404_outside_review(personas):
    published = _ranking(RankingList.Status.PUBLISHED)
    draft = _ranking(RankingList.Status.DRAFT)
    for name in ("admin", "dept", "jinan", "bank", "public"):
        assert lookups.get_ranking_for_user(as_actor(personas, name), published.pk) == published
    for name in ("admin", "dept"):
        assert lookups.get_ranking_for_user(as_actor(personas, name), draft.pk) == draft
    for name in ("jinan", "park", "enterprise", "bank", "public"):
        with pytest.raises(Http404):
            lookups.get_ranking_for_user(as_actor(personas, name), draft.pk)
    with pytest.raises(Http404):
        lookups.get_ranking_for_user(as_actor(personas, "admin"), draft.pk + 1000)


def test_an_entry_is_found_in_scope_and_404_outside(personas, firms):
    ranking = _ranking(RankingList.Status.DRAFT)  # a published list takes no new entries
    entries = {
        key: ranking.entries.create(
            enterprise=e, uscc=e.uscc, name=e.name, city_code=e.city.code, rank=i + 1
        )
        for i, (key, e) in enumerate(firms.items())
    }
    RankingList.objects.filter(pk=ranking.pk).update(status=RankingList.Status.PUBLISHED)
    ranking.refresh_from_db()
    city = as_actor(personas, "jinan")
    assert lookups.get_entry_for_user(city, ranking, firms["jinan"].uscc) == entries["jinan"]
    with pytest.raises(Http404):
        lookups.get_entry_for_user(city, ranking, firms["qingdao"].uscc)
    own = enterprise_actor(personas, firms["own"])
    assert lookups.get_entry_for_user(own, ranking, firms["own"].uscc) == entries["own"]
    with pytest.raises(Http404):
        lookups.get_entry_for_user(own, ranking, firms["jinan"].uscc)
    for name in ("bank", "public"):
        with pytest.raises(PermissionDenied):
            lookups.get_entry_for_user(as_actor(personas, name), ranking, firms["jinan"].uscc)


# -- a request instead of an Actor -------------------------------------------------------------


def test_a_lookup_takes_the_request_and_asks_its_actor(personas, firms):
    request = RequestFactory().get("/")
    request.user = personas["jinan"]
    assert lookups.get_enterprise_for_user(request, firms["jinan"].uscc) == firms["jinan"]
    with pytest.raises(Http404):
        lookups.get_enterprise_for_user(request, firms["qingdao"].uscc)
    assert actor(request).role == Role.CITY  # the request's Actor, cached on it
