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

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
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
    Uncertain,
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
    # The reference we chose for the record in the package, for packages that leave choosing
    # it to us (ChoosesReferences: Sage 50's account refs); "" otherwise. Kept with the
    # transfer, so a record handed out again carries the same one and is found by it.
    reference: str = ""


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
    # What on the customer's computer collects the records, in a bookkeeper's words ("the Web
    # Connector"), for the dashboard, the digest and the waiting words.
    collector: ClassVar[str] = "the agent"

    @classmethod
    def schedule_minutes(cls, settings: Mapping[str, Any]) -> int:
        """How often the desktop side checks in, at the longest, when all is well: a silence
        of more than two of these is worth telling someone about."""
        return 60

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


class ListsFromDesktop:
    """A pull package whose lists (for the mapping) and contacts (for the import and linking)
    arrive from its desktop side and are kept (app/sync/pulled_contacts.py): they are never
    fetched from here, and what was last sent is what the pages show."""


class ListsByRequest(ListsFromDesktop, ABC):
    """A pull package whose lists are asked of its desktop side like a hand-out, and arrive
    with its answer (the Web Connector)."""

    @abstractmethod
    def lists_request(self) -> str: ...

    @abstractmethod
    def read_lists(self, answer: str) -> PulledLists:
        """The lists from the answer; BadReplyError (in words) when they cannot be read."""


class WebConnectorContract(ABC):
    """A package collected by Intuit's QuickBooks Web Connector brings the contract the Web
    Connector speaks, so that the service (app/webconnector/) names no package: its SOAP
    messages (a module with parse_call, reply, fault, SoapCall, SoapFault,
    SOAP11_CONTENT_TYPE and FAULT_HTTP_STATUS), the service's WSDL, and the .qwc file."""

    @classmethod
    @abstractmethod
    def soap_contract(cls) -> ModuleType: ...

    @classmethod
    @abstractmethod
    def wsdl(cls, endpoint_url: str) -> bytes: ...

    @classmethod
    @abstractmethod
    def qwc_file(cls, app_name: str, app_url: str, support_url: str, username: str,
                 owner_id: str, file_id: str, run_every_minutes: int,
                 description: str = "") -> bytes:
        """The .qwc file; ValueError naming a field the Web Connector would refuse."""


class ChoosesReferences(ABC):
    """A package where we choose each customer's and supplier's reference, and the package
    holds us to it (Sage 50: an account ref of at most 8 characters, unique in the company).
    The engine keeps the one chosen with the transfer, unique per connection and clear of the
    references the desktop side sent in its contact list, so a record handed out again is
    looked for by the same reference."""

    reference_length: ClassVar[int] = 8

    @abstractmethod
    def reference_stem(self, record: Record) -> str:
        """The reference this record would have if nothing else had it (the engine shortens
        it and adds digits when another record has it already)."""


class AgentPackage(ListsFromDesktop, PullConnector):
    """A pull package collected by the Ledgerlink agent (app/agent/: JSON over HTTPS). The
    agent takes records as writer-ready payloads and answers for each one; the request and
    answer texts of PullConnector are those payloads and answers as JSON."""

    auth_kind = "agent"
    # The agent's config file for this package, as the wizard shows it once: "{server_url}"
    # and "{token}" are filled in (the rest is the package's own: where its data is).
    agent_config: ClassVar[str] = 'server_url = "{server_url}"\ntoken = "{token}"\n'

    @classmethod
    def poll_seconds(cls, settings: Mapping[str, Any]) -> int:
        """How often the agent asks for work when there is none."""
        return 30

    @abstractmethod
    def payload(self, kind: RecordKind, item: PullItem) -> dict[str, Any]:
        """What the agent's writer needs to write this record into the package."""

    @abstractmethod
    def read_result(self, kind: RecordKind, stage: str, item: PullItem,
                    result: Mapping[str, Any]) -> Outcome:
        """The outcome of the agent's answer for one record ({"status": "created" | "exists" |
        "rejected" | "retry", "reference", "message", "field", "note"}), already checked to
        have that shape."""

    @abstractmethod
    def read_lists(self, name: str, body: Mapping[str, Any]) -> PulledLists:
        """One list the agent sent (name: accounts, tax_codes or contacts) as the platform's
        types: only that part of PulledLists is filled. BadReplyError (in words) for a list
        that cannot be read."""

    def check_first(self, stage: str) -> bool:
        return stage == self.check_stage("customer", stage)

    def render_request(self, kind: RecordKind, stage: str, items: Sequence[PullItem]) -> str:
        return json.dumps([{"key": i.record.key, "kind": kind,
                            "check_first": self.check_first(i.stage or stage),
                            "payload": self.payload(kind, i)} for i in items])

    def read_answer(self, kind: RecordKind, stage: str, items: Sequence[PullItem],
                    answer: str) -> list[Outcome]:
        try:
            by_key = {r["key"]: r for r in json.loads(answer)}
        except (ValueError, TypeError, KeyError):
            return [Uncertain("the agent's answer could not be read")] * len(items)
        return [self.read_result(kind, i.stage or stage, i, by_key[i.record.key])
                if i.record.key in by_key else Uncertain("no answer for this record")
                for i in items]
