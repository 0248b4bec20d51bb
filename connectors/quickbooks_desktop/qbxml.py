"""Canonical records -> qbXML 13.0 requests (one Rq per record, in one QBXMLMsgsRq).

Pure functions, no I/O; built with lxml so text is always escaped by the library. The tests
validate every request rendered here against Intuit's schema (qbxmlops130.xsd), where element
ORDER is part of the contract: each renderer appends children in the schema's sequence.

How our records meet QuickBooks Desktop (what the mapping page chose, from the lists
QuickBooks returned; no ids are fixed in advance):
- DocumentLine.account_code is the FullName of a QuickBooks Item (lines post through Items, as
  in QuickBooks Online), DocumentLine.tax_code the Name of a SalesTaxCode, and
  PaymentRecord.bank_account_code the FullName of the Account the payment is deposited to.
- Customers are referred to by ListID (contact_external_id, what CustomerAdd returned or the
  import linked) and by FullName, the Name we gave them (cleaned as CustomerAdd's Name, so the
  two spellings cannot drift apart); QuickBooks ignores FullName when ListID is there.
- Invoices paid or credited are referred to by the TxnID QuickBooks returned for them
  (Allocation.invoice_external_id, DocumentRecord.invoice_external_id).
- Our references: contacts in AccountNumber (99 characters), documents in RefNumber (11), a
  payment's in RefNumber (20) when it fits and in full in Memo: the look-ups before a re-add
  (invoice_query) search on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Literal

from lxml import etree

from connectors.base import (
    Address,
    ContactRecord,
    DocumentLine,
    DocumentRecord,
    PaymentRecord,
    Rejected,
)
from connectors.money import round_money, to_pennies
from connectors.quickbooks_desktop import limits
from connectors.quickbooks_desktop.limits import PayloadError

QBXML_VERSION = "13.0"
# PRICETYPE and QUANTYPE in qbxmltypes130.xsd: at most 10 digits and 5 decimal places.
RATE_PLACES = Decimal("0.00001")
QUANTITY_PLACES = Decimal("0.00001")
AMOUNT_INTEGER_DIGITS = 13  # AMTTYPE: [0-9]{1,13}(\.[0-9]{2})?
PRICE_INTEGER_DIGITS = 10

OnError = Literal["stopOnError", "continueOnError", "rollbackOnError"]
ItemKind = Literal["all", "service", "non_inventory", "other_charge"]

__all__ = [
    "PayloadError",
    "account_query",
    "add_request",
    "amount",
    "apply_credit_add",
    "credit_memo_add",
    "credit_memo_query",
    "customer_add",
    "customer_query",
    "envelope",
    "invoice_add",
    "invoice_query",
    "item_query",
    "item_sales_tax_query",
    "receive_payment_add",
    "sales_tax_code_query",
    "vendor_add",
    "vendor_query",
]


# --------------------------------------------------------------------------- formatting
def amount(value: Decimal, field: str = "Amount") -> str:
    """AMTTYPE: the penny figure by the one rounding rule, written "123.45" (never through
    float, never in exponent form)."""
    pennies = to_pennies(value)
    written = f"{pennies:f}"
    if len(written.lstrip("-").split(".")[0]) > AMOUNT_INTEGER_DIGITS:
        raise PayloadError(field, f"The amount {written} is too large for QuickBooks Desktop.")
    return written


def _decimal(value: Decimal, places: Decimal, field: str, label: str) -> str:
    """PRICETYPE / QUANTYPE: up to 5 decimal places, trailing zeros dropped ("2", "12.5")."""
    rounded = round_money(value, places)
    written = f"{rounded.normalize():f}" if rounded else "0"
    if len(written.lstrip("-").split(".")[0]) > PRICE_INTEGER_DIGITS:
        raise PayloadError(field, f"The {label} {written} is too large for QuickBooks Desktop.")
    return written


def _date(value: date) -> str:
    return value.isoformat()


# --------------------------------------------------------------------------- tree helpers
def _sub(parent: etree._Element, tag: str, value: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if value is not None:
        child.text = value
    return child


def _ref(parent: etree._Element, tag: str, full_name: str, list_id: str = "") -> None:
    ref = _sub(parent, tag)
    if list_id:
        # Intuit's CustomerAdd reference: "if a CustomerRef aggregate includes both FullName
        # and ListID, FullName will be ignored". The ListID survives a rename in QuickBooks
        # and a linked customer whose QuickBooks name is not ours; FullName stays for a
        # person reading the request.
        _sub(ref, "ListID", list_id)
    _sub(ref, "FullName", full_name)


def _rq(name: str, request_id: str) -> tuple[etree._Element, etree._Element]:
    """An `<nameRq requestID=...>` and, inside it, the `<name>` body (for Add requests)."""
    if not request_id:
        raise ValueError("every request carries a requestID: responses are matched by it")
    rq = etree.Element(f"{name}Rq", requestID=request_id)
    return rq, _sub(rq, name)


def envelope(requests: Sequence[etree._Element], on_error: OnError = "stopOnError") -> bytes:
    """The whole qbXML document the Web Connector hands to QuickBooks.

    stopOnError by default: QuickBooks answers for every request up to the first failure and
    processes none after it, so a later record never goes in ahead of one it depends on (a
    payment ahead of its invoice). The requestIDs must be unique: they are how each answer is
    matched to its record (responses.py).
    """
    ids = [rq.get("requestID") for rq in requests]
    if len(set(ids)) != len(ids) or not all(ids):
        raise ValueError("every request needs a requestID of its own")
    root = etree.Element("QBXML")
    msgs = _sub(root, "QBXMLMsgsRq")
    msgs.set("onError", on_error)
    for rq in requests:
        msgs.append(rq)
    body = etree.tostring(root, encoding="utf-8", xml_declaration=False)
    # The qbxml processing instruction goes between the declaration and the root; lxml
    # would put a PI inside the tree, so the prologue is written here (fixed text only).
    prologue = f'<?xml version="1.0" encoding="utf-8"?><?qbxml version="{QBXML_VERSION}"?>'
    return prologue.encode("ascii") + body


# --------------------------------------------------------------------------- contacts
def _address(parent: etree._Element, tag: str, address: Address, who: str) -> None:
    fields = (
        ("Addr1", address.line1, limits.ADDR_LINE_MAX, "first address line"),
        ("Addr2", address.line2, limits.ADDR_LINE_MAX, "second address line"),
        ("City", address.city, limits.CITY_MAX, "town or city"),
        ("PostalCode", address.postcode, limits.POSTAL_CODE_MAX, "postcode"),
        ("Country", address.country, limits.COUNTRY_MAX, "country"),
    )
    cleaned = [(name, limits.text(value, f"{tag}/{name}", f"{label} of {who}", max_len))
               for name, value, max_len, label in fields]
    if not any(value for _, value in cleaned):
        return
    block = _sub(parent, tag)
    for name, value in cleaned:
        if value:
            _sub(block, name, value)


def _contact(record: ContactRecord, name: str, address_tag: str, request_id: str
             ) -> etree._Element:
    kind = "customer" if record.kind == "customer" else "supplier"
    rq, body = _rq(name, request_id)
    display = limits.list_name(record.name, "Name", f"{kind} name")
    _sub(body, "Name", display)
    _sub(body, "CompanyName", limits.text(display, "CompanyName", f"{kind} name",
                                          limits.COMPANY_NAME_MAX))
    who = f"{kind} '{display}'"
    _address(body, address_tag, record.address, who)
    phone = limits.text(record.phone, "Phone", f"phone number of {who}", limits.PHONE_MAX)
    if phone:
        _sub(body, "Phone", phone)
    email = limits.text(record.email, "Email", f"email address of {who}", limits.EMAIL_MAX)
    if email:
        _sub(body, "Email", email)
    account_number = limits.text(record.reference, "AccountNumber", f"code of {who}",
                                 limits.ACCOUNT_NUMBER_MAX)
    if account_number:
        # Our code for the contact: an import can link on it, and a person can search on it.
        _sub(body, "AccountNumber", account_number)
    return rq


def customer_add(record: ContactRecord, request_id: str) -> etree._Element:
    """CustomerAddRq for a customer (Name, CompanyName, BillAddress, Phone, Email,
    AccountNumber, in the schema's order)."""
    if record.kind != "customer":
        raise ValueError("customer_add takes a customer; suppliers are vendor_add")
    return _contact(record, "CustomerAdd", "BillAddress", request_id)


def vendor_add(record: ContactRecord, request_id: str) -> etree._Element:
    """VendorAddRq for a supplier (VendorAddress in place of BillAddress)."""
    if record.kind != "supplier":
        raise ValueError("vendor_add takes a supplier; customers are customer_add")
    return _contact(record, "VendorAdd", "VendorAddress", request_id)


# --------------------------------------------------------------------------- documents
def _line(parent: etree._Element, tag: str, line: DocumentLine, number: int,
          inclusive: bool) -> None:
    where = f"line {number}"
    item = limits.text(line.account_code, f"{tag}/ItemRef", f"item of {where}",
                       limits.FULL_NAME_MAX)
    if not item:
        raise PayloadError(f"{tag}/ItemRef",
                           f"No QuickBooks item is mapped for {where}; choose one on the "
                           "mapping page.")
    tax_code = limits.text(line.tax_code, f"{tag}/SalesTaxCodeRef", f"tax code of {where}",
                           limits.SALES_TAX_CODE_MAX)
    if not tax_code:
        raise PayloadError(f"{tag}/SalesTaxCodeRef",
                           f"No QuickBooks tax code is mapped for {where}; choose one on the "
                           "mapping page.")
    gross = to_pennies(line.line_amount)
    tax = to_pennies(line.tax_amount)
    # Always net on the wire: Rate x Quantity = Amount holds in QuickBooks' own arithmetic, and
    # whether IsTaxIncluded behaves the same in every edition is unverified.
    net = gross - tax if inclusive else gross
    if inclusive:
        rate = net / line.quantity if line.quantity else Decimal("0")
    else:
        rate = line.unit_price
    desc = limits.text(line.description, f"{tag}/Desc", f"description of {where}",
                       limits.DESC_MAX)
    block = _sub(parent, tag)
    _ref(block, "ItemRef", item)
    if desc:
        _sub(block, "Desc", desc)
    _sub(block, "Quantity", _decimal(line.quantity, QUANTITY_PLACES, f"{tag}/Quantity",
                                     f"quantity of {where}"))
    _sub(block, "Rate", _decimal(rate, RATE_PLACES, f"{tag}/Rate", f"price of {where}"))
    # Our penny figure, so QuickBooks does not multiply a 5-decimal rate out to another penny.
    _sub(block, "Amount", amount(net, f"{tag}/Amount"))
    # Our VAT for the line, to the penny (rounded per line, as our totals are): left to its
    # own arithmetic QuickBooks may round an inclusive line's VAT the other way, and then the
    # invoice owes a penny less than the payment we send for it. Honoured by UK company files
    # (unverified against a real one; the element is in the 13.0 schema's line group).
    _sub(block, "TaxAmount", amount(tax, f"{tag}/TaxAmount"))
    _ref(block, "SalesTaxCodeRef", tax_code)


def _document(record: DocumentRecord, name: str, line_tag: str, request_id: str
              ) -> etree._Element:
    what = "invoice" if record.kind == "invoice" else "credit note"
    number = limits.text(record.reference, "RefNumber", f"{what} number",
                         limits.DOC_REF_NUMBER_MAX, required=True)
    if not record.contact_name.strip():
        raise PayloadError("CustomerRef", f"The {what} {number} has no customer.")
    customer = limits.list_name(record.contact_name, "CustomerRef", "customer name")
    if not record.lines:
        raise PayloadError(line_tag, f"The {what} {number} has no lines.")
    rq, body = _rq(name, request_id)
    _ref(body, "CustomerRef", customer,
         limits.quickbooks_id(record.contact_external_id, "CustomerRef/ListID",
                              f"customer '{customer}'"))
    _sub(body, "TxnDate", _date(record.date))
    _sub(body, "RefNumber", number)
    if record.kind == "invoice":
        _sub(body, "DueDate", _date(record.due_date or record.date))
    memo = f"Your ref: {record.their_reference}" if record.their_reference.strip() else ""
    if record.kind == "credit_note" and record.invoice_reference:
        memo = " ".join(filter(None, [memo, f"Credits invoice {record.invoice_reference}"]))
    memo = limits.text(memo, "Memo", f"memo of {what} {number}", limits.MEMO_MAX)
    if memo:
        _sub(body, "Memo", memo)
    inclusive = record.amounts_are == "inclusive"
    for number_, line in enumerate(record.lines, start=1):
        _line(body, line_tag, line, number_, inclusive)
    return rq


def invoice_add(record: DocumentRecord, request_id: str) -> etree._Element:
    """InvoiceAddRq: CustomerRef, TxnDate, RefNumber, DueDate, Memo, then an InvoiceLineAdd per
    line (ItemRef, Desc, Quantity, Rate, Amount, SalesTaxCodeRef)."""
    if record.kind != "invoice":
        raise ValueError("invoice_add takes an invoice")
    return _document(record, "InvoiceAdd", "InvoiceLineAdd", request_id)


def credit_memo_add(record: DocumentRecord, request_id: str) -> etree._Element:
    """CreditMemoAddRq. A credit memo is not linked to its invoice on creation: once QuickBooks
    has given it a TxnID, apply_credit_add applies it."""
    if record.kind != "credit_note":
        raise ValueError("credit_memo_add takes a credit note")
    return _document(record, "CreditMemoAdd", "CreditMemoLineAdd", request_id)


# --------------------------------------------------------------------------- payments
def _payment_head(body: etree._Element, customer: tuple[str, str], when: date,
                  reference: str, total: Decimal, bank: str | None, memo: str) -> None:
    _ref(body, "CustomerRef", *customer)
    _sub(body, "TxnDate", _date(when))
    ref_number = reference if len(reference) <= limits.PAYMENT_REF_NUMBER_MAX else ""
    if ref_number:
        _sub(body, "RefNumber", ref_number)
    _sub(body, "TotalAmount", amount(total, "TotalAmount"))
    if memo:
        _sub(body, "Memo", memo)
    if bank:
        _ref(body, "DepositToAccountRef", bank)


def receive_payment_add(record: PaymentRecord, request_id: str) -> etree._Element:
    """ReceivePaymentAddRq with an AppliedToTxnAdd (TxnID, PaymentAmount) per invoice paid."""
    if not record.allocations:
        raise PayloadError("AppliedToTxnAdd", "The payment is not allocated to any invoice.")
    customer = limits.list_name(record.contact_name, "CustomerRef", "customer name")
    bank = limits.text(record.bank_account_code, "DepositToAccountRef", "bank account",
                       limits.FULL_NAME_MAX)
    if not bank:
        raise PayloadError("DepositToAccountRef",
                           "No QuickBooks bank account is mapped for payments; choose one on "
                           "the mapping page.")
    reference = limits.text(record.reference, "RefNumber", "payment reference",
                            limits.MEMO_MAX)
    applied = []
    for allocation in record.allocations:
        if not allocation.invoice_external_id:
            raise PayloadError("AppliedToTxnAdd/TxnID",
                               f"Invoice {allocation.invoice_reference} is not in QuickBooks "
                               "Desktop yet; send it first.")
        if allocation.amount <= 0:
            raise PayloadError("AppliedToTxnAdd/PaymentAmount",
                               f"The amount paid against invoice {allocation.invoice_reference}"
                               " must be more than zero.")
        txn_id = limits.quickbooks_id(allocation.invoice_external_id, "AppliedToTxnAdd/TxnID",
                                      f"invoice {allocation.invoice_reference}")
        applied.append((txn_id, amount(allocation.amount, "PaymentAmount")))
    rq, body = _rq("ReceivePaymentAdd", request_id)
    # The whole reference lives in Memo: RefNumber holds 20 characters and ours can be longer.
    list_id = limits.quickbooks_id(record.contact_external_id, "CustomerRef/ListID",
                                   f"customer '{customer}'")
    _payment_head(body, (customer, list_id), record.date,
                  reference, record.amount, bank, reference)
    for txn_id, paid in applied:
        block = _sub(body, "AppliedToTxnAdd")
        _sub(block, "TxnID", txn_id)
        _sub(block, "PaymentAmount", paid)
    return rq


def apply_credit_add(credit: DocumentRecord, credit_txn_id: str, credit_amount: Decimal,
                     request_id: str) -> etree._Element:
    """A credit memo applied to its invoice: a ReceivePaymentAdd of 0 whose AppliedToTxnAdd
    (the invoice) carries SetCredit (the credit memo). How much to apply is the caller's
    (connectors.money.credit_to_apply, against what the invoice still owes)."""
    if not credit.invoice_external_id:
        invoice = f"Invoice {credit.invoice_reference}" if credit.invoice_reference else (
            "The invoice it credits")
        raise PayloadError("AppliedToTxnAdd/TxnID",
                           f"{invoice} is not in QuickBooks Desktop yet; send it first.")
    if credit_amount <= 0:
        raise PayloadError("SetCredit/AppliedAmount", "There is nothing to apply.")
    customer = limits.list_name(credit.contact_name, "CustomerRef", "customer name")
    memo = limits.text(
        f"Credit note {credit.reference} applied to invoice {credit.invoice_reference or ''}",
        "Memo", "memo", limits.MEMO_MAX)
    rq, body = _rq("ReceivePaymentAdd", request_id)
    list_id = limits.quickbooks_id(credit.contact_external_id, "CustomerRef/ListID",
                                   f"customer '{customer}'")
    _payment_head(body, (customer, list_id), credit.date, "",
                  Decimal("0"), None, memo)
    block = _sub(body, "AppliedToTxnAdd")
    _sub(block, "TxnID", limits.quickbooks_id(credit.invoice_external_id,
                                              "AppliedToTxnAdd/TxnID",
                                              f"invoice {credit.invoice_reference or ''}"))
    # No PaymentAmount: nothing is paid, only credited.
    set_credit = _sub(block, "SetCredit")
    _sub(set_credit, "CreditTxnID", limits.quickbooks_id(credit_txn_id, "SetCredit/CreditTxnID",
                                                         f"credit note {credit.reference}"))
    _sub(set_credit, "AppliedAmount", amount(credit_amount, "AppliedAmount"))
    return rq


# --------------------------------------------------------------------------- queries
def _query(name: str, request_id: str, iterator: Literal["Start", "Continue"] | None = None,
           iterator_id: str | None = None) -> etree._Element:
    if not request_id:
        raise ValueError("every request carries a requestID: responses are matched by it")
    rq = etree.Element(f"{name}Rq", requestID=request_id)
    if iterator:
        # Iterators die with the Web Connector session (statusCode 3391 after it): a list
        # read must finish within one session.
        rq.set("iterator", iterator)
        if iterator == "Continue":
            if not iterator_id:
                raise ValueError("continuing an iterator needs its iteratorID")
            rq.set("iteratorID", iterator_id)
    return rq


def _names_or_filter(rq: etree._Element, full_names: Iterable[str],
                     max_returned: int | None, active_only: bool) -> None:
    """FullName per name, or the list filter. In qbXML 13.0 the filter is a group of bare
    elements (MaxReturned, ActiveStatus...) straight inside the Rq, not a wrapper element, and
    the names and the filter are alternatives (an xsd:choice)."""
    names = [n for n in full_names if n]
    if names:
        for name in names:
            _sub(rq, "FullName", name)
        return
    if max_returned is not None:
        if max_returned < 1:
            raise ValueError("MaxReturned must be at least 1")
        _sub(rq, "MaxReturned", str(max_returned))
    if active_only:
        # Without ActiveStatus QuickBooks answers active records only (its default,
        # unverified); "All" is asked for explicitly so the import also sees inactive ones.
        _sub(rq, "ActiveStatus", "ActiveOnly")
    else:
        _sub(rq, "ActiveStatus", "All")


def account_query(request_id: str, full_names: Iterable[str] = (),
                  active_only: bool = False) -> etree._Element:
    """AccountQueryRq: every account (the mapping page wants bank accounts by FullName and
    AccountType) or the ones named. The schema gives AccountQuery no iterator."""
    rq = _query("AccountQuery", request_id)
    _names_or_filter(rq, full_names, None, active_only)
    return rq


_ITEM_QUERIES = {
    "all": "ItemQuery",
    "service": "ItemServiceQuery",
    "non_inventory": "ItemNonInventoryQuery",
    "other_charge": "ItemOtherChargeQuery",
}


def item_query(request_id: str, kind: ItemKind = "all", full_names: Iterable[str] = (),
               max_returned: int | None = None,
               iterator: Literal["Start", "Continue"] | None = None,
               iterator_id: str | None = None, active_only: bool = False) -> etree._Element:
    """ItemQueryRq (every item type, each answered in its own *Ret) or one type's query
    (ItemServiceQueryRq, ItemNonInventoryQueryRq, ItemOtherChargeQueryRq): the items a line
    can post through."""
    rq = _query(_ITEM_QUERIES[kind], request_id, iterator, iterator_id)
    _names_or_filter(rq, full_names, max_returned, active_only)
    return rq


def sales_tax_code_query(request_id: str, active_only: bool = False) -> etree._Element:
    """SalesTaxCodeQueryRq (the codes a line carries, e.g. "S" and "Z" in a UK file)."""
    rq = _query("SalesTaxCodeQuery", request_id)
    _names_or_filter(rq, (), None, active_only)
    return rq


def item_sales_tax_query(request_id: str, active_only: bool = False) -> etree._Element:
    """ItemSalesTaxQueryRq: the sales tax items, which hold the rates behind the codes."""
    rq = _query("ItemSalesTaxQuery", request_id)
    _names_or_filter(rq, (), None, active_only)
    return rq


def _contact_query(name: str, request_id: str, full_name: str | None,
                   max_returned: int | None, iterator: Literal["Start", "Continue"] | None,
                   iterator_id: str | None, active_only: bool) -> etree._Element:
    if full_name is not None:
        # A look-up by name is exact and short: no iterator (and a name is cleaned as
        # CustomerAdd cleaned it, so the look-up finds what we added).
        rq = _query(name, request_id)
        _sub(rq, "FullName", limits.list_name(full_name, "FullName", "name"))
        return rq
    rq = _query(name, request_id, iterator, iterator_id)
    _names_or_filter(rq, (), max_returned, active_only)
    return rq


def customer_query(request_id: str, full_name: str | None = None,
                   max_returned: int | None = None,
                   iterator: Literal["Start", "Continue"] | None = None,
                   iterator_id: str | None = None, active_only: bool = False) -> etree._Element:
    """CustomerQueryRq: one customer by FullName, or all of them (in pages of max_returned
    with an iterator, for the one-time import)."""
    return _contact_query("CustomerQuery", request_id, full_name,
                          max_returned, iterator, iterator_id, active_only)


def vendor_query(request_id: str, full_name: str | None = None,
                 max_returned: int | None = None,
                 iterator: Literal["Start", "Continue"] | None = None,
                 iterator_id: str | None = None, active_only: bool = False) -> etree._Element:
    """VendorQueryRq, as customer_query."""
    return _contact_query("VendorQuery", request_id, full_name,
                          max_returned, iterator, iterator_id, active_only)


def invoice_query(request_id: str, ref_number: str) -> etree._Element:
    """InvoiceQueryRq by RefNumber: the look-up before any re-add of an invoice whose first
    send is uncertain. Only a look-up prevents a duplicate: as far as we know (unverified)
    QuickBooks Desktop only warns in its own window about a repeated invoice number and
    accepts one through qbXML."""
    return _ref_number_query("InvoiceQuery", request_id, ref_number, "invoice number")


def credit_memo_query(request_id: str, ref_number: str) -> etree._Element:
    """CreditMemoQueryRq by RefNumber: the same look-up for a credit note."""
    return _ref_number_query("CreditMemoQuery", request_id, ref_number, "credit note number")


def _ref_number_query(name: str, request_id: str, ref_number: str, label: str
                      ) -> etree._Element:
    number = limits.text(ref_number, "RefNumber", label, limits.DOC_REF_NUMBER_MAX,
                         required=True)
    rq = _query(name, request_id)
    _sub(rq, "RefNumber", number)
    # Linked transactions say how much of the invoice is paid or credited already.
    _sub(rq, "IncludeLinkedTxns", "true")
    return rq


# --------------------------------------------------------------------------- one record
def add_request(record: ContactRecord | DocumentRecord | PaymentRecord, request_id: str
                ) -> etree._Element | Rejected:
    """The Add request for any of our records, or the Rejected("validation") that QuickBooks
    would have given it, worded for the bookkeeper and naming the field: what the pull engine
    puts in a session's request, record by record, so one bad record never reaches QuickBooks
    (with stopOnError it would stop every record after it)."""
    try:
        if isinstance(record, ContactRecord):
            build = customer_add if record.kind == "customer" else vendor_add
            return build(record, request_id)
        if isinstance(record, PaymentRecord):
            return receive_payment_add(record, request_id)
        if record.kind == "invoice":
            return invoice_add(record, request_id)
        return credit_memo_add(record, request_id)
    except PayloadError as error:
        return limits.rejected(error, record.reference)
