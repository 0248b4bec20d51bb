"""The CSV writer's files, column by column, against Sage 50's import layouts (PACKAGES.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from ledgerlink_agent.writers.csv_files import (
    RECORD_COLUMNS,
    TRANSACTION_COLUMNS,
    CsvFilesWriter,
)

from tests.agent_program.payloads import customer, invoice, receipt


def _rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert b"\r\n" in raw  # Windows line ends, as Sage's import reads them
    with path.open(encoding="cp1252", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def writer(tmp_path: Path) -> CsvFilesWriter:
    w = CsvFilesWriter(tmp_path / "out")
    w.open()
    w.start_batch("9f0c1234abcd")
    return w


def test_the_transaction_file_has_sages_fifteen_columns() -> None:
    assert TRANSACTION_COLUMNS == (
        "Type", "Account Reference", "Nominal A/C Ref", "Department Code", "Date", "Reference",
        "Details", "Net Amount", "Tax Code", "Tax Amount", "Exchange Rate", "Extra Reference",
        "User Name", "Project Refn", "Cost Code Refn")


def test_a_customer_record_column_by_column(writer: CsvFilesWriter) -> None:
    result = writer.write("customer", customer("acmeheat"))
    assert result.status == "created" and result.reference == "ACMEHEAT"
    path = writer.file_for("customer")
    assert path.name.endswith("-9f0c1234-customers.csv")
    header, row = _rows(path)
    assert tuple(header) == RECORD_COLUMNS
    # Sage reads records by position: A/C is A, VAT Number is O (the 15th), E-mail AA (27th).
    assert len(row) == 27
    assert row == ["ACMEHEAT", "Acme Heating Ltd", "1 High St", "Leeds", "", "", "LS1 1AA",
                   "Ann Smith", "0113 000000", "", "", "", "", "", "GB123456789",
                   *[""] * 11, "a@b.c"]
    # Nothing is left for the bookkeeper to do on this record, so the ack has no note.
    assert result.note == ""


def test_the_records_file_has_sages_column_positions() -> None:
    assert RECORD_COLUMNS.index("A/C") == 0 and RECORD_COLUMNS.index("Name") == 1
    assert RECORD_COLUMNS.index("Contact Name") == 7 and RECORD_COLUMNS.index("Telephone") == 8
    assert RECORD_COLUMNS.index("VAT Number") == ord("O") - ord("A")
    assert RECORD_COLUMNS.index("Default Nominal Code") == ord("W") - ord("A")
    assert RECORD_COLUMNS.index("Telephone 2") == ord("Z") - ord("A")
    assert RECORD_COLUMNS.index("E-mail") == 26 and len(RECORD_COLUMNS) == 27  # column AA


def test_the_import_instruction_is_logged_once_per_file_not_noted_on_each_record(
        writer: CsvFilesWriter, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="ledgerlink_agent.writers.csv_files")
    results = [writer.write("customer", customer(ref)) for ref in ("ONE", "TWO", "THREE")]
    assert [r.note for r in results] == ["", "", ""]
    said = [r.getMessage() for r in caplog.records if "import it into Sage 50" in r.getMessage()]
    assert said == [f"{writer.file_for('customer')} is ready: import it into Sage 50 "
                    "(File > Import)"]


def test_the_files_are_windows_ansi(writer: CsvFilesWriter) -> None:
    result = writer.write("customer", customer(name="Zoë Brontë & Søn – Café", address=[
        "1 Rue Déak Ferenc", "Győr", "Łódź"]))
    assert result.status == "created"
    raw = writer.file_for("customer").read_bytes()
    # cp1252's single bytes (ë, ø, en dash, é), not UTF-8's pairs, and no byte order mark.
    assert b"Zo\xeb Bront\xeb & S\xf8n \x96 Caf\xe9" in raw
    assert not raw.startswith(b"\xef\xbb\xbf")
    _, row = _rows(writer.file_for("customer"))
    # ő, Ł, ź are not in cp1252: they lose their accent or stroke (ó is, and stays).
    assert row[2:5] == ["1 Rue Déak Ferenc", "Gyor", "Lódz"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": "Nowak Plumbing 🔧"}, "Name"), ({"telephone": "0113 ☎"}, "Telephone")])
def test_a_character_sage_cannot_store_is_refused_not_turned_into_a_question_mark(
        writer: CsvFilesWriter, changes: dict[str, object], field: str) -> None:
    result = writer.write("customer", customer(**changes))
    assert result.status == "rejected" and result.field == field
    assert "a character Sage 50 cannot store" in result.message
    assert not writer.file_for("customer").exists()


def test_suppliers_go_to_their_own_file(writer: CsvFilesWriter) -> None:
    result = writer.write("supplier", customer("PIPES01", name="Pipes & Co", address=["Unit 4"],
                                               email=""))
    assert result.status == "created" and result.note == ""
    (_, row), = [_rows(writer.file_for("supplier"))]
    assert row[:3] == ["PIPES01", "Pipes & Co", "Unit 4"] and row[3:7] == ["", "", "", ""]
    assert row[26] == ""
    assert not writer.file_for("customer").exists()


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"account_ref": "ACMEHEATING"}, "A/C", "at most 8"),
    ({"account_ref": "ACME HT"}, "A/C", "must not contain spaces"),
    ({"account_ref": ""}, "A/C", "is required"),
    ({"name": "N" * 61}, "Name", "at most 60"),
    ({"address": ["x" * 61]}, "Address Line 1", "at most 60"),
    ({"address": ["a", "b", "c", "d", "e", "f"]}, "Address Line 5", "at most 5 lines"),
    ({"contact_name": "c" * 31}, "Contact Name", "at most 30"),
    ({"telephone": "0" * 31}, "Telephone", "at most 30"),
    ({"vat_number": "G" * 31}, "VAT Number", "at most 30"),
    ({"email": "e" * 250 + "@b.com"}, "E-mail", "at most 255"),
])
def test_a_record_sage_would_refuse_is_rejected_and_not_written(
        writer: CsvFilesWriter, changes: dict[str, object], field: str, words: str) -> None:
    result = writer.write("customer", customer(**changes))
    assert result.status == "rejected" and result.field == field and words in result.message
    assert not writer.file_for("customer").exists()


def test_an_invoice_is_one_row_per_line_column_by_column(writer: CsvFilesWriter) -> None:
    result = writer.write("invoice", invoice())
    assert result.status == "created" and result.reference == "INV-1001" and result.note == ""
    header, first, second = _rows(writer.file_for("invoice"))
    assert tuple(header) == TRANSACTION_COLUMNS
    assert len(first) == len(second) == 15
    assert first == ["SI", "ACMEHEAT", "4000", "0", "30/11/2026", "INV-1001", "Service visit",
                     "100.00", "T1", "20.00", "", "", "Ledgerlink", "", ""]
    # A line without details takes the invoice's; department and T0 are carried.
    assert second == ["SI", "ACMEHEAT", "4010", "12", "30/11/2026", "INV-1001", "Boiler service",
                      "15.50", "T0", "0.00", "", "", "Ledgerlink", "", ""]


def test_a_credit_note_is_sc_and_names_its_invoice(writer: CsvFilesWriter) -> None:
    payload = invoice("CN-5", type="SC", invoice_reference="INV-1001",
                      lines=[{"nominal_code": "4000", "tax_code": "t1", "net": "10",
                              "tax": "2", "details": "Refund", "department": 0}])
    result = writer.write("credit_note", payload)
    # Sage imports the SC unallocated: allocating it to its invoice is the bookkeeper's step.
    assert result.note == "allocate this credit note to invoice INV-1001 in Sage"
    _, row = _rows(writer.file_for("credit_note"))
    assert row[0] == "SC" and row[5] == "CN-5"
    assert row[7] == "10.00" and row[8] == "T1" and row[9] == "2.00"  # 2 dp, upper-case T-code
    assert row[11] == "INV-1001"


def test_a_credit_note_for_no_invoice_of_ours_has_no_note(writer: CsvFilesWriter) -> None:
    assert writer.write("credit_note", invoice("CN-6", type="SC")).note == ""


def test_a_receipt_becomes_a_payment_on_account_to_allocate_by_hand(
        writer: CsvFilesWriter) -> None:
    payload = receipt(allocations=[{"invoice_reference": "INV-1001", "amount": "100.00"},
                                   {"invoice_reference": "INV-1002", "amount": "35.50"}])
    result = writer.write("payment", payload)
    assert result.status == "created" and result.reference == "PAY-77"
    assert result.note == ("written as a payment on account; allocate it to INV-1001, INV-1002 "
                           "in Sage")
    _, row = _rows(writer.file_for("payment"))
    assert row == ["SA", "ACMEHEAT", "1200", "0", "01/12/2026", "PAY-77", "BACS from Acme",
                   "135.50", "T9", "0.00", "", "INV-1001 INV-1002", "Ledgerlink", "", ""]
    assert "SR" not in {r[0] for r in _rows(writer.file_for("payment"))}


@pytest.mark.parametrize(("changes", "field"), [
    ({"reference": "R" * 31}, "Reference"),
    ({"details": "D" * 61, "lines": [{"nominal_code": "4000", "tax_code": "T1", "net": "1.00",
                                      "tax": "0.20", "details": ""}]}, "Details"),
    ({"date": "30/11/2026"}, "Date"),
    ({"lines": [{"nominal_code": "4000", "tax_code": "T100", "net": "1", "tax": "0"}]},
     "Tax Code"),
    ({"lines": [{"nominal_code": "4000", "tax_code": "S", "net": "1", "tax": "0"}]}, "Tax Code"),
    ({"lines": [{"nominal_code": "4000", "tax_code": "T1", "net": "100000000.00",
                 "tax": "0"}]}, "Net Amount"),
    ({"lines": [{"nominal_code": "4000", "tax_code": "T1", "net": "abc", "tax": "0"}]},
     "Net Amount"),
    ({"lines": [{"nominal_code": "123456789", "tax_code": "T1", "net": "1", "tax": "0"}]},
     "Nominal A/C Ref"),
    ({"lines": [{"nominal_code": "4000", "tax_code": "T1", "net": "1", "tax": "0",
                 "department": 1000}]}, "Department Code"),
    ({"lines": []}, "Net Amount"),
])
def test_a_transaction_sage_would_refuse_is_rejected_whole(
        writer: CsvFilesWriter, changes: dict[str, object], field: str) -> None:
    result = writer.write("invoice", invoice(**changes))
    assert result.status == "rejected" and result.field == field, result
    assert not writer.file_for("invoice").exists()


def test_largest_amount_and_blank_tax_code(writer: CsvFilesWriter) -> None:
    payload = invoice(lines=[{"nominal_code": "4000", "tax_code": "", "net": "99999999.99",
                              "tax": "0.00", "details": "big"}])
    assert writer.write("invoice", payload).status == "created"
    _, row = _rows(writer.file_for("invoice"))
    assert row[7] == "99999999.99" and row[8] == "T0"


def test_check_first_finds_what_it_wrote_even_after_the_files_are_moved(
        tmp_path: Path, writer: CsvFilesWriter) -> None:
    writer.write("customer", customer())
    writer.write("invoice", invoice())
    writer.write("payment", receipt())
    assert writer.find("customer", customer()) == "ACMEHEAT"
    assert writer.find("supplier", customer()) is None
    assert writer.find("invoice", invoice()) == "INV-1001"
    assert writer.find("credit_note", invoice()) is None
    assert writer.find("invoice", invoice("INV-9")) is None
    assert writer.find("payment", receipt()) == "PAY-77"
    # The bookkeeper moves imported files aside; a later agent still finds them.
    done = writer.out_dir / "imported"
    done.mkdir()
    for path in writer.out_dir.glob("*.csv"):
        path.rename(done / path.name)
    later = CsvFilesWriter(writer.out_dir)
    assert later.find("invoice", invoice()) == "INV-1001"
    assert later.find("customer", customer()) == "ACMEHEAT"


def test_the_step_left_is_the_same_for_a_record_found_in_the_files(
        writer: CsvFilesWriter) -> None:
    paid = writer.write("payment", receipt())
    credit = invoice("CN-5", type="SC", invoice_reference="INV-1001")
    credited = writer.write("credit_note", credit)
    assert writer.find("payment", receipt()) == "PAY-77"
    assert writer.note_for("payment", receipt()) == paid.note != ""
    assert writer.note_for("credit_note", credit) == credited.note != ""
    assert writer.note_for("invoice", invoice()) == writer.note_for("customer", customer()) == ""


def test_it_has_no_sage_lists_to_send(writer: CsvFilesWriter) -> None:
    assert writer.lists() == {}
