"""The full-size journey through the Web Connector (50 customers, 200 invoices, 100 payments,
20 credit notes, as the push bench's mix): every record reaches the simulated QuickBooks
Desktop company file exactly once and to the penny through sessions run one after another,
and still does when sessions are cut short at several points of the journey, with normal
sessions and expired leases in between (what a customer's PC that sleeps, loses QuickBooks or
drops its network does over a working day).

Both full-size journeys are marked e2e (`make e2e`); `make test` runs the same journeys at a
tenth of the size (the cut-short one here, the straight one in tests/webconnector/).

The harness (an app with QuickBooks Desktop registered, served over real HTTP beside the
company simulator, driven by the simulated Web Connector's real zeep client) is
tests/webconnector/conftest.py's, imported, not copied.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.demo_records import generate

# Fixtures imported, as tests/journey/test_two_packages.py does (pytest_plugins would
# register tests/webconnector/conftest.py a second time when both folders run together).
from tests.webconnector.conftest import desktop, qbd_server  # noqa: F401 - fixtures
from tests.webconnector.test_journey import assert_exactly_once

FULL = {"customers": 50, "invoices": 200, "payments": 100, "credit_notes": 20}
# Far more sessions than the journey needs (a handful): a service that stops making progress
# fails the test instead of looping.
MOST_SESSIONS = 60


def _full_journey(make_desktop: Any) -> tuple[Any, list[tuple[str, dict]]]:
    books = make_desktop()
    payloads = generate(**FULL, prefix="")
    books.post_all(payloads)
    return books, payloads


# make e2e only; in make test, tests/webconnector/test_journey.py's
# test_the_journey_reaches_the_company_file_exactly_once runs the same journey (29 records).
@pytest.mark.e2e
def test_the_full_journey_reaches_the_company_file_exactly_once(desktop) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    books, payloads = _full_journey(desktop)
    reports = books.sessions_until_idle(most=MOST_SESSIONS)
    assert reports[-1].auth_status == "none", reports[-1]
    worked = reports[:-1]
    assert worked and all(r.completed for r in worked), [(r.ended, r.last_error)
                                                         for r in worked]
    assert_exactly_once(books, payloads)
    # A later scheduled session finds nothing to do and adds nothing.
    assert books.session().auth_status == "none"
    assert_exactly_once(books, payloads)


# The journey posted in four waves, as the job system posts through a working day, each
# followed by sessions cut short at different points and then one normal session. Between
# them the cuts meet every stage: the lists, customers, invoices, credit memos, their
# application (checked, then made) and payments, each cut after the previous cut's hand-out
# outlived its lease. generate() lists parents first, so each wave's parents are in.
WAVES = (slice(0, 150), slice(150, 250), slice(250, 270), slice(270, 370))
# The same journey at a tenth of the size, for make test: the same waves (5 customers and 10
# invoices, 10 invoices, 2 credit notes, 10 payments), cut as _tenth_cuts() says.
TENTH = {"customers": 5, "invoices": 20, "payments": 10, "credit_notes": 2}
TENTH_WAVES = (slice(0, 15), slice(15, 25), slice(25, 27), slice(27, 37))


def _cuts() -> list[list[object]]:
    """The faults of each wave's cut sessions. Request numbers count this session's hand-outs
    (the lists are asked for once, in the journey's first session that gets that far)."""
    from sandboxes.quickbooks_desktop.wc_faults import (
        AnswerWithError,
        ConnectionErrorInstead,
        NetworkFailure,
        StopAfterRequest,
    )

    return [
        # 50 customers and 100 invoices: lists, customers, invoices, invoices.
        [ConnectionErrorInstead(request=0),  # QuickBooks would not open at all
         NetworkFailure("receiveResponseXML", 1, reached_server=False),  # lists' answer lost
         StopAfterRequest(request=2),  # the PC slept with the customers out
         NetworkFailure("receiveResponseXML", 3, reached_server=True)],  # invoices: reply lost
        # 100 invoices more.
        [AnswerWithError(request=2),  # QuickBooks could not run a request
         NetworkFailure("sendRequestXML", 2, reached_server=True)],  # hand-out never arrived
        # 20 credit notes: added, their application checked, then made (a hand-out each).
        [ConnectionErrorInstead(request=2),  # QuickBooks lost mid-session
         NetworkFailure("receiveResponseXML", 2, reached_server=False),  # answer never arrived
         StopAfterRequest(request=1)],
        # 100 payments, two hand-outs of 50.
        [NetworkFailure("receiveResponseXML", 1, reached_server=True),
         StopAfterRequest(request=1)],
    ]


def _tenth_cuts() -> list[list[object]]:
    """_cuts() for the tenth-size waves, where every stage is one hand-out (50 records each):
    the same kinds of cut at the same stages, but the two that end a wave lose the answer
    before it reaches the service (instead of after), so that each wave's normal session still
    has something to settle; the losses after are tests/webconnector/test_journey.py's."""
    from sandboxes.quickbooks_desktop.wc_faults import (
        AnswerWithError,
        ConnectionErrorInstead,
        NetworkFailure,
        StopAfterRequest,
    )

    return [
        # 5 customers and 10 invoices: lists, customers, invoices.
        [ConnectionErrorInstead(request=0),
         NetworkFailure("receiveResponseXML", 1, reached_server=False),  # lists' answer lost
         StopAfterRequest(request=2),  # the PC slept with the customers out
         NetworkFailure("receiveResponseXML", 3, reached_server=False)],  # invoices' answer
        # 10 invoices more: one hand-out.
        [AnswerWithError(request=1),
         NetworkFailure("sendRequestXML", 1, reached_server=True)],
        # 2 credit notes: added, their application checked, then made (a hand-out each).
        [ConnectionErrorInstead(request=2),
         NetworkFailure("receiveResponseXML", 2, reached_server=False),
         StopAfterRequest(request=1)],
        # 10 payments: one hand-out, its answer lost; then the check of it, cut short.
        [NetworkFailure("receiveResponseXML", 1, reached_server=False),
         StopAfterRequest(request=1)],
    ]


def _no_doubles(books: Any, posted: list[tuple[str, dict]]) -> None:
    """What was posted so far is in the company file, nothing of it twice."""
    found = books.books()
    for path, key, rows in (("customers", "Name", "customers"),
                            ("invoices", "RefNumber", "invoices"),
                            ("credit-notes", "RefNumber", "credit_memos")):
        values = [row[key] for row in found[rows]]
        assert len(values) == len(set(values)) == sum(p == path for p, _ in posted), path


def _cut_short_journey(make_desktop: Any, mix: dict[str, int], waves: tuple[slice, ...],
                       cuts: list[list[object]]) -> None:
    books = make_desktop()
    payloads = generate(**mix, prefix="")
    for wave, wave_cuts in zip(waves, cuts, strict=True):
        books.post_all(payloads[wave])
        for fault in wave_cuts:
            cut = books.session(fault=fault)
            assert cut.faults_met, (wave, fault, cut)  # the session really was cut short there
            books.expire_leases()  # what was out is uncertain once its lease runs out
        normal = books.session()
        assert normal.completed, (wave, normal.ended, normal.last_error)
        _no_doubles(books, payloads[:wave.stop])
    books.sessions_until_idle(most=MOST_SESSIONS)
    assert_exactly_once(books, payloads)


# make e2e only; in make test, test_a_tenth_size_journey_survives_sessions_cut_short below is
# the same journey through the same kinds of cut at the same stages (_tenth_cuts).
@pytest.mark.e2e
def test_the_full_journey_survives_sessions_cut_short(desktop) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    _cut_short_journey(desktop, FULL, WAVES, _cuts())


def test_a_tenth_size_journey_survives_sessions_cut_short(desktop) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    _cut_short_journey(desktop, TENTH, TENTH_WAVES, _tenth_cuts())
