"""Real-browser tests: the real server on a free port, Playwright driving Debian's chromium.

The server runs as `eco311 demo --no-serve` then `eco311 serve` in a subprocess with its own
SQLite database, exactly as a user starts it; its output is printed when a test fails.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = os.environ.get("ECO311_SCREENSHOTS")  # a folder: also save screenshots there


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("eco311")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(ECO311_DATA_DIR=str(data), ECO311_AS_OF="2025-06-30", ECO311_DEMO="true")
    cli = [sys.executable, "-m", "eco311.cli"]
    setup = subprocess.run(
        [*cli, "demo", "--no-serve", "--password", "pw"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    port = _free_port()
    log = open(data / "server.log", "w+")
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)
    log.seek(0)
    print(log.read())


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for browser tests (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def _shot(page, name):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=False)


def test_login_dashboard_target_and_language_switch(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/accounts/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw")
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_url(f"{server}/")
    # Chinese first, synthetic data labelled, charts drawn by ECharts from our own static files.
    assert "合成" in page.inner_text("[data-testid=demo-banner]")
    assert page.inner_text("h1") == "“3-10-100”全景"
    assert int(page.inner_text("[data-testid=kpi-total]")) >= 80
    page.wait_for_selector("[data-chart=status-donut] canvas")
    page.wait_for_selector("[data-chart=map] canvas")
    _shot(page, "dashboard")

    page.click("[data-testid=target-table] tbody tr:first-child td:nth-child(2) a")
    page.wait_for_selector("[data-testid=target-title]")
    assert page.locator("[data-testid=reports]").count() == 1  # the admin sees the details
    if page.locator("[data-testid=series-chart]").count():
        page.wait_for_selector("[data-testid=series-chart] canvas")
    _shot(page, "target")

    page.click("[data-testid=lang-en]")
    page.wait_for_selector("[data-testid=lang-zh]")
    assert "synthetic" in page.inner_text("[data-testid=demo-banner]")
    assert "Deadline" in page.content()
    page.goto(f"{server}/")
    assert page.inner_text("h1") == "3-10-100 at a glance"
    page.click("[data-testid=lang-zh]")
    page.wait_for_selector("[data-testid=lang-en]")
    assert errors == []


def test_the_public_sees_no_report_details(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/plans/shandong-311/")
    page.click("[data-testid=target-table] tbody tr:first-child td:nth-child(2) a")
    page.wait_for_selector("[data-testid=target-title]")
    assert page.locator("[data-testid=reports]").count() == 0
    assert page.locator("[data-testid=report-form]").count() == 0
    assert page.goto(f"{server}/warnings/").status == 403


def _count(text: str) -> int:
    return int(re.search(r"\d+", text).group())


def test_filters_update_the_list_in_place(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/plans/shandong-311/?as_of=2025-06-30")
    total = _count(page.inner_text("[data-testid=match-count]"))
    page.select_option("[data-testid=filters] select[name=status]", "overdue")
    page.wait_for_url("**status=overdue**")
    shown = _count(page.inner_text("[data-testid=match-count]"))
    assert 0 < shown < total
    badges = page.locator("[data-testid=target-table] .status").all_inner_texts()
    assert set(badges) == {"逾期未完成"}


def _login(page, server, username):
    page.goto(f"{server}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_url(f"{server}/")


def test_an_indicator_page_draws_its_charts_and_a_city_sees_its_enterprises(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, server, "jinan")
    page.click("nav.nav >> text=指标")
    page.wait_for_selector("[data-testid=kpi-table]")
    page.click("[data-indicator=env_revenue_total] a")
    page.wait_for_selector("[data-testid=kpi-title]")
    page.wait_for_selector("[data-chart=map] canvas")
    page.wait_for_selector("[data-chart=stacked-bar] canvas")
    cities = page.locator("[data-testid=drill-table] tbody tr td:nth-child(3)").all_inner_texts()
    assert cities and set(cities) == {"济南"}
    assert "不在您的权限范围内" in page.inner_text("[data-testid=drill-count]")
    _shot(page, "indicator")
    page.click("[data-testid=drill-table] tbody tr:first-child td:first-child a")
    page.wait_for_selector("[data-testid=returns]")
    _shot(page, "enterprise")
    assert errors == []


def test_the_survey_page_and_the_public_view_of_enterprises(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/survey/")
    assert page.locator("[data-testid=dictionary] tbody tr").count() > 30
    assert page.locator("[data-testid=import-form]").count() == 0
    with page.expect_download() as download:
        page.click("[data-testid=template-link]")
    assert download.value.suggested_filename == "eco311-survey-template.xlsx"
    assert page.goto(f"{server}/enterprises/").status == 403
    page.goto(f"{server}/kpi/env_revenue_total/")
    page.wait_for_selector("[data-chart=map] canvas")
    assert page.locator("[data-testid=drill-down]").count() == 0
