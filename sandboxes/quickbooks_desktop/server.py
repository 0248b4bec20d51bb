"""The company simulator over HTTP, under /sandbox/quickbooks_desktop in sandbox mode:

- POST /companies {"name": ...} -> 201 {"company_id": ...}: a new seeded UK company file;
- POST /companies/<id>/qbxml, the qbXML request as the body (text/xml) -> the response
  document (text/xml): QBXMLRP2's ProcessRequest, for the simulated Web Connector in another
  process. A document refused whole (ProcessRequest's COM error) is 400 with JSON
  {"hresult": "0x80040400", "message": "...", "detail": "..."};
- POST /companies/<id>/closing_date {"date": "YYYY-MM-DD" | null} -> {"closing_date": ...}:
  the company file's closing date (QuickBooks' preference), for provoking a locked period;
- POST /companies/<id>/end_session -> {"iterators_ended": n}: QBXMLRP2's EndSession (the
  session's iterators die);
- GET /companies/<id>/books -> JSON of every customer, vendor, invoice, credit memo and
  payment, as stored (for tests counting records).
An unknown company is 404 {"error": "unknown_company"}.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandboxes.kit.errors import Refused, read_json
from sandboxes.quickbooks_desktop import processor, seed, store
from sandboxes.quickbooks_desktop.processor import ParseError, UnknownCompany, process

bp = Blueprint("quickbooks_desktop_sandbox", __name__, url_prefix="/sandbox/quickbooks_desktop")
MAX_BODY_BYTES = 5_000_000
NAME_MAX = 159

Answer = tuple[Response, int]


def _unknown() -> Answer:
    return jsonify({"error": "unknown_company"}), 404


@bp.route("/companies", methods=["POST"])
def create() -> Answer:
    try:
        body, _ = read_json(10_000)
    except Refused as refused:
        return jsonify({"error": refused.problem, "detail": refused.detail}), refused.status
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
        return jsonify({"error": "bad_name",
                        "detail": f"name must be text of 1 to {NAME_MAX} characters"}), 400
    company_id = seed.create_company(name.strip())
    return jsonify({"company_id": company_id}), 201


@bp.route("/companies/<company_id>/qbxml", methods=["POST"])
def qbxml(company_id: str) -> Answer:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return jsonify({"error": "too_large"}), 413
    raw = request.get_data(cache=False)
    try:
        text = raw.decode(request.mimetype_params.get("charset") or "utf-8")
    except (UnicodeDecodeError, LookupError):
        text = raw.decode("latin-1")
    try:
        answer = process(company_id, text)
    except ParseError as error:
        return jsonify({"hresult": error.hresult, "message": error.message,
                        "detail": error.detail}), 400
    except UnknownCompany:
        return _unknown()
    return Response(answer, mimetype="text/xml", content_type="text/xml; charset=utf-8"), 200


@bp.route("/companies/<company_id>/closing_date", methods=["POST"])
def closing_date(company_id: str) -> Answer:
    try:
        body, _ = read_json(10_000)
        raw = body.get("date") if isinstance(body, dict) else None
        closing = date.fromisoformat(raw) if isinstance(raw, str) and raw else None
    except Refused as refused:
        return jsonify({"error": refused.problem, "detail": refused.detail}), refused.status
    except ValueError:
        return jsonify({"error": "bad_date", "detail": "date must be YYYY-MM-DD or null"}), 400
    try:
        processor.set_closing_date(company_id, closing)
    except UnknownCompany:
        return _unknown()
    return jsonify({"closing_date": closing.isoformat() if closing else None}), 200


@bp.route("/companies/<company_id>/end_session", methods=["POST"])
def end_session(company_id: str) -> Answer:
    try:
        ended = processor.end_session(company_id)
    except UnknownCompany:
        return _unknown()
    return jsonify({"iterators_ended": ended}), 200


@bp.route("/companies/<company_id>/books", methods=["GET"])
def books(company_id: str) -> Answer:
    found = store.company(company_id)
    if found is None:
        return _unknown()
    shown: dict[str, Any] = {"company_id": company_id, "name": found["name"]}
    for key, collection in (("customers", store.CUSTOMERS), ("vendors", store.VENDORS),
                            ("invoices", store.INVOICES),
                            ("credit_memos", store.CREDIT_MEMOS),
                            ("payments", store.PAYMENTS)):
        shown[key] = store.find_data(company_id, collection)
    return jsonify(shown), 200
