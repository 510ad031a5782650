"""The survey, enterprise and indicator pages show what the data says, in both languages."""

import io
import json
import re

import pytest
from django.utils.html import escape
from openpyxl import load_workbook

from eco311.enterprises import kpis, uploads
from eco311.enterprises.models import (
    AnnualReturn,
    Enterprise,
    FormerName,
    ImportBatch,
    IndicatorValue,
    Tag,
)
from eco311.enterprises.reference import load_industry_codes
from eco311.enterprises.survey.dictionary import load_dictionary
from eco311.enterprises.survey.synthetic import PopulationSpec, generate
from eco311.enterprises.survey.workbook import write_returns_workbook
from eco311.geo.models import Area

pytestmark = pytest.mark.django_db
YEAR = 2024


def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def json_script(body: str, element_id: str):
    m = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', body, re.S)
    assert m, element_id
    return json.loads(m.group(1))


# -- the survey home ---------------------------------------------------------------------


def test_the_survey_home_lists_the_data_dictionary(client):
    body = client.get("/survey/").content.decode()
    d = load_dictionary()
    table = body[body.index('data-testid="dictionary"') :]
    for f in d.fields:
        assert escape(f.label.zh) in table and escape(f.definition.zh) in table
        assert f"<code>{f.key}</code>" in table
    assert "万元" in table
    assert d.title.zh in body
    assert 'href="/survey/template.xlsx"' in body


def test_the_survey_home_in_english(client):
    body = english(client).get("/survey/").content.decode()
    d = load_dictionary()
    for f in d.fields:
        assert escape(f.label.en) in body and escape(f.definition.en) in body
    assert "10k yuan" in body
    assert "Data dictionary" in body


def test_the_template_is_generated_from_the_dictionary(client):
    response = client.get("/survey/template.xlsx?year=2024")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "eco311-survey-template-2024.xlsx" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    headings = [c.value for c in wb.worksheets[0][1]]
    d = load_dictionary()
    assert len([h for h in headings if h]) == len(d.fields)
    assert any("统一社会信用代码" in h for h in headings if h)
    english_first = english(client).get("/survey/template.xlsx").content
    first_row = [c.value for c in load_workbook(io.BytesIO(english_first)).worksheets[0][1]]
    assert any("Unified social credit code" in h for h in first_row if h)


# -- uploads -----------------------------------------------------------------------------


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
    rows[1]["total_revenue"] = -5
    rows[2]["city_code"] = "379900"
    rows[3]["uscc"] = rows[4]["uscc"]
    bad = tmp_path / "returns-2024-bad.xlsx"
    write_returns_workbook(bad, rows, year=YEAR)
    return {"good": good, "bad": bad, "rows": rows, "media": settings.MEDIA_ROOT}


def upload(client, path, year=YEAR, approve=True):
    with open(path, "rb") as fh:
        data = {"file": fh, "year": year}
        if approve:
            data["approve"] = "on"
        return client.post("/survey/import/", data)


def test_a_good_workbook_imports_and_shows_in_the_ledger(client_for, workbooks):
    admin = client_for("admin")
    province = IndicatorValue.objects.filter(
        indicator="enterprise_count", scope_key="370000", year=YEAR
    )
    before = province.get().value  # the session population's
    response = upload(admin, workbooks["good"])
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/survey/import/{batch.pk}/"
    assert batch.outcome == "applied" and batch.created == len(workbooks["rows"])
    assert batch.imported_by.username == "admin"
    imported = AnnualReturn.objects.filter(batch=batch, year=YEAR, status="approved")
    assert imported.count() == batch.created
    assert province.get().value == before + batch.created  # recomputed
    stored = workbooks["media"] / "imports" / f"{batch.pk}.xlsx"
    assert stored.read_bytes() == workbooks["good"].read_bytes()

    page = admin.get(response["Location"]).content.decode()
    assert 'data-testid="outcome"' in page and "已导入" in page
    assert 'data-testid="marked-link"' not in page
    ledger = admin.get("/survey/").content.decode()
    ledger = ledger[ledger.index('data-testid="ledger"') :]
    assert "returns-2024.xlsx" in ledger and batch.sha256[:12] in ledger
    assert f'<td class="num">{batch.created}</td>' in ledger

    again = upload(admin, workbooks["good"])
    second = ImportBatch.objects.order_by("-pk").first()
    assert again.status_code == 302
    assert (second.created, second.updated, second.unchanged) == (0, 0, batch.created)


def test_a_bad_workbook_is_rejected_with_located_errors_in_the_user_language(client_for, workbooks):
    admin = client_for("admin")
    registry = Enterprise.objects.count()  # the session population
    response = upload(admin, workbooks["bad"])
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert batch.outcome == "rejected" and Enterprise.objects.count() == registry
    page = admin.get(response["Location"]).content.decode()
    errors = page[page.index('data-testid="errors"') :]
    assert "第 4 行 J 列「营业收入」" in errors  # rows[1] is Excel row 4
    assert "379900" in errors and "重复" in errors
    assert f'href="/survey/import/{batch.pk}/errors.xlsx"' in page

    marked = admin.get(f"/survey/import/{batch.pk}/errors.xlsx")
    assert marked.status_code == 200
    assert f"returns-2024-bad-errors-{batch.pk}.xlsx" in marked["Content-Disposition"]
    wb = load_workbook(io.BytesIO(marked.content))
    assert wb.active.title == "错误清单 Errors"
    messages = [r[-1] for r in wb.active.iter_rows(min_row=2, values_only=True)]
    assert len(messages) == len(batch.errors) and any("不能为负数" in m for m in messages)
    returns = wb.worksheets[0]
    assert returns["J4"].comment is not None and returns["J4"].fill.fgColor.rgb.endswith("FFC7CE")

    english(admin)
    page = admin.get(response["Location"]).content.decode()
    assert "Row 4, column J (operating revenue)" in page
    marked_en = load_workbook(
        io.BytesIO(admin.get(f"/survey/import/{batch.pk}/errors.xlsx").content)
    )
    assert any("negative" in (r[-1] or "") for r in marked_en.active.iter_rows(values_only=True))


def test_the_marked_workbook_needs_the_kept_file(client_for, workbooks):
    admin = client_for("admin")
    upload(admin, workbooks["bad"])
    batch = ImportBatch.objects.get()
    path = uploads.stored_path(batch)
    path.write_bytes(b"another file")  # e.g. left over from another database
    assert admin.get(f"/survey/import/{batch.pk}/errors.xlsx").status_code == 404
    path.unlink()
    assert admin.get(f"/survey/import/{batch.pk}/errors.xlsx").status_code == 404
    applied = ImportBatch.objects.create(
        file_name="x.xlsx", sha256="0" * 64, year=YEAR, outcome="applied"
    )
    assert admin.get(f"/survey/import/{applied.pk}/errors.xlsx").status_code == 404
    assert admin.get("/survey/import/999999/").status_code == 404


def test_warnings_are_shown_once_after_an_applied_import(client_for, workbooks, tmp_path):
    rows = list(generate(PopulationSpec(enterprises=60, years=(YEAR,), seed=5)).returns(YEAR))
    row = next(r for r in rows if r.get("main_product_capacity"))
    row["main_product_output"] = row["main_product_capacity"] * 3
    path = tmp_path / "warned.xlsx"
    write_returns_workbook(path, rows, year=YEAR)
    admin = client_for("admin")
    response = upload(admin, path)
    batch = ImportBatch.objects.get()
    assert batch.outcome == "applied"
    page = admin.get(response["Location"]).content.decode()
    warnings = page[page.index('data-testid="import-warnings"') :]
    assert "1.5" in warnings or "生产能力" in warnings
    assert 'data-testid="import-warnings"' not in admin.get(response["Location"]).content.decode()


def test_a_long_error_list_is_checked_again_for_the_marked_workbook(
    client_for, workbooks, monkeypatch
):
    from eco311.enterprises import importer

    monkeypatch.setattr(importer, "KEEP_ERRORS", 2)  # the ledger keeps the first two only
    admin = client_for("admin")
    upload(admin, workbooks["bad"])
    batch = ImportBatch.objects.get()
    assert len(batch.errors) == 2 and uploads.truncated(batch)
    page = admin.get(f"/survey/import/{batch.pk}/").content.decode()
    assert "台账仅保存前若干条错误" in page
    marked = load_workbook(io.BytesIO(admin.get(f"/survey/import/{batch.pk}/errors.xlsx").content))
    assert marked.active.max_row - 1 > 2  # every error, not just the two kept


def test_the_upload_form_checks_its_input(client_for, workbooks, tmp_path):
    admin = client_for("admin")
    text = tmp_path / "returns.csv"
    text.write_text("uscc,name\n")
    response = upload(admin, text)
    assert response.status_code == 400
    assert "请以 .xlsx 文件上传调查表" in response.content.decode()
    response = upload(admin, workbooks["good"], year=1990)
    assert response.status_code == 400
    assert ImportBatch.objects.count() == 0


def test_a_file_that_is_not_a_workbook_is_rejected_not_a_crash(client_for, workbooks, tmp_path):
    admin = client_for("admin")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"this is not a workbook")
    response = upload(admin, junk)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.outcome == "rejected"
    assert admin.get(response["Location"]).status_code == 200
    assert admin.get(f"/survey/import/{batch.pk}/errors.xlsx").status_code == 404


# -- the enterprise directory ------------------------------------------------------------


def test_the_list_is_paginated_by_fifty(survey_population, client_for):
    c = client_for("admin")
    first = c.get("/enterprises/")
    assert first.context["page"].paginator.count == 200
    assert len(first.context["page"]) == 50
    assert 'data-testid="pagination"' in first.content.decode()
    last = c.get("/enterprises/?page=4")
    assert len(last.context["page"]) == 50
    seen = {e.pk for p in range(1, 5) for e in c.get(f"/enterprises/?page={p}").context["page"]}
    assert len(seen) == 200


def test_the_list_filters(survey_population, client_for):
    c = client_for("admin")

    def found(query):
        response = c.get(f"/enterprises/?{query}")
        return {e.pk for e in response.context["page"].paginator.object_list}

    assert found("city=370100") == set(
        Enterprise.objects.filter(city__code="370100").values_list("pk", flat=True)
    )
    parked = Enterprise.objects.exclude(park=None).first()
    assert found(f"park={parked.park.key}") == set(
        Enterprise.objects.filter(park=parked.park).values_list("pk", flat=True)
    )
    assert found("segment=services") == set(
        Enterprise.objects.filter(segment="services").values_list("pk", flat=True)
    )
    holder = Tag.objects.filter(kind="leading", revoked_on=None).first().enterprise
    assert holder.pk in found("tag=leading")
    assert found("tag=leading") <= set(
        Tag.objects.filter(kind="leading").values_list("enterprise_id", flat=True)
    )
    e = Enterprise.objects.order_by("uscc")[7]
    assert found(f"q={e.name[2:8]}") >= {e.pk}
    assert found(f"q={e.uscc.lower()}") == {e.pk}
    FormerName.objects.create(enterprise=e, name="旧名称测试有限公司")
    assert found("q=旧名称测试") == {e.pk}
    assert found("city=370100&segment=services") == set(
        Enterprise.objects.filter(city__code="370100", segment="services").values_list(
            "pk", flat=True
        )
    )
    body = c.get("/enterprises/?q=nothing-matches-this").content.decode()
    assert "没有符合条件的企业" in body


def test_the_profile_shows_registry_returns_tags_and_history(survey_population, client_for):
    tagged = Tag.objects.select_related("enterprise").first().enterprise
    c = client_for("admin")
    ret = tagged.returns.get(year=2024)
    ret.employees = (ret.employees or 0) + 11
    ret.save()
    FormerName.objects.create(enterprise=tagged, name="曾用名示例有限公司")
    body = c.get(f"/enterprises/{tagged.uscc}/").content.decode()
    registry = body[body.index('data-testid="registry"') :]
    assert tagged.uscc in registry and tagged.city.name_zh in registry
    assert tagged.industry.code in registry
    assert "曾用名示例有限公司" in body
    tags = body[body.index('data-testid="tags"') :]
    for t in tagged.tags.all():
        assert t.granted_on.isoformat() in tags
    returns = body[body.index('data-testid="returns"') :]
    assert '<th class="num">2023</th>' in returns and '<th class="num">2024</th>' in returns
    assert "营业收入" in returns and "万元" in returns
    assert f"{ret.employees:,}" in returns
    history = body[body.index('data-testid="history"') :]
    assert "2024 年度年报" in history and "年末从业人员" in history
    assert f"→ <ins>{ret.employees:,}</ins>" in history
    body_en = english(c).get(f"/enterprises/{tagged.uscc}/").content.decode()
    assert "Operating revenue" in body_en and "Annual return 2024" in body_en


def test_the_enterprise_user_sees_its_own_profile(survey_population, client_for):
    own = Enterprise.objects.filter(synthetic=True).order_by("uscc").first()
    c = client_for("enterprise")
    listing = c.get("/enterprises/")
    assert [e.pk for e in listing.context["page"]] == [own.pk]
    assert c.get(f"/enterprises/{own.uscc}/").status_code == 200
    assert c.get(f"/enterprises/{own.uscc.lower()}/").status_code == 200
    account = c.get("/accounts/").content.decode()
    assert f'href="/enterprises/{own.uscc}/" data-testid="own-enterprise"' in account


# -- indicator pages ---------------------------------------------------------------------


def test_the_indicator_list_shows_every_province_value_for_the_latest_year(
    survey_population, client
):
    response = client.get("/kpi/")
    assert response.context["year"] == 2024 and response.context["years"] == [2024, 2023]
    body = response.content.decode()
    for ind in kpis.indicators():
        assert f'data-indicator="{ind.key}"' in body
        assert escape(ind.label.zh) in body and escape(ind.unit.zh) in body
    stored = IndicatorValue.objects.get(
        indicator="env_revenue_total", scope_key="370000", year=2024
    )
    assert f"<strong>{stored.value:,.2f}</strong>" in body
    assert "/plans/shandong-311/targets/" in body  # bound targets link to their pages
    older = client.get("/kpi/?year=2023").content.decode()
    v2023 = IndicatorValue.objects.get(indicator="env_revenue_total", scope_key="370000", year=2023)
    assert f"<strong>{v2023.value:,.2f}</strong>" in older
    assert client.get("/kpi/?year=1999").context["year"] == 2024


def test_the_indicator_list_without_returns(client):
    # The session population's returns, back under review (the test's rollback restores them).
    AnnualReturn.objects.update(status=AnnualReturn.Status.SUBMITTED)
    kpis.recompute()
    body = client.get("/kpi/").content.decode()
    assert "尚无审核通过的年报" in body


def test_an_indicator_page_shows_definition_values_map_and_comparison(survey_population, client):
    ind = kpis.indicators()["enterprise_count"]
    response = client.get("/kpi/enterprise_count/")
    body = response.content.decode()
    assert escape(ind.definition.zh) in body and escape(ind.caveat.zh) in body
    series = body[body.index('data-testid="series"') :]
    for v in IndicatorValue.objects.filter(indicator="enterprise_count", scope_key="370000"):
        assert f'<td class="num">{v.value:,.0f}</td>' in series
    city_map = json_script(body, "city-map")
    assert len(city_map["data"]) == 16
    jinan = next(d for d in city_map["data"] if d["adcode"] == "370100")
    assert (
        jinan["value"]
        == IndicatorValue.objects.get(
            indicator="enterprise_count", scope_key="370100", year=2024
        ).value
    )
    comparison = response.context["comparison"]
    assert {r.key for r in comparison} == {
        a.key for a in Area.objects.filter(kind__in=["cluster", "park"])
    }
    chart = json_script(body, "comparison-chart")
    assert len(chart["categories"]) == len(comparison)
    assert 'data-testid="bound-targets"' in body


def test_an_indicator_page_for_a_city_and_a_park(survey_population, client_for):
    c = client_for("admin")
    city = c.get("/kpi/env_revenue_total/?scope=370100&year=2023")
    assert city.context["scope"] == "370100" and city.context["year"] == 2023
    stored = IndicatorValue.objects.get(
        indicator="env_revenue_total", scope_key="370100", year=2023
    )
    assert city.context["current"].value == stored.value
    drill = city.context["drill"]
    assert drill.total_enterprises == stored.n_enterprises == len(drill.rows)
    assert {m.enterprise.city.code for m in drill.rows} == {"370100"}
    assert all(m.year == 2023 for m in drill.rows)
    park = c.get("/kpi/env_revenue_total/?scope=park-taian-feicheng")
    assert park.context["scope"] == "park-taian-feicheng"
    assert 'data-testid="target-here"' in park.content.decode()  # 3-6-2-a is bound there
    unknown = c.get("/kpi/env_revenue_total/?scope=nowhere")
    assert unknown.context["scope"] == "370000"
    assert c.get("/kpi/no_such_indicator/").status_code == 404


def test_a_share_drills_down_to_numerator_or_denominator(survey_population, client_for):
    c = client_for("admin")
    url = "/kpi/leading_share_manufacturing/?scope=370000&year=2024"
    numerator = c.get(url).context["drill"]
    denominator = c.get(url + "&part=denominator").context["drill"]
    assert numerator.part == "numerator" and denominator.part == "denominator"
    assert 0 < numerator.total_enterprises < denominator.total_enterprises
    leading = {m.enterprise.pk for m in numerator.rows}
    assert leading <= set(
        Tag.objects.filter(kind="leading").values_list("enterprise_id", flat=True)
    )
    assert any(c.key == "tags" for c in numerator.columns)


def test_the_excel_export_has_bilingual_headings_and_the_drill_down_rows(
    survey_population, client_for, demo_mode
):
    c = client_for("admin")
    response = c.get("/kpi/env_revenue_total/enterprises.xlsx?scope=370100&year=2024")
    assert response.status_code == 200
    assert "env_revenue_total-370100-2024" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("统一社会信用代码", "企业名称")
    assert rows[1][:2] == ("Unified social credit code", "Enterprise name")
    assert (
        "环保制造业收入（万元）" in rows[0]
        and "Environmental manufacturing revenue (10k yuan)" in rows[1]
    )
    stored = IndicatorValue.objects.get(
        indicator="env_revenue_total", scope_key="370100", year=2024
    )
    data = rows[2:]
    assert len(data) == stored.n_enterprises
    returns = {
        r.enterprise.uscc: r
        for r in AnnualReturn.objects.filter(year=2024, enterprise__city__code="370100")
    }
    col = rows[0].index("环保制造业收入（万元）")
    for row in data:
        assert row[5] == 2024
        expected = returns[row[0]].env_revenue_manufacturing
        assert (row[col] is None and expected is None) or row[col] == pytest.approx(float(expected))
    total = sum(sum(x or 0 for x in row[col : col + 3]) for row in data)
    assert total / 10000 == pytest.approx(stored.value)
    about = {r[0]: r[1:] for r in wb["说明 About"].iter_rows(values_only=True)}
    assert about["指标 Indicator"] == ("环保业务营业收入", "Environmental revenue")
    assert about["年份 Year"][0] == "2024"
    assert "合成数据 Synthetic data" in about


def test_the_export_answers_404_for_a_scope_the_indicator_lacks(survey_population, client_for):
    c = client_for("admin")
    assert (
        c.get("/kpi/env_revenue_total/enterprises.xlsx?scope=nowhere&year=2024").status_code == 404
    )
    assert c.get("/kpi/nope/enterprises.xlsx").status_code == 404


def test_the_navigation_links_the_new_pages(client):
    body = client.get("/").content.decode()
    assert '<a href="/survey/">企业调查</a>' in body
    assert '<a href="/kpi/">指标</a>' in body
    body = english(client).get("/").content.decode()
    assert '<a href="/survey/">Survey</a>' in body and '<a href="/kpi/">Indicators</a>' in body


@pytest.mark.parametrize("path", ["/survey/", "/kpi/", "/kpi/env_revenue_total/", "/enterprises/"])
def test_chinese_pages_show_no_untranslated_interface_text(survey_population, client_for, path):
    import polib
    from tests.test_i18n import ZH

    body = client_for("admin").get(path).content.decode()
    body = re.sub(r"<code>[^<]*</code>", "", body)  # field keys are data, not interface text
    po = polib.pofile(str(ZH / "django.po"))
    leaked = [
        e.msgid
        for e in po
        if e.msgstr and e.msgstr != e.msgid and len(e.msgid) > 5 and f">{e.msgid}<" in body
    ]
    assert leaked == []
