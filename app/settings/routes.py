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

from app.auth.company import current_company, require_company_id, switch_company
from app.extensions import db
from app.mail import MailError
from app.models import Membership, User
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
        admins=sum(1 for m in members if m.role == "admin" and m.active),
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

    form = AddUserForm()
    if not form.validate_on_submit():
        return _users_page(company_id, form, 400)
    try:
        user, member, created = service.add_user(company_id, form.email.data, form.role.data)
    except service.SettingsError as exc:
        form.email.errors.append(exc.message)
        return _users_page(company_id, form, exc.status)
    role = service.ROLE_WORDS[form.role.data].lower()
    # One message whether or not the address already had a sign-in: adding an address must
    # not tell an admin of one company who uses Ledgerlink for another.
    if not _send_invitation(user, member, created):
        flash(f"{user.email} is invited as {role}, but the email to them could not be sent "
              "(the mail server did not answer). Use \"Send the invitation again\" beside "
              "them to try again.", "error")
        return redirect(url_for("settings.users"))
    flash(f"We have emailed {user.email} an invitation to join as {role}. They show as "
          "invited below until they accept.", "info")
    return redirect(url_for("settings.users"))


def _send_invitation(user: User, member: Membership, new_user: bool) -> bool:
    """The right invitation mail (choose a password, or accept on the invitations page);
    False if the mail server did not take it."""
    from app.auth.reset import send_access_notice, send_invitation

    try:
        if new_user:
            send_invitation(user, current_company(), current_user, member.id)
        else:
            send_access_notice(user, current_company(), current_user)
    except MailError:
        log.exception("could not mail user %s their invitation", user.id)
        return False
    return True


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
    if not member.active:
        # Still invited: the same invitation again (a sign-in made for this invitation and
        # never used gets the choose-a-password mail; anyone else the accept mail).
        never_signed_in = user.last_sign_in_at is None and len(user.memberships) == 1
        if _send_invitation(user, member, never_signed_in):
            flash(f"We have emailed {user.email} the invitation again.", "info")
        else:
            flash(f"The email to {user.email} could not be sent: the mail server did not "
                  "answer. Try again in a few minutes.", "error")
        return redirect(url_for("settings.users"))
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
    members = service.members(company_id, active_only=True)
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
        saved_recipients=_recipients(company_id),
        test_form=ActionForm(formdata=None),
    ), (400 if error else 200)


def _recipients(company_id: int) -> list[str]:
    from app.sync.digest import recipients

    return recipients(company_id)


@bp.post("/notifications/test")
@admin_required
def send_test_digest(company_id: int) -> Response:
    """Send the failure email now to the saved recipients, to see that it arrives."""
    from app.sync.digest import send_test_digest as send_test

    if not ActionForm().validate_on_submit():
        abort(400, description="The form had expired. Reload the page and try again.")
    try:
        result = send_test(company_id, current_user.email)
    except MailError:
        log.exception("test digest for company %s not sent", company_id)
        flash("The test email could not be sent: the mail server did not answer or refused "
              "every address. Check the mail settings, or try again in a few minutes.", "error")
        return redirect(url_for("settings.notifications"))
    flash(service.test_digest_message(result), "error" if not result.sent_to else "info")
    return redirect(url_for("settings.notifications"))


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


# ---- Invitations: what the signed-in user has been asked to join (any role, not only admins)

@bp.route("/invitations", methods=["GET", "POST"])
@login_required
def invitations() -> Response | tuple[str, int]:
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, description="The form had expired. Reload the page and try again.")
        raw = request.form.get("membership_id", "")
        if not raw.isdigit() or len(raw) > 18:
            abort(404, description="There is no such invitation.")
        try:
            if request.form.get("answer") == "accept":
                member = service.accept_invitation(current_user.id, int(raw))
                switch_company(member.company_id)
                flash(f"You have joined {member.company.name}.", "info")
                return redirect(url_for("dashboard.index"))
            name = service.decline_invitation(current_user.id, int(raw))
        except service.NotFound:
            abort(404, description="There is no such invitation.")
        flash(f"You have declined the invitation to {name}.", "info")
        return redirect(url_for("settings.invitations"))
    return render_template(
        "settings/invitations.html", invitations=service.pending_invitations(current_user.id),
        form=ActionForm(formdata=None), role_words=service.ROLE_WORDS,
    ), 200
