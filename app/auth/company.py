"""The company a signed-in user is working on, kept in the session.

Bookkeepers often serve several businesses. Every view scopes its queries with
`current_company_id()`, which only ever returns a company the user is a member of, so a stale
or tampered session value can never reveal another company's data.
"""

from __future__ import annotations

from flask import abort, session
from flask_login import current_user

from app.models import Company, Membership

SESSION_KEY = "company_id"


def user_memberships() -> list[Membership]:
    """The signed-in user's memberships, in a stable order (oldest first)."""
    if not current_user.is_authenticated:
        return []
    # Invitations not yet accepted give no access.
    return sorted(current_user.active_memberships(), key=lambda m: m.id)


def current_company_id() -> int | None:
    """The id of the company the user is working on, or None when they belong to none.

    Defaults to the user's first membership; a session value naming a company the user is not
    (or no longer) a member of is ignored.
    """
    memberships = user_memberships()
    if not memberships:
        return None
    allowed = {m.company_id for m in memberships}
    chosen = session.get(SESSION_KEY)
    if chosen in allowed:
        return int(chosen)
    session[SESSION_KEY] = memberships[0].company_id
    return memberships[0].company_id


def require_company_id() -> int:
    """Like current_company_id(), for views that cannot work without a company (403 if none)."""
    company_id = current_company_id()
    if company_id is None:
        abort(403, description="Your sign-in is not a member of any company yet. If a "
                               "company has invited you, accept it under Invitations "
                               "(/settings/invitations); otherwise ask the company's admin "
                               "to add you.")
    return company_id


def current_company() -> Company | None:
    company_id = current_company_id()
    for m in user_memberships():
        if m.company_id == company_id:
            return m.company
    return None


def switch_company(company_id: int) -> bool:
    """Make `company_id` current if the user is a member of it; False (and no change) if not."""
    if company_id not in {m.company_id for m in user_memberships()}:
        return False
    session[SESSION_KEY] = company_id
    return True
