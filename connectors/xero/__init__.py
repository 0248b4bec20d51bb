"""Xero: OAuth 2, batched creates with per-item results, Idempotency-Key on every create.

Design choices a bookkeeper would notice (see also payloads.py):
- Lines carry our own LineAmount and TaxAmount, so Xero stores the invoice exactly as the job
  system printed it. Xero's Total is still checked after creation; if it differs the invoice is
  Sent with TotalsDiffer (both sets of figures): it exists in Xero, so its id is kept, its
  payments follow, and the bookkeeper is asked to correct the figures by hand.
- A credit note is allocated to its invoice by a second call (Xero ignores inline allocations on
  create), for min(credit total, invoice amount due). If that allocation fails the credit note
  still exists and is reported Sent: resending would duplicate it; the credit stays on the
  customer's account in Xero to allocate by hand.
- A payment against several invoices becomes one Xero payment per invoice in the same request;
  its external id is their PaymentIDs joined by commas (find() returns the same shape).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import quote

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
from connectors.capabilities import (
    ImportsContacts,
    ListsInvoices,
    OrganisationDetails,
    WebPages,
)
from connectors.oauth2 import OAuth2ConnectorMixin, OAuth2Provider
from connectors.xero import client as http
from connectors.xero.errors import batch_outcome
from connectors.xero.pushing import Pusher, contact_from_xero

PAGE_SIZE = 100  # Xero's page size for GET /Contacts?page=N


class XeroConnector(
    OAuth2ConnectorMixin,
    ImportsContacts,
    ListsInvoices,
    OrganisationDetails,
    WebPages,
    PushConnector,
):
    key: ClassVar[str] = "xero"
    public_extra: ClassVar[tuple[str, ...]] = ("short_code",)  # from organisation_details()
    title: ClassVar[str] = "Xero"
    draft_invoices: ClassVar[bool] = True  # DRAFT or AUTHORISED on creation
    limits: ClassVar[Limits] = Limits(
        calls_per_minute=60,
        calls_per_day=5000,
        concurrency=5,
        batch_size={
            "customer": 50, "supplier": 50, "invoice": 50, "credit_note": 50, "payment": 50,
        },
    )
    settings_keys: ClassVar[tuple[str, ...]] = (
        "XERO_CLIENT_ID",
        "XERO_CLIENT_SECRET",
        "XERO_SCOPES",
        "XERO_LOGIN_URL",
        "XERO_IDENTITY_URL",
        "XERO_API_URL",
        "HTTP_TIMEOUT_SECONDS",
    )

    # Xero's own web pages for what we create, as paths on go.xero.com (developer.xero.com,
    # "Deep link to Xero"; the payment page is the one Xero's own MCP server links to). The
    # sandbox has no web pages, so these always point at Xero itself.
    web_pages: ClassVar[Mapping[str, str]] = {
        "customer": "/Contacts/View/{id}",
        "supplier": "/Contacts/View/{id}",
        "invoice": "/AccountsReceivable/View.aspx?InvoiceID={id}",
        "credit_note": "/AccountsReceivable/ViewCreditNote.aspx?creditNoteID={id}",
        "payment": "/Bank/ViewTransaction.aspx?bankTransactionID={id}",
    }
    # Xero's documented deep-link form: it opens the organisation the short code names, even
    # for a person who last used another of their organisations there.
    deep_link: ClassVar[str] = (
        "https://go.xero.com/organisationlogin/default.aspx?shortcode={code}&redirecturl={path}"
    )

    @classmethod
    def web_page(
        cls, settings: Mapping[str, Any], kind: str, external_id: str,
        extra: Mapping[str, Any] | None = None,
    ) -> str | None:
        """The address of a record's page in Xero, in the organisation named by the short code
        kept in the connection's `extra`; a payment split over several invoices opens at its
        first part."""
        shape = cls.web_pages.get(kind)
        first = (external_id or "").split(",")[0].strip()
        if not shape or not first:
            return None
        path = shape.format(id=quote(first, safe=""))
        code = str((extra or {}).get("short_code") or "")
        if not code:
            # A connection made before short codes were kept has none until it is reconnected:
            # the plain link, which Xero opens in the organisation last used there.
            return f"https://go.xero.com{path}"
        return cls.deep_link.format(code=quote(code, safe="!"), path=path)

    def __init__(
        self,
        settings: Mapping[str, Any],
        credentials: Credentials,
        throttle: Any = None,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(settings, credentials, throttle, session)
        self.client = http.XeroClient(settings, credentials, self.throttle, self.session)

    # ---- OAuth 2 (the class-level methods come from OAuth2ConnectorMixin)
    @classmethod
    def oauth2(cls, settings: Mapping[str, Any]) -> OAuth2Provider:
        # Xero's callback carries nothing beyond the code: the tenant comes from /connections.
        return http.oauth2(settings)

    def tenants(self) -> list[Tenant]:
        reply = self.client.connections()
        tenants = []
        for item in reply:
            if not isinstance(item, dict) or not item.get("tenantId"):
                continue
            if item.get("tenantType", "ORGANISATION") != "ORGANISATION":
                continue  # practice-manager connections cannot take invoices
            tenants.append(Tenant(str(item["tenantId"]), str(item.get("tenantName") or "")))
        return tenants

    def organisation_details(self) -> dict[str, str]:
        """What the connection keeps about its organisation: the ShortCode Xero's deep links
        name it by (GET /Organisation), read on connecting and on every reconnect."""
        items = http.check_items(self.client.get("/Organisation"), "Organisations")
        code = items[0].get("ShortCode") if items else None
        return {"short_code": code} if isinstance(code, str) and code else {}

    # ---- lists
    def accounts(self) -> list[LedgerAccount]:
        reply = self.client.get("/Accounts")
        accounts = []
        for item in http.check_items(reply, "Accounts"):
            code = item.get("Code")
            if not isinstance(code, str) or not code:
                continue  # Xero lets bank accounts go without a code; nothing to map to
            xtype = str(item.get("Type") or "")
            accounts.append(
                LedgerAccount(
                    code=code,
                    name=str(item.get("Name") or code),
                    type=xtype,
                    kind=_account_kind(xtype),
                    active=item.get("Status", "ACTIVE") == "ACTIVE",
                )
            )
        return accounts

    def invoices_of(self, contact_external_id: str) -> list[PackageInvoice]:
        """The contact's sales invoices in Xero (the first page), for a picker."""
        reply = self.client.get("/Invoices", {"ContactIDs": contact_external_id})
        found = []
        for item in http.check_items(reply, "Invoices"):
            if item.get("Type") != "ACCREC" or item.get("Status") in ("VOIDED", "DELETED"):
                continue
            if not item.get("InvoiceID"):
                continue
            when = str(item.get("DateString") or "")[:10]
            found.append(PackageInvoice(str(item["InvoiceID"]), str(item.get("InvoiceNumber")
                                                                     or ""),
                                        when, _decimal(item.get("Total"))))
        return found

    def tax_rates(self) -> list[PackageTaxRate]:
        reply = self.client.get("/TaxRates")
        rates = []
        for item in http.check_items(reply, "TaxRates"):
            code = item.get("TaxType")
            if not isinstance(code, str) or not code:
                continue
            rates.append(
                PackageTaxRate(
                    code=code,
                    name=str(item.get("Name") or code),
                    rate=_decimal(item.get("EffectiveRate", item.get("DisplayTaxRate"))),
                    active=item.get("Status", "ACTIVE") == "ACTIVE",
                    sales=_applies_to_sales(item),
                )
            )
        return rates

    def contacts(self) -> Iterable[Contact]:
        return self._contact_pages()

    def _contact_pages(self) -> Iterator[Contact]:
        page = 1
        while True:
            reply = self.client.get("/Contacts", {"page": page, "includeArchived": "true"})
            items = http.check_items(reply, "Contacts")
            for item in items:
                contact = contact_from_xero(item)
                if contact is not None:
                    yield contact
            if len(items) < PAGE_SIZE:
                return
            page += 1

    # ---- sending
    def push(self, kind: RecordKind, batch: Sequence[Any]) -> list[Outcome]:
        p = Pusher(self.client)
        return push_by_kind(kind, batch, self.title, {
            "customer": p.contacts, "supplier": p.contacts, "invoice": p.invoices,
            "credit_note": p.credit_notes, "payment": p.payments}, batch_outcome)

    def complete(self, record: Any, external_id: str) -> Outcome:
        if isinstance(record, DocumentRecord) and record.kind == "credit_note" and (
            record.invoice_external_id
        ):
            outcome = Pusher(self.client).complete(record, external_id)
        else:
            outcome = super().complete(record, external_id)
        if isinstance(record, DocumentRecord):
            # A document found rather than just created: its totals are checked as on
            # creation, so a penny of difference is still shown with both figures.
            return Pusher(self.client).with_totals(record, outcome)
        return outcome

    def find(self, record: Any) -> str | None:
        return find_by_type(Pusher(self.client), record)


def _account_kind(xero_type: str) -> Any:
    if xero_type in ("REVENUE", "SALES", "OTHERINCOME"):
        return "sales"
    if xero_type == "BANK":
        return "bank"
    if xero_type in ("EXPENSE", "OVERHEADS", "DIRECTCOSTS"):
        return "expense"
    return "other"


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal("0")
    except InvalidOperation:
        return Decimal("0")


# Xero's report tax types of rates that belong on bills, not on sales invoices.
_PURCHASE_REPORT_TYPES = {"INPUT", "EXEMPTINPUT", "ECACQUISITIONS", "CAPITALEXPENSESINPUT",
                          "GSTONIMPORTS", "ECINPUT"}


def _applies_to_sales(item: Mapping[str, Any]) -> bool:
    """Xero says so in CanApplyToRevenue; older replies only give the report tax type."""
    if isinstance(item.get("CanApplyToRevenue"), bool):
        return bool(item["CanApplyToRevenue"])
    return str(item.get("ReportTaxType") or "") not in _PURCHASE_REPORT_TYPES
