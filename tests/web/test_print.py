"""Pages print cleanly: the print stylesheet leaves out the header, the menu, the forms and the
buttons, keeps the demo's synthetic-data banner, never cuts a table through a row, prints links
as their text and lays the page on A4."""

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from django.utils.translation import gettext as _
from django.utils.translation import override

CSS = Path(__file__).resolve().parents[2] / "src/eco311/web/static/eco311/app.css"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AS_OF = "2025-06-30"


def print_rules() -> str:
    """The body of the stylesheet's @media print block."""
    text = CSS.read_text(encoding="utf-8")
    start = text.index("@media print {")
    depth, i = 0, start
    while True:
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
        i += 1


def hidden_selectors(rules: str) -> set[str]:
    found = set()
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", rules):
        if re.search(r"display:\s*none", body):
            found |= {s.strip() for s in selectors.split(",")}
    return found


def test_the_print_stylesheet_hides_the_chrome_and_keeps_the_banner():
    rules = print_rules()
    hidden = hidden_selectors(rules)
    for selector in (".site-header", ".nav", "form", ".filters", ".btn", "button", ".pagination"):
        assert selector in hidden, selector
    assert ".demo-banner" not in hidden
    assert re.search(r"\.demo-banner\s*\{[^}]*display:\s*block", rules)


def test_the_print_stylesheet_is_a4_keeps_rows_whole_and_prints_link_text():
    rules = print_rules()
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", rules)
    assert re.search(r"\.table tr[^{]*\{[^}]*break-inside:\s*avoid", rules)
    assert re.search(r"\.table thead\s*\{[^}]*display:\s*table-header-group", rules)
    assert re.search(r"a\[href\]::after\s*\{[^}]*content:\s*none", rules)
    assert "attr(href)" not in rules  # links print as their text, not their address


@pytest.mark.browser
@pytest.mark.django_db
def test_a_printed_target_list_has_the_table_and_no_menu(client_for, demo_mode, tmp_path):
    """The plan's target list, rendered by the server, printed to PDF by chromium with the
    platform's stylesheet: the table and the banner are there, the menu and filters are not."""
    if not Path(CHROMIUM).exists() or shutil.which("pdftotext") is None:
        pytest.fail("chromium and poppler-utils are required for this test")
    from playwright.sync_api import sync_playwright

    html = client_for("admin").get(f"/plans/shandong-311/?as_of={AS_OF}").content.decode()
    first = re.search(
        r'<tr data-target="[^"]+">\s*<td class="nowrap">[^<]*</td>\s*<td><a [^>]*>([^<]+)</a>', html
    )
    # A wrapped cell is printed over several lines: its first few characters are on one.
    wording = re.sub(r"\s+", "", unescape(first.group(1)))[:6]
    # Offline: no server, so the page's scripts and stylesheet link are replaced by the CSS.
    html = re.sub(r"<script[^>]*></script>|<link rel=\"stylesheet\"[^>]*>", "", html)
    pdf = tmp_path / "targets.pdf"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.set_content(html)
        page.add_style_tag(content=CSS.read_text(encoding="utf-8"))
        page.emulate_media(media="print")
        page.pdf(path=str(pdf), prefer_css_page_size=True)
        browser.close()
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in info
    flat = re.sub(r"\s+", "", text)
    assert wording in flat  # the table is printed
    with override("zh-hans"):
        # The table's header is repeated on every sheet of a list longer than one page.
        assert flat.count(re.sub(r"\s+", "", str(_("Ref.")))) >= 2
        assert "合成" in flat  # the demo banner
        for chrome in (
            "Clusters, parks and cities",
            "Log out",
            "All statuses",
            "Download as Excel",
        ):
            assert re.sub(r"\s+", "", str(_(chrome))) not in flat, chrome
