"""The CSV writer: Sage 50's import files, for PCs where Sage Data Objects cannot be used.

The bookkeeper imports the files in Sage 50 (File > Import); the writer logs which file to
import, once per file, instead of putting that on every record. Layouts and limits follow
PACKAGES.md's field notes "Sage 50 (import files)":
- customer / supplier records: A/C (8, no spaces, mandatory), Name 60, Address 1-5 at 60,
  Contact 30, Telephone 30, VAT number 30. Sage reads these by column position (Sage's
  knowledge base, "Customer record data fields you can import": VAT Number is column O, after
  Fax, Analysis 1-3 and Department; then M.T.D., Y.T.D., Prior Y.T.D., Credit Limit, Trading
  Terms Text, Settlement Due Days, Sett. Discount, Default Nominal Code in P to W), so those
  columns are there, left blank. E-mail is column AA, after Default Tax Code (X), Trade
  Contact (Y) and Telephone 2 (Z): that is from Making I.T. Happen's layout of Sage 50's own
  customer import (v12 and above) and the Sage 50 help's "CSV File Structures" table (an
  "extended" field, 255 characters); the Sage article we read stops before column X, so the
  e-mail column is unverified against a real Sage 50;
- audit-trail transactions, 15 columns, one row per invoice line: Type, Account Reference,
  Nominal A/C Ref, Department Code (0-999), Date dd/mm/yyyy, Reference 30, Details 60,
  Net Amount (8 digits + 2 dp), Tax Code T0-T99 (blank = T0), Tax Amount, Exchange Rate,
  Extra Reference 30, User Name 32, Project Refn 12, Cost Code Refn 8.
An ack's note is only for a step the bookkeeper must take in Sage for that record, because the
platform turns every note into a record that needs finishing by hand:
- SR (a receipt against an invoice) cannot be imported: a receipt becomes SA, a payment on
  account, and the note says which invoices to allocate it to;
- an imported SC is not allocated to its invoice: the note names the invoice.
The heading rows use the column names above; the headings, the cp1252 encoding and Sage's
reading of a heading row are unverified against a real Sage 50.
This writer cannot read Sage, so it has no lists to send; check-first looks in the files it
wrote (including any moved into sub-folders after import).
"""

from __future__ import annotations

import csv
import logging
import os
import re
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .base import Writer, WriteResult, created, fits_sage_amount, money, rejected

log = logging.getLogger(__name__)

RECORD_COLUMNS = ("A/C", "Name", "Address Line 1", "Address Line 2", "Address Line 3",
                  "Address Line 4", "Address Line 5", "Contact Name", "Telephone", "Fax",
                  "Analysis 1", "Analysis 2", "Analysis 3", "Department", "VAT Number",
                  "M.T.D.", "Y.T.D.", "Prior Y.T.D.", "Credit Limit", "Trading Terms Text",
                  "Settlement Due Days", "Sett. Discount (%)", "Default Nominal Code",
                  "Default Tax Code", "Trade Contact", "Telephone 2", "E-mail")
# Sage's E_MAIL field holds 255 characters (the SDO field list; "CSV File Structures").
EMAIL_LIMIT = 255
TRANSACTION_COLUMNS = ("Type", "Account Reference", "Nominal A/C Ref", "Department Code", "Date",
                       "Reference", "Details", "Net Amount", "Tax Code", "Tax Amount",
                       "Exchange Rate", "Extra Reference", "User Name", "Project Refn",
                       "Cost Code Refn")
USER_NAME = "Ledgerlink"
TRANSACTION_TYPES = {"invoice": "SI", "credit_note": "SC", "payment": "SA"}
# Sage's code for transactions outside the scope of VAT, which is what a receipt is.
RECEIPT_TAX_CODE = "T9"
_TAX_CODE = re.compile(r"^T([0-9]{1,2})$")
# Sage 50 reads its import files as Windows ANSI (unverified against a real Sage 50).
ENCODING = "cp1252"
# Letters with a stroke have no accent-free form in Unicode's decomposition: name them here.
_STROKES = str.maketrans("ŁłĐđĦħŦŧı", "LlDdHhTti")


class Refused(ValueError):
    """A value Sage's import would refuse; carries the column for the ack's `field`."""

    def __init__(self, message: str, column: str) -> None:
        super().__init__(message)
        self.column = column


def _in_windows_ansi(text: str, column: str) -> str:
    """`text` as Sage can hold it: a letter cp1252 lacks loses its accent ("ő" -> "o"); a
    character with no such form is refused, rather than written as "?" without a word."""
    try:
        text.encode(ENCODING)
        return text
    except UnicodeEncodeError:
        pass
    folded = []
    for char in text:
        try:
            char.encode(ENCODING)
            folded.append(char)
            continue
        except UnicodeEncodeError:
            plain = "".join(c for c in unicodedata.normalize("NFKD", char.translate(_STROKES))
                            if not unicodedata.combining(c))
        try:
            plain.encode(ENCODING)
        except UnicodeEncodeError:
            plain = ""
        if not plain:
            raise Refused(f"{column} has a character Sage 50 cannot store: {char!r}", column)
        folded.append(plain)
    return "".join(folded)


def _text(value: Any, limit: int, column: str, *, required: bool = False) -> str:
    text = _in_windows_ansi("" if value is None else str(value).strip(), column)
    if required and not text:
        raise Refused(f"{column} is required", column)
    if len(text) > limit:
        raise Refused(f"{column} is too long: {len(text)} characters, at most {limit}", column)
    return text


def _account_ref(value: Any, column: str) -> str:
    ref = _text(value, 8, column, required=True)
    if " " in ref:
        raise Refused(f"{column} {ref!r} must not contain spaces", column)
    return ref.upper()


def _amount(value: Any, column: str) -> str:
    try:
        amount = money(value)
    except ValueError as exc:
        raise Refused(f"{column} {value!r} is not an amount", column) from exc
    if not fits_sage_amount(amount):
        raise Refused(f"{column} {amount} is too large (8 digits and 2 decimals at most)", column)
    return f"{amount:.2f}"


def _tax_code(value: Any) -> str:
    code = "" if value is None else str(value).strip().upper()
    if not code:
        return "T0"  # blank means T0 to Sage's import: say so explicitly
    if not _TAX_CODE.match(code):
        raise Refused(f"Tax Code {code!r} is not one of T0 to T99", "Tax Code")
    return f"T{int(code[1:])}"


def _sage_date(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError as exc:
        raise Refused(f"Date {value!r} is not a date", "Date") from exc


def _department(value: Any) -> str:
    try:
        number = int(value or 0)
    except (TypeError, ValueError) as exc:
        raise Refused(f"Department Code {value!r} is not a number", "Department Code") from exc
    if not 0 <= number <= 999:
        raise Refused(f"Department Code {number} is not between 0 and 999", "Department Code")
    return str(number)


def record_row(payload: dict[str, Any]) -> list[str]:
    """One customer or supplier record in RECORD_COLUMNS order."""
    lines = list(payload.get("address") or [])
    if len(lines) > 5:
        raise Refused("an address has at most 5 lines in Sage", "Address Line 5")
    lines += [""] * (5 - len(lines))
    return [_account_ref(payload.get("account_ref"), "A/C"),
            _text(payload.get("name"), 60, "Name", required=True),
            *(_text(line, 60, f"Address Line {n}") for n, line in enumerate(lines, start=1)),
            _text(payload.get("contact_name"), 30, "Contact Name"),
            _text(payload.get("telephone"), 30, "Telephone"),
            "", "", "", "", "",  # Fax, Analysis 1-3, Department: not ours to set
            _text(payload.get("vat_number"), 30, "VAT Number"),
            # Turnovers, credit terms, defaults, trade contact, telephone 2: blank keeps
            # Sage's own defaults for a new record.
            *[""] * 11,
            _text(payload.get("email"), EMAIL_LIMIT, "E-mail")]


def _transaction_row(kind_type: str, payload: dict[str, Any], *, nominal: Any, department: Any,
                     details: Any, net: Any, tax_code: str, tax: Any, extra: str) -> list[str]:
    return [kind_type,
            _account_ref(payload.get("account_ref"), "Account Reference"),
            _text(nominal, 8, "Nominal A/C Ref", required=True),
            _department(department),
            _sage_date(payload.get("date")),
            _text(payload.get("reference"), 30, "Reference", required=True),
            _text(details, 60, "Details"),
            _amount(net, "Net Amount"),
            tax_code,
            _amount(tax, "Tax Amount"),
            "",  # exchange rate: blank for the base currency (GBP)
            _text(extra, 30, "Extra Reference"),
            USER_NAME, "", ""]


def transaction_rows(kind: str, payload: dict[str, Any]) -> list[list[str]]:
    """An invoice or credit note as one row per line; a receipt as one SA row."""
    if kind == "payment":
        refs = allocation_refs(payload)
        return [_transaction_row("SA", payload, nominal=payload.get("bank_nominal"),
                                 department=0, details=payload.get("details"),
                                 net=payload.get("amount"), tax_code=RECEIPT_TAX_CODE,
                                 tax="0.00", extra=_joined_within(refs, 30))]
    sage_type = TRANSACTION_TYPES[kind]
    lines = payload.get("lines") or []
    if not lines:
        raise Refused("the transaction has no lines", "Net Amount")
    extra = str(payload.get("invoice_reference") or "") if kind == "credit_note" else ""
    return [_transaction_row(sage_type, payload, nominal=line.get("nominal_code"),
                             department=line.get("department", 0),
                             details=line.get("details") or payload.get("details"),
                             net=line.get("net"), tax_code=_tax_code(line.get("tax_code")),
                             tax=line.get("tax"), extra=extra)
            for line in lines]


def allocation_refs(payload: dict[str, Any]) -> list[str]:
    return [str(a.get("invoice_reference")) for a in payload.get("allocations") or []
            if a.get("invoice_reference")]


def _joined_within(refs: list[str], limit: int) -> str:
    # The extra reference helps the bookkeeper allocate; if the list does not fit, leave it out
    # rather than cut a reference in half (the note has them all).
    joined = " ".join(refs)
    return joined if len(joined) <= limit else ""


def receipt_note(payload: dict[str, Any]) -> str:
    refs = allocation_refs(payload)
    target = ", ".join(refs) if refs else "its invoices"
    return f"written as a payment on account; allocate it to {target} in Sage"


def credit_note_note(payload: dict[str, Any]) -> str:
    """The step left for an imported credit note ("" when it credits no invoice of ours)."""
    invoice = str(payload.get("invoice_reference") or "").strip()
    return f"allocate this credit note to invoice {invoice} in Sage" if invoice else ""


class CsvFilesWriter(Writer):
    """Writes Sage 50 import files into `out_dir`, one set of files per batch."""

    name = "csv"

    def __init__(self, out_dir: str | Path) -> None:
        self.out_dir = Path(out_dir)
        self._prefix = ""

    def open(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)

    def describe(self) -> dict[str, str]:
        return {"sage_version": "import files", "company_name": ""}

    def start_batch(self, batch_id: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        self._prefix = f"ledgerlink-{stamp}-{batch_id[:8]}" if batch_id else ""

    def lists(self) -> dict[str, list[dict[str, Any]]]:
        return {}

    def file_for(self, kind: str) -> Path:
        if not self._prefix:
            self.start_batch("session")
        suffix = {"customer": "customers", "supplier": "suppliers"}.get(kind, "transactions")
        return self.out_dir / f"{self._prefix}-{suffix}.csv"

    def write(self, kind: str, payload: dict[str, Any]) -> WriteResult:
        try:
            if kind in ("customer", "supplier"):
                rows, columns = [record_row(payload)], RECORD_COLUMNS
                reference = rows[0][0]
            elif kind in TRANSACTION_TYPES:
                rows, columns = transaction_rows(kind, payload), TRANSACTION_COLUMNS
                reference = rows[0][5]
            else:
                return rejected(f"the CSV writer cannot write a {kind}")
        except Refused as exc:
            return rejected(str(exc), exc.column)
        path = self.file_for(kind)
        self._append(path, columns, rows)
        return created(reference, self.note_for(kind, payload))

    def note_for(self, kind: str, payload: dict[str, Any]) -> str:
        """The step left in Sage for a record in these files ("" when there is none). The same
        step is owed when check-first finds the record in a file, so an `exists` ack should
        carry it too."""
        if kind == "payment":
            return receipt_note(payload)
        if kind == "credit_note":
            return credit_note_note(payload)
        return ""

    def _append(self, path: Path, columns: tuple[str, ...], rows: list[list[str]]) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        new = not path.exists()
        # Strict: every value went through _in_windows_ansi, so nothing can be lost here.
        with path.open("a", encoding=ENCODING, newline="") as handle:
            out = csv.writer(handle)  # default dialect: CRLF line ends, as Windows expects
            if new:
                out.writerow(columns)
            out.writerows(rows)
            handle.flush()
            # The journal will say "written" next: the rows must be on disk before that.
            os.fsync(handle.fileno())
        if new:
            # Said once per file (a batch holds one kind, so once per batch), not on each
            # record's ack: importing the file is one step for the whole batch.
            log.info("%s is ready: import it into Sage 50 (File > Import)", path)

    def find(self, kind: str, payload: dict[str, Any]) -> str | None:
        if kind in ("customer", "supplier"):
            wanted = str(payload.get("account_ref") or "").strip().upper()
            suffix = "-customers.csv" if kind == "customer" else "-suppliers.csv"
            for row in self._rows(suffix, RECORD_COLUMNS):
                if row[0].upper() == wanted:
                    return row[0]
            return None
        sage_type = TRANSACTION_TYPES.get(kind)
        wanted_ref = str(payload.get("reference") or "").strip()
        wanted_account = str(payload.get("account_ref") or "").strip().upper()
        for row in self._rows("-transactions.csv", TRANSACTION_COLUMNS):
            if row[0] == sage_type and row[5] == wanted_ref and row[1].upper() == wanted_account:
                return row[5]
        return None

    def _rows(self, suffix: str, columns: tuple[str, ...]) -> list[list[str]]:
        found: list[list[str]] = []
        if not self.out_dir.exists():
            return found
        for path in sorted(self.out_dir.rglob(f"*{suffix}")):
            with path.open(encoding=ENCODING, errors="replace", newline="") as handle:
                rows = list(csv.reader(handle))
            found.extend(row for row in rows[1:] if len(row) == len(columns))
        return found
