"""The accounting endpoints of the Xero sandbox (below /api.xro/2.0): reading with Xero's query
parameters, and creating in batches with Xero's summarizeErrors semantics."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from flask import Response, jsonify, request

from sandboxes.kit import store as kit_store
from sandboxes.xero import store as store
from sandboxes.xero.identity import problem
from sandboxes.xero.payments import build_allocation, build_batch_payment, build_payment
from sandboxes.xero.query import QueryError, order_objects, where_filter
from sandboxes.xero.rules import Invalid, build_contact, build_document, unit_decimals

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
ID_KEYS = {
    "Contacts": "ContactID", "Invoices": "InvoiceID", "CreditNotes": "CreditNoteID",
    "Payments": "PaymentID", "BatchPayments": "BatchPaymentID", "Accounts": "AccountID",
    "TaxRates": "TaxType",
}
NUMBER_KEYS = {"Contacts": "ContactNumber", "Invoices": "InvoiceNumber",
               "CreditNotes": "CreditNoteNumber", "Accounts": "Code"}
_MSDATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
# Which flag an element with errors carries, per Xero's schemas.
_ERROR_FLAG = {"Invoices": "HasErrors", "CreditNotes": "HasErrors"}

Builder = Callable[[str, dict[str, Any]], dict[str, Any]]


def envelope(collection: str, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    ms = int(store.now() * 1000)
    return {"Id": store.new_id(), "Status": "OK", "ProviderName": "Ledgerlink",
            "DateTimeUTC": f"/Date({ms})/", **extra, collection: items}


def post_data_invalid(message: str) -> tuple[Response, int]:
    return jsonify({"ErrorNumber": 14, "Type": "PostDataInvalidException",
                    "Message": message}), 400


def not_found() -> tuple[Response, int]:
    return problem(404, "NotFound", "The resource you're looking for cannot be found")


def _bool_arg(name: str, default: bool) -> bool:
    value = request.args.get(name)
    return default if value is None else value.strip().lower() == "true"


def _csv_arg(name: str) -> list[str]:
    value = next((v for k, v in request.args.items() if k.lower() == name.lower()), "")
    return [part.strip() for part in value.split(",") if part.strip()]


# ---------------------------------------------------------------- reading


def list_collection(tenant: str, collection: str) -> tuple[Response, int] | Response:
    if collection == "Organisation":
        org = store.get_data(store.GLOBAL, "organisations", tenant)
        return jsonify(envelope("Organisations", [org] if org else []))
    objects = store.find_data(tenant, collection)
    id_key = ID_KEYS[collection]
    ids = {i.lower() for i in _csv_arg("IDs")}
    if ids:
        objects = [o for o in objects if str(o[id_key]).lower() in ids]
    if collection == "Contacts" and not ids and not _bool_arg("includeArchived", False):
        objects = [o for o in objects if o["ContactStatus"] != "ARCHIVED"]
    if collection == "Invoices":
        numbers = set(_csv_arg("InvoiceNumbers"))
        if numbers:
            objects = [o for o in objects if o.get("InvoiceNumber") in numbers]
        contact_ids = {i.lower() for i in _csv_arg("ContactIDs")}
        if contact_ids:
            objects = [o for o in objects if o["Contact"]["ContactID"].lower() in contact_ids]
        statuses = set(_csv_arg("Statuses"))
        if statuses:
            objects = [o for o in objects if o["Status"] in statuses]
    since = _modified_since()
    if isinstance(since, tuple):
        return since
    if since is not None:
        objects = [o for o in objects if _updated(o) >= since]
    term = (request.args.get("searchTerm") or "").lower()
    if term and collection == "Contacts":
        fields = ("Name", "FirstName", "LastName", "ContactNumber", "CompanyNumber",
                  "EmailAddress")
        objects = [o for o in objects if any(term in str(o.get(f) or "").lower() for f in fields)]
    try:
        if request.args.get("where"):
            keep = where_filter(request.args["where"])
            objects = [o for o in objects if keep(o)]
        if request.args.get("order"):
            objects = order_objects(objects, request.args["order"])
    except QueryError as exc:
        return jsonify({"ErrorNumber": 16, "Type": "QueryParseException",
                        "Message": str(exc)}), 400
    extra: dict[str, Any] = {}
    if request.args.get("page"):
        try:
            page = max(int(request.args["page"]), 1)
            size = min(max(int(request.args.get("pageSize", PAGE_SIZE)), 1), MAX_PAGE_SIZE)
        except ValueError:
            return jsonify({"ErrorNumber": 16, "Type": "QueryParseException",
                            "Message": "page and pageSize must be whole numbers"}), 400
        extra["pagination"] = {"page": page, "pageSize": size,
                               "pageCount": math.ceil(len(objects) / size),
                               "itemCount": len(objects)}
        objects = objects[(page - 1) * size: page * size]
    return jsonify(envelope(collection, objects, **extra))


def _modified_since() -> datetime | None | tuple[Response, int]:
    """The If-Modified-Since header (ISO 8601, as Xero's spec and SDKs send it, or an HTTP
    date), in UTC; None when absent. Xero then lists only what changed since."""
    raw = (request.headers.get("If-Modified-Since") or "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return jsonify({"ErrorNumber": 16, "Type": "QueryParseException",
                            "Message": f"If-Modified-Since is not a date and time: {raw}"}), 400
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _updated(obj: dict[str, Any]) -> datetime:
    """When an object last changed (its UpdatedDateUTC, /Date(ms+0000)/); objects without
    one (tax rates) count as changed always."""
    match = _MSDATE.match(str(obj.get("UpdatedDateUTC") or ""))
    if not match:
        return datetime.max.replace(tzinfo=UTC)
    return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)


def get_one(tenant: str, collection: str, object_id: str) -> tuple[Response, int] | Response:
    """By id, or by number where Xero allows it (/Invoices/INV-0001, /Contacts/{ContactNumber})."""
    found = store.get_data(tenant, collection, object_id)
    if found is None and collection in NUMBER_KEYS:
        key = NUMBER_KEYS[collection]
        found = next((o for o in store.find_data(tenant, collection) if o.get(key) == object_id),
                     None)
    if found is None:
        return not_found()
    return jsonify(envelope(collection, [found]))


# ---------------------------------------------------------------- creating


def elements_of(body: Any, collection: str) -> list[Any]:
    """Xero takes {"Contacts":[...]}, one bare object, or (leniently) a bare array."""
    if isinstance(body, dict) and collection in body:
        items = body[collection]
        if not isinstance(items, list):
            raise Invalid(f"{collection} must be a list")
        return items
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list):
        return body
    raise Invalid("The request body must be a JSON object")


def create_many(tenant: str, collection: str, body: Any, build: Builder,
                answer_key: str | None = None) -> tuple[Response, int]:
    """Create each element in order. summarizeErrors=true (the default): any bad element fails
    the whole request with 400 and nothing is saved; false: 200 with a verdict per element."""
    answer_key = answer_key or collection
    summarize = _bool_arg("summarizeErrors", True)
    try:
        items = elements_of(body, collection)
    except Invalid as exc:
        return post_data_invalid(exc.messages[0])
    if not items:
        return post_data_invalid(f"No {collection} were supplied")
    flag = _ERROR_FLAG.get(collection, "HasValidationErrors")
    results, failed = [], []
    for item in items:
        if not isinstance(item, dict):
            errors, element = ["Each element must be a JSON object"], {}
        else:
            # Builders raise before their first write, so a refused element leaves nothing
            # behind (no savepoints: pysqlite's are unreliable).
            try:
                element = build(tenant, item)
                errors = []
            except Invalid as exc:
                errors, element = exc.messages, dict(item)
        if errors:
            element = element | {
                "ValidationErrors": [{"Message": m} for m in errors], flag: True,
                "StatusAttributeString": "ERROR",
            }
            failed.append(element)
        else:
            element = element | {"StatusAttributeString": "OK"}
        results.append(element)
    if failed and summarize:
        kit_store.rollback()
        return jsonify({"ErrorNumber": 10, "Type": "ValidationException",
                        "Message": "A validation exception occurred", "Elements": failed}), 400
    kit_store.commit()
    return jsonify(envelope(answer_key, results)), 200


def create(tenant: str, collection: str, body: Any) -> tuple[Response, int]:
    unit_dp = unit_decimals(request.args.get("unitdp"))
    builders: dict[str, Builder] = {
        "Contacts": build_contact,
        "Invoices": lambda t, e: build_document(t, e, credit=False, unit_dp=unit_dp),
        "CreditNotes": lambda t, e: build_document(t, e, credit=True, unit_dp=unit_dp),
        "Payments": build_payment,
        "BatchPayments": build_batch_payment,
    }
    if collection not in builders:
        return problem(405, "MethodNotAllowed", f"The sandbox cannot create {collection}")
    return create_many(tenant, collection, body, builders[collection])


def update_contact(tenant: str, contact_id: str, body: Any) -> tuple[Response, int]:
    """POST /Contacts/{ContactID}: change fields, e.g. {"ContactStatus": "ARCHIVED"}."""
    if store.get_data(tenant, "Contacts", contact_id) is None:
        return not_found()

    def _build(t: str, element: dict[str, Any]) -> dict[str, Any]:
        return build_contact(t, element | {"ContactID": contact_id})

    return create_many(tenant, "Contacts", body, _build)


def approve_invoice(tenant: str, invoice_id: str, body: Any) -> tuple[Response, int]:
    """POST /Invoices/{InvoiceID} {"Status": "AUTHORISED"}: approve a draft, as a bookkeeper
    does in Xero. The sandbox changes nothing else on an existing invoice."""
    if store.get_data(tenant, "Invoices", invoice_id) is None:
        return not_found()

    def _build(t: str, element: dict[str, Any]) -> dict[str, Any]:
        invoice = store.get_data(t, "Invoices", invoice_id)
        if element.get("Status") != "AUTHORISED" or invoice["Status"] not in ("DRAFT",
                                                                             "SUBMITTED"):
            raise Invalid("The sandbox only approves draft invoices (Status AUTHORISED).")
        invoice["Status"] = "AUTHORISED"
        invoice["UpdatedDateUTC"] = store.msdate_now()
        store.put(t, "Invoices", invoice_id, invoice, ref=invoice["InvoiceNumber"])
        return invoice

    return create_many(tenant, "Invoices", body, _build)


def allocate(tenant: str, credit_note_id: str, body: Any) -> tuple[Response, int]:
    if store.get_data(tenant, "CreditNotes", credit_note_id) is None:
        return not_found()

    def _build(t: str, element: dict[str, Any]) -> dict[str, Any]:
        return build_allocation(t, credit_note_id, element)

    return create_many(tenant, "Allocations", body, _build)
