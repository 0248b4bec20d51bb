"""The KashFlow sandbox's books over real HTTP (no connector code): the seeded nominals and VAT
rates, customers and suppliers by Code, invoices numbered from 1001 with their figures, credit
notes from 5001 applied to their invoice, bulk payments from 7001, paged lists, and no
idempotency."""

from __future__ import annotations

from decimal import Decimal

from tests.sandboxes.kashflow_client import (  # noqa: F401  (fixtures)
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
    signed_in,
    signup,
)


def test_the_seeded_nominals_and_vat_rates(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    nominals = read(call(co, "GET", "/nominals", params={"perpage": 100}))
    codes = {n["Code"]: (n["Name"], n["Type"]) for n in nominals["Data"]}
    assert codes == {4000: ("Sales", "Sales"), 4010: ("Sales of materials", "Sales"),
                     4900: ("Other income", "Sales"), 5000: ("Purchases", "Purchases"),
                     7000: ("Wages", "Expense"), 7500: ("Office costs", "Expense"),
                     1200: ("Current account", "Bank"), 1210: ("Savings account", "Bank"),
                     2200: ("VAT liability", "Liability")}
    assert nominals["MetaData"] == {"NextPageUrl": None, "TotalRecords": 9}
    rates = read(call(co, "GET", "/vatrates"))["Data"]
    assert {r["Code"]: r["Rate"] for r in rates} == {"STANDARD": 20, "REDUCED": 5, "ZERO": 0,
                                                      "EXEMPT": 0, "OUTSIDE": 0}
    assert all(isinstance(r["Name"], str) and r["Name"] for r in rates)


def test_customers_and_suppliers_by_code(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    made = customer(co, code="ACME01", name="Acme Plumbing Ltd", Telephone="0161 000 0000",
                    Address={"Line1": "1 High St", "PostCode": "M1 1AA", "CountryCode": "GB"},
                    VatNumber="GB123456789")
    assert made["Code"] == "ACME01" and made["Name"] == "Acme Plumbing Ltd"
    assert isinstance(made["Id"], int) and made["IsArchived"] is False
    assert made["Address"]["Line1"] == "1 High St" and made["Address"]["Line2"] == ""
    found = call(co, "GET", "/customers/ACME01")
    assert found.status_code == 200 and found.json() == made
    assert refusal(call(co, "GET", "/customers/NOPE")) == (404, "NotFound")
    # Codes are unique among customers; suppliers have codes of their own.
    again = call(co, "POST", "/customers", {"Code": "ACME01", "Name": "Someone else"})
    assert refusal(again) == (400, "DuplicateCode")
    assert again.json()["Message"] == "A customer with code ACME01 already exists."
    supplier = customer(co, code="ACME01", name="Acme Supplies", path="/suppliers")
    assert supplier["Code"] == "ACME01"
    assert refusal(call(co, "POST", "/suppliers", {"Code": "ACME01", "Name": "X"})) == (
        400, "DuplicateCode")
    assert call(co, "GET", "/suppliers/ACME01").json()["Name"] == "Acme Supplies"
    archived = call(co, "PUT", "/customers/ACME01", {"IsArchived": True})
    assert archived.status_code == 200 and archived.json()["IsArchived"] is True
    assert call(co, "GET", "/customers/ACME01").json()["IsArchived"] is True
    assert refusal(call(co, "PUT", "/customers/NOPE", {"IsArchived": True})) == (
        404, "NotFound")


def test_companies_keep_their_own_books(kf, co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    made = customer(co)
    other = signed_in(kf, signup(kf))
    assert refusal(call(other, "GET", f"/customers/{made['Code']}")) == (404, "NotFound")
    assert read(call(other, "GET", "/customers"))["MetaData"]["TotalRecords"] == 0
    assert customer(other, code=made["Code"])["Code"] == made["Code"]  # free there


def test_an_invoice_is_numbered_and_summed(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co, name="Penny Ltd")["Code"]
    lines = [line(quantity=2, rate=12.3449, vat_rate=20),  # net 24.69, VAT 4.94 (4.93796)
             line(quantity=3.3333, rate=1.0005, vat_rate=5, code="REDUCED", nominal=4010,
                  VatAmount=0.16),
             line(quantity=1, rate=10, vat_rate=0, code="ZERO")]
    body = invoice_body(code, lines, CustomerReference="INV-12")
    made = created(co, "/invoices", body)
    assert made["Number"] == 1001 and made["CustomerReference"] == "INV-12"
    assert made["CustomerCode"] == code and made["CustomerName"] == "Penny Ltd"
    assert (made["NetAmount"], made["VATAmount"], made["GrossAmount"]) == (
        Decimal("38.02"), Decimal("5.10"), Decimal("43.12"))
    assert made["AmountPaid"] == 0 and made["Status"] == "Unpaid"
    assert made["PaymentLines"] == [] and len(made["LineItems"]) == 3
    first = made["LineItems"][0]
    assert (first["Description"], first["Quantity"], first["Rate"], first["NominalCode"],
            first["VatRate"], first["VatAmount"], first["VatCode"]) == (
        "Work", 2, Decimal("12.3449"), 4000, 20, Decimal("4.94"), "STANDARD")
    assert made["IssuedDate"] == "2024-05-01" and made["DueDate"] == "2024-05-31"
    assert read(call(co, "GET", "/invoices/1001")) == made
    assert created(co, "/invoices", invoice_body(code))["Number"] == 1002
    assert refusal(call(co, "GET", "/invoices/999")) == (404, "NotFound")


def test_vat_amount_is_kept_as_sent_within_a_penny(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    # 3 x 0.335 = 1.005 net 1.01 (half up); VAT exact 0.201: 0.20 and 0.21 are within a penny of it.
    for vat, ok in ((0.20, True), (0.21, True), (0.19, False), (0.22, False), (0.18, False)):
        answer = call(co, "POST", "/invoices", invoice_body(code, [line(
            quantity=3, rate=0.335, VatAmount=vat)]))
        if ok:
            assert answer.status_code == 201, answer.text
            assert read(answer)["VATAmount"] == Decimal(str(vat)).quantize(Decimal("0.01"))
            assert read(answer)["NetAmount"] == Decimal("1.01")
        else:
            assert refusal(answer) == (400, "ValidationError")
    without = line(quantity=3, rate=0.335)
    del without["VatAmount"], without["VatCode"]
    made = created(co, "/invoices", invoice_body(code, [without]))
    assert made["VATAmount"] == Decimal("0.20") and made["LineItems"][0]["VatCode"] == "STANDARD"


def test_a_credit_note_is_applied_to_its_invoice_up_to_what_it_owes(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    owed = created(co, "/invoices", invoice_body(code, [line(rate=100)]))  # 120.00
    credit = created(co, "/creditnotes", invoice_body(code, [line(rate=25)],
                                                      InvoiceNumber=owed["Number"]))
    assert credit["Number"] == 5001 and credit["InvoiceNumber"] == owed["Number"]
    assert credit["GrossAmount"] == Decimal("30.00") and credit["AmountApplied"] == 30
    after = read(call(co, "GET", f"/invoices/{owed['Number']}"))
    assert after["AmountPaid"] == 30 and after["Status"] == "PartPaid"
    assert after["PaymentLines"] == []
    # A credit of more than is left: only what is owed is applied.
    big = created(co, "/creditnotes", invoice_body(code, [line(rate=100)],
                                                   InvoiceNumber=owed["Number"]))
    assert big["Number"] == 5002 and big["AmountApplied"] == 90
    after = read(call(co, "GET", f"/invoices/{owed['Number']}"))
    assert after["AmountPaid"] == 120 and after["Status"] == "Paid"
    # Without an InvoiceNumber nothing is applied.
    loose = created(co, "/creditnotes", invoice_body(code, [line(rate=1)]))
    assert loose["InvoiceNumber"] is None and loose["AmountApplied"] == 0
    assert read(call(co, "GET", "/creditnotes/5003"))["Number"] == 5003
    listed = read(call(co, "GET", "/creditnotes", params={"customercode": code}))
    assert [c["Number"] for c in listed["Data"]] == [5001, 5002, 5003]


def test_a_bulk_payment_pays_several_invoices(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    one, two = invoice(co, code), invoice(co, code)  # 120.00 each
    body = payment_body([(one["Number"], 120), (two["Number"], 20.5)], Reference="Card 1")
    paid = created(co, "/invoices/bulk/payments", body)
    assert paid["Number"] == 7001 and paid["Reference"] == "Card 1"
    assert paid["PaymentLines"] == [{"InvoiceNumber": one["Number"], "Amount": 120},
                                    {"InvoiceNumber": two["Number"], "Amount": Decimal("20.5")}]
    first = read(call(co, "GET", f"/invoices/{one['Number']}"))
    assert first["Status"] == "Paid" and first["AmountPaid"] == 120
    assert first["PaymentLines"] == [{"Number": 7001, "Date": "2024-05-10", "Amount": 120,
                                      "Reference": "Card 1", "BankAccount": 1200,
                                      "PaymentMethod": "BACS"}]
    second = read(call(co, "GET", f"/invoices/{two['Number']}"))
    assert second["Status"] == "PartPaid" and second["AmountPaid"] == Decimal("20.5")
    rest = created(co, "/invoices/bulk/payments",
                   payment_body([(two["Number"], 99.5)], BankAccount=1210))
    assert rest["Number"] == 7002
    second = read(call(co, "GET", f"/invoices/{two['Number']}"))
    assert second["Status"] == "Paid" and [p["Number"] for p in second["PaymentLines"]] == [
        7001, 7002]


def test_lists_are_paged_with_a_next_page_url(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    codes = [customer(co, code=f"P{n:03d}")["Code"] for n in range(7)]
    page = read(call(co, "GET", "/customers", params={"perpage": 3}))
    assert [c["Code"] for c in page["Data"]] == codes[:3]
    assert page["MetaData"]["TotalRecords"] == 7
    seen = [c["Code"] for c in page["Data"]]
    while page["MetaData"]["NextPageUrl"]:
        assert page["MetaData"]["NextPageUrl"].startswith(co["kf"]["base"] + "/v2/customers?")
        page = read(call(co, "GET", page["MetaData"]["NextPageUrl"]))
        seen += [c["Code"] for c in page["Data"]]
    assert seen == codes and len(page["Data"]) == 1
    unasked = read(call(co, "GET", "/customers"))
    assert len(unasked["Data"]) == 7 and unasked["MetaData"]["NextPageUrl"] is None
    beyond = read(call(co, "GET", "/customers", params={"page": 9, "perpage": 3}))
    assert beyond == {"Data": [], "MetaData": {"NextPageUrl": None, "TotalRecords": 7}}
    assert call(co, "GET", "/customers", params={"perpage": 100}).status_code == 200
    for bad in ({"perpage": 101}, {"perpage": 0}, {"page": "two"}):
        assert refusal(call(co, "GET", "/customers", params=bad)) == (400, "ValidationError")


def test_invoices_are_listed_by_customer_and_the_filter_is_kept_across_pages(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    mine, theirs = customer(co)["Code"], customer(co)["Code"]
    numbers = [invoice(co, mine)["Number"] for _ in range(3)]
    invoice(co, theirs)
    page = read(call(co, "GET", "/invoices", params={"customercode": mine, "perpage": 2}))
    assert [i["Number"] for i in page["Data"]] == numbers[:2]
    assert page["MetaData"]["TotalRecords"] == 3
    assert f"customercode={mine}" in page["MetaData"]["NextPageUrl"]
    rest = read(call(co, "GET", page["MetaData"]["NextPageUrl"]))
    assert [i["Number"] for i in rest["Data"]] == numbers[2:]
    assert read(call(co, "GET", "/invoices"))["MetaData"]["TotalRecords"] == 4


def test_no_idempotency_the_same_post_twice_makes_two(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    body = invoice_body(code, CustomerReference="INV-SAME")
    first, second = created(co, "/invoices", body), created(co, "/invoices", body)
    assert (first["Number"], second["Number"]) == (1001, 1002)
    listed = read(call(co, "GET", "/invoices", params={"customercode": code}))["Data"]
    assert [i["CustomerReference"] for i in listed] == ["INV-SAME", "INV-SAME"]
    owed = first["Number"]
    pay = payment_body([(owed, 10)], Reference="same")
    assert [created(co, "/invoices/bulk/payments", pay)["Number"] for _ in range(2)] == [
        7001, 7002]
    assert read(call(co, "GET", f"/invoices/{owed}"))["AmountPaid"] == 20


def test_a_credit_note_made_alone_is_applied_by_put(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    code = customer(co)["Code"]
    owed = created(co, "/invoices", invoice_body(code, [line(rate=100)]))  # 120.00
    credit = created(co, "/creditnotes", invoice_body(code, [line(rate=20)]))  # 24.00
    assert credit["InvoiceNumber"] is None and credit["AmountApplied"] == 0
    applied = call(co, "PUT", f"/creditnotes/{credit['Number']}",
                   {"InvoiceNumber": owed["Number"]})
    assert applied.status_code == 200, applied.text
    assert read(applied) == read(call(co, "GET", f"/creditnotes/{credit['Number']}"))
    assert read(applied)["InvoiceNumber"] == owed["Number"]
    assert read(applied)["AmountApplied"] == 24
    after = read(call(co, "GET", f"/invoices/{owed['Number']}"))
    assert after["AmountPaid"] == 24 and after["Status"] == "PartPaid"
    # More credit than is owed: only what is owed.
    paid = created(co, "/invoices/bulk/payments", payment_body([(owed["Number"], 90)]))
    assert paid["Number"] == 7001
    big = created(co, "/creditnotes", invoice_body(code, [line(rate=50)]))  # 60.00
    applied = read(call(co, "PUT", f"/creditnotes/{big['Number']}",
                        {"InvoiceNumber": owed["Number"]}))
    assert applied["AmountApplied"] == 6 and applied["Status"] == "PartPaid"
    assert read(call(co, "GET", f"/invoices/{owed['Number']}"))["Status"] == "Paid"


def test_concurrent_writes_take_numbers_one_by_one(co) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    code = customer(co)["Code"]
    owed = created(co, "/invoices", invoice_body(code, [line(rate=10)]))  # 12.00
    pay = payment_body([(owed["Number"], 2)])
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda _: call(co, "POST", "/invoices", invoice_body(code)),
                             range(8)))
        paid = list(pool.map(lambda _: call(co, "POST", "/invoices/bulk/payments", pay),
                             range(8)))
    assert sorted(read(m)["Number"] for m in made) == list(range(1002, 1010))
    # 12.00 owed, 2.00 a time: six go through, two are refused; none is lost or doubled.
    assert sorted(p.status_code for p in paid) == [201] * 6 + [400] * 2
    after = read(call(co, "GET", f"/invoices/{owed['Number']}"))
    assert after["Status"] == "Paid" and len(after["PaymentLines"]) == 6
