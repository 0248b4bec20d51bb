"""Failed transfers for digest tests: records and transfers built as the engine builds them,
then moved to failed through the engine's own set_state with the engine's own explanations
(call inside an app context)."""

from __future__ import annotations

from app.extensions import db
from app.models import Transfer
from app.models.transfer import FAILED, PENDING, SENT
from app.sync.explain import explain_preflight, explain_rejection
from app.sync.plan import set_state
from connectors.base import Rejected
from tests.ui import add_connection, add_invoice, add_transfer


def connection_for(company_id: int) -> int:
    return add_connection(company_id)


def failed_invoice(company_id: int, connection_id: int, number: str, customer: str,
                   cause: str = "unmapped_account", account: str = "Sales") -> int:
    """An invoice whose transfer failed for `cause`; returns the transfer id."""
    doc_id = add_invoice(company_id, number, customer)
    transfer_id = add_transfer(company_id, connection_id, doc_id, PENDING)
    fail(transfer_id, cause, customer=customer, account=account, number=number)
    return transfer_id


def fail(transfer_id: int, cause: str, customer: str = "A. Smith", account: str = "Sales",
         number: str = "INV") -> None:
    t = db.session.get(Transfer, transfer_id)
    if cause == "unmapped_account":
        why = explain_preflight("unmapped_account", "Xero", {"name": account})
    elif cause == "contact_archived":
        why = explain_rejection(
            Rejected("contact_archived", "The contact has been archived.",
                     details={"contact_name": customer}), "Xero", f"Invoice {number}")
    else:
        why = explain_rejection(Rejected("validation", "Something is wrong"), "Xero",
                                f"Invoice {number}")
    set_state(t, FAILED, why)
    db.session.commit()


def move(transfer_id: int, state: str) -> None:
    t = db.session.get(Transfer, transfer_id)
    set_state(t, state, note="test")
    db.session.commit()


__all__ = ["FAILED", "PENDING", "SENT", "connection_for", "fail", "failed_invoice", "move"]
