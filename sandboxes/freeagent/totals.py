"""The FreeAgent sandbox's money oracle (sandboxes/kit/oracle.py): its own arithmetic and checks
run on request bodies alone, with no company behind them.

A document's figures come from documents.figures, as create_document stores them; payments and
credits go through settlements.check_payment / check_reconciliation and arithmetic.settle, as
the views do. FreeAgent's bodies carry each item's VAT rate itself (`sales_tax_rate`), not a
code, so `rates` is not needed to read them; categories are not looked up (the test's codes are
placeholders), an item without a rate taking the seeded chart's rate for its category, else 0.
Documents count as marked sent: the connector marks each before paying or crediting it.
Paths are taken with or without the /v2 in front (the connector's API base may hold it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sandboxes.freeagent import arithmetic, settlements
from sandboxes.freeagent import store as store
from sandboxes.freeagent.arithmetic import signed
from sandboxes.freeagent.documents import AUTO_RATES, KINDS, Kind, figures
from sandboxes.freeagent.replies import Invalid
from sandboxes.kit.errors import loads_json
from sandboxes.kit.oracle import Totals, WireRequest

_SETTLEMENTS = {"/bank_transaction_explanations": "bank_transaction_explanation",
                "/credit_note_reconciliations": "credit_note_reconciliation"}
# The seeded income categories' rates, for an item that names none.
_SEEDED = {"001": AUTO_RATES["Standard rate"], "002": AUTO_RATES["Standard rate"]}


def _path(request: WireRequest) -> str:
    path = "/" + request.path.lstrip("/")
    return path[3:] if path.startswith("/v2/") else path


def _resource(request: WireRequest, path: str, root: str) -> dict[str, Any]:
    if request.method != "POST" or _path(request) != path:
        raise Invalid(f"a {root} is made by POST {path}, not {request.method} {request.path}")
    body = loads_json(request.body)
    if not isinstance(body, dict) or not isinstance(body.get(root), dict):
        raise Invalid(f"{root} is required")
    return dict(body[root])


def _category_of(reference: Any) -> tuple[str, Decimal]:
    code = store.referenced(reference, "categories") or ""
    return str(reference or ""), _SEEDED.get(code, Decimal("0"))


def _document(kind: Kind, request: WireRequest) -> tuple[dict[str, Any], Totals]:
    resource = _resource(request, f"/{kind.collection}", kind.key)
    _items, sums = figures(kind, resource, _category_of)
    credit = kind.key == "credit_note"
    stored = {"total_value": signed(sums["total"], credit),
              "due_value": signed(sums["total"], credit), "paid_value": "0.0",
              "contact": str(resource.get("contact") or ""),
              store.PRIVATE: {"kind": kind.key, "sent": True}}
    return stored, Totals(sums["net"], sums["vat"], sums["total"])


def document_totals(kind: str, request: WireRequest, rates: Mapping[str, Decimal]) -> Totals:
    """(net, VAT, total) of the invoice or credit note `request` makes, as positive amounts
    (FreeAgent answers a credit note's negative)."""
    return _document(KINDS[kind], request)[1]


def _resolver(made: Mapping[str, dict[str, Any]]) -> Any:
    def resolve(value: Any, collection: str) -> dict[str, Any] | None:
        if not isinstance(value, str):
            return None
        for doc_id, document in made.items():
            wanted = (document[store.PRIVATE]["kind"] == "invoice") == (collection == "invoices")
            if wanted and (value == doc_id or store.referenced(value, collection) == doc_id):
                return document
        return None

    return resolve


def amounts_left(documents: Mapping[str, tuple[str, WireRequest]],
                 settlements_made: Sequence[WireRequest], rates: Mapping[str, Decimal]
                 ) -> dict[str, Decimal]:
    """What each document in `documents` (FreeAgent's id -> (kind, the request making it))
    still owes (an invoice) or has left (a credit note, as a positive amount) after
    `settlements_made` in order. Raises Invalid, in FreeAgent's words, where it refuses one."""
    made = {doc_id: _document(KINDS[kind], request)[0]
            for doc_id, (kind, request) in documents.items()}
    resolve = _resolver(made)
    for request in settlements_made:
        root = _SETTLEMENTS.get(_path(request))
        if root is None:
            raise Invalid(f"the sandbox settles no documents with {request.method} "
                          f"{request.path}")
        resource = _resource(request, _path(request), root)
        if root == "bank_transaction_explanation":
            invoice, gross = settlements.check_payment(
                resource, resolve(resource.get("paid_invoice"), "invoices"))
            arithmetic.settle(invoice, gross, paid=True)
        else:
            invoice, credit, gross = settlements.check_reconciliation(
                resource, resolve(resource.get("invoice"), "invoices"),
                resolve(resource.get("credit_note"), "credit_notes"))
            arithmetic.settle(invoice, gross, paid=False)
            arithmetic.settle(credit, gross, paid=False)
    return {doc_id: arithmetic.due(document) for doc_id, document in made.items()}
