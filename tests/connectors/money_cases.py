"""Money, by property: generated documents, our totals for them, and each package's figures for
what its connector would send (shared by tests/connectors/test_money_property.py and
bench/money_property.py).

A case is an invoice, maybe a credit note against it, and part payments, as the inbound API
accepts them: 1-50 lines, quantities and unit prices of up to 4 decimals, VAT-exclusive or
VAT-inclusive, lines at 0, 5 and 20%. Our side is the real code: the rows (unsaved model
objects) go through app/sync/canonical.py, which makes the connector's records, and
app/records/totals.py, which reports them. The package's side is its two hooks, found through
the registry:
- connectors/<key>/payloads.py `document_payload(kind, record, refs)` -> the request the
  connector makes (connectors/money_hook.py);
- sandboxes/<key>/totals.py `document_totals(kind, request, rates)` and
  `amounts_left(documents, settlements, rates)`: what the package makes of those requests, by
  the sandbox's own arithmetic (sandboxes/kit/oracle.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import import_module
from typing import Any, NamedTuple

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from app.models import Contact, Document, DocumentLine, Payment, PaymentAllocation, Transfer
from app.money import document_totals as money_totals
from app.money import line_amounts
from app.records.totals import document_totals as reported_totals
from app.sync.canonical import Chart, to_record
from connectors import package_module
from connectors import wire as connector_wire
from connectors.money_hook import PackageRefs, PayloadRequest

# Our chart: rate key -> percent, and what the (placeholder) package codes are.
RATES = {"zero": Decimal("0"), "reduced": Decimal("5"), "standard": Decimal("20")}
# Short enough for every package: QuickBooks Desktop names a sales tax code in 3 characters.
TAX_CODES = {"zero": "Z", "reduced": "R", "standard": "S"}
PACKAGE_RATES = {TAX_CODES[key]: rate for key, rate in RATES.items()}
CHART = Chart(
    account_names={"sales": "Sales", "bank": "Bank"},
    account_codes={"sales": "SALES-CODE", "bank": "BANK-CODE"},
    tax_names={key: key for key in RATES}, tax_rates=dict(RATES), tax_codes=dict(TAX_CODES),
)
CONTACT_ID = "placeholder-contact"
INVOICE_ID = "placeholder-invoice"
CREDIT_NOTE_ID = "placeholder-credit-note"
NO_REFS = PackageRefs()

PROPERTY = "money-property"
BENCH = "money-property-bench"
settings.register_profile(
    PROPERTY, max_examples=200, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The bench counts differences instead of stopping at the first: nothing to shrink or replay.
settings.register_profile(BENCH, parent=settings.get_profile(PROPERTY), max_examples=10_000,
                          database=None, phases=[Phase.generate])


# --------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class Line:
    quantity: Decimal
    unit_price: Decimal
    rate_key: str


@dataclass(frozen=True)
class Doc:
    amounts_are: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Case:
    invoice: Doc
    credit_note: Doc | None
    payments: tuple[Decimal, ...]  # each allocated in full to the invoice


RATE_KEYS = sorted(RATES)


def _digits(n: int, radix: int) -> tuple[int, int]:
    return n % radix, n // radix


def line_from(n: int) -> Line:
    """A line from one drawn integer, read as mixed-radix digits: one draw per line instead of
    five keeps 10,000 cases of up to 100 lines quick, and 0 still shrinks to the simplest line
    (1 x 0.00 at 0%). Quantities: 1-20, 4 dp up to 9999.9999, or 2 dp up to 100; prices: 4 dp up
    to 99999.9999, 2 dp up to 1000, a half-penny tie (x.xx5, where rounding rules part), or 4 dp
    below 1."""
    # Hypothesis draws mostly small integers; an odd multiplier (a bijection mod 2**64 that keeps
    # 0 at 0) spreads them over every digit.
    n = (n * 0x9E3779B97F4A7C15) % 2**64
    rate, n = _digits(n, len(RATE_KEYS))
    q_kind, n = _digits(n, 3)
    q, n = _digits(n, 10**8)
    p_kind, n = _digits(n, 4)
    p, _ = _digits(n, 10**9)
    quantity = (Decimal(q % 20 + 1), Decimal(q + 1).scaleb(-4),
                Decimal(q % 10_000 + 1).scaleb(-2))[q_kind]
    price = (Decimal(p).scaleb(-4), Decimal(p % 100_001).scaleb(-2),
             Decimal((p % 10**6) * 10 + 5).scaleb(-3), Decimal(p % 10_000).scaleb(-4))[p_kind]
    return Line(quantity, price, RATE_KEYS[rate])


lines = st.integers(0, 2**64 - 1).map(line_from)
# Hypothesis favours short lists; long documents (where a penny per line adds up) get a share.
line_counts = st.one_of(st.integers(1, 5), st.integers(1, 50), st.integers(40, 50))


@st.composite
def documents(draw: Callable[..., Any]) -> Doc:
    count = draw(line_counts)
    return Doc(draw(st.sampled_from(["exclusive", "inclusive"])),
               tuple(draw(st.lists(lines, min_size=count, max_size=count))))


def _total(doc: Doc) -> Decimal:
    """The document's total by app/money.py (the arithmetic app/records/totals.py reports)."""
    inclusive = doc.amounts_are == "inclusive"
    figures = [line_amounts(ln.quantity, ln.unit_price, RATES[ln.rate_key], inclusive)
               for ln in doc.lines]
    return money_totals(figures, inclusive).total


def assemble(invoice: Doc, credit: Doc | None, pick: Callable[[int], int], count: int
             ) -> Case:
    """An invoice, maybe a credit note of at most its total, then up to `count` part payments
    of at most what is left (pick(left) chooses pennies from 1 to left): what the inbound API
    lets a job system send (app/records/upsert.py)."""
    if credit is not None and _total(credit) > _total(invoice):
        invoice, credit = credit, invoice  # the bigger one is the invoice
    left = int((_total(invoice) - (_total(credit) if credit else 0)) * 100)
    payments = []
    for _ in range(count):
        if left <= 0:
            break
        pennies = pick(left)
        payments.append(Decimal(pennies).scaleb(-2))
        left -= pennies
    return Case(invoice, credit, tuple(payments))


@st.composite
def cases(draw: Callable[..., Any]) -> Case:
    invoice = draw(documents())
    credit = draw(st.none() | documents())
    return assemble(invoice, credit, lambda left: draw(st.integers(1, left)),
                    draw(st.integers(0, 3)))


def random_case(rng: random.Random, max_lines: int = 50) -> Case:
    """A case like cases() draws, from a seeded generator (for the few sent over HTTP)."""
    def doc() -> Doc:
        count = rng.randint(1, max_lines)
        return Doc(rng.choice(["exclusive", "inclusive"]),
                   tuple(line_from(rng.getrandbits(64)) for _ in range(count)))

    credit = doc() if rng.random() < 0.6 else None
    return assemble(doc(), credit, lambda left: rng.randint(1, left), rng.randint(0, 3))


def describe(case: Case) -> str:
    def doc(d: Doc) -> str:
        body = ", ".join(f"{ln.quantity} x {ln.unit_price} @{RATES[ln.rate_key]}%"
                         for ln in d.lines)
        return f"{d.amounts_are} [{body}]"

    text = f"invoice {doc(case.invoice)}"
    if case.credit_note:
        text += f"; credit note {doc(case.credit_note)}"
    if case.payments:
        text += f"; payments {', '.join(str(p) for p in case.payments)}"
    return text


# --------------------------------------------------------------------------- our side
def _row_line(i: int, line: Line) -> DocumentLine:
    return DocumentLine(position=i + 1, description=f"Line {i + 1}", quantity=line.quantity,
                        unit_price=line.unit_price, account_key="sales",
                        tax_rate_key=line.rate_key)


@dataclass
class Ours:
    """Our records for a case (as the connector gets them) and what we report."""

    invoice: Any
    credit_note: Any | None
    payments: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def our_records(case: Case) -> Ours:
    """The case as rows (model objects, never saved) turned into canonical records by the sync
    engine's own code; `problems` if what we report differs from what we send."""
    customer = Contact(id=1, kind="customer", source_id="C1", name="Penny Plumbing Ltd")
    rows: dict[str, Document] = {}
    for key, kind, number, doc in (("invoice", "invoice", "INV-1", case.invoice),
                                   ("credit_note", "credit_note", "CN-1", case.credit_note)):
        if doc is None:
            continue
        rows[key] = Document(
            id=len(rows) + 10, kind=kind, source_id=number, number=number, customer=customer,
            customer_id=customer.id, date=date(2026, 10, 15), due_date=date(2026, 11, 14),
            reference="", amounts_are=doc.amounts_are,
            lines=[_row_line(i, ln) for i, ln in enumerate(doc.lines)])
    invoice = rows["invoice"]
    if "credit_note" in rows:
        rows["credit_note"].invoice, rows["credit_note"].invoice_id = invoice, invoice.id
    external = {("customer", customer.id): CONTACT_ID, ("invoice", invoice.id): INVOICE_ID}
    ours = Ours(invoice=None, credit_note=None)
    for key, row in rows.items():
        record = to_record(row.kind, row, Transfer(idempotency_key=f"key-{key}"), CHART,
                           external)
        reported = reported_totals(row.lines, row.amounts_are, RATES)
        if (reported.subtotal, reported.tax, reported.total) != (
                record.subtotal, record.tax_total, record.total):
            ours.problems.append(f"{key}: we report {reported} but send {record.subtotal}, "
                                 f"{record.tax_total}, {record.total}")
        setattr(ours, key, record)
    for n, amount in enumerate(case.payments, 1):
        payment = Payment(id=100 + n, source_id=f"P{n}", customer=customer,
                          customer_id=customer.id, date=date(2026, 10, 20 + n), amount=amount,
                          bank_account_key="bank", reference=f"Card {n}",
                          allocations=[PaymentAllocation(invoice=invoice, invoice_id=invoice.id,
                                                         amount=amount)])
        ours.payments.append(to_record("payment", payment,
                                       Transfer(idempotency_key=f"key-p{n}"), CHART, external))
    return ours


# --------------------------------------------------------------------------- package side
class Wire(NamedTuple):
    """A connector's request as it crosses the wire (sandboxes/kit/oracle.py WireRequest)."""

    method: str
    path: str
    params: Mapping[str, str]
    body: bytes


def on_the_wire(request: PayloadRequest) -> Wire:
    text = connector_wire.dumps(request.body)
    return Wire(request.method, request.path, dict(request.params), text.encode())


class MissingHook(LookupError):
    """A package lacks one of the two money hooks; the message says what to add."""


@dataclass(frozen=True)
class Hooks:
    key: str
    payload: Callable[..., PayloadRequest | None]
    totals: Callable[..., Any]
    amounts_left: Callable[..., dict[str, Decimal]]
    # Optional (payloads.py `money_refused(kind, record) -> str | None`): the words of the
    # connector's pre-flight for money its package cannot post at all (Sage 50's 8 digits);
    # such a case is never sent, so there are no package figures to compare.
    refuses: Callable[[str, Any], str | None] | None = None


def package_hooks(key: str) -> Hooks:
    """The package's two hooks, or MissingHook naming the file and the function to write."""
    try:
        payloads = package_module(key, "payloads")
    except ModuleNotFoundError:
        payloads = None
    payload = getattr(payloads, "document_payload", None)
    if not callable(payload):
        raise MissingHook(
            f"{key}: add `document_payload(kind, record, refs) -> PayloadRequest` to "
            f"connectors/{key}/payloads.py: the request the connector makes for an invoice, a "
            "credit note, a credit applied to its invoice and a payment (connectors/"
            "money_hook.py, as connectors/__init__.py describes)")
    try:
        oracle = import_module(f"sandboxes.{key}.totals")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"sandboxes.{key}", f"sandboxes.{key}.totals"):
            raise
        oracle = None
    totals = getattr(oracle, "document_totals", None)
    left = getattr(oracle, "amounts_left", None)
    if not (callable(totals) and callable(left)):
        raise MissingHook(
            f"{key}: add sandboxes/{key}/totals.py with `document_totals(kind, request, rates) "
            "-> Totals` and `amounts_left(documents, settlements, rates) -> dict`: the "
            "package's figures for the connector's requests, by the sandbox's own arithmetic "
            "(sandboxes/kit/oracle.py, as connectors/__init__.py describes)")
    return Hooks(key, payload, totals, left, getattr(payloads, "money_refused", None))


def check(hooks: Hooks, case: Case, ours: Ours | None = None) -> list[str]:
    """Every way the package's figures differ from ours for `case` (empty: to the penny);
    `ours` is our_records(case), when the caller already has it."""
    ours = ours or our_records(case)
    problems = list(ours.problems)
    if hooks.refuses is not None and any(
            record is not None and hooks.refuses(kind, record)
            for kind, record in (("invoice", ours.invoice), ("credit_note", ours.credit_note),
                                 *(("payment", p) for p in ours.payments))):
        return problems  # refused before sending, in words: the package never sees it

    def send(kind: str, record: Any, refs: PackageRefs = NO_REFS) -> Wire:
        request = hooks.payload(kind, record, refs)
        if request is None:
            raise LookupError(f"{hooks.key} sends nothing for a {kind}")
        return on_the_wire(request)

    try:
        documents = {INVOICE_ID: ("invoice", send("invoice", ours.invoice))}
        settlements = []
        records = [("invoice", ours.invoice)]
        if ours.credit_note is not None:
            documents[CREDIT_NOTE_ID] = ("credit_note", send("credit_note", ours.credit_note))
            records.append(("credit_note", ours.credit_note))
            due = hooks.amounts_left({INVOICE_ID: documents[INVOICE_ID]}, [],
                                     PACKAGE_RATES)[INVOICE_ID]
            # Nothing is sent for a credit of 0 (the packages refuse an allocation of 0).
            applied = hooks.payload("credit_applied", ours.credit_note,
                                    PackageRefs(credit_note_id=CREDIT_NOTE_ID, invoice_due=due))
            if applied is not None:
                settlements.append(on_the_wire(applied))
        for (kind, record), key in zip(records, documents, strict=True):
            theirs = tuple(hooks.totals(kind, documents[key][1], PACKAGE_RATES))
            mine = (record.subtotal, record.tax_total, record.total)
            if theirs != mine:
                problems.append(f"{kind} (net, tax, total): ours {_figures(mine)}, "
                                f"{hooks.key} {_figures(theirs)}")
        settlements += [send("payment", p) for p in ours.payments]
        left = hooks.amounts_left(documents, settlements, PACKAGE_RATES)
    except Exception as exc:  # noqa: BLE001 - a refusal is a finding, in the package's words
        return [*problems, f"{hooks.key} refuses it: {type(exc).__name__}: {exc}"]
    credit = ours.credit_note.total if ours.credit_note is not None else Decimal(0)
    expected = {INVOICE_ID: ours.invoice.total - credit - sum(case.payments, Decimal(0))}
    if ours.credit_note is not None:
        expected[CREDIT_NOTE_ID] = Decimal(0)  # never more than the invoice owes: all applied
    for key, amount in expected.items():
        if left.get(key) != amount:
            what = "invoice still owes" if key == INVOICE_ID else "credit note has left"
            problems.append(f"{what}: ours {amount}, {hooks.key} {left.get(key)}")
    return problems


def _figures(values: tuple[Decimal, ...]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)
