"""POST /sales_invoices and /sales_credit_notes in the Sage sandbox: the business's refusals
(rules.py), the line arithmetic (arithmetic.py) and Sage's own numbers (SI-1, SCN-1). A new
document is UNPAID, owing its total; its status is Sage's to change (through allocations and
receipts), never the client's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandboxes.sage_accounting import arithmetic, rules
from sandboxes.sage_accounting import store as store
from sandboxes.sage_accounting.arithmetic import CREDIT_NOTE, INVOICE, money
from sandboxes.sage_accounting.replies import Invalid


@dataclass(frozen=True)
class Kind:
    collection: str  # sales_invoices
    lines: str  # invoice_lines
    number: str  # invoice_number
    prefix: str  # SI
    transaction_type: str  # SALES_INVOICE
    title: str  # Sales Invoice
    label: str  # for the refusals' words


KINDS = {
    INVOICE: Kind("sales_invoices", "invoice_lines", "invoice_number", "SI", "SALES_INVOICE",
                  "Sales Invoice", "Invoice"),
    CREDIT_NOTE: Kind("sales_credit_notes", "credit_note_lines", "credit_note_number", "SCN",
                      "SALES_CREDIT_NOTE", "Sales Credit Note", "Credit note"),
}
# Ledger account and tax rate of a line -> (the account's link or None, rate link, percent).
LineBooks = Callable[[dict[str, Any], str], tuple[dict[str, Any] | None, dict[str, Any], Decimal]]


def line_list(kind: Kind, resource: dict[str, Any]) -> list[dict[str, Any]]:
    lines = resource.get(kind.lines)
    if not isinstance(lines, list) or not lines:
        raise Invalid(f"{kind.label} lines can't be blank", kind.lines)
    if not all(isinstance(line, dict) for line in lines):
        raise Invalid(f"{kind.label} lines must be objects", kind.lines)
    return lines


def figures(kind: Kind, resource: dict[str, Any], books: LineBooks
            ) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    """Each line as stored, and the document's net, tax and total: the arithmetic the views
    and the money oracle share. `books` checks a line's account and rate and gives the rate."""
    made, sums = [], []
    for line in line_list(kind, resource):
        description = rules.text(line, "description", "Description", required=True,
                                 source=f"{kind.lines}.description")
        account, rate_link, rate = books(line, kind.lines)
        amounts = arithmetic.line_figures(line, rate, kind.lines)
        sums.append(amounts)
        made.append({
            "id": store.new_id(), "displayed_as": description, "description": description,
            "ledger_account": account, "tax_rate": rate_link,
            "quantity": float(amounts["quantity"]), "unit_price": float(amounts["unit_price"]),
            "discount_amount": money(amounts["discount_amount"]),
            "net_amount": money(amounts["net_amount"]),
            "tax_amount": money(amounts["tax_amount"]),
            "total_amount": money(amounts["total_amount"]),
        })
    return made, arithmetic.document_figures(sums)


def _books_of(business: str) -> LineBooks:
    def books(line: dict[str, Any], lines: str
              ) -> tuple[dict[str, Any] | None, dict[str, Any], Decimal]:
        account = rules.sales_account(business, line.get("ledger_account_id"), lines)
        rate, percent = rules.tax_rate(business, line.get("tax_rate_id"), lines)
        return store.link("ledger_accounts", account), store.link("tax_rates", rate), percent

    return books


def create_document(business: str, key: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The new invoice or credit note as Sage answers it (stored, not committed)."""
    kind = KINDS[key]
    if "status_id" in resource:
        # unverified: Sage documents the status as read-only (it follows payments).
        raise Invalid("Status cannot be set: it changes only through payments and "
                      "allocations", "status_id")
    contact = rules.contact(business, resource.get("contact_id"))
    on = rules.required_date(resource, "date", "Date")
    due = rules.a_date(resource, "due_date", "Due date", required=False) or on
    rules.check_open_period(business, on)
    reference = rules.text(resource, "reference", "Reference")
    lines, totals = figures(kind, resource, _books_of(business))
    number = store.next_number(business, kind.prefix)
    doc_id = store.new_id()
    moment = store.stamp()
    document: dict[str, Any] = {
        "id": doc_id, "displayed_as": number, "$path": f"/{kind.collection}/{doc_id}",
        "created_at": moment, "updated_at": moment,
        "transaction_type": {"id": kind.transaction_type,
                             "displayed_as": kind.title,
                             "$path": f"/transaction_types/{kind.transaction_type}"},
        "contact": store.link("contacts", contact),
        "contact_name": contact["name"], "contact_reference": contact.get("reference"),
        kind.number: number, "date": on.isoformat(), "due_date": due.isoformat(),
        "reference": reference or None,
        "notes": rules.text(resource, "notes", "Notes") or None,
        "net_amount": money(totals["net_amount"]), "tax_amount": money(totals["tax_amount"]),
        "total_amount": money(totals["total_amount"]),
        "outstanding_amount": money(totals["total_amount"]), "total_paid": 0,
        "currency": {"id": "GBP", "displayed_as": "Pound Sterling (GBP)"},
        "status": arithmetic.status_of(totals["total_amount"], totals["total_amount"]),
        "editable": True, "tax_reconciled": False, kind.lines: lines,
    }
    if totals["total_amount"] == 0:
        document["status"] = arithmetic.status_of(Decimal(0), Decimal(0))
    store.put(business, kind.collection, doc_id, document, ref=reference)
    return document
