"""The wizard's agent step (the SetupPage of packages collected by the Ledgerlink agent): the
connection's agent token, shown once inside the agent's config file, and how to install the
agent. Admins only: the token opens the company's books to whoever holds it. Setting up again
rotates the token (the old one stops at once)."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.agent import setup
from app.auth.company import require_company_id
from app.connections.forms import ConfirmForm
from app.connections.setup_pages import admin_company, choice_for, connection_again, next_step

bp = Blueprint("agent_setup", __name__)
ADMIN_ONLY = ("Only an admin of this company can set up the Ledgerlink agent: its token opens "
              "the company's books to Ledgerlink's agent.")
HOW = "through the Ledgerlink agent"


@bp.get("/connections/new/<package>/agent")
@login_required
def setup_page(package: str) -> Response:
    company_id = require_company_id()
    choice = choice_for(package, "agent", HOW)
    return make_response(render_template(
        "agent/setup.html", choice=choice, current="auth", form=ConfirmForm(),
        can_change=current_user.role_in(company_id) == "admin", admin_only=ADMIN_ONLY,
        made=None, again=connection_again(company_id, package)))


@bp.post("/connections/new/<package>/agent")
@login_required
def create_token(package: str) -> Response:
    company_id = admin_company(ADMIN_ONLY)
    choice = choice_for(package, "agent", HOW)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="This form had expired. Please go back and try again.")
    made = setup.set_up(company_id, package, connection_again(company_id, package))
    response = make_response(render_template(
        "agent/setup.html", choice=choice, current="auth", form=ConfirmForm(),
        can_change=True, admin_only=ADMIN_ONLY, made=made,
        config=setup.config_text(made.connection, made.token),
        next_url=next_step(made.connection)))
    response.headers["Cache-Control"] = "no-store"  # the token is on this page, once
    return response
