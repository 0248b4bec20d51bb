"""The mapping page: our chart beside the package's codes, each row saved on its own.

The page renders at once from our own tables; the package's lists arrive by HTMX (or at once
when cached). Checking and saving live in service.py, the rows' contents in view.py.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.connections.scoping import choose_connection, company_connection
from app.extensions import htmx
from app.mapping import service, view
from app.models import Connection

bp = Blueprint("mapping", __name__)

MAPPING_ROLES = ("admin", "bookkeeper")


def _varies(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response


def _can_map(company_id: int) -> bool:
    return current_user.role_in(company_id) in MAPPING_ROLES


def _require_mapper(company_id: int) -> None:
    if not _can_map(company_id):
        abort(403, description="Only the company's admins and bookkeepers can change the "
                               "mapping. Ask an admin to give you the bookkeeper role.")


def _from_wizard() -> bool:
    """Opened from the connection wizard's mapping step: the page offers the way back and on
    (kept through plain form posts by a hidden field)."""
    return request.values.get("from") == "wizard"


def _here(connection: Connection) -> str:
    extra = {"from": "wizard"} if _from_wizard() else {}
    return url_for("mapping.index", connection_id=connection.id, **extra)


def _page(connection: Connection, company_id: int, lists: service.Lists,
          status: int = 200, rows: dict[str, view.Row] | None = None) -> Response:
    page = view.build(connection, lists)
    for row in [*page.accounts, *page.tax_rates]:
        if rows and row.dom_id in rows:
            done = rows[row.dom_id]
            row.error, row.saved, row.freed = done.error, done.saved, done.freed
            row.warning = done.warning or row.warning
    template = "partials/_mapping_tables.html" if htmx else "mapping/index.html"
    body = render_template(template, page=page, can_map=_can_map(company_id),
                           wizard=_from_wizard())
    return _varies(make_response(body, status))


@bp.route("/connections/<int:connection_id>/mapping")
@login_required
def index(connection_id: int) -> Response:
    """The page, with the pickers if the lists are cached (else they load by HTMX); to an
    HTMX request, the tables with the lists, fetched from the package if need be."""
    company_id, connection = company_connection(connection_id)
    lists = service.lists_for(connection) if htmx else service.cached_lists(connection)
    return _page(connection, company_id, lists)


@bp.route("/connections/<int:connection_id>/mapping/refresh", methods=["POST"])
@login_required
def refresh(connection_id: int) -> Response:
    company_id, connection = company_connection(connection_id)
    _require_mapper(company_id)
    lists = service.fetch_lists(connection)
    if htmx:
        return _page(connection, company_id, lists)
    if lists.problem:
        flash(lists.problem.text, "error")
    else:
        flash(f"Lists fetched from {service.title_of(connection)}.", "info")
    return redirect(_here(connection), code=303)


@bp.route("/connections/<int:connection_id>/mapping/accounts/<key>", methods=["POST"])
@login_required
def save_account(connection_id: int, key: str) -> Response:
    company_id, connection, account = _mapped_entry(connection_id, "account", key)
    saved = service.save_account(connection, account, request.form.get("code"))
    return _row_answer(connection, company_id, "account", key, saved)


@bp.route("/connections/<int:connection_id>/mapping/accounts/<key>/item", methods=["POST"])
@login_required
def create_item(connection_id: int, key: str) -> Response:
    company_id, connection = company_connection(connection_id)
    _require_mapper(company_id)
    account = service.our_account(connection, key)
    if account is None or account.kind != "sales":
        abort(404, description=f"This company has no sales account \u201c{key}\u201d.")
    if not service.can_create_items(connection):
        abort(404, description=f"{service.title_of(connection)} has no items to create.")
    saved = service.create_item(connection, account, request.form.get("name"),
                                request.form.get("income_account"))
    return _row_answer(connection, company_id, "account", key, saved)


@bp.route("/connections/<int:connection_id>/mapping/tax-rates/<key>", methods=["POST"])
@login_required
def save_tax_rate(connection_id: int, key: str) -> Response:
    company_id, connection, rate = _mapped_entry(connection_id, "tax_rate", key)
    saved = service.save_tax_rate(connection, rate, request.form.get("code"))
    return _row_answer(connection, company_id, "tax_rate", key, saved)


@bp.route("/connections/<int:connection_id>/mapping/accounts/<key>/clear", methods=["POST"])
@login_required
def clear_account(connection_id: int, key: str) -> Response:
    company_id, connection, account = _mapped_entry(connection_id, "account", key)
    return _row_answer(connection, company_id, "account", key,
                       service.clear_account(connection, account))


@bp.route("/connections/<int:connection_id>/mapping/tax-rates/<key>/clear", methods=["POST"])
@login_required
def clear_tax_rate(connection_id: int, key: str) -> Response:
    company_id, connection, rate = _mapped_entry(connection_id, "tax_rate", key)
    return _row_answer(connection, company_id, "tax_rate", key,
                       service.clear_tax_rate(connection, rate))


def _mapped_entry(connection_id: int, kind: str, key: str) -> tuple[int, Connection, Any]:
    """The company, the connection and our account or tax rate `key`, for a person allowed to
    map; 404 when the company has no such entry."""
    company_id, connection = company_connection(connection_id)
    _require_mapper(company_id)
    if kind == "account":
        entry, what = service.our_account(connection, key), "account"
    else:
        entry, what = service.our_tax_rate(connection, key), "tax rate"
    if entry is None:
        abort(404, description=f"This company has no {what} \u201c{key}\u201d.")
    return company_id, connection, entry


def _row_answer(connection: Connection, company_id: int, kind: str, key: str,
                saved: service.Saved) -> Response:
    """HTMX: the row again, with its confirmation or error (422: nothing was saved), and the
    summary at the top brought up to date. Without HTMX: back to the page."""
    status = 200 if saved.verdict.ok else 422
    lists = service.cached_lists(connection)
    page = view.build(connection, lists)
    rows = page.accounts if kind == "account" else page.tax_rates
    row = next(r for r in rows if r.key == key)
    row.error, row.freed = saved.verdict.error, saved.freed
    row.saved = saved.message
    row.warning = saved.verdict.warning or ("" if saved.verdict.ok else row.warning)
    if not htmx:
        if saved.verdict.ok:
            flash(" ".join(x for x in (saved.message, saved.verdict.warning) if x), "info")
            return redirect(_here(connection), code=303)
        return _page(connection, company_id, lists, status, {row.dom_id: row})
    body = render_template("partials/_mapping_row.html", row=row, page=page,
                           can_map=_can_map(company_id), oob_summary=True,
                           wizard=_from_wizard())
    return _varies(make_response(body, status))


@bp.route("/mapping")
@login_required
def choose() -> Response:
    """The top bar's "Mapping": straight to the one connection's mapping, else a choice."""
    return choose_connection("mapping.index", "mapping/choose.html")
