"""QuickBooks Online replies -> our outcomes.

HTTP-level failures become typed exceptions (one outcome for a whole request); a `Fault`
(per batch item, for a whole request, or inside a 200) becomes an outcome per record with a
reason from the shared vocabulary, so app/sync/explain.py needs no QBO knowledge.

Intuit spells the fault "Fault"/"Error"/"Message" on the API but "fault"/"error"/"message" on
some 401s; both are read.
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
    Uncertain,
)
from connectors.http import MaybeSentError as MaybeSentError  # kept importable from here
from connectors.http import RequestRefusedError, UnavailableError

THROTTLE_WAIT_SECONDS = 60.0  # Intuit: after a 429, wait 60 seconds


class QboUnavailableError(UnavailableError):
    """QBO did not process the request (5xx, or never reached): safe to send again."""

    default_after = 30.0


class QboRequestError(RequestRefusedError):
    """QBO refused a whole request with a Fault (a 4xx, or a Fault inside a 200)."""

    def __init__(self, status: int, body: Any, text: str = "") -> None:
        self.status = status
        self.body = body
        self.errors = fault_errors(body)
        summary = "; ".join(e.text for e in self.errors) or text[:300]
        super().__init__(f"QuickBooks Online answered {status}: {summary}")


@dataclass(frozen=True)
class FaultError:
    code: str
    message: str
    detail: str
    element: str

    @property
    def text(self) -> str:
        if self.detail and self.message and self.message not in self.detail:
            return f"{self.message}: {self.detail}"
        return self.detail or self.message or f"error {self.code}"


def _get(obj: Mapping[str, Any], key: str) -> Any:
    return obj.get(key, obj.get(key[0].lower() + key[1:]))


def fault_of(body: Any) -> Mapping[str, Any] | None:
    if not isinstance(body, dict):
        return None
    fault = _get(body, "Fault")
    return fault if isinstance(fault, dict) else None


def fault_errors(body_or_fault: Any) -> list[FaultError]:
    """The Error list of a reply ({"Fault": ...}) or of a Fault object itself."""
    fault = fault_of(body_or_fault) or body_or_fault
    if not isinstance(fault, dict):
        return []
    errors = _get(fault, "Error")
    if not isinstance(errors, list):
        return []
    out = []
    for e in errors:
        if isinstance(e, dict):
            out.append(
                FaultError(
                    code=str(_get(e, "code") or _get(e, "Code") or "").strip(),
                    message=str(_get(e, "Message") or ""),
                    detail=str(_get(e, "Detail") or ""),
                    element=str(_get(e, "element") or _get(e, "Element") or ""),
                )
            )
    return out


def fault_type(body_or_fault: Any) -> str:
    fault = fault_of(body_or_fault) or body_or_fault
    return str(fault.get("type") or "") if isinstance(fault, dict) else ""


def retry_after(headers: Mapping[str, str], default: float = THROTTLE_WAIT_SECONDS) -> float:
    return http.retry_after(headers, default, longest=86400)


def raise_for_status(status: int, headers: Mapping[str, str], body: Any, text: str) -> None:
    """Raise what a reply means; return for a 2xx without a top-level Fault."""
    if 200 <= status < 300:
        if fault_of(body) is not None:
            _raise_fault(status, body, text)
        return
    if status in (401, 403):
        words = "; ".join(e.text for e in fault_errors(body)) or text[:200]
        raise AuthLostError(f"QuickBooks Online refused our access ({status}): {words}")
    if status == 429:
        raise RateLimitedError(retry_after(headers), "minute")
    if status >= 500:
        # Intuit rarely says how long; when a Retry-After comes with the 5xx, it is the wait.
        raise QboUnavailableError(f"QuickBooks Online server error {status}",
                                  retry_after(headers, QboUnavailableError.default_after))
    _raise_fault(status, body, text)


def _raise_fault(status: int, body: Any, text: str) -> None:
    kind = fault_type(body).lower()
    if "authentication" in kind or "authorization" in kind:
        raise AuthLostError(f"QuickBooks Online refused our access: {fault_type(body)}")
    if "throttl" in kind:
        raise RateLimitedError(THROTTLE_WAIT_SECONDS, "minute")
    raise QboRequestError(status, body, text)


def batch_outcome(exc: Exception) -> Outcome:
    """The one outcome every record of a request gets when the whole request failed."""
    return http.whole_request_outcome(exc, QboRequestError, "minute")


# --------------------------------------------------------------------------- classification
_TAX = re.compile(r"\b(vat|tax ?code|tax ?rate|sales tax)\b", re.I)
# 6210 "Account Period Closed: The account period has closed and the account books cannot be
# updated through the QBO Services API" (a date on or before the closing date).
_LOCKED = re.compile(r"closing date|closed period|period is closed|period (has )?closed|locked",
                     re.I)
_DUPLICATE_NUMBER = re.compile(r"duplicate document number", re.I)
_EXCEEDS = re.compile(r"exceed|greater than|more than the (open )?balance|overpa", re.I)


# Every reason a QuickBooks Online refusal can be given (classify below): the contract suite
# (tests/contract) provokes each one in the sandbox.
REJECT_REASONS: frozenset[RejectReason] = frozenset({
    "duplicate_name", "duplicate_reference", "contact_archived", "account_archived",
    "contact_missing", "account_unknown", "tax_rate_unknown", "invoice_missing",
    "locked_period", "amount_exceeds_due", "validation",
})


def _missing_reason(err: FaultError, record: Record) -> tuple[RejectReason, str]:
    """Error 2500 (invalid reference): which reference, from the element or the words."""
    # The element names the reference exactly; only without one are the words searched.
    where = (err.element or f"{err.detail} {err.message}").lower()
    if "taxcode" in where.replace(" ", "") or "tax code" in where:
        return "tax_rate_unknown", "TaxCodeRef"
    if "linkedtxn" in where or "txnid" in where or "invoice" in where:
        return "invoice_missing", "LinkedTxn"
    if "itemref" in where or "item" in where:
        return "account_unknown", "ItemRef"
    if "account" in where:
        return "account_unknown", "DepositToAccountRef"
    if "customer" in where or "vendor" in where:
        return "contact_missing", "CustomerRef"
    if isinstance(record, PaymentRecord):
        return "invoice_missing", "LinkedTxn"
    return "contact_missing", "CustomerRef"


def classify(errors: list[FaultError], record: Record) -> Outcome:
    """A Fault's errors for one record -> Rejected (or Uncertain for a replayed request)."""
    if not errors:
        return Rejected("validation", "QuickBooks Online refused the record without saying why.",
                        None, {"reference": record.reference})
    joined = "; ".join(e.text for e in errors)
    first = errors[0]
    for err in errors:
        code = err.code
        if code == "600" or "duplicate request" in err.text.lower():
            # A replayed requestid: the first request may well have created it. Look it up.
            return Uncertain(f"QuickBooks Online says this request was already made: {joined}")
        if code == "6240":
            return _rejected("duplicate_name", joined, "DisplayName", record)
        if code == "6140":
            return _rejected("duplicate_reference", joined, "DocNumber", record)
        if code == "610":
            # "Object Not Found": something referenced was made inactive. Intuit's words name
            # customers, items and accounts alike; the element (when given) says which.
            element = err.element.lower()
            if "item" in element:
                return _rejected("account_archived", joined, "ItemRef", record)
            if "account" in element:
                return _rejected("account_archived", joined, "DepositToAccountRef", record)
            return _rejected("contact_archived", joined, "CustomerRef", record)
        if code == "2500":
            reason, field = _missing_reason(err, record)
            return _rejected(reason, joined, field, record)
        if code == "6000" or code.startswith("6"):
            if _TAX.search(err.text):
                return _rejected("tax_rate_unknown", joined, "TaxCodeRef", record)
            if _LOCKED.search(err.text):
                return _rejected("locked_period", joined, "TxnDate", record)
            if _DUPLICATE_NUMBER.search(err.text):  # Intuit's lists also give it as 6210
                return _rejected("duplicate_reference", joined, "DocNumber", record)
            if _EXCEEDS.search(err.text) and isinstance(record, PaymentRecord | DocumentRecord):
                return _rejected("amount_exceeds_due", joined, "Amount", record)
    return _rejected("validation", joined, first.element or None, record)


def _rejected(reason: RejectReason, message: str, field: str | None, record: Record) -> Rejected:
    details: dict[str, str] = {"reference": record.reference}
    if reason in ("contact_archived", "contact_missing", "duplicate_name"):
        if isinstance(record, ContactRecord):
            details["contact_name"] = record.name
        else:
            details["contact_name"] = record.contact_name
    elif reason in ("account_unknown", "account_archived"):
        details["account_code"] = _codes(record, field or "")
    elif reason == "tax_rate_unknown":
        if isinstance(record, DocumentRecord):
            details["tax_code"] = ", ".join(sorted({ln.tax_code for ln in record.lines}))
    elif reason == "locked_period":
        if isinstance(record, DocumentRecord | PaymentRecord):
            details["date"] = record.date.isoformat()
    elif reason in ("invoice_missing", "amount_exceeds_due"):
        if isinstance(record, PaymentRecord):
            details["invoice_reference"] = ", ".join(
                a.invoice_reference for a in record.allocations
            )
        elif isinstance(record, DocumentRecord):
            details["invoice_reference"] = record.invoice_reference or ""
    return Rejected(reason, message, field, details)


def _codes(record: Record, field: str) -> str:
    if isinstance(record, PaymentRecord):
        return record.bank_account_code
    if isinstance(record, DocumentRecord):
        return ", ".join(sorted({ln.account_code for ln in record.lines}))
    return ""
