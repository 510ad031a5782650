"""The ranking's input rows, made from two years of returns."""

from decimal import Decimal

import pytest

from eco311.ranking.inputs import CREDIT_SCORES, growth, input_row, input_rows


def ret(uscc="A", **fields):
    base = {"uscc": uscc, "name": "甲", "city_code": "370100", "segment": "manufacturing"}
    return {**base, **fields}


def test_environmental_revenue_is_the_sum_of_the_segments_reported():
    row = input_row(ret(env_revenue_manufacturing=Decimal("100.5"), env_revenue_resource=20), None)
    assert row["env_revenue"] == pytest.approx(120.5)
    assert input_row(ret(), None)["env_revenue"] is None


def test_growth_needs_a_previous_year_and_a_usable_base():
    assert growth(150.0, 100.0) == pytest.approx(50.0)
    assert growth(150.0, None) is None
    assert growth(150.0, 5.0) is None  # below GROWTH_BASE_MIN: noise, not growth
    assert growth(None, 100.0) is None


def test_a_row_takes_growth_from_the_same_enterprise_a_year_before():
    rows = input_rows(
        [ret("B", added_value=110, employees=50), ret("A", added_value=90, employees=40)],
        [ret("A", added_value=60, employees=40), ret("C", added_value=1)],
    )
    assert [r["uscc"] for r in rows] == ["A", "B"]
    a, b = rows
    assert a["added_value_growth"] == pytest.approx(50.0)
    assert a["employees_growth"] == pytest.approx(0.0)
    assert b["added_value_growth"] is None  # no return the year before


def test_credit_grades_become_scores_and_standards_add_up():
    row = input_row(ret(credit_rating="b", standards_national=2, standards_industry=3), None)
    assert row["credit_score"] == CREDIT_SCORES["B"] == 3.0
    assert row["standards"] == 5.0
    assert input_row(ret(credit_rating=""), None)["credit_score"] is None
