"""Who holds an account of a given kind (used by `eco311 setup` and the account pages)."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from eco311.accounts.models import Role


def administrators():
    """Active users who act as the province administrator, by the rule of Actor.of: a
    membership with the administrator's role, or a superuser without a membership."""
    return get_user_model().objects.filter(
        Q(membership__role=Role.ADMIN) | Q(is_superuser=True, membership__isnull=True),
        is_active=True,
    )
