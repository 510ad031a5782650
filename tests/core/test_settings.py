"""Settings are declared once (core/settings_spec.py): the document is generated from the list,
nothing is read from the environment undeclared, and production refuses to run unsafely.

The end-to-end tests run the real `eco311` command in subprocesses with exactly the environment
they name (no PYTEST_VERSION, so no test key).
"""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from eco311.core import env as envmod
from eco311.core.settings_spec import BY_NAME, DOC_PATH, NOT_SETTINGS, render_markdown

SRC = Path(envmod.__file__).resolve().parents[1]
ENV_HELPERS = {"envbool", "envstr", "envint"}


def run_eco311(tmp_path, *args, **env):
    """`eco311 ARGS` with a bare environment: only PATH, HOME and what the test gives."""
    environ = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    environ.update(ECO311_DATA_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "-m", "eco311.cli", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def _env_reads():
    """(file, line, name, literal default or None) for every environment read in src/eco311."""
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = default = None
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                first = node.args[0]
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    continue
                if called in ENV_HELPERS:
                    name = first.value
                    if len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                        default = str(node.args[1].value)
                elif called in ("getenv", "get", "setdefault") and _is_environ(func):
                    name = first.value
            elif isinstance(node, ast.Subscript) and _is_environ(node):
                key = node.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    name = key.value
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                # A variable's name kept in a constant (install.py: ENV_PASSWORD = "ECO311_…").
                if re.fullmatch(r"ECO311_[A-Z0-9_]+", node.value):
                    name = node.value
            if name:
                yield path.relative_to(SRC.parent), node.lineno, name, default


def _is_environ(node) -> bool:
    """os.getenv / os.environ.get / os.environ[...] / environ.get (a parameter named environ)."""
    target = node.value if isinstance(node, ast.Subscript) else node
    if isinstance(target, ast.Attribute) and target.attr == "getenv":
        return True
    if isinstance(target, ast.Attribute) and not isinstance(node, ast.Subscript):
        target = target.value
    return (isinstance(target, ast.Attribute) and target.attr == "environ") or (
        isinstance(target, ast.Name) and target.id == "environ"
    )


def test_docs_settings_md_is_generated_from_the_declared_list():
    assert DOC_PATH.read_text(encoding="utf-8") == render_markdown(), (
        "docs/settings.md is stale: run `uv run python -m eco311.core.settings_spec --write`"
    )
    for name in BY_NAME:
        assert f"`{name}`" in render_markdown()


def test_every_environment_variable_the_code_reads_is_declared():
    reads = list(_env_reads())
    names = {name for _f, _l, name, _d in reads}
    # The scan sees what settings.py reads, or it would pass on nothing.
    assert {"SECRET_KEY", "DEBUG", "ECO311_DEMO", "ECO311_HTTPS", "DATABASE_URL"} <= names
    undeclared = [
        f"{f}:{line}: {name}"
        for f, line, name, _d in reads
        if name not in BY_NAME and name not in NOT_SETTINGS
    ]
    assert not undeclared, "declare these in core/settings_spec.py:\n" + "\n".join(undeclared)


def test_a_default_written_in_the_code_is_the_declared_one():
    differing = [
        f"{f}:{line}: {name} defaults to {default!r} here, {BY_NAME[name].default!r} declared"
        for f, line, name, default in _env_reads()
        if default is not None
        and name in BY_NAME
        and default.replace("_", "") != BY_NAME[name].default
    ]
    assert not differing, "\n".join(differing)


def test_the_readme_points_to_the_settings_document():
    readme = (DOC_PATH.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/settings.md" in readme


# -- SECRET_KEY --------------------------------------------------------------------------------


def test_without_a_secret_key_production_refuses_to_start(tmp_path):
    refused = run_eco311(tmp_path, "manage", "check")
    assert refused.returncode == 2
    assert "SECRET_KEY" in refused.stderr and "拒绝启动" in refused.stderr
    assert "refuses to start" in refused.stderr and "Traceback" not in refused.stderr


def test_with_debug_off_https_and_a_key_check_deploy_reports_nothing(tmp_path):
    checked = run_eco311(
        tmp_path,
        "manage",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="k" + "3x9-Qz7!vR2m#Lp8wT5yN4bF6hJ1cD0gS" * 2,
        ALLOWED_HOSTS="eco311.sthj.shandong.gov.cn",
        ECO311_HTTPS="1",
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout
    assert "WARNINGS" not in checked.stderr and "ERRORS" not in checked.stderr


def test_check_deploy_without_https_names_what_is_missing(tmp_path):
    """The counterpart: the deploy check is not silenced, it is satisfied by ECO311_HTTPS."""
    checked = run_eco311(
        tmp_path,
        "manage",
        "check",
        "--deploy",
        DEBUG="0",
        SECRET_KEY="k" + "3x9-Qz7!vR2m#Lp8wT5yN4bF6hJ1cD0gS" * 2,
        ALLOWED_HOSTS="eco311.sthj.shandong.gov.cn",
    )
    assert "security.W004" in checked.stderr  # no HSTS
    assert "security.W008" in checked.stderr  # no SSL redirect
    assert "security.W012" in checked.stderr  # session cookie not secure


def test_a_demo_keeps_one_generated_key_in_its_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PYTEST_VERSION", raising=False)
    first = envmod.secret_key(tmp_path, debug=False, demo=True)
    again = envmod.secret_key(tmp_path, debug=False, demo=True)
    assert first == again and len(first) >= 50
    assert first not in (envmod.DEVELOPMENT_KEY, envmod.TEST_KEY)
    key_file = tmp_path / envmod.KEY_FILE
    assert key_file.read_text(encoding="ascii") == first
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    other = tmp_path / "other"
    other.mkdir()
    assert envmod.secret_key(other, debug=False, demo=True) != first


def test_the_key_from_the_environment_wins_and_nothing_else_is_accepted(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTEST_VERSION", raising=False)
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert envmod.secret_key(tmp_path, debug=False, demo=True) == "from-the-environment"
    assert not (tmp_path / envmod.KEY_FILE).exists()
    monkeypatch.delenv("SECRET_KEY")
    assert envmod.secret_key(tmp_path, debug=True, demo=False) == envmod.DEVELOPMENT_KEY
    with pytest.raises(envmod.SettingsError, match="SECRET_KEY"):
        envmod.secret_key(tmp_path, debug=False, demo=False)


def test_eco311_demo_starts_with_nothing_set_and_serve_reuses_its_key(tmp_path):
    """`make demo` on a fresh machine: the demo's environment is enough for serve's settings."""
    shown = run_eco311(
        tmp_path,
        "manage",
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.SECRET_KEY, settings.DEMO_MODE)",
        ECO311_DEMO="1",
    )
    assert shown.returncode == 0, shown.stderr
    key, demo = shown.stdout.split()
    assert demo == "True"
    assert key == (tmp_path / "var" / envmod.KEY_FILE).read_text(encoding="ascii")


# -- demo banner ---------------------------------------------------------------------------------

LOGIN_PAGE = (
    "from django.test import Client; print(Client().get('/accounts/login/').content.decode())"
)


def test_the_synthetic_data_banner_shows_only_with_eco311_demo(tmp_path):
    production = run_eco311(
        tmp_path, "manage", "shell", "--no-imports", "-c", LOGIN_PAGE, SECRET_KEY="a-test-key-" * 5
    )
    demo = run_eco311(
        tmp_path, "manage", "shell", "--no-imports", "-c", LOGIN_PAGE, ECO311_DEMO="1"
    )
    assert production.returncode == 0 and demo.returncode == 0, production.stderr + demo.stderr
    assert 'data-testid="login-form"' in production.stdout
    assert 'data-testid="demo-banner"' not in production.stdout
    assert 'data-testid="demo-banner"' in demo.stdout and "合成" in demo.stdout


@pytest.mark.django_db
def test_the_test_suite_runs_as_production_unless_a_test_asks_for_the_demo(client, settings):
    assert settings.DEMO_MODE is False
    assert 'data-testid="demo-banner"' not in client.get("/").content.decode()
    settings.DEMO_MODE = True
    assert 'data-testid="demo-banner"' in client.get("/").content.decode()


# -- HTTPS ---------------------------------------------------------------------------------------

SHOW_HTTPS = (
    "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
    " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER is not None)"
)


@pytest.mark.parametrize(
    "https,expected",
    [("1", "True True True 31536000 True"), ("", "False False False 0 False")],
)
def test_eco311_https_turns_on_secure_cookies_hsts_and_the_redirect(tmp_path, https, expected):
    shown = run_eco311(
        tmp_path,
        "manage",
        "shell",
        "--no-imports",
        "-c",
        SHOW_HTTPS,
        SECRET_KEY="k" * 60,
        ECO311_HTTPS=https,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == expected
