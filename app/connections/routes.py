"""The connect wizard: choose a package, sign in there, choose the organisation, import
contacts once, map, schedule; and disconnect / reconnect without losing history.

Views stay thin: step logic lives in wizard.py (sign-in and organisation) and lifecycle.py
(import, schedule, disconnect). Everything a view reads is scoped to the current company.
"""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_htmx import make_response as htmx_response
from flask_htmx.constants import HTMX_STOP_POLLING
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.auth.company import require_company_id
from app.connections import lifecycle, wizard
from app.connections.forms import (
    ChooseOrganisationForm,
    ConfirmForm,
    ScheduleForm,
    credentials_form,
)
from app.connections.preview import build_preview, start_sending
from app.dashboard.phrases import fix_url
from app.extensions import db, htmx
from app.models import Connection
from app.models.connection import CONNECTED, DISCONNECTED
from connectors import connector_class, package_keys

bp = Blueprint("connections", __name__, url_prefix="/connections")

# RQ's job ids: letters, digits, "_" and "-" (uuid4 hex by default).
_JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
ADMIN_ONLY = ("Only an admin of this company can connect, disconnect or change how a package "
              "is set up. You can see everything here; ask your company's admin to make the "
              "change.")


def _varies(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response


def _company_admin() -> int:
    company_id = require_company_id()
    if current_user.role_in(company_id) != "admin":
        abort(403, description=ADMIN_ONLY)
    return company_id


def _connection(company_id: int, connection_id: int) -> Connection:
    connection = db.session.execute(
        db.select(Connection).filter_by(id=connection_id, company_id=company_id)
    ).scalar_one_or_none()
    if connection is None:
        abort(404, description="There is no such connection in this company.")
    return connection


def _package(package: str) -> wizard.PackageChoice:
    if package not in package_keys():
        abort(404, description=f"Ledgerlink does not know a package called “{package}”.")
    return wizard.package_choice(package)


def _is_admin(company_id: int) -> bool:
    return current_user.role_in(company_id) == "admin"


def _problem(exc: wizard.WizardError, status: int = 400) -> Response:
    choice = wizard.package_choice(exc.package) if exc.package in package_keys() else None
    page = render_template("connections/problem.html", message=exc.message, choice=choice,
                           denied=isinstance(exc, wizard.AccessDenied), form=ConfirmForm())
    return make_response(page, status)


# ------------------------------------------------------------------ the list
@bp.get("")
@login_required
def index() -> Response:
    company_id = require_company_id()
    connections = db.session.execute(
        db.select(Connection).filter_by(company_id=company_id).order_by(Connection.id)
    ).scalars().all()
    page = render_template(
        "connections/index.html", connections=connections, choices=wizard.package_choices(),
        can_change=_is_admin(company_id), title_of=lambda key: connector_class(key).title,
        CONNECTED=CONNECTED, DISCONNECTED=DISCONNECTED, admin_only=ADMIN_ONLY,
    )
    return make_response(page)


# ------------------------------------------------------------------ sign in to the package
@bp.get("/new/<package>")
@login_required
def new(package: str) -> Response:
    company_id = require_company_id()
    choice = _package(package)
    form = credentials_form(choice.fields) if choice.auth_kind == "credentials" else ConfirmForm()
    return make_response(render_template(
        "connections/new.html", choice=choice, form=form, can_change=_is_admin(company_id),
        admin_only=ADMIN_ONLY, current="auth", reconnect=None,
    ))


@bp.post("/new/<package>")
@login_required
def start(package: str) -> Response:
    company_id = _company_admin()
    choice = _package(package)
    if not choice.available:
        abort(409, description=f"Connecting {choice.title} is not available yet.")
    if choice.auth_kind == "credentials":
        form = credentials_form(choice.fields, request.form)
        if not form.validate():
            return make_response(render_template(
                "connections/new.html", choice=choice, form=form, can_change=True,
                admin_only=ADMIN_ONLY, current="auth", reconnect=None), 400)
        fields = {f["name"]: request.form.get(f["name"], "") for f in choice.fields}
        try:
            found = wizard.login_with_credentials(company_id, package, fields)
        except wizard.WizardError as exc:
            return _problem(exc)
        return _after_sign_in(found)
    if choice.auth_kind != "oauth2":
        return redirect(choice.setup_url or url_for(".index"))
    if not ConfirmForm().validate_on_submit():
        abort(400, description="This form had expired. Please go back and try again.")
    try:
        return redirect(wizard.begin_oauth(company_id, package))
    except wizard.WizardError as exc:
        return _problem(exc, 503)


@bp.get("/oauth/callback")
@login_required
def oauth_callback() -> Response:
    """Where every OAuth package sends the person back (with code and state, or an error)."""
    company_id = _company_admin()
    try:
        found = wizard.finish_oauth(company_id, request.args.to_dict())
    except wizard.WizardError as exc:
        return _problem(exc)
    return _after_sign_in(found)


def _after_sign_in(found: wizard.Pending) -> Response:
    """One organisation: save it now (unless a reconnect would swap organisations)."""
    if len(found.tenants) == 1:
        try:
            connection = wizard.complete(found, found.tenants[0].id)
        except wizard.ReplaceNeeded:
            return redirect(url_for(".choose"))
        return _connected(connection)
    return redirect(url_for(".choose"))


def _connected(connection: Connection) -> Response:
    title = connector_class(connection.package).title
    flash(f"Connected to {title}: {connection.tenant_name}.", "success")
    cls = connector_class(connection.package)
    if wizard.can_import(cls) and connection.imported_at is None:
        return redirect(url_for(".import_step", connection_id=connection.id))
    return redirect(url_for(".mapping_step", connection_id=connection.id))


@bp.route("/choose", methods=["GET", "POST"])
@login_required
def choose() -> Response:
    """Choose the organisation when the sign-in reaches several (or confirm a swap)."""
    company_id = _company_admin()
    found = wizard.pending(company_id)
    if found is None:
        return _problem(wizard.WizardError(
            "This step has expired (you have 15 minutes to choose). Nothing was saved; "
            "please start connecting again.", retry=True), 410)
    old = wizard.reconnecting(found)
    form = ChooseOrganisationForm()
    form.tenant_id.choices = [SelectChoice(t.id, t.name or t.id) for t in found.tenants]
    if request.method == "GET":
        form.tenant_id.data = old.tenant_id if old is not None else None
        if old is not None and len(found.tenants) == 1:
            form.tenant_id.data = found.tenants[0].id
    replacing = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            connection = wizard.complete(found, form.tenant_id.data,
                                         replace=form.replace.data == "yes")
        except wizard.ReplaceNeeded as exc:
            replacing = exc.tenant
        except wizard.WizardError as exc:
            return _problem(exc)
        else:
            return _connected(connection)
    elif request.method == "GET" and old is not None and len(found.tenants) == 1 \
            and old.tenant_id != found.tenants[0].id:
        replacing = found.tenants[0]
    status = 400 if request.method == "POST" and replacing is None else 200
    return make_response(render_template(
        "connections/choose.html", form=form, found=found, old=old, replacing=replacing,
        choice=wizard.package_choice(found.package), current="organisation",
        title=connector_class(found.package).title), status)


# ------------------------------------------------------------------ reconnect / disconnect
@bp.route("/<int:connection_id>/reconnect", methods=["GET", "POST"])
@login_required
def reconnect(connection_id: int) -> Response:
    company_id = require_company_id()
    connection = _connection(company_id, connection_id)
    choice = wizard.package_choice(connection.package)
    if request.method == "POST":
        _company_admin()
        if not ConfirmForm().validate_on_submit():
            abort(400, description="This form had expired. Please go back and try again.")
        if choice.setup_url:  # set up on a page of ours: that page, for this connection
            return redirect(f"{choice.setup_url}?connection_id={connection.id}")
        if choice.auth_kind != "oauth2":
            return redirect(url_for(".new", package=connection.package))
        try:
            return redirect(wizard.begin_oauth(company_id, connection.package, connection.id))
        except wizard.WizardError as exc:
            return _problem(exc, 503)
    return make_response(render_template(
        "connections/reconnect.html", connection=connection, choice=choice, form=ConfirmForm(),
        can_change=_is_admin(company_id), admin_only=ADMIN_ONLY))


@bp.route("/<int:connection_id>/disconnect", methods=["GET", "POST"])
@login_required
def disconnect(connection_id: int) -> Response:
    company_id = require_company_id()
    connection = _connection(company_id, connection_id)
    title = connector_class(connection.package).title
    if request.method == "POST":
        _company_admin()
        if not ConfirmForm().validate_on_submit():
            abort(400, description="This form had expired. Please go back and try again.")
        warning = lifecycle.disconnect(connection)
        flash(f"Disconnected {title} ({connection.tenant_name}). Its history, mapping and "
              "links are kept; reconnect at any time to carry on.", "success")
        if warning:
            flash(warning, "error")
        return redirect(url_for(".index"), code=303)
    return make_response(render_template(
        "connections/disconnect.html", connection=connection, title=title, form=ConfirmForm(),
        can_change=_is_admin(company_id), admin_only=ADMIN_ONLY))


# ------------------------------------------------------------------ one-time import
@bp.route("/<int:connection_id>/import", methods=["GET", "POST"])
@login_required
def import_step(connection_id: int) -> Response:
    company_id = require_company_id()
    connection = _connection(company_id, connection_id)
    choice = wizard.package_choice(connection.package)
    job_id = _job_arg() or lifecycle.import_job_id(connection)
    if request.method == "POST":
        _company_admin()
        if not ConfirmForm().validate_on_submit():
            abort(400, description="This form had expired. Please go back and try again.")
        if connection.status != CONNECTED:
            abort(409, description=f"Reconnect {choice.title} before importing from it.")
        try:
            job_id = lifecycle.start_import(connection)
        except lifecycle.ImportNotReady as exc:
            flash(str(exc), "error")
            return redirect(url_for(".import_step", connection_id=connection.id), code=303)
        except lifecycle.ImportNotOffered:
            flash("Customers and suppliers were already imported from this connection; the "
                  "import runs once only.", "error")
            return redirect(url_for(".import_step", connection_id=connection.id), code=303)
        session.setdefault("import_jobs", {})[str(connection.id)] = job_id
        session.modified = True
        if htmx:
            return _import_fragment(connection, job_id)
        return redirect(url_for(".import_step", connection_id=connection.id, job=job_id),
                        code=303)
    progress = lifecycle.import_progress(connection, job_id) if job_id else None
    return make_response(render_template(
        "connections/import.html", connection=connection, choice=choice, job_id=job_id,
        progress=progress, form=ConfirmForm(), can_change=_is_admin(company_id),
        admin_only=ADMIN_ONLY, current="import"))


@bp.get("/<int:connection_id>/import/progress")
@login_required
def import_progress(connection_id: int) -> Response:
    """The import's progress: a fragment that polls itself, and 286 once the job is over."""
    company_id = require_company_id()
    connection = _connection(company_id, connection_id)
    job_id = _job_arg()
    if not htmx:
        return redirect(url_for(".import_step", connection_id=connection.id, job=job_id or None))
    return _import_fragment(connection, job_id)


def _job_arg() -> str:
    """The ?job= of an import link; an id RQ could never have made is a 404 (RQ itself would
    raise on it)."""
    raw = request.args.get("job", "")
    if raw and not _JOB_ID.fullmatch(raw):
        abort(404, description="There is no such import for this connection.")
    return raw


def _import_fragment(connection: Connection, job_id: str) -> Response:
    progress = lifecycle.import_progress(connection, job_id) if job_id else None
    if progress is None:
        abort(404, description="There is no such import for this connection.")
    body = render_template(
        "partials/_import_progress.html", connection=connection, job_id=job_id,
        progress=progress, title=connector_class(connection.package).title,
    )
    if progress.done:
        return _varies(htmx_response(body, HTMX_STOP_POLLING))
    return _varies(make_response(body))


# ------------------------------------------------------------------ mapping, schedule
@bp.get("/<int:connection_id>/mapping-step")
@login_required
def mapping_step(connection_id: int) -> Response:
    company_id = require_company_id()
    connection = _connection(company_id, connection_id)
    return make_response(render_template(
        "connections/mapping.html", connection=connection,
        choice=wizard.package_choice(connection.package), current="mapping",
        mapping_url=fix_url("mapping.index", connection_id=connection.id)))


@bp.route("/<int:connection_id>/schedule", methods=["GET", "POST"])
@login_required
def schedule(connection_id: int) -> Response:
    company_id = require_company_id()
    connection = _connection(company_id, connection_id)
    form = ScheduleForm(obj=connection)
    status = 200
    if request.method == "POST":
        _company_admin()
        if form.validate_on_submit():
            lifecycle.save_schedule(connection, form.schedule.data, form.cutoff_date.data,
                                    form.invoice_status.data)
            flash("Saved. " + _schedule_sentence(connection), "success")
            if not connection.sending_started:
                return redirect(url_for(".preview_step", connection_id=connection.id), code=303)
            return redirect(url_for(".index"), code=303)
        status = 400
    return make_response(render_template(
        "connections/schedule.html", connection=connection, form=form,
        choice=wizard.package_choice(connection.package), current="schedule",
        can_change=_is_admin(company_id), admin_only=ADMIN_ONLY,
        offers_drafts=connector_class(connection.package).draft_invoices), status)


@bp.get("/<int:connection_id>/preview")
@login_required
def preview_step(connection_id: int) -> Response:
    """The wizard's last step: what will go, what is held and why, what is before the cut-off;
    nothing goes on the schedule until "Start sending" here."""
    company_id = require_company_id()
    connection = _connection(company_id, connection_id)
    return make_response(render_template(
        "connections/preview.html", connection=connection, preview=build_preview(connection),
        choice=wizard.package_choice(connection.package), current="preview",
        title=connector_class(connection.package).title, form=ConfirmForm(),
        schedule_sentence=_schedule_sentence(connection)))


@bp.post("/<int:connection_id>/start")
@login_required
def start_sending_step(connection_id: int) -> Response:
    company_id = require_company_id()
    connection = _connection(company_id, connection_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="This form had expired. Please go back and try again.")
    run_id = start_sending(connection)
    title = connector_class(connection.package).title
    if run_id is None:
        flash(f"Sending is switched on; reconnect {title} for records to go.", "error")
        return redirect(url_for("dashboard.index"), code=303)
    flash(f"Sending to {title} has started. " + _schedule_sentence(connection), "success")
    return redirect(url_for("dashboard.run_progress", run_id=run_id), code=303)


def _schedule_sentence(connection: Connection) -> str:
    title = connector_class(connection.package).title
    when = ("Records go to {t} automatically every two hours." if connection.schedule ==
            "automatic" else "Records go to {t} when someone presses Send Data.").format(t=title)
    if connection.cutoff_date:
        when += (f" Records dated before {connection.cutoff_date:%d/%m/%Y} are never sent.")
    if connection.invoice_status == "draft":
        when += f" Invoices arrive as drafts, to approve in {title}."
    return when
