"""The Linking page: customers and suppliers the next Send Data would create in the package,
each beside the package's likely twins, to link instead of duplicating.

One URL serves the page or (to HTMX) its body; row actions answer with the row. Ranking lives
in suggest.py, changes in service.py, the package's cached contact list in package.py.
"""

from __future__ import annotations

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
from app.extensions import db, htmx
from app.linking import package, service, view
from app.models import Connection
from app.request_ints import int_value, parse_int

bp = Blueprint("linking", __name__)

LINKING_ROLES = ("admin", "bookkeeper")
MAX_BULK = 1000


def _varies(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response


def _fragment() -> bool:
    # A history restore asks for the whole page even though it comes from htmx.
    return bool(htmx) and not htmx.history_restore_request


def _can_link(company_id: int) -> bool:
    return current_user.role_in(company_id) in LINKING_ROLES


def _require_linker(company_id: int) -> None:
    if not _can_link(company_id):
        abort(403, description="Only the company's admins and bookkeepers can link contacts. "
                               "Ask an admin to give you the bookkeeper role.")


def _by() -> str:
    return current_user.email


def _page_args() -> tuple[int, str]:
    source = request.values
    page = int_value(source, "page", 1, label="page number") or 1
    return page, (source.get("q") or "").strip()[:100]


def _render(page: view.Page, company_id: int, status: int = 200) -> Response:
    template = "partials/_linking_body.html" if _fragment() else "linking/index.html"
    body = render_template(template, page=page, can_link=_can_link(company_id))
    return _varies(make_response(body, status))


@bp.route("/connections/<int:connection_id>/linking")
@login_required
def index(connection_id: int) -> Response:
    """The page from our own tables and the cached list (if any; else the body fetches it by
    HTMX); to an HTMX request, the body, fetching the package's contacts if need be."""
    company_id, connection = company_connection(connection_id)
    number, q = _page_args()
    contacts = package.contacts_for(connection) if _fragment() else package.cached(connection)
    return _render(view.build(connection, contacts, number, q), company_id)


@bp.route("/connections/<int:connection_id>/linking/refresh", methods=["POST"])
@login_required
def refresh(connection_id: int) -> Response:
    company_id, connection = company_connection(connection_id)
    _require_linker(company_id)
    number, q = _page_args()
    contacts = package.fetch(connection)
    if _fragment():
        return _render(view.build(connection, contacts, number, q), company_id)
    if contacts.problem:
        flash(contacts.problem.text, "error")
    else:
        flash(f"Contacts fetched from {package.title_of(connection)}.", "info")
    return redirect(url_for("linking.index", connection_id=connection.id, page=number, q=q),
                    code=303)


def _waiting_row(connection: Connection, contacts: package.PackageContacts,
                 transfer_id: int) -> view.Row:
    try:
        return view.row_for(connection, contacts, transfer_id)
    except LookupError:
        abort(404, description="This connection has no such customer or supplier.")


def _row_answer(connection: Connection, company_id: int, row: view.Row, message: str,
                ok: bool, oob_linked: bool = False) -> Response:
    """HTMX: the row with its confirmation or error (409: nothing changed), and the linked
    list brought up to date. Without HTMX: back to the page with the message."""
    if not _fragment():
        flash(message, "info" if ok else "error")
        return redirect(url_for("linking.index", connection_id=connection.id), code=303)
    if ok:
        row.done = message
    else:
        row.error = message
    linked = linked_total = None
    contacts = package.cached(connection)
    if oob_linked:
        linked, linked_total = service.linked_by_hand(connection, contacts.by_id())
    body = render_template(
        "partials/_linking_row.html", row=row, connection=connection,
        title=package.title_of(connection), can_link=_can_link(company_id),
        loaded=contacts.loaded, oob_linked=oob_linked, linked=linked, linked_total=linked_total)
    return _varies(make_response(body, 200 if ok else 409))


@bp.route("/connections/<int:connection_id>/linking/<int:transfer_id>/link", methods=["POST"])
@login_required
def link(connection_id: int, transfer_id: int) -> Response:
    company_id, connection = company_connection(connection_id)
    _require_linker(company_id)
    contacts = package.cached(connection)
    try:
        transfer, contact = service.contact_transfer(connection, transfer_id)
    except LookupError:
        abort(404, description="This connection has no such customer or supplier.")
    external_id = (request.form.get("external_id") or "").strip()
    if not external_id:
        abort(422, description="Choose the contact to link to (external_id is missing).")
    try:
        message = service.link(connection, transfer, contact, external_id, contacts, _by())
        db.session.commit()
        ok = True
    except service.LinkRefused as exc:
        db.session.rollback()
        message, ok = str(exc), False
    row = _waiting_row(connection, contacts, transfer_id)
    row.linked = ok
    return _row_answer(connection, company_id, row, message, ok, oob_linked=ok)


@bp.route("/connections/<int:connection_id>/linking/<int:transfer_id>/create-new",
          methods=["POST"])
@login_required
def create_new(connection_id: int, transfer_id: int) -> Response:
    """The bookkeeper's "create it as new": stored, so it is never held as a possible
    duplicate again; a held contact goes back to waiting to be sent."""
    company_id, connection = company_connection(connection_id)
    _require_linker(company_id)
    try:
        transfer, contact = service.contact_transfer(connection, transfer_id)
    except LookupError:
        abort(404, description="This connection has no such customer or supplier.")
    try:
        message = service.create_anyway(connection, transfer, contact, _by())
        db.session.commit()
        ok = True
    except service.LinkRefused as exc:
        db.session.rollback()
        message, ok = str(exc), False
    row = _waiting_row(connection, package.cached(connection), transfer_id)
    if ok:
        row.suggestions = []
    return _row_answer(connection, company_id, row, message, ok)


@bp.route("/connections/<int:connection_id>/linking/<int:transfer_id>/unlink",
          methods=["POST"])
@login_required
def unlink(connection_id: int, transfer_id: int) -> Response:
    company_id, connection = company_connection(connection_id)
    _require_linker(company_id)
    try:
        transfer, contact = service.contact_transfer(connection, transfer_id)
    except LookupError:
        abort(404, description="This connection has no such customer or supplier.")
    try:
        message = service.unlink(connection, transfer, contact, _by())
        db.session.commit()
        ok = True
    except service.LinkRefused as exc:
        db.session.rollback()
        message, ok = str(exc), False
    if not _fragment():
        flash(message, "info" if ok else "error")
        return redirect(url_for("linking.index", connection_id=connection.id), code=303)
    contacts = package.cached(connection)
    if request.form.get("view") == "row":  # "Undo" right after linking, in the waiting list
        row = _waiting_row(connection, contacts, transfer_id)
        row.linked = not ok
        return _row_answer(connection, company_id, row, message, ok, oob_linked=ok)
    db.session.refresh(transfer)
    item = service.Linked(
        transfer, contact, None, "", contacts.by_id().get(str(transfer.external_id)),
        service.sent_against(connection, [contact.id]).get(contact.id, []))
    body = render_template(
        "partials/_linking_linked_row.html", item=item, title=package.title_of(connection),
        connection=connection, can_link=_can_link(company_id),
        done=message if ok else "", error="" if ok else message)
    return _varies(make_response(body, 200 if ok else 409))


def _pairs() -> list[tuple[int, str]]:
    pairs: list[tuple[int, str]] = []
    for value in request.form.getlist("pair")[: MAX_BULK + 1]:
        transfer_id, sep, external_id = value.partition(":")
        number = parse_int(transfer_id)
        if not sep or number is None or not external_id:
            abort(400, description=f"\u201c{value[:60]}\u201d is not a match to confirm "
                                   "(expected <record>:<package contact>).")
        pairs.append((number, external_id))
    if len(pairs) > MAX_BULK:
        abort(400, description=f"At most {MAX_BULK} matches can be confirmed at once.")
    return pairs


@bp.route("/connections/<int:connection_id>/linking/bulk", methods=["POST"])
@login_required
def bulk(connection_id: int) -> Response:
    """Link every ticked strong match; each stands alone (one refusal undoes no other)."""
    company_id, connection = company_connection(connection_id)
    _require_linker(company_id)
    number, q = _page_args()
    pairs = _pairs()
    contacts = package.cached(connection)
    title = package.title_of(connection)
    if not pairs:
        message, refused, status = "Tick at least one match to link.", [], 422
    else:
        result = service.link_many(connection, pairs, contacts, _by())
        n = len(result.linked)
        message = (f"Linked {n} {'contact' if n == 1 else 'contacts'} to {title}: "
                   "their invoices will go to the existing contacts." if n else
                   "Nothing was linked.")
        refused, status = result.refused, 200
    if not _fragment():
        flash(message, "info" if status == 200 else "error")
        for why in refused:
            flash(why, "error")
        return redirect(url_for("linking.index", connection_id=connection.id, page=number,
                                q=q), code=303)
    page = view.build(connection, contacts, number, q)
    page.message, page.refused = message, refused
    return _render(page, company_id, status)


@bp.route("/linking")
@login_required
def choose() -> Response:
    """The top bar's "Linking": straight to the one connection's page, else a choice."""
    return choose_connection("linking.index", "linking/choose.html")
