"""Pure computational cores must not import Django (docs/adr/0001)."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "eco311"
PURE = [
    *sorted((SRC / "plans" / "progress").glob("*.py")),
    SRC / "plans" / "planfile.py",
    SRC / "geo" / "areafile.py",
    SRC / "reports" / "document.py",
    SRC / "core" / "datafile.py",
    *sorted((SRC / "enterprises" / "survey").glob("*.py")),
    *sorted((SRC / "enterprises" / "kpi").glob("*.py")),
    *sorted((SRC / "ranking" / "engine").glob("*.py")),
    SRC / "ranking" / "inputs.py",
]


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(SRC)))
def test_pure_modules_do_not_import_django(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "django" not in imported
    assert "ninja" not in imported
