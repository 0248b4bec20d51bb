"""POST /qbwc: one SOAP call of the Web Connector; GET /qbwc?wsdl: the service's WSDL.

Malformed SOAP is answered with a SOAP fault naming the problem (HTTP 400: it is the caller's),
never with an error page; a fault of ours is a soap:Server fault (HTTP 500), logged.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, request, url_for

from app.extensions import db
from app.webconnector import service
from app.webconnector.contract import web_connector_contract

bp = Blueprint("webconnector", __name__)
_log = logging.getLogger(__name__)
CLIENT_FAULT_STATUS = 400


def _endpoint_url() -> str:
    return url_for("webconnector.endpoint", _external=True)


@bp.get("/qbwc")
def describe() -> Response:
    if "wsdl" in {k.lower() for k in request.args}:
        return Response(web_connector_contract().wsdl(_endpoint_url()), mimetype="text/xml")
    return Response("Ledgerlink's QuickBooks Web Connector service. Add it to the Web "
                    "Connector with the .qwc file from Ledgerlink's connection page.\n",
                    mimetype="text/plain")


def _dispatch(call: Any) -> object:
    """The service's answer to one parsed call (the contract's SoapCall)."""
    p = call.params

    def s(name: str) -> str:
        return str(p.get(name, "") or "")

    match call.method:
        case "serverVersion":
            return service.server_version()
        case "clientVersion":
            return service.client_version(s("strVersion"), request.remote_addr or "")
        case "authenticate":
            return service.authenticate(s("strUserName"), s("strPassword"),
                                        request.remote_addr or "")
        case "sendRequestXML":
            return service.send_request_xml(s("ticket"), s("strCompanyFileName"))
        case "receiveResponseXML":
            return service.receive_response_xml(s("ticket"), s("response"), s("hresult"),
                                                s("message"))
        case "connectionError":
            return service.connection_error(s("ticket"), s("hresult"), s("message"))
        case "getLastError":
            return service.get_last_error(s("ticket"))
        case _:
            return service.close_connection(s("ticket"))


@bp.post("/qbwc")
def endpoint() -> Response:
    soap = web_connector_contract().soap_contract()
    try:
        call = soap.parse_call(request.get_data(cache=False),
                               request.headers.get("SOAPAction"))
    except soap.SoapFault as exc:
        return Response(soap.fault(exc), status=CLIENT_FAULT_STATUS,
                        content_type=soap.SOAP11_CONTENT_TYPE)
    try:
        value = _dispatch(call)
        body = soap.reply(call.method, value, call.soap_version)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - the Web Connector must get a SOAP answer, not a page
        db.session.rollback()
        _log.exception("the Web Connector's %s call failed", call.method)
        failure = soap.SoapFault("Server", "Ledgerlink could not answer this call; nothing "
                                           "was lost. The Web Connector will try again.")
        return Response(soap.fault(failure, call.soap_version), status=soap.FAULT_HTTP_STATUS,
                        content_type=call.content_type)
    return Response(body, content_type=call.content_type)
