"""TransactionPost.Update as the simulator runs it: a sales invoice (SI), credit (SC),
receipt (SR, its splits allocated to invoices) or payment on account (SA) checked against
Sage's rules (rules.py), numbered from the company's audit trail sequence and stored as one
header with its splits. The splits' totals are what is posted (a header's own NET_AMOUNT /
TAX_AMOUNT, when given, must agree with them).

How a receipt's allocations are expressed (an INV_REF on each split) and a credit note's (its
header's INVOICE_REF) is the simulator's contract (unverified against a real Sage 50),
documented in sdo.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandboxes.sage50 import rules, store
from sandboxes.sage50.rules import Malformed, SageRefusal

SI, SC, SR, SA = 1, 2, 3, 4
TYPE_NAMES = {SI: "SI", SC: "SC", SR: "SR", SA: "SA"}
OUTSIDE_SCOPE = 9
ZERO = Decimal("0.00")


def _nominal(company_id: str, code: str, field: str) -> str:
    if not code or store.by_ref(company_id, store.NOMINALS, code) is None:
        raise SageRefusal(f"Invalid nominal code {code or '(blank)'}: it does not exist in "
                          "the nominal ledger", field)
    return code


def _split(company_id: str, raw: Any, kind: int, bank: str) -> dict[str, Any]:
    rules.known_fields(raw, rules.SPLIT_FIELDS, "split")
    receipt = kind in (SR, SA)
    default_tax = OUTSIDE_SCOPE if receipt else 0
    tax_code = rules.whole(raw, "TAX_CODE", default_tax, 0, 99)
    if store.by_ref(company_id, store.TAX_CODES, str(tax_code)) is None:
        raise SageRefusal(f"Invalid tax code T{tax_code}: it is not set up in this company",
                          "TAX_CODE")
    split = {
        "nominal_code": rules.text(raw, "NOMINAL_CODE", rules.TEXT_LIMITS["NOMINAL_CODE"]),
        "tax_code": tax_code,
        "net": rules.money(raw, "NET_AMOUNT"),
        "tax": rules.money(raw, "TAX_AMOUNT"),
        "details": rules.text(raw, "DETAILS", rules.TEXT_LIMITS["DETAILS"]),
        "dept_number": rules.whole(raw, "DEPT_NUMBER", 0, 0, 999),
        "inv_ref": rules.text(raw, "INV_REF", rules.TEXT_LIMITS["INV_REF"]),
    }
    if receipt:
        if split["nominal_code"] and split["nominal_code"] != bank:
            raise SageRefusal(f"A receipt's split posts to its bank ({bank}), not "
                              f"{split['nominal_code']}", "NOMINAL_CODE")
        split["nominal_code"] = bank
        if split["tax"] != ZERO:
            raise SageRefusal("A receipt carries no tax: tax amount must be 0.00",
                              "TAX_AMOUNT")
        if split["net"] <= ZERO:
            raise SageRefusal("A receipt's amount must be more than 0.00", "NET_AMOUNT")
        if kind == SA and split["inv_ref"]:
            raise SageRefusal("A payment on account is not allocated to an invoice: post a "
                              "receipt (SR) to allocate", "INV_REF")
    else:
        _nominal(company_id, split["nominal_code"], "NOMINAL_CODE")
        if split["inv_ref"]:
            raise Malformed("INV_REF belongs on a receipt's splits only")
    return split


def allocate(company_id: str, account: str, parts: list[tuple[str, Decimal]],
             tran_number: int) -> list[dict[str, Any]]:
    """Each (invoice reference, amount) pays off that much of the customer's invoice (stored,
    not committed): a receipt's splits, or a credit note's gross."""
    allocations = []
    paid: dict[str, Decimal] = {}
    for inv_ref, amount in parts:
        invoice = next((h for h in store.find_data(company_id, store.HEADERS, ref=inv_ref)
                        if h["type"] == SI and h["account_ref"] == account), None)
        if invoice is None:
            raise SageRefusal(f"Invoice {inv_ref} not found on account {account}", "INV_REF")
        key = str(invoice["tran_number"])
        already = paid.get(key, Decimal(invoice["amount_paid"]))
        outstanding = Decimal(invoice["gross"]) - already
        if amount > outstanding:
            raise SageRefusal(f"Allocation of {amount} exceeds the {outstanding} "
                              f"outstanding on invoice {inv_ref}", "NET_AMOUNT")
        paid[key] = already + amount
        invoice["amount_paid"] = str(paid[key])
        invoice.setdefault("allocations", []).append(
            {"tran_number": tran_number, "amount": str(amount)})
        store.save(company_id, store.HEADERS, key, invoice, ref=invoice["inv_ref"])
        allocations.append({"tran_number": invoice["tran_number"], "inv_ref": inv_ref,
                            "amount": str(amount)})
    return allocations


def post(company_id: str, found: dict[str, Any], header: Any, raw_splits: Any) -> dict[str, Any]:
    """The posted header (stored, not committed), or SageRefusal / Malformed with nothing
    stored. Call under store.writing with the company read afresh."""
    rules.known_fields(header, rules.HEADER_FIELDS, "header")
    kind = rules.whole(header, "TYPE", 0, 0, 99)
    if kind not in TYPE_NAMES:
        raise SageRefusal(f"Transaction type {kind} is not supported (SI 1, SC 2, SR 3, SA 4)",
                          "TYPE")
    account = rules.text(header, "ACCOUNT_REF")
    if not account:
        raise SageRefusal("Account reference is required", "ACCOUNT_REF")
    if store.by_ref(company_id, store.CUSTOMERS, account) is None:
        raise SageRefusal(f"Account {account} does not exist", "ACCOUNT_REF")
    when = rules.posting_date(header, found.get("lock_date"))
    texts = {f: rules.text(header, f, rules.TEXT_LIMITS[f])
             for f in ("INV_REF", "DETAILS", "EX_REF", "INVOICE_REF")}
    if texts["INVOICE_REF"] and kind != SC:
        raise SageRefusal("Only a credit note is allocated to an invoice by INVOICE_REF",
                          "INVOICE_REF")
    bank = rules.text(header, "BANK_CODE", rules.TEXT_LIMITS["BANK_CODE"])
    if kind in (SR, SA):
        _nominal(company_id, bank, "BANK_CODE")
    if not isinstance(raw_splits, list):
        raise Malformed("splits must be a list")
    if not raw_splits:
        raise SageRefusal("A transaction needs at least one split", "NET_AMOUNT")
    splits = [_split(company_id, raw, kind, bank) for raw in raw_splits]
    net = sum((s["net"] for s in splits), ZERO)
    tax = sum((s["tax"] for s in splits), ZERO)
    for field, total in (("NET_AMOUNT", net), ("TAX_AMOUNT", tax)):
        given = header.get(field)
        if given not in (None, "") and rules.money(header, field) != total:
            raise SageRefusal(f"The header's {rules.LABELS[field].lower()} {given} does not "
                              f"equal the splits' total {total}", field)
    for field, total in (("NET_AMOUNT", net), ("TAX_AMOUNT", tax), ("NET_AMOUNT", net + tax)):
        if abs(total) >= rules.AMOUNT_LIMIT:
            raise SageRefusal(f"The transaction's total {total} is too large (maximum 8 "
                              "digits and 2 decimal places)", field)
    tran_number = store.next_tran_number(company_id)
    if kind == SR:
        parts = [(s["inv_ref"], s["net"]) for s in splits if s["inv_ref"]]
    else:
        parts = [(texts["INVOICE_REF"], net + tax)] if texts["INVOICE_REF"] else []
    allocations = allocate(company_id, account, parts, tran_number)
    posted = {
        "tran_number": tran_number, "type": kind, "type_name": TYPE_NAMES[kind],
        "account_ref": account, "date": when.isoformat(), "inv_ref": texts["INV_REF"],
        "details": texts["DETAILS"], "ex_ref": texts["EX_REF"], "bank_code": bank,
        "invoice_ref": texts["INVOICE_REF"],
        "net": str(net), "tax": str(tax), "gross": str(net + tax),
        "amount_paid": str(sum((Decimal(a["amount"]) for a in allocations), ZERO)),
        "splits": [{**s, "net": str(s["net"]), "tax": str(s["tax"])} for s in splits],
        "allocations": allocations,
    }
    store.save(company_id, store.HEADERS, str(tran_number), posted, ref=texts["INV_REF"])
    return posted
