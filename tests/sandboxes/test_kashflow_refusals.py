"""What the KashFlow sandbox refuses, in the wire contract's codes, over real HTTP (no connector
code): each refusal of the contract, in the `{"Error","Message"}` envelope, and that nothing
refused was made."""

from __future__ import annotations

import pytest

from tests.sandboxes.kashflow_client import (  # noqa: F401  (fixtures)
    admin,
    call,
    co,
    created,
    customer,
    invoice,
    invoice_body,
    kf,
    line,
    payment_body,
    read,
    refusal,
)


def _invoices_of(co, code: str) -> list:  # type: ignore[no-untyped-def]  # noqa: F811
    return read(call(co, "GET", "/invoices", params={"customercode": code}))["Data"]


def _both(co, body):  # type: ignore[no-untyped-def]  # noqa: F811
    """The refusals of an invoice and a credit note of the same body."""
    return [refusal(call(co, "POST", path, body)) for path in ("/invoices", "/creditnotes")]


def test_documents_for_a_customer_kashflow_has_not(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    answer = call(co, "POST", "/invoices", invoice_body("NOSUCH"))
    assert refusal(answer) == (400, "CustomerNotFound")
    assert "NOSUCH" in answer.json()["Message"]
    assert _both(co, invoice_body("NOSUCH")) == [(400, "CustomerNotFound")] * 2


def test_documents_for_an_archived_customer(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    assert call(co, "PUT", f"/customers/{code}", {"IsArchived": True}).status_code == 200
    assert _both(co, invoice_body(code)) == [(400, "CustomerArchived")] * 2
    assert call(co, "PUT", f"/customers/{code}", {"IsArchived": False}).status_code == 200
    assert invoice(co, code)["Number"] == 1001  # nothing refused took a number


@pytest.mark.parametrize("nominal", [999, 1200, 2200])
def test_a_line_on_a_nominal_the_chart_lacks(co, nominal) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    if nominal != 999:
        # unverified: KashFlow's rule for non-sales nominals on an invoice; the sandbox takes
        # any nominal of the chart.
        assert created(co, "/invoices", invoice_body(code, [line(nominal=nominal)]))
        return
    assert _both(co, invoice_body(code, [line(nominal=nominal)])) == [
        (400, "InvalidNominalCode")] * 2
    assert _invoices_of(co, code) == []


@pytest.mark.parametrize("change", [
    {"VatCode": "NOSUCH"},
    {"VatCode": "STANDARD", "VatRate": 17.5, "VatAmount": 17.5},
    {"VatCode": "ZERO", "VatRate": 20},
    {"VatCode": None, "VatRate": 17.5, "VatAmount": 17.5},
])
def test_vat_codes_and_rates_must_be_the_companys(co, change) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    body = invoice_body(code, [{k: v for k, v in (line() | change).items() if v is not None}])
    assert _both(co, body) == [(400, "InvalidVatCode")] * 2
    assert _invoices_of(co, code) == []


def test_documents_and_payments_in_a_locked_period(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    owed = invoice(co, code, IssuedDate="2024-06-01")
    locked = admin(co["kf"], f"/users/{co['username']}/period-lock", {"LockDate": "2024-05-31"})
    assert locked.status_code == 200 and locked.json()["LockDate"] == "2024-05-31"
    for on in ("2024-05-31", "2023-01-01"):
        assert _both(co, invoice_body(code, IssuedDate=on)) == [(400, "LockedPeriod")] * 2
        pay = payment_body([(owed["Number"], 10)], PaymentDate=on)
        assert refusal(call(co, "POST", "/invoices/bulk/payments", pay)) == (
            400, "LockedPeriod")
    assert created(co, "/invoices", invoice_body(code, IssuedDate="2024-06-01"))
    assert created(co, "/invoices/bulk/payments",
                   payment_body([(owed["Number"], 10)], PaymentDate="2024-06-01"))
    assert admin(co["kf"], f"/users/{co['username']}/period-lock",
                 {"LockDate": None}).status_code == 200
    assert created(co, "/invoices", invoice_body(code, IssuedDate="2020-01-01"))
    assert refusal(admin(co["kf"], f"/users/{co['username']}/period-lock",
                         {"LockDate": "31/05/2024"})) == (400, "ValidationError")


def _without(body: dict, *names: str) -> dict:  # type: ignore[type-arg]
    return {k: v for k, v in body.items() if k not in names}


@pytest.mark.parametrize("change, field", [
    ({"CustomerCode": None}, "CustomerCode"),
    ({"IssuedDate": None}, "IssuedDate"),
    ({"IssuedDate": "01/05/2024"}, "IssuedDate"),
    ({"DueDate": "soon"}, "DueDate"),
    ({"CustomerReference": "R" * 51}, "CustomerReference"),
    ({"Currency": "EUR"}, "Currency"),
    ({"LineItems": []}, "LineItems"),
    ({"LineItems": None}, "LineItems"),
    ({"LineItems": ["a line"]}, "LineItems[0]"),
    ({"LineItems": [line(Description=" ")]}, "LineItems[0].Description"),
    ({"LineItems": [line(), line(Description=None)]}, "LineItems[1].Description"),
    ({"LineItems": [line(NominalCode="4000")]}, "LineItems[0].NominalCode"),
    ({"LineItems": [line(NominalCode=None)]}, "LineItems[0].NominalCode"),
    ({"LineItems": [line(Quantity="two")]}, "LineItems[0].Quantity"),
    ({"LineItems": [line(Rate=None)]}, "LineItems[0].Rate"),
    ({"LineItems": [line(VatAmount=20.001)]}, "LineItems[0].VatAmount"),
    ({"LineItems": [line(VatAmount=25)]}, "LineItems[0].VatAmount"),
    ({"LineItems": [line(VatCode=20)]}, "LineItems[0].VatCode"),
    ({"LineItems": [line(VatCode=None, VatRate=None)]}, "LineItems[0].VatRate"),
    ({"InvoiceNumber": "1001"}, "InvoiceNumber"),
])
def test_malformed_documents_name_the_field(co, change, field) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    body = invoice_body(code) | {"CustomerCode": code}
    body = {k: v for k, v in (body | change).items() if v is not None or k == "LineItems"}
    body["LineItems"] = [{k: v for k, v in item.items() if v is not None}
                         if isinstance(item, dict) else item
                         for item in (body["LineItems"] or [])] if body["LineItems"] else \
        body["LineItems"]
    path = "/creditnotes" if "InvoiceNumber" in change else "/invoices"
    answer = call(co, "POST", path, body)
    assert refusal(answer) == (400, "ValidationError")
    assert answer.json()["Message"].startswith(field), answer.json()
    assert _invoices_of(co, code) == []


def test_a_body_that_is_not_a_json_object(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    for data in ("{not json", "[1, 2]", '"text"'):
        answer = call(co, "POST", "/invoices", data=data,
                      headers={"Content-Type": "application/json"})
        assert refusal(answer) == (400, "ValidationError")
    assert refusal(call(co, "POST", "/sessiontoken", data="{")) == (400, "ValidationError")


def test_a_credit_note_of_an_invoice_kashflow_has_not_or_of_another_customer(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    answer = call(co, "POST", "/creditnotes", invoice_body(code, InvoiceNumber=1999))
    assert refusal(answer) == (400, "InvoiceNotFound")
    theirs = invoice(co)
    other = call(co, "POST", "/creditnotes", invoice_body(code, InvoiceNumber=theirs["Number"]))
    assert refusal(other) == (400, "ValidationError")
    assert read(call(co, "GET", "/creditnotes"))["Data"] == []
    assert read(call(co, "GET", f"/invoices/{theirs['Number']}"))["AmountPaid"] == 0


def test_payments_are_all_or_nothing(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    one, two = invoice(co), invoice(co)  # 120.00 each
    cases = [
        (payment_body([(one["Number"], 120), (two["Number"], 120.01)]),
         "PaymentExceedsBalance"),
        (payment_body([(one["Number"], 60), (one["Number"], 60.01)]), "PaymentExceedsBalance"),
        (payment_body([(one["Number"], 10), (1999, 10)]), "InvoiceNotFound"),
        (payment_body([(one["Number"], 10)], BankAccount=4000), "InvalidNominalCode"),
        (payment_body([(one["Number"], 10)], BankAccount=1299), "InvalidNominalCode"),
        (payment_body([(one["Number"], 0)]), "ValidationError"),
        (payment_body([(one["Number"], 10.001)]), "ValidationError"),
        (payment_body([]), "ValidationError"),
        (payment_body([(one["Number"], 10)], PaymentDate=None), "ValidationError"),
        (payment_body([(one["Number"], 10)], BankAccount="1200"), "ValidationError"),
        (payment_body([(one["Number"], 10)], Reference="R" * 51), "ValidationError"),
        (payment_body([(one["Number"], 10)], PaymentMethod="Barter"), "ValidationError"),
    ]
    for body, error in cases:
        body = {k: v for k, v in body.items() if v is not None}
        answer = call(co, "POST", "/invoices/bulk/payments", body)
        assert refusal(answer) == (400, error), body
    for made in (one, two):
        after = read(call(co, "GET", f"/invoices/{made['Number']}"))
        assert after["AmountPaid"] == 0 and after["PaymentLines"] == []
    paid = created(co, "/invoices/bulk/payments",
                   payment_body([(one["Number"], 60), (one["Number"], 60)]))
    assert paid["Number"] == 7001  # nothing refused took a number
    assert read(call(co, "GET", f"/invoices/{one['Number']}"))["Status"] == "Paid"
    again = call(co, "POST", "/invoices/bulk/payments", payment_body([(one["Number"], 0.01)]))
    assert refusal(again) == (400, "PaymentExceedsBalance")


@pytest.mark.parametrize("body, field", [
    ({"Name": "No code"}, "Code"),
    ({"Code": "C" * 21, "Name": "Long code"}, "Code"),
    ({"Code": "NONAME"}, "Name"),
    ({"Code": "LONGNAME", "Name": "N" * 101}, "Name"),
    ({"Code": "BADMAIL", "Name": "X", "Email": 7}, "Email"),
    ({"Code": "BADADDR", "Name": "X", "Address": "1 High St"}, "Address"),
    ({"Code": "BADPC", "Name": "X", "Address": {"PostCode": "P" * 21}}, "Address.PostCode"),
])
def test_malformed_contacts_name_the_field(co, body, field) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    for path in ("/customers", "/suppliers"):
        answer = call(co, "POST", path, body)
        assert refusal(answer) == (400, "ValidationError")
        assert answer.json()["Message"].startswith(field)
        assert read(call(co, "GET", path))["MetaData"]["TotalRecords"] == 0
    code = customer(co)["Code"]
    assert refusal(call(co, "PUT", f"/customers/{code}", {"IsArchived": "yes"})) == (
        400, "ValidationError")
    assert refusal(call(co, "PUT", f"/customers/{code}", {"Code": "OTHER"})) == (
        400, "ValidationError")


def test_unknown_resources_are_not_found(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    assert refusal(call(co, "GET", "/widgets")) == (404, "NotFound")
    assert refusal(call(co, "GET", "/widgets/1")) == (404, "NotFound")
    assert refusal(call(co, "GET", "/creditnotes/5999")) == (404, "NotFound")
    assert refusal(call(co, "GET", "/suppliers/NOPE")) == (404, "NotFound")


def test_applying_a_credit_note_by_put(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    owed = invoice(co, code)
    credit = created(co, "/creditnotes", invoice_body(code))
    path = f"/creditnotes/{credit['Number']}"
    assert refusal(call(co, "PUT", "/creditnotes/5999", {"InvoiceNumber": owed["Number"]})) == (
        404, "NotFound")
    assert refusal(call(co, "PUT", path, {"InvoiceNumber": 1999})) == (400, "InvoiceNotFound")
    assert refusal(call(co, "PUT", path, {"InvoiceNumber": str(owed["Number"])})) == (
        400, "ValidationError")
    assert refusal(call(co, "PUT", path, {})) == (400, "ValidationError")
    assert refusal(call(co, "PUT", path, {"InvoiceNumber": owed["Number"],
                                          "GrossAmount": 1})) == (400, "ValidationError")
    theirs = invoice(co)
    assert refusal(call(co, "PUT", path, {"InvoiceNumber": theirs["Number"]})) == (
        400, "ValidationError")
    assert read(call(co, "GET", path))["AmountApplied"] == 0
    assert call(co, "PUT", path, {"InvoiceNumber": owed["Number"]}).status_code == 200
    again = call(co, "PUT", path, {"InvoiceNumber": owed["Number"]})
    assert refusal(again) == (400, "ValidationError")
    assert "already applied" in again.json()["Message"]
    assert read(call(co, "GET", f"/invoices/{owed['Number']}"))["AmountPaid"] == 120
    assert refusal(call(co, "PUT", f"/invoices/{owed['Number']}", {"Status": "Paid"})) == (
        405, "MethodNotAllowed")
