"""Error pages and JSON errors: never a bare 500 for something the caller can fix."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, ServiceUnavailable

from app.redis_conn import REDIS_DOWN, QueueUnavailable

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/agent/", "/sandbox/"))


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
    # sandbox that reads them (sandboxes/kit/errors.loads_json).
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

    # Redis (jobs, locks, counters) away for a moment: a 503 that says to try again shortly,
    # never a 500. Records themselves live in the database, so intake is unaffected.
    @app.errorhandler(QueueUnavailable)
    @app.errorhandler(REDIS_DOWN[0])
    @app.errorhandler(REDIS_DOWN[1])
    def _queue_unavailable(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.warning("Redis is not answering (%s): answered 503", exc)
        if _wants_json():
            response = jsonify(error="queue_unavailable", message="the job queue is not "
                               "answering for a moment; nothing was lost: try again in a minute")
        else:
            response = render_template(
                "error.html", error=ServiceUnavailable(description=QueueUnavailable.words))
        return response, 503, {"Retry-After": "60"}
