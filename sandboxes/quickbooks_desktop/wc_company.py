"""What the simulated Web Connector does on the QuickBooks side of the PC: run a qbXML request
in a company file (through the company simulator's HTTP endpoint), and the host / company /
preferences response it sends with its first sendRequestXML of a session.

`process` callables take a qbXML request and return the response document, or raise
`ProcessorError` carrying the hresult QuickBooks' request processor would report; the
simulated Web Connector then answers receiveResponseXML with response "" and that hresult, as
the real one does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from email.message import Message

import requests
from lxml import etree

from sandboxes.quickbooks_desktop.wc_faults import PARSE_HRESULT

# unverified: E_FAIL, a generic COM failure, for anything else the request processor meets.
FAIL_HRESULT = "0x80004005"
Processor = Callable[[str], str]


class ProcessorError(Exception):
    """QuickBooks could not run the request: its hresult and message, as the Web Connector
    passes them to receiveResponseXML."""

    def __init__(self, hresult: str, message: str) -> None:
        super().__init__(f"{hresult}: {message}")
        self.hresult = hresult
        self.message = message


def company_url(base_url: str, company_id: str) -> str:
    """The company simulator's qbXML endpoint for one company file."""
    return f"{base_url.rstrip('/')}/sandbox/quickbooks_desktop/companies/{company_id}/qbxml"


def company_processor(base_url: str, company_id: str, timeout: float = 30.0,
                      session: requests.Session | None = None) -> Processor:
    """A `process` that POSTs each request to the company simulator at `base_url`."""
    return url_processor(company_url(base_url, company_id), timeout=timeout, session=session)


def url_processor(url: str, timeout: float = 30.0,
                  session: requests.Session | None = None) -> Processor:
    """A `process` that POSTs each request to a qbXML endpoint URL (request in, response out,
    like QBXMLRP2 ProcessRequest).

    An error status becomes ProcessorError: with the JSON body's "hresult" and "message" when
    the endpoint gives them, else the parse-failure hresult for a 400 and E_FAIL otherwise.
    # unverified: how the company simulator words its refusals is its helper's choice; JSON
    # {"hresult", "message"} is what this side reads, and the lead reconciles the two.
    """
    http = session or requests.Session()

    def process(request: str) -> str:
        try:
            answer = http.post(url, data=request.encode("utf-8"), timeout=timeout,
                               headers={"Content-Type": "text/xml; charset=utf-8"})
        except requests.RequestException as exc:
            raise ProcessorError(FAIL_HRESULT, f"QuickBooks did not answer: {exc}") from exc
        text = answer.content.decode(_charset(answer.headers.get("Content-Type", "")),
                                     errors="replace")
        if answer.ok:
            return text
        raise _refusal(answer.status_code, text)

    return process


def _charset(content_type: str) -> str:
    # requests assumes ISO-8859-1 for text/* without a charset; qbXML from the simulator is UTF-8.
    message = Message()
    message["Content-Type"] = content_type
    return message.get_content_charset() or "utf-8"


def _refusal(status: int, text: str) -> ProcessorError:
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("hresult"):
        return ProcessorError(str(body["hresult"]), str(body.get("message") or ""))
    hresult = PARSE_HRESULT if status == 400 else FAIL_HRESULT
    return ProcessorError(hresult, f"HTTP {status}: {text[:500]}")


def hcp_response(company_name: str = "Sandbox Company Ltd", country: str = "UK",
                 product: str = "QuickBooks Pro 2013 UK") -> str:
    """The host, company and preferences query response the Web Connector sends as
    strHCPResponse on a session's first sendRequestXML: valid against qbxmlops130.xsd (the
    tests check), with the few fields a service reads (country, qbXML versions, file mode).
    # unverified: the exact contents real QuickBooks returns; this is a plausible minimum.
    """
    root = etree.Element("QBXML")
    messages = etree.SubElement(root, "QBXMLMsgsRs")
    host = etree.SubElement(_ok(messages, "HostQueryRs"), "HostRet")
    for tag, text in (("ProductName", product), ("MajorVersion", "23"), ("MinorVersion", "0"),
                      ("Country", country)):
        etree.SubElement(host, tag).text = text
    for version in ("1.0", "2.0", "3.0", "4.0", "5.0", "6.0", "7.0", "8.0", "9.0", "10.0",
                    "11.0", "12.0", "13.0"):
        etree.SubElement(host, "SupportedQBXMLVersion").text = version
    etree.SubElement(host, "IsAutomaticLogin").text = "false"
    etree.SubElement(host, "QBFileMode").text = "SingleUser"
    company = etree.SubElement(_ok(messages, "CompanyQueryRs"), "CompanyRet")
    etree.SubElement(company, "CompanyName").text = company_name
    etree.SubElement(_ok(messages, "PreferencesQueryRs"), "PreferencesRet")
    body = etree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" ?>\n{body}'


def _ok(parent: etree._Element, tag: str) -> etree._Element:
    return etree.SubElement(parent, tag, statusCode="0", statusSeverity="Info",
                            statusMessage="Status OK")
