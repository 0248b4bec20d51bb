"""What every web package's HTTP layer shares: the typed failures of a whole request, telling a
request that never left from one that may have been processed, and decoding replies defensively.

A package's errors module subclasses UnavailableError (for its own name and default wait) and
keeps its own reading of error bodies; the classification here is the same for every package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import requests
from urllib3.exceptions import NewConnectionError

from connectors import wire
from connectors.base import (
    AuthLost,
    AuthLostError,
    BadReplyError,
    ConnectorError,
    Credentials,
    Outcome,
    PackageError,
    RateLimitedError,
    Rejected,
    RetryLater,
    Throttle,
    Uncertain,
)

UNREACHABLE_RETRY_SECONDS = 30.0
DEFAULT_TIMEOUT_SECONDS = 30.0


def timeout(settings: Mapping[str, Any]) -> float:
    """Seconds any one request may take (HTTP_TIMEOUT_SECONDS), 30 when unset or garbled."""
    try:
        return float(settings.get("HTTP_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT_SECONDS)
    except (TypeError, ValueError):
        return DEFAULT_TIMEOUT_SECONDS


class UnavailableError(PackageError):
    """The package did not process the request (5xx, or we never reached it): safe to resend."""

    default_after: float = 30.0  # seconds to wait when the package does not say

    def __init__(
        self, message: str, after: float | None = None, problem: str = "server error"
    ) -> None:
        super().__init__(message)
        self.after = self.default_after if after is None else after
        self.problem = problem


class MaybeSentError(ConnectorError):
    """The request may have reached the package and we lost the answer (timeout, reset)."""


class RequestRefusedError(PackageError):
    """The package refused a whole request (a 4xx other than auth and rate limits)."""

    status: int


def never_sent(exc: BaseException) -> bool:
    """True when the connection failed before any byte of the request left (refused, DNS)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if isinstance(seen, NewConnectionError) or isinstance(
            getattr(seen, "reason", None), NewConnectionError
        ):
            return True
        nxt = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = nxt or seen.__cause__ or seen.__context__
    return False


def network_error(
    exc: requests.RequestException, package: str, unavailable: type[UnavailableError]
) -> ConnectorError:
    """A failed send as the error the engine acts on: resend only what never left."""
    if never_sent(exc):
        return unavailable(
            f"could not connect to {package}: {exc}", UNREACHABLE_RETRY_SECONDS, "unreachable"
        )
    return MaybeSentError(f"no answer from {package} after sending ({type(exc).__name__}): {exc}")


def json_or_none(resp: requests.Response) -> Any:
    """The reply's JSON with amounts as Decimal (connectors/wire.py); None if it is not JSON."""
    try:
        return wire.loads(resp.content)
    except ValueError:
        return None


def next_link(headers: Mapping[str, str]) -> str | None:
    """The rel="next" address of a reply's Link header (RFC 8288), None on the last page."""
    for link in requests.utils.parse_header_links(headers.get("Link", "")):
        if "next" in str(link.get("rel", "")).split() and link.get("url"):
            return str(link["url"])
    return None


def retry_after(headers: Mapping[str, str], default: float, longest: float) -> float:
    """The Retry-After header in seconds; `default` when absent, garbled or beyond `longest`."""
    try:
        value = float(headers.get("Retry-After", ""))
    except ValueError:
        return default
    return value if 0 <= value < longest else default


def whole_request_outcome(
    exc: Exception, refused: type[RequestRefusedError], rate_problem: str
) -> Outcome:
    """The one outcome every record of a request gets when the whole request failed."""
    if isinstance(exc, AuthLostError):
        return AuthLost(str(exc))
    if isinstance(exc, RateLimitedError):
        return RetryLater(exc.after, exc.problem or rate_problem)
    if isinstance(exc, UnavailableError):
        return RetryLater(exc.after, exc.problem)
    if isinstance(exc, MaybeSentError | BadReplyError):
        return Uncertain(str(exc))
    if isinstance(exc, refused):
        # Refused as a whole: the package created nothing. (Batch sends classify per record.)
        return Rejected("validation", str(exc), None, {"status": str(exc.status)})
    # Anything else escaped our own code after the request went out: never claim it failed.
    return Uncertain(f"{type(exc).__name__}: {exc}")


class JsonApiClient:
    """Authenticated JSON calls for one connection, each throttled first (the engine's shared
    per-connection budget), sent with the configured timeout and decoded defensively: a
    package's replies are untrusted input. Subclasses add the package's URLs and headers."""

    package: ClassVar[str]  # in messages: "QuickBooks Online"
    unavailable: ClassVar[type[UnavailableError]]
    # The package's JSON text for a body, and its typed error for a reply that is no success.
    dumps: ClassVar[Callable[[Any], str]]
    raise_for_status: ClassVar[Callable[[int, Mapping[str, str], Any, str], None]]

    def __init__(
        self,
        settings: Mapping[str, Any],
        credentials: Credentials,
        throttle: Throttle,
        session: requests.Session,
    ) -> None:
        self.settings = settings
        self.credentials = credentials
        self.throttle = throttle
        self.session = session
        self.calls = 0  # requests actually sent, for the tests and benchmarks
        # The headers of the last reply, for what a package says only there (the next page of
        # a list in a Link header); empty until a reply came.
        self.last_headers: Mapping[str, str] = {}
        # Run before each request, after the throttle: the engine swaps in credentials that
        # are good for the call (connectors.base.Connector.before_each_call).
        self.before_send: Callable[[], None] | None = None

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: Any = None,
        expected: type = dict,
        what: str = "object",
        batch: bool = False,
    ) -> Any:
        """One call to a full `url` (query included); its JSON when that is an `expected`
        (a JSON `what`, in the message otherwise), after the package's raise_for_status."""
        data = None
        if body is not None:
            data = self.dumps(body).encode()
        # May raise RateLimitedError: nothing sent yet. Plain throttles take no `batch`.
        done = self.throttle(batch=True) if batch else self.throttle()
        if self.before_send is not None:
            try:
                self.before_send()  # may refresh the token: read it only afterwards
            except BaseException:
                if done is not None:
                    done()
                raise
        sent = {
            "Authorization": f"Bearer {self.credentials.access_token}",
            "Accept": "application/json",
            **headers,
        }
        if data is not None:
            sent["Content-Type"] = "application/json"
        self.calls += 1
        try:
            resp = self.session.request(
                method, url, headers=sent, data=data, timeout=timeout(self.settings)
            )
        except requests.RequestException as exc:
            raise network_error(exc, self.package, self.unavailable) from exc
        finally:
            if done is not None:
                done()
        self.last_headers = resp.headers
        parsed = json_or_none(resp)
        self.raise_for_status(resp.status_code, resp.headers, parsed, resp.text)
        if not isinstance(parsed, expected):
            raise BadReplyError(
                f"{self.package} answered {resp.status_code} to {method} {url.split('?')[0]} "
                f"with something other than a JSON {what}: {resp.text[:200]!r}"
            )
        return parsed
