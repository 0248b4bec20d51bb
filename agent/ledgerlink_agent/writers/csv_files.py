"""The CSV writer: Sage 50's import files, for PCs where Sage Data Objects cannot be used.

The bookkeeper imports the files in Sage 50 (File > Import). Layouts and limits follow
PACKAGES.md's field notes "Sage 50 (import files)":
- customer / supplier records: A/C (8, no spaces, mandatory), Name 60, Address 1-5 at 60,
  Contact 30, Telephone 30, VAT number 30. Sage reads these by column position (Sage's
  knowledge base, "Customer record data fields you can import": VAT Number is column O, after
  Fax, Analysis 1-3 and Department), so those columns are there, left blank. E-mail is left
  out (its column is not confirmed): the ack's note asks the bookkeeper to add it in Sage;
- audit-trail transactions, 15 columns, one row per invoice line: Type, Account Reference,
  Nominal A/C Ref, Department Code (0-999), Date dd/mm/yyyy, Reference 30, Details 60,
  Net Amount (8 digits + 2 dp), Tax Code T0-T99 (blank = T0), Tax Amount, Exchange Rate,
  Extra Reference 30, User Name 32, Project Refn 12, Cost Code Refn 8.
SR (a receipt against an invoice) cannot be imported: a receipt becomes SA, a payment on
account, and the bookkeeper allocates it by hand; the ack's note says so.
The heading rows use the column names above; the headings of the records file, the cp1252
encoding and Sage's reading of a heading row are unverified against a real Sage 50.
This writer cannot read Sage, so it has no lists to send; check-first looks in the files it
wrote (including any moved into sub-folders after import).
"""

from __future__ import annotations

import csv
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .base import Writer, WriteResult, created, fits_sage_amount, money, rejected

RECORD_COLUMNS = ("A/C", "Name", "Address Line 1", "Address Line 2", "Address Line 3",
                  "Address Line 4", "Address Line 5", "Contact Name", "Telephone", "Fax",
                  "Analysis 1", "Analysis 2", "Analysis 3", "Department", "VAT Number")
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


class Refused(ValueError):
    """A value Sage's import would refuse; carries the column for the ack's `field`."""

    def __init__(self, message: str, column: str) -> None:
        super().__init__(message)
        self.column = column


def _text(value: Any, limit: int, column: str, *, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
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
            _text(payload.get("vat_number"), 30, "VAT Number")]


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
        if kind == "payment":
            return created(reference, receipt_note(payload))
        note = f"in the import file {path.name}: import it into Sage 50"
        if kind in ("customer", "supplier") and str(payload.get("email") or "").strip():
            note += "; the e-mail address is not in the import file: add it in Sage"
        return created(reference, note)

    def _append(self, path: Path, columns: tuple[str, ...], rows: list[list[str]]) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        new = not path.exists()
        with path.open("a", encoding=ENCODING, errors="replace", newline="") as handle:
            out = csv.writer(handle)  # default dialect: CRLF line ends, as Windows expects
            if new:
                out.writerow(columns)
            out.writerows(rows)
            handle.flush()
            # The journal will say "written" next: the rows must be on disk before that.
            os.fsync(handle.fileno())

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
