"""Load the shipped GB/T 4754-2017 industry classes, so that a bare `eco311 manage migrate`
gives a database the survey can be imported into (before this, only the demo loaded them and
a valid workbook was rejected row by row on a fresh install).

Why a copy of the loader and not eco311.enterprises.reference: a migration runs against the
historical model of its own point in the history, while the loader uses today's model and
today's file format, both of which will change. So this reads the shipped file with its own
small reader, only inserts the classes that are missing, and skips a file whose schema is not
the one it knows (a later format is then loaded by `eco311 setup`, which also updates and
disables classes).
"""

from pathlib import Path

import yaml
from django.db import migrations

INDUSTRY_FILE = Path(__file__).resolve().parents[1] / "data" / "industry-codes.yaml"


def load(apps, schema_editor):
    IndustryCode = apps.get_model("enterprises", "IndustryCode")
    if not INDUSTRY_FILE.is_file():
        return
    data = yaml.safe_load(INDUSTRY_FILE.read_text(encoding="utf-8")) or {}
    if data.get("schema") != "eco311.industry-codes/1":
        return
    present = set(IndustryCode.objects.values_list("code", flat=True))
    missing = {}
    for row in data.get("codes") or []:
        code = str(row.get("code", ""))
        if len(code) == 4 and code.isdigit() and code not in present and row.get("zh"):
            missing[code] = IndustryCode(code=code, name_zh=row["zh"], name_en=row.get("en", ""))
    IndustryCode.objects.bulk_create(missing.values())


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0004_history_indexes")]

    # Reversing keeps the rows: reference rows are disabled, never deleted.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
