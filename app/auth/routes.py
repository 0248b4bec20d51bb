"""Signing in and out, the user loader, and switching the current company."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from app.auth import throttle
from app.auth.company import (
    SESSION_KEY,
    current_company,
    current_company_id,
    switch_company,
    user_memberships,
)
from app.auth.forms import CompanySwitchForm, LoginForm, LogoutForm
from app.extensions import db, login_manager
from app.models import User
from app.models.company import new_session_token, utcnow

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see this page."
login_manager.login_message_category = "info"

# A hash to check against when the email is unknown, so a wrong email takes as long as a
# wrong password and response times do not reveal who has an account.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user a session or remember-me cookie names, if it was made with their current
    session token (a password change or reset replaces it, ending every older sign-in)."""
    raw_id, _, token = user_id.partition(".")
    if not raw_id.isdigit() or len(raw_id) > 18:
        return None
    user = db.session.get(User, int(raw_id))
    # An empty token is a sign-in from before session tokens existed: it has to sign in again.
    if user is None or not token or not secrets.compare_digest(user.session_token.encode(),
                                                               token.encode()):
        return None
    return user


@bp.app_context_processor
def _company_context() -> dict[str, object]:
    """What base.html needs for the top bar: the current company and the switcher."""
    if not current_user.is_authenticated:
        return {"current_company": None, "memberships": [], "switch_form": None,
                "logout_form": None}
    return {
        "current_company": current_company(),
        "memberships": user_memberships(),
        "switch_form": CompanySwitchForm(formdata=None),
        "logout_form": LogoutForm(formdata=None),
    }


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a `next` pointing elsewhere would make us an open redirect."""
    if target:
        parts = urlsplit(target)
        # Control characters (CR, LF, NUL...) cannot go in a Location header: refused, not a 500.
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target \
                and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
            return target
    return url_for("dashboard.index")


def _client_ip() -> str:
    # Behind a proxy, PROXY_HOPS (ProxyFix, see create_app) makes remote_addr the real client.
    return request.remote_addr or "unknown"


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status

    email = form.email.data.strip().lower()
    ip = _client_ip()
    try:
        lock = throttle.check(email, ip)
        if lock:
            return _paused(form, email, lock)
        user = db.session.execute(
            db.select(User).filter(db.func.lower(User.email) == email)
        ).scalar_one_or_none()
        if user is None:
            check_password_hash(_DUMMY_HASH, form.password.data)
        if user is None or not user.check_password(form.password.data):
            failures = throttle.record_failure(email, ip)
            lock = throttle.check(email, ip)
            if lock:
                return _paused(form, email, lock)
            left = throttle.MAX_FAILURES - failures
            message = ("That email and password do not match an account. Check both and try "
                       "again.")
            if 0 < left <= 2:
                message += f" After {left} more failed {'try' if left == 1 else 'tries'}, " \
                           f"sign-in pauses for {throttle.LOCKOUT_SECONDS // 60} minutes."
            form.password.errors.append(message)
            return render_template("auth/login.html", form=form), 401
    except throttle.ThrottleUnavailable:
        form.password.errors.append(
            "Signing in is not possible for a moment while Ledgerlink checks it is safe. "
            "Please try again shortly."
        )
        return render_template("auth/login.html", form=form), 503

    throttle.clear_failures(email, ip)
    # A fresh session on sign-in: nothing from before (e.g. another user's company) carries over.
    session.clear()
    if not user.session_token:
        user.session_token = new_session_token()  # a user from before session tokens
    login_user(user, remember=bool(form.remember.data))
    user.last_sign_in_at = utcnow()
    db.session.commit()
    current_company_id()
    if not form.next.data and any(not m.active for m in user.memberships):
        return redirect(url_for("settings.invitations"))  # a company is waiting for an answer
    return redirect(_safe_next(form.next.data))


def _paused(form: LoginForm, email: str, lock: throttle.Lock) -> tuple[str, int]:
    wait = throttle.minutes_phrase(lock.seconds)
    if lock.reason == "address":
        message = (f"Too many failed sign-ins from this network. For your security, please "
                   f"wait {wait} before trying again.")
    else:
        message = (f"Too many failed sign-ins for {email}. For your security, please wait "
                   f"{wait} before trying again, or reset your password with \"Forgot your "
                   "password?\" below.")
    form.password.errors.append(message)
    return render_template("auth/login.html", form=form), 429


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Response | str:
    """GET asks to confirm (a link cannot sign anyone out); POST, with its token, signs out."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    form = LogoutForm()
    if request.method == "POST" and form.validate_on_submit():
        logout_user()
        session.clear()
        flash("You have signed out.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html", form=form)


@bp.route("/company", methods=["POST"])
@login_required
def switch() -> Response:
    form = CompanySwitchForm()
    if not form.validate_on_submit():
        abort(400, description="Choose a company from the list.")
    if not switch_company(form.company_id.data):
        # The same answer whether the company exists or not: ids of others are not confirmed.
        abort(404, description="You are not a member of that company.")
    for m in user_memberships():
        if m.company_id == session[SESSION_KEY]:
            flash(f"You are now working on {m.company.name}.", "info")
    return redirect(_safe_next(form.next.data))


# ---- Password reset and invitations (tokens and mails in app/auth/reset.py) -----------------

@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> Response | str | tuple[str, int]:
    from app.auth.forms import ForgotPasswordForm
    from app.auth.reset import RESET_MAX_AGE, request_reset

    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/forgot_password.html", form=form), status
    # The same answer whether or not the address has an account: the mail goes from a job.
    request_reset(form.email.data)
    return render_template("auth/forgot_password_sent.html", email=form.email.data.strip(),
                           minutes=RESET_MAX_AGE // 60)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response | str | tuple[str, int]:
    from app.auth.forms import NewPasswordForm
    from app.auth.reset import (
        MIN_PASSWORD_LENGTH,
        TokenExpired,
        TokenInvalid,
        check_token,
        password_problem,
        set_password,
    )

    try:
        use = check_token(token)
    except TokenExpired:
        return render_template("auth/reset_link_bad.html", expired=True), 410
    except TokenInvalid:
        return render_template("auth/reset_link_bad.html", expired=False), 404
    form = NewPasswordForm()
    page = {"form": form, "purpose": use.purpose, "email": use.user.email,
            "min_length": MIN_PASSWORD_LENGTH}
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/reset_password.html", **page), status
    problem = password_problem(form.password.data)
    if problem is None and form.password.data != form.confirm.data:
        form.confirm.errors.append("The two passwords are not the same. Type them again.")
        return render_template("auth/reset_password.html", **page), 400
    if problem:
        form.password.errors.append(problem)
        return render_template("auth/reset_password.html", **page), 400
    set_password(use.user, form.password.data,
                 use.membership_id if use.purpose == "invite" else None)
    throttle.clear_failures(use.user.email.lower(), _client_ip())
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    flash("Your password is set. Sign in with it now.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str | tuple[str, int]:
    """Change the password; every other session and remember-me cookie of the user ends, this
    one carries on (signed in again with the new session token)."""
    from app.auth.forms import ChangePasswordForm
    from app.auth.reset import MIN_PASSWORD_LENGTH, password_problem, set_password

    form = ChangePasswordForm()
    page = {"form": form, "min_length": MIN_PASSWORD_LENGTH}
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/change_password.html", **page), status
    user = current_user._get_current_object()
    if not user.check_password(form.current.data):
        form.current.errors.append("That is not your current password. Check it and try again.")
        return render_template("auth/change_password.html", **page), 400
    problem = password_problem(form.password.data)
    if problem is None and form.password.data != form.confirm.data:
        problem = "The two passwords are not the same. Type them again."
        form.confirm.errors.append(problem)
        return render_template("auth/change_password.html", **page), 400
    if problem:
        form.password.errors.append(problem)
        return render_template("auth/change_password.html", **page), 400
    company_id = session.get(SESSION_KEY)
    set_password(user, form.password.data)
    session.clear()
    login_user(user)  # this session only, with the new token
    if company_id is not None:
        session[SESSION_KEY] = company_id
    flash("Your password is changed. You have been signed out everywhere else.", "info")
    return redirect(url_for("dashboard.index"))
