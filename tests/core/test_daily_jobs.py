"""Daily jobs: a worker enqueues each registered daily kind once a day."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from eco311.core import jobs
from eco311.core.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def daily():
    """A daily kind registered for one test only."""
    ran = []
    jobs.handler("test.daily")(lambda ctx, n=0: ran.append(n))
    jobs.register_daily("test.daily", lambda: {"n": 7})
    yield ran
    jobs._handlers.pop("test.daily", None)
    jobs._daily.pop("test.daily", None)


def ours():
    return Job.objects.filter(kind="test.daily")


def test_a_daily_kind_is_enqueued_once_a_day(daily):
    created = jobs.enqueue_daily()
    assert [j.kind for j in created if j.kind == "test.daily"] == ["test.daily"]
    assert ours().get().params == {"n": 7}

    assert [j for j in jobs.enqueue_daily() if j.kind == "test.daily"] == []
    assert ours().count() == 1


def test_the_next_day_it_is_enqueued_again(daily):
    jobs.enqueue_daily()
    yesterday = timezone.now() - timedelta(days=1)
    ours().update(created_on=yesterday)
    jobs.enqueue_daily()
    assert ours().count() == 2


def test_the_supervision_jobs_are_daily():
    assert {"supervision.remind", "supervision.digest"} <= set(jobs.daily_kinds())


def test_the_worker_loop_enqueues_and_runs_the_daily_jobs(monkeypatch):
    stop = threading.Event()
    ran = []

    def once(ctx, n):
        ran.append(n)
        stop.set()

    jobs.handler("test.daily-stop")(once)
    # Only the test's kind: the real daily jobs would run the whole schedule here.
    monkeypatch.setattr(jobs, "_daily", {"test.daily-stop": lambda: {"n": 3}})
    try:
        jobs.work(stop, poll=0.01, worker="daily", own_connections=False, daily=True)
    finally:
        jobs._handlers.pop("test.daily-stop", None)
    assert ran == [3]
    assert Job.objects.get(kind="test.daily-stop").status == Job.Status.DONE


def test_without_daily_the_loop_enqueues_nothing(daily):
    stop = threading.Event()
    jobs.handler("test.stop2")(lambda ctx: stop.set())
    try:
        jobs.enqueue("test.stop2")
        jobs.work(stop, poll=0.01, worker="plain", own_connections=False)
    finally:
        jobs._handlers.pop("test.stop2", None)
    assert not ours().exists()
