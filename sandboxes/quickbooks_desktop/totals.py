"""The QuickBooks Desktop sandbox's money oracle (sandboxes/kit/oracle.py): the company
file's own arithmetic (arithmetic.py) and checks run on request documents alone, with no
company behind them.

A request's body is the qbXML document the connector would hand the Web Connector (bytes),
or a JSON string or {"qbxml": "..."} holding it. An invoice or credit note is the first
InvoiceAddRq / CreditMemoAddRq in it; its figures are worked out line by line as InvoiceAdd
works them out, the VAT rate of each line's SalesTaxCodeRef/FullName taken from `rates`
(code -> percent), else from the seeded codes (S 20, R 5, Z 0, E and O none). Items are not
looked up (the test's item names are placeholders). A settlement is a ReceivePaymentAddRq:
each AppliedToTxnAdd's TxnID names a document of `documents` (the test's ids stand for
TxnIDs), paid with PaymentAmount and credited with SetCredit, refused as receive_payment_add
refuses (3120 for an id that is no invoice or credit memo, 3180 beyond what is owed or left, or
PaymentAmounts beyond TotalAmount).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

from lxml import etree

from sandboxes.kit.oracle import Totals, WireRequest
from sandboxes.quickbooks_desktop import arithmetic, seed
from sandboxes.quickbooks_desktop.processor import parse_request
from sandboxes.quickbooks_desktop.reading import boolean, decimal, text
from sandboxes.quickbooks_desktop.replies import (
    UNSUPPORTED,
    Refusal,
    amount_text,
    invalid_reference,
    not_found,
    save_error,
)

_VAT = {name: Decimal(rate) for name, rate, _desc in seed.VAT_ITEMS}
SEEDED = {name: (_VAT[item] if taxable else Decimal(0))
          for name, taxable, _desc, item in seed.TAX_CODES}
KINDS = {"invoice": ("InvoiceAdd", "InvoiceLineAdd", "Invoice"),
         "credit_note": ("CreditMemoAdd", "CreditMemoLineAdd", "Credit Memo")}
ZERO = Decimal("0.00")


def _requests(request: WireRequest) -> list[etree._Element]:
    raw = request.body
    if raw.lstrip().startswith((b"{", b'"')):
        held = json.loads(raw.decode("utf-8"))
        raw = (held.get("qbxml", "") if isinstance(held, dict) else str(held)).encode("utf-8")
    msgs = parse_request(raw.decode("utf-8")).find("QBXMLMsgsRq")
    return [rq for rq in (msgs if msgs is not None else []) if isinstance(rq.tag, str)]


def _body(request: WireRequest, tag: str) -> etree._Element:
    for rq in _requests(request):
        if rq.tag == f"{tag}Rq" and rq.find(tag) is not None:
            return rq.find(tag)  # type: ignore[return-value]
    raise Refusal(UNSUPPORTED, f"The request holds no {tag}Rq.")


def document_totals(kind: str, request: WireRequest, rates: Mapping[str, Decimal]) -> Totals:
    """(Subtotal, SalesTaxTotal, the total) of the invoice or credit memo `request` makes."""
    tag, line_tag, where = KINDS[kind]
    body = _body(request, tag)
    known = dict(rates) or SEEDED
    included = boolean(body, "IsTaxIncluded", False)
    figures = []
    for block in body.findall(line_tag):
        if block.find("ItemRef") is None:
            continue  # a description line
        code = text(block, "SalesTaxCodeRef/FullName")
        if code not in known:
            raise invalid_reference("Sales Tax Code", code, where)
        gross = arithmetic.line_net(decimal(block, "Quantity", where),
                                    decimal(block, "Rate", where),
                                    decimal(block, "Amount", where), Decimal(0))
        figures.append(arithmetic.line_figures(gross, Decimal(known[code]), included,
                                               decimal(block, "TaxAmount", where)))
    return Totals(*arithmetic.totals(figures))


def amounts_left(documents: Mapping[str, tuple[str, WireRequest]],
                 settlements_made: Sequence[WireRequest], rates: Mapping[str, Decimal]
                 ) -> dict[str, Decimal]:
    """What each document (TxnID -> (kind, the request making it)) still owes (an invoice) or
    has left (a credit memo) after `settlements_made` in order; Refusal where QuickBooks would
    refuse one."""
    left = {doc_id: document_totals(kind, request, rates).total
            for doc_id, (kind, request) in documents.items()}
    kinds = {doc_id: kind for doc_id, (kind, _request) in documents.items()}
    where = "Receive Payment"
    for request in settlements_made:
        body = _body(request, "ReceivePaymentAdd")
        total = decimal(body, "TotalAmount", where)
        paid_total = ZERO
        for block in body.findall("AppliedToTxnAdd"):
            txn_id = text(block, "TxnID")
            if kinds.get(txn_id) != "invoice":
                raise not_found(txn_id)
            paid = decimal(block, "PaymentAmount", where) or ZERO
            taken = paid
            for credit in block.findall("SetCredit"):
                credit_id = text(credit, "CreditTxnID")
                if kinds.get(credit_id) != "credit_note":
                    raise not_found(credit_id)
                credited = decimal(credit, "AppliedAmount", where) or ZERO
                if credited > left[credit_id]:
                    raise save_error(where, f"The credit applied ({amount_text(credited)}) is "
                                            f"more than the credit memo has left "
                                            f"({amount_text(left[credit_id])}).")
                left[credit_id] -= credited
                taken += credited
            if taken > left[txn_id]:
                raise save_error(where, f"The amount applied ({amount_text(taken)}) is more "
                                        f"than the invoice's open balance "
                                        f"({amount_text(left[txn_id])}).")
            left[txn_id] -= taken
            paid_total += paid
        if total is not None and paid_total > total:
            raise save_error(where, f"The amounts applied ({amount_text(paid_total)}) are "
                                    f"more than the payment ({amount_text(total)}).")
    return left
