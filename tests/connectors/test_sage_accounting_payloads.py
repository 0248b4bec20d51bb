"""Sage Accounting request bodies against Sage's official Swagger 2.0 spec, read here directly
(../shared/specs/sage-accounting/swagger-v3.1.json; skipped only where that folder is absent):
every field declared, of its declared type, the required ones there; money as JSON numbers with
exactly our digits; idempotency_id stable per record; what is refused before any call.

The walker below is this test's own (a second reading beside the sandbox's checker): every
object schema is closed, as Sage's sandbox treats it, except that a created resource may carry
`idempotency_id` (PACKAGES.md documents it; the spec lacks it).
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors import wire
from connectors.base import (
    Address,
    Allocation,
    ContactRecord,
    DocumentLine,
    DocumentRecord,
    PaymentRecord,
)
from connectors.money_hook import PackageRefs
from connectors.sage_accounting import payloads
from connectors.sage_accounting.settings import SANDBOX_SPECS

SHARED = Path(__file__).resolve().parents[3] / "shared"
SPEC = SHARED / SANDBOX_SPECS["SAGE_SANDBOX_SPEC"]
ROOTS = {"/contacts": "contact", "/sales_invoices": "sales_invoice",
         "/sales_credit_notes": "sales_credit_note",
         "/contact_allocations": "contact_allocation", "/contact_payments": "contact_payment"}
_TYPES = {"string": (str,), "number": (int, Decimal), "integer": (int,), "boolean": (bool,),
          "array": (list,), "object": (dict,)}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"{SPEC} is not here")
    return json.loads(SPEC.read_text())


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _walk(spec: dict[str, Any], schema: dict[str, Any], value: Any, at: str,
          found: list[str], allowed: frozenset[str] = frozenset()) -> None:
    schema = _resolve(spec, schema)
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if kind and (not isinstance(value, _TYPES[kind])
                 or (kind != "boolean" and isinstance(value, bool))):
        found.append(f"{at}: not a {kind} ({value!r})")
        return
    if schema.get("format") == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        found.append(f"{at}: not a date")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{at}: not one of {schema['enum']}")
    if kind == "array":
        for i, item in enumerate(value):
            _walk(spec, schema.get("items", {}), item, f"{at}[{i}]", found)
    if kind == "object":
        properties = schema.get("properties", {})
        found += [f"{at}.{name}: required" for name in schema.get("required", [])
                  if name not in value]
        for name, item in value.items():
            if name in properties:
                _walk(spec, properties[name], item, f"{at}.{name}", found,
                      frozenset({"idempotency_id"}) if at == "" else frozenset())
            elif name not in allowed:
                found.append(f"{at}.{name}: not declared")


def problems(spec: dict[str, Any], path: str, body: dict[str, Any]) -> list[str]:
    """What the spec's POST `path` body parameter says against `body` as it crosses the wire
    (written by connectors/wire.py, read back with numbers as Decimal)."""
    sent = json.loads(wire.dumps(body), parse_float=Decimal)
    param = next(p for p in spec["paths"][path]["post"]["parameters"] if p["in"] == "body")
    found: list[str] = []
    _walk(spec, param["schema"], sent, "", found)
    return found


# --------------------------------------------------------------------------- records
def _line(qty: str, price: str, tax: str, code: str = "4000", rate: str = "GB_STANDARD",
          description: str = "Boiler service") -> DocumentLine:
    amount = (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))
    return DocumentLine(description, Decimal(qty), Decimal(price), code, rate, Decimal("20"),
                        amount, Decimal(tax))


def _document(kind: str = "invoice", amounts_are: str = "exclusive", **changes: Any
              ) -> DocumentRecord:
    lines = (_line("2", "12.3449", "4.94"), _line("1.5", "10", "3.00", code="4010"))
    fields: dict[str, Any] = dict(
        key="key-doc-1", kind=kind, reference="INV-1001", contact_external_id="c" * 32,
        contact_name="Penny Plumbing Ltd", date=date(2026, 10, 15),
        due_date=date(2026, 11, 14) if kind == "invoice" else None, their_reference="PO 7",
        amounts_are=amounts_are, lines=lines, subtotal=Decimal("39.69"),
        tax_total=Decimal("7.94"), total=Decimal("47.63"),
        invoice_external_id="i" * 32 if kind == "credit_note" else None,
        invoice_reference="INV-1000" if kind == "credit_note" else None)
    fields.update(changes)
    return DocumentRecord(**fields)


CONTACT = ContactRecord(key="key-c-1", kind="customer", reference="C0001",
                        name="Penny Plumbing Ltd", email="accounts@penny.example",
                        phone="01234 567890",
                        address=Address("1 High Street", "Flat 2", "Leeds", "LS1 1AA", "GB"))
PAYMENT = PaymentRecord(
    key="key-p-1", kind="payment", reference="Card 77 (P1)", contact_external_id="c" * 32,
    contact_name="Penny Plumbing Ltd", date=date(2026, 10, 20), amount=Decimal("60.00"),
    bank_account_code="1200",
    allocations=(Allocation("i" * 32, "INV-1000", Decimal("40.00")),
                 Allocation("j" * 32, "INV-1001", Decimal("20.00"))))


def test_every_body_is_what_the_spec_declares(spec: dict[str, Any]) -> None:
    bodies = {
        "/contacts": payloads.contact_payload(CONTACT),
        "/sales_invoices": payloads.document_payload_of(_document()),
        "/sales_credit_notes": payloads.document_payload_of(
            _document("credit_note", "inclusive")),
        "/contact_allocations": payloads.allocation_payload(_document("credit_note"),
                                                            "n" * 32, Decimal("24.00")),
        "/contact_payments": payloads.payment_payload(PAYMENT),
    }
    for path, body in bodies.items():
        assert list(body) == [ROOTS[path]], path
        assert problems(spec, path, body) == [], (path, body)


def test_the_check_sees_an_undeclared_field_a_wrong_type_and_a_missing_one(
        spec: dict[str, Any]) -> None:
    """The spec wins over the wire contract: it has no original_invoice_id on a credit note."""
    body = payloads.document_payload_of(_document("credit_note"))
    body["sales_credit_note"]["original_invoice_id"] = "i" * 32
    body["sales_credit_note"]["credit_note_lines"][0]["quantity"] = "2"
    del body["sales_credit_note"]["contact_id"]
    assert problems(spec, "/sales_credit_notes", body) == [
        ".sales_credit_note.contact_id: required",
        ".sales_credit_note.credit_note_lines[0].quantity: not a number ('2')",
        ".sales_credit_note.original_invoice_id: not declared",
    ]


def test_money_goes_out_as_numbers_with_our_digits() -> None:
    text = wire.dumps(payloads.document_payload_of(_document()))
    assert '"unit_price":12.3449' in text and '"quantity":2,' in text
    assert '"tax_amount":4.94' in text and '"tax_amount":3.00' in text
    text = wire.dumps(payloads.payment_payload(PAYMENT))
    assert '"total_amount":60.00' in text and '"amount":40.00' in text


def test_lines_carry_sage_ids_our_vat_and_the_gross_flag() -> None:
    ids = {"4000": "L4000", "4010": "L4010"}.__getitem__
    body = payloads.document_payload_of(_document(amounts_are="inclusive"), ids)
    invoice = body["sales_invoice"]
    assert invoice["reference"] == "INV-1001" and invoice["due_date"] == "2026-11-14"
    assert [ln["ledger_account_id"] for ln in invoice["invoice_lines"]] == ["L4000", "L4010"]
    assert [ln["tax_amount"] for ln in invoice["invoice_lines"]] == [Decimal("4.94"),
                                                                     Decimal("3.00")]
    assert all(ln["unit_price_includes_tax"] is True for ln in invoice["invoice_lines"])
    exclusive = payloads.document_payload_of(_document(), ids)["sales_invoice"]
    assert all("unit_price_includes_tax" not in ln for ln in exclusive["invoice_lines"])
    assert "status_id" not in invoice  # Sage's to set: an invoice starts unpaid


def test_allocation_and_receipt_amounts() -> None:
    note = _document("credit_note")
    allocation = payloads.allocation_payload(note, "n" * 32, Decimal("24"))["contact_allocation"]
    assert allocation["transaction_type_id"] == "CUSTOMER_ALLOCATION"
    assert [(a["artefact_id"], a["amount"]) for a in allocation["allocated_artefacts"]] == [
        ("i" * 32, Decimal("24.00")), ("n" * 32, Decimal("-24.00"))]
    receipt = payloads.payment_payload(PAYMENT, {"1200": "B1200"}.__getitem__)
    receipt = receipt["contact_payment"]
    assert receipt["bank_account_id"] == "B1200" and receipt["reference"] == "Card 77 (P1)"
    assert receipt["transaction_type_id"] == "CUSTOMER_RECEIPT"
    assert [a["amount"] for a in receipt["allocated_artefacts"]] == [Decimal("40.00"),
                                                                     Decimal("20.00")]


def test_idempotency_id_is_stable_per_record_and_per_step() -> None:
    first = payloads.contact_payload(CONTACT)["contact"]["idempotency_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert payloads.contact_payload(CONTACT)["contact"]["idempotency_id"] == first
    renamed = ContactRecord(CONTACT.key, "customer", CONTACT.reference, "Penny Plumbing plc")
    assert payloads.contact_payload(renamed)["contact"]["idempotency_id"] == first
    other = ContactRecord("key-c-2", "customer", "C0002", "Someone Else")
    assert payloads.contact_payload(other)["contact"]["idempotency_id"] != first
    note = _document("credit_note")
    made = payloads.document_payload_of(note)["sales_credit_note"]["idempotency_id"]
    applied = payloads.allocation_payload(note, "n" * 32, Decimal("1"))
    assert applied["contact_allocation"]["idempotency_id"] not in (made, first)
    assert applied == payloads.allocation_payload(note, "n" * 32, Decimal("1"))


@pytest.mark.parametrize("record, field", [
    (ContactRecord("k", "customer", "", "No Code Ltd"), "reference"),
    (ContactRecord("k", "customer", "C" * 51, "Long Code Ltd"), "reference"),
    (ContactRecord("k", "supplier", "S1", "  "), "name"),
    (_document(contact_external_id=""), "contact_id"),
    (_document(lines=()), "invoice_lines"),
    (_document(reference=" "), "reference"),
])
def test_what_sage_must_refuse_is_refused_before_any_call(record: Any, field: str) -> None:
    build = (payloads.contact_payload if isinstance(record, ContactRecord)
             else payloads.document_payload_of)
    with pytest.raises(payloads.PayloadError) as refused:
        build(record)
    assert refused.value.field == field


def test_a_supplier_is_a_vendor_and_an_address_in_words_keeps_its_lines() -> None:
    supplier = ContactRecord("k", "supplier", "S1", "Pipe Supplies",
                             address=Address("2 Low Road", city="York", country="England"))
    contact = payloads.contact_payload(supplier)["contact"]
    assert contact["contact_type_ids"] == ["VENDOR"]
    assert contact["main_address"] == {"address_line_1": "2 Low Road", "city": "York"}
    assert "main_contact_person" not in contact


def test_the_money_hook_is_what_the_pusher_sends() -> None:
    invoice, note = _document(), _document("credit_note")
    hook = payloads.document_payload("invoice", invoice, PackageRefs())
    assert (hook.method, hook.path, hook.body) == (
        "POST", "/sales_invoices", payloads.document_payload_of(invoice))
    applied = payloads.document_payload(
        "credit_applied", note, PackageRefs(credit_note_id="n" * 32, invoice_due=Decimal("10")))
    assert applied is not None and applied.path == "/contact_allocations"
    assert applied.body == payloads.allocation_payload(note, "n" * 32, Decimal("10"))
    assert payloads.document_payload(
        "credit_applied", note, PackageRefs(credit_note_id="n" * 32,
                                            invoice_due=Decimal("0"))) is None
    paid = payloads.document_payload("payment", PAYMENT, PackageRefs())
    assert paid.body == payloads.payment_payload(PAYMENT)
