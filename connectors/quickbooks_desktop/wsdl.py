"""Our WSDL for the Web Connector service, generated from soap.OPERATIONS.

Served at `<endpoint>?wsdl`: the Web Connector itself works from the .qwc file, but SOAP
tooling (and our simulated Web Connector) reads the contract from here. It is written from the
same table that parses and answers the calls, so the three cannot drift; the tests hold it to
Intuit's QBWebConnectorSvc.wsdl (same operations, same input and output signatures, same
SOAPActions). Only the address differs: ours is where the endpoint really is.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree

from connectors.quickbooks_desktop.soap import NS, OPERATIONS

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XS_NS = "http://www.w3.org/2001/XMLSchema"
SERVICE = "QBWebConnectorSvc"
PORT = "QBWebConnectorSvcSoap"  # also the portType's and the binding's name, as in Intuit's
HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http"
NSMAP = {"wsdl": WSDL_NS, "soap": WSDL_SOAP_NS, "s": XS_NS, "tns": NS}


def wsdl(endpoint_url: str) -> bytes:
    """The WSDL document with soap:address at `endpoint_url`."""
    if not endpoint_url.startswith(("http://", "https://")):
        raise ValueError(f"the endpoint URL must be http(s), not {endpoint_url!r}")
    root = etree.fromstring(_template())
    address = root.find(f"{{{WSDL_NS}}}service/{{{WSDL_NS}}}port/{{{WSDL_SOAP_NS}}}address")
    address.set("location", endpoint_url)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


@lru_cache(maxsize=1)
def _template() -> bytes:
    root = etree.Element(f"{{{WSDL_NS}}}definitions", nsmap=NSMAP, targetNamespace=NS)
    _types(etree.SubElement(root, f"{{{WSDL_NS}}}types"))
    for op in OPERATIONS.values():
        for suffix, element in (("SoapIn", op.name), ("SoapOut", op.response_name)):
            message = etree.SubElement(root, f"{{{WSDL_NS}}}message", name=op.name + suffix)
            etree.SubElement(message, f"{{{WSDL_NS}}}part", name="parameters",
                             element=f"tns:{element}")
    port_type = etree.SubElement(root, f"{{{WSDL_NS}}}portType", name=PORT)
    for op in OPERATIONS.values():
        operation = etree.SubElement(port_type, f"{{{WSDL_NS}}}operation", name=op.name)
        etree.SubElement(operation, f"{{{WSDL_NS}}}input", message=f"tns:{op.name}SoapIn")
        etree.SubElement(operation, f"{{{WSDL_NS}}}output", message=f"tns:{op.name}SoapOut")
    _binding(etree.SubElement(root, f"{{{WSDL_NS}}}binding", name=PORT, type=f"tns:{PORT}"))
    service = etree.SubElement(root, f"{{{WSDL_NS}}}service", name=SERVICE)
    port = etree.SubElement(service, f"{{{WSDL_NS}}}port", name=PORT, binding=f"tns:{PORT}")
    etree.SubElement(port, f"{{{WSDL_SOAP_NS}}}address", location="http://localhost/")
    return etree.tostring(root)


def _types(types: etree._Element) -> None:
    schema = etree.SubElement(types, f"{{{XS_NS}}}schema", elementFormDefault="qualified",
                              targetNamespace=NS)
    for op in OPERATIONS.values():
        _wrapper(schema, op.name, [(p.name, p.type, p.required) for p in op.params])
        result_type = "tns:ArrayOfString" if op.result == "ArrayOfString" else f"s:{op.result}"
        # .NET marks a value-type result minOccurs="1" and a reference-type one optional.
        _wrapper(schema, op.response_name, [(op.result_name, result_type, op.result == "int")])
    array = etree.SubElement(schema, f"{{{XS_NS}}}complexType", name="ArrayOfString")
    etree.SubElement(etree.SubElement(array, f"{{{XS_NS}}}sequence"), f"{{{XS_NS}}}element",
                     minOccurs="0", maxOccurs="unbounded", name="string", nillable="true",
                     type="s:string")


def _wrapper(schema: etree._Element, name: str, children: list[tuple[str, str, bool]]) -> None:
    element = etree.SubElement(schema, f"{{{XS_NS}}}element", name=name)
    sequence = etree.SubElement(etree.SubElement(element, f"{{{XS_NS}}}complexType"),
                                f"{{{XS_NS}}}sequence")
    for child, type_, required in children:
        qualified = type_ if ":" in type_ else f"s:{type_}"
        etree.SubElement(sequence, f"{{{XS_NS}}}element", minOccurs="1" if required else "0",
                         maxOccurs="1", name=child, type=qualified)


def _binding(binding: etree._Element) -> None:
    etree.SubElement(binding, f"{{{WSDL_SOAP_NS}}}binding", transport=HTTP_TRANSPORT,
                     style="document")
    for op in OPERATIONS.values():
        operation = etree.SubElement(binding, f"{{{WSDL_NS}}}operation", name=op.name)
        etree.SubElement(operation, f"{{{WSDL_SOAP_NS}}}operation", soapAction=op.soap_action,
                         style="document")
        for direction in ("input", "output"):
            etree.SubElement(etree.SubElement(operation, f"{{{WSDL_NS}}}{direction}"),
                             f"{{{WSDL_SOAP_NS}}}body", use="literal")

