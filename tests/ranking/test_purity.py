"""The engine is pure: it imports the standard library, NumPy, pydantic and PyYAML only.

tests/test_layout.py keeps Django out of the pure modules it lists; this goes further for the
engine (docs/adr/0006): no Django, no pandas, no SciPy, no other eco311 package.
"""

import ast
import sys
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "src" / "eco311" / "ranking" / "engine"
ALLOWED = {"numpy", "pydantic", "yaml", "eco311.ranking.engine"}


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize("path", sorted(ENGINE.glob("*.py")), ids=lambda p: p.name)
def test_engine_modules_import_only_the_standard_library_numpy_pydantic_and_yaml(path):
    for module in imported_modules(path):
        top = module.split(".")[0]
        allowed = top in sys.stdlib_module_names or top in ALLOWED
        allowed = allowed or module.startswith("eco311.ranking.engine")
        # The shared data-file loader (YAML with located errors) is pure too: test_datafile.py.
        allowed = allowed or module == "eco311.core.datafile"
        assert allowed, f"{path.name} imports {module}"
