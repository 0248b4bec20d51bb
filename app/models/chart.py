"""Our chart of accounts and tax rates, and their mapping to each package's codes."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Account(db.Model):
    """One of our nominal accounts; `key` is what the inbound API names (e.g. "sales")."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("company_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # sales | bank | expense


class TaxRate(db.Model):
    __tablename__ = "tax_rates"
    __table_args__ = (UniqueConstraint("company_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    rate: Mapped[Decimal] = mapped_column(Numeric(6, 3))  # percent


class AccountMapping(db.Model):
    __tablename__ = "account_mappings"
    __table_args__ = (UniqueConstraint("connection_id", "account_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    package_code: Mapped[str] = mapped_column(String(100))


class TaxMapping(db.Model):
    __tablename__ = "tax_mappings"
    __table_args__ = (UniqueConstraint("connection_id", "tax_rate_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    tax_rate_id: Mapped[int] = mapped_column(ForeignKey("tax_rates.id", ondelete="CASCADE"))
    package_code: Mapped[str] = mapped_column(String(100))
