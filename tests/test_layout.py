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
    *(
        SRC / "chains" / f"{name}.py"
        for name in (
            "complexity",
            "taxonomy",
            "scorer",
            "analytics",
            "textgen",
            "narrative",
            "lists",
        )
        if (SRC / "chains" / f"{name}.py").exists()
    ),
    SRC / "supervision" / "schedule.py",
    SRC / "evaluation" / "narrative.py",
    SRC / "search" / "tokenise.py",
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


# Layer order, bottom up (docs/house-style.md): core; geo, plans; the domains (enterprises,
# ranking, ...); accounts and lookups; web and api. A package may import only from layers
# below its own or from itself.
HIGHER_THAN_PLANS = (
    "enterprises",
    "ranking",
    "chains",
    "matching",
    "finance",
    "registries",
    "supervision",
    "evaluation",
    "search",
    "lookups",
    "accounts",
    "reports",
    "web",
    "api",
    "demo",
    "cli",
)


def _eco311_imports(path: Path) -> set[str]:
    """The eco311 subpackages a file imports (``eco311.x...`` -> ``x``), at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "eco311" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (SRC / "plans").rglob("*.py") if "migrations" not in p.parts),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_plans_imports_no_higher_layer(path):
    """plans learns about the survey through plans/sources.py, filled by enterprises at start."""
    assert _eco311_imports(path).isdisjoint(HIGHER_THAN_PLANS)


def test_the_layer_check_catches_plans_importing_enterprises(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from eco311.enterprises import kpis\n", encoding="utf-8")
    assert "enterprises" in _eco311_imports(bad)


# Scoped lookups live in one module (accounts/lookups.py, healthchecks' _get_check_for_user):
# a view or endpoint never loads a row-level object by its key with an access check of its own.
LOOKUPS = SRC / "accounts" / "lookups.py"
SCOPED_MODELS = {
    "Target",
    "ProgressReport",
    "Enterprise",
    "AnnualReturn",
    "ImportBatch",
    "RankingList",
    "RankingEntry",
    "Reminder",
    "Notice",
    "EvaluationDraft",
    "ChainReport",
}
FETCHES = {"get", "first", "last", "earliest", "latest", "get_or_create"}


def _root_name(node) -> str | None:
    """The name a chain such as ``M.objects.filter(...).first`` starts from (``M``)."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _ad_hoc_lookups(path: Path) -> list[str]:
    """Functions named like a lookup, and fetches of one scoped object, in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "for_user" in node.name:
            found.append(f"def {node.name} (line {node.lineno})")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in ("get_object_or_404", "get_list_or_404") and node.args:
            if _root_name(node.args[0]) in SCOPED_MODELS:
                found.append(f"{name}({_root_name(node.args[0])}) (line {node.lineno})")
        elif isinstance(func, ast.Attribute) and name in FETCHES:
            chain = ast.unparse(func)
            if _root_name(func) in SCOPED_MODELS and ".objects" in chain:
                found.append(f"{chain} (line {node.lineno})")
    return found


@pytest.mark.parametrize(
    "path",
    sorted(
        p for d in ("web", "api") for p in (SRC / d).rglob("*.py") if "migrations" not in p.parts
    ),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_web_and_api_load_scoped_objects_through_the_lookups(path):
    assert _ad_hoc_lookups(path) == []


def test_lookup_functions_are_defined_only_in_the_lookups_module():
    defined = {
        p.relative_to(SRC).as_posix()
        for p in SRC.rglob("*.py")
        if "migrations" not in p.parts
        and any(line.startswith("def ") for line in _ad_hoc_lookups(p))
    }
    assert defined == {LOOKUPS.relative_to(SRC).as_posix()}


def test_the_lookup_check_catches_an_ad_hoc_lookup(tmp_path):
    bad = tmp_path / "view.py"
    bad.write_text(
        "def _batch_for_user(request, pk):\n"
        "    return get_object_or_404(ImportBatch.objects.select_related('job'), pk=pk)\n"
        "def view(request, uscc):\n"
        "    return Enterprise.objects.filter(uscc=uscc).first()\n",
        encoding="utf-8",
    )
    found = _ad_hoc_lookups(bad)
    assert len(found) == 3, found
    assert found[0].startswith("def _batch_for_user")


# The domains sit below the supervision loop and search, which look across all of them.
DOMAINS = ("enterprises", "ranking", "chains", "matching", "finance", "registries")
ABOVE_DOMAINS = (
    "supervision",
    "evaluation",
    "search",
    "lookups",
    "accounts",
    "web",
    "api",
    "demo",
    "cli",
)


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for d in DOMAINS
        if (SRC / d).is_dir()
        for p in (SRC / d).rglob("*.py")
        if "migrations" not in p.parts
    ),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_domains_import_no_higher_layer(path):
    assert _eco311_imports(path).isdisjoint(ABOVE_DOMAINS)


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for d in ("supervision", "evaluation", "search")
        if (SRC / d).is_dir()
        for p in (SRC / d).rglob("*.py")
        if "migrations" not in p.parts
    ),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_supervision_and_search_import_neither_accounts_nor_web(path):
    """They take an Actor as an argument (duck-typed) and never import accounts, web or api."""
    assert _eco311_imports(path).isdisjoint(("accounts", "lookups", "web", "api", "demo", "cli"))
