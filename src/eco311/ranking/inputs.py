"""The ranking's input table, made from two years of annual survey returns (pure, no Django).

The 311 methodology (ranking/data/methodology-311.yaml) ranks enterprises on columns that the
survey either gives directly (environmental revenue, patents, violations) or that follow from
it by a rule written here once: growth against the previous year's return, standards drafted,
the tax credit grade as a number. Ratios (R&D intensity, margins, productivity) are not made
here: the methodology divides by its denominator columns, so the file shows them.

    rows = input_rows(returns_of_year, returns_of_previous_year)
    table = DataTable.from_records(rows, "uscc")

Each return is a mapping with the survey's field keys (enterprises/survey/dictionary.yaml) plus
``uscc``, ``name``, ``city_code`` and ``segment``; numbers may be Decimal, float, int or None.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

#: The tax credit grades (State Taxation Administration) as a score: A best, D worst.
CREDIT_SCORES = {"A": 4.0, "B": 3.0, "M": 2.0, "C": 1.0, "D": 0.0}

#: Growth is only measured from a base of at least this much (万元): from almost nothing, any
#: growth rate is noise.
GROWTH_BASE_MIN = 10.0

#: Columns copied from the return as they are (万元, persons, counts).
COPIED = (
    "total_revenue",
    "output_value",
    "added_value",
    "profit",
    "taxes",
    "exports",
    "rd_spending",
    "rd_staff",
    "employees",
    "invention_patents",
    "env_violations",
)

#: The fields of a return that the rows are made from.
RETURN_FIELDS = (
    "env_revenue_manufacturing",
    "env_revenue_services",
    "env_revenue_resource",
    *COPIED,
    "standards_national",
    "standards_industry",
    "credit_rating",
    "major_violation",
)

#: Every column of a row, in order (``uscc`` is the unit column).
COLUMNS = (
    "uscc",
    "name",
    "city_code",
    "segment",
    "env_revenue",
    *COPIED,
    "standards",
    "credit_score",
    "major_violation",
    "env_revenue_growth",
    "added_value_growth",
    "employees_growth",
)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return float(value)
    number = float(value) if isinstance(value, (int, float, Decimal)) else float(str(value))
    return None if math.isnan(number) else number


def env_revenue(ret: Mapping[str, Any]) -> float | None:
    """Environmental revenue: the sum of the three segments' revenues that were reported."""
    parts = [
        _number(ret.get(k))
        for k in ("env_revenue_manufacturing", "env_revenue_services", "env_revenue_resource")
    ]
    present = [p for p in parts if p is not None]
    return sum(present) if present else None


def growth(now: float | None, before: float | None) -> float | None:
    """Growth in per cent over the previous year; None without a usable base."""
    if now is None or before is None or before < GROWTH_BASE_MIN:
        return None
    return (now / before - 1.0) * 100.0


def _standards(ret: Mapping[str, Any]) -> float | None:
    parts = [_number(ret.get(k)) for k in ("standards_national", "standards_industry")]
    present = [p for p in parts if p is not None]
    return sum(present) if present else None


def input_row(ret: Mapping[str, Any], previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """One enterprise's row from its return and (if any) its previous year's return."""
    row: dict[str, Any] = {
        "uscc": ret["uscc"],
        "name": ret.get("name"),
        "city_code": ret.get("city_code"),
        "segment": ret.get("segment"),
        "env_revenue": env_revenue(ret),
    }
    for key in COPIED:
        row[key] = _number(ret.get(key))
    row["standards"] = _standards(ret)
    row["credit_score"] = CREDIT_SCORES.get(str(ret.get("credit_rating") or "").strip().upper())
    row["major_violation"] = 1.0 if ret.get("major_violation") else 0.0
    prev = previous or {}
    row["env_revenue_growth"] = growth(row["env_revenue"], env_revenue(prev) if prev else None)
    row["added_value_growth"] = growth(row["added_value"], _number(prev.get("added_value")))
    row["employees_growth"] = growth(row["employees"], _number(prev.get("employees")))
    return row


def input_rows(
    returns: Iterable[Mapping[str, Any]], previous: Iterable[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """The rows of a ranking year: one per return of the year, in credit-code order."""
    before = {r["uscc"]: r for r in previous}
    rows = [input_row(r, before.get(r["uscc"])) for r in returns]
    rows.sort(key=lambda r: r["uscc"])
    return rows
