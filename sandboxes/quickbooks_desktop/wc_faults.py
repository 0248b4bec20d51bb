"""The ways a simulated Web Connector session can be cut short, for tests to choose.

Each fault does what a real session cut short does to the service it calls; `request` counts
the qbXML requests handed out by sendRequestXML in this session, from 1 (0, where allowed,
means before the first one). The simulated Web Connector meets at most one fault a session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# What QuickBooks' request processor reports for a document it cannot parse.
# unverified: the code and words as integrators quote them (QBXMLRP2 ProcessRequest's
# 0x80040400); the specs folder does not document hresults.
PARSE_HRESULT = "0x80040400"
PARSE_MESSAGE = "QuickBooks found an error when parsing the provided XML text stream."
# unverified: the hresult integrators report when the Web Connector cannot start QuickBooks.
START_HRESULT = "0x80040408"
START_MESSAGE = "Could not start QuickBooks."


@dataclass(frozen=True)
class StopAfterRequest:
    """The PC goes away (QuickBooks closed, machine asleep) once request N is handed out: no
    receiveResponseXML, no closeConnection; the service never hears of it."""

    request: int = 1


@dataclass(frozen=True)
class AnswerWithError:
    """QuickBooks could not run request N: receiveResponseXML carries response "" with the
    hresult and message, as the Web Connector sends it."""

    request: int = 1
    hresult: str = PARSE_HRESULT
    message: str = PARSE_MESSAGE


@dataclass(frozen=True)
class ConnectionErrorInstead:
    """The Web Connector loses QuickBooks at request N (0: could not open it at all after
    authenticate) and calls connectionError instead of answering."""

    request: int = 1
    hresult: str = START_HRESULT
    message: str = START_MESSAGE


@dataclass(frozen=True)
class WaitBeforeAnswer:
    """Request N takes `seconds` in QuickBooks before it is answered (long enough, as the test
    chooses, to outlive the service's ticket). `sleep` is the test's clock hook: the default
    really sleeps; a test passes one that moves its own clock instead."""

    request: int = 1
    seconds: float = 0.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


@dataclass(frozen=True)
class NetworkFailure:
    """The connection drops during the `number`-th call of `call`: after the call reached the
    service (its answer is lost) or before. The Web Connector ends the session there, as it
    does on any transport error, without calling anything else."""

    call: str = "receiveResponseXML"
    number: int = 1
    reached_server: bool = True


Fault = (StopAfterRequest | AnswerWithError | ConnectionErrorInstead | WaitBeforeAnswer
         | NetworkFailure)


def describe(fault: Fault) -> str:
    """The fault in words, for SessionReport.faults_met."""
    if isinstance(fault, NetworkFailure):
        when = "after" if fault.reached_server else "before"
        return (f"network failure {when} call {fault.number} of {fault.call} reached the "
                f"service")
    if isinstance(fault, StopAfterRequest):
        return f"stopped after request {fault.request} was handed out"
    if isinstance(fault, AnswerWithError):
        return f"request {fault.request} answered with error {fault.hresult}"
    if isinstance(fault, ConnectionErrorInstead):
        return f"connectionError {fault.hresult} at request {fault.request}"
    return f"waited {fault.seconds} s before answering request {fault.request}"
