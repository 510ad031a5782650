"""Areas: the province, its 16 cities and 136 counties, the 3 clusters and the 10 parks.

Targets are scoped to the province, cities, clusters and parks; counties are the reference
table the survey's county codes are checked against and shown with.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from eco311.core.models import Bilingual, ReferenceData, pick


class Area(Bilingual, ReferenceData):
    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        CLUSTER = "cluster", _("Industry cluster")
        PARK = "park", _("Characteristic park")
        COUNTY = "county", _("County")

    key = models.CharField(_("key"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    code = models.CharField(_("GB/T 2260 code"), max_length=6, blank=True, db_index=True)
    short_name_zh = models.CharField(max_length=100, blank=True)
    short_name_en = models.CharField(max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    specialism_zh = models.TextField(blank=True)
    specialism_en = models.TextField(blank=True)

    class Meta:
        ordering = ["kind", "code", "key"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    @property
    def short_name(self) -> str:
        return pick(self.short_name_zh, self.short_name_en) or self.name

    @property
    def specialism(self) -> str:
        return pick(self.specialism_zh, self.specialism_en)

    def city_code(self) -> str:
        """The GB/T 2260 code of the city this area lies in ('' for the province)."""
        if self.kind == self.Kind.CITY:
            return self.code
        if self.parent_id and self.parent.kind == self.Kind.CITY:
            return self.parent.code
        return ""


def county_of(code: str) -> Area | None:
    """The county with GB/T 2260 code ``code``, disabled or not (old returns keep old codes)."""
    if not code:
        return None
    return Area.objects.filter(kind=Area.Kind.COUNTY, code=code).first()


def county_label(code: str) -> str:
    """ "历下区 (370102)" (the name in the active language) for a county code; the bare code
    when it is not a known county."""
    county = county_of(code)
    return f"{county.name} ({county.code})" if county is not None else code
