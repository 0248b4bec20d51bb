"""Periodic jobs for `rq cron app.cron` (run exactly one of these processes)."""

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
