"""The journey through the Web Connector: records reach the simulated company file exactly
once and to the penny, however a session is cut short (the lead's issue: the Web Connector
stops after sendRequestXML without answering, answers with an error, calls connectionError,
the ticket expires, the network drops a call)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from app.demo_records import generate
from tests.webconnector.conftest import Desktop

SMALL = {"customers": 6, "invoices": 14, "payments": 6, "credit_notes": 3}


def _money(value: object) -> Decimal:
    return Decimal(str(value or "0"))


def _expected(payloads: list[tuple[str, dict]]) -> dict[str, object]:
    kinds = Counter(path for path, _ in payloads)
    return {"customers": kinds["customers"], "invoices": kinds["invoices"],
            "credit_notes": kinds["credit-notes"], "payments": kinds["payments"]}


def assert_exactly_once(desktop: Desktop, payloads: list[tuple[str, dict]]) -> None:
    """Every record in the company file once, with the job system's figures."""
    books = desktop.books()
    expected = _expected(payloads)
    unsent = [(t.record_type, t.state, t.reason, t.explanation, t.package_message)
              for t in desktop.transfers() if t.state != "sent"]
    assert not unsent, unsent
    names = Counter(c["Name"] for c in books["customers"])
    assert len(names) == expected["customers"] and max(names.values()) == 1, names
    numbers = Counter(i["RefNumber"] for i in books["invoices"])
    assert len(numbers) == expected["invoices"] and max(numbers.values()) == 1, numbers
    memos = Counter(m["RefNumber"] for m in books["credit_memos"])
    assert len(memos) == expected["credit_notes"] and max(memos.values(), default=1) == 1
    paid = [p for p in books["payments"] if _money(p.get("TotalAmount")) > 0]
    refs = Counter(p["Memo"] for p in paid)
    assert len(refs) == expected["payments"] and max(refs.values()) == 1, refs

    # To the penny: what each invoice still owes is its total less what was paid and credited.
    ours = {body["number"]: body for path, body in payloads if path == "invoices"}
    for invoice in books["invoices"]:
        body = ours[invoice["RefNumber"]]
        if "total" in body:
            total = _money(invoice["Subtotal"]) + _money(invoice["SalesTaxTotal"])
            assert total == _money(body["total"]), invoice["RefNumber"]
    for memo in books["credit_memos"]:
        assert _money(memo["CreditRemaining"]) == 0, memo  # every credit went on its invoice
    states = Counter(t.state for t in desktop.transfers())
    assert states == {"sent": sum(expected.values())}, states


def test_the_journey_reaches_the_company_file_exactly_once(desktop) -> None:  # type: ignore[no-untyped-def]
    books = desktop()
    payloads = generate(**SMALL, prefix="")
    books.post_all(payloads)
    reports = books.sessions_until_idle()
    assert reports[0].completed, reports[0]
    assert_exactly_once(books, payloads)
    # Nothing is added again by a later session.
    again = books.session()
    assert again.auth_status == "none"
    assert_exactly_once(books, payloads)


def _faults() -> list[object]:
    from sandboxes.quickbooks_desktop.wc_faults import (
        AnswerWithError,
        ConnectionErrorInstead,
        NetworkFailure,
        StopAfterRequest,
    )

    # Request 1 is the lists; then customers, invoices, credit memos, their application
    # (checked, then made) and payments, a hand-out each.
    return [
        StopAfterRequest(request=2), StopAfterRequest(request=3), StopAfterRequest(request=5),
        StopAfterRequest(request=6), StopAfterRequest(request=7),
        AnswerWithError(request=3), AnswerWithError(request=6),
        ConnectionErrorInstead(request=0), ConnectionErrorInstead(request=4),
        NetworkFailure("receiveResponseXML", 2, reached_server=True),
        NetworkFailure("receiveResponseXML", 4, reached_server=False),
        NetworkFailure("receiveResponseXML", 6, reached_server=True),
        NetworkFailure("sendRequestXML", 3, reached_server=True),
    ]


@pytest.mark.parametrize("fault", _faults(), ids=lambda f: repr(f))
def test_a_session_cut_short_still_lands_every_record_once(desktop, fault) -> None:  # type: ignore[no-untyped-def]
    books = desktop()
    payloads = generate(**SMALL, prefix="")
    books.post_all(payloads)
    cut = books.session(fault=fault)
    assert cut.faults_met, cut  # the session really was cut short there
    books.expire_leases()  # what was out is uncertain once its lease runs out
    books.sessions_until_idle()
    assert_exactly_once(books, payloads)


def test_a_ticket_that_expires_mid_session_loses_nothing(desktop) -> None:  # type: ignore[no-untyped-def]
    from sandboxes.quickbooks_desktop.wc_faults import WaitBeforeAnswer

    books = desktop()
    payloads = generate(**SMALL, prefix="")
    books.post_all(payloads)
    late = books.session(fault=WaitBeforeAnswer(request=3, seconds=3600,
                                                sleep=lambda _s: books.expire_tickets()))
    assert late.percents and late.percents[-1] < 0, late  # the late answer was not taken
    assert "session" in late.last_error.lower(), late.last_error
    books.expire_leases()
    books.sessions_until_idle()
    assert_exactly_once(books, payloads)
