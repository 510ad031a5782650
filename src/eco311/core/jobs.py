"""Background jobs: handlers by name, a queue in the database, workers that claim from it.

Some work takes longer than a request should: a year's ranking with its Monte Carlo analysis,
a long report. The view enqueues a :class:`~eco311.core.models.Job`, answers at once, and the
page polls the job's progress. Any number of workers may run:

* ``eco311 serve`` starts one in a thread of the server, so one laptop needs nothing else;
* ``eco311 worker`` runs one as a process (several of them at province scale, on PostgreSQL).

A worker claims a queued job with a conditional UPDATE (``status = queued`` in the WHERE
clause), so two workers never run the same job, on SQLite as on PostgreSQL, without a broker.
See docs/adr/0007-background-jobs-in-the-database.md.

A handler is a function registered with :func:`handler` in an app's ``jobs.py`` module. It
gets a :class:`Context` (for progress reports) and the job's params; what it returns (JSON) is
the job's result. It runs outside any transaction: it should do its computing first and write
its results in one ``transaction.atomic()`` at the end, so that a failure leaves nothing
half-written and progress reports (separate UPDATEs) are not held back by a long transaction.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import close_old_connections, connection, connections, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from eco311.core.models import Job

log = logging.getLogger(__name__)

#: A running job whose worker has not reported for this long is failed by the next worker.
STALE_AFTER = timedelta(minutes=10)
#: Progress is written at most this often (seconds), except the first and the last report.
PROGRESS_EVERY = 0.5

Handler = Callable[..., Any]
_handlers: dict[str, Handler] = {}
#: Kinds of which at most one job runs at a time, whatever the number of workers.
_exclusive: set[str] = set()


def handler(kind: str, *, exclusive: bool = False) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the handler of jobs of ``kind`` (e.g. "ranking.run").

    ``exclusive``: jobs of this kind run one at a time (survey imports: two would fight over
    the same rows, and on SQLite the second writer would wait on the first); the others wait
    in the queue, in order, while other kinds go on.
    """

    def register(fn: Handler) -> Handler:
        if kind in _handlers and _handlers[kind] is not fn:
            raise ValueError(f"job kind {kind!r} is registered twice")
        _handlers[kind] = fn
        if exclusive:
            _exclusive.add(kind)
        return fn

    return register


def handlers() -> dict[str, Handler]:
    """Every registered handler (the apps' ``jobs`` modules are imported first)."""
    autodiscover_modules("jobs")
    return dict(_handlers)


#: Kinds a worker enqueues once a day (register_daily), with the function giving their params.
_daily: dict[str, Callable[[], dict]] = {}
#: A worker looks whether a daily job is due at most this often (seconds).
DAILY_CHECK_EVERY = 60.0


def register_daily(kind: str, params_fn: Callable[[], dict] | None = None) -> None:
    """Have workers enqueue a job of ``kind`` once a day (the schedule's reminders, the
    e-mail digests): the first worker loop of a day that finds no job of that kind created
    today (local time) enqueues one, with ``params_fn()`` as its params."""
    _daily[kind] = params_fn or dict


def daily_kinds() -> dict[str, Callable[[], dict]]:
    handlers()  # the apps' jobs modules register their daily kinds when imported
    return dict(_daily)


def enqueue_daily(now=None) -> list[Job]:
    """Enqueue each daily kind that has no job created today; returns the jobs created.

    Workers check and enqueue one at a time (an IMMEDIATE transaction on SQLite, an advisory
    lock on PostgreSQL), so several workers starting together enqueue each kind once.
    """
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    created = []
    for kind, params_fn in daily_kinds().items():
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"daily:{kind}"])
            if Job.objects.filter(kind=kind, created_on__gte=start).exists():
                continue
            created.append(enqueue(kind, params_fn()))
    return created


def enqueue(kind: str, params: dict | None = None, *, user=None) -> Job:
    """Queue a job; a worker runs it. Refuses kinds without a handler."""
    if kind not in handlers():
        raise ValueError(f"no handler for job kind {kind!r}")
    return Job.objects.create(kind=kind, params=params or {}, created_by=user)


@dataclass
class JobState:
    """Where the work behind a job stands, as its progress bar shows it (a ranking run, an
    import): each domain reads it from its own row and the job."""

    state: str  # queued, running, done, failed
    percent: int = 0
    step: str = ""
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


class Context:
    """What a handler sees of its job: progress reports, and the job row itself."""

    def __init__(self, job: Job):
        self.job = job
        self._last = 0.0

    def progress(self, fraction: float, zh: str = "", en: str = "") -> None:
        """Report how far the job is (0 to 1) and, optionally, what it is doing now."""
        fraction = min(max(float(fraction), 0.0), 1.0)
        now = time.monotonic()
        if self._last and fraction < 1.0 and now - self._last < PROGRESS_EVERY:
            return
        self._last = now
        Job.objects.filter(pk=self.job.pk).update(
            progress=fraction, step_zh=zh[:200], step_en=en[:200], heartbeat_on=timezone.now()
        )


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim(worker: str) -> Job | None:
    """Claim the oldest queued job for ``worker``; None when the queue is empty.

    A job of an exclusive kind is passed over while another of its kind runs (it keeps its
    place in the queue).
    """
    handlers()  # the apps' handlers, and so the exclusive kinds, are registered
    busy: set[str] = set()
    while True:
        candidate = (
            Job.objects.filter(status=Job.Status.QUEUED)
            .exclude(kind__in=busy)
            .order_by("created_on", "id")
            .first()
        )
        if candidate is None:
            return None
        if candidate.kind in _exclusive:
            won = _claim_exclusive(candidate, worker)
            if won is None:
                busy.add(candidate.kind)
                continue
        else:
            won = _take(candidate, worker)
        if won:
            candidate.refresh_from_db()
            return candidate
        # another worker was quicker: try the next one


def _take(job: Job, worker: str) -> bool:
    now = timezone.now()
    return bool(
        Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, worker=worker, started_on=now, heartbeat_on=now
        )
    )


def _claim_exclusive(job: Job, worker: str) -> bool | None:
    """Take ``job`` unless one of its kind runs (None). Workers check and take one at a time:
    SQLite has a single writer (the transaction is IMMEDIATE); PostgreSQL holds an advisory
    lock on the kind until the transaction ends."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"job:{job.kind}"])
        if Job.objects.filter(kind=job.kind, status=Job.Status.RUNNING).exists():
            return None
        return _take(job, worker)


def run(job: Job) -> Job:
    """Run a claimed job to its end: done with its result, or failed with the reason."""
    fn = handlers().get(job.kind)
    try:
        if fn is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        result = fn(Context(job), **job.params)
    except Exception as exc:  # a job's failure is recorded in the job, not raised
        log.exception("job %s (%s) failed", job.pk, job.kind)
        fields = {
            "status": Job.Status.FAILED,
            "error": "".join(traceback.format_exception_only(exc)).strip()[:2000],
        }
    else:
        fields = {"status": Job.Status.DONE, "progress": 1.0, "result": result}
    fields["finished_on"] = timezone.now()
    Job.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def run_next(worker: str | None = None) -> Job | None:
    """Claim and run one queued job; the finished job, or None when there was none."""
    job = claim(worker or worker_name())
    return run(job) if job is not None else None


def fail_stale() -> int:
    """Fail running jobs whose worker stopped reporting (it crashed or was killed)."""
    cutoff = timezone.now() - STALE_AFTER
    return Job.objects.filter(status=Job.Status.RUNNING, heartbeat_on__lt=cutoff).update(
        status=Job.Status.FAILED,
        error="the worker stopped before the job ended",
        finished_on=timezone.now(),
    )


def work(
    stop: threading.Event,
    *,
    poll: float = 1.0,
    worker: str | None = None,
    own_connections: bool = True,
    daily: bool = False,
) -> None:
    """Run queued jobs until ``stop`` is set; look for new ones every ``poll`` seconds.

    ``own_connections``: the loop owns this thread's database connections, renews broken or
    old ones between jobs and closes them at the end (a worker thread or process; not a test
    that runs the loop inside its own transaction).
    ``daily``: also enqueue the daily kinds (register_daily) when their day's job is missing.
    """
    worker = worker or worker_name()
    fail_stale()
    checked = None
    while not stop.is_set():
        if own_connections:
            close_old_connections()
        if daily and (checked is None or time.monotonic() - checked >= DAILY_CHECK_EVERY):
            checked = time.monotonic()
            try:
                enqueue_daily()
            except Exception:  # as for claiming: the next check tries again
                log.exception("job worker %s: could not enqueue the daily jobs", worker)
        try:
            job = run_next(worker)
        except Exception:  # a worker outlives a database that is briefly unavailable
            log.exception("job worker %s: could not claim a job", worker)
            job = None
        if job is None:
            stop.wait(poll)
    if own_connections:
        connections.close_all()  # this thread's connections


def start_thread(
    *, poll: float = 1.0, daily: bool = False
) -> tuple[threading.Thread, threading.Event]:
    """A worker in a daemon thread of this process (what ``eco311 serve`` starts)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=work,
        args=(stop,),
        kwargs={"poll": poll, "daily": daily},
        name="eco311-jobs",
        daemon=True,
    )
    thread.start()
    return thread, stop
