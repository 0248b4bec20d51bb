"""The dashboard: problems first, each connection with Send Data, counts, what needs attention.

Views stay thin: counting and listing live in queries.py, wording in phrases.py.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_htmx import make_response as htmx_response
from flask_htmx.constants import HTMX_STOP_POLLING
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.company import require_company_id
from app.dashboard import phrases, queries
from app.extensions import htmx
from app.models import Connection, Run
from app.models.connection import CONNECTED, DISCONNECTED, RECONNECT_NEEDED
from app.models.transfer import STATES
from app.sync.change_words import describe_changes, paid_warning, quantity_text
from app.sync.package_pages import package_link
from app.sync.runs import QueueUnavailable, start_run

bp = Blueprint("dashboard", __name__)

RUN_FINISHED_EVENT = "run-finished"

for _name in ("when", "uk_date", "plural", "schedule_phrase", "minutes_until", "local",
              "run_phrase", "run_counts", "field_label", "state_label", "event_label"):
    bp.add_app_template_global(getattr(phrases, _name), _name)
bp.add_app_template_global(phrases.STATE_LABELS, "STATE_LABELS")
for _fn in (describe_changes, paid_warning, package_link, quantity_text):
    bp.add_app_template_global(_fn, _fn.__name__)
bp.add_app_template_global(queries.money, "money")
bp.add_app_template_global(RECONNECT_NEEDED, "RECONNECT_NEEDED")
bp.add_app_template_global(CONNECTED, "CONNECTED")
bp.add_app_template_global(DISCONNECTED, "DISCONNECTED")


def _varies(response: Response) -> Response:
    # One URL answers with a page or a fragment: caches must key on the header that decides.
    response.vary.add("HX-Request")
    return response


def _dashboard_context(company_id: int) -> dict[str, object]:
    summaries = queries.connections(company_id)
    gaps = queries.mapping_gaps(company_id, summaries)
    return {
        "failure_emails": queries.failure_emails(company_id),
        "summaries": summaries,
        "reconnect": [s for s in summaries if s.connection.status == RECONNECT_NEEDED],
        "gap_sentences": [phrases.gap_sentence(g) for g in gaps],
        "attention": queries.attention(company_id),
        "states": STATES,
        # Connecting, reconnecting and disconnecting are an admin's; a bookkeeper is told to
        # ask one rather than offered a button that ends in a refusal.
        "can_change_connections": current_user.role_in(company_id) == "admin",
        "reconnect_url": lambda conn: phrases.fix_url("connections.reconnect",
                                                      connection_id=conn.id),
    }


@bp.route("/")
@login_required
def index() -> Response:
    """The whole page; to an HTMX request, only the parts that change after a run."""
    company_id = require_company_id()
    context = _dashboard_context(company_id)
    template = "partials/_dashboard_live.html" if htmx else "dashboard/index.html"
    return _varies(make_response(render_template(template, **context)))


@bp.route("/connections/<int:connection_id>/send", methods=["POST"])
@login_required
def send(connection_id: int) -> Response:
    """Send Data: start (or join) the connection's run and show its live progress."""
    company_id = require_company_id()
    connection = queries.get_connection(company_id, connection_id)
    if connection is None:
        abort(404, description="There is no such connection in this company.")
    title = queries.package_title(connection.package)
    if connection.status in (RECONNECT_NEEDED, DISCONNECTED):
        name = queries.connection_name(connection)
        message = (f"{name} needs reconnecting before anything can be sent."
                   if connection.status == RECONNECT_NEEDED else
                   f"{name} is disconnected, so nothing is sent to it. Reconnect it on the "
                   "Connections page to send again.")
        if htmx:
            return _progress_fragment(connection, None, title, error=message)
        flash(message, "error")
        return redirect(url_for("dashboard.index"))
    try:
        run = start_run(connection, trigger="manual")
    except QueueUnavailable:
        if not htmx:
            raise  # the 503 page (app/errors.py)
        response = _progress_fragment(connection, None, title, error=QueueUnavailable.words)
        response.status_code = 503
        response.headers["Retry-After"] = "60"
        return response
    if htmx:
        return _progress_fragment(connection, run, title)
    return redirect(url_for("dashboard.run_progress", run_id=run.id), code=303)


@bp.route("/runs/<int:run_id>/progress")
@login_required
def run_progress(run_id: int) -> Response:
    """A run's progress: the polling fragment to HTMX, a page of its own to everyone else."""
    company_id = require_company_id()
    run = queries.get_run(company_id, run_id)
    if run is None:
        abort(404, description="There is no such run in this company.")
    connection = queries.get_connection(company_id, run.connection_id)
    if connection is None:  # cannot happen while runs cascade with their connection
        abort(404)
    title = queries.package_title(connection.package)
    if htmx:
        return _progress_fragment(connection, run, title)
    page = render_template("dashboard/run.html", run=run, connection=connection, title=title,
                           name=queries.connection_name(connection))
    return _varies(make_response(page))


def _on_dashboard() -> bool:
    """The out-of-band summary only has a target on the dashboard itself (Send Data can also
    be pressed on the mapping and run pages)."""
    current = urlsplit(htmx.current_url or "").path
    return current == url_for("dashboard.index")


def _progress_fragment(
    connection: Connection, run: Run | None, title: str, error: str = ""
) -> Response:
    """The connection's actions block. While the run is active it polls itself every second;
    once the run is over we answer 286 (htmx stops polling) and fire an event that makes the
    page refresh its counts and lists."""
    body = render_template(
        "partials/_run_progress.html", connection=connection, run=run, title=title,
        error=error, oob=run is not None and not run.is_active and _on_dashboard(),
    )
    if run is None or run.is_active:
        return _varies(make_response(body))
    response = htmx_response(body, HTMX_STOP_POLLING, trigger=RUN_FINISHED_EVENT)
    return _varies(response)
