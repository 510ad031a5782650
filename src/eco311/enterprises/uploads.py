"""Survey workbooks through the web: the template, uploads kept for the ledger, marked copies.

The import itself is ``importer.import_returns`` (all or nothing, recorded in the ledger); this
module keeps each uploaded file under MEDIA_ROOT/imports/<batch id>.xlsx so that a rejected
file's marked copy can be regenerated later, in the language of whoever asks for it.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from eco311.core import jobs
from eco311.core.jobs import JobState
from eco311.core.models import Job
from eco311.enterprises import importer
from eco311.enterprises.models import ImportBatch
from eco311.enterprises.survey.validate import CellError
from eco311.enterprises.survey.workbook import check_workbook, write_template

# The kind of the import job (its handler: enterprises/jobs.py).
JOB_KIND = "survey.import"

LEDGER_SIZE = 50
KEEP_WARNINGS = 200  # the batch page shows the first warnings of an import


def template(lang: str = "zh", year: int | None = None) -> bytes:
    """The empty survey template, headings in the user's language first."""
    out = io.BytesIO()
    order = ("en", "zh") if lang == "en" else ("zh", "en")
    write_template(out, lang_order=order, year=year)
    return out.getvalue()


def _folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def stored_path(batch: ImportBatch) -> Path:
    return _folder() / f"{batch.pk}.xlsx"


def store(batch: ImportBatch, data: bytes) -> Path:
    path = stored_path(batch)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def stored(batch: ImportBatch) -> bytes | None:
    """The uploaded file of a batch, if kept and still the file the ledger recorded."""
    path = stored_path(batch)
    if not path.is_file():
        return None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != batch.sha256:
        return None  # a stale file from another database: never serve it for this batch
    return data


def import_upload(data: bytes, *, file_name: str, year: int, user, approve: bool):
    """Import an uploaded workbook and keep the file, keyed by its ledger entry."""
    outcome = importer.import_returns(
        data, year=year, file_name=file_name, user=user, approve=approve
    )
    store(outcome.batch, data)
    return outcome


def in_background(size: int) -> bool:
    """Whether an upload of ``size`` bytes is imported by a background job (a large one)."""
    return size > settings.ECO311_IMPORT_BACKGROUND_KB * 1024


def receive_upload(upload, *, year: int, user, approve: bool):
    """Take an uploaded workbook (the page's or the API's): a large one gets its pending ledger
    entry and a queued import, and the outcome is None; a small one is imported at once.
    Returns (ledger entry, outcome)."""
    fields = {"file_name": upload.name[:255], "year": year, "user": user, "approve": approve}
    if in_background(upload.size):
        return queue_upload(upload.read(), **fields), None
    outcome = import_upload(upload.read(), **fields)
    return outcome.batch, outcome


def queue_upload(data: bytes, *, file_name: str, year: int, user, approve: bool) -> ImportBatch:
    """Keep a large upload, give it a pending ledger entry at once, and queue its import.

    The job (enterprises/jobs.py) completes the entry; imports run one at a time.
    """
    batch = ImportBatch.objects.create(
        file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
        year=year,
        imported_by=user,
        outcome=ImportBatch.Outcome.PENDING,
    )
    store(batch, data)
    batch.job = jobs.enqueue(JOB_KIND, {"batch": batch.pk, "approve": approve}, user=user)
    batch.save(update_fields=["job"])
    return batch


def can_mark(batch: ImportBatch) -> bool:
    """Whether a marked copy can be offered: a rejected file that was read and is still kept."""
    return (
        batch.outcome == ImportBatch.Outcome.REJECTED
        and importer.markable(errors(batch))
        and stored(batch) is not None
    )


def errors(batch: ImportBatch) -> list[CellError]:
    """The located errors the ledger kept for a rejected batch."""
    return [CellError.from_dict(e) for e in batch.errors or []]


def truncated(batch: ImportBatch) -> bool:
    """Whether the ledger kept only the first errors (the marked workbook has them all)."""
    keep = getattr(importer, "KEEP_ERRORS", None)
    return keep is not None and len(batch.errors or []) >= keep


def marked_workbook(batch: ImportBatch, lang: str = "zh") -> bytes | None:
    """The uploaded workbook with every error marked, in ``lang``; None if the file is gone."""
    data = stored(batch)
    if data is None:
        return None
    found = errors(batch)
    if not importer.markable(found):
        return None  # refused whole (too large, not a workbook): never opened, nothing to mark
    if truncated(batch):  # the ledger holds the first errors only: check the file again
        _read, result = check_workbook(
            data,
            year=batch.year,
            context=importer.validation_context(),
            limits=importer.import_limits(),
        )
        found = result.errors or found
    try:
        return importer.highlighted(data, found, lang)
    except ValueError:  # not a workbook openpyxl can open: nothing to mark
        return None


def ledger(limit: int = LEDGER_SIZE):
    return ImportBatch.objects.select_related("imported_by").order_by("-imported_on", "-pk")[:limit]


def import_state(batch: ImportBatch) -> JobState:
    job = batch.job
    if batch.outcome != ImportBatch.Outcome.PENDING:
        return JobState("done", 100)
    if job is None:
        return JobState("failed", error=_("The job of this import is missing."))
    if job.status == Job.Status.QUEUED:
        ahead = Job.objects.filter(
            kind=job.kind, status__in=[Job.Status.QUEUED, Job.Status.RUNNING], pk__lt=job.pk
        ).count()
        step = (
            _("Waiting: %(n)s import(s) ahead in the queue") % {"n": ahead}
            if ahead
            else _("Waiting for a worker to start the import")
        )
        return JobState("queued", 0, step)
    if job.status == Job.Status.FAILED:
        return JobState("failed", round(job.progress * 100), job.step, job.error)
    if job.status == Job.Status.DONE:  # the handler completes the entry before it ends
        return JobState("done", 100)
    return JobState("running", round(job.progress * 100), job.step)
