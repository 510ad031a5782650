"""Notices (通知公告): who drafts and publishes, the numbering, the audience, withdrawal,
attachments and read receipts (supervision/notices.py)."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.utils import timezone

from eco311.accounts.lookups import get_notice_for_user, notices_for_user
from eco311.accounts.scopes import Actor
from eco311.geo.models import Area
from eco311.supervision import notices
from eco311.supervision.models import Notice, NoticeAttachment, NoticeReceipt

pytestmark = pytest.mark.django_db

JINAN = "370100"


@pytest.fixture(autouse=True)
def english():
    """The refusals below are checked by their English words (the catalogue has the Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def actors(personas):
    return {name: Actor.of(u) for name, u in personas.items()}


def draft(actor, **kw):
    values = {
        "title": "关于开展季度进展填报的通知",
        "body": "请各单位按时填报。",
        "audience": "all",
    }
    values.update(kw)
    return notices.save_draft(actor, **values)


def jinan():
    return Area.objects.get(kind="city", code=JINAN)


# -- who writes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["dept", "jinan", "park", "enterprise", "bank"])
def test_it_lets_only_the_plan_owner_draft_publish_and_withdraw(actors, role):
    with pytest.raises(PermissionDenied):
        draft(actors[role])
    notice = draft(actors["admin"])
    with pytest.raises(PermissionDenied):
        notices.publish(actors[role], notice)
    notices.publish(actors["admin"], notice)
    with pytest.raises(PermissionDenied):
        notices.withdraw(actors[role], notice, "错误")
    with pytest.raises(PermissionDenied):
        notices.save_draft(actors[role], title="x", body="y", audience="all", notice=notice)


def test_it_requires_a_title_and_a_text(actors):
    with pytest.raises(ValidationError) as exc:
        draft(actors["admin"], title=" ", body="")
    assert set(exc.value.message_dict) == {"title", "body"}


def test_it_does_not_edit_a_published_notice(actors):
    notice = notices.publish(actors["admin"], draft(actors["admin"]))
    with pytest.raises(ValidationError, match="correction as a new notice"):
        draft(actors["admin"], notice=notice, title="改过的标题")
    notice.refresh_from_db()
    assert notice.title == "关于开展季度进展填报的通知"


# -- numbering ----------------------------------------------------------------------------------


def _n(number: str) -> int:
    m = re.fullmatch(r"鲁环311通〔(\d{4})〕(\d+)号", number)
    assert m, number
    assert int(m.group(1)) == timezone.localdate().year
    return int(m.group(2))


def test_it_numbers_notices_sequentially_per_year(actors):
    admin = actors["admin"]
    first = notices.publish(admin, draft(admin))
    second = notices.publish(admin, draft(admin, title="第二份"))
    assert _n(second.number) == _n(first.number) + 1
    assert second.published_on >= first.published_on
    # A withdrawn notice keeps its number: the next one does not take it again.
    notices.withdraw(admin, second, "内容有误")
    third = notices.publish(admin, draft(admin, title="更正"))
    assert _n(third.number) == _n(second.number) + 1


def test_it_continues_after_the_highest_number_of_the_year(actors):
    admin = actors["admin"]
    year = timezone.localdate().year
    Notice.objects.create(
        title="旧",
        body="旧",
        audience="all",
        number=notices.number_for(year, 41),
        published_on=timezone.now(),
    )
    assert _n(notices.publish(admin, draft(admin)).number) == 42


def test_it_refuses_to_publish_twice(actors):
    admin = actors["admin"]
    notice = notices.publish(admin, draft(admin))
    with pytest.raises(ValidationError, match="already published"):
        notices.publish(admin, notice)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="threads need PostgreSQL; SQLite serialises"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("restores_session_data")
class TestConcurrentPublication:
    def test_two_publishers_at_once_get_different_numbers(self, race, personas):
        admin = Actor.of(personas["admin"])
        a, b = draft(admin, title="甲"), draft(admin, title="乙")
        outcomes = race(lambda: notices.publish(admin, a), lambda: notices.publish(admin, b))
        for o in outcomes:
            assert isinstance(o, Notice), o
        numbers = [_n(o.number) for o in outcomes]
        assert len(set(numbers)) == 2
        assert abs(numbers[0] - numbers[1]) == 1


# -- the audience -------------------------------------------------------------------------------


def test_a_chosen_notice_needs_at_least_one_party(actors):
    with pytest.raises(ValidationError) as exc:
        draft(actors["admin"], audience="chosen")
    assert "at least one unit, city, park or enterprise" in exc.value.message_dict["audience"][0]


def test_a_chosen_notice_reaches_only_the_parties_named(actors, personas):
    admin = actors["admin"]
    notice = notices.publish(admin, draft(admin, audience="chosen", areas=[jinan()]))
    assert get_notice_for_user(actors["jinan"], notice.pk) == notice
    assert get_notice_for_user(admin, notice.pk) == notice
    for role in ("dept", "park", "enterprise", "bank", "public"):
        who = actors.get(role) or Actor()
        with pytest.raises(Http404):
            get_notice_for_user(who, notice.pk)
        assert notice not in notices_for_user(who)


def test_a_unit_and_an_enterprise_read_what_is_addressed_to_them(actors):
    admin, dept, ent = actors["admin"], actors["dept"], actors["enterprise"]
    notice = notices.publish(
        admin,
        draft(admin, audience="chosen", units=[dept.unit_id], enterprises=[ent.enterprise_id]),
    )
    assert get_notice_for_user(dept, notice.pk) == notice
    assert get_notice_for_user(ent, notice.pk) == notice
    with pytest.raises(Http404):
        get_notice_for_user(actors["jinan"], notice.pk)


def test_public_and_all_accounts_audiences(actors):
    admin = actors["admin"]
    public = notices.publish(admin, draft(admin, audience="public"))
    everyone = notices.publish(admin, draft(admin, audience="all"))
    assert get_notice_for_user(Actor(), public.pk) == public
    with pytest.raises(Http404):
        get_notice_for_user(Actor(), everyone.pk)
    for role in ("dept", "jinan", "park", "enterprise", "bank"):
        assert get_notice_for_user(actors[role], everyone.pk) == everyone


def test_a_draft_is_seen_by_the_plan_owner_only(actors):
    notice = draft(actors["admin"], audience="public")
    assert get_notice_for_user(actors["admin"], notice.pk) == notice
    for who in (actors["dept"], actors["jinan"], Actor()):
        with pytest.raises(Http404):
            get_notice_for_user(who, notice.pk)


def test_changing_a_draft_replaces_its_parties(actors):
    admin = actors["admin"]
    notice = draft(admin, audience="chosen", areas=[jinan()])
    draft(admin, audience="chosen", units=[actors["dept"].unit_id], notice=notice)
    assert [(r.unit_id, r.area_id) for r in notice.recipients.all()] == [
        (actors["dept"].unit_id, None)
    ]
    draft(admin, audience="all", notice=notice)
    assert not notice.recipients.exists()


# -- withdrawal ---------------------------------------------------------------------------------


def test_withdrawing_takes_the_notice_from_its_readers_and_keeps_the_reason(actors):
    admin = actors["admin"]
    notice = notices.publish(admin, draft(admin, audience="public"))
    with pytest.raises(ValidationError) as exc:
        notices.withdraw(admin, notice, " ")
    assert "reason" in exc.value.message_dict
    notices.withdraw(admin, notice, "发布对象有误")
    for who in (actors["dept"], Actor()):
        with pytest.raises(Http404):
            get_notice_for_user(who, notice.pk)
    assert get_notice_for_user(admin, notice.pk).withdrawn_on is not None
    assert notice.history.filter(history_change_reason__contains="发布对象有误").exists()
    with pytest.raises(ValidationError, match="already been withdrawn"):
        notices.withdraw(admin, notice, "again")


def test_a_draft_is_not_withdrawn(actors):
    with pytest.raises(ValidationError, match="Only a published notice"):
        notices.withdraw(actors["admin"], draft(actors["admin"]), "x")


def test_every_change_is_in_the_history(actors):
    admin = actors["admin"]
    notice = draft(admin)
    draft(admin, notice=notice, title="改")
    notices.publish(admin, notice)
    reasons = list(notice.history.order_by("history_date").values_list("history_change_reason"))
    assert [r[0].split(" ")[0] for r in reasons] == ["draft", "draft", "published"]


# -- attachments --------------------------------------------------------------------------------


def test_an_attachment_is_stored_with_its_hash_under_a_generated_name(actors):
    body = b"%PDF-1.4 synthetic"
    f = SimpleUploadedFile("../../etc/会议通知.pdf", body, content_type="application/pdf")
    notice = draft(actors["admin"], attachments=[f])
    (a,) = notice.attachments.all()
    assert a.name == "会议通知.pdf"
    assert a.size == len(body)
    import hashlib

    assert a.sha256 == hashlib.sha256(body).hexdigest()
    assert "/" not in a.file.name.split(f"notices/{notice.pk}/", 1)[1]
    assert a.file.read() == body


def test_it_refuses_an_attachment_over_the_limit(actors, settings):
    settings.ECO311_NOTICE_ATTACHMENT_MB = 1
    big = SimpleUploadedFile("大文件.pdf", b"0" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as exc:
        draft(actors["admin"], attachments=[big])
    message = exc.value.message_dict["attachments"][0]
    assert "大文件.pdf" in message and "at most 1 MB" in message
    assert not Notice.objects.filter(
        title="关于开展季度进展填报的通知", created_by=actors["admin"].user
    ).exists()


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("script.exe", "must be one of"),
        ("archive.zip", "must be one of"),
        (".pdf", "no usable file name"),
        ("bad\x07name.pdf", "control character"),
    ],
)
def test_it_refuses_badly_named_or_typed_attachments(actors, name, says):
    with pytest.raises(ValidationError) as exc:
        draft(actors["admin"], attachments=[SimpleUploadedFile(name, b"x")])
    assert says in exc.value.message_dict["attachments"][0]


def test_safe_names_drop_what_breaks_a_header():
    assert notices.safe_name('a"b;c.pdf') == "abc.pdf"
    assert notices.safe_name("C:\\Users\\x\\通知.docx") == "通知.docx"
    long = "长" * 300 + ".pdf"
    assert len(notices.safe_name(long)) == notices.MAX_NAME_CHARS
    assert notices.safe_name(long).endswith(".pdf")


def test_removing_an_attachment_from_a_draft(actors):
    admin = actors["admin"]
    notice = draft(admin, attachments=[SimpleUploadedFile("a.txt", b"a")])
    (att,) = notice.attachments.all()
    draft(admin, notice=notice, remove_attachments=[att.pk])
    assert not NoticeAttachment.objects.filter(pk=att.pk).exists()


# -- reading and receipts -----------------------------------------------------------------------


def test_marking_read_is_idempotent_and_needs_a_published_notice(actors, personas):
    admin = actors["admin"]
    notice = draft(admin)
    assert notices.mark_read(personas["dept"], notice) is False
    notices.publish(admin, notice)
    assert notices.mark_read(personas["dept"], notice) is True
    assert notices.mark_read(personas["dept"], notice) is False
    assert NoticeReceipt.objects.filter(notice=notice, user=personas["dept"]).count() == 1


def test_receipts_per_party_show_who_read_and_parties_without_accounts(actors, personas, factories):
    admin = actors["admin"]
    nobody = (
        Area.objects.filter(kind="city")
        .exclude(code=JINAN)
        .exclude(pk__in=Area.objects.filter(membership__isnull=False).values("pk"))
        .first()
    )
    colleague = factories.user("city", area=jinan())
    notice = notices.publish(
        admin,
        draft(admin, audience="chosen", areas=[jinan(), nobody], units=[actors["dept"].unit_id]),
    )
    notices.mark_read(personas["jinan"], notice)
    rows = {r.label: r for r in notices.receipts(notice)}
    city = rows[str(jinan())]
    assert {r.user.username for r in city.users} >= {"jinan", colleague.username}
    assert [r.user.username for r in city.read] == ["jinan"]
    assert city.first_read_on is not None
    assert rows[str(nobody)].has_accounts is False
    dept = rows[str(actors["dept"].user.membership.unit)]
    assert dept.has_accounts and dept.read == []
    assert str(actors["park"].user.membership.area) not in rows  # not addressed


def test_receipts_of_a_notice_to_all_accounts_list_every_party_with_accounts(actors, personas):
    admin = actors["admin"]
    notice = notices.publish(admin, draft(admin, audience="all"))
    notices.mark_read(personas["enterprise"], notice)
    rows = notices.receipts(notice)
    kinds = {r.kind for r in rows}
    assert {"unit", "area", "enterprise", "other"} <= kinds
    ent = next(r for r in rows if any(u.user.username == "enterprise" for u in r.users))
    assert [u.user.username for u in ent.read] == ["enterprise"]
    assert all(u.user.username != "admin" for r in rows for u in r.users)


def test_publishing_hands_the_notice_to_delivery_on_commit(
    actors, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []
    monkeypatch.setattr(notices, "_deliver", lambda pk: seen.append(pk))
    admin = actors["admin"]
    with django_capture_on_commit_callbacks(execute=True):
        notice = notices.publish(admin, draft(admin))
    assert seen == [notice.pk]


# -- the demo -----------------------------------------------------------------------------------


def test_the_demo_notices_are_synthetic_deterministic_and_made_once(personas):
    from eco311.supervision.demo_notices import NOTICES, setup_notices_demo

    assert setup_notices_demo(Actor.of) == len(NOTICES)
    assert setup_notices_demo(Actor.of) == 0
    made = list(Notice.objects.filter(synthetic=True).order_by("published_on"))
    assert [n.audience for n in made] == ["public", "all", "chosen"]
    assert all(n.number.startswith("鲁环311通〔2025〕") for n in made)
    assert len({n.number for n in made}) == 3
    public, everyone, chosen = made
    (att,) = public.attachments.all()
    assert att.name.endswith(".txt") and len(att.sha256) == 64
    assert {r.area.code for r in chosen.recipients.select_related("area")} == {
        "370100",
        "370200",
        "370300",
    }
    assert get_notice_for_user(Actor(), public.pk) == public
    with pytest.raises(Http404):
        get_notice_for_user(Actor.of(personas["dept"]), chosen.pk)
    read = {r.label: r for r in notices.receipts(everyone) if r.read}
    assert len(read) == 3
    assert NoticeReceipt.objects.filter(notice=chosen, user=personas["jinan"]).exists()
