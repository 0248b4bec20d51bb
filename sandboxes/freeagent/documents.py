"""POST /v2/invoices and /v2/credit_notes in the FreeAgent sandbox, and their transitions
(PUT .../transitions/mark_as_sent and mark_as_draft; FreeAgent's mark_as_cancelled is not
modelled: what a cancelled invoice shows is not documented). A new document is a
Draft: it owes nothing to anyone until it is marked as sent (the docs; the forum thread
"Creating invoices via API draft status"). References are unique across invoices and credit
notes (the docs' "global invoice sequencing")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sandboxes.freeagent import arithmetic, rules
from sandboxes.freeagent import store as store
from sandboxes.freeagent.arithmetic import signed
from sandboxes.freeagent.replies import Invalid, decimal_text


@dataclass(frozen=True)
class Kind:
    key: str  # invoice
    collection: str  # invoices
    items: str  # invoice_items
    label: str  # "Invoice items", for the refusals' words


INVOICE = Kind("invoice", "invoices", "invoice_items", "Invoice items")
CREDIT_NOTE = Kind("credit_note", "credit_notes", "credit_note_items", "Credit note items")
KINDS = {kind.key: kind for kind in (INVOICE, CREDIT_NOTE)}
# An item's category -> (its stored reference, the rate used when the item names none).
CategoryOf = Callable[[Any], tuple[str, Decimal]]
# unverified: the rate FreeAgent takes for a category's auto_sales_tax_rate words.
AUTO_RATES = {"Standard rate": Decimal("20"), "Reduced rate": Decimal("5")}


def items_of(kind: Kind, resource: dict[str, Any]) -> list[dict[str, Any]]:
    items = resource.get(kind.items)
    if not isinstance(items, list) or not items:
        raise Invalid(f"{kind.label} can't be blank")
    if not all(isinstance(item, dict) for item in items):
        raise Invalid(f"{kind.label} are invalid")
    return items


def figures(kind: Kind, resource: dict[str, Any], category_of: CategoryOf
            ) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    """Each item as stored, and the document's net, VAT and total (positive): the arithmetic
    the views and the money oracle share. `category_of` checks an item's category."""
    made, sums = [], []
    credit = kind is CREDIT_NOTE
    for position, item in enumerate(items_of(kind, resource), 1):
        description = rules.text(item, "description", f"{kind.label} description",
                                 required=True)
        item_type = item.get("item_type") or "-no unit-"
        if item_type not in arithmetic.ITEM_TYPES:
            raise Invalid(f"{kind.label} item type is not included in the list")
        category, default_rate = category_of(item.get("category"))
        rate, status = arithmetic.item_rate(item, kind.label, default_rate)
        amounts = arithmetic.item_figures(item, kind.label, rate)
        sums.append(amounts)
        made.append({
            "position": position, "item_type": item_type, "description": description,
            "quantity": decimal_text(amounts["quantity"]),
            "price": decimal_text(amounts["price"]),
            "sales_tax_rate": decimal_text(rate), "sales_tax_status": status,
            "sales_tax_value": signed(amounts["vat"], credit), "category": category,
        })
    return made, arithmetic.document_figures(sums)


def _category_of(company: str) -> CategoryOf:
    def category_of(reference: Any) -> tuple[str, Decimal]:
        found = rules.income_category(company, reference)
        return found["url"], AUTO_RATES.get(str(found.get("auto_sales_tax_rate")),
                                            Decimal("0"))

    return category_of


def create_document(company: str, kind: Kind, resource: dict[str, Any]) -> dict[str, Any]:
    """The new invoice or credit note as FreeAgent answers it (stored, not committed)."""
    contact = rules.contact(company, resource.get("contact"))
    dated_on = rules.required_date(resource, "dated_on", "Dated on")
    terms = rules.whole_days(resource, "payment_terms_in_days", "Payment terms in days")
    due_on = (rules.a_date(resource, "due_on", "Due on", required=False)
              or dated_on + timedelta(days=terms))
    currency = rules.text(resource, "currency", "Currency") or "GBP"
    if currency != "GBP":
        # unverified: the sandbox's companies keep GBP books only.
        raise Invalid("Currency must be the company's native currency (GBP) in this sandbox")
    items, totals = figures(kind, resource, _category_of(company))
    reference = rules.text(resource, "reference", "Reference")
    rules.reference_free(company, reference)
    if not reference:
        reference = _next_reference(company)
    doc_id = store.new_id(company, kind.collection)
    moment = store.stamp()
    credit = kind is CREDIT_NOTE
    document: dict[str, Any] = {
        "url": store.path_of(kind.collection, doc_id), "contact": contact["url"],
        "reference": reference, "dated_on": dated_on.isoformat(),
        "due_on": due_on.isoformat(), "payment_terms_in_days": terms, "currency": currency,
        "exchange_rate": "1.0", "status": "Draft",
        "net_value": signed(totals["net"], credit),
        "sales_tax_value": signed(totals["vat"], credit),
        "total_value": signed(totals["total"], credit),
        "due_value": signed(totals["total"], credit),
        "comments": rules.text(resource, "comments", "Comments") or None,
        "created_at": moment, "updated_at": moment, kind.items: [
            item | {"url": store.path_of(f"{kind.items}", f"{doc_id}{item['position']:03d}")}
            for item in items],
        store.PRIVATE: {"kind": kind.key, "sent": False},
    }
    if not credit:
        document["paid_value"] = "0.0"
        document["involves_sales_tax"] = totals["vat"] != 0
    store.put(company, kind.collection, doc_id, document, ref=reference)
    return document


def _next_reference(company: str) -> str:
    """FreeAgent's next number when none is sent (the connector always sends ours)."""
    used = {d["reference"] for c in ("invoices", "credit_notes")
            for d in store.find_data(company, c)}
    n = len(used) + 1
    while f"{n:03d}" in used:
        n += 1
    return f"{n:03d}"


def transition(company: str, kind: Kind, doc_id: str, name: str) -> dict[str, Any]:
    """PUT .../transitions/<name>: the document as it is afterwards (stored, not committed)."""
    found = store.get_data(company, kind.collection, doc_id)
    if found is None:
        raise LookupError(doc_id)
    state = store.private(found)
    if name == "mark_as_sent":
        state["sent"] = True
    elif name == "mark_as_draft":
        if arithmetic.due(found) != arithmetic.magnitude(found, "total_value"):
            # unverified: FreeAgent's words for un-sending a document already settled.
            raise Invalid("An invoice with payments or credits cannot be marked as draft")
        state["sent"] = False
    else:
        raise KeyError(name)
    found[store.PRIVATE] = state
    found["updated_at"] = store.stamp()
    store.put(company, kind.collection, doc_id, found, ref=found["reference"])
    return found
