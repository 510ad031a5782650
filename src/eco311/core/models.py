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
