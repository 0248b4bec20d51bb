"""Jobs run under RQ's own `rq worker` (not worker.py), so they build their own app context."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from rq import Queue
from rq.job import JobStatus

ROOT = Path(__file__).resolve().parents[2]


def test_a_job_finishes_under_rq_worker_without_an_app_context(app) -> None:  # type: ignore[no-untyped-def]
    from app.redis_conn import get_redis

    queue_name = f"direct-{uuid.uuid4().hex[:8]}"
    with app.app_context():
        queue = Queue(queue_name, connection=get_redis())
        job = queue.enqueue("app.jobs.cron_tick")
    rq_cli = Path(sys.executable).with_name("rq")
    done = subprocess.run(
        [str(rq_cli), "worker", "--burst", "--url", os.environ["REDIS_URL"],
         "--worker-class", "rq.worker.SimpleWorker", queue_name],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=120,
    )
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED, done.stderr + done.stdout + str(job.exc_info)
    assert set(job.return_value()) == {"started", "recovered"}
