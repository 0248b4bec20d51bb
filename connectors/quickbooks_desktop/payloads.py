"""The money property test's hook (connectors/money_hook.py): the qbXML document the connector
hands the Web Connector for an invoice, a credit note, a credit note applied to its invoice and
a payment, exactly as stages.py renders a hand-out (one record, request id "1")."""

from __future__ import annotations

from typing import Any

from connectors.capabilities import PullItem
from connectors.money import credit_to_apply
from connectors.money_hook import MoneyKind, PackageRefs, PayloadRequest
from connectors.quickbooks_desktop import qbxml, stages

# Not an HTTP path: the Web Connector carries the document; "qbxml" names what the body holds.
PATH = "qbxml"


def _document(xml: str) -> PayloadRequest:
    return PayloadRequest("POST", PATH, {"qbxml": xml})


def document_payload(kind: MoneyKind, record: Any, refs: PackageRefs) -> PayloadRequest | None:
    if kind in ("invoice", "credit_note", "payment"):
        return _document(stages.render(stages.ADD, [PullItem("1", record)]))
    if kind == "credit_applied":
        if refs.invoice_due is None or not refs.credit_note_id:
            raise ValueError("credit_applied needs refs.credit_note_id and refs.invoice_due")
        amount = credit_to_apply(record.total, refs.invoice_due)
        if amount is None:
            return None
        rq = qbxml.apply_credit_add(record, refs.credit_note_id, amount, "1")
        return _document(qbxml.envelope([rq], on_error="continueOnError").decode("utf-8"))
    raise ValueError(f"unknown money kind {kind!r}")
