"""Push N records through the real pipeline to the Xero sandbox and print the figures.

inbound API over HTTP -> Send Data run (a real RQ worker, or in-process with --in-process)
-> the Xero connector -> the sandbox over HTTP; then read back through the sandbox's Xero API.

Prints, never asserts: records/s, API calls per record against the batch floor, and the time the
same push would take under Xero's real limits (60 calls/min, 5 concurrent, 5,000/day), computed
by replaying the recorded call times on a simulated clock (bench/ratesim.py).

    python bench/push_throughput.py [--scale 2] [--records N] [--in-process]
"""

from __future__ import annotations

import argparse
import atexit
import logging
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests  # noqa: E402
from ratesim import simulate  # noqa: E402
from readback import verify  # noqa: E402

MIX = {"customers": 50, "invoices": 200, "payments": 100, "credit_notes": 20}
BATCH = 50  # Xero's items per create request, as the connector uses it


# ---------------------------------------------------------------------------- environment
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_environment(args: argparse.Namespace, tmp: Path) -> None:
    env = os.environ
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    elif not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    if not env.get("REDIS_URL"):
        from app.redis_conn import start_embedded_redis

        proc, url = start_embedded_redis(tmp / "redis")
        atexit.register(proc.kill)
        env["REDIS_URL"] = url
    env["BASE_URL"] = f"http://127.0.0.1:{_free_port()}"
    env["SANDBOX_MODE"] = "1"
    # Measure our pipeline, not the sandbox's throttle (unless asked to check the simulation).
    env["SANDBOX_RATE_LIMITS"] = "1" if args.real_limits else "0"
    # Unthrottled measurement: our own call budget off too (worker subprocesses read the env).
    env["CALL_BUDGET_ENABLED"] = "1" if args.real_limits else "0"
    env["DEMO_DATA"] = "0"
    env.setdefault("SECRET_KEY", "bench-secret-key")
    env["RQ_QUEUE"] = f"bench-{uuid.uuid4().hex[:8]}"
    env.setdefault("HTTP_TIMEOUT_SECONDS", "30")


class CallRecorder:
    """WSGI middleware on the served app: every request that reaches the sandbox's Xero API,
    with its start time, from whichever process made it. The independent count."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app
        self.on = False
        self.calls: list[tuple[float, str, str]] = []
        self.token_calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        api = path.startswith("/sandbox/xero/api.xro/") or path == "/sandbox/xero/connections"
        if not (self.on and (api or path.startswith("/sandbox/xero/identity/"))):
            return self.wsgi_app(environ, start_response)
        with self.lock:
            if api:
                self.calls.append((time.monotonic(), environ["REQUEST_METHOD"], path))
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            else:
                self.token_calls += 1
        try:
            # Buffer the body so "in flight" covers the whole answer, not just its start.
            return list(self.wsgi_app(environ, start_response))
        finally:
            if api:
                with self.lock:
                    self.in_flight -= 1


def build_app() -> tuple[Any, CallRecorder]:
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app

    app = create_app()
    with app.app_context():
        upgrade(revision="heads")
    # Alembic's logging config turns on werkzeug's request lines; the table is the output here.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    recorder = CallRecorder(app.wsgi_app)
    app.wsgi_app = recorder  # type: ignore[method-assign]
    port = int(os.environ["BASE_URL"].rsplit(":", 1)[1])
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    atexit.register(server.shutdown)
    return app, recorder


# ---------------------------------------------------------------------------- the journey
def post_inbound(base_url: str, api_key: str, payloads: list[tuple[str, dict]],
                 threads: int) -> float:
    """POST every record through the inbound API, in order (parents before children within
    each kind's turn); returns seconds taken."""
    headers = {"Authorization": f"Bearer {api_key}"}
    started = time.monotonic()
    # Kinds go in sequence (an invoice needs its customer); within a kind, `threads` at once.
    for path in dict.fromkeys(p for p, _ in payloads):
        bodies = [b for p, b in payloads if p == path]
        chunks = [bodies[i::threads] for i in range(threads)]
        errors: list[str] = []

        def post(chunk: list[dict], path: str = path, errors: list[str] = errors) -> None:
            with requests.Session() as s:
                for body in chunk:
                    r = s.post(f"{base_url}/api/v1/{path}", json=body, headers=headers, timeout=60)
                    if r.status_code not in (200, 201):
                        errors.append(f"{path}: {r.status_code} {r.text[:200]}")

        workers = [threading.Thread(target=post, args=(c,)) for c in chunks if c]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if errors:
            raise SystemExit(f"inbound API refused records: {errors[:3]}")
    return time.monotonic() - started


def run_push(app: Any, connection_id: int, in_process: bool, tmp: Path,
             timeout: float) -> tuple[Any, float]:
    """Start Send Data and execute it; returns (the finished Run, seconds)."""
    from app.extensions import db
    from app.models import Connection, Run
    from app.sync.runs import get_queue, start_run

    worker = None
    with app.app_context():
        if not in_process:
            log = open(tmp / "worker.log", "w")  # noqa: SIM115 (closed with the process)
            worker = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], cwd=ROOT,
                                      env=dict(os.environ), stdout=log, stderr=log)
            from rq import Worker

            deadline = time.monotonic() + 30
            while not Worker.all(queue=get_queue()) and time.monotonic() < deadline:
                time.sleep(0.1)
        try:
            started = time.monotonic()
            run = start_run(db.session.get(Connection, connection_id), trigger="manual")
            run_id = run.id
            if in_process:
                from app.sync.engine import execute_run

                get_queue().empty()  # the job start_run queued: this process runs it instead
                execute_run(run_id)
            deadline = started + timeout
            while True:
                db.session.expire_all()
                run = db.session.get(Run, run_id)
                if run.status in ("finished", "failed") or time.monotonic() > deadline:
                    break
                if worker is not None and worker.poll() is not None:
                    raise SystemExit(f"the worker died; see {tmp / 'worker.log'}")
                time.sleep(0.05)
            elapsed = time.monotonic() - started
            db.session.expunge(run)
            return run, elapsed
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(10)
            db.session.remove()


def transfer_states(app: Any, connection_id: int) -> str:
    """Transfer states after the run, with the last note of a few that are not `sent`."""
    from app.extensions import db
    from app.models import Transfer, TransferEvent

    with app.app_context():
        rows = db.session.execute(
            db.select(Transfer).filter_by(connection_id=connection_id)).scalars().all()
        states = Counter(t.state for t in rows)
        notes = []
        for t in [t for t in rows if t.state != "sent"][:3]:
            last = db.session.execute(
                db.select(TransferEvent).filter_by(transfer_id=t.id)
                .order_by(TransferEvent.id.desc()).limit(1)).scalar_one_or_none()
            notes.append(f"{t.record_type} {t.record_id} {t.state}: "
                         f"{last.note if last else ''}")
        db.session.remove()
    text = ", ".join(f"{k} {v}" for k, v in sorted(states.items()))
    return text + ("  [" + "; ".join(notes) + "]" if notes else "")


# ---------------------------------------------------------------------------- figures
def _endpoint(path: str) -> str:
    """/sandbox/xero/api.xro/2.0/CreditNotes/<id>/Allocations -> CreditNotes/*/Allocations"""
    parts = path.split("/api.xro/2.0/", 1)[-1].split("/")
    return "/".join("*" if i == 1 else part for i, part in enumerate(parts))


def batch_floor(mix: dict[str, int]) -> tuple[int, int]:
    """(create calls, allocation calls): one PUT per 50 of each kind, then per credit-note batch
    one GET /Invoices for the amounts due and one PUT .../Allocations per credit note."""
    creates = sum(math.ceil(n / BATCH) for n in mix.values())
    allocations = math.ceil(mix["credit_notes"] / BATCH) + mix["credit_notes"]
    return creates, allocations


def report(args: argparse.Namespace, mix: dict[str, int], inbound_s: float, run: Any,
           push_s: float, calls: list[tuple[float, str, str]], run_start: float,
           recorder: CallRecorder, once: list[str], totals: list[str],
           allocated: list[str], states: str) -> None:
    records = sum(mix.values())
    starts = [t - run_start for t, _, _ in calls]
    creates, allocations = batch_floor(mix)
    floor = creates + allocations
    ideal = simulate(starts, push_s)
    wall_phase = time.time() - (time.monotonic() - run_start)
    # Our engine: 95% budget, rolling minute (app/sync/ratelimit.py), under Xero's rolling limit.
    engine = simulate(starts, push_s, budget=(57, 4750), phase=wall_phase, resume_cost=1.0)
    per_record = len(calls) / records if records else 0.0
    by_kind = Counter(f"{m} {_endpoint(p)}" for _, m, p in calls)
    mode = "in-process (execute_run)" if args.in_process else "real RQ worker (python worker.py)"
    if args.real_limits:
        # The recorded times already include the throttling (and the 429s): nothing to replay.
        simulated = [("with Xero's limits", "see push: measured with the limits on")]
    else:
        simulated = [
            ("with Xero's limits", f"{ideal.seconds:.1f} s  = {records / ideal.seconds:.1f} "
                                   "records/s, ideal client (60 calls/min rolling, 5,000/day; "
                                   "simulated clock)"),
            ("  ... our engine", f"{engine.seconds:.1f} s  = {records / engine.seconds:.1f} "
                                 f"records/s: budget parked the run {engine.parked}x, Xero "
                                 f"would answer 429 {engine.refused}x (57/min rolling, "
                                 "+1 s per resume; simulated clock)"),
        ]
    rows = [
        ("records", f"{records}  ({', '.join(f'{k} {v}' for k, v in mix.items())})"),
        ("database", os.environ["DATABASE_URL"].split("://", 1)[0]),
        ("run executed by", mode),
        ("run status", f"{run.status}: sent {run.sent}, failed {run.failed}, "
                       f"blocked {run.blocked}{'  ' + run.detail if run.detail else ''}"),
        ("transfers", states),
        ("inbound API", f"{inbound_s:.1f} s  = {records / inbound_s:.0f} records/s "
                        f"({args.inbound_threads} client thread(s))"),
        ("push (Send Data)", f"{push_s:.1f} s  = {records / push_s:.1f} records/s, "
                             + ("limits ON (measured)" if args.real_limits else "limits off")),
        ("API calls", f"{len(calls)} seen by the sandbox, {run.calls} counted by the run "
                      f"budget; +{recorder.token_calls} token call(s)"),
        ("calls by endpoint", ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items()))),
        ("calls per record", f"{per_record:.3f}  (floor {floor / records:.3f} = {creates} "
                             f"batch creates + {allocations} credit-note allocation calls)"),
        ("max concurrent calls", f"{recorder.max_in_flight} (Xero allows 5)"),
        *simulated,
        ("records per Xero day", f"{int(5000 / per_record) if per_record else 0} at this mix "
                                 "(5,000 calls/day / calls per record)"),
        ("exactly once", "yes" if not once else "no: " + "; ".join(once)),
        ("totals to the penny", "yes" if not totals else "no: " + "; ".join(totals[:5])),
        ("credit notes allocated", "yes" if not allocated else
         f"no: {len(allocated)} unallocated, e.g. " + "; ".join(allocated[:2])),
    ]
    width = max(len(k) for k, _ in rows)
    print()
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the default mix (50 customers, 200 invoices, "
                             "100 payments, 20 credit notes)")
    parser.add_argument("--records", type=int, default=0,
                        help="total records, in the default mix's proportions (overrides --scale)")
    parser.add_argument("--in-process", action="store_true",
                        help="execute the run in this process instead of a real RQ worker")
    parser.add_argument("--database-url", default="", help="default: DATABASE_URL or temp SQLite")
    parser.add_argument("--real-limits", action="store_true",
                        help="keep the sandbox's and the engine's rate limits on: measures the "
                             "throttled push for real (slow), to check the simulated figures")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory (SQLite database, worker log)")
    parser.add_argument("--inbound-threads", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the run")
    args = parser.parse_args()
    scale = args.scale if not args.records else args.records / sum(MIX.values())
    mix = {k: max(1, round(v * scale)) for k, v in MIX.items()}
    # Payments and credit notes each take invoices of their own (see demo_records.generate).
    mix["payments"] = min(mix["payments"], max(0, mix["invoices"] - mix["credit_notes"]))

    os.chdir(ROOT)
    tmp = Path(tempfile.mkdtemp(prefix="ledgerlink-bench-"))
    if args.keep:
        print(f"keeping {tmp} (database, worker log)")
    else:
        atexit.register(shutil.rmtree, tmp, True)
    setup_environment(args, tmp)
    app, recorder = build_app()

    from app.companies import create_company
    from app.demo import connect_sandbox_xero
    from app.demo_records import generate
    from app.extensions import db

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        made = create_company(f"Bench {tag}", f"bench-{tag}@example.test", f"pw-{tag}-bench-pw")
        company_id, api_key = made.company.id, made.api_key
        connection_id = connect_sandbox_xero(company_id, f"Bench Org {tag}").id
        db.session.remove()
    payloads = generate(customers=mix["customers"], invoices=mix["invoices"],
                        payments=mix["payments"], credit_notes=mix["credit_notes"],
                        prefix=f"B{tag}-")
    base_url = os.environ["BASE_URL"]
    print(f"posting {len(payloads)} records through the inbound API ...", flush=True)
    inbound_s = post_inbound(base_url, api_key, payloads, max(1, args.inbound_threads))

    print("Send Data ...", flush=True)
    recorder.on = True
    run_start = time.monotonic()
    run, push_s = run_push(app, connection_id, args.in_process, tmp, args.timeout)
    recorder.on = False
    calls = [c for c in recorder.calls if c[0] >= run_start]
    print("reading back through the sandbox's Xero API ...", flush=True)
    app.config["SANDBOX_RATE_LIMITS"] = False  # the read-back is not part of what is measured
    once, totals, allocated = verify(app, base_url, connection_id, payloads)
    states = transfer_states(app, connection_id)
    report(args, mix, inbound_s, run, push_s, calls, run_start, recorder, once, totals,
           allocated, states)


if __name__ == "__main__":
    main()
