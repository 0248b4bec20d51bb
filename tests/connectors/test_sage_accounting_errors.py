"""Sage Accounting's replies -> outcomes: its error array's words (the wire contract's) into
refusal reasons with the details app/sync/explain.py words them with, and HTTP statuses into
the typed errors the engine acts on. No HTTP here (tests/contract provokes each over HTTP)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import get_args

import pytest

from app.sync.explain import explain_rejection
from connectors.base import (
    Allocation,
    AuthLost,
    AuthLostError,
    ContactRecord,
    DocumentLine,
    DocumentRecord,
    PaymentRecord,
    RateLimitedError,
    Rejected,
    RejectReason,
    RetryLater,
    Uncertain,
)
from connectors.http import MaybeSentError
from connectors.sage_accounting.errors import (
    REJECT_REASONS,
    SageRequestError,
    SageUnavailableError,
    batch_outcome,
    classify,
    error_items,
    raise_for_status,
)

LINE = DocumentLine("Boiler service", Decimal("2"), Decimal("50"), "4000", "GB_STANDARD",
                    Decimal("20"), Decimal("100.00"), Decimal("20.00"))
INVOICE = DocumentRecord(
    key="k1", kind="invoice", reference="INV-9", contact_external_id="c1",
    contact_name="Penny Plumbing Ltd", date=date(2021, 2, 14), due_date=None,
    their_reference="", amounts_are="exclusive", lines=(LINE,), subtotal=Decimal("100.00"),
    tax_total=Decimal("20.00"), total=Decimal("120.00"))
PAYMENT = PaymentRecord(
    key="k2", kind="payment", reference="Card 1 (P1)", contact_external_id="c1",
    contact_name="Penny Plumbing Ltd", date=date(2026, 10, 20), amount=Decimal("121.00"),
    bank_account_code="1200", allocations=(Allocation("i1", "INV-9", Decimal("121.00")),))
CONTACT = ContactRecord("k3", "customer", "C0001", "Penny Plumbing Ltd")


def _errors(message: str, source: str = "", code: str = "RecordInvalid") -> list:
    return error_items([{"$severity": "error", "$dataCode": code, "$message": message,
                         "$source": source}])


@pytest.mark.parametrize("message, source, record, reason, detail", [
    ("Contact is not valid", "contact_id", INVOICE, "contact_missing",
     ("contact_name", "Penny Plumbing Ltd")),
    ("Contact is inactive", "contact_id", INVOICE, "contact_archived",
     ("contact_name", "Penny Plumbing Ltd")),
    ("Reference has already been taken", "reference", CONTACT, "duplicate_reference",
     ("reference", "C0001")),
    ("Ledger account is not valid", "invoice_lines.ledger_account_id", INVOICE,
     "account_unknown", ("account_code", "4000")),
    ("Ledger account is not available for sales", "invoice_lines.ledger_account_id", INVOICE,
     "account_archived", ("account_code", "4000")),
    ("Bank account is not valid", "bank_account_id", PAYMENT, "account_unknown",
     ("account_code", "1200")),
    ("Tax rate is not valid", "invoice_lines.tax_rate_id", INVOICE, "tax_rate_unknown",
     ("tax_code", "GB_STANDARD")),
    ("Date is within a VAT return period that has been submitted", "date", INVOICE,
     "locked_period", ("date", "2021-02-14")),
    ("Date cannot be on or before the lock date (31/03/2021)", "date", INVOICE,
     "locked_period", ("lock_date", "31/03/2021")),
    ("Artefact is not valid", "allocated_artefacts.artefact_id", PAYMENT, "invoice_missing",
     ("invoice_reference", "INV-9")),
    ("Amount exceeds the outstanding amount of the artefact", "allocated_artefacts.amount",
     PAYMENT, "amount_exceeds_due", ("invoice_reference", "INV-9")),
    ("Description can't be blank", "invoice_lines.description", INVOICE, "validation",
     ("reference", "INV-9")),
])
def test_sages_words_are_classified(message: str, source: str, record: object, reason: str,
                                    detail: tuple[str, str]) -> None:
    outcome = classify(_errors(message, source), record)  # type: ignore[arg-type]
    assert (outcome.reason, outcome.field) == (reason, source)
    assert outcome.package_message == message
    assert outcome.details[detail[0]] == detail[1]


def test_several_errors_keep_all_their_words_and_the_first_known_reason_decides() -> None:
    errors = error_items([
        {"$dataCode": "RecordInvalid", "$message": "Description can't be blank",
         "$source": "invoice_lines.description"},
        {"$dataCode": "RecordInvalid", "$message": "Tax rate is not valid",
         "$source": "invoice_lines.tax_rate_id"},
    ])
    outcome = classify(errors, INVOICE)
    assert outcome.reason == "tax_rate_unknown"
    assert outcome.package_message == "Description can't be blank; Tax rate is not valid"
    assert classify([], INVOICE).reason == "validation"


def test_every_reason_the_connector_gives_is_a_shared_one_that_explain_words() -> None:
    assert REJECT_REASONS <= set(get_args(RejectReason))
    for reason in REJECT_REASONS - {"validation"}:
        words = explain_rejection(Rejected(reason, "Sage's words", None,  # type: ignore[arg-type]
                                           {"reference": "INV-9"}), "Sage Accounting",
                                  "Invoice INV-9")
        assert words.reason == reason, reason


def test_statuses_become_the_errors_the_engine_acts_on() -> None:
    raise_for_status(201, {}, {"id": "x"}, "")
    unauthorised = [{"$severity": "error", "$dataCode": "AuthenticationFailed",
                     "$message": "The access token is invalid or has expired", "$source": ""}]
    for status in (401, 403):
        with pytest.raises(AuthLostError, match="invalid or has expired"):
            raise_for_status(status, {}, unauthorised, "")
    with pytest.raises(RateLimitedError) as limited:
        raise_for_status(429, {"Retry-After": "7"}, [], "")
    assert limited.value.after == 7
    with pytest.raises(RateLimitedError) as limited:
        raise_for_status(429, {}, [], "")
    assert limited.value.after == 60
    with pytest.raises(SageUnavailableError) as down:
        raise_for_status(503, {"Retry-After": "12"}, None, "down")
    assert down.value.after == 12
    with pytest.raises(SageUnavailableError) as down:
        raise_for_status(502, {}, None, "bad gateway")
    assert 0 < down.value.after <= 3600
    with pytest.raises(SageRequestError) as refused:
        raise_for_status(422, {}, _raw("Contact is not valid", "contact_id"), "")
    assert refused.value.status == 422
    assert [e.message for e in refused.value.errors] == ["Contact is not valid"]


def _raw(message: str, source: str) -> list[dict[str, str]]:
    return [{"$severity": "error", "$dataCode": "RecordInvalid", "$message": message,
             "$source": source}]


def test_a_whole_request_failing_is_one_outcome() -> None:
    assert isinstance(batch_outcome(AuthLostError("gone")), AuthLost)
    assert batch_outcome(RateLimitedError(7, "minute")) == RetryLater(7, "minute")
    assert batch_outcome(SageUnavailableError("down", 30)) == RetryLater(30, "server error")
    assert isinstance(batch_outcome(MaybeSentError("lost")), Uncertain)
    refused = batch_outcome(SageRequestError(400, _raw("The request body is not valid JSON",
                                                       "")))
    assert isinstance(refused, Rejected) and refused.reason == "validation"


def test_sages_own_totals_unlike_ours_are_sent_with_both_figures() -> None:
    from connectors.base import Sent, TotalsDiffer
    from connectors.sage_accounting.pushing import check_totals

    same = {"id": "d1", "total_amount": Decimal("120.00"), "tax_amount": Decimal("20.00")}
    assert check_totals(Sent("d1"), same, INVOICE) == Sent("d1")
    penny = {**same, "total_amount": Decimal("120.01"), "tax_amount": Decimal("20.01")}
    assert check_totals(Sent("d1"), penny, INVOICE) == Sent("d1", TotalsDiffer(
        Decimal("120.01"), Decimal("20.01"), Decimal("120.00"), Decimal("20.00")))
    assert check_totals(Sent("d1"), None, INVOICE) == Sent("d1")
