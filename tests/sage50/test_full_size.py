"""The full-size journey through the Ledgerlink agent (make e2e): the demo's 370 records, in
leases of 50, with the agent killed once between writing and acking on the way. The same
behaviour at a small size runs in make test (test_journey.py, test_faults.py)."""

from __future__ import annotations

import time

import pytest

from app.demo_records import generate
from tests.sage50.conftest import assert_exactly_once
from tests.sage50.test_faults import KILLED, _run_dying


@pytest.mark.e2e  # small: tests/sage50/test_journey.py and test_faults.py
def test_the_full_size_journey_reaches_sage_exactly_once(office, tmp_path) -> None:  # type: ignore[no-untyped-def]
    books = office()
    payloads = generate(prefix="")
    books.post_all(payloads)
    config = books.config_file(tmp_path)
    assert _run_dying(config, 37, "written") == KILLED  # mid-way through the first lease
    books.expire_leases()
    started = time.monotonic()
    outcomes = books.until_idle(books.agent(tmp_path / "journal.sqlite3"), most=60)
    leases = [o.leased for o in outcomes if o.leased]
    assert max(leases) == 50  # the connector's batch size
    assert sum(o.found for o in outcomes) == 1
    print(f"full-size Sage 50 journey: {len(payloads)} records in {len(leases)} leases, "
          f"{time.monotonic() - started:.1f} s")
    assert_exactly_once(books, payloads)
