"""Who a user is in the programme: a role and the scope that role acts in."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Province administrator")
    DEPARTMENT = "department", _("Provincial department")
    CITY = "city", _("City bureau")
    PARK = "park", _("Park committee")
    ENTERPRISE = "enterprise", _("Enterprise")
    BANK = "bank", _("Bank")


class Membership(models.Model):
    """A user's role. Departments point at a responsible unit, cities and parks at an area,
    enterprise users at their enterprise."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    unit = models.ForeignKey("plans.Unit", null=True, blank=True, on_delete=models.PROTECT)
    area = models.ForeignKey("geo.Area", null=True, blank=True, on_delete=models.PROTECT)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        help_text=_("For an enterprise user: the enterprise whose data the user may see."),
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    language = models.CharField(max_length=8, blank=True)

    class Meta:
        verbose_name = _("membership")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its hash is stored; the raw value is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_on = models.DateTimeField(auto_now_add=True)
    last_used_on = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, name: str, raw: str | None = None) -> tuple["ApiToken", str]:
        raw = raw or "eco_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:8], digest=_digest(raw))
        return token, raw

    @classmethod
    def lookup(cls, raw: str):
        return cls.objects.filter(digest=_digest(raw), revoked=False).select_related("user").first()
