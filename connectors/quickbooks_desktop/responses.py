"""qbXML responses -> outcomes (one per request, matched by requestID) and plain lists.

Read tolerantly, never trusted: PACKAGES.md's field notes say real QuickBooks output sometimes
breaks Intuit's own schema, so nothing here validates against the XSD; we read the few elements
we need and ignore the rest. The parser expands no entities, loads no DTD and touches no
network (an XML bomb or an external entity in a reply does nothing).

Status codes (Intuit's qbXML error codes; the words in the comments are QuickBooks' own as
integrators quote them, not checked against a live QuickBooks here):
- 0 ok; 1 a query found nothing (an empty list, not an error); 500 some of several ids not
  found (a query: the found ones are returned);
- 3100 "The name ... of the list element is already in use";
- 3120 "Object ... specified in the request cannot be found" (a TxnID we refer to);
- 3140 "There is an invalid reference to QuickBooks <Kind> "..." in the <Txn>";
- 3175/3176 the record or list is in use by another user (try again later);
- 3180 "There was an error when saving a ..." and anything else: validation, with
  QuickBooks' statusMessage kept as package_message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

from connectors.base import (
    Address,
    BadReplyError,
    Contact,
    ContactRecord,
    DocumentRecord,
    Outcome,
    PaymentRecord,
    Record,
    Rejected,
    RejectReason,
    RetryLater,
    Sent,
    Uncertain,
)

IN_USE_WAIT_SECONDS = 300.0  # someone has the record open in QuickBooks: next session


class QbxmlResponseError(BadReplyError):
    """A reply that cannot be read as qbXML at all, or whose answers are not to the requests
    we sent. The caller treats every record of the request as Uncertain (look each up)."""


# --------------------------------------------------------------------------- parsing
def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True)


_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse(reply: str | bytes) -> etree._Element:
    """The QBXML root of a reply, or QbxmlResponseError naming what is wrong with it."""
    if isinstance(reply, str):
        # The Web Connector hands us the response as a SOAP string, already decoded; its
        # declaration would name an encoding the text no longer has, and lxml refuses that.
        reply = _DECLARATION.sub("", reply, count=1).encode("utf-8")
    if not reply or not reply.strip():
        raise QbxmlResponseError("QuickBooks Desktop sent back an empty response.")
    try:
        root = etree.fromstring(reply, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise QbxmlResponseError(
            f"QuickBooks Desktop's response is not well-formed XML ({exc.msg})."
        ) from None
    if root.tag != "QBXML":
        raise QbxmlResponseError(
            f"QuickBooks Desktop's response starts with <{root.tag}>, not <QBXML>.")
    msgs = root.find("QBXMLMsgsRs")
    if msgs is None:
        raise QbxmlResponseError("QuickBooks Desktop's response has no QBXMLMsgsRs.")
    return msgs


@dataclass(frozen=True)
class Answer:
    """One *Rs of a response."""

    request_id: str
    name: str  # e.g. "InvoiceAddRs"
    status_code: int
    severity: str  # "Info", "Warn" or "Error"
    message: str
    element: etree._Element

    @property
    def rets(self) -> list[etree._Element]:
        return [child for child in self.element if _tag(child).endswith("Ret")]

    @property
    def iterator_remaining(self) -> int | None:
        value = self.element.get("iteratorRemainingCount")
        return int(value) if value and value.strip().lstrip("-").isdigit() else None

    @property
    def iterator_id(self) -> str | None:
        return self.element.get("iteratorID") or None


def _tag(element: etree._Element) -> str:
    return element.tag if isinstance(element.tag, str) else ""


def answers(reply: str | bytes) -> list[Answer]:
    """Every *Rs in the response, in order."""
    out = []
    for rs in parse(reply):
        name = _tag(rs)
        if not name.endswith("Rs"):
            continue
        code = (rs.get("statusCode") or "").strip()
        try:
            status = int(code)
        except ValueError:
            raise QbxmlResponseError(
                f"QuickBooks Desktop's {name} has no readable statusCode ({code!r})."
            ) from None
        out.append(Answer(request_id=rs.get("requestID") or "", name=name, status_code=status,
                          severity=(rs.get("statusSeverity") or "").strip(),
                          message=(rs.get("statusMessage") or "").strip(), element=rs))
    return out


def by_request_id(reply: str | bytes, sent: Sequence[str]) -> dict[str, Answer]:
    """The answers keyed by requestID, checked against the ids we sent: an answer to a request
    we did not send (another session's, another company's) or two answers to one request means
    the reply is not ours to trust, and it is refused whole."""
    expected = set(sent)
    found: dict[str, Answer] = {}
    for answer in answers(reply):
        if answer.request_id not in expected:
            raise QbxmlResponseError(
                f"QuickBooks Desktop answered a request we did not send (requestID "
                f"{answer.request_id!r} in {answer.name}); the response was not used.")
        if answer.request_id in found:
            raise QbxmlResponseError(
                f"QuickBooks Desktop answered request {answer.request_id!r} twice; the "
                "response was not used.")
        found[answer.request_id] = answer
    return found


# --------------------------------------------------------------------------- outcomes
def outcomes(reply: str | bytes, sent: Sequence[tuple[str, Record]]) -> list[Outcome]:
    """One outcome per (requestID, record) we sent, in that order.

    A request with no answer is Uncertain: with stopOnError QuickBooks skips every request
    after a failure, but a reply cut short looks the same, so the record is looked up (by
    RefNumber or name) before it is sent again.
    """
    found = by_request_id(reply, [request_id for request_id, _ in sent])
    results: list[Outcome] = []
    for request_id, record in sent:
        answer = found.get(request_id)
        if answer is None:
            results.append(Uncertain(
                f"QuickBooks Desktop did not answer request {request_id} (it stops at the "
                "first error in a batch); look the record up before sending it again."))
        else:
            results.append(outcome(answer, record))
    return results


def _created_id(answer: Answer) -> str:
    for ret in answer.rets:
        for tag in ("TxnID", "ListID"):
            value = (ret.findtext(tag) or "").strip()
            if value:
                return value
    return ""


def outcome(answer: Answer, record: Record) -> Outcome:
    """One Add answer -> Sent / Rejected / RetryLater / Uncertain."""
    created = _created_id(answer)
    if answer.status_code == 0 or (created and answer.severity.lower() != "error"):
        # A warning with the record made is still made (its id is what counts).
        if created:
            return Sent(created)
        return Uncertain(f"QuickBooks Desktop accepted request {answer.request_id} but gave "
                         "no TxnID or ListID back; look the record up.")
    return classify(answer.status_code, answer.message, record)


# 3140, as integrators quote it: 'There is an invalid reference to QuickBooks Customer "Smith"
# in the Invoice.' and, with no name quoted, 'There is an invalid reference to QuickBooks Item
# in the Invoice line. The specified record does not exist in the list.'
# (consolibyte/quickbooks-php issue 256). The kind ends at the quote or at " in the".
_INVALID_REF = re.compile(
    r"invalid reference to QuickBooks\s+(?P<kind>[A-Za-z /]+?)\s*(?:\"|\bin the\b|$)", re.I)
_LOCKED = re.compile(r"closing date|closed period|period is closed", re.I)


def classify(status_code: int, message: str, record: Record) -> Outcome:
    """A refusal by QuickBooks -> an outcome with a reason app/sync/explain.py puts into words;
    QuickBooks' statusMessage is kept as the package message."""
    said = message or f"QuickBooks Desktop refused the record (status {status_code})."
    if status_code == 3100:
        if isinstance(record, ContactRecord):
            return _rejected("duplicate_name", said, "Name", record)
        return _rejected("duplicate_reference", said, "RefNumber", record)
    if status_code == 3140:
        return _invalid_reference(said, record)
    if status_code == 3120:
        # An id we referred to is gone: for our records only invoices are referred to by id.
        if isinstance(record, PaymentRecord | DocumentRecord):
            return _rejected("invoice_missing", said, "AppliedToTxnAdd/TxnID", record)
        return _rejected("validation", said, None, record)
    if status_code in (3175, 3176):
        return RetryLater(IN_USE_WAIT_SECONDS, "in use")
    if _LOCKED.search(said) and isinstance(record, PaymentRecord | DocumentRecord):
        return _rejected("locked_period", said, "TxnDate", record)
    return _rejected("validation", said, None, record)


def _invalid_reference(message: str, record: Record) -> Outcome:
    match = _INVALID_REF.search(message)
    kind = re.sub(r"\s+", "", match.group("kind")).lower() if match else ""
    if kind in ("customer", "vendor", "customerjob", "entity"):
        return _rejected("contact_missing", message, "CustomerRef", record)
    if kind.startswith("item") or kind == "account":
        field = "DepositToAccountRef" if kind == "account" else "ItemRef"
        return _rejected("account_unknown", message, field, record)
    if kind in ("salestaxcode", "taxcode"):
        return _rejected("tax_rate_unknown", message, "SalesTaxCodeRef", record)
    if kind in ("invoice", "transaction", "txn"):
        return _rejected("invoice_missing", message, "AppliedToTxnAdd/TxnID", record)
    # Not one of the names we know: the words are kept and a person reads them.
    return _rejected("validation", message, None, record)


def _rejected(reason: RejectReason, message: str, field: str | None, record: Record
              ) -> Rejected:
    details: dict[str, str] = {"reference": record.reference}
    if reason in ("contact_missing", "duplicate_name"):
        details["contact_name"] = (record.name if isinstance(record, ContactRecord)
                                   else record.contact_name)
    elif reason == "duplicate_reference":
        details["reference"] = record.reference
    elif reason == "account_unknown":
        if isinstance(record, PaymentRecord):
            details["account_code"] = record.bank_account_code
        elif isinstance(record, DocumentRecord):
            details["account_code"] = ", ".join(sorted({ln.account_code for ln in record.lines}))
    elif reason == "tax_rate_unknown" and isinstance(record, DocumentRecord):
        details["tax_code"] = ", ".join(sorted({ln.tax_code for ln in record.lines}))
    elif reason == "locked_period" and isinstance(record, PaymentRecord | DocumentRecord):
        details["date"] = record.date.isoformat()
    elif reason == "invoice_missing":
        if isinstance(record, PaymentRecord):
            details["invoice_reference"] = ", ".join(a.invoice_reference
                                                     for a in record.allocations)
        elif isinstance(record, DocumentRecord):
            details["invoice_reference"] = record.invoice_reference or ""
    return Rejected(reason, message, field, details)


# --------------------------------------------------------------------------- lists
@dataclass(frozen=True)
class QbAccount:
    list_id: str
    full_name: str
    account_type: str  # QuickBooks' own, e.g. "Bank", "Income", "AccountsReceivable"
    active: bool = True
    account_number: str = ""


@dataclass(frozen=True)
class QbItem:
    list_id: str
    full_name: str
    type: str  # "Service", "NonInventory", "OtherCharge", "Inventory", "SalesTax", ...
    active: bool = True
    description: str = ""


@dataclass(frozen=True)
class QbSalesTaxCode:
    list_id: str
    name: str
    taxable: bool
    active: bool = True
    description: str = ""
    item_sales_tax: str = ""  # FullName of the sales tax item behind it (UK/CA files)


@dataclass(frozen=True)
class QbItemSalesTax:
    list_id: str
    name: str
    rate: Decimal | None
    active: bool = True
    description: str = ""


@dataclass(frozen=True)
class QbTxn:
    """An invoice or credit memo found by RefNumber (the look-up before a re-add)."""

    txn_id: str
    ref_number: str
    txn_date: str
    customer: str  # CustomerRef FullName
    balance: Decimal | None  # BalanceRemaining (invoice) or CreditRemaining (credit memo)


@dataclass(frozen=True)
class ListPage:
    """What one query answer held, and how to go on reading (iterator queries)."""

    items: list[object]
    iterator_id: str | None
    remaining: int | None


def _text(element: etree._Element, path: str) -> str:
    return (element.findtext(path) or "").strip()


def _bool(element: etree._Element, path: str, default: bool = True) -> bool:
    value = _text(element, path).lower()
    if not value:
        return default
    return value == "true"


def _decimal(element: etree._Element, path: str) -> Decimal | None:
    value = _text(element, path)
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _query_rets(reply: str | bytes, rs_names: Sequence[str], request_id: str | None = None
                ) -> tuple[list[etree._Element], Answer]:
    """The *Ret elements of the first query answer named one of rs_names (or the one with
    request_id). 1 (nothing matched) is an empty list; any other error is raised."""
    for answer in answers(reply):
        if answer.name not in rs_names:
            continue
        if request_id is not None and answer.request_id != request_id:
            continue
        if answer.status_code == 1:
            return [], answer
        if answer.status_code not in (0, 500) and answer.severity.lower() == "error":
            raise QbxmlResponseError(
                f"QuickBooks Desktop could not list what was asked ({answer.name} "
                f"{answer.status_code}: {answer.message or 'no message'}).")
        return answer.rets, answer
    raise QbxmlResponseError(f"QuickBooks Desktop's response has no {' or '.join(rs_names)}.")


def accounts(reply: str | bytes, request_id: str | None = None) -> list[QbAccount]:
    """AccountQueryRs -> accounts (the mapping page offers the Bank ones for payments)."""
    rets, _ = _query_rets(reply, ("AccountQueryRs",), request_id)
    return [QbAccount(list_id=_text(r, "ListID"), full_name=_text(r, "FullName"),
                      account_type=_text(r, "AccountType"), active=_bool(r, "IsActive"),
                      account_number=_text(r, "AccountNumber"))
            for r in rets if _tag(r) == "AccountRet"]


_ITEM_RS = ("ItemQueryRs", "ItemServiceQueryRs", "ItemNonInventoryQueryRs",
            "ItemOtherChargeQueryRs")


def items(reply: str | bytes, request_id: str | None = None) -> ListPage:
    """Item*QueryRs -> items with their type (taken from the Ret's name: ItemServiceRet is a
    "Service"), so one ItemQuery answer serves for every type."""
    rets, answer = _query_rets(reply, _ITEM_RS, request_id)
    found: list[object] = [
        QbItem(list_id=_text(r, "ListID"), full_name=_text(r, "FullName") or _text(r, "Name"),
               type=_tag(r)[len("Item"):-len("Ret")], active=_bool(r, "IsActive"),
               description=(_text(r, "SalesOrPurchase/Desc")
                            or _text(r, "SalesAndPurchase/SalesDesc")))
        for r in rets if _tag(r).startswith("Item")
    ]
    return ListPage(found, answer.iterator_id, answer.iterator_remaining)


def sales_tax_codes(reply: str | bytes, request_id: str | None = None) -> list[QbSalesTaxCode]:
    rets, _ = _query_rets(reply, ("SalesTaxCodeQueryRs",), request_id)
    return [QbSalesTaxCode(list_id=_text(r, "ListID"), name=_text(r, "Name"),
                           taxable=_bool(r, "IsTaxable", default=False),
                           active=_bool(r, "IsActive"), description=_text(r, "Desc"),
                           item_sales_tax=_text(r, "ItemSalesTaxRef/FullName"))
            for r in rets if _tag(r) == "SalesTaxCodeRet"]


def item_sales_taxes(reply: str | bytes, request_id: str | None = None
                     ) -> list[QbItemSalesTax]:
    rets, _ = _query_rets(reply, ("ItemSalesTaxQueryRs",), request_id)
    return [QbItemSalesTax(list_id=_text(r, "ListID"), name=_text(r, "Name"),
                           rate=_decimal(r, "TaxRate"), active=_bool(r, "IsActive"),
                           description=_text(r, "ItemDesc"))
            for r in rets if _tag(r) == "ItemSalesTaxRet"]


def _address(element: etree._Element | None) -> Address:
    if element is None:
        return Address()
    return Address(line1=_text(element, "Addr1"), line2=_text(element, "Addr2"),
                   city=_text(element, "City"), postcode=_text(element, "PostalCode"),
                   country=_text(element, "Country"))


def contacts(reply: str | bytes, request_id: str | None = None) -> ListPage:
    """CustomerQueryRs or VendorQueryRs -> base Contacts (external_id = ListID, our code from
    AccountNumber), for the one-time import and link suggestions."""
    rets, answer = _query_rets(reply, ("CustomerQueryRs", "VendorQueryRs"), request_id)
    is_customer = answer.name == "CustomerQueryRs"
    ret_name, address_tag = (("CustomerRet", "BillAddress") if is_customer
                             else ("VendorRet", "VendorAddress"))
    found: list[object] = [
        Contact(external_id=_text(r, "ListID"), name=_text(r, "FullName") or _text(r, "Name"),
                is_customer=is_customer, is_supplier=not is_customer,
                reference=_text(r, "AccountNumber"), email=_text(r, "Email"),
                phone=_text(r, "Phone"), address=_address(r.find(address_tag)),
                active=_bool(r, "IsActive"))
        for r in rets if _tag(r) == ret_name
    ]
    return ListPage(found, answer.iterator_id, answer.iterator_remaining)


def transactions(reply: str | bytes, request_id: str | None = None) -> list[QbTxn]:
    """InvoiceQueryRs or CreditMemoQueryRs (by RefNumber) -> what is already there."""
    rets, answer = _query_rets(reply, ("InvoiceQueryRs", "CreditMemoQueryRs"), request_id)
    ret_name, balance = (("InvoiceRet", "BalanceRemaining") if answer.name == "InvoiceQueryRs"
                         else ("CreditMemoRet", "CreditRemaining"))
    return [QbTxn(txn_id=_text(r, "TxnID"), ref_number=_text(r, "RefNumber"),
                  txn_date=_text(r, "TxnDate"), customer=_text(r, "CustomerRef/FullName"),
                  balance=_decimal(r, balance))
            for r in rets if _tag(r) == ret_name]


def status_words(answers_by_id: Mapping[str, Answer]) -> str:
    """A one-line summary of a response's statuses, for the run's log."""
    return "; ".join(f"{rid}: {a.status_code} {a.message}".strip()
                     for rid, a in answers_by_id.items())
