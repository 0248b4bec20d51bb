"""Batched creates and look-ups against Xero, turning every reply into per-record outcomes.

One PUT per batch with summarizeErrors=false: Xero answers 200 with one element per item, each
either created (with its id) or carrying ValidationErrors. Anything we cannot attribute to a
record with certainty becomes Uncertain, never Sent, so reconciliation (find) decides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors import batching
from connectors.base import (
    Address,
    Contact,
    ContactRecord,
    DocumentRecord,
    Outcome,
    PaymentRecord,
    Record,
    Rejected,
    Sent,
    TotalsDiffer,
    Uncertain,
    batch_idempotency_key,
)
from connectors.money import credit_to_apply, to_pennies
from connectors.xero import payloads
from connectors.xero.client import XeroClient, check_items
from connectors.xero.errors import (
    XeroRequestError,
    batch_outcome,
    classify,
    elements_of,
    item_failed,
    message_of,
    validation_messages,
)

ZERO_ID = "00000000-0000-0000-0000-000000000000"
GONE = {"DELETED", "VOIDED"}
SUMMARIZE = {"summarizeErrors": "false"}


def _id(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    if isinstance(value, str) and value and value != ZERO_ID:
        return value
    return None


def _money(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return to_pennies(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def _quote(value: str) -> str:
    """A string literal for Xero's where= filter."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def contact_from_xero(item: Mapping[str, Any]) -> Contact | None:
    contact_id = _id(item, "ContactID")
    if contact_id is None:
        return None
    phone = ""
    for p in item.get("Phones") or []:
        if isinstance(p, dict) and p.get("PhoneNumber"):
            phone = " ".join(str(p.get(k) or "") for k in ("PhoneCountryCode", "PhoneAreaCode",
                                                           "PhoneNumber")).strip()
            if p.get("PhoneType") == "DEFAULT":
                break
    address = Address()
    for a in item.get("Addresses") or []:
        if isinstance(a, dict) and (a.get("AddressLine1") or a.get("PostalCode")):
            address = Address(
                line1=str(a.get("AddressLine1") or ""),
                line2=str(a.get("AddressLine2") or ""),
                city=str(a.get("City") or ""),
                postcode=str(a.get("PostalCode") or ""),
                country=str(a.get("Country") or ""),
            )
            if a.get("AddressType") == "POBOX":
                break
    return Contact(
        external_id=contact_id,
        name=str(item.get("Name") or ""),
        is_customer=item.get("IsCustomer") is True,
        is_supplier=item.get("IsSupplier") is True,
        reference=str(item.get("ContactNumber") or ""),
        email=str(item.get("EmailAddress") or ""),
        phone=phone,
        address=address,
        active=item.get("ContactStatus", "ACTIVE") == "ACTIVE",
    )


class Pusher:
    def __init__(self, client: XeroClient) -> None:
        self.client = client

    # ------------------------------------------------------------------ generic batch create
    def _create(
        self,
        records: Sequence[Record],
        build: Callable[[Any], dict[str, Any]],
        path: str,
        collection: str,
        id_key: str,
        number_key: str | None,
    ) -> list[tuple[Outcome, dict[str, Any] | None]]:
        """Build, send, and pair each record with (outcome, Xero's element for it)."""

        def send(sent: Sequence[Record], bodies: Sequence[dict[str, Any]]
                 ) -> list[tuple[Outcome, dict[str, Any] | None]]:
            return self._send(sent, bodies, path, collection, id_key, number_key)

        return batching.create(records, send, build=build, build_error=payloads.PayloadError,
                               failed=batch_outcome)

    def _send(
        self,
        records: Sequence[Record],
        bodies: Sequence[dict[str, Any]],
        path: str,
        collection: str,
        id_key: str,
        number_key: str | None,
    ) -> list[tuple[Outcome, dict[str, Any] | None]]:
        """One PUT for these records; a refusal as a whole is raised as batching.Refused."""
        key = batch_idempotency_key(records)
        try:
            reply = self.client.put(path, payloads.wrap(collection, bodies), key,
                                    SUMMARIZE | payloads.params_for(collection))
        except XeroRequestError as exc:
            raise _refusal(exc, records) from exc
        items = check_items(reply, collection, len(records))
        return [
            (self._item_outcome(item, record, id_key, number_key), item)
            for item, record in zip(items, records, strict=True)
        ]

    @staticmethod
    def _item_outcome(
        item: Mapping[str, Any], record: Record, id_key: str, number_key: str | None
    ) -> Outcome:
        if item_failed(item):
            messages = validation_messages(item) or ["Xero marked the record as an error."]
            return classify(messages, record)
        external_id = _id(item, id_key)
        if external_id is None:
            return Uncertain(f"Xero's reply has no {id_key} for {record.reference}")
        if number_key and item.get(number_key) not in (None, record.reference):
            return Uncertain(
                f"Xero's reply is out of order: {item.get(number_key)!r} for {record.reference!r}"
            )
        return Sent(external_id)

    # ------------------------------------------------------------------ per kind
    def contacts(self, batch: Sequence[ContactRecord]) -> list[Outcome]:
        pairs = self._create(batch, payloads.contact_payload, "/Contacts", "Contacts",
                             "ContactID", "ContactNumber")
        return [outcome for outcome, _ in pairs]

    def invoices(self, batch: Sequence[DocumentRecord]) -> list[Outcome]:
        pairs = self._create(batch, payloads.invoice_payload, "/Invoices", "Invoices",
                             "InvoiceID", "InvoiceNumber")
        return [_check_totals(o, item, rec) for (o, item), rec in zip(pairs, batch, strict=True)]

    def credit_notes(self, batch: Sequence[DocumentRecord]) -> list[Outcome]:
        pairs = self._create(batch, payloads.credit_note_payload, "/CreditNotes", "CreditNotes",
                             "CreditNoteID", "CreditNoteNumber")
        outcomes = [_check_totals(o, item, rec) for (o, item), rec in zip(pairs, batch,
                                                                             strict=True)]
        self._allocate(batch, outcomes)
        return outcomes

    def _allocate(self, batch: Sequence[DocumentRecord], outcomes: list[Outcome]) -> None:
        """Apply each new credit note to its invoice, up to what the invoice still owes.

        A credit note whose allocation was interrupted (rate limit, network, Xero down) becomes
        Uncertain: the engine then looks it up with find() and finishes it with complete(),
        which allocates it if it still is not. Never a resend, never a lost allocation.
        """
        todo = [
            (i, rec, out.external_id)
            for i, (rec, out) in enumerate(zip(batch, outcomes, strict=True))
            if isinstance(out, Sent) and rec.invoice_external_id
        ]
        if not todo:
            return
        try:
            ids = ",".join(sorted({rec.invoice_external_id or "" for _, rec, _ in todo}))
            reply = self.client.get("/Invoices", {"IDs": ids})
            due = {
                inv.get("InvoiceID"): _money(inv.get("AmountDue"))
                for inv in check_items(reply, "Invoices")
            }
        except Exception as exc:  # noqa: BLE001 - the credit notes exist; finish them later
            for i, _, _ in todo:
                outcomes[i] = Uncertain(f"credit note created; allocation pending: {exc}")
            return
        for i, rec, credit_note_id in todo:
            owed = due.get(rec.invoice_external_id)
            amount = credit_to_apply(rec.total, owed)
            if owed is None or amount is None:
                continue
            try:
                self._put_allocation(rec, credit_note_id, amount)
            except XeroRequestError:
                continue  # Xero refused it (e.g. already allocated): the credit note stands
            except Exception as exc:  # noqa: BLE001 - interrupted: finish it later
                outcomes[i] = Uncertain(f"credit note created; allocation pending: {exc}")
                continue
            due[rec.invoice_external_id] = owed - amount

    def _put_allocation(self, rec: DocumentRecord, credit_note_id: str, amount: Decimal) -> None:
        key = hashlib.sha256(f"{rec.key}:allocation".encode()).hexdigest()[:64]
        self.client.put(
            f"/CreditNotes/{credit_note_id}/Allocations",
            payloads.allocation_payload(rec.invoice_external_id or "", amount, rec.date),
            key,
        )

    def complete(self, rec: DocumentRecord, credit_note_id: str) -> Outcome:
        """Allocate a credit note found after an uncertain send, unless it already is."""
        try:
            reply = self.client.get(f"/CreditNotes/{credit_note_id}")
            note = check_items(reply, "CreditNotes", 1)[0]
            allocated_to = {
                (a.get("Invoice") or {}).get("InvoiceID") for a in note.get("Allocations") or []
            }
            remaining = _money(note.get("RemainingCredit"))
            if rec.invoice_external_id in allocated_to or not remaining or remaining <= 0:
                return Sent(credit_note_id)
            reply = self.client.get("/Invoices", {"IDs": rec.invoice_external_id or ""})
            invoices = check_items(reply, "Invoices")
            owed = _money(invoices[0].get("AmountDue")) if invoices else None
            if owed is None or owed <= 0:
                return Sent(credit_note_id)
            self._put_allocation(rec, credit_note_id, min(remaining, owed))
        except XeroRequestError:
            return Sent(credit_note_id)  # refused by Xero: the credit note itself is there
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
            return batch_outcome(exc)
        return Sent(credit_note_id)

    def with_totals(self, rec: DocumentRecord, outcome: Outcome) -> Outcome:
        """`outcome` with Xero's figures checked against ours, for a document found in Xero."""
        if not isinstance(outcome, Sent):
            return outcome
        path, collection = (("/Invoices", "Invoices") if rec.kind == "invoice"
                            else ("/CreditNotes", "CreditNotes"))
        try:
            reply = self.client.get(f"{path}/{outcome.external_id}")
            item = check_items(reply, collection, 1)[0]
        except Exception:  # noqa: BLE001 - it is in Xero either way; the check is a courtesy
            return outcome
        return _check_totals(outcome, item, rec)

    def payments(self, batch: Sequence[PaymentRecord]) -> list[Outcome]:
        """All allocations of all receipts in one PUT /Payments; one outcome per receipt."""
        outcomes: list[Outcome | None] = [None] * len(batch)
        bodies: list[dict[str, Any]] = []
        owners: list[int] = []  # index in batch of each payment body
        for i, record in enumerate(batch):
            try:
                made = payloads.payment_payloads(record)
            except payloads.PayloadError as exc:
                outcomes[i] = Rejected("validation", str(exc), exc.field,
                                       {"reference": record.reference})
                continue
            bodies.extend(made)
            owners.extend([i] * len(made))
        if bodies:
            sent = [batch[i] for i in sorted(set(owners))]
            try:
                reply = self.client.put(
                    "/Payments", payloads.wrap("Payments", bodies), batch_idempotency_key(sent),
                    SUMMARIZE,
                )
                items = check_items(reply, "Payments", len(bodies))
            except XeroRequestError as exc:
                items = self._payment_elements(exc, len(bodies))
                if items is None:
                    for i in set(owners):
                        outcomes[i] = batch_outcome(exc)
            except Exception as exc:  # noqa: BLE001
                items = None
                for i in set(owners):
                    outcomes[i] = batch_outcome(exc)
            if items is not None:
                for i in sorted(set(owners)):
                    mine = [item for item, owner in zip(items, owners, strict=True) if owner == i]
                    outcomes[i] = _payment_outcome(batch[i], mine)
        self._name_drafts(batch, outcomes)
        return [o if o is not None else Uncertain("internal: no outcome") for o in outcomes]

    def _name_drafts(self, batch: Sequence[PaymentRecord], outcomes: list[Outcome | None]
                     ) -> None:
        """Xero refuses a payment against an invoice that is not approved with the same words
        whether the invoice is a draft, paid or voided: look its invoices up to say which.
        Only a draft is told as one (approve it, then Retry); otherwise what Xero has."""
        refused = [i for i, o in enumerate(outcomes)
                   if isinstance(o, Rejected) and o.reason == "invoice_draft"]
        ids = sorted({a.invoice_external_id for i in refused for a in batch[i].allocations
                      if a.invoice_external_id})
        status: dict[str, str] = {}
        if ids:
            try:
                reply = self.client.get("/Invoices", {"IDs": ",".join(ids)})
                status = {str(inv.get("InvoiceID")): str(inv.get("Status") or "")
                          for inv in check_items(reply, "Invoices")}
            except Exception:  # noqa: BLE001 - unknown: Xero's own words, as they came
                status = {}
        for i in refused:
            rejected = outcomes[i]
            if not isinstance(rejected, Rejected):
                continue
            if rejected.details.get("created_payment_ids"):
                # Part of the receipt went in: a Retry would duplicate it, whatever the cause.
                outcomes[i] = Rejected("validation", rejected.package_message, rejected.field,
                                       dict(rejected.details))
                continue
            allocations = batch[i].allocations
            drafts = [a.invoice_reference for a in allocations
                      if status.get(a.invoice_external_id or "") == "DRAFT"]
            if drafts:
                reason, refs = "invoice_draft", drafts
            elif any(status.get(a.invoice_external_id or "") == "PAID" for a in allocations):
                reason, refs = "amount_exceeds_due", [a.invoice_reference for a in allocations]
            elif any(status.get(a.invoice_external_id or "") in GONE for a in allocations):
                reason, refs = "invoice_missing", [a.invoice_reference for a in allocations]
            else:
                outcomes[i] = Rejected("validation", rejected.package_message, rejected.field,
                                       _base_refs(batch[i], rejected))
                continue
            outcomes[i] = Rejected(reason, rejected.package_message, rejected.field,
                                   {**rejected.details, "invoice_reference": ", ".join(refs)})

    @staticmethod
    def _payment_elements(exc: XeroRequestError, count: int) -> list[dict[str, Any]] | None:
        elements = elements_of(exc.body)
        if elements is None or len(elements) != count:
            return None
        # A refused request created nothing: an element without errors was simply not made.
        return [el if isinstance(el, dict) and item_failed(el) else
                {"ValidationErrors": [{"Message": "Not created: Xero refused the batch."}]}
                for el in elements]

    # ------------------------------------------------------------------ look-ups by reference
    def find_contact(self, record: ContactRecord) -> str | None:
        reply = self.client.get("/Contacts", {
            "where": f"ContactNumber=={_quote(record.reference)}", "includeArchived": "true",
        })
        for item in check_items(reply, "Contacts"):
            if item.get("ContactNumber") == record.reference and _id(item, "ContactID"):
                return _id(item, "ContactID")
        return None

    def find_document(self, record: DocumentRecord) -> str | None:
        if record.kind == "invoice":
            reply = self.client.get("/Invoices", {"InvoiceNumbers": record.reference})
            items, type_, number, id_key = (check_items(reply, "Invoices"), "ACCREC",
                                            "InvoiceNumber", "InvoiceID")
        else:
            reply = self.client.get("/CreditNotes", {
                "where": f"CreditNoteNumber=={_quote(record.reference)}",
            })
            items, type_, number, id_key = (check_items(reply, "CreditNotes"), "ACCRECCREDIT",
                                            "CreditNoteNumber", "CreditNoteID")
        for item in items:
            if (item.get(number) == record.reference and item.get("Type", type_) == type_
                    and item.get("Status") not in GONE and _id(item, id_key)):
                return _id(item, id_key)
        return None

    def find_payment(self, record: PaymentRecord) -> str | None:
        reply = self.client.get("/Payments", {"where": f"Reference=={_quote(record.reference)}"})
        by_invoice: dict[str, str] = {}
        for item in check_items(reply, "Payments"):
            invoice = item.get("Invoice") if isinstance(item.get("Invoice"), dict) else {}
            payment_id = _id(item, "PaymentID")
            if (item.get("Reference") == record.reference and item.get("Status") not in GONE
                    and payment_id and invoice.get("InvoiceID")):
                by_invoice.setdefault(str(invoice["InvoiceID"]), payment_id)
        found = [by_invoice[a.invoice_external_id] for a in record.allocations
                 if a.invoice_external_id in by_invoice]
        return ",".join(found) if found else None


def _refusal(exc: XeroRequestError, records: Sequence[Record]) -> batching.Refused:
    """A 4xx for the whole request. Xero refuses such a request atomically: nothing was made.

    The outcome of each record where Xero's elements say which it objected to; none (so each
    record is sent alone) when they cannot tell."""
    elements = elements_of(exc.body)
    if elements is not None and len(elements) == len(records):
        return batching.Refused([
            classify(validation_messages(el), rec) if item_failed(el)
            # Refused as a whole, yet no error of its own: let reconciliation decide.
            else Uncertain("Xero refused the batch without naming this record")
            for el, rec in zip(elements, records, strict=True)
        ])
    if len(records) == 1:
        messages = [m for el in elements or [] for m in validation_messages(el)]
        return batching.Refused([classify(messages or [message_of(exc.body) or str(exc)],
                                          records[0])])
    return batching.Refused(None, str(exc))


def _base_refs(record: PaymentRecord, rejected: Rejected) -> dict[str, str]:
    return {k: v for k, v in rejected.details.items() if k != "invoice_reference"} | {
        "reference": record.reference}


def _payment_outcome(record: PaymentRecord, items: Sequence[Mapping[str, Any]]) -> Outcome:
    failed = [item for item in items if item_failed(item)]
    made = [_id(item, "PaymentID") for item in items if not item_failed(item)]
    if not failed:
        if all(made):
            return Sent(",".join(m for m in made if m))
        return Uncertain(f"Xero's reply has no PaymentID for {record.reference}")
    rejected = classify([m for item in failed for m in validation_messages(item)]
                        or ["Xero marked the payment as an error."], record)
    created = [m for m in made if m]
    if created:
        # Part of a multi-invoice receipt went in: say so, a resend would duplicate those parts.
        details = {**rejected.details, "created_payment_ids": ",".join(created)}
        return Rejected(rejected.reason, rejected.package_message, rejected.field, details)
    return rejected


def _check_totals(outcome: Outcome, item: Mapping[str, Any] | None, record: DocumentRecord
                  ) -> Outcome:
    """Xero's totals must equal ours to the penny; see the docstring of connectors.xero. A
    difference still means the document is in Xero: Sent, with both sets of figures."""
    if not isinstance(outcome, Sent) or item is None:
        return outcome
    theirs_total, theirs_tax = _money(item.get("Total")), _money(item.get("TotalTax"))
    ours_total, ours_tax = to_pennies(record.total), to_pennies(record.tax_total)
    if (theirs_total is None or theirs_total == ours_total) and (
            theirs_tax is None or theirs_tax == ours_tax):
        return outcome
    return Sent(outcome.external_id, TotalsDiffer(
        package_total=ours_total if theirs_total is None else theirs_total,
        package_tax=ours_tax if theirs_tax is None else theirs_tax,
        our_total=ours_total, our_tax=ours_tax))
