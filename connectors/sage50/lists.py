"""The lists the agent reads from Sage 50 and sends (PUT /agent/v1/lists/...), as the
platform's types: nominal codes for the mapping page's accounts, tax codes T0-T99 for its VAT
rates, and customer and supplier records for the one-time import and linking."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from connectors.base import Address, BadReplyError, Contact, LedgerAccount, PackageTaxRate
from connectors.capabilities import PulledLists

_KINDS = {"sales": "sales", "bank": "bank", "expense": "expense"}


def _accounts(entries: list[Mapping[str, Any]]) -> PulledLists:
    return PulledLists(accounts=[
        LedgerAccount(code=str(e["code"]), name=str(e.get("name") or e["code"]),
                      type=str(e.get("type") or "other"),
                      kind=_KINDS.get(str(e.get("type")), "other"),  # type: ignore[arg-type]
                      active=bool(e.get("active", True)))
        for e in entries], tax_rates=[])


def _tax_codes(entries: list[Mapping[str, Any]]) -> PulledLists:
    return PulledLists(accounts=[], tax_rates=[
        PackageTaxRate(code=str(e["code"]), name=str(e.get("name") or e["code"]),
                       rate=Decimal(str(e["rate"])), active=bool(e.get("active", True)),
                       description=str(e.get("name") or ""))
        for e in entries])


def _contacts(entries: list[Mapping[str, Any]]) -> PulledLists:
    found = []
    for e in entries:
        lines = [*list(e.get("address") or []), "", "", "", "", ""][:5]
        found.append(Contact(
            external_id=str(e["reference"]), name=str(e.get("name") or e["reference"]),
            is_customer=e["kind"] == "customer", is_supplier=e["kind"] == "supplier",
            reference=str(e["reference"]), email=str(e.get("email") or ""),
            phone=str(e.get("telephone") or ""),
            address=Address(line1=lines[0], line2=lines[1], city=lines[2], country=lines[3],
                            postcode=lines[4])))
    return PulledLists(accounts=[], tax_rates=[], contacts=found)


def read_lists(name: str, body: Mapping[str, Any]) -> PulledLists:
    """One list as the agent sent it (already checked against the agent API's schema)."""
    readers = {"accounts": _accounts, "tax_codes": _tax_codes, "contacts": _contacts}
    if name not in readers:
        raise BadReplyError(f"Sage 50 sends no list called {name!r}")
    try:
        return readers[name](list(body[name]))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise BadReplyError(f"the {name.replace('_', ' ')} Sage 50 sent could not be read "
                            f"({type(exc).__name__}: {exc})") from exc
