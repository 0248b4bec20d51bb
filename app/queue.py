"""The one RQ queue, and the one way onto it: by the job's dotted path.

Enqueueing by path ("app.jobs.send_data") rather than by function means nothing below the job
layer imports app.jobs, so app.jobs can import app.sync and app.auth without a cycle.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from rq import Queue
from rq.job import Job

from app.redis_conn import get_redis

__all__ = ["enqueue", "get_queue"]


def get_queue() -> Queue:
    return Queue(current_app.config["RQ_QUEUE"], connection=get_redis())


def enqueue(job_path: str, *args: Any, delay_seconds: float = 0, **options: Any) -> Job:
    """Queue the job at `job_path` (a dotted string) with `args`; after `delay_seconds` if
    given (the RQ scheduler holds it, never a sleeping worker). `options` are RQ's own
    (job_timeout, result_ttl, ...)."""
    queue = get_queue()
    if delay_seconds > 0:
        return queue.enqueue_in(timedelta(seconds=delay_seconds), job_path, *args, **options)
    return queue.enqueue(job_path, *args, **options)
