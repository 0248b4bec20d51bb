"""The worker process (`python worker.py`): rides out a Redis restart, and stops promptly.

- RQ's own loop quits on most Redis errors. Here a worker that lost Redis waits for it (with
  backoff) and starts a fresh RQ worker, so a Redis restart needs nobody.
- RQ's scheduler (it wakes parked runs) runs as a thread of this process rather than RQ's forked
  child: a worker killed with SIGKILL takes it along, instead of leaving an orphan that holds the
  launcher's pipe and the scheduler lock.
- SIGTERM or SIGINT stops the worker within moments even in the middle of a run. The run is
  interrupted wherever it is (its lock is released on the way out; a claim whose answer never
  came stays open and is looked up in the package by the next worker before anything is
  resent) and queued again, so the next worker carries on at once.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

from rq import Queue, SimpleWorker, worker_registration
from rq.exceptions import StopRequested
from rq.job import Job
from rq.scheduler import RQScheduler

from app.redis_conn import REDIS_DOWN, Backoff, get_redis, wait_for_redis

log = logging.getLogger("ledgerlink.worker")

SEND_DATA = "app.jobs.send_data"


class StopNow(BaseException):
    """Raised into a running job by SIGTERM/SIGINT (a BaseException: no `except Exception` in a
    job swallows it)."""


class LedgerlinkWorker(SimpleWorker):
    """RQ's in-process worker, with signals left to `run_worker` and the running job known."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.running_job: Job | None = None
        self.interrupted_job: Job | None = None

    def _install_signal_handlers(self) -> None:
        """The process's own handlers (run_worker) stay in charge across reconnects."""

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        super().heartbeat(timeout, pipeline)
        if pipeline is None and self.connection.hlen(self.key) <= 1:
            # Redis restarted under us and forgot this worker: be known to it again (RQ's own
            # loop reconnects, but only re-creates the heartbeat field).
            self.connection.hset(self.key, mapping=self.serialize())
            self.connection.expire(self.key, timeout or self.worker_ttl + 60)
            worker_registration.register(self)

    def execute_job(self, job: Job, queue: Queue) -> None:
        self.running_job = job
        try:
            super().execute_job(job, queue)
        finally:
            self.running_job = None


class SchedulerThread(threading.Thread):
    """RQ's scheduler loop (move due delayed jobs onto the queue), surviving Redis restarts.

    Only one scheduler per queue holds RQ's scheduler lock; the others keep trying, so when the
    holder dies another takes over once the lock expires (about a minute).
    """

    def __init__(self, queue_name: str, stop: threading.Event) -> None:
        super().__init__(name="rq-scheduler", daemon=True)
        self.queue_name = queue_name
        self.stop = stop

    def run(self) -> None:
        scheduler = RQScheduler([self.queue_name], connection=get_redis(), interval=1)
        backoff = Backoff()
        born = False
        while not self.stop.is_set():
            try:
                if not scheduler.acquired_locks:
                    scheduler.acquire_locks()
                if scheduler.acquired_locks:
                    if not born:
                        scheduler.register_birth()
                        born = True
                    scheduler.heartbeat()
                    scheduler.enqueue_scheduled_jobs()
                backoff.reset()
                self.stop.wait(scheduler.interval)
            except REDIS_DOWN:
                scheduler._acquired_locks = set()  # re-acquire (or lose) it once Redis is back
                self.stop.wait(backoff.next())
        try:
            scheduler.release_locks()
            if born:
                scheduler.register_death()
        except REDIS_DOWN:
            pass


class _Process:
    """The process-wide stop flag and the RQ worker currently working."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.worker: LedgerlinkWorker | None = None

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop.is_set():
            return  # already stopping
        log.info("worker: stopping (signal %s)", signum)
        self.stop.set()
        worker = self.worker
        if worker is None:
            return  # between RQ workers (waiting for Redis): the wait sees the flag
        worker._stop_requested = True
        if worker.running_job is not None:
            worker.interrupted_job = worker.running_job
            raise StopNow()
        raise StopRequested()  # idle, waiting on the queue: RQ's loop ends on this


def requeue_interrupted(job: Job | None) -> None:
    """A Send Data run cut short by a stop goes straight back on the queue for the next worker
    (if that fails, the sweep still finds the run by its stale heartbeat)."""
    if job is None or job.func_name != SEND_DATA or not job.args:
        return
    from app.sync.runs import enqueue_run

    try:
        enqueue_run(int(job.args[0]))
        log.info("worker: run %s queued again for the next worker", job.args[0])
    except REDIS_DOWN:
        log.warning("worker: could not queue run %s again; the sweep will", job.args[0])


def run_worker(queue_name: str) -> None:
    """Work the queue until SIGTERM/SIGINT, across any number of Redis restarts."""
    state = _Process()
    signal.signal(signal.SIGTERM, state.on_signal)
    signal.signal(signal.SIGINT, state.on_signal)
    connection = get_redis()
    scheduler = SchedulerThread(queue_name, state.stop)
    scheduler.start()
    pause = Backoff()
    while not state.stop.is_set():
        if not wait_for_redis(connection, state.stop.is_set, log, "worker"):
            break
        worker = LedgerlinkWorker([Queue(queue_name, connection=connection)],
                                  connection=connection)
        state.worker = worker
        try:
            if worker.work(logging_level="INFO"):
                pause.reset()
        except (StopRequested, StopNow):
            pass
        except REDIS_DOWN as exc:
            log.warning("worker: lost Redis (%s); will reconnect", exc)
        finally:
            state.worker = None
        requeue_interrupted(worker.interrupted_job)
        if not state.stop.is_set():
            # RQ's loop ended by itself (a Redis error): wait a little, then a fresh RQ worker.
            state.stop.wait(pause.next())
    state.stop.set()
    scheduler.join(5)
