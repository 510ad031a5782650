"""Rendering an evaluation report in the background, and the cache of finished files.

A file is kept under the hash of what it was rendered from (the report data with its
narrative, the format, the language; not the generation time). The page asks for the current
hash: a file under it is served at once; otherwise a job renders one. When the data or the
narrative change, the hash changes and the old file is no longer offered.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from eco311.core import jobs
from eco311.core.models import Job
from eco311.reports.document import EvaluationReport, to_dict
from eco311.reports.render import FORMATS, filename, render

from .issue import report_for
from .models import EvaluationDraft, RenderedFile, RenderJob

JOB_KIND = "evaluation.render"
#: Bump when a renderer changes what it writes, so cached files are rendered again.
RENDER_VERSION = "1"


def content_key(report: EvaluationReport, fmt: str) -> str:
    data = to_dict(report)
    data.pop("generated_at", None)  # a fresh gathering has a fresh time: same content
    blob = json.dumps([RENDER_VERSION, fmt, data], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def cached(report: EvaluationReport, fmt: str) -> RenderedFile | None:
    return RenderedFile.objects.filter(key=content_key(report, fmt)).first()


def render_file(draft: EvaluationDraft, fmt: str, lang: str, progress=None) -> RenderedFile:
    """Render one file of the report as it reads now (an issued one from its snapshot) and keep
    it, or return the one already kept for the same content."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    step = progress or (lambda *a, **k: None)
    step(0.1, "汇总数据", "gathering the data")
    report = report_for(draft, lang)
    key = content_key(report, fmt)
    found = RenderedFile.objects.filter(key=key).first()
    if found is not None:
        return found
    step(0.4, "排版文档", "typesetting the document")
    body = render(report, fmt)
    step(0.9, "保存文件", "saving the file")
    sha = hashlib.sha256(body).hexdigest()
    name = filename(report, fmt)
    try:
        with transaction.atomic():
            rf = RenderedFile(
                key=key,
                draft=draft,
                fmt=fmt,
                lang=report.lang,
                filename=name,
                sha256=sha,
                size=len(body),
            )
            rf.file.save(f"{key}.{fmt}", ContentFile(body), save=False)
            rf.save()
    except IntegrityError:  # another worker kept the same content meanwhile
        return RenderedFile.objects.get(key=key)
    return rf


def start(draft: EvaluationDraft, fmt: str, lang: str, user=None) -> RenderedFile | RenderJob:
    """The kept file for the current content, else the job rendering it (started if none is
    queued or running for the same content)."""
    report = report_for(draft, lang)
    key = content_key(report, fmt)
    found = RenderedFile.objects.filter(key=key).first()
    if found is not None:
        return found
    running = (
        RenderJob.objects.filter(draft=draft, key=key)
        .filter(job__status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
        .first()
    )
    if running is not None:
        return running
    job = jobs.enqueue(JOB_KIND, {"draft": draft.pk, "fmt": fmt, "lang": report.lang}, user=user)
    return RenderJob.objects.create(draft=draft, key=key, fmt=fmt, lang=report.lang, job=job)


def state_of(draft: EvaluationDraft, lang: str) -> dict[str, Any]:
    """Per format: the kept file for the current content, or the latest job, or nothing."""
    report = report_for(draft, lang)
    out = {}
    for fmt in FORMATS:
        key = content_key(report, fmt)
        out[fmt] = {
            "file": RenderedFile.objects.filter(key=key).first(),
            "job": RenderJob.objects.filter(draft=draft, key=key).select_related("job").first(),
        }
    return out


@jobs.handler(JOB_KIND)
def run_job(ctx: jobs.Context, draft: int, fmt: str, lang: str) -> dict[str, Any]:
    rf = render_file(EvaluationDraft.objects.get(pk=draft), fmt, lang, progress=ctx.progress)
    return {"file": rf.pk, "sha256": rf.sha256, "key": rf.key}
