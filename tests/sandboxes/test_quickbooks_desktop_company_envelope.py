"""The QuickBooks Desktop company simulator's message sets: stopOnError skipping what follows
an error, continueOnError, rollbackOnError undoing the set, a request that breaks the schema
refused whole as ProcessRequest refuses it (HRESULT 0x80040400), requests it does not run,
error recovery by message set id, state kept in the store across processes, and the blueprint
over HTTP. Every response document is validated against the qbXML 13.0 schema."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from lxml import etree

from connectors.base import Sent, Uncertain
from connectors.quickbooks_desktop import qbxml, responses
from sandboxes.kit import db as kit_db
from tests.sandboxes import test_quickbooks_desktop_company as harness
from tests.sandboxes.test_quickbooks_desktop_company import (
    ROOT,
    add_customer,
    customer,
    sandbox_app,
    send,
    supplier,
    valid,
)
from tests.sandboxes.test_quickbooks_desktop_company_documents import invoice

qb_schema, qbd, company = harness.qb_schema, harness.qbd, harness.company


def names(company: str) -> list[str]:
    from sandboxes.quickbooks_desktop import store

    return [c["Name"] for c in store.find_data(company, store.CUSTOMERS)]


def three(on_error: qbxml.OnError) -> list[etree._Element]:
    """A customer, an invoice to a customer who is not there, another customer."""
    return [qbxml.customer_add(customer("First Ltd"), "1"),
            qbxml.invoice_add(invoice("", contact_name="Nobody Ltd"), "2"),
            qbxml.customer_add(customer("Third Ltd"), "3")]


# --------------------------------------------------------------------------- onError
def test_stop_on_error_answers_up_to_the_error_and_runs_nothing_after(qbd, company) -> None:  # type: ignore[no-untyped-def]
    reply = send(qbd, company, *three("stopOnError"), on_error="stopOnError")
    assert [(a.request_id, a.status_code) for a in responses.answers(reply)] == [
        ("1", 0), ("2", 3140)]
    assert names(company) == ["First Ltd"]
    sent = [("1", customer("First Ltd")), ("2", invoice("", contact_name="Nobody Ltd")),
            ("3", customer("Third Ltd"))]
    first, second, third = responses.outcomes(reply, sent)
    assert isinstance(first, Sent) and second.reason == "contact_missing"  # type: ignore[union-attr]
    assert isinstance(third, Uncertain)


def test_continue_on_error_runs_every_request(qbd, company) -> None:  # type: ignore[no-untyped-def]
    reply = send(qbd, company, *three("continueOnError"), on_error="continueOnError")
    assert [(a.request_id, a.status_code) for a in responses.answers(reply)] == [
        ("1", 0), ("2", 3140), ("3", 0)]
    assert names(company) == ["First Ltd", "Third Ltd"]


def test_rollback_on_error_undoes_the_whole_set(qbd, company) -> None:  # type: ignore[no-untyped-def]
    add_customer(qbd, company, "Before Ltd")
    reply = send(qbd, company, *three("rollbackOnError"), on_error="rollbackOnError")
    first, second = responses.answers(reply)
    assert (first.status_code, first.severity, first.rets) == (3180, "Error", [])
    assert "rolled back" in first.message and second.status_code == 3140
    msgs = etree.fromstring(reply.split("?>", 2)[2].encode()).find("QBXMLMsgsRs")
    assert msgs.get("messageSetStatusCode") == "3140"
    assert names(company) == ["Before Ltd"]
    # The counters went back too: the next ListID is the one the rolled-back add had.
    again = send(qbd, company, qbxml.customer_add(customer("After Ltd"), "4"))
    assert names(company) == ["Before Ltd", "After Ltd"] and "ListID" in again


# --------------------------------------------------------------------------- refused whole
def _breaking(company: str) -> str:
    rq = qbxml.invoice_add(invoice("80000001-1"), "1")
    body = rq.find("InvoiceAdd")
    body.insert(1, body.find("RefNumber"))  # RefNumber ahead of TxnDate: not 13.0's order
    return qbxml.envelope([qbxml.customer_add(customer("Never Ltd"), "0"), rq]).decode()


def test_a_request_that_breaks_the_schema_is_refused_whole(qbd, company) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_desktop import ParseError, process

    with pytest.raises(ParseError) as refused:
        process(company, _breaking(company))
    assert refused.value.hresult == "0x80040400"
    assert refused.value.message == ("QuickBooks found an error when parsing the provided XML "
                                     "text stream.")
    assert "TxnDate" in refused.value.detail or "RefNumber" in refused.value.detail
    assert names(company) == []
    good = qbxml.envelope([qbxml.customer_add(customer(), "1")]).decode()
    for broken, why in ((good.replace("</QBXML>", ""), "not well-formed"),
                        (good.replace('<?qbxml version="13.0"?>', ""), "no version"),
                        (good.replace("Hollis", "Hołlis"), "outside ISO-8859-1"),
                        (good.replace("<QBXML>", '<!DOCTYPE QBXML [<!ENTITY x "y">]><QBXML>'),
                         "a DTD")):
        with pytest.raises(ParseError) as again:
            process(company, broken)
        assert again.value.hresult == "0x80040400", why
    with pytest.raises(ParseError) as version:
        process(company, good.replace('version="13.0"?><QBXML', 'version="99.0"?><QBXML'))
    assert version.value.hresult == "0x80040429"
    assert names(company) == []


def test_no_schema_setting_no_validation_garbage_is_3180(qbd, company, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_desktop import process

    qbd["app"].config["QBD_SANDBOX_SCHEMA"] = ""
    monkeypatch.delenv("QBD_SANDBOX_SCHEMA", raising=False)
    customer_id = add_customer(qbd, company, "Hollis & Daughters Ltd")
    out_of_order = _breaking(company).replace("80000001-1", customer_id)
    answers = responses.answers(process(company, out_of_order))
    assert [a.status_code for a in answers] == [0, 0]
    rq = qbxml.invoice_add(invoice(customer_id), "g")
    rq.find("InvoiceAdd/InvoiceLineAdd/Quantity").text = "lots"
    [garbage] = responses.answers(process(company, qbxml.envelope([rq]).decode()))
    assert (garbage.status_code, garbage.severity) == (3180, "Error")
    assert '"lots"' in garbage.message
    valid(qbd["schema"], process(company, qbxml.envelope([rq]).decode()))


def test_a_request_it_does_not_run_is_an_error_naming_it(qbd, company) -> None:  # type: ignore[no-untyped-def]
    rq = etree.Element("EmployeeQueryRq", requestID="e")
    reply = send(qbd, company, rq, qbxml.customer_add(customer(), "c"),
                 on_error="continueOnError")
    employee, added = responses.answers(reply)
    assert (employee.status_code, employee.severity) == (3250, "Error")
    assert "EmployeeQueryRq" in employee.message and added.status_code == 0


def test_an_unknown_company_file(qbd) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_desktop import UnknownCompany, process

    with pytest.raises(UnknownCompany):
        process("no-such-file", qbxml.envelope([qbxml.customer_query("1")]).decode())


# --------------------------------------------------------------------------- recovery
def test_a_message_set_id_gets_its_response_again_without_running_twice(qbd, company) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_desktop import process

    document = qbxml.envelope([qbxml.customer_add(customer(), "1")]).decode()
    first = process(company, document.replace('onError="stopOnError"',
                                              'newMessageSetID="set-1" onError="stopOnError"'))
    tree = valid(qbd["schema"], first)
    assert tree.find("QBXMLMsgsRs").get("newMessageSetID") == "set-1"
    again = process(company, document.replace('onError="stopOnError"',
                                              'oldMessageSetID="set-1" onError="stopOnError"'))
    assert again == first
    assert names(company) == ["Hollis & Daughters Ltd"]
    unknown = process(company, document.replace(
        'onError="stopOnError"', 'oldMessageSetID="set-9" onError="stopOnError"'))
    assert responses.answers(unknown)[0].status_code == 3100  # run as usual: already there


# --------------------------------------------------------------------------- processes
def test_the_books_live_in_the_store_not_in_the_process(qbd, company) -> None:  # type: ignore[no-untyped-def]
    add_customer(qbd, company, "Parent Process Ltd")
    script = (
        "import sys\n"
        "from connectors.quickbooks_desktop import qbxml\n"
        "from tests.sandboxes.test_quickbooks_desktop_company import supplier\n"
        "from sandboxes.quickbooks_desktop import process\n"
        "doc = qbxml.envelope([qbxml.customer_query('1', full_name='Parent Process Ltd'),\n"
        "                      qbxml.vendor_add(supplier('Child Process Ltd'), '2')])\n"
        "sys.stdout.write(process(sys.argv[1], doc.decode()))\n")
    env = {k: v for k, v in os.environ.items() if k != "QBD_SANDBOX_SCHEMA"}
    done = subprocess.run([sys.executable, "-c", script, company], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    valid(qbd["schema"], done.stdout)
    found = responses.contacts(done.stdout, "1").items
    assert [c.name for c in found] == ["Parent Process Ltd"]
    kit_db.remove()  # a fresh session: what the other process committed
    vendors = responses.contacts(send(qbd, company, qbxml.vendor_query(
        "3", full_name="Child Process Ltd")), "3").items
    assert [v.name for v in vendors] == ["Child Process Ltd"]
    assert supplier  # the child imported the same factory


# --------------------------------------------------------------------------- over HTTP
def test_the_blueprint_over_http(qb_schema) -> None:  # type: ignore[no-untyped-def]
    app = sandbox_app()
    client = app.test_client()
    base = "/sandbox/quickbooks_desktop/companies"
    made = client.post(base, json={"name": "Over HTTP Ltd"})
    assert made.status_code == 201
    company_id = made.get_json()["company_id"]
    assert client.post(base, json={"name": ""}).status_code == 400
    document = qbxml.envelope([qbxml.customer_add(customer(), "1"),
                               qbxml.customer_query("2", max_returned=1, iterator="Start")])
    answer = client.post(f"{base}/{company_id}/qbxml", data=document,
                         content_type="text/xml; charset=utf-8")
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    valid(qb_schema, answer.get_data(as_text=True))
    assert responses.answers(answer.get_data(as_text=True))[0].status_code == 0
    books: dict[str, Any] = client.get(f"{base}/{company_id}/books").get_json()
    assert [c["Name"] for c in books["customers"]] == ["Hollis & Daughters Ltd"]
    assert books["vendors"] == books["invoices"] == books["payments"] == []
    assert books["credit_memos"] == []
    closed = client.post(f"{base}/{company_id}/closing_date", json={"date": "2026-01-31"})
    assert closed.status_code == 200 and closed.get_json() == {"closing_date": "2026-01-31"}
    assert client.post(f"{base}/{company_id}/closing_date", json={"date": "31/01"}
                       ).status_code == 400
    ended = client.post(f"{base}/{company_id}/end_session")
    assert ended.status_code == 200 and ended.get_json() == {"iterators_ended": 1}
    broken = client.post(f"{base}/{company_id}/qbxml", data=b"<QBXML>",
                         content_type="text/xml")
    assert broken.status_code == 400
    assert broken.get_json()["hresult"] == "0x80040400"
    assert client.get(f"{base}/nope/books").status_code == 404
    assert client.post(f"{base}/nope/qbxml", data=document,
                       content_type="text/xml").status_code == 404


def test_response_data_include_none_keeps_statuses_only(qbd, company) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_desktop import process

    document = qbxml.envelope([qbxml.customer_add(customer(), "1"),
                               qbxml.account_query("2")]).decode()
    reply = process(company, document.replace('onError="stopOnError"',
                                              'responseData="includeNone" onError="stopOnError"'))
    valid(qbd["schema"], reply)
    assert [(a.status_code, a.rets) for a in responses.answers(reply)] == [(0, []), (0, [])]
    assert names(company) == ["Hollis & Daughters Ltd"]


GARBAGE = (
    '<InvoiceAddRq requestID="g"/>',
    '<InvoiceAddRq requestID="g"><InvoiceAdd/></InvoiceAddRq>',
    '<InvoiceAddRq requestID="g"><InvoiceAdd><CustomerRef><FullName>Hollis &amp; Daughters Ltd'
    '</FullName></CustomerRef><TxnDate>2026-13-45</TxnDate></InvoiceAdd></InvoiceAddRq>',
    '<ReceivePaymentAddRq requestID="g"><ReceivePaymentAdd><CustomerRef/></ReceivePaymentAdd>'
    '</ReceivePaymentAddRq>',
    '<ReceivePaymentAddRq requestID="g"><ReceivePaymentAdd><CustomerRef><FullName>Hollis &amp; '
    'Daughters Ltd</FullName></CustomerRef><TotalAmount>NaN</TotalAmount></ReceivePaymentAdd>'
    '</ReceivePaymentAddRq>',
    '<CustomerQueryRq requestID="g" iterator="Continue"/>',
    '<CustomerQueryRq requestID="g"><MaxReturned>-1</MaxReturned></CustomerQueryRq>',
    '<CustomerQueryRq requestID="g"><NameFilter><MatchCriterion>Near</MatchCriterion>'
    '<Name>H</Name></NameFilter></CustomerQueryRq>',
    '<CustomerAddRq requestID="g"><CustomerAdd><Name> </Name></CustomerAdd></CustomerAddRq>',
)


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_without_the_schema_is_an_error_answer_never_a_crash(qbd, company, monkeypatch,  # type: ignore[no-untyped-def]
                                                                     garbage: str) -> None:
    from sandboxes.quickbooks_desktop import process

    qbd["app"].config["QBD_SANDBOX_SCHEMA"] = ""
    monkeypatch.delenv("QBD_SANDBOX_SCHEMA", raising=False)
    add_customer(qbd, company, "Hollis & Daughters Ltd")
    reply = process(company, '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML>'
                             f'<QBXMLMsgsRq onError="stopOnError">{garbage}</QBXMLMsgsRq>'
                             "</QBXML>")
    valid(qbd["schema"], reply)
    [answer] = responses.answers(reply)
    assert (answer.request_id, answer.severity) == ("g", "Error") and answer.message
    assert answer.status_code in (3180, 3391)
