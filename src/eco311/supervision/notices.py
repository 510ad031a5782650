"""Notices (通知公告): drafted, published under a number, read, withdrawn. No HTTP here.

The rules (who may do what is asked of the Actor, accounts/scopes.py):

* only the plan owner (Actor.can_publish_notices) drafts, publishes and withdraws notices;
* a notice goes to everyone, the public pages included ("public"), to every account ("all"),
  or to chosen units, cities, parks and enterprises ("chosen"): a chosen notice names at least
  one of them;
* publishing gives the notice the year's next number (鲁环311通〔2025〕3号), sequential per
  year and unique even when two notices are published at the same moment, and tells the
  recipients (supervision/delivery.py) once the transaction commits;
* a published notice is never edited: a correction is a new notice; a withdrawn notice keeps
  its number and leaves every reader's list;
* attachments are at most settings.ECO311_NOTICE_ATTACHMENT_MB, of the listed types, stored
  under a generated name with their SHA-256; their readers are the notice's readers;
* opening a notice records one read receipt per user; receipts are counted per addressed party.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eco311.core.text import first_control_character
from eco311.supervision.models import Notice, NoticeAttachment, NoticeAudience, NoticeReceipt

log = logging.getLogger(__name__)

#: The issuing code of the plan owner's notices: 鲁环311通〔year〕n号.
NUMBER_PREFIX = "鲁环311通"

#: What a notice may carry: PDF, images, office files and plain text. No archives (an archive
#: can hold anything) and nothing a browser would run.
ALLOWED_ATTACHMENTS = (".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx", ".pptx", ".txt")

MAX_NAME_CHARS = 120

# Membership roles by party kind (accounts.models.Role values; supervision does not import
# accounts): whose users read for a unit, an area or an enterprise.
_PARTY_ROLES = {"unit": ("department",), "area": ("city", "park"), "enterprise": ("enterprise",)}


def number_for(year: int, n: int) -> str:
    return f"{NUMBER_PREFIX}〔{year}〕{n}号"


_NUMBER = re.compile(re.escape(NUMBER_PREFIX) + r"〔(\d{4})〕(\d+)号")


def _require(actor) -> None:
    if not actor.can_publish_notices:
        raise PermissionDenied


# ---------------------------------------------------------------------------------------------
# Attachments
# ---------------------------------------------------------------------------------------------


def attachment_limit_mb() -> int:
    return int(getattr(settings, "ECO311_NOTICE_ATTACHMENT_MB", 20))


def safe_name(raw: str) -> str:
    """The file name shown to readers: the last path part, without control characters, quotes
    or separators, at most MAX_NAME_CHARS characters. Raises ValidationError when nothing
    usable is left or the type is not allowed."""
    name = unicodedata.normalize("NFC", str(raw or "")).replace("\\", "/").rsplit("/", 1)[-1]
    if first_control_character(name) is not None:
        raise ValidationError(
            _("The file name %(name)s contains a control character: rename the file.")
            % {"name": repr(name)},
            code="attachment_name",
        )
    # Quotes, semicolons and the like would break a Content-Disposition header or a shell.
    name = re.sub(r'["\'`;:*?<>|%]', "", name).strip().rstrip(". ")
    # A dot file (".pdf", ".htaccess") has no name to show and is hidden on most systems.
    if not name or name.startswith("."):
        raise ValidationError(
            _("The attachment has no usable file name: rename the file."), code="attachment_name"
        )
    if not name.lower().endswith(ALLOWED_ATTACHMENTS):
        raise ValidationError(
            _("%(name)s: attachments must be one of %(types)s.")
            % {"name": name, "types": ", ".join(ALLOWED_ATTACHMENTS)},
            code="attachment_type",
        )
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        name = stem[: MAX_NAME_CHARS - len(ext) - 1] + dot + ext
    return name


def check_attachment(upload) -> str:
    """Refuse an attachment that is too large, of a type not allowed or badly named; return the
    safe name to show. The message names the file and the limit."""
    name = safe_name(getattr(upload, "name", ""))
    limit = attachment_limit_mb()
    if upload.size > limit * 1024 * 1024:
        raise ValidationError(
            _("%(name)s is %(size)s MB; a notice's attachments may be at most %(limit)s MB each.")
            % {"name": name, "size": f"{upload.size / 1024 / 1024:.1f}", "limit": limit},
            code="attachment_size",
        )
    return name


def _store(notice: Notice, upload, name: str) -> NoticeAttachment:
    digest = hashlib.sha256()
    chunks = []
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
        chunks.append(chunk)
    sha = digest.hexdigest()
    ext = name.rsplit(".", 1)[-1].lower()
    # Stored under a generated name: the reader's name is kept in the row, never on disk.
    attachment = NoticeAttachment(notice=notice, name=name, size=upload.size, sha256=sha)
    attachment.file.save(f"{sha[:16]}.{ext}", ContentFile(b"".join(chunks)), save=False)
    attachment.save()
    return attachment


# ---------------------------------------------------------------------------------------------
# Drafting and publishing
# ---------------------------------------------------------------------------------------------


def _check_audience(audience: str, units, areas, enterprises) -> None:
    if audience not in Notice.Audience.values:
        raise ValidationError({"audience": _("Choose who the notice is for.")})
    if audience == Notice.Audience.CHOSEN and not (units or areas or enterprises):
        raise ValidationError(
            {
                "audience": _(
                    "A notice to chosen recipients needs at least one unit, city, park or "
                    "enterprise: choose them, or send it to every account."
                )
            }
        )


@transaction.atomic
def save_draft(
    actor,
    *,
    title: str,
    body: str,
    audience: str,
    units=(),
    areas=(),
    enterprises=(),
    attachments=(),
    remove_attachments=(),
    notice: Notice | None = None,
    synthetic: bool = False,
) -> Notice:
    """The plan owner writes or changes a draft notice: its title, text, audience (the chosen
    parties replace the earlier ones) and attachments (added; ``remove_attachments`` are ids to
    drop). A published notice is not edited: a correction is a new notice."""
    _require(actor)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Give the notice a title.")
    if not (body or "").strip():
        errors["body"] = _("Write the text of the notice.")
    if errors:
        raise ValidationError(errors)
    _check_audience(audience, units, areas, enterprises)
    names = []
    for upload in attachments:
        try:
            names.append(check_attachment(upload))
        except ValidationError as exc:
            raise ValidationError({"attachments": exc.messages}) from None
    if notice is not None:
        notice = _locked(notice)
        if notice.published_on is not None:
            raise ValidationError(
                _("A published notice is not changed: publish a correction as a new notice.")
            )
        reason = "draft changed"
    else:
        notice = Notice(created_by=actor.user, synthetic=synthetic)
        reason = "draft"
    notice.title = title.strip()
    notice.body = body.strip()
    notice.audience = audience
    notice.modified_by = actor.user
    notice._history_user = actor.user
    notice._change_reason = reason
    notice.save()
    notice.recipients.all().delete()
    if audience == Notice.Audience.CHOSEN:
        rows = [NoticeAudience(notice=notice, unit_id=_pk(u)) for u in dict.fromkeys(units)]
        rows += [NoticeAudience(notice=notice, area_id=_pk(a)) for a in dict.fromkeys(areas)]
        rows += [
            NoticeAudience(notice=notice, enterprise_id=_pk(e)) for e in dict.fromkeys(enterprises)
        ]
        NoticeAudience.objects.bulk_create(rows)
    if remove_attachments:
        for old in notice.attachments.filter(pk__in=list(remove_attachments)):
            old.file.delete(save=False)
            old.delete()
    for upload, name in zip(attachments, names, strict=True):
        _store(notice, upload, name)
    return notice


def _locked(notice: Notice) -> Notice:
    """The caller's notice as stored, its row locked until the transaction ends: two actions on
    one notice at once (publish twice, publish and edit) queue here, and the second sees what
    the first did."""
    list(Notice.objects.select_for_update().filter(pk=notice.pk).values_list("pk"))
    notice.refresh_from_db()
    return notice


def _pk(obj) -> int:
    return obj if isinstance(obj, int) else obj.pk


def _next_number(year: int) -> str:
    """The year's next number. Two publications at once take turns here: SQLite has a single
    writer (the transaction is IMMEDIATE); PostgreSQL holds an advisory lock on the year until
    the transaction ends, so the second one counts the first one's number."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"notice-no:{year}"])
    taken = Notice.objects.filter(number__startswith=f"{NUMBER_PREFIX}〔{year}〕").values_list(
        "number", flat=True
    )
    highest = max((int(m.group(2)) for m in map(_NUMBER.fullmatch, taken) if m), default=0)
    return number_for(year, highest + 1)


@transaction.atomic
def publish(actor, notice: Notice, *, on: datetime | None = None) -> Notice:
    """The plan owner publishes a draft: it gets the year's next number and its date, becomes
    readable by its audience and is no longer edited; the recipients are told once the
    transaction commits (supervision/delivery.py). ``on`` backdates it (the demo only)."""
    _require(actor)
    notice = _locked(notice)
    if notice.published_on is not None:
        raise ValidationError(
            _("This notice was already published as %(number)s.") % {"number": notice.number},
            code="already_published",
        )
    _check_audience(notice.audience, notice.recipients.exists(), (), ())
    now = on or timezone.now()
    notice.number = _next_number(timezone.localtime(now).year)
    notice.published_on = now
    notice.published_by = actor.user
    notice.modified_by = actor.user
    notice._history_user = actor.user
    notice._change_reason = f"published as {notice.number}"
    notice.save()
    transaction.on_commit(lambda: _deliver(notice.pk))
    return notice


def _deliver(notice_id: int) -> None:
    """Hand the published notice to delivery (e-mail, digests). Delivery is another part of the
    loop; a notice is published (and readable in the platform) whether or not it mails."""
    try:
        from eco311.supervision.delivery import deliver_notice
    except ImportError:  # delivery not installed: the inbox still shows the notice
        return
    notice = Notice.objects.filter(pk=notice_id).first()
    if notice is None:
        return
    try:
        deliver_notice(notice)
    except Exception:  # a mail server's failure must not undo a publication already made
        log.exception("delivering notice %s failed", notice_id)


@transaction.atomic
def withdraw(actor, notice: Notice, reason: str) -> Notice:
    """The plan owner withdraws a published notice, saying why: it keeps its number and history
    and leaves every reader's list and inbox. A draft is not withdrawn (it is changed)."""
    _require(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the notice is withdrawn.")})
    notice = _locked(notice)
    if notice.published_on is None:
        raise ValidationError(_("Only a published notice can be withdrawn."))
    if notice.withdrawn_on is not None:
        raise ValidationError(_("This notice has already been withdrawn."))
    notice.withdrawn_on = timezone.now()
    notice.modified_by = actor.user
    notice._history_user = actor.user
    notice._change_reason = f"withdrawn: {reason.strip()}"[:100]
    notice.save()
    return notice


def mark_read(user, notice: Notice) -> bool:
    """Record that ``user`` opened a published notice (once: opening it again changes nothing).
    Returns True when this was the first time. The anonymous public leaves no receipt."""
    if user is None or not user.is_authenticated or notice.published_on is None:
        return False
    _, created = NoticeReceipt.objects.get_or_create(notice=notice, user=user)
    return created


# ---------------------------------------------------------------------------------------------
# Read receipts per party
# ---------------------------------------------------------------------------------------------


@dataclass
class Reader:
    user: object
    read_on: datetime | None


@dataclass
class PartyReceipt:
    """One addressed party: its accounts, and who of them read the notice when."""

    kind: str  # "unit", "area" (a city or a park), "enterprise", "other" (banks, others)
    label: str
    users: list[Reader] = field(default_factory=list)

    @property
    def has_accounts(self) -> bool:
        return bool(self.users)

    @property
    def read(self) -> list[Reader]:
        return [r for r in self.users if r.read_on is not None]

    @property
    def first_read_on(self) -> datetime | None:
        return min((r.read_on for r in self.read), default=None)


def receipts(notice: Notice) -> list[PartyReceipt]:
    """Rows per addressed party (unit, city, park, enterprise): its users, who of them read the
    notice and when. A chosen notice lists every party it names, those without an account too;
    a notice to every account (or the public) lists the parties that have accounts."""
    User = get_user_model()
    read_on = dict(notice.receipts.values_list("user_id", "read_on"))
    users = User.objects.filter(is_active=True, membership__isnull=False).select_related(
        "membership__unit", "membership__area", "membership__enterprise"
    )
    rows: dict[tuple, PartyReceipt] = {}
    if notice.audience == Notice.Audience.CHOSEN:
        for r in notice.recipients.select_related("unit", "area", "enterprise").order_by("pk"):
            kind, obj = _party_of(r)
            rows[(kind, obj.pk)] = PartyReceipt(kind, _label(kind, obj))
        units = [pk for k, pk in rows if k == "unit"]
        areas = [pk for k, pk in rows if k == "area"]
        ents = [pk for k, pk in rows if k == "enterprise"]
        users = (
            users.filter(membership__role__in=_PARTY_ROLES["unit"], membership__unit_id__in=units)
            | users.filter(membership__role__in=_PARTY_ROLES["area"], membership__area_id__in=areas)
            | users.filter(
                membership__role__in=_PARTY_ROLES["enterprise"], membership__enterprise_id__in=ents
            )
        )
    for u in users.order_by("username"):
        key, label = _user_party(u.membership)
        if key is None:
            continue
        row = rows.setdefault(key, PartyReceipt(key[0], label))
        row.users.append(Reader(u, read_on.get(u.pk)))
    return sorted(rows.values(), key=lambda r: (_KIND_ORDER.get(r.kind, 9), r.label))


_KIND_ORDER = {"unit": 0, "area": 1, "enterprise": 2, "other": 3}


def _party_of(recipient: NoticeAudience):
    if recipient.unit_id:
        return "unit", recipient.unit
    if recipient.area_id:
        return "area", recipient.area
    return "enterprise", recipient.enterprise


def _label(kind: str, obj) -> str:
    """The party's name in the reader's language (units and areas are bilingual)."""
    return str(obj)


def _user_party(m) -> tuple[tuple | None, str]:
    """The party a member reads for: (key, label), or (None, "") for the plan owner's own staff
    (the administrator publishes; his reading is not a receipt)."""
    if m.role in _PARTY_ROLES["unit"] and m.unit_id:
        return ("unit", m.unit_id), _label("unit", m.unit)
    if m.role in _PARTY_ROLES["area"] and m.area_id:
        return ("area", m.area_id), _label("area", m.area)
    if m.role in _PARTY_ROLES["enterprise"] and m.enterprise_id:
        return ("enterprise", m.enterprise_id), _label("enterprise", m.enterprise)
    if m.role == "admin":
        return None, ""
    org = m.organisation or m.get_role_display()
    return ("other", org), org
