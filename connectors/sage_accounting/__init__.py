"""Sage Accounting (API v3.1): OAuth 2 with 5-minute access tokens and rotating refresh tokens,
one business per connection (header X-Business), one record per request (no batch), an
idempotency_id inside every created resource.

Design choices a bookkeeper would notice (see also payloads.py and pushing.py):
- Mapping codes are what Sage shows: ledger and bank accounts by nominal code ("4000", "1200"),
  tax rates by id ("GB_STANDARD"). The connector reads Sage's ids for them once per run.
- Sage numbers documents itself (SI-1); our invoice number is the document's reference, which
  is how it is found again after an uncertain send.
- Lines carry our own VAT per line, which Sage takes as given, so its totals are ours; they are
  still checked after creation (a difference is Sent with TotalsDiffer, both sets of figures).
- A customer or supplier is never made twice: its reference (our code) is unique in a Sage
  business, so when Sage says it is taken, the contact holding it is read: one of that name and
  type is ours and is linked; one of another name is refused as a reference already taken, for
  a person to sort out.
- A credit note is applied to its invoice by a contact allocation for min(credit, what the
  invoice still owes). An allocation Sage refuses leaves the credit note Sent (its credit stays
  on the customer's account); one interrupted leaves it Uncertain, finished by complete().
- A receipt against several invoices is one Sage contact payment allocated to each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
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
from connectors.capabilities import ImportsContacts, ListsInvoices
from connectors.oauth2 import OAuth2ConnectorMixin, OAuth2Provider
from connectors.sage_accounting import client as http
from connectors.sage_accounting import lists
from connectors.sage_accounting.errors import batch_outcome
from connectors.sage_accounting.pushing import VOID, Pusher, money


class SageAccountingConnector(OAuth2ConnectorMixin, ImportsContacts, ListsInvoices,
                              PushConnector):
    key: ClassVar[str] = "sage_accounting"
    title: ClassVar[str] = "Sage Accounting"
    tenant_word: ClassVar[str] = "business"  # Sage's word; chosen from GET /businesses
    limits: ClassVar[Limits] = Limits(
        # unverified: 200 calls per rolling minute per business is the v3.0 docs' figure;
        # Sage publishes none for v3.1, nor a concurrency limit (10 is our guess).
        calls_per_minute=200,
        calls_per_day=None,
        concurrency=10,
        batch_size={"customer": 1, "supplier": 1, "invoice": 1, "credit_note": 1,
                    "payment": 1},
    )
    settings_keys: ClassVar[tuple[str, ...]] = (
        "SAGE_CLIENT_ID",
        "SAGE_CLIENT_SECRET",
        "SAGE_SCOPES",
        "SAGE_AUTH_URL",
        "SAGE_TOKEN_URL",
        "SAGE_REVOKE_URL",
        "SAGE_API_URL",
        "HTTP_TIMEOUT_SECONDS",
    )

    def __init__(
        self,
        settings: Mapping[str, Any],
        credentials: Credentials,
        throttle: Any = None,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(settings, credentials, throttle, session)
        self.client = http.SageClient(settings, credentials, self.throttle, self.session)
        # Sage's ids for our codes, read once per connector (one run).
        self.chart = lists.Chart(self.client)

    # ---- OAuth 2 (the class-level methods come from OAuth2ConnectorMixin)
    @classmethod
    def oauth2(cls, settings: Mapping[str, Any]) -> OAuth2Provider:
        return http.oauth2(settings)

    def tenants(self) -> list[Tenant]:
        found = []
        for item in self.client.businesses():
            if isinstance(item, dict) and lists.text(item.get("id")):
                name = lists.text(item.get("name")) or lists.text(item.get("displayed_as"))
                found.append(Tenant(lists.text(item["id"]), name))
        return found

    # ---- lists
    def accounts(self) -> list[LedgerAccount]:
        found = [a for a in map(lists.ledger_account, self.client.items("ledger_accounts")) if a]
        found += [a for a in map(lists.bank_account, self.client.items("bank_accounts")) if a]
        return found

    def tax_rates(self) -> list[PackageTaxRate]:
        return [r for r in map(lists.tax_rate, self.client.items("tax_rates")) if r]

    def contacts(self) -> Iterable[Contact]:
        return self._contacts()

    def _contacts(self) -> Iterator[Contact]:
        for item in self.client.items("contacts"):
            contact = lists.contact(item)
            if contact is not None:
                yield contact

    def invoices_of(self, contact_external_id: str) -> list[PackageInvoice]:
        """The customer's sales invoices in Sage (its first page of 200), for a picker."""
        found = []
        for item in self.client.items("sales_invoices", {"contact_id": contact_external_id}):
            if lists.text(lists.sub(item, "status").get("id")) == VOID:
                continue
            found.append(PackageInvoice(lists.text(item.get("id")),
                                        lists.text(item.get("reference"))
                                        or lists.text(item.get("invoice_number")),
                                        lists.text(item.get("date"))[:10],
                                        money(item.get("total_amount"))))
            if len(found) >= http.PAGE_SIZE:
                break
        return [f for f in found if f.external_id]

    # ---- sending
    def _pusher(self) -> Pusher:
        return Pusher(self.client, self.chart)

    def push(self, kind: RecordKind, batch: Sequence[Any]) -> list[Outcome]:
        p = self._pusher()
        return push_by_kind(kind, batch, self.title, {
            "customer": p.contacts, "supplier": p.contacts, "invoice": p.documents,
            "credit_note": p.documents, "payment": p.payments}, batch_outcome)

    def complete(self, record: Any, external_id: str) -> Outcome:
        if isinstance(record, DocumentRecord):
            return self._pusher().complete(record, external_id)
        return super().complete(record, external_id)

    def find(self, record: Any) -> str | None:
        return find_by_type(self._pusher(), record)
