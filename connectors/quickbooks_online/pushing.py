"""Batched creates and look-ups against QuickBooks Online, every reply turned into outcomes.

One `POST batch` per up to 10 records of one kind, with a `requestid` derived from the records'
keys (a resend of the same batch replays QBO's first answer). Replies are matched to records by
`bId`, never by position; anything we cannot attribute with certainty becomes Uncertain, so
reconciliation (find) decides before anything is resent.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors import batching
from connectors.base import (
    Address,
    AuthLost,
    Contact,
    ContactRecord,
    DocumentRecord,
    Outcome,
    PaymentRecord,
    Record,
    RetryLater,
    Sent,
    TotalsDiffer,
    Uncertain,
    batch_idempotency_key,
)
from connectors.money import credit_to_apply, to_pennies
from connectors.quickbooks_online import payloads
from connectors.quickbooks_online.client import QboClient
from connectors.quickbooks_online.errors import (
    QboRequestError,
    batch_outcome,
    classify,
    fault_errors,
)
from connectors.quickbooks_online.payloads import ENTITY, quote

Pair = tuple[Outcome, dict[str, Any] | None]


def request_id(key: str) -> str:
    """A requestid from an idempotency key: UUID-shaped, well inside Intuit's length limit."""
    digest = key if len(key) >= 32 else hashlib.sha256(key.encode()).hexdigest()
    return str(uuid.UUID(hex=digest[:32]))


def sub_key(key: str, purpose: str) -> str:
    return hashlib.sha256(f"{key}:{purpose}".encode()).hexdigest()


def money(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return to_pennies(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def _text(value: Any) -> str:
    return str(value) if isinstance(value, str | int | float | Decimal) else ""


def _sub(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def contact_from_qbo(item: Mapping[str, Any], is_customer: bool) -> Contact | None:
    external_id = _text(item.get("Id"))
    if not external_id:
        return None
    a = _sub(item, "BillAddr")
    return Contact(
        external_id=external_id,
        name=_text(item.get("DisplayName")) or _text(item.get("CompanyName")),
        is_customer=is_customer,
        is_supplier=not is_customer,
        # Vendors carry an account number; customers have no code field in QBO.
        reference="" if is_customer else _text(item.get("AcctNum")),
        email=_text(_sub(item, "PrimaryEmailAddr").get("Address")),
        phone=_text(_sub(item, "PrimaryPhone").get("FreeFormNumber")),
        address=Address(
            line1=_text(a.get("Line1")),
            line2=_text(a.get("Line2")),
            city=_text(a.get("City")),
            postcode=_text(a.get("PostalCode")),
            country=_text(a.get("Country")),
        ),
        active=item.get("Active", True) is not False,
    )


class Pusher:
    def __init__(self, client: QboClient) -> None:
        self.client = client

    # ------------------------------------------------------------------ generic batch create
    def create(
        self, kind: str, records: Sequence[Record], build: Callable[[Any], dict[str, Any]]
    ) -> list[Pair]:
        """Build each body (a record QBO must refuse is Rejected here), send in batches of 10."""
        entity = ENTITY[kind]

        def send(sent: Sequence[Record], bodies: Sequence[dict[str, Any]]) -> list[Pair]:
            return self._post_batch(entity, sent, bodies,
                                    request_id(batch_idempotency_key(sent)))

        return batching.create(records, send, build=build, build_error=payloads.PayloadError,
                               batch_max=payloads.BATCH_MAX, failed=batch_outcome)

    def send_batch(
        self,
        entity: str,
        records: Sequence[Record],
        bodies: Sequence[dict[str, Any]],
        requestid: str,
    ) -> list[Pair]:
        """One `POST batch` under this requestid, one (outcome, answer) per record."""

        def send(sent: Sequence[Record], sent_bodies: Sequence[dict[str, Any]]) -> list[Pair]:
            return self._post_batch(entity, sent, sent_bodies, requestid)

        return batching.send_batch(records, bodies, send, failed=batch_outcome)

    def _post_batch(
        self,
        entity: str,
        records: Sequence[Record],
        bodies: Sequence[dict[str, Any]],
        requestid: str,
    ) -> list[Pair]:
        try:
            reply = self.client.post("batch", payloads.batch_body(entity, bodies), requestid)
        except QboRequestError as exc:
            # The batch as a whole was refused (a Fault for the request): nothing was created,
            # and QBO's fault is the answer for every record in it.
            raise batching.Refused([classify(exc.errors, record) for record in records]
                                   ) from exc
        items = reply.get("BatchItemResponse")
        if not isinstance(items, list):
            return [(Uncertain("QuickBooks Online's batch reply has no BatchItemResponse"),
                     None)] * len(records)
        by_bid = {
            _text(item.get("bId")): item for item in items if isinstance(item, dict)
        }
        return [
            self._item_outcome(by_bid.get(str(i)), entity, record)
            for i, record in enumerate(records)
        ]

    @staticmethod
    def _item_outcome(item: Mapping[str, Any] | None, entity: str, record: Record) -> Pair:
        if item is None:
            return Uncertain(f"QuickBooks Online's batch reply skipped {record.reference}"), None
        fault = item.get("Fault")
        if isinstance(fault, dict):
            return classify(fault_errors(fault), record), None
        made = item.get(entity)
        if isinstance(made, dict) and _text(made.get("Id")):
            return Sent(_text(made["Id"])), made
        return Uncertain(f"QuickBooks Online's reply has no {entity} Id for "
                         f"{record.reference}"), None

    # ------------------------------------------------------------------ per kind
    def contacts(self, kind: str, batch: Sequence[ContactRecord]) -> list[Outcome]:
        return [o for o, _ in self.create(kind, batch, payloads.contact_payload)]

    def invoices(self, batch: Sequence[DocumentRecord]) -> list[Outcome]:
        pairs = self.create("invoice", batch, payloads.invoice_payload)
        return [check_totals(o, made, rec) for (o, made), rec in zip(pairs, batch, strict=True)]

    def payments(self, batch: Sequence[PaymentRecord]) -> list[Outcome]:
        return [o for o, _ in self.create("payment", batch, payloads.payment_payload)]

    def credit_notes(self, batch: Sequence[DocumentRecord]) -> list[Outcome]:
        pairs = self.create("credit_note", batch, payloads.credit_memo_payload)
        outcomes = [check_totals(o, made, rec)
                    for (o, made), rec in zip(pairs, batch, strict=True)]
        self._apply(batch, outcomes)
        return outcomes

    # ------------------------------------------------------------------ credit memo -> invoice
    def _apply(self, batch: Sequence[DocumentRecord], outcomes: list[Outcome]) -> None:
        """Apply each new credit memo to its invoice (a zero Payment linking both), for up to
        what the invoice still owes: one query for the whole batch, one batch per 10.

        An application that was interrupted (rate limit, network) makes the credit note
        Uncertain: reconciliation finds it and complete() finishes the application. One QBO
        refused (e.g. the invoice is paid meanwhile) leaves the credit on the customer's account.
        """
        todo = [
            (i, rec, out.external_id)
            for i, (rec, out) in enumerate(zip(batch, outcomes, strict=True))
            if isinstance(out, Sent) and rec.invoice_external_id
        ]
        if not todo:
            return
        try:
            owed = self.balances([rec.invoice_external_id or "" for _, rec, _ in todo])
        except Exception as exc:  # noqa: BLE001 - the credit memos exist; finish them later
            for i, _, _ in todo:
                outcomes[i] = Uncertain(f"credit memo created; applying it is pending: {exc}")
            return
        apply: list[tuple[int, DocumentRecord, dict[str, Any]]] = []
        for i, rec, memo_id in todo:
            due = owed.get(rec.invoice_external_id or "")
            amount = credit_to_apply(rec.total, due)
            if due is None or amount is None:
                continue
            owed[rec.invoice_external_id or ""] = due - amount
            apply.append((i, rec, payloads.apply_credit_payload(rec, memo_id, amount)))
        if not apply:
            return
        for start in range(0, len(apply), payloads.BATCH_MAX):
            chunk = apply[start:start + payloads.BATCH_MAX]
            records = [rec for _, rec, _ in chunk]
            rid = request_id(sub_key(batch_idempotency_key(records), "apply"))
            answers = self.send_batch("Payment", records, [b for _, _, b in chunk], rid)
            for (i, _, _), (answer, _) in zip(chunk, answers, strict=True):
                if isinstance(answer, Uncertain | RetryLater | AuthLost):
                    detail = getattr(answer, "detail", "")
                    outcomes[i] = Uncertain(
                        f"credit memo created; applying it is pending: {detail}")

    def balances(self, invoice_ids: Sequence[str]) -> dict[str, Decimal]:
        ids = ", ".join(quote(i) for i in sorted(set(invoice_ids)))
        rows = self.client.select("Invoice", f"Id in ({ids})")
        out = {}
        for row in rows:
            balance = money(row.get("Balance"))
            if _text(row.get("Id")) and balance is not None:
                out[_text(row["Id"])] = balance
        return out

    def complete_credit(self, rec: DocumentRecord, memo_id: str) -> Outcome:
        """Apply a credit memo found after an uncertain send, unless it already is applied."""
        try:
            memos = self.client.select("CreditMemo", f"Id = {quote(memo_id)}")
            memo = next((m for m in memos if _text(m.get("Id")) == memo_id), None)
            if memo is None:
                return Uncertain(f"credit memo {memo_id} not readable")
            total = money(memo.get("TotalAmt"))
            left = money(memo.get("RemainingCredit", memo.get("Balance")))
            if total is None or left is None or left < total or left <= 0:
                return Sent(memo_id)  # applied (wholly or partly) already
            due = self.balances([rec.invoice_external_id or ""]).get(
                rec.invoice_external_id or "")
            if due is None or due <= 0:
                return Sent(memo_id)  # nothing left to apply it to: the credit stands
            body = payloads.apply_credit_payload(rec, memo_id, min(left, due))
            self.client.post("payment", body, request_id(sub_key(rec.key, "apply")))
        except QboRequestError:
            return Sent(memo_id)  # QBO refused the application: the credit memo stands
        except Exception as exc:  # noqa: BLE001 - still unsure; try again on the next run
            return batch_outcome(exc)
        return Sent(memo_id)

    # ------------------------------------------------------------------ look-ups by reference
    def find_contact(self, record: ContactRecord) -> str | None:
        entity = ENTITY[record.kind]
        name = payloads.display_name(record.name)
        rows = self.client.select(entity, f"DisplayName = {quote(name)}")
        for row in rows:
            if _text(row.get("DisplayName")) == name and _text(row.get("Id")):
                return _text(row["Id"])
        return None

    def find_document(self, record: DocumentRecord) -> str | None:
        entity = ENTITY[record.kind]
        number = record.reference.strip()
        rows = self.client.select(entity, f"DocNumber = {quote(number)}")
        for row in rows:
            customer = _text(_sub(row, "CustomerRef").get("value"))
            # Same number for another customer is not ours: the resend then fails as a
            # duplicate number, which is the truth a bookkeeper needs to see.
            if (_text(row.get("DocNumber")) == number and _text(row.get("Id"))
                    and customer == record.contact_external_id):
                return _text(row["Id"])
        return None

    def find_payment(self, record: PaymentRecord) -> str | None:
        rows = self.client.select(
            "Payment",
            f"CustomerRef = {quote(record.contact_external_id)} "
            f"and TxnDate = {quote(record.date.isoformat())}",
        )
        amount = money(record.amount)
        for row in rows:
            note = _text(row.get("PrivateNote"))
            number = _text(row.get("PaymentRefNum"))
            ours = note == record.reference or (
                not note and number and number == record.reference[:payloads.PAYMENT_REF_MAX]
            )
            if ours and money(row.get("TotalAmt")) == amount and _text(row.get("Id")):
                return _text(row["Id"])
        return None


def check_totals(outcome: Outcome, made: Mapping[str, Any] | None, record: DocumentRecord
                 ) -> Outcome:
    """QBO is sent our VAT total (payloads: TxnTaxDetail.TotalTax), so its totals should be
    ours to the penny. If they still differ the document is in QBO all the same: Sent, with
    both sets of figures, for the bookkeeper to put right by hand."""
    if not isinstance(outcome, Sent) or made is None:
        return outcome
    theirs_total = money(made.get("TotalAmt"))
    theirs_tax = money(_sub(made, "TxnTaxDetail").get("TotalTax"))
    ours_total, ours_tax = money(record.total), money(record.tax_total)
    if (theirs_total is None or theirs_total == ours_total) and (
            theirs_tax is None or theirs_tax == ours_tax):
        return outcome
    return Sent(outcome.external_id, TotalsDiffer(
        package_total=ours_total if theirs_total is None else theirs_total,
        package_tax=ours_tax if theirs_tax is None else theirs_tax,
        our_total=ours_total or Decimal("0"), our_tax=ours_tax or Decimal("0")))
