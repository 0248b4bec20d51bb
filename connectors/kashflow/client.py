"""HTTP to KashFlow's REST API v2 with a session token (`Authorization: KfToken <token>`).

KashFlow has no OAuth: login.py signs in with the user's own login and gets a session token,
which dies after an hour without calls (unverified: KashFlow's docs say "60 minutes of
inactivity"). Every call here is throttled first (the engine's budget), reads the token only
after the engine's before-each-call hook (which may have logged in again), and tells the
connector when it succeeded, so the session's expiry slides forward with use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

import requests

from connectors import http, wire
from connectors.base import BadReplyError, Credentials, Throttle
from connectors.kashflow.errors import KashFlowUnavailableError, raise_for_status

WRITES = ("POST", "PUT")
PER_PAGE = 100  # KashFlow's largest page (the wire contract: more is a ValidationError)


def api_base(settings: Mapping[str, Any]) -> str:
    return str(settings["KASHFLOW_API_URL"]).rstrip("/")


def under_api(base: str, path_or_url: str) -> str:
    """A path under the API ("invoices") or an address KashFlow gave us (NextPageUrl), always
    called under the configured API whatever host it names: our token goes nowhere else."""
    path = path_or_url
    if path_or_url.startswith(("http://", "https://")):
        if "/v2/" not in path_or_url:
            raise BadReplyError(f"KashFlow named an address outside its API: {path_or_url}")
        path = path_or_url.split("/v2/", 1)[1]
    return f"{base}/{path.lstrip('/')}"


class KashFlowClient:
    """Authenticated calls for one connection (the session token names the company)."""

    package = "KashFlow"

    def __init__(self, settings: Mapping[str, Any], credentials: Credentials,
                 throttle: Throttle, session: requests.Session) -> None:
        self.settings = settings
        self.credentials = credentials
        self.throttle = throttle
        self.session = session
        self.calls = 0  # requests actually sent, for the tests and benchmarks
        # Run before each request, after the throttle (connectors.base before_each_call).
        self.before_send: Callable[[], None] | None = None
        # Run after each request KashFlow answered with success: the session lives on.
        self.after_success: Callable[[], None] | None = None

    @property
    def base(self) -> str:
        return api_base(self.settings)

    def url(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> str:
        url = under_api(self.base, path_or_url)
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        return url

    def request(self, method: str, path_or_url: str, params: Mapping[str, Any] | None = None,
                body: Any = None) -> dict[str, Any]:
        """One call; its JSON object, after raise_for_status. Anything but a JSON object fails
        loudly with KashFlow's own text (BadReplyError), never a guessed record."""
        url = self.url(path_or_url, params)
        data = wire.dumps(body).encode() if body is not None else None
        done = self.throttle()  # may raise RateLimitedError: nothing sent yet
        if self.before_send is not None:
            try:
                self.before_send()  # may log in again: read the token only afterwards
            except BaseException:
                if done is not None:
                    done()
                raise
        headers = {"Authorization": f"KfToken {self.credentials.access_token}",
                   "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        self.calls += 1
        try:
            resp = self.session.request(method, url, headers=headers, data=data,
                                        timeout=http.timeout(self.settings))
        except requests.RequestException as exc:
            raise http.network_error(exc, self.package, KashFlowUnavailableError) from exc
        finally:
            if done is not None:
                done()
        parsed = http.json_or_none(resp)
        if (method in WRITES and resp.status_code >= 500
                and not (resp.status_code == 503 and "Retry-After" in resp.headers)):
            # A server error in answer to a write may come after KashFlow made the record
            # (it has no idempotency key): find() decides before anything is sent again. A 503
            # that names a wait is KashFlow saying it did not take the request.
            raise http.MaybeSentError(
                f"KashFlow answered {resp.status_code} to {method} {url.split('?')[0]} after "
                f"the request was sent: {resp.text[:300]!r}")
        raise_for_status(resp.status_code, resp.headers, parsed, resp.text)
        if self.after_success is not None:
            self.after_success()
        if not isinstance(parsed, dict):
            raise BadReplyError(
                f"KashFlow answered {resp.status_code} to {method} {url.split('?')[0]} with "
                f"something other than a JSON object: {resp.text[:300]!r}")
        return parsed

    def get(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", path_or_url, params)

    def post(self, path: str, body: Any) -> dict[str, Any]:
        return self.request("POST", path, body=body)

    def put(self, path: str, body: Any) -> dict[str, Any]:
        return self.request("PUT", path, body=body)

    def pages(self, path: str, params: Mapping[str, Any] | None = None
              ) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, following MetaData.NextPageUrl."""
        url: str | None = self.url(path, {**(params or {}), "page": 1, "perpage": PER_PAGE})
        seen: set[str] = set()
        while url:
            if url in seen:  # a next page that points back would loop for ever
                raise BadReplyError(f"KashFlow's list {path} points back to a page it gave")
            seen.add(url)
            reply = self.get(url)
            yield from data_of(reply, path)
            url = next_page(reply)


def data_of(reply: Any, what: str) -> list[dict[str, Any]]:
    """reply["Data"] as a list of objects; BadReplyError otherwise."""
    found = reply.get("Data") if isinstance(reply, dict) else None
    if not isinstance(found, list) or not all(isinstance(i, dict) for i in found):
        raise BadReplyError(f"KashFlow's reply to {what} has no Data list: {str(reply)[:300]}")
    return found


def next_page(reply: Mapping[str, Any]) -> str | None:
    meta = reply.get("MetaData")
    link = meta.get("NextPageUrl") if isinstance(meta, dict) else None
    return link if isinstance(link, str) and link else None


def number_of(reply: Any, what: str) -> int:
    """The Number KashFlow gave a document or payment; BadReplyError (with the reply) if none."""
    number = reply.get("Number") if isinstance(reply, dict) else None
    if isinstance(number, bool) or not isinstance(number, int):
        raise BadReplyError(f"KashFlow's reply to the {what} has no Number: {str(reply)[:300]}")
    return number
