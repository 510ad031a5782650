"""Reference data for the survey: GB/T 4754-2017 industry classes (a curated subset)."""

import re
from pathlib import Path

import yaml
from django.db import transaction

from eco311.core.refdata import Changes, disable_missing, save_row
from eco311.enterprises.models import IndustryCode

INDUSTRY_FILE = Path(__file__).parent / "data" / "industry-codes.yaml"


def read_industry_codes(path: Path = INDUSTRY_FILE) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("schema") != "eco311.industry-codes/1":
        raise ValueError(f"{path.name}: schema must be eco311.industry-codes/1")
    codes = data.get("codes") or []
    seen = set()
    for i, row in enumerate(codes):
        code = str(row.get("code", ""))
        if not re.fullmatch(r"\d{4}", code):
            raise ValueError(f"{path.name}: codes[{i}].code: four digits expected, got {code!r}")
        if code in seen:
            raise ValueError(f"{path.name}: codes[{i}].code: {code} appears twice")
        if not row.get("zh"):
            raise ValueError(f"{path.name}: codes[{i}].zh: the Chinese name is required")
        seen.add(code)
    return codes


@transaction.atomic
def sync_industry_codes(path: Path = INDUSTRY_FILE) -> Changes:
    """Create or update the classes in the file; classes no longer in it are disabled.

    Idempotent: loading the same file again writes nothing.
    """
    codes = read_industry_codes(path)
    changes = Changes()
    for row in codes:
        values = {
            "name_zh": row["zh"],
            "name_en": row.get("en", ""),
            "is_active": True,
            "disabled_on": None,
        }
        save_row(IndustryCode, changes, {"code": str(row["code"])}, values)
    disable_missing(IndustryCode.objects.exclude(code__in=[str(r["code"]) for r in codes]), changes)
    return changes


def load_industry_codes(path: Path = INDUSTRY_FILE) -> int:
    """sync_industry_codes, returning the number of classes in the file."""
    return sync_industry_codes(path).total
