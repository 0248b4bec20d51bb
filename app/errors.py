"""Error pages and JSON errors: never a bare 500 for something the caller can fix."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from app.redis_conn import REDIS_DOWN, QueueUnavailable


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/sandbox/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        if _wants_json():
            return jsonify(error=exc.name, message=exc.description), exc.code
        return render_template("error.html", error=exc), exc.code

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
