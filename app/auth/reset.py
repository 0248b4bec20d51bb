"""Password reset and set-your-password invitations by email, with signed timed tokens.

A token names the user and carries a fingerprint of their current password hash, so it dies
the moment the password changes: a used link, or an older link after a newer one was used,
is refused. The hash itself never goes into the token (a token's payload is readable).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.extensions import db
from app.mail import Mail, MailError, render_mail, send_mail
from app.models import Company, User

log = logging.getLogger(__name__)

RESET_MAX_AGE = 60 * 60  # a reset link works for an hour
INVITE_MAX_AGE = 7 * 24 * 60 * 60  # an invitation for a week: people are away
MIN_PASSWORD_LENGTH = 10
# Requests per email address per hour: enough for a mistyped attempt, not a mail bomb.
MAX_RESET_MAILS_PER_HOUR = 5
_SALT = "ledgerlink-password"


class TokenExpired(Exception):
    """The link is genuine but too old."""


class TokenInvalid(Exception):
    """The link was never ours, was mangled, or has been used (the password changed since)."""


@dataclass(frozen=True)
class TokenUse:
    user: User
    purpose: str  # "reset" | "invite"
    membership_id: int | None = None  # the invitation a new user accepts by choosing a password


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


def make_token(user: User, purpose: str = "reset", membership_id: int | None = None) -> str:
    data: dict[str, object] = {"u": user.id, "h": _fingerprint(user.password_hash), "p": purpose}
    if membership_id is not None:
        data["m"] = membership_id
    return _serializer().dumps(data)


def check_token(token: str, now: float | None = None) -> TokenUse:
    """The user and purpose a token was made for; TokenExpired / TokenInvalid otherwise."""
    try:
        data, issued = _serializer().loads(token, return_timestamp=True)
    except SignatureExpired as exc:  # only raised with max_age, which we check ourselves
        raise TokenExpired() from exc
    except BadSignature as exc:
        raise TokenInvalid() from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenInvalid()
    purpose = "invite" if data.get("p") == "invite" else "reset"
    max_age = INVITE_MAX_AGE if purpose == "invite" else RESET_MAX_AGE
    age = (time.time() if now is None else now) - issued.timestamp()
    user = db.session.get(User, data["u"])
    if user is None or data.get("h") != _fingerprint(user.password_hash):
        raise TokenInvalid()
    if age > max_age:
        raise TokenExpired()
    membership_id = data.get("m") if isinstance(data.get("m"), int) else None
    return TokenUse(user=user, purpose=purpose, membership_id=membership_id)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, as a sentence; None if it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return (f"Use at least {MIN_PASSWORD_LENGTH} characters: a short sentence you will "
                "remember, such as \"the blue van goes out on mondays\", is long enough and "
                "hard to guess.")
    if len(password) > 500:
        return "That password is too long; use at most 500 characters."
    return None


def set_password(user: User, password: str, membership_id: int | None = None) -> None:
    """Set the password and commit. The old links die with the old hash, and every session and
    remember-me cookie of the user ends (User.set_password). Choosing a password from an
    invitation accepts it (`membership_id`)."""
    from app.models import Membership
    from app.models.company import ACTIVE, INVITED

    user.set_password(password)
    if membership_id is not None:
        member = db.session.get(Membership, membership_id)
        if member is not None and member.user_id == user.id and member.status == INVITED:
            member.status = ACTIVE
    db.session.commit()


def reset_link(user: User, purpose: str = "reset", membership_id: int | None = None) -> str:
    token = make_token(user, purpose, membership_id)
    return f"{current_app.config['BASE_URL']}/reset-password/{token}"


def _too_many_requests(email: str) -> bool:
    """Counted in Redis so every web process shares the count; no Redis, no limit."""
    import redis

    from app.redis_conn import get_redis

    key = "ledgerlink:reset-mails:" + hashlib.sha256(email.encode()).hexdigest()[:32]
    try:
        r = get_redis()
        count = int(r.incr(key))
        if count == 1:
            r.expire(key, 3600)
        return count > MAX_RESET_MAILS_PER_HOUR
    except (redis.RedisError, RuntimeError):
        log.warning("reset-mail limit unavailable: Redis unreachable", exc_info=True)
        return False


def send_reset_mail(email: str) -> bool:
    """Mail a reset link to the account with this address, if there is one.

    Runs as a job (see request_reset) so the answer to the person asking takes the same time
    whether or not the address has an account. Returns whether a mail went.
    """
    email = email.strip().lower()
    user = db.session.execute(
        db.select(User).filter(db.func.lower(User.email) == email)
    ).scalar_one_or_none()
    if user is None:
        log.info("password reset asked for an address with no account")
        return False
    if _too_many_requests(email):
        log.warning("password reset mails for user %s held back: too many this hour", user.id)
        return False
    link = reset_link(user, "reset")
    context = {"user": user, "link": link, "minutes": RESET_MAX_AGE // 60}
    send_mail(Mail(
        to=user.email,
        subject="Reset your Ledgerlink password",
        text=render_mail("emails/reset_password.txt", **context),
        html=render_mail("emails/reset_password.html", **context),
    ))
    return True


def request_reset(email: str) -> None:
    """Queue the reset mail; the caller answers the same way whatever happens here."""
    from app.queue import enqueue

    try:
        enqueue("app.jobs.send_password_reset", email.strip().lower(), job_timeout=120)
    except Exception:  # noqa: BLE001 - no Redis: send now rather than drop the request
        log.warning("could not queue the reset mail; sending it now", exc_info=True)
        try:
            send_reset_mail(email)
        except MailError:
            log.exception("password reset mail could not be sent")


def send_invitation(user: User, company: Company, invited_by: User,
                    membership_id: int | None = None) -> None:
    """A set-your-password mail for a user an admin has just added (MailError if it fails);
    choosing the password accepts the invitation `membership_id`."""
    context = {"user": user, "company": company, "invited_by": invited_by,
               "link": reset_link(user, "invite", membership_id),
               "days": INVITE_MAX_AGE // 86400}
    send_mail(Mail(
        to=user.email,
        subject=f"You have been added to {company.name} on Ledgerlink",
        text=render_mail("emails/invitation.txt", **context),
        html=render_mail("emails/invitation.html", **context),
    ))


def send_access_notice(user: User, company: Company, invited_by: User) -> None:
    """Ask an existing user to accept an invitation to another company (MailError if it
    fails). Nothing changes for them until they accept on the invitations page."""
    context = {"user": user, "company": company, "invited_by": invited_by,
               "login": f"{current_app.config['BASE_URL']}/settings/invitations"}
    send_mail(Mail(
        to=user.email,
        subject=f"You have been invited to {company.name} on Ledgerlink",
        text=render_mail("emails/access_granted.txt", **context),
        html=render_mail("emails/access_granted.html", **context),
    ))
