"""State of the package simulators (sandboxes), kept in the database so that web and worker
processes see the same books. Generic so every package's sandbox can use it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.company import utcnow


class SandboxObject(db.Model):
    """One object in a simulated package: a contact, an invoice, an account, a token..."""

    __tablename__ = "sandbox_objects"
    __table_args__ = (
        Index(
            "ix_sandbox_objects_lookup", "package", "tenant", "collection", "object_id", unique=True
        ),
        Index("ix_sandbox_objects_ref", "package", "tenant", "collection", "ref"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    package: Mapped[str] = mapped_column(String(40))
    tenant: Mapped[str] = mapped_column(String(100))  # org / realm / "" for global objects
    collection: Mapped[str] = mapped_column(String(40))  # "Contacts", "Invoices", "tokens"...
    object_id: Mapped[str] = mapped_column(String(200))
    ref: Mapped[str] = mapped_column(String(255), default="")  # a searchable secondary key
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
