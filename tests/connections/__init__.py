"""Connect wizard tests: real OAuth against the sandbox Xero, helpers shared by them."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from app.connections.sandbox_consent import _FormFields, consent_callback
from tests.ui import csrf_from, sign_in


def org_name(prefix: str = "Org") -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def signed_in(app: Any, made: Any) -> Any:
    client = app.test_client()
    answer = sign_in(client, made.email, made.password)
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:300]
    return client


def start(client: Any, package: str = "xero") -> str:
    """Press "Sign in to <package>": the URL of the package's consent page."""
    token = csrf_from(client.get(f"/connections/new/{package}").get_data(as_text=True))
    answer = client.post(f"/connections/new/{package}", data={"csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return answer.headers["Location"]


def reconnect(client: Any, connection_id: int) -> str:
    page = client.get(f"/connections/{connection_id}/reconnect").get_data(as_text=True)
    answer = client.post(f"/connections/{connection_id}/reconnect",
                         data={"csrf_token": csrf_from(page)})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return answer.headers["Location"]


def answer_consent(url: str, decision: str = "allow", tenant_ids: list[str] | None = None,
                   organisation: str | None = None) -> dict[str, str]:
    """Answer the sandbox consent page over real HTTP, choosing exactly these organisations
    (or a new one); the parameters it sends back to our redirect URI."""
    if organisation and decision == "allow" and tenant_ids is None:
        return consent_callback(url, organisation=organisation)
    session = requests.Session()
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[:300]
    form = _FormFields()
    form.feed(page.text)
    data: dict[str, Any] = dict(form.fields)
    data["decision"] = decision
    if tenant_ids is not None:
        data["tenant_id"] = tenant_ids
    if organisation:
        data["new_organisation"] = organisation
    answer = session.post(urljoin(url, form.action or ""), data=data, allow_redirects=False,
                          timeout=30)
    assert answer.status_code in (302, 303), answer.text[:300]
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    return {key: values[0] for key, values in query.items()}


def callback(client: Any, params: dict[str, str]) -> Any:
    return client.get("/connections/oauth/callback", query_string=params)


def connect(client: Any, organisation: str) -> Any:
    """The whole sign-in step for a new sandbox organisation; the callback's answer."""
    return callback(client, answer_consent(start(client), organisation=organisation))


def text(answer: Any) -> str:
    return answer.get_data(as_text=True)
