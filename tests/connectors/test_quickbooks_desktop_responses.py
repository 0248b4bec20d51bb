"""QuickBooks Desktop qbXML responses -> outcomes and lists.

One outcome per request we sent, matched by requestID: 0 is Sent with QuickBooks' id, 3100
a duplicate, 3140 a missing reference told apart by what QuickBooks names, 3180 and the rest a
validation refusal keeping QuickBooks' words; no answer is Uncertain; a reply that is not XML,
not qbXML, or answers requests we did not send is refused whole with words naming the problem.
The parser expands no entity and reads no file.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path

import pytest

from connectors.base import (
    Address,
    Allocation,
    ContactRecord,
    DocumentLine,
    DocumentRecord,
    PaymentRecord,
    Rejected,
    RetryLater,
    Sent,
    Uncertain,
)
from connectors.quickbooks_desktop import responses
from connectors.quickbooks_desktop.responses import QbxmlResponseError

D = Decimal

CUSTOMER = ContactRecord(key="c-1", kind="customer", reference="CUST-0042",
                         name="Hollis & Daughters Ltd")
SUPPLIER = ContactRecord(key="s-1", kind="supplier", reference="SUP-7", name="Pipe Supplies")
LINE = DocumentLine(description="Labour", quantity=D("1"), unit_price=D("100"),
                    account_code="Labour", tax_code="S", tax_rate=D("20"),
                    line_amount=D("100.00"), tax_amount=D("20.00"))
INVOICE = DocumentRecord(key="i-1", kind="invoice", reference="INV-1001",
                         contact_external_id="80000001-1", contact_name="Hollis & Daughters Ltd",
                         date=date(2026, 11, 2), due_date=None, their_reference="",
                         amounts_are="exclusive", lines=(LINE,), subtotal=D("100.00"),
                         tax_total=D("20.00"), total=D("120.00"))
PAYMENT = PaymentRecord(key="p-1", kind="payment", reference="BACS 981",
                        contact_external_id="80000001-1", contact_name="Hollis & Daughters Ltd",
                        date=date(2026, 11, 20), amount=D("120.00"),
                        bank_account_code="Barclays Current",
                        allocations=(Allocation("1A2B-1", "INV-1001", D("120.00")),))


def reply(*rs: str) -> str:
    return ('<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>' + "".join(rs)
            + "</QBXMLMsgsRs></QBXML>")


def rs(name: str, request_id: str, code: int, message: str = "", body: str = "",
       severity: str | None = None, **attrs: str) -> str:
    severity = severity or ("Info" if code in (0, 1) else "Error")
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return (f'<{name} requestID="{request_id}" statusCode="{code}" '
            f'statusSeverity="{severity}" statusMessage="{escape(message)}"{extra}>{body}</{name}>')


# --------------------------------------------------------------------------- outcomes
def test_status_0_is_sent_with_the_list_id_or_txn_id() -> None:
    got = responses.outcomes(reply(
        rs("CustomerAddRs", "1", 0, "Status OK",
           "<CustomerRet><ListID>80000001-1</ListID><Name>Hollis</Name></CustomerRet>"),
        rs("InvoiceAddRs", "2", 0, "Status OK",
           "<InvoiceRet><TxnID>1A2B-1</TxnID><RefNumber>INV-1001</RefNumber></InvoiceRet>"),
        rs("ReceivePaymentAddRs", "3", 0, "Status OK",
           "<ReceivePaymentRet><TxnID>1A2C-1</TxnID></ReceivePaymentRet>"),
    ), [("1", CUSTOMER), ("2", INVOICE), ("3", PAYMENT)])
    assert got == [Sent("80000001-1"), Sent("1A2B-1"), Sent("1A2C-1")]


def test_answers_are_matched_by_request_id_not_by_position() -> None:
    got = responses.outcomes(reply(
        rs("VendorAddRs", "b", 0, body="<VendorRet><ListID>V-1</ListID></VendorRet>"),
        rs("CustomerAddRs", "a", 0, body="<CustomerRet><ListID>C-1</ListID></CustomerRet>"),
    ), [("a", CUSTOMER), ("b", SUPPLIER)])
    assert got == [Sent("C-1"), Sent("V-1")]


def test_a_warning_with_the_record_made_is_sent() -> None:
    (got,) = responses.outcomes(reply(
        rs("InvoiceAddRs", "1", 530, "The transaction is out of balance.", severity="Warn",
           body="<InvoiceRet><TxnID>1A2B-9</TxnID></InvoiceRet>")), [("1", INVOICE)])
    assert got == Sent("1A2B-9")


def test_status_0_without_an_id_is_uncertain() -> None:
    (got,) = responses.outcomes(reply(rs("InvoiceAddRs", "1", 0)), [("1", INVOICE)])
    assert isinstance(got, Uncertain) and "look the record up" in got.detail


def test_3100_name_in_use_is_a_duplicate_name_for_a_contact() -> None:
    message = 'The name "Hollis & Daughters Ltd" of the list element is already in use.'
    (got,) = responses.outcomes(reply(rs("CustomerAddRs", "1", 3100, message)),
                                [("1", CUSTOMER)])
    assert got == Rejected("duplicate_name",
                           'The name "Hollis & Daughters Ltd" of the list element is already '
                           "in use.", "Name",
                           {"reference": "CUST-0042", "contact_name": "Hollis & Daughters Ltd"})


def test_3100_for_a_document_is_a_duplicate_reference() -> None:
    (got,) = responses.outcomes(reply(rs("InvoiceAddRs", "1", 3100, "already in use")),
                                [("1", INVOICE)])
    assert isinstance(got, Rejected)
    assert (got.reason, got.field, got.details["reference"]) == (
        "duplicate_reference", "RefNumber", "INV-1001")


@pytest.mark.parametrize(("named", "record", "reason", "field", "detail"), [
    ("Customer", INVOICE, "contact_missing", "CustomerRef",
     ("contact_name", "Hollis & Daughters Ltd")),
    ("Item", INVOICE, "account_unknown", "ItemRef", ("account_code", "Labour")),
    ("Account", PAYMENT, "account_unknown", "DepositToAccountRef",
     ("account_code", "Barclays Current")),
    ("Sales Tax Code", INVOICE, "tax_rate_unknown", "SalesTaxCodeRef", ("tax_code", "S")),
    ("Invoice", PAYMENT, "invoice_missing", "AppliedToTxnAdd/TxnID",
     ("invoice_reference", "INV-1001")),
    ("Class", INVOICE, "validation", None, ("reference", "INV-1001")),
])
def test_3140_invalid_reference_says_which_reference(named: str, record: object, reason: str,
                                                     field: str | None,
                                                     detail: tuple[str, str]) -> None:
    message = f'There is an invalid reference to QuickBooks {named} "X" in the Invoice.'
    (got,) = responses.outcomes(reply(rs("InvoiceAddRs", "1", 3140, message)),
                                [("1", record)])  # type: ignore[list-item]
    assert isinstance(got, Rejected)
    assert (got.reason, got.field, got.package_message) == (reason, field, message)
    assert got.details[detail[0]] == detail[1]


def test_3140_without_a_quoted_name_still_says_which_reference() -> None:
    # The words of issue 256 in consolibyte/quickbooks-php, as QuickBooks gave them.
    message = ("There is an invalid reference to QuickBooks Item in the Invoice line. "
               "The specified record does not exist in the list.")
    (got,) = responses.outcomes(reply(rs("InvoiceAddRs", "1", 3140, message)),
                                [("1", INVOICE)])
    assert isinstance(got, Rejected)
    assert (got.reason, got.field, got.package_message) == ("account_unknown", "ItemRef",
                                                            message)


def test_3120_object_not_found_for_a_payment_is_a_missing_invoice() -> None:
    message = 'Object "1A2B-1" specified in the request cannot be found.'
    (got,) = responses.outcomes(reply(rs("ReceivePaymentAddRs", "1", 3120, message)),
                                [("1", PAYMENT)])
    assert isinstance(got, Rejected) and got.reason == "invoice_missing"


def test_3180_and_other_errors_keep_quickbooks_words_as_validation() -> None:
    message = "There was an error when saving a Invoice.  QuickBooks error message: bad date"
    (got,) = responses.outcomes(reply(rs("InvoiceAddRs", "1", 3180, message)),
                                [("1", INVOICE)])
    assert got == Rejected("validation", message, None, {"reference": "INV-1001"})
    (other,) = responses.outcomes(reply(rs("InvoiceAddRs", "1", 3210, "")), [("1", INVOICE)])
    assert isinstance(other, Rejected) and other.reason == "validation"
    assert "status 3210" in other.package_message


def test_a_date_before_the_closing_date_is_a_locked_period() -> None:
    (got,) = responses.outcomes(reply(rs(
        "InvoiceAddRs", "1", 3180, "The transaction date is on or before the closing date.")),
        [("1", INVOICE)])
    assert isinstance(got, Rejected) and got.reason == "locked_period"
    assert got.details["date"] == "2026-11-02"


def test_a_record_in_use_by_another_user_is_retried_later() -> None:
    (got,) = responses.outcomes(reply(rs("CustomerAddRs", "1", 3175, "in use")),
                                [("1", CUSTOMER)])
    assert isinstance(got, RetryLater) and got.after > 0


def test_a_request_without_an_answer_is_uncertain() -> None:
    got = responses.outcomes(reply(
        rs("InvoiceAddRs", "1", 3180, "error when saving")), [("1", INVOICE), ("2", PAYMENT)])
    assert isinstance(got[0], Rejected)
    assert isinstance(got[1], Uncertain) and "request 2" in got[1].detail


def test_answers_to_requests_we_did_not_send_are_refused() -> None:
    with pytest.raises(QbxmlResponseError, match="did not send.*'9'"):
        responses.outcomes(reply(rs("InvoiceAddRs", "9", 0,
                                    body="<InvoiceRet><TxnID>T</TxnID></InvoiceRet>")),
                           [("1", INVOICE)])
    with pytest.raises(QbxmlResponseError, match="twice"):
        responses.outcomes(reply(rs("InvoiceAddRs", "1", 0), rs("InvoiceAddRs", "1", 0)),
                           [("1", INVOICE)])


@pytest.mark.parametrize(("text", "words"), [
    ("", "empty response"),
    ("<QBXML><QBXMLMsgsRs><InvoiceAddRs", "not well-formed XML"),
    ("not xml at all", "not well-formed XML"),
    ("<html><body>Server error</body></html>", "starts with <html>, not <QBXML>"),
    ("<QBXML><SignonMsgsRs/></QBXML>", "no QBXMLMsgsRs"),
    (reply('<InvoiceAddRs requestID="1" statusCode="ok"/>'), "no readable statusCode"),
])
def test_an_unreadable_reply_is_a_clear_error_not_a_parser_exception(text: str,
                                                                     words: str) -> None:
    with pytest.raises(QbxmlResponseError, match=words) as caught:
        responses.outcomes(text, [("1", INVOICE)])
    # No lxml exception chained on: the engine logs our words, not a parser's traceback.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None or caught.value.__suppress_context__


def test_a_str_reply_with_its_own_encoding_declaration_is_read() -> None:
    body = reply(rs("CustomerAddRs", "1", 0,
                    body="<CustomerRet><ListID>C-é</ListID></CustomerRet>"))
    text = body.replace('<?xml version="1.0" ?>',
                        '<?xml version="1.0" encoding="ISO-8859-1"?><?qbxml version="13.0"?>')
    assert responses.outcomes(text, [("1", CUSTOMER)]) == [Sent("C-é")]
    latin1 = text.encode("iso-8859-1")
    assert responses.outcomes(latin1, [("1", CUSTOMER)]) == [Sent("C-é")]


def test_entities_are_not_expanded_and_no_file_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    text = (f'<?xml version="1.0"?><!DOCTYPE QBXML [<!ENTITY x SYSTEM "file://{secret}">'
            '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            '<QBXML><QBXMLMsgsRs><CustomerAddRs requestID="1" statusCode="0" '
            'statusSeverity="Info" statusMessage="m">'
            "<CustomerRet><ListID>&x;&b;</ListID></CustomerRet>"
            "</CustomerAddRs></QBXMLMsgsRs></QBXML>")
    (got,) = responses.outcomes(text, [("1", CUSTOMER)])
    assert "TOPSECRET" not in repr(got) and "aaaaaaaaaa" not in repr(got)
    # The id was nothing but unexpanded entities: no id, so the record is looked up.
    assert isinstance(got, Uncertain)


# --------------------------------------------------------------------------- lists
def test_accounts_with_full_name_and_type() -> None:
    got = responses.accounts(reply(rs("AccountQueryRs", "1", 0, body=(
        "<AccountRet><ListID>A-1</ListID><Name>Current</Name><FullName>Barclays:Current"
        "</FullName><IsActive>true</IsActive><AccountType>Bank</AccountType></AccountRet>"
        "<AccountRet><ListID>A-2</ListID><FullName>Sales</FullName><IsActive>false"
        "</IsActive><AccountType>Income</AccountType><AccountNumber>4000</AccountNumber>"
        "</AccountRet>"))))
    assert got == [responses.QbAccount("A-1", "Barclays:Current", "Bank"),
                   responses.QbAccount("A-2", "Sales", "Income", active=False,
                                       account_number="4000")]


def test_items_of_every_type_from_one_item_query() -> None:
    page = responses.items(reply(rs("ItemQueryRs", "1", 0, body=(
        "<ItemServiceRet><ListID>I-1</ListID><Name>Labour</Name><FullName>Labour</FullName>"
        "<SalesOrPurchase><Desc>Hourly labour</Desc></SalesOrPurchase></ItemServiceRet>"
        "<ItemNonInventoryRet><ListID>I-2</ListID><FullName>Parts:Fittings</FullName>"
        "</ItemNonInventoryRet>"
        "<ItemOtherChargeRet><ListID>I-3</ListID><FullName>Call-out</FullName>"
        "<IsActive>false</IsActive></ItemOtherChargeRet>"))))
    assert [(i.full_name, i.type, i.active) for i in page.items] == [  # type: ignore[attr-defined]
        ("Labour", "Service", True), ("Parts:Fittings", "NonInventory", True),
        ("Call-out", "OtherCharge", False)]
    assert page.items[0].description == "Hourly labour"  # type: ignore[attr-defined]


def test_an_item_page_carries_the_iterator() -> None:
    page = responses.items(reply(rs(
        "ItemServiceQueryRs", "1", 0, iteratorRemainingCount="40", iteratorID="{A1}",
        body="<ItemServiceRet><ListID>I-1</ListID><FullName>Labour</FullName>"
             "</ItemServiceRet>")))
    assert (page.iterator_id, page.remaining, len(page.items)) == ("{A1}", 40, 1)


def test_sales_tax_codes_and_sales_tax_items() -> None:
    codes = responses.sales_tax_codes(reply(rs("SalesTaxCodeQueryRs", "1", 0, body=(
        "<SalesTaxCodeRet><ListID>T-1</ListID><Name>S</Name><IsActive>true</IsActive>"
        "<IsTaxable>true</IsTaxable><Desc>Standard</Desc><ItemSalesTaxRef><FullName>"
        "VAT 20%</FullName></ItemSalesTaxRef></SalesTaxCodeRet>"
        "<SalesTaxCodeRet><ListID>T-2</ListID><Name>Z</Name><IsTaxable>false</IsTaxable>"
        "</SalesTaxCodeRet>"))))
    assert codes == [responses.QbSalesTaxCode("T-1", "S", True, True, "Standard", "VAT 20%"),
                     responses.QbSalesTaxCode("T-2", "Z", False)]
    rates = responses.item_sales_taxes(reply(rs("ItemSalesTaxQueryRs", "1", 0, body=(
        "<ItemSalesTaxRet><ListID>R-1</ListID><Name>VAT 20%</Name><TaxRate>20.0</TaxRate>"
        "</ItemSalesTaxRet><ItemSalesTaxRet><ListID>R-2</ListID><Name>Odd</Name>"
        "<TaxRate>n/a</TaxRate></ItemSalesTaxRet>"))))
    assert [(r.name, r.rate) for r in rates] == [("VAT 20%", D("20.0")), ("Odd", None)]


def test_customers_and_vendors_with_list_id_name_email() -> None:
    page = responses.contacts(reply(rs(
        "CustomerQueryRs", "1", 0, iteratorRemainingCount="0", iteratorID="{C}", body=(
            "<CustomerRet><ListID>80-1</ListID><Name>Kitchen</Name><FullName>Hollis:Kitchen"
            "</FullName><IsActive>true</IsActive><BillAddress><Addr1>12 Mill Lane</Addr1>"
            "<City>Leeds</City><PostalCode>LS1 4AB</PostalCode></BillAddress>"
            "<Phone>0113</Phone><Email>a@hollis.example</Email>"
            "<AccountNumber>CUST-0042</AccountNumber></CustomerRet>"))))
    (one,) = page.items
    assert one.external_id == "80-1" and one.name == "Hollis:Kitchen"  # type: ignore[attr-defined]
    assert one.is_customer and not one.is_supplier  # type: ignore[attr-defined]
    assert (one.email, one.reference) == ("a@hollis.example", "CUST-0042")  # type: ignore[attr-defined]
    assert one.address == Address("12 Mill Lane", "", "Leeds", "LS1 4AB")  # type: ignore[attr-defined]
    assert page.remaining == 0
    vendors = responses.contacts(reply(rs("VendorQueryRs", "2", 0, body=(
        "<VendorRet><ListID>V-1</ListID><Name>Pipe Supplies</Name><VendorAddress><City>Hull"
        "</City></VendorAddress></VendorRet>"))))
    (vendor,) = vendors.items
    assert vendor.is_supplier and vendor.address.city == "Hull"  # type: ignore[attr-defined]


def test_a_query_that_matched_nothing_is_an_empty_list() -> None:
    text = reply(rs("CustomerQueryRs", "1", 1,
                    "A query request did not find a matching object in QuickBooks"))
    assert responses.contacts(text).items == []
    assert responses.transactions(reply(rs("InvoiceQueryRs", "1", 1))) == []


def test_a_query_error_or_a_missing_answer_is_a_clear_error() -> None:
    with pytest.raises(QbxmlResponseError, match="AccountQueryRs 3391"):
        responses.accounts(reply(rs("AccountQueryRs", "1", 3391, "iterator expired")))
    with pytest.raises(QbxmlResponseError, match="no SalesTaxCodeQueryRs"):
        responses.sales_tax_codes(reply(rs("AccountQueryRs", "1", 0)))


def test_invoice_look_up_by_ref_number_finds_what_is_there() -> None:
    got = responses.transactions(reply(rs("InvoiceQueryRs", "13", 0, body=(
        "<InvoiceRet><TxnID>1A2B-1</TxnID><CustomerRef><FullName>Hollis</FullName>"
        "</CustomerRef><TxnDate>2026-11-02</TxnDate><RefNumber>INV-1001</RefNumber>"
        "<BalanceRemaining>120.00</BalanceRemaining></InvoiceRet>"))), request_id="13")
    assert got == [responses.QbTxn("1A2B-1", "INV-1001", "2026-11-02", "Hollis", D("120.00"))]
    credits = responses.transactions(reply(rs("CreditMemoQueryRs", "14", 0, body=(
        "<CreditMemoRet><TxnID>CM-1</TxnID><RefNumber>CN-17</RefNumber>"
        "<CreditRemaining>0.00</CreditRemaining></CreditMemoRet>"))))
    assert credits[0].balance == D("0.00")
