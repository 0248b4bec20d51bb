"""The accounting endpoints of the QuickBooks Online sandbox (below /v3/company/{realmId}):
reading by id, the query language, creates and updates, and batches."""

from __future__ import annotations

import os
from typing import Any

from flask import current_app

from sandboxes.quickbooks_online import query as query_language
from sandboxes.quickbooks_online import store as store
from sandboxes.quickbooks_online.documents import build_payment, build_sales_document
from sandboxes.quickbooks_online.rules import (
    Books,
    Fault,
    build_item,
    build_name,
    unsupported,
)

# URL segment -> entity name, for the entities the sandbox creates.
WRITABLE = {"customer": "Customer", "vendor": "Vendor", "invoice": "Invoice",
            "creditmemo": "CreditMemo", "payment": "Payment", "item": "Item"}
READABLE = WRITABLE | {"account": "Account", "taxcode": "TaxCode", "taxrate": "TaxRate",
                       "companyinfo": "CompanyInfo", "employee": "Employee"}
QUERYABLE = {name.lower(): name for name in READABLE.values()}
NAME_LISTS = {"Customer", "Vendor", "Item", "Account", "TaxCode", "TaxRate", "Employee"}
MAX_BATCH = 30


def with_time(payload: dict[str, Any]) -> dict[str, Any]:
    return payload | {"time": store.response_time()}


def fault_body(fault: Fault) -> dict[str, Any]:
    return with_time({"Fault": fault.body()})


def xsd_path() -> str:
    return str(current_app.config.get("QBO_SANDBOX_XSD") or os.environ.get("QBO_SANDBOX_XSD")
               or "")


def check_xsd(entity: str, body: Any, where: str = "") -> None:
    """When QBO_SANDBOX_XSD names Finance.xsd, refuse keys its types do not define."""
    path = xsd_path()
    if not path:
        return
    # Imported here: lxml is only needed when the check is switched on.
    from sandboxes.quickbooks_online.schema import violations

    problems = violations(path, entity, body, where or entity)
    if problems:
        raise unsupported("; ".join(problems[:5]), "does not match Finance.xsd")


def get_one(realm: str, entity: str, object_id: str) -> tuple[dict[str, Any], int]:
    if entity == "CompanyInfo" and object_id == realm:
        # Intuit documents GET companyinfo/{realmId}; the object's own Id is "1".
        object_id = "1"
    found = store.get_data(realm, entity, object_id)
    if found is None:
        fault = Fault("610", "Object Not Found",
                      f"Object Not Found : Something you're trying to use has been made inactive "
                      f"or deleted. Check the fields with accounts, customers, items, vendors or "
                      f"employees. {entity} Id={object_id}")
        return fault_body(fault), 400
    return with_time({entity: found}), 200


def run_query(realm: str, text: str) -> dict[str, Any]:
    """The QueryResponse for one query; Fault 4000 when it cannot be read."""
    try:
        parsed = query_language.parse(text)
    except query_language.QueryError as exc:
        raise Fault("4000", "Error parsing query", f"QueryParserError: {exc}") from exc
    entity = QUERYABLE.get(parsed.entity.lower())
    if entity is None:
        raise Fault("4001", "Invalid query",
                    f"QueryValidationError: Unsupported Entity {parsed.entity}")
    objects = query_language.run(parsed, store.find_data(realm, entity), entity in NAME_LISTS)
    if parsed.count:
        return {"totalCount": len(objects)}
    if not objects:
        return {}  # QBO answers an empty result with an empty QueryResponse
    return {entity: objects, "startPosition": parsed.start, "maxResults": len(objects)}


def create(books: Books, entity: str, body: Any, where: str = "") -> dict[str, Any]:
    """Create (or, for customers and vendors with an Id, update) one entity."""
    if not isinstance(body, dict):
        raise unsupported(where or entity, "the request body must be a JSON object")
    check_xsd(entity, body, where)
    if entity in ("Customer", "Vendor"):
        return build_name(books, entity, body)
    if entity == "Item":
        return build_item(books, body)
    if entity in ("Invoice", "CreditMemo"):
        return build_sales_document(books, entity, body)
    return build_payment(books, body)


def batch(realm: str, body: Any) -> tuple[dict[str, Any], int]:
    """POST batch: each item on its own, all against the books as they were at the start."""
    if not isinstance(body, dict) or not isinstance(body.get("BatchItemRequest"), list):
        raise unsupported("BatchItemRequest", "must be a list of batch items")
    items = body["BatchItemRequest"]
    if set(body) - {"BatchItemRequest"}:
        raise unsupported(next(iter(set(body) - {"BatchItemRequest"})))
    if not items:
        raise unsupported("BatchItemRequest", "must not be empty")
    if len(items) > MAX_BATCH:
        raise Fault("1040", "Batch request exceeds the maximum number of items",
                    f"The batch has {len(items)} items; at most {MAX_BATCH} are allowed.",
                    "BatchItemRequest")
    books = Books(realm)
    answers = []
    for index, item in enumerate(items):
        bid = str(item.get("bId", index + 1)) if isinstance(item, dict) else str(index + 1)
        try:
            answers.append({"bId": bid} | _batch_item(books, item, index))
        except Fault as fault:
            answers.append({"bId": bid, "Fault": fault.body()})
    return with_time({"BatchItemResponse": answers}), 200


def _batch_item(books: Books, item: Any, index: int) -> dict[str, Any]:
    where = f"BatchItemRequest[{index}]"
    if not isinstance(item, dict):
        raise unsupported(where, "must be an object")
    if "Query" in item:
        if not isinstance(item["Query"], str):
            raise unsupported(f"{where}.Query", "must be a string")
        return {"QueryResponse": run_query(books.realm, item["Query"])}
    entities = [k for k in item if k not in ("bId", "operation", "optionsData")]
    if len(entities) != 1 or entities[0] not in WRITABLE.values():
        raise unsupported(f"{where}.{entities[0] if entities else 'entity'}",
                          "must be exactly one of " + ", ".join(WRITABLE.values()))
    entity = entities[0]
    operation = item.get("operation", "create")
    if operation not in ("create", "update"):
        raise unsupported(f"{where}.operation", "must be create or update in the sandbox")
    body = item[entity]
    if not isinstance(body, dict):
        raise unsupported(f"{where}.{entity}", "must be an object")
    if (operation == "update") != (body.get("Id") is not None):
        raise unsupported(f"{where}.operation", "update needs an Id; create must not have one")
    created = create(books, entity, body, f"{where}.{entity}")
    if operation == "create":
        # Later items resolve references against the books as they were at the start.
        books.hidden.setdefault(entity, set()).add(created["Id"])
    return {entity: created}
