"""What we report (app/records/totals.py) and what we send (app/sync/canonical.py) agree on a
line whose tax rate the company does not have: both refuse, with the rate named. Sending it at
0% (as the send path once did) would put the wrong VAT in the books."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.models import Document, DocumentLine, Payment, PaymentAllocation
from app.money import UnknownTaxRate
from app.records.totals import document_totals
from app.sync.canonical import Chart, document_figures, preflight


def _invoice(*rate_keys: str) -> Document:
    return Document(kind="invoice", number="INV-9", amounts_are="exclusive", lines=[
        DocumentLine(description=f"Line {n}", quantity=Decimal("1"),
                     unit_price=Decimal("100.00"), account_key="sales", tax_rate_key=key)
        for n, key in enumerate(rate_keys, start=1)
    ])


def _chart() -> Chart:
    return Chart(account_codes={"sales": "200", "bank": "090"},
                 tax_names={"standard": "Standard 20%"}, tax_rates={"standard": Decimal("20")},
                 tax_codes={"standard": "OUTPUT2"})


def test_both_totals_paths_refuse_an_unknown_tax_rate_alike() -> None:
    doc = _invoice("standard", "reduced_5")
    chart = _chart()
    with pytest.raises(UnknownTaxRate) as reported:
        document_totals(doc.lines, doc.amounts_are, chart.tax_rates)
    with pytest.raises(UnknownTaxRate) as sent:
        document_figures(doc, chart)
    assert reported.value.key == sent.value.key == "reduced_5"
    assert str(sent.value) == "the tax rate 'reduced_5' is not one of the company's tax rates"


def test_with_every_rate_known_both_paths_give_the_same_totals() -> None:
    doc = _invoice("standard", "standard")
    chart = _chart()
    reported = document_totals(doc.lines, doc.amounts_are, chart.tax_rates)
    _, subtotal, tax, total = document_figures(doc, chart)
    assert (reported.subtotal, reported.tax, reported.total) == (subtotal, tax, total)
    assert total == Decimal("240.00")


def test_a_payment_against_an_invoice_with_an_unknown_rate_is_held_as_unmapped() -> None:
    invoice = _invoice("reduced_5")
    payment = Payment(amount=Decimal("50.00"), bank_account_key="bank",
                      allocations=[PaymentAllocation(invoice=invoice, amount=Decimal("50.00"))])
    problem = preflight("payment", payment, _chart())
    assert problem is not None
    assert (problem.reason, problem.details["key"]) == ("unmapped_tax_rate", "reduced_5")
