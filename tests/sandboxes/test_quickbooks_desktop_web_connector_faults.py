"""The faults a simulated Web Connector session can meet (sandboxes/quickbooks_desktop/
wc_faults.py), each against our SOAP codec over real HTTP: the session is cut short as a real
one is, and the scripted service (test glue, from test_quickbooks_desktop_web_connector.py)
sees exactly the calls that reached it.
"""

from __future__ import annotations

import pytest

from sandboxes.quickbooks_desktop import web_connector as wc
from sandboxes.quickbooks_desktop.wc_company import hcp_response
from sandboxes.quickbooks_desktop.wc_faults import (
    AnswerWithError,
    ConnectionErrorInstead,
    NetworkFailure,
    StopAfterRequest,
    WaitBeforeAnswer,
)
from tests.sandboxes.test_quickbooks_desktop_web_connector import (
    COMPANY,
    PASSWORD,
    REQUESTS,
    TICKET,
    USER,
    Echo,
    Server,
    closed_url,
    scripted,
    server,
    session,
    spec_wsdl,
)

__all__ = ["server", "spec_wsdl"]  # fixtures, used by name


# --------------------------------------------------------------------------- faults
def test_stop_after_a_request_leaves_it_unanswered(server: Server) -> None:
    service = scripted(server)
    report = session(server, fault=StopAfterRequest(2))
    assert service.methods()[3:] == ["sendRequestXML", "receiveResponseXML", "sendRequestXML"]
    assert report.ended == wc.STOPPED and len(report.requests) == 2
    assert report.faults_met == ["stopped after request 2 was handed out"]


def test_answer_with_an_error(server: Server) -> None:
    service = scripted(server)
    report = session(server, fault=AnswerWithError(1, "0x80040401", "no such thing"))
    [received] = service.params("receiveResponseXML")
    assert (received["response"], received["hresult"], received["message"]) == \
        ("", "0x80040401", "no such thing")
    assert report.last_error == "0x80040401: no such thing"
    assert report.faults_met == ["request 1 answered with error 0x80040401"]


@pytest.mark.parametrize("request_number", [0, 1])
def test_connection_error_instead_of_answering(server: Server, request_number: int) -> None:
    service = scripted(server)
    report = session(server, fault=ConnectionErrorInstead(request_number))
    expected = ["sendRequestXML"] if request_number else []
    assert service.methods()[3:] == [*expected, "connectionError", "closeConnection"]
    [sent] = service.params("connectionError")
    assert sent == {"ticket": TICKET, "hresult": "0x80040408",
                    "message": "Could not start QuickBooks."}
    assert report.ended == wc.CONNECTION_ERROR and report.connection_error_answer == "done"


def test_connection_error_answered_with_another_file_opens_it(server: Server) -> None:
    service = scripted(server, connection_error_answer=r"E:\Backup.qbw")
    report = session(server, fault=ConnectionErrorInstead(1))
    assert report.completed
    assert report.requests == [REQUESTS[0], *REQUESTS[:2]]
    sent = service.params("sendRequestXML")
    assert [s["strCompanyFileName"] for s in sent] == [COMPANY, r"E:\Backup.qbw",
                                                       r"E:\Backup.qbw"]
    assert sent[1]["strHCPResponse"] == hcp_response()  # a fresh connection to QuickBooks


def test_waiting_past_the_ticket_s_lifetime(server: Server) -> None:
    service = scripted(server, ticket_seconds=60)

    def clock(seconds: float) -> None:
        service.now += seconds

    report = session(server, fault=WaitBeforeAnswer(1, seconds=61, sleep=clock))
    assert service.now == 61
    assert report.percents == [-1] and report.last_error == "ticket expired"
    assert report.calls[-3:] == ["receiveResponseXML", "getLastError", "closeConnection"]
    assert report.faults_met == ["waited 61 s before answering request 1"]


def test_waiting_within_the_ticket_s_lifetime_is_harmless(server: Server) -> None:
    service = scripted(server, ticket_seconds=60)
    report = session(server, fault=WaitBeforeAnswer(1, seconds=59,
                                                    sleep=lambda s: setattr(service, "now", s)))
    assert report.completed


def test_a_network_failure_after_the_call_reached_the_service(server: Server) -> None:
    service = scripted(server)
    report = session(server, fault=NetworkFailure("receiveResponseXML", 1))
    # The service took the response; the Web Connector never heard its answer and stopped.
    assert service.methods()[-1] == "receiveResponseXML" and service.answered == 1
    assert report.calls[-1] == "receiveResponseXML" and report.percents == []
    assert report.ended == wc.NETWORK and "answer lost" in report.last_error
    assert report.faults_met == ["network failure after call 1 of receiveResponseXML "
                                 "reached the service"]


def test_a_network_failure_before_the_call_reached_the_service(server: Server) -> None:
    service = scripted(server)
    report = session(server, fault=NetworkFailure("sendRequestXML", 2, reached_server=False))
    assert service.methods().count("sendRequestXML") == 1
    assert report.calls[-1] == "sendRequestXML" and report.ended == wc.NETWORK


def test_a_service_that_is_down_is_a_network_failure(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QBD_SANDBOX_WSDL")  # even the WSDL cannot be had
    report = wc.run_session(closed_url(), USER, PASSWORD, Echo(), timeout=5)
    assert report.ended == wc.NETWORK and report.calls == []
