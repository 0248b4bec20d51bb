"""Settings pages for a company's admins: /settings/users and /settings/notifications.

Every route works on the current company only and needs its admin role (403 otherwise); a user
id that is not a member of the current company is a 404, whether or not it exists elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.company import current_company, require_company_id
from app.extensions import db
from app.mail import MailError
from app.models import User
from app.request_ints import parse_int
from app.settings import service
from app.settings.forms import ActionForm, AddUserForm, NotificationsForm, RoleForm

bp = Blueprint("settings", __name__, url_prefix="/settings")
log = logging.getLogger(__name__)


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        company_id = require_company_id()
        if current_user.role_in(company_id) != "admin":
            abort(403, description="Only an admin of this company can change its settings. "
                                   "Ask one of its admins if something here needs changing.")
        return view(company_id, *args, **kwargs)

    return wrapper


@bp.get("/")
@admin_required
def index(company_id: int) -> Response:
    return redirect(url_for("settings.users"))


def _users_page(company_id: int, add_form: AddUserForm, status: int = 200,
                error: str | None = None) -> tuple[str, int]:
    members = service.members(company_id)
    users = {u.id: u for u in db.session.execute(
        db.select(User).where(User.id.in_([m.user_id for m in members]))).scalars()}
    return render_template(
        "settings/users.html",
        tab="users",
        members=[(m, users[m.user_id]) for m in members],
        admins=sum(1 for m in members if m.role == "admin"),
        add_form=add_form,
        role_form=RoleForm(formdata=None),
        action_form=ActionForm(formdata=None),
        error=error,
        role_words=service.ROLE_WORDS,
    ), status


@bp.get("/users")
@admin_required
def users(company_id: int) -> tuple[str, int]:
    return _users_page(company_id, AddUserForm(formdata=None))


@bp.post("/users")
@admin_required
def add_user(company_id: int) -> Response | tuple[str, int]:
    from app.auth.reset import send_access_notice, send_invitation

    form = AddUserForm()
    if not form.validate_on_submit():
        return _users_page(company_id, form, 400)
    try:
        user, created = service.add_user(company_id, form.email.data, form.role.data)
    except service.SettingsError as exc:
        form.email.errors.append(exc.message)
        return _users_page(company_id, form, exc.status)
    company = current_company()
    try:
        if created:
            send_invitation(user, company, current_user)
        else:
            send_access_notice(user, company, current_user)
    except MailError:
        log.exception("could not mail user %s about their new membership", user.id)
        flash(f"{user.email} is added, but the email to them could not be sent (the mail "
              "server did not answer). Use \"Send password link\" beside them to try again.",
              "error")
        return redirect(url_for("settings.users"))
    role = service.ROLE_WORDS[form.role.data].lower()
    if created:
        flash(f"{user.email} is added as {role}. We have emailed them a link to choose their "
              "password.", "info")
    else:
        flash(f"{user.email} already had a Ledgerlink sign-in and can now work on this company "
              f"as {role}. We have emailed them to say so.", "info")
    return redirect(url_for("settings.users"))


@bp.post("/users/<int:user_id>/role")
@admin_required
def change_role(company_id: int, user_id: int) -> Response | tuple[str, int]:
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400, description="The form had expired. Reload the page and try again.")
    try:
        member = service.change_role(company_id, user_id, form.role.data)
    except service.NotFound:
        abort(404, description="There is no such user in this company.")
    except service.SettingsError as exc:
        return _users_page(company_id, AddUserForm(formdata=None), exc.status, exc.message)
    flash(f"{service.member_email(member)} is now "
          f"{service.ROLE_WORDS[member.role].lower()}.", "info")
    if user_id == current_user.id and member.role != "admin":
        return redirect(url_for("dashboard.index"))  # they cannot see settings any more
    return redirect(url_for("settings.users"))


@bp.post("/users/<int:user_id>/remove")
@admin_required
def remove_user(company_id: int, user_id: int) -> Response | tuple[str, int]:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400, description="The form had expired. Reload the page and try again.")
    try:
        email = service.remove_user(company_id, user_id)
    except service.NotFound:
        abort(404, description="There is no such user in this company.")
    except service.SettingsError as exc:
        return _users_page(company_id, AddUserForm(formdata=None), exc.status, exc.message)
    flash(f"{email} can no longer see or change {service.company_name(company_id)}.", "info")
    if user_id == current_user.id:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("settings.users"))


@bp.post("/users/<int:user_id>/password-link")
@admin_required
def send_password_link(company_id: int, user_id: int) -> Response:
    """A fresh set-your-password link, for a lost invitation or a forgotten password."""
    from app.auth.reset import send_invitation

    form = ActionForm()
    if not form.validate_on_submit():
        abort(400, description="The form had expired. Reload the page and try again.")
    try:
        member = service.membership(company_id, user_id)
    except service.NotFound:
        abort(404, description="There is no such user in this company.")
    user = db.session.get(User, member.user_id)
    try:
        send_invitation(user, current_company(), current_user)
    except MailError:
        log.exception("could not send a password link to user %s", user.id)
        flash(f"The email to {user.email} could not be sent: the mail server did not answer. "
              "Try again in a few minutes.", "error")
        return redirect(url_for("settings.users"))
    flash(f"We have emailed {user.email} a link to choose a password.", "info")
    return redirect(url_for("settings.users"))


@bp.route("/notifications", methods=["GET", "POST"])
@admin_required
def notifications(company_id: int) -> Response | tuple[str, int]:
    current = service.notification_settings(company_id)
    form = NotificationsForm(formdata=request.form if request.method == "POST" else None)
    chosen = current.chosen_user_ids
    error = None
    if request.method == "POST":
        raw_ids = request.form.getlist("user_ids")
        if not form.validate_on_submit():
            error = "The form had expired or was incomplete. Check it and save again."
        elif any(parse_int(v) is None for v in raw_ids):
            abort(400, description="Choose people from the list.")
        else:
            ids = [int(v) for v in raw_ids]
            try:
                service.save_notifications(company_id, form.frequency.data, ids,
                                           form.extra.data or "")
            except service.NotFound:
                abort(404, description="There is no such user in this company.")
            except service.SettingsError as exc:
                error = exc.message
            else:
                flash(_saved_message(company_id), "info")
                return redirect(url_for("settings.notifications"))
        chosen = {v for v in map(parse_int, raw_ids) if v is not None}
    else:
        form.frequency.data = current.frequency
        form.extra.data = "\n".join(current.extra_emails)
    members = service.members(company_id)
    users = {u.id: u for u in db.session.execute(
        db.select(User).where(User.id.in_([m.user_id for m in members]))).scalars()}
    return render_template(
        "settings/notifications.html",
        tab="notifications",
        form=form,
        members=[(m, users[m.user_id]) for m in members],
        chosen=chosen,
        current=current,
        error=error,
        role_words=service.ROLE_WORDS,
    ), (400 if error else 200)


def _saved_message(company_id: int) -> str:
    from app.sync.digest import recipients

    settings = service.notification_settings(company_id)
    people = recipients(company_id)
    if settings.frequency == "never" or not people:
        return ("Saved. Nobody will be emailed about failures; they still show on the "
                "dashboard.")
    words = {"hourly": "every hour", "daily": "once a day", "weekly": "once a week"}
    who = people[0] if len(people) == 1 else f"{len(people)} people"
    return (f"Saved. {who} will get an email {words[settings.frequency]} when records have "
            "failed since the last one.")
