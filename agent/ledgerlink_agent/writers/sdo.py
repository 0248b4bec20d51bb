"""The SDO writer: Sage Data Objects, Sage 50's COM interface (Windows), or a stand-in engine.

Written against the object surface documented in sandboxes/sage50/sdo.py's docstring, which is
modelled on SDO as integrators use it (Dankular/Sage50Accounts,
mogstuff/Sage-v22-Data-Objects-Example). Marked "unverified" below: what that surface itself marks
unverified against a real Sage 50 (receipt allocation through splits' INV_REF, TaxCodeRecord,
LastError.Field, SetupData's field names, engine.Version).

The engine comes from configuration: "com" is win32com's Dispatch("SDOEngine.32") (pywin32,
imported only then), "package.module:Class" is imported with importlib at run time, so this
package imports nothing of Ledgerlink's app or sandboxes.
"""

from __future__ import annotations

import importlib
import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .base import (
    Writer,
    WriteResult,
    WriterUnavailable,
    created,
    fits_sage_amount,
    money,
    rejected,
    retry,
)

log = logging.getLogger(__name__)

# SDO's transaction type numbers (contract section 3).
SDO_SI, SDO_SC, SDO_SR, SDO_SA = 1, 2, 3, 4
TYPES = {"invoice": SDO_SI, "credit_note": SDO_SC, "payment": SDO_SR}
RECORD_OBJECTS = {"customer": "SalesRecord", "supplier": "PurchaseRecord"}
OUTSIDE_SCOPE_TAX_CODE = 9  # T9: what Sage uses for receipts
# Sage's words when another user holds the company: worth trying again, not a rejection.
_LOCKED_WORDS = ("locked by another user", "in use by another user", "exclusive access")


class LocalRefusal(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def make_engine(spec: str) -> Any:
    """The SDO engine named by config: "com" or "package.module:Class"."""
    if spec == "com":
        try:
            import win32com.client  # type: ignore[import-not-found]  # pywin32, Windows only
        except ImportError as exc:
            raise WriterUnavailable(
                "Sage Data Objects need pywin32 on Windows: pip install ledgerlink-agent[windows]"
            ) from exc
        try:
            return win32com.client.Dispatch("SDOEngine.32")
        except Exception as exc:  # noqa: BLE001 - COM raises its own error types
            raise WriterUnavailable(f"Sage Data Objects are not installed or registered: {exc}"
                                    ) from exc
    module_name, _, class_name = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise WriterUnavailable(f"cannot load the SDO engine {spec!r}: {exc}") from exc
    return factory()


def _tax_number(code: Any) -> int:
    text = "" if code is None else str(code).strip().upper()
    if not text:
        return 0
    if text.startswith("T") and text[1:].isdigit() and 0 <= int(text[1:]) <= 99:
        return int(text[1:])
    raise LocalRefusal(f"Invalid tax code {text}", "TAX_CODE")


def _amount(value: Any, field: str) -> Decimal:
    try:
        amount = money(value)
    except ValueError as exc:
        raise LocalRefusal(f"{field} {value!r} is not an amount", field) from exc
    if not fits_sage_amount(amount):
        raise LocalRefusal(f"{field} {amount} exceeds 8 digits and 2 decimal places", field)
    return amount


def account_type(code: str) -> str:
    """Sage's standard UK chart by range (unverified: no type field on NominalRecord)."""
    number = int(code) if code.isdigit() else -1
    if 1200 <= number <= 1299:
        return "bank"
    if 4000 <= number <= 4999:
        return "sales"
    if 5000 <= number <= 9999:
        return "expense"
    return "other"


def _set(obj: Any, **values: Any) -> None:
    for name, value in values.items():
        obj.Fields.Item(name).Value = value


def _get(obj: Any, name: str) -> Any:
    return obj.Fields.Item(name).Value


def _each(obj: Any) -> Any:
    """Walk a record object from MoveFirst to the last MoveNext."""
    more = obj.MoveFirst()
    while more:
        yield obj
        more = obj.MoveNext()


class SdoWriter(Writer):
    """Writes through one SDO workspace connected to one Sage 50 company."""

    name = "sdo"

    def __init__(self, data_path: str, username: str, password: str, engine: str = "com") -> None:
        self.data_path = data_path
        self.username = username
        self.password = password
        self.engine_spec = engine
        self.engine: Any = None
        self.ws: Any = None

    # -- connection --------------------------------------------------------------------------
    def open(self) -> None:
        if self.ws is not None:
            return
        self.engine = self.engine or make_engine(self.engine_spec)
        try:
            ws = self.engine.Workspaces.Add("ledgerlink")
            ws.Connect(self.data_path, self.username, self.password, "ledgerlink")
        except Exception as exc:  # noqa: BLE001 - COM and the stand-in raise their own types
            words = self._last_error() or str(exc)
            raise WriterUnavailable(f"cannot open the Sage 50 company at {self.data_path}: "
                                    f"{words}") from exc
        self.ws = ws

    def close(self) -> None:
        ws, self.ws = self.ws, None
        if ws is not None:
            try:
                ws.Disconnect()
            except Exception:  # noqa: BLE001 - already gone is as good as disconnected
                log.debug("disconnect failed", exc_info=True)

    def _workspace(self) -> Any:
        self.open()
        return self.ws

    def _last_error(self) -> str:
        try:
            return str(self.engine.LastError.Text or "")
        except Exception:  # noqa: BLE001
            return ""

    def _refusal(self, fallback: str) -> WriteResult:
        words = self._last_error() or fallback
        if any(w in words.lower() for w in _LOCKED_WORDS):
            return retry(words)
        try:  # unverified: LastError.Field is the simulator's, not real SDO's
            field = str(getattr(self.engine.LastError, "Field", "") or "")
        except Exception:  # noqa: BLE001
            field = ""
        return rejected(words, field)

    def describe(self) -> dict[str, str]:
        info = {"sage_version": "", "company_name": ""}
        try:
            ws = self._workspace()
            info["sage_version"] = str(getattr(self.engine, "Version", "") or "")
            setup = ws.CreateObject("SetupData")
            if setup.Read(1):
                info["company_name"] = str(_get(setup, "NAME") or "")
        except WriterUnavailable:
            raise
        except Exception:  # noqa: BLE001 - the heartbeat goes without the company's name
            log.debug("cannot read the company's setup", exc_info=True)
        return info

    # -- lists -------------------------------------------------------------------------------
    def lists(self) -> dict[str, list[dict[str, Any]]]:
        ws = self._workspace()
        found: dict[str, list[dict[str, Any]]] = {}
        for name, reader in (("accounts", self._accounts), ("tax_codes", self._tax_codes),
                             ("contacts", self._contacts)):
            try:
                found[name] = reader(ws)
            except Exception:  # noqa: BLE001 - send the lists that can be read
                log.warning("could not read Sage's %s list", name, exc_info=True)
        return found

    def _accounts(self, ws: Any) -> list[dict[str, Any]]:
        rows = []
        for rec in _each(ws.CreateObject("NominalRecord")):
            code = str(_get(rec, "ACCOUNT_REF"))
            rows.append({"code": code, "name": str(_get(rec, "NAME") or ""),
                         "type": account_type(code)})
        return rows

    def _tax_codes(self, ws: Any) -> list[dict[str, Any]]:
        rows = []
        # unverified: TaxCodeRecord is the simulator's; real SDO keeps rates in setup data.
        for rec in _each(ws.CreateObject("TaxCodeRecord")):
            rate = Decimal(str(_get(rec, "RATE") or 0)).quantize(Decimal("0.01"))
            rows.append({"code": f"T{int(_get(rec, 'TAX_CODE'))}",
                         "name": str(_get(rec, "DESCRIPTION") or ""), "rate": f"{rate:.2f}"})
        return rows

    def _contacts(self, ws: Any) -> list[dict[str, Any]]:
        rows = []
        for kind, object_name in RECORD_OBJECTS.items():
            for rec in _each(ws.CreateObject(object_name)):
                rows.append({
                    "reference": str(_get(rec, "ACCOUNT_REF")),
                    "name": str(_get(rec, "NAME") or ""), "kind": kind,
                    "email": str(_get(rec, "E_MAIL") or ""),
                    "telephone": str(_get(rec, "TELEPHONE") or ""),
                    "address": [str(_get(rec, f"ADDRESS_{n}") or "") for n in range(1, 6)]})
        return rows

    # -- check-first -------------------------------------------------------------------------
    def find(self, kind: str, payload: dict[str, Any]) -> str | None:
        ws = self._workspace()
        if kind in RECORD_OBJECTS:
            rec = ws.CreateObject(RECORD_OBJECTS[kind])
            _set(rec, ACCOUNT_REF=str(payload.get("account_ref") or "").upper())
            return str(_get(rec, "ACCOUNT_REF")) if rec.Find(False) else None
        header = ws.CreateObject("HeaderData")
        _set(header, INV_REF=str(payload.get("reference") or ""), TYPE=TYPES[kind],
             ACCOUNT_REF=str(payload.get("account_ref") or "").upper())
        return str(int(_get(header, "TRAN_NUMBER"))) if header.Find(False) else None

    # -- writing -----------------------------------------------------------------------------
    def write(self, kind: str, payload: dict[str, Any]) -> WriteResult:
        ws = self._workspace()
        try:
            if kind in RECORD_OBJECTS:
                return self._write_contact(ws, kind, payload)
            if kind in TYPES:
                return self._post(ws, kind, payload)
            return rejected(f"the SDO writer cannot write a {kind}")
        except LocalRefusal as exc:
            return rejected(str(exc), exc.field)
        except WriterUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - SDO raises when the outcome is unknown
            # It may have been written: drop the workspace (it may be dead), and answer "retry";
            # the journal's attempt mark makes the next hand-out look in Sage first.
            words = self._last_error() or str(exc)
            self.close()
            return retry(f"Sage 50 did not confirm the write: {words}")

    def _write_contact(self, ws: Any, kind: str, payload: dict[str, Any]) -> WriteResult:
        rec = ws.CreateObject(RECORD_OBJECTS[kind])
        rec.AddNew()
        address = list(payload.get("address") or [])[:5]
        address += [""] * (5 - len(address))
        _set(rec, ACCOUNT_REF=str(payload.get("account_ref") or "").upper(),
             NAME=str(payload.get("name") or ""),
             CONTACT_NAME=str(payload.get("contact_name") or ""),
             TELEPHONE=str(payload.get("telephone") or ""),
             E_MAIL=str(payload.get("email") or ""),
             VAT_REG_NUMBER=str(payload.get("vat_number") or ""),
             **{f"ADDRESS_{n}": str(line or "") for n, line in enumerate(address, start=1)})
        if not rec.Update():
            return self._refusal("Sage 50 refused the record")
        return created(str(_get(rec, "ACCOUNT_REF")))

    def _post(self, ws: Any, kind: str, payload: dict[str, Any]) -> WriteResult:
        try:
            # A datetime, not a date: pywin32 passes a datetime to COM as a DATE; a bare date
            # is not certain to convert (unverified against a real Sage 50).
            when = datetime.combine(date.fromisoformat(str(payload.get("date"))),
                                    datetime.min.time())
        except ValueError as exc:
            raise LocalRefusal(f"Invalid date {payload.get('date')!r}", "DATE") from exc
        post = ws.CreateObject("TransactionPost")
        _set(post.Header, ACCOUNT_REF=str(payload.get("account_ref") or "").upper(),
             TYPE=TYPES[kind], DATE=when, INV_REF=str(payload.get("reference") or ""),
             DETAILS=str(payload.get("details") or ""))
        note = ""
        if kind == "payment":
            note = self._receipt_splits(post, payload)
        else:
            if kind == "credit_note" and payload.get("invoice_reference"):
                # EX_REF shows the invoice on the credit in Sage's audit trail; INVOICE_REF
                # allocates the credit to it as it is posted (unverified against a real Sage
                # 50: the simulator's field, sandboxes/sage50/sdo.py; real SDO may need the
                # allocation made another way).
                _set(post.Header, EX_REF=str(payload["invoice_reference"]),
                     INVOICE_REF=str(payload["invoice_reference"]))
            self._invoice_splits(post, payload)
        if not post.Update():
            return self._refusal("Sage 50 refused the transaction")
        return created(str(int(post.PostingNumber)), note)

    def _invoice_splits(self, post: Any, payload: dict[str, Any]) -> None:
        lines = payload.get("lines") or []
        if not lines:
            raise LocalRefusal("A transaction needs at least one split", "NET_AMOUNT")
        for line in lines:
            split = post.Items.Add()
            _set(split, NOMINAL_CODE=str(line.get("nominal_code") or ""),
                 TAX_CODE=_tax_number(line.get("tax_code")),
                 NET_AMOUNT=_amount(line.get("net"), "NET_AMOUNT"),
                 TAX_AMOUNT=_amount(line.get("tax"), "TAX_AMOUNT"),
                 DETAILS=str(line.get("details") or payload.get("details") or ""),
                 DEPT_NUMBER=int(line.get("department") or 0))
        # Sage posts the splits' totals; the header's totals make it check they are the
        # payload's, so a line lost on the way is refused rather than posted short.
        _set(post.Header, NET_AMOUNT=_amount(payload.get("net"), "NET_AMOUNT"),
             TAX_AMOUNT=_amount(payload.get("tax"), "TAX_AMOUNT"))

    def _receipt_splits(self, post: Any, payload: dict[str, Any]) -> str:
        # unverified: allocation by a split's INV_REF is the simulator's contract, not confirmed
        # against real SDO.
        bank = str(payload.get("bank_nominal") or "")
        total = _amount(payload.get("amount"), "NET_AMOUNT")
        _set(post.Header, BANK_CODE=bank)
        allocated = Decimal("0.00")
        for allocation in payload.get("allocations") or []:
            amount = _amount(allocation.get("amount"), "NET_AMOUNT")
            allocated += amount
            self._receipt_split(post, bank, amount, str(allocation.get("invoice_reference") or ""))
        if allocated > total:
            raise LocalRefusal(f"Allocations of {allocated:.2f} exceed the receipt of {total:.2f}",
                               "NET_AMOUNT")
        left = total - allocated
        if left > 0:
            self._receipt_split(post, bank, left, "")
        _set(post.Header, NET_AMOUNT=total, TAX_AMOUNT=Decimal("0.00"))
        if left > 0 and allocated > 0:
            return f"{left:.2f} of it is on account; allocate it in Sage"
        return ""

    def _receipt_split(self, post: Any, bank: str, amount: Decimal, invoice_ref: str) -> None:
        split = post.Items.Add()
        _set(split, NOMINAL_CODE=bank, TAX_CODE=OUTSIDE_SCOPE_TAX_CODE, NET_AMOUNT=amount,
             TAX_AMOUNT=Decimal("0.00"), DETAILS="", INV_REF=invoice_ref)
