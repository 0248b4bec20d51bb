"""UI tests: sign-in, the dashboard and its HTMX fragments; helpers shared by them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from app.extensions import db
from app.models import (
    Account,
    AccountMapping,
    Connection,
    Contact,
    Document,
    DocumentLine,
    Payment,
    Run,
    Transfer,
)

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client: Any, email: str, password: str, **kwargs: Any) -> Any:
    """Sign in through the real form (token included), as a browser would."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, **kwargs
    )


def page_token(client: Any, path: str = "/") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def tile(html: str, state: str) -> int:
    """The number shown on a state's count tile (the first one if several connections)."""
    match = re.search(
        rf'tile-{state}[^"]*">\s*<span class="tile-label">[^<]*</span>\s*'
        r'<span class="tile-number">([\d,]+)</span>', html)
    assert match, f"no tile for {state}"
    return int(match.group(1).replace(",", ""))


# Building rows directly (call inside an app context).

def add_connection(company_id: int, **fields) -> int:
    fields.setdefault("tenant_name", "Demo Org")
    conn = Connection(company_id=company_id, package="xero", **fields)
    db.session.add(conn)
    db.session.commit()
    return conn.id


def add_invoice(company_id: int, number: str, customer: str, account: str = "sales",
                lines: tuple[tuple[str, str], ...] = (("2", "100.00"),)) -> int:
    contact = Contact(company_id=company_id, kind="customer", source_id=f"c-{number}",
                      name=customer)
    db.session.add(contact)
    db.session.flush()
    doc = Document(company_id=company_id, kind="invoice", source_id=f"i-{number}",
                   number=number, customer_id=contact.id, date=date(2026, 3, 12))
    for n, (qty, price) in enumerate(lines, start=1):
        doc.lines.append(DocumentLine(position=n, description="Boiler service",
                                      quantity=Decimal(qty), unit_price=Decimal(price),
                                      account_key=account, tax_rate_key="standard"))
    db.session.add(doc)
    db.session.commit()
    return doc.id


def add_transfer(company_id: int, connection_id: int, record_id: int, state: str,
                 record_type: str = "invoice", **fields) -> int:
    t = Transfer(company_id=company_id, connection_id=connection_id, record_type=record_type,
                 record_id=record_id, state=state, **fields)
    db.session.add(t)
    db.session.commit()
    return t.id


def map_everything(company_id: int, connection_id: int) -> None:
    accounts = db.session.execute(db.select(Account).filter_by(company_id=company_id))
    for account in accounts.scalars():
        db.session.add(AccountMapping(connection_id=connection_id, account_id=account.id,
                                      package_code="200"))
    db.session.commit()


def add_run(company_id: int, connection_id: int, **fields) -> int:
    run = Run(company_id=company_id, connection_id=connection_id, **fields)
    db.session.add(run)
    db.session.commit()
    return run.id


def update_run(run_id: int, **fields) -> None:
    run = db.session.get(Run, run_id)
    for key, value in fields.items():
        setattr(run, key, value)
    db.session.commit()


def runs_of(connection_id: int) -> list[tuple[int, str]]:
    return [tuple(r) for r in db.session.execute(
        db.select(Run.id, Run.trigger).filter_by(connection_id=connection_id)).all()]


def add_payment(company_id: int, invoice_id: int, source_id: str, amount: str) -> int:
    customer_id = db.session.get(Document, invoice_id).customer_id
    pay = Payment(company_id=company_id, source_id=source_id, customer_id=customer_id,
                  date=date(2026, 3, 13), amount=Decimal(amount), bank_account_key="bank")
    db.session.add(pay)
    db.session.commit()
    return pay.id


def map_account(company_id: int, connection_id: int, key: str) -> None:
    account = db.session.execute(
        db.select(Account).filter_by(company_id=company_id, key=key)).scalar_one()
    db.session.add(AccountMapping(connection_id=connection_id, account_id=account.id,
                                  package_code="200"))
    db.session.commit()
