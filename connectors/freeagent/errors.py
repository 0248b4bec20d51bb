"""FreeAgent's replies -> our outcomes.

FreeAgent answers errors in two envelopes (the wire contract; FreeAgent publishes no list of
its errors): a refused record is 422 `{"errors":[{"message":...}, ...]}`, anything else (400,
401, 404, 429) `{"errors":{"error":{"message":...}}}`. Both are read. HTTP-level failures become
typed exceptions (one outcome for the request); a refusal becomes a Rejected with a reason from
the shared vocabulary, so app/sync/explain.py words it without knowing FreeAgent.
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

DEFAULT_RETRY_SECONDS = 60.0  # FreeAgent's windows are a minute and an hour


class FreeAgentUnavailableError(UnavailableError):
    """FreeAgent did not process the request (5xx, or never reached): safe to send again."""

    default_after = 30.0


class FreeAgentRequestError(RequestRefusedError):
    """FreeAgent refused a request (a 4xx other than access and rate limits): nothing made."""

    def __init__(self, status: int, body: Any, text: str = "") -> None:
        self.status = status
        self.messages = messages_of(body)
        summary = "; ".join(self.messages) or text[:300]
        super().__init__(f"FreeAgent answered {status}: {summary}")


def messages_of(body: Any) -> list[str]:
    """The messages of either envelope."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, dict):
        errors = [errors.get("error")]
    if not isinstance(errors, list):
        return []
    return [str(e["message"]).strip() for e in errors
            if isinstance(e, dict) and isinstance(e.get("message"), str) and e["message"].strip()]


def retry_after(headers: Mapping[str, str], default: float = DEFAULT_RETRY_SECONDS) -> float:
    return http.retry_after(headers, default, longest=3600 + 1)


def _window(words: str) -> str:
    # unverified: FreeAgent's 429 wording ("You must not exceed 120 requests per 60 seconds"),
    # quoted on its API forum; the window that refused is read from it.
    return "hour" if "3600 seconds" in words else "minute"


def raise_for_status(status: int, headers: Mapping[str, str], body: Any, text: str) -> None:
    """Raise what a reply that is no success means; return for a 2xx."""
    if 200 <= status < 300:
        return
    words = "; ".join(messages_of(body)) or text[:200]
    if status in (401, 403):
        raise AuthLostError(f"FreeAgent refused our access ({status}): {words}")
    if status == 429:
        raise RateLimitedError(retry_after(headers), _window(words))
    if status >= 500:
        raise FreeAgentUnavailableError(
            f"FreeAgent server error {status}",
            retry_after(headers, FreeAgentUnavailableError.default_after))
    raise FreeAgentRequestError(status, body, text)


def batch_outcome(exc: Exception) -> Outcome:
    """The one outcome a record gets when its request failed as a whole."""
    return http.whole_request_outcome(exc, FreeAgentRequestError, "minute")


# --------------------------------------------------------------------------- classification
# unverified: every wording below is the wire contract's (/work/brief/freeagent-wire.md), from
# FreeAgent's forum where quoted there ("Contact not found", "Invalid nominal code", "Invoice
# not found for this company"), Rails' validation wording otherwise.
_RULES: tuple[tuple[RejectReason, str, re.Pattern[str]], ...] = (
    ("duplicate_reference", "reference", re.compile(r"reference has already been taken", re.I)),
    ("contact_missing", "contact", re.compile(r"contact not found", re.I)),
    ("account_unknown", "category", re.compile(r"invalid nominal code|category not found", re.I)),
    ("account_unknown", "bank_account", re.compile(r"bank account not found", re.I)),
    ("tax_rate_unknown", "sales_tax_rate", re.compile(r"not a valid vat rate", re.I)),
    ("invoice_draft", "paid_invoice", re.compile(r"must be sent before", re.I)),
    ("invoice_missing", "paid_invoice", re.compile(
        r"(invoice|credit note) not found|resource not found", re.I)),
    ("amount_exceeds_due", "gross_value", re.compile(r"exceeds the amount", re.I)),
)

# Every reason a FreeAgent refusal can be given (classify, and the pre-flight checks of
# pushing.py: two contacts of one name, a VAT code FreeAgent lacks, a payment beyond what its
# invoice owes): the contract suite (tests/contract) provokes each one in the sandbox.
REJECT_REASONS: frozenset[RejectReason] = frozenset(
    {reason for reason, _, _ in _RULES} | {"duplicate_name", "validation"})


def classify(messages: list[str], record: Record) -> Rejected:
    """FreeAgent's words for one record -> a Rejected a bookkeeper can act on."""
    msgs = [m for m in messages if m]
    joined = "; ".join(msgs) or "FreeAgent refused the record without saying why."
    for reason, field, pattern in _RULES:
        if any(pattern.search(m) for m in msgs):
            return rejected(reason, joined, field, record)
    return rejected("validation", joined, None, record)


def rejected(reason: RejectReason, message: str, field: str | None, record: Record,
             **extra: str) -> Rejected:
    """A Rejected with the details explain.py names for `reason`."""
    details: dict[str, str] = {"reference": record.reference}
    if reason in ("contact_missing", "duplicate_name"):
        details["contact_name"] = (record.name if isinstance(record, ContactRecord)
                                   else record.contact_name)
    elif reason == "account_unknown":
        if isinstance(record, PaymentRecord):
            details["account_code"] = record.bank_account_code
        elif isinstance(record, DocumentRecord):
            details["account_code"] = ", ".join(sorted({ln.account_code for ln in record.lines}))
    elif reason == "tax_rate_unknown" and isinstance(record, DocumentRecord):
        details["tax_code"] = ", ".join(sorted({ln.tax_code for ln in record.lines}))
    elif reason in ("invoice_missing", "amount_exceeds_due", "invoice_draft"):
        if isinstance(record, PaymentRecord):
            details["invoice_reference"] = ", ".join(a.invoice_reference
                                                     for a in record.allocations)
        elif isinstance(record, DocumentRecord):
            details["invoice_reference"] = record.invoice_reference or ""
    details.update(extra)
    return Rejected(reason, message, field, details)
