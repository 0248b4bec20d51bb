"""POST /v2/invoices and /v2/creditnotes in the KashFlow sandbox. KashFlow numbers each
document itself (invoices from 1001, credit notes from 5001, per company); our invoice number
travels in CustomerReference (unverified whether a client may set Number: public clients show
it as an int KashFlow assigns, so "INV-12" could not go there anyway). Nothing is unique but the
Number: the same POST twice makes two documents, as KashFlow has no idempotency key.

A credit note naming an InvoiceNumber is applied to that invoice at once, up to what the invoice
still owes; one made without is applied later by PUT /v2/creditnotes/{number} {"InvoiceNumber"}
(unverified, both: the wire contract's reading of KashFlow's credit notes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sandboxes.kashflow import arithmetic, rules
from sandboxes.kashflow import store as store
from sandboxes.kashflow.replies import decimal_text, validation

REFERENCE_MAX = 50


@dataclass(frozen=True)
class Kind:
    key: str  # invoice
    collection: str  # invoices
    first: int  # KashFlow's first Number


INVOICE = Kind("invoice", "invoices", 1001)
CREDIT_NOTE = Kind("credit_note", "creditnotes", 5001)
KINDS = {kind.key: kind for kind in (INVOICE, CREDIT_NOTE)}


def company_rates(company: str) -> dict[str, Decimal]:
    return {r["Code"]: Decimal(str(r["Rate"])) for r in store.find_data(company, "vatrates")}


def _nominal_of(company: str) -> arithmetic.NominalOf:
    def nominal_of(item: dict[str, Any], label: str) -> int:
        code = rules.required_whole(item, "NominalCode", f"{label}.NominalCode")
        rules.nominal(company, code, f"{label}.NominalCode")
        return code

    return nominal_of


def header(resource: dict[str, Any]) -> dict[str, Any]:
    """The document's own fields, checked (its customer is looked up by the caller)."""
    code = rules.text(resource, "CustomerCode", 20, required=True)
    issued = rules.required_date(resource, "IssuedDate")
    # unverified: a document without a DueDate falls due the day it is issued.
    due = rules.a_date(resource, "DueDate", required=False) or issued
    reference = rules.text(resource, "CustomerReference", REFERENCE_MAX)
    currency = rules.text(resource, "Currency", 3) or "GBP"
    if currency != "GBP":
        # unverified: the sandbox's companies keep GBP books only.
        raise validation("Currency must be GBP in this sandbox.")
    return {"CustomerCode": code, "IssuedDate": issued, "DueDate": due,
            "CustomerReference": reference, "Currency": currency}


def new_document(kind: Kind, fields: dict[str, Any], items: list[dict[str, Any]],
                 sums: dict[str, Decimal], number: int, customer_name: str) -> dict[str, Any]:
    """A document as KashFlow answers it, before any credit or payment (dates are written as
    str() gives them: a date's ISO form)."""
    made: dict[str, Any] = {
        "Id": number, "Number": number, "CustomerCode": fields["CustomerCode"],
        "CustomerName": customer_name,
        "IssuedDate": str(fields["IssuedDate"]), "DueDate": str(fields["DueDate"]),
        "CustomerReference": fields["CustomerReference"], "Currency": fields["Currency"],
        "NetAmount": decimal_text(sums["net"]), "VATAmount": decimal_text(sums["vat"]),
        "GrossAmount": decimal_text(sums["gross"]), "AmountPaid": "0",
        "Status": arithmetic.status_of(sums["gross"], Decimal(0)),
        "PaymentLines": [], "LineItems": items,
    }
    if kind is CREDIT_NOTE:
        made |= {"InvoiceNumber": None, "AmountApplied": "0"}
    return made


def invoice_number(resource: dict[str, Any]) -> int | None:
    return rules.whole(resource, "InvoiceNumber", required=False)


def create_document(company: str, kind: Kind, resource: dict[str, Any]) -> dict[str, Any]:
    """The new invoice or credit note as KashFlow answers it (stored, not committed)."""
    fields = header(resource)
    customer = rules.customer(company, fields["CustomerCode"])
    issued: date = fields["IssuedDate"]
    rules.open_period(company, issued, "IssuedDate")
    items, sums = arithmetic.figures(resource, _nominal_of(company), company_rates(company))
    credited = None
    if kind is CREDIT_NOTE:
        number = invoice_number(resource)
        if number is not None:
            credited = credited_invoice(company, customer["Code"], number)
    number = store.next_number(company, kind.collection, kind.first)
    made = new_document(kind, fields, items, sums, number, customer["Name"])
    if credited is not None:
        made["InvoiceNumber"] = credited["Number"]
        arithmetic.apply_credit(made, credited)
        save(company, INVOICE, credited)
    save(company, kind, made)
    return made


def credited_invoice(company: str, customer_code: str, number: int) -> dict[str, Any]:
    """The invoice a credit note of this customer may be applied to."""
    found = rules.invoice(company, number)
    if found["CustomerCode"] != customer_code:
        # unverified: KashFlow's words for crediting another customer's invoice.
        raise validation(f"InvoiceNumber {number} is an invoice of another customer.")
    return found


def apply_credit_note(company: str, number: str, resource: dict[str, Any]
                      ) -> dict[str, Any] | None:
    """PUT /v2/creditnotes/{number} {"InvoiceNumber": n}: a credit note made without an
    invoice is applied to one, up to what it still owes, exactly as at creation (the wire
    contract's second step; unverified). None if there is no such credit note."""
    credit_note = store.get_data(company, CREDIT_NOTE.collection, number)
    if credit_note is None:
        return None
    if set(resource) - {"InvoiceNumber"}:
        raise validation("Only InvoiceNumber can be changed on a credit note.")
    invoice_no = rules.required_whole(resource, "InvoiceNumber")
    if credit_note.get("InvoiceNumber") is not None:
        raise validation(f"Credit note {number} is already applied to invoice "
                         f"{credit_note['InvoiceNumber']}.")
    credited = credited_invoice(company, credit_note["CustomerCode"], invoice_no)
    credit_note["InvoiceNumber"] = credited["Number"]
    arithmetic.apply_credit(credit_note, credited)
    save(company, INVOICE, credited)
    save(company, CREDIT_NOTE, credit_note)
    return credit_note


def save(company: str, kind: Kind, document: dict[str, Any]) -> None:
    store.put(company, kind.collection, str(document["Number"]), document,
              ref=document["CustomerCode"])
