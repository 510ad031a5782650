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
    from eco311.ranking.engine.methodology import MethodologyError

    for error in (PlanFileError, AreaFileError, DictionaryError, KpiFileError, MethodologyError):
        assert issubclass(error, DataFileError)
    # Siblings, not subclasses of the plan file's error: geo and enterprises need not import plans.
    for error in (AreaFileError, DictionaryError, KpiFileError):
        assert not issubclass(error, PlanFileError)


def test_every_data_file_uses_the_shared_strict_model_and_text():
    from eco311.enterprises.kpi import definitions
    from eco311.enterprises.survey import dictionary
    from eco311.geo import areafile
    from eco311.plans import planfile

    assert planfile.Text is datafile.Text
    for module in (planfile, areafile, dictionary, definitions):
        assert module.Text is datafile.Text, module.__name__
    assert issubclass(planfile.TargetSpec, datafile.StrictModel)
    assert issubclass(areafile.AreaSpec, datafile.StrictModel)
    assert issubclass(dictionary.FieldSpec, datafile.StrictModel)
    assert issubclass(definitions.Measure, datafile.StrictModel)


SRC = Path(datafile.__file__).resolve().parents[1]
LOADERS = ("geo/areafile.py", "enterprises/survey/dictionary.py", "enterprises/kpi/definitions.py")


@pytest.mark.parametrize("name", LOADERS)
def test_no_data_file_imports_private_names_of_another_package(name):
    tree = ast.parse((SRC / name).read_text(encoding="utf-8"))
    own = "eco311." + name.split("/")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("eco311."):
            if node.module.startswith(own):
                continue
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, f"{name} imports {private} from {node.module}"


def test_the_area_file_does_not_import_plans():
    # geo is below plans' loader (which imports geo), so an arrow back would be a cycle.
    tree = ast.parse((SRC / "geo" / "areafile.py").read_text(encoding="utf-8"))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in modules if m.startswith("eco311.plans")}


def test_strict_model_rejects_unknown_keys():
    class Thing(datafile.StrictModel):
        name: str

    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        Thing.model_validate({"name": "a", "nmae": "b"})


def test_text_needs_both_languages_and_reads_chinese_first():
    text = datafile.Text(zh="济南市", en="Jinan")
    assert (text.get("zh-hans"), text.get("en"), str(text)) == ("济南市", "Jinan", "济南市 / Jinan")
    with pytest.raises(ValueError, match="must not be empty"):
        datafile.Text(zh="  ", en="Jinan")
    with pytest.raises(ValueError, match="Field required"):
        datafile.Text.model_validate({"zh": "济南市"})


def test_parse_yaml_names_the_file_and_rejects_duplicate_keys():
    with pytest.raises(DataFileError) as exc:
        datafile.parse_yaml("a: 1\nb: 2\na: 3\n", "dir/m.yaml")
    [problem] = exc.value.problems
    assert (problem.file, problem.line) == ("m.yaml", 3)
    assert "duplicate key 'a' (first at line 1)" in problem.message
    assert datafile.parse_yaml("a: 1", "m.yaml")[0] == {"a": 1}


def test_importing_it_loads_no_django():
    import subprocess
    import sys

    code = (
        "import sys, eco311.core.datafile; print(sorted(m for m in sys.modules if 'django' in m))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


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
