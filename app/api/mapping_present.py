"""A connection's mapping as the API answers it, validated through the response models (so the
answers and the OpenAPI document cannot drift apart)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from app.api.mapping_schemas import (
    ChartOut,
    Codes,
    EntryNote,
    InvalidMapping,
    ListsOut,
    MappingOut,
    MappingSavedOut,
    PackageAccountOut,
    PackageTaxRateOut,
)
from app.mapping import bulk, service
from app.mapping.rules import Entry
from app.models import Connection


def percent_text(value: Any) -> str:
    """Decimal("20.000") -> "20"; what cannot be read as a number is shown as it came."""
    try:
        return f"{Decimal(str(value)).normalize():f}"
    except InvalidOperation:
        return str(value)


def _account(entry: Entry) -> PackageAccountOut:
    return PackageAccountOut(code=str(entry.get("code", "")), name=str(entry.get("name", "")),
                             kind=str(entry.get("kind") or "other"),
                             type=str(entry.get("type") or ""),
                             active=bool(entry.get("active", True)))


def _tax_rate(entry: Entry) -> PackageTaxRateOut:
    return PackageTaxRateOut(code=str(entry.get("code", "")), name=str(entry.get("name", "")),
                             kind="sales" if entry.get("sales", True) is not False
                             else "purchases",
                             rate=percent_text(entry.get("rate", "")),
                             active=bool(entry.get("active", True)))


def lists_out(lists: service.Lists) -> ListsOut:
    return ListsOut(
        read_at=lists.fetched_at, problem=lists.problem.text if lists.problem else None,
        accounts=None if lists.accounts is None else [_account(e) for e in lists.accounts],
        tax_rates=None if lists.tax_rates is None else [_tax_rate(e) for e in lists.tax_rates],
    )


def chart_out(chart: bulk.Chart) -> ChartOut:
    return ChartOut(
        accounts=[{"key": a.key, "name": a.name, "kind": a.kind}
                  for a in chart.sections["accounts"]],
        bank_accounts=[{"key": a.key, "name": a.name} for a in chart.sections["bank_accounts"]],
        tax_rates=[{"key": t.key, "name": t.name, "rate": percent_text(t.rate)}
                   for t in chart.sections["tax_rates"]],
    )


def notes_out(notes: list[bulk.Note]) -> list[EntryNote]:
    return [EntryNote(field=n.field, section=n.section, key=n.key, code=n.code,
                      reason=n.reason, message=n.message) for n in notes]


def present_mapping(connection: Connection, lists: service.Lists,
                    released: Counter | None = None) -> dict[str, Any]:
    """Our chart, the package's lists as last read, the mapping, and what is wrong with it;
    with `released` (after a PUT), the records the change lets go with the next send."""
    chart = bulk.our_chart(connection.company_id)
    problems, warnings = bulk.review(connection, chart, lists)
    fields: dict[str, Any] = {
        "connection_id": connection.id, "package": connection.package,
        "package_title": service.title_of(connection), "chart": chart_out(chart),
        "lists": lists_out(lists),
        "mapping": Codes(**bulk.current_codes(connection, chart)),
        "problems": notes_out(problems), "warnings": notes_out(warnings),
        "records_waiting": dict(bulk.records_waiting(connection)),
    }
    if released is None:
        return MappingOut(**fields).model_dump(mode="json")
    return MappingSavedOut(**fields, released=dict(released)).model_dump(mode="json")


def present_refusal(notes: list[bulk.Note]) -> dict[str, Any]:
    count = len(notes)
    message = (f"Nothing was saved: {count} {'entry' if count == 1 else 'entries'} cannot be "
               "mapped as sent (each is named below, with why). Fix "
               f"{'it' if count == 1 else 'them'} and send the mapping again.")
    return InvalidMapping(error="invalid_mapping", message=message,
                          problems=notes_out(notes)).model_dump(mode="json")
