"""The Sage 50 sandbox's money oracle (sandboxes/kit/oracle.py): what the simulated company
makes of the agent's writer-ready payloads (the agent contract's section 2), by the posting
rules alone, with no company behind them.

A request's body is the payload as JSON, or a hand-out record holding it as "payload". An
invoice (SI) or credit note (SC) posts its lines as given: Sage takes each split's NET_AMOUNT
and TAX_AMOUNT and does not work VAT out again, so the totals are the lines' sums, each amount
at most 8 digits and 2 decimal places, every line's tax code known (`rates`' codes, else the
seeded T0 T1 T2 T5 T9) and the payload's own net / tax / gross, when given, equal to them.

What is left: a credit note whose `invoice_reference` names an invoice of `documents` (by its
`reference`, or the test's id) is allocated to it when posted (INVOICE_REF, sdo.py), so the
connector need send nothing for "credit_applied". A settlement is a receipt (SR) payload:
each allocation's `invoice_reference` names an invoice the same way and pays off its amount;
refused as the simulator refuses (an unknown invoice, more than it owes, or allocations beyond
the receipt's amount). A payment on account (SA) allocates nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sandboxes.kit.oracle import Totals, WireRequest
from sandboxes.sage50 import rules, seed
from sandboxes.sage50.rules import SageRefusal

KINDS = {"invoice": "SI", "credit_note": "SC"}
SEEDED = {f"T{number}": Decimal(rate) for number, _desc, rate in seed.TAX_CODES}
ZERO = Decimal("0.00")


def _payload(request: WireRequest) -> dict[str, Any]:
    body = json.loads(request.body.decode("utf-8"), parse_float=Decimal)
    if isinstance(body, dict) and isinstance(body.get("payload"), dict):
        body = body["payload"]
    if not isinstance(body, dict):
        raise SageRefusal("The request holds no payload")
    return body


def _amount(holder: dict[str, Any], key: str, field: str) -> Decimal:
    value = holder.get(key)
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        value = str(value)
    return rules.money({field: value}, field)


def document_totals(kind: str, request: WireRequest, rates: Mapping[str, Decimal]) -> Totals:
    """(net, tax, gross) of the invoice or credit note `request` posts."""
    payload = _payload(request)
    wanted = KINDS[kind]
    if payload.get("type") != wanted:
        raise SageRefusal(f"A {kind.replace('_', ' ')} posts as {wanted}, not "
                          f"{payload.get('type')!r}", "TYPE")
    known = dict(rates) or SEEDED
    lines = payload.get("lines")
    if not isinstance(lines, list) or not lines:
        raise SageRefusal("A transaction needs at least one split", "NET_AMOUNT")
    net = tax = ZERO
    for line in lines:
        code = line.get("tax_code")
        if code not in known:
            raise SageRefusal(f"Invalid tax code {code}: it is not set up in this company",
                              "TAX_CODE")
        net += _amount(line, "net", "NET_AMOUNT")
        tax += _amount(line, "tax", "TAX_AMOUNT")
    for key, field, total in (("net", "NET_AMOUNT", net), ("tax", "TAX_AMOUNT", tax),
                              ("gross", "NET_AMOUNT", net + tax)):
        if payload.get(key) not in (None, "") and _amount(payload, key, field) != total:
            raise SageRefusal(f"The header's {key} {payload[key]} does not equal the splits' "
                              f"total {total}", field)
    return Totals(net, tax, net + tax)


def _invoice_id(reference: Any, invoices: Mapping[str, str]) -> str:
    found = invoices.get(str(reference))
    if found is None:
        raise SageRefusal(f"Invoice {reference} not found on the account", "INV_REF")
    return found


def _take(left: dict[str, Decimal], invoice_id: str, amount: Decimal, reference: Any) -> None:
    if amount > left[invoice_id]:
        raise SageRefusal(f"Allocation of {amount} exceeds the {left[invoice_id]} outstanding "
                          f"on invoice {reference}", "NET_AMOUNT")
    left[invoice_id] -= amount


def amounts_left(documents: Mapping[str, tuple[str, WireRequest]],
                 settlements_made: Sequence[WireRequest], rates: Mapping[str, Decimal]
                 ) -> dict[str, Decimal]:
    """What each document (id -> (kind, the request posting it)) still owes (an invoice) or
    has left unallocated (a credit note) after its credits and `settlements_made` in order;
    SageRefusal where the simulator would refuse one."""
    left = {doc_id: document_totals(kind, request, rates).total
            for doc_id, (kind, request) in documents.items()}
    invoices: dict[str, str] = {}
    for doc_id, (kind, request) in documents.items():
        if kind == "invoice":
            invoices[doc_id] = doc_id
            invoices.setdefault(str(_payload(request).get("reference", "")), doc_id)
    for doc_id, (kind, request) in documents.items():
        reference = _payload(request).get("invoice_reference") if kind == "credit_note" else ""
        if reference:
            _take(left, _invoice_id(reference, invoices), left[doc_id], reference)
            left[doc_id] = ZERO
    for request in settlements_made:
        payload = _payload(request)
        if payload.get("type") not in ("SR", "SA"):
            raise SageRefusal(f"A settlement posts as a receipt (SR or SA), not "
                              f"{payload.get('type')!r}", "TYPE")
        received = _amount(payload, "amount", "NET_AMOUNT")
        if received <= ZERO:
            raise SageRefusal("A receipt's amount must be more than 0.00", "NET_AMOUNT")
        allocations = payload.get("allocations") or []
        if payload["type"] == "SA" and allocations:
            raise SageRefusal("A payment on account is not allocated to an invoice", "INV_REF")
        allocated = ZERO
        for allocation in allocations:
            amount = _amount(allocation, "amount", "NET_AMOUNT")
            if amount <= ZERO:
                raise SageRefusal("A receipt's amount must be more than 0.00", "NET_AMOUNT")
            reference = allocation.get("invoice_reference")
            _take(left, _invoice_id(reference, invoices), amount, reference)
            allocated += amount
        if allocated > received:
            raise SageRefusal(f"The allocations ({allocated}) are more than the receipt "
                              f"({received})", "NET_AMOUNT")
    return left
