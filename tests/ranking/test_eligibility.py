"""Eligibility rules: excluded units are out of every later step, and say which rule."""

import math

import pytest

from eco311.ranking.engine import DataTable, MethodologyError, parse_methodology, run

BASE = """
schema: eco311.methodology/1
name: {en: Test}
unit_column: unit
indicators:
  - {code: a, parent: idx}
  - {code: b, parent: idx}
levels:
  - name: index
    aggregation: {method: arithmetic}
    groups: [{code: idx}]
steps:
  denominate: {enabled: false}
  impute: {enabled: true, method: mean}
  screen: {enabled: false}
  transform: {enabled: false}
  treat: {enabled: false}
  normalise: {enabled: true, method: minmax, range: [0, 100]}
"""

RULES = """
eligibility:
  rules:
    - code: violation
      exclude_if: {column: violation, op: ">=", value: 1}
      reason: {zh: 违法, en: violation}
    - code: small
      exclude_if: {column: a, op: "<", value: 2, missing: true}
      reason: {en: too small}
"""


def table():
    return DataTable.from_records(
        [
            {"unit": "P", "a": 10, "b": 1, "violation": 0},
            {"unit": "Q", "a": 100, "b": 50, "violation": 1},  # would top the list
            {"unit": "R", "a": 1, "b": 9, "violation": 0},  # too small
            {"unit": "S", "a": None, "b": 5, "violation": 0},  # nothing reported
            {"unit": "T", "a": 30, "b": 3, "violation": 1},  # both rules: the first counts
            {"unit": "U", "a": 20, "b": 7, "violation": 0},
        ],
        "unit",
    )


def test_the_first_rule_a_unit_meets_excludes_it():
    result = run(table(), parse_methodology(BASE + RULES))
    assert result.excluded == {"Q": "violation", "T": "violation", "R": "small", "S": "small"}
    assert result.raw.units == ("P", "U")
    assert [r["unit"] for r in result.table()] == ["U", "P", "Q", "R", "S", "T"]
    assert all(r["rank"] is None for r in result.table()[2:])


def test_excluded_units_take_no_part_in_the_statistics():
    result = run(table(), parse_methodology(BASE + RULES))
    # min-max over P and U only: a from 10 to 20, b from 1 to 7
    assert result.normalised.value("P", "a") == 0 and result.normalised.value("U", "a") == 100
    assert result.normalised.value("P", "b") == 0 and result.normalised.value("U", "b") == 100
    everyone = run(table(), parse_methodology(BASE))
    assert everyone.excluded == {}
    assert everyone.ranks.value("Q", "idx") == 1
    # S's missing a was imputed from all units' mean when nobody is excluded
    assert not math.isnan(everyone.imputed.value("S", "a"))


def test_rule_codes_are_unique_and_columns_must_exist():
    twice = RULES.replace("code: small", "code: violation")
    with pytest.raises(MethodologyError, match=r"eligibility.rules\[1\].code: duplicate code"):
        parse_methodology(BASE + twice)
    with pytest.raises(MethodologyError, match="op"):
        parse_methodology(BASE + RULES.replace('op: ">="', 'op: "=>"'))
    unknown = RULES.replace("column: violation", "column: fines")
    with pytest.raises(ValueError, match="fines"):
        run(table(), parse_methodology(BASE + unknown))
