"""Load the reference areas from geo/data: areas.yaml (province, cities, clusters, parks) and
counties.yaml (the counties of each city, as areas of kind "county" under their city)."""

from django.db import transaction
from django.utils import timezone

from eco311.geo.areafile import load_area_file, load_county_file
from eco311.geo.models import Area


@transaction.atomic
def load_areas(path=None, county_path=None) -> int:
    """Create or update every area and county in the files; those missing from them are
    disabled, not deleted (old returns and plans keep pointing at them).

    Idempotent: loading the same files again changes nothing. The counties are checked
    against the cities of the area file being loaded. Returns the number of areas loaded.
    """
    spec = load_area_file(path) if path else load_area_file()
    counties = (
        load_county_file(county_path, areas=spec) if county_path else load_county_file(areas=spec)
    )
    by_key = {}
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
        by_key[a.key], _ = Area.objects.update_or_create(key=a.key, defaults=fields)
    for c in counties.counties:
        # A county's key is its code, as for the province and the cities.
        by_key[c.code], _ = Area.objects.update_or_create(
            key=c.code,
            defaults={
                "kind": Area.Kind.COUNTY,
                "code": c.code,
                "name_zh": c.name.zh,
                "name_en": c.name.en,
                "short_name_zh": "",
                "short_name_en": "",
                "specialism_zh": "",
                "specialism_en": "",
                "parent": by_key[c.city],
                "is_active": True,
                "disabled_on": None,
            },
        )
    Area.objects.exclude(key__in=by_key).filter(is_active=True).update(
        is_active=False, disabled_on=timezone.localdate()
    )
    return len(by_key)
