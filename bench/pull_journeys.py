"""The full journey to every pull package (those whose desktop side collects from us), and its
figures: records per hand-out (a qbXML request, an agent's lease), hand-outs, wall time, and
how long the journey takes at the desktop side's real check-in interval.

For each key of `connectors.package_keys("pull")`: a company connected to a fresh simulated
desktop company (the package's demo set-up, as `flask demo` makes one), the full mix posted
through the inbound API over HTTP, then the package's simulated desktop side
(`sandboxes/<key>/desktop.py`: `simulate(base_url, details)`, the same one `make run` runs;
`CHECK_IN_SECONDS`, how often that side checks in when idle) run check-in after check-in until
nothing is left. The hand-outs are counted from our own attempts (one attempt id a hand-out),
so the figures mean the same for every package.

Prints, never asserts.

    python bench/pull_journeys.py [--package KEY] [--scale 2] [--every SECONDS]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from importlib import import_module
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_env  # noqa: E402
import requests  # noqa: E402

MIX = {"customers": 50, "invoices": 200, "payments": 100, "credit_notes": 20}
MOST_CHECK_INS = 200


def _company(app: Any, key: str) -> tuple[int, str, dict[str, Any]]:
    """A company with an API key, connected to a fresh simulated desktop company: (its
    connection id, the API key, what the simulated desktop side signs in with)."""
    from app.companies import create_company
    from app.demo import connect_sandbox
    from app.extensions import db

    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        made = create_company(f"Bench {tag}", f"bench-{tag}@example.test", f"pw-{tag}-bench-pw")
        connection = connect_sandbox(key, made.company.id, f"Bench {key}")
        connection.schedule, connection.sending_started = "automatic", True
        db.session.commit()
        found = (connection.id, made.api_key, dict(connection.credentials.extra))
        db.session.remove()
    return found


def _post(base_url: str, api_key: str, scale: int) -> int:
    from app.demo_records import generate

    payloads = generate(**{k: v * scale for k, v in MIX.items()}, prefix="")
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {api_key}"
        for path, body in payloads:
            answer = http.post(f"{base_url}/api/v1/{path}", json=body, timeout=60)
            if answer.status_code not in (200, 201):
                raise SystemExit(f"{path}: {answer.status_code} {answer.text[:300]}")
    return len(payloads)


def _settled(app: Any, connection_id: int) -> tuple[int, int, int]:
    """(transfers still open, sent or found, hand-outs so far)."""
    from app.extensions import db
    from app.models import Attempt, Transfer

    with app.app_context():
        counts = dict(db.session.execute(
            db.select(Transfer.state, db.func.count()).filter_by(connection_id=connection_id)
            .group_by(Transfer.state)).all())
        handouts = db.session.execute(
            db.select(db.func.count(db.distinct(Attempt.attempt_id)))
            .join(Transfer, Transfer.id == Attempt.transfer_id)
            .filter(Transfer.connection_id == connection_id)).scalar_one()
        db.session.remove()
    open_ = counts.get("pending", 0) + counts.get("sending", 0)
    return open_, counts.get("sent", 0) + counts.get("needs_manual_update", 0), handouts


def bench_package(app: Any, key: str, scale: int, every: float | None) -> None:
    desktop = import_module(f"sandboxes.{key}.desktop")
    base_url = app.config["BASE_URL"]
    connection_id, api_key, details = _company(app, key)
    records = _post(base_url, api_key, scale)
    interval = every if every is not None else float(desktop.CHECK_IN_SECONDS)
    check_ins, working, said = 0, 0.0, ""
    while check_ins < MOST_CHECK_INS:
        started = time.perf_counter()
        said = desktop.simulate(base_url, details)
        working += time.perf_counter() - started
        check_ins += 1
        open_, done, handouts = _settled(app, connection_id)
        if open_ == 0:
            break
        bench_env.expire_leases(app, connection_id)  # a check-in's leftovers, a run later
    from connectors import connector_class

    title = connector_class(key).title
    print(f"\n{title} ({key}): {records} records posted, {done} in the package")
    print(f"  hand-outs: {handouts}, records per hand-out: {done / max(1, handouts):.1f}")
    print(f"  check-ins of the desktop side: {check_ins} (last: {said})")
    print(f"  wall time working: {working:.1f} s ({records / max(working, 1e-9):.0f} records/s)")
    # Records posted just after a check-in wait a whole interval for the next; the check-ins
    # after the first come an interval apart too.
    worst = check_ins * interval + working
    print(f"  the journey at a check-in every {interval:g} s: {worst:.0f} s at worst, "
          f"{worst - interval / 2:.0f} s on average")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", default="all", help="a pull package's key, or all")
    parser.add_argument("--scale", type=int, default=1, help="multiply the mix")
    parser.add_argument("--every", type=float, default=None,
                        help="the check-in interval in seconds (default: the package's)")
    args = parser.parse_args()
    tmp = bench_env.bench_folder()
    bench_env.setup_environment(tmp)
    app = bench_env.serve_app()
    from connectors import package_keys

    keys = package_keys("pull") if args.package == "all" else [args.package]
    print(f"pull journeys: {MIX} x{args.scale} per package, app at {app.config['BASE_URL']}")
    for key in keys:
        bench_package(app, key, args.scale, args.every)


if __name__ == "__main__":
    main()
