"""A simulated QuickBooks Web Connector: drives any Web Connector service over real SOAP
(a zeep client) in the order Intuit's does, running each qbXML request it is handed through a
`process` callable (e.g. the company simulator's HTTP endpoint) and posting the response back.

One session (`run_session`):
  serverVersion -> clientVersion(our version) -> authenticate(user, password)
  -> [sendRequestXML -> process -> receiveResponseXML]* -> closeConnection
with the Web Connector's rules: clientVersion "E:" refuses and "O:<version>" requires a newer
Web Connector, "W:" warns and carries on; authenticate "nvu" stops, "none" / "busy" close at
once; an empty request or a negative percentage fetch getLastError and close; 100 closes.
A test picks at most one fault a session (wc_faults) to cut it short as a real one is.

Where the order and rules came from: the WSDL (operations and types), the brief and field
notes (answers and their meanings), and Web Connector logs integrators publish ("Calling
serverVersion()" with no parameter, then clientVersion with the product version). What none
of those settle is marked `# unverified:`.

CLI (`make run`): runs a session every N seconds and survives the service being down:
  python -m sandboxes.quickbooks_desktop.web_connector --url U --username N --password P \\
      --company-url C --every 60 [--once]
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
import zeep.exceptions

from sandboxes.quickbooks_desktop.wc_company import (
    Processor,
    ProcessorError,
    hcp_response,
    url_processor,
)
from sandboxes.quickbooks_desktop.wc_faults import (
    AnswerWithError,
    ConnectionErrorInstead,
    Fault,
    NetworkFailure,
    StopAfterRequest,
    WaitBeforeAnswer,
    describe,
)
from sandboxes.quickbooks_desktop.wc_transport import FaultyTransport, service

log = logging.getLogger(__name__)

COUNTRY = "UK"
QBXML_MAJOR, QBXML_MINOR = 13, 0
# unverified: a Web Connector waits about 5 s after getLastError says "NoOp" before asking
# sendRequestXML again (QBWC 2.0 release notes as integrators quote them).
NOOP_SECONDS = 5.0
MAX_NOOPS = 100
MAX_REQUESTS = 10_000  # a service that never reaches 100 % cannot keep us forever

# Why a session ended (SessionReport.ended).
DONE = "done"  # 100 %, then closeConnection
NOTHING_TO_DO = "nothing to do"  # authenticate "none" (or "busy")
INVALID_USER = "invalid user"  # authenticate "nvu"
VERSION_REFUSED = "version refused"  # clientVersion "E:" or a newer "O:" version
SERVICE_ERROR = "service error"  # an empty request or a negative percentage: getLastError
CONNECTION_ERROR = "connection error"  # connectionError answered "done"
STOPPED = "stopped"  # StopAfterRequest: the PC went away
NETWORK = "network failure"
SOAP_FAULT = "soap fault"
BAD_ANSWER = "unreadable answer"  # not a SOAP reply at all (an HTML error page, say)
TOO_MANY = "too many requests"


@dataclass
class SessionReport:
    """What one session did, in the order it did it."""

    calls: list[str] = field(default_factory=list)  # operations called, in order
    server_version: str = ""
    client_version_answer: str = ""
    warnings: list[str] = field(default_factory=list)  # clientVersion "W:" texts
    auth_status: str = ""  # authenticate's second string ("", "none", "nvu", a file path ...)
    # All of authenticate's strings: a third and fourth, when sent, are the seconds to put the
    # next update off and the least seconds between updates (QBWC 2.x; not acted on here).
    auth_result: list[str] = field(default_factory=list)
    ticket: str = ""
    company_file: str = ""  # the strCompanyFileName sent
    requests: list[str] = field(default_factory=list)  # qbXML requests handed to us
    answers: list[str] = field(default_factory=list)  # the responses posted back
    percents: list[int] = field(default_factory=list)
    last_error: str = ""
    connection_error_answer: str = ""
    close_message: str = ""
    faults_met: list[str] = field(default_factory=list)
    ended: str = ""

    @property
    def completed(self) -> bool:
        return self.ended == DONE


class _Session:
    """One session's state: the zeep proxy, the report being written, the fault to meet."""

    def __init__(self, proxy: Any, report: SessionReport, process: Processor,
                 fault: Fault | None, sleep: Callable[[float], None]) -> None:
        self.proxy, self.report, self.process = proxy, report, process
        self.fault, self.sleep = fault, sleep

    def call(self, operation: str, **params: object) -> Any:
        self.report.calls.append(operation)
        return getattr(self.proxy, operation)(**params)

    def text(self, operation: str, **params: object) -> str:
        # zeep reads an empty string element as None; the Web Connector (.NET) reads "".
        value = self.call(operation, **params)
        return "" if value is None else str(value)

    def fault_at(self, kind: type, request: int) -> Any:
        if isinstance(self.fault, kind) and self.fault.request == request:
            self.report.faults_met.append(describe(self.fault))
            return self.fault
        return None


def run_session(qbwc_url: str, username: str, password: str, process: Processor,
                company_file: str = "", version: str = "2.3.0.215", fault: Fault | None = None,
                *, timeout: float = 30.0, sleep: Callable[[float], None] = time.sleep
                ) -> SessionReport:
    """One Web Connector session against the service at `qbwc_url`; never raises for what the
    service or the network does (that is in the report), only for a `process` that fails in a
    way other than ProcessorError."""
    report = SessionReport()
    transport = FaultyTransport(fault if isinstance(fault, NetworkFailure) else None, timeout)
    try:
        session = _Session(service(qbwc_url, transport), report, process, fault, sleep)
        _run(session, username, password, company_file, version)
    except requests.RequestException as exc:
        report.ended = NETWORK
        report.last_error = report.last_error or str(exc)
        if isinstance(fault, NetworkFailure) and transport.calls[fault.call] == fault.number:
            report.faults_met.append(describe(fault))
    except zeep.exceptions.Fault as exc:
        if exc.code is None:  # zeep's word for an error status whose body is no Fault
            report.ended = BAD_ANSWER
            report.last_error = f"the service's error answer is not a SOAP Fault ({exc.message})"
        else:
            report.ended = SOAP_FAULT
            report.last_error = str(exc.message)
    except zeep.exceptions.Error as exc:  # an answer zeep cannot read: the session fails
        report.ended = BAD_ANSWER
        report.last_error = f"{type(exc).__name__}: {exc}"
    finally:
        transport.session.close()
    return report


def _run(session: _Session, username: str, password: str, company_file: str,
         version: str) -> None:
    report = session.report
    # unverified: serverVersion's strVersion is in the WSDL, but Web Connector logs show it
    # called with no parameter: zeep leaves the optional element out.
    report.server_version = session.text("serverVersion")
    answer = session.text("clientVersion", strVersion=version)
    report.client_version_answer = answer
    if not _version_accepted(answer, version, report):
        report.ended = VERSION_REFUSED
        return
    result = session.call("authenticate", strUserName=username, strPassword=password)
    strings = ["" if s is None else str(s) for s in (result or [])]
    report.auth_result = list(strings)
    strings += [""] * (2 - len(strings))
    report.ticket, report.auth_status = strings[0], strings[1]
    if report.auth_status == "nvu":
        report.ended = INVALID_USER  # no ticket to close
        return
    if report.auth_status in ("none", "busy"):
        # unverified: the Web Connector closes the connection after "none" / "busy".
        report.ended = NOTHING_TO_DO
        _close(session)
        return
    # "" means the company file open in QuickBooks; anything else is the file to open.
    report.company_file = report.auth_status or company_file
    _exchange(session)


def _version_accepted(answer: str, version: str, report: SessionReport) -> bool:
    if answer.startswith("E:"):
        return False
    if answer.startswith("W:"):
        report.warnings.append(answer[2:])  # the user is asked and, here, carries on
        return True
    if answer.startswith("O:"):
        # unverified: "O:<version>" names the least Web Connector version the service takes.
        return _version_tuple(version) >= _version_tuple(answer[2:])
    return True


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def _exchange(session: _Session) -> None:
    report, ticket = session.report, session.report.ticket
    if _connection_error(session, 0) == "ended":
        return
    first, noops = True, 0
    while True:
        if len(report.requests) >= MAX_REQUESTS:
            report.ended = TOO_MANY
            return
        request = session.text(
            "sendRequestXML", ticket=ticket, strHCPResponse=hcp_response() if first else "",
            strCompanyFileName=report.company_file, qbXMLCountry=COUNTRY,
            qbXMLMajorVers=QBXML_MAJOR, qbXMLMinorVers=QBXML_MINOR)
        first = False
        if not request:
            report.last_error = session.text("getLastError", ticket=ticket)
            if report.last_error == "NoOp" and noops < MAX_NOOPS:
                noops += 1
                session.sleep(NOOP_SECONDS)
                continue
            report.ended = SERVICE_ERROR
            _close(session)
            return
        report.requests.append(request)
        number = len(report.requests)
        if session.fault_at(StopAfterRequest, number):
            report.ended = STOPPED
            return
        outcome = _connection_error(session, number)
        if outcome == "ended":
            return
        if outcome == "retry":  # another company file opened: a fresh QuickBooks connection
            first = True
            continue
        percent = _answer(session, number, request)
        report.percents.append(percent)
        if percent < 0:
            report.last_error = session.text("getLastError", ticket=ticket)
            report.ended = SERVICE_ERROR
            _close(session)
            return
        if percent >= 100:  # unverified: above 100 is read as done
            report.ended = DONE
            _close(session)
            return


def _connection_error(session: _Session, number: int) -> str:
    """connectionError, if the fault says so at this request: "ended" when the service
    answers "done", "retry" when it names another company file to open, else "" (no fault)."""
    fault = session.fault_at(ConnectionErrorInstead, number)
    if fault is None:
        return ""
    report = session.report
    answer = session.text("connectionError", ticket=report.ticket, hresult=fault.hresult,
                          message=fault.message)
    report.connection_error_answer = answer
    if answer in ("done", ""):
        # unverified: the Web Connector closes the connection after "done".
        report.ended = CONNECTION_ERROR
        _close(session)
        return "ended"
    report.company_file = answer
    return "retry"


def _answer(session: _Session, number: int, request: str) -> int:
    report, ticket = session.report, session.report.ticket
    waiting = session.fault_at(WaitBeforeAnswer, number)
    if waiting is not None:
        waiting.sleep(waiting.seconds)
    failing = session.fault_at(AnswerWithError, number)
    if failing is not None:
        response, hresult, message = "", failing.hresult, failing.message
    else:
        try:
            response, hresult, message = session.process(request), "", ""
        except ProcessorError as exc:
            response, hresult, message = "", exc.hresult, exc.message
        except Exception as exc:
            if not hasattr(exc, "hresult"):
                raise
            # Any error carrying an hresult (the company simulator's own parse error type).
            response, hresult = "", str(exc.hresult)
            message = str(getattr(exc, "message", "") or exc)
    report.answers.append(response)
    result = session.call("receiveResponseXML", ticket=ticket, response=response,
                          hresult=hresult, message=message)
    return int(result)


def _close(session: _Session) -> None:
    session.report.close_message = session.text("closeConnection",
                                                ticket=session.report.ticket)


# --------------------------------------------------------------------------- CLI
def main(argv: Sequence[str] | None = None) -> int:
    """Run sessions every --every seconds (or one with --once); 0 if the last one completed
    or had nothing to do."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the Web Connector service's AppURL")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", default=os.environ.get("QBD_SANDBOX_WC_PASSWORD", ""),
                        help="default: $QBD_SANDBOX_WC_PASSWORD")
    parser.add_argument("--company-url", required=True,
                        help="the company simulator's qbXML endpoint for the company file")
    parser.add_argument("--company-file", default="", help="the open company file's path")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between sessions")
    parser.add_argument("--once", action="store_true", help="run one session and exit")
    parser.add_argument("--runs", type=int, default=0, help="stop after N sessions (0: never)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    process = url_processor(args.company_url)
    runs = 1 if args.once else args.runs
    done, report = 0, None
    while True:
        try:
            report = run_session(args.url, args.username, args.password, process,
                                 company_file=args.company_file)
            log.info("session %s: %d request(s), percents %s%s", report.ended,
                     len(report.requests), report.percents,
                     f", last error: {report.last_error}" if report.last_error else "")
        except Exception:  # the service or the company simulator broke: try next time
            log.exception("session failed")
            report = None
        done += 1
        if runs and done >= runs:
            break
        time.sleep(args.every)
    return 0 if report is not None and report.ended in (DONE, NOTHING_TO_DO) else 1


if __name__ == "__main__":
    raise SystemExit(main())
