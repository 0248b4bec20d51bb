"""Creates and look-ups against Sage Accounting, one record per request (Sage has no batch),
every reply turned into an outcome.

Anything we cannot attribute with certainty becomes Uncertain, never Sent, so reconciliation
(find) decides before a resend; and a resend carries the same idempotency_id, which Sage
answers with its first reply instead of making the record again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from connectors import batching
from connectors.base import (
    ContactRecord,
    DocumentRecord,
    Outcome,
    PaymentRecord,
    Record,
    Rejected,
    Sent,
    Uncertain,
)
from connectors.money import credit_to_apply, to_pennies, with_package_totals
from connectors.sage_accounting import payloads
from connectors.sage_accounting.client import SageClient
from connectors.sage_accounting.errors import (
    SageError,
    SageRequestError,
    batch_outcome,
    classify,
    rejected,
)
from connectors.sage_accounting.lists import Chart, contact_types, decimal, sub, text

VOID = "VOID"


def money(value: Any) -> Decimal | None:
    found = decimal(value)
    return to_pennies(found) if found is not None and found.is_finite() else None


def _same_name(a: str, b: str) -> bool:
    return re.sub(r"\s+", " ", a).strip().casefold() == re.sub(r"\s+", " ", b).strip().casefold()


def check_totals(outcome: Outcome, item: Mapping[str, Any] | None, record: DocumentRecord
                 ) -> Outcome:
    """Sage takes our per-line VAT, so its totals should be ours to the penny; where they still
    differ the document is Sent with both sets of figures (connectors/money.py)."""
    if item is None:
        return outcome
    return with_package_totals(outcome, money(item.get("total_amount")),
                               money(item.get("tax_amount")), record.total, record.tax_total)


def _refused(exc: SageRequestError, record: Record) -> Rejected:
    # Without Sage's error array (a proxy's page, say) its text is all there is to show.
    errors = exc.errors or [SageError("", exc.text[:300].strip()
                                      or "Sage Accounting refused the record.", "")]
    return classify(errors, record)


class Pusher:
    def __init__(self, client: SageClient, chart: Chart) -> None:
        self.client = client
        self.chart = chart

    def _each(self, batch: Sequence[Record], create_one: Callable[[Any], Outcome]
              ) -> list[Outcome]:
        def one(record: Any, _body: Any) -> Outcome:
            try:
                return create_one(record)
            except payloads.PayloadError as exc:
                return Rejected("validation", str(exc), exc.field,
                                {"reference": record.reference})

        return batching.create_each(batch, one, failed=batch_outcome)

    def _created(self, path: str, body: Mapping[str, Any], record: Record
                 ) -> tuple[Outcome, dict[str, Any] | None]:
        """POST one record: Sent with its id, Rejected in Sage's words, or Uncertain."""
        try:
            reply = self.client.post(path, body)
        except SageRequestError as exc:
            return _refused(exc, record), None
        made = text(reply.get("id"))
        if not made:
            return Uncertain(f"Sage Accounting's reply has no id for {record.reference}"), None
        return Sent(made), reply

    # ------------------------------------------------------------------ contacts
    def contacts(self, batch: Sequence[ContactRecord]) -> list[Outcome]:
        return self._each(batch, self._contact)

    def _contact(self, record: ContactRecord) -> Outcome:
        """Never a second contact for one code. Sage keeps references unique in a business, so
        the create is itself the look-up: one call for a new contact, and only when Sage says
        the reference is taken is the holder read, to link it if it is ours (an earlier send
        whose answer was lost, or the bookkeeper's own contact of that name) or to refuse."""
        body = payloads.contact_payload(record)  # refused before any call when it cannot go
        outcome = self._created("contacts", body, record)[0]
        if not (isinstance(outcome, Rejected) and outcome.reason == "duplicate_reference"):
            return outcome
        holders = self._by_reference(record)
        mine = next((c for c in holders if self._is_ours(c, record)), None)
        if mine is not None:
            return Sent(text(mine["id"]))
        if holders:
            other = text(holders[0].get("name"))
            return Rejected(outcome.reason, f"{outcome.package_message} (by {other}).",
                            outcome.field, dict(outcome.details))
        return outcome

    def _by_reference(self, record: ContactRecord) -> list[dict[str, Any]]:
        # unverified: Sage's `search` matches a substring of a contact's name or reference,
        # ignoring case (the wire contract's reading of its docs); the exact reference is
        # picked out here, case and all.
        reference = record.reference.strip()
        return [c for c in self.client.items("contacts", {"search": reference})
                if text(c.get("reference")) == reference and text(c.get("id"))]

    @staticmethod
    def _is_ours(item: Mapping[str, Any], record: ContactRecord) -> bool:
        return (_same_name(text(item.get("name")), record.name)
                and payloads.CONTACT_TYPES[record.kind] in contact_types(item))

    def find_contact(self, record: ContactRecord) -> str | None:
        mine = next((c for c in self._by_reference(record) if self._is_ours(c, record)), None)
        return text(mine["id"]) if mine is not None else None

    # ------------------------------------------------------------------ documents
    def documents(self, batch: Sequence[DocumentRecord]) -> list[Outcome]:
        return self._each(batch, self._document)

    def _document(self, record: DocumentRecord) -> Outcome:
        ids = self.chart.ledger_ids()
        unknown = sorted({ln.account_code for ln in record.lines if ln.account_code not in ids})
        if unknown:
            codes = ", ".join(unknown)
            return rejected("account_unknown", f"Sage Accounting's chart has no ledger account "
                            f"with the nominal code {codes}.", "ledger_account_id", record,
                            account_code=codes)
        body = payloads.document_payload_of(record, ids.__getitem__)
        outcome, reply = self._created(payloads.collection(record.kind), body, record)
        outcome = check_totals(outcome, reply, record)
        if (isinstance(outcome, Sent) and record.kind == "credit_note"
                and record.invoice_external_id and reply is not None):
            return self._allocate(record, outcome, money(reply.get("outstanding_amount")))
        return outcome

    def _allocate(self, record: DocumentRecord, outcome: Sent, credit_left: Decimal | None
                  ) -> Outcome:
        """Apply a new credit note to its invoice, up to what the invoice still owes.

        Refused by Sage (the invoice settled meanwhile, say): the credit note stands, Sent, its
        credit on the customer's account to allocate by hand. Interrupted (rate limit, network,
        Sage down): Uncertain, so the engine finds it and complete() finishes the allocation.
        """
        try:
            invoice = self.client.get_one("sales_invoices", record.invoice_external_id or "")
            credit = record.total if credit_left is None else min(record.total, credit_left)
            amount = credit_to_apply(credit, money(invoice.get("outstanding_amount")))
            if amount is None:
                return outcome
            self.client.post("contact_allocations",
                             payloads.allocation_payload(record, outcome.external_id, amount))
        except SageRequestError:
            return outcome
        except Exception as exc:  # noqa: BLE001 - the credit note exists; finish it later
            return Uncertain(f"credit note created; allocation pending: {exc}")
        return outcome

    def complete(self, record: DocumentRecord, external_id: str) -> Outcome:
        """A document found after an uncertain send: a credit note allocated if it is not yet
        (a second call changes nothing), and Sage's totals checked against ours."""
        collection = payloads.collection(record.kind)
        try:
            found = self.client.get_one(collection, external_id)
            if record.kind != "credit_note" or not record.invoice_external_id:
                return check_totals(Sent(external_id), found, record)
            total, left = money(found.get("total_amount")), money(found.get("outstanding_amount"))
            if total is not None and left is not None and 0 < left == total:
                invoice = self.client.get_one("sales_invoices", record.invoice_external_id)
                amount = credit_to_apply(min(record.total, left),
                                         money(invoice.get("outstanding_amount")))
                if amount is not None:
                    self.client.post("contact_allocations",
                                     payloads.allocation_payload(record, external_id, amount))
        except SageRequestError:
            return Sent(external_id)  # refused by Sage: the document itself is there
        except Exception as exc:  # noqa: BLE001 - still unsure; try again on the next run
            return batch_outcome(exc)
        return check_totals(Sent(external_id), found, record)

    def find_document(self, record: DocumentRecord) -> str | None:
        params = {"search": record.reference.strip(), "contact_id": record.contact_external_id}
        for item in self.client.items(payloads.collection(record.kind), params):
            if (text(item.get("reference")) == record.reference.strip() and text(item.get("id"))
                    and text(sub(item, "status").get("id")) != VOID):
                return text(item["id"])
        return None

    # ------------------------------------------------------------------ payments
    def payments(self, batch: Sequence[PaymentRecord]) -> list[Outcome]:
        return self._each(batch, self._payment)

    def _payment(self, record: PaymentRecord) -> Outcome:
        ids = self.chart.bank_ids()
        if record.bank_account_code not in ids:
            return rejected("account_unknown", f"Sage Accounting has no bank account with the "
                            f"nominal code {record.bank_account_code}.", "bank_account_id",
                            record, account_code=record.bank_account_code)
        body = payloads.payment_payload(record, ids.__getitem__)
        return self._created("contact_payments", body, record)[0]

    def find_payment(self, record: PaymentRecord) -> str | None:
        # The spec gives GET /contact_payments no search: the customer's receipts of the day,
        # matched on our reference.
        on = record.date.isoformat()
        params = {"contact_id": record.contact_external_id, "from_date": on, "to_date": on}
        for item in self._receipts(params):
            if (text(item.get("reference")) == record.reference and text(item.get("id"))
                    and text(item.get("date"))[:10] == on):
                return text(item["id"])
        return None

    def _receipts(self, params: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        return self.client.items("contact_payments", params)
