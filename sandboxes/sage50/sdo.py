"""Sage Data Objects (SDO) as the Ledgerlink agent drives them, simulated: the same object
surface as the COM objects `win32com.client.Dispatch("SDOEngine.32")` gives on a Windows PC
running Sage 50 Accounts, whose objects talk HTTP to the company simulator served under
/sandbox/sage50 (sandboxes/sage50/server.py). Only `requests` and the stdlib: this runs in the
agent's process, which has no Flask app. The agent picks it by config:
`sdo_engine = "sandboxes.sage50.sdo:SDOEngine"`. The simulator it talks to is the app in
sandbox mode, or sandboxes/sage50/standalone.py (`serve_in_thread()` for tests); a company is
made by POST <base>/sandbox/sage50/companies {"name": ...}, whose answer holds the data_path,
username and password to Connect with.

Modelled on SDO as integrators publish their use of it (Dankular/Sage50Accounts,
mogstuff/Sage-v22-Data-Objects-Example). Everything marked (unverified) is the simulator's own
choice, not confirmed against a real Sage 50; a writer should not rely on it beyond here.

The surface
-----------
    engine = SDOEngine()
    engine.Version                      -> "30.1" (unverified: the Sage 50 version as text)
    ws = engine.Workspaces.Add("ledgerlink")
    ws.Connect(data_path, username, password, "ledgerlink")     # -> None
        # data_path: "<base_url>/sandbox/sage50/companies/<company_id>" (an ACCDATA folder on
        # a real PC). Raises SDOError (real SDO: a COM error) on an unknown company ("Invalid
        # data path"), a wrong username/password ("Invalid username or password") or no
        # answer from the simulator; engine.LastError.Text holds the same words.
    ws.CompanyName                      # (unverified; simulator's extra) after Connect
    ws.Disconnect()                     # -> None; the objects made by `ws` then raise SDOError
    engine.LastError.Text               # the last refusal's words ("" after a success)
    engine.LastError.Code               # (unverified) 0 none, SDO_ERR_REFUSED, SDO_ERR_LOCKED
    engine.LastError.Field              # (unverified; not in real SDO: read it with
                                        #  getattr(err, "Field", "")) the field refused, e.g.
                                        #  "NOMINAL_CODE", or ""

    obj = ws.CreateObject(name)         # name, case-insensitive, one of:
        # "SalesRecord", "PurchaseRecord"  customers / suppliers
        # "NominalRecord"                  nominal codes (read only)
        # "TaxCodeRecord"                  (unverified: real SDO keeps tax rates in its setup
        #                                  data) tax codes T0..T99 (read only)
        # "SetupData"                      the company's details (read only)
        # "TransactionPost"                posts a transaction (SI, SC, SR, SA)
        # "HeaderData"                     posted transactions' headers (read only)
        # anything else raises SDOError ("Unknown object type").

Every object has `.Fields.Item("NAME")` (field names case-insensitive; an unknown name raises
SDOError) whose `.Value` is read and set. Text is str. Whole numbers (TAX_CODE, DEPT_NUMBER,
TYPE, TRAN_NUMBER) are int. Money read back is float, as COM gives doubles; money set may be
Decimal, str ("120.00"), int or float (a float is taken to the nearest penny, as Sage stores a
double; a Decimal or str with more than 2 decimal places is refused at Update). DATE is set as
datetime.date, datetime.datetime (win32com's pywintypes time is one) or "YYYY-MM-DD", and read
back as datetime.date.

Record objects (SalesRecord, PurchaseRecord, NominalRecord, TaxCodeRecord, HeaderData)
---------------------------------------------------------------------------------------
    rec.Find(False) -> bool     exact look-up by the key field set beforehand (True loads the
                                record's fields; False leaves them as set). The key:
                                ACCOUNT_REF (Sales/Purchase/NominalRecord: the nominal code),
                                TAX_CODE (TaxCodeRecord, the number 0..99), INV_REF
                                (HeaderData; if TYPE and/or ACCOUNT_REF are also set, they must
                                match too; the first posted match wins). Find(True) (a partial
                                match in real SDO) matches keys that start with the value.
    rec.MoveFirst() -> bool     load the first record (by key; HeaderData by TRAN_NUMBER);
    rec.MoveNext() -> bool      False when there are none/no more (the fields then keep the
                                last record's values). The list is read once, at MoveFirst.
    rec.AddNew()                (Sales/PurchaseRecord) start a new record: fields blank
    rec.Edit()                  (Sales/PurchaseRecord) change the record Find/Move loaded
    rec.Update() -> bool        write the AddNew/Edit record. False: nothing written,
                                engine.LastError says why. Raises SDOError when the result is
                                unknown (no answer from the simulator: it may have been
                                written; look before writing again) or without AddNew/Edit.

    SalesRecord / PurchaseRecord fields (written): ACCOUNT_REF NAME ADDRESS_1..ADDRESS_5
      CONTACT_NAME TELEPHONE E_MAIL VAT_REG_NUMBER; read only: BALANCE (float, what the
      account owes us / we owe it).
    NominalRecord fields: ACCOUNT_REF (the code, e.g. "4000"), NAME, BALANCE (debit positive).
      (unverified) No account type field: derive it from Sage's standard UK chart ranges:
      1200-1299 bank, 4000-4999 sales, 5000-9999 purchases and expenses, the rest other.
    TaxCodeRecord fields: TAX_CODE (int, 1 for T1), DESCRIPTION, RATE (float, 20.0).
    SetupData: `sd.Read(1) -> bool` loads NAME (the company's name), ADDRESS_1..ADDRESS_5,
      VAT_REG_NUMBER, LOCK_DATE (datetime.date or None) (unverified: LOCK_DATE's name).
    HeaderData fields: TRAN_NUMBER (int), TYPE (int, sdoSI...), ACCOUNT_REF, DATE, INV_REF,
      DETAILS, EX_REF, BANK_CODE, INVOICE_REF, NET_AMOUNT, TAX_AMOUNT, GROSS_AMOUNT (unverified),
      AMOUNT_PAID (what has been allocated against it), OUTSTANDING (unverified: gross minus
      amount paid; for a receipt, what is left unallocated).

TransactionPost
---------------
    post = ws.CreateObject("TransactionPost")
    post.Header.Fields.Item(f).Value = ...   f: ACCOUNT_REF TYPE DATE INV_REF DETAILS EX_REF
                                             BANK_CODE (SR/SA: the bank's nominal code)
                                             INVOICE_REF (SC only, below)
                                             NET_AMOUNT TAX_AMOUNT (optional; if set they
                                             must equal the splits' totals to the penny)
                                             Only fields the writer set are sent: leave a
                                             field alone to take its default.
    split = post.Items.Add()                 a split (line); post.Items.Count;
                                             post.Items.Item(n) (1-based)
    split.Fields.Item(f).Value = ...         f: NOMINAL_CODE TAX_CODE NET_AMOUNT TAX_AMOUNT
                                             DETAILS DEPT_NUMBER (0..999, default 0) and, on a
                                             receipt only, INV_REF (below)
    post.Update() -> bool                    True: posted, post.PostingNumber is the audit
                                             trail's transaction number (int, 1, 2, 3... per
                                             company, one per posted header) and the header's
                                             NET_AMOUNT / TAX_AMOUNT are the splits' totals.
                                             False / raises: as for records. A post object
                                             posts once; make a new one for the next.

    TYPE: sdoSI = 1 (sales invoice), sdoSC = 2 (sales credit), sdoSR = 3 (sales receipt),
    sdoSA = 4 (payment on account) (the constants below); other types are refused.
    TAX_CODE is the number 0..99 (T1 -> 1); blank means 0 on SI/SC; on SR/SA it defaults to
    9 (T9, outside the scope) and TAX_AMOUNT must be 0.

    A receipt (sdoSR) and its allocations (unverified: how real SDO allocates is not
    confirmed; this is the simulator's contract): BANK_CODE names the bank nominal (must
    exist). Each split is part of the money received: NET_AMOUNT > 0, NOMINAL_CODE blank or
    the bank code, and INV_REF (<= 30) the reference of the customer's posted sdoSI it pays, or
    blank for money left on account. The receipt's amount is the splits' total; each split
    with INV_REF allocates its NET_AMOUNT to that invoice (the invoice's AMOUNT_PAID goes up,
    its OUTSTANDING down); it is refused if that invoice is not the same customer's SI
    ("Invoice INV-1 not found on account ACMEHEAT") or its outstanding is less
    ("Allocation of 130.00 exceeds the 120.00 outstanding on invoice INV-1"). sdoSA is the
    same with no allocations (an INV_REF on its splits is refused).

    A credit note (sdoSC) is allocated to the invoice it credits when its header's
    INVOICE_REF (<= 30; unverified: the simulator's own field, real SDO has none) names the
    same customer's posted sdoSI: its whole gross comes off that invoice's OUTSTANDING, refused
    as a receipt's allocation is if the invoice is not found or owes less. Without
    INVOICE_REF the credit stays on the account, unallocated (as Sage posts one).

Sage's rules (Update() -> False, nothing written; LastError.Text words close to Sage's but
unverified word for word):
  - ACCOUNT_REF required, <= 8, upper case, no spaces; unique per ledger on AddNew
    ("The account reference ACMEHEAT already exists"); cannot change on Edit.
  - NAME required, <= 60; ADDRESS_1..5 <= 60; CONTACT_NAME, TELEPHONE, VAT_REG_NUMBER <= 30;
    E_MAIL <= 255.
  - a transaction's ACCOUNT_REF must be an existing customer ("Account ACME does not
    exist"); DATE required and not before the company's lock date ("Date is before the lock
    date ... the period is locked"); INV_REF <= 30, DETAILS <= 60, EX_REF <= 30.
  - every split's NOMINAL_CODE must exist ("Invalid nominal code 4999"), TAX_CODE must be set
    up in the company ("Invalid tax code T7"); NET_AMOUNT / TAX_AMOUNT at most 8 digits and 2
    decimal places; at least one split.
  - input no real SDO object would take (TAX_CODE "T1" instead of 1, an amount that is not
    a number) is refused the same way, LastError.Text naming the field.
  - while the company is busy (the simulator's POST .../busy, for tests) every write returns
    False with "Sage 50 is locked by another user" and LastError.Code SDO_ERR_LOCKED: try
    again later, it is not a rejection of the record.
"""

from __future__ import annotations

from typing import Any

from sandboxes.sage50.sdo_objects import OBJECTS
from sandboxes.sage50.sdo_transport import (
    SDO_ERR_LOCKED,
    SDO_ERR_NONE,
    SDO_ERR_REFUSED,
    LastError,
    Link,
    SDOError,
)

sdoSI, sdoSC, sdoSR, sdoSA = 1, 2, 3, 4  # noqa: N816 - SDO's own constant names
SIMULATED_VERSION = "30.1"

__all__ = ["SDO_ERR_LOCKED", "SDO_ERR_NONE", "SDO_ERR_REFUSED", "SDOEngine", "SDOError",
           "Workspace", "sdoSA", "sdoSC", "sdoSI", "sdoSR"]


class Workspace:
    """A named connection to one company: Connect, CreateObject, Disconnect."""

    def __init__(self, engine: SDOEngine, name: str) -> None:
        self._engine, self.Name = engine, name
        self._link: Link | None = None

    def Connect(self, data_path: str, username: str, password: str,  # noqa: N802
                _unique_name: str = "") -> None:
        error = self._engine.LastError
        if not isinstance(data_path, str) or not data_path.startswith(("http://", "https://")):
            error.set(f"Invalid data path: {data_path}")
            raise SDOError(error.Text)
        link = Link(data_path, str(username), str(password), error)
        answer = link.call("POST", "/connect")
        if answer is None:
            link.close()
            raise SDOError(error.Text, error.Code)
        self._link = link
        self.CompanyName = str(answer.get("company_name", ""))

    def Disconnect(self) -> None:  # noqa: N802
        if self._link is not None:
            self._link.close()

    def CreateObject(self, name: str) -> Any:  # noqa: N802
        if self._link is None:
            raise SDOError("Not connected: call Connect first")
        made = OBJECTS.get(str(name).upper())
        if made is None:
            self._engine.LastError.set(f"Unknown object type {name}")
            raise SDOError(self._engine.LastError.Text)
        return made(self._link)


class Workspaces:
    """engine.Workspaces: `Add(name)`, `Item(name)`, `Count`."""

    def __init__(self, engine: SDOEngine) -> None:
        self._engine = engine
        self._named: dict[str, Workspace] = {}

    def Add(self, name: str) -> Workspace:  # noqa: N802
        workspace = self._named[name] = Workspace(self._engine, name)
        return workspace

    def Item(self, name: str) -> Workspace:  # noqa: N802
        if name not in self._named:
            raise SDOError(f"Workspace {name} not found")
        return self._named[name]

    @property
    def Count(self) -> int:  # noqa: N802
        return len(self._named)


class SDOEngine:
    """The SDO engine (real: win32com.client.Dispatch("SDOEngine.32"))."""

    def __init__(self) -> None:
        self.LastError = LastError()
        self.Workspaces = Workspaces(self)
        self.Version = SIMULATED_VERSION
