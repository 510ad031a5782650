"""The evaluation report as an official document: a draft the plan owner edits, then issues.

A draft belongs to a plan and an evaluation date. Its data part (statuses, tables, KPIs, the
Top-100 summary) is computed afresh from the database whenever it is shown or rendered; its
narrative is drafted from the same data, and only what the plan owner wrote by hand is stored
(``narrative``), so regenerating the data keeps every edited paragraph and "redraft from data"
simply forgets one. Issuing freezes it: the number and date, and a JSON snapshot of the report
in both languages, so an issued report renders the same document after the data have changed.
An issued report cannot be changed or deleted (``save``/``delete`` and the queryset refuse).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eco311.core.models import Audited


class IssuedReportIsFinal(Exception):
    """An issued evaluation report is an official document: it is never changed or deleted."""


class DraftQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(issued_at__isnull=False).exists():
            raise IssuedReportIsFinal("an issued evaluation report cannot be changed")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(issued_at__isnull=False).exists():
            raise IssuedReportIsFinal("an issued evaluation report cannot be deleted")
        return super().delete()


class EvaluationDraft(Audited):
    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField(_("evaluation date"))
    #: What the plan owner wrote by hand, per language and paragraph:
    #: {"zh": {"judgement": "...", "problems": "...", "next_steps": "...", "foreword": "..."}}.
    #: A paragraph not in it is drafted from the data each time.
    narrative = models.JSONField(default=dict, blank=True)
    issue_number = models.CharField(
        _("issue number"), max_length=60, null=True, blank=True, unique=True
    )
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: {"zh": reports.document.to_dict(report), "en": ...}, taken when issued.
    snapshot = models.JSONField(null=True, blank=True)
    history = HistoricalRecords()

    objects = DraftQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "-created_on"]
        verbose_name = _("evaluation report")
        verbose_name_plural = _("evaluation reports")

    def __str__(self) -> str:
        return self.issue_number or f"{self.plan.key} {self.as_of.isoformat()}"

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None

    def _stored_issued(self) -> bool:
        return (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, issued_at__isnull=False).exists()
        )

    def save(self, *args, **kwargs):
        if self._stored_issued():
            raise IssuedReportIsFinal("an issued evaluation report cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_issued():
            raise IssuedReportIsFinal("an issued evaluation report cannot be deleted")
        return super().delete(*args, **kwargs)

    def edited(self, lang: str) -> dict[str, str]:
        return dict((self.narrative or {}).get(lang, {}))


class RenderedFile(models.Model):
    """A rendered report file, kept under the hash of what it was rendered from (the report
    data, the narrative, the format and the language): served as long as that hash is current,
    so a change in the data leads to a new file, never to a stale one."""

    key = models.CharField(max_length=64, unique=True)
    draft = models.ForeignKey(EvaluationDraft, on_delete=models.CASCADE, related_name="files")
    fmt = models.CharField(max_length=8)
    lang = models.CharField(max_length=2)
    file = models.FileField(upload_to="evaluation/")
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_on"]

    def __str__(self) -> str:
        return self.filename


class RenderJob(models.Model):
    """Which background job renders which file of which report (the page polls it)."""

    draft = models.ForeignKey(EvaluationDraft, on_delete=models.CASCADE, related_name="jobs")
    key = models.CharField(max_length=64)
    fmt = models.CharField(max_length=8)
    lang = models.CharField(max_length=2)
    job = models.ForeignKey("core.Job", on_delete=models.CASCADE, related_name="+")
    created_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_on", "-id"]

    def __str__(self) -> str:
        return f"{self.fmt}-{self.lang} job {self.job_id}"
