"""Periodic jobs for `python -m app.cron` (or `rq cron app.cron`); run exactly one of these."""

import os

from rq import cron

from app.jobs import cron_tick, send_digests

# Every few minutes: a connection's own two-hour interval is kept in the database
# (Connection.next_run_at), so this only needs to look often enough.
cron.register(
    cron_tick,
    queue_name=os.environ.get("RQ_QUEUE", "ledgerlink"),
    interval=int(os.environ.get("CRON_TICK_SECONDS", "120")),
)

# Hourly: each company's own frequency (hourly, daily, weekly) is kept in the database
# (DigestState), so an hourly look is enough for all of them.
cron.register(
    send_digests,
    queue_name=os.environ.get("RQ_QUEUE", "ledgerlink"),
    interval=int(os.environ.get("DIGEST_TICK_SECONDS", "3600")),
)



def main() -> None:
    """`python -m app.cron`: what `rq cron app.cron` does, riding out a Redis restart.

    RQ's cron loop dies on the first Redis error. This runs the same CronScheduler (so each
    job keeps its next due time) step by step, waits for Redis with backoff when it is away, and
    stops promptly and quietly on SIGTERM/SIGINT.
    """
    import logging
    import signal
    import sys
    import threading

    from rq.cron import create_cron
    from rq.exceptions import DuplicateSchedulerError, SchedulerNotFound

    from app.redis_conn import REDIS_DOWN, get_redis, wait_for_redis

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    log = logging.getLogger("ledgerlink.cron")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    connection = get_redis()
    scheduler = create_cron(connection)
    born = False
    while not stop.is_set():
        try:
            if not born:
                try:
                    scheduler.register_birth()
                except DuplicateSchedulerError:
                    pass  # Redis kept us through a blip
                born = True
            if scheduler.enqueue_jobs():
                scheduler.save()
            scheduler.heartbeat()  # re-registers us if a restarted Redis forgot us
            stop.wait(max(0.1, scheduler.calculate_sleep_interval()))
        except REDIS_DOWN as exc:
            log.warning("cron: lost Redis (%s); will reconnect", exc)
            wait_for_redis(connection, stop.is_set, log, "cron")
    try:
        if born:
            scheduler.register_death()
    except (*REDIS_DOWN, SchedulerNotFound):
        pass
    log.info("cron: stopped")


if __name__ == "__main__":
    main()
