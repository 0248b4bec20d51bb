"""Error pages and JSON errors: never a bare 500 for something the caller can fix."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/sandbox/")


def _has_nul(values: object) -> bool:
    return any("\x00" in key or "\x00" in value
               for key, value in values.items(multi=True))  # type: ignore[attr-defined]


def refuse_nul_bytes() -> None:
    """PostgreSQL cannot store or even compare text holding a NUL (the driver raises, a 500);
    no bookkeeper or job system means one, so it is refused before any view runs."""
    if "\x00" in request.path or _has_nul(request.args):
        raise BadRequest(description="The address contains a NUL character (\\u0000), which "
                                     "we cannot accept. Remove it and try again.")
    # Only bodies sent as forms: JSON bodies are checked field by field (app/api) or by the
    # sandbox that reads them (connectors/sandbox_common.loads_json).
    if request.mimetype in _FORM_TYPES and _has_nul(request.form):
        raise BadRequest(description="The form contains a NUL character (\\u0000), which we "
                                     "cannot accept. Remove it and try again.")


def register_error_handlers(app: Flask) -> None:
    app.before_request(refuse_nul_bytes)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        # Keep the exception's own headers: Allow on a 405, WWW-Authenticate on a 401...
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if _wants_json():
            return jsonify(error=exc.name, message=exc.description), exc.code, headers
        return render_template("error.html", error=exc), exc.code, headers
