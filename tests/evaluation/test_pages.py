"""The evaluation pages per role: the list, a draft, the issue step, renders and downloads."""

from datetime import date

import pytest
from django.utils import timezone

from eco311.accounts.scopes import Actor
from eco311.core import jobs
from eco311.evaluation import issue as service
from eco311.evaluation.models import EvaluationDraft, RenderJob
from eco311.plans.models import Plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def owner(personas):
    return Actor.of(personas["admin"])


@pytest.fixture
def draft(owner):
    return service.new_draft(owner, Plan.objects.get(key="shandong-311"), date(2025, 6, 30))


@pytest.fixture
def issued(owner):
    d = service.new_draft(owner, Plan.objects.get(key="shandong-311"), date(2025, 6, 30))
    return service.issue(owner, d, "鲁环311评〔2040〕1号", date(2025, 7, 10))


def test_the_owner_starts_a_draft_from_the_list(client_for):
    c = client_for("admin")
    page = c.get("/evaluation/")
    assert page.status_code == 200 and 'data-testid="new-draft-form"' in page.content.decode()
    plan = Plan.objects.get(key="shandong-311")
    r = c.post("/evaluation/new/", {"plan": plan.pk, "as_of": "2025-06-30"})
    assert r.status_code == 302
    d = EvaluationDraft.objects.get(pk=int(r["Location"].rstrip("/").split("/")[-1]))
    assert d.as_of == date(2025, 6, 30) and not d.is_issued
    bad = c.post("/evaluation/new/", {"plan": plan.pk, "as_of": "30.06.2025"})
    assert bad.status_code == 400 and 'data-testid="as-of-error"' in bad.content.decode()


def test_departments_read_issued_reports_but_not_drafts(client_for, draft, issued):
    c = client_for("dept")
    page = c.get("/evaluation/").content.decode()
    assert "鲁环311评〔2040〕1号" in page
    assert f"/evaluation/{draft.pk}/" not in page and "new-draft-form" not in page
    assert c.get(f"/evaluation/{draft.pk}/").status_code == 404
    shown = c.get(f"/evaluation/{issued.pk}/")
    assert shown.status_code == 200
    body = shown.content.decode()
    assert 'data-testid="issued-note"' in body and "narrative-form" not in body
    assert c.post(f"/evaluation/{draft.pk}/narrative/", {"lang": "zh"}).status_code == 404
    assert c.post("/evaluation/new/", {}).status_code == 403


@pytest.mark.parametrize("role", ["jinan", "park", "enterprise", "bank", "public"])
def test_other_roles_are_refused(client_for, refused, role, issued):
    c = client_for(role)
    assert refused(c.get("/evaluation/"))
    assert refused(c.get(f"/evaluation/{issued.pk}/"))
    assert refused(c.get(f"/evaluation/{issued.pk}/files/pdf/zh/"))


def test_the_owner_edits_the_narrative_on_the_draft_page(client_for, draft):
    c = client_for("admin")
    page = c.get(f"/evaluation/{draft.pk}/").content.decode()
    assert 'data-testid="narrative-form"' in page and 'data-testid="state-problems"' in page
    r = c.post(
        f"/evaluation/{draft.pk}/narrative/",
        {"lang": "zh", "problems": "人工撰写的问题。", "judgement": "", "next_steps": ""},
    )
    assert r.status_code == 302
    page = c.get(f"/evaluation/{draft.pk}/").content.decode()
    assert "人工撰写的问题。" in page and 'data-testid="redraft-problems"' in page
    bad = c.post(f"/evaluation/{draft.pk}/narrative/", {"lang": "zh", "problems": "坏\x07"})
    assert bad.status_code == 400 and 'data-testid="error-problems"' in bad.content.decode()
    r = c.post(f"/evaluation/{draft.pk}/redraft/", {"lang": "zh", "field": "problems"})
    assert r.status_code == 302
    draft.refresh_from_db()
    assert "problems" not in draft.edited("zh")


def test_issuing_asks_for_a_confirmation(client_for, draft):
    c = client_for("admin")
    step = c.get(f"/evaluation/{draft.pk}/issue/")
    assert step.status_code == 200
    body = step.content.decode()
    assert 'name="confirm"' in body and "鲁环311评〔" in body
    # the date input is prefilled with today in the ISO form a date input needs
    assert f'value="{timezone.localdate().isoformat()}"' in body
    form = {"number": "鲁环311评〔2041〕1号", "issued_on": "2025-07-10"}
    refused = c.post(f"/evaluation/{draft.pk}/issue/", form)
    assert refused.status_code == 400 and 'data-testid="confirm-error"' in refused.content.decode()
    draft.refresh_from_db()
    assert not draft.is_issued
    done = c.post(f"/evaluation/{draft.pk}/issue/", {**form, "confirm": "on"})
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.issue_number == "鲁环311评〔2041〕1号"
    # the issued files are queued for rendering, in every format and both languages
    assert RenderJob.objects.filter(draft=draft).count() == 8
    # no edit once issued
    assert c.get(f"/evaluation/{draft.pk}/issue/").status_code == 403
    assert c.post(f"/evaluation/{draft.pk}/narrative/", {"lang": "zh"}).status_code == 403
    page = c.get(f"/evaluation/{draft.pk}/").content.decode()
    assert "narrative-form" not in page and "issue-link" not in page


def test_render_shows_progress_then_the_download(client_for, draft):
    c = client_for("admin")
    r = c.post(f"/evaluation/{draft.pk}/render/", {"format": "html", "lang": "zh"})
    assert r.status_code == 302
    fragment = c.get(f"/evaluation/{draft.pk}/renders/?lang=zh").content.decode()
    assert 'data-testid="rendering"' in fragment and 'hx-trigger="every 2s"' in fragment
    assert c.get(f"/evaluation/{draft.pk}/files/html/zh/").status_code == 404
    jobs.run(RenderJob.objects.get(draft=draft, fmt="html").job)
    fragment = c.get(f"/evaluation/{draft.pk}/renders/?lang=zh").content.decode()
    assert 'data-testid="download-html-zh"' in fragment and "hx-trigger" not in fragment
    got = c.get(f"/evaluation/{draft.pk}/files/html/zh/")
    assert got.status_code == 200 and len(got["X-Content-SHA256"]) == 64
    assert "总体评价" in b"".join(got.streaming_content).decode()


def test_the_preview_is_the_whole_report_in_html(client_for, draft):
    body = client_for("admin").get(f"/evaluation/{draft.pk}/preview/?lang=en").content.decode()
    assert "Overall judgement" in body and "Problems" in body and "Next steps" in body


def test_the_list_exports_the_rows_the_user_may_see(client_for, draft, issued):
    import io

    from openpyxl import load_workbook

    def numbers(role):
        r = client_for(role).get("/evaluation/?format=xlsx")
        assert r.status_code == 200
        ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
        return [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]

    assert "鲁环311评〔2040〕1号" in numbers("dept")
    assert (
        len(numbers("admin"))
        == len(numbers("dept")) + EvaluationDraft.objects.filter(issued_at__isnull=True).count()
    )
