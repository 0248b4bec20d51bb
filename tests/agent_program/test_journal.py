"""The journal on its own: what is kept, what counts as final, and surviving a reopen."""

from __future__ import annotations

from pathlib import Path

from ledgerlink_agent.journal import Journal
from ledgerlink_agent.writers.base import WriteResult, created, rejected, retry


def test_a_result_is_unsent_until_marked_sent_and_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    journal.record("k1", "b1", "customer", created("ACMEHEAT", "a note"))
    journal.record("k2", "b1", "customer", rejected("Name is required", "NAME"))
    journal.record("k3", "b2", "invoice", created("17"))
    journal.close()

    reopened = Journal(path)
    unsent = reopened.unsent()
    assert list(unsent) == ["b1", "b2"]
    assert unsent["b1"] == [("k1", WriteResult("created", "ACMEHEAT", note="a note")),
                            ("k2", WriteResult("rejected", message="Name is required",
                                               field="NAME"))]
    reopened.mark_sent(["k1", "k2"])
    assert list(reopened.unsent()) == ["b2"] and reopened.unsent_count() == 1


def test_final_results_are_kept_for_ever_but_a_retry_is_not_final(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record("k1", "b1", "invoice", created("42"))
    journal.mark_sent(["k1"])
    assert journal.final_result("k1") == WriteResult("created", "42")
    journal.record("k2", "b1", "invoice", retry("Sage 50 is locked by another user"))
    assert journal.final_result("k2") is None
    assert journal.final_result("never-seen") is None


def test_a_reassigned_key_is_acked_again_under_its_new_batch(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record("k1", "b1", "invoice", created("42"))
    journal.mark_sent(["k1"])
    journal.reassign("k1", "b9")
    assert journal.unsent() == {"b9": [("k1", WriteResult("created", "42"))]}


def test_a_refused_ack_waits_for_the_next_hand_out(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record("k1", "gone", "customer", created("ACME"))
    journal.mark_refused(["k1"], "no such batch")
    assert journal.unsent() == {}
    journal.reassign("k1", "b2")
    assert list(journal.unsent()) == ["b2"]


def test_an_attempt_is_remembered_without_a_result(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    assert not journal.was_attempted("k1")
    journal.attempt("k1", "b1", "payment")
    assert journal.was_attempted("k1")
    assert journal.final_result("k1") is None and journal.unsent() == {}
    journal.record("k1", "b1", "payment", created("7"))
    assert journal.was_attempted("k1") and journal.final_result("k1") == WriteResult("created", "7")
