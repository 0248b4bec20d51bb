"""Who gets a company's failure digest, how often, and how far the last digest got."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.company import utcnow

FREQUENCIES = ("hourly", "daily", "weekly", "never")
DEFAULT_FREQUENCY = "daily"


class DigestRecipient(db.Model):
    """One address that receives the digest: a member of the company (user_id set, and the
    user's current email is used) or an extra address such as an outside accountant."""

    __tablename__ = "digest_recipients"
    __table_args__ = (UniqueConstraint("company_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestState(db.Model):
    """A company's digest settings and its watermark: the newest failure event already told."""

    __tablename__ = "digest_states"
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    frequency: Mapped[str] = mapped_column(String(10), default=DEFAULT_FREQUENCY)
    # Until an admin saves the notifications page, the company's admins get the digest.
    recipients_chosen: Mapped[bool] = mapped_column(default=False)
    last_checked_at: Mapped[datetime | None]
    last_sent_at: Mapped[datetime | None]
    last_transfer_event_id: Mapped[int] = mapped_column(default=0)
