"""One settings module, driven by environment variables.

SQLite (a file under ECO311_DATA_DIR, WAL mode) by default; PostgreSQL when DATABASE_URL is set.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

from eco311.core.env import envbool, envint, envstr, secret_key

# Every environment variable read here is declared, with its default and meaning, in
# core/settings_spec.py; docs/settings.md is generated from that list.
PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(envstr("ECO311_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("DEBUG")
# Off unless asked for: a production server must not call its data synthetic.
DEMO_MODE = envbool("ECO311_DEMO")
# Refuses to start (SettingsError) without SECRET_KEY when DEBUG is off, except for a demo.
SECRET_KEY = secret_key(DATA_DIR, debug=DEBUG, demo=DEMO_MODE)
ALLOWED_HOSTS = [h.strip() for h in envstr("ALLOWED_HOSTS").split(",") if h.strip()]

# -- HTTPS (behind a reverse proxy that terminates TLS) -----------------------------------------
HTTPS = envbool("ECO311_HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
# The proxy says the request came over https; trusted only when we are told one is in front.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = envint("ECO311_HSTS_SECONDS") if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# -- Content-Security-Policy (django-csp 4) ------------------------------------------------------
# Scripts and style sheets only from our own static files: the templates have no inline
# <script> or <style>, and htmx's injected indicator <style> is turned off in base.html (the
# indicator CSS is in app.css). Style *attributes* are allowed: ECharts' tooltips (ours in
# charts.js too) are HTML strings with style="…" markers, and a style attribute cannot run
# script. img-src data: for ECharts' and Swagger UI's inline SVG icons. The HTML evaluation
# report is a self-contained document with its own <style>; urls.py widens style-src for it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "ninja",
    "axes",
    "csp",
    "eco311.core",
    "eco311.geo",
    "eco311.accounts",
    "eco311.plans",
    "eco311.enterprises",
    "eco311.ranking",
    "eco311.chains",
    "eco311.supervision",
    "eco311.search",
    "eco311.evaluation",
    "eco311.reports",
    "eco311.web",
    "eco311.api",
]

MIDDLEWARE = [
    # First, so that every response, a redirect or an error too, carries its request id.
    "eco311.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "eco311.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "eco311.core.guards.RefuseNulMiddleware",  # after the language is known: its message
    # Answers "database busy, try again" (503) when a write waited too long for a lock.
    "eco311.core.dbbusy.DatabaseBusyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out log-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "eco311.urls"
WSGI_APPLICATION = "eco311.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "eco311.web.context.platform",
            ],
        },
    },
]

_db_url = envstr("DATABASE_URL", "")
if _db_url:
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": envstr("ECO311_SQLITE", str(DATA_DIR / "eco311.sqlite3")),
            "OPTIONS": {
                # WAL lets readers work while a writer commits; IMMEDIATE avoids lock upgrades.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                # A write waits this long for another writer (an import) before failing.
                "timeout": envint("ECO311_SQLITE_TIMEOUT", 30),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's four validators: `eco311 setup` and the account pages (accounts/views.py) apply them.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The demo's accounts (demo.py) are created in code with set_password, which validates nothing:
# their short shared password is known on purpose, and the banner says the data are synthetic.

# -- Log-in throttling (django-axes 8) -----------------------------------------------------------
# A user name from one address is locked out after ECO311_LOGIN_FAILURE_LIMIT failures, for
# ECO311_LOGIN_COOLOFF_MINUTES; locking the pair, not the address, keeps one office behind a
# shared NAT from locking each other out, and not the name alone keeps an attacker from locking
# a real user out from anywhere. The lockout page is the log-in page with a message (429).
AUTHENTICATION_BACKENDS = [
    "eco311.accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("ECO311_LOGIN_FAILURE_LIMIT")
AXES_COOLOFF_TIME = timedelta(minutes=envint("ECO311_LOGIN_COOLOFF_MINUTES"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "eco311.accounts.lockout.locked_out"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves from the finders; the folder must exist
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# -- Logging: to standard error, every record with its request id (core/middleware.py) ----------
# A server error is logged by django.request with its traceback; the id is the one the response's
# X-Request-ID header and the 500 page show, so a user's report finds its log lines.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "eco311.core.middleware.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "stderr": {
            "class": "eco311.core.middleware.StderrHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["stderr"], "level": envstr("ECO311_LOG_LEVEL").upper()},
    # Django's own handlers (console under DEBUG, mail_admins) would write the records twice.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Axes says hello at every start and logs each failure at INFO; lockouts are WARNING.
        "axes": {"level": "WARNING"},
        # WeasyPrint narrates every layout step at INFO, and warns of every SVG presentation
        # property of matplotlib's charts (`fill: #…`) that its CSS parser does not know though
        # its SVG renderer draws it; fontTools narrates every subset. A report rendered from the
        # CLI or a request would fill the log with them.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}

# The evaluation date pages use when none is asked for (ISO date); empty means today.
DEFAULT_AS_OF = envstr("ECO311_AS_OF", "")

# -- E-mail (supervision/delivery.py; docs/supervision.md) -----------------------------------
# A demo or a developer's machine prints mails rather than trying an SMTP server that is not
# there; a production server sends by SMTP unless told otherwise. pytest-django replaces the
# backend by locmem in tests.
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "none": "django.core.mail.backends.dummy.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = envstr("ECO311_EMAIL_BACKEND").strip() or (
    "console" if DEBUG or DEMO_MODE else "smtp"
)
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = envstr("EMAIL_HOST")
EMAIL_PORT = envint("EMAIL_PORT")
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL")
ECO311_BASE_URL = envstr("ECO311_BASE_URL").rstrip("/")

# -- Limits on what users send and what the public sees (issue 8, "hostile web") ----------------
# Indicator values built from fewer enterprises than this are shown as "—" to the public, banks
# and enterprises (they could disclose one firm's figures); officials in scope still see them.
ECO311_MIN_PUBLIC_ENTERPRISES = envint("ECO311_MIN_PUBLIC_ENTERPRISES")
# The largest attachment to a progress report, in MB, and the longest note or comment, in
# characters (what a form or the API accepts; longer input is refused with a message).
ECO311_MAX_ATTACHMENT_MB = envint("ECO311_MAX_ATTACHMENT_MB")
# The largest attachment to a notice (通知公告), in MB (supervision/notices.py).
ECO311_NOTICE_ATTACHMENT_MB = envint("ECO311_NOTICE_ATTACHMENT_MB")
ECO311_MAX_NOTE_CHARS = envint("ECO311_MAX_NOTE_CHARS")

# -- Survey imports (issue 8, "hostile-import"; enterprises/survey/archive.py, importer.py) ------
# A workbook is checked before it is read: at most this many rows and columns on any sheet, this
# many MB inflated (all parts, and one part), and no part compressed more than the ratio. The
# reader holds a sheet as a rectangle of rows x columns cells (32 bytes each in calamine): the
# defaults bound it to about 640 MB; a workbook of 100,000 returns is 101 MB inflated.
ECO311_IMPORT_MAX_ROWS = envint("ECO311_IMPORT_MAX_ROWS", 200_000)
ECO311_IMPORT_MAX_COLUMNS = envint("ECO311_IMPORT_MAX_COLUMNS", 100)
ECO311_IMPORT_MAX_UNCOMPRESSED_MB = envint("ECO311_IMPORT_MAX_UNCOMPRESSED_MB", 1024)
ECO311_IMPORT_MAX_PART_MB = envint("ECO311_IMPORT_MAX_PART_MB", 512)
ECO311_IMPORT_MAX_RATIO = envint("ECO311_IMPORT_MAX_RATIO", 150)
# Uploads (web and API) larger than this many KB are imported by a background job, one at a
# time, with progress on the batch page; smaller ones at once. The CLI always imports at once.
ECO311_IMPORT_BACKGROUND_KB = envint("ECO311_IMPORT_BACKGROUND_KB", 1024)
