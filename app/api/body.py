"""Reading a request body: no larger than MAX_CONTENT_LENGTH whether or not it says its size,
and validated against a pydantic model with every problem named (the inbound API and the agent
API answer bad bodies alike)."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import current_app, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from app.api.schemas import BadJson, describe_type, field_path, nul_fields, parse_json_body

M = TypeVar("M", bound=BaseModel)


def read_body_within_limit() -> bytes:
    """The whole body, or RequestEntityTooLarge (413) past MAX_CONTENT_LENGTH.

    With a Content-Length werkzeug refuses an oversized body itself. A chunked body has none:
    werkzeug then stops reading at the limit and hands back the first part, which would be
    answered "not valid JSON". One byte past the limit tells the two apart.
    """
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None or request.content_length is not None:
        return request.get_data(cache=False)  # 413 from werkzeug past the limit
    if not request.environ.get("wsgi.input_terminated"):
        return b""  # no length and no end marker: WSGI says there is no body
    stream, parts, size = request.environ["wsgi.input"], [], 0
    while size <= limit:
        part = stream.read(limit + 1 - size)  # a dechunking reader may return less
        if not part:
            break
        parts.append(part)
        size += len(part)
    if size > limit:
        raise RequestEntityTooLarge()
    return b"".join(parts)


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status = status
        self.body = body


def _message(error: Any) -> str:
    """Pydantic's words where they are plain, ours where they talk about Python."""
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field we accept here"
    if kind == "string_type":
        return f"must be a string, not {describe_type(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be an object, not {describe_type(value)}"
    if kind == "list_type":
        return f"must be an array, not {describe_type(value)}"
    if kind == "string_pattern_mismatch" and error["loc"][-1:] == ("email",):
        return "is not an email address"
    return str(error["msg"])


def validated_body(model: type[M]) -> M:
    """The request's JSON body validated against `model`: 400 if it is not JSON, 422 if it
    does not fit the model."""
    if not request.mimetype or request.mimetype != "application/json":
        raise ApiError(400, {"error": "bad_request", "message": "send the body as JSON with "
                             f"'Content-Type: application/json' (got "
                             f"'{request.mimetype or 'none'}')"})
    raw = read_body_within_limit()
    try:
        data = parse_json_body(raw)
    except BadJson as exc:
        raise ApiError(400, {"error": "bad_request", "message": str(exc)}) from exc
    if not isinstance(data, dict):
        raise ApiError(422, {"error": "invalid_request", "problems": [
            {"field": "(body)", "message": "the body must be a JSON object"}]})
    nul = nul_fields(data)
    if nul:
        raise ApiError(422, {"error": "invalid_request", "problems": [
            {"field": f, "message": m} for f, m in nul]})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"field": field_path(e["loc"]), "message": _message(e)}
            for e in exc.errors(include_url=False)
        ]
        raise ApiError(422, {"error": "invalid_request", "problems": problems}) from exc
