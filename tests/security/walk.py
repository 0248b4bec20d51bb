"""Walking every route of the app, generically, and snapshotting everything one company owns.

The walk reads `app.url_map`, so a route added later is walked without anyone touching these
tests; a route whose parameters we do not know how to fill fails `test_every_route_is_walked`
until a filler is added here, so nobody can add an unwalked route by accident.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import ColumnElement, Table, or_, select
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from app.extensions import db

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Not walked, and why. Anything else in the url_map is walked.
EXCLUDED_PREFIXES = {
    "/sandbox/": "the package simulators play a foreign API (Xero, QuickBooks) with that "
                 "package's own OAuth tokens and tenant header; they hold no company's data "
                 "from our tables and are not served in production (SANDBOX_MODE=0)",
}
EXCLUDED_ENDPOINTS = {"static": "CSS and JavaScript files, the same for everyone"}

# Pages anyone may open signed out (a reset link is its own credential).
PUBLIC_ENDPOINTS = {"auth.login", "auth.forgot_password", "auth.reset_password", "healthz",
                    "api.openapi",
                    # The Web Connector's SOAP service: it signs in inside the SOAP call (user
                    # and password, then a ticket), never with our cookie; and its help page.
                    "webconnector.describe", "webconnector.endpoint", "webconnector.support",
                    # The agent API's description; its calls sign in with an agent token.
                    "agent_api.openapi"}

# Answers that honestly refuse a foreign id: never 2xx/3xx, never a 409 that admits it exists.
REFUSALS = {400, 401, 403, 404, 422}


@dataclass
class Side:
    """One company's values for route parameters, query strings and form fields."""

    company_id: int
    connection_ids: list[int]
    transfer_ids: list[int]
    run_ids: list[int]
    user_ids: list[int]
    sources: dict[str, str]  # record type -> a source_id of that type
    tenant_ids: list[str] = field(default_factory=list)
    job_ids: list[str] = field(default_factory=list)

    @property
    def source_ids(self) -> list[str]:
        return list(self.sources.values())

    def forged_token(self) -> str:
        """A password-reset token for this company's first user, signed with a key that is
        not ours: what someone guessing at reset links would hold."""
        signer = URLSafeTimedSerializer("not-the-app-secret", salt="password-reset")
        return signer.dumps({"u": self.user_ids[0], "h": "0" * 20, "p": "reset"})


def _package_keys() -> list[str]:
    from connectors import package_keys

    return sorted(package_keys())


def _actions() -> list[str]:
    from app.records.detail import ACTIONS

    return sorted(ACTIONS)


# parameter name -> (names one company's object?, values for a side)
FILLERS: dict[str, tuple[bool, Callable[[Side], list[Any]]]] = {
    "connection_id": (True, lambda s: s.connection_ids),
    "transfer_id": (True, lambda s: s.transfer_ids),
    "run_id": (True, lambda s: s.run_ids),
    "user_id": (True, lambda s: s.user_ids),
    "source_id": (True, lambda s: s.source_ids),
    "token": (True, lambda s: [s.forged_token()]),
    "key": (False, lambda s: ["sales", "standard"]),  # our chart's account / tax-rate keys
    "package": (False, lambda s: _package_keys()),
    "action": (False, lambda s: _actions()),
    "name": (False, lambda s: ["accounts", "tax_codes", "contacts"]),  # the agent's lists
}
MAX_COMBINATIONS = 40


def excluded_reason(rule: Rule) -> str | None:
    if rule.endpoint in EXCLUDED_ENDPOINTS:
        return EXCLUDED_ENDPOINTS[rule.endpoint]
    for prefix, why in EXCLUDED_PREFIXES.items():
        if rule.rule.startswith(prefix):
            return why
    return None


def walkable_rules(app: Flask) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if excluded_reason(r) is None]
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


def methods_of(rule: Rule) -> list[str]:
    return [m for m in METHODS if m in (rule.methods or set())]


def unfillable(rule: Rule) -> list[str]:
    """Parameters of the rule that the walk has no values for."""
    return sorted(name for name in rule.arguments
                  if name not in FILLERS and not isinstance(rule._converters[name], AnyConverter))


def names_an_object(rule: Rule) -> bool:
    return any(FILLERS.get(name, (False, None))[0] for name in rule.arguments)


def paths(rule: Rule, side: Side, foreign: Side | None = None,
          foreign_name: str = "") -> Iterator[str]:
    """The rule's URL with every combination of the side's values (capped); with `foreign`,
    the parameter `foreign_name` takes the foreign side's values instead."""
    names = sorted(rule.arguments)
    choices = []
    for name in names:
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            choices.append(sorted(converter.items))
        else:
            choices.append(FILLERS[name][1](foreign if name == foreign_name and foreign
                                            else side))
    combos = itertools.islice(itertools.product(*choices), MAX_COMBINATIONS)
    for combo in combos:
        built = rule.build(dict(zip(names, combo, strict=True)), append_unknown=False)
        assert built is not None, (rule.rule, combo)
        yield built[1]


def mixed_paths(rule: Rule, own: Side, foreign: Side) -> Iterator[str]:
    """With several ids in the URL, one of them the foreign company's and the rest our own:
    /connections/<ours>/linking/<theirs>/link must not act on theirs through ours."""
    ids = [n for n in sorted(rule.arguments) if FILLERS.get(n, (False, None))[0]]
    if len(ids) < 2:
        return
    for name in ids:
        yield from paths(rule, own, foreign, name)


def hostile_fields(a: Side) -> dict[str, Any]:
    """Another company's ids under every name a view might read from a query or a form."""
    fields: dict[str, Any] = {
        "company_id": a.company_id,
        "connection": a.connection_ids[0],
        "connection_id": a.connection_ids[0],
        "transfer_id": a.transfer_ids[0],
        "run_id": a.run_ids[0],
        "user_id": a.user_ids[0],
        "user_ids": [str(u) for u in a.user_ids],
        "source_id": a.sources["customer"],
        "customer_source_id": a.sources["customer"],
        "invoice_source_id": a.sources["invoice"],
    }
    if a.tenant_ids:
        fields["tenant_id"] = a.tenant_ids[0]
    if a.job_ids:
        fields["job"] = a.job_ids[0]
    return fields


# ---------------------------------------------------------------------------- snapshots

# Tables that name no company, and how to find one company's rows in them.
SPECIAL_OWNERS: dict[str, Callable[[Table, int, list[str]], ColumnElement[bool]]] = {
    # The simulated package's books: a company's organisation, by tenant id.
    "sandbox_kit_objects": lambda t, _c, tenants: t.c.tenant.in_(tenants),
}


def _owner_clause(table: Table, company_id: int, tenants: list[str],
                  depth: int = 0) -> ColumnElement[bool] | None:
    """A WHERE clause selecting the company's rows of `table`, or None if we cannot tell."""
    if depth > 4:
        return None
    if table.name in SPECIAL_OWNERS:
        return SPECIAL_OWNERS[table.name](table, company_id, tenants)
    if table.name == "companies":
        return table.c.id == company_id
    if "company_id" in table.c:
        return table.c.company_id == company_id
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        parent = fk.column.table
        if parent is table:
            continue
        clause = _owner_clause(parent, company_id, tenants, depth + 1)
        if clause is not None:
            return fk.parent.in_(select(fk.column).where(clause))
    # Rows no company column points from, but a company's rows point at (users).
    refs = []
    for other in db.metadata.sorted_tables:
        if "company_id" not in other.c:
            continue
        for fk in other.foreign_keys:
            if fk.column.table is table:
                refs.append(fk.column.in_(
                    select(fk.parent).where(other.c.company_id == company_id)))
    return or_(*refs) if refs else None


def unowned_tables() -> list[str]:
    """Tables the snapshot cannot attribute to a company: a new one must be taught here."""
    return sorted(t.name for t in db.metadata.sorted_tables
                  if _owner_clause(t, 0, []) is None)


def company_rows(company_id: int, tenants: list[str]) -> dict[str, list[tuple]]:
    """Every row the company owns, in every table, every column (call in an app context): the
    app's tables and the sandboxes' own (the company's organisations' books)."""
    from sandboxes.kit import db as kit_db

    out: dict[str, list[tuple]] = {}
    for metadata, session in ((db.metadata, db.session), (kit_db.metadata, kit_db.session())):
        for table in metadata.sorted_tables:
            clause = _owner_clause(table, company_id, tenants)
            if clause is None:
                continue
            rows = session.execute(
                select(table).where(clause).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(repr(v) for v in row) for row in rows]
    return out


def differences(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> list[str]:
    found = []
    for name in sorted(set(before) | set(after)):
        old, new = set(before.get(name, [])), set(after.get(name, []))
        if old != new:
            found.append(f"{name}: {len(before.get(name, []))} rows -> "
                         f"{len(after.get(name, []))}; gone {sorted(old - new)[:2]}, "
                         f"new {sorted(new - old)[:2]}")
    return found
