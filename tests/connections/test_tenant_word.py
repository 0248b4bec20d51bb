"""The wizard names the books a sign-in reaches in each package's own word (Xero's organisation,
QuickBooks' company, Sage's business), not one word for all."""

from __future__ import annotations

from typing import Any

import pytest

from app.connections import wizard
from connectors import connector_class, package_keys
from tests.connections import signed_in


@pytest.mark.parametrize("key", package_keys())
def test_the_choose_step_uses_the_packages_word(app: Any, key: str) -> None:
    cls = connector_class(key)
    with app.test_request_context():
        choice = wizard.package_choice(key)
    assert choice.tenant_word == cls.tenant_word
    if cls.auth_kind in ("oauth2", "credentials"):
        labels = [s.label for s in choice.steps]
        assert f"Choose the {cls.tenant_word}" in labels, labels


def test_the_connect_page_says_the_word(app: Any, make_company: Any) -> None:
    client = signed_in(app, make_company())
    for key in package_keys():
        cls = connector_class(key)
        if cls.auth_kind != "oauth2":
            continue
        page = client.get(f"/connections/new/{key}")
        assert page.status_code == 200
        assert f"pick the {cls.tenant_word} whose" in page.get_data(as_text=True)
