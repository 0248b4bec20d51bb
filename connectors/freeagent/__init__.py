"""FreeAgent: OAuth 2 (HTTP Basic client auth, a User-Agent on every call), one record per
call, no idempotency key: look-ups before anything could be made twice (see pushing.py).

How FreeAgent fits the connector interface:
- The tenant is the company the token names (GET /v2/company); no tenant header.
- Ids are URLs (FreeAgent's own), kept whole as external ids.
- Our mapping codes: categories by nominal code ("001"), bank accounts by their bank
  category's nominal code ("750-1"), VAT rates by our own fixed codes ("20", "5", "0",
  "exempt", "out_of_scope"): FreeAgent has no list of rates, its docs name the UK ones.
- Invoices and credit notes are created Draft and marked as sent; a credit note is then put
  against its invoice (a credit note reconciliation); a payment is a bank transaction
  explanation per invoice it pays. complete() finishes whichever step was interrupted.
- Limits: 120 calls a minute and 3,600 an hour per user, both enforced.
"""

from __future__ import annotations

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
    PaymentRecord,
    PushConnector,
    RecordKind,
    Sent,
    Tenant,
)
from connectors.batching import find_by_type, push_by_kind
from connectors.capabilities import ImportsContacts, ListsInvoices
from connectors.freeagent import client as http
from connectors.freeagent.errors import batch_outcome
from connectors.freeagent.payloads import VAT_CODES
from connectors.freeagent.pushing import Pusher, contact_from_freeagent, money
from connectors.oauth2 import OAuth2ConnectorMixin, OAuth2Provider

# FreeAgent's category lists -> our kinds of account (bank categories are told apart by their
# bank_account, see accounts()).
CATEGORY_KINDS = {
    "income_categories": "sales",
    "cost_of_sales_categories": "expense",
    "admin_expenses_categories": "expense",
    "general_categories": "other",
}


class FreeAgentConnector(OAuth2ConnectorMixin, ImportsContacts, ListsInvoices, PushConnector):
    key: ClassVar[str] = "freeagent"
    title: ClassVar[str] = "FreeAgent"
    tenant_word: ClassVar[str] = "company"  # a FreeAgent login is one company's books
    draft_invoices: ClassVar[bool] = True  # created Draft; marked as sent unless kept so
    limits: ClassVar[Limits] = Limits(
        calls_per_minute=120,
        calls_per_hour=3600,
        calls_per_day=None,
        # unverified: FreeAgent documents no limit on calls at once; a few keep one user's
        # 120 a minute busy without piling up.
        concurrency=4,
        batch_size={"customer": 1, "supplier": 1, "invoice": 1, "credit_note": 1, "payment": 1},
    )
    settings_keys: ClassVar[tuple[str, ...]] = (
        "FREEAGENT_CLIENT_ID",
        "FREEAGENT_CLIENT_SECRET",
        "FREEAGENT_API_URL",
        "FREEAGENT_USER_AGENT",
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
        self.client = http.FreeAgentClient(settings, credentials, self.throttle, self.session)
        # One per connector (one run): the contacts and bank accounts are read once.
        self.pusher = Pusher(self.client)

    # ---- OAuth 2
    @classmethod
    def oauth2(cls, settings: Mapping[str, Any]) -> OAuth2Provider:
        return http.oauth2(settings)

    @classmethod
    def revoke(
        cls,
        settings: Mapping[str, Any],
        credentials: Credentials,
        session: requests.Session | None = None,
    ) -> None:
        """FreeAgent has no revoke endpoint (its docs name none): a user withdraws an app in
        FreeAgent's settings. Disconnecting forgets our tokens, which is all we can do."""

    def tenants(self) -> list[Tenant]:
        company = self.client.get("company").get("company")
        if not isinstance(company, dict) or company.get("id") is None:
            return []
        ident = str(company["id"])
        return [Tenant(ident, str(company.get("name") or f"Company {ident}"))]

    # ---- lists
    def accounts(self) -> list[LedgerAccount]:
        reply = self.client.get("categories")
        found: list[LedgerAccount] = []
        for group, kind in CATEGORY_KINDS.items():
            for item in reply.get(group) or []:
                if not isinstance(item, dict) or not item.get("nominal_code"):
                    continue
                code = str(item["nominal_code"])
                bank = isinstance(item.get("bank_account"), str) and bool(item["bank_account"])
                found.append(LedgerAccount(
                    code=code, name=str(item.get("description") or code),
                    type=group.removesuffix("_categories"),
                    kind="bank" if bank else kind))  # type: ignore[arg-type]
        return found

    def tax_rates(self) -> list[PackageTaxRate]:
        """Our fixed VAT codes (FreeAgent lists none); the rates other than the zero ones are
        offered only to a company registered for VAT."""
        company = self.client.get("company").get("company")
        status = str((company or {}).get("sales_tax_registration_status") or "")
        registered = status != "Not Registered"
        return [PackageTaxRate(code=code, name=name, rate=rate,
                               active=registered or rate == 0)
                for code, (name, rate, _) in VAT_CODES.items()]

    def contacts(self) -> Iterable[Contact]:
        for item in self.client.pages("contacts", "contacts", {"view": "all"}):
            contact = contact_from_freeagent(item)
            if contact is not None:
                yield contact

    def invoices_of(self, contact_external_id: str) -> list[PackageInvoice]:
        """The contact's invoices in FreeAgent, for the link-invoice picker."""
        found = []
        for item in self.client.pages("invoices", "invoices",
                                      {"view": "all", "contact": contact_external_id}):
            if isinstance(item.get("url"), str) and item.get("status") != "Cancelled":
                total = money(item.get("total_value"))
                found.append(PackageInvoice(item["url"], str(item.get("reference") or ""),
                                            str(item.get("dated_on") or "")[:10],
                                            total if isinstance(total, Decimal) else None))
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
        if isinstance(record, DocumentRecord):
            return self.pusher.complete_document(record, external_id)
        if isinstance(record, PaymentRecord):
            try:
                return self.pusher.pay(record)  # the invoices not yet paid, if any
            except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
                return batch_outcome(exc)
        return Sent(external_id)
