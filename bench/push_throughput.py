"""Push N records through the real pipeline to each package's sandbox and print the figures,
the packages side by side.

inbound API over HTTP -> Send Data run (a real RQ worker, or in-process with --in-process)
-> the package's connector -> its sandbox over HTTP; then read back through the package's own
API (Xero's REST lists, QuickBooks Online's query endpoint).

Prints, never asserts: records/s, API calls per record against the batch floor, and the time the
same push would take under the package's real limits (Xero: 60 calls/min, 5 concurrent,
5,000/day; QuickBooks Online: 500 calls/min of which 40 batch calls, 10 concurrent), computed by
replaying the recorded call times on a simulated clock (bench/ratesim.py).

    python bench/push_throughput.py [--package <key>|all] [--scale 2]
                                    [--records N] [--in-process]
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_env  # noqa: E402
import requests  # noqa: E402
from ratesim import Rule, simulate  # noqa: E402
from readback import verify  # noqa: E402

from connectors import connector_class, package_keys, package_module  # noqa: E402
from connectors.bench_profile import BenchProfile  # noqa: E402

MIX = {"customers": 50, "invoices": 200, "payments": 100, "credit_notes": 20}


@dataclass(frozen=True)
class Package:
    """One registered package as the bench sees it: its key, title and declared profile."""

    key: str
    title: str
    profile: BenchProfile

    @property
    def api_prefixes(self) -> tuple[str, ...]:  # request paths that are API calls
        return tuple(f"/sandbox/{self.key}/{p}" for p in self.profile.api_paths)

    @property
    def token_prefix(self) -> str:  # request paths that are OAuth token calls
        return f"/sandbox/{self.key}/{self.profile.oauth_path}"

    @property
    def batch(self) -> int:
        return self.profile.batch

    @property
    def windows(self) -> tuple[Rule, ...]:  # the package's own rolling windows
        return tuple(Rule(calls, seconds, batch_only)
                     for calls, seconds, batch_only in self.profile.windows)

    @property
    def limit_words(self) -> str:
        return self.profile.limit_words

    @property
    def batch_path(self) -> str:  # request paths ending so are batch calls ("": none)
        return self.profile.batch_path

    @property
    def concurrency(self) -> int:
        return self.profile.concurrency

    def extra_floor(self, mix: dict[str, int]) -> tuple[int, str]:
        return self.profile.extra_floor(mix)

    def endpoint(self, path: str) -> str:
        return self.profile.endpoint(path.split(f"/sandbox/{self.key}/", 1)[-1])


# Every registered package, each describing itself in connectors/<key>/bench.py.
PACKAGES = {
    key: Package(key, connector_class(key).title, package_module(key, "bench").BENCH)
    for key in package_keys("push")
}


def engine_budget(key: str) -> tuple[Rule, ...]:
    """Our engine's own windows for the package: what its connector declares
    (connectors.base.Limits), each held MARGIN_SECONDS longer (app/sync/ratelimit.py)."""
    from app.sync.ratelimit import MARGIN_SECONDS
    from connectors import connector_class

    return tuple(Rule(w.calls, w.seconds + MARGIN_SECONDS, w.batch_only)
                 for w in connector_class(key).limits.windows())


# ---------------------------------------------------------------------------- environment
def setup_environment(args: argparse.Namespace, tmp: Path) -> None:
    """bench_env's environment, and every rate limit off unless --real-limits."""
    bench_env.setup_environment(tmp, args.database_url)
    env = os.environ
    # Measure our pipeline, not the sandbox's throttle (unless asked to check the simulation).
    env["SANDBOX_RATE_LIMITS"] = "1" if args.real_limits else "0"
    # Unthrottled measurement: our own call budget off too (worker subprocesses read the env).
    env["CALL_BUDGET_ENABLED"] = "1" if args.real_limits else "0"


class CallRecorder:
    """WSGI middleware on the served app: every request that reaches a package sandbox's API,
    with its start time, from whichever process made it. The independent count."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app
        self.package: Package | None = None  # the package being measured; None: not recording
        self.calls: list[tuple[float, str, str]] = []
        self.token_calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()

    def start(self, package: Package) -> None:
        with self.lock:
            self.package = package
            self.calls, self.token_calls, self.in_flight, self.max_in_flight = [], 0, 0, 0

    def stop(self) -> None:
        self.package = None

    def __call__(self, environ: dict, start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        package = self.package
        if package is None:
            return self.wsgi_app(environ, start_response)
        api = path.startswith(package.api_prefixes)
        if not (api or path.startswith(package.token_prefix)):
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
    """The app served over HTTP with a CallRecorder in front of it."""
    app = bench_env.serve_app(wrap=CallRecorder)
    return app, app.wsgi_app


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
    from app.queue import get_queue
    from app.sync.runs import start_run

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
def batch_floor(package: Package, mix: dict[str, int]) -> tuple[int, int, str]:
    """(create calls, the extra calls the package needs to link credits, what those are): one
    create request per `package.batch` records of each kind."""
    creates = sum(math.ceil(n / package.batch) for n in mix.values())
    extra, what = package.extra_floor(mix)
    return creates, extra, what


@dataclass
class Measured:
    package: Package
    inbound_s: float
    run: Any
    push_s: float
    calls: list[tuple[float, str, str]]
    run_start: float
    token_calls: int
    max_in_flight: int
    once: list[str]
    totals: list[str]
    allocated: list[str]
    states: str


def figures(args: argparse.Namespace, mix: dict[str, int], m: Measured) -> list[tuple[str, str]]:
    """The rows printed for one package."""
    p = m.package
    records = sum(mix.values())
    starts = [t - m.run_start for t, _, _ in m.calls]
    batches = [bool(p.batch_path) and path.endswith(p.batch_path) for _, _, path in m.calls]
    creates, extra, extra_what = batch_floor(p, mix)
    floor = creates + extra
    ideal = simulate(starts, m.push_s, p.windows, batches=batches)
    from app.sync.ratelimit import INLINE_WAIT_SECONDS

    budget = engine_budget(p.key)
    engine = simulate(starts, m.push_s, p.windows, budget=budget, batches=batches,
                      resume_cost=1.0, inline_wait=INLINE_WAIT_SECONDS)
    budget_words = ", ".join(f"{r.calls}{' batch' if r.batch_only else ''}/{r.seconds:g}s"
                             for r in budget)
    per_record = len(m.calls) / records if records else 0.0
    by_kind = Counter(f"{meth} {p.endpoint(path)}" for _, meth, path in m.calls)
    limit_words = p.limit_words
    if args.real_limits:
        simulated = [("with the package's limits", "measured: see push (limits on)")]
    else:
        simulated = [
            ("with the package's limits", f"{ideal.seconds:.1f} s = "
                                          f"{records / ideal.seconds:.1f} rec/s, ideal client "
                                          f"({limit_words}; simulated)"),
            ("  ... our engine", f"{engine.seconds:.1f} s = {records / engine.seconds:.1f} "
                                 f"rec/s: parked {engine.parked}x, 429 {engine.refused}x "
                                 f"(budget {budget_words}; simulated)"),
        ]
    ratio = (len(m.calls) / floor) if floor else 0.0
    run = m.run
    return [
        ("records", f"{records}"),
        ("run status", f"{run.status}: sent {run.sent}, failed {run.failed}, "
                       f"blocked {run.blocked}{'  ' + run.detail if run.detail else ''}"),
        ("transfers", m.states),
        ("inbound API", f"{m.inbound_s:.1f} s = {records / m.inbound_s:.0f} rec/s"),
        ("push (Send Data)", f"{m.push_s:.1f} s = {records / m.push_s:.1f} rec/s, "
                             + ("limits ON" if args.real_limits else "limits off")),
        ("API calls", f"{len(m.calls)} seen, {run.calls} budgeted; +{m.token_calls} token"),
        ("calls by endpoint", ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items()))),
        ("records per create call", f"{p.batch}"),
        ("batch floor", f"{floor} = {creates} creates + {extra} {extra_what}"),
        ("calls per record", f"{per_record:.3f} (floor {floor / records:.3f})"),
        ("calls / batch floor", f"{ratio:.3f} (issue: at most 1.10) "
                                + ("OK" if ratio <= 1.1 else "OVER")),
        ("  ... / creates only", f"{len(m.calls) / creates:.3f}" if creates else "-"),
        ("max concurrent calls", f"{m.max_in_flight} (allowed {p.concurrency})"),
        *simulated,
        ("exactly once", "yes" if not m.once else "no: " + "; ".join(m.once)),
        ("totals to the penny", "yes" if not m.totals else "no: " + "; ".join(m.totals[:5])),
        ("credit notes applied", "yes" if not m.allocated else
         f"no: {len(m.allocated)} unapplied, e.g. " + "; ".join(m.allocated[:2])),
    ]


def report(args: argparse.Namespace, mix: dict[str, int], measured: list[Measured]) -> None:
    """One column per package; long cells wrap inside their column."""
    import textwrap

    mode = "in-process (execute_run)" if args.in_process else "real RQ worker (python worker.py)"
    print()
    print(f"mix: {', '.join(f'{k} {v}' for k, v in mix.items())}; database "
          f"{os.environ['DATABASE_URL'].split('://', 1)[0]}; run by {mode}; inbound "
          f"{args.inbound_threads} client thread(s)")
    columns = [dict(figures(args, mix, m)) for m in measured]
    keys = list(columns[0])
    width = max(len(k) for k in keys)
    col = 58 if len(columns) > 1 else 100
    header = [m.package.title for m in measured]
    print()
    print(f"{'':<{width}}  " + " | ".join(f"{h:<{col}}" for h in header).rstrip())
    print(f"{'':<{width}}  " + "-+-".join("-" * col for _ in header))
    for key in keys:
        cells = [textwrap.wrap(c.get(key, ""), col) or [""] for c in columns]
        for i in range(max(len(c) for c in cells)):
            label = key if i == 0 else ""
            row = " | ".join(f"{(c[i] if i < len(c) else ''):<{col}}" for c in cells)
            print(f"{label:<{width}}  {row.rstrip()}")


def measure(args: argparse.Namespace, app: Any, recorder: CallRecorder, package: Package,
            mix: dict[str, int], tmp: Path) -> Measured:
    """Connect a fresh sandbox company, post the mix, Send Data, read everything back."""
    from app.companies import create_company
    from app.demo import connect_sandbox
    from app.demo_records import generate
    from app.extensions import db

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        made = create_company(f"Bench {tag}", f"bench-{tag}@example.test", f"pw-{tag}-bench-pw")
        company_id, api_key = made.company.id, made.api_key
        connection_id = connect_sandbox(package.key, company_id, f"Bench Org {tag}").id
        db.session.remove()
    payloads = generate(customers=mix["customers"], invoices=mix["invoices"],
                        payments=mix["payments"], credit_notes=mix["credit_notes"],
                        prefix=f"B{tag}-")
    base_url = os.environ["BASE_URL"]
    print(f"{package.title}: posting {len(payloads)} records through the inbound API ...",
          flush=True)
    inbound_s = post_inbound(base_url, api_key, payloads, max(1, args.inbound_threads))
    print(f"{package.title}: Send Data ...", flush=True)
    recorder.start(package)
    run_start = time.monotonic()
    run, push_s = run_push(app, connection_id, args.in_process, tmp, args.timeout)
    recorder.stop()
    calls = [c for c in recorder.calls if c[0] >= run_start]
    print(f"{package.title}: reading back through its own API ...", flush=True)
    limits_were = app.config["SANDBOX_RATE_LIMITS"]
    app.config["SANDBOX_RATE_LIMITS"] = False  # the read-back is not part of what is measured
    once, totals, allocated = verify(app, base_url, connection_id, payloads)
    app.config["SANDBOX_RATE_LIMITS"] = limits_were
    states = transfer_states(app, connection_id)
    return Measured(package, inbound_s, run, push_s, calls, run_start, recorder.token_calls,
                    recorder.max_in_flight, once, totals, allocated, states)


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
    parser.add_argument("--package", choices=[*PACKAGES, "all"], default="all",
                        help="which package's sandbox to push to (default: all, side by side)")
    args = parser.parse_args()
    scale = args.scale if not args.records else args.records / sum(MIX.values())
    mix = {k: max(1, round(v * scale)) for k, v in MIX.items()}
    # Payments and credit notes each take invoices of their own (see demo_records.generate).
    mix["payments"] = min(mix["payments"], max(0, mix["invoices"] - mix["credit_notes"]))
    packages = list(PACKAGES.values()) if args.package == "all" else [PACKAGES[args.package]]

    tmp = bench_env.bench_folder(keep=args.keep)
    if args.keep:
        print(f"keeping {tmp} (database, worker log)")
    setup_environment(args, tmp)
    app, recorder = build_app()
    measured = [measure(args, app, recorder, package, mix, tmp) for package in packages]
    report(args, mix, measured)


if __name__ == "__main__":
    main()
