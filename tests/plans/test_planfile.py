"""Plan files: the shipped data and the loader/validator (no database, no Django)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from eco311.geo.areafile import load_area_file
from eco311.plans.planfile import (
    PLAN_DIR,
    PlanFile,
    PlanFileError,
    TargetSpec,
    check_areas,
    check_sources,
    load_plan_file,
    plan_files,
)

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO.parent / "shared" / "seeds"
DOC = REPO / "docs" / "plan-file-format.md"
MAIN = PLAN_DIR / "shandong-311.yaml"

SHIPPED = plan_files()


def seed_text(name: str) -> str:
    path = SEEDS / name
    if not path.exists():
        pytest.skip(f"seed file {path} not available")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def main_plan() -> PlanFile:
    return load_plan_file(MAIN)


@pytest.fixture(scope="module")
def areas():
    return load_area_file()


# ---------------------------------------------------------------------------
# shipped data
# ---------------------------------------------------------------------------


def test_the_three_plan_files_are_shipped():
    assert {p.name for p in SHIPPED} == {
        "shandong-311.yaml",
        "state-council-opinions.yaml",
        "sci-tech-opinions.yaml",
    }


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_plan_file_loads(path):
    pf = load_plan_file(path)
    assert pf.schema_ == "eco311.plan/1"
    assert path.stem and pf.plan.key
    assert list(pf.iter_targets()), "a plan file without targets is useless"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_source_is_verbatim_in_its_seed(path):
    pf = load_plan_file(path)
    assert check_sources(pf, seed_text(pf.plan.source_file)) == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_scope_is_a_known_area_of_the_right_kind(path, areas):
    pf = load_plan_file(path)
    assert check_areas(pf, areas.kinds()) == []
    assert check_areas(pf, set(areas.kinds())) == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_deadline_text_is_in_the_seed(path):
    pf = load_plan_file(path)
    seed = seed_text(pf.plan.source_file).replace("\n", "")
    for _s, _t, target in pf.iter_targets():
        if target.deadline_text:
            assert target.deadline_text in seed, target.key


def test_unit_keys_mean_the_same_unit_in_every_file():
    names: dict[str, tuple[str, str]] = {}
    for path in SHIPPED:
        for unit in load_plan_file(path).units:
            pair = (unit.name.zh, unit.name.en)
            assert names.setdefault(unit.key, pair) == pair, unit.key


def test_main_plan_metadata(main_plan):
    p = main_plan.plan
    assert p.key == "shandong-311"
    assert p.doc_number == "鲁环发〔2023〕22号"
    assert p.issued_on == date(2023, 11, 24)
    assert (p.period_start, p.period_end) == (date(2023, 1, 1), date(2025, 12, 31))
    assert p.language == "zh"
    assert p.source_file == "004_6a9cb11a236a9990.txt"


def test_main_plan_has_between_80_and_140_targets(main_plan):
    n = sum(1 for _ in main_plan.iter_targets())
    assert 80 <= n <= 140, n


def test_main_plan_targets_per_part(main_plan):
    assert dict(main_plan.count_targets()) == {
        "一": 6,
        "二": 21,
        "三": 45,
        "四": 13,
        "五": 31,
        "六": 4,
    }


def test_main_plan_structure(main_plan):
    tops = [s.ref for s in main_plan.sections]
    assert tops == ["一", "二", "三", "四", "五", "六"]
    parents = dict((s.ref, parent) for s, parent in main_plan.iter_sections())
    assert parents["三(十)"] == "三"
    assert parents["一"] is None
    # the ten parks, one subsection each, every one with its items 1-3
    parks = next(s for s in main_plan.sections if s.ref == "三").sections
    assert len(parks) == 10
    for park in parks:
        assert [t.ref for t in park.tasks] == [f"{park.ref}{i}" for i in (1, 2, 3)]
    clusters = next(s for s in main_plan.sections if s.ref == "二").sections
    assert [c.ref for c in clusters] == ["二(一)", "二(二)", "二(三)"]


def test_every_park_and_cluster_has_targets_scoped_to_it(main_plan, areas):
    scoped = {t.scope.key for _s, _t, t in main_plan.iter_targets()}
    for area in areas.of_kind("park") + areas.of_kind("cluster"):
        assert area.key in scoped, area.key


def test_202_deadline_is_flagged_not_guessed(main_plan):
    flagged = [t for _s, _t, t in main_plan.iter_targets() if t.deadline_text == "202 年年底前"]
    assert flagged, "the 202 年年底前 targets of 三(十)3 are missing"
    for target in flagged:
        assert target.deadline is None
        assert target.kind == "milestone"
        assert target.scope.key == "park-binzhou-huimin"
        flag = next(f for f in target.flags if f.code == "ambiguous_deadline")
        assert "202" in flag.note.zh and "202" in flag.note.en
    # and nothing else in the plan is ambiguous about its deadline
    others = [
        t.key
        for _s, _t, t in main_plan.iter_targets()
        if t.has_flag("ambiguous_deadline") and t not in flagged
    ]
    assert others == []


def test_known_targets_are_encoded_as_the_plan_says(main_plan):
    t = main_plan.target("1-2-1-c")  # 3大产业集群环保业务产值力争占全省的50%以上
    assert (t.op, t.value, t.limit, t.strive) == (">=", 50, 100, True)
    assert t.deadline == date(2025, 12, 31)
    t = main_plan.target("5-1-1-f")  # 5-7个试点
    assert (t.op, t.value, t.value_max) == ("range", 5, 7)
    t = main_plan.target("4-2-2-c")  # 省级每年组织2次供需对接会
    assert t.kind == "recurring" and t.recurring.count == 2 and t.recurring.per == "year"
    t = main_plan.target("4-2-1-a")  # 2024年6月底前
    assert t.deadline == date(2024, 6, 30)
    t = main_plan.target("6-1-b")  # 2024年3月底\n\n前
    assert t.deadline == date(2024, 3, 31)
    assert "\n\n" in t.source
    t = main_plan.target("2-2-3-a")  # 全市…研发机构 -> the city of Qingdao
    assert (t.scope.kind, t.scope.key) == ("city", "370200")


def test_responsible_units_follow_the_plan(main_plan):
    def units_of(key):
        for _s, task, target in main_plan.iter_targets():
            if target.key == key:
                return main_plan.responsible(task, target)
        raise KeyError(key)

    # （责任单位：省生态环境厅、省商务厅、省工业和信息化厅）
    assert units_of("4-1-3-a") == (["ecology-environment"], ["commerce", "industry-it"])
    # （责任单位：省地方金融监管局、省生态环境厅）
    assert units_of("5-3-3-a") == (["local-finance"], ["ecology-environment"])
    # （责任单位：人民银行山东省分行）
    assert units_of("5-3-1-a") == (["pboc-shandong"], [])
    # the target names its own actor: 各市要…制定具体工作方案
    assert units_of("6-1-b") == (["cities"], ["ecology-environment"])
    # parts 一-三 name no unit: flagged, not invented
    lead, assist = units_of("3-10-2-a")
    assert (lead, assist) == ([], [])
    assert main_plan.target("3-10-2-a").has_flag("no_responsible_unit")


def test_every_unit_is_used_and_every_target_has_someone_or_a_flag(main_plan):
    used = set()
    for _s, task, target in main_plan.iter_targets():
        lead, assist = main_plan.responsible(task, target)
        used |= set(lead) | set(assist)
        assert lead or target.has_flag("no_responsible_unit"), target.key
    for _s, task in main_plan.iter_tasks():
        used |= set(task.lead) | set(task.assist)
    assert used == {u.key for u in main_plan.units}


def test_english_plans(areas):
    sc = load_plan_file(PLAN_DIR / "state-council-opinions.yaml")
    assert sc.plan.key == "state-council-shandong-green"
    assert sc.plan.language == "en"
    st = load_plan_file(PLAN_DIR / "sci-tech-opinions.yaml")
    assert st.plan.key == "sci-tech-green-industry"
    assert st.plan.language == "en"
    for pf in (sc, st):
        for _s, _t, target in pf.iter_targets():
            assert target.scope.key == "370000"
            assert re.search(r"[\u4e00-\u9fff]", target.text.zh), target.key
    assert st.target("b3-a").recurring.per == "year"
    assert sc.target("a1-a").deadline == date(2027, 12, 31)


def test_documented_example_is_valid():
    text = DOC.read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "eco311.plan/1" in b)
    pf = PlanFile.model_validate(yaml.safe_load(block))
    assert check_sources(pf, seed_text(pf.plan.source_file)) == []
    assert [t.key for _s, _t, t in pf.iter_targets()] == ["3-2-3-b", "3-10-3-a"]


def test_round_trip_through_a_dict(main_plan):
    data = main_plan.model_dump(by_alias=True, exclude_defaults=True)
    assert data["schema"] == "eco311.plan/1"
    assert PlanFile.model_validate(data) == main_plan


# ---------------------------------------------------------------------------
# validation errors
# ---------------------------------------------------------------------------

HEAD = """\
schema: eco311.plan/1
plan:
  key: t
  title: {zh: 甲, en: A}
  short_title: {zh: 甲, en: A}
  issuer: {zh: 甲, en: A}
  period_start: 2023-01-01
  period_end: 2025-12-31
  language: zh
  source_file: x.txt
units:
  - key: u1
    name: {zh: 甲, en: A}
sections:
  - ref: 一
    title: {zh: 甲, en: A}
    sections:
      - ref: 一(一)
        title: {zh: 甲, en: A}
        tasks:
          - ref: 一(一)1
            title: {zh: 甲, en: A}
            lead: [u1]
            targets:
"""

GOOD_TARGET = """\
              - key: {key}
                kind: numeric
                metric: {{zh: 甲, en: A}}
                op: ">="
                value: {value}
                scope: {{kind: province, key: "370000"}}
                text: {{zh: 甲, en: A}}
                source: 甲
"""


def write(tmp_path: Path, body: str, name: str = "bad-plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(PlanFileError) as info:
        load_plan_file(path)
    assert info.value.messages, "PlanFileError without messages"
    return info.value.messages


def test_minimal_file_loads(tmp_path):
    path = write(tmp_path, HEAD + GOOD_TARGET.format(key="a", value=1))
    pf = load_plan_file(path)
    assert [t.key for _s, _t, t in pf.iter_targets()] == ["a"]


def test_bad_value_names_file_and_exact_field_path(tmp_path):
    path = write(
        tmp_path,
        HEAD + GOOD_TARGET.format(key="a", value=1) + GOOD_TARGET.format(key="b", value="三百"),
    )
    (message,) = errors_of(path)
    assert message.startswith(
        "bad-plan.yaml: sections[0].sections[0].tasks[0].targets[1].value: "
        "Input should be a valid number (got '三百')"
    )
    assert message.endswith("(line 37)")


def test_error_carries_structured_problems(tmp_path):
    path = write(tmp_path, HEAD + GOOD_TARGET.format(key="a", value="x"))
    with pytest.raises(PlanFileError) as info:
        load_plan_file(path)
    (problem,) = info.value.problems
    assert problem.file == "bad-plan.yaml"
    assert problem.path == "sections[0].sections[0].tasks[0].targets[0].value"
    assert problem.line == 29
    assert info.value.path == path


def test_yaml_syntax_error_reports_line_and_column(tmp_path):
    path = write(
        tmp_path, "schema: eco311.plan/1\nplan:\n  key: t\n  title: {zh: 甲, en: A\nunits: []\n"
    )
    (message,) = errors_of(path)
    assert message.startswith("bad-plan.yaml: line 5, column ")
    assert "YAML syntax error" in message


def test_duplicate_yaml_key_is_an_error(tmp_path):
    body = HEAD + GOOD_TARGET.format(key="a", value=1).replace(
        "                source: 甲\n", "                source: 甲\n                value: 2\n"
    )
    (message,) = errors_of(write(tmp_path, body))
    assert message == (
        "bad-plan.yaml: line 33, column 17: YAML error: duplicate key 'value' (first at line 29)"
    )


def test_unknown_unit_key_is_reported(tmp_path):
    body = HEAD.replace("lead: [u1]", "lead: [u1, nobody]") + GOOD_TARGET.format(key="a", value=1)
    body = body.replace(
        "                source: 甲\n",
        "                source: 甲\n                assist: [ghost]\n",
    )
    messages = errors_of(write(tmp_path, body))
    assert messages == [
        "bad-plan.yaml: sections[0].sections[0].tasks[0].lead[1]: "
        "unknown unit 'nobody' (not defined under 'units') (line 23)",
        "bad-plan.yaml: sections[0].sections[0].tasks[0].targets[0].assist[0]: "
        "unknown unit 'ghost' (not defined under 'units') (line 33)",
    ]


def test_range_without_value_max_is_reported(tmp_path):
    body = HEAD + GOOD_TARGET.format(key="a", value=5).replace('op: ">="', "op: range")
    (message,) = errors_of(write(tmp_path, body))
    assert message.startswith("bad-plan.yaml: sections[0].sections[0].tasks[0].targets[0]: ")
    assert "op 'range' needs value_max" in message


def test_range_with_value_max_not_above_value_is_reported(tmp_path):
    body = HEAD + GOOD_TARGET.format(key="a", value=5).replace(
        'op: ">="', "op: range\n                value_max: 5"
    )
    (message,) = errors_of(write(tmp_path, body))
    assert "value_max (5) must be greater than value (5)" in message


def test_duplicate_target_keys_are_reported(tmp_path):
    body = HEAD + GOOD_TARGET.format(key="a", value=1) + GOOD_TARGET.format(key="a", value=2)
    (message,) = errors_of(write(tmp_path, body))
    assert message == (
        "bad-plan.yaml: sections[0].sections[0].tasks[0].targets[1].key: duplicate target key "
        "'a' (first at sections[0].sections[0].tasks[0].targets[0].key) (line 33)"
    )


def test_duplicate_section_and_task_refs_are_reported(tmp_path):
    body = HEAD + GOOD_TARGET.format(key="a", value=1)
    body += """\
          - ref: 一(一)1
            title: {zh: 乙, en: B}
  - ref: 一
    title: {zh: 乙, en: B}
"""
    messages = errors_of(write(tmp_path, body))
    assert any("tasks[1].ref: duplicate task ref '一(一)1'" in m for m in messages)
    assert any("sections[1].ref: duplicate section ref '一'" in m for m in messages)


def test_duplicate_unit_keys_are_reported(tmp_path):
    body = HEAD.replace("units:\n", "units:\n  - key: u1\n    name: {zh: 乙, en: B}\n")
    body += GOOD_TARGET.format(key="a", value=1)
    (message,) = errors_of(write(tmp_path, body))
    assert "units[1].key: duplicate unit key 'u1'" in message


def test_several_problems_are_all_reported(tmp_path):
    body = (
        HEAD
        + GOOD_TARGET.format(key="a", value="x")
        + GOOD_TARGET.format(key="b", value=1).replace("kind: province", "kind: county")
    )
    messages = errors_of(write(tmp_path, body))
    assert len(messages) == 2
    assert "targets[1].scope.kind" in messages[1]
    assert "(got 'county')" in messages[1]


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"metric": None}, "a numeric target needs metric"),
        ({"op": None, "value": None}, "a numeric target needs op, value"),
        (
            {"kind": "milestone", "metric": None, "op": None, "value": None},
            "a milestone needs a deadline",
        ),
        ({"kind": "recurring"}, "a recurring target needs 'recurring'"),
        ({"recurring": {"count": 1, "per": "year"}}, "'recurring' is only allowed on recurring"),
        ({"value_max": 9}, "value_max is only allowed with op 'range'"),
        ({"limit": 100, "value": 120}, "value (120) exceeds the natural limit (100)"),
        ({"deadline": "2025-12-31"}, "a deadline needs deadline_text"),
        (
            {"deadline": "2025-12-31", "deadline_text": "2025年年底前"},
            "deadline_text '2025年年底前' does not occur in source",
        ),
        ({"lead": ["u1", "u1"]}, "lead lists 'u1' twice"),
        ({"lead": ["u1"], "assist": ["u1"]}, "'u1' is both lead and assist"),
        ({"text": {"zh": "甲", "en": " "}}, "must not be empty"),
        ({"unexpected": 1}, "Extra inputs are not permitted"),
    ],
)
def test_target_rules(patch, expected):
    data = {
        "key": "a",
        "kind": "numeric",
        "metric": {"zh": "甲", "en": "A"},
        "op": ">=",
        "value": 1,
        "scope": {"kind": "province", "key": "370000"},
        "text": {"zh": "甲", "en": "A"},
        "source": "甲",
    }
    data.update(patch)
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(ValueError, match=re.escape(expected)):
        TargetSpec.model_validate(data)


def test_milestone_without_deadline_is_fine_when_flagged():
    target = TargetSpec.model_validate(
        {
            "key": "a",
            "kind": "milestone",
            "deadline_text": "202 年年底前",
            "scope": {"kind": "park", "key": "park-binzhou-huimin"},
            "text": {"zh": "甲", "en": "A"},
            "source": "202 年年底前，建设完成",
            "flags": [
                {"code": "ambiguous_deadline", "note": {"zh": "年份缺失", "en": "year missing"}}
            ],
        }
    )
    assert target.deadline is None and target.is_ambiguous


def test_deadline_from_context_flag_allows_an_outside_date():
    target = TargetSpec.model_validate(
        {
            "key": "a",
            "kind": "milestone",
            "deadline": "2025-12-31",
            "deadline_text": "到 2025 年",
            "scope": {"kind": "province", "key": "370000"},
            "text": {"zh": "甲", "en": "A"},
            "source": "建成某中心",
            "flags": [
                {"code": "deadline_from_context", "note": {"zh": "见上句", "en": "see above"}}
            ],
        }
    )
    assert target.deadline == date(2025, 12, 31)


def test_responsible_prefers_the_targets_lists(tmp_path):
    body = HEAD.replace("lead: [u1]", "lead: [u1]\n            assist: [u2]")
    body = body.replace("units:\n", "units:\n  - key: u2\n    name: {zh: 乙, en: B}\n")
    body += GOOD_TARGET.format(key="a", value=1)
    body += GOOD_TARGET.format(key="b", value=1).replace(
        "                source: 甲\n", "                source: 甲\n                lead: [u2]\n"
    )
    pf = load_plan_file(write(tmp_path, body))
    (_s, task, a), (_s2, _t2, b) = list(pf.iter_targets())
    assert pf.responsible(task, a) == (["u1"], ["u2"])
    # b leads with u2: it replaces the task's lead, and u2 is not also an assist
    assert pf.responsible(task, b) == (["u2"], [])


def test_check_sources_is_exact(tmp_path):
    pf = load_plan_file(
        write(
            tmp_path,
            HEAD + GOOD_TARGET.format(key="a", value=1).replace("source: 甲", "source: 甲乙"),
        )
    )
    assert check_sources(pf, "……甲乙……") == []
    (message,) = check_sources(pf, "甲\n乙")
    assert "target a" in message and "'甲乙'" in message
    assert len(check_sources(pf, "甲 乙")) == 1


def test_check_areas_reports_unknown_and_mismatched(tmp_path):
    body = HEAD + GOOD_TARGET.format(key="a", value=1)
    body += GOOD_TARGET.format(key="b", value=1).replace(
        'scope: {kind: province, key: "370000"}', "scope: {kind: park, key: park-nowhere}"
    )
    pf = load_plan_file(write(tmp_path, body))
    assert check_areas(pf, {"370000"}) == [
        "t: target b: scope key 'park-nowhere' is not a known area"
    ]
    (message,) = check_areas(pf, {"370000": "city", "park-nowhere": "park"})
    assert "scope kind 'province' does not match area '370000', which is a city" in message


def test_empty_and_non_mapping_files(tmp_path):
    (message,) = errors_of(write(tmp_path, ""))
    assert message == "bad-plan.yaml: (top level): expected a mapping, the file is empty"
    (message,) = errors_of(write(tmp_path, "- 1\n- 2\n"))
    assert "expected a mapping" in message


def test_wrong_schema_is_reported(tmp_path):
    body = (HEAD + GOOD_TARGET.format(key="a", value=1)).replace("eco311.plan/1", "eco311.plan/2")
    (message,) = errors_of(write(tmp_path, body))
    assert message.startswith("bad-plan.yaml: schema: Input should be 'eco311.plan/1'")


def test_missing_file(tmp_path):
    (message,) = errors_of(tmp_path / "nope.yaml")
    assert message.startswith("nope.yaml: cannot read file")


# ---------------------------------------------------------------------------
# counts: "1个中心" is a whole number of things, and "=" is not how they are read
# ---------------------------------------------------------------------------

COUNT_TARGET = GOOD_TARGET.replace(
    "                scope:",
    "                unit: {{zh: {unit}, en: things}}\n                scope:",
)


@pytest.mark.parametrize("unit", ["个", "家", "项", "家/年"])
def test_a_count_target_needs_a_whole_number(tmp_path, unit):
    path = write(tmp_path, HEAD + COUNT_TARGET.format(key="a", value=1.5, unit=unit))
    [message] = errors_of(path)
    assert "targets[0]" in message and "whole number" in message and "1.5" in message


@pytest.mark.parametrize("unit", ["亿元", "万吨", "%", "万人"])
def test_other_units_take_fractions(tmp_path, unit):
    path = write(tmp_path, HEAD + COUNT_TARGET.format(key="a", value=1.5, unit=f'"{unit}"'))
    assert load_plan_file(path).target("a").value == 1.5


def test_is_count_unit_reads_the_counted_thing_of_a_rate():
    from eco311.plans.planfile import is_count_unit

    assert is_count_unit("个") and is_count_unit("套/年") and is_count_unit(" 家 ")
    assert not is_count_unit("万吨/年") and not is_count_unit("") and not is_count_unit(None)


@pytest.mark.parametrize("path", plan_files(), ids=lambda p: p.name)
def test_no_shipped_target_is_read_as_exactly_equal(path):
    """Every "= N" of the plans was decided (at least N, or a milestone) with the reading
    recorded; an exact "=" would call 2 centres where the plan asks for 1 a failure."""
    for _s, _t, target in load_plan_file(path).iter_targets():
        assert target.op != "=", target.key


def test_counts_to_build_are_at_least_and_say_so():
    pf = load_plan_file(PLAN_DIR / "shandong-311.yaml")
    centre = pf.target("2-3-0-a")  # 围绕“1个中心、3个产业链条、5个特色产业基地”
    assert (centre.op, centre.value, centre.limit) == (">=", 1, None)
    assert "至少1" in centre.note.zh and "at least 1" in centre.note.en
    clusters = pf.target("1-2-1-b")  # the three named clusters: no fourth one to build
    assert (clusters.op, clusters.value, clusters.limit) == (">=", 3, 3)
