"""The supervision loop (督办): who answers for a target, reminders up the ladder
提醒 → 催办 → 督办, and notices (通知公告).

supervision sits above the domains (it supervises plans, returns and rankings alike) and below
accounts' lookups, web and api. Responsibility the plan itself names stays in plans.TargetUnit
("named in the plan"); what the plan owner adds is an Assignment here, with its reason and
history, so a reloaded plan file never overwrites it and it never silently replaces the plan.
"""

import operator
from functools import reduce

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eco311.core.models import Audited, pick


def exactly_one(*fields: str) -> Q:
    """A check that exactly one of ``fields`` (foreign keys) is set."""
    return reduce(
        operator.or_,
        (Q(**{f"{f}__isnull": f != chosen for f in fields}) for chosen in fields),
    )


class Assignment(Audited):
    """A unit the plan owner made lead or assisting for a target, or for every target of a task.

    Removing an assignment deactivates it (``is_active``); the history keeps who, when and why.
    """

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        ASSIST = "assist", _("Assisting")

    target = models.ForeignKey(
        "plans.Target",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    task = models.ForeignKey(
        "plans.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey("plans.Unit", on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    reason = models.TextField(_("reason"))
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "created_on", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=exactly_one("target", "task"),
                name="assignment_target_xor_task",
            ),
            models.UniqueConstraint(
                fields=["target", "unit"],
                condition=Q(is_active=True, target__isnull=False),
                name="assignment_target_unit_active_unique",
            ),
            models.UniqueConstraint(
                fields=["task", "unit"],
                condition=Q(is_active=True, task__isnull=False),
                name="assignment_task_unit_active_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_id or self.task_id} {self.unit_id} {self.role}"


class Contact(Audited):
    """The contact person (联系人) of one responsible party for a target: a unit (a provincial
    department) or an area's own office (a city bureau, a park committee)."""

    target = models.ForeignKey("plans.Target", on_delete=models.CASCADE, related_name="contacts")
    unit = models.ForeignKey("plans.Unit", null=True, blank=True, on_delete=models.PROTECT)
    area = models.ForeignKey("geo.Area", null=True, blank=True, on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=100)
    post = models.CharField(_("post"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["target", "id"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        constraints = [
            models.CheckConstraint(
                condition=exactly_one("unit", "area"),
                name="contact_unit_xor_area",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.target_id})"


class Reminder(models.Model):
    """A reminder sent to a responsible party, by a person or by the schedule.

    The party is a unit (a department), an area (a city bureau or park committee) or an
    enterprise (its annual return). A reminder is answered by a note or by a progress report;
    a higher level may follow a lower one (``follows``), and the chain is the target's history.
    """

    class Level(models.TextChoices):
        REMIND = "remind", _("Reminder (提醒)")
        URGE = "urge", _("Urging (催办)")
        SUPERVISE = "supervise", _("Supervision (督办)")

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    target = models.ForeignKey(
        "plans.Target", null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )
    #: An annual-return reminder names the survey year (and the enterprise as its party).
    year = models.PositiveIntegerField(null=True, blank=True)
    unit = models.ForeignKey("plans.Unit", null=True, blank=True, on_delete=models.PROTECT)
    area = models.ForeignKey("geo.Area", null=True, blank=True, on_delete=models.PROTECT)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    message = models.TextField(_("message"))
    #: Why it was sent: "manual", or the schedule rule's reason code (data/schedule.yaml).
    reason = models.CharField(_("reason"), max_length=64, default="manual")
    #: The schedule rule that sent it, and the key that stops the same rule sending it twice.
    rule = models.CharField(max_length=64, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="followed_by"
    )
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.SENT)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reminders_sent",
        help_text="empty for a reminder the schedule sent",
    )
    sent_on = models.DateTimeField(auto_now_add=True)
    #: The evaluation date the reminder was computed for (the schedule's "as of").
    as_of = models.DateField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_on = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answer_report = models.ForeignKey(
        "plans.ProgressReport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answers",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_on = models.DateTimeField(null=True, blank=True)
    synthetic = models.BooleanField(default=False, help_text="generated demo data")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-sent_on", "-id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [
            models.Index(fields=["status", "unit"]),
            models.Index(fields=["status", "area"]),
            models.Index(fields=["status", "enterprise"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one("unit", "area", "enterprise"),
                name="reminder_one_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} #{self.pk}"

    @property
    def text(self) -> str:
        """The message in the reader's language. A reminder the schedule sent carries its reason
        in Chinese, a blank line, then in English (supervision/schedule.py Due.message); a
        person's message is shown as written."""
        if self.sent_by_id is None and "\n\n" in self.message:
            zh, en = self.message.split("\n\n", 1)
            return pick(zh, en)
        return self.message


class Delivery(models.Model):
    """One reminder or notice delivered to one user by one channel: kept, so that a digest
    never sends the same item twice and the sender can see who was told."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        DIGEST = "digest", _("Daily digest")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    reminder = models.ForeignKey(
        Reminder, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    notice = models.ForeignKey(
        "Notice", null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    #: Empty while queued for the next digest; set when the mail went out.
    sent_on = models.DateTimeField(null=True, blank=True)
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        indexes = [models.Index(fields=["channel", "sent_on"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.user_id} {self.reminder_id or self.notice_id}"


class Preference(models.Model):
    """How a user wants to be told: each item by e-mail as it comes, or one daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervision_preference"
    )
    email_digest = models.BooleanField(
        _("one daily digest instead of single e-mails"), default=False
    )
    email_off = models.BooleanField(_("no e-mail (the inbox only)"), default=False)

    def __str__(self) -> str:
        return f"{self.user_id} digest={self.email_digest} off={self.email_off}"


def notice_attachment_path(instance, filename: str) -> str:
    return f"notices/{instance.notice_id}/{filename}"


class Notice(Audited):
    """A notice (通知公告) the plan owner publishes: to everyone, to the public pages too, or
    to chosen units, cities, parks and enterprises (NoticeAudience rows)."""

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Everyone, the public pages included")
        ALL = "all", _("Every account of the platform")
        CHOSEN = "chosen", _("Chosen units, cities, parks and enterprises")

    number = models.CharField(_("number"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    audience = models.CharField(_("audience"), max_length=8, choices=Audience.choices)
    #: Empty while a draft; a published notice is not edited (a correction is a new notice).
    published_on = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_on = models.DateTimeField(null=True, blank=True)
    synthetic = models.BooleanField(default=False, help_text="generated demo data")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.title


class NoticeAudience(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="recipients")
    unit = models.ForeignKey("plans.Unit", null=True, blank=True, on_delete=models.PROTECT)
    area = models.ForeignKey("geo.Area", null=True, blank=True, on_delete=models.PROTECT)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=exactly_one("unit", "area", "enterprise"),
                name="notice_audience_one_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.unit_id or self.area_id or self.enterprise_id}"


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=notice_attachment_path)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.name


class NoticeReceipt(models.Model):
    """A user opened a notice. Receipts per unit are counted from the users' memberships."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notice_receipt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} read by {self.user_id}"
