"""Telling people: a reminder or a notice reaches the accounts of its parties by e-mail.

Every reminder and notice is in the platform (the inbox) whatever happens here; e-mail is the
second channel. A user chooses (Preference) single mails as items come, one daily digest, or
no e-mail at all. Each mail sent or queued is a Delivery row, so nothing is sent twice and a
mail that failed (the SMTP server was down) stays unsent and is retried with the next digest
run, never lost. Mails are written in the user's language (Membership.language, Chinese when
unset) and link to the item's page by an absolute address under ECO311_BASE_URL.

supervision never imports accounts: users are found through the ``membership`` relation.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from eco311.supervision.models import Delivery, Notice, NoticeAudience, Preference, Reminder

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "zh-hans"


# -- who is told ---------------------------------------------------------------------------------


def _users():
    return get_user_model().objects.filter(is_active=True).exclude(email="")


def party_users(*, unit_id=None, area_id=None, enterprise_id=None):
    """The active accounts with an e-mail address that speak for one party: a department's
    unit, a city bureau's or park committee's area, an enterprise."""
    if unit_id is not None:
        return _users().filter(membership__unit_id=unit_id)
    if area_id is not None:
        return _users().filter(membership__area_id=area_id)
    if enterprise_id is not None:
        return _users().filter(membership__enterprise_id=enterprise_id)
    return _users().none()


def reminder_users(reminder: Reminder):
    return party_users(
        unit_id=reminder.unit_id, area_id=reminder.area_id, enterprise_id=reminder.enterprise_id
    )


def notice_users(notice: Notice):
    """Everyone for a notice to all (or to the public too); the parties' accounts for a notice
    to chosen units, cities, parks and enterprises."""
    if notice.audience in (Notice.Audience.ALL, Notice.Audience.PUBLIC):
        return _users().filter(membership__isnull=False)
    q = Q(pk__in=[])
    for row in NoticeAudience.objects.filter(notice=notice):
        if row.unit_id:
            q |= Q(membership__unit_id=row.unit_id)
        elif row.area_id:
            q |= Q(membership__area_id=row.area_id)
        elif row.enterprise_id:
            q |= Q(membership__enterprise_id=row.enterprise_id)
    return _users().filter(q).distinct()


# -- addresses and language -----------------------------------------------------------------------


def absolute_url(path: str) -> str:
    """``path`` under the platform's public address (ECO311_BASE_URL): mails are read outside
    the platform, so a relative link would lead nowhere."""
    base = (getattr(settings, "ECO311_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return base + path


def _path(name: str, obj_id: int, fallback: str) -> str:
    # The reminder and notice pages are written beside this module; until their URL names
    # exist the address they will have is used.
    try:
        return reverse(name, args=[obj_id])
    except NoReverseMatch:
        return fallback


def reminder_url(reminder: Reminder) -> str:
    return absolute_url(_path("reminder", reminder.pk, f"/reminders/{reminder.pk}/"))


def notice_url(notice: Notice) -> str:
    return absolute_url(_path("notice", notice.pk, f"/notices/{notice.pk}/"))


def user_language(user) -> str:
    membership = getattr(user, "membership", None)
    language = getattr(membership, "language", "") or DEFAULT_LANGUAGE
    return "en" if language.lower().startswith("en") else DEFAULT_LANGUAGE


def _preferences(user_ids) -> dict[int, Preference]:
    return {p.user_id: p for p in Preference.objects.filter(user_id__in=list(user_ids))}


def channel_for(preference: Preference | None) -> str | None:
    """The channel a user chose: None for no e-mail, else Delivery.Channel.EMAIL or DIGEST."""
    if preference is None:
        return Delivery.Channel.EMAIL
    if preference.email_off:
        return None
    return Delivery.Channel.DIGEST if preference.email_digest else Delivery.Channel.EMAIL


#: The choices a user has, as the account page offers them.
MAIL_CHOICES = ("single", "digest", "off")


def mail_choice(user) -> str:
    """What the user chose: "single" (each item as it comes; the default), "digest", "off"."""
    pref = Preference.objects.filter(user=user).first()
    if pref is None:
        return "single"
    return "off" if pref.email_off else "digest" if pref.email_digest else "single"


def set_mail_choice(user, choice: str) -> None:
    """A user chooses for himself how reminders and notices reach him by e-mail: one mail per
    item, one daily digest, or none (the inbox only). Nobody chooses for another user."""
    if choice not in MAIL_CHOICES:
        raise ValueError(choice)
    Preference.objects.update_or_create(
        user=user,
        defaults={"email_digest": choice == "digest", "email_off": choice == "off"},
    )


# -- the mails -----------------------------------------------------------------------------------


def _reminder_context(reminder: Reminder) -> dict:
    target = reminder.target
    party = reminder.unit or reminder.area or reminder.enterprise
    return {
        "reminder": reminder,
        "level": reminder.get_level_display(),
        "target": target,
        "year": reminder.year,
        "party": getattr(party, "name", str(party)),
        "url": reminder_url(reminder),
        "base_url": absolute_url("/"),
    }


def reminder_mail(reminder: Reminder, language: str) -> tuple[str, str]:
    """Subject and body of the mail telling of ``reminder``, in ``language``."""
    with translation.override(language):
        context = _reminder_context(reminder)
        if reminder.target_id:
            about = reminder.target.key
        else:
            about = _("annual return %(year)s") % {"year": reminder.year}
        subject = _("[eco311] %(level)s: %(about)s") % {"level": context["level"], "about": about}
        body = render_to_string("supervision/email_reminder.txt", context)
    return subject, body


def notice_mail(notice: Notice, language: str) -> tuple[str, str]:
    with translation.override(language):
        subject = _("[eco311] Notice: %(title)s") % {"title": notice.title}
        body = render_to_string(
            "supervision/email_notice.txt",
            {"notice": notice, "url": notice_url(notice), "base_url": absolute_url("/")},
        )
    return subject, body


def _send(user, subject: str, body: str) -> bool:
    """Send one mail; False (logged) when the backend fails, so the caller keeps it queued."""
    try:
        send_mail(subject, body, None, [user.email], fail_silently=False)
    except Exception:  # SMTP errors are many kinds; any of them must leave the item queued
        log.exception("mail to user %s failed; it stays queued for a retry", user.pk)
        return False
    return True


def _deliver(users, item_field: str, item, mail_fn) -> int:
    """Record and send ``item`` (a reminder or a notice) to each of ``users`` once."""
    users = list(users.select_related("membership"))
    already = set(
        Delivery.objects.filter(**{item_field: item}, user__in=users).values_list(
            "user_id", flat=True
        )
    )
    prefs = _preferences(u.pk for u in users)
    told = 0
    for user in users:
        if user.pk in already:
            continue
        channel = channel_for(prefs.get(user.pk))
        if channel is None:
            continue
        if channel == Delivery.Channel.DIGEST:
            Delivery.objects.create(user=user, channel=channel, **{item_field: item})
            told += 1
            continue
        subject, body = mail_fn(item, user_language(user))
        sent = _send(user, subject, body)
        Delivery.objects.create(
            user=user,
            channel=Delivery.Channel.EMAIL,
            sent_on=timezone.now() if sent else None,
            **{item_field: item},
        )
        told += int(sent)
    return told


def deliver_reminder(reminder: Reminder) -> int:
    """Tell the accounts of the reminder's party, each as he chose (a mail now, the next daily
    digest, or nothing beyond the inbox); never twice. Returns the number of users told (a mail
    sent or a digest entry queued); a failed mail is kept unsent for the retry."""
    return _deliver(reminder_users(reminder), "reminder", reminder, reminder_mail)


def deliver_notice(notice: Notice) -> int:
    """Tell the audience of a published notice, as :func:`deliver_reminder` does."""
    return _deliver(notice_users(notice), "notice", notice, notice_mail)


def retry_failed(now: datetime | None = None) -> int:
    """Send again the single mails that failed; returns how many went out this time."""
    now = now or timezone.now()
    pending = list(
        Delivery.objects.filter(channel=Delivery.Channel.EMAIL, sent_on__isnull=True)
        .select_related("user__membership", "reminder__target", "notice")
        .order_by("created_on", "id")
    )
    prefs = _preferences({d.user_id for d in pending})
    sent = 0
    for delivery in pending:
        if channel_for(prefs.get(delivery.user_id)) is None:
            continue  # he chose no e-mail since: the item stays in his inbox only
        item = delivery.reminder or delivery.notice
        mail_fn = reminder_mail if delivery.reminder_id else notice_mail
        subject, body = mail_fn(item, user_language(delivery.user))
        if _send(delivery.user, subject, body):
            Delivery.objects.filter(pk=delivery.pk, sent_on__isnull=True).update(sent_on=now)
            sent += 1
    return sent


def send_digests(now: datetime | None = None) -> int:
    """One mail per user with every item queued for his digest, then mark them sent.

    A user who switched e-mail off since is not mailed; his queued entries are marked sent so
    they do not pile up (the items stay in his inbox). A failed mail leaves his entries queued
    for the next run. Returns the number of digests sent.
    """
    now = now or timezone.now()
    queued = (
        Delivery.objects.filter(channel=Delivery.Channel.DIGEST, sent_on__isnull=True)
        .select_related("user__membership", "reminder__target", "notice")
        .order_by("user_id", "created_on", "id")
    )
    by_user: dict[int, list[Delivery]] = defaultdict(list)
    users = {}
    for delivery in queued:
        by_user[delivery.user_id].append(delivery)
        users[delivery.user_id] = delivery.user
    prefs = _preferences(by_user)
    sent = 0
    for user_id, deliveries in by_user.items():
        user = users[user_id]
        ids = [d.pk for d in deliveries]
        if channel_for(prefs.get(user_id)) is None or not user.email:
            Delivery.objects.filter(pk__in=ids).update(sent_on=now)
            continue
        subject, body = digest_mail(user, deliveries)
        if _send(user, subject, body):
            Delivery.objects.filter(pk__in=ids, sent_on__isnull=True).update(sent_on=now)
            sent += 1
    return sent


def digest_mail(user, deliveries: list[Delivery]) -> tuple[str, str]:
    language = user_language(user)
    with translation.override(language):
        items = []
        for d in deliveries:
            if d.reminder_id:
                r = d.reminder
                about = (
                    r.target.key if r.target_id else _("annual return %(year)s") % {"year": r.year}
                )
                items.append(
                    {
                        "title": f"{r.get_level_display()}: {about}",
                        "text": r.text,
                        "url": reminder_url(r),
                    }
                )
            else:
                n = d.notice
                items.append(
                    {
                        "title": _("Notice: %(title)s") % {"title": n.title},
                        "text": "",
                        "url": notice_url(n),
                    }
                )
        subject = _("[eco311] Your daily digest: %(count)s items") % {"count": len(items)}
        body = render_to_string(
            "supervision/email_digest.txt",
            {"items": items, "user": user, "base_url": absolute_url("/")},
        )
    return subject, body
