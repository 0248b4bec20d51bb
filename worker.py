"""The RQ worker: `python worker.py` (runs Send Data, imports and digests, and the delayed
retries the packages ask for, through RQ's scheduler)."""

from rq import Queue, SimpleWorker

from app import create_app
from app.redis_conn import get_redis


def main() -> None:
    app = create_app()
    with app.app_context():
        queue = Queue(app.config["RQ_QUEUE"], connection=get_redis())
        # SimpleWorker runs jobs in this process, inside the app context: no fork sharing
        # database connections, and a killed worker takes its job with it (runs are recovered
        # by the sweep and reconciled, never doubled).
        worker = SimpleWorker([queue], connection=get_redis())
        worker.work(with_scheduler=True)


if __name__ == "__main__":
    main()
