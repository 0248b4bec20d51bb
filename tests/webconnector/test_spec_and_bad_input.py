"""What travels through /qbwc is Intuit's contract, and bad input gets the right SOAP answer
and writes nothing: malformed SOAP, a wrong password, an unknown ticket, a response for
another ticket."""

from __future__ import annotations

from functools import cache

import pytest
import requests
import zeep
from lxml import etree

from app.demo_records import generate
from tests.connectors.test_quickbooks_desktop_soap import body_child, spec_schema
from tests.webconnector.conftest import SPECS, Desktop
from tests.webconnector.test_journey import SMALL, assert_exactly_once

ENVELOPE = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
            "<soap:Body>{}</soap:Body></soap:Envelope>")


@cache
def qbxml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SPECS / "qbxmlops130.xsd")))


def _qbxml(text: str) -> etree._Element:
    body = text.split("?>", 2)[-1] if text.lstrip().startswith("<?xml") else text
    return etree.fromstring(body.encode("utf-8"))


def _client(desktop: Desktop) -> zeep.proxy.ServiceProxy:
    client = zeep.Client(str(SPECS / "QBWebConnectorSvc.wsdl"))
    return client.create_service("{http://developer.intuit.com/}QBWebConnectorSvcSoap",
                                 desktop.qbwc_url)


def _counts(desktop: Desktop) -> tuple[int, dict[str, int]]:
    from collections import Counter

    with desktop.server.app.app_context():
        from app.extensions import db
        from app.models import PullSession

        sessions = db.session.execute(db.select(db.func.count(PullSession.id)).filter_by(
            connection_id=desktop.connection_id)).scalar_one()
        db.session.remove()
    return sessions, dict(Counter((t.state, t.attempt_id) for t in desktop.transfers()))


def test_every_message_is_intuits_contract(desktop) -> None:  # type: ignore[no-untyped-def]
    books = desktop()
    payloads = generate(**SMALL, prefix="")
    books.post_all(payloads)
    start = len(books.server.exchanges)
    reports = books.sessions_until_idle()
    assert_exactly_once(books, payloads)
    # Every qbXML request we handed out is valid against the qbXML 13.0 schema.
    handed = [r for report in reports for r in report.requests]
    assert handed
    for request in handed:
        qbxml_schema().assertValid(_qbxml(request))
    # Every SOAP call to us and every answer of ours is valid against the WSDL's types.
    schema = spec_schema()
    exchanged = books.server.exchanges[start:]
    assert len(exchanged) > len(handed)
    for call, status, answer in exchanged:
        assert status == 200, answer
        schema.assertValid(body_child(call))
        schema.assertValid(body_child(answer))


def test_the_wsdl_is_served_and_a_real_client_reads_it(qbd_server) -> None:  # type: ignore[no-untyped-def]
    client = zeep.Client(f"{qbd_server.url}/qbwc?wsdl")
    ours = sorted(client.service._binding._operations)
    theirs = sorted(zeep.Client(str(SPECS / "QBWebConnectorSvc.wsdl"))
                    .service._binding._operations)
    assert ours == theirs
    assert client.service.serverVersion()  # answered over our own WSDL's address


@pytest.mark.parametrize("body, words", [
    (b"this is not xml", "not well-formed"),
    (ENVELOPE.format("<sendRequestXML xmlns='http://developer.intuit.com/'>"
                     "<ticket>t</ticket><qbXMLMajorVers>thirteen</qbXMLMajorVers>"
                     "</sendRequestXML>").encode(), "qbXMLMajorVers"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
     + ENVELOPE.format("<getLastError xmlns='http://developer.intuit.com/'>"
                       "<ticket>&e;</ticket></getLastError>").encode(), "DTD"),
    (ENVELOPE.format("<dropTables xmlns='http://developer.intuit.com/'/>").encode(),
     "unknown operation"),
])
def test_malformed_soap_gets_a_fault_naming_the_problem_and_writes_nothing(
        desktop, body: bytes, words: str) -> None:  # type: ignore[no-untyped-def]
    books = desktop()
    before = _counts(books)
    answer = requests.post(books.qbwc_url, data=body, timeout=30,
                           headers={"Content-Type": "text/xml; charset=utf-8"})
    assert answer.status_code == 400, answer.text  # the caller's fault: never a 500
    fault = etree.fromstring(answer.content).find(".//faultstring")
    assert fault is not None and words.lower() in fault.text.lower(), answer.text
    assert _counts(books) == before


def test_a_wrong_password_gets_nvu_and_opens_no_session(desktop) -> None:  # type: ignore[no-untyped-def]
    books = desktop()
    before = _counts(books)
    service = _client(books)
    for user, password in ((books.username, "wrong"), ("nobody", books.password)):
        ticket, status = service.authenticate(strUserName=user, strPassword=password)
        assert (ticket or "", status) == ("", "nvu")
    assert _counts(books) == before


def test_an_unknown_ticket_gets_nothing_and_words(desktop) -> None:  # type: ignore[no-untyped-def]
    books = desktop()
    books.post_all(generate(customers=2, invoices=0, payments=0, credit_notes=0, prefix=""))
    before = _counts(books)
    service = _client(books)
    args = {"strHCPResponse": "", "strCompanyFileName": "", "qbXMLCountry": "UK",
            "qbXMLMajorVers": 13, "qbXMLMinorVers": 0}
    assert (service.sendRequestXML(ticket="made-up", **args) or "") == ""
    assert service.receiveResponseXML(ticket="made-up", response="<QBXML/>", hresult="",
                                      message="") < 0
    assert "does not know this session" in service.getLastError(ticket="made-up")
    assert _counts(books) == before


def test_a_response_for_another_ticket_is_not_applied(desktop) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_desktop.wc_company import company_processor

    one, two = desktop(), desktop()
    for books in (one, two):
        books.post_all(generate(customers=3, invoices=0, payments=0, credit_notes=0,
                                prefix=""))
    args = {"strHCPResponse": "", "strCompanyFileName": "", "qbXMLCountry": "UK",
            "qbXMLMajorVers": 13, "qbXMLMinorVers": 0}
    tickets = {}
    requests_out = {}
    for books in (one, two):
        service = _client(books)
        ticket, status = service.authenticate(strUserName=books.username,
                                              strPassword=books.password)
        assert status in ("", None)
        # The lists first, answered, so the next request out is each one's customers.
        lists = service.sendRequestXML(ticket=ticket, **args)
        process = company_processor(books.server.url, books.sandbox_company)
        assert service.receiveResponseXML(ticket=ticket, response=process(lists),
                                          hresult="", message="") >= 0
        requests_out[books.connection_id] = service.sendRequestXML(ticket=ticket, **args)
        tickets[books.connection_id] = (service, ticket, process)
    before_one = _counts(one)
    # Company one's answer, posted on company two's ticket.
    _, _, process_one = tickets[one.connection_id]
    answer_one = process_one(requests_out[one.connection_id])
    service_two, ticket_two, _ = tickets[two.connection_id]
    percent = service_two.receiveResponseXML(ticket=ticket_two, response=answer_one,
                                             hresult="", message="")
    assert _counts(one) == before_one  # nothing of company one's changed
    states_two = {state for state, _ in _counts(two)[1]}
    assert "sent" not in states_two, _counts(two)  # and nothing of two's taken as sent
    assert percent < 0  # the Web Connector is told, and asks getLastError
    assert "could not use" in service_two.getLastError(ticket=ticket_two)
