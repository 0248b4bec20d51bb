"""Payments, batch payments and credit-note allocations in the Xero sandbox: each one reduces
what is owed on its documents, and a document owed nothing more becomes PAID."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandboxes.xero import store as store
from sandboxes.xero.rules import ZERO, Invalid, dec, num, round2

OVERPAID = "Payment amount exceeds the amount outstanding on this document."


def _date(value: Any) -> Any:
    try:
        return store.parse_date(value) if value else store.utcnow().date()
    except ValueError:
        raise Invalid("Date must be a valid date (yyyy-mm-dd)") from None


def _invoice(tenant: str, given: Any) -> dict[str, Any]:
    if not isinstance(given, dict):
        raise Invalid("Invoice must be specified")
    if given.get("InvoiceID"):
        invoice = store.get_data(tenant, "Invoices", str(given["InvoiceID"]))
    elif given.get("InvoiceNumber"):
        found = [d for d in store.find_data(tenant, "Invoices", ref=str(given["InvoiceNumber"]))
                 if d["Type"] == "ACCREC"]
        invoice = found[0] if found else None
    else:
        raise Invalid("Invoice must be specified")
    if invoice is None:
        raise Invalid("Invoice could not be found")
    return invoice


def _bank_account(tenant: str, given: Any) -> dict[str, Any]:
    if not isinstance(given, dict) or not (given.get("AccountID") or given.get("Code")):
        raise Invalid("Account must be specified")
    if given.get("AccountID"):
        account = store.get_data(tenant, "Accounts", str(given["AccountID"]))
    else:
        account = store.account_by_code(tenant, str(given["Code"]))
    if account is None or account["Status"] != "ACTIVE":
        raise Invalid("Account could not be found")
    if account["Type"] != "BANK" and not account.get("EnablePaymentsToAccount"):
        raise Invalid(
            "Account type is invalid for making a payment. Payments can only be made to bank "
            "accounts or accounts with payments enabled."
        )
    return account


def check_payment_amount(amount: Decimal) -> None:
    if amount <= ZERO or amount != round2(amount):
        raise Invalid("Payment amount must be greater than zero with at most 2 decimal places.")


def check_payable(invoice: dict[str, Any], amount: Decimal, promised: Decimal = ZERO) -> None:
    """A payment of `amount` (besides `promised` in the same batch) against `invoice`."""
    if invoice["Status"] != "AUTHORISED":
        raise Invalid("Payments can only be made against Authorised documents.")
    if amount + promised > Decimal(str(invoice["AmountDue"])):
        raise Invalid(OVERPAID)


def check_allocation(note: dict[str, Any], invoice: dict[str, Any], amount: Decimal) -> None:
    """`amount` of credit note `note` against `invoice`, as Xero allows it or refuses it."""
    if note["Status"] != "AUTHORISED":
        raise Invalid("Only authorised credit notes can be allocated.")
    if invoice["Status"] != "AUTHORISED":
        raise Invalid("Credit notes can only be allocated to authorised invoices.")
    if invoice["Contact"]["ContactID"] != note["Contact"]["ContactID"]:
        raise Invalid("The invoice and the credit note must be for the same contact.")
    if amount <= ZERO or amount != round2(amount):
        raise Invalid("Amount must be greater than zero with at most 2 decimal places.")
    if amount > Decimal(str(note["RemainingCredit"])):
        raise Invalid("The amount being allocated is more than the remaining credit on the "
                      "credit note.")
    if amount > Decimal(str(invoice["AmountDue"])):
        raise Invalid("The amount being allocated is more than the amount due on the invoice.")


def reduce_due(invoice: dict[str, Any], amount: Decimal) -> Decimal:
    """The invoice's AmountDue less `amount`, written back; at zero the invoice is PAID."""
    due = Decimal(str(invoice["AmountDue"])) - amount
    invoice["AmountDue"] = num(due)
    if due == ZERO:
        invoice["Status"] = "PAID"
    return due


def reduce_credit(note: dict[str, Any], amount: Decimal) -> Decimal:
    """The credit note's RemainingCredit less `amount`, written back; at zero it is PAID."""
    remaining = Decimal(str(note["RemainingCredit"])) - amount
    note["RemainingCredit"] = num(remaining)
    if remaining == ZERO:
        note["Status"] = "PAID"
    return remaining


def _settle(tenant: str, invoice: dict[str, Any], amount: Decimal, paid_on: Any,
            entry_key: str, entry: dict[str, Any]) -> None:
    """Reduce an invoice's AmountDue; at zero it is PAID."""
    due = reduce_due(invoice, amount)
    if entry_key == "Payments":
        invoice["AmountPaid"] = num(Decimal(str(invoice["AmountPaid"])) + amount)
    else:
        invoice["AmountCredited"] = num(Decimal(str(invoice["AmountCredited"])) + amount)
    invoice[entry_key] = [*invoice.get(entry_key, []), entry]
    if due == ZERO:
        invoice["FullyPaidOnDate"] = store.msdate(paid_on)
    invoice["UpdatedDateUTC"] = store.msdate_now()
    store.put(tenant, "Invoices", invoice["InvoiceID"], invoice, ref=invoice["InvoiceNumber"])


def _invoice_summary(invoice: dict[str, Any]) -> dict[str, Any]:
    keys = ("Type", "InvoiceID", "InvoiceNumber", "Contact", "CurrencyCode", "Status")
    return {k: invoice[k] for k in keys if k in invoice}


def build_payment(tenant: str, element: dict[str, Any], batch_id: str | None = None,
                  defaults: dict[str, Any] | None = None,
                  pending: dict[str, Decimal] | None = None) -> dict[str, Any]:
    """A payment against an AUTHORISED invoice into a bank account. With `pending` (amounts
    already promised per invoice) it only checks, and adds its own amount there."""
    defaults = defaults or {}
    if element.get("CreditNote") or element.get("Prepayment") or element.get("Overpayment"):
        raise Invalid("The sandbox takes payments against invoices only")
    invoice = _invoice(tenant, element.get("Invoice") or (
        {"InvoiceNumber": element["InvoiceNumber"]} if element.get("InvoiceNumber") else None
    ))
    account = _bank_account(tenant, element.get("Account") or defaults.get("Account"))
    if "Amount" not in element:
        raise Invalid("Amount must be specified")
    amount = dec(element["Amount"], "Amount")
    check_payment_amount(amount)
    paid_on = _date(element.get("Date") or defaults.get("Date"))
    promised = (pending or {}).get(invoice["InvoiceID"], ZERO)
    check_payable(invoice, amount, promised)
    if pending is not None:
        pending[invoice["InvoiceID"]] = promised + amount
        return {}
    reference = element.get("Reference") or defaults.get("Reference") or ""
    if not isinstance(reference, str):
        raise Invalid("Reference must be text")
    payment: dict[str, Any] = {
        "PaymentID": store.new_id(), "Date": store.msdate(paid_on), "Amount": num(amount),
        "BankAmount": num(amount), "Reference": reference, "CurrencyRate": 1.0,
        "PaymentType": "ACCRECPAYMENT" if invoice["Type"] == "ACCREC" else "ACCPAYPAYMENT",
        "Status": "AUTHORISED", "IsReconciled": bool(element.get("IsReconciled", False)),
        "HasAccount": True, "HasValidationErrors": False, "UpdatedDateUTC": store.msdate_now(),
        "Account": {"AccountID": account["AccountID"], "Code": account["Code"],
                    "Name": account["Name"]},
        "Invoice": _invoice_summary(invoice),
    }
    if batch_id:
        payment["BatchPaymentID"] = batch_id
    _settle(tenant, invoice, amount, paid_on, "Payments", {
        "PaymentID": payment["PaymentID"], "Date": payment["Date"], "Amount": num(amount),
        "Reference": reference, "CurrencyRate": 1.0, "HasAccount": True,
        "HasValidationErrors": False,
    })
    payment["Invoice"]["Status"] = invoice["Status"]
    store.put(tenant, "Payments", payment["PaymentID"], payment, ref=reference)
    return payment


def build_batch_payment(tenant: str, element: dict[str, Any]) -> dict[str, Any]:
    """One bank deposit paying several invoices: every payment must pass, or none is made."""
    payments = element.get("Payments")
    if not isinstance(payments, list) or not payments:
        raise Invalid("Payments must be specified")
    batch_id = store.new_id()
    defaults = {k: element.get(k) for k in ("Account", "Date", "Reference")}
    errors: list[str] = []
    pending: dict[str, Decimal] = {}
    for raw in payments:  # check them all first: nothing is written unless every one is good
        try:
            if not isinstance(raw, dict):
                raise Invalid("Each payment must be an object")
            build_payment(tenant, raw, batch_id, defaults, pending)
        except Invalid as exc:
            errors.extend(exc.messages)
    if errors:
        raise Invalid(*errors)
    made = [build_payment(tenant, raw, batch_id, defaults) for raw in payments]
    account = made[0]["Account"]
    total = sum((Decimal(str(p["Amount"])) for p in made), ZERO)
    batch = {
        "BatchPaymentID": batch_id, "Account": account, "Reference": element.get("Reference", ""),
        "Date": made[0]["Date"], "Type": "RECBATCH", "Status": "AUTHORISED",
        "TotalAmount": num(total), "IsReconciled": False, "UpdatedDateUTC": store.msdate_now(),
        "Payments": [{"PaymentID": p["PaymentID"], "Amount": p["Amount"],
                      "Invoice": p["Invoice"]} for p in made],
    }
    store.put(tenant, "BatchPayments", batch_id, batch, ref=str(batch["Reference"]))
    return batch


def build_allocation(tenant: str, credit_note_id: str, element: dict[str, Any]) -> dict[str, Any]:
    """Apply part of an AUTHORISED credit note to an invoice of the same contact."""
    note = store.get_data(tenant, "CreditNotes", credit_note_id)
    if note is None:
        raise Invalid("Credit note could not be found")
    invoice = _invoice(tenant, element.get("Invoice"))
    if "Amount" not in element:
        raise Invalid("Amount must be specified")
    amount = dec(element["Amount"], "Amount")
    on = _date(element.get("Date"))
    check_allocation(note, invoice, amount)
    allocation = {"AllocationID": store.new_id(), "Amount": num(amount),
                  "Date": store.msdate(on)}
    remaining = reduce_credit(note, amount)
    note["AppliedAmount"] = num(Decimal(str(note.get("AppliedAmount", 0))) + amount)
    note["Allocations"] = [*note["Allocations"],
                           allocation | {"Invoice": _invoice_summary(invoice)}]
    if remaining == ZERO:
        note["FullyPaidOnDate"] = store.msdate(on)
    note["UpdatedDateUTC"] = store.msdate_now()
    store.put(tenant, "CreditNotes", credit_note_id, note, ref=note.get("CreditNoteNumber", ""))
    _settle(tenant, invoice, amount, on, "CreditNotes", {
        "CreditNoteID": credit_note_id, "CreditNoteNumber": note.get("CreditNoteNumber", ""),
        "AppliedAmount": num(amount), "Total": note["Total"],
    })
    cn_keys = ("CreditNoteID", "CreditNoteNumber", "Type", "Status", "RemainingCredit", "Total")
    return allocation | {
        "Invoice": _invoice_summary(invoice),
        "CreditNote": {k: note[k] for k in cn_keys if k in note},
    }
