"""Sage Accounting's replies -> our outcomes.

Two layers: HTTP-level failures become typed exceptions the client raises (one outcome for the
whole request), and a refused record (a 422 with Sage's error array) becomes a Rejected with a
reason from the shared vocabulary, so app/sync/explain.py can word it without knowing Sage.

Sage's errors are a JSON array of {"$severity", "$dataCode", "$message", "$source"}. The
wordings matched here are the wire contract's (/work/brief/wire.md), our best guess of Sage's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
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

DEFAULT_RETRY_SECONDS = 30.0
# unverified: Sage documents no wait after a 429 without Retry-After; a minute is its window.
THROTTLE_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class SageError:
    """One item of Sage's error array."""

    code: str  # $dataCode, e.g. "RecordInvalid"
    message: str  # $message, Sage's words
    source: str  # $source, the field's dotted path ("invoice_lines.ledger_account_id")


def error_items(body: Any) -> list[SageError]:
    """The items of Sage's error array (also one error object on its own)."""
    found = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    items = []
    for item in found:
        if isinstance(item, dict) and (item.get("$message") or item.get("$dataCode")):
            items.append(SageError(str(item.get("$dataCode") or ""),
                                   str(item.get("$message") or ""),
                                   str(item.get("$source") or "")))
    return items


def words_of(body: Any, text: str = "") -> str:
    """Sage's messages in one line, for logs and Rejected.package_message."""
    return "; ".join(e.message for e in error_items(body) if e.message) or text[:300]


# --------------------------------------------------------------------------- HTTP-level errors
class SageUnavailableError(UnavailableError):
    """Sage did not process the request (5xx, or we never reached it): safe to send again."""

    default_after = DEFAULT_RETRY_SECONDS


class SageRequestError(RequestRefusedError):
    """A 4xx other than auth and rate limits: Sage refused the request (a 422 names why)."""

    def __init__(self, status: int, body: Any, text: str = "") -> None:
        self.status = status
        self.body = body
        self.text = text
        self.errors = error_items(body)
        super().__init__(f"Sage Accounting answered {status}: {words_of(body, text)}")


def retry_after(headers: Mapping[str, str], default: float = DEFAULT_RETRY_SECONDS) -> float:
    return http.retry_after(headers, default, longest=86400)


def raise_for_status(status: int, headers: Mapping[str, str], body: Any, text: str) -> None:
    """Raise the exception a non-2xx reply means; return for 2xx."""
    if 200 <= status < 300:
        return
    if status in (401, 403):
        # 401: the token is dead; 403: the grant no longer covers the business. Either way
        # only reconnecting helps.
        raise AuthLostError(f"Sage Accounting refused our access ({status}): "
                            f"{words_of(body, text)}")
    if status == 429:
        raise RateLimitedError(retry_after(headers, THROTTLE_WAIT_SECONDS), "minute")
    if status >= 500:
        raise SageUnavailableError(f"Sage Accounting server error {status}", retry_after(headers))
    raise SageRequestError(status, body, text)


def batch_outcome(exc: Exception) -> Outcome:
    """The one outcome a record gets when its whole request failed."""
    return http.whole_request_outcome(exc, SageRequestError, "minute")


# --------------------------------------------------------------------------- classification
# unverified (all): the wire contract's wordings of Sage's refusals.
_LOCK_DATE = re.compile(r"lock date\s*\(([0-9/.\-]+)\)", re.I)
_RULES: tuple[tuple[RejectReason, re.Pattern[str]], ...] = (
    ("contact_archived", re.compile(r"contact is inactive|contact .*(archived|inactive)", re.I)),
    ("contact_missing", re.compile(r"^contact is not valid|^contact (was |could )?not (be )?found",
                                   re.I)),
    ("duplicate_reference", re.compile(r"reference has already been taken", re.I)),
    ("account_archived", re.compile(r"ledger account is not available", re.I)),
    ("account_unknown", re.compile(r"(ledger|bank) account is not valid", re.I)),
    ("tax_rate_unknown", re.compile(r"tax rate is not valid", re.I)),
    ("locked_period", re.compile(r"lock date|vat return period|vat[- ]reconciled", re.I)),
    ("invoice_missing", re.compile(r"artefact is not valid", re.I)),
    ("amount_exceeds_due", re.compile(r"exceeds the outstanding amount", re.I)),
)

# Every reason a Sage refusal can be given (classify, and the pre-flight in pushing.py): the
# contract suite (tests/contract) provokes each one in the sandbox.
REJECT_REASONS: frozenset[RejectReason] = frozenset(
    {reason for reason, _ in _RULES} | {"validation"})


def classify(errors: list[SageError], record: Record) -> Rejected:
    """Sage's error items for one record -> a Rejected a bookkeeper can act on."""
    words = "; ".join(e.message for e in errors if e.message) or (
        "Sage Accounting refused the record without saying why.")
    for reason, pattern in _RULES:
        hit = next((e for e in errors if pattern.search(e.message)), None)
        if hit is not None:
            return rejected(reason, words, hit.source or None, record, hit.message)
    first = errors[0].source if errors and errors[0].source else None
    return rejected("validation", words, first, record)


def rejected(reason: RejectReason, words: str, field: str | None, record: Record,
             message: str = "", account_code: str = "") -> Rejected:
    """A Rejected with the details app/sync/explain.py words `reason` with."""
    details: dict[str, str] = {"reference": record.reference}
    if reason in ("contact_archived", "contact_missing"):
        details["contact_name"] = (record.name if isinstance(record, ContactRecord)
                                   else record.contact_name)
    elif reason in ("account_unknown", "account_archived"):
        details["account_code"] = account_code or _codes(record, "account", field or "")
    elif reason == "tax_rate_unknown":
        details["tax_code"] = _codes(record, "tax", field or "")
    elif reason == "locked_period":
        if isinstance(record, DocumentRecord | PaymentRecord):
            details["date"] = record.date.isoformat()
        match = _LOCK_DATE.search(message)
        if match:
            details["lock_date"] = match.group(1)
    elif reason in ("invoice_missing", "amount_exceeds_due"):
        if isinstance(record, PaymentRecord):
            details["invoice_reference"] = ", ".join(a.invoice_reference
                                                     for a in record.allocations)
        elif isinstance(record, DocumentRecord):
            details["invoice_reference"] = record.invoice_reference or ""
    return Rejected(reason, words, field, details)


def _codes(record: Record, which: str, field: str) -> str:
    if isinstance(record, PaymentRecord) or field.startswith("bank_account"):
        return record.bank_account_code if isinstance(record, PaymentRecord) else ""
    if isinstance(record, DocumentRecord):
        codes = {ln.account_code if which == "account" else ln.tax_code for ln in record.lines}
        return ", ".join(sorted(codes))
    return ""
