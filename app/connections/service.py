"""Making and changing connections: the OAuth code exchange, tenant choice, mapping."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from flask import current_app

from app.extensions import db
from app.models import Account, AccountMapping, Connection, TaxMapping, TaxRate
from app.models.connection import CONNECTED
from connectors import connector_class
from connectors.base import Credentials, Tenant
from connectors.capabilities import OAuth2Auth, OrganisationDetails


class ConnectError(Exception):
    """Connecting failed in a way the person connecting can act on."""


def exchange_code(
    package: str, code: str, redirect_uri: str, callback: Mapping[str, str] | None = None
) -> Credentials:
    cls = connector_class(package)
    if not issubclass(cls, OAuth2Auth):
        raise ConnectError(f"{cls.title} is not connected through a sign-in page.")
    try:
        return cls.exchange_code(current_app.config, code, redirect_uri, callback=callback)
    except Exception as exc:  # noqa: BLE001 (any failure here is shown to the person connecting)
        raise ConnectError(f"{cls.title} did not accept the authorisation: {exc}") from exc


def list_tenants(package: str, creds: Credentials) -> list[Tenant]:
    cls = connector_class(package)
    return cls(current_app.config, creds).tenants()


def save_connection(
    company_id: int,
    package: str,
    creds: Credentials,
    tenant: Tenant,
    schedule: str = "automatic",
    sending_started: bool = True,
) -> Connection:
    """Store (or re-store, on reconnect) the connection for this company and organisation.

    Reconnecting keeps the same row, so history, mapping and links survive. A new connection
    made with `sending_started=False` sends nothing on its schedule until "Start sending".
    """
    connection = db.session.execute(
        db.select(Connection).filter_by(company_id=company_id, package=package, tenant_id=tenant.id)
    ).scalar_one_or_none()
    if connection is None:
        connection = Connection(company_id=company_id, package=package, schedule=schedule,
                                sending_started=sending_started)
        db.session.add(connection)
    creds = creds.with_tokens(tenant_id=tenant.id, tenant_name=tenant.name)
    connection.credentials = with_organisation_details(package, creds)
    connection.status = CONNECTED
    connection.status_detail = ""
    db.session.commit()
    return connection


def with_organisation_details(package: str, creds: Credentials) -> Credentials:
    """The credentials with what the package says about the organisation merged into extra
    (Xero's short code for its links). Unreadable just now is no reason to refuse the
    connection: the links then open without it until the next reconnect."""
    cls = connector_class(package)
    if not issubclass(cls, OrganisationDetails):
        return creds
    try:
        details = cls(current_app.config, creds).organisation_details()
    except Exception:  # noqa: BLE001 - see above
        current_app.logger.warning("could not read the %s organisation details", cls.title)
        return creds
    return creds.with_tokens(extra={**creds.extra, **details})


def set_mapping(
    connection: Connection, accounts: Mapping[str, str], tax_rates: Mapping[str, str]
) -> None:
    """Map our account and tax-rate keys to the package's codes (replacing earlier choices)."""
    ours = {
        a.key: a
        for a in db.session.execute(
            db.select(Account).filter_by(company_id=connection.company_id)
        ).scalars()
    }
    for key, code in accounts.items():
        account = ours[key]
        row = db.session.execute(
            db.select(AccountMapping).filter_by(connection_id=connection.id, account_id=account.id)
        ).scalar_one_or_none()
        if row is None:
            row = AccountMapping(connection_id=connection.id, account_id=account.id)
            db.session.add(row)
        row.package_code = code
    rates = {
        t.key: t
        for t in db.session.execute(
            db.select(TaxRate).filter_by(company_id=connection.company_id)
        ).scalars()
    }
    for key, code in tax_rates.items():
        rate = rates[key]
        row = db.session.execute(
            db.select(TaxMapping).filter_by(connection_id=connection.id, tax_rate_id=rate.id)
        ).scalar_one_or_none()
        if row is None:
            row = TaxMapping(connection_id=connection.id, tax_rate_id=rate.id)
            db.session.add(row)
        row.package_code = code
    db.session.commit()


def desktop_connection(company_id: int, package: str, placeholder: str,
                       connection: Connection | None = None) -> Connection:
    """A new connection of a desktop package, named `placeholder` ("{title} company file")
    until its desktop side says which books it is, or `connection` again (reconnected: the
    same books, history and mapping). New connections start manual and unstarted, as every
    package's do: nothing goes before the mapping and the preview."""
    from app.sync.plan import ensure_transfers

    if connection is None:
        tenant = Tenant(f"desktop-{uuid.uuid4().hex[:12]}", placeholder)
        connection = save_connection(company_id, package, Credentials(), tenant,
                                     schedule="manual", sending_started=False)
    else:
        connection.status, connection.status_detail = CONNECTED, ""
        db.session.commit()
    ensure_transfers(connection)
    return connection
