"""The journey through the Ledgerlink agent with the CSV writer: the import files Sage 50 reads,
checked column by column against Sage's documented layouts (PACKAGES.md, "Sage 50 (import
files)"), every record of the job system in them exactly once and to the penny, and what the
bookkeeper then sees on the platform: only receipts and credit notes need a step by hand."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.demo_records import generate, invoice_total
from tests.sage50.conftest import SMALL, money

TRANSACTION_HEADINGS = [
    "Type", "Account Reference", "Nominal A/C Ref", "Department Code", "Date", "Reference",
    "Details", "Net Amount", "Tax Code", "Tax Amount", "Exchange Rate", "Extra Reference",
    "User Name", "Project Refn", "Cost Code Refn"]
# Sage's customer import by column letter (A..O from Sage's own article, AA for the e-mail).
RECORD_POSITIONS = {"A/C": 0, "Name": 1, "Address Line 1": 2, "Address Line 5": 6,
                    "Contact Name": 7, "Telephone": 8, "VAT Number": 14, "E-mail": 26}
NET = re.compile(r"^-?[0-9]{1,8}\.[0-9]{2}$")  # 8 digits + 2 dp
DATE = re.compile(r"^[0-3][0-9]/[01][0-9]/[0-9]{4}$")  # dd/mm/yyyy


def _read(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    # Windows line ends and Windows ANSI (cp1252), as the writer chose for Sage's import.
    assert raw.count(b"\r\n") == raw.count(b"\n"), path
    assert not raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte order mark"
    raw.decode("cp1252")  # raises if anything is not cp1252
    with path.open(encoding="cp1252", newline="") as handle:
        return list(csv.reader(handle))


def _files(out: Path, suffix: str) -> list[list[list[str]]]:
    return [_read(path) for path in sorted(out.glob(f"*-{suffix}.csv"))]


def _seeded_chart(office: Any) -> tuple[set[str], set[str]]:
    """The simulated company's nominal codes and tax codes, read over SDO as the agent would."""
    sdo = office.writer()
    sdo.open()
    try:
        lists = sdo.lists()
    finally:
        sdo.close()
    return ({a["code"] for a in lists["accounts"]}, {t["code"] for t in lists["tax_codes"]})


@pytest.fixture
def journey(office, tmp_path):  # type: ignore[no-untyped-def]
    from ledgerlink_agent.writers.csv_files import CsvFilesWriter

    books = office()
    payloads = generate(**SMALL, prefix="")
    books.post_all(payloads)
    out = tmp_path / "imports"
    agent = books.agent(tmp_path / "journal.sqlite3", writer=CsvFilesWriter(out))
    outcomes = books.until_idle(agent)
    assert sum(o.written for o in outcomes) == len(payloads)
    return books, payloads, out, agent


def test_the_transactions_file_column_by_column(journey) -> None:  # type: ignore[no-untyped-def]
    books, payloads, out, _ = journey
    nominals, tax_codes = _seeded_chart(books)
    files = _files(out, "transactions")
    assert files, list(out.iterdir())
    rows = []
    for heading, *body in files:
        assert heading == TRANSACTION_HEADINGS  # one heading row per file, Sage's 15 columns
        assert body
        rows.extend(body)
    for row in rows:
        assert len(row) == 15, row
        (kind, account, nominal, department, when, reference, details, net, tax_code, tax,
         rate, extra, user, project, cost_code) = row
        assert kind in ("SI", "SC", "SA"), row  # SR cannot be imported: receipts go as SA
        assert 0 < len(account) <= 8 and " " not in account and account == account.upper()
        assert 0 < len(nominal) <= 8 and nominal in nominals, row
        assert department.isdigit() and 0 <= int(department) <= 999
        assert DATE.match(when), row
        assert 0 < len(reference) <= 30 and len(details) <= 60
        assert NET.match(net) and NET.match(tax), row
        assert re.fullmatch(r"T[0-9]{1,2}", tax_code) and tax_code in tax_codes, row
        assert rate == ""  # pounds sterling: no exchange rate
        assert len(extra) <= 30 and len(user) <= 32 and user
        assert len(project) <= 12 and len(cost_code) <= 8
    accounts = {r[0] for f in _files(out, "customers") for r in f[1:]}
    assert {r[1] for r in rows} <= accounts  # every row's account is in the customers file

    # Every document of the journey once, to the penny: net + tax per reference is the job
    # system's total, and an invoice has one row per line.
    by_ref: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
    for row in rows:
        by_ref[(row[0], row[5])].append(row)
    wanted: dict[tuple[str, str], tuple[Decimal, int]] = {}
    for path, body in payloads:
        if path == "invoices":
            wanted[("SI", body["number"])] = (invoice_total(body), len(body["lines"]))
        elif path == "credit-notes":
            wanted[("SC", body["number"])] = (invoice_total(body), len(body["lines"]))
    receipts = [body for path, body in payloads if path == "payments"]
    sa = {ref: found for (kind, ref), found in by_ref.items() if kind == "SA"}
    assert len(sa) == len(receipts)
    for (kind, ref), (total, lines) in wanted.items():
        found = by_ref.get((kind, ref))
        assert found is not None, (kind, ref)
        assert len(found) == lines, (kind, ref, found)
        assert sum(money(r[7]) + money(r[9]) for r in found) == total, (kind, ref)
    assert set(by_ref) == set(wanted) | {("SA", ref) for ref in sa}
    # The references acked to the platform are the files' references, one record each.
    acked = Counter((t.record_type, t.external_id) for t in books.transfers())
    assert max(acked.values()) == 1
    sage_type = {"invoice": "SI", "credit_note": "SC", "payment": "SA"}
    assert {(sage_type[k], ref) for k, ref in acked if k in sage_type} == set(by_ref)
    # A receipt is one SA row into the bank, for the whole amount, outside the scope of VAT,
    # naming in Extra Reference the invoices to allocate it to.
    numbers = {body["source_id"]: body["number"] for path, body in payloads
               if path == "invoices"}
    expected = Counter((money(b["amount"]), " ".join(numbers[a["invoice_source_id"]]
                                                     for a in b["allocations"]))
                       for b in receipts)
    got: Counter[tuple[Decimal, str]] = Counter()
    for found in sa.values():
        (row,) = found
        assert row[2] == "1200" and row[8] == "T9" and money(row[9]) == 0
        got[(money(row[7]), row[11])] += 1
    assert got == expected
    # A credit note names the invoice it credits in Extra Reference.
    for path, body in payloads:
        if path == "credit-notes":
            credited = {r[11] for r in by_ref[("SC", body["number"])]}
            assert credited == {numbers[body["invoice_source_id"]]}


def test_the_customers_file_column_by_column(journey) -> None:  # type: ignore[no-untyped-def]
    from ledgerlink_agent.writers.csv_files import RECORD_COLUMNS

    _, payloads, out, _ = journey
    rows = []
    for heading, *body in _files(out, "customers"):
        assert tuple(heading) == RECORD_COLUMNS
        rows.extend(body)
    for name, position in RECORD_POSITIONS.items():
        assert RECORD_COLUMNS[position] == name
    ours = {body["name"]: body for path, body in payloads if path == "customers"}
    assert len(rows) == len(ours)  # one row per customer
    assert Counter(r[0] for r in rows).most_common(1)[0][1] == 1
    for row in rows:
        assert len(row) == len(RECORD_COLUMNS) == 27
        account, name = row[0], row[1]
        assert 0 < len(account) <= 8 and " " not in account and account == account.upper()
        assert 0 < len(name) <= 60 and name in ours
        assert all(len(line) <= 60 for line in row[2:7])
        assert len(row[7]) <= 30 and len(row[8]) <= 30 and len(row[14]) <= 30
        body = ours[name]
        assert row[26] == body["email"]  # the e-mail is kept, in Sage's column AA
        assert row[8] == body["phone"]
        assert row[2] == body["address"]["line1"]
        assert body["address"]["postcode"] in row[2:7]
        assert all(cell == "" for cell in row[15:26])  # Sage's defaults for a new record
    assert not _files(out, "suppliers")


def test_what_the_bookkeeper_sees(journey) -> None:  # type: ignore[no-untyped-def]
    books, payloads, out, agent = journey
    numbers = {body["source_id"]: body["number"] for path, body in payloads
               if path == "invoices"}
    transfers = books.transfers()
    assert len(transfers) == len(payloads)
    states = Counter((t.record_type, t.state) for t in transfers)
    kinds = Counter(path for path, _ in payloads)
    # Customers and invoices are plainly sent: nothing for the bookkeeper to do on them.
    assert states[("customer", "sent")] == kinds["customers"], states
    assert states[("invoice", "sent")] == kinds["invoices"], states
    hand = [t for t in transfers if t.state == "needs_manual_update"]
    assert Counter(t.record_type for t in hand) == {
        "payment": kinds["payments"], "credit_note": kinds["credit-notes"]}, states
    for t in hand:
        assert t.reason == "finish_by_hand", (t.reason, t.explanation)
    receipts = [t for t in hand if t.record_type == "payment"]
    wanted = sorted(", ".join(numbers[a["invoice_source_id"]] for a in body["allocations"])
                    for path, body in payloads if path == "payments")
    named = sorted(m.group(1) for t in receipts
                   if (m := re.search(r"allocate it to (.+?) in Sage", t.explanation)))
    assert named == wanted, [t.explanation for t in receipts]
    for t in receipts:
        assert "payment on account" in t.explanation
    credits = [t.explanation for t in hand if t.record_type == "credit_note"]
    for path, body in payloads:
        if path == "credit-notes":
            invoice = numbers[body["invoice_source_id"]]
            assert sum(f"invoice {invoice} in Sage" in e for e in credits) == 1, credits
    # A later run writes nothing again and no file grows.
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert not books.until_idle(agent)[0].leased
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
