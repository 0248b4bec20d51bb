"""One sandbox organisation connected for the contract suite, and the connector the engine would
build for it (app/sync/engine.py build_connector: fresh credentials before every call).

It is also what a provocation's set-up sees (connectors.contract.ContractBooks): new records,
records sent through the connector, the package's own API, and the sandbox's own state."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from connectors import connector_class, package_module
from connectors.base import (
    ContactRecord,
    Credentials,
    DocumentRecord,
    Outcome,
    PaymentRecord,
    PushConnector,
    Record,
    Sent,
)
from connectors.readback import PackageBooks
from tests.contract.records import RecordFactory
from tests.fault_injection import FaultInjector


@dataclass
class ConnectedOrg:
    app: Any
    key: str
    connection_id: int
    company_id: int
    api_key: str
    injector: FaultInjector
    records: RecordFactory = field(init=False)

    def __post_init__(self) -> None:
        self.cls = connector_class(self.key)
        self.records = RecordFactory(package_module(self.key, "demo").DEMO)
        self.api_prefix = (f"/sandbox/{self.key}/"
                           f"{package_module(self.key, 'bench').BENCH.api_paths[0]}")

    # ---- the connector, as the engine makes it
    @contextmanager
    def connector(self) -> Iterator[PushConnector]:
        from app.extensions import db
        from app.models import Connection
        from app.sync.audit import ExchangeLog
        from app.sync.engine import build_connector

        with self.app.app_context():
            connection = db.session.get(Connection, self.connection_id)
            connector = build_connector(connection, None, ExchangeLog())
            db.session.commit()  # hold nothing open while the sandbox writes the same database
            assert isinstance(connector, PushConnector), f"{self.key} is not a push connector"
            try:
                yield connector
            finally:
                db.session.remove()

    def push(self, records: Sequence[Record]) -> list[Outcome]:
        with self.connector() as connector:
            return connector.push(records[0].kind, records)

    def push_one(self, record: Record) -> Outcome:
        outcomes = self.push([record])
        assert len(outcomes) == 1, outcomes
        return outcomes[0]

    def send(self, record: Record) -> str:
        """The package id of a record that must go in."""
        outcome = self.push_one(record)
        assert isinstance(outcome, Sent), f"{self.key} did not take {record.reference}: {outcome}"
        assert outcome.totals_differ is None, outcome
        return outcome.external_id

    def find(self, record: Record) -> str | None:
        with self.connector() as connector:
            return connector.find(record)

    def complete(self, record: Record, external_id: str) -> Outcome:
        with self.connector() as connector:
            return connector.complete(record, external_id)

    # ---- faults in front of the sandbox
    @contextmanager
    def faults(self, mode: str, **options: Any) -> Iterator[FaultInjector]:
        self.injector.arm(self.api_prefix, mode, **options)
        try:
            yield self.injector
        finally:
            self.injector.disarm()

    # ---- the package's side, through its own API (connectors/<key>/readback.py)
    def read_back(self) -> PackageBooks:
        return package_module(self.key, "readback").read_books(
            dict(self.app.config), self.credentials, dict(self.records.names))

    # ---- connectors.contract.ContractBooks, for the provocations' set-ups
    @property
    def config(self) -> dict[str, Any]:
        return dict(self.app.config)

    @property
    def credentials(self) -> Credentials:
        from app.extensions import db
        from app.models import Connection
        from app.sync.tokens import fresh_credentials

        with self.app.app_context():
            creds = fresh_credentials(db.session.get(Connection, self.connection_id))
            db.session.remove()
        return creds

    @property
    def tenant_id(self) -> str:
        return self.credentials.tenant_id

    def contact(self, kind: Literal["customer", "supplier"] = "customer", name: str = "",
                email: str = "") -> ContactRecord:
        return self.records.contact(kind, name, email)

    def sent_contact(self, kind: Literal["customer", "supplier"] = "customer",
                     name: str = "") -> tuple[ContactRecord, str]:
        record = self.records.contact(kind, name)
        return record, self.send(record)

    def document(self, contact: tuple[ContactRecord, str], **options: Any) -> DocumentRecord:
        return self.records.document(contact, **options)

    def sent_invoice(self, as_draft: bool = False, on: date | None = None
                     ) -> tuple[DocumentRecord, str]:
        record = self.records.document(self.sent_contact(), as_draft=as_draft, on=on)
        return record, self.send(record)

    def payment(self, invoice: tuple[DocumentRecord, str], amount: Any = None,
                bank_account_code: str = "") -> PaymentRecord:
        return self.records.payment(invoice, amount, bank_account_code)

    def change_sandbox(self, change: Callable[[], None]) -> None:
        # The sandboxes keep their state in the kit's own session, not the app's.
        from sandboxes.kit import store

        with self.app.app_context():
            try:
                change()
                store.commit()
            except BaseException:
                store.rollback()
                raise


def connect_org(app: Any, key: str, injector: FaultInjector) -> ConnectedOrg:
    """A new company connected to a fresh sandbox organisation through the consent page and
    the code exchange (app.demo.connect_sandbox), with the demo's chart mapping."""
    from app.companies import create_company
    from app.demo import connect_sandbox
    from app.extensions import db

    tag = uuid.uuid4().hex[:8]
    with app.app_context():
        made = create_company(f"Contract {tag}", f"contract-{tag}@example.test",
                              f"pw-{tag}-contract")
        company_id, api_key = made.company.id, made.api_key
        connection_id = connect_sandbox(key, company_id, f"Contract {tag}").id
        db.session.remove()
    return ConnectedOrg(app, key, connection_id, company_id, api_key, injector)
