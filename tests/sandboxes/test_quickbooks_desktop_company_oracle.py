"""The QuickBooks Desktop sandbox's money oracle (sandboxes/quickbooks_desktop/totals.py) on
the documents our renderer writes: the same figures as the company file makes of them, what
is left after payments and an applied credit, refusals beyond the balance, and VAT worked out
on the net Amount sent unless the line states its TaxAmount."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

import pytest
from lxml import etree

from connectors.base import Allocation
from connectors.quickbooks_desktop import qbxml
from sandboxes.kit.oracle import Totals
from tests.sandboxes import test_quickbooks_desktop_company as harness
from tests.sandboxes.test_quickbooks_desktop_company import add_customer
from tests.sandboxes.test_quickbooks_desktop_company_documents import (
    add,
    credit_note,
    invoice,
    line,
    payment,
)

qb_schema, qbd, company = harness.qb_schema, harness.qbd, harness.company
D = Decimal
INVOICE_ID, CREDIT_ID = "placeholder-invoice", "placeholder-credit-note"


class Wire(NamedTuple):
    method: str
    path: str
    params: dict[str, str]
    body: bytes


def wire(*requests: etree._Element) -> Wire:
    return Wire("POST", "/qbxml", {}, qbxml.envelope(list(requests)))


def test_the_oracle_and_the_company_file_agree_to_the_penny(qbd, company) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_desktop import totals

    customer_id = add_customer(qbd, company, "Hollis & Daughters Ltd")
    record = invoice(customer_id, lines=(
        line(),
        line(quantity=D("3"), unit_price=D("0.125"), line_amount=D("0.38"),
             tax_amount=D("0.02"), tax_code="R"),
        line(tax_code="Z", quantity=D("1"), unit_price=D("9.99"), line_amount=D("9.99"),
             tax_amount=D("0"))),
        subtotal=D("133.82"), tax_total=D("24.71"), total=D("158.53"))
    rq = qbxml.invoice_add(record, "1")
    theirs = totals.document_totals("invoice", wire(rq), {})
    assert theirs == Totals(record.subtotal, record.tax_total, record.total)
    made = add(qbd, company, rq)
    assert (D(made.findtext("Subtotal")), D(made.findtext("SalesTaxTotal")),
            D(made.findtext("BalanceRemaining"))) == tuple(theirs)


def test_what_is_left_after_a_credit_and_payments() -> None:
    from sandboxes.quickbooks_desktop import totals

    rates = {"S": D("20"), "Z": D("0")}
    record = invoice("C1", lines=(line(tax_code="S", account_code="SALES-CODE"),))
    credit = credit_note("C1", INVOICE_ID, lines=(line(
        tax_code="S", quantity=D("1"), unit_price=D("10"), line_amount=D("10.00"),
        tax_amount=D("2.00")),))
    documents = {INVOICE_ID: ("invoice", wire(qbxml.invoice_add(record, "1"))),
                 CREDIT_ID: ("credit_note", wire(qbxml.credit_memo_add(credit, "2")))}
    settlements = [
        wire(qbxml.apply_credit_add(credit, CREDIT_ID, D("12.00"), "3")),
        wire(qbxml.receive_payment_add(payment("C1", Allocation(INVOICE_ID, "INV-1001",
                                                                D("100.00")),
                                               amount=D("100.00")), "4")),
    ]
    left = totals.amounts_left(documents, settlements, rates)
    assert left == {INVOICE_ID: D("148.14") - D("12.00") - D("100.00"), CREDIT_ID: D("0.00")}
    over = wire(qbxml.receive_payment_add(payment("C1", Allocation(INVOICE_ID, "INV-1001",
                                                                   D("36.15")),
                                                  amount=D("36.15")), "5"))
    from sandboxes.quickbooks_desktop.replies import Refusal

    with pytest.raises(Refusal) as refused:
        totals.amounts_left(documents, [*settlements, over], rates)
    assert refused.value.code == 3180
    with pytest.raises(Refusal) as unknown:
        totals.document_totals("invoice", wire(qbxml.invoice_add(invoice(
            "C1", lines=(line(tax_code="T9"),)), "6")), rates)
    assert unknown.value.code == 3140


def test_vat_is_on_the_net_amount_sent_unless_the_line_states_its_tax_amount() -> None:
    from sandboxes.quickbooks_desktop import totals

    # 0.63 including VAT at 20%: ours is 0.11 VAT (0.63 / 6 = 0.105, a half penny up) on 0.52.
    record = invoice("C1", amounts_are="inclusive", lines=(line(
        quantity=D("1"), unit_price=D("0.63"), line_amount=D("0.63"), tax_amount=D("0.11")),),
        subtotal=D("0.52"), tax_total=D("0.11"), total=D("0.63"))
    rq = qbxml.invoice_add(record, "1")
    assert rq.findtext("InvoiceAdd/InvoiceLineAdd/Amount") == "0.52"
    # Our renderer states the line's VAT, and QuickBooks takes it: 0.63, as ours.
    assert rq.findtext("InvoiceAdd/InvoiceLineAdd/TaxAmount") == "0.11"
    assert totals.document_totals("invoice", wire(rq), {}) == Totals(D("0.52"), D("0.11"),
                                                                     D("0.63"))
    # Without it QuickBooks works VAT out on the 0.52 it is sent: 0.104, so 0.10.
    stated = rq.find("InvoiceAdd/InvoiceLineAdd/TaxAmount")
    stated.getparent().remove(stated)
    assert totals.document_totals("invoice", wire(rq), {}) == Totals(D("0.52"), D("0.10"),
                                                                     D("0.62"))
