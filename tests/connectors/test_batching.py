"""connectors.batching: the shared batch create, with tiny packages of its own.

The one-record package below writes only `create_one`; everything else (bodies, refusals,
the budget running out, failures as outcomes) comes from the helper.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from connectors import batching
from connectors.base import (
    AuthLost,
    ContactRecord,
    Rejected,
    RetryLater,
    Sent,
    Uncertain,
)


def _contact(ref: str, name: str | None = None) -> ContactRecord:
    return ContactRecord(key=f"k-{ref}", kind="customer", reference=ref, name=name or ref)


class OneAtATimePackage:
    """A package with no batch endpoint: one record per call, unique names, a call budget."""

    def __init__(self, budget: int = 100) -> None:
        self.books: dict[str, dict[str, Any]] = {}
        self.calls = 0
        self.budget = budget
        self.broken_for: set[str] = set()

    def create_contact(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if self.calls > self.budget:
            raise RuntimeError("429")
        if body["name"] in self.broken_for:
            raise ConnectionError("connection reset")
        if any(c["name"] == body["name"] for c in self.books.values()):
            raise ValueError(f"A contact named {body['name']} already exists")
        made = {"id": f"C{len(self.books) + 1}", **body}
        self.books[made["id"]] = made
        return made


class TinyConnector:
    """All this connector writes to create records: a body and "create one record"."""

    def __init__(self, package: OneAtATimePackage) -> None:
        self.package = package

    @staticmethod
    def body(record: ContactRecord) -> dict[str, Any]:
        if not record.name.strip():
            raise batching.BuildRefused("name", "A contact needs a name.")
        return {"name": record.name, "code": record.reference}

    def create_one(self, record: ContactRecord, body: dict[str, Any]) -> batching.Pair:
        try:
            made = self.package.create_contact(body)
        except ValueError as exc:
            raise batching.Refused([Rejected("duplicate_name", str(exc))]) from exc
        return Sent(made["id"]), made

    def contacts(self, batch: Sequence[ContactRecord]) -> list[Any]:
        return batching.create_each(batch, self.create_one, build=self.body, failed=_failed)


def _failed(exc: Exception) -> Any:
    if "429" in str(exc):
        return RetryLater(60, "minute")
    return Uncertain(str(exc))


def test_one_record_package_creates_each_once_from_create_one_alone() -> None:
    package = OneAtATimePackage()
    outcomes = TinyConnector(package).contacts([_contact("A1"), _contact("A2"), _contact("A3")])
    assert outcomes == [Sent("C1"), Sent("C2"), Sent("C3")]
    assert package.calls == 3
    assert [c["code"] for c in package.books.values()] == ["A1", "A2", "A3"]


def test_one_record_package_refusals_and_bad_bodies_are_per_record() -> None:
    package = OneAtATimePackage()
    package.books["C0"] = {"id": "C0", "name": "Taken Ltd", "code": "X"}
    outcomes = TinyConnector(package).contacts(
        [_contact("B1"), _contact("B2", "Taken Ltd"), _contact("B3", "  "), _contact("B4")])
    assert outcomes[0] == Sent("C2")
    assert outcomes[1] == Rejected("duplicate_name", "A contact named Taken Ltd already exists")
    assert outcomes[2] == Rejected("validation", "A contact needs a name.", "name",
                                   {"reference": "B3"})
    assert isinstance(outcomes[3], Sent)
    assert package.calls == 3  # the bad body never reached the package
    assert len(package.books) == 3


def test_one_record_package_failures_become_outcomes_and_a_spent_budget_stops() -> None:
    package = OneAtATimePackage(budget=2)
    package.broken_for = {"D1"}
    outcomes = TinyConnector(package).contacts(
        [_contact("D1"), _contact("D2"), _contact("D3"), _contact("D4")])
    assert isinstance(outcomes[0], Uncertain) and "connection reset" in outcomes[0].detail
    assert outcomes[1] == Sent("C1")
    assert outcomes[2] == RetryLater(60, "minute")
    assert outcomes[3] == RetryLater(60, "minute")
    assert package.calls == 3  # no call once the package said to wait
    assert list(package.books) == ["C1"]


class BatchPackage:
    """A package with a batch endpoint that refuses a whole batch for one bad record."""

    def __init__(self, names_the_record: bool, auth_lost_after: int | None = None) -> None:
        self.names_the_record = names_the_record
        self.auth_lost_after = auth_lost_after
        self.requests: list[list[str]] = []
        self.books: list[str] = []

    def send(self, records: Sequence[ContactRecord], bodies: Sequence[dict[str, Any]]
             ) -> list[batching.Pair]:
        self.requests.append([b["code"] for b in bodies])
        if self.auth_lost_after is not None and len(self.requests) > self.auth_lost_after:
            raise batching.Refused([AuthLost("signed out")] * len(records))
        bad = [b["name"] == "Bad" for b in bodies]
        if any(bad):
            if self.names_the_record:
                raise batching.Refused([
                    Rejected("validation", "Bad name") if b else Uncertain("not named")
                    for b in bad
                ])
            raise batching.Refused(None, "one of these is wrong")
        self.books.extend(b["code"] for b in bodies)
        return [(Sent(f"id-{b['code']}"), dict(b)) for b in bodies]


def _body(record: ContactRecord) -> dict[str, Any]:
    return {"name": record.name, "code": record.reference}


def test_batch_refused_without_naming_is_split_and_the_others_created_once() -> None:
    package = BatchPackage(names_the_record=False)
    records = [_contact("E1"), _contact("E2", "Bad"), _contact("E3"), _contact("E4"),
               _contact("E5")]
    pairs = batching.create(records, package.send, build=_body, batch_max=3)
    outcomes = [o for o, _ in pairs]
    assert outcomes[0] == Sent("id-E1")
    assert isinstance(outcomes[1], Uncertain)  # refused alone, no words: reconciliation decides
    assert outcomes[2:] == [Sent("id-E3"), Sent("id-E4"), Sent("id-E5")]
    assert pairs[4][1] == {"name": "E5", "code": "E5"}
    assert package.requests == [["E1", "E2", "E3"], ["E1"], ["E2"], ["E3"], ["E4", "E5"]]
    assert package.books == ["E1", "E3", "E4", "E5"]


def test_batch_refused_naming_the_record_is_not_resent() -> None:
    package = BatchPackage(names_the_record=True)
    pairs = batching.create([_contact("F1"), _contact("F2", "Bad")], package.send, build=_body)
    assert [o for o, _ in pairs] == [Uncertain("not named"), Rejected("validation", "Bad name")]
    assert package.requests == [["F1", "F2"]]
    assert package.books == []


def test_split_stops_when_access_is_lost() -> None:
    package = BatchPackage(names_the_record=False, auth_lost_after=2)
    records = [_contact("G1"), _contact("G2", "Bad"), _contact("G3"), _contact("G4")]
    outcomes = [o for o, _ in batching.create(records, package.send, build=_body)]
    assert outcomes[0] == Sent("id-G1")
    assert outcomes[1:] == [AuthLost("signed out")] * 3
    assert package.requests == [["G1", "G2", "G3", "G4"], ["G1"], ["G2"]]


def test_a_reply_that_does_not_match_the_records_is_uncertain() -> None:
    def short(records: Sequence[Any], bodies: Sequence[Any]) -> list[batching.Pair]:
        return [(Sent("only-one"), None)]

    outcomes = [o for o, _ in batching.create([_contact("H1"), _contact("H2")], short)]
    assert all(isinstance(o, Uncertain) for o in outcomes)


def test_records_of_other_kinds_go_through_unchanged() -> None:
    # Nothing in the helper knows a record's kind: a payment-shaped record is just a record.
    from connectors.base import Allocation, PaymentRecord

    payment = PaymentRecord(key="p1", kind="payment", reference="R1", contact_external_id="c",
                            contact_name="C", date=date(2026, 1, 1), amount=Decimal("5"),
                            bank_account_code="090",
                            allocations=(Allocation("i", "INV1", Decimal("5")),))
    outcomes = batching.create_each([payment], lambda rec, body: Sent(rec.reference))
    assert outcomes == [Sent("R1")]


def test_push_by_kind_answers_for_every_record_whatever_the_sender_does() -> None:
    from connectors.base import Rejected, Sent, Uncertain
    from connectors.batching import push_by_kind

    def broken(batch):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    senders = {"invoice": lambda batch: [Sent(str(i)) for i, _ in enumerate(batch)],
               "payment": lambda batch: [Sent("1")], "credit_note": broken}
    failed = lambda exc: Uncertain(f"failed: {exc}")  # noqa: E731
    assert push_by_kind("invoice", [], "Books", senders, failed) == []
    assert push_by_kind("invoice", ["a", "b"], "Books", senders, failed) == [Sent("0"), Sent("1")]
    assert push_by_kind("customer", ["a"], "Books", senders, failed) == [
        Rejected("validation", "Books cannot take a 'customer'")]
    assert push_by_kind("credit_note", ["a", "b"], "Books", senders, failed) == [
        Uncertain("failed: boom")] * 2
    assert push_by_kind("payment", ["a", "b"], "Books", senders, failed) == [
        Uncertain("internal: outcome count mismatch")] * 2


def test_find_by_type_refuses_what_is_not_a_record() -> None:
    from connectors.batching import find_by_type

    with pytest.raises(TypeError):
        find_by_type(object(), "not a record")  # type: ignore[arg-type]
