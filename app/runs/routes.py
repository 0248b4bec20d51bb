"""Run history pages: a connection's runs, and one run with the records it sent or failed."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, request
from flask_login import login_required
from werkzeug.wrappers import Response

from app.auth.company import require_company_id
from app.dashboard.queries import package_title
from app.runs import queries

bp = Blueprint("runs", __name__)
bp.add_app_template_global(queries.trigger_words, "trigger_words")
bp.add_app_template_global(queries.duration_words, "duration_words")
bp.add_app_template_global(queries.STATUS_WORDS, "RUN_STATUS_WORDS")


@bp.get("/connections/<int:connection_id>/runs")
@login_required
def index(connection_id: int) -> Response:
    company_id = require_company_id()
    connection = queries.get_connection(company_id, connection_id)
    if connection is None:
        abort(404, description="There is no such connection in this company.")
    before = request.args.get("before", type=int)
    runs = queries.list_runs(company_id, connection.id, before)
    more = len(runs) == queries.PAGE_SIZE
    return make_response(render_template(
        "runs/index.html", connection=connection, title=package_title(connection.package),
        runs=runs, next_before=runs[-1].id if more else None))


@bp.get("/runs/<int:run_id>")
@login_required
def detail(run_id: int) -> Response:
    company_id = require_company_id()
    run = queries.get_run(company_id, run_id)
    if run is None:
        abort(404, description="There is no such run in this company.")
    connection = queries.get_connection(company_id, run.connection_id)
    if connection is None:
        abort(404)
    return make_response(render_template(
        "runs/detail.html", run=run, connection=connection,
        title=package_title(connection.package), records=queries.run_records(run)))
