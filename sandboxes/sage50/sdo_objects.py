"""The simulated SDO objects a workspace creates (sdo.py documents their surface): records
with Fields, Find, MoveFirst/MoveNext, AddNew/Edit/Update; TransactionPost with its Header and
Items; SetupData. Values cross to the simulator as JSON (text, whole numbers, money as "0.00"
text, dates as "YYYY-MM-DD") and come back as COM gives them (money as float, dates as
datetime.date).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sandboxes.sage50.sdo_transport import Link, SDOError

CONTACT = ("ACCOUNT_REF", "NAME", "ADDRESS_1", "ADDRESS_2", "ADDRESS_3", "ADDRESS_4",
           "ADDRESS_5", "CONTACT_NAME", "TELEPHONE", "E_MAIL", "VAT_REG_NUMBER")
MONEY = {"BALANCE", "NET_AMOUNT", "TAX_AMOUNT", "GROSS_AMOUNT", "AMOUNT_PAID", "OUTSTANDING",
         "RATE"}
WHOLE = {"TYPE", "TAX_CODE", "DEPT_NUMBER", "TRAN_NUMBER"}
DATES = {"DATE", "LOCK_DATE"}
HEADER_READ = ("TRAN_NUMBER", "TYPE", "ACCOUNT_REF", "DATE", "INV_REF", "DETAILS", "EX_REF",
               "BANK_CODE", "INVOICE_REF", "NET_AMOUNT", "TAX_AMOUNT", "GROSS_AMOUNT",
               "AMOUNT_PAID", "OUTSTANDING")
POST_HEADER = ("ACCOUNT_REF", "TYPE", "DATE", "INV_REF", "DETAILS", "EX_REF", "BANK_CODE",
               "NET_AMOUNT", "TAX_AMOUNT", "INVOICE_REF")
POST_SPLIT = ("NOMINAL_CODE", "TAX_CODE", "NET_AMOUNT", "TAX_AMOUNT", "DETAILS",
              "DEPT_NUMBER", "INV_REF")


def blank(name: str) -> Any:
    if name in MONEY:
        return 0.0
    if name in WHOLE:
        return 0
    return None if name in DATES else ""


def from_wire(name: str, value: Any) -> Any:
    if value is None:
        return blank(name)
    if name in MONEY:
        return float(value)
    if name in DATES:
        return date.fromisoformat(value)
    return value


def to_wire(name: str, value: Any) -> Any:
    """A value as set by the writer, as the simulator reads it."""
    if value is None:
        return None
    if name in MONEY:
        if isinstance(value, float):
            # COM hands Sage a double: it keeps the nearest penny
            return str(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return str(value)
        return value.strip() if isinstance(value, str) else value
    if name in DATES:
        if isinstance(value, datetime):
            return value.date().isoformat()
        return value.isoformat() if isinstance(value, date) else value
    if name in WHOLE:
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        return value
    return value if isinstance(value, str) or isinstance(value, bool) else str(value)


class Field:
    """One field: `.Value` read and set, `.Name`."""

    def __init__(self, owner: Fields, name: str) -> None:
        self._owner, self.Name = owner, name

    @property
    def Value(self) -> Any:  # noqa: N802 - COM's name
        return self._owner.values[self.Name]

    @Value.setter
    def Value(self, value: Any) -> None:  # noqa: N802
        self._owner.values[self.Name] = value
        self._owner.touched.add(self.Name)


class Fields:
    """An object's fields by name, as `.Fields.Item("NAME")`."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.values: dict[str, Any] = {name: blank(name) for name in names}
        self.touched: set[str] = set()  # set by the writer since the last load

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self.names)

    def Item(self, name: str) -> Field:  # noqa: N802
        key = str(name).upper()
        if key not in self.values:
            raise SDOError(f"Field {name} not found")
        return Field(self, key)

    def load(self, record: dict[str, Any]) -> None:
        for name in self.names:
            if name in record:
                self.values[name] = from_wire(name, record[name])

    def clear(self) -> None:
        self.values = {name: blank(name) for name in self.names}
        self.touched = set()

    def wire(self, names: tuple[str, ...] | None = None) -> dict[str, Any]:
        return {n: to_wire(n, self.values[n]) for n in (self.names if names is None else names)}


class Record:
    """SalesRecord and its kin: a ledger read by key or in order, and (if writable) written."""

    ledger = ""
    key = "ACCOUNT_REF"
    names: tuple[str, ...] = ()
    writable = False

    def __init__(self, link: Link) -> None:
        self._link = link
        self.Fields = Fields(self.names)
        self._mode = ""
        self._loaded_key: Any = None
        self._list: list[dict[str, Any]] = []
        self._at = -1

    def _filters(self) -> dict[str, str]:
        return {}

    def _read(self, params: dict[str, str]) -> list[dict[str, Any]] | None:
        answer = self._link.call("GET", f"/ledgers/{self.ledger}", params=params)
        return None if answer is None else list(answer["records"])

    def _show(self, record: dict[str, Any]) -> bool:
        self.Fields.clear()
        self.Fields.load(record)
        self._loaded_key = self.Fields.values[self.key]
        return True

    def Find(self, partial: bool = False) -> bool:  # noqa: N802
        wanted = to_wire(self.key, self.Fields.values[self.key])
        params = {"key": str(wanted if wanted is not None else ""),
                  "match": "prefix" if partial else "exact", **self._filters()}
        found = self._read(params)
        return bool(found) and self._show(found[0])

    def MoveFirst(self) -> bool:  # noqa: N802
        self._list, self._at = self._read({}) or [], 0
        return bool(self._list) and self._show(self._list[0])

    def MoveNext(self) -> bool:  # noqa: N802
        if self._at + 1 >= len(self._list):
            return False
        self._at += 1
        return self._show(self._list[self._at])

    def AddNew(self) -> None:  # noqa: N802
        self._need_writable()
        self.Fields.clear()
        self._mode, self._loaded_key = "add", None

    def Edit(self) -> None:  # noqa: N802
        self._need_writable()
        if self._loaded_key is None:
            raise SDOError("No record to edit: Find or MoveFirst one first")
        self._mode = "edit"

    def Update(self) -> bool:  # noqa: N802
        self._need_writable()
        if not self._mode:
            raise SDOError("Update without AddNew or Edit")
        if self._mode == "edit" and self.Fields.values["ACCOUNT_REF"] != self._loaded_key:
            self._link.last_error.set("The account reference cannot be changed",
                                      field="ACCOUNT_REF")
            return False
        answer = self._link.call("POST", f"/ledgers/{self.ledger}",
                                 {"mode": self._mode, "fields": self.Fields.wire(CONTACT)})
        if answer is None:
            return False
        self._mode = ""
        self._show({**self.Fields.wire(), **answer["record"]})
        return True

    def _need_writable(self) -> None:
        if not self.writable:
            raise SDOError(f"{type(self).__name__} is read only")


class SalesRecord(Record):
    ledger, names, writable = "sales", (*CONTACT, "BALANCE"), True


class PurchaseRecord(Record):
    ledger, names, writable = "purchase", (*CONTACT, "BALANCE"), True


class NominalRecord(Record):
    ledger, names = "nominal", ("ACCOUNT_REF", "NAME", "BALANCE")


class TaxCodeRecord(Record):
    ledger, key, names = "tax_codes", "TAX_CODE", ("TAX_CODE", "DESCRIPTION", "RATE")


class HeaderData(Record):
    ledger, key, names = "headers", "INV_REF", HEADER_READ

    def _filters(self) -> dict[str, str]:
        # TYPE and ACCOUNT_REF narrow a check-first look-up when the writer sets them
        values, touched = self.Fields.values, self.Fields.touched
        narrowed = {}
        if "TYPE" in touched and values["TYPE"]:
            narrowed["type"] = str(to_wire("TYPE", values["TYPE"]))
        if "ACCOUNT_REF" in touched and values["ACCOUNT_REF"]:
            narrowed["account_ref"] = str(values["ACCOUNT_REF"])
        return narrowed


class SetupData:
    """The company's details: `Read(1)` loads them."""

    def __init__(self, link: Link) -> None:
        self._link = link
        self.Fields = Fields(("NAME", "ADDRESS_1", "ADDRESS_2", "ADDRESS_3", "ADDRESS_4",
                              "ADDRESS_5", "VAT_REG_NUMBER", "LOCK_DATE"))

    def Read(self, _record_number: int = 1) -> bool:  # noqa: N802
        answer = self._link.call("GET", "/setup")
        if answer is None:
            return False
        self.Fields.load(answer["fields"])
        return True


class _Part:
    """A TransactionPost's header or one of its splits: only Fields."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.Fields = Fields(names)


class Splits:
    """TransactionPost.Items: `Add()` a split, `Count`, `Item(n)` (1-based, as COM)."""

    def __init__(self) -> None:
        self.parts: list[_Part] = []

    def Add(self) -> _Part:  # noqa: N802
        part = _Part(POST_SPLIT)
        self.parts.append(part)
        return part

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self.parts)

    def Item(self, number: int) -> _Part:  # noqa: N802
        if not 1 <= number <= len(self.parts):
            raise SDOError(f"Split {number} not found")
        return self.parts[number - 1]


class TransactionPost:
    """Posts one transaction: Header, Items, Update(), PostingNumber."""

    def __init__(self, link: Link) -> None:
        self._link = link
        self.Header = _Part(POST_HEADER)
        self.Items = Splits()
        self.PostingNumber = 0

    def Update(self) -> bool:  # noqa: N802
        if self.PostingNumber:
            self._link.last_error.set(f"This transaction has already been posted "
                                      f"(number {self.PostingNumber})")
            return False
        # only what the writer set: a blank TAX_CODE defaults by type (T9 on a receipt)
        header = self.Header.Fields.wire(tuple(sorted(self.Header.Fields.touched)))
        splits = [part.Fields.wire(tuple(sorted(part.Fields.touched)))
                  for part in self.Items.parts]
        answer = self._link.call("POST", "/transactions", {"header": header, "splits": splits})
        if answer is None:
            return False
        posted = answer["posted"]
        self.PostingNumber = int(posted["TRAN_NUMBER"])
        for name in ("NET_AMOUNT", "TAX_AMOUNT"):
            self.Header.Fields.values[name] = from_wire(name, posted[name])
        return True


OBJECTS: dict[str, type] = {cls.__name__.upper(): cls for cls in (
    SalesRecord, PurchaseRecord, NominalRecord, TaxCodeRecord, HeaderData, SetupData,
    TransactionPost)}
