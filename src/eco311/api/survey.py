"""The survey import ledger and the workbook import.

The same rules as the /survey/ pages: the administrator and the provincial departments see the
ledger (``Actor.can_see_import_ledger``); only the administrator imports
(``Actor.can_import_survey``). An import is all or nothing and recorded in the ledger either
way; a rejected workbook answers 422 with its located errors and changes nothing else.
"""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status

from eco311.accounts.lookups import batches_for_user, get_batch_for_user
from eco311.accounts.scopes import actor
from eco311.api.common import (
    ERRORS,
    MAX_PAGE_SIZE,
    Bilingual,
    PageInfo,
    bilingual,
    paginate,
)
from eco311.enterprises import uploads
from eco311.enterprises.forms import SurveyUploadForm
from eco311.enterprises.models import ImportBatch
from eco311.enterprises.survey.validate import CellError

router = Router(tags=["survey"])
MAX_WARNINGS = 200  # an import answers with the first warnings; they do not block it


class CellErrorOut(Schema):
    sheet: str
    row: int | None = Field(description="Excel row, from 1 (null: the whole sheet)")
    column: str | None = Field(description="Excel column letter (null: the whole row)")
    field: str | None = Field(description="Survey field key")
    value: str | None = Field(description="The cell's value as text")
    code: str = Field(description="Machine-readable reason, e.g. negative, unknown_city")
    severity: Literal["error", "warning"]
    params: dict = Field(description="Details the message uses")
    message: Bilingual = Field(description="The located message, in Chinese and English")


class BatchOut(Schema):
    id: int
    file_name: str
    sha256: str = Field(description="SHA-256 of the uploaded file")
    year: int = Field(description="The reporting year the workbook was imported for")
    imported_by: str | None = Field(description="Username")
    imported_on: datetime
    outcome: Literal["applied", "rejected", "pending"] = Field(
        description="pending: a large upload waiting for, or in, its background import"
    )
    created: int = Field(description="Returns created")
    updated: int = Field(description="Returns changed")
    unchanged: int = Field(description="Returns already as in the file")
    rejected: int = Field(description="Rows with errors (a rejected file changes nothing)")
    n_errors: int = Field(description="Errors the ledger kept")


class BatchPage(PageInfo):
    items: list[BatchOut]


class BatchDetail(BatchOut):
    errors: list[CellErrorOut] = Field(description="The first errors, located")
    errors_truncated: bool = Field(
        description="The ledger kept only the first errors; the marked workbook on the "
        "/survey/ page has them all"
    )


class ImportOut(BatchDetail):
    warnings: list[CellErrorOut] = Field(
        description=f"The first {MAX_WARNINGS} problems that did not block the import"
    )


class ImportRejected(Schema):
    detail: str | dict | list = Field(
        description="A sentence for a rejected workbook; field -> messages for an upload the "
        "form refused, a list for a request without the file (then there is no ledger entry)"
    )
    batch: ImportOut | None = Field(
        None, description="The ledger entry of the rejected file (null: the upload was refused)"
    )


def _cell_error(e: CellError) -> dict:
    return {
        "sheet": e.sheet,
        "row": e.row,
        "column": e.column,
        "field": e.field_key,
        "value": e.value,
        "code": e.code,
        "severity": e.severity,
        "params": dict(e.params),
        "message": bilingual(e.message("zh"), e.message("en")),
    }


def _batch(b: ImportBatch) -> dict:
    return {
        "id": b.pk,
        "file_name": b.file_name,
        "sha256": b.sha256,
        "year": b.year,
        "imported_by": b.imported_by.username if b.imported_by else None,
        "imported_on": b.imported_on,
        "outcome": b.outcome,
        "created": b.created,
        "updated": b.updated,
        "unchanged": b.unchanged,
        "rejected": b.rejected,
        "n_errors": len(b.errors or []),
    }


def _batch_detail(b: ImportBatch) -> dict:
    return {
        **_batch(b),
        "errors": [_cell_error(e) for e in uploads.errors(b)],
        "errors_truncated": uploads.truncated(b),
    }


@router.get(
    "/survey/batches",
    response={200: BatchPage, **ERRORS},
    summary="The import ledger (administrator and departments)",
)
def list_batches(
    request,
    page: int = Query(1, ge=1),
    page_size: int = Query(uploads.LEDGER_SIZE, ge=1, le=MAX_PAGE_SIZE),
):
    """Every workbook import, newest first: which file, its hash, who, when, what it changed."""
    batches = batches_for_user(request).order_by("-imported_on", "-pk")
    info, items = paginate(batches, page, page_size)
    return {**info, "items": [_batch(b) for b in items]}


@router.get(
    "/survey/batches/{batch_id}",
    response={200: BatchDetail, **ERRORS},
    summary="One import: counts, outcome and the first errors",
)
def get_batch(request, batch_id: int):
    return _batch_detail(get_batch_for_user(request, batch_id))


@router.post(
    "/survey/import",
    response={201: ImportOut, 202: ImportOut, **ERRORS, 422: ImportRejected},
    summary="Import a filled survey workbook (administrator)",
)
def import_workbook(
    request,
    file: Annotated[UploadedFile, File(description="The filled workbook (.xlsx, ≤ 50 MB)")],
    year: Annotated[int, Form(description="Reporting year, 2000–2100; every row must report it")],
    approve: Annotated[bool, Form(description="Approve the returns on import")] = False,
):
    """Import a filled survey workbook (.xlsx, at most 50 MB) for one reporting year, all or
    nothing, as the upload on the /survey/ page does. `approve` approves the returns at once
    (they then count in the indicators, which are recomputed); otherwise they wait as
    submitted. Applied: 201 with the counts. Rejected: 422 with the located errors, and
    nothing but the ledger entry is written. A large file (above ECO311_IMPORT_BACKGROUND_KB)
    is imported by a background job, one import at a time: 202 with the pending ledger entry;
    follow it at `GET /api/survey/batches/{id}`. Needs a bearer token of the administrator."""
    a = actor(request)
    a.require(a.can_import_survey)
    form = SurveyUploadForm({"year": year, "approve": approve}, {"file": file})
    if not form.is_valid():
        # The declared 422 body: detail (field -> messages) and no ledger entry.
        detail = {k: list(v) for k, v in form.errors.items()}
        return Status(422, {"detail": detail, "batch": None})
    data = form.cleaned_data
    batch, outcome = uploads.receive_upload(
        data["file"], year=data["year"], user=request.user, approve=data["approve"]
    )
    if outcome is None:  # a large file: queued, imported by a job
        return Status(202, {**_batch_detail(batch), "warnings": []})
    body = {
        **_batch_detail(batch),
        "warnings": [_cell_error(w) for w in outcome.warnings[:MAX_WARNINGS]],
    }
    if not outcome.ok:
        n = len(outcome.errors)
        return Status(
            422,
            {
                "detail": f"the workbook was rejected ({n} errors); nothing was imported",
                "batch": body,
            },
        )
    return Status(201, body)
