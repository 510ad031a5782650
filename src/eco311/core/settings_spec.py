"""Every setting read from the environment, declared once as data (datasette's habit).

settings.py reads them through core/env.py, which takes a setting's default from here;
docs/settings.md is generated from this list (``python -m eco311.core.settings_spec --write``),
and tests/core/test_settings.py fails when the document is stale or when code reads an
environment variable that is not declared here. Pure: no Django.
"""

import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # as it would be written in the environment; "" means unset
    meaning: str
    group: str


GROUPS = {
    "core": "Running the platform",
    "security": "Security (production)",
    "data": "Data and limits",
    "setup": "First install (`eco311 setup --no-input`)",
    "mail": "E-mail (reminders, notices, daily digests; docs/supervision.md)",
}

SETTINGS: tuple[Setting, ...] = (
    # -- running --------------------------------------------------------------------------------
    Setting(
        "ECO311_DATA_DIR",
        "./var",
        "Folder for the SQLite database, uploads, collected static files and, in demo mode, "
        "the generated secret key. Relative to the directory the command runs in.",
        "core",
    ),
    Setting(
        "DATABASE_URL",
        "",
        "PostgreSQL connection URL (`postgres://user:password@host:5432/name`). When unset, "
        "SQLite in `ECO311_DATA_DIR` is used.",
        "core",
    ),
    Setting(
        "ECO311_SQLITE",
        "",
        "Path of the SQLite file when `DATABASE_URL` is unset; default "
        "`ECO311_DATA_DIR/eco311.sqlite3`.",
        "core",
    ),
    Setting(
        "ECO311_SQLITE_TIMEOUT",
        "30",
        "Seconds a SQLite write waits for another writer (an import) before failing with "
        "“database busy”.",
        "core",
    ),
    Setting(
        "DEBUG",
        "false",
        "Django's debug mode: tracebacks in the browser. Never on in production. With it on, a "
        "fixed development secret key is used when `SECRET_KEY` is unset.",
        "core",
    ),
    Setting(
        "ECO311_DEMO",
        "false",
        "Demonstration instance: every page shows the synthetic-data banner, exports are marked "
        "synthetic, and when `SECRET_KEY` is unset a random key is generated once and kept in "
        "`ECO311_DATA_DIR/secret-key`. `eco311 demo` sets it.",
        "core",
    ),
    Setting(
        "ECO311_AS_OF",
        "",
        "The evaluation date pages use when none is asked for (ISO date, e.g. 2025-06-30); "
        "empty means today. `eco311 demo` sets 2025-06-30.",
        "core",
    ),
    Setting(
        "ECO311_LOG_LEVEL",
        "INFO",
        "Level of the log written to standard error (DEBUG, INFO, WARNING, ERROR). Every "
        "record carries the request id that the response's `X-Request-ID` header and the error "
        "page show.",
        "core",
    ),
    # -- security -------------------------------------------------------------------------------
    Setting(
        "SECRET_KEY",
        "",
        "Django's secret key (signs sessions, CSRF and password-reset tokens): a long random "
        "string, kept secret. Required when `DEBUG` is off: the platform refuses to start "
        "without it, except in demo mode (see `ECO311_DEMO`) and under pytest.",
        "security",
    ),
    Setting(
        "ALLOWED_HOSTS",
        "127.0.0.1,localhost,testserver",
        "Comma-separated host names the platform answers to, e.g. `eco311.sthj.shandong.gov.cn`.",
        "security",
    ),
    Setting(
        "ECO311_HTTPS",
        "false",
        "The platform is reached over HTTPS (through a reverse proxy that terminates TLS and "
        "sets `X-Forwarded-Proto: https`, which it must also strip from clients): secure "
        "session and CSRF cookies, HTTP Strict Transport Security and a redirect from http:// "
        "to https://.",
        "security",
    ),
    Setting(
        "ECO311_HSTS_SECONDS",
        "31536000",
        "With `ECO311_HTTPS`: how long browsers must use HTTPS only (the HSTS max-age, with "
        "includeSubDomains and preload). 0 turns HSTS off.",
        "security",
    ),
    Setting(
        "ECO311_LOGIN_FAILURE_LIMIT",
        "5",
        "Failed log-ins for one user name from one address before that pair is locked out.",
        "security",
    ),
    Setting(
        "ECO311_LOGIN_COOLOFF_MINUTES",
        "15",
        "How long a lockout lasts, in minutes; a failure during the lockout starts it again.",
        "security",
    ),
    # -- data and limits ------------------------------------------------------------------------
    Setting(
        "ECO311_MIN_PUBLIC_ENTERPRISES",
        "3",
        "Indicator values built from fewer enterprises than this are shown as “—” to the "
        "public, banks and enterprises (they could disclose one firm's figures).",
        "data",
    ),
    Setting(
        "ECO311_MAX_ATTACHMENT_MB",
        "20",
        "Largest attachment to a progress report, in MB.",
        "data",
    ),
    Setting(
        "ECO311_NOTICE_ATTACHMENT_MB",
        "20",
        "Largest attachment to a notice (通知公告), in MB.",
        "data",
    ),
    Setting(
        "ECO311_MAX_NOTE_CHARS",
        "2000",
        "Longest note or comment a form or the API accepts, in characters.",
        "data",
    ),
    Setting(
        "ECO311_IMPORT_MAX_ROWS",
        "200000",
        "Survey workbook import: most rows on any sheet.",
        "data",
    ),
    Setting(
        "ECO311_IMPORT_MAX_COLUMNS",
        "100",
        "Survey workbook import: most columns on any sheet.",
        "data",
    ),
    Setting(
        "ECO311_IMPORT_MAX_UNCOMPRESSED_MB",
        "1024",
        "Survey workbook import: most MB of all parts of the workbook once inflated.",
        "data",
    ),
    Setting(
        "ECO311_IMPORT_MAX_PART_MB",
        "512",
        "Survey workbook import: most MB of one part of the workbook once inflated.",
        "data",
    ),
    Setting(
        "ECO311_IMPORT_MAX_RATIO",
        "150",
        "Survey workbook import: highest compression ratio of any part (a zip bomb guard).",
        "data",
    ),
    Setting(
        "ECO311_IMPORT_BACKGROUND_KB",
        "1024",
        "Uploads (web and API) larger than this many KB are imported by a background job; "
        "smaller ones at once. The CLI always imports at once.",
        "data",
    ),
    # -- first install --------------------------------------------------------------------------
    Setting(
        "ECO311_ADMIN_USERNAME",
        "",
        "User name of the first administrator `eco311 setup --no-input` creates.",
        "setup",
    ),
    Setting(
        "ECO311_ADMIN_PASSWORD",
        "",
        "That administrator's password (Django's password validators apply).",
        "setup",
    ),
    Setting(
        "ECO311_ADMIN_EMAIL",
        "",
        "That administrator's e-mail address (optional).",
        "setup",
    ),
    # -- e-mail (supervision/delivery.py) ---------------------------------------------------------
    Setting(
        "ECO311_EMAIL_BACKEND",
        "",
        "How mails leave: `smtp` (through `EMAIL_HOST`), `console` (printed on the server's "
        "output), `file` (written under `ECO311_DATA_DIR/mail`), `none` (dropped), or a Django "
        "backend's dotted path. Unset: `console` when `DEBUG` or `ECO311_DEMO` is on, else "
        "`smtp`.",
        "mail",
    ),
    Setting("EMAIL_HOST", "localhost", "The SMTP server.", "mail"),
    Setting("EMAIL_PORT", "25", "Its port (587 with `EMAIL_USE_TLS`, 465 for SSL).", "mail"),
    Setting("EMAIL_HOST_USER", "", "The SMTP login; unset: no authentication.", "mail"),
    Setting("EMAIL_HOST_PASSWORD", "", "The SMTP password, kept secret.", "mail"),
    Setting("EMAIL_USE_TLS", "false", "Use STARTTLS on the SMTP connection.", "mail"),
    Setting(
        "DEFAULT_FROM_EMAIL",
        "eco311@localhost",
        "The sender address of every mail, e.g. `eco311@sthj.shandong.gov.cn`.",
        "mail",
    ),
    Setting(
        "ECO311_BASE_URL",
        "http://127.0.0.1:8000",
        "The platform's public address, without a trailing slash: the links in mails point "
        "under it (e.g. `https://eco311.sthj.shandong.gov.cn`).",
        "mail",
    ),
)

BY_NAME = {s.name: s for s in SETTINGS}

# Read from the environment but not settings of ours: Django's own pointer to this module, and
# pytest's marker of a test session (see core/env.py, secret_key).
NOT_SETTINGS = frozenset({"DJANGO_SETTINGS_MODULE", "PYTEST_VERSION"})

DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "settings.md"


def render_markdown() -> str:
    """docs/settings.md: every setting by group, in declaration order."""
    lines = [
        "# Settings",
        "",
        "<!-- Generated from src/eco311/core/settings_spec.py by",
        "     `uv run python -m eco311.core.settings_spec --write`; do not edit by hand. -->",
        "",
        "eco311 reads its settings from environment variables, all listed here. A boolean is on",
        "for `1`, `true`, `yes` or `on`. A production server needs at least `SECRET_KEY`,",
        "`ALLOWED_HOSTS` and, behind HTTPS, `ECO311_HTTPS=1`; with those and `DEBUG` off,",
        "`eco311 manage check --deploy` reports nothing.",
        "",
    ]
    for key, title in GROUPS.items():
        lines += [f"## {title}", "", "| variable | default | meaning |", "|---|---|---|"]
        for s in SETTINGS:
            if s.group == key:
                default = f"`{s.default}`" if s.default else "(unset)"
                lines.append(f"| `{s.name}` | {default} | {s.meaning} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    text = render_markdown()
    if "--write" in argv:
        DOC_PATH.write_text(text, encoding="utf-8")
        print(DOC_PATH)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
