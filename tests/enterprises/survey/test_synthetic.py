"""The synthetic enterprise population for the annual survey (pure: no database, no Django).

The calibration checks compute every figure from the returns themselves (not from the
generator's own summary), for the default population: 3,700 enterprises x 2021-2025, seed 1.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from decimal import Decimal

import numpy as np
import pytest
from stdnum.cn import uscc as stdnum_uscc

from eco311.enterprises.survey import synthetic as syn
from eco311.enterprises.survey.synthetic import (
    COUNTIES,
    INDUSTRY_CODES,
    INDUSTRY_SEGMENT,
    PARK_PROFILES,
    ROW_KEYS,
    SEGMENTS,
    TAG_KINDS,
    PopulationSpec,
    generate,
    is_synthetic_uscc,
    summarise,
    synthetic_uscc,
)
from eco311.geo.areafile import load_area_file
from eco311.plans.planfile import PLAN_DIR, load_plan_file

YEARS = (2021, 2022, 2023, 2024, 2025)
MONEY = (
    "total_revenue",
    "env_revenue_manufacturing",
    "env_revenue_services",
    "env_revenue_resource",
    "output_value",
    "added_value",
    "profit",
    "taxes",
    "exports",
    "rd_spending",
)
INTEGERS = (
    "year",
    "rd_staff",
    "employees",
    "invention_patents",
    "standards_national",
    "standards_industry",
    "env_violations",
)
QUANTITIES = ("main_product_capacity", "main_product_output")
ENV = tuple(f"env_revenue_{s}" for s in SEGMENTS)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
THRESHOLD = Decimal(10_000)  # 1亿元 in 万元


def dec(x: float) -> Decimal:
    return Decimal(str(x))


def env_total(row: dict) -> Decimal:
    return sum((dec(row[k]) for k in ENV), Decimal(0))


def year_end(year: int) -> str:
    return f"{year}-12-31"


@pytest.fixture(scope="module")
def pop():
    return generate(PopulationSpec())


@pytest.fixture(scope="module")
def rows(pop) -> dict[int, list[dict]]:
    return {year: list(pop.returns(year)) for year in YEARS}


@pytest.fixture(scope="module")
def areas():
    return load_area_file()


@pytest.fixture(scope="module")
def plan():
    return load_plan_file(PLAN_DIR / "shandong-311.yaml")


def fingerprint(population) -> str:
    digest = hashlib.sha256()
    for row in population.all_returns():
        digest.update(json.dumps(row, sort_keys=True, ensure_ascii=False).encode())
    for e in population.enterprises:
        digest.update(json.dumps([e.tags, e.former_names, e.name], ensure_ascii=False).encode())
    return digest.hexdigest()


# --- shape and determinism ---------------------------------------------------------------------


def test_default_spec():
    spec = PopulationSpec()
    assert (spec.enterprises, spec.years, spec.seed) == (3700, YEARS, 1)


def test_rows_have_exactly_the_documented_keys_and_types(pop, rows):
    assert pop.years == YEARS
    for year, year_rows in rows.items():
        assert len(year_rows) == pop.count_returns(year)
        for row in year_rows:
            assert tuple(row) == ROW_KEYS
            assert row["year"] == year
            for key in MONEY + QUANTITIES:
                assert type(row[key]) is float, key
                assert -dec(row[key]).as_tuple().exponent <= 1, (key, row[key])
            for key in INTEGERS:
                assert type(row[key]) is int, key
            for key in ("uscc", "name", "city_code", "county_code", "industry_code", "segment"):
                assert type(row[key]) is str and row[key], key
            assert row["park_key"] is None or type(row["park_key"]) is str
            assert type(row["major_violation"]) is bool
            assert row["segment"] in SEGMENTS
            assert row["credit_rating"] in ("A", "B", "C", "D")
            assert row["main_products"] and row["main_product_unit"]
    assert sum(1 for _ in pop.all_returns()) == pop.count_returns()


def test_deterministic_for_a_seed_and_different_for_another(pop):
    assert fingerprint(generate(PopulationSpec())) == fingerprint(pop)
    other = generate(PopulationSpec(seed=2))
    assert fingerprint(other) != fingerprint(pop)
    assert [e.name for e in other.enterprises] != [e.name for e in pop.enterprises]


def test_spec_is_validated(pop):
    with pytest.raises(ValueError):
        generate(PopulationSpec(enterprises=0))
    with pytest.raises(ValueError):
        generate(PopulationSpec(years=(2010,)))
    with pytest.raises(ValueError):
        generate(PopulationSpec(years=(2024, 2024)))
    with pytest.raises(ValueError):
        generate(PopulationSpec(years=()))
    with pytest.raises(ValueError):
        pop.returns(2020)


# --- credit codes and names --------------------------------------------------------------------


def test_credit_codes_valid_unique_and_synthetic(pop, rows):
    codes = [e.uscc for e in pop.enterprises]
    assert len(set(codes)) == len(codes) == 3700
    for e in pop.enterprises:
        assert stdnum_uscc.is_valid(e.uscc), e.uscc
        assert is_synthetic_uscc(e.uscc)
        assert e.uscc[:2] == "91"
        assert e.uscc[2:8] == e.county_code
        assert e.uscc[8:10] == "YY"
    for row in rows[2025]:
        assert stdnum_uscc.is_valid(row["uscc"])


def test_synthetic_uscc_helper():
    assert synthetic_uscc(1, "370613") == "91370613YY000001XU"
    assert stdnum_uscc.is_valid(synthetic_uscc(0))
    assert stdnum_uscc.is_valid(synthetic_uscc(999_999, "371503"))
    rng = np.random.default_rng(5)
    drawn = [synthetic_uscc(rng, "370102") for _ in range(200)]
    assert all(stdnum_uscc.is_valid(c) and is_synthetic_uscc(c) for c in drawn)
    assert len(set(drawn)) > 190
    # the vectorised version the generator uses agrees with the scalar one
    serials = np.array([0, 7, 123_456, 999_999])
    assert syn._uscc_many(serials, ["370100"] * 4) == [
        synthetic_uscc(int(s), "370100") for s in serials
    ]
    assert not is_synthetic_uscc("91110000600037341L")  # a real-format code (stdnum's example)
    for bad in (-1, 1_000_000):
        with pytest.raises(ValueError):
            synthetic_uscc(bad)
    with pytest.raises(ValueError):
        synthetic_uscc(1, "3701")


def test_names_are_marked_synthetic_and_unique(pop):
    names = [e.name for e in pop.enterprises]
    assert len(set(names)) == len(names)
    formers = [f["name"] for e in pop.enterprises for f in e.former_names]
    assert not set(formers) & set(names)
    for name in names + formers:
        assert name.endswith("（合成）"), name
    renamed = [e for e in pop.enterprises if e.former_names]
    assert 0.01 * len(names) < len(renamed) < 0.06 * len(names)
    for e in renamed:
        untils = [f["until"] for f in e.former_names]
        assert untils == sorted(untils)
        assert all(ISO_DATE.match(u) for u in untils)
        assert all(f["name"] != e.name for f in e.former_names)


def test_returns_carry_the_name_in_use_at_year_end(pop, rows):
    by_uscc = {e.uscc: e for e in pop.enterprises}
    used_former = 0
    for year, year_rows in rows.items():
        for row in year_rows:
            e = by_uscc[row["uscc"]]
            assert row["name"] == e.name_on(year_end(year))
            used_former += row["name"] != e.name
    assert used_former > 0


# --- geography, parks, industries ---------------------------------------------------------------


def test_cities_counties_and_clusters(pop, areas):
    cities = {a.code for a in areas.of_kind("city")}
    clusters = {a.parent: a.key for a in areas.of_kind("cluster")}
    counts = Counter(e.city_code for e in pop.enterprises)
    assert set(counts) == cities and len(cities) == 16
    # the three cluster cities (Jinan, Qingdao, Zibo) are the three most populous
    assert {c for c, _ in counts.most_common(3)} == set(clusters) == {"370100", "370200", "370300"}
    for e in pop.enterprises:
        assert e.county_code[:4] == e.city_code[:4]
        assert e.county_code in {code for code, _ in COUNTIES[e.city_code]}
        assert e.cluster_key == clusters.get(e.city_code)
    assert set(COUNTIES) == cities


def test_every_park_holds_enterprises_matching_its_specialism(pop, rows, areas):
    parks = {a.key: a.parent for a in areas.of_kind("park")}
    assert set(PARK_PROFILES) == set(parks) and len(parks) == 10
    members = defaultdict(list)
    for e in pop.enterprises:
        if e.park_key is not None:
            members[e.park_key].append(e)
    assert set(members) == set(parks)
    for key, enterprises in members.items():
        profile = PARK_PROFILES[key]
        assert len(enterprises) == profile["enterprises"]
        for e in enterprises:
            assert e.city_code == parks[key]
            assert e.county_code == profile["county"]
            assert e.segment in profile["segments"], (key, e.segment)
            assert e.industry_code in profile["segments"][e.segment][1], (key, e.industry_code)
    # water-treatment agents in Zaozhuang, solid-waste building materials in Chiping, ...
    assert {e.industry_code for e in members["park-zaozhuang-shizhong"]} == {"2666"}
    assert {e.segment for e in members["park-liaocheng-chiping"]} == {"resource"}
    assert {e.segment for e in members["park-binzhou-huimin"]} == {"resource"}
    for row in rows[2025]:
        if row["park_key"]:
            profile = PARK_PROFILES[row["park_key"]]
            assert row["industry_code"] in profile["segments"][row["segment"]][1]


def test_industry_codes(pop):
    assert set(INDUSTRY_CODES) == set(INDUSTRY_SEGMENT)
    for code, (zh, en) in INDUSTRY_CODES.items():
        assert re.fullmatch(r"\d{4}", code) and zh and en
        assert code in syn.PRODUCTS and code in syn._NAME_WORDS
    assert INDUSTRY_CODES["3591"][0] == "环境保护专用设备制造"
    assert INDUSTRY_SEGMENT["7721"] == "services" and INDUSTRY_SEGMENT["4220"] == "resource"
    for e in pop.enterprises:
        assert INDUSTRY_SEGMENT[e.industry_code] == e.segment
    assert {e.segment for e in pop.enterprises} == set(SEGMENTS)


# --- consistency of every row ------------------------------------------------------------------


def test_every_row_is_internally_consistent(rows):
    for year_rows in rows.values():
        for r in year_rows:
            total = dec(r["total_revenue"])
            assert all(dec(r[k]) >= 0 for k in ENV)
            assert env_total(r) > 0
            assert env_total(r) <= total
            assert dec(r["added_value"]) < dec(r["output_value"])
            assert dec(r["added_value"]) >= 0
            assert 0 <= dec(r["exports"]) <= total
            assert dec(r["taxes"]) >= 0
            assert dec(r["rd_spending"]) >= 0
            assert 0 <= r["rd_staff"] <= r["employees"]
            assert r["employees"] >= 1
            assert min(r["invention_patents"], r["standards_national"]) >= 0
            assert r["standards_industry"] >= 0
            assert 0 < r["main_product_output"] <= r["main_product_capacity"]
            assert r["env_violations"] >= 0
            if r["major_violation"]:
                assert r["env_violations"] >= 1 and r["credit_rating"] == "D"
            if r["env_violations"]:
                assert r["credit_rating"] != "A"


def test_profits_losses_and_violations_are_plausible(pop):
    all_rows = list(pop.all_returns())
    losses = sum(r["profit"] < 0 for r in all_rows) / len(all_rows)
    majors = sum(r["major_violation"] for r in all_rows) / len(all_rows)
    violators = sum(r["env_violations"] > 0 for r in all_rows) / len(all_rows)
    assert 0.03 < losses < 0.35
    assert 0.001 < majors < 0.01  # about 0.5 %
    assert majors < violators < 0.15


def test_stocks_accumulate(rows):
    previous = {r["uscc"]: r for r in rows[2021]}
    for r in rows[2025]:
        before = previous.get(r["uscc"])
        if before:
            assert r["invention_patents"] >= before["invention_patents"]
            assert r["standards_national"] >= before["standards_national"]
            assert r["main_product_capacity"] >= before["main_product_capacity"]


def test_enterprises_enter_and_exit(pop, rows):
    present = {year: {r["uscc"] for r in year_rows} for year, year_rows in rows.items()}
    entered = present[2025] - present[2021]
    exited = present[2021] - present[2025]
    assert 50 < len(entered) < 600
    assert 50 < len(exited) < 400
    for e in pop.enterprises:
        filed = [y for y in YEARS if e.uscc in present[y]]
        assert filed == list(range(e.first_year, e.last_year + 1))


# --- calibration against the plan ---------------------------------------------------------------


def segment_totals(year_rows) -> dict[str, Decimal]:
    return {s: sum((dec(r[f"env_revenue_{s}"]) for r in year_rows), Decimal(0)) for s in SEGMENTS}


def test_calibration_constants_match_the_plan(plan):
    # 四(一)1-3 revenue targets (亿元) and leading shares (%), 一(二) counts, 四(三)1 SMEs
    for segment, key in zip(SEGMENTS, ("4-1-1", "4-1-2", "4-1-3"), strict=True):
        assert plan.target(f"{key}-a").value * 10_000 == syn.SEGMENT_TARGETS_2025[segment]
        assert plan.target(f"{key}-b").value / 100 == syn.LEADING_SHARE_TARGETS[segment]
    assert plan.target("1-2-1-c").value / 100 == syn.CLUSTER_SHARE_TARGET
    assert plan.target("1-2-3-a").value == syn.LEADING_TARGET
    assert plan.target("1-2-3-b").value == syn.ABOVE_THRESHOLD_TARGET
    assert plan.target("4-3-1-a").value == syn.SPECIALISED_SME_TARGET
    assert plan.target("4-3-1-b").value == syn.LITTLE_GIANT_TARGET


def test_segment_totals_in_2025_are_just_below_the_plans_targets(rows):
    totals = segment_totals(rows[2025])
    for s in SEGMENTS:
        target = Decimal(syn.SEGMENT_TARGETS_2025[s])
        assert Decimal("0.85") * target < totals[s] < target, s


def test_segment_totals_grow_six_to_twelve_percent_a_year(rows):
    totals = {year: segment_totals(rows[year]) for year in YEARS}
    for s in SEGMENTS:
        series = [totals[y][s] for y in YEARS]
        assert all(b > a for a, b in zip(series, series[1:], strict=False)), s
        cagr = float(series[-1] / series[0]) ** (1 / 4) - 1
        assert 0.06 <= cagr <= 0.12, (s, cagr)
    grand = [sum(totals[y].values()) for y in YEARS]
    yearly = [float(b / a) - 1 for a, b in zip(grand, grand[1:], strict=False)]
    assert 0.06 <= sum(yearly) / len(yearly) <= 0.12


def test_enterprises_above_one_hundred_million(rows):
    above = {y: sum(env_total(r) > THRESHOLD for r in rows[y]) for y in YEARS}
    assert 235 <= above[2023] <= 265  # "about 250" when the plan was issued
    assert 275 <= above[2025] < syn.ABOVE_THRESHOLD_TARGET  # toward 300, but not quite
    assert all(above[b] > above[a] for a, b in zip(YEARS, YEARS[1:], strict=False))


def test_cluster_share_near_but_below_half(rows):
    clusters = {"370100", "370200", "370300"}
    shares = {}
    for year in YEARS:
        total = sum(env_total(r) for r in rows[year])
        inside = sum(env_total(r) for r in rows[year] if r["city_code"] in clusters)
        shares[year] = float(inside / total)
        assert 0.40 < shares[year] < 0.50, (year, shares[year])
    assert shares[2025] > 0.45
    assert shares[2025] > shares[2021]


def test_leading_enterprises_and_their_shares(pop, rows):
    leading = {e.uscc for e in pop.enterprises if e.has_tag("leading", "2025-12-31")}
    assert 95 <= len(leading) <= 105  # "100家左右"
    before = {e.uscc for e in pop.enterprises if e.has_tag("leading", "2023-12-31")}
    assert not before  # the first list follows the June 2024 indicator system
    totals = segment_totals(rows[2025])
    lead = segment_totals([r for r in rows[2025] if r["uscc"] in leading])
    for s in SEGMENTS:
        share = float(lead[s] / totals[s])
        assert abs(share - syn.LEADING_SHARE_TARGETS[s]) <= 0.05, (s, share)
    # leading enterprises are big: nearly all have more than 1亿元 of environmental revenue
    big = sum(env_total(r) > THRESHOLD for r in rows[2025] if r["uscc"] in leading)
    assert big >= 0.85 * len(leading)


def count_in_force(pop, kind: str, year: int) -> int:
    return sum(e.has_tag(kind, year_end(year)) for e in pop.enterprises)


def test_specialised_smes_and_little_giants_approach_the_targets(pop, rows):
    spec = {y: count_in_force(pop, "specialised_sme", y) for y in YEARS}
    giants = {y: count_in_force(pop, "little_giant", y) for y in YEARS}
    assert spec == syn.SPECIALISED_SME_PATH and giants == syn.LITTLE_GIANT_PATH
    for y in YEARS[:-1]:
        assert spec[y] < syn.SPECIALISED_SME_TARGET and giants[y] < syn.LITTLE_GIANT_TARGET
    assert 0.95 * syn.SPECIALISED_SME_TARGET <= spec[2025] <= 1.05 * syn.SPECIALISED_SME_TARGET
    assert 0.9 * syn.LITTLE_GIANT_TARGET <= giants[2025] <= 1.1 * syn.LITTLE_GIANT_TARGET
    assert all(spec[b] > spec[a] for a, b in zip(YEARS, YEARS[1:], strict=False))
    # SMEs: environmental revenue below 4亿元, filing every year
    env_2025 = {r["uscc"]: env_total(r) for r in rows[2025]}
    for e in pop.enterprises:
        if any(t["kind"] == "specialised_sme" for t in e.tags):
            assert env_2025[e.uscc] < Decimal(syn.SME_REVENUE_LIMIT) * Decimal("1.5")
            assert (e.first_year, e.last_year) == (2021, 2025)


def test_tags_are_well_formed(pop):
    kinds = Counter()
    stages = {s for s, _ in syn.LISTING_RESERVE_STAGES}
    for e in pop.enterprises:
        for tag in e.tags:
            assert set(tag) == {"kind", "stage", "granted_on", "revoked_on"}
            assert tag["kind"] in TAG_KINDS
            kinds[tag["kind"]] += 1
            assert ISO_DATE.match(tag["granted_on"])
            if tag["revoked_on"] is not None:
                assert ISO_DATE.match(tag["revoked_on"])
                assert tag["revoked_on"] > tag["granted_on"]
            if tag["kind"] == "listing_reserve":
                assert tag["stage"] in stages
            else:
                assert tag["stage"] is None
        for tag in e.tags:
            if tag["kind"] == "little_giant":  # national little giants are provincial SMEs first
                assert e.has_tag("specialised_sme", tag["granted_on"])
            if tag["kind"] == "chain_leader":
                assert e.has_tag("leading", tag["granted_on"])
            if tag["kind"] == "single_champion":
                assert e.segment == "manufacturing"
            if tag["kind"] == "listed":  # a listed company is a company limited by shares
                assert "股份有限公司" in e.name or "集团有限公司" in e.name
        # at most one listing-reserve entry in force at a time, none once listed
        if e.has_tag("listed", "2025-12-31"):
            assert not e.has_tag("listing_reserve", "2025-12-31")
    assert set(kinds) == set(TAG_KINDS)
    assert kinds["chain_leader"] == syn.CHAIN_LEADERS
    assert kinds["listed"] == syn.LISTED


def test_summarise_agrees_with_the_rows(pop, rows):
    summary = summarise(pop)["years"]
    for year in YEARS:
        assert summary[year]["returns"] == len(rows[year])
        assert summary[year]["above_threshold"] == sum(env_total(r) > THRESHOLD for r in rows[year])
    totals = segment_totals(rows[2025])
    for s in SEGMENTS:
        assert summary[2025]["segment_totals"][s] == pytest.approx(float(totals[s]))
    assert summary[2025]["tag_counts"]["little_giant"] == syn.LITTLE_GIANT_PATH[2025]


# --- sizes -------------------------------------------------------------------------------------


def test_a_small_population_works():
    for n in (1, 40):
        small = generate(PopulationSpec(enterprises=n, years=(2024, 2025), seed=3))
        assert len(small.enterprises) == n
        for row in small.all_returns():
            assert env_total(row) <= dec(row["total_revenue"])


def test_one_hundred_thousand_enterprises():
    big = generate(PopulationSpec(enterprises=100_000, years=(2025,)))
    assert len(big.enterprises) == 100_000
    codes = set()
    above = 0
    totals = dict.fromkeys(SEGMENTS, 0.0)
    count = 0
    for row in big.returns(2025):
        count += 1
        codes.add(row["uscc"])
        env = sum(row[k] for k in ENV)
        above += env > 10_000
        for s in SEGMENTS:
            totals[s] += row[f"env_revenue_{s}"]
    assert count == len(codes) == 100_000  # one year: nobody enters or exits
    scale = 100_000 / syn.BASELINE_ENTERPRISES
    assert above == pytest.approx(syn.ABOVE_THRESHOLD_2025 * scale, rel=0.01)
    for s in SEGMENTS:
        assert totals[s] < syn.SEGMENT_TARGETS_2025[s] * scale
    assert all(stdnum_uscc.is_valid(c) for c in list(codes)[:2000])
