"""The methodology file: loading, defaults, the hierarchy, located errors, documentation."""

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from eco311.ranking.engine.methodology import (
    Methodology,
    MethodologyError,
    Problem,
    load_methodology,
    parse_methodology,
)

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "ranking-methodology.md"


def problems(text):
    with pytest.raises(MethodologyError) as exc:
        parse_methodology(text, "small.yaml")
    return [str(p) for p in exc.value.problems]


def replaced(text, old, new):
    assert old in text, old
    return text.replace(old, new)


def test_the_example_files_load():
    methodology = load_methodology(REPO / "examples" / "coinr-asem.yaml")
    assert methodology.index_code == "Index"
    assert [level.name for level in methodology.levels] == ["Pillar", "Sub-index", "Index"]


def test_defaults(small_text):
    m = parse_methodology(small_text)
    staff = m.indicators[1]
    assert (staff.direction, staff.weight, staff.denominator, staff.source_column) == (
        1,
        1.0,
        None,
        "staff",
    )
    assert staff.transform.is_identity
    assert m.steps.treat.skew_threshold == 2
    assert m.steps.treat.kurtosis_threshold == 3.5
    assert m.steps.treat.winsorise_max_points == 5
    assert m.steps.treat.fallback == "log_ct"
    assert m.steps.screen.threshold == pytest.approx(2 / 3)
    assert m.steps.impute.method == "mean"


def test_children_come_in_file_order_with_their_weights(small_text):
    m = parse_methodology(small_text)
    assert m.children(0) == {
        "scale": [("sales", 2.0), ("staff", 1.0)],
        "innovation": [("patents", 1.0)],
        "compliance": [("fines", 1.0)],
    }
    assert m.children(1) == {"index": [("scale", 1.0), ("innovation", 1.0), ("compliance", 2.0)]}


def test_group_directions_multiply_down_the_hierarchy(small_text):
    flipped = replaced(
        small_text,
        "{code: compliance, parent: index, weight: 2}",
        "{code: compliance, parent: index, weight: 2, direction: -1}",
    )
    assert parse_methodology(flipped).directions().tolist() == [1, 1, 1, 1]
    assert parse_methodology(small_text).directions().tolist() == [1, 1, 1, -1]


ERRORS = [
    (
        "{code: compliance, parent: index, weight: 2}",
        "{code: compliance, parent: index, weight: -2}",
        "small.yaml: levels[0].groups[2].weight: Input should be greater than or equal to 0 "
        "(got -2) (line 15)",
    ),
    (
        "{code: fines, parent: compliance, direction: -1}",
        "{code: fines, parent: compliance, direction: 0}",
        "small.yaml: indicators[3].direction: Input should be 1 or -1 (got 0) (line 8)",
    ),
    (
        "{code: staff, parent: scale}",
        "{code: staff, parent: sacle}",
        "small.yaml: indicators[1].parent: 'sacle' is not a group of levels[0] (group) (line 6)",
    ),
    (
        "{code: staff, parent: scale}",
        "{code: sales, parent: scale}",
        "small.yaml: indicators[1].code: duplicate code 'sales' (first at indicators[0]) (line 6)",
    ),
    (
        "{code: innovation, parent: index}",
        "{code: innovation}",
        "small.yaml: levels[0].groups[1].parent: missing: a group of levels[1] (line 14)",
    ),
    (
        "      - {code: index}",
        "      - {code: index}\n      - {code: other}",
        "small.yaml: levels[1].groups: the top level must have exactly one group (the index), "
        "not 2 (line 19)",
    ),
    (
        "  treat: {enabled: false}\n",
        "",
        "small.yaml: steps.treat: Field required (line 21)",
    ),
    (
        "  treat: {enabled: false}",
        "  treat: {enabled: false, winsorize_max_points: 3}",
        "small.yaml: steps.treat.winsorize_max_points: Extra inputs are not permitted (got 3) "
        "(line 25)",
    ),
    (
        "  screen: {enabled: false}",
        "  screen: {enabled: no, threshold: 1.5}",
        "small.yaml: steps.screen.threshold: Input should be less than or equal to 1 (got 1.5) "
        "(line 23)",
    ),
    (
        "method: minmax, range: [0, 100]",
        "method: goalposts, range: [0, 100]",
        "small.yaml: indicators[0].goalposts: missing: steps.normalise.method is goalposts, "
        "which needs it (line 5)",
    ),
    (
        "method: minmax, range: [0, 100]",
        "method: minmax, range: [100, 0]",
        "small.yaml: steps.normalise.range: the low end 100 must be below the high end 0 (line 26)",
    ),
    (
        "{code: sales, parent: scale, weight: 2}",
        "{code: sales, parent: scale, weight: 2, transform: {cap: [10, 1]}}",
        "small.yaml: indicators[0].transform.cap: the lower cap 10 is above the upper cap 1 "
        "(line 5)",
    ),
    (
        "{code: sales, parent: scale, weight: 2}",
        "{code: sales, parent: scale, weight: 2, goalposts: [0, many]}",
        "small.yaml: indicators[0].goalposts[1]: Input should be a valid number (got 'many') "
        "(line 5)",
    ),
    (
        "  - name: index\n    aggregation: {method: arithmetic}",
        "  - name: index\n    aggregation: {method: generalised}",
        "small.yaml: levels[1].aggregation.p: the generalised mean needs an exponent p other "
        "than 0 (line 17)",
    ),
    (
        "impute: {enabled: false}",
        "impute: {enabled: false, method: group_median}",
        "small.yaml: steps.impute.group_column: missing: method group_median needs it (line 22)",
    ),
    (
        "name: {zh: 小型示例, en: Small example}",
        "name: {zh: ' '}",
        "small.yaml: name: give the text in at least one language (zh or en) (line 2)",
    ),
    (
        "  - name: index\n",
        "  - name: group\n",
        "small.yaml: levels[1].name: duplicate level name 'group' (first at levels[0]) (line 16)",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), ERRORS, ids=lambda v: str(v)[:40])
def test_problems_are_reported_with_file_path_reason_and_line(small_text, old, new, message):
    assert message in problems(replaced(small_text, old, new))


def test_every_problem_is_reported_at_once(small_text):
    text = replaced(small_text, "weight: 2}", "weight: -2}")
    text = replaced(text, "direction: -1}", "direction: 3}")
    assert len(problems(text)) == 3  # sales weight, compliance weight, fines direction


def test_yaml_syntax_errors_give_the_line(small_text):
    broken = replaced(small_text, "  impute: {enabled: false}", "  impute: {enabled: false")
    # The message of every data file (core/datafile.py), with line and column.
    assert problems(broken) == [
        "small.yaml: line 23, column 9: YAML syntax error: while parsing a flow mapping; "
        "expected ',' or '}', but got ':'"
    ]


def line_of(text, fragment):
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_duplicate_key_is_an_error_at_its_line(small_text):
    # PyYAML alone keeps the last value: the weight of 2 would silently become 5.
    text = replaced(small_text, "parent: scale, weight: 2}", "parent: scale, weight: 2, weight: 5}")
    line = line_of(text, "weight: 5}")
    [problem] = problems(text)
    assert problem.startswith(f"small.yaml: line {line}, column ")
    assert f"duplicate key 'weight' (first at line {line})" in problem


def test_a_duplicate_section_is_an_error_at_the_second_one(small_text):
    text = small_text + "steps:\n  impute: {enabled: true}\n"
    first, second = line_of(text, "steps:"), len(text.splitlines()) - 1
    with pytest.raises(MethodologyError) as exc:
        parse_methodology(text, "small.yaml")
    [problem] = exc.value.problems
    assert (problem.file, problem.line) == ("small.yaml", second)
    assert f"duplicate key 'steps' (first at line {first})" in problem.message


def test_methodology_errors_are_data_file_errors(small_text):
    from eco311.core.datafile import DataFileError

    with pytest.raises(DataFileError) as exc:
        parse_methodology("- a list", "small.yaml")
    assert isinstance(exc.value, ValueError)  # callers catching ValueError keep working
    assert exc.value.messages == ["small.yaml: expected a mapping of keys to values"]


def test_a_file_that_is_not_a_mapping():
    assert problems("- a list") == ["small.yaml: expected a mapping of keys to values"]


def test_an_unreadable_file(tmp_path):
    with pytest.raises(MethodologyError, match=r"^nothing\.yaml: cannot read the file"):
        load_methodology(tmp_path / "nothing.yaml")


def test_problem_without_path_or_line_reads_naturally():
    assert str(Problem("m.yaml", "", "empty")) == "m.yaml: empty"


def _keys(model: type[BaseModel], seen: set[type]) -> set[str]:
    """Every YAML key of a model and of the models inside it."""
    if model in seen:
        return set()
    seen.add(model)
    out = set()
    for name, field in model.model_fields.items():
        out.add(field.alias or name)
        for inner in _models_in(field.annotation):
            out |= _keys(inner, seen)
    return out


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]


def test_every_key_of_the_schema_is_documented():
    documented = set(re.findall(r"`([a-z_]+)`", DOC.read_text(encoding="utf-8")))
    keys = _keys(Methodology, set())
    assert len(keys) > 40
    assert keys - documented == set()


def test_every_method_is_documented():
    from eco311.ranking.engine.methodology import AGGREGATIONS, NORMALISATIONS

    text = DOC.read_text(encoding="utf-8")
    for method in (*NORMALISATIONS, *AGGREGATIONS):
        assert f"| `{method}` |" in text, method
