"""The KashFlow sandbox's money oracle (sandboxes/kashflow/totals.py) against the sandbox itself
over HTTP: the same bodies give the same figures and the same amounts left, because both run one
arithmetic; and its contract hook: revoke, and every provocation's set-up, pushed by a small
client written from the wire contract (not the connector), refused for its reason."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, NamedTuple

import pytest
import requests

from connectors.base import ContactRecord, Credentials, DocumentRecord, PaymentRecord, Record
from sandboxes.kashflow import contract, totals
from sandboxes.kashflow.replies import Invalid
from tests.contract.records import RecordFactory
from tests.sandboxes.kashflow_client import (  # noqa: F401  (fixtures)
    call,
    co,
    created,
    customer,
    invoice_body,
    kf,
    line,
    payment_body,
    read,
    refusal,
    signed_in,
    signup,
)

RATES = {"STANDARD": Decimal("20"), "REDUCED": Decimal("5"), "ZERO": Decimal("0")}


class Wire(NamedTuple):
    method: str
    path: str
    params: dict[str, str]
    body: bytes


def _wire(path: str, body: dict[str, Any]) -> Wire:
    return Wire("POST", path, {}, json.dumps(body).encode())


def _lines(rng: random.Random, count: int) -> list[dict[str, Any]]:
    found = []
    for _ in range(count):
        code = rng.choice(sorted(RATES))
        quantity = float(Decimal(rng.randint(1, 400)).scaleb(-2))
        rate = float(Decimal(rng.randint(1, 10**6) * 10 + 5).scaleb(-4))
        made = line(quantity=quantity, rate=rate, vat_rate=float(RATES[code]), code=code)
        if rng.random() < 0.3:
            del made["VatAmount"]  # KashFlow works it out
        found.append(made)
    return found


def test_the_oracle_gives_the_figures_the_sandbox_answers(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    rng = random.Random(10)
    code = customer(co)["Code"]
    for n in range(4):
        for path, kind in (("/invoices", "invoice"), ("/v2/creditnotes", "credit_note")):
            body = invoice_body(code, _lines(rng, rng.randint(1, 12)))
            answered = created(co, path.removeprefix("/v2"), body)
            oracle = totals.document_totals(kind, _wire(path, body), RATES)
            assert oracle == (answered["NetAmount"], answered["VATAmount"],
                              answered["GrossAmount"]), n


def test_the_oracle_leaves_what_the_sandbox_leaves(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    invoice_req = invoice_body(code, [line(quantity=3, rate=33.335), line(rate=9.99)])
    invoice = created(co, "/invoices", invoice_req)  # 100.01 + 9.99 net, 132.00 gross
    number = invoice["Number"]
    credit_req = invoice_body(code, [line(rate=10.01, vat_rate=5, code="REDUCED")],
                              InvoiceNumber=number)
    credit = created(co, "/creditnotes", credit_req)  # 10.51, applied as it is made
    later_req = invoice_body(code, [line(rate=1)])  # 1.20, applied by its PUT
    later = created(co, "/creditnotes", later_req)
    apply = {"InvoiceNumber": number}
    assert call(co, "PUT", f"/creditnotes/{later['Number']}", apply).status_code == 200
    pays = [payment_body([(number, 50)]), payment_body([(number, 20.49), (number, 1)])]
    for pay in pays:
        created(co, "/invoices/bulk/payments", pay)
    left = totals.amounts_left(
        {str(number): ("invoice", _wire("/invoices", invoice_req)),
         f"CN-{credit['Number']}": ("credit_note", _wire("/creditnotes", credit_req)),
         f"CN-{later['Number']}": ("credit_note", _wire("/creditnotes", later_req))},
        [Wire("PUT", f"creditnotes/{later['Number']}", {}, json.dumps(apply).encode()),
         *[_wire("/v2/invoices/bulk/payments", pay) for pay in pays]], RATES)
    now = read(call(co, "GET", f"/invoices/{number}"))
    assert left == {str(number): now["GrossAmount"] - now["AmountPaid"],
                    f"CN-{credit['Number']}": Decimal(0), f"CN-{later['Number']}": Decimal(0)}
    assert left[str(number)] == Decimal("48.80")


def test_the_oracle_matches_placeholder_ids_and_refuses_in_kashflows_words() -> None:
    invoice_req = invoice_body("C1", [line(rate=10)])  # 12.00
    credit_req = invoice_body("C1", [line(rate=20)], InvoiceNumber="placeholder-invoice")
    left = totals.amounts_left({"placeholder-invoice": ("invoice", _wire("/invoices",
                                                                         invoice_req)),
                                "placeholder-credit": ("credit_note",
                                                       _wire("/creditnotes", credit_req))},
                               [], RATES)
    # A credit of more than is owed: only what is owed is applied.
    assert left == {"placeholder-invoice": Decimal(0), "placeholder-credit": Decimal("12.00")}
    alone = invoice_body("C1", [line(rate=5)])  # 6.00, applied by its PUT
    applied = Wire("PUT", "creditnotes/placeholder-credit", {},
                   json.dumps({"InvoiceNumber": "placeholder-invoice"}).encode())
    documents = {"placeholder-invoice": ("invoice", _wire("/invoices", invoice_req)),
                 "placeholder-credit": ("credit_note", _wire("/creditnotes", alone))}
    assert totals.amounts_left(documents, [applied], RATES) == {
        "placeholder-invoice": Decimal("6.00"), "placeholder-credit": Decimal(0)}
    with pytest.raises(Invalid, match="already applied"):
        totals.amounts_left(documents, [applied, applied], RATES)
    with pytest.raises(Invalid, match="No credit note with number nowhere"):
        totals.amounts_left(documents, [applied._replace(path="creditnotes/nowhere")], RATES)
    overpaid = payment_body([("placeholder-invoice", 12.01)])
    with pytest.raises(Invalid, match="more than the 12.00 invoice placeholder-invoice still"):
        totals.amounts_left({"placeholder-invoice": ("invoice", _wire("/invoices",
                                                                      invoice_req))},
                            [_wire("/invoices/bulk/payments", overpaid)], RATES)
    with pytest.raises(Invalid, match="no invoice with number other"):
        totals.amounts_left({"placeholder-invoice": ("invoice", _wire("/invoices",
                                                                      invoice_req))},
                            [_wire("/invoices/bulk/payments",
                                   payment_body([("other", 1)]))], RATES)
    with pytest.raises(Invalid, match="VatCode NOSUCH is not a VAT rate"):
        totals.document_totals("invoice", _wire("/invoices", invoice_body(
            "C1", [line(code="NOSUCH")])), RATES)
    # The test's placeholder codes: NominalCode is not looked up, VatCode is the test's own.
    odd = invoice_body("C1", [line(rate=10, code="TAX-STANDARD", NominalCode="SALES-CODE")])
    assert totals.document_totals("invoice", _wire("/invoices", odd),
                                  {"TAX-STANDARD": Decimal(20)}) == (10, 2, 12)


# ------------------------------------------------------------------------ the contract hook


@dataclass
class Books:
    """ContractBooks for one sandbox user, pushing records by the wire contract (a stand-in
    for the connector, which this branch does not hold)."""

    base: str
    user: dict[str, Any]
    factory: RecordFactory = field(default_factory=lambda: RecordFactory(SimpleNamespace(
        accounts={"sales": "4000", "bank": "1200"}, tax_rates={"standard": "STANDARD"})))

    @property
    def config(self) -> dict[str, Any]:
        return {"KASHFLOW_API_URL": f"{self.base}/v2"}

    @property
    def tenant_id(self) -> str:
        return str(self.user["username"])

    @property
    def credentials(self) -> Credentials:
        return Credentials(access_token=self.user["token"], tenant_id=self.tenant_id, extra={
            "username": self.user["username"], "password": self.user["password"],
            "memorable_word": self.user["word"]})

    def contact(self, kind: str = "customer", name: str = "", email: str = "") -> ContactRecord:
        return self.factory.contact(kind, name, email)  # type: ignore[arg-type]

    def sent_contact(self, kind: str = "customer", name: str = "") -> tuple[ContactRecord, str]:
        record = self.contact(kind, name)
        return record, self.push(record)

    def document(self, contact: tuple[ContactRecord, str], **options: Any) -> DocumentRecord:
        return self.factory.document(contact, **options)

    def sent_invoice(self, as_draft: bool = False) -> tuple[DocumentRecord, str]:
        record = self.document(self.sent_contact())
        return record, self.push(record)

    def payment(self, invoice: tuple[DocumentRecord, str], amount: Any = None,
                bank_account_code: str = "") -> PaymentRecord:
        return self.factory.payment(invoice, amount, bank_account_code)

    def change_sandbox(self, change: Any) -> None:
        raise AssertionError("the KashFlow provocations go through the API and admin routes")

    def _send(self, method: str, path: str, body: Any = None) -> requests.Response:
        return call(self.user, method, path, body)

    def push(self, record: Record) -> str:
        """The package's id of the record, or Refused(<KashFlow's Error>)."""
        if isinstance(record, ContactRecord):
            found = self._send("GET", f"/customers/{record.reference}")
            if found.status_code == 200:
                if found.json()["Name"] != record.name:
                    raise Refused("DuplicateCode (a customer of another name)")
                return record.reference
            answer = self._send("POST", "/customers", {"Code": record.reference,
                                                       "Name": record.name})
            return self._made(answer)["Code"]
        if isinstance(record, DocumentRecord):
            body = {"CustomerCode": record.contact_external_id,
                    "IssuedDate": record.date.isoformat(), "CustomerReference": record.reference,
                    "Currency": "GBP", "LineItems": [{
                        "Description": ln.description, "Quantity": float(ln.quantity),
                        "Rate": float(ln.unit_price), "NominalCode": int(ln.account_code),
                        "VatRate": float(ln.tax_rate), "VatAmount": float(ln.tax_amount),
                        "VatCode": ln.tax_code} for ln in record.lines]}
            path = "/invoices" if record.kind == "invoice" else "/creditnotes"
            return str(self._made(self._send("POST", path, body))["Number"])
        answer = self._send("POST", "/invoices/bulk/payments", {
            "PaymentDate": record.date.isoformat(), "BankAccount": int(record.bank_account_code),
            "Reference": record.reference, "PaymentMethod": "BACS", "PaymentLines": [
                {"InvoiceNumber": int(a.invoice_external_id), "Amount": float(a.amount)}
                for a in record.allocations]})
        return f"PAY-{self._made(answer)['Number']}"

    def _made(self, answer: requests.Response) -> dict[str, Any]:
        if answer.status_code != 201:
            raise Refused(refusal(answer)[1])
        return answer.json()


class Refused(Exception):
    pass


EXPECTED = {"contact_missing": "CustomerNotFound", "contact_archived": "CustomerArchived",
            "duplicate_reference": "DuplicateCode", "account_unknown": "InvalidNominalCode",
            "tax_rate_unknown": "InvalidVatCode", "locked_period": "LockedPeriod",
            "invoice_missing": "InvoiceNotFound", "amount_exceeds_due": "PaymentExceedsBalance",
            "validation": "ValidationError"}


def test_every_reason_of_the_wire_contract_is_provoked(kf) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    assert {p.reason for p in contract.PROVOCATIONS} == set(EXPECTED)
    assert contract.CONTACTS_PER_PAGE == 100
    books = Books(kf["base"], signed_in(kf, signup(kf)))
    for provocation in contract.PROVOCATIONS:
        record = provocation.make(books)  # type: ignore[arg-type]
        with pytest.raises(Refused, match=f"^{EXPECTED[provocation.reason]}"):
            books.push(record)
    # What was not provoked still goes through: the set-ups broke nothing else.
    invoice = books.sent_invoice()
    assert books.push(books.payment(invoice)).startswith("PAY-7")


def test_the_hook_revokes_by_changing_the_password(kf) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    user = signup(kf)
    one, two = signed_in(kf, user), signed_in(kf, user)
    books = Books(kf["base"], one)
    contract.revoke(books.config, books.credentials)
    for session in (one, two):
        assert refusal(call(session, "GET", "/company")) == (401, "InvalidToken")
    answer = requests.post(f"{kf['base']}/v2/sessiontoken", timeout=10,
                           json={"UserName": user["username"], "Password": user["password"]})
    assert refusal(answer) == (401, "InvalidCredentials")
    with pytest.raises(AssertionError, match="set-up refused"):
        contract.revoke(books.config, Credentials(extra={"username": "nobody-here"}))
    with pytest.raises(AssertionError, match="lacks 'username'"):
        contract.revoke(books.config, Credentials(access_token="x"))
