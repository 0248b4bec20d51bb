"""The FreeAgent sandbox's resources below /v2: which collections it serves and creates, their
list filters (view, sort, contact, dates, updated_since, nested items), GET by id, the
categories list and the invoice and credit note transitions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, request

from sandboxes.freeagent import arithmetic, listing, replies
from sandboxes.freeagent import store as store
from sandboxes.freeagent.contacts import create_contact, display_name
from sandboxes.freeagent.documents import CREDIT_NOTE, INVOICE, create_document, transition
from sandboxes.freeagent.replies import Problem
from sandboxes.freeagent.settlements import create_explanation, create_reconciliation

Filter = Callable[[dict[str, Any]], bool]
Builder = Callable[[str, dict[str, Any]], dict[str, Any]]


def _arg(name: str) -> str:
    return request.args.get(name, "").strip()


def _dated(obj: dict[str, Any]) -> bool:
    on, since = str(obj.get("dated_on") or ""), _arg("updated_since")
    return ((not _arg("from_date") or on >= _arg("from_date"))
            and (not _arg("to_date") or on <= _arg("to_date"))
            and (not since or str(obj.get("updated_at") or "") >= since))


def _contacts(obj: dict[str, Any]) -> bool:
    view = _arg("view") or "active"
    hidden = obj.get("status") == "Hidden"
    since = _arg("updated_since")
    shown = {"all": True, "hidden": hidden}.get(view, not hidden)
    return shown and (not since or str(obj.get("updated_at") or "") >= since)


_VIEWS = {
    "draft": ("Draft",), "open": ("Open",), "overdue": ("Overdue",),
    "open_or_overdue": ("Open", "Overdue"), "recent_open_or_overdue": ("Open", "Overdue"),
    "paid": ("Paid",), "refunded": ("Refunded",),
}


def _documents(obj: dict[str, Any]) -> bool:
    contact = store.referenced(_arg("contact"), "contacts")
    view = _arg("view") or "all"
    return ((not _arg("contact") or obj["contact"] == store.path_of("contacts", str(contact)))
            and (view == "all" or obj["status"] in _VIEWS.get(view, ()))
            and _dated(obj))


def _explanations(obj: dict[str, Any]) -> bool:
    bank = store.referenced(_arg("bank_account"), "bank_accounts")
    return obj["bank_account"] == store.path_of("bank_accounts", str(bank)) and _dated(obj)


def _everything(_obj: dict[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Resource:
    keep: Filter  # the list's filters
    root: str  # the one object's key in a body or a reply: "contact"
    build: Builder | None = None
    nested: str = ""  # the list parameter that keeps items in listed documents


RESOURCES: dict[str, Resource] = {
    "contacts": Resource(_contacts, "contact", create_contact),
    "invoices": Resource(_documents, "invoice",
                         lambda c, r: create_document(c, INVOICE, r), "nested_invoice_items"),
    "credit_notes": Resource(_documents, "credit_note",
                             lambda c, r: create_document(c, CREDIT_NOTE, r),
                             "nested_credit_note_items"),
    "bank_transaction_explanations": Resource(_explanations, "bank_transaction_explanation",
                                              create_explanation),
    "credit_note_reconciliations": Resource(_dated, "credit_note_reconciliation",
                                            create_reconciliation),
    "bank_accounts": Resource(_everything, "bank_account"),
}
DOCUMENTS = {"invoices": INVOICE, "credit_notes": CREDIT_NOTE}


def shown(collection: str, obj: dict[str, Any]) -> dict[str, Any]:
    """An object as the API answers it: a document's status as of today."""
    if collection in DOCUMENTS:
        obj = obj | {"status": arithmetic.status_of(obj, store.today().isoformat())}
    return store.public(obj)


def _sorted(collection: str, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if collection != "contacts":
        return found
    order = _arg("sort") or "name"
    field = order.lstrip("-")
    if field == "name":
        keyed = sorted(found, key=lambda c: display_name(c).lower())
    elif field in ("created_at", "updated_at"):
        keyed = sorted(found, key=lambda c: str(c.get(field) or ""))
    else:
        keyed = found
    return list(reversed(keyed)) if order.startswith("-") else keyed


def list_collection(company: str, collection: str) -> tuple[Response, int]:
    resource = RESOURCES[collection]
    if collection == "bank_transaction_explanations" and not _arg("bank_account"):
        # unverified: FreeAgent's words for the missing filter the docs require.
        raise Problem("bank_account parameter is required", 400)
    found = [shown(collection, obj) for obj in store.find_data(company, collection)]
    found = _sorted(collection, [obj for obj in found if resource.keep(obj)])
    items, headers = listing.page(f"/v2/{collection}", found)
    if resource.nested and _arg(resource.nested).lower() != "true":
        items_key = DOCUMENTS[collection].items
        items = [{k: v for k, v in obj.items() if k != items_key} for obj in items]
    return replies.answer({collection: items}, headers=headers)


def get_one(company: str, collection: str, object_id: str) -> tuple[Response, int]:
    found = store.get_data(company, collection, object_id)
    if found is None:
        return replies.not_found()
    return replies.answer({RESOURCES[collection].root: shown(collection, found)})


def categories(company: str, code: str | None) -> tuple[Response, int]:
    """GET /v2/categories (every group, not paged) or /v2/categories/:nominal_code."""
    if code is not None:
        found = store.get_data(company, "categories", code)
        if found is None:
            return replies.not_found()
        return replies.answer({"category": store.public(found)})
    return replies.answer({group: [store.public(c) for c in
                                   store.find_data(company, "categories", ref=group)]
                           for group in store.CATEGORY_GROUPS})


def create(company: str, collection: str, resource: dict[str, Any]) -> tuple[Response, int]:
    build = RESOURCES[collection].build
    if build is None:
        raise LookupError(f"the sandbox creates no {collection}")
    made = shown(collection, build(company, resource))
    location = f"{replies.api_base()}{made['url']}"
    return replies.answer({RESOURCES[collection].root: made}, 201, {"Location": location})


def change(company: str, collection: str, object_id: str, name: str) -> tuple[Response, int]:
    """PUT /v2/invoices/:id/transitions/:name (and credit notes')."""
    if store.get_data(company, collection, object_id) is None:
        return replies.not_found()
    try:
        found = transition(company, DOCUMENTS[collection], object_id, name)
    except KeyError:
        return replies.not_found()
    return replies.answer({RESOURCES[collection].root: shown(collection, found)})


def body_resource(collection: str, body: Any) -> dict[str, Any]:
    """The created object of a POST body `{"<root>": {...}}`."""
    root = RESOURCES[collection].root
    if not isinstance(body, dict) or not isinstance(body.get(root), dict):
        raise Problem(replies.BAD_JSON, 400)
    return dict(body[root])
