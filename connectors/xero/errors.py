"""Xero's replies -> our outcomes.

Two layers: HTTP-level failures (status codes, network trouble) become typed exceptions that the
client raises, and push() turns into one outcome for the whole batch; item-level
ValidationErrors become a Rejected with a reason from the shared vocabulary, so that
app/sync/explain.py can tell a bookkeeper what to do without knowing Xero's wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
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
from connectors.http import MaybeSentError as MaybeSentError  # kept importable from here
from connectors.http import RequestRefusedError, UnavailableError

DEFAULT_RETRY_SECONDS = 60.0


# --------------------------------------------------------------------------- HTTP-level errors
class XeroUnavailableError(UnavailableError):
    """Xero did not process the request (5xx, or we never reached it): safe to send again."""

    default_after = DEFAULT_RETRY_SECONDS


class XeroRequestError(RequestRefusedError):
    """A 4xx other than auth and rate limits: Xero refused the request as a whole."""

    def __init__(self, status: int, body: Any, text: str) -> None:
        super().__init__(f"Xero answered {status}: {message_of(body) or text[:300]}")
        self.status = status
        self.body = body
        self.text = text


def retry_after(headers: Mapping[str, str], default: float = DEFAULT_RETRY_SECONDS) -> float:
    return http.retry_after(headers, default, longest=7 * 86400)


def raise_for_status(status: int, headers: Mapping[str, str], body: Any, text: str) -> None:
    """Raise the exception a non-2xx reply means; return for 2xx."""
    if 200 <= status < 300:
        return
    if status in (401, 403):
        raise AuthLostError(f"Xero refused our access ({status}): {message_of(body) or text[:200]}")
    if status == 429:
        raise RateLimitedError(retry_after(headers), headers.get("X-Rate-Limit-Problem", ""))
    if status >= 500:
        raise XeroUnavailableError(f"Xero server error {status}", retry_after(headers))
    raise XeroRequestError(status, body, text)


def batch_outcome(exc: Exception) -> Outcome:
    """The one outcome every record of a batch gets when the whole request failed."""
    return http.whole_request_outcome(exc, XeroRequestError, "rate limit")


# --------------------------------------------------------------------------- Xero error bodies
def message_of(body: Any) -> str:
    """Xero's top-level words: {"Message": ...} or an OAuth {"error": ..., "Detail": ...}."""
    if not isinstance(body, dict):
        return ""
    for key in ("Message", "Detail", "detail", "Title", "error_description", "error"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def validation_messages(item: Any) -> list[str]:
    """The ValidationErrors messages of one element (contact, invoice, payment...)."""
    if not isinstance(item, dict):
        return []
    errors = item.get("ValidationErrors") or []
    if not isinstance(errors, list):
        return []
    return [str(e.get("Message", "")) for e in errors if isinstance(e, dict) and e.get("Message")]


def item_failed(item: Mapping[str, Any]) -> bool:
    return bool(
        validation_messages(item)
        or item.get("HasErrors") is True
        or item.get("HasValidationErrors") is True
        or item.get("StatusAttributeString") == "ERROR"
    )


def elements_of(body: Any) -> list[Any] | None:
    """The per-item Elements of a 400 ValidationException, or None if it has none."""
    if isinstance(body, dict) and isinstance(body.get("Elements"), list):
        return body["Elements"]
    return None


# --------------------------------------------------------------------------- classification
_QUOTED = r"['\"]*([^'\"\s]+)['\"]*"
_ACCOUNT_CODE = re.compile(r"account code\s+" + _QUOTED + r"\s+(?:has|is|does|could)", re.I)
_TAX_TYPE = re.compile(r"tax ?type(?: code)?\s+" + _QUOTED + r"\s+(?:does|is|has|cannot)", re.I)
_NAME_TAKEN = re.compile(r"contact name\s+(.+?)\s+is already assigned", re.I)
# "... lock date, 31/03/2024" or (Xero's words) "... lock date, currently set at 31-Jul-2013"
_LOCK_DATE = re.compile(r"lock date(?: of|,)?\s*(?:currently set at\s*)?"
                        r"([0-9][0-9/\-. A-Za-z]+[0-9])", re.I)

# (reason, field, test) in priority order: the first that matches any message decides.
_RULES: tuple[tuple[RejectReason, str, re.Pattern[str]], ...] = (
    ("contact_archived", "Contact", re.compile(r"contact.*archived|archived contact", re.I)),
    ("duplicate_name", "Name", re.compile(r"already assigned to another contact", re.I)),
    ("locked_period", "Date", re.compile(r"lock ?date|locked period|period lock", re.I)),
    ("duplicate_reference", "Number", re.compile(r"# must be unique|number must be unique",
                                                   re.I)),
    ("account_archived", "AccountCode", re.compile(r"account.*(archived|deleted)", re.I)),
    ("account_unknown", "AccountCode", re.compile(
        r"account code.*(not a valid|does not exist|not found|not match a recognised account)"
        r"|account could not be found|account.*is not valid|invalid account", re.I)),
    ("tax_rate_unknown", "TaxType", re.compile(r"tax ?type|tax rate", re.I)),
    # Xero's words for a payment against an invoice that is not approved: a draft (the
    # usual cause, told apart by looking the invoice up, see pushing.py), or paid or voided.
    ("invoice_draft", "Invoice", re.compile(r"only be made against authori[sz]ed documents",
                                            re.I)),
    ("amount_exceeds_due", "Amount", re.compile(r"exceeds? the amount outstanding|greater than "
                                                 r"(the )?amount outstanding|amount outstanding|"
                                                 r"overpa", re.I)),
    ("invoice_missing", "Invoice", re.compile(r"invoice (could not be found|not found|does not "
                                              r"exist)|invoice not of valid status", re.I)),
    # Xero: "The contact with the specified contact details could not be found."
    ("contact_missing", "Contact", re.compile(r"contact (could not be found|not found|does not "
                                              r"exist)|contactid .*not (valid|found)"
                                              r"|contact details could not be found", re.I)),
)


# Every reason a Xero refusal can be given (classify, and pushing.py telling a draft from a paid
# invoice): the contract suite (tests/contract) provokes each one in the sandbox.
REJECT_REASONS: frozenset[RejectReason] = frozenset(
    {reason for reason, _, _ in _RULES} | {"validation"})


def classify(messages: Iterable[str], record: Record) -> Rejected:
    """Xero's ValidationErrors for one record -> a Rejected a bookkeeper can act on."""
    msgs = [m.strip() for m in messages if m and m.strip()]
    joined = "; ".join(msgs) or "Xero refused the record without saying why."
    for reason, field, pattern in _RULES:
        hit = next((m for m in msgs if pattern.search(m)), None)
        if hit is not None:
            return Rejected(reason, joined, _field(field, record), _details(reason, hit, record))
    return Rejected("validation", joined, None, _base_details(record))


def _field(field: str, record: Record) -> str:
    if field != "Number":
        return field
    if isinstance(record, ContactRecord):
        return "ContactNumber"
    if isinstance(record, DocumentRecord) and record.kind == "credit_note":
        return "CreditNoteNumber"
    return "InvoiceNumber"


def _base_details(record: Record) -> dict[str, str]:
    return {"reference": record.reference}


def _details(reason: RejectReason, message: str, record: Record) -> dict[str, str]:
    details = _base_details(record)
    if reason in ("contact_archived", "contact_missing", "duplicate_name"):
        name = ""
        match = _NAME_TAKEN.search(message)
        if match:
            name = match.group(1).strip()
        elif isinstance(record, ContactRecord):
            name = record.name
        elif isinstance(record, DocumentRecord | PaymentRecord):
            name = record.contact_name
        details["contact_name"] = name
    elif reason in ("account_unknown", "account_archived"):
        match = _ACCOUNT_CODE.search(message)
        details["account_code"] = match.group(1) if match else _codes(record, "account")
    elif reason == "tax_rate_unknown":
        match = _TAX_TYPE.search(message)
        details["tax_code"] = match.group(1) if match else _codes(record, "tax")
    elif reason == "locked_period":
        if isinstance(record, DocumentRecord | PaymentRecord):
            details["date"] = record.date.isoformat()
        match = _LOCK_DATE.search(message)
        if match:
            details["lock_date"] = match.group(1).strip()
    elif reason in ("invoice_missing", "amount_exceeds_due", "invoice_draft"):
        details["invoice_reference"] = _invoice_refs(record)
    return details


def _codes(record: Record, which: str) -> str:
    if isinstance(record, PaymentRecord):
        return record.bank_account_code if which == "account" else ""
    if isinstance(record, DocumentRecord):
        codes = {ln.account_code if which == "account" else ln.tax_code for ln in record.lines}
        return ", ".join(sorted(codes))
    return ""


def _invoice_refs(record: Record) -> str:
    if isinstance(record, PaymentRecord):
        return ", ".join(a.invoice_reference for a in record.allocations)
    if isinstance(record, DocumentRecord):
        return record.invoice_reference or ""
    return ""
