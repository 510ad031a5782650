"""Real-browser tests: the real server on a free port, Playwright driving Debian's chromium.

The server runs as `eco311 demo --no-serve` then `eco311 serve` in a subprocess with its own
SQLite database, exactly as a user starts it; its output is printed when a test fails.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = os.environ.get("ECO311_SCREENSHOTS")  # a folder: also save screenshots there


@pytest.fixture(scope="module")
def server(tmp_path_factory, serve_eco311):
    data = tmp_path_factory.mktemp("eco311")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(ECO311_DATA_DIR=str(data), ECO311_AS_OF="2025-06-30", ECO311_DEMO="true")
    setup = subprocess.run(
        [sys.executable, "-m", "eco311.cli", "demo", "--no-serve", "--password", "pw"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    with serve_eco311(env, data) as url:
        yield url


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
    page.goto(f"{server}/warnings/")  # a private page: the anonymous public logs in first
    assert "/accounts/login/?next=/warnings/" in page.url


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
    page.goto(f"{server}/enterprises/")
    assert "/accounts/login/?next=/enterprises/" in page.url
    page.goto(f"{server}/kpi/env_revenue_total/")
    page.wait_for_selector("[data-chart=map] canvas")
    assert page.locator("[data-testid=drill-down]").count() == 0


def test_an_enterprise_corrects_its_return_and_the_city_approves_it(server, browser):
    errors = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, server, "enterprise")  # the demo's enterprise is in Jinan
    page.click("[data-testid=nav-my-return]")
    page.wait_for_selector("[data-testid=return-form]")
    assert page.inner_text("[data-testid=return-status]") == "已审核通过"  # the latest year
    uscc = page.inner_text("[data-testid=return-uscc]")
    employees = int(page.input_value("#id_employees"))

    page.fill("#id_employees", "十二")
    page.click("[data-testid=submit-return]")
    page.wait_for_selector("[data-testid=error-employees]")
    assert "十二" in page.inner_text("[data-testid=error-employees]")
    assert page.locator("[data-testid=form-errors]").count() == 1
    _shot(page, "return-form-errors")

    page.fill("#id_employees", str(employees + 1))
    page.click("[data-testid=submit-return]")
    page.wait_for_selector(".msg-success")
    assert page.inner_text("[data-testid=return-status]") == "已报送"

    city = browser.new_page(viewport={"width": 1400, "height": 1000})
    city.on("pageerror", lambda e: errors.append(str(e)))
    _login(city, server, "jinan")
    city.click("[data-testid=nav-returns]")
    city.wait_for_selector("[data-testid=return-queue]")
    row = city.locator(f"[data-testid=return-queue] tr[data-uscc='{uscc}']")
    assert "1 个字段与审核通过的版本不同" in row.inner_text()
    _shot(city, "return-queue")
    row.locator("a.btn").click()
    city.wait_for_selector("[data-testid=review-return-form]")
    assert city.locator("[data-changed=employees]").count() == 1
    _shot(city, "return-review")
    city.fill("#id_comment", "已核实")
    city.click("[data-testid=approve]")
    city.wait_for_url(f"{server}/returns/")
    assert uscc not in city.inner_text("[data-testid=return-queue]")

    page.reload()
    assert page.inner_text("[data-testid=return-status]") == "已审核通过"
    assert "已核实" in page.inner_text("main")
    assert errors == []


def test_the_administrator_computes_and_publishes_a_top_100_that_the_public_sees(server, browser):
    errors = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, server, "admin")
    page.click("[data-testid=nav-rankings]")
    page.wait_for_selector("[data-testid=start-form]")
    page.select_option("[data-testid=start-form] select[name=year]", "2024")
    page.fill("[data-testid=start-form] input[name=top_n]", "100")
    page.click("[data-testid=start-ranking]")
    page.wait_for_url(re.compile(r".*/rankings/\d+/$"))
    detail = page.url
    # The page polls the progress fragment (htmx, every second) and reloads itself when the
    # server's worker thread has finished the job; the run can be quick enough to be done
    # before the first poll.
    if page.locator("[data-testid=ranking-progress]").count():
        state = page.get_attribute("[data-testid=ranking-progress]", "data-state")
        assert state in ("queued", "running", "done")
        _shot(page, "ranking-progress")
    page.wait_for_selector("[data-testid=ranking-table]", timeout=180_000)
    assert page.locator("[data-testid=ranking-progress]").count() == 0
    assert page.locator("[data-testid=draft-note]").count() == 1
    assert page.locator("[data-testid=ranking-table] tbody tr").count() >= 100
    _shot(page, "ranking-draft")

    page.check("[data-testid=publish-confirm]")
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=ranking-version]")
    assert page.url == detail
    assert page.locator("[data-testid=band-head]").count() == 1  # the file's Monte Carlo ran
    page.click("[data-testid=ranking-table] tbody tr:first-child [data-testid=profile-link]")
    page.wait_for_selector("[data-chart=radar] canvas")
    page.wait_for_selector("[data-chart=stacked-bar] canvas")
    assert page.inner_text("[data-testid=entry-rank]") == "1"
    _shot(page, "ranking-profile")

    public = browser.new_page(viewport={"width": 1400, "height": 1000})
    public.on("pageerror", lambda e: errors.append(str(e)))
    public.goto(f"{server}/rankings/")
    assert public.locator("[data-testid=other-runs]").count() == 0
    public.click(f"[data-testid=published-lists] a[href='{detail[len(server) :]}']")
    public.wait_for_selector("[data-testid=ranking-table]")
    assert public.locator("[data-testid=ranking-table] tbody tr").count() >= 100
    assert public.locator("[data-testid=profile-link]").count() == 0
    assert public.locator("[data-testid=review]").count() == 0
    _shot(public, "ranking-public")
    assert errors == []
