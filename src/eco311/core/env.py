"""Typed helpers for reading settings from environment variables (healthchecks style).

Every variable is declared in core/settings_spec.py; a helper called without a default takes
the declared one, so the default is written once. Pure: no Django.
"""

import os
import secrets
from pathlib import Path

from eco311.core.settings_spec import BY_NAME


class SettingsError(RuntimeError):
    """A setting that stops the platform from starting; the message says which and what to do."""


def _default(name: str, default):
    if default is not None:
        return default
    return BY_NAME[name].default


def envbool(name: str, default: str | None = None) -> bool:
    return os.getenv(name, _default(name, default)).strip().lower() in ("1", "true", "yes", "on")


def envstr(name: str, default: str | None = None) -> str:
    return os.getenv(name, _default(name, default))


def envint(name: str, default: int | None = None) -> int:
    """An integer setting; a value that is not one names the variable rather than a traceback."""
    raw = os.getenv(name, "").strip()
    if not raw:
        return int(_default(name, default))
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


DEVELOPMENT_KEY = "eco311-insecure-development-key-only-with-debug"  # noqa: S105
TEST_KEY = "eco311-insecure-test-key-only-under-pytest"  # noqa: S105
KEY_FILE = "secret-key"

NO_SECRET_KEY = (
    "未设置 SECRET_KEY：DEBUG 关闭时平台拒绝启动。请设置环境变量 SECRET_KEY（一个很长的随机字符串，"
    '例如 python -c "import secrets; print(secrets.token_urlsafe(50))" 的输出）；'
    "演示实例请设置 ECO311_DEMO=1。\n"
    "SECRET_KEY is not set: with DEBUG off the platform refuses to start. Set the SECRET_KEY "
    "environment variable to a long random string (e.g. the output of "
    'python -c "import secrets; print(secrets.token_urlsafe(50))"); for a demonstration '
    "instance set ECO311_DEMO=1. See docs/settings.md."
)


def secret_key(data_dir: Path, *, debug: bool, demo: bool) -> str:
    """SECRET_KEY from the environment, or the one fallback that is safe in this situation.

    A demo must start on a fresh machine with nothing set (`make demo`), and `eco311 demo`
    and a later `eco311 serve` on the same data must agree on the key (sessions survive a
    restart), so demo mode generates a random key once and keeps it in the data folder, where
    the demo's database already is. pytest-django imports the settings before any conftest
    can set the environment, so a test session (pytest sets PYTEST_VERSION for its duration,
    and subprocesses the tests start inherit it) gets a fixed test key. DEBUG gets a fixed
    development key. Anything else is a production server without a key: refuse.
    """
    key = os.getenv("SECRET_KEY", "").strip()
    if key:
        return key
    if demo:
        path = data_dir / KEY_FILE
        if not path.exists():
            # Written aside, then linked into place: link() fails when the file exists, so two
            # demo processes started at once agree on one key and none reads a half-written one.
            tmp = data_dir / f".{KEY_FILE}.{os.getpid()}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # owner only
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_urlsafe(50))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    if os.getenv("PYTEST_VERSION"):
        return TEST_KEY
    if debug:
        return DEVELOPMENT_KEY
    raise SettingsError(NO_SECRET_KEY)
