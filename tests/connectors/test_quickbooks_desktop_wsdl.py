"""Our generated WSDL (connectors/quickbooks_desktop/wsdl.py) against Intuit's
QBWebConnectorSvc.wsdl: zeep loads both and finds the same operations with the same input and
output signatures and SOAPActions; the address is ours; our embedded schema accepts exactly
the answers Intuit's accepts.
"""

from __future__ import annotations

import copy

import pytest
import zeep
from lxml import etree

from connectors.quickbooks_desktop import soap
from connectors.quickbooks_desktop.wsdl import wsdl
from tests.connectors.test_quickbooks_desktop_soap import (
    ANSWERS,
    CALLS,
    body_child,
    spec_schema,
    spec_wsdl,
)

URL = "https://ledgerlink.example/qbwc/soap"
XS = "{http://www.w3.org/2001/XMLSchema}"


def _signatures(client: zeep.Client) -> dict[str, tuple[str, str, str]]:
    [service] = client.wsdl.services.values()
    [port] = service.ports.values()
    return {name: (op.soapaction, op.input.signature(), op.output.signature())
            for name, op in port.binding._operations.items()}


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, zeep.Client]:
    document = wsdl(URL)
    path = tmp_path_factory.mktemp("wsdl") / "ours.wsdl"
    path.write_bytes(document)
    return document, zeep.Client(str(path))


def test_zeep_finds_the_spec_s_operations_and_signatures(ours: tuple[bytes, zeep.Client]) -> None:
    spec = _signatures(zeep.Client(str(spec_wsdl())))
    mine = _signatures(ours[1])
    assert list(mine) == list(spec)
    assert mine == spec
    assert len(mine) == 8


def test_the_service_is_bound_to_the_endpoint_url(ours: tuple[bytes, zeep.Client]) -> None:
    [service] = ours[1].wsdl.services.values()
    assert service.name == "QBWebConnectorSvc"
    [port] = service.ports.values()
    assert port.binding_options["address"] == URL
    other = etree.fromstring(wsdl("http://localhost:5000/qbwc?x=<&>"))
    address = other.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address is not None and address.get("location") == "http://localhost:5000/qbwc?x=<&>"


def test_a_non_http_endpoint_is_refused() -> None:
    with pytest.raises(ValueError, match="http"):
        wsdl("ftp://example.com/")


def _embedded(document: bytes) -> etree.XMLSchema:
    root = etree.fromstring(document)
    embedded = root.find(f".//{XS}schema")
    schema = etree.Element(embedded.tag, attrib=dict(embedded.attrib), nsmap=root.nsmap)
    for child in embedded:
        schema.append(copy.deepcopy(child))
    return etree.XMLSchema(schema)


def test_our_schema_and_the_spec_s_judge_calls_and_answers_alike(
        ours: tuple[bytes, zeep.Client]) -> None:
    mine, spec = _embedded(ours[0]), spec_schema()
    client = ours[1]
    samples = [body_child(soap.reply(m, v)) for m, v in ANSWERS.items()]
    samples += [client.create_message(client.service, m, **p)[0][0] for m, p in CALLS.items()]
    for element in samples:
        assert mine.validate(element) and spec.validate(element), etree.tostring(element)
    # A wrong answer is wrong to both: receiveResponseXML's int is required.
    broken = body_child(soap.reply("receiveResponseXML", 5))
    broken.remove(broken[0])
    assert not mine.validate(broken) and not spec.validate(broken)
    not_int = body_child(soap.reply("receiveResponseXML", 5))
    not_int[0].text = "five"
    assert not mine.validate(not_int) and not spec.validate(not_int)
