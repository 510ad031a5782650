"""Data files: YAML with line numbers, pydantic validation, located messages (no Django)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from eco311.core import datafile
from eco311.core.datafile import (
    DataFileError,
    DataFileModel,
    Problem,
    format_loc,
    load_data_file,
    read_yaml,
)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    size: int = 0


class Shelf(DataFileModel):
    schema_: str = "test/1"
    items: list[Item]

    def cross_check(self):
        seen, problems = set(), []
        for i, item in enumerate(self.items):
            if item.key in seen:
                problems.append((("items", i, "key"), f"duplicate key {item.key!r}"))
            seen.add(item.key)
        return problems


class ShelfError(DataFileError):
    pass


GOOD = """\
items:
  - key: a
    size: 1
  - key: b
"""


def write(tmp_path: Path, body: str | bytes, name: str = "shelf.yaml") -> Path:
    path = tmp_path / name
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8")
    return path


def errors_of(path: Path, **kwargs) -> list[str]:
    with pytest.raises(ShelfError) as info:
        load_data_file(path, Shelf, ShelfError, **kwargs)
    assert info.value.path == path
    return info.value.messages


def test_it_loads_a_good_file(tmp_path):
    shelf = load_data_file(write(tmp_path, GOOD), Shelf, ShelfError)
    assert [(i.key, i.size) for i in shelf.items] == [("a", 1), ("b", 0)]


def test_it_locates_a_field_error_by_path_and_line(tmp_path):
    path = write(tmp_path, GOOD.replace("size: 1", "size: lots"))
    (message,) = errors_of(path)
    assert message == (
        "shelf.yaml: items[0].size: Input should be a valid integer (got 'lots') (line 3)"
    )


def test_it_reports_every_field_error(tmp_path):
    path = write(tmp_path, GOOD.replace("size: 1", "size: x") + "  - size: 2\n")
    messages = errors_of(path)
    assert messages == [
        "shelf.yaml: items[0].size: Input should be a valid integer (got 'x') (line 3)",
        "shelf.yaml: items[2].key: Field required (line 5)",
    ]


def test_it_forbids_unknown_keys(tmp_path):
    (message,) = errors_of(write(tmp_path, GOOD + "colour: red\n"))
    assert message == "shelf.yaml: colour: Extra inputs are not permitted (got 'red') (line 5)"


def test_cross_checks_run_after_the_fields_and_are_located(tmp_path):
    (message,) = errors_of(write(tmp_path, GOOD + "  - key: a\n"))
    assert message == "shelf.yaml: items[2].key: duplicate key 'a' (line 5)"


def test_a_loader_may_pass_its_own_cross_check(tmp_path):
    path = write(tmp_path, GOOD)
    (message,) = errors_of(path, cross_check=lambda s: [(("items", 1), "not wanted")])
    assert message == "shelf.yaml: items[1]: not wanted (line 4)"


def test_validated_directly_the_cross_checks_fail_the_validation():
    with pytest.raises(ValueError, match=r"items\[1\]\.key: duplicate key 'a'"):
        Shelf.model_validate({"items": [{"key": "a"}, {"key": "a"}]})


def test_a_syntax_error_gives_line_and_column(tmp_path):
    (message,) = errors_of(write(tmp_path, "items: [\n  - {key: a\n"))
    assert message.startswith("shelf.yaml: line ")
    assert ", column " in message
    assert "YAML syntax error" in message


def test_a_duplicate_mapping_key_is_an_error(tmp_path):
    (message,) = errors_of(write(tmp_path, "items: []\nitems: []\n"))
    assert (
        message
        == "shelf.yaml: line 2, column 1: YAML error: duplicate key 'items' (first at line 1)"
    )


def test_the_top_level_must_be_a_mapping(tmp_path):
    assert errors_of(write(tmp_path, "")) == [
        "shelf.yaml: (top level): expected a mapping, the file is empty"
    ]
    assert errors_of(write(tmp_path, "- a\n")) == [
        "shelf.yaml: (top level): expected a mapping, the file is a list"
    ]


def test_unreadable_and_undecodable_files(tmp_path):
    (missing,) = errors_of(tmp_path / "nowhere.yaml")
    assert missing.startswith("nowhere.yaml: cannot read file: ")
    (binary,) = errors_of(write(tmp_path, b"items: \xff\n"))
    assert binary.startswith("shelf.yaml: file is not valid UTF-8: ")


def test_errors_carry_structured_problems(tmp_path):
    path = write(tmp_path, GOOD.replace("size: 1", "size: x"))
    with pytest.raises(ShelfError) as info:
        load_data_file(path, Shelf, ShelfError)
    (problem,) = info.value.problems
    assert problem == Problem(
        "shelf.yaml", "items[0].size", "Input should be a valid integer (got 'x')", 3
    )
    assert str(info.value) == str(problem)


def test_the_default_error_class_is_data_file_error(tmp_path):
    with pytest.raises(DataFileError) as info:
        read_yaml(write(tmp_path, "a: [\n"))
    assert type(info.value) is DataFileError


def test_plain_messages_become_problems_of_the_file():
    error = DataFileError(["something is off"], "dir/data.yaml")
    assert error.problems == [Problem("data.yaml", "", "something is off")]
    assert error.messages == ["something is off"]
    assert error.path == Path("dir/data.yaml")


def test_format_loc():
    assert format_loc(()) == "(top level)"
    assert format_loc(("items",)) == "items"
    assert format_loc(("items", 2, "key")) == "items[2].key"
    assert format_loc(("a", 0, 1, "b")) == "a[0][1].b"


def test_problem_text():
    assert str(Problem("f.yaml", "a.b", "bad", 7)) == "f.yaml: a.b: bad (line 7)"
    assert str(Problem("f.yaml", "", "bad")) == "f.yaml: bad"
    assert str(Problem("f.yaml", "", "bad", 2, 5)) == "f.yaml: line 2, column 5: bad"


def test_the_file_errors_of_the_project_share_the_base_class():
    from eco311.enterprises.kpi.definitions import KpiFileError
    from eco311.enterprises.survey.dictionary import DictionaryError
    from eco311.geo.areafile import AreaFileError
    from eco311.plans.planfile import PlanFileError

    for error in (PlanFileError, AreaFileError, DictionaryError, KpiFileError):
        assert issubclass(error, DataFileError)
        assert issubclass(error, PlanFileError)  # callers catching plan-file errors still do


def test_it_is_pure():
    tree = ast.parse(Path(datafile.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
        if not isinstance(node, ast.ImportFrom) or node.module
    }
    assert "django" not in imported
