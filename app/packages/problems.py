"""A failed read from the package (its contacts, its lists), said in words with what to do.

The Linking and Mapping pages read different things but fail the same ways; `what` names the
thing read ("contacts") and `button` the page's button to try again ("Refresh contacts").
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from app.dashboard.phrases import fix_url
from app.models import Connection
from connectors import connector_class
from connectors.base import AuthLostError, RateLimitedError


@dataclass
class Problem:
    """Why the package could not be read, and what to do (with a link where one helps)."""

    text: str
    link_text: str = ""
    link_url: str | None = None


def read_problem(connection: Connection, exc: Exception, what: str, button: str) -> Problem:
    title = connector_class(connection.package).title
    if isinstance(exc, AuthLostError):
        return Problem(
            f"{title} no longer accepts Ledgerlink’s access, so we cannot read its {what} (and "
            "nothing can be sent). Reconnect it to carry on.",
            f"Reconnect {title}", fix_url("connections.reconnect", connection_id=connection.id))
    if isinstance(exc, RateLimitedError):
        return Problem(
            f"{title} asked us to wait {max(1, round(exc.after))} seconds before asking again "
            f"(too many calls). Press {button} after that.")
    if isinstance(exc, requests.RequestException):
        return Problem(f"We could not reach {title}. Check back in a few minutes and press "
                       f"{button}.")
    return Problem(f"{title} did not give us its {what}: {exc}. Press {button} to try "
                   "again; if it keeps happening, tell support.")
