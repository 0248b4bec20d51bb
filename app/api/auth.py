"""Bearer API keys: `Authorization: Bearer <key>` names the company a request acts for."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, jsonify, request

from app.extensions import db
from app.models import ApiKey
from app.models.company import hash_api_key

F = TypeVar("F", bound=Callable[..., Any])


class Unauthorized(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def unauthorized_response(exc: Unauthorized):  # type: ignore[no-untyped-def]
    response = jsonify(error="unauthorized", message=exc.message)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="ledgerlink"'
    return response


def company_for_request() -> int:
    """The company whose API key authorises this request, or Unauthorized saying why not."""
    header = request.headers.get("Authorization", "")
    if not header:
        raise Unauthorized("missing Authorization header; send 'Authorization: Bearer <API key>'")
    scheme, _, raw = header.partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        raise Unauthorized("the Authorization header must be 'Bearer <API key>'")
    key = db.session.execute(
        db.select(ApiKey).filter_by(key_hash=hash_api_key(raw))
    ).scalar_one_or_none()
    if key is None:
        raise Unauthorized("the API key is not valid")
    if key.revoked_at is not None:
        raise Unauthorized("the API key has been revoked; ask an admin for a new one")
    return key.company_id


def require_api_key(view: F) -> F:
    """Sets g.company_id for the view."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.company_id = company_for_request()
        return view(*args, **kwargs)

    return cast(F, wrapper)
