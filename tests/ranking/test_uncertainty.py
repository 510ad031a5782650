"""Uncertainty and sensitivity (eco311.ranking.engine.uncertainty and .sensitivity).

The fast path is checked against the straightforward one (the whole pipeline re-run for every
variant), the statistics against closed forms and NumPy, and the ASEM analysis against COINr's
stored results.
"""

import csv
import math

import numpy as np
import pytest
import yaml

from eco311.ranking.engine import DataError, DataTable, MethodologyError, parse_methodology
from eco311.ranking.engine.normalise import ranks_descending
from eco311.ranking.engine.sensitivity import (
    quantiles,
    saltelli_blocks,
    sobol_indices,
    sorted_ranks,
    unsort,
)
from eco311.ranking.engine.uncertainty import analyse, sample_variants

from .conftest import ASEM, REPO, merge

UNCERTAIN = {
    "enabled": True,
    "samples": 40,
    "seed": 5,
    "top_n": 5,
    "weight_noise": {"indicators": 0.3, "group": 0.2},
    "treatments": [{"winsorise_max_points": 1}, {"enabled": False}],
    "normalisations": [
        {"method": "minmax", "range": [1, 100]},
        {"method": "percentile_rank", "range": [1, 100]},
    ],
    "aggregations": [{"method": "arithmetic"}, {"method": "geometric"}],
}


def methodology(small_text, **changes):
    spec = yaml.safe_load(small_text)
    spec["steps"]["treat"]["enabled"] = True
    spec["steps"]["normalise"]["range"] = [1, 100]  # the geometric mean needs values above 0
    spec["uncertainty"] = changes.pop("uncertainty", UNCERTAIN)  # replaced, not merged
    return parse_methodology(yaml.safe_dump(merge(spec, changes), allow_unicode=True))


def enterprises(units=30, missing=0.0, seed=2):
    """A random table in the shape of the documented example (heavy tails, a few gaps)."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(units):
        row = {
            "unit": f"U{i:02d}",
            "sales": rng.lognormal(5, 1),
            "staff": rng.lognormal(3, 0.5),
            "patents": rng.poisson(4) + 1.0,
            "fines": rng.poisson(2) + 0.5,
        }
        for code in ("sales", "patents", "fines"):
            if rng.random() < missing:
                row[code] = None
        records.append(row)
    return DataTable.from_records(records, "unit")


def same(fast, slow):
    np.testing.assert_allclose(fast.shifts, slow.shifts, rtol=1e-12)
    for key in ("median_rank", "rank_q05", "rank_q95", "mean_rank", "p_top"):
        np.testing.assert_array_equal(getattr(fast, key), getattr(slow, key), err_msg=key)
    assert fast.sobol == pytest.approx(slow.sobol)


def test_the_fast_path_equals_rerunning_the_pipeline_for_every_variant(small_text):
    m = methodology(small_text)
    data = enterprises()
    fast = analyse(data, m)
    same(fast, analyse(data, m, rerun=True))
    assert fast.runs == 40 * (4 + 2)
    assert set(fast.sobol) == {"weights", "treatment", "normalisation", "aggregation"}


def test_with_missing_values_each_level_renormalises_its_weights(small_text):
    m = methodology(small_text)
    data = enterprises(missing=0.15)
    same(analyse(data, m), analyse(data, m, rerun=True))


def test_different_means_per_level_and_the_median(small_text):
    spec = {
        "uncertainty": {**UNCERTAIN, "aggregations": []},
        "levels": [{"aggregation": {"method": "median"}}, {"aggregation": {"method": "geometric"}}],
    }
    m = methodology(small_text, **spec)
    data = enterprises(units=20)
    fast = analyse(data, m, samples=10)
    same(fast, analyse(data, m, samples=10, rerun=True))
    assert set(fast.sobol) == {"weights", "treatment", "normalisation"}


def test_copeland_in_the_analysis(small_text):
    m = methodology(
        small_text,
        uncertainty={
            **UNCERTAIN,
            "aggregations": [{"method": "copeland"}, {"method": "arithmetic"}],
        },
    )
    data = enterprises(units=15)
    same(analyse(data, m, samples=8), analyse(data, m, samples=8, rerun=True))


def test_the_same_seed_gives_the_same_result(small_text):
    m = methodology(small_text)
    data = enterprises()
    first, again = analyse(data, m), analyse(data, m)
    np.testing.assert_array_equal(first.shifts, again.shifts)
    other = analyse(data, m, seed=6)
    assert not np.array_equal(first.shifts, other.shifts)


def test_the_table_reports_each_units_band(small_text):
    m = methodology(small_text)
    result = analyse(enterprises(), m)
    rows = result.table()
    assert [r["nominal_rank"] for r in rows] == list(range(1, 31))
    for r in rows:
        assert r["rank_q05"] <= r["median_rank"] <= r["rank_q95"]
        assert 0 <= r["p_top"] <= 1
    # the nominal top unit is in the top 5 in most variants
    assert rows[0]["p_top"] > 0.5
    assert result.top_n == 5


def test_weight_noise_stays_within_its_factor_and_choices_cover_every_alternative(small_text):
    m = methodology(small_text)
    variants = sample_variants(m, 500, seed=1)
    nominal = np.array(
        [2, 1, 1, 1, 1, 1, 2]
    )  # sales staff patents fines; scale innovation compliance
    ratio = variants.weights / nominal
    assert ratio[:, :4].min() >= 0.7 and ratio[:, :4].max() <= 1.3
    assert ratio[:, 4:].min() >= 0.8 and ratio[:, 4:].max() <= 1.2
    assert ratio[:, :4].min() < 0.71 and ratio[:, :4].max() > 1.29
    for choices in (variants.treatment, variants.normalisation, variants.aggregation):
        assert set(np.unique(choices)) == {0, 1}
        assert 0.45 < choices.mean() < 0.55


def test_saltelli_blocks_replace_only_each_factors_columns():
    a, b, ab = saltelli_blocks(np.random.default_rng(0), 10, [slice(0, 2), slice(2, 3)])
    np.testing.assert_array_equal(ab[0][:, :2], b[:, :2])
    np.testing.assert_array_equal(ab[0][:, 2:], a[:, 2:])
    np.testing.assert_array_equal(ab[1][:, :2], a[:, :2])
    np.testing.assert_array_equal(ab[1][:, 2], b[:, 2])


def test_sobol_indices_of_an_additive_model_match_the_closed_form():
    # y = x1 + 2 x2 with uniform inputs: V1 = 1/12, V2 = 4/12, so S1 = ST1 = 0.2, S2 = ST2 = 0.8
    n = 20_000
    a, b, ab = saltelli_blocks(np.random.default_rng(1), n, [slice(0, 1), slice(1, 2)])
    y = np.concatenate([m[:, 0] + 2 * m[:, 1] for m in (a, b, *ab)])
    indices, variance = sobol_indices(y, n, 2)
    assert variance == pytest.approx(5 / 12, rel=0.02)
    assert [s.first_order for s in indices] == pytest.approx([0.2, 0.8], abs=0.02)
    assert [s.total for s in indices] == pytest.approx([0.2, 0.8], abs=0.02)


def test_sobol_indices_see_an_interaction_only_in_the_total():
    # y = x1 * x2 on [-1/2, 1/2]: no first-order effect at all, everything is interaction
    n = 20_000
    a, b, ab = saltelli_blocks(np.random.default_rng(2), n, [slice(0, 1), slice(1, 2)])
    y = np.concatenate([(m[:, 0] - 0.5) * (m[:, 1] - 0.5) for m in (a, b, *ab)])
    indices, _ = sobol_indices(y, n, 2)
    assert [s.first_order for s in indices] == pytest.approx([0, 0], abs=0.03)
    assert [s.total for s in indices] == pytest.approx([1, 1], abs=0.03)


def test_quantiles_are_type_7_as_in_r_and_numpy():
    rows = np.sort(np.random.default_rng(3).integers(1, 50, (6, 37)), axis=1)
    expected = np.quantile(rows, [0.5, 0.05, 0.95], axis=1)
    np.testing.assert_allclose(quantiles(rows, (0.5, 0.05, 0.95)), expected, rtol=1e-14)


@pytest.mark.parametrize(
    "scores",
    [
        np.random.default_rng(4).normal(size=(20, 500)),
        np.random.default_rng(5).integers(-4, 4, (20, 300)) * 2.5,  # many ties, negatives
    ],
    ids=["distinct", "ties"],
)
def test_fast_ranks_equal_ranks_with_ties_min(scores):
    np.testing.assert_array_equal(unsort(*sorted_ranks(scores)), ranks_descending(scores.T).T)


def test_a_missing_score_ranks_last():
    ranks = unsort(*sorted_ranks(np.array([[3.0, math.nan, 5.0, -1.0]])))
    assert ranks.tolist() == [[2, 4, 1, 3]]


def test_a_variant_outside_a_means_domain_names_the_choices(small_text):
    m = methodology(
        small_text,
        uncertainty={**UNCERTAIN, "normalisations": [{"method": "minmax"}, {"method": "zscore"}]},
    )
    with pytest.raises(
        DataError,
        match=r"normalisation choice \d \(\w+\), aggregation choice 2 \(geometric\): the geometric mean needs values above 0",
    ):
        analyse(enterprises(), m)


@pytest.mark.parametrize(
    ("uncertainty", "message"),
    [
        (
            {"weight_noise": {"sector": 0.1}},
            "uncertainty.weight_noise.sector: not 'indicators' or the name of a level below the top (group)",
        ),
        ({"weight_noise": {"index": 0.1}}, "uncertainty.weight_noise.index: not 'indicators'"),
        (
            {"weight_noise": {"group": 1.5}},
            "uncertainty.weight_noise.group: Input should be less than 1",
        ),
        (
            {"aggregations": [{"method": "geometric"}]},
            "uncertainty.aggregations: give no alternative (the nominal setting is kept) or at least two",
        ),
        (
            {"weight_noise": {}, "treatments": [], "normalisations": [], "aggregations": []},
            "uncertainty: enabled, but no weight noise and no alternatives: nothing varies",
        ),
        (
            {"normalisations": [{"method": "minmax"}, {"method": "goalposts"}]},
            "indicators[0].goalposts: missing: uncertainty.normalisations[1] is goalposts, which needs it",
        ),
        (
            {"normalisations": [{"method": "minmax"}, {"range": [5, 1]}]},
            "uncertainty.normalisations[1].range: the low end 5 must be below the high end 1",
        ),
    ],
)
def test_the_uncertainty_section_is_validated(small_text, uncertainty, message):
    spec = yaml.safe_load(small_text)
    spec["uncertainty"] = {**UNCERTAIN, **uncertainty}
    with pytest.raises(MethodologyError) as exc:
        parse_methodology(yaml.safe_dump(spec, allow_unicode=True), "small.yaml")
    assert any(message in str(p) for p in exc.value.problems), exc.value.problems


def test_without_the_section_there_is_no_analysis(small_text, small_data):
    m = parse_methodology(small_text)
    assert m.uncertainty.enabled is False
    with pytest.raises(ValueError, match="uncertainty analysis is off"):
        analyse(small_data, m)


# ---------------------------------------------------------------------------------------------
# ASEM against COINr's stored results (N = 100, unseeded: a statistical reference)
# ---------------------------------------------------------------------------------------------


def read_rows(name):
    with open(ASEM / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def asem_analysis():
    if not ASEM.is_dir():
        pytest.skip(f"COINr ASEM test data not available at {ASEM}")
    from eco311.ranking.engine import load_methodology, read_csv

    m = load_methodology(REPO / "examples" / "coinr-asem.yaml")
    return analyse(read_csv(ASEM / "ASEM_iData.csv", m.unit_column), m)


def test_asem_total_sobol_indices_lie_in_coinrs_bootstrap_intervals(asem_analysis):
    names = {
        "Winmax": "treatment",
        "Normalisation": "normalisation",
        "Weights": "weights",
        "Aggregation": "aggregation",
    }
    for row in read_rows("SA_N100_Sensitivity.csv"):
        ours = asem_analysis.sobol[names[row["Variable"]]].total
        assert float(row["STi_q5"]) <= ours <= float(row["STi_q95"]), row["Variable"]


def test_asem_rank_bands_agree_with_coinrs_uncertainty_analysis(asem_analysis):
    ours = {r["unit"]: r for r in asem_analysis.table()}
    theirs = read_rows("UA_N100_RankStats.csv")
    assert {r["uCode"]: int(r["Nominal"]) for r in theirs} == {
        u: r["nominal_rank"] for u, r in ours.items()
    }
    differences = [abs(ours[r["uCode"]]["median_rank"] - float(r["Median"])) for r in theirs]
    assert max(differences) <= 2
    assert sum(differences) / len(differences) < 0.5
