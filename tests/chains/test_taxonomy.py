"""The chain taxonomy file (chains/data/chains.yaml): it loads, agrees with the plan and the
industry classes, and every rule of the loader gives one located error (docs/chains.md)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from eco311.chains import taxonomy
from eco311.chains.taxonomy import DEFAULT_PATH, SEGMENTS, TaxonomyError, load, load_file

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seeds" / "004_6a9cb11a236a9990.txt"
INDUSTRY_CODES = REPO / "src" / "eco311" / "enterprises" / "data" / "industry-codes.yaml"
DOC = REPO / "docs" / "chains.md"

STAGE_ORDER = {"upstream": 0, "midstream": 1, "downstream": 2}

#: Words deliberately on nodes of two chains, with the reason. Keep it short: a shared word
#: cannot tell the scorer which chain a firm belongs to.
SHARED_WORDS: dict[str, str] = {}

#: Words too vague to place a firm: every environmental firm writes them.
VAGUE = {"设备", "环保", "工程", "服务", "运营", "运维", "epc", "技术服务", "技术开发", "技术转让"}


@pytest.fixture(scope="module")
def tax():
    return load()


def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the plan text {SEED} is not available (../shared/seeds)")
    return SEED.read_text(encoding="utf-8")


# -- the packaged file -----------------------------------------------------------------------


def test_the_packaged_file_loads(tax):
    assert tax.schema_ == taxonomy.SCHEMA
    assert tax.chains and all(len(c.nodes) >= 2 for c in tax.chains)
    assert load() is tax  # cached: the scorer and the pages share one object


def test_every_chain_the_issue_names_is_present(tax):
    # (area, words the chain's name or nodes must carry): the issue's list, 四(二)1.
    required = {
        "water": ("370000", ["膜", "药剂", "装备", "运营"]),
        "air": ("370000", ["除尘", "脱硫", "脱硝", "催化剂", "VOCs"]),
        "monitoring": ("370000", ["监测仪器", "检测监测服务"]),
        "solid-waste": ("370000", ["大宗工业固废", "危险废物", "医疗废物", "再生资源"]),
        "soil": ("370000", ["修复"]),
        "services": ("370000", ["环境影响评价", "碳核算", "运维"]),
        "hydrogen": ("370300", ["副产氢提纯", "电解水制氢", "储运"]),
        "pv": ("370300", ["电池片", "组件", "光伏玻璃"]),
        "filter-press": ("371400", ["压滤机", "成套压滤装备", "基础原料"]),
        "ropes-nets": ("371600", ["废旧塑料", "绳", "网"]),
    }
    for code, (area, words) in required.items():
        chain = tax.chain(code)
        assert chain.area == area, code
        names = chain.name.zh + "".join(n.name.zh for n in chain.nodes)
        for word in words:
            assert word in names, f"{code}: no node for {word}"
    # The bulk solid wastes the plan names (四(一)3, 三(九)1) are words of the bulk-waste node.
    bulk = " ".join(tax.node("solid-bulk").words())
    for waste in ("赤泥", "粉煤灰", "脱硫石膏", "炉渣"):
        assert waste in bulk


def test_the_size_is_what_a_chain_map_can_show(tax):
    assert all(6 <= len(c.nodes) <= 12 for c in tax.chains), [len(c.nodes) for c in tax.chains]
    assert 70 <= len(tax.nodes) <= 90


def test_every_class_is_a_known_industry_class(tax):
    data = yaml.safe_load(INDUSTRY_CODES.read_text(encoding="utf-8"))
    known = {str(row["code"]) for row in data["codes"]}
    unknown = {(n.code, c) for n in tax.nodes for c in n.gb4754 if c not in known}
    assert not unknown, f"add these classes to industry-codes.yaml: {sorted(unknown)}"


def test_every_chain_and_flag_source_is_verbatim_in_the_plan(tax):
    text = seed_text()
    missing = [c.code for c in tax.chains if c.source not in text]
    missing += [f"{n.code}/{f.kind}" for n in tax.nodes for f in n.flags if f.source not in text]
    assert not missing


def test_the_plans_flags_sit_on_the_fields_it_names(tax):
    # 四(一)1 names the fields; the flag goes where the plan's word is in the node's name.
    flagged = defaultdict(set)
    for n in tax.nodes:
        for f in n.flags:
            flagged[f.kind].add(n.code)
    assert {"water-membrane", "water-chemicals", "air-catalyst"} <= flagged["short_board"]
    assert {"air-dust", "air-desulph", "air-denitration", "water-operation"} <= flagged[
        "international_brand"
    ]
    assert "mon-instruments" in flagged["high_end"]
    for field, node in [
        ("超低排放", "air-ultralow"),
        ("VOCs", "air-vocs"),
        ("压滤", "fp-press"),
        ("土壤修复", "soil-equipment"),
        ("监测仪器", "mon-instruments"),
    ]:
        assert field in tax.node(node).name.zh
        assert node in flagged["strengthen"]
    for n in tax.nodes:
        for f in n.flags:
            assert f.ref == "四(一)1"


def test_edges_run_from_supplier_to_user_and_never_back_up_the_chain(tax):
    for chain in tax.chains:
        stage = {n.code: STAGE_ORDER[n.stage] for n in chain.nodes}
        for a, b in chain.edges():
            assert stage[a] <= stage[b], f"{chain.code}: {a} ({stage[a]}) -> {b} ({stage[b]})"
        stages = set(stage.values())
        assert {0, 2} <= stages, f"{chain.code} lacks an upstream or a downstream link"


def _components(codes: list[str], edges: list[tuple[str, str]]) -> list[set[str]]:
    """The weakly connected components of a directed graph (edges taken both ways)."""
    near: dict[str, set[str]] = {c: set() for c in codes}
    for a, b in edges:
        near[a].add(b)
        near[b].add(a)
    seen: set[str] = set()
    parts = []
    for start in codes:
        if start in seen:
            continue
        part, todo = set(), [start]
        while todo:
            code = todo.pop()
            if code not in part:
                part.add(code)
                todo.extend(near[code] - part)
        seen |= part
        parts.append(part)
    return parts


def test_every_chain_is_one_connected_graph(tax):
    for chain in tax.chains:
        parts = _components(chain.node_codes(), chain.edges())
        assert len(parts) == 1, f"{chain.code}: links apart from the rest: {parts[1:]}"


def test_segments_are_the_plans_or_other(tax):
    assert {n.segment for n in tax.nodes} <= set(SEGMENTS)
    # A city's own non-environmental chain is marked "other", not counted in the plan's segments.
    assert tax.node("pv-cells").segment == "other"
    assert tax.node("h2-fuelcell").segment == "other"


def test_a_word_rarely_places_a_firm_on_two_chains(tax):
    chains_of = defaultdict(set)
    for chain in tax.chains:
        for n in chain.nodes:
            for w in n.words():
                chains_of[w.casefold()].add(chain.code)
    shared = {w for w, chains in chains_of.items() if len(chains) > 1}
    assert shared <= set(SHARED_WORDS), (
        f"shared without a reason: {sorted(shared - set(SHARED_WORDS))}"
    )
    assert len(shared) <= 0.02 * len(chains_of)


def test_a_word_is_on_one_node_only(tax):
    owner = defaultdict(set)
    for n in tax.nodes:
        for w in n.words():
            owner[w.casefold()].add(n.code)
    assert not {w: c for w, c in owner.items() if len(c) > 1}


def test_no_word_is_too_vague_to_separate_nodes(tax):
    words = {w.casefold() for n in tax.nodes for w in n.words()}
    assert not words & VAGUE
    # Chinese words of one character match almost anything (substring matching).
    assert all(len(w) >= 2 for w in words)


def test_node_codes_carry_their_chains_prefix(tax):
    # A code read alone (a placement, a URL) says its chain.
    for chain in tax.chains:
        prefixes = {n.code.split("-")[0] for n in chain.nodes}
        assert len(prefixes) == 1, f"{chain.code}: {prefixes}"
    first = [c.nodes[0].code.split("-")[0] for c in tax.chains]
    assert len(set(first)) == len(first)


def test_the_documentation_names_every_field_of_the_schema():
    text = DOC.read_text(encoding="utf-8")
    models = (taxonomy.Taxonomy, taxonomy.Chain, taxonomy.Node, taxonomy.Flag)
    for model in models:
        for name, field in model.model_fields.items():
            key = field.alias or name
            assert f"`{key}`" in text, f"docs/chains.md does not document {model.__name__}.{key}"
    for heading in ("## Placement", "## Analytics", "## The chain-map analysis"):
        assert heading in text


def test_the_documentation_lists_every_chain_with_its_size(tax):
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`") and cells[4].isdigit():
            rows[cells[0].strip("`")] = int(cells[4])
    assert rows == {c.code: len(c.nodes) for c in tax.chains}


# -- the loader's rules, each one located -----------------------------------------------------

GOOD = """\
schema: eco311.chains/1
version: "t.1"
chains:
  - code: wet
    name: {zh: 测试链, en: Test chain}
    description: {zh: 测试用。, en: For tests.}
    ref: 四(一)1
    source: 在材料药剂等短板领域引导创立自主品牌
    nodes:
      - code: wet-a
        name: {zh: 甲, en: A}
        stage: upstream
        input_to: [wet-b]
        gb4754: ["3463"]
        segment: manufacturing
        keywords: [膜组件]
      - code: wet-b
        name: {zh: 乙, en: B}
        stage: midstream
        input_to: [wet-c]
        gb4754: ["3591"]
        segment: manufacturing
        keywords: [污水处理设备]
      - code: wet-c
        name: {zh: 丙, en: C}
        stage: downstream
        gb4754: ["4620"]
        segment: services
        keywords: [污水处理服务]
"""


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "chains.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``fragment``."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    return hits[occurrence - 1]


def _error(tmp_path, text: str) -> TaxonomyError:
    with pytest.raises(TaxonomyError) as info:
        load_file(_write(tmp_path, text))
    return info.value


def test_the_small_good_file_loads(tmp_path):
    tax = load_file(_write(tmp_path, GOOD))
    assert tax.chain("wet").edges() == [("wet-a", "wet-b"), ("wet-b", "wet-c")]
    assert tax.chain_of("wet-b").code == "wet"
    assert tax.has_node("wet-c") and not tax.has_node("wet")


#: (case, text replaced in GOOD, replacement, expected message, (line fragment, occurrence))
RULES = [
    (
        "unknown input_to",
        "input_to: [wet-c]",
        "input_to: [wet-z]",
        "unknown node 'wet-z'",
        ("input_to: [wet-z]", 1),
    ),
    (
        "self edge",
        "input_to: [wet-c]",
        "input_to: [wet-b]",
        "a node cannot be an input to itself",
        ("input_to: [wet-b]", 2),
    ),
    (
        "bad class",
        'gb4754: ["3591"]',
        'gb4754: ["359"]',
        "four digits",
        ('gb4754: ["359"]', 1),
    ),
    (
        "missing English name",
        "name: {zh: 乙, en: B}",
        "name: {zh: 乙}",
        "name.en: Field required",
        ("name: {zh: 乙}", 1),
    ),
    (
        "blank Chinese name",
        "name: {zh: 乙, en: B}",
        'name: {zh: " ", en: B}',
        "must not be empty",
        ('name: {zh: " ", en: B}', 1),
    ),
    (
        "unknown key",
        "        segment: services\n",
        "        segment: services\n        colour: red\n",
        "Extra inputs are not permitted",
        ("colour: red", 1),
    ),
    (
        "unknown stage",
        "stage: midstream",
        "stage: middle",
        "stage",
        ("stage: middle", 1),
    ),
    (
        "unknown segment",
        "segment: services",
        "segment: environment",
        "segment",
        ("segment: environment", 1),
    ),
]


@pytest.mark.parametrize(
    ("case", "old", "new", "expect", "at"), RULES, ids=[r[0].replace(" ", "-") for r in RULES]
)
def test_each_rule_gives_one_located_error(tmp_path, case, old, new, expect, at):
    assert GOOD.count(old) == 1, case
    text = GOOD.replace(old, new)
    error = _error(tmp_path, text)
    assert len(error.messages) == 1, error.messages
    (problem,) = error.problems
    assert expect in str(problem), problem
    assert problem.file == "chains.yaml"
    assert problem.line == _line_of(text, *at), problem


def test_a_duplicate_node_code_is_reported_at_the_second(tmp_path):
    text = GOOD.replace("      - code: wet-c\n", "      - code: wet-a\n").replace(
        "        input_to: [wet-c]\n", ""
    )
    error = _error(tmp_path, text)
    assert len(error.messages) == 1, error.messages
    (problem,) = error.problems
    assert "nodes[2].code: duplicate code 'wet-a'" in str(problem)
    assert problem.line == _line_of(text, "      - code: wet-a", 2)


def test_a_cycle_is_reported_once_with_its_path(tmp_path):
    text = GOOD.replace(
        '        gb4754: ["4620"]\n', '        input_to: [wet-a]\n        gb4754: ["4620"]\n'
    )
    error = _error(tmp_path, text)
    assert len(error.messages) == 1, error.messages
    (problem,) = error.problems
    assert "cycle" in problem.message
    assert "wet-a -> wet-b -> wet-c -> wet-a" in problem.message
    assert problem.path == "chains[0].nodes"
    assert problem.line == _line_of(text, "- code: wet-a")


def test_a_chain_code_cannot_be_a_node_code(tmp_path):
    text = GOOD.replace("      - code: wet-c\n", "      - code: wet\n").replace("[wet-c]", "[wet]")
    error = _error(tmp_path, text)
    assert len(error.messages) == 1, error.messages
    assert "duplicate code 'wet'" in error.messages[0]
    assert error.problems[0].line == _line_of(text, "      - code: wet", 3)


def test_an_edge_to_another_chains_node_is_refused(tmp_path):
    second = """\
  - code: dry
    name: {zh: 第二链, en: Second chain}
    description: {zh: 测试用。, en: For tests.}
    ref: 四(一)1
    source: 在材料药剂等短板领域引导创立自主品牌
    nodes:
      - code: dry-a
        name: {zh: 丁, en: D}
        stage: upstream
        input_to: [wet-b]
        gb4754: ["2666"]
        segment: manufacturing
        keywords: [絮凝剂]
      - code: dry-b
        name: {zh: 戊, en: E}
        stage: downstream
        gb4754: ["4620"]
        segment: services
        keywords: [中水回用]
"""
    text = GOOD + second
    error = _error(tmp_path, text)
    assert len(error.messages) == 1
    assert "input_to names nodes of the same chain" in error.messages[0]
    assert error.problems[0].line == _line_of(text, "input_to: [wet-b]", 2)


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    fields = GOOD.replace('gb4754: ["3463"]', 'gb4754: ["34x3"]').replace(
        "name: {zh: 丙, en: C}", "name: {en: C}"
    )
    error = _error(tmp_path, fields)
    assert len(error.messages) == 2
    assert [p.line for p in error.problems] == [
        _line_of(fields, '["34x3"]'),
        _line_of(fields, "name: {en: C}"),
    ]
    # The cross checks run on a file whose fields are valid, and report every edge too.
    edges = GOOD.replace("input_to: [wet-b]", "input_to: [wet-y]").replace(
        "input_to: [wet-c]", "input_to: [wet-z]"
    )
    error = _error(tmp_path, edges)
    assert len(error.messages) == 2
    assert "'wet-y'" in error.messages[0] and "'wet-z'" in error.messages[1]


def test_a_yaml_syntax_error_gives_line_and_column(tmp_path):
    text = GOOD.replace("stage: upstream", "stage: [upstream")
    error = _error(tmp_path, text)
    assert error.problems[0].line is not None and error.problems[0].column is not None


def test_the_default_path_is_the_packaged_file():
    assert DEFAULT_PATH.name == "chains.yaml" and DEFAULT_PATH.is_file()
