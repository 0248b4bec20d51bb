"""Sage 50's rules for what an SDO write may hold, checked before anything is written. A
refusal carries words close to Sage's own (unverified word for word: Sage's SDO messages as
integrators quote them, and the import rules in Sage's help: account 8, name 60, address lines
60, contact and telephone 30, reference 30, details 60, amounts 8 digits and 2 decimal places,
departments 0-999, tax codes T0-T99) and the field it is about.

Input the SDO layer could never send (a number where text belongs, an unknown field) is
`Malformed`: the HTTP layer's 400 "malformed", not a Sage refusal.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

ACCOUNT_REF_MAX = 8
CONTACT_LIMITS: dict[str, int] = {
    "ACCOUNT_REF": ACCOUNT_REF_MAX, "NAME": 60, "ADDRESS_1": 60, "ADDRESS_2": 60,
    "ADDRESS_3": 60, "ADDRESS_4": 60, "ADDRESS_5": 60, "CONTACT_NAME": 30, "TELEPHONE": 30,
    "E_MAIL": 255, "VAT_REG_NUMBER": 30,
}
HEADER_FIELDS = ("ACCOUNT_REF", "TYPE", "DATE", "INV_REF", "DETAILS", "EX_REF", "BANK_CODE",
                 "NET_AMOUNT", "TAX_AMOUNT", "INVOICE_REF")
SPLIT_FIELDS = ("NOMINAL_CODE", "TAX_CODE", "NET_AMOUNT", "TAX_AMOUNT", "DETAILS",
                "DEPT_NUMBER", "INV_REF")
TEXT_LIMITS = {"INV_REF": 30, "DETAILS": 60, "EX_REF": 30, "BANK_CODE": 8, "NOMINAL_CODE": 8,
               "INVOICE_REF": 30}
AMOUNT_LIMIT = Decimal(100_000_000)  # 8 digits before the point
LABELS = {"NET_AMOUNT": "Net amount", "TAX_AMOUNT": "Tax amount", "INV_REF": "Reference",
          "DETAILS": "Details", "EX_REF": "Extra reference", "NAME": "Name",
          "CONTACT_NAME": "Contact name", "TELEPHONE": "Telephone", "E_MAIL": "E-mail",
          "VAT_REG_NUMBER": "VAT registration number", "BANK_CODE": "Bank code",
          "NOMINAL_CODE": "Nominal code", "INVOICE_REF": "Invoice reference"}


class SageRefusal(Exception):
    """Sage refuses the write: `detail` its words, `field` the field they are about."""

    def __init__(self, detail: str, field: str = "") -> None:
        super().__init__(detail)
        self.detail, self.field = detail, field


class Malformed(Exception):
    """Input no SDO object would send."""


def _label(field: str) -> str:
    return LABELS.get(field, field.replace("_", " ").capitalize())


def text(fields: dict[str, Any], field: str, limit: int | None = None) -> str:
    value = fields.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Malformed(f"{field} must be text")
    value = value.strip()
    if limit is not None and len(value) > limit:
        raise SageRefusal(f"{_label(field)} is too long (maximum {limit} characters)", field)
    return value


def whole(fields: dict[str, Any], field: str, default: int, low: int, high: int) -> int:
    value = fields.get(field)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(f"{field} must be a whole number")
    if not low <= value <= high:
        raise SageRefusal(f"{_label(field)} {value} is out of range ({low} to {high})", field)
    return value


def money(fields: dict[str, Any], field: str) -> Decimal:
    """An amount as Sage holds it: at most 8 digits and 2 decimal places."""
    value = fields.get(field)
    if value is None or value == "":
        return Decimal("0.00")
    if not isinstance(value, str):
        raise Malformed(f"{field} must be an amount as text, e.g. \"120.00\"")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise SageRefusal(f"{_label(field)} \"{value}\" is not a number", field) from exc
    if not amount.is_finite():
        raise SageRefusal(f"{_label(field)} \"{value}\" is not a number", field)
    if amount != amount.quantize(Decimal("0.01")):
        raise SageRefusal(f"{_label(field)} {value} has more than 2 decimal places", field)
    if abs(amount) >= AMOUNT_LIMIT:
        raise SageRefusal(f"{_label(field)} {value} is too large (maximum 8 digits and 2 "
                          "decimal places)", field)
    return amount.quantize(Decimal("0.01"))


def known_fields(fields: Any, allowed: tuple[str, ...] | dict[str, int], what: str) -> None:
    if not isinstance(fields, dict):
        raise Malformed(f"{what} must be an object of fields")
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise Malformed(f"unknown {what} field(s): {', '.join(unknown)}")


def account_ref(value: str) -> str:
    if not value:
        raise SageRefusal("Account reference is required", "ACCOUNT_REF")
    if len(value) > ACCOUNT_REF_MAX:
        raise SageRefusal(f"Account reference {value} is too long (maximum "
                          f"{ACCOUNT_REF_MAX} characters)", "ACCOUNT_REF")
    if value != value.upper() or any(ch.isspace() for ch in value):
        raise SageRefusal(f"Account reference {value} must be upper case with no spaces",
                          "ACCOUNT_REF")
    return value


def contact(fields: Any) -> dict[str, str]:
    """A customer's or supplier's record as Sage would store it, or SageRefusal."""
    known_fields(fields, CONTACT_LIMITS, "record")
    if fields.get("ACCOUNT_REF") is not None and not isinstance(fields["ACCOUNT_REF"], str):
        raise Malformed("ACCOUNT_REF must be text")
    ref = account_ref((fields.get("ACCOUNT_REF") or "").strip())
    record = {name: text(fields, name, limit) for name, limit in CONTACT_LIMITS.items()}
    record["ACCOUNT_REF"] = ref
    if not record["NAME"]:
        raise SageRefusal("Name is required", "NAME")
    return record


def posting_date(fields: dict[str, Any], lock_date: str | None) -> date:
    raw = fields.get("DATE")
    if raw is None or raw == "":
        raise SageRefusal("Date is required", "DATE")
    if not isinstance(raw, str):
        raise Malformed("DATE must be YYYY-MM-DD")
    try:
        when = date.fromisoformat(raw)
    except ValueError as exc:
        raise SageRefusal(f"Date {raw} is not a valid date", "DATE") from exc
    if lock_date and when < date.fromisoformat(lock_date):
        shown = date.fromisoformat(lock_date).strftime("%d/%m/%Y")
        raise SageRefusal(f"Date {when.strftime('%d/%m/%Y')} is before the lock date "
                          f"({shown}): the period is locked", "DATE")
    return when
