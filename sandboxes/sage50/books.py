"""What the simulator's readers see: each ledger's records in SDO's field names (with their
balances, worked out from the posted headers so they can never drift from them) and the whole
company's books for tests.

Balances follow double entry as Sage posts it (debit positive): a sales invoice debits the
debtors control account (1100) by its gross and credits each split's nominal by its net and
the sales tax control account (2200) by its tax; a credit reverses that; a receipt or payment
on account debits its bank and credits debtors control.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sandboxes.sage50 import store
from sandboxes.sage50.posting import SA, SI, SR

DEBTORS = "1100"
SALES_TAX = "2200"
ZERO = Decimal("0.00")


def _headers(company_id: str) -> list[dict[str, Any]]:
    return store.find_data(company_id, store.HEADERS)


def account_balances(company_id: str) -> dict[str, Decimal]:
    """Each customer's balance: what they owe us."""
    owed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for header in _headers(company_id):
        sign = 1 if header["type"] == SI else -1
        owed[header["account_ref"]] += sign * Decimal(header["gross"])
    return owed


def nominal_balances(company_id: str) -> dict[str, Decimal]:
    balances: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for header in _headers(company_id):
        gross = Decimal(header["gross"])
        if header["type"] in (SR, SA):
            balances[header["bank_code"]] += gross
            balances[DEBTORS] -= gross
            continue
        sign = 1 if header["type"] == SI else -1
        balances[DEBTORS] += sign * gross
        balances[SALES_TAX] -= sign * Decimal(header["tax"])
        for split in header["splits"]:
            balances[split["nominal_code"]] -= sign * Decimal(split["net"])
    return balances


def header_fields(header: dict[str, Any]) -> dict[str, Any]:
    """A posted header as HeaderData's fields."""
    gross, paid = Decimal(header["gross"]), Decimal(header["amount_paid"])
    return {"TRAN_NUMBER": header["tran_number"], "TYPE": header["type"],
            "ACCOUNT_REF": header["account_ref"], "DATE": header["date"],
            "INV_REF": header["inv_ref"], "DETAILS": header["details"],
            "EX_REF": header["ex_ref"], "BANK_CODE": header["bank_code"],
            "INVOICE_REF": header.get("invoice_ref", ""),
            "NET_AMOUNT": header["net"], "TAX_AMOUNT": header["tax"],
            "GROSS_AMOUNT": header["gross"], "AMOUNT_PAID": header["amount_paid"],
            "OUTSTANDING": str(gross - paid)}


def ledger_records(company_id: str, ledger: str) -> list[dict[str, Any]]:
    """Every record of a ledger ("sales", "purchase", "nominal", "tax_codes", "headers") in
    SDO's field names, ordered by its key as Sage lists them."""
    if ledger in store.LEDGERS:
        owed = account_balances(company_id) if ledger == "sales" else {}
        records = [{**r, "BALANCE": str(owed.get(r["ACCOUNT_REF"], ZERO))}
                   for r in store.find_data(company_id, store.LEDGERS[ledger])]
        return sorted(records, key=lambda r: r["ACCOUNT_REF"])
    if ledger == "nominal":
        balances = nominal_balances(company_id)
        records = [{**r, "BALANCE": str(balances.get(r["ACCOUNT_REF"], ZERO))}
                   for r in store.find_data(company_id, store.NOMINALS)]
        return sorted(records, key=lambda r: r["ACCOUNT_REF"])
    if ledger == "tax_codes":
        return sorted(store.find_data(company_id, store.TAX_CODES), key=lambda r: r["TAX_CODE"])
    if ledger == "headers":
        return sorted((header_fields(h) for h in _headers(company_id)),
                      key=lambda r: r["TRAN_NUMBER"])
    raise KeyError(ledger)


def books(company_id: str, found: dict[str, Any]) -> dict[str, Any]:
    """The whole company as stored, with every balance, for tests counting records and
    checking money to the penny."""
    transactions = sorted(_headers(company_id), key=lambda h: h["tran_number"])
    for header in transactions:
        header["outstanding"] = str(Decimal(header["gross"]) - Decimal(header["amount_paid"]))
    return {
        "company_id": company_id, "name": found["name"], "lock_date": found.get("lock_date"),
        "customers": ledger_records(company_id, "sales"),
        "suppliers": ledger_records(company_id, "purchase"),
        "transactions": transactions,
        "nominal_balances": {code: str(amount) for code, amount in
                             sorted(nominal_balances(company_id).items())},
    }
