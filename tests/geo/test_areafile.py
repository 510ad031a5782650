"""The area file: Shandong, its 16 cities, the 3 clusters and 10 parks (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eco311.core.datafile import DataFileError
from eco311.geo.areafile import AREA_FILE, AreaFileError, load_area_file

CITY_CODES = {
    "370100": "济南市",
    "370200": "青岛市",
    "370300": "淄博市",
    "370400": "枣庄市",
    "370500": "东营市",
    "370600": "烟台市",
    "370700": "潍坊市",
    "370800": "济宁市",
    "370900": "泰安市",
    "371000": "威海市",
    "371100": "日照市",
    "371300": "临沂市",
    "371400": "德州市",
    "371500": "聊城市",
    "371600": "滨州市",
    "371700": "菏泽市",
}


@pytest.fixture(scope="module")
def areas():
    return load_area_file()


def test_default_file_loads(areas):
    assert AREA_FILE.name == "areas.yaml"
    assert areas.schema_ == "eco311.areas/1"


def test_counts(areas):
    assert len(areas.of_kind("province")) == 1
    assert len(areas.of_kind("city")) == 16
    assert len(areas.of_kind("cluster")) == 3
    assert len(areas.of_kind("park")) == 10
    assert len(areas.areas) == 30


def test_province_and_cities_use_gbt2260_codes(areas):
    (province,) = areas.of_kind("province")
    assert (province.key, province.code, province.name.zh) == ("370000", "370000", "山东省")
    assert province.parent is None
    cities = {a.code: a.name.zh for a in areas.of_kind("city")}
    assert cities == CITY_CODES
    for city in areas.of_kind("city"):
        assert city.key == city.code and city.parent == "370000"


def test_laiwu_is_absent(areas):
    assert "371200" not in areas.by_key()
    assert not any("莱芜" in a.name.zh or "Laiwu" in a.name.en for a in areas.areas)


def test_clusters_are_the_plans_three(areas):
    clusters = {a.key: (a.name.zh, a.parent) for a in areas.of_kind("cluster")}
    assert clusters == {
        "cluster-jinan": ("济南生态环保产业集群", "370100"),
        "cluster-qingdao": ("青岛生态环保产业集群", "370200"),
        "cluster-zibo": ("淄博生态环保产业集群", "370300"),
    }


def test_parks_are_the_plans_ten_with_city_and_specialism(areas):
    parks = {a.name.zh: areas.city_of(a.key).name.zh for a in areas.of_kind("park")}
    assert parks == {
        "青岛上合生态环保产业特色园区": "青岛市",
        "枣庄市中区生态环保产业特色园区": "枣庄市",
        "烟台莱山生态环保产业特色园区": "烟台市",
        "潍坊安丘生态环保产业特色园区": "潍坊市",
        "济宁梁山生态环保产业特色园区": "济宁市",
        "泰安肥城生态环保产业特色园区": "泰安市",
        "日照莒县生态环保产业特色园区": "日照市",
        "德州天衢生态环保产业特色园区": "德州市",
        "聊城茌平生态环保产业特色园区": "聊城市",
        "滨州惠民生态环保产业特色园区": "滨州市",
    }
    for park in areas.of_kind("park"):
        assert park.key.startswith("park-")
        assert park.specialism is not None
        assert park.code is None


def test_park_names_occur_in_the_plan(areas):
    seed = (
        Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / "004_6a9cb11a236a9990.txt"
    )
    if not seed.exists():
        pytest.skip("seed file not available")
    text = seed.read_text(encoding="utf-8")
    for area in areas.of_kind("park") + areas.of_kind("cluster"):
        assert area.name.zh in text, area.name.zh


def test_navigation(areas):
    assert areas.city_of("park-dezhou-tianqu").key == "371400"
    assert areas.city_of("370200").key == "370200"
    assert areas.city_of("370000") is None
    assert {a.key for a in areas.children("370200")} == {"cluster-qingdao", "park-qingdao-shanghe"}
    assert areas.kinds()["cluster-zibo"] == "cluster"


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------

GOOD = """\
schema: eco311.areas/1
areas:
  - key: "370000"
    kind: province
    code: "370000"
    name: {zh: 山东省, en: Shandong Province}
  - key: "370100"
    kind: city
    code: "370100"
    name: {zh: 济南市, en: Jinan City}
    parent: "370000"
"""


def errors_of(tmp_path, body) -> list[str]:
    path = tmp_path / "areas.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(AreaFileError) as info:
        load_area_file(path)
    assert isinstance(info.value, DataFileError)
    return info.value.messages


def test_minimal_file_loads(tmp_path):
    path = tmp_path / "areas.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert len(load_area_file(path).areas) == 2


def test_unquoted_codes_are_accepted(tmp_path):
    path = tmp_path / "areas.yaml"
    path.write_text(GOOD.replace('"', ""), encoding="utf-8")
    assert load_area_file(path).areas[1].code == "370100"


def test_duplicate_keys(tmp_path):
    body = (
        GOOD
        + '  - key: "370100"\n    kind: city\n    code: "370100"\n    name: {zh: 乙, en: B}\n    parent: "370000"\n'
    )
    messages = errors_of(tmp_path, body)
    assert "areas.yaml: areas[2].key: duplicate area key '370100' (line 12)" in messages


def test_unknown_parent(tmp_path):
    body = (
        GOOD + "  - key: park-x\n    kind: park\n    name: {zh: 乙, en: B}\n    parent: '379900'\n"
    )
    (message,) = errors_of(tmp_path, body)
    assert message == "areas.yaml: areas[2].parent: unknown parent area '379900' (line 15)"


def test_parent_of_wrong_kind(tmp_path):
    body = (
        GOOD + "  - key: park-x\n    kind: park\n    name: {zh: 乙, en: B}\n    parent: '370000'\n"
    )
    (message,) = errors_of(tmp_path, body)
    assert "the parent of a park must be a city, but '370000' is a province" in message


def test_code_must_be_six_digits(tmp_path):
    (message,) = errors_of(
        tmp_path,
        GOOD.replace('code: "370100"', 'code: "3701"').replace('key: "370100"', "key: jinan"),
    )
    assert message.startswith("areas.yaml: areas[1]: code must be six digits")


def test_city_needs_a_code(tmp_path):
    body = GOOD.replace('    code: "370100"\n', "")
    (message,) = errors_of(tmp_path, body)
    assert "a city needs its GB/T 2260 code" in message


def test_syntax_error(tmp_path):
    (message,) = errors_of(tmp_path, GOOD + "  - key: [\n")
    assert message.startswith("areas.yaml: line ")
    assert "YAML syntax error" in message
