"""Background jobs: the queue in the database, claiming, progress, failures."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from eco311.core import jobs
from eco311.core.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def kinds():
    """Handlers registered for one test only."""
    added = []

    def register(kind, fn, exclusive=False):
        jobs.handler(kind, exclusive=exclusive)(fn)
        added.append(kind)
        return fn

    yield register
    for kind in added:
        jobs._handlers.pop(kind, None)
        jobs._exclusive.discard(kind)


def test_it_refuses_a_kind_without_a_handler():
    with pytest.raises(ValueError, match="no handler"):
        jobs.enqueue("test.nothing")
    assert not Job.objects.exists()


def test_it_refuses_two_handlers_for_one_kind(kinds):
    kinds("test.twice", lambda ctx: None)
    with pytest.raises(ValueError, match="registered twice"):
        jobs.handler("test.twice")(lambda ctx: 1)


def test_a_job_runs_with_its_params_and_keeps_its_result(kinds):
    kinds("test.add", lambda ctx, a, b: {"sum": a + b})
    job = jobs.enqueue("test.add", {"a": 2, "b": 3})
    assert job.status == Job.Status.QUEUED

    done = jobs.run_next("w1")

    assert done.pk == job.pk
    assert done.status == Job.Status.DONE
    assert done.result == {"sum": 5}
    assert done.progress == 1.0
    assert done.worker == "w1"
    assert done.started_on <= done.finished_on
    assert jobs.run_next("w1") is None  # the queue is empty


def test_jobs_run_oldest_first(kinds):
    order = []
    kinds("test.note", lambda ctx, n: order.append(n))
    for n in (1, 2, 3):
        jobs.enqueue("test.note", {"n": n})
    while jobs.run_next("w") is not None:
        pass
    assert order == [1, 2, 3]


def test_a_failing_job_is_failed_with_its_reason_and_the_worker_goes_on(kinds):
    def broken(ctx):
        raise ValueError("no returns approved for 2024")

    kinds("test.broken", broken)
    kinds("test.ok", lambda ctx: "fine")
    bad = jobs.enqueue("test.broken")
    good = jobs.enqueue("test.ok")

    first, second = jobs.run_next("w"), jobs.run_next("w")

    assert (first.pk, first.status) == (bad.pk, Job.Status.FAILED)
    assert "ValueError: no returns approved for 2024" in first.error
    assert first.finished_on is not None
    assert (second.pk, second.status, second.result) == (good.pk, Job.Status.DONE, "fine")


def test_a_job_is_claimed_once(kinds):
    kinds("test.once", lambda ctx: None)
    job = jobs.enqueue("test.once")
    claimed = jobs.claim("w1")
    assert claimed.pk == job.pk and claimed.status == Job.Status.RUNNING
    assert jobs.claim("w2") is None
    assert Job.objects.get(pk=job.pk).worker == "w1"


def test_progress_reports_are_stored_and_the_last_one_always(kinds, monkeypatch):
    seen = []

    def steps(ctx):
        ctx.progress(0.25, "读取年报", "reading returns")
        seen.append(Job.objects.get(pk=ctx.job.pk).progress)
        ctx.progress(0.5, "计算", "computing")  # within PROGRESS_EVERY: skipped
        seen.append(Job.objects.get(pk=ctx.job.pk).progress)
        ctx.progress(1.0, "完成", "done")
        job = Job.objects.get(pk=ctx.job.pk)
        seen.append((job.progress, job.step_zh, job.step_en))

    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 60.0)
    kinds("test.steps", steps)
    jobs.enqueue("test.steps")
    jobs.run_next("w")
    assert seen == [0.25, 0.25, (1.0, "完成", "done")]


def test_a_running_job_whose_worker_stopped_reporting_is_failed(kinds):
    kinds("test.lost", lambda ctx: None)
    lost = jobs.enqueue("test.lost")
    alive = jobs.enqueue("test.lost")
    old = timezone.now() - jobs.STALE_AFTER - timedelta(minutes=1)
    Job.objects.filter(pk=lost.pk).update(status=Job.Status.RUNNING, heartbeat_on=old)
    Job.objects.filter(pk=alive.pk).update(status=Job.Status.RUNNING, heartbeat_on=timezone.now())

    assert jobs.fail_stale() == 1

    assert Job.objects.get(pk=lost.pk).status == Job.Status.FAILED
    assert "stopped" in Job.objects.get(pk=lost.pk).error
    assert Job.objects.get(pk=alive.pk).status == Job.Status.RUNNING


def test_the_worker_loop_runs_jobs_until_stopped(kinds):
    stop = threading.Event()
    ran = []

    def last(ctx):
        ran.append(ctx.job.pk)
        stop.set()

    kinds("test.first", lambda ctx: ran.append(ctx.job.pk))
    kinds("test.last", last)
    a, b = jobs.enqueue("test.first"), jobs.enqueue("test.last")

    jobs.work(stop, poll=0.01, worker="loop", own_connections=False)

    assert ran == [a.pk, b.pk]
    assert set(Job.objects.values_list("status", flat=True)) == {Job.Status.DONE}


def test_jobs_of_an_exclusive_kind_run_one_at_a_time_in_order(kinds):
    kinds("test.import", lambda ctx, n: n, exclusive=True)
    kinds("test.other", lambda ctx: "other")
    first = jobs.enqueue("test.import", {"n": 1})
    second = jobs.enqueue("test.import", {"n": 2})
    other = jobs.enqueue("test.other")

    running = jobs.claim("w1")
    assert running.pk == first.pk
    assert jobs.claim("w2").pk == other.pk  # the second import waits; other kinds go on
    assert jobs.claim("w3") is None
    second.refresh_from_db()
    assert second.status == Job.Status.QUEUED and not second.worker

    assert jobs.run(running).result == 1
    assert jobs.claim("w2").pk == second.pk  # its turn once the first has ended


def test_a_failed_exclusive_job_does_not_hold_the_next_one(kinds):
    def broken(ctx):
        raise RuntimeError("no")

    kinds("test.exclusive-broken", broken, exclusive=True)
    jobs.enqueue("test.exclusive-broken")
    nxt = jobs.enqueue("test.exclusive-broken")
    assert jobs.run_next("w1").status == Job.Status.FAILED
    assert jobs.claim("w1").pk == nxt.pk


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent claims need several writers"
)
@pytest.mark.usefixtures("restores_session_data")
class TestTwoWorkersClaimExclusiveJobsAtOnce:
    @pytest.mark.django_db(transaction=True)
    def test_only_one_of_them_runs_an_import(self, kinds, race, monkeypatch):
        kinds("test.exclusive-race", lambda ctx: None, exclusive=True)
        for _ in range(2):
            jobs.enqueue("test.exclusive-race")
        take = jobs._take

        def slow_take(job, worker):  # keep the claiming transaction open a while
            won = take(job, worker)
            time.sleep(0.3)
            return won

        monkeypatch.setattr(jobs, "_take", slow_take)
        claimed = race(lambda: jobs.claim("w1"), lambda: jobs.claim("w2"))
        taken = [c for c in claimed if isinstance(c, Job)]
        assert len(taken) == 1, claimed
        assert Job.objects.filter(status=Job.Status.RUNNING).count() == 1
        assert Job.objects.filter(status=Job.Status.QUEUED).count() == 1
