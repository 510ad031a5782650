"""The enterprise registry and the annual survey returns.

Field keys of AnnualReturn are the keys of the survey data dictionary
(enterprises/survey/dictionary.yaml); units and definitions live there, written once.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eco311.core.models import Audited, ReferenceData, pick


class Segment(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Environmental protection manufacturing")
    SERVICES = "services", _("Environmental services")
    RESOURCE = "resource", _("Comprehensive resource utilisation")


class IndustryCode(ReferenceData):
    """A GB/T 4754-2017 four-digit industry class. Disabled, never deleted, when it changes."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry code")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)


#: History tables are append-mostly audit logs, read by the record's id (returns also by
#: enterprise). The indexes Django would copy into them from the live table's foreign keys and
#: codes are never used there, and a survey import of 100,000 returns would spend more time on
#: them than on the history rows themselves (bench/survey_import.py).
UNQUERIED_IN_HISTORY = {
    "enterprise": ["uscc", "city", "park", "industry", "created_by", "modified_by"],
    "return": ["batch", "created_by", "modified_by"],
}


class Enterprise(Audited):
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    city = models.ForeignKey(
        "geo.Area",
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"kind": "city"},
    )
    county_code = models.CharField(_("county code"), max_length=6, blank=True)
    park = models.ForeignKey(
        "geo.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="park_enterprises",
        limit_choices_to={"kind": "park"},
    )
    industry = models.ForeignKey(IndustryCode, on_delete=models.PROTECT, related_name="enterprises")
    segment = models.CharField(_("segment"), max_length=16, choices=Segment.choices)
    main_products = models.TextField(_("main products and services"), blank=True)
    synthetic = models.BooleanField(default=False, help_text="generated demo data")
    history = HistoricalRecords(no_db_index=UNQUERIED_IN_HISTORY["enterprise"])

    class Meta:
        ordering = ["uscc"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name


class FormerName(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="former_names"
    )
    name = models.CharField(max_length=200)
    until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["enterprise", "until"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A cultivation tag with its dates; revoking sets revoked_on, the row stays."""

    class Kind(models.TextChoices):
        LEADING = "leading", _("Leading or key enterprise")
        CHAIN_LEADER = "chain_leader", _("Chain leader")
        INNOVATIVE_SME = "innovative_sme", _("Innovative SME")
        SPECIALISED_SME = "specialised_sme", _("Provincial specialised and innovative SME")
        LITTLE_GIANT = "little_giant", _("National “little giant”")
        SINGLE_CHAMPION = "single_champion", _("Single-item champion")
        LISTED = "listed", _("Listed company")
        LISTING_RESERVE = "listing_reserve", _("Listing reserve pool")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="tags")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    stage = models.CharField(_("stage"), max_length=40, blank=True)
    granted_on = models.DateField(_("granted on"))
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["enterprise", "kind", "granted_on"]
        indexes = [models.Index(fields=["kind", "granted_on"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.kind}"

    def active_on(self, day) -> bool:
        return self.granted_on <= day and (self.revoked_on is None or self.revoked_on > day)


def _money(label):
    return models.DecimalField(label, max_digits=18, decimal_places=2, null=True, blank=True)


def _count(label):
    return models.PositiveIntegerField(label, null=True, blank=True)


class ImportBatch(models.Model):
    """The import ledger: which file, its hash, who, when and what it changed."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")
        #: A large upload waiting for, or in, its background job (``job``).
        PENDING = "pending", _("Importing")

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    year = models.PositiveIntegerField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_on = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="the first errors, located")
    job = models.ForeignKey(
        "core.Job",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the background job of a large upload",
    )

    class Meta:
        ordering = ["-imported_on"]

    def __str__(self) -> str:
        return f"{self.file_name} {self.year} {self.outcome}"


class AnnualReturn(Audited):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="returns")
    year = models.PositiveIntegerField(_("year"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="returns"
    )
    total_revenue = _money(_("total revenue"))
    env_revenue_manufacturing = _money(_("environmental revenue: manufacturing"))
    env_revenue_services = _money(_("environmental revenue: services"))
    env_revenue_resource = _money(_("environmental revenue: resource utilisation"))
    output_value = _money(_("output value"))
    added_value = _money(_("added value"))
    profit = models.DecimalField(
        _("profit"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    taxes = _money(_("taxes"))
    exports = _money(_("exports"))
    rd_spending = _money(_("R&D spending"))
    rd_staff = _count(_("R&D staff"))
    employees = _count(_("employees"))
    invention_patents = _count(_("invention patents granted"))
    standards_national = _count(_("national standards drafted"))
    standards_industry = _count(_("industry standards drafted"))
    main_product_capacity = _money(_("main product capacity"))
    main_product_output = _money(_("main product output"))
    main_product_unit = models.CharField(_("main product unit"), max_length=40, blank=True)
    credit_rating = models.CharField(_("tax credit rating"), max_length=2, blank=True)
    env_violations = _count(_("environmental violations"))
    major_violation = models.BooleanField(_("major environmental violation"), default=False)
    synthetic = models.BooleanField(default=False)
    history = HistoricalRecords(no_db_index=UNQUERIED_IN_HISTORY["return"])

    class Meta:
        ordering = ["year", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="one_return_per_year")
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year}"

    @property
    def env_revenue(self):
        parts = [
            self.env_revenue_manufacturing,
            self.env_revenue_services,
            self.env_revenue_resource,
        ]
        return sum(p for p in parts if p is not None)


class ReturnEvent(models.Model):
    """One step of a return's online workflow: a submission or a review decision.

    Who did it, when, and the reviewer's comment (a returned return says why). The figures
    themselves are kept by AnnualReturn's history; these rows say what happened to them.
    Kept apart from AnnualReturn on purpose: its concrete fields are the survey's columns,
    which the importer and the demo loader write wholesale.
    """

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    annual_return = models.ForeignKey(AnnualReturn, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    comment = models.TextField(_("comment"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on = models.DateTimeField(_("on"), default=timezone.now)

    class Meta:
        ordering = ["annual_return", "on", "pk"]
        indexes = [models.Index(fields=["annual_return", "action", "on"])]
        verbose_name = _("return event")

    def __str__(self) -> str:
        return f"{self.annual_return_id} {self.action} {self.on:%Y-%m-%d}"


class IndicatorValue(models.Model):
    """A computed KPI (enterprises/kpi) for one scope and year, stored when returns change.

    Never typed in: `eco311 kpi` and every import or approval recompute the whole table.
    """

    indicator = models.CharField(max_length=64)
    scope_kind = models.CharField(max_length=16)
    scope_key = models.CharField(max_length=64)
    year = models.PositiveIntegerField()
    value = models.FloatField(null=True)
    n_enterprises = models.PositiveIntegerField(default=0)
    computed_on = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "scope_key", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "scope_key", "year"], name="one_indicator_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.scope_key} {self.year} = {self.value}"


#: The fields of an AnnualReturn that a survey return fills in (the data dictionary's return
#: fields), in model order: every concrete field but the row's identity, workflow and audit.
RETURN_FIELDS: tuple[str, ...] = tuple(
    f.name
    for f in AnnualReturn._meta.concrete_fields
    if f.name
    not in {
        "id",
        "enterprise",
        "year",
        "status",
        "batch",
        "synthetic",
        "created_on",
        "modified_on",
        "created_by",
        "modified_by",
    }
)
