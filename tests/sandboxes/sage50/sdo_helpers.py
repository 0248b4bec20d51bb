"""Steps the Sage 50 simulator's tests take through the SDO objects, as the agent's writer
would: add a customer, post a transaction, read the books over HTTP."""

from __future__ import annotations

from typing import Any

import requests


def books(company: dict[str, Any]) -> dict[str, Any]:
    answer = requests.get(f"{company['data_path']}/books", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def add_customer(ws: Any, ref: str = "ACMEHEAT", name: str = "Acme Heating Ltd",
                 **fields: str) -> tuple[bool, Any]:
    rec = ws.CreateObject("SalesRecord")
    rec.AddNew()
    rec.Fields.Item("ACCOUNT_REF").Value = ref
    rec.Fields.Item("NAME").Value = name
    for field, value in fields.items():
        rec.Fields.Item(field).Value = value
    return rec.Update(), rec


def post(ws: Any, kind: int, lines: list[dict[str, Any]], **header: Any) -> tuple[bool, Any]:
    """A TransactionPost of `kind` with a split per dict in `lines`: (Update()'s answer, post)."""
    transaction = ws.CreateObject("TransactionPost")
    defaults = {"ACCOUNT_REF": "ACMEHEAT", "DATE": "2026-11-30", "INV_REF": "INV-1001",
                "DETAILS": "Boiler service"}
    for field, value in {**defaults, **header, "TYPE": kind}.items():
        transaction.Header.Fields.Item(field).Value = value
    for line in lines:
        split = transaction.Items.Add()
        for field, value in line.items():
            split.Fields.Item(field).Value = value
    return transaction.Update(), transaction


def sale(net: str = "100.00", tax: str = "20.00", nominal: str = "4000",
         tax_code: int = 1) -> dict[str, Any]:
    return {"NOMINAL_CODE": nominal, "TAX_CODE": tax_code, "NET_AMOUNT": net,
            "TAX_AMOUNT": tax, "DETAILS": "Annual service"}
