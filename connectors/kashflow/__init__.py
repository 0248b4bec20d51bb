"""KashFlow REST v2: signed into with the user's own login (username, password and three
characters of the memorable word), one record per call, no idempotency key: look-ups before
anything could be made twice (see pushing.py).

How KashFlow fits the connector interface:
- The tenant is the company the login belongs to: one KashFlow login is one company's books,
  so the username is the tenant's id (login.py).
- A session token dies after an hour without calls; Credentials carry that expiry, slid
  forward after every call that succeeded, and the platform logs in again ahead of it
  (renew) or once when KashFlow refuses the token early (a 401 is AuthLost).
- Ids: a contact's Code (ours), an invoice's Number ("1001"), a credit note's ("CN-5001"), a
  bulk payment's ("PAY-7001"). Customers and suppliers are separate records with codes of
  their own.
- Limits: 60 calls a minute per user (unverified: the wire contract's guess).
Every point about KashFlow's API here is unverified: KashFlow marks its REST docs as not final.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

import requests

from connectors.base import (
    Contact,
    Credentials,
    DocumentRecord,
    LedgerAccount,
    Limits,
    Outcome,
    PackageInvoice,
    PackageTaxRate,
    PushConnector,
    RecordKind,
    Tenant,
)
from connectors.batching import find_by_type, push_by_kind
from connectors.capabilities import CredentialsLogin, ImportsContacts, ListsInvoices
from connectors.kashflow import login as signin
from connectors.kashflow.client import KashFlowClient
from connectors.kashflow.errors import batch_outcome
from connectors.kashflow.payloads import external_id
from connectors.kashflow.pushing import Pusher, contact_from_kashflow, money

# KashFlow's nominal types -> our kinds of account.
NOMINAL_KINDS = {"Sales": "sales", "Purchases": "expense", "Expense": "expense", "Bank": "bank"}


def percent(value: Any) -> Decimal | None:
    """A VAT rate as KashFlow lists it (20, 17.5 or "20"); None if it is none."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


class KashFlowConnector(CredentialsLogin, ImportsContacts, ListsInvoices, PushConnector):
    key: ClassVar[str] = "kashflow"
    title: ClassVar[str] = "KashFlow"
    tenant_word: ClassVar[str] = "company"  # a KashFlow login is one company's books
    auth_kind = "credentials"
    contacts_span_kinds: ClassVar[bool] = False  # customer C1 and supplier C1 are two records
    credential_fields: ClassVar[tuple[Mapping[str, Any], ...]] = (
        {"name": "username", "label": "Username", "secret": False},
        {"name": "password", "label": "Password", "secret": True},
        {"name": "memorable_word", "label": "Memorable word", "secret": True},
    )
    public_extra: ClassVar[tuple[str, ...]] = ("username",)
    limits: ClassVar[Limits] = Limits(
        calls_per_minute=60,  # unverified: the wire contract's 60 a minute per user, rolling
        calls_per_day=None,
        # unverified: KashFlow documents no limit on calls at once; two keep 60 a minute busy.
        concurrency=2,
        batch_size={"customer": 1, "supplier": 1, "invoice": 1, "credit_note": 1, "payment": 1},
    )
    settings_keys: ClassVar[tuple[str, ...]] = ("KASHFLOW_API_URL", "HTTP_TIMEOUT_SECONDS")

    def __init__(
        self,
        settings: Mapping[str, Any],
        credentials: Credentials,
        throttle: Any = None,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(settings, credentials, throttle, session)
        self.client = KashFlowClient(settings, credentials, self.throttle, self.session)
        self.client.after_success = self._session_used
        self.pusher = Pusher(self.client)

    def _session_used(self) -> None:
        """KashFlow's session lives an hour after its LAST call, so each call that succeeded
        moves our idea of its expiry on: a long run never logs in again while it keeps
        calling. Only this connector's copy moves (the stored one is renewed when due, which
        costs one login at the start of the next run, nothing more)."""
        creds = self.credentials
        if creds.access_token:
            self.credentials = creds.with_tokens(
                expires_at=time.time() + signin.SESSION_SECONDS)

    # ---- signing in
    @classmethod
    def login(cls, settings: Mapping[str, Any], fields: Mapping[str, str]) -> Credentials:
        return signin.log_in(settings, fields)

    @classmethod
    def renew(cls, settings: Mapping[str, Any], credentials: Credentials) -> Credentials:
        return signin.renew(settings, credentials)

    def tenants(self) -> list[Tenant]:
        """The login's one company, as login() read it (GET /company)."""
        creds = self.credentials
        return [Tenant(creds.tenant_id, creds.tenant_name or creds.tenant_id)]

    # ---- lists
    def accounts(self) -> list[LedgerAccount]:
        found: list[LedgerAccount] = []
        for item in self.client.pages("nominals"):
            code = item.get("Code")
            if isinstance(code, bool) or not isinstance(code, int | str) or not str(code):
                continue
            kind = str(item.get("Type") or "")
            found.append(LedgerAccount(
                code=str(code), name=str(item.get("Name") or code), type=kind,
                kind=NOMINAL_KINDS.get(kind, "other"),  # type: ignore[arg-type]
                active=item.get("IsArchived") is not True))
        return found

    def tax_rates(self) -> list[PackageTaxRate]:
        found: list[PackageTaxRate] = []
        for item in self.client.pages("vatrates"):
            code, rate = item.get("Code"), percent(item.get("Rate"))
            if not isinstance(code, str) or not code or rate is None:
                continue
            found.append(PackageTaxRate(code=code, name=str(item.get("Name") or code),
                                        rate=rate))
        return found

    def contacts(self) -> Iterable[Contact]:
        for kind, path in (("customer", "customers"), ("supplier", "suppliers")):
            for item in self.client.pages(path):
                contact = contact_from_kashflow(item, kind)
                if contact is not None:
                    yield contact

    def invoices_of(self, contact_external_id: str) -> list[PackageInvoice]:
        """The customer's invoices in KashFlow, for the link-invoice picker: shown by our
        number where we sent it, else by the Number KashFlow gave it."""
        found = []
        for item in self.pusher.documents_of("invoice", contact_external_id):
            number = item.get("Number")
            if isinstance(number, bool) or not isinstance(number, int):
                continue
            shown = str(item.get("CustomerReference") or "").strip() or str(number)
            found.append(PackageInvoice(external_id("invoice", number), shown,
                                        str(item.get("IssuedDate") or "")[:10],
                                        money(item.get("GrossAmount"))))
        return found

    # ---- sending
    def push(self, kind: RecordKind, batch: Sequence[Any]) -> list[Outcome]:
        p = self.pusher
        return push_by_kind(kind, batch, self.title, {
            "customer": p.contacts, "supplier": p.contacts, "invoice": p.documents,
            "credit_note": p.documents, "payment": p.payments}, batch_outcome)

    def find(self, record: Any) -> str | None:
        return find_by_type(self.pusher, record)

    def complete(self, record: Any, external_id: str) -> Outcome:
        """A credit note's application to its invoice is the one step after creation."""
        if isinstance(record, DocumentRecord):
            return self.pusher.complete_document(record, external_id)
        return super().complete(record, external_id)
