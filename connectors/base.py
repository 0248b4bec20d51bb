"""The Connector interface: canonical records in, outcomes out.

Connectors import no Flask and no models. The sync engine hands them canonical records (already
mapped to the package's own codes and contact ids) and gets back one outcome per record, so the
engine never learns a package's quirks and a package never learns our tables.
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Literal

import requests

RecordKind = Literal["customer", "supplier", "invoice", "credit_note", "payment"]
RECORD_KINDS: tuple[RecordKind, ...] = ("customer", "supplier", "invoice", "credit_note", "payment")


# --------------------------------------------------------------------------- canonical records
@dataclass(frozen=True)
class PackageInvoice:
    """An invoice already in the package, as a picker lists it (connectors that can list a
    customer's invoices are ListsInvoices, connectors.capabilities)."""

    external_id: str
    number: str
    date: str  # ISO date as the package gives it
    total: Decimal | None = None


@dataclass(frozen=True)
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""


@dataclass(frozen=True)
class ContactRecord:
    """A customer or supplier. `reference` is our code for it (Xero's ContactNumber)."""

    key: str  # the transfer's stable idempotency key
    kind: Literal["customer", "supplier"]
    reference: str
    name: str
    email: str = ""
    phone: str = ""
    address: Address = dc_field(default_factory=Address)


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    account_code: str  # the package's nominal code, already mapped
    tax_code: str  # the package's tax rate code, already mapped
    tax_rate: Decimal  # percent, e.g. Decimal("20")
    line_amount: Decimal  # quantity x unit price, rounded to 2 dp
    tax_amount: Decimal  # tax on this line, rounded to 2 dp


@dataclass(frozen=True)
class DocumentRecord:
    """An invoice or a credit note, with our totals computed to the penny."""

    key: str
    kind: Literal["invoice", "credit_note"]
    reference: str  # our document number (Xero's InvoiceNumber / CreditNoteNumber)
    contact_external_id: str  # the package's id of the customer
    contact_name: str
    date: date
    due_date: date | None
    their_reference: str
    amounts_are: Literal["exclusive", "inclusive"]
    lines: tuple[DocumentLine, ...]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    # Credit notes only: the invoice it credits, already in the package.
    invoice_external_id: str | None = None
    invoice_reference: str | None = None
    # Invoices only: create it as a draft for someone to approve in the package (connectors
    # that declare draft_invoices; the others always create approved invoices).
    as_draft: bool = False


@dataclass(frozen=True)
class Allocation:
    invoice_external_id: str
    invoice_reference: str
    amount: Decimal


@dataclass(frozen=True)
class PaymentRecord:
    key: str
    kind: Literal["payment"]
    reference: str
    contact_external_id: str
    contact_name: str
    date: date
    amount: Decimal
    bank_account_code: str  # the package's code for the bank account, already mapped
    allocations: tuple[Allocation, ...]


Record = ContactRecord | DocumentRecord | PaymentRecord


# --------------------------------------------------------------------------- package lists
@dataclass(frozen=True)
class LedgerAccount:
    code: str
    name: str
    type: str  # package's own type, e.g. "REVENUE", "BANK"
    kind: Literal["sales", "bank", "expense", "other"]
    active: bool = True


@dataclass(frozen=True)
class PackageTaxRate:
    code: str
    name: str
    rate: Decimal
    active: bool = True
    # False for a rate the package only allows on purchases (Xero's INPUT2): never offered
    # for our sales documents.
    sales: bool = True
    description: str = ""  # the package's own longer wording, where it has one


@dataclass(frozen=True)
class Contact:
    """A contact that already exists in the package (one-time import, link suggestions)."""

    external_id: str
    name: str
    is_customer: bool
    is_supplier: bool
    reference: str = ""
    email: str = ""
    phone: str = ""
    address: Address = dc_field(default_factory=Address)
    active: bool = True


@dataclass(frozen=True)
class Tenant:
    id: str
    name: str


# --------------------------------------------------------------------------- outcomes
# Reasons a package refuses a record, a vocabulary shared by every connector so that
# app/sync/explain.py can put each into words without knowing the package.
RejectReason = Literal[
    "contact_archived",  # details: contact_name
    "contact_missing",  # details: contact_name
    "duplicate_name",  # details: contact_name
    "duplicate_reference",  # details: reference
    "account_unknown",  # details: account_code
    "account_archived",  # details: account_code
    "tax_rate_unknown",  # details: tax_code
    "locked_period",  # details: date, lock_date (if known)
    "invoice_missing",  # details: invoice_reference
    "amount_exceeds_due",  # details: invoice_reference
    "invoice_draft",  # details: invoice_reference (the draft ones); a payment waits for approval
    "validation",  # anything else: package_message carries the package's words
]


@dataclass(frozen=True)
class TotalsDiffer:
    """The package created the document, but its own arithmetic came to other figures."""

    package_total: Decimal
    package_tax: Decimal
    our_total: Decimal
    our_tax: Decimal


@dataclass(frozen=True)
class Sent:
    external_id: str
    # Set when the package's totals are not ours (a penny of VAT rounded another way): the
    # document is in the package all the same, so its id is kept and nothing is resent.
    totals_differ: TotalsDiffer | None = None
    # A step the package's desktop side could not take, for the bookkeeper to finish there
    # ("allocate it to INV-1001 in Sage": Sage 50 cannot import a receipt's allocation).
    finish_by_hand: str = ""


@dataclass(frozen=True)
class Rejected:
    reason: RejectReason
    package_message: str
    field: str | None = None
    details: Mapping[str, str] = dc_field(default_factory=dict)


@dataclass(frozen=True)
class RetryLater:
    after: float  # seconds the package asked us to wait
    problem: str = ""  # e.g. "minute", "day", "concurrent", "server error"


@dataclass(frozen=True)
class Uncertain:
    """The request may or may not have created the record: reconcile with find() first."""

    detail: str = ""


@dataclass(frozen=True)
class AuthLost:
    detail: str = ""


@dataclass(frozen=True)
class Continue:
    """Pull packages only (connectors.capabilities.PullConnector): this step is done, the
    record needs the request of `stage` next (`external_id`: what the package made so far).
    From a check: `Continue("", "")` means the lost request made nothing, so add it."""

    external_id: str
    stage: str


Outcome = Sent | Rejected | RetryLater | Uncertain | AuthLost | Continue


# --------------------------------------------------------------------------- errors
class ConnectorError(Exception):
    """A call outside push() failed; push() returns outcomes instead of raising."""


class AuthLostError(ConnectorError):
    """The package no longer accepts our tokens: the connection must be reconnected."""


class RateLimitedError(ConnectorError):
    def __init__(self, after: float, problem: str = "") -> None:
        super().__init__(f"rate limited ({problem or 'limit'}); retry after {after:.0f}s")
        self.after = after
        self.problem = problem


class PackageError(ConnectorError):
    """The package answered with an error we cannot act on automatically."""


class BadReplyError(ConnectorError):
    """The package's reply was not what its API documents (bad JSON, missing fields)."""


# --------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class Window:
    """At most `calls` started in any rolling `seconds`; `batch_only` windows count only batch
    calls (QuickBooks Online's 40 batch calls a minute, on top of its 500 calls a minute)."""

    name: str  # in the run's note: "minute", "hour", "day", "batch minute"
    calls: int
    seconds: int
    batch_only: bool = False


@dataclass(frozen=True)
class Limits:
    """The package's own limits per connection, as it counts them; the engine enforces every
    one of them across workers (app/sync/ratelimit.py)."""

    calls_per_minute: int
    calls_per_day: int | None
    concurrency: int  # calls in flight at once
    batch_size: Mapping[str, int]  # per record kind; 1 where the package has no batch
    calls_per_hour: int | None = None
    batch_calls_per_minute: int | None = None  # batch requests only, besides calls_per_minute

    def windows(self) -> tuple[Window, ...]:
        found = [
            Window("minute", self.calls_per_minute, 60),
            Window("hour", self.calls_per_hour or 0, 3600),
            Window("day", self.calls_per_day or 0, 86400),
            Window("batch minute", self.batch_calls_per_minute or 0, 60, batch_only=True),
        ]
        return tuple(w for w in found if w.calls > 0)


@dataclass(frozen=True)
class Credentials:
    """What a connection stores (encrypted) to talk to the package."""

    access_token: str = ""
    refresh_token: str = ""
    expires_at: float = 0.0  # epoch seconds
    tenant_id: str = ""
    tenant_name: str = ""
    extra: Mapping[str, Any] = dc_field(default_factory=dict)

    def expires_within(self, seconds: float) -> bool:
        return self.expires_at - seconds <= time.time()

    def with_tokens(self, **changes: Any) -> Credentials:
        return replace(self, **changes)

    def without_secrets(self, public_extra: Iterable[str] = ()) -> Credentials:
        """What a disconnected connection keeps: which organisation it was (for reconnecting
        and for the history's links), with every token, password and key gone. Of `extra`,
        only the keys the connector names as no secret survive (Connector.public_extra)."""
        kept = set(public_extra)
        return Credentials(tenant_id=self.tenant_id, tenant_name=self.tenant_name,
                           extra={k: v for k, v in self.extra.items() if k in kept})


@dataclass(frozen=True)
class OAuthSettings:
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]


Throttle = Callable[..., Callable[[], None] | None]
"""Called before every HTTP request to the package, with `batch=True` for a batch request;
raises RateLimitedError when the connection's shared budget (kept in Redis by the engine) is
spent. It may return a function to call once the request is over (frees a concurrency slot)."""


def batch_idempotency_key(records: Sequence[Record]) -> str:
    """One key for a whole batch request, stable for the same set of records.

    A resend of exactly the same batch replays the package's first answer; a different batch
    (after reconciliation took some records out) gets a different key, as it must.
    """
    joined = "\n".join(sorted(r.key for r in records))
    return hashlib.sha256(joined.encode()).hexdigest()[:64]


class Connector(ABC):
    """One accounting package. Instances serve one connection (one tenant).

    The parts every package shares (identity, settings, the lists for mapping, import and
    linking). How records get there is a subclass (PushConnector below; PullConnector in
    connectors.capabilities); sign-in and optional features are the typed capabilities there.
    """

    key: ClassVar[str]
    title: ClassVar[str]
    # What the package calls the books one sign-in reaches, in the wizard's words.
    tenant_word: ClassVar[str] = "organisation"
    mode: ClassVar[Literal["push", "pull"]] = "push"
    auth_kind: ClassVar[Literal["oauth2", "credentials", "web_connector", "agent"]] = "oauth2"
    limits: ClassVar[Limits]
    # Setting names this connector reads from the app's configuration.
    settings_keys: ClassVar[tuple[str, ...]] = ()
    # Keys of Credentials.extra that are no secret and that the history still needs after a
    # disconnect (Xero's short code, for "Open in Xero"); the rest of extra is wiped then.
    public_extra: ClassVar[tuple[str, ...]] = ()
    # The package can hold a new invoice as a draft for someone to approve there, so each
    # connection may choose draft or approved (DocumentRecord.as_draft).
    draft_invoices: ClassVar[bool] = False
    # Whether the codes in accounts()/tax_rates() are ones the package shows its users (Xero's
    # account codes), or internal ids a bookkeeper never sees (QuickBooks' "2").
    codes_are_shown: ClassVar[bool] = True
    # True when one package contact can be a customer and a supplier (Xero): its id means one
    # contact whatever the kind. False when customers and suppliers are separate records with
    # their own ids (QuickBooks Online's Customer 1 and Vendor 1 are different contacts).
    contacts_span_kinds: ClassVar[bool] = True

    def __init__(
        self,
        settings: Mapping[str, Any],
        credentials: Credentials,
        throttle: Throttle | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.credentials = credentials
        self.throttle = throttle or (lambda batch=False: None)
        self.session = session or requests.Session()

    @property
    def credentials(self) -> Credentials:
        return self._credentials

    @credentials.setter
    def credentials(self, value: Credentials) -> None:
        # The engine swaps in refreshed credentials after a forced refresh; a connector's HTTP
        # client (by convention `self.client`) must use them too, not keep the dead token.
        self._credentials = value
        client = getattr(self, "client", None)
        if client is not None and hasattr(client, "credentials"):
            client.credentials = value

    def before_each_call(self, hook: Callable[[], None]) -> None:
        """`hook()` runs before every request to the package, where the engine makes sure the
        credentials are still good (a 5-minute token can die in the middle of a run)."""
        client = getattr(self, "client", None)
        if client is not None and hasattr(client, "before_send"):
            client.before_send = hook

    def tenants(self) -> list[Tenant]:
        """Organisations the credentials can reach (one is chosen per connection)."""
        return []

    # ---- lists for mapping, import and linking
    @abstractmethod
    def accounts(self) -> list[LedgerAccount]: ...

    @abstractmethod
    def tax_rates(self) -> list[PackageTaxRate]: ...

    @abstractmethod
    def contacts(self) -> Iterable[Contact]: ...


class PushConnector(Connector):
    """A package we send records to over its API (Xero, QuickBooks Online): the engine calls
    push(), and find()/complete() to settle a send whose result it could not tell."""

    @abstractmethod
    def push(self, kind: RecordKind, batch: Sequence[Record]) -> list[Outcome]:
        """Create a batch of records of one kind; one outcome per record, in order.

        Never raises for a package's answer: every failure becomes an outcome.
        """

    @abstractmethod
    def find(self, record: Record) -> str | None:
        """The package id of a record whose send is uncertain, looked up by its reference."""

    def complete(self, record: Record, external_id: str) -> Outcome:
        """Finish the follow-up steps of a record that find() located (e.g. allocating a
        credit note that was created but not yet applied to its invoice).

        Must be idempotent: it runs after any uncertain send. Packages whose records are
        created in one call have nothing to finish.
        """
        return Sent(external_id)
