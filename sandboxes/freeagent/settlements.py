"""POST /v2/bank_transaction_explanations (money received into a bank account, paying an
invoice) and POST /v2/credit_note_reconciliations (a credit note against an invoice) in the
FreeAgent sandbox.

An explanation given a `bank_account` (not a `bank_transaction`) makes its transaction too
(docs). FreeAgent takes an overpayment (its invoices have an "Overpaid" status), so an
explanation is never refused for paying more than is due; a reconciliation is refused for more
than the invoice owes or the credit note has left. The checks are `check_*`, shared with the
money oracle (totals.py), which has no books."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandboxes.freeagent import arithmetic, rules
from sandboxes.freeagent import store as store
from sandboxes.freeagent.replies import Invalid, decimal_text

ZERO = arithmetic.ZERO


def _positive(resource: dict[str, Any], name: str, label: str) -> Decimal:
    value = arithmetic.amount(resource.get(name), label)
    if value <= ZERO:
        # unverified: FreeAgent's words for a receipt or credit of nothing.
        raise Invalid(f"{label} must be greater than zero")
    return value


def check_payment(resource: dict[str, Any], invoice: dict[str, Any] | None
                  ) -> tuple[dict[str, Any], Decimal]:
    """The invoice an explanation pays (given as None: FreeAgent has no such invoice) and the
    gross value it pays."""
    if resource.get("paid_invoice") in (None, ""):
        # unverified: an explanation paying nothing needs a category, which the sandbox does
        # not take (it makes only invoice receipts).
        raise Invalid("Category can't be blank")
    if invoice is None:
        raise Invalid(rules.INVOICE_NOT_FOUND)
    if not (invoice.get(store.PRIVATE) or {}).get("sent"):
        raise Invalid(rules.INVOICE_DRAFT_PAID)
    return invoice, _positive(resource, "gross_value", "Gross value")


def check_reconciliation(resource: dict[str, Any], invoice: dict[str, Any] | None,
                         credit_note: dict[str, Any] | None
                         ) -> tuple[dict[str, Any], dict[str, Any], Decimal]:
    """The invoice and credit note a reconciliation joins (None: no such one) and the gross
    value it moves from the credit note to the invoice."""
    if invoice is None:
        raise Invalid(rules.INVOICE_NOT_FOUND)
    if credit_note is None:
        raise Invalid(rules.CREDIT_NOTE_NOT_FOUND)
    if not (invoice.get(store.PRIVATE) or {}).get("sent"):
        raise Invalid(rules.INVOICE_DRAFT_RECONCILED)
    if not (credit_note.get(store.PRIVATE) or {}).get("sent"):
        raise Invalid(rules.CREDIT_NOTE_DRAFT)
    if invoice.get("contact") != credit_note.get("contact"):
        raise Invalid(rules.OTHER_CONTACT)
    value = _positive(resource, "gross_value", "Gross value")
    if value > arithmetic.due(invoice):
        raise Invalid(rules.EXCEEDS_INVOICE)
    if value > arithmetic.due(credit_note):
        raise Invalid(rules.EXCEEDS_CREDIT)
    return invoice, credit_note, value


def _saved(company: str, collection: str, document: dict[str, Any]) -> None:
    document["updated_at"] = store.stamp()
    store.put(company, collection, document["url"].rsplit("/", 1)[-1], document,
              ref=document["reference"])


def create_explanation(company: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The new explanation as FreeAgent answers it (stored, not committed)."""
    bank = rules.bank_account(company, resource.get("bank_account"))
    dated_on = rules.required_date(resource, "dated_on", "Dated on")
    invoice_id = store.referenced(resource.get("paid_invoice"), "invoices")
    found = store.get_data(company, "invoices", invoice_id) if invoice_id else None
    invoice, gross = check_payment(resource, found)
    arithmetic.settle(invoice, gross, paid=True)
    _saved(company, "invoices", invoice)
    explanation_id = store.new_id(company, "bank_transaction_explanations")
    transaction_id = store.new_id(company, "bank_transactions")
    moment = store.stamp()
    explanation = {
        "url": store.path_of("bank_transaction_explanations", explanation_id),
        "bank_account": bank["url"],
        "bank_transaction": store.path_of("bank_transactions", transaction_id),
        "type": "Invoice Receipt", "ec_status": "UK/Non-EC",
        "dated_on": dated_on.isoformat(),
        "description": rules.text(resource, "description", "Description"),
        "gross_value": decimal_text(gross), "sales_tax_value": "0.0",
        "paid_invoice": invoice["url"], "created_at": moment, "updated_at": moment,
    }
    # The bank transaction the explanation made, so its id is never drawn again.
    store.put(company, "bank_transactions", transaction_id, {
        "url": explanation["bank_transaction"], "bank_account": bank["url"],
        "dated_on": explanation["dated_on"], "amount": explanation["gross_value"],
        "description": explanation["description"]})
    store.put(company, "bank_transaction_explanations", explanation_id, explanation,
              ref=bank["url"])
    return explanation


def create_reconciliation(company: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The new credit note reconciliation as FreeAgent answers it (stored, not committed)."""
    invoice_id = store.referenced(resource.get("invoice"), "invoices")
    credit_id = store.referenced(resource.get("credit_note"), "credit_notes")
    invoice, credit_note, gross = check_reconciliation(
        resource, store.get_data(company, "invoices", invoice_id) if invoice_id else None,
        store.get_data(company, "credit_notes", credit_id) if credit_id else None)
    dated_on = rules.required_date(resource, "dated_on", "Dated on")
    arithmetic.settle(invoice, gross, paid=False)
    arithmetic.settle(credit_note, gross, paid=False)
    _saved(company, "invoices", invoice)
    _saved(company, "credit_notes", credit_note)
    made_id = store.new_id(company, "credit_note_reconciliations")
    moment = store.stamp()
    made = {
        "url": store.path_of("credit_note_reconciliations", made_id),
        "gross_value": decimal_text(gross), "dated_on": dated_on.isoformat(),
        "currency": "GBP", "exchange_rate": "1.0", "invoice": invoice["url"],
        "credit_note": credit_note["url"], "created_at": moment, "updated_at": moment,
    }
    store.put(company, "credit_note_reconciliations", made_id, made)
    return made
