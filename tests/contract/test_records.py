"""Each record kind goes in through the connector and is read back through the package's own API
(connectors/<key>/readback.py): once, under the id the connector reported, with our figures."""

from __future__ import annotations

import pytest

from connectors.base import RECORD_KINDS, DocumentRecord, PaymentRecord
from tests.contract.held import assert_held_once, sent_of_kind
from tests.contract.kit import ConnectedOrg


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_each_record_kind_is_read_back_through_the_package_api(org: ConnectedOrg,
                                                               kind: str) -> None:
    record, external_id, invoice = sent_of_kind(org, kind)
    books = org.read_back()
    assert_held_once(books, record, external_id)
    if isinstance(record, DocumentRecord) and record.kind == "credit_note" and invoice:
        # Allocated to its invoice: the credit is used up, the invoice owes that much less.
        held = [d for d in books.invoices if d.package_id == invoice[1]]
        assert [d.due for d in held] == [invoice[0].total - record.total]
    if isinstance(record, PaymentRecord) and invoice:
        assert [d.due for d in books.invoices if d.package_id == invoice[1]] == [0]
