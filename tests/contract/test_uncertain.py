"""Exactly once, from the connector's side: a send whose reply was lost is Uncertain and `find`
returns what the package made; a record never sent is not found; the same record sent twice
with the same key is one object in the package; `complete` finishes what an interrupted send
left undone (a credit note not yet allocated), and changes nothing a second time."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from connectors.base import RECORD_KINDS, RetryLater, Sent, Uncertain
from tests.contract.held import assert_held_once, held, record_of_kind, sent_of_kind
from tests.contract.kit import ConnectedOrg


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_a_send_whose_reply_was_lost_is_found_and_resent_as_one(
        org: ConnectedOrg, kind: str,
        short_timeout: Callable[[], AbstractContextManager[None]]) -> None:
    record, _ = record_of_kind(org, kind)
    with short_timeout(), org.faults("timeout") as faults:
        outcome = org.push_one(record)
    assert faults.injected["timeout"] == 1
    assert isinstance(outcome, Uncertain), outcome
    # The package may still be at work when the connector gives up; find() is for after.
    assert faults.answered.wait(30)
    found = org.find(record)
    assert found, f"{record.reference} was made, but find() does not see it"
    # Not yet finished (a credit note is not allocated until complete()), but there, once.
    assert_held_once(org.read_back(), record, found, allocated=False)
    again = org.push_one(record)  # the engine's resend of the same record, same key
    assert again == Sent(found), again
    assert held(org.read_back(), record) == sorted(found.split(","))


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_a_record_never_sent_is_not_found(org: ConnectedOrg, kind: str) -> None:
    record, _ = record_of_kind(org, kind)
    assert org.find(record) is None
    # Refused before the package saw it (a 503): still nothing to find.
    with org.faults("503"):
        assert isinstance(org.push_one(record), RetryLater)
    assert org.find(record) is None
    assert held(org.read_back(), record) == []


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_the_same_record_sent_twice_is_one_object(org: ConnectedOrg, kind: str) -> None:
    record, first, invoice = sent_of_kind(org, kind)
    assert org.push_one(record) == Sent(first)
    books = org.read_back()
    assert_held_once(books, record, first)
    if invoice is not None:  # a credit or payment took its amount off the invoice once
        due = invoice[0].total - (record.total if kind == "credit_note" else record.amount)
        assert [d.due for d in books.invoices if d.package_id == invoice[1]] == [due]
    # complete() after a send that needed nothing more: the same id, nothing changed.
    assert org.complete(record, first) == Sent(first)
    assert org.read_back() == books


def test_complete_finishes_a_credit_note_whose_allocation_was_interrupted(
        org: ConnectedOrg) -> None:
    note, invoice = record_of_kind(org, "credit_note")
    assert invoice is not None
    # The credit note goes in; the package fails every call after that (the allocation).
    with org.faults("503", budget=10, pass_writes=1) as faults:
        outcome = org.push_one(note)
    assert faults.injected["503"] >= 1
    assert isinstance(outcome, Uncertain), outcome
    found = org.find(note)
    assert found
    assert_held_once(org.read_back(), note, found, allocated=False)
    assert org.complete(note, found) == Sent(found)
    books = org.read_back()
    assert_held_once(books, note, found)
    assert [d.due for d in books.invoices if d.package_id == invoice[1]] == [
        invoice[0].total - note.total]
    # Idempotent: a second complete() (another uncertain send's reconciliation) allocates
    # nothing more.
    assert org.complete(note, found) == Sent(found)
    assert org.read_back() == books
