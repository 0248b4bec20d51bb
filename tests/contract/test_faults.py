"""The package says "not now": a 429 or a 5xx becomes RetryLater, waiting as long as the
package's Retry-After says where it says; a list call raises the typed error instead. (A reply
lost after the request left is Uncertain: test_uncertain.py.)"""

from __future__ import annotations

import pytest

from connectors.base import RECORD_KINDS, ConnectorError, RateLimitedError, RetryLater
from tests.contract.held import held, record_of_kind
from tests.contract.kit import ConnectedOrg

WAIT = "7"  # an unusual Retry-After, so the wait is seen to be the package's


@pytest.mark.parametrize("kind", RECORD_KINDS)
@pytest.mark.parametrize("status", ["429", "503"])
def test_too_many_requests_and_unavailable_wait_as_the_package_says(
        org: ConnectedOrg, kind: str, status: str) -> None:
    record, _ = record_of_kind(org, kind)
    with org.faults(status, retry_after=WAIT) as faults:
        outcome = org.push_one(record)
    assert faults.injected[status] == 1
    assert isinstance(outcome, RetryLater), outcome
    assert outcome.after == float(WAIT), outcome
    assert held(org.read_back(), record) == []  # refused before the package saw it


@pytest.mark.parametrize("status", ["500", "502", "503"])
def test_a_server_error_without_retry_after_waits_a_while(org: ConnectedOrg,
                                                          status: str) -> None:
    record, _ = record_of_kind(org, "customer")
    with org.faults(status, retry_after=None):
        outcome = org.push_one(record)
    assert isinstance(outcome, RetryLater), outcome
    assert 0 < outcome.after <= 3600, outcome


def test_lists_raise_the_typed_errors(org: ConnectedOrg) -> None:
    with org.connector() as connector:
        with org.faults("429", retry_after=WAIT), pytest.raises(RateLimitedError) as limited:
            connector.accounts()
        assert limited.value.after == float(WAIT)
        with org.faults("503"), pytest.raises(ConnectorError):
            connector.tax_rates()
        with org.faults("500"), pytest.raises(ConnectorError):
            list(connector.contacts())
