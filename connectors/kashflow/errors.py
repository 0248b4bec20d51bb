"""KashFlow's replies -> our outcomes.

Every KashFlow error is `{"Error": code, "Message": words}` (the wire contract; KashFlow marks
its REST docs as not final, so every code below is unverified). HTTP-level failures become
typed exceptions (one outcome for the request); a refusal of one record becomes a Rejected
with a reason from the shared vocabulary, so app/sync/explain.py words it without knowing
KashFlow. KashFlow's Message names fields by their JSON names ("CustomerReference"): those are
turned into words before a bookkeeper reads them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectors import http
from connectors.base import (
    AuthLostError,
    ContactRecord,
    DocumentRecord,
    Outcome,
    PaymentRecord,
    RateLimitedError,
    Record,
    Rejected,
    RejectReason,
)
from connectors.http import RequestRefusedError, UnavailableError

DEFAULT_RETRY_SECONDS = 60.0  # unverified: KashFlow's window is a rolling minute
# Login codes that no new login can get past: the person must act.
LOGIN_REFUSALS = ("InvalidCredentials", "InvalidMemorableWord", "AccountLocked")


class KashFlowUnavailableError(UnavailableError):
    """KashFlow did not process the request (5xx, or never reached): safe to send again."""

    default_after = 30.0


class KashFlowRequestError(RequestRefusedError):
    """KashFlow refused a request (a 4xx other than access and rate limits): nothing made."""

    def __init__(self, status: int, body: Any, text: str = "") -> None:
        self.status = status
        self.code, self.message = error_of(body)
        summary = self.message or text[:300] or "no reason given"
        said = f"{status} {self.code}" if self.code else str(status)
        super().__init__(f"KashFlow answered {said}: {summary}")


def error_of(body: Any) -> tuple[str, str]:
    """(Error, Message) of KashFlow's envelope; ("", "") when it is not one."""
    if not isinstance(body, dict):
        return "", ""
    code, message = body.get("Error"), body.get("Message")
    return (code.strip() if isinstance(code, str) else "",
            message.strip() if isinstance(message, str) else "")


def retry_after(headers: Mapping[str, str], default: float = DEFAULT_RETRY_SECONDS) -> float:
    return http.retry_after(headers, default, longest=3600 + 1)


def raise_for_status(status: int, headers: Mapping[str, str], body: Any, text: str) -> None:
    """Raise what a reply that is no success means; return for a 2xx."""
    if 200 <= status < 300:
        return
    code, message = error_of(body)
    if status == 401 or (status == 403 and code in LOGIN_REFUSALS):
        # InvalidToken: the session ended (idle hour, password changed). The platform renews
        # once (app/sync/tokens.py OneForcedRefresh); if the login is refused too, the
        # connection needs the person.
        raise AuthLostError(f"KashFlow refused the session ({code or status}): "
                            f"{message or text[:200]}")
    if status == 429:
        raise RateLimitedError(retry_after(headers), "minute")
    if status >= 500:
        raise KashFlowUnavailableError(
            f"KashFlow server error {status}",
            retry_after(headers, KashFlowUnavailableError.default_after))
    raise KashFlowRequestError(status, body, text)


def batch_outcome(exc: Exception) -> Outcome:
    """The one outcome a record gets when its request failed as a whole."""
    return http.whole_request_outcome(exc, KashFlowRequestError, "minute")


# --------------------------------------------------------------------------- words
_PASCAL = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]*)+\b|\b[A-Z]{2,}[a-z]\w*\b")
_LOCK_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
# KashFlow's JSON names -> a bookkeeper's words (the rest are split at their capitals).
_FIELD_WORDS = {
    "CustomerReference": "invoice number", "CustomerCode": "customer code",
    "NominalCode": "account code", "VatCode": "VAT code", "VatRate": "VAT rate",
    "VatAmount": "VAT amount", "VATAmount": "VAT amount", "LineItems": "lines",
    "IssuedDate": "date", "DueDate": "due date", "PaymentDate": "payment date",
    "BankAccount": "bank account", "PaymentLines": "payment lines",
    "InvoiceNumber": "invoice", "PostCode": "postcode", "VatNumber": "VAT number",
    "CountryCode": "country",
}


def field_words(name: str) -> str:
    """One of KashFlow's JSON names in words: "VatCode" -> "VAT code", "Description" ->
    "description"."""
    if name in _FIELD_WORDS:
        return _FIELD_WORDS[name]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


_ITEM = re.compile(r"\b(LineItems|PaymentLines)\[(\d+)\]\.([A-Za-z]+)\b")
_ITEM_WORDS = {"LineItems": "line", "PaymentLines": "payment line"}


def words(message: str) -> str:
    """KashFlow's Message with its field names put into words ("CustomerReference must be at
    most 50 characters." -> "invoice number must be at most 50 characters.";
    "LineItems[0].Description is required." -> "description of line 1 is required.")."""

    def item(match: re.Match[str]) -> str:
        return (f"{field_words(match.group(3))} of "
                f"{_ITEM_WORDS[match.group(1)]} {int(match.group(2)) + 1}")

    def spoken(match: re.Match[str]) -> str:
        name = match.group(0)
        return name if name == "KashFlow" else field_words(name)

    return _PASCAL.sub(spoken, _ITEM.sub(item, message)).strip()


# --------------------------------------------------------------------------- classification
# KashFlow's Error codes (the wire contract's) -> our reason and the field it is about.
_CODES: dict[str, tuple[RejectReason, str]] = {
    "CustomerNotFound": ("contact_missing", "CustomerCode"),
    "CustomerArchived": ("contact_archived", "CustomerCode"),
    "InvalidNominalCode": ("account_unknown", "NominalCode"),
    "InvalidVatCode": ("tax_rate_unknown", "VatCode"),
    "LockedPeriod": ("locked_period", "IssuedDate"),
    "InvoiceNotFound": ("invoice_missing", "InvoiceNumber"),
    "PaymentExceedsBalance": ("amount_exceeds_due", "Amount"),
    "DuplicateCode": ("duplicate_reference", "Code"),
}

# Every reason a KashFlow refusal can be given (classify, and the checks of pushing.py before
# a call: a contact code held by another name, a code KashFlow cannot hold): the contract
# suite (tests/contract) provokes each one in the sandbox.
REJECT_REASONS: frozenset[RejectReason] = frozenset(
    {reason for reason, _ in _CODES.values()} | {"validation"})


def classify(exc: KashFlowRequestError, record: Record) -> Rejected:
    """KashFlow's refusal of one record -> a Rejected a bookkeeper can act on."""
    message = words(exc.message) or "KashFlow refused the record without saying why."
    found = _CODES.get(exc.code)
    if found is None:
        return rejected("validation", message, None, record, code=exc.code)
    reason, field = found
    extra: dict[str, str] = {"code": exc.code}
    if reason == "locked_period":
        lock = _LOCK_DATE.search(exc.message)
        if lock:
            extra["lock_date"] = lock.group(1)
    if record.kind == "payment" and field == "NominalCode":
        field = "BankAccount"
    return rejected(reason, message, field, record, **extra)


def rejected(reason: RejectReason, message: str, field: str | None, record: Record,
             **extra: str) -> Rejected:
    """A Rejected with the details explain.py names for `reason`."""
    details: dict[str, str] = {"reference": record.reference}
    if reason in ("contact_missing", "contact_archived"):
        details["contact_name"] = (record.name if isinstance(record, ContactRecord)
                                   else record.contact_name)
    elif reason == "duplicate_reference" and isinstance(record, ContactRecord):
        # explain.py words a taken customer or supplier code apart from a document number.
        details.update(contact_kind=record.kind, contact_name=record.name)
    elif reason == "account_unknown":
        if isinstance(record, PaymentRecord):
            details["account_code"] = record.bank_account_code
        elif isinstance(record, DocumentRecord):
            details["account_code"] = ", ".join(sorted({ln.account_code for ln in record.lines}))
    elif reason == "tax_rate_unknown" and isinstance(record, DocumentRecord):
        details["tax_code"] = ", ".join(sorted({ln.tax_code for ln in record.lines}))
    elif reason == "locked_period" and not isinstance(record, ContactRecord):
        details["date"] = record.date.isoformat()
    elif reason in ("invoice_missing", "amount_exceeds_due"):
        if isinstance(record, PaymentRecord):
            details["invoice_reference"] = ", ".join(a.invoice_reference
                                                     for a in record.allocations)
        elif isinstance(record, DocumentRecord):
            details["invoice_reference"] = record.invoice_reference or ""
    details.update({k: v for k, v in extra.items() if v})
    return Rejected(reason, message, field, details)
