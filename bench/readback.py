"""Reading the pushed records back through the sandbox's Xero API, as any Xero client would,
and checking each is there exactly once with the source's totals to the penny."""

from __future__ import annotations

import time
from collections import Counter
from decimal import Decimal
from typing import Any

import requests


def read_back(app: Any, base_url: str, connection_id: int, collection: str) -> list[dict]:
    from app.extensions import db
    from app.models import Connection
    from app.sync.tokens import fresh_credentials

    with app.app_context():
        creds = fresh_credentials(db.session.get(Connection, connection_id))
        db.session.remove()
    headers = {"Authorization": f"Bearer {creds.access_token}",
               "xero-tenant-id": creds.tenant_id, "Accept": "application/json"}
    items: list[dict] = []
    page = 1
    while True:
        r = requests.get(f"{base_url}/sandbox/xero/api.xro/2.0/{collection}", headers=headers,
                         params={"page": page}, timeout=60)
        if r.status_code == 429:
            time.sleep(float(r.headers.get("Retry-After", "1")))
            continue
        r.raise_for_status()
        batch = r.json()[collection]
        items += batch
        if len(batch) < 100:
            return items
        page += 1


def verify(app: Any, base_url: str, connection_id: int, payloads: list[tuple[str, dict]]
           ) -> tuple[list[str], list[str], list[str]]:
    """Problems with (exactly-once, totals, credit-note allocations); empty lists mean all is
    well."""
    from app.demo_records import invoice_total

    once: list[str] = []
    totals: list[str] = []

    def check(collection: str, key: str, expected: dict[str, dict]) -> dict[str, dict]:
        items = read_back(app, base_url, connection_id, collection)
        counts = Counter(i.get(key) for i in items)
        dupes = sorted(k for k, n in counts.items() if n > 1 and k in expected)
        missing = sorted(set(expected) - set(counts))
        if dupes:
            once.append(f"{collection}: {len(dupes)} twice or more, e.g. {dupes[:3]}")
        if missing:
            once.append(f"{collection}: {len(missing)} missing, e.g. {missing[:3]}")
        return {i[key]: i for i in items}

    customers = {b["source_id"]: b for p, b in payloads if p == "customers"}
    invoices = {b["number"]: b for p, b in payloads if p == "invoices"}
    credits = {b["number"]: b for p, b in payloads if p == "credit-notes"}
    check("Contacts", "ContactNumber", customers)
    found_by: dict[str, dict[str, dict]] = {}
    for collection, key, expected in (("Invoices", "InvoiceNumber", invoices),
                                      ("CreditNotes", "CreditNoteNumber", credits)):
        found = found_by[collection] = check(collection, key, expected)
        for number, body in expected.items():
            if number in found and Decimal(str(found[number]["Total"])) != invoice_total(body):
                totals.append(f"{number}: {found[number]['Total']} != {invoice_total(body)}")
    # One Xero payment per allocation, each (payment, invoice) exactly once. The connector puts
    # our source id in the Reference, as "their reference (source id)" or alone.
    by_number = {b["source_id"]: b["number"] for b in invoices.values()}
    expected_pay = {(b["source_id"], by_number[a["invoice_source_id"]]): a["amount"]
                    for p, b in payloads if p == "payments" for a in b["allocations"]}
    xinvoices = {i["InvoiceID"]: i["InvoiceNumber"] for i in found_by["Invoices"].values()}
    seen = Counter()
    for x in read_back(app, base_url, connection_id, "Payments"):
        ref = str(x.get("Reference") or "")
        source_id = ref.rsplit("(", 1)[-1][:-1] if ref.endswith(")") else ref
        pair = (source_id, xinvoices.get(x["Invoice"]["InvoiceID"]))
        seen[pair] += 1
        if pair in expected_pay and Decimal(str(x["Amount"])) != Decimal(str(expected_pay[pair])):
            totals.append(f"payment {pair}: {x['Amount']} != {expected_pay[pair]}")
    dupes = [k for k, n in seen.items() if n > 1 and k in expected_pay]
    missing = set(expected_pay) - set(seen)
    if dupes:
        once.append(f"Payments: {len(dupes)} twice or more, e.g. {dupes[:3]}")
    if missing:
        once.append(f"Payments: {len(missing)} missing, e.g. {sorted(missing)[:3]}")
    # Each credit note is allocated to its invoice (no payment touches those invoices), so the
    # invoice owes its total less the credit.
    allocated: list[str] = []
    for body in credits.values():
        number = by_number.get(body.get("invoice_source_id") or "")
        invoice = found_by["Invoices"].get(number or "")
        if invoice is None:
            continue
        owed = invoice_total(invoices[number]) - invoice_total(body)
        if Decimal(str(invoice["AmountDue"])) != owed:
            allocated.append(f"{body['number']} on {number}: due {invoice['AmountDue']} != {owed}")
    return once, totals, allocated
