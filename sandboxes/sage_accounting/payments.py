"""POST /contact_allocations (a credit note against an invoice) and POST /contact_payments (a
customer receipt into a bank account, settling invoices) in the Sage sandbox. The arithmetic and
its refusals are arithmetic.py's; here the business's: the contact, the dates, the bank account,
and the artefacts looked up among the business's invoices and credit notes."""

from __future__ import annotations

from typing import Any

from sandboxes.sage_accounting import arithmetic, rules
from sandboxes.sage_accounting import store as store
from sandboxes.sage_accounting.arithmetic import CREDIT_NOTE, INVOICE, Resolver, money
from sandboxes.sage_accounting.documents import KINDS
from sandboxes.sage_accounting.replies import Invalid

ALLOCATION = "CUSTOMER_ALLOCATION"
RECEIPT = "CUSTOMER_RECEIPT"
_TITLES = {ALLOCATION: "Customer Allocation", RECEIPT: "Customer Receipt"}


def _resolver(business: str, contact_id: str) -> tuple[Resolver, dict[str, tuple[str, dict]]]:
    """Artefact ids -> (kind, document) among this contact's documents; the same dict for the
    same id, so every line of one request sees the others' amounts."""
    seen: dict[str, tuple[str, dict[str, Any]]] = {}

    def resolve(artefact_id: str) -> tuple[str, dict[str, Any]] | None:
        if artefact_id in seen:
            return seen[artefact_id]
        for key in (INVOICE, CREDIT_NOTE):
            found = store.get_data(business, KINDS[key].collection, artefact_id)
            if found is not None and found["contact"]["id"] == contact_id:
                seen[artefact_id] = (key, found)
                return seen[artefact_id]
        return None

    return resolve, seen


def _save(business: str, seen: dict[str, tuple[str, dict[str, Any]]]) -> None:
    moment = store.stamp()
    for key, document in seen.values():
        document["updated_at"] = moment
        store.put(business, KINDS[key].collection, document["id"], document,
                  ref=document.get("reference") or "")


def _transaction_type(type_id: Any, wanted: str) -> dict[str, str]:
    if type_id != wanted:
        # unverified: the sandbox makes only customer allocations and receipts.
        raise Invalid("Transaction type is not valid", "transaction_type_id")
    return {"id": wanted, "displayed_as": _TITLES[wanted],
            "$path": f"/transaction_types/{wanted}"}


def _allocated(made: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": store.new_id(), "artefact": store.link(
        KINDS[INVOICE if "invoice_number" in item["artefact"] else CREDIT_NOTE].collection,
        item["artefact"]), "amount": money(item["amount"])} for item in made]


def _base(business: str, resource: dict[str, Any], wanted: str, collection: str
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    kind = _transaction_type(resource.get("transaction_type_id"), wanted)
    contact = rules.contact(business, resource.get("contact_id"))
    on = rules.a_date(resource, "date", "Date", required=wanted == RECEIPT) or store.today()
    rules.check_open_period(business, on)
    object_id = store.new_id()
    moment = store.stamp()
    return contact, {
        "id": object_id, "displayed_as": "", "$path": f"/{collection}/{object_id}",
        "created_at": moment, "updated_at": moment, "transaction_type": kind,
        "contact": store.link("contacts", contact), "date": on.isoformat(),
    }


def create_allocation(business: str, resource: dict[str, Any]) -> dict[str, Any]:
    """A credit note (negative amount) allocated to an invoice (positive), summing to zero."""
    contact, allocation = _base(business, resource, ALLOCATION, "contact_allocations")
    resolve, seen = _resolver(business, contact["id"])
    made = arithmetic.allocate(resource, resolve)
    _save(business, seen)
    allocation["displayed_as"] = allocation["date"]
    allocation["allocated_artefacts"] = _allocated(made)
    store.put(business, "contact_allocations", allocation["id"], allocation)
    return allocation


def create_payment(business: str, resource: dict[str, Any]) -> dict[str, Any]:
    """A customer receipt of total_amount into a bank account, settling invoices; what they do
    not take stays on account."""
    contact, payment = _base(business, resource, RECEIPT, "contact_payments")
    bank = rules.bank_account(business, resource.get("bank_account_id"))
    reference = rules.text(resource, "reference", "Reference")
    resolve, seen = _resolver(business, contact["id"])
    total, made = arithmetic.receive(resource, resolve)
    _save(business, seen)
    allocated = _allocated(made)
    on_account = total - sum((item["amount"] for item in made), arithmetic.ZERO)
    payment |= {
        "displayed_as": reference or payment["date"], "reference": reference or None,
        "bank_account": store.link("bank_accounts", bank),
        "payment_method": {"id": "BANK_TRANSFER", "displayed_as": "Bank Transfer"},
        "net_amount": money(total), "tax_amount": 0, "total_amount": money(total),
        "currency": {"id": "GBP", "displayed_as": "Pound Sterling (GBP)"},
        "allocated_artefacts": allocated,
        "payment_on_account": ({"total_amount": money(on_account),
                                "outstanding_amount": money(on_account)}
                               if on_account > 0 else None),
        "editable": True,
    }
    store.put(business, "contact_payments", payment["id"], payment, ref=reference)
    return payment
