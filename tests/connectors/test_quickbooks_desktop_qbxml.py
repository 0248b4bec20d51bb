"""QuickBooks Desktop qbXML requests against Intuit's qbXML 13.0 schema, read here directly
(../shared/specs/quickbooks-desktop; skipped only where that folder is absent): every request
we render validates, element order included; pennies are written as we computed them; what
QuickBooks would refuse (non-Latin-1 text, over-long fields, missing mappings) is refused first,
in words naming the field.

qbxmlops130.xsd is the schema to load: it includes qbxml130.xsd (the elements),
qbxmltypes130.xsd and qbxmlso130.xsd, and it is the one that declares the QBXML root.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from connectors.base import (
    Address,
    Allocation,
    ContactRecord,
    DocumentLine,
    DocumentRecord,
    PaymentRecord,
    Rejected,
)
from connectors.quickbooks_desktop import limits, qbxml
from connectors.quickbooks_desktop.limits import PayloadError

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT.parent / "shared" / "specs" / "quickbooks-desktop"
D = Decimal


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    xsd = SPECS / "qbxmlops130.xsd"
    if not xsd.exists():
        pytest.skip(f"{xsd} is not here")
    return etree.XMLSchema(etree.parse(str(xsd)))


def _valid(schema: etree.XMLSchema, document: bytes) -> etree._Element:
    # Parsed back from the bytes we would send, prologue and all.
    tree = etree.fromstring(document)
    assert schema.validate(tree), schema.error_log.last_error
    return tree


# --------------------------------------------------------------------------- records
def customer(**changes: object) -> ContactRecord:
    fields: dict[str, object] = dict(
        key="c-1", kind="customer", reference="CUST-0042", name="Hollis & Daughters Ltd",
        email="accounts@hollis.example", phone="0113 496 0000",
        address=Address(line1="12 Mill Lane", line2="Unit 3", city="Leeds",
                        postcode="LS1 4AB", country="United Kingdom"),
    )
    fields.update(changes)
    return ContactRecord(**fields)  # type: ignore[arg-type]


def supplier(**changes: object) -> ContactRecord:
    fields: dict[str, object] = dict(key="s-1", kind="supplier", reference="SUP-7",
                                     name="Pipe Supplies Ltd")
    fields.update(changes)
    return ContactRecord(**fields)  # type: ignore[arg-type]


def line(**changes: object) -> DocumentLine:
    fields: dict[str, object] = dict(
        description="Replace kitchen tap", quantity=D("2"), unit_price=D("61.725"),
        account_code="Labour", tax_code="S", tax_rate=D("20"), line_amount=D("123.45"),
        tax_amount=D("24.69"),
    )
    fields.update(changes)
    return DocumentLine(**fields)  # type: ignore[arg-type]


def invoice(**changes: object) -> DocumentRecord:
    fields: dict[str, object] = dict(
        key="i-1", kind="invoice", reference="INV-1001", contact_external_id="80000001-1",
        contact_name="Hollis & Daughters Ltd", date=date(2026, 11, 2),
        due_date=date(2026, 12, 2), their_reference="PO 778", amounts_are="exclusive",
        lines=(line(), line(description="Parts", quantity=D("1"), unit_price=D("9.99"),
                            account_code="Parts:Fittings", line_amount=D("9.99"),
                            tax_amount=D("2.00"))),
        subtotal=D("133.44"), tax_total=D("26.69"), total=D("160.13"),
    )
    fields.update(changes)
    return DocumentRecord(**fields)  # type: ignore[arg-type]


def credit_note(**changes: object) -> DocumentRecord:
    fields: dict[str, object] = dict(
        key="cn-1", kind="credit_note", reference="CN-17", amounts_are="inclusive",
        lines=(line(line_amount=D("148.14"), tax_amount=D("24.69"), unit_price=D("74.07")),),
        subtotal=D("123.45"), tax_total=D("24.69"), total=D("148.14"), their_reference="",
        invoice_external_id="1A2B-1700000000", invoice_reference="INV-1001",
    )
    fields.update(changes)
    return invoice(**fields)


def payment(**changes: object) -> PaymentRecord:
    fields: dict[str, object] = dict(
        key="p-1", kind="payment", reference="BACS 02/11 Hollis (pay-981)",
        contact_external_id="80000001-1", contact_name="Hollis & Daughters Ltd",
        date=date(2026, 11, 20), amount=D("170.12"), bank_account_code="Barclays Current",
        allocations=(Allocation("1A2B-1700000000", "INV-1001", D("160.13")),
                     Allocation("1A2C-1700000001", "INV-1002", D("9.99"))),
    )
    fields.update(changes)
    return PaymentRecord(**fields)  # type: ignore[arg-type]


def every_request() -> list[etree._Element]:
    return [
        qbxml.customer_add(customer(), "1"),
        qbxml.customer_add(customer(email="", phone="", address=Address()), "1b"),
        qbxml.vendor_add(supplier(address=Address(line1="Dock Road", city="Hull")), "2"),
        qbxml.invoice_add(invoice(), "3"),
        qbxml.invoice_add(invoice(due_date=None, their_reference="",
                                  lines=(line(description=""),)), "3b"),
        qbxml.credit_memo_add(credit_note(), "4"),
        qbxml.receive_payment_add(payment(), "5"),
        qbxml.apply_credit_add(credit_note(), "1A2D-1700000002", D("148.14"), "6"),
        qbxml.account_query("7"),
        qbxml.account_query("7b", full_names=["Barclays Current", "Sales"]),
        qbxml.account_query("7c", active_only=True),
        qbxml.item_query("8"),
        qbxml.item_query("8b", "service", max_returned=100, iterator="Start"),
        qbxml.item_query("8c", "non_inventory", iterator="Continue", iterator_id="{7D1A}"),
        qbxml.item_query("8d", "other_charge", full_names=["Call-out fee"]),
        qbxml.sales_tax_code_query("9"),
        qbxml.item_sales_tax_query("10", active_only=True),
        qbxml.customer_query("11"),
        qbxml.customer_query("11b", full_name="Hollis & Daughters Ltd"),
        qbxml.customer_query("11c", max_returned=200, iterator="Start"),
        qbxml.vendor_query("12", max_returned=200, iterator="Continue", iterator_id="{x}"),
        qbxml.vendor_query("12b", full_name="Pipe Supplies Ltd"),
        qbxml.invoice_query("13", "INV-1001"),
        qbxml.credit_memo_query("14", "CN-17"),
    ]


# --------------------------------------------------------------------------- the schema
@pytest.mark.parametrize("index", range(len(every_request())))
def test_each_request_validates_against_the_qbxml_13_schema(schema: etree.XMLSchema,
                                                             index: int) -> None:
    rq = every_request()[index]
    _valid(schema, qbxml.envelope([rq]))


def test_all_requests_in_one_envelope_validate(schema: etree.XMLSchema) -> None:
    tree = _valid(schema, qbxml.envelope(every_request()))
    ids = [rq.get("requestID") for rq in tree.find("QBXMLMsgsRq")]
    assert len(ids) == len(set(ids)) == len(every_request())


def test_the_schema_checks_element_order(schema: etree.XMLSchema) -> None:
    # The same invoice with RefNumber ahead of TxnDate must fail: proof that passing the
    # tests above means our order is Intuit's, not that the schema lets anything through.
    rq = qbxml.invoice_add(invoice(), "3")
    body = rq.find("InvoiceAdd")
    ref = body.find("RefNumber")
    body.remove(ref)
    body.insert(1, ref)
    assert not schema.validate(etree.fromstring(qbxml.envelope([rq])))


def test_envelope_prologue_and_stop_on_error() -> None:
    document = qbxml.envelope([qbxml.customer_add(customer(), "1")])
    assert document.startswith(
        b'<?xml version="1.0" encoding="utf-8"?><?qbxml version="13.0"?><QBXML>'
        b'<QBXMLMsgsRq onError="stopOnError"><CustomerAddRq requestID="1">')


def test_envelope_refuses_repeated_or_missing_request_ids() -> None:
    with pytest.raises(ValueError, match="requestID"):
        qbxml.envelope([qbxml.customer_add(customer(), "1"),
                        qbxml.vendor_add(supplier(), "1")])
    with pytest.raises(ValueError, match="requestID"):
        qbxml.customer_add(customer(), "")


# --------------------------------------------------------------------------- contents
def test_customer_fields_in_schema_order_and_text_escaped_by_lxml() -> None:
    body = qbxml.customer_add(customer(), "1").find("CustomerAdd")
    assert [child.tag for child in body] == [
        "Name", "CompanyName", "BillAddress", "Phone", "Email", "AccountNumber"]
    assert body.findtext("Name") == "Hollis & Daughters Ltd"
    assert b"Hollis &amp; Daughters Ltd" in qbxml.envelope([qbxml.customer_add(customer(), "1")])
    assert [c.tag for c in body.find("BillAddress")] == [
        "Addr1", "Addr2", "City", "PostalCode", "Country"]
    assert body.findtext("AccountNumber") == "CUST-0042"


def test_supplier_address_is_a_vendor_address() -> None:
    body = qbxml.vendor_add(supplier(address=Address(line1="Dock Road")), "2").find("VendorAdd")
    assert body.find("VendorAddress/Addr1").text == "Dock Road"
    assert body.find("BillAddress") is None


def test_a_colon_in_a_name_is_not_taken_for_a_sub_customer() -> None:
    body = qbxml.customer_add(customer(name="Smith: Kitchen\tjob"), "1").find("CustomerAdd")
    assert body.findtext("Name") == "Smith - Kitchen job"


def test_invoice_lines_post_through_items_with_our_pennies() -> None:
    body = qbxml.invoice_add(invoice(), "3").find("InvoiceAdd")
    assert [c.tag for c in body.find("CustomerRef")] == ["ListID", "FullName"]
    assert body.findtext("CustomerRef/ListID") == "80000001-1"
    assert body.findtext("CustomerRef/FullName") == "Hollis & Daughters Ltd"
    assert body.findtext("TxnDate") == "2026-11-02"
    assert body.findtext("RefNumber") == "INV-1001"
    assert body.findtext("DueDate") == "2026-12-02"
    assert body.findtext("Memo") == "Your ref: PO 778"
    first, second = body.findall("InvoiceLineAdd")
    assert [c.tag for c in first] == [
        "ItemRef", "Desc", "Quantity", "Rate", "Amount", "TaxAmount", "SalesTaxCodeRef"]
    assert first.findtext("ItemRef/FullName") == "Labour"
    assert (first.findtext("Quantity"), first.findtext("Rate"), first.findtext("Amount")) == (
        "2", "61.725", "123.45")
    assert first.findtext("SalesTaxCodeRef/FullName") == "S"
    assert second.findtext("ItemRef/FullName") == "Parts:Fittings"
    assert (second.findtext("Rate"), second.findtext("Amount")) == ("9.99", "9.99")


def test_an_invoice_without_a_due_date_is_due_on_its_date() -> None:
    body = qbxml.invoice_add(invoice(due_date=None), "3").find("InvoiceAdd")
    assert body.findtext("DueDate") == "2026-11-02"


def test_tax_inclusive_lines_go_net_so_rate_times_quantity_is_the_amount() -> None:
    body = qbxml.credit_memo_add(credit_note(), "4").find("CreditMemoAdd")
    (only,) = body.findall("CreditMemoLineAdd")
    # 148.14 gross less 24.69 VAT = 123.45 net; over 2 units 61.725 a unit.
    assert (only.findtext("Amount"), only.findtext("Rate")) == ("123.45", "61.725")
    assert body.find("DueDate") is None  # a credit memo has no due date of ours
    assert body.findtext("Memo") == "Credits invoice INV-1001"


def test_payment_applies_to_each_invoice_by_txn_id() -> None:
    body = qbxml.receive_payment_add(payment(), "5").find("ReceivePaymentAdd")
    assert body.findtext("TotalAmount") == "170.12"
    assert body.findtext("DepositToAccountRef/FullName") == "Barclays Current"
    # Our reference is 27 characters: RefNumber holds 20, so it lives whole in Memo only.
    assert body.find("RefNumber") is None
    assert body.findtext("Memo") == "BACS 02/11 Hollis (pay-981)"
    applied = [(a.findtext("TxnID"), a.findtext("PaymentAmount"))
               for a in body.findall("AppliedToTxnAdd")]
    assert applied == [("1A2B-1700000000", "160.13"), ("1A2C-1700000001", "9.99")]
    short = qbxml.receive_payment_add(payment(reference="BACS 981"), "5")
    assert short.findtext("ReceivePaymentAdd/RefNumber") == "BACS 981"


def test_credit_applied_with_a_zero_payment_and_set_credit() -> None:
    body = qbxml.apply_credit_add(credit_note(), "CM-9", D("20.5"), "6").find(
        "ReceivePaymentAdd")
    assert body.findtext("TotalAmount") == "0.00"
    assert body.findtext("AppliedToTxnAdd/TxnID") == "1A2B-1700000000"
    assert body.find("AppliedToTxnAdd/PaymentAmount") is None
    assert body.findtext("AppliedToTxnAdd/SetCredit/CreditTxnID") == "CM-9"
    assert body.findtext("AppliedToTxnAdd/SetCredit/AppliedAmount") == "20.50"


def test_queries_by_name_or_all_with_iterators() -> None:
    one = qbxml.customer_query("11", full_name="Hollis & Daughters Ltd")
    assert [c.tag for c in one] == ["FullName"] and one.get("iterator") is None
    page = qbxml.customer_query("11", max_returned=200, iterator="Start")
    assert page.get("iterator") == "Start"
    assert [(c.tag, c.text) for c in page] == [("MaxReturned", "200"), ("ActiveStatus", "All")]
    more = qbxml.vendor_query("12", iterator="Continue", iterator_id="{x}")
    assert (more.get("iterator"), more.get("iteratorID")) == ("Continue", "{x}")
    with pytest.raises(ValueError, match="iteratorID"):
        qbxml.item_query("8", iterator="Continue")
    assert qbxml.item_query("8", "service").tag == "ItemServiceQueryRq"
    assert qbxml.item_query("8", "other_charge").tag == "ItemOtherChargeQueryRq"
    assert qbxml.invoice_query("13", "INV-1001").findtext("RefNumber") == "INV-1001"


# --------------------------------------------------------------------------- pennies
@pytest.mark.parametrize(("value", "written"), [
    (D("123.45"), "123.45"), (D("123.4"), "123.40"), (D("5"), "5.00"), (D("0"), "0.00"),
    (D("0.125"), "0.13"), (D("-0.125"), "-0.13"), (D("1E+3"), "1000.00"),
    (D("0.1") + D("0.2"), "0.30"), (D("9999999999999.99"), "9999999999999.99"),
])
def test_amounts_are_written_to_the_penny(value: Decimal, written: str) -> None:
    assert qbxml.amount(value) == written


def test_an_amount_too_large_for_amttype_is_refused() -> None:
    with pytest.raises(PayloadError, match="too large"):
        qbxml.amount(D("10000000000000.00"))


def test_pennies_round_trip_through_the_document(schema: etree.XMLSchema) -> None:
    amounts = [D("0.01"), D("19.99"), D("1234.56"), D("100000.10")]
    lines = tuple(line(quantity=D("1"), unit_price=a, line_amount=a, tax_amount=D("0"))
                  for a in amounts)
    tree = _valid(schema, qbxml.envelope([qbxml.invoice_add(invoice(lines=lines), "3")]))
    back = [D(x.text) for x in tree.iter("Amount")]
    assert back == amounts
    assert [x.text for x in tree.iter("Amount")] == ["0.01", "19.99", "1234.56", "100000.10"]


def test_rates_keep_five_places_and_no_exponent() -> None:
    rq = qbxml.invoice_add(invoice(lines=(line(unit_price=D("0.123456"), quantity=D("100"),
                                               line_amount=D("12.35")),)), "3")
    assert rq.findtext("InvoiceAdd/InvoiceLineAdd/Rate") == "0.12346"
    assert rq.findtext("InvoiceAdd/InvoiceLineAdd/Quantity") == "100"


# --------------------------------------------------------------------------- preflight
def test_latin1_letters_stay_and_close_letters_are_swapped_in() -> None:
    assert limits.to_latin1("Café Renée", "Name", "name") == "Café Renée"
    assert limits.to_latin1("Łódź Plumbing", "Name", "name") == "Lódz Plumbing"  # ó is Latin-1
    assert limits.to_latin1("€50 deposit – “urgent”", "Desc", "description") == (
        'EUR50 deposit - "urgent"')
    body = qbxml.customer_add(customer(name="Paweł Nowak"), "1").find("CustomerAdd")
    assert body.findtext("Name") == "Pawel Nowak"


def test_text_with_no_latin1_spelling_is_refused_naming_the_field() -> None:
    with pytest.raises(PayloadError) as caught:
        qbxml.customer_add(customer(name="山田 Plumbing"), "1")
    assert caught.value.field == "Name"
    assert "customer name" in str(caught.value)
    assert "'山'" in str(caught.value) and "Change the customer name" in str(caught.value)
    with pytest.raises(PayloadError) as caught:
        qbxml.invoice_add(invoice(lines=(line(description="Boiler ✓ serviced"),)), "3")
    assert caught.value.field == "InvoiceLineAdd/Desc"
    assert "description of line 1" in str(caught.value)


@pytest.mark.parametrize(("build", "field", "words"), [
    (lambda: qbxml.customer_add(customer(name="N" * 42), "1"), "Name",
     "42 characters long; QuickBooks Desktop allows at most 41"),
    (lambda: qbxml.customer_add(customer(address=Address(city="C" * 32)), "1"),
     "BillAddress/City", "at most 31"),
    (lambda: qbxml.customer_add(customer(address=Address(postcode="P" * 14)), "1"),
     "BillAddress/PostalCode", "at most 13"),
    (lambda: qbxml.customer_add(customer(address=Address(line1="A" * 42)), "1"),
     "BillAddress/Addr1", "at most 41"),
    (lambda: qbxml.customer_add(customer(phone="0" * 22), "1"), "Phone", "at most 21"),
    (lambda: qbxml.customer_add(customer(email="e" * 1024), "1"), "Email", "at most 1023"),
    (lambda: qbxml.invoice_add(invoice(reference="INV-1000001"), "3"), "RefNumber", None),
    (lambda: qbxml.invoice_add(invoice(reference="INV-10000001"), "3"), "RefNumber",
     "'INV-10000001' is 12 characters long; QuickBooks Desktop allows at most 11"),
    (lambda: qbxml.invoice_add(invoice(lines=(line(description="d" * 4096),)), "3"),
     "InvoiceLineAdd/Desc", "at most 4095"),
    (lambda: qbxml.invoice_add(invoice(their_reference="r" * 4095), "3"), "Memo",
     "at most 4095"),
])
def test_field_lengths_are_refused_before_sending(build, field: str, words: str | None
                                                  ) -> None:
    if words is None:
        build()  # exactly at the limit is fine
        return
    with pytest.raises(PayloadError) as caught:
        build()
    assert caught.value.field == field
    assert words in str(caught.value)
    assert "Shorten it in Ledgerlink" in str(caught.value)


def test_missing_mappings_and_links_are_refused_in_a_bookkeepers_words() -> None:
    cases = [
        (lambda: qbxml.invoice_add(invoice(lines=(line(account_code=""),)), "3"),
         "InvoiceLineAdd/ItemRef", "No QuickBooks item is mapped for line 1"),
        (lambda: qbxml.invoice_add(invoice(lines=(line(tax_code=""),)), "3"),
         "InvoiceLineAdd/SalesTaxCodeRef", "No QuickBooks tax code is mapped for line 1"),
        (lambda: qbxml.invoice_add(invoice(lines=()), "3"), "InvoiceLineAdd",
         "has no lines"),
        (lambda: qbxml.invoice_add(invoice(reference=" "), "3"), "RefNumber",
         "invoice number is empty"),
        (lambda: qbxml.receive_payment_add(payment(allocations=()), "5"), "AppliedToTxnAdd",
         "not allocated"),
        (lambda: qbxml.receive_payment_add(payment(bank_account_code=""), "5"),
         "DepositToAccountRef", "No QuickBooks bank account is mapped"),
        (lambda: qbxml.receive_payment_add(
            payment(allocations=(Allocation("", "INV-1009", D("5")),)), "5"),
         "AppliedToTxnAdd/TxnID", "Invoice INV-1009 is not in QuickBooks Desktop yet"),
        (lambda: qbxml.receive_payment_add(
            payment(allocations=(Allocation("T-1", "INV-1009", D("0")),)), "5"),
         "AppliedToTxnAdd/PaymentAmount", "must be more than zero"),
        (lambda: qbxml.apply_credit_add(credit_note(invoice_external_id=None), "CM", D("1"),
                                        "6"),
         "AppliedToTxnAdd/TxnID", "Invoice INV-1001 is not in QuickBooks Desktop yet"),
        (lambda: qbxml.customer_add(customer(name="  "), "1"), "Name",
         "customer name is empty"),
        (lambda: qbxml.invoice_add(invoice(contact_external_id="x" * 37), "3"),
         "CustomerRef/ListID", "is not one QuickBooks Desktop gave; link it again"),
        (lambda: qbxml.receive_payment_add(
            payment(allocations=(Allocation("T" * 37, "INV-1009", D("5")),)), "5"),
         "AppliedToTxnAdd/TxnID", "of invoice INV-1009 is not one"),
    ]
    for build, field, words in cases:
        with pytest.raises(PayloadError) as caught:
            build()
        assert (caught.value.field, words in str(caught.value)) == (field, True), str(
            caught.value)


def test_the_wrong_kind_of_record_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        qbxml.customer_add(supplier(), "1")
    with pytest.raises(ValueError):
        qbxml.invoice_add(credit_note(), "1")


def test_add_request_renders_each_kind_or_gives_the_refusal(schema: etree.XMLSchema) -> None:
    records = [customer(), supplier(), invoice(), credit_note(), payment()]
    built = [qbxml.add_request(r, str(i)) for i, r in enumerate(records)]
    assert [b.tag for b in built] == [  # type: ignore[union-attr]
        "CustomerAddRq", "VendorAddRq", "InvoiceAddRq", "CreditMemoAddRq",
        "ReceivePaymentAddRq"]
    _valid(schema, qbxml.envelope(built))  # type: ignore[arg-type]
    refused = qbxml.add_request(invoice(reference="INV-10000001"), "9")
    assert isinstance(refused, Rejected)
    assert (refused.reason, refused.field, refused.details) == (
        "validation", "RefNumber", {"reference": "INV-10000001"})
    assert "QuickBooks Desktop allows at most 11" in refused.package_message
