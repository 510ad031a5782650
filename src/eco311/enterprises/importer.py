"""Importing filled survey workbooks: all or nothing, idempotent, recorded in the ledger.

The pure core (enterprises/survey) reads and validates; this module decides what changes,
writes it in one transaction with history rows, and records an ImportBatch either way.

A workbook holds up to a hundred thousand returns, so the writing bypasses the ORM's per-object
work (bench/survey_import.py measures it): the registry and the year's returns are read as
tuples and compared as tuples; new rows and their django-simple-history rows go in with one
executemany per table on SQLite and COPY on PostgreSQL; changed rows are updated with one
executemany. The history rows are the ones ``bulk_create_with_history`` /
``bulk_update_with_history`` would write: the row's full new state, history type "+" or "~",
the importing user and the change reason "import <batch id>", for every created or changed row
and for nothing else.
"""

import gc
import hashlib
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from eco311.core.signals import rows_written
from eco311.enterprises import kpis
from eco311.enterprises.models import (
    RETURN_FIELDS,
    AnnualReturn,
    Enterprise,
    FormerName,
    ImportBatch,
    IndustryCode,
)
from eco311.enterprises.survey.archive import Limits
from eco311.enterprises.survey.validate import CellError, CleanRows, ValidationContext
from eco311.enterprises.survey.workbook import RETURNS_SHEET, check_workbook, highlight_errors
from eco311.geo.models import Area

REGISTRY_FIELDS = ("name", "county_code", "segment", "main_products")
KEEP_ERRORS = 500  # the ledger keeps the first errors; the highlighted workbook has them all
#: Refusals of the whole file: it was never opened as a workbook, so there is nothing to mark.
UNMARKABLE = frozenset({"unreadable", "too_large", "import_failed"})

# The registry fields an import sets (attnames), in the order they are compared.
_ENTERPRISE_VALUES = (
    "name",
    "city_id",
    "county_code",
    "park_id",
    "industry_id",
    "segment",
    "main_products",
)
_AUDIT = ("synthetic", "created_on", "modified_on", "created_by_id", "modified_by_id")
# Insert columns: every concrete field but the primary key (checked by _columns()).
_ENTERPRISE_COLUMNS = ("uscc", *_ENTERPRISE_VALUES, *_AUDIT)
_RETURN_COLUMNS = ("enterprise_id", "year", "status", "batch_id", *RETURN_FIELDS, *_AUDIT)
_HISTORY_EXTRA = ("history_date", "history_change_reason", "history_type", "history_user_id")
_TEXT_RETURN_FIELDS = ("main_product_unit", "credit_rating")  # blank is "", not NULL
# Above this many rows, the whole registry (or year) is read rather than looked up in chunks.
_SCAN_FROM = 2000
_CHUNK = 500


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
    counties = dict(
        Area.objects.filter(kind=Area.Kind.COUNTY, is_active=True).values_list(
            "code", "parent__code"
        )
    )
    context = ValidationContext.from_areas(
        # No county table loaded yet (areas loaded before counties existed): then a county
        # code is only checked against its city's prefix.
        counties=counties or None,
        industries=set(IndustryCode.objects.filter(is_active=True).values_list("code", flat=True)),
    )
    context.cities = frozenset(cities)
    context.parks = parks
    return context


def import_limits() -> Limits:
    """How large a workbook may be (settings ECO311_IMPORT_*; see settings.py)."""
    mb = 1 << 20
    return Limits(
        max_rows=getattr(settings, "ECO311_IMPORT_MAX_ROWS", Limits.max_rows),
        max_columns=getattr(settings, "ECO311_IMPORT_MAX_COLUMNS", Limits.max_columns),
        max_uncompressed=getattr(settings, "ECO311_IMPORT_MAX_UNCOMPRESSED_MB", 1024) * mb,
        max_member=getattr(settings, "ECO311_IMPORT_MAX_PART_MB", 512) * mb,
        max_ratio=getattr(settings, "ECO311_IMPORT_MAX_RATIO", Limits.max_ratio),
    )


def markable(errors: Iterable[CellError]) -> bool:
    """Whether a marked copy of the file can be made: it was read as a workbook at all."""
    return not any(e.code in UNMARKABLE for e in errors)


def highlighted(data: bytes, errors: list[CellError], lang: str = "zh") -> bytes:
    """The user's workbook with every bad cell marked and commented in their language.

    ValueError for a file that was refused whole (:func:`markable`): openpyxl would trust the
    same hostile sizes the reader refused.
    """
    if not markable(errors):
        raise ValueError("the file was not read as a workbook: there is nothing to mark")
    return highlight_errors(data, errors, lang)


Progress = Callable[[float, str, str], None]


def _no_progress(fraction: float, zh: str = "", en: str = "") -> None:
    return None


def import_returns(
    data: bytes,
    *,
    year: int,
    file_name: str,
    user=None,
    approve=False,
    batch: ImportBatch | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Import a workbook, all or nothing; the ledger entry records the outcome either way.

    ``batch``: a pending ledger entry made when the upload was queued (uploads.queue_upload);
    it is completed rather than a new one created. ``progress(fraction, zh, en)`` hears of
    each stage (a background job passes its Context.progress).
    """
    with _collector_paused():
        return _import(
            data,
            year=year,
            file_name=file_name,
            user=user,
            approve=approve,
            batch=batch,
            progress=progress or _no_progress,
        )


def failed(batch: ImportBatch, reason: str) -> None:
    """Record that a queued import could not finish (the job failed): nothing was imported."""
    error = CellError(RETURNS_SHEET, None, None, None, None, "import_failed", {"reason": reason})
    ImportBatch.objects.filter(pk=batch.pk, outcome=ImportBatch.Outcome.PENDING).update(
        outcome=ImportBatch.Outcome.REJECTED, rejected=1, errors=[error.to_dict()]
    )


_pause_lock = threading.Lock()
_pauses = 0
_resume = False


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while a workbook is imported.

    An import holds millions of short-lived cells, rows and tuples; the collector would scan
    them all several times over (about 6 % of an import of 100,000 returns) and find no
    cycles to free. Nested or concurrent imports resume it when the last one ends.
    """
    global _pauses, _resume
    with _pause_lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


def _import(
    data: bytes,
    *,
    year: int,
    file_name: str,
    user,
    approve: bool,
    batch: ImportBatch | None,
    progress: Progress,
) -> ImportOutcome:
    digest = hashlib.sha256(data).hexdigest()
    progress(0.05, "读取并校验工作簿", "reading and checking the workbook")
    _read, result = check_workbook(
        data, year=year, context=validation_context(), limits=import_limits()
    )
    entry = {"file_name": file_name, "sha256": digest, "year": year, "imported_by": user}
    if not result.ok:
        rejected = {
            "outcome": ImportBatch.Outcome.REJECTED,
            "rejected": len(result.error_rows) or 1,
            "errors": [e.to_dict() for e in result.errors[:KEEP_ERRORS]],
        }
        batch = _record(batch, {**entry, **rejected})
        return ImportOutcome(batch, result.errors, result.warnings)
    # Progress is reported outside the transaction: inside it, nobody else would see it.
    progress(0.5, "写入年报", "writing the returns")
    with transaction.atomic():
        batch = _record(batch, {**entry, "outcome": ImportBatch.Outcome.APPLIED})
        enterprises = _apply(batch, result.rows, year, user, approve)
        for hook in list(_IMPORT_HOOKS.values()):  # inside: a hook that fails undoes the import
            hook.apply(batch, enterprises, _columns(result.rows, hook.keys), user)
        batch.save(update_fields=["created", "updated", "unchanged"])
    if approve:
        progress(0.9, "重新计算指标", "recomputing the indicators")
        kpis.recompute()
    return ImportOutcome(batch, [], result.warnings)


@dataclass(frozen=True)
class ImportHook:
    """What another app does with the rows of an applied import (see register_import_hook)."""

    keys: tuple[str, ...]
    apply: Callable[[ImportBatch, list[int], dict[str, list], object], None]


_IMPORT_HOOKS: dict[str, ImportHook] = {}


def register_import_hook(
    name: str,
    keys: Sequence[str],
    apply: Callable[[ImportBatch, list[int], dict[str, list], object], None],
) -> None:
    """Have ``apply(batch, enterprise_ids, values, user)`` called for every applied import,
    inside its transaction once the registry and the returns are written: ``enterprise_ids``
    one per clean row, ``values`` key -> the typed values of ``keys`` in the same order. For
    dictionary fields stored outside enterprises (the chain-node column becomes the chains'
    declared placements, chains/apps.py). Registering again replaces."""
    _IMPORT_HOOKS[name] = ImportHook(tuple(keys), apply)


def unregister_import_hook(name: str) -> None:
    _IMPORT_HOOKS.pop(name, None)


def _record(batch: ImportBatch | None, fields: dict) -> ImportBatch:
    """The ledger entry: a new one, or the pending entry of a queued upload, completed."""
    if batch is None:
        return ImportBatch.objects.create(**fields)
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.save()
    return batch


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


class _Writer:
    """Bulk inserts and updates of plain tuples, and the history rows of what was written.

    History rows are copied inside the database (INSERT ... SELECT) from the rows just written:
    the full new state of each row, as django-simple-history records it.
    """

    def __init__(self, batch: ImportBatch, user):
        self.now = timezone.now()
        self.db_now = connection.ops.adapt_datetimefield_value(self.now)
        # In the rows of an insert (COPY reads text): the timestamp as text, made once.
        self.row_now = self.now.isoformat() if connection.vendor == "postgresql" else self.db_now
        self.user_id = user.pk if user is not None else None
        self.reason = f"import {batch.pk}"
        self.history = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        self.history_user = {
            model: _pk(user or model.history.model.get_default_history_user(None))
            for model in (Enterprise, AnnualReturn)
        }
        self.postgres = connection.vendor == "postgresql"

    @staticmethod
    def _names(model: type[models.Model], columns: Sequence[str]) -> list[str]:
        qn = connection.ops.quote_name
        return [qn(model._meta.get_field(c).column) for c in columns]

    def insert(self, model: type[models.Model], columns: Sequence[str], rows: list) -> None:
        """Insert ``rows`` (tuples in ``columns`` order): COPY on PostgreSQL, else executemany."""
        if not rows:
            return
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(self._names(model, columns))
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    write = copy.write_row
                    for row in rows:
                        write(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def storable(self, model: type[models.Model], fields: Sequence[str], columns: list[list]):
        """``columns`` of ``fields`` as they are written: decimals as their text.

        The text of a Decimal is what Django's SQLite adapter hands SQLite for it (which
        stores it as a number) and what COPY reads into a numeric column: the same values,
        without a Python call per value in the driver.
        """
        out = []
        for name, values in zip(fields, columns, strict=True):
            if isinstance(model._meta.get_field(name), models.DecimalField):
                values = [None if v is None else str(v) for v in values]
            out.append(values)
        return out

    def update(self, model: type[models.Model], columns: Sequence[str], rows: list) -> None:
        """``UPDATE ... SET columns WHERE pk`` for each row: the values, then the primary key."""
        if not rows:
            return
        meta = model._meta
        qn = connection.ops.quote_name
        sets = ", ".join(f"{name} = %s" for name in self._names(model, columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(meta.pk.column)} = %s", rows
            )

    def copy_history(
        self, model: type[models.Model], kind: str, *, batch=None, pks: Sequence[int] = ()
    ) -> None:
        """History rows (type ``kind``) for the rows of ``model`` in ``batch`` or with ``pks``."""
        if not self.history or (batch is None and not pks):
            return
        history = model.history.model
        columns = [f.attname for f in model._meta.concrete_fields]
        qn = connection.ops.quote_name
        target = ", ".join(self._names(history, [*columns, *_HISTORY_EXTRA]))
        source = ", ".join(self._names(model, columns))
        sql = (
            f"INSERT INTO {qn(history._meta.db_table)} ({target}) "
            f"SELECT {source}, %s, %s, %s, %s FROM {qn(model._meta.db_table)} WHERE "
        )
        extra = [self.db_now, self.reason, kind, self.history_user[model]]
        with connection.cursor() as cursor:
            if batch is not None:
                batch_column = qn(model._meta.get_field("batch").column)
                cursor.execute(f"{sql}{batch_column} = %s", [*extra, batch.pk])
                return
            pk = qn(model._meta.pk.column)
            singles = []
            for first, last in _runs(pks):
                if last - first < 8:
                    singles.extend(range(first, last + 1))
                else:  # e.g. the new enterprises: one range
                    cursor.execute(f"{sql}{pk} BETWEEN %s AND %s", [*extra, first, last])
            for chunk in _chunks(singles, _CHUNK):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"{sql}{pk} IN ({marks})", [*extra, *chunk])


def _runs(numbers: Iterable[int]):
    """Runs of consecutive numbers: (first, last) pairs, in order."""
    first = last = None
    for n in sorted(numbers):
        if last is not None and n == last + 1:
            last = n
            continue
        if first is not None:
            yield first, last
        first = last = n
    if first is not None:
        yield first, last


def _pk(user):
    return getattr(user, "pk", None)


def _check_columns() -> None:
    """The insert columns must be every field of the table, and the history table its copy."""
    for model, columns in (
        (Enterprise, _ENTERPRISE_COLUMNS),
        (AnnualReturn, _RETURN_COLUMNS),
    ):
        fields = {f.attname for f in model._meta.concrete_fields if not f.primary_key}
        history = {
            f.attname for f in model.history.model._meta.concrete_fields if not f.primary_key
        }
        if set(columns) != fields or {"id", *columns, *_HISTORY_EXTRA} != history:
            raise RuntimeError(f"importer: the columns of {model.__name__} have changed")


def _chunks(items: Sequence, size: int = _CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _rows_of(queryset, key: str, wanted: set, fields: Sequence[str]) -> dict:
    """``key value -> (fields...)`` for the rows whose ``key`` is in ``wanted``.

    Many wanted keys: one pass over ``queryset``; few: look-ups in chunks.
    """
    if not wanted:
        return {}
    found = {}
    if len(wanted) >= _SCAN_FROM:
        for row in queryset.values_list(key, *fields).iterator(chunk_size=10_000):
            if row[0] in wanted:
                found[row[0]] = row[1:]
        return found
    for chunk in _chunks(sorted(wanted)):
        for row in queryset.filter(**{f"{key}__in": chunk}).values_list(key, *fields):
            found[row[0]] = row[1:]
    return found


def _apply(batch: ImportBatch, rows, year: int, user, approve: bool) -> list[int]:
    """Write the rows; return the enterprise id of each row, in row order."""
    _check_columns()
    w = _Writer(batch, user)
    columns = _columns(rows, {"uscc", *_ENTERPRISE_KEYS, *RETURN_FIELDS})
    ids, existed = _upsert_enterprises(w, columns, year)
    status = AnnualReturn.Status.APPROVED if approve else AnnualReturn.Status.SUBMITTED
    enterprises = [ids[uscc] for uscc in columns["uscc"]]
    counts = _upsert_returns(w, columns, enterprises, existed, year, status, batch, approve)
    batch.created, batch.updated, batch.unchanged = counts
    return enterprises


_ENTERPRISE_KEYS = (
    "name",
    "city_code",
    "county_code",
    "park_key",
    "industry_code",
    "segment",
    "main_products",
)


def _columns(rows, keys) -> dict[str, list]:
    """Field key -> its typed values, one per clean row, in row order."""
    if isinstance(rows, CleanRows):
        return {key: rows.column(key) for key in keys}
    return {key: [r.values.get(key) for r in rows] for key in keys}


def _upsert_enterprises(w: _Writer, col: dict[str, list], year: int) -> tuple[dict, set]:
    """Create the new enterprises, update the changed ones.

    Returns ``uscc -> id`` for every row and the ids of the enterprises that existed before.
    """
    cities = dict(Area.objects.filter(kind="city").values_list("code", "id"))
    parks = dict(Area.objects.filter(kind="park").values_list("key", "id"))
    industries = dict(IndustryCode.objects.values_list("code", "id"))
    usccs = col["uscc"]
    wanted_columns = (  # in _ENTERPRISE_VALUES order
        col["name"],
        [cities[c] for c in col["city_code"]],
        [c or "" for c in col["county_code"]],
        [parks.get(p) if p else None for p in col["park_key"]],
        [industries[c] for c in col["industry_code"]],
        col["segment"],
        [p or "" for p in col["main_products"]],
    )
    existing = _rows_of(
        Enterprise.objects.order_by(), "uscc", set(usccs), ("id", *_ENTERPRISE_VALUES)
    )
    audit_new = (False, w.row_now, w.row_now, w.user_id, None)
    new, changed, renamed = [], [], []
    if not existing:  # all new: no comparisons
        new = list(zip(usccs, *wanted_columns, *map(repeat, audit_new), strict=False))
    else:
        for uscc, wanted in zip(usccs, zip(*wanted_columns, strict=True), strict=True):
            stored = existing.get(uscc)
            if stored is None:
                new.append((uscc, *wanted, *audit_new))
            elif stored[1:] != wanted:
                pk = stored[0]
                if stored[1] != wanted[0]:
                    until = date(year, 12, 31)
                    renamed.append(FormerName(enterprise_id=pk, name=stored[1], until=until))
                changed.append((*wanted, w.db_now, w.user_id, pk))

    ids = {uscc: values[0] for uscc, values in existing.items()}
    existed = set(ids.values())
    if new:
        before = Enterprise.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        w.insert(Enterprise, _ENTERPRISE_COLUMNS, new)
        fresh = {r[0] for r in new}
        added = []
        for uscc, pk in (
            Enterprise.objects.filter(pk__gt=before).order_by().values_list("uscc", "pk")
        ):
            if uscc in fresh:
                ids[uscc] = pk
                added.append(pk)
        w.copy_history(Enterprise, "+", pks=added)
    if changed:
        w.update(Enterprise, (*_ENTERPRISE_VALUES, "modified_on", "modified_by_id"), changed)
        w.copy_history(Enterprise, "~", pks=[row[-1] for row in changed])
        FormerName.objects.bulk_create(renamed)
    rows_written.send(Enterprise, ids=[ids[r[0]] for r in new] + [r[-1] for r in changed])
    return ids, existed


def _return_columns(col: dict[str, list]) -> list[list]:
    """The RETURN_FIELDS columns as the table stores them (blank text "", blank flag False)."""
    out = []
    for f in RETURN_FIELDS:
        values = col[f]
        if f in _TEXT_RETURN_FIELDS:
            values = ["" if v is None else v for v in values]
        elif f == "major_violation":
            values = [bool(v) for v in values]
        out.append(values)
    return out


def _upsert_returns(
    w: _Writer,
    col: dict[str, list],
    enterprises: list[int],
    existed: set[int],
    year: int,
    status: str,
    batch: ImportBatch,
    approve: bool,
) -> tuple[int, int, int]:
    """Create the new returns, update the changed ones; (created, updated, unchanged)."""
    stored = _rows_of(
        AnnualReturn.objects.filter(year=year).order_by(),
        "enterprise_id",
        existed.intersection(enterprises),
        ("id", "status", *RETURN_FIELDS),
    )
    values_columns = _return_columns(col)  # compared with what is stored
    written_columns = w.storable(AnnualReturn, RETURN_FIELDS, values_columns)
    audit_new = (False, w.row_now, w.row_now, w.user_id, None)
    audit_changed = (status, batch.pk, w.db_now, w.user_id)
    new, changed = [], []
    unchanged = 0
    if not stored:  # all new: no comparisons
        new = list(
            zip(
                enterprises,
                repeat(year),
                repeat(status),
                repeat(batch.pk),
                *written_columns,
                *map(repeat, audit_new),
                strict=False,
            )
        )
    else:
        rows = zip(
            enterprises,
            zip(*values_columns, strict=True),
            zip(*written_columns, strict=True),
            strict=True,
        )
        for enterprise, values, written in rows:
            current = stored.get(enterprise)
            if current is None:
                new.append((enterprise, year, status, batch.pk, *written, *audit_new))
            elif current[2:] != values or (approve and current[1] != status):
                changed.append((*written, *audit_changed, current[0]))
            else:
                unchanged += 1

    if new:
        w.insert(AnnualReturn, _RETURN_COLUMNS, new)
        w.copy_history(AnnualReturn, "+", batch=batch)  # before the updates join the batch
    if changed:
        w.update(
            AnnualReturn,
            (*RETURN_FIELDS, "status", "batch_id", "modified_on", "modified_by_id"),
            changed,
        )
        w.copy_history(AnnualReturn, "~", pks=[row[-1] for row in changed])
    return len(new), len(changed), unchanged
