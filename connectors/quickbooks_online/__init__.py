"""QuickBooks Online: OAuth 2 (the company's realmId from the callback), batched creates with
per-item results, a requestid on every create, look-ups by DocNumber / DisplayName.

How QuickBooks Online fits the connector interface without changing the sync engine:
- Sales lines post through Items, not accounts. accounts() therefore lists QBO's sales items
  (Service / NonInventory / Inventory items with an income account) as kind "sales", code =
  Item Id, named "Item: <name> (→ <income account>)"; our sales accounts are mapped to items and
  DocumentLine.account_code carries the Item Id into SalesItemLineDetail.ItemRef. Bank accounts
  are kind "bank" (code = Account Id, for DepositToAccountRef), expense and cost-of-sales
  accounts kind "expense", and income accounts kind "other" with type "Income" (they are what a
  new item binds to: see create_service_item). Codes are unique within a kind, not across
  kinds (Item and Account ids are separate number series).
- Tax rates are QBO TaxCodes (code = TaxCode Id); the rate is the sum of its sales TaxRates.
- A credit note is a CreditMemo; QBO applies it to its invoice with a zero Payment linking both
  (one extra query and one extra batch per batch of credit notes). complete() finishes an
  application interrupted after the credit memo was created.
- A customer and a supplier are different objects in QBO (Customer, Vendor) whose DisplayNames
  must be unique across customers, vendors and employees (6240 otherwise: duplicate_name).
- Totals: QBO computes tax from the tax codes, so it is sent our VAT total (TotalTax); its
  totals are checked against ours after creation (a difference is Sent with TotalsDiffer).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import quote

import requests

from connectors.base import (
    ConnectorError,
    Contact,
    Credentials,
    DocumentRecord,
    LedgerAccount,
    Limits,
    Outcome,
    PackageError,
    PackageInvoice,
    PackageTaxRate,
    PushConnector,
    RecordKind,
    Sent,
    Tenant,
)
from connectors.batching import find_by_type, push_by_kind
from connectors.capabilities import (
    CreatesServiceItems,
    ImportsContacts,
    ListsInvoices,
    WebPages,
)
from connectors.oauth2 import OAuth2ConnectorMixin, OAuth2Provider
from connectors.quickbooks_online import client as http
from connectors.quickbooks_online import payloads
from connectors.quickbooks_online.errors import QboRequestError, batch_outcome
from connectors.quickbooks_online.pushing import (
    Pusher,
    contact_from_qbo,
    request_id,
    sub_key,
)

PAGE_SIZE = 1000  # QBO's maximum MAXRESULTS
SALES_ITEM_TYPES = {"Service", "NonInventory", "Inventory"}


class QuickBooksOnlineConnector(
    OAuth2ConnectorMixin,
    CreatesServiceItems,
    ImportsContacts,
    ListsInvoices,
    WebPages,
    PushConnector,
):
    key: ClassVar[str] = "quickbooks_online"
    title: ClassVar[str] = "QuickBooks Online"
    tenant_word: ClassVar[str] = "company"
    codes_are_shown: ClassVar[bool] = False  # Ids ("2") appear nowhere in QuickBooks' screens
    limits: ClassVar[Limits] = Limits(
        # QBO's limits per company: 500 calls a minute, of which at most 40 batch requests,
        # and 10 at once. Queries do not touch the batch budget.
        calls_per_minute=500,
        batch_calls_per_minute=40,
        calls_per_day=None,
        concurrency=10,
        batch_size={
            "customer": 10, "supplier": 10, "invoice": 10, "payment": 10,
            # Credit notes cost a create batch, a balance query and an apply batch: handed
            # over 50 at a time (created and applied 10 per batch), one query serves them all.
            "credit_note": 50,
        },
    )
    contacts_span_kinds: ClassVar[bool] = False  # Customer and Vendor: separate ids
    settings_keys: ClassVar[tuple[str, ...]] = (
        "QBO_CLIENT_ID",
        "QBO_CLIENT_SECRET",
        "QBO_SCOPES",
        "QBO_AUTH_URL",
        "QBO_TOKEN_URL",
        "QBO_REVOKE_URL",
        "QBO_API_URL",
        "QBO_MINOR_VERSION",
        "HTTP_TIMEOUT_SECONDS",
    )

    # QuickBooks Online's own web pages (app.qbo.intuit.com/app/<page>?txnId= or nameId=);
    # they open in the company the user last signed in to. Intuit's development companies
    # live on app.sandbox.qbo.intuit.com; our local sandbox has no web pages, so in sandbox
    # mode these point at QuickBooks itself.
    web_pages: ClassVar[Mapping[str, str]] = {
        "customer": "/app/customerdetail?nameId={id}",
        "supplier": "/app/vendordetail?nameId={id}",
        "invoice": "/app/invoice?txnId={id}",
        "credit_note": "/app/creditmemo?txnId={id}",
        "payment": "/app/recvpayment?txnId={id}",
    }

    @classmethod
    def web_page(
        cls, settings: Mapping[str, Any], kind: str, external_id: str,
        extra: Mapping[str, Any] | None = None,
    ) -> str | None:
        """The address of a record's page in QuickBooks Online."""
        shape = cls.web_pages.get(kind)
        if not shape or not external_id:
            return None
        api = str(settings.get("QBO_API_URL") or "")
        host = ("https://app.sandbox.qbo.intuit.com" if "sandbox-quickbooks.api.intuit.com" in api
                else "https://app.qbo.intuit.com")
        return host + shape.format(id=quote(str(external_id), safe=""))

    def __init__(
        self,
        settings: Mapping[str, Any],
        credentials: Credentials,
        throttle: Any = None,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(settings, credentials, throttle, session)
        self.client = http.QboClient(settings, credentials, self.throttle, self.session)

    # ---- OAuth 2 (the other class-level methods come from OAuth2ConnectorMixin)
    @classmethod
    def oauth2(cls, settings: Mapping[str, Any]) -> OAuth2Provider:
        return http.oauth2(settings)

    @classmethod
    def exchange_code(
        cls,
        settings: Mapping[str, Any],
        code: str,
        redirect_uri: str,
        session: requests.Session | None = None,
        callback: Mapping[str, str] | None = None,
    ) -> Credentials:
        realm = str((callback or {}).get("realmId") or "")
        if not realm:
            raise ConnectorError(
                "QuickBooks Online did not say which company was chosen (no realmId)"
            )
        credentials = cls.oauth2(settings).exchange_code(code, redirect_uri, session)
        return credentials.with_tokens(tenant_id=realm)

    def tenants(self) -> list[Tenant]:
        realm = self.credentials.tenant_id
        if not realm:
            return []
        # Intuit's documented read: GET companyinfo/{realmId} (the path takes the realm id,
        # not the CompanyInfo object's own Id).
        info = self.client.get(f"companyinfo/{realm}").get("CompanyInfo")
        name = str(info.get("CompanyName") or "") if isinstance(info, dict) else ""
        return [Tenant(realm, name or f"Company {realm}")]

    # ---- lists
    def _all(self, entity: str, where: str = "") -> Iterator[dict[str, Any]]:
        start = 1
        while True:
            rows = self.client.select(
                entity, where, f"startposition {start} maxresults {PAGE_SIZE}"
            )
            yield from rows
            if len(rows) < PAGE_SIZE:
                return
            start += PAGE_SIZE

    def accounts(self) -> list[LedgerAccount]:
        accounts = list(self._all("Account"))
        names = {str(a.get("Id")): str(a.get("Name") or "") for a in accounts}
        out = [item_account(item, names) for item in self._all("Item")]
        found = [a for a in out if a is not None]
        for a in accounts:
            if not a.get("Id"):
                continue
            qtype = str(a.get("AccountType") or "")
            found.append(
                LedgerAccount(
                    code=str(a["Id"]),
                    name=str(a.get("Name") or a["Id"]),
                    type=qtype,
                    kind=_account_kind(qtype),
                    active=a.get("Active", True) is not False,
                )
            )
        return found

    def invoices_of(self, contact_external_id: str) -> list[PackageInvoice]:
        """The customer's invoices in QuickBooks, for a picker."""
        rows = self.client.select("Invoice",
                                  f"CustomerRef = {payloads.quote(contact_external_id)}")
        found = []
        for row in rows:
            if not row.get("Id"):
                continue
            try:
                total = Decimal(str(row.get("TotalAmt")))
            except InvalidOperation:
                total = None
            found.append(PackageInvoice(str(row["Id"]), str(row.get("DocNumber") or ""),
                                        str(row.get("TxnDate") or "")[:10], total))
        return found

    def tax_rates(self) -> list[PackageTaxRate]:
        rates = {str(r.get("Id")): _decimal(r.get("RateValue")) for r in self._all("TaxRate")}
        out = []
        for code in self._all("TaxCode"):
            code_id = str(code.get("Id") or "")
            if not code_id:
                continue
            details = (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
            refs = [str((d.get("TaxRateRef") or {}).get("value") or "")
                    for d in details if isinstance(d, dict)]
            if not refs and code_id.isdigit():
                continue  # a purchases-only code: never on a sales document
            out.append(
                PackageTaxRate(
                    code=code_id,
                    name=str(code.get("Name") or code_id),
                    rate=sum((rates.get(r, Decimal("0")) for r in refs), Decimal("0")),
                    active=code.get("Active", True) is not False,
                    description=str(code.get("Description") or ""),
                )
            )
        return out

    def contacts(self) -> Iterable[Contact]:
        """Active customers, then active vendors (QBO's query leaves inactive ones out)."""
        for entity, is_customer in (("Customer", True), ("Vendor", False)):
            for row in self._all(entity):
                contact = contact_from_qbo(row, is_customer)
                if contact is not None:
                    yield contact

    def create_service_item(self, name: str, income_account_id: str) -> LedgerAccount:
        """A Service item posting to the given income account, for the mapping page.

        Raises PackageError with QBO's words when it refuses (e.g. the name is taken)."""
        body = payloads.service_item_payload(name, income_account_id)
        rid = request_id(sub_key(f"{body['Name']}|{income_account_id}", "item"))
        try:
            reply = self.client.post("item", body, rid)
        except QboRequestError as exc:
            raise PackageError(str(exc)) from exc
        item = http.entity_of(reply, "Item")
        account = item_account(item, {})
        if account is None:
            raise PackageError("QuickBooks Online created an item that cannot take sales")
        return account

    # ---- sending
    def push(self, kind: RecordKind, batch: Sequence[Any]) -> list[Outcome]:
        p = Pusher(self.client)
        return push_by_kind(kind, batch, self.title, {
            "customer": lambda b: p.contacts("customer", b),
            "supplier": lambda b: p.contacts("supplier", b),
            "invoice": p.invoices, "credit_note": p.credit_notes, "payment": p.payments},
            batch_outcome)

    def find(self, record: Any) -> str | None:
        return find_by_type(Pusher(self.client), record)

    def complete(self, record: Any, external_id: str) -> Outcome:
        if (isinstance(record, DocumentRecord) and record.kind == "credit_note"
                and record.invoice_external_id):
            return Pusher(self.client).complete_credit(record, external_id)
        return Sent(external_id)


def item_account(item: Mapping[str, Any], account_names: Mapping[str, str]
                 ) -> LedgerAccount | None:
    """A QBO item that can carry a sales line, as a "sales" LedgerAccount (code = Item Id)."""
    income = item.get("IncomeAccountRef") if isinstance(item.get("IncomeAccountRef"), dict) else {}
    item_type = str(item.get("Type") or "")
    if not item.get("Id") or item_type not in SALES_ITEM_TYPES or not income.get("value"):
        return None
    account = str(income.get("name") or account_names.get(str(income["value"]), "")
                  or f"account {income['value']}")
    name = str(item.get("Name") or item.get("FullyQualifiedName") or item["Id"])
    return LedgerAccount(
        code=str(item["Id"]),
        name=f"Item: {name} (→ {account})",
        type=f"Item:{item_type}",
        kind="sales",
        active=item.get("Active", True) is not False,
    )


def _account_kind(qbo_type: str) -> Any:
    if qbo_type == "Bank":
        return "bank"
    if qbo_type in ("Expense", "Other Expense", "Cost of Goods Sold"):
        return "expense"
    return "other"  # Income accounts included: sales lines go through items


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal("0")
    except InvalidOperation:
        return Decimal("0")
