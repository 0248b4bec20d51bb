"""The QuickBooks Online sandbox's money oracle (sandboxes/kit/oracle.py): its own arithmetic
and checks (documents.py) run on request bodies alone, with no company behind them.

A sales document's totals come out as build_sales_document stores them (VAT per line, then
QBO's TotalTax override where one is given); a Payment goes through build_payment's checks and
reduces each linked Invoice's and CreditMemo's Balance the same way. Tax codes resolve through
`rates` (TaxCode id -> percent) instead of the company's TaxCode and TaxRate lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sandboxes.kit.errors import loads_json
from sandboxes.kit.oracle import Totals, WireRequest
from sandboxes.quickbooks_online.documents import (
    check_applied,
    check_payment_total,
    document_tax,
    line_net,
    line_tax,
    payment_line,
    payment_total,
    total_tax_override,
)
from sandboxes.quickbooks_online.rules import (
    business,
    check_keys,
    invalid_reference,
    ref_id,
    required,
    unsupported,
)

ENTITY = {"invoice": "Invoice", "credit_note": "CreditMemo"}


def _money(value: Decimal) -> Decimal:
    """As QBO answers an amount: stored as a JSON number, read back as the sandbox reads it."""
    return Decimal(str(float(value)))


def _entity(request: WireRequest, entity: str) -> dict[str, Any]:
    """The one `entity` body of a batch request (or of a POST to the entity itself)."""
    body = loads_json(request.body)
    if request.method != "POST" or not isinstance(body, dict):
        raise unsupported(entity, "the request must POST a JSON object")
    if request.path.strip("/") == entity.lower():
        return body
    if request.path.strip("/") != "batch":
        raise unsupported(entity, f"is not created by POST {request.path}")
    items = body.get("BatchItemRequest")
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
        raise unsupported("BatchItemRequest", "must hold exactly one item here")
    found = items[0].get(entity)
    if not isinstance(found, dict):
        raise unsupported(f"BatchItemRequest[0].{entity}", "must be an object")
    return found


def _document(kind: str, request: WireRequest, rates: Mapping[str, Decimal]
              ) -> tuple[dict[str, Any], Totals]:
    entity = ENTITY[kind]
    body = _entity(request, entity)
    check_keys(entity, body)
    mode = body.get("GlobalTaxCalculation", "TaxExcluded")
    if mode not in ("TaxExcluded", "TaxInclusive"):
        raise business("Make sure all your transactions have a VAT rate before you save.",
                       "GlobalTaxCalculation")
    lines = body.get("Line")
    if not isinstance(lines, list) or not lines:
        raise required("Line")
    built = []
    for index, line in enumerate(lines):
        path = f"{entity}.Line[{index}]"
        detail = line.get("SalesItemLineDetail") if isinstance(line, dict) else None
        if not isinstance(detail, dict):
            raise required(f"{path}.SalesItemLineDetail")
        code = ref_id(detail, "TaxCodeRef")
        if code not in rates:
            raise invalid_reference("TaxCodeRef", code)
        _qty, _unit, net = line_net(line, detail, path)
        tax, _gross = line_tax(detail, path, index, net, rates[code], mode == "TaxInclusive")
        built.append((net, tax, code, rates[code]))
    net_total, tax_total, _by_rate = document_tax(built, total_tax_override(body, entity))
    total = net_total + tax_total
    stored = {"Id": "", "CustomerRef": ref_id(body, "CustomerRef"), "Balance": _money(total)}
    return stored, Totals(_money(net_total), _money(tax_total), _money(total))


def document_totals(kind: str, request: WireRequest, rates: Mapping[str, Decimal]) -> Totals:
    """(net, TxnTaxDetail.TotalTax, TotalAmt) of the Invoice or CreditMemo `request` creates."""
    return _document(kind, request, rates)[1]


def amounts_left(documents: Mapping[str, tuple[str, WireRequest]],
                 settlements: Sequence[WireRequest], rates: Mapping[str, Decimal]
                 ) -> dict[str, Decimal]:
    """Balance of each Invoice and CreditMemo in `documents` (the package's id -> (kind, the
    request creating it)) after the Payments in `settlements`, in order (a credit memo is applied
    with a zero Payment). Raises Fault, with QBO's words, where QBO refuses one."""
    made: dict[tuple[str, str], dict[str, Any]] = {}
    for key, (kind, request) in documents.items():
        made[(ENTITY[kind], key)] = _document(kind, request, rates)[0] | {"Id": key}
    for request in settlements:
        body = _entity(request, "Payment")
        check_keys("Payment", body)
        customer = ref_id(body, "CustomerRef")
        total = payment_total(body)
        lines = body.get("Line", [])
        if not isinstance(lines, list):
            raise unsupported("Payment.Line", "must be a list")
        applied, credited = Decimal(0), Decimal(0)
        effects: list[tuple[dict[str, Any], Decimal]] = []
        for index, line in enumerate(lines):
            amount, kind, txn_id = payment_line(line, index)
            target = made.get((kind, txn_id))
            if target is None:
                raise invalid_reference("LinkedTxn", txn_id)
            if target["CustomerRef"] != customer:
                raise business(f"{kind} {txn_id} belongs to another customer.", "LinkedTxn")
            balance = target["Balance"] - sum((a for t, a in effects if t is target), Decimal(0))
            check_applied(kind, txn_id, amount, balance)
            effects.append((target, amount))
            if kind == "Invoice":
                applied += amount
            else:
                credited += amount
        check_payment_total(total, applied, credited)
        for target, amount in effects:
            target["Balance"] = _money(target["Balance"] - amount)
    return {key: doc["Balance"] for (_entity_name, key), doc in made.items()}
