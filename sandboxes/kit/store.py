"""Every package simulator's objects, keyed by (package, tenant, collection, object id), with a
searchable `ref` each: organisations, documents, grants, tokens.

Writes are not committed until `commit()`; a request that fails calls `rollback()`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.sandbox import SandboxObject

GLOBAL = ""  # the tenant of objects that belong to no tenant (grants, tokens, companies)
REF_MAX = 255


class ObjectStore:
    """Objects of one package's simulator."""

    def __init__(self, package: str) -> None:
        self.package = package

    def get(self, tenant: str, collection: str, object_id: str) -> SandboxObject | None:
        return db.session.execute(
            select(SandboxObject).where(
                SandboxObject.package == self.package,
                SandboxObject.tenant == tenant,
                SandboxObject.collection == collection,
                SandboxObject.object_id == object_id,
            )
        ).scalar_one_or_none()

    def get_data(self, tenant: str, collection: str, object_id: str) -> dict[str, Any] | None:
        row = self.get(tenant, collection, object_id)
        return dict(row.data) if row else None

    def find(self, tenant: str, collection: str, ref: str | None = None) -> list[SandboxObject]:
        """Objects of a collection in insertion order, optionally only those with this ref."""
        query = select(SandboxObject).where(
            SandboxObject.package == self.package,
            SandboxObject.tenant == tenant,
            SandboxObject.collection == collection,
        )
        if ref is not None:
            query = query.where(SandboxObject.ref == ref)
        return list(db.session.execute(query.order_by(SandboxObject.id)).scalars())

    def find_data(self, tenant: str, collection: str,
                  ref: str | None = None) -> list[dict[str, Any]]:
        return [dict(row.data) for row in self.find(tenant, collection, ref)]

    def put(self, tenant: str, collection: str, object_id: str, data: dict[str, Any],
            ref: str = "") -> None:
        """Insert or replace (not committed); a fresh dict so the change is seen."""
        row = self.get(tenant, collection, object_id)
        if row is None:
            db.session.add(SandboxObject(
                package=self.package, tenant=tenant, collection=collection,
                object_id=object_id, ref=ref[:REF_MAX], data=dict(data),
            ))
        else:
            row.data = dict(data)
            row.ref = ref[:REF_MAX]
        db.session.flush()

    def delete(self, tenant: str, collection: str, object_id: str) -> None:
        row = self.get(tenant, collection, object_id)
        if row is not None:
            db.session.delete(row)
            db.session.flush()


def commit() -> None:
    db.session.commit()


def rollback() -> None:
    db.session.rollback()
