"""Pre-flight: each payload checked against Sage 50's limits (limits.py) before it is handed
out, so what Sage would refuse is refused here, in words, and never reaches the agent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.base import Rejected
from connectors.sage50 import limits


def _contact(p: dict[str, Any], what: str) -> Rejected | None:
    fields = [("name", f"The {what}'s name", p["name"], limits.NAME_MAX),
              ("telephone", f"The {what}'s telephone number", p["telephone"],
               limits.TELEPHONE_MAX),
              ("contact_name", f"The {what}'s contact name", p["contact_name"],
               limits.CONTACT_MAX),
              ("vat_number", f"The {what}'s VAT number", p["vat_number"],
               limits.VAT_NUMBER_MAX)]
    fields += [(f"address_{i + 1}", f"Line {i + 1} of the {what}'s address", line,
                limits.ADDRESS_LINE_MAX) for i, line in enumerate(p["address"])]
    if not p["name"].strip():
        return Rejected("validation", f"The {what} has no name; Sage 50 needs one.", "name")
    return limits.too_long(fields) or limits.account_ref_fits(p["account_ref"], f"The {what}")


def _document(p: dict[str, Any], what: str) -> Rejected | None:
    # The lines before the header's details: the details are the first line's description
    # when the customer gave no reference, and the bookkeeper must be told which line to
    # shorten, not about a "details" field they never typed.
    found = (limits.too_long([
        ("reference", f"The {what}'s number", p["reference"], limits.REFERENCE_MAX),
        *[(f"lines[{i}].details", f"Line {i + 1}'s description", line["details"],
           limits.DETAILS_MAX) for i, line in enumerate(p["lines"])],
        ("details", f"The {what}'s customer reference (Sage 50's Details)", p["details"],
         limits.DETAILS_MAX)])
        or limits.account_ref_fits(p["account_ref"], f"The {what}'s customer"))
    if found:
        return found
    if not p["lines"]:
        return Rejected("validation", f"The {what} has no lines; Sage 50 posts none without.",
                        "lines")
    for i, line in enumerate(p["lines"]):
        found = (limits.tax_code_fits(line["tax_code"], i + 1)
                 or limits.nominal_fits(line["nominal_code"], f"Line {i + 1}'s sales account"))
        if found:
            return found
    return money_refusal(p, what)


def money_refusal(p: dict[str, Any], what: str) -> Rejected | None:
    """Amounts Sage 50 cannot post at all (8 digits and pence): each split's, and the
    totals'."""
    for i, line in enumerate(p.get("lines", [])):
        found = (limits.amount_fits(f"lines[{i}].net", f"Line {i + 1}'s net amount",
                                    Decimal(line["net"]))
                 or limits.amount_fits(f"lines[{i}].tax", f"Line {i + 1}'s VAT",
                                       Decimal(line["tax"])))
        if found:
            return found
    for field in ("net", "tax", "gross", "amount"):
        if field in p:
            found = limits.amount_fits(field, f"The {what}'s {_WORDS[field]}",
                                       Decimal(p[field]))
            if found:
                return found
    return None


_WORDS = {"net": "net total", "tax": "VAT", "gross": "total", "amount": "amount"}


def _receipt(p: dict[str, Any]) -> Rejected | None:
    return (limits.too_long([("reference", "The payment's reference", p["reference"],
                              limits.REFERENCE_MAX)])
            or limits.account_ref_fits(p["account_ref"], "The payment's customer")
            or limits.nominal_fits(p["bank_nominal"], "The bank account")
            or money_refusal(p, "payment"))


def refusal(kind: str, payload: dict[str, Any]) -> Rejected | None:
    """Why Sage 50 would refuse this payload, in words; None when it fits."""
    if kind in ("customer", "supplier"):
        return _contact(payload, kind)
    if kind in ("invoice", "credit_note"):
        return _document(payload, "invoice" if kind == "invoice" else "credit note")
    return _receipt(payload)
