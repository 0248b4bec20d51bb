"""QuickBooks Online gets our VAT total (TxnTaxDetail.TotalTax, the XSD's "total tax
override"), and its sandbox honours it as QBO does: the stored TotalTax and TotalAmt are ours."""

from __future__ import annotations

from decimal import Decimal

from connectors.quickbooks_online import payloads
from tests.connectors.test_qbo_payloads import document, violations, wire
from tests.connectors.test_qbo_sandbox import (  # noqa: F401  (fixtures used here)
    _customer,
    _invoice,
    call,
    company,
    fault,
    qbo,
)


def test_invoice_and_credit_memo_carry_our_tax_total_within_the_xsd() -> None:
    record = document()
    for entity, body in (("Invoice", payloads.invoice_payload(record)),
                         ("CreditMemo", payloads.credit_memo_payload(record))):
        assert violations(entity, body) == []
        assert Decimal(str(wire(body)["TxnTaxDetail"]["TotalTax"])) == record.tax_total


def test_the_sandbox_stores_the_tax_total_it_is_given(qbo, company) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    customer = _customer(qbo, company, "Penny Heating")
    # Two lines of 10.03 at 20%: 2.006 each, so 2.01 + 2.01 = 4.02 line by line. A package
    # working on the total (20.06 x 20% = 4.012) would say 4.01; the override settles it.
    lines = [("1", "10.03", "2"), ("1", "10.03", "2")]
    plain = call(qbo, company, "POST", "invoice", _invoice(customer["Id"], lines))
    assert plain.status_code == 200, plain.text
    assert plain.json()["Invoice"]["TxnTaxDetail"]["TotalTax"] == 4.02

    told = call(qbo, company, "POST", "invoice", _invoice(
        customer["Id"], lines, TxnTaxDetail={"TotalTax": 4.01}))
    assert told.status_code == 200, told.text
    invoice = told.json()["Invoice"]
    assert invoice["TxnTaxDetail"]["TotalTax"] == 4.01
    assert invoice["TotalAmt"] == 24.07 and invoice["Balance"] == 24.07
    assert sum(t["Amount"] for t in invoice["TxnTaxDetail"]["TaxLine"]) == 4.01
    read = call(qbo, company, "GET", f"invoice/{invoice['Id']}").json()["Invoice"]
    assert read["TxnTaxDetail"]["TotalTax"] == 4.01

    negative = call(qbo, company, "POST", "invoice", _invoice(
        customer["Id"], lines, TxnTaxDetail={"TotalTax": -1}))
    assert fault(negative)["code"] == "6000"
    unknown = call(qbo, company, "POST", "invoice", _invoice(
        customer["Id"], lines, TxnTaxDetail={"TotalTaxes": 4.01}))
    assert fault(unknown)["code"] == "2010"
