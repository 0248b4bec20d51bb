"""Creates and look-ups against FreeAgent, one record per call, every reply an outcome.

FreeAgent has no idempotency key and no batch, so being sent exactly once rests on looking up:
- a contact is looked up by name before it is created (one match: that contact; several: we
  cannot tell which is ours, duplicate_name); the company's contacts are listed once per
  connector (one per run) and the ones created are added;
- an invoice or credit note is created straight away: FreeAgent refuses a second of the same
  reference, and that refusal looks it up (by the customer's documents) and carries on with it;
- a payment is one bank transaction explanation per invoice it pays, looked up (the bank
  account's explanations of that date, by description and invoice) before any is created.
A document is created Draft and then marked as sent (a second call); a credit note is then put
against its invoice (a credit note reconciliation). Those follow-up steps are finish(), which
complete() runs too, so a send interrupted between them is finished after find().
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
    TotalsDiffer,
    Uncertain,
)
from connectors.batching import create_each
from connectors.freeagent import payloads
from connectors.freeagent.client import FreeAgentClient, one
from connectors.freeagent.errors import (
    FreeAgentRequestError,
    batch_outcome,
    classify,
    rejected,
)
from connectors.money import credit_to_apply, to_pennies

# record kind -> (collection, resource key)
DOCUMENTS = {"invoice": ("invoices", "invoice"), "credit_note": ("credit_notes", "credit_note")}
DRAFT = "Draft"


def money(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return to_pennies(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def tail(url: str) -> str:
    """A resource's path under the API ("invoices/17"), the same whatever host names it."""
    return url.split("/v2/", 1)[-1].strip("/")


def name_key(name: str) -> str:
    """How a contact's name is matched: spaces trimmed and collapsed, case ignored."""
    return " ".join(name.split()).casefold()


def contact_name(item: Mapping[str, Any]) -> str:
    organisation = str(item.get("organisation_name") or "").strip()
    if organisation:
        return organisation
    return " ".join(str(item.get(k) or "").strip() for k in ("first_name", "last_name")).strip()


def contact_from_freeagent(item: Mapping[str, Any]) -> Contact | None:
    url = item.get("url")
    if not isinstance(url, str) or not url:
        return None

    def field(key: str) -> str:
        value = item.get(key)
        return value.strip() if isinstance(value, str) else ""

    return Contact(
        external_id=url, name=contact_name(item),
        # One FreeAgent contact is invoiced and billed alike.
        is_customer=True, is_supplier=True,
        email=field("email"), phone=field("phone_number"),
        address=Address(line1=field("address1"), line2=field("address2"), city=field("town"),
                        postcode=field("postcode"), country=field("country")),
        active=item.get("status", "Active") != "Hidden",
    )


def check_totals(url: str, doc: Mapping[str, Any], record: DocumentRecord) -> Sent:
    """FreeAgent works a document's VAT out itself, per line; where it comes to other figures
    than ours the document is in FreeAgent all the same: Sent, with both sets of figures.
    Credit notes are answered negative (unverified: as FreeAgent shows them)."""
    theirs_total, theirs_tax = money(doc.get("total_value")), money(doc.get("sales_tax_value"))
    ours_total, ours_tax = to_pennies(record.total), to_pennies(record.tax_total)
    if theirs_total is not None:
        theirs_total = abs(theirs_total)
    if theirs_tax is not None:
        theirs_tax = abs(theirs_tax)
    if (theirs_total in (None, ours_total)) and (theirs_tax in (None, ours_tax)):
        return Sent(url)
    return Sent(url, TotalsDiffer(
        package_total=ours_total if theirs_total is None else theirs_total,
        package_tax=ours_tax if theirs_tax is None else theirs_tax,
        our_total=ours_total, our_tax=ours_tax))


class Pusher:
    """One connector's sends; it keeps the contact list and the bank accounts it read."""

    def __init__(self, client: FreeAgentClient) -> None:
        self.client = client
        self._contacts: dict[str, list[str]] | None = None
        self._banks: dict[str, str] | None = None

    # ------------------------------------------------------------------ contacts
    def contact_index(self, fresh: bool = False) -> dict[str, list[str]]:
        """Every contact's URL by name_key, hidden ones too (FreeAgent has no search)."""
        if self._contacts is None or fresh:
            index: dict[str, list[str]] = {}
            for item in self.client.pages("contacts", "contacts", {"view": "all"}):
                url, name = item.get("url"), contact_name(item)
                if isinstance(url, str) and url and name:
                    index.setdefault(name_key(name), []).append(url)
            self._contacts = index
        return self._contacts

    def contacts(self, batch: Sequence[ContactRecord]) -> list[Outcome]:
        return create_each(batch, self._contact, build=payloads.contact_payload,
                           build_error=payloads.PayloadError, failed=batch_outcome)

    def _contact(self, record: ContactRecord, body: dict[str, Any]) -> Outcome:
        key = name_key(record.name)
        found = self.contact_index().get(key, [])
        if len(found) > 1:
            return rejected("duplicate_name", f"FreeAgent has {len(found)} contacts named "
                            f"{record.name}.", "organisation_name", record)
        if found:
            return Sent(found[0])  # ours from an earlier send, or theirs to link to
        try:
            reply = self.client.post("contacts", body)
        except FreeAgentRequestError as exc:
            return classify(exc.messages, record)
        url = one(reply, "contact")["url"]
        self.contact_index().setdefault(key, []).append(url)
        return Sent(url)

    def find_contact(self, record: ContactRecord) -> str | None:
        found = self.contact_index(fresh=True).get(name_key(record.name), [])
        return found[0] if len(found) == 1 else None

    # ------------------------------------------------------------------ documents
    def documents(self, batch: Sequence[DocumentRecord]) -> list[Outcome]:
        def build(record: DocumentRecord) -> dict[str, Any]:
            make = (payloads.invoice_payload if record.kind == "invoice"
                    else payloads.credit_note_payload)
            return make(record, self.client.base)

        return create_each(batch, self._document, build=build,
                           build_error=payloads.PayloadError, failed=batch_outcome)

    def _document(self, record: DocumentRecord, body: dict[str, Any]) -> Outcome:
        unknown = sorted({ln.tax_code for ln in record.lines} - set(payloads.VAT_CODES))
        if unknown:
            return rejected("tax_rate_unknown", f"FreeAgent has no VAT rate {', '.join(unknown)}.",
                            "sales_tax_rate", record, tax_code=", ".join(unknown))
        collection, key = DOCUMENTS[record.kind]
        try:
            doc = one(self.client.post(collection, body), key)
        except FreeAgentRequestError as exc:
            refusal = classify(exc.messages, record)
            if refusal.reason != "duplicate_reference":
                return refusal
            # Our own earlier send (the reply lost), or another document of that number.
            doc = self.document_of(record)
            if doc is None:
                return refusal
        return self.finish(record, str(doc["url"]), doc)

    def finish(self, record: DocumentRecord, url: str, doc: Mapping[str, Any]) -> Outcome:
        """The steps after creation: marked as sent (unless kept as a draft), and a credit
        note put against its invoice. Idempotent: what is done already is not done again."""
        outcome = check_totals(url, doc, record)
        step = "marking it as sent"
        try:
            if doc.get("status") == DRAFT and not (record.kind == "invoice" and record.as_draft):
                self.client.put(f"{url}/transitions/mark_as_sent")
            if record.kind == "credit_note" and record.invoice_external_id:
                step = "putting it against its invoice"
                self._reconcile(record, url, doc)
        except FreeAgentRequestError:
            return outcome  # FreeAgent refused the step: the document itself is there
        except Exception as exc:  # noqa: BLE001 - interrupted: find() and complete() finish it
            return Uncertain(f"{record.reference} is in FreeAgent; {step} is pending: {exc}")
        return outcome

    def _reconcile(self, record: DocumentRecord, url: str, doc: Mapping[str, Any]) -> None:
        """Put the credit note against its invoice for up to what the invoice still owes,
        unless some of it is used already (then it was done, or a person did it)."""
        left, total = money(doc.get("due_value")), money(doc.get("total_value"))
        if left is None or total is None or abs(left) < abs(total) or left == 0:
            return
        invoice = one(self.client.get(record.invoice_external_id or ""), "invoice")
        amount = credit_to_apply(abs(left), money(invoice.get("due_value")))
        if amount is None:
            return
        self.client.post("credit_note_reconciliations",
                         payloads.reconciliation_payload(record, url, amount))

    def complete_document(self, record: DocumentRecord, url: str) -> Outcome:
        _, key = DOCUMENTS[record.kind]
        try:
            doc = one(self.client.get(url), key)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
            return batch_outcome(exc)
        return self.finish(record, url, doc)

    def document_of(self, record: DocumentRecord) -> dict[str, Any] | None:
        """The customer's document of our number, looked up (FreeAgent cannot filter by it)."""
        collection, _ = DOCUMENTS[record.kind]
        number, contact = record.reference.strip(), tail(record.contact_external_id)
        for item in self.client.pages(collection, collection,
                                      {"view": "all", "contact": record.contact_external_id}):
            if (str(item.get("reference") or "") == number and isinstance(item.get("url"), str)
                    and tail(str(item.get("contact") or "")) == contact):
                return item
        return None

    def find_document(self, record: DocumentRecord) -> str | None:
        doc = self.document_of(record)
        return str(doc["url"]) if doc else None

    # ------------------------------------------------------------------ payments
    def bank_accounts(self) -> dict[str, str]:
        """Our bank codes (the bank's 750-x nominal code) -> the bank account's URL."""
        if self._banks is None:
            reply = self.client.get("categories")
            general = reply.get("general_categories") if isinstance(reply, dict) else None
            self._banks = {
                str(c["nominal_code"]): str(c["bank_account"])
                for c in general or [] if isinstance(c, dict) and c.get("nominal_code")
                and isinstance(c.get("bank_account"), str) and c["bank_account"]
            }
        return self._banks

    def payments(self, batch: Sequence[PaymentRecord]) -> list[Outcome]:
        def build(record: PaymentRecord) -> PaymentRecord:
            payloads.check_payment(record)
            return record

        return create_each(batch, self.pay, build=build, build_error=payloads.PayloadError,
                           failed=batch_outcome)

    def explained(self, record: PaymentRecord, bank: str) -> dict[str, str]:
        """Our payment's explanations already in FreeAgent: invoice path -> explanation URL."""
        found: dict[str, str] = {}
        day = record.date.isoformat()
        for item in self.client.pages("bank_transaction_explanations",
                                      "bank_transaction_explanations",
                                      {"bank_account": bank, "from_date": day, "to_date": day}):
            invoice, url = item.get("paid_invoice"), item.get("url")
            if (item.get("description") == record.reference and isinstance(invoice, str)
                    and invoice and isinstance(url, str)):
                found.setdefault(tail(invoice), url)
        return found

    def pay(self, record: PaymentRecord, _: Any = None) -> Outcome:
        """One explanation per invoice the payment pays, the ones already there kept."""
        bank = self.bank_accounts().get(record.bank_account_code)
        if bank is None:
            return rejected("account_unknown", f"FreeAgent has no bank account "
                            f"{record.bank_account_code}.", "bank_account", record)
        made = self.explained(record, bank)
        urls: list[str] = []
        for allocation in record.allocations:
            url = made.get(tail(allocation.invoice_external_id))
            if url is None:
                refusal = self._refusal_before_paying(record, allocation.invoice_external_id,
                                                      allocation.amount)
                if refusal is None:
                    try:
                        reply = self.client.post("bank_transaction_explanations",
                                                 payloads.explanation_payload(
                                                     record, bank, allocation.invoice_external_id,
                                                     allocation.amount))
                        url = one(reply, "bank_transaction_explanation")["url"]
                    except FreeAgentRequestError as exc:
                        refusal = classify(exc.messages, record)
                if refusal is not None:
                    return _partly(refusal, urls)
            urls.append(str(url))
        return Sent(",".join(urls))

    def _refusal_before_paying(self, record: PaymentRecord, invoice_url: str, amount: Decimal
                               ) -> Rejected | None:
        """FreeAgent takes a payment beyond what an invoice owes as an overpayment, so what it
        owes is read first; a missing or draft invoice is told apart there too."""
        try:
            invoice = one(self.client.get(invoice_url), "invoice")
        except FreeAgentRequestError as exc:
            if exc.status == 404:
                return rejected("invoice_missing", "; ".join(exc.messages) or
                                "FreeAgent has no such invoice.", "paid_invoice", record)
            return classify(exc.messages, record)
        if invoice.get("status") == DRAFT:
            return rejected("invoice_draft", "The invoice is a draft in FreeAgent.",
                            "paid_invoice", record)
        due = money(invoice.get("due_value"))
        if due is not None and amount > due:
            return rejected("amount_exceeds_due", f"The invoice owes {due} in FreeAgent.",
                            "gross_value", record)
        return None

    def find_payment(self, record: PaymentRecord) -> str | None:
        bank = self.bank_accounts().get(record.bank_account_code)
        if bank is None:
            return None
        made = self.explained(record, bank)
        urls = [made[k] for k in (tail(a.invoice_external_id) for a in record.allocations)
                if k in made]
        return ",".join(urls) if urls else None


def _partly(refusal: Rejected, created: list[str]) -> Rejected:
    """A refusal after some invoices of the receipt were paid: say so (a Retry would not
    duplicate them, the look-up finds them, but a person must finish or undo the rest)."""
    if not created:
        return refusal
    return Rejected(refusal.reason, refusal.package_message, refusal.field,
                    {**refusal.details, "created_payment_ids": ",".join(created)})

