"""Sage Accounting's 5-minute access tokens and refresh tokens that rotate with no grace: a run
on a real RQ worker against the Sage sandbox, whose tokens are told to live well inside the
engine's refresh margin, renews before the calls that need it (each rotated refresh token used
once), never calls on a dead token, and ends with everything sent once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import request, request_finished

from app.sync.tokens import REFRESH_MARGIN_SECONDS
from tests.sync.test_engine_scenarios import _connection, _customer, _invoice, _send_and_wait

KEY = "sage_accounting"
TOKEN_SECONDS = 30  # shorter than the margin: each token is due for renewal before any call


@contextmanager
def _watch(app: Any) -> Iterator[tuple[list[str], list[str]]]:
    """The refresh tokens the sandbox's token endpoint was given, and every API call it
    answered 401 (the sandbox is served by this process, the worker's calls included)."""
    refreshes: list[str] = []
    refused: list[str] = []

    def _seen(sender: Any, response: Any, **_extra: Any) -> None:
        if request.path == f"/sandbox/{KEY}/token" and (
                request.form.get("grant_type") == "refresh_token"):
            refreshes.append(request.form.get("refresh_token", ""))
        elif request.path.startswith(f"/sandbox/{KEY}/v3.1/") and response.status_code == 401:
            refused.append(request.path)

    request_finished.connect(_seen, app)
    try:
        yield refreshes, refused
    finally:
        request_finished.disconnect(_seen, app)


def test_five_minute_tokens_dying_mid_run_are_renewed_before_each_call(
        app: Any, connected_books: Any, worker_process: Any, monkeypatch: Any) -> None:
    assert TOKEN_SECONDS < REFRESH_MARGIN_SECONDS
    monkeypatch.setitem(app.config, "SAGE_SANDBOX_ACCESS_SECONDS", TOKEN_SECONDS)
    books = connected_books(package=KEY)
    p = f"T{books.company_id}-"
    records = [_customer(f"{p}C{i}", f"Tess Token {p}{i}") for i in range(1, 4)]
    records += [_invoice(f"{p}I{i}", f"{p}INV-{i}", f"{p}C{i}") for i in range(1, 4)]
    books.post_all(records)
    first_token = _connection(books).credentials.access_token
    worker_process()
    with _watch(app) as (refreshes, refused):
        run = _send_and_wait(books)
    assert run["status"] == "finished", run
    connection = _connection(books)
    assert connection.status == "connected", connection.status_detail
    assert len(refreshes) >= 3, refreshes
    assert len(set(refreshes)) == len(refreshes)  # each rotated refresh token used once
    assert refused == []  # no call ever went out on a dead token
    assert connection.credentials.access_token != first_token
    assert Counter(t.state for t in books.transfers()) == {"sent": 6}
    held = books.package_books()
    numbers = Counter(d.number for d in held.invoices)
    assert all(numbers[f"{p}INV-{i}"] == 1 for i in range(1, 4)), numbers
    codes = Counter(code for code, _ in held.contacts)
    assert all(codes[f"{p}C{i}"] == 1 for i in range(1, 4)), codes
