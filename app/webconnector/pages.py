"""The wizard's Web Connector step (the SetupPage of packages collected by the Web Connector):
a Web Connector user and password for the connection, the .qwc file, and the three clicks
that add it to the Web Connector. Admins only: the password opens the company's books."""

from __future__ import annotations

from flask import abort, make_response, render_template
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.company import require_company_id
from app.connections import wizard
from app.connections.forms import ConfirmForm
from app.connections.setup_pages import admin_company, choice_for, connection_again, next_step
from app.extensions import db
from app.models import Connection
from app.webconnector import setup, tickets
from app.webconnector.routes import bp

ADMIN_ONLY = ("Only an admin of this company can set up the Web Connector: its password opens "
              "the company's books to Ledgerlink.")


def _admin_company() -> int:
    return admin_company(ADMIN_ONLY)


def _choice(package: str) -> wizard.PackageChoice:
    return choice_for(package, "web_connector", "through the Web Connector")


@bp.get("/connections/new/<package>/web-connector")
@login_required
def setup_page(package: str) -> Response:
    company_id = require_company_id()
    choice = _choice(package)
    admin = current_user.role_in(company_id) == "admin"
    return make_response(render_template(
        "webconnector/setup.html", choice=choice, current="auth", form=ConfirmForm(),
        can_change=admin, admin_only=ADMIN_ONLY, made=None,
        again=connection_again(company_id, package)))


@bp.post("/connections/new/<package>/web-connector")
@login_required
def create_login(package: str) -> Response:
    company_id = _admin_company()
    choice = _choice(package)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="This form had expired. Please go back and try again.")
    made = setup.set_up(company_id, package, connection_again(company_id, package))
    qwc_problem = ""
    try:
        setup.qwc_for(made.connection)
    except ValueError as exc:
        qwc_problem = str(exc)
    page = render_template(
        "webconnector/setup.html", choice=choice, current="auth", form=ConfirmForm(),
        can_change=True, admin_only=ADMIN_ONLY, made=made, qwc_problem=qwc_problem,
        minutes=setup.run_every_minutes(package),
        next_url=next_step(made.connection))
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the password is on this page, once
    return response


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
