"""Clicking "Allow" on a package sandbox's consent page, the way a person would.

Used by the demo command and the tests, so a sandbox connection is made through the very same
authorisation-code path as a real one. Every sandbox's consent page follows one convention: a
form whose inputs carry the request, a `decision` button with the value "allow", and an optional
`new_organisation` field to create a fresh organisation.

Which organisations a sandbox's consent page lists is the sandbox's business, as at a real
package: it shows the account named by OpenID Connect's `login_hint`. In sandbox mode the app
names each company's own account there (`with_login_hint`), so one company's consent never lists
another's organisations and the demo finds its own again.
"""

from __future__ import annotations

import hashlib
import hmac
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import requests
from flask import current_app


def login_hint(company_id: int) -> str:
    """The company's sandbox account: derived with our secret key, so it cannot be guessed from
    a company id, and stable, so every sign-in of the company (the demo's too) finds it."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"ledgerlink sandbox account {company_id}".encode(), hashlib.sha256)
    return f"ledgerlink-{digest.hexdigest()[:32]}"


def with_login_hint(url: str, company_id: int) -> str:
    """`url` (a package's authorisation URL) naming the company's account, in sandbox mode
    only: a real package has no account of that name."""
    if not current_app.config.get("SANDBOX_MODE"):
        return url
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    hint = urlencode({"login_hint": login_hint(company_id)})
    return urlunsplit(parts._replace(query=query + hint))


class _FormFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.action: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action") or ""
        if tag in ("input", "select") and a.get("name") and a.get("type") != "submit":
            self.fields.setdefault(a["name"] or "", a.get("value") or "")
        if tag == "option" and a.get("value") and self.fields.get("tenant_id", None) == "":
            self.fields["tenant_id"] = a["value"] or ""


def consent(authorize_url: str, organisation: str | None = None, timeout: float = 30) -> str:
    """Approve the request at `authorize_url`; return the authorisation code."""
    return consent_callback(authorize_url, organisation, timeout)["code"]


def consent_callback(
    authorize_url: str, organisation: str | None = None, timeout: float = 30,
    tenant_id: str | None = None,
) -> dict[str, str]:
    """Approve the request; return every parameter the package sends to our redirect URI.
    `organisation` creates a fresh one; `tenant_id` chooses one already there."""
    session = requests.Session()
    page = session.get(authorize_url, timeout=timeout)
    if page.status_code != 200:
        raise RuntimeError(f"the consent page answered {page.status_code}: {page.text[:300]}")
    form = _FormFields()
    form.feed(page.text)
    if form.action is None:
        raise RuntimeError(f"no consent form on the page: {page.text[:300]}")
    data = dict(form.fields)
    data["decision"] = "allow"
    if organisation:
        data["new_organisation"] = organisation
    if tenant_id:
        data["tenant_id"] = tenant_id
    answer = session.post(
        urljoin(authorize_url, form.action) if form.action else authorize_url,
        data=data,
        allow_redirects=False,
        timeout=timeout,
    )
    location = answer.headers.get("Location", "")
    query = parse_qs(urlsplit(location).query)
    if "code" not in query:
        raise RuntimeError(f"consent did not return a code: {answer.status_code} {location}")
    return {key: values[0] for key, values in query.items()}
