"""A job the fault-injection bench queues for the real workers (importable by them as
`bench.fault_jobs`): refresh one connection's rotating token, as every worker does before a
call when the access token is about to expire."""

from __future__ import annotations


def refresh_token(connection_id: int) -> str:
    from app.extensions import db
    from app.models import Connection
    from app.sync.tokens import fresh_credentials

    # The worker runs every job inside its app context (worker.py).
    connection = db.session.get(Connection, connection_id)
    creds = fresh_credentials(connection, force=True)
    db.session.commit()
    return creds.access_token[-6:]
