"""Lists: the package's chart of accounts and tax rates hold what the demo maps our chart to,
and its contacts come back complete across pages (none missing, none twice)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from connectors import package_module
from connectors.base import Sent
from tests.contract.kit import ConnectedOrg
from tests.contract.parts import sandbox_hook

# Our chart's codes (app/companies.py) and what kind of account each must map to.
ACCOUNT_KINDS = {"sales": "sales", "bank": "bank", "expenses": "expense"}
VAT_RATES = {"standard": Decimal("20"), "reduced": Decimal("5"), "zero": Decimal("0"),
             "exempt": Decimal("0")}


def test_accounts_hold_the_mapped_chart(org: ConnectedOrg) -> None:
    demo = package_module(org.key, "demo").DEMO
    with org.connector() as connector:
        accounts = connector.accounts()
    by_kind = {(a.kind, a.code): a for a in accounts}
    assert len(by_kind) == len(accounts), "a code listed twice under one kind"
    for ours, kind in ACCOUNT_KINDS.items():
        if ours not in demo.accounts:
            continue
        found = by_kind.get((kind, demo.accounts[ours]))
        assert found is not None, f"no {kind} account {demo.accounts[ours]} (our {ours})"
        assert found.active and found.name, found
    assert all(a.code and a.name for a in accounts)


def test_tax_rates_hold_the_mapped_vat_rates(org: ConnectedOrg) -> None:
    demo = package_module(org.key, "demo").DEMO
    with org.connector() as connector:
        rates = {r.code: r for r in connector.tax_rates()}
    for ours, percent in VAT_RATES.items():
        if ours not in demo.tax_rates:
            continue
        found = rates.get(demo.tax_rates[ours])
        assert found is not None, f"no tax rate {demo.tax_rates[ours]} (our {ours})"
        assert found.rate == percent and found.active and found.sales, found


def test_contacts_come_back_across_pages_none_missing_none_twice(org: ConnectedOrg) -> None:
    per_page = sandbox_hook(org.key).CONTACTS_PER_PAGE
    batch = max(1, org.cls.limits.batch_size.get("customer", 1))
    records = [org.records.contact() for _ in range(per_page + 3)]
    sent: list[str] = []
    for start in range(0, len(records), batch):
        outcomes = org.push(records[start:start + batch])
        assert all(isinstance(o, Sent) for o in outcomes), outcomes
        sent += [o.external_id for o in outcomes if isinstance(o, Sent)]
    with org.connector() as connector:
        contacts = list(connector.contacts())
    listed = Counter(c.external_id for c in contacts)
    assert len(listed) > per_page, "the list stopped at the first page"
    assert [i for i in sent if listed[i] != 1] == []
    assert [i for i, n in listed.items() if n > 1] == []
    names = {c.external_id: c.name for c in contacts}
    assert [r.name for r in records] == [names[i] for i in sent]
