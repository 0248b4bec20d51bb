"""The connect wizard's logic: which steps a package needs, and the state kept between them.

Everything here is driven by the capabilities a connector declares by type
(connectors.capabilities), so a new package needs no new templates:

- `auth_kind` words the sign-in step, and the capability behind it makes it work: OAuth2Auth
  (send the person to the package's consent page), CredentialsLogin (a form built from its
  `credential_fields`, completed by its `login`), SetupPage (a set-up page the connector names
  in `setup_endpoint`, e.g. the .qwc download, for "web_connector" / "agent").
- ImportsContacts adds the one-time import of the package's customers and suppliers.
- OAuth2Auth's `revoke` is called on disconnect.

Between the package's consent page and the choice of organisation, the fresh credentials are
kept server-side, encrypted, in Redis for a few minutes (a session cookie is too small for some
packages' tokens, and is the client's). Only a random handle to them sits in the session.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import current_app, session, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from app.connections import oauth_state
from app.connections.sandbox_consent import with_login_hint
from app.connections.service import ConnectError, exchange_code, list_tenants, save_connection
from app.crypto import decrypt, encrypt
from app.extensions import db
from app.models import Connection
from app.models.connection import DISCONNECTED
from app.redis_conn import get_redis
from app.sync.plan import ensure_transfers
from connectors import connector_class, package_keys
from connectors.base import Connector, Credentials, Tenant
from connectors.capabilities import CredentialsLogin, ImportsContacts, OAuth2Auth, SetupPage

OAUTH_SESSION_KEY = "connect_oauth"
PENDING_SESSION_KEY = "connect_pending"
PENDING_SECONDS = 15 * 60  # time to choose an organisation after consenting

AUTH_STEP_LABELS = {
    "oauth2": "Sign in to {title}",
    "credentials": "Enter your {title} login",
    # A package set up on a page of ours words its own step (SetupPage.setup_label).
    "web_connector": "Set up {title} on your computer",
    "agent": "Install the Ledgerlink agent",
}
AUTH_STEP_HELP = {
    "oauth2": "You sign in at {title} itself and allow Ledgerlink to add records. We never see "
              "your {title} password, and you can withdraw access at any time.",
    "credentials": "{title} has no sign-in page for other apps, so Ledgerlink signs in with "
                   "your login. It is stored encrypted and used only to send your records.",
    "web_connector": "{title} runs on your own computer. You download a small file that tells "
                     "the program beside it where to collect records from.",
    "agent": "{title} runs on your own computer. A small Ledgerlink agent on that computer "
             "collects records from here and writes them into {title}.",
}


class WizardError(Exception):
    """A step could not be completed; the message says what happened and what to do."""

    def __init__(self, message: str, package: str | None = None, retry: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.package = package
        self.retry = retry


class AccessDenied(WizardError):
    pass


class StateMismatch(WizardError):
    pass


class ReplaceNeeded(Exception):
    """A reconnect chose a different organisation from the one the connection is with."""

    def __init__(self, connection: Connection, tenant: Tenant) -> None:
        super().__init__(f"connection {connection.id} is with {connection.tenant_name}")
        self.connection = connection
        self.tenant = tenant


@dataclass(frozen=True)
class Step:
    key: str
    label: str


@dataclass(frozen=True)
class PackageChoice:
    """A package as the "Connect a package" list shows it."""

    key: str
    title: str
    auth_kind: str
    auth_label: str
    auth_help: str
    available: bool
    steps: tuple[Step, ...]
    fields: tuple[Mapping[str, Any], ...] = ()
    setup_url: str | None = None
    tenant_word: str = "organisation"  # "company", "business": the package's own word


@dataclass
class Pending:
    """Credentials waiting for the person to choose an organisation."""

    handle: str
    package: str
    company_id: int
    tenants: list[Tenant]
    reconnect_id: int | None = None
    creds: Credentials = field(default_factory=Credentials)


# ------------------------------------------------------------------ what a package declares
def can_import(cls: type[Connector]) -> bool:
    return issubclass(cls, ImportsContacts)


def credential_fields(cls: type[Connector]) -> tuple[Mapping[str, Any], ...]:
    """[{"name": "username", "label": "Username", "secret": False}, ...] from the connector."""
    return tuple(cls.credential_fields) if issubclass(cls, CredentialsLogin) else ()


def _endpoint_url(endpoint: str | None, **values: Any) -> str | None:
    if not endpoint:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def steps_for(cls: type[Connector]) -> tuple[Step, ...]:
    steps = [Step("auth", auth_label(cls))]
    if cls.auth_kind in ("oauth2", "credentials"):
        steps.append(Step("organisation", f"Choose the {cls.tenant_word}"))
    if can_import(cls):
        steps.append(Step("import", "Import customers and suppliers"))
    steps.append(Step("mapping", "Map nominal codes"))
    steps.append(Step("schedule", "Schedule and cut-off date"))
    steps.append(Step("preview", "Check what will go"))
    return tuple(steps)


def package_choice(key: str) -> PackageChoice:
    cls = connector_class(key)
    kind = cls.auth_kind
    setup_url = None
    if kind == "oauth2":
        available = issubclass(cls, OAuth2Auth)
    elif kind == "credentials":
        available = bool(credential_fields(cls))
    else:
        if issubclass(cls, SetupPage):
            # The package's key goes along: one set-up page may serve several packages.
            setup_url = _endpoint_url(cls.setup_endpoint, package=key)
        available = setup_url is not None
    return PackageChoice(
        key=key, title=cls.title, auth_kind=kind,
        auth_label=auth_label(cls), auth_help=auth_help(cls),
        available=available, steps=steps_for(cls), fields=credential_fields(cls),
        setup_url=setup_url, tenant_word=cls.tenant_word,
    )


def auth_label(cls: type[Connector]) -> str:
    """The wizard's first step: the package's own words for a setup page, else ours."""
    if issubclass(cls, SetupPage) and cls.setup_label:
        return cls.setup_label.format(title=cls.title)
    return AUTH_STEP_LABELS.get(cls.auth_kind, "Sign in").format(title=cls.title)


def auth_help(cls: type[Connector]) -> str:
    if issubclass(cls, SetupPage) and cls.setup_help:
        return cls.setup_help.format(title=cls.title)
    return AUTH_STEP_HELP.get(cls.auth_kind, "").format(title=cls.title)


def package_choices() -> list[PackageChoice]:
    """Every registered package; one that cannot load is left out rather than breaking the page."""
    choices = []
    for key in package_keys():
        try:
            choices.append(package_choice(key))
        except Exception:  # noqa: BLE001, S112 - a broken connector must not hide the others
            continue
    return choices


def redirect_uri() -> str:
    # The one URI registered with every package's developer portal.
    return f"{current_app.config['BASE_URL']}/connections/oauth/callback"


# ------------------------------------------------------------------ OAuth 2
_STATE_UNAVAILABLE = ("Connecting is not possible for a moment: Ledgerlink could not reach its "
                      "job store. Nothing was saved; please try again shortly.")


def begin_oauth(company_id: int, package: str, reconnect_id: int | None = None) -> str:
    """Remember a fresh `state` for this company and package; the package's consent URL.

    The state is held server-side (single use, see oauth_state) and also in this browser's
    session, so the answer must come back to the browser that started it."""
    cls = connector_class(package)
    if not issubclass(cls, OAuth2Auth):
        raise WizardError(f"{cls.title} is not connected through a sign-in page.",
                          package=package, retry=False)
    user_id = current_user.id if current_user.is_authenticated else None
    try:
        state = oauth_state.remember(company_id, package, user_id, reconnect_id)
    except Exception as exc:  # noqa: BLE001 - Redis unreachable: say so, never a 500
        raise WizardError(_STATE_UNAVAILABLE, package=package, retry=True) from exc
    session[OAUTH_SESSION_KEY] = {"state": state, "package": package}
    return with_login_hint(cls.authorization_url(current_app.config, redirect_uri(), state),
                           company_id)


def finish_oauth(company_id: int, args: Mapping[str, str]) -> Pending:
    """Check the callback, exchange the code and list the organisations it reaches.

    The remembered state is used up whatever happens, so a callback can never be replayed.
    """
    in_session = session.pop(OAUTH_SESSION_KEY, None)
    given = str(args.get("state", ""))
    started = None
    if in_session and given and secrets.compare_digest(str(in_session.get("state", "")), given):
        try:
            started = oauth_state.take(given)  # used up now, whatever happens next
        except Exception as exc:  # noqa: BLE001 - Redis unreachable
            raise WizardError(_STATE_UNAVAILABLE, package=in_session.get("package"),
                              retry=True) from exc
    if not started:
        raise StateMismatch(
            "This sign-in answer does not match a connection started from this browser, so "
            "nothing was saved. It can happen after using the back button, or when the sign-in "
            "page was left open too long. Please start connecting again.",
            package=(in_session or {}).get("package"),
        )
    package = started["package"]
    if started["company_id"] != company_id:
        raise StateMismatch(
            "You switched to another company while signing in, so nothing was saved. Switch "
            "back to the company you were connecting and start again.", package=package,
        )
    title = connector_class(package).title
    error = args.get("error")
    if error == "access_denied":
        raise AccessDenied(
            f"You chose not to allow access at {title}, so nothing was connected. Ledgerlink "
            f"needs that permission to add your records to {title}.", package=package,
        )
    if error:
        detail = args.get("error_description") or error
        raise WizardError(f"{title} could not complete the sign-in ({detail}). Nothing was "
                          "saved; please try again.", package=package)
    code = args.get("code")
    if not code:
        raise WizardError(f"{title} sent us back without an authorisation. Nothing was saved; "
                          "please try again.", package=package)
    try:
        creds = exchange_code(package, code, redirect_uri(), callback=dict(args))
        tenants = list_tenants(package, creds)
    except ConnectError as exc:
        raise WizardError(f"{exc}. This happens when the sign-in page is used twice or left "
                          "too long. Nothing was saved; please try again.",
                          package=package) from exc
    except Exception as exc:  # noqa: BLE001 - any failure is told to the person connecting
        raise WizardError(f"We signed in to {title} but could not list its organisations "
                          f"({exc}). Nothing was saved; please try again.",
                          package=package) from exc
    if not tenants:
        raise WizardError(f"That {title} sign-in has no organisation we can send records to. "
                          f"Choose an organisation on {title}'s page when you try again.",
                          package=package)
    return stash(company_id, package, creds, tenants, started.get("reconnect_id"))


# ------------------------------------------------------------------ credentials between steps
def _redis_key(handle: str) -> str:
    return f"ledgerlink:connect-pending:{handle}"


def stash(
    company_id: int, package: str, creds: Credentials, tenants: list[Tenant],
    reconnect_id: int | None = None,
) -> Pending:
    handle = secrets.token_urlsafe(24)
    data = asdict(creds)
    data["extra"] = dict(creds.extra)
    payload = {
        "package": package, "company_id": company_id, "reconnect_id": reconnect_id,
        "tenants": [[t.id, t.name] for t in tenants], "creds": data,
    }
    get_redis().set(_redis_key(handle), encrypt(json.dumps(payload)), ex=PENDING_SECONDS)
    session[PENDING_SESSION_KEY] = handle
    return Pending(handle, package, company_id, tenants, reconnect_id, creds)


def pending(company_id: int) -> Pending | None:
    """The credentials waiting for this session's choice of organisation, if any."""
    handle = session.get(PENDING_SESSION_KEY)
    if not handle:
        return None
    raw = get_redis().get(_redis_key(handle))
    if raw is None:
        return None
    data = json.loads(decrypt(raw.decode() if isinstance(raw, bytes) else raw))
    if data["company_id"] != company_id:
        return None
    return Pending(
        handle, data["package"], data["company_id"],
        [Tenant(t[0], t[1]) for t in data["tenants"]], data["reconnect_id"],
        Credentials(**data["creds"]),
    )


def drop_pending(found: Pending) -> None:
    get_redis().delete(_redis_key(found.handle))
    session.pop(PENDING_SESSION_KEY, None)


def reconnecting(found: Pending) -> Connection | None:
    if found.reconnect_id is None:
        return None
    return db.session.execute(
        db.select(Connection).filter_by(id=found.reconnect_id, company_id=found.company_id)
    ).scalar_one_or_none()


def complete(found: Pending, tenant_id: str, replace: bool = False) -> Connection:
    """Save the connection for the chosen organisation.

    Reconnecting to the same organisation reuses the same row (history, mapping and links
    survive). Choosing a different one on reconnect raises ReplaceNeeded unless `replace`:
    then the old connection is disconnected (its history kept) and the new one starts fresh,
    because links to the old organisation's contacts mean nothing in the new one.
    """
    tenant = next((t for t in found.tenants if t.id == tenant_id), None)
    if tenant is None:
        raise WizardError("Choose one of the organisations listed.", package=found.package)
    old = reconnecting(found)
    if old is not None and old.tenant_id and old.tenant_id != tenant.id:
        if not replace:
            raise ReplaceNeeded(old, tenant)
        old.status = DISCONNECTED
        old.status_detail = f"Replaced by {tenant.name} on reconnecting."
        db.session.commit()
    # New connections start manual: nothing may go before the import and the mapping are done
    # (an automatic run first would create duplicates of contacts the import would link).
    # Nor is anything sent on a schedule before someone has seen the preview of what will go.
    connection = save_connection(found.company_id, found.package, found.creds, tenant,
                                 schedule="manual", sending_started=False)
    # Records the job system sent before this connection existed are waiting for it too: say
    # so now (dashboard counts, mapping), not only once a run has started.
    ensure_transfers(connection)
    drop_pending(found)
    return connection


def login_with_credentials(
    company_id: int, package: str, fields: Mapping[str, str]
) -> Pending:
    """The credentials step: the connector signs in with the person's login."""
    cls = connector_class(package)
    if not issubclass(cls, CredentialsLogin):
        raise WizardError(f"{cls.title} is not connected with a login.", package=package)
    try:
        creds = cls.login(current_app.config, dict(fields))
        tenants = cls(current_app.config, creds).tenants() or [
            Tenant(creds.tenant_id or package, creds.tenant_name or cls.title)
        ]
    except Exception as exc:  # noqa: BLE001 - told to the person connecting
        raise WizardError(f"{cls.title} did not accept that login ({exc}). Check it and "
                          "try again.", package=package) from exc
    return stash(company_id, package, creds, tenants)
