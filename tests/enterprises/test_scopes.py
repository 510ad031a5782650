"""Every role on every survey, enterprise and indicator view: who sees which enterprises.

The rules (docs/adr/0003-roles-and-scopes.md): the administrator and the departments see every
enterprise, a city bureau its city's, a park committee its park's, an enterprise user its own;
banks and the public see aggregated indicator values only, never an enterprise or a drill-down.
"""

import io

import pytest
from openpyxl import load_workbook

from eco311.accounts.models import Membership
from eco311.accounts.scopes import Actor
from eco311.enterprises import kpis, uploads
from eco311.enterprises.models import Enterprise, IndicatorValue
from eco311.enterprises.reference import load_industry_codes
from eco311.enterprises.survey.synthetic import PopulationSpec, generate
from eco311.enterprises.survey.workbook import write_returns_workbook

pytestmark = pytest.mark.django_db

ROLES = ["admin", "dept", "jinan", "park", "enterprise", "bank", "public"]
SEES_ENTERPRISES = {"admin", "dept", "jinan", "park", "enterprise"}
OFFICIALS = {"admin", "dept", "jinan", "park"}
INDICATOR = "env_revenue_total"


def expected_enterprises(role, personas):
    """The enterprises a role may see, computed from the data, not from Actor."""
    everyone = Enterprise.objects.all()
    if role in ("admin", "dept"):
        return set(everyone)
    if role == "jinan":
        return set(everyone.filter(city__code="370100"))
    if role == "park":
        return set(everyone.filter(park=personas["park"].membership.area))
    if role == "enterprise":
        return {Enterprise.objects.filter(synthetic=True).order_by("uscc").first()}
    return set()


@pytest.fixture
def outside_jinan():
    return Enterprise.objects.exclude(city__code="370100").order_by("uscc").first()


# -- the Actor ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_actor_limits_enterprises_to_the_role_scope(survey_population, personas, role):
    user = personas.get(role)
    user = type(user).objects.get(pk=user.pk) if user else None  # fresh membership
    a = Actor.of(user)
    seen = set(a.scoped_enterprises(Enterprise.objects.all()))
    assert seen == expected_enterprises(role, personas)
    assert set(Enterprise.objects.filter(a.enterprises_q())) == seen
    assert a.can_see_enterprises is (role in SEES_ENTERPRISES)
    assert a.can_drill_down is (role in OFFICIALS)
    assert a.can_import_survey is (role == "admin")
    assert a.can_see_import_ledger is (role in ("admin", "dept"))
    for e in Enterprise.objects.all()[:40]:
        assert a.can_see_enterprise(e) is (e in seen)


def test_the_scoped_roles_see_some_but_not_all(survey_population, personas):
    total = Enterprise.objects.count()
    jinan = expected_enterprises("jinan", personas)
    assert 0 < len(jinan) < total
    assert all(e.city.code == "370100" for e in jinan)
    park = expected_enterprises("park", personas)
    assert 0 < len(park) < len(jinan) + total
    assert {e.park for e in park} == {personas["park"].membership.area}


def test_enterprises_q_works_through_a_relation(survey_population, personas):
    from eco311.enterprises.models import AnnualReturn

    a = Actor.of(personas["jinan"])
    returns = AnnualReturn.objects.filter(a.enterprises_q("enterprise__"))
    assert returns.exists()
    assert set(returns.values_list("enterprise__city__code", flat=True)) == {"370100"}
    mine = Actor.of(type(personas["enterprise"]).objects.get(username="enterprise"))
    own = AnnualReturn.objects.filter(mine.enterprises_q("enterprise__"))
    assert {r.enterprise_id for r in own} == {mine.enterprise_id}


def test_the_demo_links_the_enterprise_persona_idempotently(survey_population, personas):
    from eco311.accounts.models import Membership
    from eco311.demo import create_accounts

    first = Enterprise.objects.filter(synthetic=True).order_by("uscc").first()
    create_accounts("pw")
    create_accounts("pw")
    m = Membership.objects.get(user__username="enterprise")
    assert m.enterprise == first and m.organisation == first.name
    assert Membership.objects.filter(user__username="enterprise").count() == 1
    assert Membership.objects.get(user__username="jinan").enterprise is None


def test_without_an_enterprise_the_enterprise_persona_sees_none(client_for, personas):
    # As before any population is loaded (the session data links the persona to one).
    Membership.objects.filter(user__username="enterprise").update(enterprise=None)
    personas["enterprise"].refresh_from_db()
    assert personas["enterprise"].membership.enterprise is None
    c = client_for("enterprise")
    assert c.get("/enterprises/").status_code == 403
    assert c.get("/kpi/").status_code == 200


# -- enterprise pages --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_enterprise_list_shows_only_the_role_scope(
    survey_population, client_for, personas, role, refused
):
    c = client_for(role)
    response = c.get("/enterprises/?page=1")
    if role not in SEES_ENTERPRISES:
        assert refused(response)
        return
    assert response.status_code == 200
    body = response.content.decode()
    expected = expected_enterprises(role, personas)
    assert response.context["page"].paginator.count == len(expected)
    listed = {
        e.uscc
        for p in range(1, response.context["page"].paginator.num_pages + 1)
        for e in c.get(f"/enterprises/?page={p}").context["page"]
    }
    assert listed == {e.uscc for e in expected}
    if role == "jinan":
        outside = Enterprise.objects.exclude(city__code="370100").first()
        assert outside.uscc not in body


@pytest.mark.parametrize("role", ROLES)
def test_an_enterprise_profile_is_open_only_within_scope(
    survey_population, client_for, personas, role, outside_jinan, refused
):
    c = client_for(role)
    own = Enterprise.objects.filter(synthetic=True).order_by("uscc").first()
    in_jinan = Enterprise.objects.filter(city__code="370100").order_by("uscc").first()
    for e in {own, in_jinan, outside_jinan}:
        response = c.get(f"/enterprises/{e.uscc}/")
        if role not in SEES_ENTERPRISES:
            assert refused(response)
        elif e in expected_enterprises(role, personas):
            assert response.status_code == 200
            assert e.name in response.content.decode()
        else:
            assert response.status_code == 404, (role, e.uscc)
    unknown = c.get("/enterprises/91370000XXXXXXXXXX/")
    assert refused(unknown) if role not in SEES_ENTERPRISES else unknown.status_code == 404


# -- indicator pages ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_indicator_values_are_public_but_the_drill_down_is_for_officials(
    survey_population, client_for, personas, role, refused
):
    c = client_for(role)
    listing = c.get("/kpi/")
    assert listing.status_code == 200
    value = IndicatorValue.objects.get(indicator="enterprise_count", scope_key="370000", year=2024)
    assert f"<strong>{value.value:,.0f}</strong>" in listing.content.decode()

    response = c.get(f"/kpi/{INDICATOR}/?scope=370000&year=2024")
    assert response.status_code == 200
    body = response.content.decode()
    assert ('data-testid="drill-down"' in body) is (role in OFFICIALS)
    assert ('data-testid="no-drill-down"' in body) is (role not in OFFICIALS)
    assert ("/enterprises/9137" in body) is (role in OFFICIALS)

    export = c.get(f"/kpi/{INDICATOR}/enterprises.xlsx?scope=370000&year=2024")
    assert export.status_code == 200 if role in OFFICIALS else refused(export)
    if role in OFFICIALS:
        rows = list(
            load_workbook(io.BytesIO(export.content)).worksheets[0].iter_rows(values_only=True)
        )
        usccs = {r[0] for r in rows[2:]}
        allowed = {e.uscc for e in expected_enterprises(role, personas)}
        assert usccs <= allowed
        if role in ("admin", "dept"):
            stored = IndicatorValue.objects.get(indicator=INDICATOR, scope_key="370000", year=2024)
            assert len(usccs) == stored.n_enterprises


def test_a_city_bureau_sees_only_its_enterprises_behind_a_province_value(
    survey_population, client_for
):
    response = client_for("jinan").get(f"/kpi/{INDICATOR}/?scope=370000&year=2024")
    drill = response.context["drill"]
    stored = IndicatorValue.objects.get(indicator=INDICATOR, scope_key="370000", year=2024)
    assert drill.total_enterprises == stored.n_enterprises
    assert drill.rows and {m.enterprise.city.code for m in drill.rows} == {"370100"}
    assert drill.hidden_enterprises == stored.n_enterprises - len(drill.rows) > 0
    assert "不在您的权限范围内" in response.content.decode()


# -- survey pages ------------------------------------------------------------------------


@pytest.fixture
def rejected_batch(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    load_industry_codes()
    rows = list(generate(PopulationSpec(enterprises=20, years=(2024,), seed=5)).returns(2024))
    rows[0]["total_revenue"] = -1
    path = tmp_path / "bad.xlsx"
    write_returns_workbook(path, rows, year=2024)
    outcome = uploads.import_upload(
        path.read_bytes(), file_name="bad.xlsx", year=2024, user=personas["admin"], approve=False
    )
    assert not outcome.ok
    return outcome.batch


@pytest.mark.parametrize("role", ROLES)
def test_the_survey_home_is_public_and_the_import_is_for_the_administrator(
    client_for, rejected_batch, role, refused
):
    c = client_for(role)
    body = c.get("/survey/").content.decode()
    assert 'data-testid="dictionary"' in body and "/survey/template.xlsx" in body
    assert ('data-testid="import-form"' in body) is (role == "admin")
    assert ('data-testid="ledger"' in body) is (role in ("admin", "dept"))
    assert c.get("/survey/template.xlsx").status_code == 200

    batch_page = c.get(f"/survey/import/{rejected_batch.pk}/")
    assert batch_page.status_code == 200 if role in ("admin", "dept") else refused(batch_page)
    marked = c.get(f"/survey/import/{rejected_batch.pk}/errors.xlsx")
    assert marked.status_code == 200 if role == "admin" else refused(marked)

    before = rejected_batch.__class__.objects.count()
    posted = c.post("/survey/import/", {"year": 2024})
    if role == "admin":
        assert posted.status_code == 400  # no file: the form says so
    elif role == "public":
        assert posted.status_code == 302 and "/accounts/login/" in posted["Location"]
    else:
        assert posted.status_code == 403
    assert rejected_batch.__class__.objects.count() == before


def test_kpis_recompute_keeps_the_values_the_pages_show(survey_population):
    assert kpis.recompute() == IndicatorValue.objects.count()
