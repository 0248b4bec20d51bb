"""The FreeAgent sandbox's money oracle (sandboxes/freeagent/totals.py) against the sandbox
itself over HTTP: the same bodies give the same figures and the same amounts left, because both
run one arithmetic; and its contract hook's revoke and reasons."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any, NamedTuple

import pytest

from connectors.base import Credentials
from sandboxes.freeagent import contract, totals
from sandboxes.freeagent.replies import Invalid
from tests.sandboxes.freeagent_client import (  # noqa: F401  (fixtures)
    bank_url,
    call,
    co,
    contact,
    created,
    credit_body,
    fa,
    invoice_body,
    item,
    read,
    refusal,
    sent,
)


class Wire(NamedTuple):
    method: str
    path: str
    params: dict[str, str]
    body: bytes


def _wire(path: str, body: dict[str, Any]) -> Wire:
    return Wire("POST", path, {}, json.dumps(body).encode())


def _items(co: dict[str, Any], rng: random.Random, count: int) -> list[dict[str, Any]]:  # noqa: F811
    rates = ["20.0", "5.0", "0.0"]
    return [item(co, str(Decimal(rng.randint(1, 400)).scaleb(-2)),
                 str(Decimal(rng.randint(1, 10**6) * 10 + 5).scaleb(-4)), rng.choice(rates))
            for _ in range(count)]


def test_the_oracle_gives_the_figures_the_sandbox_answers(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    rng = random.Random(10)
    customer = contact(co)
    for n in range(4):
        body = invoice_body(customer["url"], _items(co, rng, rng.randint(1, 12)))
        answered = created(co, "/invoices", body)["invoice"]
        oracle = totals.document_totals("invoice", _wire("/invoices", body), {})
        assert oracle == (Decimal(answered["net_value"]), Decimal(answered["sales_tax_value"]),
                          Decimal(answered["total_value"])), n
        credit = credit_body(customer["url"], _items(co, rng, 3))
        made = created(co, "/credit_notes", credit)["credit_note"]
        # The oracle answers a credit note's figures as positive amounts.
        assert totals.document_totals("credit_note", _wire("/v2/credit_notes", credit), {}) == (
            -Decimal(made["net_value"]), -Decimal(made["sales_tax_value"]),
            -Decimal(made["total_value"]))


def test_the_oracle_leaves_what_the_sandbox_leaves(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = contact(co)
    invoice_req = invoice_body(customer["url"], [item(co, "3", "33.335"), item(co, "1", "9.99")])
    credit_req = credit_body(customer["url"], [item(co, "1", "10.01", "5.0")])
    invoice = sent(co, "/invoices", invoice_req)
    credit = sent(co, "/credit_notes", credit_req)
    reconcile = {"credit_note_reconciliation": {"invoice": invoice["url"],
                                                "credit_note": credit["url"],
                                                "gross_value": "10.51", "dated_on": "2024-05-03"}}
    pay = {"bank_transaction_explanation": {"bank_account": bank_url(co), "dated_on": "2024-05-09",
                                            "description": "P1", "gross_value": "50.00",
                                            "paid_invoice": invoice["url"]}}
    created(co, "/credit_note_reconciliations", reconcile)
    created(co, "/bank_transaction_explanations", pay)
    left = totals.amounts_left(
        {invoice["url"]: ("invoice", _wire("/invoices", invoice_req)),
         credit["url"]: ("credit_note", _wire("/credit_notes", credit_req))},
        [_wire("/credit_note_reconciliations", reconcile),
         _wire("/bank_transaction_explanations", pay)], {})
    now_invoice = read(call(co, "GET", invoice["url"]))["invoice"]
    now_credit = read(call(co, "GET", credit["url"]))["credit_note"]
    assert left == {invoice["url"]: Decimal(now_invoice["due_value"]),
                    credit["url"]: -Decimal(now_credit["due_value"])}
    assert left[credit["url"]] == 0 and left[invoice["url"]] == Decimal("71.49")


def test_the_oracle_refuses_in_freeagents_words() -> None:
    invoice_req = invoice_body("placeholder-contact", [{"description": "X", "quantity": "1",
                                                        "price": "10", "sales_tax_rate": "20"}])
    overdrawn = {"credit_note_reconciliation": {"invoice": "placeholder-invoice",
                                                "credit_note": "placeholder-credit",
                                                "gross_value": "1.00", "dated_on": "2024-05-03"}}
    with pytest.raises(Invalid, match="Credit note not found for this company"):
        totals.amounts_left({"placeholder-invoice": ("invoice", _wire("/invoices", invoice_req))},
                            [_wire("/credit_note_reconciliations", overdrawn)], {})
    with pytest.raises(Invalid, match="sales tax rate is not a valid VAT rate"):
        totals.document_totals("invoice", _wire("/invoices", invoice_body(
            "c", [{"description": "X", "price": "1", "sales_tax_rate": "17.5"}])), {})


def test_the_hook_revokes_and_provokes_every_reason_of_the_wire_contract(fa, co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    contract.revoke({}, Credentials(access_token=co["access_token"],
                                    refresh_token=co["refresh_token"]))
    assert refusal(call(co, "GET", "/company")) == (401, ["Access token not recognised"])
    with pytest.raises(AssertionError, match="no grant"):
        contract.revoke({}, Credentials(access_token="never", refresh_token="issued"))
    assert {p.reason for p in contract.PROVOCATIONS} == {
        "contact_missing", "duplicate_reference", "duplicate_name", "account_unknown",
        "tax_rate_unknown", "invoice_missing", "invoice_draft", "amount_exceeds_due",
        "validation"}
    assert contract.CONTACTS_PER_PAGE == 100
