"""The package's own lists (cached per connection), and saving a mapping after checking it.

Lists come from the connector (accounts(), tax_rates()), fetched with fresh tokens and within
the connection's shared call budget, then kept in PackageList so opening the page does not
call the package; "Refresh lists" fetches again. A package without a list (its connector
raises NotImplementedError) gets free-text codes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests

from app.connections.service import set_mapping
from app.dashboard.phrases import fix_url
from app.extensions import db
from app.mapping import rules, waiting
from app.models import (
    Account,
    AccountMapping,
    Connection,
    PackageList,
    TaxMapping,
    TaxRate,
    utcnow,
)
from app.models.connection import DISCONNECTED
from app.packages.problems import Problem, read_problem
from app.sync.access import with_package
from connectors import connector_class
from connectors.base import Connector, ConnectorError
from connectors.capabilities import CreatesServiceItems, ListsFromDesktop

LIST_KINDS = ("accounts", "tax_rates")
# A pull package's lists marked due: its desktop side's next session asks for them first.
LISTS_ASKED_AGAIN = datetime(2000, 1, 1)


@dataclass
class Lists:
    """The package's lists as last fetched. A list is None when the package has none (codes
    are typed in) and missing from `have` until fetched."""

    accounts: list[rules.Entry] | None = None
    tax_rates: list[rules.Entry] | None = None
    fetched_at: datetime | None = None
    loaded: bool = False
    problem: Problem | None = None


def title_of(connection: Connection) -> str:
    return connector_class(connection.package).title


def can_create_items(connection: Connection) -> bool:
    return issubclass(connector_class(connection.package), CreatesServiceItems)


# --------------------------------------------------------------------------- lists
def cached_lists(connection: Connection) -> Lists:
    rows = {r.kind: r for r in db.session.execute(
        db.select(PackageList).filter_by(connection_id=connection.id)).scalars()}
    lists = Lists()
    if not all(kind in rows for kind in LIST_KINDS):
        return lists
    taxes = rows["tax_rates"].data or {}
    if taxes.get("supported") and any("sales" not in e for e in taxes.get("entries", [])):
        return lists  # cached before rates said whether they are for sales: fetch again
    # Decided at reading, not fetching, so lists cached before the connector said so follow.
    shown = connector_class(connection.package).codes_are_shown
    for kind in LIST_KINDS:
        data = rows[kind].data or {}
        entries = [{**e, "code_shown": shown} for e in data.get("entries", [])]
        setattr(lists, kind, entries if data.get("supported") else None)
    lists.fetched_at = min(rows[kind].fetched_at for kind in LIST_KINDS)
    lists.loaded = True
    return lists


def _account_entry(a: Any) -> rules.Entry:
    return {"code": str(a.code), "name": str(a.name), "type": str(getattr(a, "type", "")),
            "kind": str(getattr(a, "kind", "other")), "active": bool(getattr(a, "active", True))}


def _tax_entry(t: Any) -> rules.Entry:
    return {"code": str(t.code), "name": str(t.name), "rate": str(t.rate),
            "active": bool(getattr(t, "active", True)),
            "sales": bool(getattr(t, "sales", True)),
            "description": str(getattr(t, "description", "") or "")}


def _fetch(call: Callable[[], list[Any]], as_entry: Callable[[Any], rules.Entry]) -> dict:
    try:
        found = call()
    except NotImplementedError:
        return {"supported": False}
    return {"supported": True, "entries": [as_entry(x) for x in found]}


def problem_words(connection: Connection, exc: Exception) -> Problem:
    return read_problem(connection, exc, "lists", "Refresh lists")


def fetch_lists(connection: Connection) -> Lists:
    """Fetch the lists from the package and cache them. On failure, the cached lists (if any)
    with the problem in words; nothing cached is lost."""
    if connection.status == DISCONNECTED:
        # No access is left to use, and a failed refresh would mark the connection
        # "reconnect needed", as if someone had reconnected it half-way.
        lists, title = cached_lists(connection), title_of(connection)
        lists.problem = Problem(
            f"This connection to {title} is disconnected, so its lists cannot be read. "
            "Reconnect it first.", f"Reconnect {title}",
            fix_url("connections.reconnect", connection_id=connection.id))
        return lists

    if issubclass(connector_class(connection.package), ListsFromDesktop):
        return _pulled_lists(connection)

    def _all(connector: Connector) -> dict[str, dict]:
        return {"accounts": _fetch(connector.accounts, _account_entry),
                "tax_rates": _fetch(connector.tax_rates, _tax_entry)}

    try:
        found = with_package(connection, _all)
    except (ConnectorError, requests.RequestException) as exc:
        db.session.rollback()
        lists = cached_lists(connection)
        lists.problem = problem_words(connection, exc)
        return lists
    _save_lists(connection, found)
    return cached_lists(connection)


def _save_lists(connection: Connection, found: Mapping[str, dict]) -> None:
    now = utcnow()
    rows = {r.kind: r for r in db.session.execute(
        db.select(PackageList).filter_by(connection_id=connection.id)).scalars()}
    for kind, data in found.items():
        row = rows.get(kind) or PackageList(connection_id=connection.id, kind=kind)
        row.data, row.fetched_at = data, now
        db.session.add(row)
    db.session.commit()


def store_lists(connection: Connection, accounts: list[Any], tax_rates: list[Any]) -> None:
    """Lists a pull package's desktop side sent back (the Web Connector's answer): they
    cannot be fetched from here, so they replace the cached ones as they arrive."""
    _save_lists(connection, {
        "accounts": {"supported": True, "entries": [_account_entry(a) for a in accounts]},
        "tax_rates": {"supported": True, "entries": [_tax_entry(t) for t in tax_rates]},
    })


def store_list(connection: Connection, kind: str, items: list[Any]) -> None:
    """One list a pull package's desktop side sent on its own (the agent sends each list in
    its own call): it replaces that cached list and leaves the other alone."""
    entry = {"accounts": _account_entry, "tax_rates": _tax_entry}[kind]
    _save_lists(connection, {kind: {"supported": True, "entries": [entry(x) for x in items]}})


def _pulled_lists(connection: Connection) -> Lists:
    """A pull package's lists cannot be fetched from here: they come with its desktop side's
    next session. Asking again ("Refresh lists") marks them due, so that session asks for them
    first; the lists it last sent stay on the page meanwhile."""
    title = title_of(connection)
    rows = list(db.session.execute(
        db.select(PackageList).filter_by(connection_id=connection.id)).scalars())
    for row in rows:
        row.fetched_at = LISTS_ASKED_AGAIN
    db.session.commit()
    lists = cached_lists(connection)
    collector = str(getattr(connector_class(connection.package), "collector", "the agent"))
    waiting = (f"Waiting for {title}'s lists: they arrive the next time {collector} runs on "
               f"the computer with {title}.")
    lists.problem = Problem(waiting if not lists.loaded else
                            f"{title} will send its lists again the next time {collector} "
                            "runs; these are the ones it sent last.")
    return lists


def lists_for(connection: Connection) -> Lists:
    """Cached lists, fetched first if there are none yet."""
    lists = cached_lists(connection)
    return lists if lists.loaded else fetch_lists(connection)


# --------------------------------------------------------------------------- saving
@dataclass
class Saved:
    """What saving one row did: the error (nothing written), or the confirmation."""

    verdict: rules.Verdict
    message: str = ""
    freed: Counter = field(default_factory=Counter)


def our_account(connection: Connection, key: str) -> Account | None:
    return db.session.execute(db.select(Account).filter_by(
        company_id=connection.company_id, key=key)).scalar_one_or_none()


def our_tax_rate(connection: Connection, key: str) -> TaxRate | None:
    return db.session.execute(db.select(TaxRate).filter_by(
        company_id=connection.company_id, key=key)).scalar_one_or_none()


def unavailable(lists: Lists, title: str) -> rules.Verdict | None:
    if lists.loaded:
        return None
    why = lists.problem.text if lists.problem else ""
    return rules.Verdict(error=f"We could not check the code against {title}’s list, so "
                               f"nothing was saved. {why}".strip())


def check_entry(ours: Account | TaxRate, code: str | None, lists: Lists, title: str
                ) -> rules.Verdict:
    """The page's check of one code for one of our accounts or tax rates, against the
    package's lists as read: it exists, is active and is of the right kind. The mapping page
    and the inbound API both save only what passes it."""
    if isinstance(ours, Account):
        return rules.check_account(ours, code, lists.accounts, title)
    return rules.check_tax_rate(ours, code, lists.tax_rates, title)


def write_entries(connection: Connection, accounts: Mapping[str, str | None],
                  tax_rates: Mapping[str, str | None]) -> None:
    """Set our keys to checked codes, or clear them (None), in one commit: all or nothing."""
    for model, mapping, column, wanted in (
        (Account, AccountMapping, AccountMapping.account_id, accounts),
        (TaxRate, TaxMapping, TaxMapping.tax_rate_id, tax_rates),
    ):
        cleared = [key for key, code in wanted.items() if code is None]
        if cleared:
            ids = db.select(model.id).where(model.company_id == connection.company_id,
                                            model.key.in_(cleared))
            db.session.execute(db.delete(mapping).where(
                mapping.connection_id == connection.id, column.in_(ids)))
    set_mapping(connection,  # commits the clears with the rest
                accounts={k: c for k, c in accounts.items() if c is not None},
                tax_rates={k: c for k, c in tax_rates.items() if c is not None})


def _save(connection: Connection, ours: Account | TaxRate, code: str | None) -> Saved:
    title = title_of(connection)
    lists = lists_for(connection)
    blocked = unavailable(lists, title)
    if blocked:
        return Saved(blocked)
    verdict = check_entry(ours, code, lists, title)
    if not verdict.ok:
        return Saved(verdict)
    entry: dict[str, str | None] = {ours.key: verdict.code}
    if isinstance(ours, Account):
        kind = "account"
        write_entries(connection, accounts=entry, tax_rates={})
    else:
        kind = "tax_rate"
        write_entries(connection, accounts={}, tax_rates=entry)
    return _confirm(connection, kind, ours.key, ours.name, verdict, title)


def save_account(connection: Connection, account: Account, code: str | None) -> Saved:
    return _save(connection, account, code)


def save_tax_rate(connection: Connection, rate: TaxRate, code: str | None) -> Saved:
    return _save(connection, rate, code)


def clear_account(connection: Connection, account: Account) -> Saved:
    """Forget the account's code on this connection: its records wait until it is mapped
    again (the pre-flight check blocks them), rather than going somewhere now wrong."""
    write_entries(connection, accounts={account.key: None}, tax_rates={})
    return _cleared(connection, account.name)


def clear_tax_rate(connection: Connection, rate: TaxRate) -> Saved:
    write_entries(connection, accounts={}, tax_rates={rate.key: None})
    return _cleared(connection, rate.name)


def _cleared(connection: Connection, name: str) -> Saved:
    title = title_of(connection)
    return Saved(rules.Verdict(), f"Cleared: \u201c{name}\u201d is not mapped to {title} any "
                                  "more. Records that use it wait until you map it again.")


def _confirm(connection: Connection, kind: str, key: str, name: str, verdict: rules.Verdict,
             title: str) -> Saved:
    theirs = rules.entry_label(verdict.entry) if verdict.entry else verdict.code
    freed = waiting.freed_by(connection.company_id, connection.id, kind, key)
    return Saved(verdict, f"Saved: \u201c{name}\u201d goes to {title} as {theirs}.", freed)


def create_item(
    connection: Connection, account: Account, name: str | None, income_code: str | None
) -> Saved:
    """Create a service item in the package bound to one of its income accounts, and map our
    sales account to it (packages that post sales lines through items)."""
    title = title_of(connection)
    name = (name or "").strip() or account.name
    lists = lists_for(connection)
    blocked = unavailable(lists, title)
    if blocked:
        return Saved(blocked)
    # Packages that sell through items number items and accounts separately (QuickBooks
    # Online has an item "1" and an account "1"): the income account is looked up among the
    # accounts only, or the item with the same id is found and refused.
    income_accounts = (None if lists.accounts is None else
                       [e for e in lists.accounts if rules.is_income_account(e)])
    verdict = rules.check_income_account(income_code, income_accounts, title, name)
    if not verdict.ok:
        return Saved(verdict)
    try:
        made = with_package(connection, lambda c: c.create_service_item(name, verdict.code))
    except (ConnectorError, requests.RequestException) as exc:
        db.session.rollback()
        return Saved(rules.Verdict(error=f"{title} did not create the item. "
                                         f"{problem_words(connection, exc).text}"))
    code = str(getattr(made, "code", None) or made)
    fetch_lists(connection)  # the new item belongs in the picker from now on
    set_mapping(connection, accounts={account.key: code}, tax_rates={})
    result = rules.Verdict(code=code, entry={"code": code, "name": name})
    return _confirm(connection, "account", account.key, account.name, result, title)
