"""Counted things in the survey (people, patents, standards) are whole numbers, like the plan's
count targets: the dictionary types them as integers and the validator refuses fractions."""

import pytest

from eco311.enterprises.survey.validate import validate_rows
from eco311.plans.planfile import is_count_unit


def test_every_counted_field_of_the_dictionary_is_an_integer(survey_dictionary):
    counted = [f for f in survey_dictionary.fields if f.unit and is_count_unit(f.unit.zh)]
    assert {"employees", "rd_staff", "invention_patents"} <= {f.key for f in counted}
    assert [f.key for f in counted if f.type != "integer"] == []


@pytest.mark.parametrize("key", ["employees", "rd_staff", "standards_national"])
def test_one_and_a_half_people_or_standards_are_refused(survey_context, survey_row, key):
    result = validate_rows(
        [(3, survey_row(1, **{key: 1.5}))], year=2024, sheet="年报 Returns", context=survey_context
    )
    assert not result.ok
    [error] = result.errors
    assert (error.field_key, error.code) == (key, "not_an_integer")
