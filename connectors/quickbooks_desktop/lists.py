"""The lists the mapping is made from, asked of QuickBooks Desktop in one request and read
back as the platform's LedgerAccount and PackageTaxRate.

Nothing is fixed in advance: lines post through Items (Service, NonInventory, OtherCharge),
named by FullName; a payment is deposited to a Bank account, named by FullName; a line's VAT
is a SalesTaxCode by Name, its rate that of the sales tax item behind the code.
"""

from __future__ import annotations

from decimal import Decimal

from connectors.base import Contact, LedgerAccount, PackageTaxRate
from connectors.capabilities import PulledLists
from connectors.quickbooks_desktop import qbxml, responses
from connectors.quickbooks_desktop.responses import QbItem

ACCOUNTS, ITEMS, TAX_CODES, TAX_ITEMS = "accounts", "items", "tax_codes", "tax_items"
CUSTOMERS, VENDORS = "customers", "vendors"
SALES_ITEM_TYPES = ("Service", "NonInventory", "OtherCharge")


def lists_request() -> str:
    """One qbXML document asking for every list the mapping page shows (no iterator: the
    schema gives AccountQuery and the tax queries none, and a company's items fit one answer)."""
    return qbxml.envelope([
        qbxml.account_query(ACCOUNTS),
        qbxml.item_query(ITEMS),
        qbxml.sales_tax_code_query(TAX_CODES),
        qbxml.item_sales_tax_query(TAX_ITEMS),
        # Customers and vendors too, inactive ones included: the one-time import, linking and
        # the look for a twin before any CustomerAdd read them (unverified: one answer holds a
        # large company's list; an iterator would die with the session anyway, 3391).
        qbxml.customer_query(CUSTOMERS),
        qbxml.vendor_query(VENDORS),
    ], on_error="continueOnError").decode("utf-8")


def read_lists(answer: str) -> PulledLists:
    """The lists from QuickBooks' answer; QbxmlResponseError (words for the bookkeeper) when
    they cannot be read, and then nothing cached is replaced."""
    items = responses.items(answer, ITEMS).items
    accounts = [
        LedgerAccount(code=i.full_name, name=i.full_name, type=i.type, kind="sales",
                      active=i.active)
        for i in items if isinstance(i, QbItem) and i.type in SALES_ITEM_TYPES
    ] + [
        LedgerAccount(code=a.full_name, name=a.full_name, type=a.account_type, kind="bank",
                      active=a.active)
        for a in responses.accounts(answer, ACCOUNTS) if a.account_type == "Bank"
    ]
    rates = {t.name: t.rate for t in responses.item_sales_taxes(answer, TAX_ITEMS)}
    tax_rates = [
        PackageTaxRate(code=c.name, name=c.description or c.name,
                       rate=(rates.get(c.item_sales_tax) or Decimal("0")) if c.taxable
                       else Decimal("0"),
                       active=c.active, description=c.description)
        for c in responses.sales_tax_codes(answer, TAX_CODES)
    ]
    contacts = [c for request_id in (CUSTOMERS, VENDORS)
                for c in responses.contacts(answer, request_id).items
                if isinstance(c, Contact)]
    return PulledLists(accounts, tax_rates, contacts)
