"""The QuickBooks Web Connector's SOAP calls, read and answered (pure: no Flask, no I/O).

The Web Connector (QBWC) on the customer's PC calls our service with the eight document/literal
operations of Intuit's QBWebConnectorSvc.wsdl (namespace http://developer.intuit.com/).
`OPERATIONS` is the one table of them: parameter names and types in the WSDL's order and each
result's type. `parse_call` reads a call's envelope by it, `reply` and `fault` write the answers
by it, and connectors/quickbooks_desktop/wsdl.py generates our WSDL from it; the tests hold all
three to Intuit's WSDL.

The body is untrusted input from the internet: it is parsed by lxml through defusedxml with
entity expansion, DTDs and the network all off, after a size check, and anything that is not a
well-formed call of one of the eight operations raises `SoapFault` with words naming the
problem (the endpoint answers it with `fault`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

with warnings.catch_warnings():
    # defusedxml marks its lxml module deprecated, but its DTD and entity checks are still the
    # ones we want around lxml's parser (the project parses with lxml throughout).
    warnings.simplefilter("ignore", DeprecationWarning)
    from defusedxml import DefusedXmlException
    from defusedxml import lxml as defused_lxml

NS = "http://developer.intuit.com/"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
SOAP11_CONTENT_TYPE = "text/xml; charset=utf-8"
SOAP12_CONTENT_TYPE = "application/soap+xml; charset=utf-8"
# SOAP 1.1 section 6.2: a fault travels with HTTP 500, whoever is at fault.
FAULT_HTTP_STATUS = 500
# A qbXML response is one string parameter; libxml2 refuses a text node past 10 MB unless told
# to parse "huge" trees (which we never do), so the whole body is capped below that and the
# caller hears so in plain words rather than as a parser error.
# unverified: how large a response QBWC will post is not documented; the hand-out of requests
# should keep MaxReturned small enough that real responses stay well under this.
MAX_BODY_BYTES = 8 * 1024 * 1024
INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # xs:int

ParamType = Literal["string", "int"]
ResultType = Literal["string", "int", "ArrayOfString"]
FaultCode = Literal["Client", "Server"]
SoapVersion = Literal["1.1", "1.2"]


@dataclass(frozen=True)
class Param:
    """One parameter of an operation: an element of its request wrapper."""

    name: str
    type: ParamType
    required: bool = False  # minOccurs="1" in the WSDL (only the two ints of sendRequestXML)


@dataclass(frozen=True)
class Operation:
    """One WSDL operation: its request wrapper's children in order, and its one result."""

    name: str
    params: tuple[Param, ...]
    result: ResultType

    @property
    def result_name(self) -> str:
        return f"{self.name}Result"

    @property
    def response_name(self) -> str:
        return f"{self.name}Response"

    @property
    def soap_action(self) -> str:
        return f"{NS}{self.name}"


def _s(name: str) -> Param:
    return Param(name, "string")


# In the order of the WSDL's portType (also the order a QBWC session calls most of them).
OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("serverVersion", (_s("strVersion"),), "string"),
        Operation("clientVersion", (_s("strVersion"),), "string"),
        Operation("authenticate", (_s("strUserName"), _s("strPassword")), "ArrayOfString"),
        Operation(
            "sendRequestXML",
            (
                _s("ticket"), _s("strHCPResponse"), _s("strCompanyFileName"),
                _s("qbXMLCountry"), Param("qbXMLMajorVers", "int", required=True),
                Param("qbXMLMinorVers", "int", required=True),
            ),
            "string",
        ),
        Operation(
            "receiveResponseXML",
            (_s("ticket"), _s("response"), _s("hresult"), _s("message")),
            "int",
        ),
        Operation("connectionError", (_s("ticket"), _s("hresult"), _s("message")), "string"),
        Operation("getLastError", (_s("ticket"),), "string"),
        Operation("closeConnection", (_s("ticket"),), "string"),
    )
}


class SoapFault(Exception):
    """A call we cannot or will not answer: "Client" for bad input, "Server" for our side."""

    def __init__(self, code: FaultCode, message: str) -> None:
        super().__init__(message)
        self.code: FaultCode = code
        self.message = message
        # The envelope's version once parse_call has read it: the fault answers in kind.
        self.soap_version: SoapVersion = "1.1"

    def __str__(self) -> str:
        return f"soap:{self.code}: {self.message}"


@dataclass(frozen=True)
class SoapCall:
    """A parsed call: the operation's name and its parameters, typed ("" for absent strings)."""

    method: str
    params: dict[str, str | int] = field(default_factory=dict)
    soap_version: SoapVersion = "1.1"

    @property
    def content_type(self) -> str:
        """The Content-Type the answer to this call goes back with."""
        return SOAP12_CONTENT_TYPE if self.soap_version == "1.2" else SOAP11_CONTENT_TYPE


# --------------------------------------------------------------------------- parsing
def _parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True)


_INT = re.compile(r"[+-]?[0-9]+")


def parse_call(body: bytes, soap_action: str | None = None,
               max_bytes: int = MAX_BODY_BYTES) -> SoapCall:
    """Read one QBWC call from a request body; raises SoapFault("Client", ...) naming what is
    wrong. `soap_action` (the SOAPAction HTTP header, quotes and all) is checked against the
    body's operation when the client sent one."""
    if not isinstance(body, bytes | bytearray):
        raise SoapFault("Client", "the request body must be bytes")
    if len(body) > max_bytes:
        raise SoapFault("Client", f"the request body is {len(body)} bytes, over the limit of "
                                  f"{max_bytes} bytes")
    if not body.strip():
        raise SoapFault("Client", "the request body is empty: expected a SOAP envelope")
    try:
        root = defused_lxml.fromstring(bytes(body), parser=_parser(), forbid_dtd=True,
                                       forbid_entities=True)
    except DefusedXmlException as exc:
        raise SoapFault("Client", f"a DTD or entity declaration is not accepted ({exc})") from None
    except etree.XMLSyntaxError as exc:
        raise SoapFault("Client", f"the request body is not well-formed XML: {exc}") from None
    version = _envelope_version(root)
    try:
        return _call(root, version, soap_action)
    except SoapFault as error:
        error.soap_version = version
        raise


def _call(root: etree._Element, version: SoapVersion, soap_action: str | None) -> SoapCall:
    envelope_ns = SOAP12_NS if version == "1.2" else SOAP11_NS
    bodies = [c for c in root if c.tag == f"{{{envelope_ns}}}Body"]
    if len(bodies) != 1:
        raise SoapFault("Client", f"the Envelope must hold exactly one Body, not {len(bodies)}")
    calls = _elements(bodies[0])
    if len(calls) != 1:
        raise SoapFault("Client", f"the Body must hold exactly one operation element, not "
                                  f"{len(calls)}")
    wrapper = calls[0]
    qname = etree.QName(wrapper)
    if qname.namespace != NS:
        raise SoapFault("Client", f"the operation element {qname.localname!r} must be in the "
                                  f"namespace {NS} (it is in {qname.namespace or 'none'})")
    operation = OPERATIONS.get(qname.localname)
    if operation is None:
        raise SoapFault("Client", f"unknown operation {qname.localname!r}: expected one of "
                                  f"{', '.join(OPERATIONS)}")
    _check_action(soap_action, operation)
    return SoapCall(operation.name, _params(operation, wrapper), version)


def _envelope_version(root: etree._Element) -> SoapVersion:
    qname = etree.QName(root)
    if qname.localname != "Envelope":
        raise SoapFault("Client", f"the document element must be a SOAP Envelope, not "
                                  f"{qname.localname!r}")
    if qname.namespace == SOAP11_NS:
        return "1.1"
    if qname.namespace == SOAP12_NS:
        return "1.2"
    raise SoapFault("Client", f"the Envelope is in the namespace {qname.namespace or 'none'}: "
                              f"expected SOAP 1.1 ({SOAP11_NS}) or 1.2 ({SOAP12_NS})")


def _elements(parent: etree._Element) -> list[etree._Element]:
    return [c for c in parent if isinstance(c.tag, str)]


def _check_action(soap_action: str | None, operation: Operation) -> None:
    action = (soap_action or "").strip().strip('"')
    if action and action != operation.soap_action:
        raise SoapFault("Client", f"the SOAPAction {action!r} does not match the body's "
                                  f"operation {operation.name!r} ({operation.soap_action})")


def _params(operation: Operation, wrapper: etree._Element) -> dict[str, str | int]:
    declared = {p.name: p for p in operation.params}
    found: dict[str, etree._Element] = {}
    for child in _elements(wrapper):
        qname = etree.QName(child)
        if qname.localname in declared and qname.namespace != NS:
            # elementFormDefault="qualified": a bare <ticket> is a client bug worth naming.
            raise SoapFault("Client", f"{operation.name}: parameter {qname.localname!r} must be "
                                      f"in the namespace {NS}")
        if qname.localname not in declared:
            raise SoapFault("Client", f"{operation.name}: unexpected element "
                                      f"{qname.localname!r}; its parameters are "
                                      f"{', '.join(declared)}")
        if qname.localname in found:
            raise SoapFault("Client", f"{operation.name}: parameter {qname.localname!r} "
                                      f"is given twice")
        found[qname.localname] = child
    values: dict[str, str | int] = {}
    for param in operation.params:
        element = found.get(param.name)
        if element is None:
            if param.required:
                raise SoapFault("Client", f"{operation.name}: the required parameter "
                                          f"{param.name!r} ({param.type}) is missing")
            # .NET's serializer leaves a null string out and writes "" as an empty element:
            # both read as "".
            values[param.name] = ""
            continue
        text = _text(operation, param, element)
        values[param.name] = _int(operation, param, text) if param.type == "int" else text
    return values


def _text(operation: Operation, param: Param, element: etree._Element) -> str:
    if _elements(element):
        raise SoapFault("Client", f"{operation.name}: parameter {param.name!r} must be text, "
                                  f"not XML elements (qbXML travels escaped inside the string)")
    if element.get(f"{{{XSI_NS}}}nil") in ("true", "1"):
        return ""
    return "".join(element.itertext())


def _int(operation: Operation, param: Param, text: str) -> int:
    lexical = text.strip()  # xs:int collapses whitespace
    if not _INT.fullmatch(lexical):
        raise SoapFault("Client", f"{operation.name}: parameter {param.name!r} must be an int, "
                                  f"not {text!r}")
    value = int(lexical)
    if not INT_MIN <= value <= INT_MAX:
        raise SoapFault("Client", f"{operation.name}: parameter {param.name!r} is {value}, "
                                  f"outside the range of an int")
    return value


# --------------------------------------------------------------------------- answering
Result = str | int | Sequence[str | None]


def reply(method: str, value: Result, soap_version: SoapVersion = "1.1") -> bytes:
    """The `<method>Response` envelope carrying `value` as the WSDL types it: a str for the
    string results, an int for receiveResponseXML, a sequence of str (None for a nil item)
    for authenticate's ArrayOfString. A value of the wrong type raises TypeError."""
    operation = OPERATIONS.get(method)
    if operation is None:
        raise ValueError(f"unknown operation {method!r}")
    envelope, body = _envelope(soap_version)
    response = etree.SubElement(body, f"{{{NS}}}{operation.response_name}", nsmap={None: NS})
    result = etree.SubElement(response, f"{{{NS}}}{operation.result_name}")
    if operation.result == "ArrayOfString":
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            raise TypeError(f"{method} answers a sequence of strings, not {value!r}")
        for item in value:
            string = etree.SubElement(result, f"{{{NS}}}string")
            if item is None:
                string.set(f"{{{XSI_NS}}}nil", "true")
            elif isinstance(item, str):
                string.text = _xml_text(method, item)
            else:
                raise TypeError(f"{method} answers strings, not {item!r}")
    elif operation.result == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{method} answers an int, not {value!r}")
        if not INT_MIN <= value <= INT_MAX:
            raise ValueError(f"{method} answers an int, and {value} is out of its range")
        result.text = str(value)
    else:
        if not isinstance(value, str):
            raise TypeError(f"{method} answers a string, not {value!r}")
        result.text = _xml_text(method, value)
    return _bytes(envelope)


def fault(error: SoapFault, soap_version: SoapVersion = "1.1") -> bytes:
    """The Fault envelope for `error` (send it with FAULT_HTTP_STATUS)."""
    envelope, body = _envelope(soap_version)
    message = _xml_text("fault", error.message)
    if soap_version == "1.2":
        element = etree.SubElement(body, f"{{{SOAP12_NS}}}Fault")
        code = etree.SubElement(etree.SubElement(element, f"{{{SOAP12_NS}}}Code"),
                                f"{{{SOAP12_NS}}}Value")
        code.text = "soap:Sender" if error.code == "Client" else "soap:Receiver"
        reason = etree.SubElement(etree.SubElement(element, f"{{{SOAP12_NS}}}Reason"),
                                  f"{{{SOAP12_NS}}}Text")
        reason.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        reason.text = message
    else:
        element = etree.SubElement(body, f"{{{SOAP11_NS}}}Fault")
        # SOAP 1.1's faultcode and faultstring are unqualified.
        etree.SubElement(element, "faultcode").text = f"soap:{error.code}"
        etree.SubElement(element, "faultstring").text = message
    return _bytes(envelope)


def _envelope(soap_version: SoapVersion) -> tuple[etree._Element, etree._Element]:
    envelope_ns = SOAP12_NS if soap_version == "1.2" else SOAP11_NS
    envelope = etree.Element(f"{{{envelope_ns}}}Envelope",
                             nsmap={"soap": envelope_ns, "xsi": XSI_NS, "xsd": XSD_NS})
    return envelope, etree.SubElement(envelope, f"{{{envelope_ns}}}Body")


def _xml_text(method: str, text: str) -> str:
    # lxml refuses control characters with a bare ValueError; name the answer instead.
    try:
        etree.Element("probe").text = text
    except ValueError as exc:
        raise ValueError(f"{method}: the text cannot be carried in XML ({exc})") from None
    return text


def _bytes(envelope: etree._Element) -> bytes:
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


@dataclass(frozen=True)
class Answer:
    """An HTTP answer to one call: status, Content-Type and body."""

    status: int
    content_type: str
    body: bytes


def respond(body: bytes, soap_action: str | None,
            handle: Callable[[SoapCall], Result]) -> Answer:
    """Parse a call, let `handle` answer it, and write the reply; a SoapFault from parsing or
    from `handle` becomes a Fault (HTTP 500 in SOAP 1.1; in 1.2, 400 for the sender's fault and
    500 for ours). Other exceptions from `handle` propagate: they are our bugs, not answers."""
    call: SoapCall | None = None
    try:
        call = parse_call(body, soap_action=soap_action)
        value = handle(call)
        return Answer(200, call.content_type, reply(call.method, value, call.soap_version))
    except SoapFault as error:
        version = call.soap_version if call is not None else error.soap_version
        status = 400 if version == "1.2" and error.code == "Client" else FAULT_HTTP_STATUS
        content_type = SOAP12_CONTENT_TYPE if version == "1.2" else SOAP11_CONTENT_TYPE
        return Answer(status, content_type, fault(error, version))
