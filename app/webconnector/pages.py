"""The wizard's Web Connector step (the SetupPage of packages collected by the Web Connector):
a Web Connector user and password for the connection, the .qwc file, and the three clicks
that add it to the Web Connector. Admins only: the password opens the company's books."""

from __future__ import annotations

from flask import abort, make_response, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.company import require_company_id
from app.connections import wizard
from app.connections.forms import ConfirmForm
from app.extensions import db
from app.models import Connection
from app.webconnector import setup, tickets
from app.webconnector.routes import bp
from connectors import connector_class, package_keys

ADMIN_ONLY = ("Only an admin of this company can set up the Web Connector: its password opens "
              "the company's books to Ledgerlink.")


def _admin_company() -> int:
    company_id = require_company_id()
    if current_user.role_in(company_id) != "admin":
        abort(403, description=ADMIN_ONLY)
    return company_id


def _choice(package: str) -> wizard.PackageChoice:
    if package not in package_keys():
        abort(404, description=f"Ledgerlink does not know a package called “{package}”.")
    choice = wizard.package_choice(package)
    if choice.auth_kind != "web_connector":
        abort(404, description=f"{choice.title} is not set up through the Web Connector.")
    return choice


def _again(company_id: int, package: str) -> Connection | None:
    """The connection being reconnected (?connection_id=, this company's, this package's)."""
    raw = request.values.get("connection_id", "")
    if not raw:
        return None
    connection = db.session.execute(db.select(Connection).filter_by(
        id=int(raw) if raw.isdigit() else 0, company_id=company_id,
        package=package)).scalar_one_or_none()
    if connection is None:
        abort(404, description="There is no such connection in this company.")
    return connection


@bp.get("/connections/new/<package>/web-connector")
@login_required
def setup_page(package: str) -> Response:
    company_id = require_company_id()
    choice = _choice(package)
    admin = current_user.role_in(company_id) == "admin"
    return make_response(render_template(
        "webconnector/setup.html", choice=choice, current="auth", form=ConfirmForm(),
        can_change=admin, admin_only=ADMIN_ONLY, made=None,
        again=_again(company_id, package)))


@bp.post("/connections/new/<package>/web-connector")
@login_required
def create_login(package: str) -> Response:
    company_id = _admin_company()
    choice = _choice(package)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="This form had expired. Please go back and try again.")
    made = setup.set_up(company_id, package, _again(company_id, package))
    qwc_problem = ""
    try:
        setup.qwc_for(made.connection)
    except ValueError as exc:
        qwc_problem = str(exc)
    page = render_template(
        "webconnector/setup.html", choice=choice, current="auth", form=ConfirmForm(),
        can_change=True, admin_only=ADMIN_ONLY, made=made, qwc_problem=qwc_problem,
        minutes=setup.run_every_minutes(),
        next_url=_next_step(made.connection))
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the password is on this page, once
    return response


def _next_step(connection: Connection) -> tuple[str, str]:
    """The wizard's next step after this one: the one-time import, else the mapping."""
    if wizard.can_import(connector_class(connection.package)) and connection.imported_at is None:
        return (url_for("connections.import_step", connection_id=connection.id),
                "Next: import customers and suppliers")
    return (url_for("connections.mapping_step", connection_id=connection.id),
            "Next: map nominal codes")


@bp.get("/connections/<int:connection_id>/ledgerlink.qwc")
@login_required
def qwc_download(connection_id: int) -> Response:
    company_id = _admin_company()
    connection = db.session.execute(db.select(Connection).filter_by(
        id=connection_id, company_id=company_id)).scalar_one_or_none()
    if connection is None or tickets.client_of(connection.id) is None:
        abort(404, description="This connection has no Web Connector user.")
    try:
        body = setup.qwc_for(connection)
    except ValueError as exc:
        abort(409, description=str(exc))
    response = make_response(body)
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="ledgerlink.qwc"'
    return response


@bp.get("/qbwc/support")
def support() -> Response:
    """AppSupport in the .qwc: where the Web Connector's "support" link goes."""
    return make_response(render_template("webconnector/support.html"))
