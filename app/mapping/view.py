"""What the mapping page shows: one row per account and tax rate, with its picker, its state
and the records waiting on it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from app.dashboard.phrases import join_words, plural, records_phrase
from app.extensions import db
from app.mapping import rules, service, waiting
from app.models import Account, AccountMapping, Connection, TaxMapping, TaxRate

KIND_TITLES = {"sales": "Sales", "bank": "Bank", "expense": "Expense"}


@dataclass
class Option:
    code: str
    label: str


@dataclass
class Row:
    kind: str  # "account" | "tax_rate"
    key: str
    name: str
    detail: str  # "Sales account", "20%"
    code: str = ""  # the package code it is mapped to now
    code_label: str = ""
    waiting: Counter = field(default_factory=Counter)
    groups: list[tuple[str, list[Option]]] | None = None  # None: type the code
    note: str = ""  # what the picker lists
    problem: str = ""  # the current mapping is no good (archived, wrong kind, gone)
    error: str = ""
    warning: str = ""
    saved: str = ""
    freed: Counter = field(default_factory=Counter)
    create_item: bool = False
    income_accounts: list[Option] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"map-{self.kind.replace('_', '-')}-{self.key}"

    @property
    def waiting_words(self) -> str:
        return records_phrase(dict(self.waiting))[0]

    @property
    def freed_words(self) -> str:
        return records_phrase(dict(self.freed))[0]

    @property
    def freed_total(self) -> int:
        return sum(self.freed.values())


@dataclass
class Page:
    connection: Connection
    title: str
    lists: service.Lists
    accounts: list[Row]
    tax_rates: list[Row]
    waiting: Counter = field(default_factory=Counter)  # distinct records held up, by type

    @property
    def unmapped(self) -> list[Row]:
        return [r for r in [*self.accounts, *self.tax_rates] if not r.code]

    @property
    def headline(self) -> str:
        """'2 accounts and 1 VAT rate are not mapped to Xero yet.'"""
        accounts = sum(1 for r in self.unmapped if r.kind == "account")
        rates = len(self.unmapped) - accounts
        parts = [plural(n, one, many) for n, one, many in
                 ((accounts, "account", "accounts"), (rates, "VAT rate", "VAT rates")) if n]
        verb = "is" if len(self.unmapped) == 1 else "are"
        return f"{join_words(parts)} {verb} not mapped to {self.title} yet."

    @property
    def waiting_words(self) -> str:
        return records_phrase(dict(self.waiting))[0]

    @property
    def waiting_total(self) -> int:
        return sum(self.waiting.values())


def _mapped(connection: Connection) -> tuple[dict[int, str], dict[int, str]]:
    accounts = dict(db.session.execute(db.select(
        AccountMapping.account_id, AccountMapping.package_code).filter_by(
        connection_id=connection.id)).all())
    taxes = dict(db.session.execute(db.select(
        TaxMapping.tax_rate_id, TaxMapping.package_code).filter_by(
        connection_id=connection.id)).all())
    return accounts, taxes


def build(connection: Connection, lists: service.Lists) -> Page:
    """Every row of the page, the pickers filled from `lists` when they are loaded."""
    title = service.title_of(connection)
    cid = connection.company_id
    mapped_accounts, mapped_taxes = _mapped(connection)
    accounts = db.session.execute(db.select(Account).filter_by(company_id=cid)
                                  .order_by(Account.id)).scalars().all()
    taxes = db.session.execute(db.select(TaxRate).filter_by(company_id=cid)
                               .order_by(TaxRate.id)).scalars().all()
    waiting_accounts, waiting_taxes = waiting.waiting_on(cid, connection.id)
    held = set().union(*waiting_accounts.values(), *waiting_taxes.values())
    return Page(
        connection, title, lists,
        [account_row(connection, a, mapped_accounts.get(a.id, ""), lists, title,
                     waiting.by_type(waiting_accounts.get(a.key, set()))) for a in accounts],
        [tax_row(t, mapped_taxes.get(t.id, ""), lists, title,
                 waiting.by_type(waiting_taxes.get(t.key, set()))) for t in taxes],
        waiting.by_type(held),
    )


def account_row(connection: Connection, account: Account, code: str, lists: service.Lists,
                title: str, waits: Counter) -> Row:
    kind_word = KIND_TITLES.get(account.kind, account.kind.title())
    row = Row("account", account.key, account.name, f"{kind_word} account", code, code,
              waits)
    if not lists.loaded:
        return row
    choices = lists.accounts
    what = "account"
    if choices is None:
        row.note = f"{title} gives no list of its codes: type the code exactly as in {title}."
        return row
    suitable = [e for e in choices if e.get("active", True) and e.get("kind") == account.kind]
    options = [Option(str(e["code"]), rules.entry_label(e)) for e in suitable]
    if code:
        verdict = rules.check_account(account, code, choices, title, what)
        row.code_label = rules.entry_label(verdict.entry) if verdict.entry else code
        if not verdict.ok:
            row.problem = f"Mapped to {row.code_label}, which will not work: {verdict.error}"
            options.insert(0, Option(code, f"{row.code_label} (not usable)"))
    row.groups = [(f"{title} {KIND_TITLES.get(account.kind, '').lower()} {what}s", options)]
    if not options:
        row.note = (f"{title} has no active {account.kind} {what}s: add one in {title}, "
                    "then press Refresh lists.")
    if account.kind == "sales" and service.can_create_items(connection):
        row.create_item = True
        row.income_accounts = [
            Option(str(e["code"]), rules.entry_label(e)) for e in lists.accounts or []
            if e.get("active", True) and rules.is_income_account(e)]
    return row


def tax_row(rate: TaxRate, code: str, lists: service.Lists, title: str, waits: Counter) -> Row:
    row = Row("tax_rate", rate.key, rate.name, rules.percent(rate.rate), code, code, waits)
    if not lists.loaded:
        return row
    if lists.tax_rates is None:
        row.note = f"{title} gives no list of its tax codes: type the code exactly as in {title}."
        return row
    # Our rates go on sales documents only: purchase rates are never offered.
    active = [e for e in lists.tax_rates if e.get("active", True) and rules.is_sales_rate(e)]
    same = [Option(str(e["code"]), rules.tax_label(e)) for e in active
            if rules.same_rate(e.get("rate"), rate.rate)]
    other = [Option(str(e["code"]), rules.tax_label(e)) for e in active
             if not rules.same_rate(e.get("rate"), rate.rate)]
    if code:
        verdict = rules.check_tax_rate(rate, code, lists.tax_rates, title)
        row.code_label = rules.tax_label(verdict.entry) if verdict.entry else code
        if not verdict.ok:
            row.problem = f"Mapped to {row.code_label}, which will not work: {verdict.error}"
            same.insert(0, Option(code, f"{row.code_label} (not usable)"))
        elif verdict.warning:
            row.warning = verdict.warning
    row.groups = [(f"At {rules.percent(rate.rate)}", same), ("Other rates", other)]
    return row

