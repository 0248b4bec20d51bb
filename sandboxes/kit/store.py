"""Every package simulator's objects, keyed by (package, tenant, collection, object id), with a
searchable `ref` each: organisations, documents, grants, tokens. They live in the kit's own
table (sandboxes/kit/db.py), never among the app's models.

Writes are not committed until `commit()`; a request that fails calls `rollback()`.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from sandboxes.kit import db
from sandboxes.kit.db import KitObject

GLOBAL = ""  # the tenant of objects that belong to no tenant (grants, tokens, companies)
REF_MAX = 255


class ObjectStore:
    """Objects of one package's simulator."""

    def __init__(self, package: str) -> None:
        self.package = package

    def get(self, tenant: str, collection: str, object_id: str) -> KitObject | None:
        return db.session().execute(
            select(KitObject).where(
                KitObject.package == self.package,
                KitObject.tenant == tenant,
                KitObject.collection == collection,
                KitObject.object_id == object_id,
            )
        ).scalar_one_or_none()

    def get_data(self, tenant: str, collection: str, object_id: str) -> dict[str, Any] | None:
        row = self.get(tenant, collection, object_id)
        return dict(row.data) if row else None

    def find(self, tenant: str, collection: str, ref: str | None = None) -> list[KitObject]:
        """Objects of a collection in insertion order, optionally only those with this ref."""
        query = select(KitObject).where(
            KitObject.package == self.package,
            KitObject.tenant == tenant,
            KitObject.collection == collection,
        )
        if ref is not None:
            query = query.where(KitObject.ref == ref)
        return list(db.session().execute(query.order_by(KitObject.id)).scalars())

    def find_data(self, tenant: str, collection: str,
                  ref: str | None = None) -> list[dict[str, Any]]:
        return [dict(row.data) for row in self.find(tenant, collection, ref)]

    def put(self, tenant: str, collection: str, object_id: str, data: dict[str, Any],
            ref: str = "") -> None:
        """Insert or replace (not committed); a fresh dict so the change is seen."""
        session = db.session()
        row = self.get(tenant, collection, object_id)
        if row is None:
            session.add(KitObject(
                package=self.package, tenant=tenant, collection=collection,
                object_id=object_id, ref=ref[:REF_MAX], data=dict(data),
            ))
        else:
            row.data = dict(data)
            row.ref = ref[:REF_MAX]
        session.flush()

    def delete(self, tenant: str, collection: str, object_id: str) -> None:
        row = self.get(tenant, collection, object_id)
        if row is not None:
            session = db.session()
            session.delete(row)
            session.flush()


class Companies:
    """A desktop simulator's companies (company files), kept as objects of no tenant: each
    under a random id, never guessed and never reused, that its desktop side names in every
    call."""

    def __init__(self, objects: ObjectStore, collection: str = "companies") -> None:
        self.objects, self.collection = objects, collection

    def get(self, company_id: str) -> dict[str, Any] | None:
        return self.objects.get_data(GLOBAL, self.collection, company_id)

    def save(self, found: dict[str, Any]) -> None:
        self.objects.put(GLOBAL, self.collection, found["id"], found)

    def new_id(self) -> str:
        while True:
            candidate = secrets.token_hex(8)
            if self.get(candidate) is None:
                return candidate


def commit() -> None:
    db.session().commit()


def rollback() -> None:
    db.session().rollback()
