"""Load the shipped areas and counties, so that a bare `eco311 manage migrate` gives a database
the survey can be imported into (before this, only `plan load` or the demo loaded them).

Why a copy of the loader and not eco311.geo.loader: a migration runs against the historical
model of its own point in the history, while the loader uses today's model and today's file
format, both of which will change. So this reads the shipped files with its own small reader,
only inserts the rows that are missing, and skips a file whose schema is not the one it knows
(a later format is then loaded by `eco311 setup`, which also updates and disables rows).
"""

from pathlib import Path

import yaml
from django.db import migrations

DATA = Path(__file__).resolve().parents[1] / "data"


def _read(name: str, schema: str, key: str) -> list[dict]:
    path = DATA / name
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if data.get("schema") != schema:
        return []
    return list(data.get(key) or [])


def _bilingual(value) -> tuple[str, str]:
    value = value or {}
    return str(value.get("zh", "")), str(value.get("en", ""))


def load(apps, schema_editor):
    Area = apps.get_model("geo", "Area")
    ids = dict(Area.objects.values_list("key", "id"))
    for a in _read("areas.yaml", "eco311.areas/1", "areas"):
        key = str(a["key"])
        if key in ids:
            continue
        name_zh, name_en = _bilingual(a.get("name"))
        short_zh, short_en = _bilingual(a.get("short_name"))
        spec_zh, spec_en = _bilingual(a.get("specialism"))
        parent = a.get("parent")
        ids[key] = Area.objects.create(
            key=key,
            kind=a["kind"],
            code=str(a.get("code") or ""),
            name_zh=name_zh,
            name_en=name_en,
            short_name_zh=short_zh,
            short_name_en=short_en,
            specialism_zh=spec_zh,
            specialism_en=spec_en,
            parent_id=ids.get(str(parent)) if parent else None,
        ).pk
    for c in _read("counties.yaml", "eco311.counties/1", "counties"):
        code = str(c["code"])
        city = ids.get(str(c.get("city")))
        if code in ids or city is None:
            continue
        name_zh, name_en = _bilingual(c.get("name"))
        ids[code] = Area.objects.create(
            key=code, kind="county", code=code, name_zh=name_zh, name_en=name_en, parent_id=city
        ).pk


class Migration(migrations.Migration):
    dependencies = [("geo", "0002_area_kind_county")]

    # Reversing keeps the rows: reference rows are disabled, never deleted.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
