"""Load the reference areas from geo/data: areas.yaml (province, cities, clusters, parks) and
counties.yaml (the counties of each city, as areas of kind "county" under their city)."""

from django.db import transaction

from eco311.core.refdata import Changes, disable_missing, save_row
from eco311.geo.areafile import load_area_file, load_county_file
from eco311.geo.models import Area


@transaction.atomic
def sync_areas(path=None, county_path=None) -> Changes:
    """Create or update every area and county in the files; those missing from them are
    disabled, not deleted (old returns and plans keep pointing at them).

    Idempotent: loading the same files again writes nothing (every row counts as unchanged).
    The counties are checked against the cities of the area file being loaded.
    """
    spec = load_area_file(path) if path else load_area_file()
    counties = (
        load_county_file(county_path, areas=spec) if county_path else load_county_file(areas=spec)
    )
    changes = Changes()
    ids: dict[str, int] = {}
    for a in spec.areas:
        parent_id = None
        if a.parent:
            # Parents come first in the file; one loaded earlier may sit in the database only.
            parent_id = ids.get(a.parent) or Area.objects.get(key=a.parent).pk
        values = {
            "kind": a.kind,
            "code": a.code or "",
            "name_zh": a.name.zh,
            "name_en": a.name.en,
            "short_name_zh": a.short_name.zh if a.short_name else "",
            "short_name_en": a.short_name.en if a.short_name else "",
            "specialism_zh": a.specialism.zh if a.specialism else "",
            "specialism_en": a.specialism.en if a.specialism else "",
            "parent_id": parent_id,
            "is_active": True,
            "disabled_on": None,
        }
        ids[a.key] = save_row(Area, changes, {"key": a.key}, values).pk
    for c in counties.counties:
        # A county's key is its code, as for the province and the cities.
        values = {
            "kind": Area.Kind.COUNTY,
            "code": c.code,
            "name_zh": c.name.zh,
            "name_en": c.name.en,
            "short_name_zh": "",
            "short_name_en": "",
            "specialism_zh": "",
            "specialism_en": "",
            "parent_id": ids[c.city],
            "is_active": True,
            "disabled_on": None,
        }
        ids[c.code] = save_row(Area, changes, {"key": c.code}, values).pk
    disable_missing(Area.objects.exclude(key__in=ids), changes)
    return changes


def load_areas(path=None, county_path=None) -> int:
    """sync_areas, returning the number of areas in the files."""
    return sync_areas(path, county_path).total
