"""Create-or-update for reference tables that writes only what changed, and counts it.

The reference loaders (geo/loader.py, enterprises/reference.py) use it so that loading the same
files again writes nothing, and `eco311 setup` can say so.
"""

from dataclasses import dataclass

from django.utils import timezone


@dataclass
class Changes:
    """What a reference load did: rows created, updated, left as they were, disabled."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    disabled: int = 0

    @property
    def total(self) -> int:
        """The rows in the files (created, updated or unchanged)."""
        return self.created + self.updated + self.unchanged

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.disabled)

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.disabled} disabled"
        )


def save_row(model, changes: Changes, lookup: dict, values: dict):
    """update_or_create that saves only when a value differs (compare foreign keys by `_id`)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        changes.created += 1
        return model.objects.create(**lookup, **values)
    differs = [k for k, v in values.items() if getattr(obj, k) != v]
    if not differs:
        changes.unchanged += 1
        return obj
    for k in differs:
        setattr(obj, k, values[k])
    obj.save(update_fields=differs)
    changes.updated += 1
    return obj


def disable_missing(queryset, changes: Changes) -> None:
    """Disable (never delete) the active rows of `queryset`: old returns still point at them."""
    changes.disabled += queryset.filter(is_active=True).update(
        is_active=False, disabled_on=timezone.localdate()
    )
