"""Managing a company's users and who hears about its failures. Every function takes the
company id and only ever touches that company's memberships: another company's user is
simply not found."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import Company, DigestRecipient, DigestState, Membership, User
from app.models.company import ACTIVE, INVITED, utcnow
from app.models.notification import DEFAULT_FREQUENCY, FREQUENCIES

ROLES = ("admin", "bookkeeper")
ROLE_WORDS = {"admin": "Admin", "bookkeeper": "Bookkeeper"}
# Deliberately loose (one @, a dot in the domain, no spaces): the mail server has the last word.
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
MAX_EXTRA_ADDRESSES = 20


class SettingsError(Exception):
    """A request the rules refuse; the message says why and what to do instead."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NotFound(Exception):
    """No such user in this company (whether or not it exists elsewhere)."""


def normalise_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise SettingsError(f'"{raw.strip()}" is not an email address. Check it for typing '
                            "mistakes (it should look like name@example.co.uk).")
    return email


def members(company_id: int, active_only: bool = False) -> list[Membership]:
    """The company's memberships by email; with `active_only`, not those still invited."""
    query = (select(Membership).join(User, Membership.user_id == User.id)
             .where(Membership.company_id == company_id))
    if active_only:
        query = query.where(Membership.status == ACTIVE)
    return list(db.session.execute(query.order_by(User.email)).scalars())


def membership(company_id: int, user_id: int) -> Membership:
    found = db.session.execute(
        select(Membership).where(Membership.company_id == company_id,
                                 Membership.user_id == user_id)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound()
    return found


def _admins_locked(company_id: int) -> list[Membership]:
    """The company's admin memberships, locked (PostgreSQL) so two admins demoting each
    other at the same moment cannot leave the company with none."""
    return list(db.session.execute(
        select(Membership).where(Membership.company_id == company_id,
                                 Membership.role == "admin",
                                 Membership.status == ACTIVE).with_for_update()
    ).scalars())


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise SettingsError("Choose a role: Admin or Bookkeeper.")
    return role


def add_user(company_id: int, raw_email: str, role: str) -> tuple[User, Membership, bool]:
    """Invite `email` to a role in the company, creating the user if new. Returns (user,
    membership, created). The membership stays invited (no access) until the person accepts:
    a new user by choosing their password from the invitation, an existing one on the
    invitations page. The admin is told the same either way, so adding an address never
    reveals whether it already has a Ledgerlink sign-in."""
    email = normalise_email(raw_email)
    _check_role(role)
    user = db.session.execute(
        select(User).where(db.func.lower(User.email) == email)
    ).scalar_one_or_none()
    created = user is None
    # Hash either way, so the answer takes as long for an existing address as for a new one.
    unusable = generate_password_hash(secrets.token_urlsafe(32))
    if user is None:
        # A random password nobody knows: the invitation link is the only way in.
        user = User(email=email, name=email.split("@")[0], password_hash=unusable)
        db.session.add(user)
        db.session.flush()
    elif any(m.company_id == company_id for m in user.memberships):
        raise SettingsError(f"{email} is already in this company's list below. Change their "
                            "role there, or send the invitation again.", status=409)
    member = Membership(user_id=user.id, company_id=company_id, role=role, status=INVITED,
                        invited_at=utcnow())
    db.session.add(member)
    db.session.commit()
    return user, member, created


def pending_invitations(user_id: int) -> list[Membership]:
    """Companies that have invited this user and are waiting for an answer, oldest first."""
    return list(db.session.execute(
        select(Membership).where(Membership.user_id == user_id, Membership.status == INVITED)
        .order_by(Membership.id)
    ).scalars())


def _own_invitation(user_id: int, membership_id: int) -> Membership:
    found = db.session.get(Membership, membership_id)
    if found is None or found.user_id != user_id or found.status != INVITED:
        raise NotFound()
    return found


def accept_invitation(user_id: int, membership_id: int) -> Membership:
    """The user joins the company that invited them (NotFound if it is not their invitation)."""
    member = _own_invitation(user_id, membership_id)
    member.status = ACTIVE
    db.session.commit()
    return member


def decline_invitation(user_id: int, membership_id: int) -> str:
    """The user says no; the invitation goes. Returns the company's name for the message."""
    member = _own_invitation(user_id, membership_id)
    name = member.company.name
    db.session.delete(member)
    db.session.commit()
    return name


def change_role(company_id: int, user_id: int, role: str) -> Membership:
    member = membership(company_id, user_id)
    _check_role(role)
    if member.role == role:
        return member
    if member.role == "admin" and member.active:
        admins = _admins_locked(company_id)
        if len(admins) <= 1:
            db.session.rollback()
            raise SettingsError(
                f"{member_email(member)} is the only admin, and a company always needs one. "
                "Make someone else an admin first.", status=409)
    member.role = role
    db.session.commit()
    return member


def remove_user(company_id: int, user_id: int) -> str:
    """Take the user out of the company (their sign-in stays for other companies); returns
    their email for the message."""
    member = membership(company_id, user_id)
    email = member_email(member)
    if member.role == "admin" and member.active:
        admins = _admins_locked(company_id)
        if len(admins) <= 1:
            db.session.rollback()
            raise SettingsError(
                f"{email} is the only admin, and a company always needs one. Make someone "
                "else an admin first, then remove them.", status=409)
    db.session.execute(db.delete(DigestRecipient).where(
        DigestRecipient.company_id == company_id, DigestRecipient.user_id == user_id))
    db.session.delete(member)
    db.session.commit()
    return email


def member_email(member: Membership) -> str:
    user = db.session.get(User, member.user_id)
    return user.email if user else ""


def admin_count(company_id: int) -> int:
    return db.session.execute(
        select(db.func.count()).select_from(Membership)
        .where(Membership.company_id == company_id, Membership.role == "admin",
               Membership.status == ACTIVE)
    ).scalar_one()


# ---- Notifications ---------------------------------------------------------------------------

@dataclass
class NotificationSettings:
    frequency: str
    chosen_user_ids: set[int]
    extra_emails: list[str]
    recipients_chosen: bool
    last_sent_at: datetime | None
    last_checked_at: datetime | None


def notification_settings(company_id: int) -> NotificationSettings:
    state = db.session.get(DigestState, company_id)
    if state is None or not state.recipients_chosen:
        chosen = {m.user_id for m in members(company_id, active_only=True)
                  if m.role == "admin"}
        extra: list[str] = []
    else:
        rows = db.session.execute(
            select(DigestRecipient).where(DigestRecipient.company_id == company_id)
            .order_by(DigestRecipient.id)
        ).scalars().all()
        chosen = {r.user_id for r in rows if r.user_id is not None}
        extra = [r.email for r in rows if r.user_id is None]
    return NotificationSettings(
        frequency=state.frequency if state else DEFAULT_FREQUENCY,
        chosen_user_ids=chosen,
        extra_emails=extra,
        recipients_chosen=bool(state and state.recipients_chosen),
        last_sent_at=state.last_sent_at if state else None,
        last_checked_at=state.last_checked_at if state else None,
    )


def parse_addresses(text: str) -> list[str]:
    """Extra addresses typed one per line, as the form's help says (commas and semicolons
    also separate, as mail programs write lists). A line is one address: "Jane Smith
    <jane@example.co.uk>" is Jane's address, and "jane smith@example.co.uk" is refused as a
    typing mistake rather than split into two guesses."""
    parts = [p.strip() for p in re.split(r"[\r\n,;]+", text or "") if p.strip()]
    emails = list(dict.fromkeys(normalise_email(_address_of(p)) for p in parts))
    if len(emails) > MAX_EXTRA_ADDRESSES:
        raise SettingsError(f"At most {MAX_EXTRA_ADDRESSES} extra addresses, please; "
                            "a shared mailbox can stand in for a team.")
    return emails


def _address_of(line: str) -> str:
    # "Name <address>", as copied from a mail program, is the address between the brackets.
    match = re.fullmatch(r"[^<>]*<([^<>]+)>", line)
    return match.group(1).strip() if match else line


def save_notifications(company_id: int, frequency: str, user_ids: list[int],
                       extra_text: str) -> None:
    """Replace who gets the digest and how often. A user id that is not a member of this
    company is NotFound, like any other company's id."""
    if frequency not in FREQUENCIES:
        raise SettingsError("Choose how often: every hour, every day, every week, or never.")
    extra = parse_addresses(extra_text)
    by_id = {m.user_id: m for m in members(company_id, active_only=True)}
    for user_id in user_ids:
        if user_id not in by_id:
            raise NotFound()
    state = db.session.get(DigestState, company_id)
    if state is None:
        state = DigestState(company_id=company_id, last_transfer_event_id=0)
        db.session.add(state)
    state.frequency = frequency
    state.recipients_chosen = True
    db.session.execute(db.delete(DigestRecipient).where(
        DigestRecipient.company_id == company_id))
    seen: set[str] = set()
    for user_id in dict.fromkeys(user_ids):
        email = member_email(by_id[user_id]).lower()
        seen.add(email)
        db.session.add(DigestRecipient(company_id=company_id, user_id=user_id, email=email))
    for email in extra:
        if email not in seen:  # a member's address typed again is the member, once
            seen.add(email)
            db.session.add(DigestRecipient(company_id=company_id, user_id=None, email=email))
    db.session.commit()


def company_name(company_id: int) -> str:
    company = db.session.get(Company, company_id)
    return company.name if company else ""


def join_addresses(addresses: list[str]) -> str:
    if len(addresses) <= 1:
        return "".join(addresses)
    return ", ".join(addresses[:-1]) + " and " + addresses[-1]


def test_digest_message(result: Any) -> str:
    """What the admin is told after pressing "Send a test email now"."""
    if not result.sent_to and not result.refused:
        return ("Nobody is chosen to get failure emails, so no test was sent. Choose people "
                "above and save first.")
    listed = ("It lists the " + (f"{result.failures:,} records" if result.failures != 1
                                 else "1 record") + " failed right now."
              if result.failures else "Nothing has failed right now, so it says so.")
    if result.logged_only:
        said = (f"No mail server is set up (SMTP_HOST), so the test email to "
                f"{join_addresses(result.sent_to)} was written to the log instead of sent.")
    else:
        said = f"Test email sent to {join_addresses(result.sent_to)}. {listed}"
    if result.refused:
        said += (f" The mail server refused {join_addresses(result.refused)}: check "
                 f"{'that address' if len(result.refused) == 1 else 'those addresses'}.")
    return said
