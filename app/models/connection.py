"""A company's link to one accounting package, with its credentials encrypted at rest."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from app.crypto import decrypt, encrypt
from app.extensions import db
from app.models.company import utcnow
from connectors.base import Credentials

# Connection statuses: what the dashboard shows beside the package's name.
CONNECTED = "connected"
RECONNECT_NEEDED = "reconnect_needed"  # the package revoked our access
DISCONNECTED = "disconnected"


class Connection(db.Model):
    __tablename__ = "connections"
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    package: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=CONNECTED)
    status_detail: Mapped[str] = mapped_column(Text, default="")
    tenant_id: Mapped[str] = mapped_column(String(100), default="")
    tenant_name: Mapped[str] = mapped_column(String(255), default="")
    credentials_encrypted: Mapped[str] = mapped_column(Text, default="")
    schedule: Mapped[str] = mapped_column(String(10), default="automatic")  # automatic | manual
    # approved | draft; draft only where the connector declares draft_invoices.
    invoice_status: Mapped[str] = mapped_column(
        String(10), default="approved", server_default="approved")
    cutoff_date: Mapped[date | None]
    imported_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # False from the connect wizard until the bookkeeper presses "Start sending" on the
    # preview: nothing goes on a schedule before someone has looked at what will go.
    sending_started: Mapped[bool] = mapped_column(default=True, server_default=sa_true())

    @property
    def credentials(self) -> Credentials:
        if not self.credentials_encrypted:
            return Credentials()
        data = json.loads(decrypt(self.credentials_encrypted))
        return Credentials(**data)

    @credentials.setter
    def credentials(self, value: Credentials) -> None:
        data = asdict(value)
        data["extra"] = dict(value.extra)
        self.credentials_encrypted = encrypt(json.dumps(data))
        self.tenant_id = value.tenant_id
        self.tenant_name = value.tenant_name
