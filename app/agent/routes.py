"""The agent API (/agent/v1): views only; the work is in app/agent/service.py."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response

from app.agent import service
from app.agent.openapi import agent_openapi_document
from app.agent.schemas import LIST_BODIES, AckIn, HeartbeatIn, LeaseIn
from app.api.body import ApiError, validated_body
from app.extensions import db

bp = Blueprint("agent_api", __name__, url_prefix="/agent/v1")


def _error(status: int, error: str, message: str, **extra: Any) -> tuple[Response, int]:
    # The contract names the words "detail"; the inbound API's clients read "message": both,
    # so every client, and every log line the agent writes, carries the words.
    return jsonify(error=error, message=message, detail=message, **extra), status


@bp.errorhandler(service.AgentRefused)
def _refused(exc: service.AgentRefused) -> tuple[Response, int]:
    db.session.rollback()
    return _error(exc.status, exc.error, exc.message)


@bp.errorhandler(ApiError)
def _bad_body(exc: ApiError) -> tuple[Response, int]:
    db.session.rollback()
    body = dict(exc.body)
    # Pydantic prefixes our own validators' words with "Value error, ": Python's, not ours.
    problems = [{**p, "message": str(p["message"]).removeprefix("Value error, ")}
                for p in body.pop("problems", [])]
    # A 422 lists its problems; the summary names each field too, because the agent logs the
    # words only and a bookkeeper reading "invalid_request" could do nothing with it.
    words = body.pop("message", "") or "; ".join(
        f"{p['field']}: {p['message']}" for p in problems)
    return _error(exc.status, body.pop("error", "bad_request"), words, problems=problems)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[Response, int]:
    # The app's error pages are HTML outside /api/; the agent reads JSON words (a NUL in the
    # address, refused before any view runs, lands here too).
    db.session.rollback()
    if isinstance(exc, RequestEntityTooLarge):
        return _too_large(exc)
    return _error(exc.code or 400, re.sub(r"\W+", "_", (exc.name or "error").lower()),
                  exc.description or "")


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> tuple[Response, int]:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return _error(413, "payload_too_large", f"the body is larger than the {limit / 1048576:g} "
                  "MB limit; send the list in fewer entries")


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


@bp.put("/lists/<name>")
def put_list(name: str) -> Response:
    ctx = _context()
    if name not in LIST_BODIES:
        # Routed here, not left to the app's 404 page: the agent reads JSON words.
        raise service.AgentRefused(404, "unknown_list", f"There is no list called “{name[:40]}”: "
                                   f"send one of {', '.join(LIST_BODIES)}.")
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
