"""Every list page answers ``?format=xlsx`` with the rows it shows: the same filters, the same
scope, the whole filtered list (not one page), numbers as numbers, units in the header, and the
platform's About sheet."""

import io
import re
from datetime import date, datetime

import openpyxl
import pytest
from django.utils.translation import gettext as _
from django.utils.translation import override

from eco311.accounts.scopes import Actor
from eco311.enterprises.models import AnnualReturn, Enterprise, IndicatorValue
from eco311.plans import tracking
from eco311.plans.models import ProgressReport, Target
from eco311.plans.overview import targets_qs

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AS_OF = "2025-06-30"
JINAN = "370100"


def zh(msgid: str) -> str:
    """A header as the (Chinese-first) pages write it."""
    with override("zh-hans"):
        return str(_(msgid))


def workbook(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.content))


def table(response) -> tuple[list[str], list[dict]]:
    """The first sheet as its header and its rows, each a dict by header."""
    ws = workbook(response).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return header, [dict(zip(header, r, strict=True)) for r in rows[1:]]


def about(response) -> str:
    wb = workbook(response)
    assert "说明 About" in wb.sheetnames
    ws = wb["说明 About"]
    return "\n".join(" ".join(str(c) for c in r if c) for r in ws.iter_rows(values_only=True))


def html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def keys_on(page: str, attr: str = "data-target") -> list[str]:
    return re.findall(rf'<tr {attr}="([^"]+)"', page)


def numeric(values) -> list:
    """The non-empty cells of a column; each must be a real number, never text."""
    found = [v for v in values if v is not None]
    for v in found:
        assert isinstance(v, int | float) and not isinstance(v, bool), repr(v)
    return found


def the_same_rows(client, url, key_header, attr="data-target"):
    """The page's rows and the workbook's rows, by key, in order."""
    sep = "&" if "?" in url else "?"
    header, rows = table(client.get(f"{url}{sep}format=xlsx"))
    on_page = keys_on(html(client, url), attr)
    in_book = [r[zh(key_header)] for r in rows]
    assert in_book == on_page
    return header, rows


# -- a plan's targets -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "jinan", "public"])
@pytest.mark.parametrize("query", ["", "?kind=numeric", "?scope=park&q=%E5%9B%AD"])
def test_the_plans_targets_export_the_rows_the_page_shows(client_for, role, query):
    client = client_for(role)
    url = f"/plans/shandong-311/{query}{'&' if query else '?'}as_of={AS_OF}"
    header, rows = the_same_rows(client, url, "Target key")
    assert rows, "the filters keep some targets"
    for name in ("Target value", "Latest", "Forecast at deadline"):
        numeric(r[zh(name)] for r in rows)
    assert all(isinstance(r[zh("Deadline")], datetime | type(None)) for r in rows)
    if query == "?kind=numeric":
        assert numeric(r[zh("Target value")] for r in rows)  # numeric targets have values


def test_the_about_sheet_says_what_the_table_is_and_the_filters(client_for):
    response = client_for("admin").get(
        f"/plans/shandong-311/?kind=numeric&as_of={AS_OF}&format=xlsx"
    )
    text = about(response)
    assert "kind = numeric" in text and AS_OF in text and "admin" in text
    assert "合成数据" not in text  # not a demo instance
    disposition = response["Content-Disposition"]
    assert 'filename="targets-shandong-311.xlsx"' in disposition
    assert "filename*=utf-8''" in disposition


def test_the_demo_says_synthetic_in_every_about_sheet(client_for, demo_mode):
    client = client_for("admin")
    for url in ("/plans/shandong-311/", "/warnings/", "/enterprises/", "/kpi/", "/review/"):
        assert "合成数据 Synthetic data" in about(client.get(f"{url}?format=xlsx")), url


def test_a_page_offers_the_export_with_its_query_string(client_for):
    page = html(client_for("admin"), f"/plans/shandong-311/?kind=numeric&as_of={AS_OF}")
    link = re.search(r'href="\?([^"]+)" data-testid="export-xlsx"', page).group(1)
    assert "kind=numeric" in link and "format=xlsx" in link and f"as_of={AS_OF}" in link


# -- an area's targets ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "jinan"])
def test_an_areas_targets_export_the_rows_the_page_shows(client_for, role):
    area = Target.objects.filter(is_active=True, scope__kind="city").first().scope
    _header, rows = the_same_rows(
        client_for(role), f"/areas/{area.key}/?as_of={AS_OF}", "Target key"
    )
    assert rows


def test_figures_withheld_from_the_viewer_stay_empty(client_for):
    target = Target.objects.get(plan__key="shandong-311", key="3-10-2-b")  # a park's revenue
    for year in (2023, 2024):
        IndicatorValue.objects.update_or_create(
            indicator="total_revenue",
            scope_key=target.scope.key,
            year=year,
            defaults={"scope_kind": "park", "value": 7.6543 + year - 2024, "n_enterprises": 1},
        )
    url = f"/areas/{target.scope.key}/?as_of={AS_OF}&format=xlsx"

    def latest(role):
        _h, rows = table(client_for(role).get(url))
        return next(r for r in rows if r[zh("Target key")] == target.key)[zh("Latest")]

    assert latest("admin") == pytest.approx(7.6543)
    assert latest("jinan") is None and latest("public") is None


# -- warnings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "jinan"])
@pytest.mark.parametrize("kind", ["", "overdue", "missing_report"])
def test_warnings_export_the_rows_the_page_shows_within_scope(client_for, personas, role, kind):
    client = client_for(role)
    url = f"/warnings/?as_of={AS_OF}" + (f"&kind={kind}" if kind else "")
    header, rows = the_same_rows(client, url, "Target key")
    numeric(r[zh("Days")] for r in rows)
    scoped = set(
        Actor.of(personas[role]).scoped_targets(targets_qs()).values_list("key", flat=True)
    )
    assert {r[zh("Target key")] for r in rows} <= scoped
    if role == "jinan":
        everything = tracking.warnings(list(targets_qs()), date.fromisoformat(AS_OF))
        outside = {w.target.key for w in everything} - scoped
        assert outside and not outside & {r[zh("Target key")] for r in rows}


# -- the review queue ---------------------------------------------------------------------------


@pytest.fixture
def submitted(personas):
    """One submitted report on a target in Jinan's scope and one on a target outside it."""
    numeric = targets_qs(kind="numeric").order_by("key")
    inside = Actor.of(personas["jinan"]).scoped_targets(numeric)
    targets = [inside.first(), numeric.exclude(pk__in=inside.values("pk")).first()]
    return [
        ProgressReport.objects.create(
            target=target,
            period_kind="year",
            period_start=date(2024, 1, 1),
            period_end=date(2024, 12, 31),
            value=12.5,
            submitted_by=personas["dept"],
        )
        for target in targets
    ]


@pytest.mark.parametrize("role", ["admin", "jinan"])
def test_the_review_queue_exports_the_rows_the_page_shows(client_for, personas, submitted, role):
    client = client_for(role)
    _header, rows = the_same_rows(client, "/review/", "Target key")
    scoped = set(
        Actor.of(personas[role]).scoped_targets(targets_qs()).values_list("key", flat=True)
    )
    keys = [r[zh("Target key")] for r in rows]
    assert set(keys) <= scoped
    assert submitted[0].target.key in keys
    mine = [r for r in rows if r[zh("Target key")] == submitted[0].target.key]
    assert any(r[zh("Value")] == 12.5 for r in mine)
    numeric(r[zh("Value")] for r in rows)
    assert all(isinstance(r[zh("Period end")], datetime) for r in rows)
    assert (submitted[1].target.key in keys) == (role == "admin")


# -- the returns queue --------------------------------------------------------------------------


def count_on(page: str) -> int:
    text = re.search(r'data-testid="match-count">([^<]*)<', page).group(1)
    return int(re.search(r"\d[\d,]*", text).group(0).replace(",", ""))


@pytest.mark.parametrize("role", ["admin", "jinan"])
@pytest.mark.parametrize("query", ["?status=approved", "?status=approved&year=2023"])
def test_the_returns_queue_exports_every_row_the_filters_keep(
    client_for, survey_population, role, query
):
    client = client_for(role)
    page = html(client, f"/returns/{query}")
    header, rows = table(client.get(f"/returns/{query}&format=xlsx"))
    assert len(rows) == count_on(page) > 0  # the whole filtered list, not one page
    on_page = re.findall(r'<tr data-uscc="([^"]+)"', page)
    code = zh("Unified social credit code")
    assert [r[code] for r in rows[: len(on_page)]] == on_page
    assert any("（万元）" in h for h in header)  # the units are in the header
    revenue = next(h for h in header if "（万元）" in h)
    assert numeric(r[revenue] for r in rows)
    numeric(r[zh("Year")] for r in rows)
    if role == "jinan":
        cities = set(
            Enterprise.objects.filter(uscc__in=[r[code] for r in rows]).values_list(
                "city__code", flat=True
            )
        )
        assert cities == {JINAN}
        outside = AnnualReturn.objects.exclude(enterprise__city__code=JINAN).filter(year=2024)
        assert outside.exists()


# -- the enterprise directory -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "jinan"])
@pytest.mark.parametrize("query", ["", "?segment=manufacturing"])
def test_the_directory_exports_the_enterprises_in_scope(client_for, survey_population, role, query):
    client = client_for(role)
    page = html(client, f"/enterprises/{query}")
    sep = "&" if query else "?"
    _header, rows = table(client.get(f"/enterprises/{query}{sep}format=xlsx"))
    assert len(rows) == count_on(page) > 0
    code = zh("Unified social credit code")
    on_page = re.findall(r'<td class="code">([0-9A-Z]{18})</td>', page)
    assert [r[code] for r in rows[: len(on_page)]] == on_page
    numeric(r[zh("Latest return")] for r in rows)
    if role == "jinan":
        cities = set(
            Enterprise.objects.filter(uscc__in=[r[code] for r in rows]).values_list(
                "city__code", flat=True
            )
        )
        assert cities == {JINAN}


# -- the indicators -----------------------------------------------------------------------------


def test_the_indicators_export_numbers_and_withhold_small_counts(client_for, survey_population):
    client = client_for("admin")
    page = html(client, "/kpi/")
    header, rows = table(client.get("/kpi/?format=xlsx"))
    assert [r[zh("Key")] for r in rows] == keys_on(page, "data-indicator")
    year = max(IndicatorValue.objects.values_list("year", flat=True))
    province = IndicatorValue.objects.filter(scope_kind="province", year=year).first()
    city = next(h for h in header if "济南" in h)
    province_column = header[3]
    row = next(r for r in rows if r[zh("Key")] == province.indicator)
    assert row[province_column] == pytest.approx(province.value)
    assert numeric(r[province_column] for r in rows)
    # A city value built from one enterprise: its officials see it, the public does not.
    IndicatorValue.objects.update_or_create(
        indicator=province.indicator,
        scope_key=JINAN,
        year=year,
        defaults={"scope_kind": "city", "value": 3.21, "n_enterprises": 1},
    )
    for role, shown in (("admin", True), ("jinan", True), ("public", False)):
        response = client_for(role).get("/kpi/?format=xlsx")
        _h, rows = table(response)
        cell = next(r for r in rows if r[zh("Key")] == province.indicator)[city]
        assert (cell == pytest.approx(3.21)) if shown else cell is None, role
        if role != "jinan":  # the city's officials may not see some other cities' values
            assert ("空白" in about(response)) != shown


# -- who may download ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,url",
    [
        ("public", "/warnings/"),
        ("public", "/review/"),
        ("public", "/returns/"),
        ("public", "/enterprises/"),
        ("bank", "/warnings/"),
        ("enterprise", "/review/"),
        ("enterprise", "/returns/"),
    ],
)
def test_a_download_is_refused_as_the_page_is(client_for, role, url):
    client = client_for(role)
    page = client.get(url)
    book = client.get(f"{url}?format=xlsx")
    assert page.status_code in (302, 403)
    assert book.status_code == page.status_code
    assert book.get("Location", "").split("?")[0] == page.get("Location", "").split("?")[0]
    assert book.get("Content-Type", "") != XLSX


# -- the helper itself --------------------------------------------------------------------------


def test_cells_are_written_by_the_kind_of_their_column(rf, personas):
    from decimal import Decimal

    from eco311.web.tables import Column, xlsx_response

    request = rf.get("/somewhere/", {"city": "370100", "format": "xlsx", "page": "2"})
    request.user = personas["admin"]
    rows = [
        {"name": "甲", "value": Decimal("1.5"), "n": 3, "day": date(2025, 6, 30)},
        {"name": "=1+1", "value": "—", "n": None, "day": None},
        {"name": "乙\x07", "value": float("nan"), "n": True, "day": "soon"},
    ]
    columns = [
        Column("名称", lambda r: r["name"]),
        Column("产值", lambda r: r["value"], unit="亿元", kind="number"),
        Column("企业数", lambda r: r["n"], kind="int"),
        Column("日期", lambda r: r["day"], kind="date"),
    ]
    response = xlsx_response(
        request, title="测试[表]", columns=columns, rows=rows, filename="a b/c.xlsx"
    )
    wb = workbook(response)
    ws = wb.worksheets[0]
    assert ws.title == "测试 表"  # no [ ] in a sheet name
    assert [c.value for c in ws[1]] == ["名称", "产值（亿元）", "企业数", "日期"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D4"
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert values[0] == ["甲", 1.5, 3, datetime(2025, 6, 30)]
    # "—", NaN, a boolean and text in a number or date column: an empty cell, never text.
    assert values[1] == ["=1+1", None, None, None] and ws["A3"].data_type == "s"
    assert values[2] == ["乙", None, None, "soon"]
    text = about(response)
    assert "city = 370100" in text and "page" not in text.split("Filters")[1].split("\n")[0]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"a-b-c.xlsx\"; filename*=utf-8''")
