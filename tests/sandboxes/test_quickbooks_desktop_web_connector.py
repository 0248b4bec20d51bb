"""The simulated Web Connector (sandboxes/quickbooks_desktop/web_connector.py) against our SOAP
codec over real HTTP: a real zeep client on one side, connectors/quickbooks_desktop/soap.py and
wsdl.py behind a werkzeug server on the other.

The service behind the codec here is `ScriptedCodecService`: TEST GLUE for the codec, not
product behaviour (the app's real service, with tickets in the database and the hand-out of
records, is the lead's). It hands out a list of qbXML requests and records every call, so the
tests can prove zeep <-> our codec, the call order the Web Connector uses, and loading the WSDL
from `?wsdl`; test_quickbooks_desktop_web_connector_faults.py uses it for each fault a session
can meet.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from werkzeug.serving import make_server

from connectors.quickbooks_desktop.soap import SoapCall, SoapFault, respond
from connectors.quickbooks_desktop.wsdl import wsdl
from sandboxes.quickbooks_desktop import web_connector as wc
from sandboxes.quickbooks_desktop.wc_company import (
    ProcessorError,
    company_processor,
    company_url,
    hcp_response,
)
from sandboxes.quickbooks_desktop.wc_faults import PARSE_HRESULT

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT.parent / "shared" / "specs" / "quickbooks-desktop"
USER, PASSWORD, TICKET = "wc-hollis", "s3cret&<pw>", "T-0001"
COMPANY = r"C:\Company Files\Hollis.qbw"
REQUESTS = [f'<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
            f'onError="stopOnError"><CustomerQueryRq requestID="{n}"/></QBXMLMsgsRq></QBXML>'
            for n in (1, 2, 3)]


class ScriptedCodecService:
    """Test glue for the codec (see the module docstring): a scripted stand-in for the app's
    Web Connector service. Its methods bear the WSDL's operation and parameter names."""

    def __init__(self, script: list[str], *, client_answer: str = "", auth_status: str = "",
                 ticket_seconds: float | None = None, connection_error_answer: str = "done",
                 refuse: dict[str, SoapFault] | None = None, noops: int = 0) -> None:
        self.script = script
        self.client_answer, self.auth_status = client_answer, auth_status
        self.ticket_seconds, self.connection_error_answer = ticket_seconds, connection_error_answer
        self.refuse = refuse or {}
        self.noops = noops  # how many sendRequestXML calls answer "" with getLastError "NoOp"
        self.calls: list[SoapCall] = []
        self.wsdl_loads = 0
        self.now = 0.0  # the test's clock; WaitBeforeAnswer's hook moves it
        self.issued_at = 0.0
        self.answered = 0
        self.last_error = ""

    def handle(self, call: SoapCall) -> Any:
        self.calls.append(call)
        if call.method in self.refuse:
            raise self.refuse[call.method]
        return getattr(self, call.method)(**call.params)

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def params(self, method: str) -> list[dict[str, str | int]]:
        return [c.params for c in self.calls if c.method == method]

    def serverVersion(self, strVersion: str) -> str:
        return "scripted 1.0"

    def clientVersion(self, strVersion: str) -> str:
        return self.client_answer

    def authenticate(self, strUserName: str, strPassword: str) -> list[str]:
        if (strUserName, strPassword) != (USER, PASSWORD):
            return ["", "nvu"]
        self.issued_at = self.now
        return [TICKET, self.auth_status if self.script else "none"]

    def _expired(self, ticket: str) -> bool:
        if ticket != TICKET:
            self.last_error = "unknown ticket"
            return True
        if self.ticket_seconds is not None and self.now - self.issued_at > self.ticket_seconds:
            self.last_error = "ticket expired"
            return True
        return False

    def sendRequestXML(self, ticket: str, **_: object) -> str:
        if self._expired(ticket):
            return ""
        if self.noops:
            self.noops -= 1
            self.last_error = "NoOp"
            return ""
        # The next request not yet answered: one handed out and never answered goes again.
        if self.answered >= len(self.script):
            self.last_error = "nothing more to send"
            return ""
        return self.script[self.answered]

    def receiveResponseXML(self, ticket: str, response: str, hresult: str,
                           message: str) -> int:
        if self._expired(ticket):
            return -1
        if hresult:
            self.last_error = f"{hresult}: {message}"
            return -1
        self.answered += 1
        return self.answered * 100 // len(self.script)

    def connectionError(self, ticket: str, hresult: str, message: str) -> str:
        return self.connection_error_answer

    def getLastError(self, ticket: str) -> str:
        return self.last_error

    def closeConnection(self, ticket: str) -> str:
        return "OK"


class Server:
    """The codec behind werkzeug, over real HTTP; also a stand-in for the company simulator's
    qbXML endpoint (its path, request in, response out)."""

    def __init__(self) -> None:
        self.service = ScriptedCodecService([])
        self.company_posts: list[str] = []
        self.url = ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path, query = environ["PATH_INFO"], environ.get("QUERY_STRING", "")
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else b""
        if path.startswith("/sandbox/quickbooks_desktop/companies/"):
            return self.company(path.split("/")[-2], body, start_response)
        if path == "/broken":
            start_response("500 Internal Server Error", [("Content-Type", "text/html")])
            return [b"<html><body>Internal Server Error</body></html>"]
        if environ["REQUEST_METHOD"] == "GET" and query == "wsdl":
            self.service.wsdl_loads += 1
            start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
            return [wsdl(self.url)]
        answer = respond(body, environ.get("HTTP_SOAPACTION"), self.service.handle)
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}",
                       [("Content-Type", answer.content_type)])
        return [answer.body]

    def company(self, company_id: str, body: bytes, start_response: Any) -> list[bytes]:
        request = body.decode("utf-8")
        self.company_posts.append(request)
        if company_id == "unparseable":
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [json.dumps({"hresult": PARSE_HRESULT, "message": "bad XML"}).encode()]
        if company_id == "gone":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such company"]
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return [f"<QBXML><QBXMLMsgsRs>answer £{len(request)}</QBXMLMsgsRs></QBXML>".encode()]


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = Server()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    app.url = f"http://127.0.0.1:{http.server_port}/qbwc"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield app
    http.shutdown()


@pytest.fixture(autouse=True)
def spec_wsdl(monkeypatch: pytest.MonkeyPatch) -> None:
    path = SPECS / "QBWebConnectorSvc.wsdl"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    monkeypatch.setenv("QBD_SANDBOX_WSDL", str(path))


def scripted(server: Server, script: list[str] | None = None,
             **options: Any) -> ScriptedCodecService:
    server.service = ScriptedCodecService(REQUESTS[:2] if script is None else script, **options)
    return server.service


class Echo:
    """A `process` that answers each request with a response naming it."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, request: str) -> str:
        self.seen.append(request)
        return f"<QBXML><QBXMLMsgsRs>answer {len(self.seen)} £</QBXMLMsgsRs></QBXML>"


def session(server: Server, process: Any = None, **options: Any) -> wc.SessionReport:
    return wc.run_session(server.url, USER, PASSWORD, process or Echo(), company_file=COMPANY,
                          **options)


# --------------------------------------------------------------------------- a whole session
def test_a_session_runs_in_the_web_connector_s_order(server: Server) -> None:
    service = scripted(server)
    echo = Echo()
    report = session(server, echo)
    order = ["serverVersion", "clientVersion", "authenticate", "sendRequestXML",
             "receiveResponseXML", "sendRequestXML", "receiveResponseXML", "closeConnection"]
    assert service.methods() == order == report.calls
    assert report.ended == wc.DONE and report.completed
    assert report.server_version == "scripted 1.0"
    assert report.ticket == TICKET and report.company_file == COMPANY
    assert report.auth_result == [TICKET, ""]
    assert report.requests == REQUESTS[:2] == echo.seen
    assert report.percents == [50, 100]
    assert report.close_message == "OK"
    assert service.params("clientVersion") == [{"strVersion": "2.3.0.215"}]
    assert service.params("serverVersion") == [{"strVersion": ""}]
    first, second = service.params("sendRequestXML")
    assert first["strHCPResponse"] == hcp_response() and second["strHCPResponse"] == ""
    for sent in (first, second):
        assert sent["ticket"] == TICKET and sent["strCompanyFileName"] == COMPANY
        assert (sent["qbXMLCountry"], sent["qbXMLMajorVers"], sent["qbXMLMinorVers"]) == \
            ("UK", 13, 0)
    # The responses arrived whole, escaping and non-ASCII included.
    received = service.params("receiveResponseXML")
    assert [r["response"] for r in received] == report.answers
    assert received[0]["response"] == "<QBXML><QBXMLMsgsRs>answer 1 £</QBXMLMsgsRs></QBXML>"
    assert all(r["hresult"] == "" and r["message"] == "" for r in received)
    assert service.params("authenticate") == [{"strUserName": USER, "strPassword": PASSWORD}]
    assert service.wsdl_loads == 0  # the WSDL came from QBD_SANDBOX_WSDL


def test_the_wsdl_is_loaded_from_the_service_when_no_file_is_named(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QBD_SANDBOX_WSDL")
    service = scripted(server)
    report = session(server)
    assert service.wsdl_loads == 1
    assert report.completed and report.percents == [50, 100]


def test_a_file_path_from_authenticate_is_the_company_file_sent(server: Server) -> None:
    service = scripted(server, auth_status=r"D:\Other.qbw")
    report = session(server)
    assert report.company_file == r"D:\Other.qbw"
    assert {p["strCompanyFileName"] for p in service.params("sendRequestXML")} == \
        {r"D:\Other.qbw"}


def test_the_hcp_response_is_valid_qbxml() -> None:
    schema = etree.XMLSchema(etree.parse(str(SPECS / "qbxmlops130.xsd")))
    document = etree.fromstring(hcp_response("Hollis & Daughters").encode())
    assert schema.validate(document), schema.error_log.last_error
    assert document.findtext(".//CompanyName") == "Hollis & Daughters"
    assert document.findtext(".//HostRet/Country") == "UK"


# --------------------------------------------------------------------------- answers
def test_a_bad_login_stops_after_authenticate(server: Server) -> None:
    service = scripted(server)
    report = wc.run_session(server.url, USER, "wrong", Echo())
    assert report.ended == wc.INVALID_USER and report.auth_status == "nvu"
    assert service.methods() == ["serverVersion", "clientVersion", "authenticate"]


def test_nothing_to_do_closes_at_once(server: Server) -> None:
    service = scripted(server, script=[])
    report = session(server)
    assert report.ended == wc.NOTHING_TO_DO and report.auth_status == "none"
    assert service.methods() == ["serverVersion", "clientVersion", "authenticate",
                                 "closeConnection"]


@pytest.mark.parametrize(("answer", "goes_on"), [
    ("E:This service no longer serves you", False), ("O:9.0", False), ("O:2.1.0.30", True),
    ("W:Please upgrade soon", True),
])
def test_client_version_answers(server: Server, answer: str, goes_on: bool) -> None:
    service = scripted(server, client_answer=answer)
    report = session(server)
    assert report.client_version_answer == answer
    assert report.completed is goes_on
    if not goes_on:
        assert report.ended == wc.VERSION_REFUSED
        assert service.methods() == ["serverVersion", "clientVersion"]
    if answer.startswith("W:"):
        assert report.warnings == ["Please upgrade soon"]


def test_an_empty_request_fetches_the_last_error_and_closes(server: Server) -> None:
    service = scripted(server, ticket_seconds=-1)  # every ticket is already stale
    report = session(server)
    assert service.methods()[3:] == ["sendRequestXML", "getLastError", "closeConnection"]
    assert report.ended == wc.SERVICE_ERROR and report.last_error == "ticket expired"
    assert report.requests == []


def test_noop_waits_and_asks_again(server: Server) -> None:
    service = scripted(server, noops=2)
    waits: list[float] = []
    report = session(server, sleep=waits.append)
    assert service.methods()[3:7] == ["sendRequestXML", "getLastError"] * 2
    assert waits == [wc.NOOP_SECONDS] * 2
    assert report.completed and report.percents == [50, 100]


def test_a_soap_fault_from_the_service_ends_the_session_in_its_words(server: Server) -> None:
    scripted(server, refuse={"sendRequestXML": SoapFault("Server", "the database is down")})
    report = session(server)
    assert report.ended == wc.SOAP_FAULT
    assert report.last_error == "the database is down"


def test_an_answer_that_is_not_soap_ends_the_session(server: Server) -> None:
    report = wc.run_session(server.url.replace("/qbwc", "/broken"), USER, PASSWORD, Echo())
    assert report.ended == wc.BAD_ANSWER and report.calls == ["serverVersion"]
    assert "not a SOAP Fault" in report.last_error


def test_a_processor_error_is_answered_with_its_hresult(server: Server) -> None:
    service = scripted(server)

    def refusing(request: str) -> str:
        raise ProcessorError(PARSE_HRESULT, "QuickBooks found an error when parsing")

    report = session(server, refusing)
    [received] = service.params("receiveResponseXML")
    assert received["response"] == "" and received["hresult"] == PARSE_HRESULT
    assert received["message"] == "QuickBooks found an error when parsing"
    assert report.percents == [-1]
    assert report.calls[-2:] == ["getLastError", "closeConnection"]
    assert report.last_error == f"{PARSE_HRESULT}: QuickBooks found an error when parsing"


def test_any_error_carrying_an_hresult_is_answered_alike(server: Server) -> None:
    service = scripted(server)

    class ParseError(Exception):
        def __init__(self) -> None:
            super().__init__("unparseable")
            self.hresult, self.message = "0x80040400", "unparseable"

    def refusing(request: str) -> str:
        raise ParseError

    session(server, refusing)
    assert service.params("receiveResponseXML")[0]["hresult"] == "0x80040400"


def closed_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/qbwc"


# --------------------------------------------------------------------------- the company side
def test_company_processor_posts_to_the_company_endpoint(server: Server) -> None:
    base = server.url.removesuffix("/qbwc")
    expected = f"{base}/sandbox/quickbooks_desktop/companies/c-1/qbxml"
    assert company_url(base + "/", "c-1") == expected
    service = scripted(server)
    before = len(server.company_posts)
    report = session(server, company_processor(base, "c-1"))
    assert server.company_posts[before:] == REQUESTS[:2]
    assert report.answers[0] == f"<QBXML><QBXMLMsgsRs>answer £{len(REQUESTS[0])}" \
                                "</QBXMLMsgsRs></QBXML>"
    assert service.params("receiveResponseXML")[0]["response"] == report.answers[0]


def test_company_refusals_become_hresults(server: Server) -> None:
    base = server.url.removesuffix("/qbwc")
    with pytest.raises(ProcessorError) as parse:
        company_processor(base, "unparseable")("<QBXML/>")
    assert (parse.value.hresult, parse.value.message) == (PARSE_HRESULT, "bad XML")
    with pytest.raises(ProcessorError) as gone:
        company_processor(base, "gone")("<QBXML/>")
    assert gone.value.hresult == "0x80004005" and "HTTP 404" in gone.value.message
    with pytest.raises(ProcessorError, match="did not answer"):
        company_processor(closed_url().removesuffix("/qbwc"), "c-1", timeout=5)("<QBXML/>")


# --------------------------------------------------------------------------- the CLI
def test_the_cli_runs_one_session(server: Server) -> None:
    service = scripted(server)
    base = server.url.removesuffix("/qbwc")
    code = wc.main(["--url", server.url, "--username", USER, "--password", PASSWORD,
                    "--company-url", company_url(base, "c-1"), "--once"])
    assert code == 0
    assert service.methods()[-1] == "closeConnection" and service.answered == 2


def test_the_cli_survives_the_service_being_down(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=wc.__name__):
        code = wc.main(["--url", closed_url(), "--username", USER, "--password", PASSWORD,
                        "--company-url", closed_url(), "--every", "0", "--runs", "2"])
    assert code == 1
    assert [r.getMessage().split(":")[0] for r in caplog.records] == \
        ["session network failure"] * 2


# --------------------------------------------------------------------------- the layers
def test_the_simulated_web_connector_imports_no_app_or_connector_code() -> None:
    # lint-imports cannot see sandboxes/quickbooks_desktop/ while it is a namespace package
    # (no __init__.py yet), so the sandbox layer rule is checked here on its source.
    import ast

    folder = ROOT / "sandboxes" / "quickbooks_desktop"
    files = [folder / "web_connector.py", *sorted(folder.glob("wc_*.py"))]
    assert len(files) >= 4
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in ("app", "connectors"), f"{path.name}: {name}"
