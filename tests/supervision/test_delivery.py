"""Reminders and notices reach their parties' accounts by mail, a daily digest, or not at all."""

import itertools
import smtplib

import pytest
from django.core import mail

from eco311.accounts.models import Role
from eco311.plans.models import Target, Unit
from eco311.supervision import delivery
from eco311.supervision.models import (
    Delivery,
    Notice,
    NoticeAudience,
    Preference,
    Reminder,
)

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)


@pytest.fixture
def unit():
    n = next(_keys)
    return Unit.objects.create(key=f"test-unit-{n}", name_zh=f"测试厅{n}", name_en=f"Test dept {n}")


@pytest.fixture
def target():
    return Target.objects.filter(is_active=True, deadline__isnull=False).order_by("id").first()


def dept_user(factories, unit, email="a@example.org", language=""):
    u = factories.user(Role.DEPARTMENT, unit=unit, language=language)
    u.email = email
    u.save()
    return u


def reminder_to(unit, target, **fields):
    values = {"level": Reminder.Level.URGE, "message": "请于本周内报送进展。"}
    values.update(fields)
    return Reminder.objects.create(target=target, unit=unit, **values)


def test_it_mails_each_user_of_the_party_once(factories, unit, target, settings):
    settings.ECO311_BASE_URL = "https://eco311.example.gov.cn"
    a = dept_user(factories, unit, "a@example.org")
    b = dept_user(factories, unit, "b@example.org")
    dept_user(factories, unit, "")  # no address: the inbox only
    r = reminder_to(unit, target)

    assert delivery.deliver_reminder(r) == 2
    assert sorted(m.to[0] for m in mail.outbox) == [a.email, b.email]
    message = mail.outbox[0]
    assert target.key in message.subject
    assert "催办" in message.subject  # Chinese by default
    assert delivery.reminder_url(r) in message.body
    assert "请于本周内报送进展。" in message.body
    rows = Delivery.objects.filter(reminder=r)
    assert rows.count() == 2 and all(d.sent_on and d.channel == "email" for d in rows)

    # Delivered twice (a rerun, a retry): nobody is mailed again.
    assert delivery.deliver_reminder(r) == 0
    assert len(mail.outbox) == 2


def test_the_link_is_absolute_under_the_base_url(factories, unit, target, settings):
    settings.ECO311_BASE_URL = "https://eco311.example.gov.cn"
    dept_user(factories, unit)
    r = reminder_to(unit, target)
    delivery.deliver_reminder(r)
    url = delivery.reminder_url(r)
    assert url.startswith("https://eco311.example.gov.cn/")
    assert url.endswith(f"/{r.pk}/")
    assert url in mail.outbox[0].body


def test_it_writes_in_the_users_language(factories, unit, target):
    dept_user(factories, unit, "en@example.org", language="en")
    dept_user(factories, unit, "zh@example.org", language="")
    delivery.deliver_reminder(reminder_to(unit, target))
    by_to = {m.to[0]: m for m in mail.outbox}
    # The target's own wording follows the active language (its catalogue-free part).
    assert target.text_en in by_to["en@example.org"].body
    assert target.text_zh not in by_to["en@example.org"].body
    assert target.text_zh in by_to["zh@example.org"].body
    assert target.text_en not in by_to["zh@example.org"].body


def test_a_digest_user_is_queued_and_mailed_once_a_day(factories, unit, target):
    u = dept_user(factories, unit)
    Preference.objects.create(user=u, email_digest=True)
    first = reminder_to(unit, target)
    second = reminder_to(unit, target, level=Reminder.Level.SUPERVISE, message="第二次")

    assert delivery.deliver_reminder(first) == 1
    assert delivery.deliver_reminder(second) == 1
    assert mail.outbox == []
    queued = Delivery.objects.filter(user=u, channel="digest", sent_on__isnull=True)
    assert queued.count() == 2

    assert delivery.send_digests() >= 1
    mine = [m for m in mail.outbox if m.to == [u.email]]
    assert len(mine) == 1
    assert delivery.reminder_url(first) in mine[0].body
    assert delivery.reminder_url(second) in mine[0].body
    assert not Delivery.objects.filter(user=u, sent_on__isnull=True).exists()

    mail.outbox.clear()
    delivery.send_digests()
    assert [m for m in mail.outbox if m.to == [u.email]] == []


def test_a_user_who_chose_no_mail_gets_none(factories, unit, target):
    u = dept_user(factories, unit)
    Preference.objects.create(user=u, email_off=True)
    assert delivery.deliver_reminder(reminder_to(unit, target)) == 0
    assert mail.outbox == []
    assert not Delivery.objects.filter(user=u).exists()


def test_a_failed_mail_stays_queued_and_is_retried(factories, unit, target, monkeypatch):
    u = dept_user(factories, unit)
    r = reminder_to(unit, target)

    def down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("server down")

    monkeypatch.setattr(delivery, "send_mail", down)
    assert delivery.deliver_reminder(r) == 0
    pending = Delivery.objects.get(user=u, reminder=r)
    assert pending.sent_on is None
    assert Reminder.objects.filter(pk=r.pk).exists()

    monkeypatch.undo()
    assert delivery.retry_failed() >= 1
    pending.refresh_from_db()
    assert pending.sent_on is not None
    assert [m.to for m in mail.outbox if m.to == [u.email]] == [[u.email]]


def test_an_area_and_an_enterprise_reminder_reach_their_accounts(factories, target):
    from eco311.geo.models import Area

    city = Area.objects.get(kind="city", code="370200")
    bureau = factories.user(Role.CITY, area=city)
    bureau.email = "qd@example.org"
    bureau.save()
    firm = factories.enterprise()
    member = factories.user(Role.ENTERPRISE, enterprise=firm)
    member.email = "firm@example.org"
    member.save()

    delivery.deliver_reminder(reminder_to(None, target, area=city))
    r = Reminder.objects.create(
        enterprise=firm, year=2024, level="remind", message="请填报年报", reason="return_due"
    )
    delivery.deliver_reminder(r)
    to = [m.to[0] for m in mail.outbox]
    assert bureau.email in to and member.email in to
    firm_mail = next(m for m in mail.outbox if m.to == [member.email])
    assert "2024" in firm_mail.subject


def test_a_notice_to_chosen_units_reaches_only_them(factories, unit):
    n = next(_keys)
    other = Unit.objects.create(key=f"test-other-{n}", name_zh="他厅", name_en="Other")
    mine = dept_user(factories, unit, "mine@example.org")
    dept_user(factories, other, "other@example.org")
    notice = Notice.objects.create(title="关于报送进展的通知", body="正文", audience="chosen")
    NoticeAudience.objects.create(notice=notice, unit=unit)

    assert delivery.deliver_notice(notice) == 1
    assert [m.to for m in mail.outbox] == [[mine.email]]
    assert "关于报送进展的通知" in mail.outbox[0].subject
    assert delivery.notice_url(notice) in mail.outbox[0].body


def test_a_notice_to_all_reaches_every_account_with_an_address(factories, unit):
    u = dept_user(factories, unit, "all@example.org")
    notice = Notice.objects.create(title="全体通知", body="正文", audience="all")
    told = delivery.deliver_notice(notice)
    assert told >= 1
    assert [u.email] in [m.to for m in mail.outbox]
    assert all(m.to[0] for m in mail.outbox)


# -- the user's choice, on his account page --------------------------------------------------------


def test_a_user_chooses_the_daily_digest_on_his_account_page(factories, unit, client):
    u = dept_user(factories, unit)
    client.force_login(u)
    page = client.get("/accounts/")
    assert page.status_code == 200
    assert 'value="single" checked' in page.content.decode()

    response = client.post("/accounts/", {"mail": "digest"})
    assert response.status_code == 302
    assert delivery.mail_choice(u) == "digest"
    assert 'value="digest" checked' in client.get("/accounts/").content.decode()

    client.post("/accounts/", {"mail": "off"})
    assert delivery.mail_choice(u) == "off"
    assert channel_of(u) is None


def test_an_unknown_choice_is_refused_with_a_message(factories, unit, client):
    u = dept_user(factories, unit)
    client.force_login(u)
    response = client.post("/accounts/", {"mail": "weekly"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert 'id="mail-error"' in response.content.decode()
    assert delivery.mail_choice(u) == "single"


def channel_of(user):
    return delivery.channel_for(Preference.objects.filter(user=user).first())


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({"ECO311_DEMO": "1"}, "console"),
        ({"DEBUG": "1"}, "console"),
        ({}, "smtp"),
        ({"ECO311_EMAIL_BACKEND": "file"}, "filebased"),
        ({"ECO311_EMAIL_BACKEND": "none", "ECO311_DEMO": "1"}, "dummy"),
    ],
)
def test_the_mail_backend_follows_the_environment(env, backend, tmp_path):
    """A demo prints mails; a production server sends them by SMTP unless told otherwise."""
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ECO311_", "EMAIL_"))}
    clean.pop("DEBUG", None)
    clean.update(env, ECO311_DATA_DIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", "import eco311.settings as s; print(s.EMAIL_BACKEND)"],
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == f"django.core.mail.backends.{backend}.EmailBackend"


def test_a_user_who_turned_mail_off_gets_no_digest_nor_retry(factories, unit, target, monkeypatch):
    u = dept_user(factories, unit)
    Preference.objects.create(user=u, email_digest=True)
    delivery.deliver_reminder(reminder_to(unit, target))
    delivery.set_mail_choice(u, "off")
    delivery.send_digests()
    assert [m for m in mail.outbox if m.to == [u.email]] == []
    assert not Delivery.objects.filter(user=u, sent_on__isnull=True).exists()

    delivery.set_mail_choice(u, "single")
    monkeypatch.setattr(delivery, "send_mail", lambda *a, **k: 1 / 0)
    r = reminder_to(unit, target)
    delivery.deliver_reminder(r)
    monkeypatch.undo()
    delivery.set_mail_choice(u, "off")
    delivery.retry_failed()
    assert [m for m in mail.outbox if m.to == [u.email]] == []
