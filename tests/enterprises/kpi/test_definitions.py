"""The KPI indicator file: validation, bindings to plan targets, documentation (no database)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from eco311.enterprises.kpi.definitions import (
    BASE_FIELDS,
    DOC_FILE,
    INDICATOR_FILE,
    SEGMENTS,
    TAGS,
    KpiFileError,
    check_binds,
    load_indicators,
    render_markdown,
    splice_markdown,
)
from eco311.geo.areafile import load_area_file
from eco311.plans.planfile import PLAN_DIR, load_plan_file

KPI_DIR = Path(INDICATOR_FILE).parent

#: The bindings the brief asks for, by indicator (target key, scope key).
REQUIRED_BINDS = {
    "env_revenue_over_100m": {("1-2-3-b", "370000")},
    "env_revenue_manufacturing": {("4-1-1-a", "370000")},
    "env_revenue_services": {("4-1-2-a", "370000")},
    "env_revenue_resource": {("4-1-3-a", "370000")},
    "leading_share_manufacturing": {("4-1-1-b", "370000")},
    "leading_share_services": {("4-1-2-b", "370000")},
    "leading_share_resource": {("4-1-3-b", "370000")},
    "leading_count": {("1-2-3-a", "370000")},
    "cluster_output_share": {("1-2-1-c", "370000")},
    "specialised_sme_count": {("4-3-1-a", "370000")},
    "little_giant_count": {("4-3-1-b", "370000")},
}


@pytest.fixture(scope="module")
def indicators():
    return load_indicators()


@pytest.fixture(scope="module")
def plan():
    return load_plan_file(PLAN_DIR / "shandong-311.yaml")


@pytest.fixture(scope="module")
def areas():
    return load_area_file()


def write(tmp_path, data) -> Path:
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def indicator(key="x", kind="count", unit=("家", "enterprises"), **extra):
    return {
        "key": key,
        "label": {"zh": "标签", "en": "label"},
        "definition": {"zh": "定义。", "en": "Definition."},
        "unit": {"zh": unit[0], "en": unit[1]},
        "kind": kind,
        "scopes": ["province"],
        **extra,
    }


def document(*indicators, derived=None):
    doc = {"schema": "eco311.kpi/1", "plan": "shandong-311"}
    if derived is not None:
        doc["derived"] = derived
    doc["indicators"] = list(indicators)
    return doc


def load_errors(tmp_path, data) -> list[str]:
    with pytest.raises(KpiFileError) as info:
        load_indicators(write(tmp_path, data))
    return info.value.messages


# -- the shipped file ------------------------------------------------------------------


def test_the_shipped_file_loads(indicators):
    assert indicators.schema_ == "eco311.kpi/1"
    assert indicators.plan == "shandong-311"
    assert len(indicators) == len(set(indicators.keys())) >= 20


@pytest.mark.parametrize("key", sorted(REQUIRED_BINDS))
def test_it_binds_the_required_targets(indicators, key):
    ind = indicators[key]
    assert REQUIRED_BINDS[key] <= {(b.target, b.scope) for b in ind.binds}


def test_it_binds_park_targets(indicators):
    bound = indicators.bound_targets()
    parks = {t for t, (_i, scope) in bound.items() if scope.startswith("park-")}
    assert len(parks) >= 15
    assert bound["3-5-2-b"][0].key == "leading_output_over_100m_count"
    assert bound["3-2-3-b"][0].kind == "ratio"
    assert bound["3-10-2-a"][0].caveat is not None  # 规上 is an approximation


def test_every_bound_target_exists_at_the_same_scope_with_the_same_unit(indicators, plan):
    targets = {t.key: t for _s, _t, t in plan.iter_targets()}
    for ind in indicators:
        for bind in ind.binds:
            target = targets.get(bind.target)
            assert target is not None, f"{ind.key}: no target {bind.target}"
            assert target.kind == "numeric", f"{ind.key} -> {bind.target}"
            assert target.scope.key == bind.scope, f"{ind.key} -> {bind.target}"
            assert target.scope.kind in ind.scopes, f"{ind.key} -> {bind.target}"
            assert target.unit.zh == ind.unit.zh, (
                f"{ind.key} -> {bind.target}: {ind.unit.zh} vs {target.unit.zh}"
            )


def test_check_binds_accepts_the_shipped_file(indicators, plan, areas):
    assert check_binds(indicators, plan, areas.kinds()) == []


def test_check_binds_reports_each_mismatch(tmp_path, plan, areas):
    data = document(
        indicator("a", binds=[{"target": "9-9-9-z", "scope": "370000"}]),
        indicator("b", binds=[{"target": "1-2-3-a", "scope": "370100"}]),
        indicator("c", binds=[{"target": "3-3-2-a", "scope": "park-yantai-laishan"}]),
        indicator(
            "d",
            kind="sum",
            field="total_revenue",
            unit=("亿元", "100 million yuan"),
            scale=0.0001,
            binds=[{"target": "1-2-3-b", "scope": "370000"}],
        ),
        indicator("e", binds=[{"target": "1-2-1-a", "scope": "370000"}]),
    )
    messages = check_binds(load_indicators(write(tmp_path, data)), plan, areas.kinds())
    assert messages == [
        "a -> 9-9-9-z: no such target in plan 'shandong-311'",
        "b -> 1-2-3-a: bound at scope '370100' but the target is about province '370000'",
        "b -> 1-2-3-a: scope '370100' is not a known province",
        "c -> 3-3-2-a: the target is a park target but the indicator is computed for province only",
        "d -> 1-2-3-b: unit '亿元' does not match the target's unit '家'",
        "e -> 1-2-1-a: target is milestone, not a numeric target",
    ]


def test_definitions_name_the_fields_tags_and_segments_they_use(indicators):
    derived = {d.key: d.sum for d in indicators.derived}
    for ind in indicators:
        text = ind.definition.en
        for _loc, name in ind.fields_used():
            names = derived.get(name, [name])
            assert name in text or all(n in text for n in names), f"{ind.key}: {name}"
        for m in ind.measures():
            for cond in m.where:
                for value in (cond.tag or []) + (cond.segment or []):
                    assert value in text, f"{ind.key}: {value}"


def test_every_indicator_has_both_languages_and_a_sentence(indicators):
    for ind in indicators:
        assert ind.definition.zh.rstrip().endswith("。"), ind.key
        assert ind.definition.en.rstrip().endswith("."), ind.key


def test_the_docs_are_generated_from_the_file(indicators, plan):
    text = DOC_FILE.read_text(encoding="utf-8")
    assert splice_markdown(text, render_markdown(indicators, plan)) == text, (
        "docs/kpi.md is out of date: run `uv run python -m eco311.enterprises.kpi.definitions`"
    )
    for ind in indicators:
        assert f"### {ind.key}\n" in text


@pytest.mark.parametrize("path", sorted(KPI_DIR.glob("*.py")), ids=lambda p: p.name)
def test_the_kpi_package_does_not_import_django(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"django", "ninja"}


def test_the_vocabularies_match_the_survey():
    assert SEGMENTS == ("manufacturing", "services", "resource")
    assert "little_giant" in TAGS and "specialised_sme" in TAGS and len(TAGS) == 8
    assert BASE_FIELDS["env_revenue_resource"] == ("万元", "10,000 yuan")


# -- validation errors --------------------------------------------------------------------


def test_a_minimal_file_loads(tmp_path):
    loaded = load_indicators(write(tmp_path, document(indicator())))
    assert loaded["x"].kind == "count"


def test_scale_may_be_a_fraction(tmp_path):
    ind = indicator(kind="sum", field="taxes", unit=("亿元", "100 million yuan"), scale="1/10000")
    assert load_indicators(write(tmp_path, document(ind)))["x"].scale == pytest.approx(1e-4)


@pytest.mark.parametrize(
    ("ind", "message"),
    [
        (
            indicator(unit=("个", "things")),
            "indicators[0].unit: a count of enterprises is in 家/enterprises, not 个",
        ),
        (
            indicator(kind="sum", field="taxes", unit=("亿元", "100 million yuan")),
            "indicators[0].scale: 万元 -> 亿元 needs scale 1/10000, not 1",
        ),
        (
            indicator(kind="sum", field="rd_staff", unit=("亿元", "100 million yuan")),
            "indicators[0].unit: a sum of rd_staff (人) is stated in 人, not 亿元",
        ),
        (
            indicator(kind="sum", field="turnover", unit=("万元", "10,000 yuan")),
            "indicators[0].field: unknown field 'turnover' (known: ",
        ),
        (
            indicator(where=[{"field": "profits", "op": ">", "value": 0}]),
            "indicators[0].where[0].field: unknown field 'profits'",
        ),
        (
            indicator(where=[{"segment": ["manufacturing"], "tag": ["leading"]}]),
            "indicators[0].where[0]: a condition needs exactly one of segment, tag, not_tag, "
            "field, major_violation, member_of (got segment, tag)",
        ),
        (
            indicator(where=[{"tag": ["leader"]}]),
            "indicators[0].where[0].tag[0]: Input should be 'leading', ",
        ),
        (
            indicator(where=[{"field": "taxes", "op": "=>", "value": 1}]),
            "indicators[0].where[0].op: Input should be '>', '>=', ",
        ),
        (
            indicator(where=[{"field": "taxes", "op": ">"}]),
            "indicators[0].where[0]: a field condition needs op and value",
        ),
        (
            indicator(kind="sum", unit=("万元", "10,000 yuan")),
            "indicators[0]: a sum needs a field",
        ),
        (
            indicator(accumulate_from=2023),
            "indicators[0]: accumulate_from is only allowed on a sum",
        ),
        (
            indicator(kind="share", unit=("%", "%"), scale=100),
            "indicators[0]: a share needs numerator and denominator",
        ),
        (
            indicator(
                kind="share",
                unit=("%", "%"),
                scale=100,
                numerator={"kind": "sum", "field": "taxes", "where": [{"tag": ["leading"]}]},
                denominator={
                    "kind": "sum",
                    "field": "taxes",
                    "where": [{"segment": ["services"]}],
                },
            ),
            "indicators[0].numerator.where: a share's numerator must keep every condition "
            "of its denominator",
        ),
        (
            indicator(
                kind="share",
                unit=("%", "%"),
                scale=100,
                numerator={"kind": "sum", "field": "rd_spending"},
                denominator={"kind": "sum", "field": "output_value"},
            ),
            "indicators[0].numerator: a share's numerator must count or sum the same thing",
        ),
        (
            indicator(
                kind="ratio",
                unit=("%", "%"),
                scale=1,
                numerator={"kind": "sum", "field": "rd_spending"},
                denominator={"kind": "sum", "field": "rd_staff"},
            ),
            "indicators[0].scale: a percentage needs scale 100, not 1",
        ),
        (
            indicator(scopes=["province", "county"]),
            "indicators[0].scopes[1]: Input should be 'province', 'city', 'cluster' or 'park'",
        ),
        (
            indicator(binds=[{"target": "1-2-3-a"}]),
            "indicators[0].binds[0].scope: Field required",
        ),
        (
            indicator(colour="green"),
            "indicators[0].colour: Extra inputs are not permitted",
        ),
    ],
)
def test_mistakes_are_reported_with_their_location(tmp_path, ind, message):
    messages = load_errors(tmp_path, document(ind))
    assert any(message in m for m in messages), messages
    assert all(m.startswith("indicators.yaml: ") for m in messages)


def test_the_message_gives_the_yaml_line(tmp_path):
    messages = load_errors(tmp_path, document(indicator(), indicator("y", unit=("个", "x"))))
    (message,) = messages
    lines = write(tmp_path, document(indicator(), indicator("y", unit=("个", "x")))).read_text()
    unit_line = [i for i, line in enumerate(lines.splitlines(), 1) if "个" in line][0]
    assert message.endswith(f"(line {unit_line})")


def test_duplicate_keys_and_bindings_are_reported(tmp_path):
    bind = [{"target": "1-2-3-a", "scope": "370000"}]
    messages = load_errors(
        tmp_path, document(indicator("a", binds=bind), indicator("a"), indicator("b", binds=bind))
    )
    assert any("indicators[1].key: duplicate indicator key 'a'" in m for m in messages)
    assert any(
        "indicators[2].binds[0].target: target '1-2-3-a' is already bound by 'a'" in m
        for m in messages
    )


def test_derived_fields_are_checked(tmp_path):
    derived = [
        {"key": "mixed", "label": {"zh": "混", "en": "mixed"}, "sum": ["taxes", "rd_staff"]},
        {"key": "taxes", "label": {"zh": "税", "en": "taxes"}, "sum": ["taxes", "exports"]},
        {"key": "ghost", "label": {"zh": "鬼", "en": "ghost"}, "sum": ["taxes", "spirits"]},
    ]
    messages = load_errors(tmp_path, document(indicator(), derived=derived))
    assert any("derived[0].sum: components must share one unit" in m for m in messages)
    assert any("derived[1].key: 'taxes' is already a return field" in m for m in messages)
    assert any("derived[2].sum[1]: unknown return field 'spirits'" in m for m in messages)


def test_yaml_duplicate_keys_are_errors(tmp_path):
    path = tmp_path / "indicators.yaml"
    path.write_text("schema: eco311.kpi/1\nplan: a\nplan: b\nindicators: []\n", encoding="utf-8")
    with pytest.raises(KpiFileError, match="duplicate key 'plan'"):
        load_indicators(path)


def test_a_wrong_schema_is_an_error(tmp_path):
    data = document(indicator())
    data["schema"] = "eco311.kpi/2"
    assert any("schema: Input should be 'eco311.kpi/1'" in m for m in load_errors(tmp_path, data))
