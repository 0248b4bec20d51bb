"""Do the pages stay fast with 100,000 transfers? Fill one company, serve the app over HTTP, time
the pages as a signed-in bookkeeper beside a trivial page, and EXPLAIN every query they ran.

    python bench/pages_100k.py [--transfers 100000] [--requests 10]
                               [--database-url postgresql://user@host/db]

The rows go in with SQLAlchemy core bulk inserts (the inbound API would take an hour): contacts,
invoices and credit notes with lines, payments with allocations, one transfer per record in a
realistic mix of states (failed ones with their explanation, needs-manual-update ones with their
diff), their state history over the last 45 days, attempts and runs. Default: SQLite in a temp
dir. With --database-url (PostgreSQL) everything lives in a fresh schema `bench_pages_<hex>`,
dropped at the end: the database's other schemas are never touched.

Prints, never asserts: median and p95 per page, and each query plan that scans a big table.
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_env  # noqa: E402
import requests  # noqa: E402

from connectors import connector_class, package_keys  # noqa: E402

# The pages do not depend on the package; the first registered one stands for all.
PACKAGE = package_keys()[0]
TITLE = connector_class(PACKAGE).title

MIX = {"customer": 0.09, "supplier": 0.01, "invoice": 0.55, "credit_note": 0.05,
       "payment": 0.30}
STATES = {"sent": 0.885, "failed": 0.03, "needs_manual_update": 0.01, "pending": 0.04,
          "blocked": 0.02, "do_not_send": 0.01, "sending": 0.005}
FAILURES = [  # (reason, explanation, fix) as the engine words them
    ("unmapped_account", f"Call-out fees is not mapped to a {TITLE} account, so this invoice "
     "cannot be sent.", "Map Call-out fees on the Mapping page, then press Retry."),
    ("totals_mismatch", "The lines come to £120.00 but the job system says the total is "
     "£100.00.", "Correct the invoice in the job system; it comes back by itself."),
    ("contact_archived", f"{TITLE} says the contact is archived.",
     f"Restore the contact in {TITLE}, then press Retry."),
]
BIG = ("transfers", "transfer_events", "attempts", "documents", "document_lines", "contacts",
       "payments", "payment_allocations")
SPAN_DAYS = 45
CHUNK = 5000


def setup_environment(args: argparse.Namespace, tmp: Path) -> str | None:
    """Env for the app; returns the PostgreSQL schema made for this run, if any. Never
    DATABASE_URL from the environment: the bench fills a database (or schema) of its own."""
    database_url, schema = f"sqlite:///{tmp / 'bench.db'}", None
    if args.database_url:
        from sqlalchemy import create_engine, text

        schema = f"bench_pages_{uuid.uuid4().hex[:8]}"
        url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        with create_engine(url).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        joiner = "&" if "?" in args.database_url else "?"
        database_url = f"{args.database_url}{joiner}options=-csearch_path%3D{schema}"
        atexit.register(_drop_schema, url, schema)
    bench_env.setup_environment(tmp, database_url)
    return schema


def _drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    with create_engine(url).begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


# ---------------------------------------------------------------------------- the rows
class Filler:
    """Rows for one company, built in memory and inserted in chunks with SQLAlchemy core."""

    def __init__(self, company_id: int, connection_id: int, n: int, seed: int = 7) -> None:
        self.rnd = random.Random(seed)
        self.company_id, self.connection_id, self.n = company_id, connection_id, n
        self.now = datetime.utcnow().replace(microsecond=0)  # noqa: DTZ003 (naive UTC, as stored)
        self.rows: dict[str, list[dict]] = {t: [] for t in (
            "contacts", "documents", "document_lines", "payments", "payment_allocations",
            "transfers", "transfer_events", "attempts", "runs")}
        self.next_id: dict[str, int] = {}

    def _id(self, table: str) -> int:
        self.next_id[table] = self.next_id.get(table, 0) + 1
        return self.next_id[table]

    def build(self, start_ids: dict[str, int]) -> None:
        self.next_id = dict(start_ids)
        rnd, start = self.rnd, self.now - timedelta(days=SPAN_DAYS)
        step = timedelta(days=SPAN_DAYS) / self.n
        kinds, kind_w = list(MIX), list(MIX.values())
        states, state_w = list(STATES), list(STATES.values())
        customers: list[int] = [self._contact("customer", start)]
        invoices: list[int] = []
        failed_transfers: list[int] = []
        for run in range(SPAN_DAYS * 12):  # every two hours
            at = start + timedelta(hours=2 * run)
            self.rows["runs"].append({
                "id": self._id("runs"), "company_id": self.company_id,
                "connection_id": self.connection_id, "trigger": "schedule",
                "status": "finished", "total": 190, "sent": 185, "failed": 5, "calls": 12,
                "created_at": at, "started_at": at, "finished_at": at + timedelta(minutes=2)})
        for i in range(self.n):
            at = start + step * i
            kind = rnd.choices(kinds, kind_w)[0]
            if kind in ("customer", "supplier"):
                record_id = self._contact(kind, at)
                if kind == "customer":
                    customers.append(record_id)
            elif kind == "payment":
                record_id = self._payment(rnd.choice(customers), invoices, at)
            else:
                record_id = self._document(kind, rnd.choice(customers), invoices, at)
                if kind == "invoice":
                    invoices.append(record_id)
            state = rnd.choices(states, state_w)[0]
            self._transfer(kind, record_id, state, at, failed_transfers)

    def _contact(self, kind: str, at: datetime) -> int:
        cid = self._id("contacts")
        first = self.rnd.choice(("Smith", "Jones", "Patel", "Brown", "Wilson", "Evans", "Khan"))
        self.rows["contacts"].append({
            "id": cid, "company_id": self.company_id, "kind": kind, "source_id": f"C{cid}",
            "name": f"{first} & Sons {cid}", "email": f"accounts{cid}@example.test",
            "phone": "01632 960000", "address": {"line1": f"{cid} High Street",
                                                 "postcode": "LS1 1AA"},
            "created_at": at, "updated_at": at})
        return cid

    def _document(self, kind: str, customer: int, invoices: list[int], at: datetime) -> int:
        did = self._id("documents")
        self.rows["documents"].append({
            "id": did, "company_id": self.company_id, "kind": kind, "source_id": f"D{did}",
            "number": f"{'INV' if kind == 'invoice' else 'CN'}-{did:06d}",
            "customer_id": customer, "invoice_id": invoices[-1] if kind != "invoice" and invoices
            else None, "date": at.date(), "due_date": (at + timedelta(days=30)).date(),
            "reference": f"Job {did}", "amounts_are": "exclusive", "stated_total": None,
            "created_at": at, "updated_at": at})
        for pos in range(1, self.rnd.randint(1, 3) + 1):
            self.rows["document_lines"].append({
                "id": self._id("document_lines"), "document_id": did, "position": pos,
                "description": "Boiler service and parts", "quantity": Decimal(pos),
                "unit_price": Decimal(self.rnd.randint(2000, 40000)) / 100,
                "account_key": self.rnd.choice(("sales", "materials_sales", "callout_fees")),
                "tax_rate_key": "standard"})
        return did

    def _payment(self, customer: int, invoices: list[int], at: datetime) -> int:
        pid = self._id("payments")
        amount = Decimal(self.rnd.randint(5000, 60000)) / 100
        self.rows["payments"].append({
            "id": pid, "company_id": self.company_id, "source_id": f"P{pid}",
            "customer_id": customer, "date": at.date(), "amount": amount,
            "bank_account_key": "bank", "reference": f"Card {pid}", "created_at": at,
            "updated_at": at})
        if invoices:
            self.rows["payment_allocations"].append({
                "id": self._id("payment_allocations"), "payment_id": pid,
                "invoice_id": self.rnd.choice(invoices[-500:]), "amount": amount})
        return pid

    def _transfer(self, kind: str, record_id: int, state: str, at: datetime,
                  failed: list[int]) -> None:
        tid = self._id("transfers")
        sent_at = at + timedelta(minutes=self.rnd.randint(1, 120))
        row: dict[str, Any] = {
            "id": tid, "company_id": self.company_id, "connection_id": self.connection_id,
            "record_type": kind, "record_id": record_id, "state": state,
            "idempotency_key": uuid.uuid4().hex, "external_id": None, "attempt_count": 0,
            "reason": "", "explanation": "", "fix_hint": "", "package_message": "",
            "blocked_by_id": None, "sent_snapshot": None, "changes": None, "sent_at": None,
            "created_at": at, "updated_at": sent_at}
        moves = [("", "pending", at)]
        if state in ("sent", "needs_manual_update", "failed", "sending"):
            moves.append(("pending", "sending", sent_at - timedelta(seconds=2)))
        if state in ("sent", "needs_manual_update"):
            row |= {"external_id": str(uuid.UUID(int=self.rnd.getrandbits(128))),
                    "attempt_count": 1, "sent_at": sent_at,
                    "sent_snapshot": {"number": f"R{record_id}", "total": "240.00"}}
            moves.append(("sending", "sent", sent_at))
        if state == "needs_manual_update":
            row["changes"] = [{"field": "lines[1].unit_price", "old": "100.00", "new": "150.00"},
                              {"field": "total", "old": "120.00", "new": "180.00"}]
            moves.append(("sent", "needs_manual_update", sent_at + timedelta(hours=3)))
        if state == "failed":
            reason, words, fix = self.rnd.choice(FAILURES)
            row |= {"reason": reason, "explanation": words, "fix_hint": fix, "attempt_count": 1,
                    "package_message": "A validation exception occurred" if reason ==
                    "contact_archived" else ""}
            moves.append(("sending", "failed", sent_at))
            failed.append(tid)
        if state == "blocked" and failed:
            row |= {"blocked_by_id": failed[-1], "reason": "waiting_for_parent",
                    "explanation": "Waits for its customer, which failed."}
            moves.append(("pending", "blocked", sent_at))
        if state == "do_not_send":
            moves.append(("pending", "do_not_send", sent_at))
        self.rows["transfers"].append(row)
        for before, after, when in moves:
            self.rows["transfer_events"].append({
                "id": self._id("transfer_events"), "transfer_id": tid, "at": when,
                "from_state": before, "to_state": after, "note": ""})
        if row["attempt_count"]:
            self.rows["attempts"].append({
                "id": self._id("attempts"), "transfer_id": tid, "run_id": None,
                "attempt_id": uuid.uuid4().hex, "started_at": sent_at, "finished_at": sent_at,
                "outcome": "sent" if state != "failed" else "rejected",
                "request": '{"Invoices":[{"InvoiceNumber":"INV-1","Type":"ACCREC"}]}',
                "response": '{"Status":"OK"}'})


def fill(app: Any, n: int) -> tuple[int, int, dict[str, int], float]:
    """A company with a mapped Xero connection and n transfers; (connection id, a failed
    transfer id, row counts, seconds)."""
    from sqlalchemy import func, select, text

    from app.companies import create_company
    from app.extensions import db
    from app.models import Account, AccountMapping, Connection, TaxMapping, TaxRate

    began = time.monotonic()
    with app.app_context():
        made = create_company("Acme Heating Ltd", "bench@example.test", "bench-password-1")
        conn = Connection(company_id=made.company.id, package=PACKAGE, tenant_id="bench-org",
                          tenant_name=f"Acme Heating Ltd ({TITLE})", schedule="automatic",
                          last_run_at=datetime.utcnow())  # noqa: DTZ003
        db.session.add(conn)
        db.session.flush()
        for acc in db.session.execute(select(Account).filter_by(company_id=conn.company_id)):
            if acc[0].key != "callout_fees":  # one gap: failed invoices wait for it
                db.session.add(AccountMapping(connection_id=conn.id, account_id=acc[0].id,
                                              package_code="200"))
        for rate in db.session.execute(select(TaxRate).filter_by(company_id=conn.company_id)):
            db.session.add(TaxMapping(connection_id=conn.id, tax_rate_id=rate[0].id,
                                      package_code="OUTPUT2"))
        db.session.commit()
        company_id, connection_id = conn.company_id, conn.id
        filler = Filler(company_id, connection_id, n)
        tables = db.metadata.tables
        starts = {t: db.session.execute(select(func.coalesce(func.max(tables[t].c.id), 0)))
                  .scalar_one() for t in filler.rows}
        filler.build(starts)
        with db.engine.begin() as c:
            for name in ("contacts", "documents", "document_lines", "payments",
                         "payment_allocations", "runs", "transfers", "transfer_events",
                         "attempts"):
                rows = filler.rows[name]
                for i in range(0, len(rows), CHUNK):
                    c.execute(tables[name].insert(), rows[i:i + CHUNK])
            if db.engine.dialect.name == "postgresql":
                for name in filler.rows:  # our own table names, not input
                    c.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                                   f"(SELECT max(id) FROM {name}))"))
                c.execute(text("ANALYZE"))
        failed = next(r["id"] for r in filler.rows["transfers"] if r["state"] == "failed")
        counts = {k: len(v) for k, v in filler.rows.items()}
        db.session.remove()
    return connection_id, failed, counts, time.monotonic() - began


# ---------------------------------------------------------------------------- serving, timing
class Queries:
    """Every statement the app sends while `label` is set (one request at a time), timed."""

    def __init__(self) -> None:
        self.label: str | None = None
        self.seen: dict[str, list[tuple[str, Any]]] = {}
        self.took: dict[str, list[tuple[float, str]]] = {}

    def before(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if self.label and not executemany:
            self.seen.setdefault(self.label, []).append((statement, parameters))
            conn.info["bench_began"] = time.perf_counter()

    def after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
              executemany: bool) -> None:
        began = conn.info.pop("bench_began", None)
        if self.label and began is not None:
            ms = (time.perf_counter() - began) * 1000
            self.took.setdefault(self.label, []).append((ms, statement))

    def slowest(self, label: str, at_least_ms: float = 20) -> list[tuple[float, str]]:
        return sorted((t for t in self.took.get(label, []) if t[0] >= at_least_ms),
                      reverse=True)[:3]


def serve(app: Any) -> str:
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    url = os.environ["BASE_URL"]
    server = make_server("127.0.0.1", int(url.rsplit(":", 1)[1]), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    atexit.register(server.shutdown)
    return url


def signed_in(base: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    answer = s.post(f"{base}/login", timeout=30, allow_redirects=False, data={
        "email": "bench@example.test", "password": "bench-password-1", "csrf_token": token})
    assert answer.status_code == 302, answer.text[:300]
    return s


def time_page(s: requests.Session, url: str, n: int, headers: dict | None = None
              ) -> tuple[float, float, int, int]:
    took = []
    status = size = 0
    for _ in range(n):
        began = time.perf_counter()
        answer = s.get(url, headers=headers or {}, timeout=120)
        size = len(answer.content)
        took.append((time.perf_counter() - began) * 1000)
        status = answer.status_code
    took.sort()
    p95 = took[min(len(took) - 1, round(0.95 * (len(took) - 1)))]
    return statistics.median(took), p95, status, size


def plans(app: Any, statements: list[tuple[str, Any]]) -> dict[str, list[str]]:
    """statement -> its plan lines (SQLite EXPLAIN QUERY PLAN / PostgreSQL EXPLAIN)."""
    from app.extensions import db

    out = {}
    with app.app_context(), db.engine.connect() as c:
        pg = db.engine.dialect.name == "postgresql"
        for statement, params in dict(statements).items():
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            prefix = "EXPLAIN " if pg else "EXPLAIN QUERY PLAN "
            rows = c.exec_driver_sql(prefix + statement, params).all()
            out[statement] = [r[0] if pg else r[-1] for r in rows]
    return out


def full_scans(plan: dict[str, list[str]]) -> list[str]:
    """Plan lines that read a big table in full (SQLite SCAN / PostgreSQL Seq Scan)."""
    flagged = []
    for statement, lines in plan.items():
        bad = [ln for ln in lines for t in BIG
               if f"Seq Scan on {t} " in ln + " " or re.search(rf"\bSCAN {t}\b", ln)]
        if bad:
            flagged.append(" ".join(statement.split())[:160] + "\n      -> "
                           + "\n      -> ".join(bad))
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transfers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=10, help="timed requests per page")
    parser.add_argument("--database-url", default="",
                        help="PostgreSQL URL; a fresh schema is made in it and dropped")
    parser.add_argument("--with-index", action="append", default=[], metavar="TABLE(COLS)",
                        help="try a candidate index, e.g. 'transfers(company_id,state)'")
    parser.add_argument("--sql-chars", type=int, default=200, help="SQL shown per slow query")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ledgerlink-pages-"))
    atexit.register(shutil.rmtree, tmp, True)
    setup_environment(args, tmp)

    from flask_migrate import upgrade
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db

    app = create_app()
    with app.app_context():
        upgrade(revision="heads")
    connection_id, failed_id, counts, seconds = fill(app, args.transfers)
    with app.app_context(), db.engine.begin() as c:
        for n, spec in enumerate(args.with_index):  # a candidate index, to measure it first
            table, columns = spec.rstrip(")").split("(")
            c.exec_driver_sql(f"CREATE INDEX bench_try_{n} ON {table} ({columns})")
            print(f"With the candidate index {spec}")
    dialect = os.environ["DATABASE_URL"].split(":", 1)[0]
    print(f"Filled in {seconds:.1f} s on {dialect}: "
          + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    queries = Queries()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", queries.before)
        event.listen(db.engine, "after_cursor_execute", queries.after)
    base = serve(app)
    s = signed_in(base)
    hx = {"HX-Request": "true"}
    pages = [
        ("trivial page /healthz", "/healthz", None),
        ("dashboard /", "/", None),
        ("dashboard fragment (HX)", "/", hx),
        ("run progress fragment (HX)", "/runs/1/progress", hx),
        ("transfers list /records", "/records", None),
        ("list fragment (HX)", "/records", hx),
        ("list state=failed", "/records?state=failed", None),
        ("list search q=Patel", "/records?q=Patel", None),
        ("list page 1000", "/records?page=1000", None),
        ("record detail (failed)", f"/records/{failed_id}", None),
        ("failures CSV export", "/records/failures.csv", None),
        ("mapping page", f"/connections/{connection_id}/mapping", None),
    ]
    results: list[tuple] = []
    explained: dict[str, dict[str, list[str]]] = {}
    for label, path, headers in pages:
        queries.label = label  # the warm-up request is the one whose queries we EXPLAIN
        s.get(base + path, headers=headers or {}, timeout=120)
        queries.label = None
        results.append((label, path, *time_page(s, base + path, args.requests, headers)))
        explained[label] = plans(app, queries.seen.get(label, []))

    trivial = results[0][2]
    print(f"\n{args.transfers:,} transfers, {args.requests} requests per page, {dialect}\n")
    print(f"{'page':30} {'median ms':>10} {'p95 ms':>8} {'x trivial':>9} {'status':>6} "
          f"{'KB':>7} {'queries':>7}")
    for label, _path, median, p95, status, size in results:
        print(f"{label:30} {median:10.1f} {p95:8.1f} {median / trivial:9.1f} {status:6} "
              f"{size / 1024:7.1f} {len(queries.seen.get(label, [])):7}")
    print("\nQueries of 20 ms or more (one request each):")
    for label, *_rest in results:
        for ms, statement in queries.slowest(label):
            print(f"  {label}: {ms:.0f} ms  {' '.join(statement.split())[:args.sql_chars]}")
            for line in explained[label].get(statement, [])[:12]:
                print(f"      | {line}")
    scans = {k: full_scans(v) for k, v in explained.items() if full_scans(v)}
    print("\nQuery plans that read a big table in full:" + ("" if scans else " none"))
    for label, lines in scans.items():
        print(f"  {label}:")
        for line in lines:
            print(f"    {line}")


if __name__ == "__main__":
    main()
