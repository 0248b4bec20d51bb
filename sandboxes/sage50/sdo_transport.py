"""The simulated SDO objects' link to the company simulator (server.py): one HTTP session per
connected workspace, and how its answers become SDO's outcomes. A refusal (4xx) is Sage saying
no: LastError is set and the caller answers False. No answer, or a 5xx, means the outcome is
unknown (the write may have happened), so it raises SDOError, as a COM call fails with an
exception. Only `requests` and the stdlib: this runs in the agent's process.
"""

from __future__ import annotations

from typing import Any

import requests

SDO_ERR_NONE = 0
SDO_ERR_REFUSED = 1  # (unverified) the simulator's codes; real SDO numbers its errors itself
SDO_ERR_LOCKED = 2
TIMEOUT = (5, 30)  # connect, read: seconds


class SDOError(Exception):
    """What a failing COM call raises (pywintypes.com_error on Windows): `Text` its words."""

    def __init__(self, text: str, code: int = SDO_ERR_REFUSED) -> None:
        super().__init__(text)
        self.Text, self.Code = text, code


class LastError:
    """engine.LastError: the last refusal's words ("" after a success)."""

    def __init__(self) -> None:
        self.Text, self.Code, self.Field = "", SDO_ERR_NONE, ""

    def set(self, text: str, code: int = SDO_ERR_REFUSED, field: str = "") -> None:
        self.Text, self.Code, self.Field = text, code, field

    def clear(self) -> None:
        self.set("", SDO_ERR_NONE, "")


class Link:
    """A connected workspace's HTTP session to one company."""

    def __init__(self, data_path: str, username: str, password: str,
                 last_error: LastError) -> None:
        self.base = data_path.rstrip("/")
        self.session = requests.Session()
        self.session.auth = (username, password)
        self.last_error = last_error
        self.open = True

    def close(self) -> None:
        self.open = False
        self.session.close()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None,
             params: dict[str, str] | None = None) -> dict[str, Any] | None:
        """The answer's JSON when the simulator accepted the call; None when it refused it
        (LastError then says why). Raises SDOError when there is no telling."""
        if not self.open:
            raise self._raise("Not connected: the workspace has been disconnected")
        try:
            answer = self.session.request(method, self.base + path, json=body, params=params,
                                          timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise self._raise(f"Sage 50 did not answer: {exc}") from exc
        try:
            data = answer.json()
        except ValueError:
            data = None
        if answer.status_code >= 500 or not isinstance(data, dict):
            raise self._raise(f"Sage 50 failed (HTTP {answer.status_code}); the outcome is "
                              "unknown")
        if answer.status_code < 300:
            self.last_error.clear()
            return data
        self.last_error.set(*refusal_words(answer.status_code, data))
        return None

    def _raise(self, text: str) -> SDOError:
        self.last_error.set(text)
        return SDOError(text)


def refusal_words(status: int, data: dict[str, Any]) -> tuple[str, int, str]:
    """LastError's text, code and field for a refused call."""
    if status == 404 and data.get("error") == "unknown_company":
        return "Invalid data path: no Sage 50 company there", SDO_ERR_REFUSED, ""
    if status == 423:
        return str(data.get("detail") or "Sage 50 is locked by another user"), \
            SDO_ERR_LOCKED, ""
    detail = str(data.get("detail") or data.get("error") or f"HTTP {status}")
    return detail, SDO_ERR_REFUSED, str(data.get("field") or "")
