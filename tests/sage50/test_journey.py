"""The journey through the Ledgerlink agent: records reach the simulated Sage 50 exactly once
and to the penny, and a later run adds nothing."""

from __future__ import annotations

from app.demo_records import generate
from tests.sage50.conftest import SMALL, assert_exactly_once


def test_the_journey_reaches_sage_exactly_once(office, tmp_path) -> None:  # type: ignore[no-untyped-def]
    books = office()
    payloads = generate(**SMALL, prefix="")
    books.post_all(payloads)
    agent = books.agent(tmp_path / "journal.sqlite3")
    outcomes = books.until_idle(agent)
    assert sum(o.written for o in outcomes) == sum(1 for _ in payloads)
    assert_exactly_once(books, payloads)
    # The lists went first (the mapping page and the linking page show them).
    assert not books.until_idle(agent)[0].leased
    assert_exactly_once(books, payloads)
