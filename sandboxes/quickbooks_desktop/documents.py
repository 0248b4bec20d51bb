"""InvoiceAdd and CreditMemoAdd: every reference checked (the customer, the A/R account, each
line's item and sales tax code, a sales tax item) before anything is written; the figures by
arithmetic.py; TxnID, TxnNumber, Subtotal, SalesTaxTotal, BalanceRemaining / CreditRemaining
and IsPaid in the Ret.

RefNumber is not unique: QuickBooks Desktop warns about a repeated invoice number only in its
own window and accepts one through qbXML (unverified, as integrators report), so a resend
makes a second invoice; that is why Ledgerlink looks up by RefNumber before any re-add. A
document without RefNumber is numbered one past the highest numeric RefNumber of its kind
(unverified: QuickBooks' "next number" preference).

A line with no ItemRef is a description line (no figures); one that has figures but no item is
refused. Groups (InvoiceLineGroupAdd), discounts and shipping lines are refused by name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from sandboxes.quickbooks_desktop import arithmetic, rets, store
from sandboxes.quickbooks_desktop.reading import a_date, boolean, decimal, ref, resolve, text
from sandboxes.quickbooks_desktop.replies import (
    UNSUPPORTED,
    Refusal,
    amount_text,
    decimal_text,
    invalid_reference,
    rs,
    save_error,
)
from sandboxes.quickbooks_desktop.replies import ref as ref_to
from sandboxes.quickbooks_desktop.transactions import (
    find_body,
    move_customer_balance,
    new_transaction,
    open_transaction,
)

SALES_ITEMS = ("Service", "NonInventory", "OtherCharge")


def tax_rate(company: str, code: dict[str, Any]) -> Decimal:
    if not code.get("IsTaxable"):
        return Decimal(0)
    vat = code.get("ItemSalesTaxRef") or {}
    item = store.get_data(company, store.ITEMS, vat.get("ListID", "")) or {}
    return Decimal(str(item.get("TaxRate") or 0))


def _line(company: str, block: etree._Element, customer: dict[str, Any], where: str,
          included: bool) -> tuple[dict[str, Any], arithmetic.LineFigures | None]:
    kind = where
    item_ref = ref(block, "ItemRef")
    quantity = decimal(block, "Quantity", kind)
    rate = decimal(block, "Rate", kind)
    amount = decimal(block, "Amount", kind)
    desc = text(block, "Desc")
    if item_ref is None:
        if quantity is not None or rate is not None or amount is not None:
            raise save_error(kind, "A line with an amount must name an item (ItemRef).")
        return {"Desc": desc}, None
    item = resolve(company, store.ITEMS, item_ref, "Item", f"{where} line")
    if item["Type"] not in SALES_ITEMS:
        raise invalid_reference("Item", item_ref.shown, f"{where} line")
    code_ref = ref(block, "SalesTaxCodeRef")
    if code_ref is not None:
        code = resolve(company, store.TAX_CODES, code_ref, "Sales Tax Code", where)
    else:
        default = item.get("SalesTaxCodeRef") or customer.get("SalesTaxCodeRef")
        code = store.get_data(company, store.TAX_CODES, (default or {}).get("ListID", ""))
        if code is None:
            raise save_error(kind, f'The line for item "{item["FullName"]}" has no sales tax '
                                   "code.")
    price = Decimal(str((item.get("SalesOrPurchase") or {}).get("Price") or 0))
    gross = arithmetic.line_net(quantity, rate, amount, price)
    figures = arithmetic.line_figures(gross, tax_rate(company, code), included,
                                      decimal(block, "TaxAmount", kind))
    line = {"ItemRef": ref_to(item), "Desc": desc or None,
            "Quantity": decimal_text(quantity) if quantity is not None else None,
            "Rate": decimal_text(rate) if rate is not None else None,
            "Amount": amount_text(figures.net), "TaxAmount": amount_text(figures.tax),
            "SalesTaxCodeRef": ref_to(code)}
    return line, figures


def _next_ref_number(company: str, collection: str) -> str:
    numbers = [int(doc["RefNumber"]) for doc in store.find_data(company, collection)
               if str(doc.get("RefNumber", "")).isdigit()]
    return str(max(numbers, default=0) + 1)


def _document_add(company: str, rq: etree._Element, is_invoice: bool) -> etree._Element:
    tag, line_tag, where = (("InvoiceAdd", "InvoiceLineAdd", "Invoice") if is_invoice
                            else ("CreditMemoAdd", "CreditMemoLineAdd", "Credit Memo"))
    collection = store.INVOICES if is_invoice else store.CREDIT_MEMOS
    body = find_body(rq, tag, where)
    for unsupported in (f"{line_tag[:-3]}GroupAdd", "DiscountLineAdd", "ShippingLineAdd",
                        "SalesTaxLineAdd", "SetCredit", "LinkToTxnID"):
        if body.find(unsupported) is not None:
            raise Refusal(UNSUPPORTED, f"{unsupported} in {tag} is not supported by this "
                                       "QuickBooks Desktop simulator.")
    opening = open_transaction(company, body, where)
    customer, txn_date = opening.customer, opening.txn_date
    vat_item = None
    wanted = ref(body, "ItemSalesTaxRef")
    if wanted is not None:
        vat_item = resolve(company, store.ITEMS, wanted, "Item", where)
        if vat_item["Type"] != "SalesTax":
            raise invalid_reference("Item", wanted.shown, where)
    due = a_date(body, "DueDate", where) or txn_date
    included = boolean(body, "IsTaxIncluded", False)
    lines, figures = [], []
    for block in body.findall(line_tag):
        line, found = _line(company, block, customer, where, included)
        lines.append(line)
        if found is not None:
            figures.append(found)
    subtotal, tax, total = arithmetic.totals(figures)
    # unverified: RefNumber is not unique-enforced through qbXML; a missing one is numbered.
    ref_number = text(body, "RefNumber") or _next_ref_number(company, collection)
    txn_id, _made, data = new_transaction(company, opening)
    for index, line in enumerate(lines, start=1):
        line["TxnLineID"] = f"{index:X}-{txn_id}"[:36]
    data |= {
        "RefNumber": ref_number, "Subtotal": amount_text(subtotal),
        "ItemSalesTaxRef": ref_to(vat_item) if vat_item else None,
        "SalesTaxTotal": amount_text(tax), "Memo": text(body, "Memo") or None,
        "IsTaxIncluded": included, "lines": lines, "links": [],
    }
    if is_invoice:
        data |= {"DueDate": due.isoformat(), "AppliedAmount": "0.00",
                 "BalanceRemaining": amount_text(total), "IsPaid": total == 0}
    else:
        data |= {"TotalAmount": amount_text(total), "CreditRemaining": amount_text(total)}
    store.save(company, collection, data, "TxnID", ref_number)
    move_customer_balance(company, customer, total if is_invoice else -total)
    answer = rs(rq)
    answer.append(rets.invoice(data) if is_invoice else rets.credit_memo(data))
    return answer


def invoice_add(company: str, rq: etree._Element) -> etree._Element:
    return _document_add(company, rq, True)


def credit_memo_add(company: str, rq: etree._Element) -> etree._Element:
    return _document_add(company, rq, False)
