"""The RQ worker: `python worker.py` (runs Send Data, imports and digests, and the delayed
retries the packages ask for, through RQ's scheduler). See app/worker_runtime.py for how it
rides out a Redis restart and stops promptly on SIGTERM."""

from app import create_app
from app.worker_runtime import run_worker


def main() -> None:
    app = create_app()
    with app.app_context():
        # Jobs run in this process, inside the app context: no fork sharing database
        # connections, and a killed worker takes its job with it (runs are recovered by the
        # sweep and reconciled, never doubled).
        run_worker(app.config["RQ_QUEUE"])


if __name__ == "__main__":
    main()
