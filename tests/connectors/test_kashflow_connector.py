"""The KashFlow connector against its sandbox over real HTTP, connected as the app connects
(the demo's sandbox user, then the wizard's login), for what the contract suite does not spell
out: the login and its renewal, look-ups before creating (KashFlow has no idempotency key), a
credit note applied in its own step, and payments found again by their reference."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests

from connectors.base import AuthLostError, ConnectorError, Rejected, Sent
from connectors.kashflow import KashFlowConnector
from connectors.kashflow.readback import api_request
from tests.contract.kit import ConnectedOrg, connect_org
from tests.fault_injection import FaultInjector


@pytest.fixture(scope="module")
def org(app: Any, live_url: str) -> Iterator[ConnectedOrg]:
    original = app.wsgi_app
    faults = FaultInjector(original, late_by=2.0)
    app.wsgi_app = faults
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "CALL_BUDGET_ENABLED", False)
        patch.setitem(app.config, "SANDBOX_RATE_LIMITS", False)
        yield connect_org(app, "kashflow", faults)
    app.wsgi_app = original


def _get(org: ConnectedOrg, path: str) -> dict[str, Any]:
    answer = api_request(org.config, org.credentials, "GET", path)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _signup(org: ConnectedOrg, username: str, password: str, word: str) -> None:
    answer = requests.post(f"{org.config['BASE_URL']}/sandbox/kashflow/sandbox/signup",
                           json={"UserName": username, "Password": password,
                                 "MemorableWord": word, "CompanyName": f"{username} Ltd"},
                           timeout=30)
    assert answer.status_code == 201, answer.text


def test_the_login_is_the_company_and_the_lists_hold_the_mapping(org: ConnectedOrg) -> None:
    creds = org.credentials
    assert creds.tenant_id == creds.extra["username"] and creds.tenant_name
    with org.connector() as connector:
        tenants = connector.tenants()
        accounts = {(a.kind, a.code) for a in connector.accounts()}
        rates = {r.code: r.rate for r in connector.tax_rates()}
    assert [(t.id, t.name) for t in tenants] == [(creds.tenant_id, creds.tenant_name)]
    assert {("sales", "4000"), ("sales", "4010"), ("sales", "4900"), ("expense", "5000"),
            ("expense", "7500"), ("bank", "1200"), ("bank", "1210"),
            ("other", "2200")} <= accounts
    assert rates == {"STANDARD": 20, "REDUCED": 5, "ZERO": 0, "EXEMPT": 0, "OUTSIDE": 0}


def test_a_wrong_password_or_memorable_word_is_refused_in_words(org: ConnectedOrg) -> None:
    username = f"kf-words-{org.records.tag}"
    _signup(org, username, "right-password", "sunflower")
    made = KashFlowConnector.login(org.config, {"username": username, "password":
                                                "right-password", "memorable_word": "SUNFLOWER"})
    assert made.access_token and made.tenant_name == f"{username} Ltd"
    with pytest.raises(ConnectorError, match="username or password"):
        KashFlowConnector.login(org.config, {"username": username, "password": "wrong",
                                             "memorable_word": "sunflower"})
    with pytest.raises(ConnectorError, match="memorable word"):
        KashFlowConnector.login(org.config, {"username": username,
                                             "password": "right-password",
                                             "memorable_word": "zzzzzzzzzz"})


def test_renewal_logs_in_again_and_a_changed_password_is_auth_lost_in_words(
        org: ConnectedOrg) -> None:
    username = f"kf-renew-{org.records.tag}"
    _signup(org, username, "first-password", "marigold")
    creds = KashFlowConnector.login(org.config, {"username": username, "password":
                                                 "first-password", "memorable_word": "marigold"})
    again = KashFlowConnector.renew(org.config, creds)
    assert again.access_token and again.access_token != creds.access_token
    assert (again.tenant_id, again.extra) == (creds.tenant_id, creds.extra)
    answer = requests.post(
        f"{org.config['BASE_URL']}/sandbox/kashflow/sandbox/users/{username}/password",
        json={"Password": "second-password"}, timeout=30)
    assert answer.status_code == 200, answer.text
    # The session ended with the password: a call is AuthLost, so the platform renews once...
    with pytest.raises(AuthLostError):
        KashFlowConnector(org.config, again).accounts()
    # ... and the renewal, refused, tells the bookkeeper what to do.
    with pytest.raises(AuthLostError, match="refused the stored password: reconnect KashFlow"):
        KashFlowConnector.renew(org.config, again)


def test_a_locked_account_is_auth_lost_in_words(org: ConnectedOrg) -> None:
    username = f"kf-lock-{org.records.tag}"
    _signup(org, username, "a-password", "daffodil")
    creds = KashFlowConnector.login(org.config, {"username": username, "password":
                                                 "a-password", "memorable_word": "daffodil"})
    answer = requests.post(
        f"{org.config['BASE_URL']}/sandbox/kashflow/sandbox/users/{username}/lock", timeout=30)
    assert answer.status_code == 200, answer.text
    with pytest.raises(AuthLostError, match="account is locked"):
        KashFlowConnector.renew(org.config, creds)


def test_each_call_moves_the_session_expiry_on(org: ConnectedOrg) -> None:
    with org.connector() as connector:
        before = connector.credentials.expires_at
        connector.accounts()
        assert connector.credentials.expires_at > before
        assert connector.client.credentials == connector.credentials


def test_a_customer_code_held_under_our_name_is_linked_another_name_refused(
        org: ConnectedOrg) -> None:
    record = org.records.contact()
    answer = api_request(org.config, org.credentials, "POST", "customers",
                         json={"Code": record.reference, "Name": f" {record.name.upper()} "})
    assert answer.status_code == 201, answer.text
    assert org.push_one(record) == Sent(record.reference)
    other = org.records.contact()
    answer = api_request(org.config, org.credentials, "POST", "customers",
                         json={"Code": other.reference, "Name": "Somebody Else Ltd"})
    assert answer.status_code == 201, answer.text
    outcome = org.push_one(other)
    assert isinstance(outcome, Rejected) and outcome.reason == "duplicate_reference", outcome
    assert org.find(other) is None


def test_a_supplier_has_its_own_code_and_is_found_again(org: ConnectedOrg) -> None:
    record = org.records.contact("supplier")
    code = org.send(record)
    assert org.find(record) == code
    assert _get(org, f"suppliers/{code}")["Name"] == record.name
    assert org.push_one(record) == Sent(code)


def test_an_invoice_carries_our_number_and_vat_and_is_found_again(org: ConnectedOrg) -> None:
    record, number = org.sent_invoice()
    invoice = _get(org, f"invoices/{number}")
    assert invoice["CustomerReference"] == record.reference
    assert str(invoice["Number"]) == number and int(number) >= 1001
    assert [Decimal(str(line["VatAmount"])) for line in invoice["LineItems"]] == [
        Decimal("20.00")]
    assert org.find(record) == number
    assert org.push_one(record) == Sent(number)  # looked up, not made twice
    with org.connector() as connector:
        listed = connector.invoices_of(record.contact_external_id)
    assert [(i.external_id, i.number) for i in listed] == [(number, record.reference)]


def test_a_credit_note_is_applied_in_its_own_step(org: ConnectedOrg) -> None:
    invoice = org.sent_invoice()
    customer = (org.records.contact(), invoice[0].contact_external_id)
    note = org.records.document(customer, kind="credit_note", invoice=invoice)
    ident = org.send(note)
    assert ident.startswith("CN-")
    held = _get(org, f"creditnotes/{ident[3:]}")
    assert str(held["InvoiceNumber"]) == invoice[1]
    assert _get(org, f"invoices/{invoice[1]}")["Status"] == "PartPaid"


def test_a_payment_of_two_invoices_is_one_payment_found_again(org: ConnectedOrg) -> None:
    first = org.sent_invoice()
    customer = (org.records.contact(), first[0].contact_external_id)
    second_record = org.records.document(customer)
    second = (second_record, org.send(second_record))
    payment = org.records.payment(first)
    from dataclasses import replace

    from connectors.base import Allocation

    both = replace(payment, amount=first[0].total + second_record.total, allocations=(
        *payment.allocations,
        Allocation(second[1], second_record.reference, second_record.total)))
    ident = org.send(both)
    assert ident.startswith("PAY-")
    assert org.find(both) == ident
    assert org.push_one(both) == Sent(ident)
    books = org.read_back()
    lines = sorted((p.invoice_id, p.amount) for p in books.payments
                   if p.source_id == both.reference)
    assert lines == sorted([(first[1], first[0].total), (second[1], second_record.total)])


def test_a_code_kashflow_cannot_hold_is_refused_before_any_call(org: ConnectedOrg) -> None:
    document = org.records.document(org.sent_contact(), account_code="SALES")
    outcome = org.push_one(document)
    assert isinstance(outcome, Rejected) and outcome.reason == "account_unknown", outcome
    assert outcome.details["account_code"] == "SALES"


def test_a_server_error_in_answer_to_a_write_is_uncertain_and_find_tells(
        org: ConnectedOrg) -> None:
    from connectors.base import Uncertain

    record = org.records.contact()
    # The look-up by Code goes through; the create is answered 500 (before KashFlow saw it).
    with org.faults("500", skip_calls=1, retry_after=None) as faults:
        outcome = org.push_one(record)
    assert faults.injected["500"] == 1
    assert isinstance(outcome, Uncertain), outcome
    assert org.find(record) is None  # not made: the engine may send it again
    assert org.push_one(record) == Sent(record.reference)


def test_a_taken_code_is_told_as_a_contact_not_a_document(org: ConnectedOrg) -> None:
    from app.sync.explain import explain_rejection

    other = org.records.contact()
    answer = api_request(org.config, org.credentials, "POST", "customers",
                         json={"Code": other.reference, "Name": "Somebody Else Ltd"})
    assert answer.status_code == 201, answer.text
    outcome = org.push_one(other)
    assert isinstance(outcome, Rejected), outcome
    words = explain_rejection(outcome, "KashFlow", f"Customer {other.name}")
    assert words.text == (f"KashFlow already has another customer with the code "
                          f"{other.reference} (Somebody Else Ltd), so it cannot take "
                          f"{other.name} under that code.")
    assert "document" not in words.text and "another code" in words.fix
