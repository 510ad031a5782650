"""Security headers, the Content-Security-Policy, and request ids from the header to the log
and the 500 page."""

import io
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import path

import eco311.urls
from eco311.core.middleware import REQUEST_ID_HEADER

CATALOGUE = (
    Path(eco311.urls.__file__).resolve().parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
)


# A URL configuration for these tests: the platform's, plus a view that fails.
class Boom(Exception):
    pass


def boom(request):
    raise Boom("the database fell over (a test)")


urlpatterns = [path("test-boom/", boom), *eco311.urls.urlpatterns]
handler500 = eco311.urls.handler500


def _csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


# -- headers and the policy ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/plans/shandong-311/", "/accounts/login/", "/api/docs"])
def test_pages_carry_a_strict_content_security_policy(client, url):
    response = client.get(url)
    assert response.status_code == 200
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/plans/shandong-311/", "/accounts/login/"])
def test_pages_have_nothing_inline_the_policy_would_block(client, url):
    body = client.get(url).content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", body)
    assert scripts and all("src=" in attrs or "application/json" in attrs for attrs in scripts)
    assert "<style" not in body
    assert not re.search(r"\son\w+=", body)  # no onclick= and the like
    # htmx 2 would inject its indicator <style>; the page tells it not to (the CSS is app.css).
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in body


def test_no_template_has_an_inline_script_or_event_handler():
    """The policy allows scripts from our own files only: an inline handler in any template
    (onchange="this.form.submit()") would silently stop working in the browser."""
    src = Path(eco311.urls.__file__).parent
    found = []
    for template in sorted(src.glob("*/templates/**/*.html")):
        text = template.read_text("utf-8")
        if re.search(r"\son[a-z]+\s*=", text) or re.search(r"<script\b(?![^>]*\bsrc=)", text):
            found.append(str(template.relative_to(src)))
    # The self-contained HTML evaluation report is served with its own policy (urls.py).
    assert [f for f in found if not f.startswith("reports/")] == []


def test_the_stylesheet_has_the_indicator_css_htmx_no_longer_injects():
    css = (Path(eco311.urls.__file__).parent / "web/static/eco311/app.css").read_text("utf-8")
    assert ".htmx-indicator" in css and ".htmx-request .htmx-indicator" in css


@pytest.mark.django_db
def test_only_the_self_contained_html_report_may_use_its_own_style(client_for):
    admin = client_for("admin")
    report = admin.get("/evaluation/?plan=shandong-311&format=html&lang=zh&as_of=2025-06-30")
    assert report.status_code == 200 and "<style" in report.content.decode()
    csp = _csp(report)
    assert "'unsafe-inline'" in csp["style-src"] and csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in _csp(admin.get("/"))["style-src"]


# -- request ids ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_response_has_a_request_id_and_a_well_formed_one_is_kept(client):
    first, second = client.get("/accounts/login/"), client.get("/accounts/login/")
    assert re.fullmatch(r"[0-9a-f]{32}", first[REQUEST_ID_HEADER])
    assert first[REQUEST_ID_HEADER] != second[REQUEST_ID_HEADER]
    kept = client.get("/accounts/login/", headers={"X-Request-ID": "proxy-7f3a-2025.11"})
    assert kept[REQUEST_ID_HEADER] == "proxy-7f3a-2025.11"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad", ["short", "has space in it", "x" * 200, "new\nline-injected", "<b>html</b>"]
)
def test_a_malformed_incoming_request_id_is_replaced(client, bad):
    response = client.get("/accounts/login/", headers={"X-Request-ID": bad})
    assert response[REQUEST_ID_HEADER] != bad
    assert re.fullmatch(r"[0-9a-f]{32}", response[REQUEST_ID_HEADER])


@pytest.fixture
def stderr_log():
    """What the configured stderr handler (settings.LOGGING) writes, with its formatter."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "stderr")
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield stream
    handler.setStream(old)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_server_error_is_logged_with_its_traceback_and_the_id_on_the_page(stderr_log, caplog):
    client = Client(raise_request_exception=False)
    response = client.get("/test-boom/")
    assert response.status_code == 500
    request_id = response[REQUEST_ID_HEADER]
    body = response.content.decode()
    assert f'<code data-testid="request-id">{request_id}</code>' in body
    assert "the database fell over" not in body  # the details are for the log only
    # The record: django.request's, with the exception and the same id.
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.levelno == logging.ERROR and record.exc_info[0] is Boom
    assert record.request_id == request_id
    # What reaches stderr: the id on the line, then the traceback down to the failing view.
    written = stderr_log.getvalue()
    assert f"ERROR [{request_id}] django.request: Internal Server Error: /test-boom/" in written
    assert "Traceback (most recent call last)" in written
    assert 'raise Boom("the database fell over (a test)")' in written


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_incoming_request_id_is_the_one_logged_and_shown(stderr_log):
    response = Client(raise_request_exception=False).get(
        "/test-boom/", headers={"X-Request-ID": "lb-0a1b2c3d4e5f"}
    )
    assert response[REQUEST_ID_HEADER] == "lb-0a1b2c3d4e5f"
    assert "lb-0a1b2c3d4e5f" in response.content.decode()
    assert "ERROR [lb-0a1b2c3d4e5f] django.request" in stderr_log.getvalue()


def test_records_outside_a_request_say_so():
    from eco311.core.middleware import RequestIdFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    assert RequestIdFilter().filter(record) and record.request_id == "-"


# -- translations --------------------------------------------------------------------------------


def test_the_lockout_and_error_pages_speak_chinese():
    """Chinese first: the two messages a locked-out or unlucky user reads are translated."""
    po = polib.pofile(str(CATALOGUE))
    for start in ("Too many failed log-ins", "Something went wrong on the server"):
        [entry] = [e for e in po if e.msgid.startswith(start) and not e.obsolete]
        assert re.search(r"[\u4e00-\u9fff]", entry.msgstr), entry.msgid
        assert entry.msgid.count("%(") == entry.msgstr.count("%("), entry.msgid


# -- in a real browser: nothing the policy blocks --------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def production_server(tmp_path_factory, serve_eco311):
    """`eco311 setup` then `eco311 serve` as in production: DEBUG off, a secret key, no demo."""
    data = tmp_path_factory.mktemp("eco311-prod")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "ECO311_DEMO", "PYTEST_VERSION")
    }
    env.update(
        ECO311_DATA_DIR=str(data),
        SECRET_KEY="browser-test-" + "q8Zr3Lx0" * 6,
        ECO311_ADMIN_USERNAME="operator",
        ECO311_ADMIN_PASSWORD="Huanbao-311-Operator",
    )
    setup = subprocess.run(
        [sys.executable, "-m", "eco311.cli", "setup", "--no-input"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    with serve_eco311(env, data, "--no-worker") as url:
        yield url


@pytest.mark.browser
def test_the_dashboard_and_the_api_docs_load_under_the_policy(production_server):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for browser tests (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        blocked = []
        page.on(
            "console",
            lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.on("pageerror", lambda e: blocked.append(str(e)))
        page.goto(f"{production_server}/")
        page.wait_for_selector("[data-chart=status-donut] canvas")
        assert page.locator("[data-testid=demo-banner]").count() == 0
        page.hover("[data-chart=status-donut] canvas")  # a tooltip with its coloured marker
        page.goto(f"{production_server}/api/docs")
        page.wait_for_selector(".swagger-ui .info .title")
        assert page.locator(".swagger-ui .opblock").count() > 5
        page.goto(f"{production_server}/accounts/login/")
        page.wait_for_selector("[data-testid=login-form]")
        browser.close()
    assert blocked == []


def test_the_log_follows_the_current_stderr_not_the_one_it_was_configured_with(monkeypatch):
    """Settings loaded while a test (or an in-process command) had replaced stderr must not
    leave the log writing to that replaced, later closed, stream."""
    from eco311.core.middleware import StderrHandler

    configured = io.StringIO()
    monkeypatch.setattr(sys, "stderr", configured)
    handler = StderrHandler()
    configured.close()
    now = io.StringIO()
    monkeypatch.setattr(sys, "stderr", now)
    handler.emit(logging.makeLogRecord({"msg": "after the swap", "levelno": logging.ERROR}))
    assert "after the swap" in now.getvalue()
    pinned = io.StringIO()
    handler.setStream(pinned)
    handler.emit(logging.makeLogRecord({"msg": "pinned", "levelno": logging.ERROR}))
    assert "pinned" in pinned.getvalue() and "pinned" not in now.getvalue()
