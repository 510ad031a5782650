"""The whole pipeline (eco311.ranking.engine.run) on the documented worked examples.

Expected values are derived by hand in the comments (docs/ranking-methodology.md shows the same
tables), not printed by the engine.
"""

import math

import numpy as np
import pytest

from eco311.ranking.engine import DataError, DataTable, parse_csv, parse_methodology, run

nan = math.nan


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-13, equal_nan=True)


def variant(text, old, new):
    assert old in text, old
    return parse_methodology(text.replace(old, new))


def test_worked_example_1(small_text, small_data):
    result = run(small_data, parse_methodology(small_text))
    # min-max of sales 100 300 200 500, staff 10 20 10 40, patents/staff .5 .2 .1 .5,
    # and of -fines 0 -10 -5 -20
    close(result.normalised.column("sales"), [0, 50, 25, 100])
    close(result.normalised.column("staff"), [0, 100 / 3, 0, 100])
    close(result.normalised.column("patents"), [100, 25, 0, 100])
    close(result.normalised.column("fines"), [100, 50, 75, 0])
    scale = [(2 * s + t) / 3 for s, t in [(0, 0), (50, 100 / 3), (25, 0), (100, 100)]]
    close(result.aggregated["group"].column("scale"), scale)
    index = [
        (s + i + 2 * c) / 4
        for s, i, c in zip(scale, [100, 25, 0, 100], [100, 50, 75, 0], strict=True)
    ]
    close(result.index, index)
    assert [(r["unit"], r["rank"]) for r in result.table()] == [
        ("A", 1),
        ("D", 2),
        ("B", 3),
        ("C", 4),
    ]
    close([r["score"] for r in result.table()], [75, 50, 1525 / 36, 125 / 3])


def test_worked_example_2_goalposts_and_geometric_mean(goalposts_text, small_data):
    result = run(small_data, parse_methodology(goalposts_text))
    sales = [25, 75, 50, 100]  # goalposts 0-400; D's 500 is truncated
    staff = [20, 40, 20, 80]  # 0-50
    patents = [50, 20, 10, 50]  # 0-1 per employee
    fines = [100, 75, 87.5, 50]  # 0-40, lower is better: (40 - x) / 40
    close(result.normalised.column("sales"), sales)
    close(result.normalised.column("fines"), fines)
    scale = [(s * s * t) ** (1 / 3) for s, t in zip(sales, staff, strict=True)]
    close(result.aggregated["group"].column("scale"), scale)
    close(
        result.index, [(s + p + 2 * f) / 4 for s, p, f in zip(scale, patents, fines, strict=True)]
    )
    assert [r["unit"] for r in result.table()] == ["A", "D", "B", "C"]


def test_every_stage_is_kept(small_text, small_data):
    result = run(small_data, parse_methodology(small_text))
    close(result.raw.column("patents"), [5, 4, 1, 20])
    close(result.denominated.column("patents"), [0.5, 0.2, 0.1, 0.5])
    # impute, transform and treat are off: they pass their input on
    assert result.imputed is result.denominated
    assert result.treated is result.transformed
    assert result.treatments == {}
    assert result.raw.value("D", "sales") == 500
    assert result.ranks.columns == ("scale", "innovation", "compliance", "index")
    close(result.ranks.column("compliance"), [1, 3, 2, 4])
    close(result.availability.column("availability"), [1, 1, 1, 1])
    assert result.warnings == ()


def test_results_cannot_be_changed_afterwards(small_text, small_data):
    result = run(small_data, parse_methodology(small_text))
    with pytest.raises(ValueError, match="read-only"):
        result.normalised.values[0, 0] = 1


def test_group_direction_flips_the_indicators_below(small_text, small_data):
    flipped = variant(
        small_text,
        "{code: innovation, parent: index}",
        "{code: innovation, parent: index, direction: -1}",
    )
    result = run(small_data, flipped)
    close(result.normalised.column("patents"), [0, 75, 100, 0])


def test_screening_drops_units_before_normalisation(small_text):
    data = parse_csv(
        "unit,sales,staff,patents,fines\nA,100,10,5,0\nB,300,,,10\nC,200,10,1,5\nD,500,40,20,20\n",
        "unit",
    )
    screened = variant(
        small_text, "screen: {enabled: false}", "screen: {enabled: true, threshold: 0.75}"
    )
    result = run(data, screened)
    assert result.removed == ("B",)
    close(result.availability.column("availability"), [1, 0.5, 1, 1])
    assert result.normalised.units == ("A", "C", "D")
    close(result.normalised.column("sales"), [0, 25, 100])  # B's 300 is no longer in the range
    assert result.table()[-1] == {"unit": "B", "score": None, "rank": None}


def test_screening_can_count_the_gaps_before_imputation(small_text):
    data = parse_csv(
        "unit,sales,staff,patents,fines\nA,100,10,5,0\nB,,20,4,\nC,200,10,1,5\nD,500,40,20,20\n",
        "unit",
    )
    steps = small_text.replace("impute: {enabled: false}", "impute: {enabled: true, method: mean}")
    after = variant(steps, "screen: {enabled: false}", "screen: {enabled: true, threshold: 0.75}")
    before = variant(
        steps,
        "screen: {enabled: false}",
        "screen: {enabled: true, threshold: 0.75, measured_on: denominated}",
    )
    assert run(data, after).removed == ()
    assert run(data, before).removed == ("B",)
    # B's sales imputed by the mean of the others, (100 + 200 + 500) / 3
    assert run(data, after).imputed.value("B", "sales") == pytest.approx(800 / 3)


def test_imputation_by_group(small_text):
    data = parse_csv(
        "unit,chain,sales,staff,patents,fines\nA,x,100,10,5,0\nB,x,,20,4,10\nC,y,200,10,1,5\nD,x,500,40,20,20\n",
        "unit",
    )
    grouped = variant(
        small_text,
        "impute: {enabled: false}",
        "impute: {enabled: true, method: group_median, group_column: chain}",
    )
    assert run(data, grouped).imputed.value("B", "sales") == 300  # median of A and D


def test_transforms_come_before_outlier_treatment(small_text, small_data):
    text = small_text.replace("transform: {enabled: false}", "transform: {enabled: true}")
    text = text.replace("treat: {enabled: false}", "treat: {enabled: true}")
    capped = variant(
        text,
        "{code: sales, parent: scale, weight: 2}",
        "{code: sales, parent: scale, weight: 2, transform: {cap: [null, 300]}}",
    )
    result = run(small_data, capped)
    close(result.transformed.column("sales"), [100, 300, 200, 300])
    assert result.treated.column("sales").tolist() == [100, 300, 200, 300]
    assert result.treatments["sales"].outcome == "passed"
    close(result.normalised.column("sales"), [0, 100, 50, 100])


def test_a_unit_without_any_value_has_no_score_and_a_warning(small_text):
    data = parse_csv(
        "unit,sales,staff,patents,fines\nA,100,10,5,0\nB,,,,\nC,200,10,1,5\nD,500,40,20,20\n",
        "unit",
    )
    result = run(data, parse_methodology(small_text))
    assert result.table()[-1] == {"unit": "B", "score": None, "rank": None}
    assert result.warnings == ("no index score (no indicator value) for: B",)


def test_a_constant_indicator_is_reported(small_text):
    data = parse_csv(
        "unit,sales,staff,patents,fines\nA,100,10,5,7\nB,300,20,4,7\nC,200,10,1,7\n", "unit"
    )
    result = run(data, parse_methodology(small_text))
    assert (
        "indicator fines cannot be normalised (no spread); it counts as missing" in result.warnings
    )
    close(result.aggregated["group"].column("compliance"), [nan, nan, nan])
    # compliance drops out: the index is the mean of scale and innovation
    close(result.index, (result.aggregated["group"].select(["scale", "innovation"])).mean(axis=1))


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("unit,sales,staff,patents\nA,1,2,3\n", "no column 'fines' in the data"),
        (
            "unit,sales,staff,patents,fines\nA,1,2,3,4\nB,1,2,3,many\n",
            "column 'fines', unit B: 'many' is not a number",
        ),
    ],
)
def test_data_that_do_not_fit_are_reported(small_text, csv_text, message):
    with pytest.raises(DataError, match=message):
        run(parse_csv(csv_text, "unit"), parse_methodology(small_text))


def test_a_missing_grouping_column_is_reported(small_text, small_data):
    grouped = variant(
        small_text,
        "impute: {enabled: false}",
        "impute: {enabled: true, method: group_mean, group_column: chain}",
    )
    with pytest.raises(DataError, match="no column 'chain' in the data"):
        run(small_data, grouped)


def test_a_value_outside_a_means_domain_names_group_unit_and_child(goalposts_text, small_data):
    raised = variant(goalposts_text, "goalposts: [0, 400]", "goalposts: [100, 400]")
    message = "aggregation of scale \\(group\\), unit A, child sales: the geometric mean needs values above 0; got 0"
    with pytest.raises(DataError, match=message):
        run(small_data, raised)


def test_a_log_of_a_non_positive_value_names_indicator_and_unit(small_text):
    data = parse_csv("unit,sales,staff,patents,fines\nA,100,10,5,0\nB,-3,20,4,10\n", "unit")
    text = small_text.replace("transform: {enabled: false}", "transform: {enabled: true}")
    logged = variant(
        text,
        "{code: sales, parent: scale, weight: 2}",
        "{code: sales, parent: scale, weight: 2, transform: {log: true}}",
    )
    with pytest.raises(DataError, match="step transform, indicator sales, unit B: the log needs"):
        run(data, logged)


def test_tables_can_be_built_from_records(small_text):
    records = [
        {"unit": "A", "sales": 100, "staff": 10, "patents": 5, "fines": 0},
        {"unit": "B", "sales": 300, "staff": 20, "patents": 4, "fines": None},
        {"unit": "C", "sales": 200, "staff": 10, "patents": 1, "fines": 5.0},
    ]
    result = run(DataTable.from_records(records, "unit"), parse_methodology(small_text))
    close(result.normalised.column("fines"), [100, nan, 0])
