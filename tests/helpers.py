"""Helpers shared by the browser tests of several areas."""

from __future__ import annotations

from typing import Any


def watched_page(browser: Any, problems: list[str], height: int = 900) -> Any:
    """A new page whose JavaScript errors (uncaught or logged) land in `problems`, so a test
    can assert the page ran cleanly."""
    page = browser.new_page(viewport={"width": 1280, "height": height})
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    return page


def browser_sign_in(page: Any, base_url: str, email: str, password: str) -> None:
    """Sign in through the real login form."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def add_member(app: Any, company_id: int, role: str, *, password: str, name: str = "Member",
               prefix: str = "member") -> tuple[str, str]:
    """A new user with `role` in the company; (email, password) to sign in with."""
    import uuid

    from app.extensions import db
    from app.models import Membership, User

    email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.test"
    with app.app_context():
        user = User(email=email, name=name)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, company_id=company_id, role=role))
        db.session.commit()
        db.session.remove()
    return email, password
