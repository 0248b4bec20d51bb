"""The client for Ledgerlink's agent API (/agent/v1/...), over requests.

Failures come back as three kinds, because the loop treats them differently: Unauthorized (the
token is wrong or revoked: stop and say so, retrying cannot help), ServerUnavailable (connection
errors, timeouts, 5xx, 429, a body that is not JSON: back off and try again later) and
RequestRefused (any other 4xx: the server read the request and said no; nothing was written).
"""

from __future__ import annotations

import logging
from typing import Any

import requests

log = logging.getLogger(__name__)


class ApiError(Exception):
    """Base of the agent API's failures."""


class Unauthorized(ApiError):
    """401: the token is missing, wrong or revoked."""


class ServerUnavailable(ApiError):
    """The server could not be reached or could not answer; try again later."""


class RequestRefused(ApiError):
    """A 4xx other than 401: the request was read and refused."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail


class AgentApi:
    """One method per agent API call; each returns the decoded JSON answer."""

    def __init__(self, server_url: str, token: str, *, timeout: float = 30.0,
                 session: requests.Session | None = None, user_agent: str = "") -> None:
        self.base = server_url.rstrip("/") + "/agent/v1"
        self.session = session or requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}",
                                     "Accept": "application/json"})
        if user_agent:
            self.session.headers["User-Agent"] = user_agent
        # A short connect timeout finds a server that is down quickly; the read timeout is longer
        # because a lease or an ack of many records may take the server a while.
        self.timeout = (min(10.0, timeout), timeout)

    def set_instance(self, instance: str) -> None:
        """This install's own id, sent on every call: the server lets one install at a time
        lease for a connection, so a second one started by mistake is refused, not raced."""
        self.session.headers["X-Agent-Instance"] = instance

    def heartbeat(self, *, agent_version: str, sage_version: str, company_name: str,
                  last_error: str) -> dict[str, Any]:
        return self._call("POST", "heartbeat", {
            # The API is every desktop package's: Sage's version is "the package's".
            "agent_version": agent_version, "package_version": sage_version,
            "company_name": company_name, "last_error": last_error})

    def put_list(self, name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("PUT", f"lists/{name}", {name: items})

    def lease(self, max_records: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {} if max_records is None else {"max_records": max_records}
        answer = self._call("POST", "lease", body)
        if not isinstance(answer.get("records", []), list):
            raise ServerUnavailable("the lease answer's records are not a list")
        return answer

    def ack(self, batch_id: str, results: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", "ack", {"batch_id": batch_id, "results": results})

    def _call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base}/{path}"
        try:
            response = self.session.request(method, url, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ServerUnavailable(f"{method} {url}: {exc.__class__.__name__}: {exc}") from exc
        status = response.status_code
        payload = _json_or_none(response)
        words = _error_words(payload, response)
        if status == 401:
            raise Unauthorized(f"the server refused the agent token: {words}")
        if status == 429 or status >= 500:
            raise ServerUnavailable(f"{method} {url}: HTTP {status}: {words}")
        if 400 <= status < 500:
            code = payload.get("error", "") if isinstance(payload, dict) else ""
            raise RequestRefused(status, str(code or "refused"), words)
        if not isinstance(payload, dict):
            # A captive portal or proxy page answering 200 is not the server: treat it as down.
            raise ServerUnavailable(f"{method} {url}: HTTP {status} with a body that is not JSON")
        return payload


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_words(payload: Any, response: requests.Response) -> str:
    if isinstance(payload, dict):
        for key in ("message", "detail", "error"):
            if payload.get(key):
                return str(payload[key])
    return response.text[:200].strip() or response.reason or ""
