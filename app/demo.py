"""The scripted demo: a UK VAT-registered company connected to a sandbox tenant of every
registered package (each declares its tenant and chart mapping in connectors/<key>/demo.py).

Idempotent: running it again, or twice at once, reuses the company, its login and its own
connections, whatever else a user connected. A demo password someone changed is left alone, and
each run issues a new API key and revokes the ones it printed before.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from flask import Flask, current_app

from app.companies import create_company
from app.connections import oauth_state
from app.connections.sandbox_consent import consent_callback, with_login_hint
from app.connections.service import exchange_code, list_tenants, save_connection, set_mapping
from app.demo_records import generate
from app.extensions import db
from app.models import ApiKey, Company, Connection, Membership, User
from app.models.company import utcnow
from app.models.connection import CONNECTED
from connectors import connector_class, package_keys, package_module
from connectors.base import Credentials, Tenant
from connectors.capabilities import CredentialsLogin
from connectors.demo_setup import DemoSetup

DEMO_COMPANY = "Acme Heating Ltd (demo)"
DEMO_EMAIL = "demo@ledgerlink.example"
DEMO_KEY_NAME = "demo"
DEMO_PASSWORD = "ledgerlink-demo"  # noqa: S105 (a published demo login, sandbox only)


def demo_setup(package: str) -> DemoSetup:
    """The package's own demo declaration (connectors/<key>/demo.py)."""
    return package_module(package, "demo").DEMO


def redirect_uri() -> str:
    return f"{current_app.config['BASE_URL']}/connections/oauth/callback"


def _server_up(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _serve_temporarily(app: Flask) -> Any:
    """The OAuth dance needs the sandbox over HTTP; serve it ourselves if nobody does."""
    from werkzeug.serving import make_server

    base = app.config["BASE_URL"]
    host, port = base.split("://", 1)[1].split(":")
    server = make_server(host, int(port), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def connect_sandbox(package: str, company_id: int, tenant_name: str) -> Connection:
    """Connect a new sandbox tenant of `package` through the consent page and the code
    exchange (or, for a package signed into with a form, its login), exactly as a person
    would, and map our chart to the demo's."""
    cls = connector_class(package)
    setup = demo_setup(package)
    if cls.auth_kind in ("web_connector", "agent"):
        return _connect_desktop_sandbox(package, setup, company_id, tenant_name)
    if issubclass(cls, CredentialsLogin):
        creds, tenant = _log_in_to_sandbox(package, setup, company_id, tenant_name)
        connection = save_connection(company_id, package, creds, tenant)
        set_mapping(connection, setup.accounts, setup.tax_rates)
        return connection
    # The login hint names the company's sandbox account: the sandbox offers only its tenants.
    state = oauth_state.remember(company_id, package)
    url = with_login_hint(cls.authorization_url(current_app.config, redirect_uri(), state),
                          company_id)
    callback = consent_callback(url, organisation=tenant_name)
    creds = exchange_code(package, callback["code"], redirect_uri(), callback=callback)
    tenant = setup.pick_tenant(list_tenants(package, creds), callback, tenant_name)
    connection = save_connection(company_id, package, creds, tenant)
    set_mapping(connection, setup.accounts, setup.tax_rates)
    return connection


def _desktop_login(package: str, company_id: int) -> tuple[Connection, str, str]:
    """The wizard's desktop step, as an admin would take it: the connection, and the user
    and secret its desktop side signs in with (the Web Connector's password, the agent's
    token)."""
    if connector_class(package).auth_kind == "agent":
        from app.agent.setup import set_up as set_up_agent

        agent = set_up_agent(company_id, package)
        return agent.connection, agent.client.username, agent.token
    from app.webconnector.setup import set_up

    made = set_up(company_id, package)
    return made.connection, made.client.username, made.password


def _connect_desktop_sandbox(package: str, setup: DemoSetup, company_id: int,
                             tenant_name: str) -> Connection:
    """The wizard's desktop step and a simulated company for the simulated desktop side
    (sandbox mode runs it, app/desktop_simulators.py) to sign in with: its secret is kept,
    encrypted, with the connection, as the desktop side keeps it on its PC. Sandbox only: a
    real connection keeps only the secret's hash."""
    if setup.desktop_company is None:
        raise RuntimeError(f"connectors/{package}/demo.py: a package collected from a desktop "
                           "declares DEMO.desktop_company")
    connection, username, secret = _desktop_login(package, company_id)
    place = setup.desktop_company(current_app.config, company_id, tenant_name)
    creds = connection.credentials
    connection.credentials = creds.with_tokens(
        tenant_name=tenant_name,
        extra={**creds.extra, **place, "sandbox_username": username,
               "sandbox_password": secret})
    connection.tenant_name = tenant_name
    # As every demo connection: mapped, on the automatic schedule and sending.
    connection.schedule, connection.sending_started = "automatic", True
    db.session.commit()
    set_mapping(connection, setup.accounts, setup.tax_rates)
    return connection


def _log_in_to_sandbox(package: str, setup: DemoSetup, company_id: int,
                       tenant_name: str) -> tuple[Credentials, Tenant]:
    """A new sandbox user made for this company, then the wizard's sign-in with its login."""
    if setup.sandbox_login is None:
        raise RuntimeError(f"connectors/{package}/demo.py: a package signed into with a form "
                           "declares DEMO.sandbox_login")
    cls = connector_class(package)
    fields = setup.sandbox_login(current_app.config, company_id, tenant_name)
    creds = cls.login(current_app.config, fields)  # type: ignore[attr-defined]
    tenants = cls(current_app.config, creds).tenants() or [
        Tenant(creds.tenant_id or tenant_name, creds.tenant_name or tenant_name)]
    return creds, setup.pick_tenant(tenants, {}, tenant_name)


def _post_sample_records(api_key: str) -> None:
    """A few weeks of a small heating business, sent in through the inbound API like a job
    system would, so the dashboard has something to show from the first minute."""
    base = current_app.config["BASE_URL"]
    headers = {"Authorization": f"Bearer {api_key}"}
    # A short prefix: QuickBooks Desktop holds an invoice number in 11 characters (D-INV-00001).
    records = generate(customers=6, invoices=12, payments=5, credit_notes=1, prefix="D-")
    # One invoice whose stated total disagrees with its lines, so a new user sees how a
    # problem is explained before anything reaches the package.
    records.append(("invoices", {
        "source_id": "D-I-TYPO", "number": "D-INV-TYPO", "customer_source_id": "D-C00000",
        "date": "2026-11-02", "amounts_are": "exclusive", "total": 150.00,
        "reference": "Radiator swap (total typed by hand)",
        "lines": [{"description": "Radiator swap", "quantity": 1, "unit_price": 120.00,
                   "account": "sales", "tax_rate": "standard"}],
    }))
    for path, body in records:
        answer = requests.post(f"{base}/api/v1/{path}", json=body, headers=headers, timeout=30)
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"demo record refused: {path} {answer.status_code} {answer.text}")


def ensure_demo(app: Flask) -> dict[str, Any]:
    # Two `flask demo` runs at once would each see no demo yet and each make one: the lock
    # lives in Redis so it holds across processes (and machines). It is taken before the
    # temporary server starts, so two runs never race for its port either.
    from app.redis_conn import get_redis

    with get_redis().lock("ledgerlink:demo", timeout=600, blocking_timeout=600):
        server = None
        if not _server_up(app.config["BASE_URL"]):
            server = _serve_temporarily(app)
        try:
            return _ensure_demo()
        finally:
            if server is not None:
                server.shutdown()


def _issue_demo_key(company_id: int) -> str:
    """A fresh API key for this run, and every demo key issued before revoked: the key is
    printed to a terminal and often pasted around, so an old printout must stop working."""
    now = utcnow()
    for old in db.session.execute(
        db.select(ApiKey).filter_by(company_id=company_id, name=DEMO_KEY_NAME,
                                    revoked_at=None)
    ).scalars():
        old.revoked_at = now
    key, raw = ApiKey.issue(company_id, name=DEMO_KEY_NAME)
    db.session.add(key)
    return raw


def _ensure_demo_login(company_id: int) -> bool:
    """The demo user is an admin of the demo company; returns whether the published password
    still signs in. A password someone changed is theirs: putting the published one back would
    reopen the account to anyone who read the README."""
    user = db.session.execute(db.select(User).filter_by(email=DEMO_EMAIL)).scalar_one_or_none()
    if user is None:
        user = User(email=DEMO_EMAIL, name=DEMO_EMAIL.split("@")[0])
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    db.session.flush()
    membership = db.session.execute(
        db.select(Membership).filter_by(user_id=user.id, company_id=company_id)
    ).scalar_one_or_none()
    if membership is None:
        membership = Membership(user_id=user.id, company_id=company_id)
        db.session.add(membership)
    membership.role = "admin"
    return user.check_password(DEMO_PASSWORD)


def _demo_connection(company_id: int, package: str, tenant_name: str) -> Connection | None:
    """The demo's own connection to `package`: a user may have connected other organisations
    of the same package to the demo company, and those are not the demo's."""
    rows = db.session.execute(
        db.select(Connection)
        .filter_by(company_id=company_id, package=package, tenant_name=tenant_name)
        .order_by(Connection.id)
    ).scalars().all()
    connected = [c for c in rows if c.status == CONNECTED]
    return connected[0] if connected else None


def _ensure_demo() -> dict[str, Any]:
    company = db.session.execute(
        db.select(Company).filter_by(name=DEMO_COMPANY).order_by(Company.id)
    ).scalars().first()
    new = company is None
    if company is None:
        made = create_company(DEMO_COMPANY, DEMO_EMAIL, DEMO_PASSWORD, role="admin")
        company = made.company
        # Only the demo key is printed; a second, never-shown key would be a loose end.
        db.session.execute(db.delete(ApiKey).filter_by(company_id=company.id))
    api_key = _issue_demo_key(company.id)
    published_password_works = _ensure_demo_login(company.id)
    db.session.commit()
    connections: dict[str, Connection] = {}
    for package in package_keys():
        name = demo_setup(package).tenant_name
        connections[package] = (_demo_connection(company.id, package, name)
                                or connect_sandbox(package, company.id, name))
    if new:
        _post_sample_records(api_key)
    from app.sync.tokens import fresh_credentials

    return {
        "company_id": company.id,
        "api_key": api_key,
        # None once someone changed the demo password: we no longer know it.
        "login": {"email": DEMO_EMAIL,
                  "password": DEMO_PASSWORD if published_password_works else None},
        "connections": {package: c.id for package, c in connections.items()},
        "sandbox": {
            package: demo_setup(package).sandbox_details(current_app.config,
                                                         fresh_credentials(c))
            for package, c in connections.items()
        },
    }
