"""The survey data dictionary (dictionary.yaml): complete, bilingual, strictly validated."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eco311.enterprises.survey.dictionary import (
    DICTIONARY_FILE,
    DictionaryError,
    column_letter,
    load_dictionary,
)
from eco311.enterprises.survey.docs import render_dictionary, render_messages, update_document
from eco311.geo.areafile import load_area_file

REGISTRY = [
    "uscc",
    "name",
    "city_code",
    "county_code",
    "park_key",
    "industry_code",
    "segment",
    "main_products",
]
MONEY = [
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
]
COUNTS = [
    "rd_staff",
    "employees",
    "invention_patents",
    "standards_national",
    "standards_industry",
    "env_violations",
]


def test_loads_with_at_least_30_bilingual_fields(survey_dictionary):
    d = survey_dictionary
    assert d.schema_ == "eco311.survey-dictionary/1"
    assert len(d.fields) >= 30
    for f in d.fields:
        for text in (f.label, f.definition):
            assert text.zh.strip() and text.en.strip(), f.key
        # Chinese definitions are one sentence ending in 。; English ones end in a full stop.
        assert f.definition.zh.endswith("。"), f.key
        assert f.definition.zh.count("。") == 1, f.key
        assert f.definition.en.endswith("."), f.key


def test_has_exactly_the_agreed_keys(survey_dictionary):
    keys = set(survey_dictionary.keys())
    expected = {
        "year",
        *REGISTRY,
        *MONEY,
        *COUNTS,
        "main_product_capacity",
        "main_product_output",
        "main_product_unit",
        "credit_rating",
        "major_violation",
        "chain_nodes",  # the optional chain-node column (chains: declared placements)
    }
    assert keys == expected


def test_columns_in_order_with_letters(survey_dictionary):
    columns = survey_dictionary.columns()
    assert [f.column for f in columns] == list(range(1, len(columns) + 1))
    assert columns[0].key == "year" and columns[0].letter == "A"
    assert columns[1].key == "uscc" and columns[1].letter == "B"
    assert columns[26].letter == "AA"
    assert survey_dictionary.by_key["total_revenue"].letter == "J"
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_types_units_bounds(survey_dictionary):
    by_key = survey_dictionary.by_key
    for key in MONEY:
        f = by_key[key]
        assert f.type == "decimal"
        assert (f.unit.zh, f.unit.en) == ("万元", "10k yuan")
        assert f.decimals == 2
        if key == "profit":
            assert f.min < 0
        else:
            assert f.min == 0
    for key in COUNTS:
        assert by_key[key].type == "integer" and by_key[key].min == 0
    for key in ("uscc", "city_code", "county_code", "industry_code"):
        assert by_key[key].type == "code"
    assert by_key["uscc"].format == "uscc"
    assert by_key["city_code"].lookup == "cities"
    assert by_key["county_code"].lookup == "counties"
    assert by_key["industry_code"].format == "industry"
    assert by_key["major_violation"].type == "bool"
    assert [v for v, _ in by_key["segment"].options()] == ["manufacturing", "services", "resource"]
    assert by_key["segment"].options()[0][1].zh == "环保制造业"
    assert {"A", "B", "C", "D"} <= {v for v, _ in by_key["credit_rating"].options()}
    assert by_key["park_key"].values_from == "parks"
    required = set(survey_dictionary.required_keys())
    assert {"uscc", "name", "city_code", "industry_code", "segment", "employees"} <= required
    assert {"county_code", "park_key", "main_products", "profit"}.isdisjoint(required)


def test_groups_and_headers(survey_dictionary):
    assert [g.key for g in survey_dictionary.groups] == [
        "registry",
        "finance",
        "production",
        "innovation",
        "compliance",
    ]
    f = survey_dictionary.by_key["total_revenue"]
    assert f.header("zh") == "营业收入（万元）"
    assert f.header("en") == "Operating revenue (10k yuan)"
    assert survey_dictionary.by_key["name"].header("zh") == "企业名称"


def test_rules(survey_dictionary):
    rules = {r.code: r for r in survey_dictionary.rules}
    assert rules["sum_exceeds_total"].bound == "total_revenue"
    assert rules["rd_staff_exceeds_employees"].fields == ["rd_staff"]
    assert rules["output_exceeds_capacity"].severity == "warning"
    assert float(rules["output_exceeds_capacity"].factor) == 1.5


def test_parks_come_from_the_area_file():
    parks = load_area_file().of_kind("park")
    assert len(parks) == 10


def test_load_is_cached():
    assert load_dictionary() is load_dictionary(DICTIONARY_FILE)


# -- broken dictionaries: precise, located errors ------------------------------------


def _broken(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(DICTIONARY_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "dictionary.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["fields"][2].update(type="txt"),
            "fields[2].type: Input should be",
        ),
        (
            lambda d: d["fields"][3].update(key="uscc"),
            "fields[3].key: duplicate field key 'uscc'",
        ),
        (
            lambda d: d["fields"][4].update(column=99),
            "columns must be numbered 1..31",
        ),
        (
            lambda d: d["fields"][2].update(min=0),
            "'min' is only allowed on integer and decimal fields, not text",
        ),
        (
            lambda d: d["fields"][1].pop("format"),
            "a code field needs a format",
        ),
        (
            lambda d: d["fields"][7].pop("values"),
            "an enum field needs exactly one of 'values' and 'values_from'",
        ),
        (
            lambda d: d["fields"][0]["label"].update(en=" "),
            "fields[0].label.en: must not be empty",
        ),
        (
            lambda d: d["rules"][0].update(bound="revenue"),
            "unknown field 'revenue'",
        ),
        (
            lambda d: d["fields"][0].update(colour="red"),
            "fields[0].colour: Extra inputs are not permitted",
        ),
    ],
)
def test_broken_dictionary_is_reported_precisely(tmp_path, change, expected):
    path = _broken(tmp_path, change)
    with pytest.raises(DictionaryError) as info:
        load_dictionary(path)
    text = "\n".join(info.value.messages)
    assert expected in text
    assert "dictionary.yaml" in text
    assert "(line " in text  # located in the YAML file


def test_docs_tables_are_current():
    """docs/survey.md holds the generated tables; regenerate with python -m ...survey.docs."""
    assert update_document(check=True) is False
    table = render_dictionary()
    assert "| J | `total_revenue` | 营业收入<br>Operating revenue | 万元 / 10k yuan |" in table
    assert "`sum_exceeds_total`" in table
    assert "| `bad_uscc` | {loc}的值“{value}”校验位错误 |" in render_messages()
