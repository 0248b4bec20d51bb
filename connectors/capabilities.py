"""What a connector can do beyond the shared interface, declared by type.

The app asks `issubclass(cls, CreatesServiceItems)` (or `isinstance(connector, ...)`) rather
than looking for a method by name, so a misspelt or half-written feature fails loudly where the
connector is written, not silently on a bookkeeper's page. Each capability is a small abstract
mixin: a connector that lists one among its bases must implement all of it.

How a package is signed into is one of three capabilities (`OAuth2Auth`, `CredentialsLogin`,
`SetupPage`); how records get there is `PushConnector` (connectors.base: we call the package)
or `PullConnector` (below: the package, or an agent beside it, calls us).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import requests

from connectors.base import (
    Connector,
    Contact,
    Credentials,
    LedgerAccount,
    OAuthSettings,
    Outcome,
    PackageInvoice,
    PackageTaxRate,
    Record,
    RecordKind,
)


# --------------------------------------------------------------------------- signing in
class OAuth2Auth(ABC):
    """Web packages signed into through OAuth 2; class-level, as there is no connection yet."""

    @classmethod
    @abstractmethod
    def oauth_settings(cls, settings: Mapping[str, Any]) -> OAuthSettings: ...

    @classmethod
    @abstractmethod
    def authorization_url(
        cls, settings: Mapping[str, Any], redirect_uri: str, state: str
    ) -> str: ...

    @classmethod
    @abstractmethod
    def exchange_code(
        cls,
        settings: Mapping[str, Any],
        code: str,
        redirect_uri: str,
        session: requests.Session | None = None,
        callback: Mapping[str, str] | None = None,
    ) -> Credentials:
        """Credentials for an authorisation code. `callback` holds every query parameter the
        package sent to our redirect URI (QuickBooks Online names the company in `realmId`)."""

    @classmethod
    @abstractmethod
    def refresh(
        cls,
        settings: Mapping[str, Any],
        credentials: Credentials,
        session: requests.Session | None = None,
    ) -> Credentials:
        """New credentials from the refresh token; AuthLostError when it was revoked."""

    @classmethod
    @abstractmethod
    def revoke(
        cls,
        settings: Mapping[str, Any],
        credentials: Credentials,
        session: requests.Session | None = None,
    ) -> None:
        """Withdraw our access at the package (on disconnect)."""


class CredentialsLogin(ABC):
    """Packages signed into with a form (username, password, API key...)."""

    # [{"name": "username", "label": "Username", "secret": False}, ...]
    credential_fields: ClassVar[tuple[Mapping[str, Any], ...]] = ()

    @classmethod
    @abstractmethod
    def login(cls, settings: Mapping[str, Any], fields: Mapping[str, str]) -> Credentials:
        """Credentials for the filled-in form; ConnectorError when the package refuses them."""

    @classmethod
    @abstractmethod
    def renew(cls, settings: Mapping[str, Any], credentials: Credentials) -> Credentials:
        """Fresh credentials from the stored ones, without the bookkeeper: a session-token
        package logs in again with the kept username and password; a package whose key never
        expires returns `credentials` as they are. AuthLostError when the package refuses."""


class SetupPage(ABC):
    """Packages set up on a page of ours (e.g. the Web Connector's .qwc download)."""

    setup_endpoint: ClassVar[str]  # a Flask endpoint name
    # The wizard's step in the package's own words ("Set up the QuickBooks Web Connector", and
    # what that means); "" keeps the wizard's generic ones. "{title}" is the package's title.
    setup_label: ClassVar[str] = ""
    setup_help: ClassVar[str] = ""


# --------------------------------------------------------------------------- optional features
class ImportsContacts:
    """The wizard offers the one-time import of the package's customers and suppliers
    (read through `contacts()`)."""


class OrganisationDetails(ABC):
    @abstractmethod
    def organisation_details(self) -> dict[str, str]:
        """Facts about the organisation kept in Credentials.extra (Xero's short code)."""


class WebPages(ABC):
    @classmethod
    @abstractmethod
    def web_page(
        cls, settings: Mapping[str, Any], kind: str, external_id: str,
        extra: Mapping[str, Any] | None = None,
    ) -> str | None:
        """The address of a record's own page in the package, or None."""


class ListsInvoices(ABC):
    @abstractmethod
    def invoices_of(self, contact_external_id: str) -> list[PackageInvoice]:
        """A customer's invoices already in the package, for the link-invoice picker."""


class CreatesServiceItems(ABC):
    """Packages that sell through items (QuickBooks Online): the mapping page can create one."""

    @abstractmethod
    def create_service_item(self, name: str, income_account_id: str) -> LedgerAccount: ...


# --------------------------------------------------------------------------- pull packages
@dataclass(frozen=True)
class PullItem:
    """One record of a hand-out, as a pull connector renders it and reads its answer."""

    request_id: str  # unique within the hand-out; the package's answer names it back
    record: Record
    external_id: str = ""  # the package's id once an earlier stage made it ("" before)
    # The record's own stage, parameter included: a stage's name up to ":" is its kind, which
    # the whole hand-out shares; what follows is this record's ("apply:1250", its amount).
    stage: str = ""


class PullConnector(Connector):
    """A package that collects records from us (QuickBooks Desktop through the Web Connector,
    Sage 50 through an agent). Pure code like a push connector, but we never call the package:
    each time its desktop side asks for work, the engine (app/sync/handout.py) claims a batch
    under a lease and the connector renders it as the package's request; the answer, when it
    comes, is read back into one outcome per record.

    A record may take several requests (stages): "" is the first (the add); a connector that
    needs more answers `Continue(external_id, stage)` and is asked to render that stage next.
    A hand-out whose answer never came is uncertain: it is handed out again at
    `check_stage(kind, stage)`, which must find what the lost request may have made before
    anything is added (an answer `Continue("", "")` there means "not there: add it").
    """

    mode: ClassVar[Literal["push", "pull"]] = "pull"

    @abstractmethod
    def render_request(self, kind: RecordKind, stage: str, items: Sequence[PullItem]) -> str:
        """The request the package will run for a batch of one kind at one stage."""

    @abstractmethod
    def read_answer(
        self, kind: RecordKind, stage: str, items: Sequence[PullItem], answer: str
    ) -> list[Outcome]:
        """One outcome per item of `items`, in order; never raises for the package's answer
        (an answer it cannot read makes every item Uncertain)."""

    def preflight(self, kind: RecordKind, stage: str, items: Sequence[PullItem]
                  ) -> Mapping[str, Outcome]:
        """Outcomes settled without the package (by request id): what it is certain to refuse
        is refused here, in words, and never handed out."""
        return {}

    def check_stage(self, kind: RecordKind, stage: str) -> str:
        """The stage that settles a hand-out at `stage` whose answer was lost."""
        return "check"


@dataclass(frozen=True)
class PulledLists:
    accounts: list[LedgerAccount]
    tax_rates: list[PackageTaxRate]
    # Its customers and suppliers, for the one-time import, linking and the look before
    # creating a contact (a package that sends none leaves it empty).
    contacts: list[Contact] = field(default_factory=list)


class ListsByRequest(ABC):
    """A pull package whose lists (for the mapping) are asked of its desktop side like a
    hand-out, and arrive with its answer: they are never fetched from here."""

    @abstractmethod
    def lists_request(self) -> str: ...

    @abstractmethod
    def read_lists(self, answer: str) -> PulledLists:
        """The lists from the answer; BadReplyError (in words) when they cannot be read."""
