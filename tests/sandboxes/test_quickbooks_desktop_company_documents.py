"""Invoices, credit memos and payments in the QuickBooks Desktop company simulator, sent as our
renderer writes them and read with our reader: totals to the penny (lines post through items,
VAT by each line's sales tax code), every reference checked (3140, 3120), RefNumber not unique,
payments refused beyond what an invoice owes, credit memos applied through SetCredit, and the
look-ups by RefNumber. Every response is validated against the qbXML 13.0 schema."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from connectors.base import Allocation, DocumentLine, DocumentRecord, PaymentRecord, Sent
from connectors.quickbooks_desktop import qbxml, responses
from tests.sandboxes import test_quickbooks_desktop_company as harness
from tests.sandboxes.test_quickbooks_desktop_company import add_customer, ok, send

# The harness's fixtures, used here by name.
qb_schema, qbd, company = harness.qb_schema, harness.qbd, harness.company

D = Decimal
CUSTOMER = "Hollis & Daughters Ltd"


def line(**changes: Any) -> DocumentLine:
    fields: dict[str, Any] = dict(
        description="Replace kitchen tap", quantity=D("2"), unit_price=D("61.725"),
        account_code="Labour", tax_code="S", tax_rate=D("20"), line_amount=D("123.45"),
        tax_amount=D("24.69"))
    fields.update(changes)
    return DocumentLine(**fields)


def invoice(customer_id: str, **changes: Any) -> DocumentRecord:
    fields: dict[str, Any] = dict(
        key="i-1", kind="invoice", reference="INV-1001", contact_external_id=customer_id,
        contact_name=CUSTOMER, date=date(2026, 11, 2), due_date=date(2026, 12, 2),
        their_reference="PO 778", amounts_are="exclusive",
        lines=(line(), line(description="Parts", quantity=D("1"), unit_price=D("9.99"),
                            account_code="Parts:Fittings", line_amount=D("9.99"),
                            tax_amount=D("2.00"))),
        subtotal=D("133.44"), tax_total=D("26.69"), total=D("160.13"))
    fields.update(changes)
    return DocumentRecord(**fields)


def credit_note(customer_id: str, invoice_id: str, **changes: Any) -> DocumentRecord:
    fields: dict[str, Any] = dict(
        kind="credit_note", key="cn-1", reference="CN-17", their_reference="",
        lines=(line(quantity=D("1"), unit_price=D("50"), line_amount=D("50.00"),
                    tax_amount=D("10.00")),),
        subtotal=D("50.00"), tax_total=D("10.00"), total=D("60.00"), due_date=None,
        invoice_external_id=invoice_id, invoice_reference="INV-1001")
    fields.update(changes)
    return invoice(customer_id, **fields)


def payment(customer_id: str, *allocations: Allocation, amount: Decimal,
            bank: str = "Current Account") -> PaymentRecord:
    return PaymentRecord(key="p-1", kind="payment", reference="BACS 20/11 Hollis",
                         contact_external_id=customer_id, contact_name=CUSTOMER,
                         date=date(2026, 11, 20), amount=amount, bank_account_code=bank,
                         allocations=allocations)


def add(qbd: dict[str, Any], company: str, rq: etree._Element) -> etree._Element:
    return ok(qbd, company, rq).rets[0]


def money(ret: etree._Element, path: str) -> Decimal:
    return D(ret.findtext(path))


def refusal(qbd: dict[str, Any], company: str, rq: etree._Element) -> responses.Answer:
    [answer] = responses.answers(send(qbd, company, rq))
    assert answer.severity == "Error" and not answer.rets
    return answer


def books(company: str, collection: str) -> list[dict[str, Any]]:
    from sandboxes.quickbooks_desktop import store

    return store.find_data(company, collection)


# --------------------------------------------------------------------------- invoices
def test_an_invoice_totals_to_the_penny_as_our_record_does(qbd, company) -> None:  # type: ignore[no-untyped-def]
    customer_id = add_customer(qbd, company, CUSTOMER)
    record = invoice(customer_id)
    answer = ok(qbd, company, qbxml.invoice_add(record, "1"))
    [ret] = answer.rets
    assert responses.outcome(answer, record) == Sent(ret.findtext("TxnID"))
    assert ret.findtext("RefNumber") == "INV-1001" and ret.findtext("TxnNumber")
    assert money(ret, "Subtotal") == record.subtotal
    assert money(ret, "SalesTaxTotal") == record.tax_total
    assert money(ret, "BalanceRemaining") == record.total
    assert ret.findtext("IsPaid") == "false"
    assert ret.findtext("CustomerRef/ListID") == customer_id
    assert ret.findtext("ARAccountRef/FullName") == "Accounts Receivable"
    lines = ret.findall("InvoiceLineRet")
    assert [(x.findtext("ItemRef/FullName"), x.findtext("Amount"), x.findtext("TaxAmount"))
            for x in lines] == [("Labour", "123.45", "24.69"), ("Parts:Fittings", "9.99", "2.00")]
    [stored] = books(company, "customers")
    assert stored["Balance"] == "160.13"


def test_quantity_times_rate_when_amount_is_absent_and_codes_without_vat(qbd, company) -> None:  # type: ignore[no-untyped-def]
    customer_id = add_customer(qbd, company, CUSTOMER)
    record = invoice(customer_id, lines=(
        line(quantity=D("3"), unit_price=D("12.345"), line_amount=D("37.04"),
             tax_amount=D("7.41")),
        line(tax_code="Z", line_amount=D("10.00"), tax_amount=D("0"), quantity=D("1"),
             unit_price=D("10")),
        line(tax_code="E", line_amount=D("5.55"), tax_amount=D("0"), quantity=D("1"),
             unit_price=D("5.55"), account_code="Call-out charge")))
    rq = qbxml.invoice_add(record, "1")
    first = rq.find("InvoiceAdd/InvoiceLineAdd")
    first.remove(first.find("Amount"))  # 3 x 12.345 = 37.035: QuickBooks rounds it
    ret = add(qbd, company, rq)
    assert [x.findtext("Amount") for x in ret.findall("InvoiceLineRet")] == [
        "37.04", "10.00", "5.55"]
    assert (money(ret, "Subtotal"), money(ret, "SalesTaxTotal")) == (D("52.59"), D("7.41"))
    assert money(ret, "BalanceRemaining") == D("60.00")


def test_invalid_references_are_refused_and_nothing_is_written(qbd, company) -> None:  # type: ignore[no-untyped-def]
    customer_id = add_customer(qbd, company, CUSTOMER)
    unknown_customer = invoice("", contact_name="Nobody Ltd")
    answer = refusal(qbd, company, qbxml.invoice_add(unknown_customer, "1"))
    assert answer.status_code == 3140
    assert answer.message == ('There is an invalid reference to QuickBooks Customer '
                              '"Nobody Ltd" in the Invoice.')
    assert responses.outcome(answer, unknown_customer).reason == "contact_missing"  # type: ignore[union-attr]
    bad_item = invoice(customer_id, lines=(line(account_code="Plumbing"),))
    answer = refusal(qbd, company, qbxml.invoice_add(bad_item, "2"))
    assert (answer.status_code, responses.outcome(answer, bad_item).reason) == (  # type: ignore[union-attr]
        3140, "account_unknown")
    assert '"Plumbing"' in answer.message
    bad_code = invoice(customer_id, lines=(line(tax_code="T1"),))
    answer = refusal(qbd, company, qbxml.credit_memo_add(replace(
        bad_code, kind="credit_note", due_date=None), "3"))
    assert answer.message == ('There is an invalid reference to QuickBooks Sales Tax Code '
                              '"T1" in the Credit Memo.')
    assert responses.outcome(answer, bad_code).reason == "tax_rate_unknown"  # type: ignore[union-attr]
    rq = qbxml.invoice_add(invoice(customer_id), "4")
    ar = etree.Element("ARAccountRef")
    etree.SubElement(ar, "FullName").text = "Current Account"  # a bank, not A/R
    rq.find("InvoiceAdd/CustomerRef").addnext(ar)
    assert refusal(qbd, company, rq).status_code == 3140
    assert books(company, "invoices") == [] and books(company, "credit_memos") == []
    assert books(company, "customers")[0]["Balance"] == "0.00"


def test_ref_number_is_not_unique_and_the_look_up_finds_both(qbd, company) -> None:  # type: ignore[no-untyped-def]
    customer_id = add_customer(qbd, company, CUSTOMER)
    first = add(qbd, company, qbxml.invoice_add(invoice(customer_id), "1"))
    second = add(qbd, company, qbxml.invoice_add(invoice(customer_id), "2"))
    assert first.findtext("TxnID") != second.findtext("TxnID")
    assert int(second.findtext("TxnNumber")) == int(first.findtext("TxnNumber")) + 1
    found = responses.transactions(send(qbd, company, qbxml.invoice_query("3", "inv-1001")),
                                   "3")
    assert [(t.txn_id, t.balance) for t in found] == [
        (first.findtext("TxnID"), D("160.13")), (second.findtext("TxnID"), D("160.13"))]


# --------------------------------------------------------------------------- payments
def _two_invoices(qbd: dict[str, Any], company: str) -> tuple[str, str, str]:
    customer_id = add_customer(qbd, company, CUSTOMER)
    one = add(qbd, company, qbxml.invoice_add(invoice(customer_id), "i1")).findtext("TxnID")
    two = add(qbd, company, qbxml.invoice_add(invoice(
        customer_id, reference="INV-1002", lines=(line(line_amount=D("8.33"),
                                                      tax_amount=D("1.67")),),
        subtotal=D("8.33"), tax_total=D("1.67"), total=D("10.00")), "i2")).findtext("TxnID")
    return customer_id, one, two


def test_a_payment_pays_invoices_and_says_what_they_still_owe(qbd, company) -> None:  # type: ignore[no-untyped-def]
    customer_id, one, two = _two_invoices(qbd, company)
    record = payment(customer_id, Allocation(one, "INV-1001", D("160.13")),
                     Allocation(two, "INV-1002", D("4.00")), amount=D("170.13"))
    answer = ok(qbd, company, qbxml.receive_payment_add(record, "p"))
    [ret] = answer.rets
    assert responses.outcome(answer, record) == Sent(ret.findtext("TxnID"))
    assert ret.findtext("DepositToAccountRef/FullName") == "Current Account"
    assert (money(ret, "TotalAmount"), money(ret, "UnusedPayment")) == (D("170.13"), D("6.00"))
    assert [(a.findtext("TxnID"), a.findtext("Amount"), a.findtext("BalanceRemaining"))
            for a in ret.findall("AppliedToTxnRet")] == [(one, "160.13", "0.00"),
                                                          (two, "4.00", "6.00")]
    reply = send(qbd, company, qbxml.invoice_query("q1", "INV-1001"),
                 qbxml.invoice_query("q2", "INV-1002"))
    assert [t.balance for t in responses.transactions(reply, "q1")] == [D("0.00")]
    assert [t.balance for t in responses.transactions(reply, "q2")] == [D("6.00")]
    paid = etree.fromstring(reply.split("?>", 2)[2].encode()).find(".//InvoiceRet")
    assert paid.findtext("IsPaid") == "true" and paid.findtext("AppliedAmount") == "-160.13"
    assert [(x.findtext("TxnType"), x.findtext("Amount")) for x in paid.findall(
        "LinkedTxn")] == [("ReceivePayment", "-160.13")]
    assert books(company, "customers")[0]["Balance"] == "0.00"  # 170.13 owed, 170.13 paid


def test_a_payment_cannot_pay_more_than_an_invoice_owes(qbd, company) -> None:  # type: ignore[no-untyped-def]
    customer_id, one, two = _two_invoices(qbd, company)
    record = payment(customer_id, Allocation(one, "INV-1001", D("100.00")),
                     Allocation(two, "INV-1002", D("10.01")), amount=D("110.01"))
    answer = refusal(qbd, company, qbxml.receive_payment_add(record, "p"))
    assert answer.status_code == 3180 and "INV-1002" in answer.message
    assert books(company, "payments") == []
    assert [i["BalanceRemaining"] for i in books(company, "invoices")] == ["160.13", "10.00"]
    too_little = payment(customer_id, Allocation(one, "INV-1001", D("100.00")),
                         amount=D("99.99"))
    assert refusal(qbd, company, qbxml.receive_payment_add(too_little, "p2")).status_code == 3180


def test_a_payment_to_an_unknown_invoice_or_bank_is_refused(qbd, company) -> None:  # type: ignore[no-untyped-def]
    customer_id, one, _ = _two_invoices(qbd, company)
    ghost = payment(customer_id, Allocation("FFFF-1700000000", "INV-9", D("1.00")),
                    amount=D("1.00"))
    answer = refusal(qbd, company, qbxml.receive_payment_add(ghost, "p1"))
    assert answer.status_code == 3120
    assert answer.message == 'Object "FFFF-1700000000" specified in the request cannot be found.'
    assert responses.outcome(answer, ghost).reason == "invoice_missing"  # type: ignore[union-attr]
    no_bank = payment(customer_id, Allocation(one, "INV-1001", D("1.00")), amount=D("1.00"),
                      bank="Barclays Current")
    answer = refusal(qbd, company, qbxml.receive_payment_add(no_bank, "p2"))
    assert answer.status_code == 3140
    assert responses.outcome(answer, no_bank).reason == "account_unknown"  # type: ignore[union-attr]
    other = add_customer(qbd, company, "Someone Else Ltd")
    theirs = replace(payment(other, Allocation(one, "INV-1001", D("1.00")), amount=D("1.00")),
                     contact_name="Someone Else Ltd")
    assert refusal(qbd, company, qbxml.receive_payment_add(theirs, "p3")).status_code == 3120
    assert books(company, "payments") == []


# --------------------------------------------------------------------------- credits
def test_a_credit_memo_is_applied_to_its_invoice_through_set_credit(qbd, company) -> None:  # type: ignore[no-untyped-def]
    customer_id, one, _ = _two_invoices(qbd, company)
    credit = credit_note(customer_id, one)
    memo = add(qbd, company, qbxml.credit_memo_add(credit, "c"))
    assert memo.tag == "CreditMemoRet"
    assert (money(memo, "TotalAmount"), money(memo, "CreditRemaining")) == (D("60.00"),
                                                                            D("60.00"))
    memo_id = memo.findtext("TxnID")
    assert books(company, "customers")[0]["Balance"] == "110.13"  # 170.13 - 60.00
    too_much = refusal(qbd, company, qbxml.apply_credit_add(credit, memo_id, D("60.01"), "a0"))
    assert too_much.status_code == 3180
    applied = ok(qbd, company, qbxml.apply_credit_add(credit, memo_id, D("45.00"), "a1"))
    [ret] = applied.rets
    assert money(ret, "TotalAmount") == D("0.00")
    [to] = ret.findall("AppliedToTxnRet")
    assert (to.findtext("TxnID"), to.findtext("BalanceRemaining")) == (one, "115.13")
    assert to.findtext("LinkedTxn/TxnID") == memo_id
    reply = send(qbd, company, qbxml.invoice_query("q1", "INV-1001"),
                 qbxml.credit_memo_query("q2", "CN-17"))
    assert [t.balance for t in responses.transactions(reply, "q1")] == [D("115.13")]
    assert [t.balance for t in responses.transactions(reply, "q2")] == [D("15.00")]
    # The rest of the credit, more than is left of it, is refused whole.
    left = refusal(qbd, company, qbxml.apply_credit_add(credit, memo_id, D("15.01"), "a2"))
    assert left.status_code == 3180
    assert books(company, "customers")[0]["Balance"] == "110.13"  # applying moves no money


def test_nothing_goes_in_on_or_before_the_closing_date(qbd, company) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_desktop import set_closing_date

    customer_id = add_customer(qbd, company, CUSTOMER)
    one = add(qbd, company, qbxml.invoice_add(invoice(customer_id), "1")).findtext("TxnID")
    set_closing_date(company, date(2026, 11, 2))
    record = invoice(customer_id, reference="INV-1002")  # dated 2 November: the closing date
    answer = refusal(qbd, company, qbxml.invoice_add(record, "2"))
    assert answer.status_code == 3180 and "closing date" in answer.message
    assert responses.outcome(answer, record).reason == "locked_period"  # type: ignore[union-attr]
    later = payment(customer_id, Allocation(one, "INV-1001", D("1.00")), amount=D("1.00"))
    ok(qbd, company, qbxml.receive_payment_add(later, "3"))  # 20 November: open
    set_closing_date(company, None)
    ok(qbd, company, qbxml.invoice_add(record, "4"))
