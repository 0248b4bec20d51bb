"""The push journey of tests/sync/test_pipeline.py at a tenth of its size, for every web
package, in `make test`: inbound API over HTTP -> Send Data -> a real RQ worker -> the
package's connector -> its sandbox over HTTP, read back through the package's own API; each
record exactly once and to the penny, and a second Send Data sends nothing.

The full-size journey (370 records a package) is marked e2e and runs in `make e2e`; this one
checks the same things with the same checks (`_check_books`, imported, not copied) on 37
records, still more than one create batch for a package that batches by ten.
"""

from __future__ import annotations

from collections import Counter

import pytest

from app.demo_records import generate

# The fixture imported, as tests/resilience/conftest.py does (pytest_plugins would register
# tests/sync/conftest.py a second time when both folders run together).
from tests.sync.conftest import PACKAGES, connected_books  # noqa: F401 - the fixture
from tests.sync.test_pipeline import _check_books

TENTH = {"customers": 5, "invoices": 20, "payments": 10, "credit_notes": 2}


@pytest.mark.parametrize("package", PACKAGES)
def test_a_tenth_size_journey_lands_every_record_exactly_once(  # type: ignore[no-untyped-def]
    package, connected_books, worker_process, app, monkeypatch  # noqa: F811
) -> None:
    # As the full-size journey: the subject is exactly once and to the penny, not the
    # package's limits (test_ratelimit.py and the worker-kill journey keep those on).
    monkeypatch.setenv("CALL_BUDGET_ENABLED", "0")
    monkeypatch.setitem(app.config, "SANDBOX_RATE_LIMITS", False)
    books = connected_books(package=package)
    payloads = generate(**TENTH, prefix=f"S{books.company_id}-")
    books.post_all(payloads)
    worker_process()
    run = books.wait_for_run(books.send()["id"], timeout=300)
    assert run["status"] == "finished", run
    states = Counter(t.state for t in books.transfers())
    assert states == {"sent": sum(TENTH.values())}, states
    _check_books(books, payloads)
    # A second Send Data finds nothing to do and sends nothing twice.
    again = books.wait_for_run(books.send()["id"], timeout=120)
    assert again["status"] == "finished" and again["sent"] == 0
    _check_books(books, payloads)
