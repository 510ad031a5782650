"""Rendering in the background: a job renders a file, the file is kept and served until what it
shows changes."""

from datetime import date

import pytest

from eco311.accounts.scopes import Actor
from eco311.core import jobs
from eco311.core.models import Job
from eco311.evaluation import issue as service
from eco311.evaluation import jobs as render_jobs
from eco311.evaluation.models import RenderedFile, RenderJob
from eco311.plans.models import Plan, Target, Unit
from eco311.supervision.models import Assignment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def draft(personas):
    owner = Actor.of(personas["admin"])
    return service.new_draft(owner, Plan.objects.get(key="shandong-311"), date(2025, 6, 30))


def run(render_job: RenderJob) -> Job:
    return jobs.run(render_job.job)


def test_a_render_job_keeps_the_file_and_the_next_request_gets_it(draft):
    started = render_jobs.start(draft, "html", "zh")
    assert isinstance(started, RenderJob)
    assert started.job.kind == render_jobs.JOB_KIND and started.job.status == Job.Status.QUEUED
    # asking again while it waits does not queue a second job
    assert render_jobs.start(draft, "html", "zh").pk == started.pk
    job = run(started)
    assert job.status == Job.Status.DONE, job.error
    assert job.progress == 1.0
    kept = RenderedFile.objects.get(pk=job.result["file"])
    body = kept.file.read()
    assert "实施情况评估报告" in body.decode() or "评估报告" in body.decode()
    assert kept.key == started.key and len(body) == kept.size
    again = render_jobs.start(draft, "html", "zh")
    assert isinstance(again, RenderedFile) and again.pk == kept.pk


def test_a_change_in_the_data_leads_to_a_new_render(draft):
    first = render_jobs.start(draft, "xlsx", "en")
    run(first)
    assert isinstance(render_jobs.start(draft, "xlsx", "en"), RenderedFile)
    target = Target.objects.filter(plan__key="shandong-311", unit_links__isnull=True).first()
    Assignment.objects.create(target=target, unit=Unit.objects.first(), role="lead", reason="t")
    second = render_jobs.start(draft, "xlsx", "en")
    assert isinstance(second, RenderJob) and second.key != first.key
    assert render_jobs.cached(service.report_for(draft, "en"), "xlsx") is None
    run(second)
    assert render_jobs.cached(service.report_for(draft, "en"), "xlsx") is not None


def test_an_edit_of_the_narrative_leads_to_a_new_render(draft, personas):
    first = render_jobs.start(draft, "html", "zh")
    run(first)
    service.save_narrative(Actor.of(personas["admin"]), draft, "zh", {"foreword": "新前言。"})
    second = render_jobs.start(draft, "html", "zh")
    assert isinstance(second, RenderJob) and second.key != first.key
    run(second)
    assert "新前言。" in RenderedFile.objects.get(key=second.key).file.read().decode()
