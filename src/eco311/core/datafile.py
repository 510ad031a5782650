"""Data files: YAML read with line numbers, validated by pydantic, every problem located.

Pure module (pydantic + PyYAML, no Django).  The plan files, the area and county files, the
survey data dictionary and the KPI indicator file are all loaded through
:func:`load_data_file`, so a problem in any of them reads the same way::

    shandong-311.yaml: sections[2].tasks[0].targets[3].value: Input should be a valid number (got '三百') (line 812)
    areas.yaml: line 7, column 3: YAML syntax error: ...

Public API::

    load_data_file(path, Model, ErrorClass) -> Model   # raises ErrorClass
    DataFileModel      # base of a whole file: extra keys forbidden, cross_check() hook
    StrictModel        # base of the objects inside a file: extra keys forbidden
    Text               # a bilingual text, both languages required: {zh: ..., en: ...}
    DataFileError      # .messages (str), .problems (Problem), .path
    Problem            # one located problem: file, path, message, line, column
    read_yaml, parse_yaml, validate, located, format_loc    # the steps, for loaders apart
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

__all__ = [
    "DataFileError",
    "DataFileModel",
    "Location",
    "Problem",
    "StrictModel",
    "Text",
    "format_loc",
    "load_data_file",
    "located",
    "parse_yaml",
    "read_yaml",
    "validate",
]

#: A field path as pydantic gives it, e.g. ``("sections", 2, "tasks", 0, "ref")``.
Location = tuple[str | int, ...]


class Problem(NamedTuple):
    """One located problem in a data file."""

    file: str  # file name (no directories)
    path: str  # field path, e.g. "sections[2].tasks[0].targets[3].value"; "" if unknown
    message: str
    line: int | None = None  # 1-based YAML line, where known
    column: int | None = None  # 1-based column (YAML syntax errors only)

    def __str__(self) -> str:
        if self.column is not None:
            return f"{self.file}: line {self.line}, column {self.column}: {self.message}"
        where = f"{self.path}: " if self.path else ""
        line = f" (line {self.line})" if self.line is not None else ""
        return f"{self.file}: {where}{self.message}{line}"


class DataFileError(Exception):
    """A data file could not be loaded.

    ``messages`` holds one located message per problem, each of the form
    ``"<file name>: <field path>: <message> (line N)"`` -- e.g.
    ``"shandong-311.yaml: sections[2].tasks[0].targets[3].value: Input should be a
    valid number (got '三百') (line 812)"``; YAML syntax errors read
    ``"<file name>: line L, column C: YAML syntax error: ..."``.  ``problems``
    holds the same information as :class:`Problem` tuples.
    """

    def __init__(self, messages: list[str | Problem], path: str | Path | None = None):
        self.problems = [
            m if isinstance(m, Problem) else Problem(Path(path).name if path else "", "", m)
            for m in messages
        ]
        self.messages = [str(m) for m in messages]
        self.path = Path(path) if path is not None else None
        super().__init__("\n".join(self.messages))


M = TypeVar("M", bound=BaseModel)
ErrorClass = type[DataFileError]


class DataFileModel(BaseModel):
    """Base of a whole file: unknown keys are errors; ``schema_`` is the YAML key ``schema``.

    Checks that span several objects go in :meth:`cross_check`, which returns
    ``(location, message)`` pairs.  Validated directly (``Model.model_validate``) they
    fail the validation; :func:`load_data_file` defers them and reports each problem at
    its own location and YAML line instead.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _cross_check(self, info: ValidationInfo):
        if info.context and info.context.get("defer_cross_checks"):
            return self
        problems = self.cross_check()
        if problems:
            raise ValueError("; ".join(f"{format_loc(loc)}: {msg}" for loc, msg in problems))
        return self

    def cross_check(self) -> list[tuple[Location, str]]:
        """Problems spanning several objects, as ``(location, message)`` pairs."""
        return []


class StrictModel(BaseModel):
    """Base of the objects inside a data file: unknown keys are errors (almost always typos)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Text(StrictModel):
    """A bilingual text: both languages are required and must not be blank."""

    zh: str
    en: str

    @field_validator("zh", "en")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v

    def get(self, language: str) -> str:
        """The text in ``language`` ("zh" or "en"; anything else gives "en")."""
        return self.zh if language.lower().startswith("zh") else self.en

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys instead of overwriting."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, Any] = {}
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:  # let the base class report unhashable keys
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first at line {seen[key].line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def format_loc(loc: tuple) -> str:
    """``("sections", 2, "ref")`` -> ``"sections[2].ref"``; ``()`` -> ``"(top level)"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _node_line(root: yaml.Node | None, loc: tuple) -> int | None:
    """1-based line of the YAML node at ``loc`` (or of its nearest ancestor)."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        nxt = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if getattr(key_node, "value", None) == part:
                    nxt = value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                nxt = node.value[part]
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line


def _short_repr(value: Any) -> str | None:
    if isinstance(value, (str, int, float, bool, date)) or value is None:
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return None


def located(name: str, root: yaml.Node | None, loc: tuple, msg: str) -> Problem:
    """A :class:`Problem` at field path ``loc`` of file ``name``, with its YAML line."""
    return Problem(name, format_loc(loc), msg, _node_line(root, loc))


def read_yaml(path: Path, error: ErrorClass = DataFileError) -> tuple[Any, yaml.Node | None]:
    """``(data, root node)`` of a YAML file; duplicate keys are errors.

    Raises ``error`` for an unreadable file, bad UTF-8 or bad YAML (with line and column).
    """
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error([Problem(name, "", f"cannot read file: {exc.strerror or exc}")], path) from exc
    except UnicodeDecodeError as exc:
        raise error([Problem(name, "", f"file is not valid UTF-8: {exc}")], path) from exc
    return parse_yaml(text, path, error)


def parse_yaml(
    text: str, path: str | Path, error: ErrorClass = DataFileError
) -> tuple[Any, yaml.Node | None]:
    """``(data, root node)`` of YAML text read from ``path`` (named in the messages)."""
    name = Path(path).name
    loader = _UniqueKeyLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = "; ".join(p for p in (exc.context, exc.problem) if p)
        label = (
            "YAML error"
            if isinstance(exc, yaml.constructor.ConstructorError)
            else "YAML syntax error"
        )
        if mark is None:
            raise error([Problem(name, "", f"{label}: {problem}")], path) from exc
        raise error(
            [Problem(name, "", f"{label}: {problem}", mark.line + 1, mark.column + 1)], path
        ) from exc
    except yaml.YAMLError as exc:
        raise error([Problem(name, "", f"YAML error: {exc}")], path) from exc
    finally:
        loader.dispose()
    return data, root


def validate(
    model: type[M],
    data: Any,
    path: Path,
    root: yaml.Node | None,
    context: dict | None = None,
    error: ErrorClass = DataFileError,
) -> M:
    """``model`` validated from ``data``; raises ``error`` with one located problem per error."""
    name = path.name
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise error([Problem(name, "(top level)", f"expected a mapping, the file is {kind}")], path)
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        messages = []
        for err in exc.errors(include_url=False):
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            # "Input should be a valid number, unable to parse string as a number"
            msg = msg.split(", unable to parse")[0]
            if err["type"] not in ("missing", "value_error", "model_type") and not msg.endswith(
                ")"
            ):
                got = _short_repr(err.get("input"))
                if got is not None:
                    msg = f"{msg} (got {got})"
            messages.append(located(name, root, tuple(err["loc"]), msg))
        raise error(messages, path) from exc


def load_data_file(
    path: str | Path,
    model: type[M],
    error: ErrorClass = DataFileError,
    *,
    cross_check: Callable[[M], list[tuple[Location, str]]] | None = None,
) -> M:
    """Read, validate and cross-check a data file; raise ``error`` on any problem.

    ``cross_check`` replaces ``model.cross_check()`` where the checks need more than the
    file (e.g. the counties' cities, from the area file).
    """
    path = Path(path)
    data, root = read_yaml(path, error)
    loaded = validate(model, data, path, root, context={"defer_cross_checks": True}, error=error)
    problems = cross_check(loaded) if cross_check is not None else loaded.cross_check()
    if problems:
        raise error([located(path.name, root, loc, msg) for loc, msg in problems], path)
    return loaded
