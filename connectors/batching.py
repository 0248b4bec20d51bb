"""Creating records in batches, one outcome per record: the part every package shares.

A package gives a `send` that makes ONE request for some records and pairs each record with
(outcome, the package's answer for it). This module builds the bodies (a body the package is
certain to refuse is Rejected without calling it), cuts them into batches of the package's
size, and handles a request the package refused as a whole: nothing was created, so either the
package named which records it objected to (`Refused` with their outcomes) or each record is
sent alone. A package without batches writes only "create one record" and wraps it with
`one_at_a_time`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from connectors.base import (
    AuthLost,
    ContactRecord,
    DocumentRecord,
    Outcome,
    PaymentRecord,
    Rejected,
    RetryLater,
    Uncertain,
)

R = TypeVar("R")
Answer = dict[str, Any] | None
Pair = tuple[Outcome, Answer]
Send = Callable[[Sequence[Any], Sequence[Any]], list[Pair]]


class BuildRefused(ValueError):
    """A record the package is certain to refuse; Rejected without calling it.

    A package's own payload error may subclass this or be named in `create(build_error=)`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Refused(Exception):  # noqa: N818 - it is what the package said, not a failure of ours
    """The package refused a request as a whole, so nothing in it was created.

    `outcomes` has one outcome per record when the package said which record it objected to;
    None when it did not, and then each record is sent alone to find out."""

    def __init__(self, outcomes: Sequence[Outcome] | None = None, detail: str = "") -> None:
        super().__init__(detail or "the package refused the request")
        self.outcomes = list(outcomes) if outcomes is not None else None


def _whole_request(exc: Exception) -> Outcome:
    # Unknown failure: it may have been created, so reconciliation decides, never a resend.
    return Uncertain(f"the request failed: {exc}")


def create(
    records: Sequence[R],
    send: Send,
    *,
    build: Callable[[R], Any] | None = None,
    build_error: type[Exception] | tuple[type[Exception], ...] = BuildRefused,
    batch_max: int | None = None,
    failed: Callable[[Exception], Outcome] = _whole_request,
    stop_when_spent: bool = False,
) -> list[Pair]:
    """Build each record's body, send them in batches of `batch_max` (None: all in one), and
    return one (outcome, answer) per record, in the records' order.

    `failed` turns an exception from `send` (network, rate limit, access) into the outcome of
    every record of that request. Without `build` the record itself is the body. With
    `stop_when_spent`, once a batch ends with the budget or the access gone, the batches left
    get that outcome without a call."""
    results: list[Pair | None] = [None] * len(records)
    todo: list[tuple[int, Any]] = []
    for i, record in enumerate(records):
        try:
            todo.append((i, build(record) if build is not None else record))
        except build_error as exc:
            results[i] = (Rejected("validation", str(exc), getattr(exc, "field", None),
                                   {"reference": getattr(record, "reference", "")}), None)
    size = batch_max or max(len(todo), 1)
    spent: Pair | None = None
    for start in range(0, len(todo), size):
        chunk = todo[start:start + size]
        if stop_when_spent and spent is not None:
            for i, _ in chunk:
                results[i] = spent
            continue
        answers = send_batch([records[i] for i, _ in chunk], [b for _, b in chunk], send,
                             failed=failed)
        for (i, _), answer in zip(chunk, answers, strict=True):
            results[i] = answer
        if answers and isinstance(answers[-1][0], RetryLater | AuthLost):
            spent = answers[-1]
    return [r if r is not None else (Uncertain("internal: no outcome"), None) for r in results]


def send_batch(
    records: Sequence[Any],
    bodies: Sequence[Any],
    send: Send,
    *,
    failed: Callable[[Exception], Outcome] = _whole_request,
) -> list[Pair]:
    """One request for these records; if refused as a whole without naming the records,
    each is sent alone (nothing was created, so none of them is sent twice)."""
    try:
        answers = send(records, bodies)
    except Refused as refusal:
        if refusal.outcomes is not None and len(refusal.outcomes) == len(records):
            return [(outcome, None) for outcome in refusal.outcomes]
        if len(records) == 1:
            return [(Uncertain(f"the package refused the record without saying why: "
                               f"{refusal}"), None)]
        return _each_alone(records, bodies, send, failed)
    except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
        return [(failed(exc), None)] * len(records)
    if len(answers) != len(records):
        return [(Uncertain("the package's reply does not match the records sent"), None)
                ] * len(records)
    return answers


def _each_alone(records: Sequence[Any], bodies: Sequence[Any], send: Send,
                failed: Callable[[Exception], Outcome]) -> list[Pair]:
    out: list[Pair] = []
    for record, body in zip(records, bodies, strict=True):
        if out and isinstance(out[-1][0], RetryLater | AuthLost):
            out.append(out[-1])  # the budget or the access is gone for the rest too
            continue
        out.extend(send_batch([record], [body], send, failed=failed))
    return out


def one_at_a_time(create_one: Callable[[Any, Any], Outcome | Pair]) -> Send:
    """A `send` for a package without batches, from its "create one record" function.

    `create_one(record, body)` returns the outcome (or outcome and answer) for one record; it
    may raise Refused or any exception, which `send_batch` turns into outcomes."""

    def send(records: Sequence[Any], bodies: Sequence[Any]) -> list[Pair]:
        if len(records) != 1:
            raise ValueError("one_at_a_time sends one record per request; use batch_max=1")
        made = create_one(records[0], bodies[0])
        return [made if isinstance(made, tuple) else (made, None)]

    return send


def create_each(
    records: Sequence[R],
    create_one: Callable[[R, Any], Outcome | Pair],
    *,
    build: Callable[[R], Any] | None = None,
    build_error: type[Exception] | tuple[type[Exception], ...] = BuildRefused,
    failed: Callable[[Exception], Outcome] = _whole_request,
) -> list[Outcome]:
    """Outcomes for a package that creates one record per call: all it writes is create_one."""
    pairs = create(records, one_at_a_time(create_one), build=build, build_error=build_error,
                   batch_max=1, failed=failed, stop_when_spent=True)
    return [outcome for outcome, _ in pairs]


def push_by_kind(kind: str, batch: Sequence[Any], title: str,
                 senders: Mapping[str, Callable[[Sequence[Any]], list[Outcome]]],
                 failed: Callable[[Exception], Outcome]) -> list[Outcome]:
    """A connector's push(): the kind's sender, and what every package answers around it. A
    kind it does not take is Rejected; an exception becomes the package's outcome for the whole
    batch (push answers with outcomes, never raises); a sender that answered for a different
    number of records is our bug, and no record is guessed at: all are Uncertain."""
    if not batch:
        return []
    send = senders.get(kind)
    if send is None:
        return [Rejected("validation", f"{title} cannot take a {kind!r}")] * len(batch)
    try:
        outcomes = send(batch)
    except Exception as exc:  # noqa: BLE001 - push must answer with outcomes, never raise
        return [failed(exc)] * len(batch)
    if len(outcomes) != len(batch):
        return [Uncertain("internal: outcome count mismatch")] * len(batch)
    return outcomes


class Finds(Protocol):
    def find_contact(self, record: Any) -> str | None: ...
    def find_document(self, record: Any) -> str | None: ...
    def find_payment(self, record: Any) -> str | None: ...


def find_by_type(finder: Finds, record: Any) -> str | None:
    """A connector's find(): the look-up for the record's type."""
    if isinstance(record, ContactRecord):
        return finder.find_contact(record)
    if isinstance(record, DocumentRecord):
        return finder.find_document(record)
    if isinstance(record, PaymentRecord):
        return finder.find_payment(record)
    raise TypeError(f"not a record: {record!r}")
