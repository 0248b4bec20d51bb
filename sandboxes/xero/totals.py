"""The Xero sandbox's money oracle (sandboxes/kit/oracle.py): its own arithmetic and checks
(rules.py, payments.py) run on request bodies alone, with no organisation behind them.

A document's totals come out as build_document stores them; credits and payments go through
the checks build_allocation and build_payment make, and reduce AmountDue and RemainingCredit
the same way. Tax codes resolve through `rates` (TaxType -> percent) instead of the books.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sandboxes.kit.errors import loads_json
from sandboxes.kit.oracle import Totals, WireRequest
from sandboxes.xero.api import elements_of
from sandboxes.xero.payments import (
    check_allocation,
    check_payable,
    check_payment_amount,
    reduce_credit,
    reduce_due,
)
from sandboxes.xero.rules import (
    Invalid,
    dec,
    document_sums,
    line_amount,
    line_amount_types,
    line_tax,
    num,
    unit_decimals,
)

COLLECTION = {"invoice": "Invoices", "credit_note": "CreditNotes"}


def _elements(request: WireRequest, collection: str) -> list[dict[str, Any]]:
    items = elements_of(loads_json(request.body), collection)
    if not all(isinstance(item, dict) for item in items):
        raise Invalid("Each element must be a JSON object")
    return items


def _document(kind: str, request: WireRequest, rates: Mapping[str, Decimal]
              ) -> tuple[dict[str, Any], Totals]:
    collection = COLLECTION[kind]
    if request.method not in ("PUT", "POST") or request.path != f"/{collection}":
        raise Invalid(f"a {kind} is created by PUT /{collection}, not "
                      f"{request.method} {request.path}")
    items = _elements(request, collection)
    if len(items) != 1:
        raise Invalid(f"expected one {kind} in the request, found {len(items)}")
    element = items[0]
    amount_types = line_amount_types(element)
    unit_dp = unit_decimals(request.params.get("unitdp"))
    lines = []
    for raw in element.get("LineItems") or []:
        _quantity, _unit, amount = line_amount(raw, unit_dp)
        tax_type = str(raw.get("TaxType") or "NONE")
        if tax_type not in rates:
            raise Invalid(f"The TaxType code {tax_type} does not exist or cannot be used for "
                          "this type of transaction.")
        lines.append({"LineAmount": num(amount),
                      "TaxAmount": num(line_tax(amount, rates[tax_type], amount_types))})
    sub_total, total_tax, total = document_sums(lines, amount_types)
    stored: dict[str, Any] = {
        "Status": element.get("Status") or "DRAFT",
        "Contact": {"ContactID": (element.get("Contact") or {}).get("ContactID")},
        "Total": num(total),
    }
    stored["RemainingCredit" if kind == "credit_note" else "AmountDue"] = num(total)
    # As Xero answers them: stored as JSON numbers, read back here as the sandbox reads them.
    figures = Totals(*(Decimal(str(num(x))) for x in (sub_total, total_tax, total)))
    return stored, figures


def document_totals(kind: str, request: WireRequest, rates: Mapping[str, Decimal]) -> Totals:
    """(SubTotal, TotalTax, Total) of the invoice or credit note `request` creates."""
    return _document(kind, request, rates)[1]


def amounts_left(documents: Mapping[str, tuple[str, WireRequest]],
                 settlements: Sequence[WireRequest], rates: Mapping[str, Decimal]
                 ) -> dict[str, Decimal]:
    """AmountDue of each invoice and RemainingCredit of each credit note in `documents` (the
    package's id -> (kind, the request creating it)) after `settlements` in order: credit
    note allocations and payments. Raises Invalid, with Xero's words, where Xero refuses one."""
    made = {key: _document(kind, request, rates)[0]
            for key, (kind, request) in documents.items()}

    def invoice(element: dict[str, Any]) -> dict[str, Any]:
        found = made.get(str((element.get("Invoice") or {}).get("InvoiceID")))
        if found is None or "AmountDue" not in found:
            raise Invalid("Invoice could not be found")
        return found

    for request in settlements:
        parts = request.path.strip("/").split("/")
        if parts == ["Payments"]:
            for element in _elements(request, "Payments"):
                target = invoice(element)
                amount = dec(element.get("Amount"), "Amount")
                check_payment_amount(amount)
                check_payable(target, amount)
                reduce_due(target, amount)
        elif len(parts) == 3 and parts[0] == "CreditNotes" and parts[2] == "Allocations":
            note = made.get(parts[1])
            if note is None or "RemainingCredit" not in note:
                raise Invalid("Credit note could not be found")
            for element in _elements(request, "Allocations"):
                target = invoice(element)
                amount = dec(element.get("Amount"), "Amount")
                check_allocation(note, target, amount)
                reduce_credit(note, amount)
                reduce_due(target, amount)
        else:
            raise Invalid(f"the sandbox settles no documents with {request.method} "
                          f"{request.path}")
    return {key: Decimal(str(doc.get("AmountDue", doc.get("RemainingCredit"))))
            for key, doc in made.items()}
