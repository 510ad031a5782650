"""The county file: the 136 county-level divisions of Shandong's 16 cities (no database)."""

from __future__ import annotations

import pytest

from eco311.geo.areafile import (
    COUNTY_FILE,
    AreaFileError,
    CountyFile,
    load_area_file,
    load_county_file,
)

CITIES_PER_COUNT = {
    "370100": 12,
    "370200": 10,
    "370300": 8,
    "370400": 6,
    "370500": 5,
    "370600": 11,
    "370700": 12,
    "370800": 11,
    "370900": 6,
    "371000": 4,
    "371100": 4,
    "371300": 12,
    "371400": 11,
    "371500": 8,
    "371600": 7,
    "371700": 9,
}


@pytest.fixture(scope="module")
def counties() -> CountyFile:
    return load_county_file()


def test_default_file_loads(counties):
    assert COUNTY_FILE.name == "counties.yaml"
    assert counties.schema_ == "eco311.counties/1"


def test_every_city_has_its_counties(counties):
    assert {city: len(rows) for city, rows in counties.by_city().items()} == CITIES_PER_COUNT
    assert len(counties.counties) == 136
    cities = {a.code for a in load_area_file().of_kind("city")}
    assert set(counties.by_city()) == cities


def test_codes_are_unique_and_lie_in_their_city(counties):
    codes = [c.code for c in counties.counties]
    assert len(set(codes)) == len(codes)
    for c in counties.counties:
        assert c.code[:4] == c.city[:4] and not c.code.endswith("00")


def test_names_are_bilingual_and_match_the_kind_of_division(counties):
    suffix = {"区": " District", "县": " County", "市": " City"}
    for c in counties.counties:
        assert c.name.en.endswith(suffix[c.name.zh[-1]]), c
    by_code = counties.by_code()
    assert by_code["370102"].name.zh == "历下区"
    assert by_code["371503"].name.zh == "茌平区"  # a district since 2019
    assert by_code["370116"].city == "370100"  # Laiwu, merged into Jinan in 2019
    assert by_code["371122"].name.en == "Ju County"


def test_the_parks_lie_in_known_counties(counties):
    from eco311.enterprises.survey.synthetic import PARK_PROFILES

    areas = load_area_file().by_key()
    by_code = counties.by_code()
    for key, profile in PARK_PROFILES.items():
        assert by_code[profile["county"]].city == areas[key].parent


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------

GOOD = """\
schema: eco311.counties/1
counties:
  - {code: "370102", name: {zh: 历下区, en: Lixia District}, city: "370100"}
  - {code: "370202", name: {zh: 市南区, en: Shinan District}, city: "370200"}
"""


def write(tmp_path, body):
    path = tmp_path / "counties.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def errors_of(tmp_path, body, **kwargs) -> list[str]:
    with pytest.raises(AreaFileError) as info:
        load_county_file(write(tmp_path, body), **kwargs)
    return info.value.messages


def test_minimal_file_loads(tmp_path):
    counties = load_county_file(write(tmp_path, GOOD))
    assert [c.code for c in counties.counties] == ["370102", "370202"]


def test_unquoted_codes_are_accepted(tmp_path):
    counties = load_county_file(write(tmp_path, GOOD.replace('"', "")))
    assert counties.counties[1].city == "370200"


def test_a_code_must_lie_in_its_city(tmp_path):
    body = GOOD.replace('{code: "370202"', '{code: "370302"')
    assert errors_of(tmp_path, body) == [
        "counties.yaml: counties[1].code: county code 370302 does not lie in city 370200: "
        "it must begin with 3702 (line 4)"
    ]


def test_codes_are_unique(tmp_path):
    body = GOOD + '  - {code: "370102", name: {zh: 甲, en: A District}, city: "370100"}\n'
    assert errors_of(tmp_path, body) == [
        "counties.yaml: counties[2].code: duplicate county code 370102 (first at counties[0]) "
        "(line 5)"
    ]


def test_a_city_code_is_not_a_county(tmp_path):
    body = GOOD.replace('{code: "370202"', '{code: "370200"')
    (message,) = errors_of(tmp_path, body)
    assert "370200 is the code of a city or province, not of a county" in message


def test_the_city_must_be_a_city_of_the_area_file(tmp_path):
    body = GOOD.replace('city: "370200"', 'city: "371200"').replace('"370202"', '"371202"')
    assert errors_of(tmp_path, body) == [
        "counties.yaml: counties[1].city: 371200 is not a city of the area file (line 4)"
    ]


def test_the_cities_come_from_the_area_file_given(tmp_path):
    areas = load_area_file().model_copy(deep=True)
    areas.areas = [a for a in areas.areas if a.key != "370200" and a.parent != "370200"]
    (message,) = errors_of(tmp_path, GOOD, areas=areas)
    assert "370200 is not a city of the area file" in message


def test_field_errors_are_located(tmp_path):
    body = GOOD.replace('code: "370202"', 'code: "3702"').replace("en: Lixia District", "en: ''")
    assert errors_of(tmp_path, body) == [
        "counties.yaml: counties[0].name.en: must not be empty (line 3)",
        "counties.yaml: counties[1].code: String should match pattern '^\\d{6}$' "
        "(got '3702') (line 4)",
    ]


def test_unknown_keys_and_a_wrong_schema(tmp_path):
    body = GOOD.replace("eco311.counties/1", "eco311.areas/1").replace(
        'city: "370100"}', 'city: "370100", parent: "370100"}'
    )
    messages = errors_of(tmp_path, body)
    assert messages[0].startswith("counties.yaml: schema: Input should be 'eco311.counties/1'")
    assert messages[1].startswith("counties.yaml: counties[0].parent: Extra inputs")


def test_syntax_error(tmp_path):
    (message,) = errors_of(tmp_path, GOOD + "  - {code: [\n")
    assert message.startswith("counties.yaml: line ")
    assert "YAML syntax error" in message
