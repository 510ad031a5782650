"""/chain-reports/: the chain-map analysis for the province's officials. The public and the
local roles get a 404, the departments read and download, the administrator also issues;
issuing through the form turns target 4-2-1-a's status badge achieved; a bad number is
refused on its field, in Chinese."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document

from eco311.chains import issue as service
from eco311.chains import report
from eco311.chains.models import ChainReport
from eco311.plans.models import ProgressReport

pytestmark = pytest.mark.django_db

TARGET_PAGE = "/plans/shandong-311/targets/4-2-1-a/?as_of=2024-06-30"


@pytest.fixture
def target(settings, tmp_path):
    """Target 4-2-1-a with its synthetic reports set aside (inside this test's transaction),
    so that only the issued analysis can complete it."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.DEFAULT_AS_OF = "2025-06-30"
    t = service.milestone_target()
    ProgressReport.objects.filter(target=t, status=ProgressReport.Status.APPROVED).update(
        status=ProgressReport.Status.SUPERSEDED
    )
    return t


@pytest.mark.parametrize("role", ["public", "jinan", "park", "enterprise", "bank"])
def test_the_pages_are_not_found_for_anyone_but_province_officials(client_for, role):
    c = client_for(role)
    assert c.get(reverse("chain_reports")).status_code == 404
    year = max(report.years())
    assert c.get(reverse("chain_report_draft_file", args=[year, "pdf", "zh"])).status_code == 404
    assert c.post(reverse("chain_report_issue"), {}).status_code == 404


def test_a_department_reads_and_downloads_but_is_offered_no_issue_form(client_for, target):
    c = client_for("dept")
    page = c.get(reverse("chain_reports"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="chain-issue-form"' not in html
    year = max(report.years())
    assert reverse("chain_report_draft_file", args=[year, "docx", "zh"]) in html
    r = c.get(reverse("chain_report_draft_file", args=[year, "docx", "zh"]))
    assert r.status_code == 200
    w = Document(io.BytesIO(b"".join(r.streaming_content)))
    assert any(p.text == report.TITLE["zh"] for p in w.paragraphs)
    assert c.post(reverse("chain_report_issue"), {"year": year}).status_code == 403


def test_the_administrator_issues_and_the_target_turns_achieved(client_for, target):
    c = client_for("admin")
    page = c.get(reverse("chain_reports")).content.decode()
    assert 'data-testid="chain-issue-form"' in page
    assert 'class="status status-achieved"' not in c.get(TARGET_PAGE).content.decode()
    year = max(report.years())
    r = c.post(
        reverse("chain_report_issue"),
        {"year": year, "number": "鲁环311链〔2024〕1号", "issued_on": "2024-06-20"},
    )
    assert r.status_code == 302
    issued = ChainReport.objects.get(number="鲁环311链〔2024〕1号")
    assert 'class="status status-achieved"' in c.get(TARGET_PAGE).content.decode()
    listing = c.get(reverse("chain_reports")).content.decode()
    assert "鲁环311链〔2024〕1号" in listing
    # The department downloads the issued edition: the stored PDF, as issued.
    pdf = client_for("dept").get(reverse("chain_report_file", args=[issued.pk, "pdf", "zh"]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # The target page links to the analysis for its readers.
    assert reverse("chain_reports") in c.get(TARGET_PAGE).content.decode()


def test_a_used_number_is_refused_on_its_field_in_chinese(client_for, target, personas):
    from datetime import date

    from eco311.accounts.scopes import Actor

    year = max(report.years())
    service.issue(Actor.of(personas["admin"]), year, "鲁环311链〔2024〕2号", date(2024, 6, 20))
    r = client_for("admin").post(
        reverse("chain_report_issue"),
        {"year": year, "number": "鲁环311链〔2024〕2号", "issued_on": "2024-06-21"},
    )
    assert r.status_code == 400
    html = r.content.decode()
    error = html[html.index('data-testid="number-error"') :]
    assert "该文号已被使用。" in error[:300]
    assert ChainReport.objects.filter(number="鲁环311链〔2024〕2号").count() == 1


def test_an_empty_number_is_refused_on_its_field(client_for, target):
    year = max(report.years())
    r = client_for("admin").post(
        reverse("chain_report_issue"), {"year": year, "number": "", "issued_on": "2024-06-21"}
    )
    assert r.status_code == 400
    assert 'data-testid="number-error"' in r.content.decode()


def test_the_list_downloads_as_excel(client_for):
    r = client_for("dept").get(reverse("chain_reports") + "?format=xlsx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
