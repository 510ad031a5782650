"""A year's ranking: computed as a draft, reviewed, published as an immutable, versioned list.

The list keeps the methodology it was computed with (the file's text and its hash), so editing
the methodology later never changes a published list; each entry keeps the numbers behind its
rank (raw and normalised indicator values, group scores, rank band), so that a published rank
can be explained without recomputing anything.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eco311.core.models import Audited, pick


class PublishedListError(Exception):
    """A published list and its entries never change."""


class RankingList(Audited):
    class Status(models.TextChoices):
        COMPUTING = "computing", _("Computing")
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    year = models.PositiveIntegerField(_("survey year"))
    top_n = models.PositiveIntegerField(_("list length"), default=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COMPUTING)
    #: Counts the published lists of a year: 1, 2, … (None until published).
    version = models.PositiveIntegerField(null=True, blank=True)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    methodology_key = models.CharField(max_length=64)
    methodology_name_zh = models.CharField(max_length=200)
    methodology_name_en = models.CharField(max_length=300)
    methodology_text = models.TextField()
    methodology_sha256 = models.CharField(max_length=64)
    #: Monte Carlo settings of the uncertainty analysis: {"runs": …, "seed": …}.
    uncertainty = models.JSONField(default=dict)
    #: What the run found: candidates, eligible, ranked, warnings, Sobol indices …
    summary = models.JSONField(default=dict)
    published_on = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-version", "-created_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "version"],
                condition=models.Q(version__isnull=False),
                name="one_list_per_year_and_version",
            )
        ]

    def __str__(self) -> str:
        if self.version:
            return f"{self.year} v{self.version}"
        return f"{self.year} ({self.status})"

    def save(self, *args, **kwargs):
        if self._stored_status() == self.Status.PUBLISHED:
            raise PublishedListError(f"ranking list {self.pk} is published and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() == self.Status.PUBLISHED:
            raise PublishedListError(f"ranking list {self.pk} is published and cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def methodology_name(self) -> str:
        return pick(self.methodology_name_zh, self.methodology_name_en)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def _stored_status(self) -> str | None:
        if self.pk is None:
            return None
        return RankingList.objects.filter(pk=self.pk).values_list("status", flat=True).first()


class RankingEntry(models.Model):
    """One enterprise in one list: eligible and ranked, or excluded with the reason."""

    ranking = models.ForeignKey(RankingList, on_delete=models.CASCADE, related_name="entries")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="ranking_entries"
    )
    # The enterprise as it was when ranked (names and cities change; the list does not).
    uscc = models.CharField(max_length=18)
    name = models.CharField(max_length=200)
    city_code = models.CharField(max_length=6, blank=True)
    segment = models.CharField(max_length=20, blank=True)
    eligible = models.BooleanField(default=True)
    #: Why an enterprise is not ranked: an eligibility rule or the screening step.
    excluded_code = models.CharField(max_length=40, blank=True)
    excluded_zh = models.CharField(max_length=200, blank=True)
    excluded_en = models.CharField(max_length=300, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    #: Indicator code -> value as reported / as normalised (None: missing).
    values = models.JSONField(default=dict)
    normalised = models.JSONField(default=dict)
    #: Indicator codes whose value was imputed.
    imputed = models.JSONField(default=list)
    #: Group code -> score and rank (every level, the index included).
    group_scores = models.JSONField(default=dict)
    group_ranks = models.JSONField(default=dict)
    # The uncertainty analysis: rank band and the probability of being in the list.
    median_rank = models.FloatField(null=True, blank=True)
    rank_p05 = models.FloatField(null=True, blank=True)
    rank_p95 = models.FloatField(null=True, blank=True)
    p_top = models.FloatField(null=True, blank=True)
    #: Rank in the latest published list of the year before (None: not ranked then).
    previous_rank = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["ranking", models.F("rank").asc(nulls_last=True), "uscc"]
        constraints = [
            models.UniqueConstraint(fields=["ranking", "enterprise"], name="one_entry_per_list")
        ]
        indexes = [models.Index(fields=["ranking", "rank"])]

    def __str__(self) -> str:
        return f"{self.ranking} #{self.rank} {self.uscc}"

    def save(self, *args, **kwargs):
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._guard()
        return super().delete(*args, **kwargs)

    @property
    def excluded_reason(self) -> str:
        return pick(self.excluded_zh, self.excluded_en)

    @property
    def movement(self) -> int | None:
        """Places gained since last year's list (negative: lost); None if not ranked then."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    def _guard(self) -> None:
        if RankingList.objects.filter(
            pk=self.ranking_id, status=RankingList.Status.PUBLISHED
        ).exists():
            raise PublishedListError(f"ranking list {self.ranking_id} is published")
