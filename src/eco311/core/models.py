"""Shared abstract models: audit fields on every row, and "disable, don't delete" for reference data."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Audited(models.Model):
    created_on = models.DateTimeField(_("created on"), auto_now_add=True)
    modified_on = models.DateTimeField(_("modified on"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


class ReferenceData(models.Model):
    """Reference rows are disabled, never deleted: old plans and surveys keep pointing at them."""

    is_active = models.BooleanField(_("active"), default=True)
    disabled_on = models.DateField(_("disabled on"), null=True, blank=True)

    class Meta:
        abstract = True


def is_english() -> bool:
    return (get_language() or "zh-hans").startswith("en")


class Bilingual(models.Model):
    """A name in Chinese (first) and English; `.name` follows the active language."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=300)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if is_english() else self.name_zh


def pick(zh: str, en: str) -> str:
    """Pick the text of the active language."""
    return en if is_english() and en else zh


class Job(models.Model):
    """A piece of work run in the background (core/jobs.py): a ranking, a long report.

    Rows are the queue: any number of workers claim queued jobs with a conditional UPDATE, so
    the same table works on SQLite (one laptop) and PostgreSQL (several workers).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=64)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    #: What the job is doing now, as the handler said it (Chinese and English).
    step_zh = models.CharField(max_length=200, blank=True)
    step_en = models.CharField(max_length=200, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateTimeField(auto_now_add=True)
    started_on = models.DateTimeField(null=True, blank=True)
    finished_on = models.DateTimeField(null=True, blank=True)
    #: Updated with every progress report; a running job whose worker stopped reporting for
    #: longer than jobs.STALE_AFTER is failed by the next worker that starts.
    heartbeat_on = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        indexes = [models.Index(fields=["status", "created_on"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.status}"

    @property
    def step(self) -> str:
        return pick(self.step_zh, self.step_en)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
