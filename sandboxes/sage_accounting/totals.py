"""The Sage sandbox's money oracle (sandboxes/kit/oracle.py): its own arithmetic and checks run
on request bodies alone, with no business behind them.

A document's figures come from documents.figures, as create_document stores them; allocations
and receipts go through arithmetic.allocate and arithmetic.receive, as the views do. Tax rate
ids resolve through `rates` (id -> percent) instead of the books; ledger accounts are not
looked up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sandboxes.kit.errors import loads_json
from sandboxes.kit.oracle import Totals, WireRequest
from sandboxes.sage_accounting import arithmetic, rules
from sandboxes.sage_accounting.arithmetic import CREDIT_NOTE, INVOICE, money
from sandboxes.sage_accounting.documents import KINDS, LineBooks, figures
from sandboxes.sage_accounting.replies import Invalid

_KEYS = {"invoice": INVOICE, "credit_note": CREDIT_NOTE}
_SETTLEMENTS = {"/contact_allocations": "contact_allocation",
                "/contact_payments": "contact_payment"}


def _resource(request: WireRequest, path: str, root: str) -> dict[str, Any]:
    if request.method != "POST" or request.path != path:
        raise Invalid(f"{root} is made by POST {path}, not {request.method} {request.path}")
    body = loads_json(request.body)
    if not isinstance(body, dict) or not isinstance(body.get(root), dict):
        raise Invalid(f"{root} is required", root)
    resource = dict(body[root])
    resource.pop("idempotency_id", None)
    return resource


def _rates_only(rates: Mapping[str, Decimal]) -> LineBooks:
    def books(line: dict[str, Any], lines: str
              ) -> tuple[dict[str, Any] | None, dict[str, Any], Decimal]:
        rate_id = line.get("tax_rate_id")
        if not isinstance(rate_id, str) or rate_id not in rates:
            raise Invalid(rules.TAX_RATE_NOT_VALID, f"{lines}.tax_rate_id")
        return None, {"id": rate_id}, Decimal(rates[rate_id])

    return books


def _document(kind: str, request: WireRequest, rates: Mapping[str, Decimal]
              ) -> tuple[dict[str, Any], Totals]:
    key = _KEYS[kind]
    resource = _resource(request, f"/{KINDS[key].collection}", key)
    _lines, sums = figures(KINDS[key], resource, _rates_only(rates))
    total = sums["total_amount"]
    stored = {"total_amount": money(total), "outstanding_amount": money(total),
              "status": arithmetic.status_of(total, total)}
    # As Sage answers them: stored as numbers of pennies, read back as Decimals.
    figures_out = Totals(*(Decimal(str(money(sums[name])))
                           for name in ("net_amount", "tax_amount", "total_amount")))
    return stored, figures_out


def document_totals(kind: str, request: WireRequest, rates: Mapping[str, Decimal]) -> Totals:
    """(net_amount, tax_amount, total_amount) of the invoice or credit note `request` makes."""
    return _document(kind, request, rates)[1]


def amounts_left(documents: Mapping[str, tuple[str, WireRequest]],
                 settlements: Sequence[WireRequest], rates: Mapping[str, Decimal]
                 ) -> dict[str, Decimal]:
    """outstanding_amount of each document in `documents` (Sage's id -> (kind, the request
    making it)) after `settlements` in order (allocations and receipts). Raises Invalid, in
    Sage's words, where Sage refuses one."""
    made = {doc_id: (_KEYS[kind], _document(kind, request, rates)[0])
            for doc_id, (kind, request) in documents.items()}

    def resolve(artefact_id: str) -> tuple[str, dict[str, Any]] | None:
        return made.get(artefact_id)

    for request in settlements:
        root = _SETTLEMENTS.get(request.path)
        if root is None:
            raise Invalid(f"the sandbox settles no documents with {request.method} "
                          f"{request.path}")
        resource = _resource(request, request.path, root)
        if root == "contact_allocation":
            arithmetic.allocate(resource, resolve)
        else:
            arithmetic.receive(resource, resolve)
    return {doc_id: arithmetic.outstanding(doc) for doc_id, (_key, doc) in made.items()}
