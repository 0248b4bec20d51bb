"""A connection's copy of the package's own lists (accounts, tax rates, items) for mapping.

Kept so that opening the mapping page does not call the package every time; the bookkeeper's
"Refresh lists" replaces it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.company import utcnow


class PackageList(db.Model):
    __tablename__ = "package_lists"
    __table_args__ = (UniqueConstraint("connection_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # accounts | tax_rates | items
    # {"supported": false} when the package has no such list (codes are typed in instead);
    # else {"supported": true, "entries": [{code, name, type, kind, active} | {.., rate}]}.
    data: Mapped[dict] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
