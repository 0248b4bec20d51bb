"""The inbound JSON API the job system sends records through (views only; the work is in
app/records and app/sync)."""

from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, current_app, g, jsonify, request, url_for
from pydantic import BaseModel
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from app.api.auth import Unauthorized, require_api_key, unauthorized_response
from app.api.body import ApiError, validated_body
from app.api.mapping_present import present_mapping, present_refusal
from app.api.mapping_schemas import MappingIn
from app.api.openapi import openapi_document
from app.api.present import present, present_run
from app.api.schemas import (
    ContactIn,
    CreditNoteIn,
    InvoiceIn,
    PaymentIn,
)
from app.extensions import db
from app.mapping import bulk, service
from app.models import Connection, Run
from app.models.connection import DISCONNECTED
from app.records.lookup import find_record
from app.records.upsert import (
    RecordProblems,
    Saved,
    upsert_contact,
    upsert_document,
    upsert_payment,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

M = TypeVar("M", bound=BaseModel)
# URL segment -> record type, for the GET routes.
TYPES = {"customers": "customer", "suppliers": "supplier", "invoices": "invoice",
         "credit-notes": "credit_note", "payments": "payment"}


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):  # type: ignore[no-untyped-def]
    return jsonify(exc.body), exc.status


@bp.errorhandler(Unauthorized)
def _unauthorized(exc: Unauthorized):  # type: ignore[no-untyped-def]
    return unauthorized_response(exc)


@bp.errorhandler(RecordProblems)
def _record_problems(exc: RecordProblems):  # type: ignore[no-untyped-def]
    problems = [{"field": f, "message": m} for f, m in exc.problems]
    return jsonify(error="invalid_request", problems=problems), 422


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge):  # type: ignore[no-untyped-def]
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return jsonify(error="payload_too_large", message=f"the body is larger than the "
                   f"{limit / 1048576:g} MB limit; send fewer lines or records per request"), 413


def _saved(record_type: str, saved: Saved):  # type: ignore[no-untyped-def]
    return jsonify(present(record_type, saved.row)), 201 if saved.created else 200


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(openapi_document())


@bp.post("/customers")
@require_api_key
def post_customer():  # type: ignore[no-untyped-def]
    return _saved("customer", upsert_contact(g.company_id, "customer", validated_body(ContactIn)))


@bp.post("/suppliers")
@require_api_key
def post_supplier():  # type: ignore[no-untyped-def]
    return _saved("supplier", upsert_contact(g.company_id, "supplier", validated_body(ContactIn)))


@bp.post("/invoices")
@require_api_key
def post_invoice():  # type: ignore[no-untyped-def]
    return _saved("invoice", upsert_document(g.company_id, "invoice", validated_body(InvoiceIn)))


@bp.post("/credit-notes")
@require_api_key
def post_credit_note():  # type: ignore[no-untyped-def]
    return _saved("credit_note",
                  upsert_document(g.company_id, "credit_note", validated_body(CreditNoteIn)))


@bp.post("/payments")
@require_api_key
def post_payment():  # type: ignore[no-untyped-def]
    return _saved("payment", upsert_payment(g.company_id, validated_body(PaymentIn)))


@bp.get("/<any(customers, suppliers, invoices, 'credit-notes', payments):kind>/<path:source_id>")
@require_api_key
def get_record(kind: str, source_id: str):  # type: ignore[no-untyped-def]
    record_type = TYPES[kind]
    row = find_record(g.company_id, record_type, source_id)
    if row is None:
        raise NotFound(f"no {record_type.replace('_', ' ')} with source_id '{source_id}'")
    return jsonify(present(record_type, row))


def _connection(connection_id: int) -> Connection:
    """The request's company's connection; 404 for any other (never saying it exists)."""
    connection = db.session.execute(
        db.select(Connection).filter_by(id=connection_id, company_id=g.company_id)
    ).scalar_one_or_none()
    if connection is None:
        raise NotFound(f"no connection {connection_id}")
    return connection


def _refresh_asked() -> bool:
    value = request.args.get("refresh")
    if value is None or value in ("false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise ApiError(400, {"error": "bad_request", "message": "the query parameter refresh "
                         f"must be true or false, not '{value[:40]}'"})


@bp.post("/connections/<int:connection_id>/send")
@require_api_key
def send_connection(connection_id: int):  # type: ignore[no-untyped-def]
    from app.sync.runs import start_run

    connection = _connection(connection_id)
    if connection.status == DISCONNECTED:
        raise ApiError(409, {"error": "disconnected", "message": f"connection {connection_id} "
                             "is disconnected; reconnect it before sending"})
    run = start_run(connection, trigger="api")
    response = jsonify(present_run(run))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_run", run_id=run.id)
    return response


# One rule for both methods: with a rule per method werkzeug answers an id past MAX_ID (which
# its converter refuses) 405 to the second method instead of 404.
@bp.route("/connections/<int:connection_id>/mapping", methods=["GET", "PUT"])
@require_api_key
def mapping(connection_id: int):  # type: ignore[no-untyped-def]
    connection = _connection(connection_id)
    refresh = _refresh_asked()
    if request.method == "GET":
        return jsonify(present_mapping(connection, bulk.lists_of(connection, refresh)))
    return _put_mapping(connection, refresh)


def _put_mapping(connection: Connection, refresh: bool):  # type: ignore[no-untyped-def]
    body = validated_body(MappingIn)
    wanted = {section: getattr(body, section) for section in bulk.SECTIONS}
    outcome = bulk.set_entries(connection, wanted, refresh)
    if outcome.unavailable:
        raise ApiError(409, {"error": "lists_unavailable", "message": outcome.unavailable})
    if outcome.problems:
        raise ApiError(422, present_refusal(outcome.problems))
    return jsonify(present_mapping(connection, service.cached_lists(connection),
                                   outcome.released))


@bp.get("/runs/<int:run_id>")
@require_api_key
def get_run(run_id: int):  # type: ignore[no-untyped-def]
    run = db.session.execute(
        db.select(Run).filter_by(id=run_id, company_id=g.company_id)
    ).scalar_one_or_none()
    if run is None:
        raise NotFound(f"no run {run_id}")
    return jsonify(present_run(run))
