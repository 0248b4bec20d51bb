"""Optional features are declared by type (connectors.capabilities), and the app finds them
by type: a package is offered what it declares, a half-declared feature fails where the
connector is written, and push and pull packages share everything but the sending."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

import connectors
from app.connections.wizard import steps_for
from connectors.base import (
    Connector,
    Credentials,
    Outcome,
    PushConnector,
    RecordKind,
    Rejected,
)
from connectors.capabilities import (
    CreatesServiceItems,
    CredentialsLogin,
    ImportsContacts,
    ListsInvoices,
    OAuth2Auth,
    OrganisationDetails,
    PullConnector,
    PullItem,
    SetupPage,
    WebPages,
)
from connectors.quickbooks_online import QuickBooksOnlineConnector
from connectors.xero import XeroConnector
from tests.connections import signed_in, text
from tests.ui import csrf_from

FEATURES = ("can_import", "credential_fields", "login", "setup_endpoint", "revoke",
            "create_service_item", "web_page", "invoices_of", "organisation_details")


def _declared(cls: type) -> set[str]:
    every = (OAuth2Auth, CredentialsLogin, SetupPage, ImportsContacts, OrganisationDetails,
             WebPages, ListsInvoices, CreatesServiceItems, PushConnector)
    return {c.__name__ for c in every if issubclass(cls, c)}


def test_each_package_declares_what_it_can_do() -> None:
    assert _declared(connectors.connector_class("xero")) == {
        "OAuth2Auth", "ImportsContacts", "OrganisationDetails", "WebPages", "ListsInvoices",
        "PushConnector"}
    assert _declared(connectors.connector_class("quickbooks_online")) == {
        "OAuth2Auth", "ImportsContacts", "WebPages", "ListsInvoices", "CreatesServiceItems",
        "PushConnector"}


def test_a_declared_feature_left_unwritten_fails_where_the_connector_is_written() -> None:
    class Forgetful(CreatesServiceItems, XeroConnector):  # declares it, never writes it
        key = "forgetful"

    with pytest.raises(TypeError, match="create_service_item"):
        Forgetful({}, _creds())


def _creds() -> Credentials:
    return Credentials(access_token="a", tenant_id="t")


class _QbxmlLike(PullConnector):
    """The shape of a pull package: the shared lists, and render/read instead of push."""

    key = "pull_shape"
    title = "Pull Shape"

    def accounts(self):  # type: ignore[no-untyped-def]
        return []

    def tax_rates(self):  # type: ignore[no-untyped-def]
        return []

    def contacts(self):  # type: ignore[no-untyped-def]
        return []

    def render_request(self, kind: RecordKind, stage: str, items: Sequence[PullItem]) -> str:
        return "".join(f"<Add>{i.record.reference}</Add>" for i in items)

    def read_answer(self, kind: RecordKind, stage: str, items: Sequence[PullItem],
                    answer: str) -> list[Outcome]:
        return [Rejected("validation", answer) for _ in items]


def test_pull_packages_share_the_interface_and_differ_only_in_sending() -> None:
    pull = _QbxmlLike({}, _creds())
    assert isinstance(pull, PullConnector) and isinstance(pull, Connector)
    assert not isinstance(pull, PushConnector)
    xero = XeroConnector({"XERO_API_URL": "http://127.0.0.1:9"}, _creds())
    assert isinstance(xero, PushConnector) and not isinstance(xero, PullConnector)
    # What a pull package must not need: push, find, complete.
    assert not {"push", "find", "complete"} & set(dir(pull))


def test_the_import_step_is_for_packages_that_declare_it() -> None:
    assert "import" in [s.key for s in steps_for(XeroConnector)]
    assert "import" in [s.key for s in steps_for(QuickBooksOnlineConnector)]
    assert "import" not in [s.key for s in steps_for(_QbxmlLike)]


@pytest.fixture
def sign_in_shapes(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(connectors._REGISTRY, "xero_login",
                        "tests.connections.packages:LoginXero")
    monkeypatch.setitem(connectors._REGISTRY, "xero_no_sign_in",
                        "tests.connections.packages:NoSignInXero")


def test_a_login_form_is_offered_only_by_a_credentials_login(
    app, live_url, make_company, sign_in_shapes
) -> None:
    client = signed_in(app, make_company())
    offered = text(client.get("/connections/new/xero_login"))
    assert 'name="username"' in offered and 'type="password"' in offered
    missing = text(client.get("/connections/new/xero_no_sign_in"))
    assert "Connecting Formless Books is not available yet." in missing
    assert 'name="username"' not in missing
    refused = client.post("/connections/new/xero_no_sign_in",
                          data={"csrf_token": csrf_from(offered), "username": "u"})
    assert refused.status_code == 409


def test_the_app_looks_for_no_feature_by_name() -> None:
    """The capabilities replace duck typing: no getattr/hasattr of a connector feature."""
    pattern = re.compile(r"(getattr|hasattr)\([^)]*[\"'](" + "|".join(FEATURES) + r")[\"']")
    root = Path(__file__).resolve().parents[2] / "app"
    found = [f"{p.relative_to(root)}:{n}" for p in root.rglob("*.py")
             for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []
