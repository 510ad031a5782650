"""Where enterprises sit on the chains, and the issued chain-map analyses.

The chains themselves are a data file (chains/data/chains.yaml, loaded by chains/taxonomy.py),
not tables: a node is referred to by its code. A node removed from a later taxonomy version
leaves its placements in place; ``eco311 chains check`` lists them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eco311.enterprises.models import Enterprise


class Placement(models.Model):
    """One enterprise on one chain node, and who says so.

    The scorer *proposes*; the enterprise *declares* (the survey's optional chain-node column);
    an official *confirms* or *rejects*. An enterprise's effective nodes are its confirmed and
    declared ones once any exist, otherwise its proposals above the threshold; a later proposal
    never overwrites an official decision (corrections win). Every change is kept in history.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        DECLARED = "declared", _("Declared by the enterprise")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="chain_placements"
    )
    node = models.CharField(_("chain node"), max_length=32)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    words = models.JSONField(_("deciding words"), default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_on = models.DateTimeField(_("decided on"), null=True, blank=True)
    modified_on = models.DateTimeField(auto_now=True)
    synthetic = models.BooleanField(default=False, help_text="generated demo data")
    history = HistoricalRecords()

    class Meta:
        ordering = ["enterprise", "node"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "node"], name="chains_one_row_per_node")
        ]
        indexes = [models.Index(fields=["node", "status"])]
        verbose_name = _("chain placement")
        verbose_name_plural = _("chain placements")

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.node} {self.status}"


class SyntheticTruth(models.Model):
    """The nodes a synthetic enterprise was generated on, to measure placement on the demo.

    Only the demo writes it; production enterprises have none.
    """

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, related_name="chain_truth"
    )
    nodes = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.enterprise_id} {','.join(self.nodes)}"


class ChainReport(models.Model):
    """An issued 优势产业链图谱分析 (chain-map analysis) for one year.

    Issuing freezes the analysis as a JSON snapshot in both languages, so the document renders
    the same whatever happens to the data later, and files it as the evidence of the plan's
    四(二)1 milestone target (``evidence``, an approved progress report).
    """

    year = models.PositiveIntegerField(_("year"))
    number = models.CharField(_("issue number"), max_length=60, unique=True)
    issued_on = models.DateField(_("issued on"))
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField(default=dict)
    pdf = models.FileField(upload_to="chains/reports/", blank=True)
    evidence = models.ForeignKey(
        "plans.ProgressReport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    synthetic = models.BooleanField(default=False, help_text="generated demo data")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-issued_on"]
        verbose_name = _("chain-map analysis")
        verbose_name_plural = _("chain-map analyses")

    def __str__(self) -> str:
        return f"{self.year} {self.number}"
