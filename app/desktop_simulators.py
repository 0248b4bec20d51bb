"""`python -m app.desktop_simulators` (started by `make run` in sandbox mode): the simulated
desktop side of every pull connection the demo made, so a new user sees records reach a
desktop package with no PC. Every DESKTOP_SIMULATOR_SECONDS (60) it runs, for each such
connection, its package's simulator (sandboxes/<key>/desktop.py: for a Web Connector package a
real SOAP client calling this server's /qbwc, exactly as the real program would).
DESKTOP_SIMULATORS=0 leaves it off, so that another client can drive the endpoints instead.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from importlib import import_module
from types import ModuleType

from flask import Flask

log = logging.getLogger("ledgerlink.desktop")


def _simulators() -> dict[str, ModuleType]:
    """Each pull package's simulated desktop side (sandboxes/<key>/desktop.py), if it has one."""
    from connectors import package_keys

    found = {}
    for key in package_keys("pull"):
        name = f"sandboxes.{key}.desktop"
        try:
            found[key] = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in (name, f"sandboxes.{key}"):
                raise
    return found


def _targets(app: Flask, packages: list[str]) -> list[tuple[int, str, dict]]:
    """(connection id, package, its demo details) of each connection the demo made: only the
    demo keeps what its simulated desktop side signs in with."""
    from app.extensions import db
    from app.models import Connection
    from app.models.connection import CONNECTED

    with app.app_context():
        rows = db.session.execute(db.select(Connection).filter(
            Connection.package.in_(packages), Connection.status == CONNECTED)).scalars()
        found = [(c.id, c.package, dict(c.credentials.extra)) for c in rows
                 if c.credentials.extra.get("sandbox_password")]
        db.session.remove()
    return found


def run_once(app: Flask) -> int:
    """One simulated session for each demo connection of a pull package; how many ran."""
    simulators = _simulators()
    targets = _targets(app, list(simulators))
    for connection_id, package, details in targets:
        said = simulators[package].simulate(app.config["BASE_URL"], details)
        log.info("connection %s: %s", connection_id, said)
    return len(targets)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    if os.environ.get("DESKTOP_SIMULATORS", "1") in ("0", "false", "no"):
        log.info("DESKTOP_SIMULATORS=0: no simulated desktop side runs")
        return
    from app import create_app

    app = create_app()
    every = float(os.environ.get("DESKTOP_SIMULATOR_SECONDS", "60"))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("simulated desktop side: a session every %.0f s per demo connection", every)
    while not stop.is_set():
        try:
            run_once(app)
        except Exception:  # noqa: BLE001 - the server may be restarting: try next time
            log.exception("a simulated desktop round failed; trying again next time")
        stop.wait(every)


if __name__ == "__main__":
    main()
