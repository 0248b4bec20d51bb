"""The agent's answer for one record read back into an outcome.

`created` and `exists` are the record in Sage 50 under the reference the agent gives (an
account ref, or an audit-trail transaction number); a note with them is a step Sage could not
take (a receipt imported on account), left for the bookkeeper. `rejected` carries Sage's own
words, sorted into the platform's reasons by what they name. `retry` means the agent wrote
nothing (Sage busy or locked by another user): the record goes with a later lease.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectors.base import Outcome, Rejected, RejectReason, RetryLater, Sent

RETRY_SECONDS = 120
# Sage's words (as SDO's LastError and the import report put them; unverified against a real
# Sage 50 beyond the simulator) -> our reasons; the field the agent names goes first.
_BY_FIELD: dict[str, RejectReason] = {"NOMINAL_CODE": "account_unknown",
                                      "BANK_CODE": "account_unknown",
                                      "TAX_CODE": "tax_rate_unknown", "DATE": "locked_period"}
_BY_WORDS: tuple[tuple[re.Pattern[str], RejectReason], ...] = (
    (re.compile(r"lock|closed period|before the program date", re.I), "locked_period"),
    (re.compile(r"nominal", re.I), "account_unknown"),
    (re.compile(r"tax code", re.I), "tax_rate_unknown"),
    (re.compile(r"account.*(does not exist|not found|unknown)", re.I), "contact_missing"),
    (re.compile(r"(already|in use|exists)", re.I), "duplicate_reference"),
    (re.compile(r"invoice.*(not found|does not exist|unknown)", re.I), "invoice_missing"),
    (re.compile(r"(more than|exceeds).*(outstanding|owed|due)", re.I), "amount_exceeds_due"),
)


def _reason(kind: str, field: str, message: str) -> RejectReason:
    reason = _BY_FIELD.get(field.upper())
    if reason is None:
        reason = next((r for pattern, r in _BY_WORDS if pattern.search(message)), "validation")
    if reason == "duplicate_reference" and kind in ("customer", "supplier"):
        return "duplicate_name" if "name" in message.lower() else "duplicate_reference"
    return reason


def _details(kind: str, reason: RejectReason, payload: Mapping[str, Any]) -> dict[str, str]:
    lines = payload.get("lines") or [{}]
    if reason == "account_unknown":
        return {"account_code": str(lines[0].get("nominal_code")
                                    or payload.get("bank_nominal", ""))}
    if reason == "tax_rate_unknown":
        return {"tax_code": str(lines[0].get("tax_code", ""))}
    if reason == "locked_period":
        return {"date": str(payload.get("date", ""))}
    if reason in ("contact_missing", "duplicate_name"):
        return {"contact_name": str(payload.get("name") or payload.get("account_ref", ""))}
    if reason == "duplicate_reference" and "account_ref" in payload and "type" not in payload:
        # A customer or supplier whose account ref (ours to choose) Sage already gives another
        # account: the platform frees the ref, and a Retry chooses another.
        return {"reference": str(payload["account_ref"]), "contact_kind": kind,
                "reference_ours": "1"}
    if reason == "duplicate_reference":
        return {"reference": str(payload.get("reference") or payload.get("account_ref", ""))}
    if reason in ("invoice_missing", "amount_exceeds_due"):
        refs = [a.get("invoice_reference", "") for a in payload.get("allocations", [])]
        return {"invoice_reference": ", ".join(r for r in refs if r)}
    return {}


def outcome(kind: str, payload: Mapping[str, Any], result: Mapping[str, Any]) -> Outcome:
    status = result.get("status")
    if status in ("created", "exists"):
        return Sent(str(result.get("reference", "")),
                    finish_by_hand=str(result.get("note") or ""))
    if status == "retry":
        return RetryLater(RETRY_SECONDS, "package busy")
    message = str(result.get("message") or "Sage 50 refused the record.")
    field = str(result.get("field") or "")
    reason = _reason(kind, field, message)
    return Rejected(reason, message, field or None, _details(kind, reason, payload))
