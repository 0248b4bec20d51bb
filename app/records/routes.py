"""The transfers list (filter, search, paginate, export failures) and one record's page with its
actions. Views stay thin: listing lives in queries.py, the record page and actions in detail.py.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_htmx import make_response as htmx_response
from flask_htmx.constants import HTMX_STOP_POLLING
from flask_login import current_user, login_required

from app.auth.company import require_company_id
from app.dashboard.chart import last_30_days
from app.extensions import htmx
from app.models.transfer import BLOCKED, FAILED, PENDING, SENDING, STATES, Transfer
from app.records import bulk, detail, queries
from app.records.loading import TYPE_WORDS
from app.sync.actions import ActionRefused, link_invoice_in_package
from app.sync.plan import PREFLIGHT_REASONS
from app.sync.runs import active_run

bp = Blueprint("records", __name__)
bp.add_app_template_global(lambda: last_30_days(require_company_id()), "last_30_days")
bp.add_app_template_global(detail.available_actions, "available_actions")
bp.add_app_template_global(detail.why_no_retry, "why_no_retry")

ROW_VIEW = "row"  # an action posted from a dashboard row answers with the row's buttons


def _varies(response: Response) -> Response:
    # One URL answers with a page or a fragment: caches must key on the header that decides.
    response.vary.add("HX-Request")
    return response


def _fragment_wanted() -> bool:
    # A history restore (back button after the cache lost the page) needs the whole page.
    return bool(htmx) and not htmx.history_restore_request


def _filters(company_id: int) -> queries.Filters:
    try:
        f = queries.Filters.parse(request.args)
    except queries.FilterError as exc:
        abort(400, description=str(exc))
    if f.connection_id and not queries.owns_connection(company_id, f.connection_id):
        abort(404, description="There is no such connection in this company.")
    return f


def _transfer(company_id: int, transfer_id: int) -> Transfer:
    transfer = queries.get_transfer(company_id, transfer_id)
    if transfer is None:
        abort(404, description="There is no such record in this company.")
    return transfer


def _can_act(company_id: int) -> bool:
    return current_user.role_in(company_id) in bulk.BULK_ROLES


def _list_context(company_id: int, f: queries.Filters) -> dict:
    counts = queries.state_counts(company_id, f)
    return {
        "filters": f,
        "page": queries.list_transfers(company_id, f),
        "connections": queries.connection_titles(company_id),
        "states": STATES,
        "types": TYPE_WORDS,
        "sorts": queries.SORTS,
        "failures": counts.get(FAILED, 0),
        "holdable": sum(counts.get(s, 0) for s in bulk.BULK_ACTIONS["do-not-send"][0]),
        "can_act": _can_act(company_id),
    }


@bp.route("/records")
@login_required
def index() -> Response:
    """The transfers list; to an HTMX request, only the results (table, counts, pages)."""
    company_id = require_company_id()
    context = _list_context(company_id, _filters(company_id))
    template = "partials/_records_table.html" if _fragment_wanted() else "records/index.html"
    return _varies(make_response(render_template(template, **context)))


@bp.route("/records/bulk/<action>", methods=["POST"])
@login_required
def bulk_action(action: str) -> Response:
    """Retry, or mark as do not send, every record the list's filters match (the filters come
    as hidden fields, so what is acted on is what the list shows)."""
    company_id = require_company_id()
    if action not in bulk.BULK_ACTIONS:
        abort(404, description="There is no such action.")
    if not _can_act(company_id):
        abort(403, description="Only the company's admins and bookkeepers can retry records or "
                               "hold them back.")
    try:
        f = queries.Filters.parse(request.form)
    except queries.FilterError as exc:
        abort(400, description=str(exc))
    if f.connection_id and not queries.owns_connection(company_id, f.connection_id):
        abort(404, description="There is no such connection in this company.")
    result = bulk.bulk_act(company_id, f, action, current_user)
    if htmx:
        context = _list_context(company_id, f)
        return _varies(make_response(render_template(
            "partials/_records_table.html", bulk_message=result.message, **context)))
    flash(result.message, "success")
    return redirect(url_for("records.index", **f.args()), code=303)


@bp.route("/records/export.csv")
@login_required
def export() -> Response:
    """Every record the list's filters match, whatever its state, streamed as CSV."""
    company_id = require_company_id()
    f = _filters(company_id)
    return _csv(queries.export(company_id, f), "records.csv")


@bp.route("/records/failures.csv")
@login_required
def export_failures() -> Response:
    """The failed records matching the list's filters, streamed as CSV."""
    company_id = require_company_id()
    f = _filters(company_id)
    return _csv(queries.export_failures(company_id, f), "failed-records.csv")


def _csv(lines, filename: str) -> Response:  # type: ignore[no-untyped-def]
    response = Response(stream_with_context(_with_bom(lines)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _with_bom(lines):  # type: ignore[no-untyped-def]
    # Excel reads a CSV as UTF-8 (names with accents, "£") only when it starts with a BOM.
    yield "\ufeff"
    yield from lines


@bp.app_template_global("fix_link_for")
def fix_link_for(transfer: Transfer) -> detail.FixLink | None:
    """Where a record's fix is made, for rows listed outside the record page (dashboard)."""
    return detail.fix_link(transfer, detail.connection_of(transfer))


@bp.route("/records/<int:transfer_id>", endpoint="detail")
@login_required
def detail_page(transfer_id: int) -> Response:
    company_id = require_company_id()
    transfer = _transfer(company_id, transfer_id)
    context = _detail_context(transfer)
    if htmx and request.args.get("part") == "status":
        # The status block follows a run under way (after Retry) and stops once it is over.
        body = render_template("partials/_records_status.html", oob=True, **context)
        if context["following"]:
            return _varies(make_response(body))
        return _varies(htmx_response(body, HTMX_STOP_POLLING))
    page = make_response(render_template("records/detail.html", **context))
    # Its actions depend on the state elsewhere (Retry appears once the mapping is fixed):
    # coming back with the browser's Back button must ask again, not show the old page.
    page.headers["Cache-Control"] = "no-store"
    return _varies(page)


def _detail_context(transfer: Transfer, message: str = "", refused: str = "") -> dict:
    connection = detail.connection_of(transfer)
    waiting, waiting_total = queries.dependents(transfer.company_id, transfer.id)
    return {
        "t": transfer,
        "connection": connection,
        "title": queries.connection_titles(transfer.company_id).get(connection.id, ""),
        "package": detail.package_title(connection.package),
        "record": detail.record_view(transfer),
        "fix": detail.fix_link(transfer, connection),
        "history": detail.history(transfer),
        "attempts": detail.attempts(transfer),
        "changes": detail.changes(transfer),
        "waiting": waiting,
        "waiting_total": waiting_total,
        "message": message,
        "refused": refused,
        "package_invoices": detail.package_invoices(transfer),
        # Stopped by our own checks: nothing went to the package, the fix is made here.
        "stopped_here": transfer.state == FAILED and transfer.reason in PREFLIGHT_REASONS,
        "following": transfer.state in (PENDING, SENDING, BLOCKED)
        and active_run(connection.id) is not None,
    }


@bp.route("/records/<int:transfer_id>/link-invoice", methods=["POST"])
@login_required
def link_invoice(transfer_id: int) -> Response:
    """The picker of an invoice before the cut-off that the package did not find by our
    number: link it to the package's invoice with the number the bookkeeper gives."""
    company_id = require_company_id()
    transfer = _transfer(company_id, transfer_id)
    message, refused = "", ""
    try:
        message = link_invoice_in_package(transfer, request.form.get("number", ""),
                                          current_user, request.form.get("external_id", ""))
    except ActionRefused as exc:
        refused = str(exc)
    return _answer_action(company_id, transfer_id, message, refused)


@bp.route("/records/<int:transfer_id>/<action>", methods=["POST"])
@login_required
def act(transfer_id: int, action: str) -> Response:
    """Retry, do not send, send after all, or done. To HTMX: the re-rendered status block (or
    a dashboard row's buttons); to a plain form post: the whole page."""
    company_id = require_company_id()
    if action not in detail.ACTIONS:
        abort(404, description="There is no such action.")
    transfer = _transfer(company_id, transfer_id)
    message, refused = "", ""
    try:
        message = detail.perform(transfer, action, current_user)
    except ActionRefused as exc:
        refused = str(exc)
    return _answer_action(company_id, transfer_id, message, refused)


def _answer_action(company_id: int, transfer_id: int, message: str, refused: str) -> Response:
    transfer = _transfer(company_id, transfer_id)  # reloaded: the action committed
    if htmx and request.form.get("view") == ROW_VIEW:
        body = render_template("partials/_transfer_actions.html", t=transfer, message=message,
                               refused=refused, row_view=True)
        return _varies(make_response(body))
    context = _detail_context(transfer, message, refused)
    if htmx:
        return _varies(make_response(render_template("partials/_records_status.html",
                                                     oob=True, **context)))
    if not refused:
        flash(message, "success")
        return redirect(url_for("records.detail", transfer_id=transfer.id), code=303)
    return _varies(make_response(render_template("records/detail.html", **context), 409))
