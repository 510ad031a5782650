"""Load the reference areas (province, cities, clusters, parks) from geo/data/areas.yaml."""

from django.db import transaction
from django.utils import timezone

from eco311.geo.areafile import load_area_file
from eco311.geo.models import Area


@transaction.atomic
def load_areas(path=None) -> int:
    """Create or update every area in the file; areas missing from it are disabled, not deleted."""
    spec = load_area_file(path) if path else load_area_file()
    by_key = {}
    seen = set()
    for a in spec.areas:
        fields = {
            "kind": a.kind,
            "code": a.code or "",
            "name_zh": a.name.zh,
            "name_en": a.name.en,
            "short_name_zh": a.short_name.zh if a.short_name else "",
            "short_name_en": a.short_name.en if a.short_name else "",
            "specialism_zh": a.specialism.zh if a.specialism else "",
            "specialism_en": a.specialism.en if a.specialism else "",
            "parent": by_key.get(a.parent) if a.parent else None,
            "is_active": True,
            "disabled_on": None,
        }
        if a.parent and a.parent not in by_key:
            fields["parent"] = Area.objects.get(key=a.parent)
        area, _ = Area.objects.update_or_create(key=a.key, defaults=fields)
        by_key[a.key] = area
        seen.add(a.key)
    Area.objects.exclude(key__in=seen).filter(is_active=True).update(
        is_active=False, disabled_on=timezone.localdate()
    )
    return len(seen)
