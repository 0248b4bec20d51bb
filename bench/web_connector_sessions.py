"""The full journey to QuickBooks Desktop through the Web Connector, and its figures.

inbound API over HTTP -> our /qbwc SOAP service -> the simulated Web Connector (a real zeep
client, sandboxes/quickbooks_desktop/web_connector.py) -> the company simulator over HTTP;
sessions run one after another until the service says there is nothing to do, then the
company file is read back.

Prints, never asserts: the Web Connector sessions, the qbXML requests handed out, records per
session and per request, wall time per session and in total (and how much of it QuickBooks'
side took), and how long the journey would take with the Web Connector on its real schedule
(a session every 60 minutes by default, the .qwc file's RunEveryNMinutes): a pull package
moves only when the customer's PC calls.

    python bench/web_connector_sessions.py [--every MINUTES] [--scale 2] [--cut N]
                                           [--most 100]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_env  # noqa: E402
import requests  # noqa: E402

QBD = "quickbooks_desktop"
MIX = {"customers": 50, "invoices": 200, "payments": 100, "credit_notes": 20}
# The messages that carry a record of ours into the company file.
RECORD_ADDS = ("CustomerAdd", "InvoiceAdd", "CreditMemoAdd", "ReceivePaymentAdd")


# ---------------------------------------------------------------------------- environment
def setup_environment(tmp: Path) -> None:
    """bench_env's environment (as bench/push_throughput.py's) and, as tests/conftest.py
    does, the company simulator checking every request against Intuit's schema when the
    specs are here."""
    bench_env.setup_environment(tmp)
    from connectors import package_module

    for name, relative in package_module(QBD, "settings").SANDBOX_SPECS.items():
        if (SHARED / relative).exists():
            os.environ[name] = str(SHARED / relative)


@dataclass
class Company:
    """Our company, connected to a fresh simulated company file, ready to hand out."""

    company_id: int
    api_key: str
    connection_id: int
    username: str
    password: str
    sandbox_company: str


def connect(app: Any) -> Company:
    """A company connected to QuickBooks Desktop as tests/webconnector/conftest.py's
    `desktop()` does: the sandbox's own set-up, sending started, on the automatic schedule."""
    from app.companies import create_company
    from app.demo import connect_sandbox
    from app.extensions import db

    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        made = create_company(f"Bench {tag}", f"bench-{tag}@example.test", f"pw-{tag}-bench-pw")
        connection = connect_sandbox(QBD, made.company.id, f"Bench Co {tag}")
        connection.schedule = "automatic"
        connection.sending_started = True
        db.session.commit()
        extra = connection.credentials.extra
        found = Company(made.company.id, made.api_key, connection.id, extra["sandbox_username"],
                        extra["sandbox_password"], extra["sandbox_company_id"])
        db.session.remove()
    return found


def post_inbound(base_url: str, api_key: str, payloads: list[tuple[str, dict]]) -> float:
    """POST every record through the inbound API, in order; returns seconds taken."""
    started = time.monotonic()
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {api_key}"
        for path, body in payloads:
            answer = http.post(f"{base_url}/api/v1/{path}", json=body, timeout=60)
            if answer.status_code not in (200, 201):
                raise SystemExit(f"inbound API refused {path}: {answer.status_code} "
                                 f"{answer.text[:200]}")
    return time.monotonic() - started


# ---------------------------------------------------------------------------- the sessions
@dataclass
class Session:
    """One Web Connector session as measured."""

    report: Any  # sandboxes.quickbooks_desktop.web_connector.SessionReport
    seconds: float
    quickbooks_seconds: float  # of which: the company simulator running the requests


def messages_of(request: str) -> list[str]:
    """The messages of one qbXML request, by name; a ReceivePaymentAdd that only sets a
    credit (stages.py's APPLY: a credit memo applied to its invoice) is named for that."""
    from lxml import etree

    root = etree.fromstring(request.encode("utf-8"), parser=etree.XMLParser(
        resolve_entities=False, no_network=True))
    names = []
    for message in root.iter():
        if isinstance(message.tag, str) and message.tag.endswith("Rq") \
                and message.tag != "QBXMLMsgsRq":
            name = message.tag[:-2]
            if name == "ReceivePaymentAdd" and message.find(".//SetCredit") is not None:
                name = "ReceivePaymentAdd (credit applied)"
            names.append(name)
    return names


def run_sessions(base_url: str, app: Any, company: Company, most: int,
                 cut: int = 0) -> list[Session]:
    """Sessions one after another until authenticate answers "none" (that last one included),
    as a scheduled Web Connector would run them, only without the wait between. The first
    `cut` sessions stop once their second request is handed out (the PC went to sleep), and
    what they left out outlives its lease before the next one."""
    from sandboxes.quickbooks_desktop.wc_company import company_processor
    from sandboxes.quickbooks_desktop.wc_faults import StopAfterRequest
    from sandboxes.quickbooks_desktop.web_connector import run_session

    sessions: list[Session] = []
    for number in range(most):
        fault = StopAfterRequest(request=2) if number < cut else None
        inner = company_processor(base_url, company.sandbox_company)
        spent = [0.0]

        def process(request: str, inner: Any = inner, spent: list[float] = spent) -> str:
            started = time.monotonic()
            try:
                return inner(request)
            finally:
                spent[0] += time.monotonic() - started

        started = time.monotonic()
        report = run_session(f"{base_url}/qbwc", company.username, company.password, process,
                             fault=fault)
        bench_env.expire_leases(app, company.connection_id)
        sessions.append(Session(report, time.monotonic() - started, spent[0]))
        print(f"  session {len(sessions)}: {report.ended}, {len(report.requests)} request(s), "
              f"{sessions[-1].seconds:.1f} s", flush=True)
        if report.auth_status in ("none", "nvu") or not report.requests:
            break
    return sessions


# ---------------------------------------------------------------------------- read back
def read_back(base_url: str, app: Any, company: Company,
              payloads: list[tuple[str, dict]]) -> list[tuple[str, str]]:
    """What the company file holds against what was posted, and the transfers' states: rows
    of figures (words, not assertions; tests/journey checks the same strictly)."""
    from app.extensions import db
    from app.models import Transfer

    answer = requests.get(f"{base_url}/sandbox/{QBD}/companies/{company.sandbox_company}/books",
                          timeout=60)
    books = answer.json() if answer.ok else {}
    posted = Counter(path for path, _ in payloads)
    rows = []
    for label, key, field, path in (("customers", "customers", "Name", "customers"),
                                    ("invoices", "invoices", "RefNumber", "invoices"),
                                    ("credit memos", "credit_memos", "RefNumber", "credit-notes"),
                                    ("payments", "payments", "Memo", "payments")):
        found = [r.get(field) for r in books.get(key, [])
                 # a credit applied is a ReceivePayment of nothing: not one of our payments
                 if key != "payments" or _money(r.get("TotalAmount")) > 0]
        doubles = len(found) - len(set(found))
        rows.append((f"in the file: {label}", f"{len(set(found))} of {posted[path]} posted"
                     + (f", {doubles} twice" if doubles else "")))
    ours = {b["number"]: b for p, b in payloads if p == "invoices"}
    off = [i.get("RefNumber") for i in books.get("invoices", [])
           if "total" in ours.get(i.get("RefNumber"), {})
           and _money(i.get("Subtotal")) + _money(i.get("SalesTaxTotal"))
           != _money(ours[i["RefNumber"]]["total"])]
    rows.append(("invoice totals to the penny", "yes" if not off else f"no: {off[:5]}"))
    with app.app_context():
        states = Counter(t.state for t in db.session.execute(db.select(Transfer).filter_by(
            connection_id=company.connection_id)).scalars())
        db.session.remove()
    rows.append(("transfers", ", ".join(f"{k} {v}" for k, v in sorted(states.items()))))
    return rows


def _money(value: object) -> Decimal:
    return Decimal(str(value or "0"))


# ---------------------------------------------------------------------------- figures
def _duration(minutes: float) -> str:
    if minutes < 1:
        return f"{minutes * 60:.0f} s"
    if minutes < 120:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h"


def figures(mix: dict[str, int], every: float, inbound_s: float,
            sessions: list[Session]) -> list[tuple[str, str]]:
    records = sum(mix.values())
    working = [s for s in sessions if s.report.requests]
    handed = sum(len(s.report.requests) for s in working)
    total_s = sum(s.seconds for s in sessions)
    work_s = sum(s.seconds for s in working)
    qb_s = sum(s.quickbooks_seconds for s in working)
    n = len(working)
    rows = [
        ("records", f"{records} ({', '.join(f'{k} {v}' for k, v in mix.items())})"),
        ("inbound API", f"{inbound_s:.1f} s = {records / inbound_s:.0f} rec/s"),
        ("Web Connector sessions", f"{n} with work, then {len(sessions) - n} that found "
                                   f"nothing to do (ended: "
                                   + ", ".join(f"{k} {v}" for k, v in Counter(
                                       s.report.ended for s in sessions).items()) + ")"),
        ("qbXML requests handed out", f"{handed}" + (f" ({handed / n:.1f} per session)"
                                                     if n else "")),
        ("requests by what they carry", _by_content(working)),
        ("records per session", f"{records / n:.1f}" if n else "-"),
        ("records per request", f"{records / handed:.2f}" if handed else "-"),
        ("records per add request",
         _per_add_request(working)),
        ("wall time, total", f"{total_s:.1f} s for all sessions ({work_s:.1f} s with work); "
                             f"of which QuickBooks' side (the simulator) {qb_s:.1f} s"),
        ("wall time per session", ", ".join(f"{s.seconds:.1f} s" for s in sessions)),
        ("wall time per request", f"{work_s / handed:.2f} s" if handed else "-"),
    ]
    if n:
        # The records are posted just before a scheduled session (best case) or just after
        # one (worst: a whole interval before the first session); each further session waits
        # a whole interval; the last takes its own wall time.
        best = (n - 1) * every + working[-1].seconds / 60
        rows.append((f"at a session every {every:g} min",
                     f"{n} session(s): done {_duration(best)} after the first session "
                     f"starts, {_duration(best + every)} at worst (records posted just "
                     f"after a session)"))
    return rows


def _by_content(working: list[Session]) -> str:
    """Requests grouped by the messages they carry: "InvoiceAdd 4 (200)" is four requests
    with 200 InvoiceAdd messages between them."""
    requests_of: Counter[str] = Counter()
    messages: Counter[str] = Counter()
    for s in working:
        for request in s.report.requests:
            names = messages_of(request)
            key = " + ".join(dict.fromkeys(names))
            requests_of[key] += 1
            messages[key] += len(names)
    return ", ".join(f"{key} {n} ({messages[key]})" for key, n in requests_of.items())


def _per_add_request(working: list[Session]) -> str:
    """Records per request that adds records, the smallest and largest: the batching the
    sessions really got (the lists and check stages carry no new records)."""
    sizes = []
    for s in working:
        for request in s.report.requests:
            adds = sum(1 for name in messages_of(request) if name in RECORD_ADDS)
            if adds:
                sizes.append(adds)
    if not sizes:
        return "-"
    return (f"{sum(sizes) / len(sizes):.1f} on average over {len(sizes)} request(s), "
            f"{min(sizes)} to {max(sizes)}")


def report(rows: list[tuple[str, str]], database: str) -> None:
    import textwrap

    print()
    print(f"QuickBooks Desktop through the Web Connector; database {database}")
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        for i, line in enumerate(textwrap.wrap(value, 100) or [""]):
            print(f"{key if i == 0 else '':<{width}}  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--every", type=float, default=60.0,
                        help="minutes between Web Connector sessions (the .qwc file's "
                             "RunEveryNMinutes; default 60)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the default mix (50 customers, 200 invoices, "
                             "100 payments, 20 credit notes)")
    parser.add_argument("--cut", type=int, default=0,
                        help="cut the first N sessions short after their second request "
                             "(the PC sleeps), to see what lost sessions cost")
    parser.add_argument("--most", type=int, default=100,
                        help="stop after this many sessions even if there is still work")
    args = parser.parse_args()
    mix = {k: max(1, round(v * args.scale)) for k, v in MIX.items()}
    # Payments and credit notes each take invoices of their own (see demo_records.generate).
    mix["payments"] = min(mix["payments"], max(0, mix["invoices"] - mix["credit_notes"]))

    tmp = bench_env.bench_folder()
    setup_environment(tmp)
    app = bench_env.serve_app()
    from app.demo_records import generate

    base_url = os.environ["BASE_URL"]
    company = connect(app)
    # No prefix: QuickBooks' invoice RefNumber holds 11 characters, and the file is fresh.
    payloads = generate(**mix, prefix="")
    print(f"QuickBooks Desktop: posting {len(payloads)} records through the inbound API ...",
          flush=True)
    inbound_s = post_inbound(base_url, company.api_key, payloads)
    print("QuickBooks Desktop: Web Connector sessions until there is nothing to do ...",
          flush=True)
    sessions = run_sessions(base_url, app, company, args.most, args.cut)
    rows = figures(mix, args.every, inbound_s, sessions)
    rows += read_back(base_url, app, company, payloads)
    report(rows, os.environ["DATABASE_URL"].split("://", 1)[0])


if __name__ == "__main__":
    main()
