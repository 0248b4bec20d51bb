"""HTTP to FreeAgent: OAuth 2 (through Authlib, HTTP Basic client auth) and the API v2.

Every call, token calls included, carries the User-Agent FreeAgent requires (it refuses a call
without one). Ids are URLs: the connector keeps the URL FreeAgent gives as the external id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from connectors import http, wire
from connectors.base import BadReplyError
from connectors.freeagent.errors import FreeAgentUnavailableError, raise_for_status, retry_after
from connectors.oauth2 import OAuth2Provider

ACCESS_SECONDS = 3600  # FreeAgent's access tokens live an hour
PER_PAGE = 100  # FreeAgent's largest page
DEFAULT_USER_AGENT = "Ledgerlink"


def api_base(settings: Mapping[str, Any]) -> str:
    return f"{str(settings['FREEAGENT_API_URL']).rstrip('/')}/v2"


def user_agent(settings: Mapping[str, Any]) -> str:
    return str(settings.get("FREEAGENT_USER_AGENT") or "").strip() or DEFAULT_USER_AGENT


def oauth2(settings: Mapping[str, Any]) -> OAuth2Provider:
    base = api_base(settings)
    return OAuth2Provider(
        package="FreeAgent",
        owner="FreeAgent",
        server="FreeAgent's token endpoint",
        speaker="FreeAgent's token",
        client_id=str(settings["FREEAGENT_CLIENT_ID"]),
        client_secret=str(settings["FREEAGENT_CLIENT_SECRET"]),
        authorize_url=f"{base}/approve_app",
        token_url=f"{base}/token_endpoint",
        # FreeAgent documents no revoke endpoint (a user withdraws an app in FreeAgent's own
        # settings); FreeAgentConnector.revoke forgets the tokens instead of calling this.
        revocation_url="",
        scopes=(),  # FreeAgent has no scopes
        timeout=http.timeout(settings),
        lifetime=ACCESS_SECONDS,
        unavailable=FreeAgentUnavailableError,
        lost_grant_errors=("invalid_grant", "unauthorized_client", "invalid_client"),
        busy_wait=retry_after,
        headers={"User-Agent": user_agent(settings)},
    )


class FreeAgentClient(http.JsonApiClient):
    """Authenticated calls for one connection (the access token names the company)."""

    package = "FreeAgent"
    unavailable = FreeAgentUnavailableError
    dumps = staticmethod(wire.dumps)
    raise_for_status = staticmethod(raise_for_status)

    @property
    def base(self) -> str:
        return api_base(self.settings)

    def url(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> str:
        """A path under the API ("invoices") or a resource URL FreeAgent gave us, which is
        called under the configured API whatever host it names: our token goes nowhere else."""
        path = path_or_url
        if path_or_url.startswith(("http://", "https://")):
            if "/v2/" not in path_or_url:
                raise BadReplyError(f"FreeAgent named a resource outside its API: {path_or_url}")
            path = path_or_url.split("/v2/", 1)[1]
        url = f"{self.base}/{path.lstrip('/')}"
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        return url

    def request(self, method: str, path_or_url: str, params: Mapping[str, Any] | None = None,
                body: Any = None) -> dict[str, Any]:
        headers = {"User-Agent": user_agent(self.settings)}
        return self.send(method, self.url(path_or_url, params), headers, body)

    def get(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", path_or_url, params)

    def post(self, path: str, body: Any) -> dict[str, Any]:
        return self.request("POST", path, body=body)

    def put(self, path_or_url: str, body: Any = None) -> dict[str, Any]:
        return self.request("PUT", path_or_url, body=body)

    def pages(self, path: str, key: str, params: Mapping[str, Any] | None = None
              ) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, following the Link header's next page."""
        url: str | None = self.url(path, {**(params or {}), "per_page": PER_PAGE})
        while url:
            reply = self.get(url)
            yield from items(reply, key)
            url = http.next_link(self.last_headers)


def items(reply: Any, key: str) -> list[dict[str, Any]]:
    """reply[key] as a list of objects; BadReplyError otherwise."""
    found = reply.get(key) if isinstance(reply, dict) else None
    if not isinstance(found, list) or not all(isinstance(i, dict) for i in found):
        raise BadReplyError(f"FreeAgent's reply has no {key} list")
    return found


def one(reply: Any, key: str) -> dict[str, Any]:
    """reply[key] as an object with a url; BadReplyError otherwise."""
    found = reply.get(key) if isinstance(reply, dict) else None
    if not isinstance(found, dict) or not isinstance(found.get("url"), str) or not found["url"]:
        raise BadReplyError(f"FreeAgent's reply has no {key} with a url")
    return found
