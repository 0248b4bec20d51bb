"""Which records wait on which of our accounts and tax rates, for one connection.

Shared by the dashboard (its "not mapped" banner) and the mapping page (a count on every row,
and "N invoices will go with the next send" after a save), so both count the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import (
    Account,
    AccountMapping,
    Document,
    DocumentLine,
    Payment,
    TaxMapping,
    TaxRate,
    Transfer,
)
from app.models.transfer import BLOCKED, FAILED, PENDING
from app.sync.plan import PREFLIGHT_REASONS

# Transfers that have not reached the package and could be held up by a missing mapping.
WAITING_STATES = (PENDING, BLOCKED, FAILED)

RecordRef = tuple[str, int]  # (record type, record id)


def unmapped(company_id: int, connection_id: int, kind: str) -> dict[str, str]:
    """Our keys (accounts for kind "account", else tax rates) with no code on this connection,
    key -> our name."""
    model, mapping, fk = (
        (Account, AccountMapping, AccountMapping.account_id)
        if kind == "account"
        else (TaxRate, TaxMapping, TaxMapping.tax_rate_id)
    )
    mapped = select(fk).where(mapping.connection_id == connection_id)
    return dict(db.session.execute(
        select(model.key, model.name)
        .where(model.company_id == company_id, model.id.not_in(mapped))
    ).all())


def records_using(
    company_id: int, connection_id: int, kind: str, keys: Iterable[str],
    sendable_only: bool = False,
) -> dict[str, set[RecordRef]]:
    """key -> the not-yet-sent records that name it (document lines; payments' bank account).

    `sendable_only` leaves out records failed for reasons a mapping does not cure (a refusal
    from the package waits for Retry, not for the next send)."""
    keys = list(keys)
    if not keys:
        return {}
    if sendable_only:
        state_ok = or_(Transfer.state.in_((PENDING, BLOCKED)),
                       and_(Transfer.state == FAILED, Transfer.reason.in_(PREFLIGHT_REASONS)))
    else:
        state_ok = Transfer.state.in_(WAITING_STATES)
    line_col = DocumentLine.account_key if kind == "account" else DocumentLine.tax_rate_key
    rows = list(db.session.execute(
        select(Transfer.record_type, Document.id, line_col)
        .join(Document, and_(Document.id == Transfer.record_id,
                             Document.kind == Transfer.record_type))
        .join(DocumentLine, DocumentLine.document_id == Document.id)
        .where(Transfer.company_id == company_id, Document.company_id == company_id,
               Transfer.connection_id == connection_id, state_ok, line_col.in_(keys))
    ).all())
    if kind == "account":
        rows += db.session.execute(
            select(Transfer.record_type, Payment.id, Payment.bank_account_key)
            .join(Payment, and_(Payment.id == Transfer.record_id,
                                Transfer.record_type == "payment"))
            .where(Transfer.company_id == company_id, Payment.company_id == company_id,
                   Transfer.connection_id == connection_id, state_ok,
                   Payment.bank_account_key.in_(keys))
        ).all()
    result: dict[str, set[RecordRef]] = {}
    for record_type, record_id, key in rows:
        result.setdefault(key, set()).add((record_type, record_id))
    return result


def by_type(records: Iterable[RecordRef]) -> Counter:
    """record type -> how many distinct records."""
    return Counter(t for t, _ in set(records))


def waiting_on(company_id: int, connection_id: int
               ) -> tuple[dict[str, set[RecordRef]], dict[str, set[RecordRef]]]:
    """(account key -> records, tax-rate key -> records) for every key not mapped on this
    connection: the records a missing mapping holds up."""
    return (records_using(company_id, connection_id, "account",
                          unmapped(company_id, connection_id, "account")),
            records_using(company_id, connection_id, "tax_rate",
                          unmapped(company_id, connection_id, "tax_rate")))


def held(company_id: int, connection_id: int) -> Counter:
    """Distinct records held up by any missing mapping, by record type."""
    accounts, taxes = waiting_on(company_id, connection_id)
    return by_type(set().union(*accounts.values(), *taxes.values()))


def freed_by(company_id: int, connection_id: int, kind: str, key: str) -> Counter:
    """Records that wait on `key` (now mapped) and on nothing else still unmapped: the ones the
    next send will take. Record type -> count."""
    return freed_by_keys(company_id, connection_id, {kind: [key]})


def freed_by_keys(company_id: int, connection_id: int, keys: dict[str, list[str]]) -> Counter:
    """freed_by for several keys just mapped at once ({"account": [...], "tax_rate": [...]}):
    each record counted once, and only if nothing it names is still unmapped."""
    using: set[RecordRef] = set()
    for kind, named in keys.items():
        for refs in records_using(company_id, connection_id, kind, named,
                                  sendable_only=True).values():
            using |= refs
    if not using:
        return Counter()
    accounts, taxes = waiting_on(company_id, connection_id)
    still = set().union(*accounts.values(), *taxes.values())
    return by_type(using - still)
