"""The KashFlow connector's bodies and its reading of KashFlow's replies, without HTTP: the wire
contract's shapes, our VAT sent as we computed it (VAT-inclusive lines at their net), codes and
references within KashFlow's lengths, the memorable word's characters, and error replies (as
KashFlow gives them) mapped to typed failures and to reasons in a bookkeeper's words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.money import line_amounts
from connectors import wire
from connectors.base import (
    Address,
    Allocation,
    AuthLostError,
    BadReplyError,
    ContactRecord,
    DocumentLine,
    DocumentRecord,
    PaymentRecord,
    RateLimitedError,
)
from connectors.kashflow import KashFlowConnector, payloads
from connectors.kashflow.client import next_page, number_of, under_api
from connectors.kashflow.errors import (
    REJECT_REASONS,
    KashFlowRequestError,
    KashFlowUnavailableError,
    classify,
    raise_for_status,
    words,
)
from connectors.kashflow.login import LoginRefusedError, characters
from connectors.money import to_pennies
from tests.contract.words import raw_bits

API = "https://api.kashflow.com/v2"


def _line(quantity: str, price: str, rate: str, inclusive: bool, code: str = "STANDARD"
          ) -> DocumentLine:
    figures = line_amounts(Decimal(quantity), Decimal(price), Decimal(rate), inclusive)
    return DocumentLine("Boiler service", Decimal(quantity), Decimal(price), "4000", code,
                        Decimal(rate), figures.line_amount, figures.tax)


def _doc(*lines: DocumentLine, inclusive: bool = False, kind: str = "invoice"
         ) -> DocumentRecord:
    net = sum((ln.line_amount - (ln.tax_amount if inclusive else 0) for ln in lines),
              Decimal("0.00"))
    tax = sum((ln.tax_amount for ln in lines), Decimal("0.00"))
    return DocumentRecord(
        key="k", kind=kind, reference="INV-12", contact_external_id="C0001",  # type: ignore[arg-type]
        contact_name="Acme Heating", date=date(2026, 10, 15), due_date=date(2026, 11, 14),
        their_reference="PO 7", amounts_are="inclusive" if inclusive else "exclusive",
        lines=lines, subtotal=net, tax_total=tax, total=net + tax,
        invoice_external_id="1001" if kind == "credit_note" else None,
        invoice_reference="INV-11" if kind == "credit_note" else None)


def _payment(*allocations: Allocation, reference: str = "Card 1 (P1)") -> PaymentRecord:
    return PaymentRecord(key="p", kind="payment", reference=reference,
                         contact_external_id="C0001", contact_name="Acme Heating",
                         date=date(2026, 10, 20), amount=sum((a.amount for a in allocations),
                                                             Decimal(0)),
                         bank_account_code="1200", allocations=allocations)


def _kashflow_figures(body: dict) -> tuple[Decimal, Decimal]:
    """What the wire contract says KashFlow makes of the lines: net Σ round(Quantity × Rate),
    VAT Σ VatAmount as given."""
    lines = body["LineItems"]
    return (sum((to_pennies(ln["Quantity"] * ln["Rate"]) for ln in lines), Decimal(0)),
            sum((ln["VatAmount"] for ln in lines), Decimal(0)))


def test_an_invoice_body_is_the_wire_contracts_with_our_number_in_customer_reference() -> None:
    body = payloads.document_body(_doc(_line("2", "50.00", "20", False)))
    assert body == {
        "CustomerCode": "C0001", "IssuedDate": "2026-10-15", "DueDate": "2026-11-14",
        "CustomerReference": "INV-12", "Currency": "GBP",
        "LineItems": [{"Description": "Boiler service", "Quantity": Decimal("2"),
                       "Rate": Decimal("50.00"), "NominalCode": 4000, "VatRate": Decimal("20"),
                       "VatAmount": Decimal("20.00"), "VatCode": "STANDARD"}]}
    # Money goes as JSON numbers, digit for digit.
    assert '"VatAmount":20.00' in wire.dumps(body)


def test_a_credit_note_goes_without_its_invoice_which_a_second_call_applies() -> None:
    note = _doc(_line("1", "20.00", "20", False), kind="credit_note")
    assert "InvoiceNumber" not in payloads.document_body(note)
    assert payloads.apply_payload(note) == {"InvoiceNumber": 1001}
    request = payloads.document_payload("credit_applied", note, payloads.PackageRefs(
        credit_note_id="CN-5001", invoice_due=Decimal("120.00")))
    assert request is not None and (request.method, request.path) == ("PUT", "creditnotes/5001")
    assert payloads.document_payload("credit_applied", note, payloads.PackageRefs(
        credit_note_id="CN-5001", invoice_due=Decimal("0"))) is None


@pytest.mark.parametrize(("quantity", "price", "rate"), [
    ("1", "0.625", "20"), ("3.3333", "1.0005", "5"), ("7", "19.99", "20"), ("0.5", "0.01", "20"),
    ("13", "333.3333", "20"), ("2", "12.345", "5")])
def test_an_inclusive_line_goes_at_its_net_with_our_vat(quantity: str, price: str,
                                                         rate: str) -> None:
    line = _line(quantity, price, rate, inclusive=True)
    record = _doc(line, inclusive=True)
    body = payloads.document_body(record)
    assert _kashflow_figures(body) == (record.subtotal, record.tax_total)
    sent = body["LineItems"][0]
    # Within the penny the sandbox allows between VatAmount and Quantity × Rate × VatRate.
    assert abs(sent["Quantity"] * sent["Rate"] * sent["VatRate"] / 100 - sent["VatAmount"]
               ) < Decimal("0.01")


def test_a_long_contact_code_is_cut_the_same_way_every_time() -> None:
    assert payloads.contact_code("C0001") == "C0001"
    long = payloads.contact_code("J123-CUSTOMER-000000001")
    assert len(long) == 20 and long == payloads.contact_code("J123-CUSTOMER-000000001")
    assert long != payloads.contact_code("J123-CUSTOMER-000000002")


def test_a_contact_body_has_kashflows_names_and_an_iso_country_only() -> None:
    record = ContactRecord("k", "customer", "C0001", "  Acme   Heating ", "a@example.test",
                           "0161 496 0000", Address("1 High St", "", "Leeds", "LS1 1AA", "gb"))
    assert payloads.contact_payload(record) == {
        "Code": "C0001", "Name": "Acme Heating", "Email": "a@example.test",
        "Telephone": "0161 496 0000",
        "Address": {"Line1": "1 High St", "Line3": "Leeds", "PostCode": "LS1 1AA",
                    "CountryCode": "GB"}}
    with pytest.raises(payloads.PayloadError):
        payloads.contact_payload(ContactRecord("k", "customer", "C0002", "  "))


def test_a_payment_is_one_bulk_payment_and_a_long_reference_keeps_its_source_id() -> None:
    record = _payment(Allocation("1001", "INV-1", Decimal("120.00")),
                      Allocation("1002", "INV-2", Decimal("30.50")))
    assert payloads.payment_payload(record) == {
        "PaymentDate": "2026-10-20", "BankAccount": 1200, "Reference": "Card 1 (P1)",
        "PaymentMethod": "BACS", "PaymentLines": [
            {"InvoiceNumber": 1001, "Amount": Decimal("120.00")},
            {"InvoiceNumber": 1002, "Amount": Decimal("30.50")}]}
    long = _payment(Allocation("1001", "INV-1", Decimal("1")),
                    reference=f"{'A very long reference from the job system ' * 2}(P77)")
    sent = payloads.payment_payload(long)["Reference"]
    assert len(sent) == 50 and sent.endswith("(P77)")


def test_a_payment_not_wholly_allocated_is_refused_before_any_call() -> None:
    record = _payment(Allocation("1001", "INV-1", Decimal("10")))
    with pytest.raises(payloads.PayloadError):
        payloads.payment_payload(PaymentRecord(**{**record.__dict__, "amount": Decimal("11")}))


def test_ids_carry_kashflows_numbers() -> None:
    assert payloads.external_id("invoice", 1001) == "1001"
    assert payloads.external_id("credit_note", 5001) == "CN-5001"
    assert payloads.external_id("payment", 7001) == "PAY-7001"
    assert [payloads.number_in(i) for i in ("1001", "CN-5001", "PAY-7001")] == [
        "1001", "5001", "7001"]


def test_the_memorable_words_characters_are_those_asked_for() -> None:
    asked = [{"Position": 1}, {"Position": 4}, {"Position": 8}]
    assert characters("sunflower", asked) == [
        {"Position": 1, "Value": "s"}, {"Position": 4, "Value": "f"},
        {"Position": 8, "Value": "e"}]
    with pytest.raises(LoginRefusedError):
        characters("sun", asked)  # a word shorter than KashFlow's: not the right word
    with pytest.raises(BadReplyError):
        characters("sunflower", [{"Position": "one"}])


def test_the_login_form_asks_for_the_memorable_word_as_a_secret() -> None:
    fields = {f["name"]: f["secret"] for f in KashFlowConnector.credential_fields}
    assert fields == {"username": False, "password": True, "memorable_word": True}
    assert KashFlowConnector.tenant_word == "company"


def test_http_failures_are_typed() -> None:
    with pytest.raises(AuthLostError):
        raise_for_status(401, {}, {"Error": "InvalidToken", "Message": "The session token is "
                                   "invalid or has expired."}, "")
    with pytest.raises(RateLimitedError) as limited:
        raise_for_status(429, {"Retry-After": "7"}, {"Error": "TooManyRequests"}, "")
    assert limited.value.after == 7
    with pytest.raises(KashFlowUnavailableError) as down:
        raise_for_status(503, {"Retry-After": "9"}, None, "<html>down</html>")
    assert down.value.after == 9
    with pytest.raises(KashFlowRequestError) as refused:
        raise_for_status(400, {}, {"Error": "ValidationError", "Message": "Bad."}, "")
    assert (refused.value.code, refused.value.message) == ("ValidationError", "Bad.")
    raise_for_status(201, {}, {"Number": 1001}, "")


def test_a_reply_without_a_number_fails_loudly_with_its_text() -> None:
    with pytest.raises(BadReplyError, match="no Number.*Oops"):
        number_of({"Oops": True}, "invoice")
    assert number_of({"Number": 1001}, "invoice") == 1001


def test_pages_are_followed_under_our_api_only() -> None:
    assert next_page({"MetaData": {"NextPageUrl": None}}) is None
    assert under_api(API, "https://elsewhere.test/v2/customers?page=2") == \
        f"{API}/customers?page=2"
    with pytest.raises(BadReplyError):
        under_api(API, "https://elsewhere.test/steal")


@pytest.mark.parametrize(("code", "reason", "detail"), [
    ("CustomerNotFound", "contact_missing", ("contact_name", "Acme Heating")),
    ("CustomerArchived", "contact_archived", ("contact_name", "Acme Heating")),
    ("InvalidNominalCode", "account_unknown", ("account_code", "4000")),
    ("InvalidVatCode", "tax_rate_unknown", ("tax_code", "STANDARD")),
    ("LockedPeriod", "locked_period", ("lock_date", "2026-12-31")),
    ("InvoiceNotFound", "invoice_missing", ("invoice_reference", "INV-11")),
    ("DuplicateCode", "duplicate_reference", ("reference", "INV-12")),
    ("SomethingNew", "validation", ("reference", "INV-12")),
])
def test_kashflows_refusals_are_our_reasons(code: str, reason: str,
                                            detail: tuple[str, str]) -> None:
    record = _doc(_line("1", "20.00", "20", False), kind="credit_note")
    exc = KashFlowRequestError(400, {"Error": code, "Message": "Refused on or before "
                                     "2026-12-31 for CustomerCode X."})
    found = classify(exc, record)
    assert found.reason == reason and reason in REJECT_REASONS
    assert found.details[detail[0]] == detail[1]
    assert "CustomerCode" not in found.package_message


def test_kashflows_field_names_are_put_into_words() -> None:
    said = words("LineItems[0].Description is required; CustomerReference must be at most 50 "
                 "characters; VatCode is not KashFlow's.")
    assert said == ("description of line 1 is required; invoice number must be at most 50 "
                    "characters; VAT code is not KashFlow's.")
    assert raw_bits(said, ["KashFlow"]) == []
