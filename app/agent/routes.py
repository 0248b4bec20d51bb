"""The agent API (/agent/v1): views only; the work is in app/agent/service.py."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from app.agent import service
from app.agent.openapi import agent_openapi_document
from app.agent.schemas import LIST_BODIES, AckIn, HeartbeatIn, LeaseIn
from app.api.body import ApiError, validated_body
from app.extensions import db

bp = Blueprint("agent_api", __name__, url_prefix="/agent/v1")


@bp.errorhandler(service.AgentRefused)
def _refused(exc: service.AgentRefused) -> tuple[Response, int]:
    db.session.rollback()
    return jsonify(error=exc.error, message=exc.message), exc.status


@bp.errorhandler(ApiError)
def _bad_body(exc: ApiError) -> tuple[Response, int]:
    db.session.rollback()
    return jsonify(exc.body), exc.status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> tuple[Response, int]:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return jsonify(error="payload_too_large", message=f"the body is larger than the "
                   f"{limit / 1048576:g} MB limit; send the list in fewer entries"), 413


def _context() -> service.AgentContext:
    # The token is checked before the body is read: a stranger learns nothing from 422s.
    return service.context_for(request.headers.get("Authorization", ""))


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(agent_openapi_document())


@bp.post("/heartbeat")
def heartbeat() -> Response:
    ctx = _context()
    return jsonify(service.heartbeat(ctx, validated_body(HeartbeatIn)))


@bp.put("/lists/<any(accounts, tax_codes, contacts):name>")
def put_list(name: str) -> Response:
    ctx = _context()
    body = validated_body(LIST_BODIES[name]).model_dump(mode="json")
    return jsonify(stored=service.store_agent_list(ctx, name, body))


@bp.post("/lease")
def lease() -> Response:
    ctx = _context()
    body = validated_body(LeaseIn)
    return jsonify(service.lease(ctx, request.headers.get("X-Agent-Instance", ""),
                                 body.max_records))


@bp.post("/ack")
def ack() -> Response:
    ctx = _context()
    return jsonify(service.ack(ctx, validated_body(AckIn)))
