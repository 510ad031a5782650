"""The survey import's background job (core/jobs.py finds it here).

A large upload is stored and given a pending ledger entry at once (uploads.queue_upload); this
job imports it. Imports are exclusive: one runs at a time, the next waits in the queue, so two
large imports never fight over the same returns nor wait on each other's write lock.
"""

from typing import Any

from eco311.core import jobs
from eco311.enterprises import importer, uploads
from eco311.enterprises.models import ImportBatch
from eco311.enterprises.uploads import JOB_KIND


@jobs.handler(JOB_KIND, exclusive=True)
def run_import(ctx: jobs.Context, batch: int, approve: bool = False) -> dict[str, Any]:
    """Import the stored file of a pending ledger entry; a failure rejects the entry."""
    entry = ImportBatch.objects.select_related("imported_by").get(pk=batch)
    try:
        data = uploads.stored(entry)
        if data is None:
            raise FileNotFoundError(f"the uploaded file of import {batch} is gone")
        outcome = importer.import_returns(
            data,
            year=entry.year,
            file_name=entry.file_name,
            user=entry.imported_by,
            approve=approve,
            batch=entry,
            progress=ctx.progress,
        )
    except Exception as exc:
        importer.failed(entry, str(exc) or type(exc).__name__)
        raise
    b = outcome.batch
    return {
        "batch": b.pk,
        "outcome": b.outcome,
        "created": b.created,
        "updated": b.updated,
        "unchanged": b.unchanged,
        "errors": len(outcome.errors),
        # the first warnings, for the batch page (a job's result is its only memory of them)
        "warnings": [w.to_dict() for w in outcome.warnings[: uploads.KEEP_WARNINGS]],
    }
