"""The chain map's API: chains, nodes, placements, specialisation and recommendations.

Every figure is compared with what chains/population.py computes (analysis_for,
specialisation_for), never with numbers copied from output. The public sees aggregates with
the small-count rule (a figure of one or two enterprises is null and `withheld`); officials see
the small counts and the enterprises of their scope; placements are for officials only.
"""

import pytest

from eco311.chains import population, taxonomy
from eco311.chains.models import Placement
from eco311.enterprises.models import AnnualReturn, Enterprise

pytestmark = pytest.mark.django_db

ROLES = ["admin", "dept", "jinan", "park", "enterprise", "bank", "public"]
OFFICIALS = {"admin", "dept", "jinan", "park"}
JINAN = "370100"


def _chain():
    return taxonomy.load().chains[0]


def _filed(year):
    """Enterprises with an approved return in ``year``, by credit code."""
    ids = AnnualReturn.objects.filter(year=year, status=AnnualReturn.Status.APPROVED).values(
        "enterprise_id"
    )
    return Enterprise.objects.filter(pk__in=ids).order_by("uscc")


@pytest.fixture
def placed(survey_population):
    """Enterprises placed on the first chain: its first node gets five of Jinan's and five of
    other cities (a figure anyone may see), its second node exactly one enterprise outside
    Jinan (a small count), unless the session already has placements there."""
    year = max(population.years())
    chain = _chain()
    big, small = chain.nodes[0].code, chain.nodes[1].code
    filed = _filed(year)
    jinan = list(filed.filter(city__code=JINAN)[:5])
    others = list(filed.exclude(city__code=JINAN)[:6])
    assert len(jinan) == 5 and len(others) == 6
    for e in jinan + others[:5]:
        Placement.objects.update_or_create(
            enterprise=e, node=big, defaults={"status": Placement.Status.CONFIRMED}
        )
    Placement.objects.update_or_create(
        enterprise=others[5], node=small, defaults={"status": Placement.Status.CONFIRMED}
    )
    return {"year": year, "chain": chain, "big": big, "small": small, "single": others[5]}


def _get(client_for, role, url):
    return client_for(role).get(url)


def _analysis_chain(year, code, kind="province", key="370000"):
    return next(c for c in population.analysis_for(year, kind, key).chains if c.code == code)


def _small_node(year, chain_code, kind="province", key="370000"):
    """A node of the chain with one or two enterprises in the scope, computed."""
    c = _analysis_chain(year, chain_code, kind, key)
    return next(n for n in c.nodes if 0 < n.enterprises < 3)


# -- /chains ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_chains_with_figures_that_agree(client_for, placed, role):
    year = placed["year"]
    response = _get(client_for, role, "/api/chains")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["year"] == year
    assert data["scope"]["key"] == "370000" and data["scope"]["kind"] == "province"
    assert [c["code"] for c in data["chains"]] == [c.code for c in taxonomy.load().chains]
    computed = {c.code: c for c in population.analysis_for(year).chains}
    for c in data["chains"]:
        want = computed[c["code"]]
        assert c["gaps"] == want.gaps
        assert c["figures"]["completeness"] == pytest.approx(want.completeness)
        if not c["figures"]["withheld"]:
            assert c["figures"]["enterprises"] == want.enterprises
            assert c["figures"]["revenue"] == pytest.approx(want.revenue)
    first = next(c for c in data["chains"] if c["code"] == placed["chain"].code)
    assert first["figures"]["withheld"] is False
    assert first["figures"]["enterprises"] == computed[first["code"]].enterprises >= 11


def test_the_public_does_not_learn_which_nodes_have_a_single_firm(client_for, placed):
    year, code = placed["year"], placed["chain"].code
    assert _analysis_chain(year, code).single  # the fixture's second node at least
    public = next(c for c in _get(client_for, "public", "/api/chains").json()["chains"])
    admin = next(c for c in _get(client_for, "admin", "/api/chains").json()["chains"])
    assert public["code"] == admin["code"] == code
    assert public["single"] is None
    assert admin["single"] == _analysis_chain(year, code).single


def test_a_scope_and_a_year_can_be_asked_for(client_for, placed):
    year = placed["year"]
    data = _get(client_for, "admin", f"/api/chains?scope={JINAN}&year={year}").json()
    assert data["scope"] == {
        "key": JINAN,
        "kind": "city",
        "name": data["scope"]["name"],
    }
    first = data["chains"][0]
    assert (
        first["figures"]["enterprises"]
        == _analysis_chain(year, first["code"], "city", JINAN).enterprises
    )
    assert _get(client_for, "admin", "/api/chains?scope=nowhere").status_code == 422
    assert _get(client_for, "admin", "/api/chains?year=2001").status_code == 404


# -- /chains/{code} --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_chain_lists_its_nodes_with_every_component(client_for, placed, role):
    year, chain = placed["year"], placed["chain"]
    response = _get(client_for, role, f"/api/chains/{chain.code}")
    assert response.status_code == 200, response.content
    data = response.json()
    want = {n.code: n for n in _analysis_chain(year, chain.code).nodes}
    assert [n["code"] for n in data["nodes"]] == chain.node_codes()
    assert data["edges"] == [list(e) for e in chain.edges()]
    for n in data["nodes"]:
        w = want[n["code"]]
        assert n["importance"] == pytest.approx(w.importance)
        assert n["pagerank"] == pytest.approx(w.pagerank)
        assert n["weak"]["importance"] == pytest.approx(w.weak.importance)
        small = 0 < w.enterprises < 3
        hidden = small and role not in ("admin", "dept")
        assert n["figures"]["withheld"] is hidden, n["code"]
        if hidden:
            assert n["figures"]["enterprises"] is None and n["figures"]["revenue"] is None
            assert n["weak"]["score"] is None and n["weak"]["concentration"] is None
        else:
            assert n["figures"]["enterprises"] == w.enterprises
            assert n["figures"]["revenue"] == pytest.approx(w.revenue)
            assert n["weak"]["score"] == pytest.approx(w.weak.score)
            assert n["weak"]["coverage_gap"] == pytest.approx(w.weak.coverage_gap)
    big = next(n for n in data["nodes"] if n["code"] == placed["big"])
    assert big["figures"]["withheld"] is False
    assert big["figures"]["enterprises"] == want[placed["big"]].enterprises


def test_a_small_count_is_null_for_the_public_and_shown_to_officials(client_for, placed):
    year, chain = placed["year"], placed["chain"]
    small = _small_node(year, chain.code)
    for role, shown in (("public", False), ("bank", False), ("enterprise", False), ("admin", True)):
        node = next(
            n
            for n in _get(client_for, role, f"/api/chains/{chain.code}").json()["nodes"]
            if n["code"] == small.code
        )
        assert node["figures"]["withheld"] is not shown, role
        assert node["figures"]["enterprises"] == (small.enterprises if shown else None), role


def test_leaders_are_for_officials_and_limited_to_their_scope(client_for, placed):
    year, chain = placed["year"], placed["chain"]
    scored = _analysis_chain(year, chain.code).leaders
    assert scored
    cities = dict(
        Enterprise.objects.filter(pk__in=[lr.enterprise for lr in scored]).values_list(
            "pk", "city__code"
        )
    )
    for role in ("public", "bank", "enterprise"):
        data = _get(client_for, role, f"/api/chains/{chain.code}").json()
        assert data["leaders"] is None and data["hidden_leaders"] is None, role
    admin = _get(client_for, "admin", f"/api/chains/{chain.code}").json()
    assert [lr["score"] for lr in admin["leaders"]] == pytest.approx([lr.score for lr in scored])
    assert admin["hidden_leaders"] == 0
    jinan = _get(client_for, "jinan", f"/api/chains/{chain.code}").json()
    assert {lr["enterprise"]["city"] for lr in jinan["leaders"]} <= {JINAN}
    in_jinan = [pk for pk, city in cities.items() if city == JINAN]
    assert len(jinan["leaders"]) == len(in_jinan)
    assert jinan["hidden_leaders"] == len(cities) - len(in_jinan)


def test_unknown_chains_and_nodes_are_404(client_for, placed):
    chain = placed["chain"]
    client = client_for("admin")
    assert client.get("/api/chains/no-such-chain").status_code == 404
    assert client.get(f"/api/chains/{chain.code}/nodes/no-such-node").status_code == 404
    other = [c for c in taxonomy.load().chains if c.code != chain.code]
    if other:  # a node of another chain is not a node of this one
        assert (
            client.get(f"/api/chains/{chain.code}/nodes/{other[0].nodes[0].code}").status_code
            == 404
        )
    assert client.get("/api/chains/cities/999999/recommendations").status_code == 404


# -- /chains/{code}/nodes/{node} -------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_node_shows_flags_cities_and_enterprises_only_to_officials(client_for, placed, role):
    year, chain, code = placed["year"], placed["chain"], placed["big"]
    response = _get(client_for, role, f"/api/chains/{chain.code}/nodes/{code}")
    assert response.status_code == 200, response.content
    data = response.json()
    tnode = taxonomy.load().node(code)
    assert data["flags"] == [
        {"kind": f.kind, "ref": f.ref, "source": f.source} for f in tnode.flags
    ]
    assert data["keywords"] == tnode.keywords
    cities = {c["city"]: c for c in data["cities"]}
    for city, row in cities.items():
        n = next(x for x in _analysis_chain(year, chain.code, "city", city).nodes if x.code == code)
        if row["withheld"]:
            assert 0 < n.enterprises < 3 and row["enterprises"] is None
        else:
            assert row["enterprises"] == n.enterprises
    jinan_count = next(
        x.enterprises
        for x in _analysis_chain(year, chain.code, "city", JINAN).nodes
        if x.code == code
    )
    assert jinan_count >= 5 and cities[JINAN]["enterprises"] == jinan_count
    total = next(x.enterprises for x in _analysis_chain(year, chain.code).nodes if x.code == code)
    if role not in OFFICIALS:
        assert data["on_node"] is None and data["hidden_enterprises"] is None
        return
    listed = data["on_node"]
    assert len(listed) + data["hidden_enterprises"] == total
    if role in ("admin", "dept"):
        assert data["hidden_enterprises"] == 0
    if role == "jinan":
        assert {e["city"] for e in listed} == {JINAN} and len(listed) == jinan_count
    if role == "park":
        park = response.wsgi_request.user.membership.area
        in_park = next(
            x.enterprises
            for x in _analysis_chain(year, chain.code, "park", park.key).nodes
            if x.code == code
        )
        assert len(listed) == in_park
        assert {e["uscc"] for e in listed} <= set(
            Enterprise.objects.filter(park=park).values_list("uscc", flat=True)
        )


# -- /placements -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["enterprise", "bank", "public"])
def test_placements_are_not_for_others(client_for, placed, role):
    assert _get(client_for, role, "/api/placements").status_code in (401, 403)


def test_placements_are_listed_within_the_officials_scope(client_for, placed):
    big = placed["big"]
    admin = _get(client_for, "admin", f"/api/placements?node={big}&page_size=500").json()
    everyone = set(Placement.objects.filter(node=big).values_list("pk", flat=True))
    assert {p["id"] for p in admin["items"]} == everyone and admin["count"] == len(everyone)
    jinan = _get(client_for, "jinan", f"/api/placements?node={big}&page_size=500").json()
    assert {p["id"] for p in jinan["items"]} == set(
        Placement.objects.filter(node=big, enterprise__city__code=JINAN).values_list(
            "pk", flat=True
        )
    )
    assert all(p["enterprise"]["city"] == JINAN for p in jinan["items"])
    assert all(p["chain"] == placed["chain"].code for p in jinan["items"])


def test_placements_filter_by_enterprise_and_status_and_paginate(client_for, placed):
    one = placed["single"]
    client = client_for("admin")
    data = client.get(f"/api/placements?enterprise={one.uscc.lower()}").json()
    assert {p["enterprise"]["uscc"] for p in data["items"]} == {one.uscc}
    assert data["count"] == Placement.objects.filter(enterprise=one).count()
    rejected = client.get("/api/placements?status=rejected").json()
    assert rejected["count"] == Placement.objects.filter(status="rejected").count()
    page = client.get("/api/placements?page_size=1&page=2").json()
    assert page["page"] == 2 and len(page["items"]) == 1
    assert client.get("/api/placements?page=9999").status_code == 404
    assert client.get("/api/placements?status=maybe").status_code == 422


# -- specialisation and recommendations ------------------------------------------------------


@pytest.mark.parametrize("role", ["public", "jinan", "admin"])
def test_specialisation_agrees_and_withholds_small_cells(client_for, placed, role):
    year = placed["year"]
    response = _get(client_for, role, f"/api/chains/specialisation?year={year}")
    assert response.status_code == 200, response.content
    data = response.json()
    m = population.specialisation_for(year).measures
    assert [c["code"] for c in data["cities"]] == list(m.locs)
    assert [n["code"] for n in data["nodes"]] == list(m.prods)
    counts = {
        (city, n.code): n.enterprises
        for city in m.locs
        for c in population.analysis_for(year, "city", city).chains
        for n in c.nodes
    }
    seen_withheld = False
    for cell in data["cells"]:
        i, j = m.locs.index(cell["city"]), m.prods.index(cell["node"])
        count = counts[(cell["city"], cell["node"])]
        small = 0 < count < 3
        hidden = small and not (role == "admin" or (role == "jinan" and cell["city"] == JINAN))
        assert cell["withheld"] is hidden
        seen_withheld |= hidden
        if hidden:
            assert cell["rca"] is None and cell["mcp"] is None
        else:
            assert cell["mcp"] == int(m.mcp[i, j])
            if cell["rca"] is not None:
                assert cell["rca"] == pytest.approx(float(m.rca[i, j]))
    if role == "public":
        assert seen_withheld  # the fixture's single firm sits in some city's cell


def test_recommendations_are_the_specialisations(client_for, placed):
    year = placed["year"]
    data = _get(client_for, "public", f"/api/chains/cities/{JINAN}/recommendations").json()
    want = population.specialisation_for(year).recommendations.get(JINAN, [])
    assert data["city"] == JINAN and data["year"] == year
    assert [r["node"] for r in data["items"]] == [r.node for r in want]
    assert [r["cog"] for r in data["items"]] == pytest.approx([r.cog for r in want])


# -- the schema ------------------------------------------------------------------------------

PUBLIC_PATHS = {
    "/api/chains",
    "/api/chains/{code}",
    "/api/chains/{code}/nodes/{node}",
    "/api/chains/specialisation",
    "/api/chains/cities/{code}/recommendations",
}


def test_the_schema_lists_the_chain_operations_and_which_are_public(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert PUBLIC_PATHS | {"/api/placements"} <= set(paths)
    for path in PUBLIC_PATHS:
        assert {} in paths[path]["get"]["security"], path
    assert paths["/api/placements"]["get"]["security"] == [{"BearerToken": []}]
    # The examples are real keys, so that the reference and schemathesis reach the data.
    params = {p["name"]: p for p in paths["/api/chains/{code}/nodes/{node}"]["get"]["parameters"]}
    tax = taxonomy.load()
    assert tax.chain(params["code"]["example"]).node_codes().count(params["node"]["example"]) == 1
