"""The Sage 50 sandbox's money oracle (sandboxes/sage50/totals.py) on the agent contract's
writer-ready payloads, checked against the simulator itself: what the oracle says an invoice
still owes is what the company says after the same payloads are posted through SDO."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, NamedTuple

import pytest

from sandboxes.sage50 import totals
from sandboxes.sage50.rules import SageRefusal
from sandboxes.sage50.sdo import sdoSC, sdoSI, sdoSR
from tests.sandboxes.sage50.sdo_helpers import add_customer, books, post


class Wire(NamedTuple):
    method: str
    path: str
    params: dict[str, str]
    body: bytes


def wire(payload: dict[str, Any], wrapped: bool = False) -> Wire:
    body = {"key": "k" * 32, "kind": "x", "payload": payload} if wrapped else payload
    return Wire("POST", "/agent/v1/lease", {}, json.dumps(body).encode())


INVOICE = {"type": "SI", "account_ref": "ACMEHEAT", "date": "2026-11-30",
           "reference": "INV-1001", "details": "Service", "invoice_reference": "",
           "lines": [{"nominal_code": "4000", "tax_code": "T1", "net": "100.00",
                      "tax": "20.00", "details": "Service", "department": 0},
                     {"nominal_code": "4010", "tax_code": "T5", "net": "33.33", "tax": "1.67",
                      "details": "Parts", "department": 0}],
           "net": "133.33", "tax": "21.67", "gross": "155.00"}
CREDIT = {**INVOICE, "type": "SC", "reference": "CN-1", "invoice_reference": "INV-1001",
          "lines": [{"nominal_code": "4000", "tax_code": "T1", "net": "10.00", "tax": "2.00",
                     "details": "Refund", "department": 0}],
          "net": "10.00", "tax": "2.00", "gross": "12.00"}
RECEIPT = {"type": "SR", "account_ref": "ACMEHEAT", "bank_nominal": "1200",
           "date": "2026-11-30", "reference": "PAY-77", "details": "Receipt",
           "amount": "100.00", "allocations": [{"invoice_reference": "INV-1001",
                                               "amount": "100.00"}]}


def test_the_oracle_sums_the_lines_as_given() -> None:
    assert totals.document_totals("invoice", wire(INVOICE), {}) == (
        Decimal("133.33"), Decimal("21.67"), Decimal("155.00"))
    assert totals.document_totals("credit_note", wire(CREDIT, wrapped=True), {}).total \
        == Decimal("12.00")
    with pytest.raises(SageRefusal, match="does not equal the splits' total 155.00"):
        totals.document_totals("invoice", wire({**INVOICE, "gross": "155.01"}), {})
    with pytest.raises(SageRefusal, match="Invalid tax code T7"):
        totals.document_totals("invoice", wire({**INVOICE, "lines": [
            {**INVOICE["lines"][0], "tax_code": "T7"}], "net": "", "tax": "", "gross": ""}), {})
    with pytest.raises(SageRefusal, match="more than 2 decimal places"):
        totals.document_totals("invoice", wire({**INVOICE, "lines": [
            {**INVOICE["lines"][0], "net": "100.001"}], "net": None, "tax": None,
            "gross": None}), {})
    with pytest.raises(SageRefusal, match="posts as SC"):
        totals.document_totals("credit_note", wire(INVOICE), {})


def test_the_oracle_refuses_what_the_simulator_refuses() -> None:
    documents = {"inv": ("invoice", wire(INVOICE))}
    with pytest.raises(SageRefusal, match="exceeds the 155.00 outstanding"):
        totals.amounts_left(documents, [wire({**RECEIPT, "amount": "155.01", "allocations": [
            {"invoice_reference": "INV-1001", "amount": "155.01"}]})], {})
    with pytest.raises(SageRefusal, match="Invoice INV-9 not found"):
        totals.amounts_left(documents, [wire({**RECEIPT, "allocations": [
            {"invoice_reference": "INV-9", "amount": "1.00"}]})], {})
    with pytest.raises(SageRefusal, match="more than the receipt"):
        totals.amounts_left(documents, [wire({**RECEIPT, "amount": "50.00"})], {})


def _sdo_post(ws: Any, payload: dict[str, Any]) -> None:
    """The payload through SDO as a writer would post it."""
    if payload["type"] == "SR":
        lines = [{"NET_AMOUNT": a["amount"], "INV_REF": a["invoice_reference"]}
                 for a in payload["allocations"]]
        assert post(ws, sdoSR, lines, INV_REF=payload["reference"],
                    BANK_CODE=payload["bank_nominal"])[0]
        return
    lines = [{"NOMINAL_CODE": ln["nominal_code"], "TAX_CODE": int(ln["tax_code"][1:]),
              "NET_AMOUNT": ln["net"], "TAX_AMOUNT": ln["tax"]} for ln in payload["lines"]]
    extra = {"INVOICE_REF": payload["invoice_reference"]} if payload["invoice_reference"] else {}
    kind = sdoSI if payload["type"] == "SI" else sdoSC
    assert post(ws, kind, lines, INV_REF=payload["reference"], **extra)[0]


def test_the_oracle_agrees_with_the_simulator(ws: Any, company: dict[str, Any]) -> None:
    receipts = [{**RECEIPT, "reference": f"PAY-{n}", "amount": amount,
                 "allocations": [{"invoice_reference": "INV-1001", "amount": amount}]}
                for n, amount in enumerate(("100.00", "42.99"))]
    documents = {"inv": ("invoice", wire(INVOICE)), "cn": ("credit_note", wire(CREDIT))}
    said = totals.amounts_left(documents, [wire(r) for r in receipts], {})
    assert said == {"inv": Decimal("0.01"), "cn": Decimal("0.00")}

    assert add_customer(ws)[0]
    for payload in (INVOICE, CREDIT, *receipts):
        _sdo_post(ws, payload)
    outstanding = {t["inv_ref"]: Decimal(t["outstanding"]) for t in books(company)["transactions"]}
    assert outstanding["INV-1001"] == said["inv"]
    assert outstanding["CN-1"] == said["cn"]
