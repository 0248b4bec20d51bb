"""The FreeAgent connector's bodies and its reading of FreeAgent's replies, without HTTP: the
wire contract's shapes (money as strings), VAT-inclusive lines that come to our VAT under
FreeAgent's per-item arithmetic (the sandbox's, run here on the body alone), both error
envelopes, and the sign-in URLs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from app.money import line_amounts
from connectors.base import (
    Allocation,
    AuthLostError,
    DocumentLine,
    DocumentRecord,
    PaymentRecord,
    RateLimitedError,
)
from connectors.freeagent import FreeAgentConnector, client, payloads
from connectors.freeagent.errors import (
    FreeAgentRequestError,
    classify,
    messages_of,
    raise_for_status,
)
from sandboxes.freeagent.arithmetic import item_figures

API = "https://api.freeagent.com/v2"
SETTINGS = {"FREEAGENT_CLIENT_ID": "id", "FREEAGENT_CLIENT_SECRET": "secret",
            "FREEAGENT_API_URL": "https://api.freeagent.com", "FREEAGENT_USER_AGENT": ""}


def _line(quantity: str, price: str, rate: str, inclusive: bool, code: str = "20"
          ) -> DocumentLine:
    figures = line_amounts(Decimal(quantity), Decimal(price), Decimal(rate), inclusive)
    return DocumentLine("Boiler service", Decimal(quantity), Decimal(price), "001", code,
                        Decimal(rate), figures.line_amount, figures.tax)


def _doc(*lines: DocumentLine, inclusive: bool = False) -> DocumentRecord:
    net = sum((ln.line_amount - (ln.tax_amount if inclusive else 0) for ln in lines),
              Decimal("0.00"))
    tax = sum((ln.tax_amount for ln in lines), Decimal("0.00"))
    return DocumentRecord(
        key="k", kind="invoice", reference="INV-1", contact_external_id=f"{API}/contacts/1",
        contact_name="Acme", date=date(2026, 10, 15), due_date=date(2026, 11, 14),
        their_reference="PO 7", amounts_are="inclusive" if inclusive else "exclusive",
        lines=lines, subtotal=net, tax_total=tax, total=net + tax)


def _freeagent_figures(items: list[dict]) -> tuple[Decimal, Decimal]:
    found = [item_figures(i, "Invoice items", Decimal(i["sales_tax_rate"])) for i in items]
    return sum(f["net"] for f in found), sum(f["vat"] for f in found)


def test_an_invoice_body_is_the_wire_contracts_with_money_as_strings() -> None:
    body = payloads.invoice_payload(_doc(_line("2", "12.3449", "20", False)), API)["invoice"]
    assert body["contact"] == f"{API}/contacts/1" and body["reference"] == "INV-1"
    assert (body["dated_on"], body["due_on"], body["payment_terms_in_days"]) == (
        "2026-10-15", "2026-11-14", 30)
    assert body["comments"] == "Your ref: PO 7"
    assert body["invoice_items"] == [{
        "item_type": "-no unit-", "description": "Boiler service", "quantity": "2",
        "price": "12.3449", "sales_tax_rate": "20", "category": f"{API}/categories/001"}]


def test_exempt_and_out_of_scope_codes_give_the_status_the_rate_is_the_lines() -> None:
    exempt = payloads.invoice_payload(_doc(_line("1", "10", "0", False, "exempt")), API)
    item = exempt["invoice"]["invoice_items"][0]
    assert (item["sales_tax_rate"], item["sales_tax_status"]) == ("0", "EXEMPT")
    plain = payloads.invoice_payload(_doc(_line("1", "10", "0", False, "0")), API)
    assert "sales_tax_status" not in plain["invoice"]["invoice_items"][0]


@pytest.mark.parametrize(("quantity", "price", "rate"), [
    ("1", "1999.95", "20"),  # FreeAgent's VAT on the net would be a penny over ours
    ("1", "1999.93", "5"),
    ("3.3333", "1.0005", "5"),
    ("1", "0.625", "20"),
    ("7", "13.99", "20"),
])
def test_an_inclusive_line_comes_to_our_net_and_vat_under_freeagents_arithmetic(
        quantity: str, price: str, rate: str) -> None:
    line = _line(quantity, price, rate, True)
    items = payloads.invoice_payload(_doc(line, inclusive=True), API)["invoice"]["invoice_items"]
    assert _freeagent_figures(items) == (line.line_amount - line.tax_amount, line.tax_amount)
    assert 1 <= len(items) <= 2 and items[0]["quantity"] in (quantity, "1")


def test_an_inclusive_line_is_split_only_where_one_item_would_be_a_penny_off() -> None:
    split = payloads.invoice_payload(_doc(_line("1", "1999.95", "20", True), inclusive=True),
                                     API)["invoice"]["invoice_items"]
    assert len(split) == 2 and "VAT rounding" in split[1]["description"]
    whole = payloads.invoice_payload(_doc(_line("1", "1.00", "20", True), inclusive=True),
                                     API)["invoice"]["invoice_items"]
    assert [i["price"] for i in whole] == ["0.83000000"]


def test_a_payment_not_wholly_allocated_is_refused_before_any_call() -> None:
    payment = PaymentRecord("k", "payment", "P1", f"{API}/contacts/1", "Acme",
                            date(2026, 10, 20), Decimal("50.00"), "750-1",
                            (Allocation(f"{API}/invoices/9", "INV-1", Decimal("40.00")),))
    with pytest.raises(payloads.PayloadError, match="not wholly allocated"):
        payloads.check_payment(payment)
    payloads.check_payment(replace(payment, amount=Decimal("40.00")))
    body = payloads.explanation_payload(payment, f"{API}/bank_accounts/1", f"{API}/invoices/9",
                                        Decimal("40"))["bank_transaction_explanation"]
    assert (body["gross_value"], body["description"], body["paid_invoice"]) == (
        "40.00", "P1", f"{API}/invoices/9")


def test_both_error_envelopes_are_read_and_classified() -> None:
    assert messages_of({"errors": [{"message": "Contact not found"}, {"message": "x"}]}) == [
        "Contact not found", "x"]
    assert messages_of({"errors": {"error": {"message": "Invalid nominal code"}}}) == [
        "Invalid nominal code"]
    assert messages_of({"nothing": 1}) == [] and messages_of("text") == []
    record = _doc(_line("1", "10", "20", False))
    assert classify(["Invalid nominal code"], record).reason == "account_unknown"
    assert classify(["Contact not found"], record).reason == "contact_missing"
    assert classify(["Reference has already been taken"], record).reason == (
        "duplicate_reference")
    other = classify(["Invoice items description can't be blank"], record)
    assert other.reason == "validation" and "description" in other.package_message


def test_http_failures_are_typed() -> None:
    with pytest.raises(AuthLostError):
        raise_for_status(401, {}, {"errors": {"error": {"message": "Access token not "
                                                                   "recognised"}}}, "")
    for words, window in (("You must not exceed 120 requests per 60 seconds", "minute"),
                          ("You must not exceed 3600 requests per 3600 seconds", "hour")):
        with pytest.raises(RateLimitedError) as limited:
            raise_for_status(429, {"Retry-After": "7"}, {"errors": {"error": {
                "message": words}}}, "")
        assert (limited.value.after, limited.value.problem) == (7.0, window)
    with pytest.raises(FreeAgentRequestError) as refused:
        raise_for_status(400, {}, {"errors": {"error": {"message": "Invalid nominal code"}}}, "")
    assert refused.value.messages == ["Invalid nominal code"]


def test_sign_in_asks_no_scope_and_sends_the_user_agent_to_the_token_endpoint() -> None:
    url = FreeAgentConnector.authorization_url(SETTINGS, "https://ours.test/cb", "st")
    assert url.startswith("https://api.freeagent.com/v2/approve_app?") and "scope" not in url
    provider = client.oauth2(SETTINGS)
    assert provider.token_url == "https://api.freeagent.com/v2/token_endpoint"
    assert provider.headers == {"User-Agent": client.DEFAULT_USER_AGENT}  # blank setting
    named = client.oauth2({**SETTINGS, "FREEAGENT_USER_AGENT": "Acme (+me)"})
    assert named.headers == {"User-Agent": "Acme (+me)"}
