"""The notice pages (/notices/): every role reads what is addressed to it, the public its
public notices only; only the plan owner drafts, publishes and withdraws."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from eco311.accounts.scopes import Actor
from eco311.geo.models import Area
from eco311.supervision import notices
from eco311.supervision.models import Notice, NoticeReceipt

pytestmark = pytest.mark.django_db

ROLES = ["admin", "dept", "jinan", "park", "enterprise", "bank"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin(personas):
    return Actor.of(personas["admin"])


def publish(admin, audience="all", **kw):
    values = {"title": f"通知（{audience}）", "body": "正文第一段。\n\n正文第二段。"}
    values.update(kw)
    return notices.publish(admin, notices.save_draft(admin, audience=audience, **values))


def test_the_public_sees_public_notices_only(client_for, admin):
    public = publish(admin, "public", title="环保产业对接会公告")
    everyone = publish(admin, "all", title="全体账户通知")
    c = client_for("public")
    page = c.get(reverse("notices")).content.decode()
    assert "环保产业对接会公告" in page and "全体账户通知" not in page
    assert c.get(reverse("notice", args=[public.pk])).status_code == 200
    assert c.get(reverse("notice", args=[everyone.pk])).status_code == 404
    assert "环保产业对接会公告" in c.get(reverse("home")).content.decode()
    assert not NoticeReceipt.objects.filter(notice=public).exists()


@pytest.mark.parametrize("role", ROLES)
def test_every_account_reads_a_notice_to_all_and_opening_it_marks_it_read(
    client_for, personas, admin, role
):
    notice = publish(admin, "all", title="请各单位按时报送")
    c = client_for(role)
    listing = c.get(reverse("notices")).content.decode()
    assert "请各单位按时报送" in listing
    response = c.get(reverse("notice", args=[notice.pk]))
    assert response.status_code == 200
    assert notice.number in response.content.decode()
    assert NoticeReceipt.objects.filter(notice=notice, user=personas[role]).exists()
    # Read now: the list says so (the publisher's own notice is listed as published).
    state = "published" if role == "admin" else "read"
    row = c.get(reverse("notices") + f"?state={state}").content.decode()
    assert "请各单位按时报送" in row


def test_a_chosen_notice_is_404_for_those_not_named(client_for, admin):
    jinan = Area.objects.get(kind="city", code="370100")
    notice = publish(admin, "chosen", title="济南专项通知", areas=[jinan])
    assert client_for("jinan").get(reverse("notice", args=[notice.pk])).status_code == 200
    for role in ("dept", "park", "enterprise", "bank", "public"):
        c = client_for(role)
        assert c.get(reverse("notice", args=[notice.pk])).status_code == 404
        assert "济南专项通知" not in c.get(reverse("notices")).content.decode()


@pytest.mark.parametrize("role", ["dept", "jinan", "park", "enterprise", "bank"])
def test_only_the_plan_owner_writes(client_for, admin, role):
    draft = notices.save_draft(admin, title="草稿", body="草稿正文", audience="all")
    c = client_for(role)
    assert c.get(reverse("notice_new")).status_code == 403
    assert (
        c.post(reverse("notice_new"), {"title": "x", "body": "y", "audience": "all"}).status_code
        == 403
    )
    assert c.get(reverse("notice_edit", args=[draft.pk])).status_code == 403
    assert c.post(reverse("notice_publish", args=[draft.pk]), {"confirm": "yes"}).status_code == 403
    draft.refresh_from_db()
    assert draft.published_on is None
    page = c.get(reverse("notices")).content.decode()
    assert 'data-testid="notice-new"' not in page and "草稿" not in page


def test_the_public_is_sent_to_log_in_for_writing(client_for):
    response = client_for("public").get(reverse("notice_new"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_plan_owner_drafts_edits_publishes_with_confirmation_and_withdraws(client_for):
    c = client_for("admin")
    assert 'data-testid="notice-new"' in c.get(reverse("notices")).content.decode()
    jinan = Area.objects.get(kind="city", code="370100")
    response = c.post(
        reverse("notice_new"),
        {
            "title": "关于召开推进会的通知",
            "body": "定于下周召开推进会。",
            "audience": "chosen",
            "areas": [jinan.pk],
            "attachments": [SimpleUploadedFile("议程.txt", "议程".encode())],
        },
    )
    assert response.status_code == 302
    notice = Notice.objects.get(title="关于召开推进会的通知")
    assert notice.published_on is None and notice.attachments.count() == 1
    # The draft is listed for the plan owner, and can be changed.
    assert "关于召开推进会的通知" in c.get(reverse("notices") + "?state=draft").content.decode()
    edit = c.get(reverse("notice_edit", args=[notice.pk]))
    assert edit.status_code == 200 and "定于下周召开推进会" in edit.content.decode()
    c.post(
        reverse("notice_edit", args=[notice.pk]),
        {
            "title": "关于召开推进会的通知（修改）",
            "body": "改期。",
            "audience": "chosen",
            "areas": [jinan.pk],
        },
    )
    notice.refresh_from_db()
    assert notice.title.endswith("（修改）")
    # Without the confirmation nothing is published.
    c.post(reverse("notice_publish", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.published_on is None
    c.post(reverse("notice_publish", args=[notice.pk]), {"confirm": "yes"})
    notice.refresh_from_db()
    assert notice.number.startswith("鲁环311通〔")
    page = c.get(reverse("notice", args=[notice.pk])).content.decode()
    assert 'data-testid="receipts"' in page and 'data-testid="notice-withdraw"' in page
    assert 'data-testid="notice-edit"' not in page
    # A published notice is not edited.
    assert c.get(reverse("notice_edit", args=[notice.pk])).status_code == 302
    c.post(reverse("notice_withdraw", args=[notice.pk]), {"reason": "改期另行通知"})
    notice.refresh_from_db()
    assert notice.withdrawn_on is not None
    assert client_for("jinan").get(reverse("notice", args=[notice.pk])).status_code == 404


def test_the_form_says_where_it_is_wrong(client_for):
    c = client_for("admin")
    response = c.post(
        reverse("notice_new"),
        {"title": "无对象的通知", "body": "正文", "audience": "chosen", "enterprises": "NOTACODE"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "NOTACODE" in page
    response = c.post(
        reverse("notice_new"), {"title": "无对象", "body": "正文", "audience": "chosen"}
    )
    assert response.status_code == 400
    assert "at least one unit" in response.content.decode() or "至少" in response.content.decode()
    assert not Notice.objects.filter(title__in=["无对象的通知", "无对象"]).exists()


def test_an_attachment_is_served_to_readers_only_as_a_download(client_for, admin):
    body = "会议议程".encode()
    public = notices.save_draft(
        admin,
        title="公开通知",
        body="见附件",
        audience="public",
        attachments=[SimpleUploadedFile('议程"; x=.txt', body)],
    )
    (att,) = public.attachments.all()
    url = reverse("notice_attachment", args=[public.pk, att.pk])
    assert client_for("public").get(url).status_code == 404  # still a draft
    notices.publish(admin, public)
    response = client_for("public").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == body
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and '"; x=' not in disposition
    assert response["Content-Type"] == "application/octet-stream"
    chosen = publish(admin, "chosen", units=[admin.unit_id])
    assert (
        client_for("jinan").get(reverse("notice_attachment", args=[chosen.pk, att.pk])).status_code
        == 404
    )


def test_the_list_downloads_as_excel(client_for, admin):
    notice = publish(admin, "all", title="导出测试通知")
    response = client_for("dept").get(reverse("notices") + "?format=xlsx")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    found = [r for r in rows if r[1] == "导出测试通知"]
    assert found and found[0][0] == notice.number
    assert isinstance(found[0][5], int | float)
