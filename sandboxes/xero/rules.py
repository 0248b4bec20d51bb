"""Xero's rules for what may be created, with Xero's own messages, and its arithmetic.

Each `build_*` takes one element of a request (a dict) and either returns the object to store
(and stores it, not committed) or a list of validation messages. Elements of one batch are
handled in order, so a later element sees the ones before it, as in Xero.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sandboxes.kit.money import round_money, to_pennies
from sandboxes.xero import store as store

CENT = Decimal("0.01")
ZERO = Decimal("0")
ARCHIVED_CONTACT = (
    "The contact with the specified contact details has been archived. The contact must be "
    "un-archived before creating new invoices or credit notes."
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Fields Xero works out itself: never copied from a request.
_CONTACT_DERIVED = {
    "ContactID", "UpdatedDateUTC", "IsSupplier", "IsCustomer", "HasValidationErrors",
    "ValidationErrors", "StatusAttributeString", "Balances", "HasAttachments", "Attachments",
}


class Invalid(Exception):
    """One element breaks Xero's rules; `messages` are Xero's ValidationErrors."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


def dec(value: Any, name: str) -> Decimal:
    """A JSON number (or numeric string) as Decimal; anything else is a validation error."""
    if isinstance(value, bool) or value is None:
        raise Invalid(f"{name} must be a number")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise Invalid(f"{name} must be a number") from None
    if not result.is_finite():
        raise Invalid(f"{name} must be a number")
    return result


def round2(value: Decimal) -> Decimal:
    return to_pennies(value)


def num(value: Decimal) -> float:
    """Stored and answered as a JSON number (2 dp values round-trip exactly through float)."""
    return float(value)


def _text(value: Any, name: str, limit: int = 255) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{name} must be text")
    if len(value) > limit:
        raise Invalid(f"{name} must be {limit} characters or fewer")
    return value


# ---------------------------------------------------------------- contacts


def _name_key(name: str) -> str:
    return name.strip().lower()


def active_contact_named(tenant: str, name: str, except_id: str = "") -> dict[str, Any] | None:
    for contact in store.find_data(tenant, "Contacts", ref=_name_key(name)):
        if contact["ContactStatus"] == "ACTIVE" and contact["ContactID"] != except_id:
            return contact
    return None


def _check_contact(tenant: str, contact: dict[str, Any]) -> None:
    name = _text(contact.get("Name"), "Name").strip()
    if not name:
        raise Invalid("The contact name must be specified.")
    email = _text(contact.get("EmailAddress"), "EmailAddress")
    if email and not _EMAIL.match(email):
        raise Invalid("Email address must be valid.")
    _text(contact.get("ContactNumber"), "ContactNumber", 50)
    if contact.get("ContactStatus", "ACTIVE") not in {"ACTIVE", "ARCHIVED", "GDPRREQUEST"}:
        raise Invalid("ContactStatus must be ACTIVE or ARCHIVED")
    if contact.get("ContactStatus") == "ACTIVE" and active_contact_named(
        tenant, name, contact["ContactID"]
    ):
        raise Invalid(
            f"The contact name {name} is already assigned to another contact. The contact name "
            "must be unique across all active contacts."
        )


def save_contact(tenant: str, contact: dict[str, Any]) -> None:
    contact["UpdatedDateUTC"] = store.msdate_now()
    store.put(tenant, "Contacts", contact["ContactID"], contact, ref=_name_key(contact["Name"]))


def build_contact(tenant: str, element: dict[str, Any]) -> dict[str, Any]:
    """Create a contact, or update the one named by ContactID (Xero's POST does both)."""
    contact_id = element.get("ContactID")
    existing = store.get_data(tenant, "Contacts", contact_id) if contact_id else None
    if contact_id and existing is None:
        raise Invalid("The contact could not be found.")
    contact = existing or {
        "ContactID": store.new_id(), "ContactStatus": "ACTIVE", "Addresses": [], "Phones": [],
        "ContactGroups": [], "ContactPersons": [], "IsSupplier": False, "IsCustomer": False,
        "HasAttachments": False, "HasValidationErrors": False,
    }
    contact.update({k: v for k, v in element.items() if k not in _CONTACT_DERIVED})
    _check_contact(tenant, contact)
    contact["Name"] = contact["Name"].strip()
    save_contact(tenant, contact)
    return contact


def contact_summary(contact: dict[str, Any]) -> dict[str, Any]:
    keys = ("ContactID", "ContactNumber", "Name", "ContactStatus", "EmailAddress")
    return {k: contact[k] for k in keys if k in contact} | {"HasValidationErrors": False}


def _resolve_contact(tenant: str, given: Any) -> dict[str, Any]:
    """The contact an invoice names: by ContactID, ContactNumber, or Name. A new name gives a
    contact to create (no ContactID yet), created only once the whole invoice is valid."""
    if not isinstance(given, dict):
        raise Invalid("A Contact must be specified for this type of transaction")
    contacts = store.find_data(tenant, "Contacts")
    if given.get("ContactID"):
        found = next((c for c in contacts if c["ContactID"] == given["ContactID"]), None)
        if found is None:
            raise Invalid("The contact with the specified contact details could not be found.")
        return found
    if given.get("ContactNumber"):
        number = given["ContactNumber"]
        found = next((c for c in contacts if c.get("ContactNumber") == number), None)
        if found is not None:
            return found
    if given.get("Name"):
        found = active_contact_named(tenant, given["Name"])
        if found is None:
            archived = [c for c in contacts if _name_key(c["Name"]) == _name_key(given["Name"])]
            if archived:
                return archived[0]
            found = dict(given) | {"ContactStatus": "ACTIVE"}
            found.pop("ContactID", None)
            _check_contact(tenant, found | {"ContactID": ""})
        return found
    raise Invalid("A Contact must be specified for this type of transaction")


# ---------------------------------------------------------------- invoices and credit notes


def _account(tenant: str, line: dict[str, Any], required: bool) -> dict[str, Any] | None:
    code, account_id = line.get("AccountCode"), line.get("AccountID")
    if account_id:
        account = store.get_data(tenant, "Accounts", str(account_id))
        code = account["Code"] if account else account_id
    elif code:
        account = store.account_by_code(tenant, str(code))
    else:
        if required:
            raise Invalid("Account code must be specified for each line item.")
        return None
    if account is None or account["Status"] == "DELETED":
        raise Invalid(f"Account code '{code}' is not a valid code for this document.")
    if account["Status"] != "ACTIVE":
        raise Invalid(
            f"Account code '{code}' has been archived or deleted. Each line item must reference "
            "a valid account code."
        )
    return account


def unit_decimals(unitdp: str | None) -> int:
    """Decimal places Xero keeps of a unit amount: 2 unless the request's query says unitdp=4
    (developer.xero.com, Rounding in Xero: "By default, the API accepts unit prices
    (UnitAmount) to two decimals places")."""
    return 4 if (unitdp or "").strip() == "4" else 2


def line_amount(line: dict[str, Any], unit_dp: int = 2) -> tuple[Decimal, Decimal, Decimal]:
    """(quantity, unit amount, line amount) of one line as Xero works them out: the unit amount
    kept to `unit_dp` places, times the quantity, less any discount, to the penny."""
    quantity = dec(line.get("Quantity", 1), "Quantity")
    unit = dec(line["UnitAmount"], "UnitAmount") if "UnitAmount" in line else None
    discount = dec(line.get("DiscountRate", 0), "DiscountRate")
    if unit is not None:
        unit = round_money(unit, Decimal(1).scaleb(-unit_dp))
        amount = round2(quantity * unit * (Decimal(100) - discount) / Decimal(100))
    elif "LineAmount" in line:
        amount = round2(dec(line["LineAmount"], "LineAmount"))
        unit = amount / quantity if quantity else ZERO
    else:
        amount, unit = ZERO, ZERO
    return quantity, unit, amount


def line_tax(amount: Decimal, rate: Decimal, amount_types: str) -> Decimal:
    """Tax is worked out per line and rounded there; the document sums the rounded lines."""
    if amount_types == "NoTax":
        return ZERO
    if amount_types == "Inclusive":
        return round2(amount * rate / (Decimal(100) + rate))
    return round2(amount * rate / Decimal(100))


def document_sums(lines: list[dict[str, Any]], amount_types: str
                  ) -> tuple[Decimal, Decimal, Decimal]:
    """(SubTotal, TotalTax, Total) of a document from its lines as stored."""
    sub_total = sum((Decimal(str(x["LineAmount"])) for x in lines), ZERO)
    total_tax = sum((Decimal(str(x["TaxAmount"])) for x in lines), ZERO)
    if amount_types == "Inclusive":
        sub_total -= total_tax
    return sub_total, total_tax, sub_total + total_tax


def _line(tenant: str, line: Any, amount_types: str, authorised: bool,
          unit_dp: int) -> dict[str, Any]:
    if not isinstance(line, dict):
        raise Invalid("Each line item must be an object")
    quantity, unit, amount = line_amount(line, unit_dp)
    account = _account(tenant, line, required=authorised)
    tax_type = line.get("TaxType") or (account or {}).get("TaxType") or "NONE"
    rate_row = store.tax_rate(tenant, str(tax_type))
    if rate_row is None or rate_row["Status"] != "ACTIVE":
        raise Invalid(
            f"The TaxType code {tax_type} does not exist or cannot be used for this type of "
            "transaction."
        )
    rate = Decimal(str(rate_row["EffectiveRate"]))
    tax = line_tax(amount, rate, amount_types)
    out = {k: v for k, v in line.items() if k not in {"ValidationErrors"}}
    out.update(
        LineItemID=str(line.get("LineItemID") or store.new_id()),
        Quantity=num(quantity), UnitAmount=num(unit), TaxType=str(tax_type),
        TaxAmount=num(tax), LineAmount=num(amount), Tracking=line.get("Tracking", []),
    )
    if account:
        out["AccountCode"], out["AccountID"] = account["Code"], account["AccountID"]
    return out


def _next_number(tenant: str, collection: str, key: str, prefix: str) -> str:
    used = {d.get(key) for d in store.find_data(tenant, collection)}
    n = len(used) + 1
    while f"{prefix}{n:04d}" in used:
        n += 1
    return f"{prefix}{n:04d}"


def line_amount_types(element: dict[str, Any]) -> str:
    raw = str(element.get("LineAmountTypes") or "Exclusive")
    for known in ("Exclusive", "Inclusive", "NoTax"):
        if raw.lower() == known.lower():
            return known
    raise Invalid("LineAmountTypes must be Exclusive, Inclusive or NoTax")


def _check_lock_date(tenant: str, day: date) -> None:
    """Xero refuses a document dated on or before the organisation's end of year lock date (set
    in Xero's settings; its API only reads it, as Organisation.EndOfYearLockDate), in Xero's
    words."""
    org = store.get_data(store.GLOBAL, "organisations", tenant) or {}
    if not org.get("EndOfYearLockDate"):
        return
    lock = store.parse_date(org["EndOfYearLockDate"])
    if day <= lock:
        raise Invalid("The document date cannot be before the end of year lock date, currently "
                      f"set at {lock:%d-%b-%Y}")


def build_document(tenant: str, element: dict[str, Any], credit: bool,
                   unit_dp: int = 2) -> dict[str, Any]:
    """An invoice (credit=False) or credit note, checked and totalled, then stored; unit amounts
    kept to `unit_dp` places (unit_decimals)."""
    collection = "CreditNotes" if credit else "Invoices"
    types = ("ACCRECCREDIT", "ACCPAYCREDIT") if credit else ("ACCREC", "ACCPAY")
    doc_type = element.get("Type")
    if doc_type not in types:
        raise Invalid(f"{'Credit Note' if credit else 'Invoice'} Type must be "
                      f"{' or '.join(types)}")
    status = element.get("Status") or "DRAFT"
    if status not in {"DRAFT", "SUBMITTED", "AUTHORISED"}:
        raise Invalid(f"{'Credit note' if credit else 'Invoice'} not of valid status for creation")
    contact = _resolve_contact(tenant, element.get("Contact"))
    if contact["ContactStatus"] != "ACTIVE":
        raise Invalid(ARCHIVED_CONTACT)
    currency = element.get("CurrencyCode") or "GBP"
    if currency != "GBP":
        raise Invalid(f"The currency {currency} is not enabled for this organisation.")
    amount_types = line_amount_types(element)
    try:
        day = store.parse_date(element["Date"]) if element.get("Date") else store.utcnow().date()
        due = store.parse_date(element["DueDate"]) if element.get("DueDate") else None
    except ValueError:
        raise Invalid("Date must be a valid date (yyyy-mm-dd)") from None
    _check_lock_date(tenant, day)
    raw_lines = element.get("LineItems") or []
    if not isinstance(raw_lines, list):
        raise Invalid("LineItems must be a list")
    if status != "DRAFT" and not raw_lines:
        raise Invalid("At least one line item is required.")
    errors: list[str] = []
    lines = []
    for raw in raw_lines:
        try:
            lines.append(_line(tenant, raw, amount_types, status != "DRAFT", unit_dp))
        except Invalid as exc:
            errors.extend(exc.messages)
    number_key = "CreditNoteNumber" if credit else "InvoiceNumber"
    number = _text(element.get(number_key), number_key)
    receivable = doc_type in {"ACCREC", "ACCRECCREDIT"}
    if not number and receivable:
        number = _next_number(tenant, collection, number_key, "CN-" if credit else "INV-")
    if number and doc_type == "ACCREC" and any(
        d["Type"] == "ACCREC" for d in store.find_data(tenant, collection, ref=number)
    ):
        errors.append("Invoice # must be unique.")
    if errors:
        raise Invalid(*errors)
    if "ContactID" not in contact:
        contact = build_contact(tenant, contact)
    sub_total, total_tax, total = document_sums(lines, amount_types)
    id_key = "CreditNoteID" if credit else "InvoiceID"
    doc: dict[str, Any] = {
        "Type": doc_type, id_key: store.new_id(), number_key: number,
        "Reference": _text(element.get("Reference"), "Reference"),
        "Contact": contact_summary(contact),
        "Date": store.msdate(day), "DateString": store.datestring(day),
        "Status": status, "LineAmountTypes": amount_types, "LineItems": lines,
        "SubTotal": num(sub_total), "TotalTax": num(total_tax), "Total": num(total),
        "CurrencyCode": currency, "CurrencyRate": 1.0, "UpdatedDateUTC": store.msdate_now(),
        "HasAttachments": False, "HasErrors": False, "Payments": [], "Prepayments": [],
        "Overpayments": [], "SentToContact": False,
    }
    if due is not None:
        doc["DueDate"], doc["DueDateString"] = store.msdate(due), store.datestring(due)
    if credit:
        doc.update(RemainingCredit=num(total), Allocations=[], AppliedAmount=0.0)
    else:
        doc.update(AmountDue=num(total), AmountPaid=0.0, AmountCredited=0.0,
                   IsDiscounted=False, CreditNotes=[])
    store.put(tenant, collection, doc[id_key], doc, ref=number)
    flag = "IsCustomer" if receivable else "IsSupplier"
    if not contact.get(flag):
        contact[flag] = True
        save_contact(tenant, contact)
    return doc
