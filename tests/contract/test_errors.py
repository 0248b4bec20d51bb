"""Every refusal the connector knows, provoked in the sandbox (sandboxes/<key>/contract.py) and
explained in a bookkeeper's words: the Rejected outcome carries the reason its errors module
declares for it, and app/sync/explain.py turns it into what happened and what to do, with no
raw code, JSON or HTTP status in either."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal

import pytest

from app.sync.explain import explain_rejection
from connectors import package_module
from connectors.base import Record, Rejected
from tests.contract.kit import ConnectedOrg
from tests.contract.parts import REASONS, provocation
from tests.contract.words import raw_bits, says_what_to_do


def _own_values(record: Record, rejected: Rejected, title: str) -> list[str]:
    """The record's own words and figures, which an explanation may well repeat."""
    values = [title, *(v for k, v in rejected.details.items() if k != "status")]

    def walk(value: object) -> None:
        if is_dataclass(value) and not isinstance(value, type):
            for f in fields(value):
                walk(getattr(value, f.name))
        elif isinstance(value, tuple):
            for item in value:
                walk(item)
        elif isinstance(value, date):
            values.extend([value.isoformat(), f"{value:%d/%m/%Y}"])
        elif isinstance(value, str | Decimal):
            values.append(str(value))

    walk(record)
    return values


@pytest.mark.parametrize("reason", REASONS)
def test_a_known_refusal_is_explained_in_words(org: ConnectedOrg, reason: str) -> None:
    declared = package_module(org.key, "errors").REJECT_REASONS
    if reason not in declared:
        pytest.skip(f"{org.key}'s connector never gives {reason}")
    provoke = provocation(org.key, reason)
    record = provoke.make(org)
    before = org.read_back()
    outcome = org.push_one(record)
    assert isinstance(outcome, Rejected), f"{provoke.how}: {outcome}"
    assert outcome.reason == reason, f"{provoke.how}: {outcome}"
    assert org.read_back() == before, "the package refused the record, yet its books changed"
    title = org.cls.title
    label = f"{record.kind.replace('_', ' ').capitalize()} {record.reference}"
    words = explain_rejection(outcome, title, label)
    own = _own_values(record, outcome, title)
    assert words.reason == reason, words
    assert raw_bits(words.text, own) == [], (provoke.how, words.text)
    assert raw_bits(words.fix, own) == [], (provoke.how, words.fix)
    assert says_what_to_do(words.fix, title), words.fix
