"""The audit trail: every request to a package and its answer, with secrets taken out."""

from __future__ import annotations

import re
from typing import Any

import requests

MAX_BODY = 8000
SECRET_HEADERS = {"authorization", "cookie", "set-cookie", "proxy-authorization"}
SECRET_FIELDS = re.compile(
    r'("?(?:access_token|refresh_token|id_token|client_secret|password|Password|'
    r'memorable_word|SessionToken)"?\s*[:=]\s*)("[^"]*"|[^&\s,}]+)'
)


def redact(text: str) -> str:
    return SECRET_FIELDS.sub(r'\1"[redacted]"', text)


def _body(data: Any) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    text = redact(str(data))
    return text if len(text) <= MAX_BODY else text[:MAX_BODY] + f"... ({len(text)} characters)"


class ExchangeLog:
    """A requests response hook that keeps what went out and what came back."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        req = response.request
        headers = "\n".join(
            f"{k}: {'[redacted]' if k.lower() in SECRET_HEADERS else v}"
            for k, v in req.headers.items()
        )
        self.entries.append(
            (
                f"{req.method} {req.url}\n{headers}\n\n{_body(req.body)}",
                f"{response.status_code} {response.reason}\n{_body(response.text)}",
            )
        )

    def install(self, session: requests.Session) -> None:
        session.hooks.setdefault("response", []).append(self.hook)

    def take(self) -> tuple[str, str]:
        """(requests, responses) since the last take, oldest first."""
        sent = "\n\n".join(e[0] for e in self.entries)
        answers = "\n\n".join(e[1] for e in self.entries)
        self.entries.clear()
        return sent, answers
