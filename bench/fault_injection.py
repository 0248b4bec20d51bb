"""Fault injection: push records through the real pipeline while things go wrong, then count
what the package holds through its own API, and print a table. Figures, not timed tests.

Real components throughout: the app served over HTTP with the package sandboxes (behind the
fault-injecting middleware of tests/fault_injection.py, shared with the contract suite), real worker
processes (`python worker.py`) and the real cron process (`python -m app.cron`, which runs the
sweep), an embedded Redis that can be restarted, and read-back through Xero's REST lists and
QuickBooks Online's query endpoint (tests/sync/readback.py). Nobody acts during a scenario: no
cron tick is called by hand, no run restarted.

Scenarios (each on a fresh sandbox organisation, every one must end with 0 duplicates, 0 lost
and no forced reconnect):
  sigkill      SIGKILL of the worker at a random point of the run, a new worker started at once
               (--kill-runs runs of --records records each)
  redis        Redis killed mid-run and started again, empty, a few seconds later
  5xx          a storm of 500/502/503 answers from the package (before it commits)
  429          a storm of 429 "too many requests" with Retry-After
  timeout      answers that never arrive in time although the package committed the record
  token        two workers refreshing one rotating refresh token at once, while a run needs it

    python bench/fault_injection.py [--quick] [--package xero|quickbooks_online|both]
                                    [--records 1000] [--kill-runs 5] [--only sigkill,redis]
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.fault_injection import FaultInjector  # noqa: E402 (shared with the contract suite)

HTTP_TIMEOUT = 3  # seconds per package call in the workers: the "timeout" scenario outwaits it
MIX = {"customers": 50, "invoices": 200, "payments": 100, "credit_notes": 20}


def api_path(package: str) -> str:
    """The request paths of the package's API in its sandbox, as its bench profile declares."""
    from connectors import package_module

    return f"/sandbox/{package}/{package_module(package, 'bench').BENCH.api_paths[0]}"


# ---------------------------------------------------------------------------- environment
class Redis:
    """The embedded Redis every process uses; restart() brings it back empty on the same
    socket, as a Redis without persistence comes back."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> None:
        from app.redis_conn import start_embedded_redis

        self.proc, self.url = start_embedded_redis(self.directory)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def setup_environment(tmp: Path) -> Redis:
    from bench_env import free_port

    env = os.environ
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'faults.db'}")
    redis = Redis(tmp / "redis")
    redis.start()
    atexit.register(redis.kill)
    env["REDIS_URL"] = redis.url
    env["BASE_URL"] = f"http://127.0.0.1:{free_port()}"
    env["SANDBOX_MODE"] = "1"
    env["SANDBOX_RATE_LIMITS"] = "0"  # the storms below are the package's answers here
    env["DEMO_DATA"] = "0"
    env.setdefault("SECRET_KEY", "fault-bench-secret-key")
    env["RQ_QUEUE"] = f"faults-{uuid.uuid4().hex[:8]}"
    env["HTTP_TIMEOUT_SECONDS"] = str(HTTP_TIMEOUT)
    # Short leases and locks (still above the HTTP timeout) and a quick cron tick, so that
    # recovery after a crash takes seconds rather than the production minutes.
    env["LEASE_SECONDS"] = "8"
    env["RUN_LOCK_SECONDS"] = "8"
    env["CRON_TICK_SECONDS"] = "2"
    return redis


def build_app() -> tuple[Any, FaultInjector]:
    from bench_env import serve_app

    # "timeout": the answer arrives well after the workers' HTTP timeout gave up on it.
    app = serve_app(wrap=lambda wsgi: FaultInjector(wsgi, late_by=HTTP_TIMEOUT + 1.5))
    return app, app.wsgi_app


# ---------------------------------------------------------------------------- processes
@dataclass
class Processes:
    tmp: Path
    started: list[subprocess.Popen] = field(default_factory=list)
    spawned: int = 0

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        self.spawned += 1
        log = open(self.tmp / f"{self.spawned:02d}-{name}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(args, cwd=ROOT, env=dict(os.environ), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(proc)
        return proc

    def worker(self) -> subprocess.Popen:
        return self._spawn([sys.executable, str(ROOT / "worker.py")], "worker")

    def cron(self) -> subprocess.Popen:
        return self._spawn([sys.executable, "-m", "app.cron"], "cron")

    def stop_all(self) -> None:
        for proc in self.started:
            _stop_group(proc)
        self.started = []


def _stop_group(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


# ---------------------------------------------------------------------------- one scenario
@dataclass
class Outcome:
    scenario: str
    package: str
    records: int
    status: str = ""
    sent: int = 0
    duplicates: int = 0
    lost: int = 0
    reconnect: bool = False
    faults: str = ""
    seconds: float = 0.0
    note: str = ""


@dataclass
class Books:
    app: Any
    package: str
    company_id: int
    api_key: str
    connection_id: int
    payloads: list[tuple[str, dict]]

    def sent(self) -> int:
        return self.states().get("sent", 0)

    def states(self) -> Counter:
        from app.extensions import db
        from app.models import Transfer

        with self.app.app_context():
            rows = db.session.execute(
                db.select(Transfer.state).filter_by(connection_id=self.connection_id)).scalars()
            counted = Counter(rows)
            db.session.remove()
        return counted

    def run_status(self, run_id: int) -> str:
        from app.extensions import db
        from app.models import Run

        with self.app.app_context():
            status = db.session.get(Run, run_id).status
            db.session.remove()
        return status


def mix_for(records: int) -> dict[str, int]:
    scale = records / sum(MIX.values())
    mix = {k: max(1, round(v * scale)) for k, v in MIX.items()}
    mix["payments"] = min(mix["payments"], max(0, mix["invoices"] - mix["credit_notes"]))
    return mix


def prepare(app: Any, package: str, records: int) -> Books:
    """A company connected to a fresh sandbox organisation, its records POSTed over HTTP."""
    from push_throughput import post_inbound

    from app.companies import create_company
    from app.demo import connect_sandbox
    from app.demo_records import generate
    from app.extensions import db

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        made = create_company(f"Faults {tag}", f"faults-{tag}@example.test", f"pw-{tag}-faults")
        company_id, api_key = made.company.id, made.api_key
        connection_id = connect_sandbox(package, company_id, f"Faults Org {tag}").id
        db.session.remove()
    mix = mix_for(records)
    payloads = generate(customers=mix["customers"], invoices=mix["invoices"],
                        payments=mix["payments"], credit_notes=mix["credit_notes"],
                        prefix=f"F{tag}-", seed=random.randrange(10**6))
    post_inbound(os.environ["BASE_URL"], api_key, payloads, 4)
    return Books(app, package, company_id, api_key, connection_id, payloads)


def start_send(books: Books) -> int:
    from app.extensions import db
    from app.models import Connection
    from app.sync.runs import start_run

    with books.app.app_context():
        run = start_run(db.session.get(Connection, books.connection_id), trigger="manual")
        run_id = run.id
        db.session.remove()
    return run_id


def wait_for_sent(books: Books, at_least: int, run_id: int, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if books.sent() >= at_least:
            return True
        if books.run_status(run_id) in ("finished", "failed"):
            return False
        time.sleep(0.05)
    return False


def wait_for_run(books: Books, run_id: int, limit: float) -> str:
    deadline = time.monotonic() + limit
    status = ""
    while time.monotonic() < deadline:
        status = books.run_status(run_id)
        if status in ("finished", "failed"):
            return status
        time.sleep(0.25)
    return f"{status} (gave up after {limit:.0f} s)"


def count_books(books: Books) -> tuple[int, int]:
    """(duplicates, lost) as the package's own API reports its books: every customer,
    invoice, credit note and payment allocation we sent, by our reference."""
    from tests.sync.readback import read_books

    customers = {b["source_id"]: b for p, b in books.payloads if p == "customers"}
    invoices = {b["number"]: b for p, b in books.payloads if p == "invoices"}
    credits = {b["number"]: b for p, b in books.payloads if p == "credit-notes"}
    held = read_books(books.app, os.environ["BASE_URL"], books.connection_id,
                      {b["name"]: k for k, b in customers.items()})
    number_of_source = {b["source_id"]: b["number"] for b in invoices.values()}
    number_of_id = {d.package_id: d.number for d in held.invoices}
    expected_pay = {(b["source_id"], number_of_source[a["invoice_source_id"]]): Decimal(
        str(a["amount"])) for p, b in books.payloads if p == "payments" for a in b["allocations"]}
    duplicates = lost = 0
    for keys, expected in (
        ([k for k, _ in held.contacts], customers),
        ([d.number for d in held.invoices], invoices),
        ([d.number for d in held.credit_notes], credits),
        ([(p.source_id, number_of_id.get(p.invoice_id, "")) for p in held.payments],
         expected_pay),
    ):
        counts = Counter(keys)
        duplicates += sum(n - 1 for k, n in counts.items() if n > 1 and k in expected)
        lost += len(set(expected) - set(counts))
    return duplicates, lost


def finish(books: Books, outcome: Outcome, run_id: int, procs: Processes, limit: float,
           started: float, stop_faults: Callable[[], None] | None = None) -> Outcome:
    from app.extensions import db
    from app.models import Connection
    from app.models.connection import CONNECTED

    outcome.status = wait_for_run(books, run_id, limit)
    outcome.seconds = time.monotonic() - started
    if stop_faults is not None:
        stop_faults()  # the read-back below is not part of the storm
    states = books.states()
    if set(states) - {"sent"}:
        outcome.note = ", ".join(f"{k} {v}" for k, v in sorted(states.items()))
    outcome.sent = states.get("sent", 0)
    with books.app.app_context():
        outcome.reconnect = db.session.get(Connection, books.connection_id).status != CONNECTED
        db.session.remove()
    procs.stop_all()
    outcome.duplicates, outcome.lost = count_books(books)
    return outcome


# ---------------------------------------------------------------------------- scenarios
Scenario = Callable[[Any, "FaultInjector", Redis, Processes, str, int, float], list[Outcome]]


def sigkill(app: Any, inj: FaultInjector, redis: Redis, procs: Processes, package: str,
            records: int, limit: float, runs: int = 1) -> list[Outcome]:
    outcomes = []
    for i in range(runs):
        books = prepare(app, package, records)
        procs.cron()
        worker = procs.worker()
        started = time.monotonic()
        run_id = start_send(books)
        point = random.uniform(0.05, 0.9)
        kills = 0
        if wait_for_sent(books, max(1, int(point * records)), run_id, limit):
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            kills += 1
            procs.worker()  # what supervision does: a new worker at once
        outcome = Outcome(f"sigkill #{i + 1}", package, records,
                          faults=f"SIGKILL at {point:.0%} of the records" if kills else
                          "run ended before the kill point")
        outcomes.append(finish(books, outcome, run_id, procs, limit, started))
    return outcomes


def redis_restart(app: Any, inj: FaultInjector, redis: Redis, procs: Processes, package: str,
                  records: int, limit: float) -> list[Outcome]:
    books = prepare(app, package, records)
    procs.cron()
    procs.worker()
    started = time.monotonic()
    run_id = start_send(books)
    point = random.uniform(0.1, 0.7)
    faults = "run ended before Redis went"
    if wait_for_sent(books, max(1, int(point * records)), run_id, limit):
        redis.kill()
        time.sleep(3)
        redis.start()
        faults = f"Redis killed at {point:.0%}, back empty 3 s later"
    outcome = Outcome("redis restart", package, records, faults=faults)
    alive = [p for p in procs.started if p.poll() is None]
    outcome = finish(books, outcome, run_id, procs, limit, started)
    if len(alive) < 2:
        outcome.note = (outcome.note + "; " if outcome.note else "") + "a process quit"
    return [outcome]


def storm(mode: str, rate: float, budget: int) -> Scenario:
    def _run(app: Any, inj: FaultInjector, redis: Redis, procs: Processes, package: str,
             records: int, limit: float) -> list[Outcome]:
        books = prepare(app, package, records)
        procs.cron()
        procs.worker()
        # A storm starts at the package's third call: each call then fails with probability
        # `rate` until `budget` faults are in (a run parks at the first one, so a storm in
        # seconds would mostly fall on a parked run). "timeout" hits up to `budget` writes.
        inj.arm(api_path(package), mode, rate, budget,
                skip_calls=0 if mode == "timeout" else 2)
        started = time.monotonic()
        run_id = start_send(books)
        outcome = Outcome(f"{mode} storm" if mode != "timeout" else "timeout after commit",
                          package, records)
        injected: dict[str, int] = {}

        def stop_faults() -> None:
            injected.update(inj.injected)
            inj.disarm()

        try:
            outcome = finish(books, outcome, run_id, procs, limit, started, stop_faults)
        finally:
            inj.disarm()
        outcome.faults = (", ".join(f"{n}x {k}" for k, n in sorted(injected.items()))
                          + f" in {inj.calls} calls") if injected else "none injected"
        return [outcome]

    return _run


def token_race(app: Any, inj: FaultInjector, redis: Redis, procs: Processes, package: str,
               records: int, limit: float) -> list[Outcome]:
    """The access token has expired as the run starts; a second worker refreshes the same
    rotating token again and again meanwhile. A refresh token used twice would be refused by
    the package, and the connection would need reconnecting."""
    from rq import Queue

    from app.extensions import db
    from app.models import Connection
    from app.redis_conn import get_redis

    books = prepare(app, package, records)
    with app.app_context():
        connection = db.session.get(Connection, books.connection_id)
        connection.credentials = replace(connection.credentials, expires_at=time.time() - 5)
        db.session.commit()
        db.session.remove()
    procs.cron()
    procs.worker()
    procs.worker()
    started = time.monotonic()
    with app.app_context():
        queue = Queue(os.environ["RQ_QUEUE"], connection=get_redis())
        jobs = [queue.enqueue("bench.fault_jobs.refresh_token", books.connection_id)
                for _ in range(3)]
        run_id = start_send(books)
        jobs += [queue.enqueue("bench.fault_jobs.refresh_token", books.connection_id)
                 for _ in range(5)]
    outcome = Outcome("token race", package, records)
    deadline = time.monotonic() + limit
    with app.app_context():
        while time.monotonic() < deadline and any(
                j.get_status(refresh=True) not in ("finished", "failed") for j in jobs):
            time.sleep(0.2)
        done = Counter(getattr(status, "value", str(status))
                       for status in (j.get_status(refresh=True) for j in jobs))
    outcome = finish(books, outcome, run_id, procs, limit, started)
    outcome.faults = (f"expired token; {len(jobs)} forced refreshes by 2 workers "
                      f"({', '.join(f'{n} {k}' for k, n in sorted(done.items()))})")
    return [outcome]


# ---------------------------------------------------------------------------- the table
def table(outcomes: list[Outcome]) -> None:
    head = ("scenario", "package", "records", "run", "sent", "dupes", "lost", "reconnect",
            "secs", "faults injected")
    rows = [(o.scenario, o.package, str(o.records), o.status, str(o.sent), str(o.duplicates),
             str(o.lost), "yes" if o.reconnect else "no", f"{o.seconds:.0f}",
             o.faults + (f" [{o.note}]" if o.note else "")) for o in outcomes]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
    line = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    print()
    print(line.format(*head))
    print(line.format(*["-" * w for w in widths], "-" * 15))
    for row in rows:
        print(line.format(*row))
    good = all(o.duplicates == 0 and o.lost == 0 and not o.reconnect and o.status == "finished"
               for o in outcomes)
    print()
    print(f"{len(outcomes)} scenario runs: "
          f"{sum(o.duplicates for o in outcomes)} duplicates, "
          f"{sum(o.lost for o in outcomes)} lost, "
          f"{sum(o.reconnect for o in outcomes)} forced reconnects -> "
          + ("ALL GOOD" if good else "PROBLEMS ABOVE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small runs (200 records, 2 SIGKILL runs, the first package) for a "
                             "few minutes "
                             "on 2 cores")
    parser.add_argument("--records", type=int, default=0, help="records per run (default 1000)")
    parser.add_argument("--kill-runs", type=int, default=0, help="SIGKILL runs (default 5)")
    from connectors import package_keys

    parser.add_argument("--package", choices=[*package_keys("push"), "both"], default="")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per run")
    parser.add_argument("--keep", action="store_true", help="keep the logs and database")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    records = args.records or (200 if args.quick else 1000)
    kill_runs = args.kill_runs or (2 if args.quick else 5)
    package_arg = args.package or (package_keys("push")[0] if args.quick else "both")
    packages = package_keys("push") if package_arg == "both" else [package_arg]
    random.seed(args.seed or None)
    storm_faults = 8 if args.quick else 20
    scenarios: dict[str, Any] = {
        "sigkill": lambda *a: sigkill(*a, runs=kill_runs),
        "redis": redis_restart,
        "5xx": storm("5xx", 0.8, storm_faults),
        "429": storm("429", 0.8, storm_faults),
        "timeout": storm("timeout", 0.3, 3 if args.quick else 8),
        "token": token_race,
    }
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(scenarios)

    os.chdir(ROOT)
    tmp = Path(tempfile.mkdtemp(prefix="ledgerlink-faults-"))
    if args.keep:
        print(f"keeping {tmp} (database, worker and cron logs)")
    else:
        atexit.register(shutil.rmtree, tmp, True)
    redis = setup_environment(tmp)
    app, injector = build_app()
    procs = Processes(tmp)
    atexit.register(procs.stop_all)
    outcomes: list[Outcome] = []
    try:
        for package in packages:
            for name in chosen:
                print(f"{package}: {name} ({records} records) ...", flush=True)
                outcomes += scenarios[name](app, injector, redis, procs, package, records,
                                            args.timeout)
                print(f"  {outcomes[-1]}", flush=True)
    except KeyboardInterrupt:
        print("interrupted; the figures so far:")
    finally:
        procs.stop_all()
    table(outcomes)


if __name__ == "__main__":
    main()
