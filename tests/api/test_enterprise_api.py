"""The JSON API of the survey: enterprises, indicators, the import ledger and the import.

Every endpoint is called with every persona's token and must answer as the pages do
(tests/enterprises/test_scopes.py): the administrator and the departments see every enterprise,
a city bureau its city's, a park committee its park's, an enterprise user its own; banks and
the public see aggregated indicator values only.
"""

from decimal import Decimal

import pytest

from eco311.enterprises import kpis
from eco311.enterprises.models import (
    AnnualReturn,
    Enterprise,
    FormerName,
    ImportBatch,
    IndicatorValue,
    Tag,
)
from eco311.enterprises.reference import load_industry_codes
from eco311.enterprises.survey.synthetic import PopulationSpec, generate
from eco311.enterprises.survey.workbook import write_returns_workbook

pytestmark = pytest.mark.django_db

ROLES = ["admin", "dept", "jinan", "park", "enterprise", "bank", "public"]
SEES_ENTERPRISES = {"admin", "dept", "jinan", "park", "enterprise"}
OFFICIALS = {"admin", "dept", "jinan", "park"}
LEDGER = {"admin", "dept"}
INDICATOR = "env_revenue_total"
YEAR = 2024
NEW_PATHS = {
    "/api/enterprises",
    "/api/enterprises/{uscc}",
    "/api/indicators",
    "/api/indicators/{key}",
    "/api/indicators/{key}/values",
    "/api/indicators/{key}/enterprises",
    "/api/survey/batches",
    "/api/survey/batches/{batch_id}",
    "/api/survey/import",
}


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


def all_pages(client, url, headers):
    """Every item of a paginated list, following the pages."""
    items, page = [], 1
    while True:
        sep = "&" if "?" in url else "?"
        response = client.get(f"{url}{sep}page={page}&page_size=100", **headers)
        assert response.status_code == 200, response.content
        data = response.json()
        items += data["items"]
        if page >= data["pages"]:
            return data, items
        page += 1


@pytest.fixture
def outside_jinan():
    return Enterprise.objects.exclude(city__code="370100").order_by("uscc").first()


# -- the schema --------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_new_paths(client):
    schema = client.get("/api/openapi.json").json()
    assert NEW_PATHS <= set(schema["paths"])
    upload = schema["paths"]["/api/survey/import"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "422", "403"} <= set(upload["responses"])
    components = schema["components"]["schemas"]
    returns = components["ReturnOut"]["properties"]["values"]
    assert "万元" in returns["description"]
    assert components["BatchOut"]["properties"]["sha256"]["description"]
    assert components["ValueOut"]["properties"]["value"]["description"]
    assert components["CellErrorOut"]["properties"]["message"]["description"]
    enterprise_list = schema["paths"]["/api/enterprises"]["get"]
    assert {p["name"] for p in enterprise_list["parameters"]} >= {
        "city",
        "park",
        "segment",
        "tag",
        "q",
        "page",
    }


# -- enterprises -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_enterprise_list_shows_only_the_role_scope(
    survey_population, client, token_for, personas, role
):
    headers = token_for(role)
    response = client.get("/api/enterprises", **headers)
    if role not in SEES_ENTERPRISES:
        assert response.status_code == 403
        assert response.json() == {"detail": "forbidden"}
        return
    data, items = all_pages(client, "/api/enterprises", headers)
    expected = {e.uscc for e in expected_enterprises(role, personas)}
    assert data["count"] == data["total_in_scope"] == len(expected)
    assert [i["uscc"] for i in items if i["uscc"] not in expected] == []
    assert {i["uscc"] for i in items} == expected and len(items) == len(expected)


@pytest.mark.parametrize("role", ROLES)
def test_an_enterprise_is_open_only_within_scope(
    survey_population, client, token_for, personas, role, outside_jinan
):
    headers = token_for(role)
    own = Enterprise.objects.filter(synthetic=True).order_by("uscc").first()
    in_jinan = Enterprise.objects.filter(city__code="370100").order_by("uscc").first()
    for e in {own, in_jinan, outside_jinan}:
        response = client.get(f"/api/enterprises/{e.uscc}", **headers)
        if role not in SEES_ENTERPRISES:
            assert response.status_code == 403
        elif e in expected_enterprises(role, personas):
            assert response.status_code == 200
            assert response.json()["name"] == e.name
        else:
            assert response.status_code == 404, (role, e.uscc)
            assert e.name not in response.content.decode()
    unknown = client.get("/api/enterprises/91370000XXXXXXXXXX", **headers)
    assert unknown.status_code == (403 if role not in SEES_ENTERPRISES else 404)


def test_a_city_token_never_sees_another_city_enterprise(
    survey_population, client, token_for, outside_jinan
):
    jinan = token_for("jinan")
    assert client.get(f"/api/enterprises/{outside_jinan.uscc}", **jinan).status_code == 404
    by_code = client.get(f"/api/enterprises?q={outside_jinan.uscc}", **jinan).json()
    assert by_code["count"] == 0 and by_code["items"] == []
    other_city = client.get(f"/api/enterprises?city={outside_jinan.city.code}", **jinan).json()
    assert other_city["count"] == 0
    admin = client.get(f"/api/enterprises/{outside_jinan.uscc}", **token_for("admin"))
    assert admin.status_code == 200


def test_the_list_filters_like_the_page(survey_population, client, token_for, client_for):
    headers = token_for("admin")
    page = client_for("admin")

    def found(query):
        _data, items = all_pages(client, f"/api/enterprises?{query}", headers)
        usccs = {i["uscc"] for i in items}
        listed = page.get(f"/enterprises/?{query}").context["page"].paginator.object_list
        assert usccs == {e.uscc for e in listed}, query  # the same helper, the same answer
        return usccs

    def uscc_of(qs):
        return set(qs.values_list("uscc", flat=True))

    assert found("city=370100") == uscc_of(Enterprise.objects.filter(city__code="370100"))
    parked = Enterprise.objects.exclude(park=None).first()
    assert found(f"park={parked.park.key}") == uscc_of(Enterprise.objects.filter(park=parked.park))
    assert found("segment=services") == uscc_of(Enterprise.objects.filter(segment="services"))
    holder = Tag.objects.filter(kind="leading", revoked_on=None).first().enterprise
    assert holder.uscc in found("tag=leading")
    e = Enterprise.objects.order_by("uscc")[7]
    assert e.uscc in found(f"q={e.name[2:8]}")
    assert found(f"q={e.uscc.lower()}") == {e.uscc}
    FormerName.objects.create(enterprise=e, name="旧名称测试有限公司")
    assert found("q=旧名称测试") == {e.uscc}
    assert found("city=370100&segment=services") == uscc_of(
        Enterprise.objects.filter(city__code="370100", segment="services")
    )


def test_a_listed_enterprise_carries_its_city_park_and_tags(survey_population, client, token_for):
    holder = Tag.objects.filter(kind="leading", revoked_on=None).first().enterprise
    data = client.get(f"/api/enterprises?q={holder.uscc}", **token_for("admin")).json()
    (item,) = data["items"]
    assert item["city"] == {
        "code": holder.city.code,
        "name": {"zh": holder.city.name_zh, "en": holder.city.name_en},
    }
    assert "leading" in item["tags"]
    assert item["latest_year"] == 2024 and item["synthetic"] is True
    assert item["industry"] == holder.industry.code


def test_bad_list_parameters_are_clear_errors(survey_population, client, token_for):
    headers = token_for("admin")
    assert client.get("/api/enterprises?segment=nope", **headers).status_code == 422
    assert client.get("/api/enterprises?tag=nope", **headers).status_code == 422
    assert client.get("/api/enterprises?page=0", **headers).status_code == 422
    assert client.get("/api/enterprises?page_size=501", **headers).status_code == 422
    beyond = client.get("/api/enterprises?page=99", **headers)
    assert beyond.status_code == 404 and "page" in beyond.json()["detail"]
    assert client.get("/api/enterprises?page_size=500", **headers).json()["pages"] == 1


def test_the_detail_has_registry_tags_former_names_and_returns(
    survey_population, client, token_for
):
    tagged = Tag.objects.select_related("enterprise").first().enterprise
    FormerName.objects.create(enterprise=tagged, name="曾用名示例有限公司")
    data = client.get(f"/api/enterprises/{tagged.uscc.lower()}", **token_for("admin")).json()
    assert data["uscc"] == tagged.uscc and data["county_code"] == tagged.county_code
    assert data["industry"]["code"] == tagged.industry.code
    assert data["segment"] == tagged.segment and data["segment_label"]["zh"]
    assert data["segment_label"]["en"] != data["segment_label"]["zh"]
    assert [f["name"] for f in data["former_names"]] == ["曾用名示例有限公司"]
    tags = {(t["kind"], t["granted_on"]) for t in data["tags"]}
    assert tags == {(t.kind, t.granted_on.isoformat()) for t in tagged.tags.all()}
    assert all(t["label"]["zh"] and t["label"]["en"] for t in data["tags"])
    assert [r["year"] for r in data["returns"]] == [2023, 2024]
    assert {r["status"] for r in data["returns"]} == {"approved"}
    stored = tagged.returns.get(year=2024)
    values = data["returns"][1]["values"]
    assert values["employees"] == stored.employees
    assert values["major_violation"] is stored.major_violation
    assert values["total_revenue"] == (
        None if stored.total_revenue is None else format(stored.total_revenue, "f")
    )
    assert "year" not in values and "uscc" not in values


def test_money_is_exact_decimal_text_not_a_rounded_float(survey_population, client, token_for):
    e = Enterprise.objects.order_by("uscc").first()
    ret = e.returns.get(year=2024)
    # 15 significant digits: what Django keeps of a decimal on SQLite; PostgreSQL keeps all 18
    ret.total_revenue = Decimal("9876543210123.45")
    ret.profit = Decimal("-0.10")
    ret.save()
    values = client.get(f"/api/enterprises/{e.uscc}", **token_for("admin")).json()["returns"][1]
    assert values["values"]["total_revenue"] == "9876543210123.45"
    assert values["values"]["profit"] == "-0.10"  # the stored scale, not the float -0.1


# -- indicators --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_definitions_and_values_are_public(survey_population, client, token_for, role):
    headers = token_for(role)
    listing = client.get("/api/indicators", **headers)
    assert listing.status_code == 200
    assert [i["key"] for i in listing.json()] == kpis.indicators().keys()
    values = client.get(f"/api/indicators/{INDICATOR}/values?year=2024&scope=370000", **headers)
    assert values.status_code == 200
    stored = IndicatorValue.objects.get(indicator=INDICATOR, scope_key="370000", year=2024)
    (v,) = values.json()["values"]
    assert float(v["value"]) == stored.value and v["n_enterprises"] == stored.n_enterprises
    assert "uscc" not in values.content.decode() and "9137" not in values.content.decode()


def test_the_indicators_carry_definitions_units_and_bound_targets(client):
    data = client.get("/api/indicators").json()
    assert len(data) == len(kpis.indicators()) == 29
    by_key = {i["key"]: i for i in data}
    revenue = by_key[INDICATOR]
    ind = kpis.indicators()[INDICATOR]
    assert revenue["label"] == {"zh": ind.label.zh, "en": ind.label.en}
    assert revenue["definition"]["zh"] == ind.definition.zh
    assert revenue["unit"] == {"zh": ind.unit.zh, "en": ind.unit.en}
    assert {t["key"] for t in revenue["targets"]} == {b.target for b in ind.binds}
    bound = next(t for t in revenue["targets"] if t["scope"]["key"] == "park-taian-feicheng")
    assert bound["plan"] == "shandong-311" and bound["exists"] and bound["text"]["zh"]
    assert bound["scope"]["kind"] == "park" and bound["scope"]["name"]["zh"]
    assert by_key["enterprise_count"]["caveat"]["en"]
    one = client.get(f"/api/indicators/{INDICATOR}").json()
    assert one == revenue
    assert client.get("/api/indicators/no_such_indicator").status_code == 404


def test_values_are_the_stored_values_by_scope_and_year(survey_population, client):
    everything = client.get(f"/api/indicators/{INDICATOR}/values").json()
    assert everything["years"] == [2024, 2023]
    assert len(everything["values"]) == IndicatorValue.objects.filter(indicator=INDICATOR).count()
    assert everything["values"][0]["scope"]["kind"] == "province"
    city = client.get(f"/api/indicators/{INDICATOR}/values?scope=370100").json()["values"]
    assert [v["year"] for v in city] == [2023, 2024]
    for v in city:
        stored = IndicatorValue.objects.get(indicator=INDICATOR, scope_key="370100", year=v["year"])
        assert Decimal(v["value"]) == Decimal(repr(stored.value))
        assert v["display"] == f"{stored.value:,.2f}"
        assert v["scope"]["name"]["zh"] == "济南市"
    parks = client.get(f"/api/indicators/{INDICATOR}/values?year=2023").json()["values"]
    assert {v["year"] for v in parks} == {2023}
    assert client.get(f"/api/indicators/{INDICATOR}/values?year=1990").status_code == 422
    bad_scope = client.get(f"/api/indicators/{INDICATOR}/values?scope=nowhere")
    assert bad_scope.status_code == 422 and "nowhere" in bad_scope.json()["detail"]
    assert client.get("/api/indicators/nope/values").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_drill_down_is_for_officials_within_their_scope(
    survey_population, client, token_for, personas, role
):
    headers = token_for(role)
    url = f"/api/indicators/{INDICATOR}/enterprises?scope=370000&year=2024"
    response = client.get(url, **headers)
    if role not in OFFICIALS:
        assert response.status_code == 403
        return
    data, items = all_pages(client, url, headers)
    stored = IndicatorValue.objects.get(indicator=INDICATOR, scope_key="370000", year=2024)
    assert data["total_enterprises"] == stored.n_enterprises
    usccs = {i["uscc"] for i in items}
    allowed = {e.uscc for e in expected_enterprises(role, personas)}
    assert usccs <= allowed
    assert data["hidden_enterprises"] == stored.n_enterprises - len(usccs)
    if role in ("admin", "dept"):
        assert len(usccs) == stored.n_enterprises and data["hidden_enterprises"] == 0
    else:
        assert data["hidden_enterprises"] > 0


def test_a_city_bureau_drills_down_to_its_own_enterprises_only(
    survey_population, client, token_for
):
    url = f"/api/indicators/{INDICATOR}/enterprises?scope=370000&year=2024"
    data, items = all_pages(client, url, token_for("jinan"))
    assert items and {i["city"] for i in items} == {"370100"}
    assert data["count"] == len(items) < data["total_rows"]


def test_the_drill_down_states_the_returns_exactly(survey_population, client, token_for):
    headers = token_for("admin")
    url = f"/api/indicators/{INDICATOR}/enterprises?scope=370100&year=2024"
    data, items = all_pages(client, url, headers)
    stored = IndicatorValue.objects.get(indicator=INDICATOR, scope_key="370100", year=2024)
    assert data["count"] == stored.n_enterprises == len(items)
    assert data["scope"] == {
        "key": "370100",
        "kind": "city",
        "name": {"zh": "济南市", "en": data["scope"]["name"]["en"]},
    }
    keys = [c["key"] for c in data["columns"]]
    assert keys == ["env_revenue_manufacturing", "env_revenue_services", "env_revenue_resource"]
    returns = {
        r.enterprise.uscc: r
        for r in AnnualReturn.objects.filter(year=2024, enterprise__city__code="370100")
    }
    total = Decimal(0)
    for item in items:
        assert item["year"] == 2024
        for key in keys:
            expected = getattr(returns[item["uscc"]], key)
            got = item["values"][key]
            assert got == (None if expected is None else format(expected, "f"))
            total += Decimal(got or 0)
    assert float(total / 10000) == pytest.approx(stored.value)
    first = client.get(f"{url}&page_size=10", **headers).json()
    second = client.get(f"{url}&page_size=10&page=2", **headers).json()
    assert len(first["items"]) == 10 and first["pages"] == -(-stored.n_enterprises // 10)
    assert not {i["uscc"] for i in first["items"]} & {i["uscc"] for i in second["items"]}


def test_the_drill_down_defaults_and_checks_its_parameters(survey_population, client, token_for):
    headers = token_for("admin")
    default = client.get(f"/api/indicators/{INDICATOR}/enterprises", **headers).json()
    assert default["year"] == 2024 and default["scope"]["key"] == "370000"
    assert default["part"] == "numerator"
    url = f"/api/indicators/{INDICATOR}/enterprises"
    assert client.get(f"{url}?scope=nowhere", **headers).status_code == 422
    assert client.get(f"{url}?part=both", **headers).status_code == 422
    assert client.get("/api/indicators/nope/enterprises", **headers).status_code == 404


def test_a_share_drills_down_to_numerator_or_denominator(survey_population, client, token_for):
    headers = token_for("admin")
    url = "/api/indicators/leading_share_manufacturing/enterprises?scope=370000&year=2024"
    numerator = client.get(url, **headers).json()
    denominator = client.get(f"{url}&part=denominator", **headers).json()
    assert numerator["part"] == "numerator" and denominator["part"] == "denominator"
    assert 0 < numerator["total_enterprises"] < denominator["total_enterprises"]
    assert "tags" in [c["key"] for c in numerator["columns"]]
    assert all("leading" in i["values"]["tags"] for i in numerator["items"])
    # a count has no denominator: the numerator is listed, as on the page
    count = client.get(
        "/api/indicators/enterprise_count/enterprises?part=denominator", **headers
    ).json()
    assert count["part"] == "numerator"


# -- the import ledger -------------------------------------------------------------------


@pytest.fixture
def workbooks(tmp_path, settings, factories):
    """A good and a bad workbook of synthetic enterprises new to the registry (the session's
    population is there already) for 2024; uploads go to tmp_path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    load_industry_codes()
    generated = generate(PopulationSpec(enterprises=60, years=(YEAR,), seed=15)).returns(YEAR)
    rows = factories.unregistered(list(generated))
    good = tmp_path / "returns-2024.xlsx"
    write_returns_workbook(good, rows, year=YEAR)
    bad_rows = [dict(r) for r in rows]
    bad_rows[1]["total_revenue"] = -5
    bad_rows[2]["city_code"] = "379900"
    bad_rows[3]["uscc"] = bad_rows[4]["uscc"]
    bad = tmp_path / "returns-2024-bad.xlsx"
    write_returns_workbook(bad, bad_rows, year=YEAR)
    return {"good": good, "bad": bad, "rows": rows, "media": settings.MEDIA_ROOT}


def upload(client, path, headers, year=YEAR, approve=True):
    with open(path, "rb") as fh:
        data = {"file": fh, "year": year}
        if approve:
            data["approve"] = "true"
        return client.post("/api/survey/import", data, **headers)


@pytest.fixture
def rejected_batch(client, token_for, workbooks):
    response = upload(client, workbooks["bad"], token_for("admin"))
    assert response.status_code == 422
    return ImportBatch.objects.get(pk=response.json()["batch"]["id"])


@pytest.mark.parametrize("role", ROLES)
def test_the_ledger_is_for_the_administrator_and_departments(
    client, token_for, rejected_batch, role
):
    headers = token_for(role)
    listing = client.get("/api/survey/batches", **headers)
    one = client.get(f"/api/survey/batches/{rejected_batch.pk}", **headers)
    if role not in LEDGER:
        assert listing.status_code == one.status_code == 403
        return
    assert listing.status_code == one.status_code == 200
    (entry,) = listing.json()["items"]
    assert entry["id"] == rejected_batch.pk and entry["outcome"] == "rejected"
    assert entry["sha256"] == rejected_batch.sha256 and entry["imported_by"] == "admin"
    detail = one.json()
    assert detail["n_errors"] == len(detail["errors"]) == len(rejected_batch.errors)
    assert client.get("/api/survey/batches/999999", **headers).status_code == 404


def test_a_batch_lists_its_errors_located_in_both_languages(client, token_for, rejected_batch):
    detail = client.get(f"/api/survey/batches/{rejected_batch.pk}", **token_for("dept")).json()
    assert {"negative", "unknown_city", "duplicate_enterprise"} <= {
        e["code"] for e in detail["errors"]
    }
    negative = next(e for e in detail["errors"] if e["code"] == "negative")
    assert (negative["row"], negative["column"], negative["field"]) == (4, "J", "total_revenue")
    assert negative["value"] == "-5" and negative["sheet"]
    assert negative["message"]["zh"].startswith("第 4 行 J 列「营业收入」")
    assert negative["message"]["en"].startswith("Row 4, column J (operating revenue)")
    assert detail["errors_truncated"] is False


# -- the import --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_administrator_imports(client, token_for, workbooks, role):
    registry = Enterprise.objects.count()  # the session's survey population
    response = upload(client, workbooks["good"], token_for(role))
    if role == "admin":
        assert response.status_code == 201, response.content
        assert ImportBatch.objects.count() == 1
        assert Enterprise.objects.count() == registry + len(workbooks["rows"])
    else:
        assert response.status_code == 403
        assert ImportBatch.objects.count() == 0 and Enterprise.objects.count() == registry


def test_a_session_alone_cannot_import(personas, workbooks):
    """Without its CSRF token (the default test client would skip the check)."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas["admin"])
    response = upload(browser, workbooks["good"], {"HTTP_AUTHORIZATION": "Basic YWRtaW46cHc="})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert ImportBatch.objects.count() == 0


def test_a_good_workbook_imports_through_the_api(client, token_for, workbooks):
    headers = token_for("admin")
    province = IndicatorValue.objects.filter(
        indicator="enterprise_count", scope_key="370000", year=YEAR
    )
    before = province.get().value  # the session population's
    response = upload(client, workbooks["good"], headers)
    assert response.status_code == 201
    body = response.json()
    batch = ImportBatch.objects.get()
    assert body["id"] == batch.pk and body["outcome"] == "applied"
    assert body["created"] == len(workbooks["rows"]) and body["errors"] == []
    assert isinstance(body["warnings"], list)
    imported = AnnualReturn.objects.filter(batch=batch, year=YEAR, status="approved")
    assert imported.count() == body["created"]
    assert province.get().value == before + body["created"]  # recomputed
    stored = workbooks["media"] / "imports" / f"{batch.pk}.xlsx"
    assert stored.read_bytes() == workbooks["good"].read_bytes()
    again = upload(client, workbooks["good"], headers, approve=False).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, body["created"])
    ledger = client.get("/api/survey/batches", **headers).json()
    assert [b["id"] for b in ledger["items"]] == [again["id"], batch.pk]


def test_a_bad_workbook_is_rejected_whole_and_changes_nothing(client, token_for, workbooks):
    headers = token_for("admin")
    assert upload(client, workbooks["good"], headers, approve=False).status_code == 201
    before = list(AnnualReturn.objects.order_by("pk").values())
    enterprises = list(Enterprise.objects.order_by("pk").values())
    response = upload(client, workbooks["bad"], headers)
    assert response.status_code == 422
    body = response.json()
    assert "rejected" in body["detail"]
    batch = body["batch"]
    assert batch["outcome"] == "rejected" and batch["created"] == batch["updated"] == 0
    assert {"negative", "unknown_city", "duplicate_enterprise"} <= {
        e["code"] for e in batch["errors"]
    }
    assert all(e["row"] and e["column"] and e["message"]["zh"] for e in batch["errors"])
    assert list(AnnualReturn.objects.order_by("pk").values()) == before
    assert list(Enterprise.objects.order_by("pk").values()) == enterprises
    assert not AnnualReturn.objects.filter(batch__isnull=False, status="approved").exists()
    assert ImportBatch.objects.get(pk=batch["id"]).outcome == "rejected"


def test_the_upload_is_checked_like_the_form(client, token_for, workbooks, tmp_path):
    headers = token_for("admin")
    text = tmp_path / "returns.csv"
    text.write_text("uscc,name\n")
    response = upload(client, text, headers)
    assert response.status_code == 422
    assert "file" in response.json()["detail"]
    response = upload(client, workbooks["good"], headers, year=1990)
    assert response.status_code == 422 and "year" in response.json()["detail"]
    missing = client.post("/api/survey/import", {"year": YEAR}, **headers)
    assert missing.status_code == 422
    assert ImportBatch.objects.count() == 0


def test_a_file_that_is_not_a_workbook_is_rejected_not_a_crash(
    client, token_for, workbooks, tmp_path
):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"this is not a workbook")
    registry = Enterprise.objects.count()  # the session's survey population
    response = upload(client, junk, token_for("admin"))
    assert response.status_code == 422
    assert response.json()["batch"]["outcome"] == "rejected"
    assert Enterprise.objects.count() == registry
