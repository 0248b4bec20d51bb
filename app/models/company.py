"""Companies, their users and their API keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Company(db.Model):
    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), default="GB")
    vat_registered: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


ACTIVE = "active"
INVITED = "invited"  # asked to join; no access until the person accepts (or sets a password)


def new_session_token() -> str:
    return secrets.token_hex(16)


class Membership(db.Model):
    """A user's role in one company; bookkeepers often serve several companies.

    An invited membership gives no access: it waits for the person to accept the invitation
    (an existing user) or to choose their password from it (a new user)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "company_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20), default="bookkeeper")  # admin | bookkeeper
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE, server_default=ACTIVE)
    invited_at: Mapped[datetime | None]
    company: Mapped[Company] = relationship()

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of every session and remember-me cookie (see get_id): changing it signs the user
    # out everywhere, which a password change or reset does.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token,
                                               server_default="")
    last_sign_in_at: Mapped[datetime | None]
    memberships: Mapped[list[Membership]] = relationship(cascade="all, delete-orphan")

    def get_id(self) -> str:
        return f"{self.id}.{self.session_token}"

    def set_password(self, password: str) -> None:
        """New password; every session and remember-me cookie made with the old one ends."""
        self.password_hash = generate_password_hash(password)
        self.session_token = new_session_token()

    def active_memberships(self) -> list[Membership]:
        return [m for m in self.memberships if m.active]

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def companies(self) -> list[Company]:
        return [m.company for m in self.active_memberships()]

    def role_in(self, company_id: int) -> str | None:
        """The role in a company the user has joined (None while only invited)."""
        for m in self.active_memberships():
            if m.company_id == company_id:
                return m.role
        return None


def hash_api_key(raw: str) -> str:
    # Keys are long random strings, so a plain SHA-256 is enough (no need for a slow KDF).
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(db.Model):
    """A key the job system uses for the inbound API; only its hash is stored."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100), default="job system")
    prefix: Mapped[str] = mapped_column(String(12))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    @classmethod
    def issue(cls, company_id: int, name: str = "job system") -> tuple[ApiKey, str]:
        raw = "llk_" + secrets.token_urlsafe(32)
        key = cls(company_id=company_id, name=name, prefix=raw[:12], key_hash=hash_api_key(raw))
        return key, raw
