"""The Web Connector's SOAP calls read and answered by connectors/quickbooks_desktop/soap.py,
held to Intuit's QBWebConnectorSvc.wsdl (../shared/specs/quickbooks-desktop; skipped only where
that folder is absent).

Calls are written by a real zeep client loaded from Intuit's WSDL and read back by parse_call to
the same typed values; every answer validates against the schema embedded in that WSDL's
<types> and is read back by zeep; malformed, hostile and oversized bodies are refused with a
SoapFault whose words name the problem.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import zeep
from lxml import etree

from connectors.quickbooks_desktop import soap
from connectors.quickbooks_desktop.soap import SoapFault, parse_call, reply

ROOT = Path(__file__).resolve().parents[2]
SPEC_WSDL = ROOT.parent / "shared" / "specs" / "quickbooks-desktop" / "QBWebConnectorSvc.wsdl"
XS = "{http://www.w3.org/2001/XMLSchema}"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def spec_wsdl() -> Path:
    if not SPEC_WSDL.exists():
        pytest.skip(f"{SPEC_WSDL} is not here")
    return SPEC_WSDL


def spec_schema() -> etree.XMLSchema:
    """The schema in the spec WSDL's <types>, standing alone: the QName prefixes its type
    attributes use (s:, tns:) are declared on <wsdl:definitions>, so they are carried over."""
    tree = etree.parse(str(spec_wsdl()))
    embedded = tree.find(f".//{XS}schema")
    schema = etree.Element(embedded.tag, attrib=dict(embedded.attrib),
                           nsmap=tree.getroot().nsmap)
    for child in embedded:
        schema.append(copy.deepcopy(child))
    return etree.XMLSchema(schema)


def body_child(envelope: bytes) -> etree._Element:
    root = etree.fromstring(envelope)
    body = root.find(f"{{{ENV}}}Body")
    assert body is not None
    return body[0]


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return spec_schema()


@pytest.fixture(scope="module")
def spec_client() -> zeep.Client:
    return zeep.Client(str(spec_wsdl()))


# Sample calls, one per operation, in the WSDL's order; text that needs escaping included.
CALLS: dict[str, dict[str, str | int]] = {
    "serverVersion": {"strVersion": ""},
    "clientVersion": {"strVersion": "2.3.0.215"},
    "authenticate": {"strUserName": "ledgerlink-acme", "strPassword": "p<a>ss&'\""},
    "sendRequestXML": {
        "ticket": "3f2a", "strHCPResponse": '<?xml version="1.0"?><QBXML><QBXMLMsgsRs/></QBXML>',
        "strCompanyFileName": r"C:\Company Files\Acme & Sons.qbw", "qbXMLCountry": "UK",
        "qbXMLMajorVers": 13, "qbXMLMinorVers": 0,
    },
    "receiveResponseXML": {"ticket": "3f2a", "response": "<QBXML>£ café</QBXML>",
                           "hresult": "", "message": ""},
    "connectionError": {"ticket": "3f2a", "hresult": "0x80040408",
                        "message": "Could not start QuickBooks."},
    "getLastError": {"ticket": "3f2a"},
    "closeConnection": {"ticket": "3f2a"},
}

ANSWERS: dict[str, soap.Result] = {
    "serverVersion": "1.0",
    "clientVersion": "W:Please upgrade",
    "authenticate": ["3f2a", ""],
    "sendRequestXML": '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML/>',
    "receiveResponseXML": 100,
    "connectionError": "done",
    "getLastError": "Customer 'A & B' was refused",
    "closeConnection": "OK",
}


def test_the_table_is_the_wsdl_s_operations_in_order(spec_client: zeep.Client) -> None:
    binding = spec_client.service._binding
    spec = list(binding._operations)
    assert list(soap.OPERATIONS) == spec
    assert set(CALLS) == set(spec) == set(ANSWERS)
    for name, op in soap.OPERATIONS.items():
        zeep_op = binding.get(name)
        assert zeep_op.soapaction == op.soap_action
        names = [part for part, _ in zeep_op.input.body.type.elements]
        assert names == [p.name for p in op.params]


@pytest.mark.parametrize("method", list(CALLS))
def test_a_zeep_call_reads_back_to_its_typed_values(method: str, spec_client: zeep.Client,
                                                    schema: etree.XMLSchema) -> None:
    message = spec_client.create_message(spec_client.service, method, **CALLS[method])
    body = etree.tostring(message)
    assert schema.validate(body_child(body)), schema.error_log.last_error
    call = parse_call(body, soap_action=f'"http://developer.intuit.com/{method}"')
    assert call.method == method
    assert call.params == CALLS[method]
    assert call.soap_version == "1.1"
    assert call.content_type.startswith("text/xml")


@pytest.mark.parametrize("method", list(ANSWERS))
def test_every_reply_validates_and_zeep_reads_it(method: str, spec_client: zeep.Client,
                                                 schema: etree.XMLSchema) -> None:
    envelope = reply(method, ANSWERS[method])
    assert envelope.startswith(b"<?xml")
    element = body_child(envelope)
    assert schema.validate(element), schema.error_log.last_error
    assert element.tag == f"{{{soap.NS}}}{method}Response"
    output = spec_client.service._binding.get(method).output
    read = output.deserialize(etree.fromstring(envelope))
    # zeep reads an empty element as None where .NET (the Web Connector) reads "".
    if isinstance(read, list):
        read = ["" if item is None else item for item in read]
    assert read == ANSWERS[method]


def test_authenticate_answers_an_array_of_string_children(schema: etree.XMLSchema) -> None:
    element = body_child(reply("authenticate", ["", "nvu"]))
    result = element[0]
    assert result.tag == f"{{{soap.NS}}}authenticateResult"
    assert [(c.tag, c.text) for c in result] == [(f"{{{soap.NS}}}string", None),
                                                  (f"{{{soap.NS}}}string", "nvu")]
    nil = body_child(reply("authenticate", ["t", None]))[0][1]
    assert nil.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
    assert schema.validate(nil.getparent().getparent())


def test_receive_response_answers_an_int_negative_included(schema: etree.XMLSchema) -> None:
    element = body_child(reply("receiveResponseXML", -1))
    assert element[0].text == "-1"
    assert schema.validate(element)


@pytest.mark.parametrize(("method", "value"), [
    ("receiveResponseXML", "100"), ("receiveResponseXML", True), ("receiveResponseXML", 2**31),
    ("authenticate", "ticket"), ("authenticate", ["t", 3]), ("getLastError", None),
    ("closeConnection", "bell\x07"), ("nosuchMethod", ""),
])
def test_a_reply_of_the_wrong_type_is_refused(method: str, value: object) -> None:
    with pytest.raises((TypeError, ValueError), match=method):
        reply(method, value)  # type: ignore[arg-type]


def test_absent_and_empty_strings_both_read_as_empty() -> None:
    # .NET writes "" as an empty element and null as nothing; xsi:nil is read as empty too.
    absent = envelope('<sendRequestXML xmlns="http://developer.intuit.com/">'
                      "<qbXMLMajorVers>13</qbXMLMajorVers><qbXMLMinorVers>0</qbXMLMinorVers>"
                      "</sendRequestXML>")
    assert parse_call(absent).params == {"ticket": "", "strHCPResponse": "",
                                         "strCompanyFileName": "", "qbXMLCountry": "",
                                         "qbXMLMajorVers": 13, "qbXMLMinorVers": 0}
    empty = envelope('<receiveResponseXML xmlns="http://developer.intuit.com/" '
                     'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><ticket/>'
                     '<response xsi:nil="true"/><hresult></hresult></receiveResponseXML>')
    assert parse_call(empty).params == {"ticket": "", "response": "", "hresult": "",
                                        "message": ""}


def test_cdata_and_escaped_qbxml_read_the_same() -> None:
    escaped = envelope('<receiveResponseXML xmlns="http://developer.intuit.com/"><ticket>t'
                       "</ticket><response>&lt;QBXML&gt;&amp;&lt;/QBXML&gt;</response>"
                       "</receiveResponseXML>")
    cdata = envelope('<receiveResponseXML xmlns="http://developer.intuit.com/"><ticket>t'
                     "</ticket><response><![CDATA[<QBXML>&</QBXML>]]></response>"
                     "</receiveResponseXML>")
    assert parse_call(escaped).params["response"] == "<QBXML>&</QBXML>"
    assert parse_call(cdata).params == parse_call(escaped).params


def test_soap_12_is_read_and_answered_in_kind() -> None:
    body = (b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>'
            b'<getLastError xmlns="http://developer.intuit.com/"><ticket>t</ticket>'
            b"</getLastError></env:Body></env:Envelope>")
    call = parse_call(body)
    assert (call.method, call.params, call.soap_version) == ("getLastError", {"ticket": "t"},
                                                             "1.2")
    assert call.content_type.startswith("application/soap+xml")
    answer = etree.fromstring(reply("getLastError", "x", soap_version="1.2"))
    assert answer.tag == f"{{{soap.SOAP12_NS}}}Envelope"
    refused = etree.fromstring(soap.fault(SoapFault("Client", "no"), soap_version="1.2"))
    value = refused.find(f".//{{{soap.SOAP12_NS}}}Value")
    assert value is not None and value.text == "soap:Sender"
    assert value.nsmap["soap"] == soap.SOAP12_NS


def envelope(inner: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{ENV}">'
            f"<soap:Body>{inner}</soap:Body></soap:Envelope>").encode()


def _op(name: str, inner: str = "") -> str:
    return f'<{name} xmlns="http://developer.intuit.com/">{inner}</{name}>'


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
          f'<soap:Envelope xmlns:soap="{ENV}"><soap:Body>'
          + _op("getLastError", "<ticket>&lol3;</ticket>") + "</soap:Body></soap:Envelope>")
XXE = ('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       f'<soap:Envelope xmlns:soap="{ENV}"><soap:Body>'
       + _op("getLastError", "<ticket>&x;</ticket>") + "</soap:Body></soap:Envelope>")
BARE_DTD = (f'<!DOCTYPE soap:Envelope SYSTEM "http://example.invalid/e.dtd">'
            f'<soap:Envelope xmlns:soap="{ENV}"><soap:Body>' + _op("getLastError")
            + "</soap:Body></soap:Envelope>")
SEND = "<qbXMLMajorVers>13</qbXMLMajorVers><qbXMLMinorVers>0</qbXMLMinorVers>"


@pytest.mark.parametrize(("body", "words"), [
    (b"", "empty"),
    (b"this is not xml", "not well-formed XML"),
    (b"<soap:Envelope xmlns:soap='x'><unclosed>", "not well-formed XML"),
    (b'<Envelope xmlns="urn:wrong"><Body/></Envelope>', "namespace urn:wrong"),
    (b'<html xmlns="http://schemas.xmlsoap.org/soap/envelope/"/>', "not 'html'"),
    (f'<soap:Envelope xmlns:soap="{ENV}"/>'.encode(), "exactly one Body"),
    (envelope(""), "exactly one operation element, not 0"),
    (envelope(_op("getLastError") + _op("closeConnection")), "not 2"),
    (envelope("<getLastError><ticket>t</ticket></getLastError>"), "namespace"),
    (envelope(_op("deleteCompany")), "unknown operation 'deleteCompany'"),
    (envelope(_op("sendRequestXML", "<ticket>t</ticket><qbXMLMinorVers>0</qbXMLMinorVers>")),
     "required parameter 'qbXMLMajorVers' (int) is missing"),
    (envelope(_op("sendRequestXML", "<qbXMLMajorVers>13.0</qbXMLMajorVers>"
                                    "<qbXMLMinorVers>0</qbXMLMinorVers>")),
     "'qbXMLMajorVers' must be an int, not '13.0'"),
    (envelope(_op("sendRequestXML", "<qbXMLMajorVers>thirteen</qbXMLMajorVers>"
                                    "<qbXMLMinorVers>0</qbXMLMinorVers>")), "must be an int"),
    (envelope(_op("sendRequestXML", "<qbXMLMajorVers>99999999999</qbXMLMajorVers>"
                                    "<qbXMLMinorVers>0</qbXMLMinorVers>")), "range of an int"),
    (envelope(_op("sendRequestXML", SEND + "<colour>blue</colour>")),
     "unexpected element 'colour'"),
    (envelope(_op("getLastError", "<ticket>a</ticket><ticket>b</ticket>")), "given twice"),
    (envelope(_op("getLastError", '<ticket xmlns="">t</ticket>')), "must be in the namespace"),
    (envelope(_op("receiveResponseXML", "<response><QBXML/></response>")),
     "'response' must be text, not XML elements"),
    (LAUGHS.encode(), "DTD or entity"),
    (XXE.encode(), "DTD or entity"),
    (BARE_DTD.encode(), "DTD or entity"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_malformed_bodies_are_refused_in_words(body: bytes, words: str) -> None:
    with pytest.raises(SoapFault) as refused:
        parse_call(body)
    assert refused.value.code == "Client"
    assert words in refused.value.message


def test_a_soap_action_naming_another_operation_is_refused() -> None:
    with pytest.raises(SoapFault, match="does not match the body's operation 'getLastError'"):
        parse_call(envelope(_op("getLastError")),
                   soap_action='"http://developer.intuit.com/closeConnection"')
    assert parse_call(envelope(_op("getLastError")), soap_action='""').method == "getLastError"


def test_a_huge_body_is_refused_before_it_is_parsed() -> None:
    huge = envelope(_op("receiveResponseXML", "<response>" + "A" * soap.MAX_BODY_BYTES
                        + "</response>"))
    with pytest.raises(SoapFault, match=f"over the limit of {soap.MAX_BODY_BYTES} bytes"):
        parse_call(huge)
    with pytest.raises(SoapFault, match="over the limit of 100 bytes"):
        parse_call(envelope(_op("getLastError")), max_bytes=100)


def test_a_large_response_under_the_limit_is_read_whole() -> None:
    text = "<QBXML>" + "x" * (soap.MAX_BODY_BYTES - 1000) + "</QBXML>"
    escaped = text.replace("<", "&lt;").replace(">", "&gt;")
    call = parse_call(envelope(_op("receiveResponseXML", f"<response>{escaped}</response>")))
    assert call.params["response"] == text


@pytest.mark.parametrize(("code", "status"), [("Client", "soap:Client"),
                                              ("Server", "soap:Server")])
def test_fault_is_a_soap_11_fault(code: str, status: str, spec_client: zeep.Client) -> None:
    error = SoapFault(code, "parameter 'ticket' <is> & was bad")  # type: ignore[arg-type]
    root = etree.fromstring(soap.fault(error))
    element = root.find(f"{{{ENV}}}Body/{{{ENV}}}Fault")
    assert element is not None
    faultcode = element.find("faultcode")
    assert faultcode is not None and faultcode.text == status
    assert faultcode.nsmap["soap"] == ENV  # the prefix of the QName resolves to SOAP 1.1
    assert element.findtext("faultstring") == "parameter 'ticket' <is> & was bad"
    assert soap.FAULT_HTTP_STATUS == 500


def test_a_latin_1_envelope_reads_as_text() -> None:
    body = ('<?xml version="1.0" encoding="ISO-8859-1"?>'
            f'<soap:Envelope xmlns:soap="{ENV}"><soap:Body>'
            + _op("getLastError", "<ticket>caf\u00e9 \u00a3</ticket>")
            + "</soap:Body></soap:Envelope>").encode("latin-1")
    assert parse_call(body).params == {"ticket": "caf\u00e9 \u00a3"}


def test_respond_answers_a_call_with_its_reply() -> None:
    seen: list[soap.SoapCall] = []

    def handle(call: soap.SoapCall) -> soap.Result:
        seen.append(call)
        return 42

    answer = soap.respond(envelope(_op("receiveResponseXML", "<ticket>t</ticket>")),
                          '"http://developer.intuit.com/receiveResponseXML"', handle)
    assert (answer.status, answer.content_type) == (200, soap.SOAP11_CONTENT_TYPE)
    assert answer.body == reply("receiveResponseXML", 42)
    assert seen[0].params["ticket"] == "t"


def test_respond_turns_faults_into_fault_envelopes() -> None:
    def refuse(call: soap.SoapCall) -> soap.Result:
        raise SoapFault("Server", "the database is down")

    ours = soap.respond(envelope(_op("getLastError")), None, refuse)
    assert ours.status == 500
    assert etree.fromstring(ours.body).findtext(f".//{{{ENV}}}Fault/faultcode") == "soap:Server"
    theirs = soap.respond(b"not xml", None, refuse)
    assert theirs.status == 500
    assert etree.fromstring(theirs.body).findtext(f".//{{{ENV}}}Fault/faultcode") == \
        "soap:Client"
    twelve = soap.respond(b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope">'
                          b"<e:Body><nosuch/></e:Body></e:Envelope>", None, refuse)
    assert (twelve.status, twelve.content_type) == (400, soap.SOAP12_CONTENT_TYPE)
    assert b"soap:Sender" in twelve.body and b"must be in the namespace" in twelve.body


def test_respond_lets_our_own_bugs_propagate() -> None:
    def broken(call: soap.SoapCall) -> soap.Result:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        soap.respond(envelope(_op("getLastError")), None, broken)
