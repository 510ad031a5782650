"""The column-wise validator: the same answers as cell by cell, whatever the cells hold."""

from __future__ import annotations

from decimal import Decimal

from eco311.enterprises.survey.validate import CleanRows, validate_columns, validate_rows

YEAR = 2024


def check(rows, context):
    return validate_rows(list(enumerate(rows, start=3)), year=YEAR, context=context)


def test_columns_and_rows_agree(survey_context, survey_row):
    rows = [survey_row(n) for n in range(1, 6)]
    rows[1]["employees"] = "many"
    by_rows = check(rows, survey_context)
    keys = list(rows[0])
    by_columns = validate_columns(
        [3, 4, 5, 6, 7],
        {k: [r.get(k) for r in rows] for k in keys},
        year=YEAR,
        context=survey_context,
    )
    assert by_columns.errors == by_rows.errors
    assert by_columns.rows == by_rows.rows
    assert [r.row for r in by_rows.rows] == [3, 5, 6, 7]


def test_a_bool_is_not_taken_for_the_number_it_equals(survey_context, survey_row):
    """Distinct values are parsed once, but False == 0 and True == 1 must not share a parse."""
    rows = [survey_row(n) for n in range(1, 4)]
    rows[0]["exports"] = 0.0
    rows[1]["exports"] = False
    rows[2]["exports"] = 1
    result = check(rows, survey_context)
    assert [(e.row, e.field_key, e.code) for e in result.errors] == [(4, "exports", "not_a_number")]
    assert [r["exports"] for r in result.rows] == [Decimal("0.00"), Decimal("1.00")]


def test_an_int_and_a_float_of_one_value_are_parsed_each(survey_context, survey_row):
    """10**16 and 1e16 are equal in Python; as a code, only the float is Excel's mangling."""
    rows = [survey_row(n) for n in range(1, 3)]
    rows[0]["county_code"] = 10**16
    rows[1]["county_code"] = 1e16
    codes = {e.row: e.params.get("reason") for e in check(rows, survey_context).errors}
    assert codes[4] == "scientific" and codes.get(3) != "scientific"


def test_repeated_values_share_one_parse_and_blank_cells_stay_blank(survey_context, survey_row):
    rows = [survey_row(n, exports=12.345, park_key="  ") for n in range(1, 4)]
    result = check(rows, survey_context)
    assert result.ok
    assert [r["exports"] for r in result.rows] == [Decimal("12.35")] * 3
    assert [r["park_key"] for r in result.rows] == [None] * 3


def test_clean_rows_give_columns_and_drop_rows(survey_context, survey_row):
    rows = [survey_row(n) for n in range(1, 5)]
    rows[2]["total_revenue"] = -1
    clean = check(rows, survey_context).rows
    assert isinstance(clean, CleanRows)
    assert len(clean) == 3 and clean.column("uscc") == [r.uscc for r in clean]
    fewer = clean.without({3})
    assert [r.row for r in fewer] == [4, 6] and len(fewer.column("name")) == 2
    assert clean == list(clean) and clean != fewer


def test_the_batch_parsers_agree_with_the_cell_parser(survey_context, survey_dictionary):
    """Decimals and credit codes are parsed a column at a time; the same values result."""
    import random

    from eco311.enterprises.survey.synthetic import synthetic_uscc
    from eco311.enterprises.survey.validate import _Bad, _parsers

    parsers = _parsers(survey_dictionary, survey_context)
    rng = random.Random(5)
    floats = {0.0, -0.0, 1.005, 2.675, 0.125, -0.125, 9.99e12, 1e13, 1e15 + 0.25, float("inf")}
    floats |= {round(rng.uniform(-1e6, 1e9), rng.randint(0, 4)) for _ in range(3000)}
    floats |= {rng.randint(-(10**5), 10**5) / 1000 + 0.005 for _ in range(3000)}
    parse = parsers["total_revenue"]
    fast = parse.many(floats)
    assert len(fast) > 100
    assert all(parse(x).as_tuple() == d.as_tuple() for x, d in fast.items())

    codes = set()
    for i in range(3000):
        code = list(synthetic_uscc(i))
        if i % 3:
            code[rng.randrange(18)] = rng.choice("0AIOZ9 ab+")
        codes.add(("".join(code).lower() if i % 7 == 0 else "".join(code)) + " " * (i % 2))
    parse = parsers["uscc"]
    fast = parse.many(codes)
    accepted = set()
    for code in codes:
        try:
            accepted.add((code, parse(code)))
        except _Bad:
            pass
    assert set(fast.items()) == accepted and len(accepted) > 1000
