"""The chain-map pages (plan 四(二)1): overview, panorama, node, city and lists, who may see
what on them, small-count suppression and the Excel exports."""

import io
import json
import re

import pytest
from django.urls import reverse

from eco311.chains import population as chain_population
from eco311.chains import taxonomy

pytestmark = pytest.mark.django_db

ROLES = ("public", "admin", "dept", "jinan", "park", "enterprise", "bank")
JINAN = "370100"


def _year():
    return max(chain_population.years())


def _first_chain():
    return taxonomy.load().chains[0]


def _lone_node(city=JINAN):
    """A node of the first chain with no enterprise of ``city`` in the latest year."""
    year = _year()
    analysis = chain_population.analysis_for(year, kind="city", key=city)
    chain = _first_chain()
    res = next(c for c in analysis.chains if c.code == chain.code)
    empty = [n.code for n in res.nodes if n.enterprises == 0]
    if not empty:
        pytest.skip("every node of the first chain has an enterprise in the city")
    return chain, empty[0]


@pytest.fixture
def two_firms(factories):
    """Two enterprises of Jinan, alone on a node in Jinan, with approved returns of the year."""
    from eco311.chains.models import Placement

    chain, node = _lone_node()
    year = _year()
    firms = []
    for k in range(2):
        e = factories.enterprise(JINAN, name=f"链上孤企{k}测试有限公司（合成）")
        factories.annual_return(of=e, year=year)
        Placement.objects.create(enterprise=e, node=node, status="confirmed", synthetic=True)
        firms.append(e)
    return chain, node, year, firms


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_for_every_role(client_for, role):
    chain = _first_chain()
    node = chain.nodes[0].code
    c = client_for(role)
    for url in (
        reverse("chains"),
        reverse("chain", args=[chain.code]),
        reverse("chain_node", args=[chain.code, node]),
        reverse("chain_city", args=[JINAN]),
        reverse("chain_lists", args=[chain.code]),
    ):
        assert c.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "url",
    [
        "/chains/no-such-chain/",
        "/chains/no-such-chain/lists/",
        "/chains/water/nodes/no-such-node/",
        "/chains/cities/999999/",
    ],
)
def test_unknown_chain_node_or_city_is_404(client_for, url):
    assert client_for("admin").get(url).status_code == 404


def test_a_node_of_another_chain_is_404(client_for):
    chains = taxonomy.load().chains
    other = chains[1].nodes[0].code
    url = reverse("chain_node", args=[chains[0].code, other])
    assert client_for("admin").get(url).status_code == 404


def test_cities_path_is_not_taken_for_a_chain(client_for):
    r = client_for("public").get(reverse("chain_city", args=[JINAN]))
    assert r.status_code == 200
    assert r.context["city"].code == JINAN


def test_everyone_finds_the_chains_in_the_menu(client_for):
    for role in ("public", "bank", "admin"):
        html = client_for(role).get(reverse("home")).content.decode()
        assert 'data-testid="nav-chains"' in html and reverse("chains") in html


def _panorama(response):
    m = re.search(
        r'<script id="panorama-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert m, "the panorama's json_script element is missing"
    return json.loads(m.group(1))


def test_the_panorama_json_has_every_node_with_its_coverage(client_for, two_firms):
    chain, node, year, _firms = two_firms
    r = client_for("admin").get(reverse("chain", args=[chain.code]), {"scope": JINAN, "year": year})
    data = _panorama(r)
    assert [n["code"] for n in data["nodes"]] == chain.node_codes()
    by = {n["code"]: n for n in data["nodes"]}
    analysis = chain_population.analysis_for(year, kind="city", key=JINAN)
    res = {n.code: n for c in analysis.chains if c.code == chain.code for n in c.nodes}
    for code, n in by.items():
        want = {0: "none", 1: "one"}.get(res[code].enterprises, "several")
        assert n["coverage"] == want
        assert n["href"].startswith(reverse("chain_node", args=[chain.code, code]))
    assert by[node]["coverage"] == "several"
    assert {(e["source"], e["target"]) for e in data["links"]} == set(chain.edges())
    # The table under the chart names every node, readable without the script.
    html = r.content.decode()
    for spec in chain.nodes:
        assert spec.name.zh in html


def test_the_public_never_sees_a_figure_of_one_or_two_firms(client_for, two_firms):
    chain, node, year, firms = two_firms
    c = client_for("public")
    c.cookies["django_language"] = "en"
    q = {"scope": JINAN, "year": year}
    pages = [
        c.get(reverse("chains"), q),
        c.get(reverse("chain", args=[chain.code]), q),
        c.get(reverse("chain_node", args=[chain.code, node]), q),
        c.get(reverse("chain_lists", args=[chain.code]), q),
        c.get(reverse("chain_city", args=[JINAN]), {"year": year}),
    ]
    for r in pages:
        assert r.status_code == 200
        html = r.content.decode()
        for f in firms:
            assert f.name not in html and f.uscc not in html
    node_page = pages[2]
    assert node_page.context["row"].withheld
    assert node_page.context["row"].enterprises_text == "fewer than 3"
    assert node_page.context["row"].revenue_text == "—"
    assert node_page.context["firms"] is None
    html = node_page.content.decode()
    assert re.search(r'data-testid="node-revenue">—<', html)
    assert "fewer than 3" in html
    pano = {n["code"]: n for n in _panorama(pages[1])["nodes"]}
    assert pano[node]["revenue"] is None and pano[node]["enterprises"] == "fewer than 3"
    spec = next(s for s in pages[4].context["specialities"] if s.code == node)
    assert spec.withheld and spec.rca_text == "—" and spec.revenue_text == "—"


def test_the_city_official_sees_his_own_scope_in_full(client_for, two_firms):
    from eco311.web.views.chains import money

    chain, node, year, firms = two_firms
    analysis = chain_population.analysis_for(year, kind="city", key=JINAN)
    res = next(n for c in analysis.chains for n in c.nodes if n.code == node)
    assert res.enterprises == 2
    r = client_for("jinan").get(
        reverse("chain_node", args=[chain.code, node]), {"scope": JINAN, "year": year}
    )
    assert not r.context["row"].withheld
    assert r.context["row"].revenue_text == money(res.revenue)
    html = r.content.decode()
    for f in firms:
        assert f.name in html


def test_an_official_sees_only_the_enterprises_of_his_scope(client_for, factories, two_firms):
    from eco311.chains.models import Placement

    chain, node, year, firms = two_firms
    qingdao = factories.enterprise("370200", name="青岛链上测试有限公司（合成）")
    factories.annual_return(of=qingdao, year=year)
    Placement.objects.create(enterprise=qingdao, node=node, status="confirmed", synthetic=True)
    url = reverse("chain_node", args=[chain.code, node])
    mine = {f.enterprise.pk for f in client_for("jinan").get(url, {"year": year}).context["firms"]}
    assert {f.pk for f in firms} <= mine
    assert qingdao.pk not in mine
    everyone = {
        f.enterprise.pk for f in client_for("admin").get(url, {"year": year}).context["firms"]
    }
    assert {f.pk for f in firms} | {qingdao.pk} <= everyone
    html = client_for("jinan").get(url, {"year": year}).content.decode()
    assert qingdao.name not in html


def test_the_enterprise_lists_are_for_officials_only(client_for, refused, two_firms):
    chain, node, year, firms = two_firms
    url = reverse("chain_node", args=[chain.code, node])
    for role in ("public", "bank", "enterprise"):
        assert refused(client_for(role).get(url, {"year": year, "format": "xlsx"}))
        lists = client_for(role).get(
            reverse("chain_lists", args=[chain.code]),
            {"year": year, "list": "enterprises", "format": "xlsx"},
        )
        assert refused(lists)
    lists = client_for("public").get(reverse("chain_lists", args=[chain.code]), {"year": year})
    assert lists.context["firms"] is None
    assert 'data-testid="key-counts"' in lists.content.decode()


def _sheet(response):
    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_the_node_export_carries_the_rows_of_the_page(client_for, two_firms):
    chain, node, year, _firms = two_firms
    c = client_for("admin")
    url = reverse("chain_node", args=[chain.code, node])
    page = c.get(url, {"year": year})
    _head, rows = _sheet(c.get(url, {"year": year, "format": "xlsx"}))
    assert [r[0] for r in rows] == [f.enterprise.name for f in page.context["firms"]]
    assert [r[1] for r in rows] == [f.enterprise.uscc for f in page.context["firms"]]
    # The administrator's list adds up to the node's figure: every enterprise counted is listed.
    assert len(page.context["firms"]) == page.context["res"].enterprises


def test_every_list_exports_the_rows_of_the_page(client_for, two_firms):
    chain, node, year, _firms = two_firms
    c = client_for("admin")
    url = reverse("chain_lists", args=[chain.code])
    q = {"year": year, "scope": JINAN}
    page = c.get(url, q)
    ctx = page.context
    expected = {
        "enterprises": [f.enterprise.name for f in ctx["firms"]],
        "parks": [p["name"] for p in ctx["parks"]],
        "needs": [n.node.name for n in ctx["needs"]],
        "attraction": [a.node.name for a in ctx["attract"]],
    }
    assert expected["enterprises"], "the two firms of the fixture are key enterprises here"
    for which, names in expected.items():
        _head, rows = _sheet(c.get(url, {**q, "list": which, "format": "xlsx"}))
        assert [r[0] for r in rows] == names, which
    assert c.get(url, {**q, "list": "nonsense", "format": "xlsx"}).status_code == 404
    c.cookies["django_language"] = "en"
    assert "fill once the project pool (green finance) and the registries exist" in (
        c.get(url, q).content.decode()
    )


def test_the_overview_export_has_one_row_per_chain(client_for):
    c = client_for("public")
    page = c.get(reverse("chains"))
    _head, rows = _sheet(c.get(reverse("chains"), {"format": "xlsx"}))
    assert [r[0] for r in rows] == [row.name for row in page.context["rows"]]
    assert len(rows) == len(taxonomy.load().chains)


def test_the_weak_link_needs_follow_the_components(client_for, two_firms):
    chain, node, year, _firms = two_firms
    page = client_for("public").get(
        reverse("chain_lists", args=[chain.code]), {"year": year, "scope": JINAN}
    )
    for line in page.context["needs"]:
        assert line.node.weak
        if line.node.enterprises == 0:
            assert str(line.lacks).startswith(str(_lack("no_supplier")))


def _lack(code):
    from eco311.web.views.chains import LACK_LABELS

    return LACK_LABELS[code]


def test_the_city_view_names_its_specialisations_and_recommendations(client_for, two_firms):
    chain, node, year, _firms = two_firms
    r = client_for("jinan").get(reverse("chain_city", args=[JINAN]), {"year": year})
    spec = {s.code: s for s in r.context["specialities"]}
    assert node in spec and not spec[node].withheld
    measures = chain_population.specialisation_for(year).measures
    i, j = measures.locs.index(JINAN), measures.prods.index(node)
    assert measures.mcp[i, j] == 1
    rank = r.context["eci_rank"]
    assert rank is None or 1 <= rank <= r.context["n_cities"]
    for rec in r.context["recommendations"]:
        assert measures.mcp[i, measures.prods.index(rec.code)] == 0
        assert rec.sentence
    _head, rows = _sheet(
        client_for("jinan").get(
            reverse("chain_city", args=[JINAN]), {"year": year, "format": "xlsx"}
        )
    )
    assert [row[0] for row in rows] == [rec.name for rec in r.context["recommendations"]]


def test_the_area_page_of_a_city_links_its_chain_view(client_for):
    html = client_for("public").get(reverse("area", args=[JINAN])).content.decode()
    assert reverse("chain_city", args=[JINAN]) in html


def test_the_pages_speak_english(client_for):
    c = client_for("public")
    c.cookies["django_language"] = "en"
    html = c.get(reverse("chains")).content.decode()
    assert "Industry chains" in html
    assert taxonomy.load().chains[0].name.en in html
    pano = c.get(reverse("chain", args=[taxonomy.load().chains[0].code])).content.decode()
    assert "Upstream" in pano and "Weak link" in pano


@pytest.mark.browser
def test_the_panorama_draws_and_its_table_opens_a_node(demo_server):
    import shutil

    from playwright.sync_api import sync_playwright

    chain = _first_chain()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{demo_server}{reverse('chain', args=[chain.code])}")
            page.wait_for_selector("[data-testid=panorama] canvas", timeout=15000)
            assert page.locator("[data-testid=node-table] tbody tr").count() == len(chain.nodes)
            first = page.locator("[data-testid=node-link]").first
            name = first.inner_text()
            first.click()
            page.wait_for_selector("[data-testid=node-title]")
            assert page.inner_text("[data-testid=node-title]") == name
            assert f"/chains/{chain.code}/nodes/" in page.url
            assert errors == []
        finally:
            browser.close()


def test_the_parks_list_keeps_to_the_chosen_scope(client_for, factories, two_firms):
    from eco311.chains.models import Placement
    from eco311.geo.models import Area

    chain, node, year, _firms = two_firms
    park = Area.objects.get(key="park-qingdao-shanghe")
    firm = factories.enterprise("370200", park=park, name="上合园区链上测试有限公司（合成）")
    factories.annual_return(of=firm, year=year)
    Placement.objects.create(enterprise=firm, node=node, status="confirmed", synthetic=True)
    url = reverse("chain_lists", args=[chain.code])
    c = client_for("admin")
    province = {p["key"]: p for p in c.get(url, {"year": year}).context["parks"]}
    assert province[park.key]["count"] >= 1
    jinan = {p["key"] for p in c.get(url, {"year": year, "scope": JINAN}).context["parks"]}
    assert park.key not in jinan
    # The public sees the park (a count of 1 or 2 only as "fewer than 3").
    public = {p["key"]: p for p in client_for("public").get(url, {"year": year}).context["parks"]}
    if province[park.key]["count"] < 3:
        assert public[park.key]["count"] is None


def test_only_officials_are_offered_the_leader_scores(client_for):
    chain = _first_chain()
    url = reverse("chain", args=[chain.code])
    for role, offered in (("admin", True), ("jinan", True), ("public", False), ("bank", False)):
        html = client_for(role).get(url).content.decode()
        assert ('data-testid="leaders-link"' in html) is offered, role
        if offered:
            leaders = client_for(role).get(reverse("chain_leaders", args=[chain.code]))
            assert leaders.status_code == 200
