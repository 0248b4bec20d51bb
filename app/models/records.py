"""The records the job system sends us: customers, suppliers, invoices, credit notes, payments.

Each is keyed by the job system's `source_id` within a company. Money is Numeric, never float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.company import utcnow

MONEY = Numeric(14, 2)
QUANTITY = Numeric(14, 4)
UNIT_PRICE = Numeric(14, 4)


class Contact(db.Model):
    """A customer or a supplier (`kind`), as the job system knows it."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("company_id", "kind", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # customer | supplier
    source_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Document(db.Model):
    """An invoice or a credit note (`kind`); they share every field but the credited invoice."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("company_id", "kind", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # invoice | credit_note
    source_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    date: Mapped[date]
    due_date: Mapped[date | None]
    reference: Mapped[str] = mapped_column(String(255), default="")
    amounts_are: Mapped[str] = mapped_column(String(10), default="exclusive")
    # The total the job system says the document comes to, if it told us (pre-flight checks
    # that the lines add up to it).
    stated_total: Mapped[Decimal | None] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    customer: Mapped[Contact] = relationship()
    invoice: Mapped[Document | None] = relationship(remote_side=[id])
    lines: Mapped[list[DocumentLine]] = relationship(
        order_by="DocumentLine.position", cascade="all, delete-orphan"
    )


class DocumentLine(db.Model):
    __tablename__ = "document_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit_price: Mapped[Decimal] = mapped_column(UNIT_PRICE)
    account_key: Mapped[str] = mapped_column(String(50))
    tax_rate_key: Mapped[str] = mapped_column(String(50))


class Payment(db.Model):
    """A customer receipt, allocated to one or more invoices."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("company_id", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    date: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(MONEY)
    bank_account_key: Mapped[str] = mapped_column(String(50))
    reference: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    customer: Mapped[Contact] = relationship()
    allocations: Mapped[list[PaymentAllocation]] = relationship(
        order_by="PaymentAllocation.id", cascade="all, delete-orphan"
    )


class PaymentAllocation(db.Model):
    __tablename__ = "payment_allocations"
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    invoice_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    invoice: Mapped[Document] = relationship()
