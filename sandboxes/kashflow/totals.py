"""The KashFlow sandbox's money oracle (sandboxes/kit/oracle.py): its own arithmetic and checks
run on request bodies alone, with no company behind them.

A document's figures come from arithmetic.figures, as create_document stores them; a credit
note is applied to an invoice (arithmetic.apply_credit) when it is made with an InvoiceNumber or
by its PUT /creditnotes/{number} {"InvoiceNumber"} (the connector's way: `credit_applied`, the
credit note named by the test's id, with or without "CN-"), and bulk payments go through
arithmetic.check_payment_lines and settle, as the views do. Nominal codes are not looked up
(the test's codes are placeholders); VAT codes are checked against `rates` (code -> percent),
else the seeded ones. InvoiceNumbers are matched to the test's document ids by text, so a
placeholder id passes through. Paths are taken with or without the /v2 in front.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sandboxes.kashflow import arithmetic
from sandboxes.kashflow import store as store
from sandboxes.kashflow.documents import CREDIT_NOTE, INVOICE, KINDS, Kind, new_document
from sandboxes.kashflow.replies import Invalid, validation
from sandboxes.kit.errors import loads_json
from sandboxes.kit.oracle import Totals, WireRequest

PAYMENTS_PATH = "/invoices/bulk/payments"
CREDIT_NOTES_PATH = "/creditnotes/"
_SEEDED = {code: Decimal(rate) for code, rate, _name in store.VAT_RATES}


def _path(request: WireRequest) -> str:
    path = "/" + request.path.lstrip("/")
    return path[3:] if path.startswith("/v2/") else path


def _body(request: WireRequest, path: str, method: str = "POST") -> dict[str, Any]:
    if request.method != method or _path(request) != path:
        raise validation(f"the sandbox does that with {method} {path}, not {request.method} "
                         f"{request.path}")
    body = loads_json(request.body)
    if not isinstance(body, dict):
        raise validation("The request body must be a JSON object.")
    return body


def _placeholder_nominal(item: dict[str, Any], _label: str) -> Any:
    return item.get("NominalCode")


def _document(kind: Kind, request: WireRequest, rates: Mapping[str, Decimal]
              ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Decimal]]:
    """(the body, the document as stored before credits and payments, its sums)."""
    body = _body(request, f"/{kind.collection}")
    items, sums = arithmetic.figures(body, _placeholder_nominal, dict(rates) or _SEEDED)
    # The oracle reads no dates nor customers: the figures are what it answers for.
    fields = {"CustomerCode": str(body.get("CustomerCode") or ""), "IssuedDate": "",
              "DueDate": "", "CustomerReference": "", "Currency": "GBP"}
    return body, new_document(kind, fields, items, sums, 0, ""), sums


def document_totals(kind: str, request: WireRequest, rates: Mapping[str, Decimal]) -> Totals:
    """(net, VAT, gross) of the invoice or credit note `request` makes."""
    sums = _document(KINDS[kind], request, rates)[2]
    return Totals(sums["net"], sums["vat"], sums["gross"])


def _matching(value: Any, doc_id: str) -> bool:
    return value is not None and not isinstance(value, bool | dict | list) and \
        str(value).strip() == doc_id


def amounts_left(documents: Mapping[str, tuple[str, WireRequest]],
                 settlements_made: Sequence[WireRequest], rates: Mapping[str, Decimal]
                 ) -> dict[str, Decimal]:
    """What each document in `documents` (KashFlow's id -> (kind, the request making it)) still
    owes (an invoice) or has left (a credit note) after its credits and `settlements_made` in
    order. Raises Invalid, in KashFlow's words, where it refuses one."""
    made: dict[str, tuple[Kind, dict[str, Any]]] = {}

    def invoice_named(value: Any, label: str) -> tuple[dict[str, Any], Any]:
        for doc_id, (kind, document) in made.items():
            if kind is INVOICE and _matching(value, doc_id):
                return document, value
        raise Invalid("InvoiceNotFound", f"{label}: no invoice with number {value} was found.")

    for doc_id, (key, request) in documents.items():
        kind = KINDS[key]
        body, document, _sums = _document(kind, request, rates)
        if kind is CREDIT_NOTE and body.get("InvoiceNumber") is not None:
            invoice, _number = invoice_named(body["InvoiceNumber"], "InvoiceNumber")
            arithmetic.apply_credit(document, invoice)
        made[doc_id] = (kind, document)
    def credit_named(credit_id: str) -> dict[str, Any]:
        for doc_id, (kind, document) in made.items():
            if kind is CREDIT_NOTE and credit_id in (doc_id, doc_id.removeprefix("CN-")):
                return document
        raise Invalid("NotFound", f"No credit note with number {credit_id} was found.", 404)

    for request in settlements_made:
        path = _path(request)
        if request.method == "PUT" and path.startswith(CREDIT_NOTES_PATH):
            # The credit note applied in a second step (documents.apply_credit_note).
            body = _body(request, path, "PUT")
            credit = credit_named(path[len(CREDIT_NOTES_PATH):])
            if credit.get("InvoiceNumber") is not None:
                raise validation("The credit note is already applied to an invoice.")
            invoice, number = invoice_named(body.get("InvoiceNumber"), "InvoiceNumber")
            if invoice["CustomerCode"] != credit["CustomerCode"]:
                raise validation(f"InvoiceNumber {number} is an invoice of another customer.")
            credit["InvoiceNumber"] = number
            arithmetic.apply_credit(credit, invoice)
            continue
        if path != PAYMENTS_PATH:
            raise validation(f"the sandbox settles no documents with {request.method} "
                             f"{request.path}")
        body = _body(request, PAYMENTS_PATH)
        lines = arithmetic.check_payment_lines(
            body.get("PaymentLines"),
            lambda line, label: invoice_named(line.get("InvoiceNumber"), label))
        for invoice, _number, amount in lines:
            arithmetic.settle(invoice, amount)
    return {doc_id: arithmetic.due(document) if kind is INVOICE
            else arithmetic.credit_left(document)
            for doc_id, (kind, document) in made.items()}
