"""The KashFlow sandbox's resources below /v2: which collections it lists, reads by key and
creates, and their list filters (invoices and credit notes by customercode)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, request

from sandboxes.kashflow import listing, replies
from sandboxes.kashflow import store as store
from sandboxes.kashflow.contacts import KINDS as CONTACT_KINDS
from sandboxes.kashflow.contacts import change_contact, create_contact
from sandboxes.kashflow.documents import (
    CREDIT_NOTE,
    INVOICE,
    apply_credit_note,
    create_document,
)

Builder = Callable[[str, dict[str, Any]], dict[str, Any]]
Answer = tuple[Response, int]


@dataclass(frozen=True)
class Resource:
    word: str  # for "No customer with code X was found."
    key: str  # what identifies one: Code, Number
    build: Builder | None = None
    by_customer: bool = False  # the list takes ?customercode=


RESOURCES: dict[str, Resource] = {
    "customers": Resource("customer", "code",
                          lambda c, r: create_contact(c, CONTACT_KINDS["customers"], r)),
    "suppliers": Resource("supplier", "code",
                          lambda c, r: create_contact(c, CONTACT_KINDS["suppliers"], r)),
    "invoices": Resource("invoice", "number", lambda c, r: create_document(c, INVOICE, r),
                         by_customer=True),
    "creditnotes": Resource("credit note", "number",
                            lambda c, r: create_document(c, CREDIT_NOTE, r), by_customer=True),
    "nominals": Resource("nominal", "code"),
    "vatrates": Resource("VAT rate", "code"),
}


def list_collection(company: str, collection: str) -> Answer:
    resource = RESOURCES[collection]
    code = request.args.get("customercode", "").strip()
    if resource.by_customer and code:
        found = store.find_data(company, collection, ref=code)
    else:
        found = store.find_data(company, collection)
    if resource.key == "number":
        found.sort(key=lambda obj: int(obj["Number"]))
    shown = [store.public(obj) for obj in found]
    return replies.answer(listing.page(f"/{collection}", shown))


def get_one(company: str, collection: str, key: str) -> Answer:
    resource = RESOURCES[collection]
    found = store.get_data(company, collection, key)
    if found is None:
        return replies.not_found(f"No {resource.word} with {resource.key} {key} was found.")
    return replies.answer(store.public(found))


def create(company: str, collection: str, body: dict[str, Any]) -> Answer:
    build = RESOURCES[collection].build
    if build is None:
        return replies.error(405, "MethodNotAllowed", "The sandbox does not create these "
                                                      "records.")
    return replies.answer(store.public(build(company, body)), 201)


def change(company: str, collection: str, key: str, body: dict[str, Any]) -> Answer:
    """PUT /v2/customers/{code} and /v2/suppliers/{code}; PUT /v2/creditnotes/{number}
    applies a credit note to an invoice."""
    if collection == "creditnotes":
        applied = apply_credit_note(company, key, body)
        if applied is None:
            return replies.not_found(f"No credit note with number {key} was found.")
        return replies.answer(store.public(applied))
    if collection not in CONTACT_KINDS:
        return replies.error(405, "MethodNotAllowed", "The sandbox does not change these "
                                                      "records.")
    found = change_contact(company, CONTACT_KINDS[collection], key, body)
    if found is None:
        return replies.not_found(f"No {RESOURCES[collection].word} with code {key} was found.")
    return replies.answer(store.public(found))
