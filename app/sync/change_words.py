"""A changed-after-sending record's differences in a bookkeeper's words.

The stored diff (app/sync/changes.py) keys fields as the snapshot does (`lines[3].unit_price`,
`bank_account`) and holds canonical values (keys, source ids, ISO dates, "1.5000"). Here each
becomes what the bookkeeper typed and will look for in the package: "Line 3 price", "£45.00",
"Sales", "12/03/2026", "1.5". It also says when the document is already paid in the package,
where changing amounts may mean taking the payment off first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from app.extensions import db
from app.models import Account, Contact, Document, Payment, PaymentAllocation, TaxRate, Transfer
from app.models.transfer import IN_PACKAGE

_INDEXED = re.compile(r"^(lines|allocations)\[(\d+)\]\.(\w+)$")
FIELD_WORDS = {
    "name": "Name", "email": "Email", "phone": "Phone",
    "address.line1": "Address line 1", "address.line2": "Address line 2",
    "address.city": "Town or city", "address.postcode": "Postcode", "address.country": "Country",
    "number": "Number", "customer": "Customer", "date": "Date", "due_date": "Due date",
    "reference": "Reference", "amounts_are": "Amounts are", "invoice": "Credits invoice",
    "subtotal": "Net total", "tax": "VAT total", "total": "Total",
    "amount": "Amount", "bank_account": "Paid into",
}
LINE_WORDS = {"description": "description", "quantity": "quantity", "unit_price": "price",
              "account": "account", "tax_rate": "VAT rate", "invoice": "invoice",
              "amount": "amount"}
MONEY_FIELDS = {"subtotal", "tax", "total", "amount", "unit_price"}
DATE_FIELDS = {"date", "due_date"}
AMOUNTS_ARE = {"exclusive": "VAT exclusive", "inclusive": "VAT inclusive"}


def field_label(key: str) -> str:
    """'lines[3].description' -> 'Line 3 description'; 'tax' -> 'VAT total'."""
    match = _INDEXED.match(key)
    if match:
        group, n, attr = match.groups()
        thing = "Line" if group == "lines" else "Allocation"
        return f"{thing} {n} {LINE_WORDS.get(attr, attr.replace('_', ' '))}"
    if key in FIELD_WORDS:
        return FIELD_WORDS[key]
    words = " ".join(p.replace("_", " ") for p in key.split("."))
    return words[:1].upper() + words[1:]


def money_text(value: str) -> str:
    """'1234.5' -> '£1,234.50'; a unit price keeps up to 4 places as typed ('£12.3456')."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        return value
    places = max(2, min(4, -amount.normalize().as_tuple().exponent))  # type: ignore[operator]
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.{places}f}"


def quantity_text(value: str | Decimal) -> str:
    """As typed: '1.5000' -> '1.5', '2.0000' -> '2'."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        return value
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _date_text(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


@dataclass
class ChangeView:
    label: str
    old: str | None  # None: the field was not there (a line added or removed)
    new: str | None


class _Names:
    """The company's names for the keys and source ids a diff holds, looked up once."""

    def __init__(self, company_id: int, changes: list[dict]) -> None:
        self.company_id = company_id
        wanted = {str(v) for c in changes for v in (c.get("old"), c.get("new")) if v}
        self.accounts = dict(db.session.execute(
            select(Account.key, Account.name).where(Account.company_id == company_id)).all())
        self.rates = dict(db.session.execute(
            select(TaxRate.key, TaxRate.name).where(TaxRate.company_id == company_id)).all())
        self.contacts = dict(db.session.execute(
            select(Contact.source_id, Contact.name).where(
                Contact.company_id == company_id, Contact.source_id.in_(wanted))).all()
        ) if wanted else {}
        self.documents = dict(db.session.execute(
            select(Document.source_id, Document.number).where(
                Document.company_id == company_id, Document.source_id.in_(wanted))).all()
        ) if wanted else {}

    def value(self, key: str, raw: str | None) -> str | None:
        if raw is None or raw == "":
            return raw
        match = _INDEXED.match(key)
        attr = match.group(3) if match else key
        if attr in MONEY_FIELDS:
            return money_text(raw)
        if attr == "quantity":
            return quantity_text(raw)
        if attr in DATE_FIELDS:
            return _date_text(raw)
        if attr in ("account", "bank_account"):
            return self.accounts.get(raw, raw)
        if attr == "tax_rate":
            return self.rates.get(raw, raw)
        if attr == "amounts_are":
            return AMOUNTS_ARE.get(raw, raw)
        if attr == "customer":
            return self.contacts.get(raw, raw)
        if attr == "invoice":
            return self.documents.get(raw, raw)
        return raw


TOTALS = ("subtotal", "tax", "total")


def _reading_order(change: dict) -> tuple[int, int]:
    # The document's own fields, then its lines in order, then the totals they make.
    key = str(change.get("field", ""))
    match = _INDEXED.match(key)
    if match:
        return 1, int(match.group(2))
    if key in TOTALS:
        return 2, TOTALS.index(key)
    return 0, 0


def describe_changes(transfer: Transfer) -> list[ChangeView]:
    """The transfer's changes after sending, labelled and valued in words."""
    changes = [c for c in (transfer.changes or []) if isinstance(c, dict)]
    if not changes:
        return []
    names = _Names(transfer.company_id, changes)
    out = []
    for c in sorted(changes, key=_reading_order):
        key = str(c.get("field", ""))
        out.append(ChangeView(field_label(key), names.value(key, c.get("old")),
                              names.value(key, c.get("new"))))
    return out


def paid_warning(transfer: Transfer, package: str) -> str | None:
    """For an invoice already paid (or partly) in the package through payments we sent: the
    sentence that warns the bookkeeper before they change it there."""
    if transfer.record_type != "invoice":
        return None
    rows = db.session.execute(
        select(Payment, PaymentAllocation.amount)
        .join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
        .join(Transfer, (Transfer.record_id == Payment.id) & (Transfer.record_type == "payment")
              & (Transfer.connection_id == transfer.connection_id))
        .where(PaymentAllocation.invoice_id == transfer.record_id,
               Payment.company_id == transfer.company_id, Transfer.state.in_(IN_PACKAGE))
        .order_by(Payment.date, Payment.id)
    ).all()
    if not rows:
        return None
    paid = sum((Decimal(amount) for _, amount in rows), Decimal("0"))
    which = ", ".join(f"{money_text(str(amount))} on {p.date:%d/%m/%Y}"
                      for p, amount in rows[:3])
    more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
    return (f"This invoice is already paid in {package}: {money_text(str(paid))} "
            f"({which}{more}). {package} may not let you change a paid invoice's amounts "
            "until the payment is removed there; if so, remove it, make the change, then "
            "add the payment back.")
