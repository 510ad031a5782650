"""Plans as data: Plan → Section → Task → Target, responsible units, and progress reports.

Plans are loaded from the validated YAML files in plans/data (see docs/plan-file-format.md);
statuses are computed from approved progress reports by plans/tracking.py, never typed in.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eco311.core.models import Audited, Bilingual, ReferenceData, pick


class Plan(Audited):
    key = models.SlugField(_("key"), max_length=64, unique=True)
    title_zh = models.CharField(max_length=300)
    title_en = models.CharField(max_length=400)
    short_title_zh = models.CharField(max_length=100)
    short_title_en = models.CharField(max_length=200)
    issuer_zh = models.CharField(max_length=300, blank=True)
    issuer_en = models.CharField(max_length=400, blank=True)
    doc_number = models.CharField(max_length=100, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    period_start = models.DateField()
    period_end = models.DateField()
    language = models.CharField(max_length=2, default="zh")
    source_file = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64, help_text="hash of the plan file last loaded")
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return pick(self.title_zh, self.title_en)

    @property
    def short_title(self) -> str:
        return pick(self.short_title_zh, self.short_title_en)

    @property
    def issuer(self) -> str:
        return pick(self.issuer_zh, self.issuer_en)


class Unit(Bilingual, ReferenceData):
    """A responsible unit: a provincial department or another body the plan names."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    #: The plan names many bodies at once ("各市人民政府"): nobody reports or is reminded as it.
    collective = models.BooleanField(default=False)

    class Meta:
        ordering = ["key"]
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")


class PlanPart(models.Model):
    """What sections and tasks share: a reference such as 三(二)3 and a bilingual title."""

    ref = models.CharField(_("reference"), max_length=32)
    title_zh = models.CharField(max_length=300)
    title_en = models.CharField(max_length=400)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["plan", "order"]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    @property
    def title(self) -> str:
        return pick(self.title_zh, self.title_en)


class Section(PlanPart):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta(PlanPart.Meta):
        constraints = [models.UniqueConstraint(fields=["plan", "ref"], name="section_ref_unique")]

    def top(self) -> "Section":
        node = self
        while node.parent_id:
            node = node.parent
        return node


class Task(PlanPart):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="tasks")

    class Meta(PlanPart.Meta):
        constraints = [models.UniqueConstraint(fields=["plan", "ref"], name="task_ref_unique")]


class Target(models.Model):
    class Kind(models.TextChoices):
        NUMERIC = "numeric", _("Numeric")
        MILESTONE = "milestone", _("Milestone")
        RECURRING = "recurring", _("Recurring")

    class Op(models.TextChoices):
        GE = ">=", "≥"
        GT = ">", ">"
        LE = "<=", "≤"
        LT = "<", "<"
        EQ = "=", "="
        APPROX = "approx", _("approximately")
        RANGE = "range", _("range")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="targets")
    key = models.CharField(_("key"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    metric_zh = models.CharField(max_length=300, blank=True)
    metric_en = models.CharField(max_length=400, blank=True)
    op = models.CharField(max_length=8, choices=Op.choices, blank=True)
    value = models.FloatField(null=True, blank=True)
    value_max = models.FloatField(null=True, blank=True)
    unit_zh = models.CharField(max_length=50, blank=True)
    unit_en = models.CharField(max_length=80, blank=True)
    direction = models.SmallIntegerField(default=1)
    base_year = models.FloatField(null=True, blank=True)
    base_value = models.FloatField(null=True, blank=True)
    limit = models.FloatField(null=True, blank=True)
    deadline = models.DateField(null=True, blank=True)
    deadline_text = models.CharField(max_length=100, blank=True)
    recurring_count = models.PositiveIntegerField(null=True, blank=True)
    recurring_per = models.CharField(max_length=16, blank=True)
    scope = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="targets")
    text_zh = models.TextField()
    text_en = models.TextField()
    source = models.TextField(help_text="the exact sentence of the source document")
    flags = models.JSONField(default=list, blank=True)
    note_zh = models.TextField(blank=True)
    note_en = models.TextField(blank=True)
    units = models.ManyToManyField(Unit, through="TargetUnit", related_name="targets")
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="false when a reloaded plan drops it")
    history = HistoricalRecords(excluded_fields=["order"])

    class Meta:
        ordering = ["plan", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="target_key_unique")]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.key} {self.text}"

    @property
    def text(self) -> str:
        return pick(self.text_zh, self.text_en)

    @property
    def metric(self) -> str:
        return pick(self.metric_zh, self.metric_en)

    @property
    def unit(self) -> str:
        return pick(self.unit_zh, self.unit_en)

    @property
    def section(self) -> Section:
        return self.task.section

    @property
    def flag_notes(self) -> list[str]:
        return [pick(f.get("note_zh", ""), f.get("note_en", "")) for f in self.flags]

    # Flags that only say the plan names no unit are shown on the target page, not in lists.
    INFORMATIONAL_FLAGS = ("no_responsible_unit",)

    @property
    def doubt_notes(self) -> list[str]:
        """Notes of the flags that question the source text itself (deadline, value, wording)."""
        return [
            pick(f.get("note_zh", ""), f.get("note_en", ""))
            for f in self.flags
            if f.get("code") not in self.INFORMATIONAL_FLAGS
        ]

    def responsible(self, role: str | None = None) -> list[Unit]:
        links = sorted(self.unit_links.all(), key=lambda link: (link.role != "lead", link.order))
        return [link.unit for link in links if role is None or link.role == role]


class TargetUnit(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        ASSIST = "assist", _("Assisting")

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="unit_links")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="target_links")
    role = models.CharField(max_length=8, choices=Role.choices)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["target", "role", "order"]
        constraints = [
            models.UniqueConstraint(fields=["target", "unit"], name="target_unit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.unit_id} {self.role}"


def attachment_path(instance, filename: str) -> str:
    return f"evidence/{instance.target.plan.key}/{instance.target.key}/{filename}"


class ProgressReport(models.Model):
    """A value or milestone evidence for one target and period.

    Reports are never edited in place once submitted: a correction is a new report that
    supersedes the old one, and every state change is kept in the history table.
    """

    class Period(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        HALF = "half", _("Half year")
        YEAR = "year", _("Year")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")
        SUPERSEDED = "superseded", _("Superseded")

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="reports")
    period_kind = models.CharField(_("period"), max_length=8, choices=Period.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    value = models.FloatField(_("value"), null=True, blank=True)
    done = models.BooleanField(_("completed"), default=False)
    progress_pct = models.FloatField(_("progress (%)"), null=True, blank=True)
    count = models.PositiveIntegerField(_("number of events"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    attachment = models.FileField(_("attachment"), upload_to=attachment_path, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submitted_reports"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewed_reports",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    synthetic = models.BooleanField(default=False, help_text="generated demo data")
    history = HistoricalRecords()

    class Meta:
        ordering = ["target", "period_end", "submitted_at"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        indexes = [models.Index(fields=["target", "status", "period_end"])]

    def __str__(self) -> str:
        return f"{self.target.key} {self.period_end} {self.status}"
