"""A connection's whole mapping at once, for the inbound API: our chart in three sections, the
mapping as it stands (and what is wrong with it), and setting many entries all or nothing.

Every code is checked by the page's own check (service.check_entry) against the package's lists
as last read, and saved by the page's own writer (service.write_entries), so the API can never
save what the page would refuse. Nothing here names a package: the lists come from whichever
connector the registry gives for the connection.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from app.extensions import db
from app.mapping import service, waiting
from app.models import Account, AccountMapping, Connection, TaxMapping, TaxRate

SECTIONS = ("accounts", "bank_accounts", "tax_rates")
# Why an entry was refused before its code was looked at (the codes' reasons are in rules).
UNKNOWN_KEY = "unknown_key"
WRONG_SECTION = "wrong_section"

Ours = Account | TaxRate
Wanted = Mapping[str, Mapping[str, str | None]]  # section -> our key -> code (None: clear)


def section_of(ours: Ours) -> str:
    if isinstance(ours, TaxRate):
        return "tax_rates"
    return "bank_accounts" if ours.kind == "bank" else "accounts"


@dataclass
class Note:
    """One entry refused (or saved with a warning): which of ours, which code, and why."""

    section: str
    key: str
    code: str | None
    reason: str
    message: str

    @property
    def field(self) -> str:
        return f"{self.section}.{self.key}"


@dataclass
class Chart:
    """Our accounts and tax rates, by section, in the order the page shows them."""

    sections: dict[str, list[Ours]]

    def entries(self) -> Iterator[Ours]:
        for section in SECTIONS:
            yield from self.sections[section]

    def find(self, key: str) -> list[Ours]:
        """Ours with this key: an account and a tax rate may share one."""
        return [ours for ours in self.entries() if ours.key == key]


def our_chart(company_id: int) -> Chart:
    sections: dict[str, list[Ours]] = {section: [] for section in SECTIONS}
    for model in (Account, TaxRate):
        for ours in db.session.execute(db.select(model).filter_by(company_id=company_id)
                                       .order_by(model.id)).scalars():
            sections[section_of(ours)].append(ours)
    return Chart(sections)


def current_codes(connection: Connection, chart: Chart) -> dict[str, dict[str, str | None]]:
    """section -> our key -> the package code it is mapped to (None: not mapped)."""
    accounts = dict(db.session.execute(db.select(
        AccountMapping.account_id, AccountMapping.package_code).filter_by(
        connection_id=connection.id)).all())
    taxes = dict(db.session.execute(db.select(
        TaxMapping.tax_rate_id, TaxMapping.package_code).filter_by(
        connection_id=connection.id)).all())
    return {section: {ours.key: (taxes if isinstance(ours, TaxRate) else accounts).get(ours.id)
                      for ours in chart.sections[section]} for section in SECTIONS}


def lists_of(connection: Connection, refresh: bool = False) -> service.Lists:
    """The lists as last read; read from the package first when never read (as the page does
    on opening) or when `refresh` asks (the page's Refresh lists). A disconnected connection
    is never read (service.fetch_lists says so in `problem`)."""
    return service.fetch_lists(connection) if refresh else service.lists_for(connection)


def review(connection: Connection, chart: Chart, lists: service.Lists
           ) -> tuple[list[Note], list[Note]]:
    """(problems, warnings) of the mapping as it stands, by the lists as last read: a code
    archived in the package since it was chosen, or a VAT rate at another percentage."""
    if not lists.loaded:
        return [], []
    title = service.title_of(connection)
    codes = current_codes(connection, chart)
    problems, warnings = [], []
    for ours in chart.entries():
        section = section_of(ours)
        code = codes[section][ours.key]
        if code is None:
            continue
        verdict = service.check_entry(ours, code, lists, title)
        if verdict.error:
            problems.append(Note(section, ours.key, code, verdict.reason, verdict.error))
        elif verdict.warning:
            warnings.append(Note(section, ours.key, code, verdict.reason, verdict.warning))
    return problems, warnings


@dataclass
class Outcome:
    """What setting the mapping did: refused entries (nothing written), or the lists could not
    be read to check against (nothing written), or the records the next send will now take."""

    problems: list[Note] = field(default_factory=list)
    unavailable: str = ""
    released: Counter = field(default_factory=Counter)

    @property
    def saved(self) -> bool:
        return not self.problems and not self.unavailable


def _placed(section: str, key: str, code: str | None, chart: Chart) -> Ours | Note:
    """Our entry `key` in `section`, or the Note saying why there is none."""
    found = chart.find(key)
    for ours in found:
        if section_of(ours) == section:
            return ours
    shown = key if len(key) <= 60 else f"{key[:57]}..."
    if found:
        elsewhere = section_of(found[0])
        return Note(section, key, code, WRONG_SECTION,
                    f"\u201c{shown}\u201d is one of our {elsewhere.replace('_', ' ')}, not "
                    f"our {section.replace('_', ' ')}: name it under {elsewhere}.")
    keys = ", ".join(ours.key for ours in chart.sections[section]) or "none"
    return Note(section, key, code, UNKNOWN_KEY,
                f"We have no {section.replace('_', ' ')[:-1]} \u201c{shown}\u201d. Ours are: "
                f"{keys}.")


def set_entries(connection: Connection, wanted: Wanted, refresh: bool = False) -> Outcome:
    """Set (a code) or clear (None) each named entry; entries not named stay as they are.

    All or nothing: every entry is checked first, and one bad entry (each is named) leaves the
    whole mapping untouched. The lists are read from the package only when a code needs them
    and none were ever read, or when `refresh` asks. Records that were waiting on an entry now
    mapped go with the next send (as on the page: saving starts no send)."""
    chart = our_chart(connection.company_id)
    problems: list[Note] = []
    placed: list[tuple[Ours, str | None]] = []
    for section in SECTIONS:
        for key, code in wanted.get(section, {}).items():
            found = _placed(section, key, code, chart)
            if isinstance(found, Note):
                problems.append(found)
            else:
                placed.append((found, code))
    lists = service.Lists()
    if refresh or any(code is not None for _, code in placed):
        lists = lists_of(connection, refresh)
        if not lists.loaded or (refresh and lists.problem):
            why = lists.problem.text if lists.problem else ""
            return Outcome(unavailable=f"We could not read {service.title_of(connection)}\u2019s "
                                       f"lists to check the codes against, so nothing was "
                                       f"saved. {why}".strip())
    title = service.title_of(connection)
    checked: dict[str, dict[str, str | None]] = {"account": {}, "tax_rate": {}}
    for ours, code in placed:
        kind = "tax_rate" if isinstance(ours, TaxRate) else "account"
        if code is None:
            checked[kind][ours.key] = None
            continue
        verdict = service.check_entry(ours, code, lists, title)
        if not verdict.ok:
            problems.append(Note(section_of(ours), ours.key, code, verdict.reason,
                                 verdict.error))
        checked[kind][ours.key] = verdict.code
    if problems:
        return Outcome(problems=problems)
    if placed:
        service.write_entries(connection, accounts=checked["account"],
                              tax_rates=checked["tax_rate"])
    mapped = {kind: [k for k, c in codes.items() if c is not None]
              for kind, codes in checked.items()}
    return Outcome(released=waiting.freed_by_keys(connection.company_id, connection.id, mapped))


def records_waiting(connection: Connection) -> Counter:
    """Records held up by a missing mapping on this connection, by record type."""
    return waiting.held(connection.company_id, connection.id)
