"""Writer-ready payloads (contract section 2) for the agent's tests."""

from __future__ import annotations


def customer(ref: str = "ACMEHEAT", **changes: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "account_ref": ref, "name": "Acme Heating Ltd",
        "address": ["1 High St", "Leeds", "", "", "LS1 1AA"], "contact_name": "Ann Smith",
        "telephone": "0113 000000", "email": "a@b.c", "vat_number": "GB123456789"}
    payload.update(changes)
    return payload


def invoice(reference: str = "INV-1001", **changes: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "type": "SI", "account_ref": "ACMEHEAT", "date": "2026-11-30", "reference": reference,
        "details": "Boiler service", "invoice_reference": "",
        "lines": [{"nominal_code": "4000", "tax_code": "T1", "net": "100.00", "tax": "20.00",
                   "details": "Service visit", "department": 0},
                  {"nominal_code": "4010", "tax_code": "T0", "net": "15.50", "tax": "0.00",
                   "details": "", "department": 12}],
        "net": "115.50", "tax": "20.00", "gross": "135.50"}
    payload.update(changes)
    return payload


def receipt(reference: str = "PAY-77", **changes: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "type": "SR", "account_ref": "ACMEHEAT", "bank_nominal": "1200", "date": "2026-12-01",
        "reference": reference, "details": "BACS from Acme", "amount": "135.50",
        "allocations": [{"invoice_reference": "INV-1001", "amount": "135.50"}]}
    payload.update(changes)
    return payload
