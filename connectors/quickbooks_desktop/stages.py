"""A hand-out's request, and the reading of its answer, at each stage a record goes through.

- ADD (""): the Add request of each record. A credit memo that was added goes on to
  APPLY_CHECK, every other record is done.
- CHECK: after an answer was lost, the look-up (lookups.py) that finds what the lost request
  made: found is done (a credit memo goes on to APPLY_CHECK), not found is added again.
- APPLY_CHECK: is the credit memo applied to its invoice already, and what does the invoice
  still owe? Applied (or nothing left to apply) is done; else APPLY with that amount.
- APPLY ("apply:<pennies>"): the credit applied (a ReceivePaymentAdd of 0 with SetCredit).
  Its answer lost, the record goes back to APPLY_CHECK: a credit is never applied twice.

The amount travels in the stage's name because it is worked out from one answer and used in
the next request, possibly in another web process.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from lxml import etree

from connectors.base import (
    ContactRecord,
    Continue,
    DocumentRecord,
    Outcome,
    PaymentRecord,
    Rejected,
    Sent,
    Uncertain,
)
from connectors.capabilities import PullItem
from connectors.money import credit_to_apply, to_pennies, with_package_totals
from connectors.quickbooks_desktop import lookups, qbxml, responses
from connectors.quickbooks_desktop.limits import PayloadError
from connectors.quickbooks_desktop.responses import Answer, QbxmlResponseError

ADD = ""
CHECK = "check"
APPLY_CHECK = "apply_check"
APPLY = "apply:"  # "apply:<pennies>"; a hand-out of these is at stage "apply"
# A query that matched nothing: 1 (Info) for a filter that found none, 500 (Warn) for a
# FullName or ListID asked for by name that is not in the company file (qbXML's status codes).
NOT_FOUND = (1, 500)
_INVOICE = ".invoice"  # the second request of an APPLY_CHECK item


def check_stage(stage: str) -> str:
    """Where a hand-out at `stage` goes when its answer was lost."""
    return APPLY_CHECK if stage.startswith(APPLY[:-1]) or stage == APPLY_CHECK else CHECK


def _applies(record: object) -> bool:
    return isinstance(record, DocumentRecord) and record.kind == "credit_note" and bool(
        record.invoice_external_id)


def preflight(stage: str, items: Sequence[PullItem]) -> dict[str, Outcome]:
    """What QuickBooks is certain to refuse, refused without sending it (by request id)."""
    if stage != ADD:
        return {}
    found: dict[str, Outcome] = {}
    for item in items:
        built = qbxml.add_request(item.record, item.request_id)  # type: ignore[arg-type]
        if isinstance(built, Rejected):
            found[item.request_id] = built
    return found


def _requests(stage: str, item: PullItem) -> list[etree._Element]:
    record, rid = item.record, item.request_id
    if stage == ADD:
        built = qbxml.add_request(record, rid)  # type: ignore[arg-type]
        if isinstance(built, Rejected):
            raise PayloadError(built.field or "", built.package_message)
        return [built]
    if stage == CHECK:
        return [lookups.check_request(record, rid)]
    assert isinstance(record, DocumentRecord)  # noqa: S101 (only credit notes get here)
    if stage == APPLY_CHECK:
        return [lookups.txn_by_id("CreditMemoQuery", rid, item.external_id),
                lookups.txn_by_id("InvoiceQuery", rid + _INVOICE,
                                  record.invoice_external_id or "")]
    pennies = Decimal(item.stage[len(APPLY):]) / 100  # each record's own amount
    return [qbxml.apply_credit_add(record, item.external_id, pennies, rid)]


def render(stage: str, items: Sequence[PullItem]) -> str:
    """The whole qbXML document for a hand-out. continueOnError: the records of one hand-out
    are of one kind and independent (dependencies are kept by hand-out order), so one refusal
    must not stop the others."""
    requests = [rq for item in items for rq in _requests(stage, item)]
    return qbxml.envelope(requests, on_error="continueOnError").decode("utf-8")


def read(stage: str, items: Sequence[PullItem], answer: str) -> list[Outcome]:
    """One outcome per item from QuickBooks' response; an unreadable response, or one that
    answers requests we did not send, leaves every item uncertain (looked up next time)."""
    expected = [item.request_id for item in items]
    if stage == APPLY_CHECK:
        expected += [item.request_id + _INVOICE for item in items]
    try:
        found = responses.by_request_id(answer, expected)
    except QbxmlResponseError as exc:
        return [Uncertain(str(exc)) for _ in items]
    return [_one(stage, item, found) for item in items]


def _one(stage: str, item: PullItem, found: dict[str, Answer]) -> Outcome:
    answer = found.get(item.request_id)
    if answer is None:
        return Uncertain(f"QuickBooks Desktop did not answer request {item.request_id}; "
                         "it is looked up before anything is sent again.")
    if stage == ADD:
        return _added(item, answer)
    if stage == CHECK:
        return _checked(item, answer)
    if stage == APPLY_CHECK:
        return _apply_checked(item, answer, found.get(item.request_id + _INVOICE))
    if answer.status_code == 0:
        return Sent(item.external_id)
    return responses.classify(answer.status_code, answer.message, item.record)


def _added(item: PullItem, answer: Answer) -> Outcome:
    outcome = responses.outcome(answer, item.record)
    record = item.record
    if isinstance(outcome, Sent) and _applies(record):
        return Continue(outcome.external_id, APPLY_CHECK)
    if isinstance(outcome, Sent) and isinstance(record, DocumentRecord):
        # QuickBooks' own figures, checked against ours to the penny.
        for ret in answer.rets:
            subtotal, tax = lookups.decimal_of(ret, "Subtotal"), lookups.decimal_of(
                ret, "SalesTaxTotal")
            total = subtotal + tax if subtotal is not None and tax is not None else None
            return with_package_totals(outcome, total, tax, record.total, record.tax_total)
    return outcome


def _checked(item: PullItem, answer: Answer) -> Outcome:
    if answer.status_code not in (0, *NOT_FOUND):
        return Uncertain(f"QuickBooks Desktop could not look the record up "
                         f"({answer.status_code}: {answer.message}); it is tried again.")
    record = item.record
    if isinstance(record, ContactRecord):
        contact = lookups.found_contact(answer, record)
        if contact is None:
            return Continue("", ADD)
        list_id, account_number = contact
        if account_number == record.reference:
            return Sent(list_id)
        # Someone else's contact of that name: what the add itself would have met.
        return responses.classify(3100, f'The name "{record.name}" of the list element is '
                                  "already in use.", record)
    if isinstance(record, PaymentRecord):
        txn = lookups.found_payment(answer, record)
        return Sent(txn) if txn else Continue("", ADD)
    assert isinstance(record, DocumentRecord)  # noqa: S101
    txn = lookups.found_document(answer, record)
    if txn is None:
        return Continue("", ADD)
    return Continue(txn, APPLY_CHECK) if _applies(record) else Sent(txn)


def _apply_checked(item: PullItem, credit: Answer, invoice: Answer | None) -> Outcome:
    record = item.record
    assert isinstance(record, DocumentRecord)  # noqa: S101
    if invoice is None or credit.status_code != 0 or invoice.status_code != 0:
        worst = credit if credit.status_code != 0 else invoice
        said = f" ({worst.status_code}: {worst.message})" if worst is not None else ""
        return Uncertain(f"QuickBooks Desktop could not read the credit memo and its "
                         f"invoice{said}; tried again next time.")
    if lookups.credit_applied(credit, record.invoice_external_id or ""):
        return Sent(item.external_id)
    left = lookups.credit_remaining(credit)
    credit_left = record.total if left is None else min(record.total, left)
    amount = credit_to_apply(credit_left, lookups.balance_remaining(invoice))
    if amount is None:
        return Sent(item.external_id)  # the invoice owes nothing: nothing to apply
    return Continue(item.external_id, f"{APPLY}{int(to_pennies(amount) * 100)}")
