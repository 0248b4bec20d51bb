"""A QuickBooks Online company whose VAT on an invoice comes to a penny more than ours (as QBO
works it out on its own, unless it is told our total), for the engine tests of a package's
arithmetic that differs. Everything else is the real connector against the real sandbox."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from connectors.base import Outcome, RecordKind
from connectors.quickbooks_online import QuickBooksOnlineConnector, payloads
from connectors.quickbooks_online.pushing import Pusher, check_totals


def _a_penny_more(record: Any) -> dict[str, Any]:
    body = payloads.invoice_payload(record)
    body["TxnTaxDetail"] = {"TotalTax": payloads.money(record.tax_total) + Decimal("0.01")}
    return body


class PennyOffQbo(QuickBooksOnlineConnector):
    key = "qbo_penny_off"

    def push(self, kind: RecordKind, batch: Sequence[Any]) -> list[Outcome]:
        if kind != "invoice" or not batch:
            return super().push(kind, batch)
        pairs = Pusher(self.client).create("invoice", batch, _a_penny_more)
        return [check_totals(o, made, rec) for (o, made), rec in zip(pairs, batch, strict=True)]
