"""Creates and look-ups against KashFlow, one record per call, every reply an outcome.

KashFlow has no idempotency key and no batch, and it does not refuse a second invoice of one
CustomerReference, so being sent exactly once rests on looking up before anything is made:
- a customer or supplier by its Code (GET /customers/{code}): held under our name, it is ours
  (or theirs to link to); held under another name, the code is someone else's;
- an invoice or credit note among its customer's documents, by CustomerReference;
- a payment among the PaymentLines of the first invoice it pays, by our Reference.
A credit note is created, then applied to its invoice in a second call (PUT /creditnotes/{n}):
that step is finish(), which complete() runs too, so a send cut off in between is finished
after find(). Everything else is one call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.base import (
    Address,
    Contact,
    ContactRecord,
    DocumentRecord,
    Outcome,
    PaymentRecord,
    Rejected,
    Sent,
    Uncertain,
)
from connectors.batching import create_each
from connectors.kashflow import payloads
from connectors.kashflow.client import KashFlowClient, number_of
from connectors.kashflow.errors import (
    KashFlowRequestError,
    batch_outcome,
    classify,
    rejected,
)
from connectors.money import credit_to_apply, to_pennies, with_package_totals

CONTACTS = {"customer": "customers", "supplier": "suppliers"}
DOCUMENTS = {"invoice": "invoices", "credit_note": "creditnotes"}


def money(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return to_pennies(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def name_key(name: str) -> str:
    """How a contact's name is matched: spaces trimmed and collapsed, case ignored."""
    return " ".join(str(name or "").split()).casefold()


def _text(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return value.strip() if isinstance(value, str) else ""


def contact_from_kashflow(item: Mapping[str, Any], kind: str) -> Contact | None:
    code = item.get("Code")
    if not isinstance(code, str | int) or isinstance(code, bool) or not str(code).strip():
        return None
    raw = item.get("Address")
    address: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
    return Contact(
        external_id=str(code).strip(), name=_text(item, "Name"),
        # Customers and suppliers are separate records in KashFlow, each with its own Code.
        is_customer=kind == "customer", is_supplier=kind == "supplier",
        reference=str(code).strip(), email=_text(item, "Email"),
        phone=_text(item, "Telephone"),
        address=Address(line1=_text(address, "Line1"), line2=_text(address, "Line2"),
                        city=_text(address, "Line3"), postcode=_text(address, "PostCode"),
                        country=_text(address, "CountryCode") or _text(address, "Line4")),
        active=item.get("IsArchived") is not True,
    )


def is_not_found(exc: KashFlowRequestError) -> bool:
    return exc.status == 404 or exc.code == "NotFound"


def document_id(kind: str, doc: Mapping[str, Any]) -> str:
    return payloads.external_id(kind, number_of(doc, kind.replace("_", " ")))


class Pusher:
    """One connector's sends against one KashFlow company."""

    def __init__(self, client: KashFlowClient) -> None:
        self.client = client

    # ------------------------------------------------------------------ contacts
    def contacts(self, batch: Sequence[ContactRecord]) -> list[Outcome]:
        return create_each(batch, self._contact, build=payloads.contact_payload,
                           build_error=payloads.PayloadError, failed=batch_outcome)

    def held_contact(self, kind: str, code: str) -> dict[str, Any] | None:
        """The customer or supplier KashFlow holds under `code`, or None."""
        try:
            return self.client.get(f"{CONTACTS[kind]}/{code}")
        except KashFlowRequestError as exc:
            if is_not_found(exc):
                return None
            raise

    def _linked(self, record: ContactRecord, code: str, held: Mapping[str, Any]) -> Outcome:
        if name_key(_text(held, "Name")) == name_key(record.name):
            return Sent(code)  # ours from an earlier send, or theirs to link to
        return rejected("duplicate_reference", f"KashFlow already has a {record.kind} with the "
                        f"code {code}, named {_text(held, 'Name') or 'otherwise'}.", "Code",
                        record, reference=code, held_name=_text(held, "Name"))

    def _contact(self, record: ContactRecord, body: dict[str, Any]) -> Outcome:
        code = body["Code"]
        held = self.held_contact(record.kind, code)
        if held is not None:
            return self._linked(record, code, held)
        try:
            reply = self.client.post(CONTACTS[record.kind], body)
        except KashFlowRequestError as exc:
            if exc.code == "DuplicateCode":  # made meanwhile (by us or a person): look again
                held = self.held_contact(record.kind, code)
                if held is not None:
                    return self._linked(record, code, held)
            return classify(exc, record)
        made = reply.get("Code")
        if str(made if made is not None else "").strip() != code:
            # A reply without our Code is no proof of what was made: reconcile by looking up.
            return Uncertain(f"KashFlow's reply to the new {record.kind} has no Code {code}: "
                             f"{str(reply)[:300]}")
        return Sent(code)

    def find_contact(self, record: ContactRecord) -> str | None:
        code = payloads.contact_code(record.reference)
        held = self.held_contact(record.kind, code)
        if held is None or name_key(_text(held, "Name")) != name_key(record.name):
            return None
        return code

    # ------------------------------------------------------------------ documents
    def documents(self, batch: Sequence[DocumentRecord]) -> list[Outcome]:
        return create_each(batch, self._document, build=payloads.document_body,
                           build_error=payloads.PayloadError, failed=batch_outcome)

    def _refusal_before_sending(self, record: DocumentRecord) -> Rejected | None:
        """Codes KashFlow cannot hold (its nominal codes are integers), refused unasked."""
        odd = sorted({ln.account_code for ln in record.lines if not ln.account_code.isdigit()})
        if odd:
            return rejected("account_unknown", f"KashFlow has no account code {', '.join(odd)} "
                            "(its codes are numbers).", "NominalCode", record,
                            account_code=", ".join(odd))
        return None

    def _document(self, record: DocumentRecord, body: dict[str, Any]) -> Outcome:
        refusal = self._refusal_before_sending(record)
        if refusal is not None:
            return refusal
        held = self.document_of(record)
        if held is not None:
            theirs = money(held.get("GrossAmount"))
            if theirs is not None and abs(theirs) != to_pennies(record.total):
                return rejected("duplicate_reference", f"KashFlow already has a document "
                                f"numbered {record.reference} for this customer, of another "
                                "total.", "CustomerReference", record)
            return self.finish(record, held)
        invoice: dict[str, Any] | None = None
        if record.kind == "credit_note" and record.invoice_external_id:
            # Before anything is made: the invoice it credits must be there (and what it owes
            # decides how much is applied).
            found = self.invoice_for(record)
            if isinstance(found, Rejected):
                return found
            invoice = found
        try:
            doc = self.client.post(DOCUMENTS[record.kind], body)
        except KashFlowRequestError as exc:
            return classify(exc, record)
        document_id(record.kind, doc)  # no Number: BadReplyError, Uncertain (raw text kept)
        return self.finish(record, doc, invoice)

    def invoice_for(self, credit: DocumentRecord) -> dict[str, Any] | Rejected:
        """The invoice a credit note credits, or Rejected invoice_missing."""
        number = payloads.number_in(credit.invoice_external_id or "")
        if not number.isdigit():
            return rejected("invoice_missing", f"KashFlow has no invoice {number}.",
                            "InvoiceNumber", credit)
        try:
            return self.client.get(f"invoices/{number}")
        except KashFlowRequestError as exc:
            if is_not_found(exc):
                return rejected("invoice_missing", exc.message or
                                f"KashFlow has no invoice {number}.", "InvoiceNumber", credit)
            raise

    def finish(self, record: DocumentRecord, doc: Mapping[str, Any],
               invoice: Mapping[str, Any] | None = None) -> Outcome:
        """After creation: a credit note applied to its invoice, for up to what the invoice
        still owes, unless it is applied already (by us before, or by a person). Idempotent."""
        ident = document_id(record.kind, doc)
        theirs_total, theirs_tax = money(doc.get("GrossAmount")), money(doc.get("VATAmount"))
        outcome = with_package_totals(
            Sent(ident), abs(theirs_total) if theirs_total is not None else None,
            abs(theirs_tax) if theirs_tax is not None else None, record.total, record.tax_total)
        if record.kind != "credit_note" or not record.invoice_external_id:
            return outcome
        if doc.get("InvoiceNumber") not in (None, "", 0) or (money(doc.get("AmountApplied"))
                                                               or 0) > 0:
            return outcome
        try:
            if invoice is None:
                found = self.invoice_for(record)
                if isinstance(found, Rejected):
                    return outcome  # the credit note is in KashFlow; its invoice went
                invoice = found
            owed = money(invoice.get("GrossAmount"))
            paid = money(invoice.get("AmountPaid")) or Decimal(0)
            amount = credit_to_apply(abs(theirs_total or to_pennies(record.total)),
                                     None if owed is None else owed - paid)
            if amount is None:
                return outcome  # the invoice owes nothing: nothing to apply
            self.client.put(f"creditnotes/{payloads.number_in(ident)}",
                            payloads.apply_payload(record))
        except KashFlowRequestError:
            return outcome  # KashFlow refused the step: the credit note itself is there
        except Exception as exc:  # noqa: BLE001 - interrupted: find() and complete() finish it
            return Uncertain(f"{record.reference} is in KashFlow; applying it to its invoice "
                             f"is pending: {exc}")
        return outcome

    def complete_document(self, record: DocumentRecord, ident: str) -> Outcome:
        try:
            doc = self.client.get(f"{DOCUMENTS[record.kind]}/{payloads.number_in(ident)}")
            return self.finish(record, doc)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
            return batch_outcome(exc)

    def documents_of(self, kind: str, customer: str) -> list[dict[str, Any]]:
        return list(self.client.pages(DOCUMENTS[kind], {"customercode": customer}))

    def document_of(self, record: DocumentRecord, by_number: bool = False
                    ) -> dict[str, Any] | None:
        """The customer's document of our number (CustomerReference). With `by_number`, also
        one KashFlow numbered so that has no CustomerReference of its own: an invoice made in
        KashFlow itself, which a bookkeeper links to by the number KashFlow shows."""
        if not record.contact_external_id:
            return None
        number = record.reference.strip()
        items = self.documents_of(record.kind, record.contact_external_id)
        for item in items:
            if _text(item, "CustomerReference") == number:
                return item
        if by_number:
            for item in items:
                if not _text(item, "CustomerReference") and str(item.get("Number")) == number:
                    return item
        return None

    def find_document(self, record: DocumentRecord) -> str | None:
        doc = self.document_of(record, by_number=True)
        return document_id(record.kind, doc) if doc else None

    # ------------------------------------------------------------------ payments
    def payments(self, batch: Sequence[PaymentRecord]) -> list[Outcome]:
        return create_each(batch, self.pay, build=payloads.payment_payload,
                           build_error=payloads.PayloadError, failed=batch_outcome)

    def payment_of(self, record: PaymentRecord) -> str | Rejected | None:
        """Our payment among the first invoice's PaymentLines (by Reference): its id; None if
        it is not there; Rejected invoice_missing when that invoice is not in KashFlow."""
        number = payloads.number_in(record.allocations[0].invoice_external_id)
        if not number.isdigit():
            return rejected("invoice_missing", f"KashFlow has no invoice {number}.",
                            "InvoiceNumber", record)
        try:
            invoice = self.client.get(f"invoices/{number}")
        except KashFlowRequestError as exc:
            if is_not_found(exc):
                return rejected("invoice_missing", exc.message or
                                f"KashFlow has no invoice {number}.", "InvoiceNumber", record)
            raise
        reference = payloads.payment_reference(record)
        for line in invoice.get("PaymentLines") or []:
            if isinstance(line, dict) and _text(line, "Reference") == reference:
                return payloads.external_id("payment", number_of(line, "payment line"))
        return None

    def pay(self, record: PaymentRecord, body: dict[str, Any]) -> Outcome:
        if not record.bank_account_code.isdigit():
            return rejected("account_unknown", f"KashFlow has no bank account "
                            f"{record.bank_account_code} (its codes are numbers).",
                            "BankAccount", record)
        held = self.payment_of(record)
        if isinstance(held, Rejected):
            return held
        if held is not None:
            return Sent(held)
        try:
            reply = self.client.post("invoices/bulk/payments", body)
        except KashFlowRequestError as exc:
            return classify(exc, record)
        return Sent(payloads.external_id("payment", number_of(reply, "payment")))

    def find_payment(self, record: PaymentRecord) -> str | None:
        if not record.allocations:
            return None
        held = self.payment_of(record)
        return held if isinstance(held, str) else None
