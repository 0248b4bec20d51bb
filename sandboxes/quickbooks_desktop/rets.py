"""The *Ret elements, each in the schema's element order (qbxml130.xsd): stored objects keep
QuickBooks' own field names, and each Ret lists which of them it shows and where."""

from __future__ import annotations

from typing import Any

from lxml import etree

from sandboxes.quickbooks_desktop.replies import emit

LIST_CORE = ("ListID", "TimeCreated", "TimeModified", "EditSequence")
TXN_CORE = ("TxnID", "TimeCreated", "TimeModified", "EditSequence", "TxnNumber")
COMM = ("Phone", "Mobile", "Pager", "AltPhone", "Fax", "Email", "Cc", "Contact", "AltContact")
PERSON = ("Salutation", "FirstName", "MiddleName", "LastName", "Suffix", "JobTitle")

CUSTOMER = (*LIST_CORE, "Name", "FullName", "IsActive", "ParentRef", "Sublevel", "CompanyName",
            *PERSON, "BillAddress", "ShipAddress", *COMM, "Balance", "TotalBalance",
            "SalesTaxCodeRef", "AccountNumber", "Notes")
VENDOR = (*LIST_CORE, "Name", "IsActive", "CompanyName", *PERSON, "VendorAddress",
          "ShipAddress", *COMM, "NameOnCheck", "AccountNumber", "Notes", "Balance")
ACCOUNT = (*LIST_CORE, "Name", "FullName", "IsActive", "ParentRef", "Sublevel", "AccountType",
           "AccountNumber", "Desc", "Balance", "TotalBalance")
ITEM = (*LIST_CORE, "Name", "FullName", "IsActive", "ParentRef", "Sublevel", "SalesTaxCodeRef",
        "SalesOrPurchase")
ITEM_SALES_TAX = (*LIST_CORE, "Name", "IsActive", "ItemDesc", "TaxRate")
TAX_CODE = (*LIST_CORE, "Name", "IsActive", "IsTaxable", "Desc", "ItemSalesTaxRef")

LINE = ("TxnLineID", "ItemRef", "Desc", "Quantity", "Rate", "Amount", "TaxAmount",
        "SalesTaxCodeRef")
LINKED = ("TxnID", "TxnType", "TxnDate", "RefNumber", "LinkType", "Amount")
INVOICE_HEAD = (*TXN_CORE, "CustomerRef", "ARAccountRef", "TxnDate", "RefNumber", "DueDate",
                "Subtotal", "ItemSalesTaxRef", "SalesTaxTotal", "AppliedAmount",
                "BalanceRemaining", "Memo", "IsPaid", "IsTaxIncluded")
CREDIT_HEAD = (*TXN_CORE, "CustomerRef", "ARAccountRef", "TxnDate", "RefNumber", "Subtotal",
               "ItemSalesTaxRef", "SalesTaxTotal", "TotalAmount", "CreditRemaining", "Memo",
               "IsTaxIncluded")
PAYMENT_HEAD = (*TXN_CORE, "CustomerRef", "ARAccountRef", "TxnDate", "RefNumber",
                "TotalAmount", "Memo", "DepositToAccountRef", "UnusedPayment", "UnusedCredits")
APPLIED = ("TxnID", "TxnType", "TxnDate", "RefNumber", "BalanceRemaining", "Amount",
           "DiscountAmount", "LinkedTxn")


def _ret(tag: str, data: dict[str, Any], order: tuple[str, ...]) -> etree._Element:
    element = etree.Element(tag)
    emit(element, data, order)
    return element


def customer(data: dict[str, Any]) -> etree._Element:
    return _ret("CustomerRet", data, CUSTOMER)


def vendor(data: dict[str, Any]) -> etree._Element:
    return _ret("VendorRet", data, VENDOR)


def account(data: dict[str, Any]) -> etree._Element:
    return _ret("AccountRet", data, ACCOUNT)


ITEM_RET = {"Service": "ItemServiceRet", "NonInventory": "ItemNonInventoryRet",
            "OtherCharge": "ItemOtherChargeRet", "SalesTax": "ItemSalesTaxRet"}


def item(data: dict[str, Any]) -> etree._Element:
    """An item in the Ret of its type (ItemServiceRet, ItemSalesTaxRet...)."""
    order = ITEM_SALES_TAX if data["Type"] == "SalesTax" else ITEM
    return _ret(ITEM_RET[data["Type"]], data, order)


def sales_tax_code(data: dict[str, Any]) -> etree._Element:
    return _ret("SalesTaxCodeRet", data, TAX_CODE)


def _document(tag: str, line_tag: str, head: tuple[str, ...], data: dict[str, Any],
              lines: bool, linked: bool) -> etree._Element:
    element = _ret(tag, data, head)
    if linked:
        emit(element, {"LinkedTxn": [dict(link) for link in data.get("links", [])]},
             ("LinkedTxn",))
    if lines:
        for line in data.get("lines", []):
            emit(etree.SubElement(element, line_tag), line, LINE)
    return element


def invoice(data: dict[str, Any], lines: bool = True, linked: bool = False) -> etree._Element:
    return _document("InvoiceRet", "InvoiceLineRet", INVOICE_HEAD, data, lines, linked)


def credit_memo(data: dict[str, Any], lines: bool = True, linked: bool = False
                ) -> etree._Element:
    return _document("CreditMemoRet", "CreditMemoLineRet", CREDIT_HEAD, data, lines, linked)


def payment(data: dict[str, Any]) -> etree._Element:
    element = _ret("ReceivePaymentRet", data, PAYMENT_HEAD)
    for applied in data.get("applied", []):
        emit(etree.SubElement(element, "AppliedToTxnRet"), applied, APPLIED)
    return element
