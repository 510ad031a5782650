"""The KPI engine on hand-made and random survey returns (no database).

The hand-made table below is small enough to check every expected value by hand; each
test spells out the arithmetic.  Random tables are checked against a plain-Python
reference implementation and against the scope rules (park within city, cluster = city).
"""

from __future__ import annotations

import operator
import random
from decimal import Decimal

import numpy as np
import pytest
import yaml

from eco311.enterprises.kpi import (
    ReturnsTable,
    ScopeMap,
    compute,
    index,
    load_indicators,
    members,
)
from eco311.enterprises.kpi.definitions import BASE_FIELDS, TAGS
from eco311.enterprises.kpi.engine import TAG_BITS
from eco311.geo.areafile import load_area_file

PROVINCE, JINAN, QINGDAO, ZAOZHUANG, DONGYING = "370000", "370100", "370200", "370400", "370500"
CLUSTER, PARK, EMPTY_PARK = "cluster-jinan", "park-zaozhuang-shizhong", "park-qingdao-shanghe"

SCOPES = ScopeMap(
    province=PROVINCE,
    cities=(JINAN, QINGDAO, ZAOZHUANG, DONGYING),
    clusters={CLUSTER: JINAN},
    parks={PARK: ZAOZHUANG, EMPTY_PARK: QINGDAO},  # nobody files a return in Qingdao
)


def ret(enterprise, year, city, segment, **fields):
    row = {
        "enterprise": enterprise,
        "year": year,
        "city_code": city,
        "park_key": None,
        "cluster_key": SCOPES.cluster_of_city(city),
        "segment": segment,
        "major_violation": False,
        "tags": set(),
    }
    row.update({name: None for name in BASE_FIELDS})
    row.update(fields)
    return row


# Enterprises A, B (Jinan = the Jinan cluster), C, D (Zaozhuang, in the park), E (Dongying).
ROWS = [
    # 0: A 2024, environmental revenue 8000 + 3000 = 11000 (万元)
    ret("A", 2024, JINAN, "manufacturing", env_revenue_manufacturing=8000,
        env_revenue_services=3000, total_revenue=15000, output_value=14000, added_value=4000,
        rd_spending=500, rd_staff=30, invention_patents=2, standards_national=1,
        standards_industry=2, tags={"leading"}),
    # 1: B 2024, environmental revenue 6000 + 0 = 6000; no output value
    ret("B", 2024, JINAN, "services", env_revenue_services=6000, env_revenue_resource=0,
        total_revenue=6000, added_value=2000, rd_spending=100, rd_staff=10,
        tags={"specialised_sme"}),
    # 2: C 2024, environmental revenue 0 + 0 + 20000 = 20000; a major violation
    ret("C", 2024, ZAOZHUANG, "resource", park_key=PARK, env_revenue_manufacturing=0,
        env_revenue_services=0, env_revenue_resource=20000, total_revenue=25000,
        output_value=30000, added_value=9000, rd_spending=600, rd_staff=50,
        invention_patents=5, standards_national=2, standards_industry=0,
        tags={"leading", "little_giant"}, major_violation=True),
    # 3: D 2024, environmental revenue 1500; revenue 1800 is below the 2000 threshold
    ret("D", 2024, ZAOZHUANG, "manufacturing", park_key=PARK, env_revenue_manufacturing=1500,
        total_revenue=1800, output_value=1700, added_value=400, rd_spending=50, rd_staff=5,
        tags={"specialised_sme", "little_giant"}),
    # 4: E 2024, environmental revenue exactly 10000 (not "above" 1 亿元)
    ret("E", 2024, DONGYING, "services", env_revenue_services=10000, total_revenue=10000,
        output_value=9000),
    # 5: A 2023, environmental revenue 5000 + 1000 = 6000
    ret("A", 2023, JINAN, "manufacturing", env_revenue_manufacturing=5000,
        env_revenue_services=1000, total_revenue=7000, output_value=6500,
        standards_national=1, standards_industry=0),
    # 6: C 2023, environmental revenue 12000; tagged leading that year
    ret("C", 2023, ZAOZHUANG, "resource", park_key=PARK, env_revenue_resource=12000,
        total_revenue=13000, output_value=8000, standards_national=0, standards_industry=3,
        tags={"leading"}),
    # 7: E 2022, before the plan period
    ret("E", 2022, DONGYING, "services", env_revenue_services=9000, standards_national=7),
]  # fmt: skip


@pytest.fixture(scope="module")
def indicators():
    return load_indicators()


@pytest.fixture(scope="module")
def table():
    return ReturnsTable.from_rows(ROWS)


@pytest.fixture(scope="module")
def values(table, indicators):
    return index(compute(table, indicators, scopes=SCOPES))


def val(values, key, scope, year):
    return values[key, scope, year].value


def n(values, key, scope, year):
    return values[key, scope, year].n_enterprises


def rows_of(table, indicators, key, kind, scope, year, **kw):
    return members(table, indicators[key], kind, scope, year, **kw).tolist()


# -- inline indicators for the filter forms the shipped file does not use ----------------


def inline(key, kind="count", unit=("家", "enterprises"), **extra):
    return {
        "key": key,
        "label": {"zh": key, "en": key},
        "definition": {"zh": "测试。", "en": "Test."},
        "unit": {"zh": unit[0], "en": unit[1]},
        "kind": kind,
        "scopes": ["province", "city", "cluster", "park"],
        **extra,
    }


FILTER_INDICATORS = [
    inline("not_leading_or_listed", where=[{"not_tag": ["leading", "listed"]}]),
    inline("in_a_park", where=[{"member_of": "park"}]),
    inline("small", where=[{"field": "total_revenue", "op": "<", "value": 2000}]),
    inline("resource_nonzero", where=[{"field": "env_revenue_resource", "op": "!=", "value": 0}]),
    inline("revenue_exactly_1e4", where=[{"field": "total_revenue", "op": "==", "value": 10000}]),
    inline("clean_leading", where=[{"tag": ["leading"]}, {"major_violation": False}]),
    inline("revenue_wan", kind="sum", field="total_revenue", unit=("万元", "10,000 yuan")),
    inline(
        "leading_headcount_share",
        kind="share",
        unit=("%", "%"),
        scale=100,
        numerator={"kind": "count", "where": [{"tag": ["leading"]}]},
        denominator={"kind": "count"},
    ),
]


@pytest.fixture(scope="module")
def filters(tmp_path_factory):
    path = tmp_path_factory.mktemp("kpi") / "indicators.yaml"
    doc = {"schema": "eco311.kpi/1", "plan": "shandong-311", "indicators": FILTER_INDICATORS}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return load_indicators(path)


# -- counts --------------------------------------------------------------------------------


def test_a_count_with_a_strict_threshold(table, indicators, values):
    # "过1亿元" is strictly above 10000 万元: A (11000) and C (20000); E (10000) is not.
    assert val(values, "env_revenue_over_100m", PROVINCE, 2024) == 2
    assert rows_of(table, indicators, "env_revenue_over_100m", "province", PROVINCE, 2024) == [0, 2]
    # 2023: A 5000 + 1000 = 6000 no; C 12000 yes.  2022: E 9000 no.
    assert val(values, "env_revenue_over_100m", PROVINCE, 2023) == 1
    assert val(values, "env_revenue_over_100m", PROVINCE, 2022) == 0
    # by scope in 2024: Jinan A; Zaozhuang and its park C; Dongying none
    assert val(values, "env_revenue_over_100m", JINAN, 2024) == 1
    assert val(values, "env_revenue_over_100m", PARK, 2024) == 1
    assert val(values, "env_revenue_over_100m", DONGYING, 2024) == 0


def test_tag_counts(values):
    assert val(values, "enterprise_count", PROVINCE, 2024) == 5  # A B C D E
    assert val(values, "leading_count", PROVINCE, 2024) == 2  # A C
    assert val(values, "leading_count", PROVINCE, 2023) == 1  # C
    assert val(values, "specialised_sme_count", PROVINCE, 2024) == 2  # B D
    assert val(values, "little_giant_count", PROVINCE, 2024) == 2  # C D
    # B (provincial), C (national), D (both: once)
    assert val(values, "specialised_any_count", PROVINCE, 2024) == 3
    assert val(values, "specialised_any_count", PARK, 2024) == 2  # C D
    assert val(values, "major_violation_count", PROVINCE, 2024) == 1  # C


def test_counts_with_segment_and_threshold_filters(values):
    # 规上 (approx.): industrial segment and revenue >= 2000: A (manufacturing, 15000),
    # C (resource, 25000); B and E are services, D's 1800 is below 2000.
    assert val(values, "above_size_count", PROVINCE, 2024) == 2
    assert val(values, "above_size_count", PARK, 2024) == 1  # C
    # leading and output above 10000: A (14000), C (30000); in 2023 C's output is 8000
    assert val(values, "leading_output_over_100m_count", PROVINCE, 2024) == 2
    assert val(values, "leading_output_over_100m_count", PROVINCE, 2023) == 0


def test_the_other_filter_forms(table, filters):
    got = index(compute(table, filters, years=[2024], scopes=SCOPES))
    assert got["not_leading_or_listed", PROVINCE, 2024].value == 3  # B D E
    assert got["in_a_park", PROVINCE, 2024].value == 2  # C D
    assert got["small", PROVINCE, 2024].value == 1  # D (1800 < 2000)
    # != 0: C's 20000; B's 0 fails; A, D, E have no value, and a missing value never matches
    assert got["resource_nonzero", PROVINCE, 2024].value == 1
    assert got["revenue_exactly_1e4", PROVINCE, 2024].value == 1  # E
    assert got["clean_leading", PROVINCE, 2024].value == 1  # A (C had a major violation)
    assert got["revenue_wan", PROVINCE, 2024].value == 15000 + 6000 + 25000 + 1800 + 10000
    # a share of counts: 2 leading of 5 enterprises
    assert got["leading_headcount_share", PROVINCE, 2024].value == pytest.approx(2 / 5 * 100)


# -- sums and scale --------------------------------------------------------------------------


def test_sums_are_scaled_to_yi_yuan(table, indicators, values):
    # manufacturing: A 8000 + C 0 + D 1500 = 9500 万元 = 0.95 亿元; B and E have no value
    assert val(values, "env_revenue_manufacturing", PROVINCE, 2024) == pytest.approx(0.95)
    assert n(values, "env_revenue_manufacturing", PROVINCE, 2024) == 3
    assert rows_of(table, indicators, "env_revenue_manufacturing", "province", PROVINCE, 2024) == [
        0,
        2,
        3,
    ]
    # services: A 3000 + B 6000 + C 0 + E 10000 = 19000 万元
    assert val(values, "env_revenue_services", PROVINCE, 2024) == pytest.approx(1.9)
    assert n(values, "env_revenue_services", PROVINCE, 2024) == 4
    # resource: B 0 + C 20000
    assert val(values, "env_revenue_resource", PROVINCE, 2024) == pytest.approx(2.0)
    # all environmental revenue: 11000 + 6000 + 20000 + 1500 + 10000 = 48500 万元
    assert val(values, "env_revenue_total", PROVINCE, 2024) == pytest.approx(4.85)
    # the same sum unscaled (scale 1, 万元) in the inline set
    assert val(values, "total_revenue", PROVINCE, 2024) == pytest.approx(57800 / 10000)


def test_sums_with_filters(values):
    # output of 规上 enterprises: A 14000 + C 30000 = 44000 万元
    assert val(values, "above_size_output_value", PROVINCE, 2024) == pytest.approx(4.4)
    # industrial added value: A 4000 + C 9000 + D 400 (B is services, E has none)
    assert val(values, "industrial_added_value", PROVINCE, 2024) == pytest.approx(1.34)
    # park revenue: C 25000 + D 1800 = 26800 万元
    assert val(values, "total_revenue", PARK, 2024) == pytest.approx(2.68)
    assert val(values, "rd_staff", PARK, 2024) == 50 + 5


def test_an_empty_scope_has_zero_counts_and_sums_and_no_shares(values):
    assert val(values, "enterprise_count", EMPTY_PARK, 2024) == 0
    assert val(values, "total_revenue", EMPTY_PARK, 2024) == 0
    assert val(values, "rd_intensity", EMPTY_PARK, 2024) is None
    assert n(values, "total_revenue", EMPTY_PARK, 2024) == 0


# -- shares and ratios -------------------------------------------------------------------------


def test_leading_shares(table, indicators, values):
    # leading in 2024: A and C.  Manufacturing: (A 8000 + C 0) / 9500
    assert val(values, "leading_share_manufacturing", PROVINCE, 2024) == pytest.approx(
        8000 / 9500 * 100
    )
    assert n(values, "leading_share_manufacturing", PROVINCE, 2024) == 2  # A and C report it
    # services: (A 3000 + C 0) / 19000; resource: C 20000 / 20000
    assert val(values, "leading_share_services", PROVINCE, 2024) == pytest.approx(
        3000 / 19000 * 100
    )
    assert val(values, "leading_share_resource", PROVINCE, 2024) == pytest.approx(100)
    key = "leading_share_manufacturing"
    assert rows_of(table, indicators, key, "province", PROVINCE, 2024) == [0, 2]
    assert rows_of(table, indicators, key, "province", PROVINCE, 2024, part="denominator") == [
        0,
        2,
        3,
    ]


def test_a_share_with_a_zero_denominator_is_none(values):
    # Jinan resource revenue: A has none, B reports 0 -> denominator 0
    assert val(values, "leading_share_resource", JINAN, 2024) is None
    # Dongying manufacturing revenue: nobody reports it
    assert val(values, "leading_share_manufacturing", DONGYING, 2024) is None
    assert n(values, "leading_share_manufacturing", DONGYING, 2024) == 0


def test_the_clusters_share(values):
    # cluster rows in 2024 are Jinan's: A 11000 + B 6000 = 17000 of 48500
    assert val(values, "cluster_output_share", PROVINCE, 2024) == pytest.approx(17000 / 48500 * 100)
    # 2023: A 6000 of 6000 + 12000
    assert val(values, "cluster_output_share", PROVINCE, 2023) == pytest.approx(6000 / 18000 * 100)
    # computed for the province only
    assert ("cluster_output_share", JINAN, 2024) not in values


def test_a_ratio(values):
    # park: R&D (C 600 + D 50) over output (C 30000 + D 1700)
    assert val(values, "rd_intensity", PARK, 2024) == pytest.approx(650 / 31700 * 100)
    # province: R&D 500 + 100 + 600 + 50 over output 14000 + 30000 + 1700 + 9000 (B has none)
    assert val(values, "rd_intensity", PROVINCE, 2024) == pytest.approx(1250 / 54700 * 100)
    assert n(values, "rd_intensity", PROVINCE, 2024) == 4  # A B C D report R&D


# -- accumulation ------------------------------------------------------------------------------


def test_an_accumulated_sum(table, indicators, values):
    key = "standards_drafted_since_2023"
    # before the first year: no value
    assert val(values, key, PROVINCE, 2022) is None
    assert n(values, key, PROVINCE, 2022) == 0
    # 2023: A 1 + 0, C 0 + 3 -> 4 (E's 7 in 2022 is not counted)
    assert val(values, key, PROVINCE, 2023) == 4
    # 2024: 4 + A 1 + 2 + C 2 + 0 = 9, from the two distinct enterprises A and C
    assert val(values, key, PROVINCE, 2024) == 9
    assert n(values, key, PROVINCE, 2024) == 2
    # the park: C 3 in 2023, then + 2 (D reports no standards)
    assert val(values, key, PARK, 2023) == 3
    assert val(values, key, PARK, 2024) == 5
    assert n(values, key, PARK, 2024) == 1
    assert rows_of(table, indicators, key, "park", PARK, 2024) == [2, 6]
    assert rows_of(table, indicators, key, "park", PARK, 2022) == []
    # the year's own figure, for comparison
    assert val(values, "standards_drafted", PROVINCE, 2022) == 7
    assert val(values, "standards_drafted", PROVINCE, 2024) == 3 + 2


# -- scopes, targets, output -------------------------------------------------------------------


def test_the_cluster_equals_its_city_and_the_park_lies_within_its_city(values, indicators):
    for ind in indicators:
        for year in (2022, 2023, 2024):
            if "cluster" in ind.scopes:
                assert values[ind.key, CLUSTER, year].value == values[ind.key, JINAN, year].value
            if ind.kind == "count":
                assert val(values, ind.key, PARK, year) <= val(values, ind.key, ZAOZHUANG, year)


def test_targets_are_attached_at_their_scope_only(values):
    assert values["leading_count", PROVINCE, 2024].targets == ("1-2-3-a",)
    assert values["leading_count", JINAN, 2024].targets == ()
    assert values["rd_intensity", PARK, 2023].targets == ("3-2-3-b",)
    assert values["leading_count", PROVINCE, 2024].unit_zh == "家"
    assert values["total_revenue", PARK, 2024].unit_en == "100 million yuan"


def test_one_value_per_indicator_supported_scope_and_year(table, indicators):
    out = compute(table, indicators, scopes=SCOPES)
    expected = sum(sum(len(SCOPES.keys(k)) for k in ind.scopes) * 3 for ind in indicators)
    assert len(out) == expected
    assert len({(v.indicator, v.scope_key, v.year) for v in out}) == expected
    assert {v.year for v in out} == {2022, 2023, 2024}


def test_years_narrow_the_output(table, indicators):
    out = compute(table, indicators, years=[2024], scopes=SCOPES)
    assert {v.year for v in out} == {2024}
    # an accumulated value still adds up the earlier years
    got = index(out)
    assert got["standards_drafted_since_2023", PROVINCE, 2024].value == 9
    assert compute(table, indicators, years=[2030], scopes=SCOPES) == []


def test_the_province_covers_cities_outside_the_map(indicators):
    rows = [*ROWS, ret("F", 2024, "371000", "services", env_revenue_services=500)]
    got = index(compute(ReturnsTable.from_rows(rows), indicators, scopes=SCOPES))
    assert got["enterprise_count", PROVINCE, 2024].value == 6
    assert sum(got["enterprise_count", c, 2024].value for c in SCOPES.cities) == 5


def test_an_empty_table_gives_nothing(indicators):
    assert compute(ReturnsTable.from_rows([]), indicators, scopes=SCOPES) == []


# -- members -----------------------------------------------------------------------------------


def test_members_of_counts_and_sums(table, indicators):
    assert rows_of(table, indicators, "leading_count", "city", JINAN, 2024) == [0]
    assert rows_of(table, indicators, "leading_count", "cluster", CLUSTER, 2024) == [0]
    assert rows_of(table, indicators, "total_revenue", "park", PARK, 2024) == [2, 3]
    assert rows_of(table, indicators, "output_value", "city", JINAN, 2024) == [0]  # B: none
    assert rows_of(table, indicators, "leading_count", "park", "park-nowhere", 2024) == []
    assert table.row(2)["enterprise"] == "C"


def test_members_rejects_what_the_indicator_does_not_have(table, indicators):
    with pytest.raises(ValueError, match="computed for province"):
        members(table, indicators["cluster_output_share"], "city", JINAN, 2024)
    with pytest.raises(ValueError, match="no denominator"):
        members(table, indicators["leading_count"], "province", PROVINCE, 2024, part="denominator")


# -- random tables: reference implementation and scope rules -----------------------------------

OPS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


def random_rows(n_enterprises, years, scopes, seed):
    rng = random.Random(seed)
    parks = dict(scopes.parks)
    rows = []
    for e in range(n_enterprises):
        park = rng.choice([*parks, *[None] * 6])
        city = parks[park] if park else rng.choice(scopes.cities)
        segment = rng.choice(["manufacturing", "services", "resource"])
        for year in years:
            if rng.random() < 0.1:
                continue  # no return that year
            fields = {}
            for name in BASE_FIELDS:
                r = rng.random()
                fields[name] = (
                    None if r < 0.15 else 0 if r < 0.25 else round(rng.lognormvariate(7, 1.5))
                )
            tags = {t for t in TAGS if rng.random() < 0.15}
            rows.append(
                {
                    "enterprise": f"E{e:05d}",
                    "year": year,
                    "city_code": city,
                    "park_key": park,
                    "cluster_key": scopes.cluster_of_city(city),
                    "segment": segment,
                    "major_violation": rng.random() < 0.05,
                    "tags": tags,
                    **fields,
                }
            )
    return rows


def reference_value(rows, ind, derived, scope_kind, scope_key, year):
    """Plain Python: (value, n_enterprises) of one indicator, scope and year."""

    def field(r, name):
        parts = [r[c] for c in derived.get(name, [name]) if r[c] is not None]
        return sum(parts) if parts else None

    def holds(r, c):
        if c.segment is not None:
            return r["segment"] in c.segment
        if c.tag is not None:
            return bool(r["tags"] & set(c.tag))
        if c.not_tag is not None:
            return not r["tags"] & set(c.not_tag)
        if c.field is not None:
            v = field(r, c.field)
            return v is not None and OPS[c.op](v, c.value)
        if c.major_violation is not None:
            return r["major_violation"] == c.major_violation
        return r[f"{c.member_of}_key"] is not None

    def in_scope(r):
        if scope_kind == "province":
            return True
        return r[{"city": "city_code"}.get(scope_kind, f"{scope_kind}_key")] == scope_key

    def in_years(r):
        if ind.accumulate_from is None:
            return r["year"] == year
        return ind.accumulate_from <= r["year"] <= year

    def measure(m):
        picked = [r for r in rows if in_scope(r) and in_years(r)]
        picked = [r for r in picked if all(holds(r, c) for c in m.where)]
        if m.kind == "count":
            return len(picked), {r["enterprise"] for r in picked}
        vals = [(field(r, m.field), r["enterprise"]) for r in picked]
        vals = [(v, e) for v, e in vals if v is not None]
        return sum(v for v, _ in vals), {e for _, e in vals}

    if ind.kind in ("count", "sum"):
        if ind.accumulate_from is not None and year < ind.accumulate_from:
            return None, 0
        total, who = measure(ind.measures()[0])
        return total * ind.scale, len(who)
    num, who = measure(ind.numerator)
    den, den_who = measure(ind.denominator)
    if den == 0 or not den_who:
        return None, len(who)
    return num / den * ind.scale, len(who)


@pytest.fixture(scope="module")
def real_scopes():
    return ScopeMap.from_areas(load_area_file().areas)


@pytest.fixture(scope="module")
def random_case(real_scopes):
    rows = random_rows(400, [2023, 2024, 2025], real_scopes, seed=7)
    return rows, ReturnsTable.from_rows(rows)


def test_it_agrees_with_a_plain_python_reference(random_case, real_scopes, indicators, filters):
    rows, table = random_case
    for ind_set in (indicators, filters):
        derived = {d.key: d.sum for d in ind_set.derived}
        for v in compute(table, ind_set, scopes=real_scopes):
            ind = ind_set[v.indicator]
            expected, n_expected = reference_value(
                rows, ind, derived, v.scope_kind, v.scope_key, v.year
            )
            where = (v.indicator, v.scope_key, v.year)
            if expected is None:
                assert v.value is None, where
            else:
                assert v.value == pytest.approx(expected, rel=1e-9, abs=1e-9), where
            assert v.n_enterprises == n_expected, where


def test_members_are_exactly_the_rows_behind_each_value(random_case, real_scopes, indicators):
    rows, table = random_case
    for v in compute(table, indicators, scopes=real_scopes):
        ind = indicators[v.indicator]
        picked = members(table, ind, v.scope_kind, v.scope_key, v.year)
        enterprises = {rows[i]["enterprise"] for i in picked}
        assert len(enterprises) == v.n_enterprises
        if ind.accumulate_from is None:
            assert len(picked) == v.n_enterprises
            assert all(rows[i]["year"] == v.year for i in picked)
        if ind.kind == "sum" and v.value is not None:
            comps = ind.components(ind.field)
            total = sum(rows[i][c] or 0 for i in picked for c in comps)
            assert v.value == pytest.approx(total * ind.scale)


def test_scopes_add_up(random_case, real_scopes, indicators):
    _rows, table = random_case
    got = index(compute(table, indicators, scopes=real_scopes))
    for ind in indicators:
        if ind.kind not in ("count", "sum") or "city" not in ind.scopes:
            continue
        for year in table.years:
            cities = [got[ind.key, c, year].value for c in real_scopes.cities]
            province = got[ind.key, PROVINCE, year].value
            if province is None:  # accumulated sum before its first year
                assert all(c is None for c in cities)
                continue
            # every random enterprise is in one of the 16 cities
            assert province == pytest.approx(sum(cities))
            for cluster, city in real_scopes.clusters:
                assert got[ind.key, cluster, year].value == got[ind.key, city, year].value
            for park, city in real_scopes.parks:
                park_value = got[ind.key, park, year].value
                assert park_value <= got[ind.key, city, year].value + 1e-9
                assert park_value >= 0


def test_a_large_synthetic_table_computes(indicators, real_scopes):
    # 100,000 enterprises x 5 years, built from numpy columns (timed in docs/kpi.md, not here)
    rng = np.random.default_rng(0)
    n_ent, n_year = 100_000, 5
    size = n_ent * n_year
    cities = np.array(real_scopes.cities)
    city = cities[np.repeat(rng.integers(0, len(cities), n_ent), n_year)]
    cluster_of = dict((c, k) for k, c in real_scopes.clusters)
    columns = {
        "enterprise": np.repeat(np.arange(n_ent), n_year),
        "year": np.tile(np.arange(2021, 2021 + n_year), n_ent),
        "city_code": city.tolist(),
        "cluster_key": [cluster_of.get(c) for c in city.tolist()],
        "segment": rng.integers(0, 3, size),
        "major_violation": rng.random(size) < 0.01,
        "tags": rng.integers(0, 1 << len(TAGS), size) * (rng.random(size) < 0.1),
    }
    for name in BASE_FIELDS:
        column = rng.lognormal(6, 2, size)
        column[rng.random(size) < 0.05] = np.nan
        columns[name] = column
    table = ReturnsTable.from_columns(columns)
    out = compute(table, indicators, scopes=real_scopes)
    expected = sum(sum(len(real_scopes.keys(k)) for k in ind.scopes) for ind in indicators)
    assert len(out) == expected * n_year
    got = index(out)
    assert got["enterprise_count", PROVINCE, 2025].value == n_ent


# -- the table ---------------------------------------------------------------------------------


def test_from_rows_accepts_decimals_and_missing_optional_keys():
    rows = [
        {
            "enterprise": 1,
            "year": 2024,
            "city_code": 370100,
            "segment": "services",
            "total_revenue": Decimal("12.50"),
            "tags": ["listed"],
        }
    ]
    table = ReturnsTable.from_rows(rows)
    row = table.row(0)
    assert row["total_revenue"] == 12.5
    assert row["city_code"] == "370100"
    assert row["park_key"] is None and row["profit"] is None
    assert row["tags"] == {"listed"} and table.tags[0] == TAG_BITS["listed"]
    assert row["major_violation"] is False


def test_the_table_round_trips_its_rows(table):
    for i, original in enumerate(ROWS):
        assert table.row(i) == {k: (float(v) if k in BASE_FIELDS and v is not None else v)
                                for k, v in original.items()}  # fmt: skip


def test_the_columns_are_read_only(table):
    with pytest.raises(ValueError):
        table.values["total_revenue"][0] = 1.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"segment": "mining"}, "row 0: segment must be one of manufacturing, services, resource"),
        ({"tags": {"leader"}}, "row 0: unknown tag 'leader'"),
        ({"tags": "leading"}, "row 0: tags must be a set of tag names"),
        ({"total_revenue": "12"}, "row 0: total_revenue must be a number or None"),
        ({"year": "2024"}, "row 0: year must be an integer"),
        ({"major_violation": "no"}, "row 0: major_violation must be true, false or None"),
        ({"enterprise": None}, "row 0: enterprise is required"),
    ],
)
def test_bad_rows_are_rejected_with_their_row_number(change, message):
    row = {**ret("A", 2024, JINAN, "services"), **change}
    with pytest.raises(ValueError, match=message):
        ReturnsTable.from_rows([row])


def test_missing_required_keys_are_rejected():
    with pytest.raises(ValueError, match="row 1: missing segment"):
        ReturnsTable.from_rows(
            [
                ret("A", 2024, JINAN, "services"),
                {"enterprise": "B", "year": 2024, "city_code": JINAN},
            ]
        )


def test_two_returns_for_one_enterprise_and_year_are_rejected():
    with pytest.raises(ValueError, match="enterprise 'A' has more than one return for 2024"):
        ReturnsTable.from_rows(
            [ret("A", 2024, JINAN, "services"), ret("A", 2024, JINAN, "services")]
        )


# -- the scope map -----------------------------------------------------------------------------


def test_the_scope_map_from_the_area_file(real_scopes):
    assert real_scopes.province == PROVINCE
    assert len(real_scopes.cities) == 16
    assert dict(real_scopes.clusters) == {
        "cluster-jinan": "370100",
        "cluster-qingdao": "370200",
        "cluster-zibo": "370300",
    }
    assert len(real_scopes.parks) == 10
    assert real_scopes.city_of(PARK) == ZAOZHUANG
    assert real_scopes.cluster_of_city("370300") == "cluster-zibo"
    assert real_scopes.cluster_of_city(ZAOZHUANG) is None
    assert len(real_scopes.scopes()) == 1 + 16 + 3 + 10
    assert ScopeMap.from_areas() == real_scopes


def test_the_scope_map_rejects_a_park_outside_its_cities():
    with pytest.raises(ValueError, match="not a city of the map"):
        ScopeMap(province=PROVINCE, cities=(JINAN,), parks={PARK: ZAOZHUANG})
