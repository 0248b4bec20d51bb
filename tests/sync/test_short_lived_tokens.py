"""Access tokens that die in the middle of a run (Sage Accounting's live five minutes): every
call to the package gets credentials good for it, refreshed ahead of expiry, so the run ends
with everything sent once and no "reconnect needed". A real RQ worker, the Xero connector and
the Xero sandbox over HTTP, told to issue tokens that live well inside the refresh margin."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import request, request_finished

from app.sync.tokens import REFRESH_MARGIN_SECONDS
from tests.sync.test_engine_scenarios import (
    _connection,
    _customer,
    _invoice,
    _invoice_numbers,
    _refresh_calls,
    _send_and_wait,
)

TOKEN_SECONDS = 30  # shorter than the margin: each token is due for renewal before any call


@contextmanager
def _refused_calls(app: Any) -> Iterator[list[str]]:
    """Every API call the sandbox answered 401 (the sandbox is served by this process)."""
    refused: list[str] = []

    def _seen(sender: Any, response: Any, **_extra: Any) -> None:
        if response.status_code == 401:
            refused.append(request.path)

    request_finished.connect(_seen, app)
    try:
        yield refused
    finally:
        request_finished.disconnect(_seen, app)


def test_token_expiring_mid_run_is_refreshed_before_each_call(
    app, connected_books, worker_process, monkeypatch
) -> None:
    assert TOKEN_SECONDS < REFRESH_MARGIN_SECONDS
    monkeypatch.setitem(app.config, "XERO_SANDBOX_ACCESS_SECONDS", TOKEN_SECONDS)
    books = connected_books()
    p = f"T{books.company_id}-"
    records = [_customer(f"{p}C{i}", f"Tess Token {p}{i}") for i in range(1, 4)]
    records += [_invoice(f"{p}I{i}", f"{p}INV-{i}", f"{p}C{i}") for i in range(1, 4)]
    books.post_all(records)
    first_token = _connection(books).credentials.access_token
    worker_process()
    with _refresh_calls(app) as refreshes, _refused_calls(app) as refused:
        run = _send_and_wait(books)
    assert run["status"] == "finished", run
    connection = _connection(books)
    assert connection.status == "connected", connection.status_detail
    # Renewed before the calls of the run, not once at its start: the old one-refresh-per-run
    # rule would have sent most calls on a token past its margin.
    assert len(refreshes) >= 3, refreshes
    assert len(set(refreshes)) == len(refreshes)  # each rotated token used once, in turn
    assert refused == []  # no call ever went out on a dead token
    assert connection.credentials.access_token != first_token
    assert Counter(t.state for t in books.transfers()) == {"sent": 6}
    numbers = _invoice_numbers(books)
    assert all(numbers[f"{p}INV-{i}"] == 1 for i in range(1, 4)), numbers
    names = Counter(c["Name"] for c in books.package_list("Contacts"))
    assert all(names[f"Tess Token {p}{i}"] == 1 for i in range(1, 4)), names
