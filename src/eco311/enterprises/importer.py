"""Importing filled survey workbooks: all or nothing, idempotent, recorded in the ledger.

The pure core (enterprises/survey) reads and validates; this module decides what changes,
writes it in one transaction with history rows, and records an ImportBatch either way.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from eco311.enterprises import kpis
from eco311.enterprises.models import (
    AnnualReturn,
    Enterprise,
    FormerName,
    ImportBatch,
    IndustryCode,
)
from eco311.enterprises.survey.synthetic import COUNTIES
from eco311.enterprises.survey.validate import CellError, ValidationContext
from eco311.enterprises.survey.workbook import check_workbook, highlight_errors
from eco311.geo.models import Area

REGISTRY_FIELDS = ("name", "county_code", "segment", "main_products")
RETURN_FIELDS = tuple(
    f.name
    for f in AnnualReturn._meta.concrete_fields
    if f.name
    not in {
        "id",
        "enterprise",
        "year",
        "status",
        "batch",
        "synthetic",
        "created_on",
        "modified_on",
        "created_by",
        "modified_by",
    }
)
KEEP_ERRORS = 500  # the ledger keeps the first errors; the highlighted workbook has them all


@dataclass
class ImportOutcome:
    batch: ImportBatch
    errors: list[CellError] = field(default_factory=list)
    warnings: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.batch.outcome == ImportBatch.Outcome.APPLIED


def validation_context() -> ValidationContext:
    """Checks against the active reference data in the database."""
    cities = {a.code for a in Area.objects.filter(kind="city", is_active=True)}
    parks = {
        a.key: (a.parent.code if a.parent else None)
        for a in Area.objects.filter(kind="park", is_active=True).select_related("parent")
    }
    # The county list ships with the synthetic generator until geo has a county table.
    counties = {county: city for city, rows in COUNTIES.items() for county, _name in rows}
    context = ValidationContext.from_areas(
        counties=counties,
        industries=set(IndustryCode.objects.filter(is_active=True).values_list("code", flat=True)),
    )
    context.cities = frozenset(cities)
    context.parks = parks
    return context


def highlighted(data: bytes, errors: list[CellError], lang: str = "zh") -> bytes:
    """The user's workbook with every bad cell marked and commented in their language."""
    return highlight_errors(data, errors, lang)


def import_returns(
    data: bytes, *, year: int, file_name: str, user=None, approve=False
) -> ImportOutcome:
    digest = hashlib.sha256(data).hexdigest()
    _read, result = check_workbook(data, year=year, context=validation_context())
    if not result.ok:
        batch = ImportBatch.objects.create(
            file_name=file_name,
            sha256=digest,
            year=year,
            imported_by=user,
            outcome=ImportBatch.Outcome.REJECTED,
            rejected=len(result.error_rows) or 1,
            errors=[e.to_dict() for e in result.errors[:KEEP_ERRORS]],
        )
        return ImportOutcome(batch, result.errors, result.warnings)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            file_name=file_name,
            sha256=digest,
            year=year,
            imported_by=user,
            outcome=ImportBatch.Outcome.APPLIED,
        )
        _apply(batch, result.rows, year, user, approve)
        batch.save()
    if approve:
        kpis.recompute()
    return ImportOutcome(batch, [], result.warnings)


def _apply(batch: ImportBatch, rows, year: int, user, approve: bool) -> None:
    cities = {a.code: a for a in Area.objects.filter(kind="city")}
    parks = {a.key: a for a in Area.objects.filter(kind="park")}
    industries = {c.code: c for c in IndustryCode.objects.all()}
    usccs = [r.uscc for r in rows]
    existing = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=usccs)}
    new, changed, renamed = [], [], []
    for r in rows:
        v = r.values
        wanted = {
            "name": v["name"],
            "city": cities[v["city_code"]],
            "county_code": v.get("county_code") or "",
            "park": parks.get(v.get("park_key")) if v.get("park_key") else None,
            "industry": industries[v["industry_code"]],
            "segment": v["segment"],
            "main_products": v.get("main_products") or "",
        }
        e = existing.get(r.uscc)
        if e is None:
            new.append(Enterprise(uscc=r.uscc, created_by=user, **wanted))
            continue
        diff = {
            k: val
            for k, val in wanted.items()
            if (getattr(e, f"{k}_id") if k in ("city", "park", "industry") else getattr(e, k))
            != (val.pk if k in ("city", "park", "industry") and val is not None else val)
        }
        if diff:
            if "name" in diff:
                renamed.append(FormerName(enterprise=e, name=e.name, until=date(year, 12, 31)))
            for k, val in diff.items():
                setattr(e, k, val)
            e.modified_by = user
            changed.append(e)
    if new:
        bulk_create_with_history(
            new,
            Enterprise,
            batch_size=2000,
            default_user=user,
            default_change_reason=f"import {batch.pk}",
        )
    if changed:
        bulk_update_with_history(
            changed,
            Enterprise,
            [*REGISTRY_FIELDS, "city", "park", "industry", "modified_by"],
            batch_size=2000,
            default_user=user,
            default_change_reason=f"import {batch.pk}",
        )
    FormerName.objects.bulk_create(renamed)
    ids = dict(Enterprise.objects.filter(uscc__in=usccs).values_list("uscc", "id"))

    status = AnnualReturn.Status.APPROVED if approve else AnnualReturn.Status.SUBMITTED
    current = {
        a.enterprise_id: a
        for a in AnnualReturn.objects.filter(year=year, enterprise_id__in=ids.values())
    }
    create, update = [], []
    for r in rows:
        values = {f: _field_value(f, r.values.get(f)) for f in RETURN_FIELDS}
        ret = current.get(ids[r.uscc])
        if ret is None:
            create.append(
                AnnualReturn(
                    enterprise_id=ids[r.uscc],
                    year=year,
                    status=status,
                    batch=batch,
                    created_by=user,
                    **values,
                )
            )
            continue
        diff = [f for f, val in values.items() if getattr(ret, f) != val]
        if not diff and (ret.status == status or not approve):
            batch.unchanged += 1
            continue
        for f in diff:
            setattr(ret, f, values[f])
        ret.status, ret.batch, ret.modified_by = status, batch, user
        update.append(ret)
    if create:
        bulk_create_with_history(
            create,
            AnnualReturn,
            batch_size=2000,
            default_user=user,
            default_change_reason=f"import {batch.pk}",
        )
    if update:
        bulk_update_with_history(
            update,
            AnnualReturn,
            [*RETURN_FIELDS, "status", "batch", "modified_by", "modified_on"],
            batch_size=2000,
            default_user=user,
            default_change_reason=f"import {batch.pk}",
        )
        AnnualReturn.objects.filter(pk__in=[u.pk for u in update]).update(
            modified_on=timezone.now()
        )
    batch.created, batch.updated = len(create), len(update)


def _field_value(name: str, value):
    if name == "major_violation":
        return bool(value)
    if name in ("main_product_unit", "credit_rating"):
        return value or ""
    return value
