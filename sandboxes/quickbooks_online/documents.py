"""Invoices, credit memos and payments in the QuickBooks Online sandbox.

Sales lines post through items; a UK company needs a TaxCodeRef on every line (6000). Line Amount
is Qty x UnitPrice to 2 dp (a given Amount must agree: 6070), and it is always net of tax, in
both modes. VAT is worked out per line at the tax code's sales rate, rounded to 2 dp half-up
(0.125 -> 0.13, as QBO and HMRC round), then summed per rate into TxnTaxDetail.TaxLine. A
given TxnTaxDetail.TotalTax is QBO's total tax override: it replaces that sum (and so the
total), as the XSD documents it.

GlobalTaxCalculation "TaxExcluded" (the default) adds VAT to the net line amounts. "TaxInclusive"
(Intuit: the gross goes in SalesItemLineDetail.TaxInclusiveAmt, minorversion 1+) takes the VAT
out of the gross: VAT = gross x rate / (100 + rate), and the line's net Amount must be the gross
less that VAT, else the line is refused (6000; *unverified* how QBO itself settles a mismatch:
the sandbox refuses rather than guess, so a client that sends inconsistent lines finds out
here). A TaxInclusive line without TaxInclusiveAmt has its VAT added to the net Amount, as QBO
does when it is given only net figures.

Credits reach an invoice the way QBO does it: a Payment whose lines link the Invoice (amount
applied) and the CreditMemo (credit used); TotalAmt is the money received, which is the invoice
lines minus the credit memo lines (any excess is UnappliedAmt). Both documents' Balance (and the
memo's RemainingCredit) go down by the linked amounts.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sandboxes.quickbooks_online import store as store
from sandboxes.quickbooks_online.rules import (
    Books,
    Fault,
    active_ref,
    bump,
    business,
    check_keys,
    dec,
    invalid_reference,
    optional_day,
    pennies,
    ref_id,
    required,
    text,
    unsupported,
    without_blank_dates,
)

_COMPUTED = {"Id", "SyncToken", "MetaData", "TotalAmt", "Balance", "TxnTaxDetail", "Line",
             "domain", "sparse", "RemainingCredit", "HomeBalance", "HomeTotalAmt"}
GBP = {"value": "GBP", "name": "British Pound Sterling"}


def _money(value: Decimal) -> float:
    return float(pennies(value))


def line_net(line: dict[str, Any], detail: dict[str, Any], path: str
             ) -> tuple[Decimal, Decimal, Decimal]:
    """(Qty, UnitPrice, net Amount) of a sales line: Qty x UnitPrice to the penny, which a given
    Amount must equal (6070)."""
    qty = dec(detail.get("Qty", 1), f"{path}.SalesItemLineDetail.Qty")
    given = dec(line["Amount"], f"{path}.Amount") if "Amount" in line else None
    if "UnitPrice" in detail:
        unit = dec(detail["UnitPrice"], f"{path}.SalesItemLineDetail.UnitPrice")
    elif given is not None and qty:
        unit = given / qty
    else:
        raise required(f"{path}.Amount")
    net = pennies(qty * unit)
    if given is not None and pennies(given) != net:
        raise Fault("6070", "Amount is not equal to UnitPrice * Qty",
                    f"Amount is not equal to UnitPrice * Qty. Supplied value:{given}", "Amount")
    return qty, unit, net


def line_tax(detail: dict[str, Any], path: str, index: int, net: Decimal, rate: Decimal,
             inclusive: bool) -> tuple[Decimal, Decimal]:
    """(VAT, gross) of line `index` (at `path`) of net amount `net` at `rate` percent, as the
    module docstring says."""
    gross_given = detail.get("TaxInclusiveAmt")
    if inclusive and gross_given is not None:
        gross = pennies(dec(gross_given, f"{path}.SalesItemLineDetail.TaxInclusiveAmt"))
        tax = pennies(gross * rate / (100 + rate))
        if gross - tax != net:
            raise business(
                f"Line {index + 1}: the amount {_money(net):.2f} is not the tax-inclusive amount "
                f"{_money(gross):.2f} less its VAT of {_money(tax):.2f} at {rate}%.", "Amount")
        return tax, gross
    tax = pennies(net * rate / 100)
    return tax, net + tax


def document_tax(built: list[tuple[Decimal, Decimal, str, Decimal]], override: Decimal | None
                 ) -> tuple[Decimal, Decimal, dict[str, list[Decimal]]]:
    """(net total, tax total, [net, tax, rate] per tax rate id) of lines given as (net, tax,
    rate id, rate), with a TotalTax override replacing the sum of the lines' VAT."""
    net_total = sum((b[0] for b in built), Decimal(0))
    tax_total = sum((b[1] for b in built), Decimal(0))
    by_rate: dict[str, list[Decimal]] = {}
    for net, tax, rate_id, rate in built:
        totals = by_rate.setdefault(rate_id, [Decimal(0), Decimal(0), rate])
        totals[0] += net
        totals[1] += tax
    if override is not None and by_rate:
        # The difference lands on the rate with the most VAT (*unverified* how QBO spreads an
        # override over several rates; its total is what it stores and reports).
        biggest = max(by_rate.values(), key=lambda t: abs(t[1]))
        biggest[1] += override - tax_total
        tax_total = override
    return net_total, tax_total, by_rate


def _sales_line(books: Books, line: Any, index: int, inclusive: bool,
                entity: str) -> tuple[dict[str, Any], Decimal, Decimal, str, Decimal]:
    """(line as stored, net, tax, tax rate id, rate) for one SalesItemLineDetail line."""
    path = f"{entity}.Line[{index}]"
    if not isinstance(line, dict):
        raise unsupported(path, "must be an object")
    check_keys("Line", line, path)
    if line.get("DetailType") is None:
        raise required(f"{path}.DetailType")
    if line["DetailType"] != "SalesItemLineDetail":
        raise unsupported(f"{path}.DetailType", "must be SalesItemLineDetail in the sandbox")
    detail = line.get("SalesItemLineDetail")
    if not isinstance(detail, dict):
        raise required(f"{path}.SalesItemLineDetail")
    check_keys("SalesItemLineDetail", detail, f"{path}.SalesItemLineDetail")
    item = active_ref(books, detail, "ItemRef", "Item")
    if detail.get("TaxCodeRef") is None:
        raise business("Make sure all your transactions have a VAT rate before you save.",
                       "TaxCodeRef")
    code = active_ref(books, detail, "TaxCodeRef", "TaxCode")
    qty, unit, net = line_net(line, detail, path)
    rate_id, rate = store.sales_rate(books.realm, code)
    tax, gross = line_tax(detail, path, index, net, rate, inclusive)
    stored_detail = detail | {
        "ItemRef": {"value": item["Id"], "name": item["Name"]}, "Qty": float(qty),
        "UnitPrice": float(unit), "TaxCodeRef": {"value": code["Id"]},
        "ItemAccountRef": item["IncomeAccountRef"],
    }
    if inclusive:
        stored_detail["TaxInclusiveAmt"] = _money(gross)
    else:
        stored_detail.pop("TaxInclusiveAmt", None)
    stored = line | {"Id": str(index + 1), "LineNum": index + 1, "Amount": _money(net),
                     "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": stored_detail}
    return stored, net, tax, rate_id, rate


def total_tax_override(body: dict[str, Any], entity: str) -> Decimal | None:
    """TxnTaxDetail.TotalTax as given: QBO's "total tax override" (Finance.xsd), which it
    stores instead of its own sum of the tax lines."""
    detail = body.get("TxnTaxDetail")
    if detail is None:
        return None
    if not isinstance(detail, dict):
        raise unsupported(f"{entity}.TxnTaxDetail", "must be an object")
    for key in detail:
        if key not in ("TotalTax", "TxnTaxCodeRef", "TaxLine"):
            raise unsupported(f"{entity}.TxnTaxDetail.{key}")
    if detail.get("TotalTax") is None:
        return None
    total = pennies(dec(detail["TotalTax"], f"{entity}.TxnTaxDetail.TotalTax"))
    if total < 0:
        raise business("The VAT on a sales document cannot be negative.",
                       "TxnTaxDetail.TotalTax")
    return total


def _doc_number(books: Books, entity: str, body: dict[str, Any]) -> str:
    existing = books.all(entity)
    # "" is no number: python-quickbooks sends it for every credit memo it was given none,
    # and QBO numbers such documents itself rather than calling them duplicates of each other.
    if body.get("DocNumber") in (None, ""):
        numbers = [int(d["DocNumber"]) for d in existing if str(d.get("DocNumber", "")).isdigit()]
        return str(max(numbers, default=1000) + 1)
    number = text(body["DocNumber"], f"{entity}.DocNumber", 21).strip()
    clash = next((d for d in existing if d.get("DocNumber") == number), None)
    if clash is not None:
        raise Fault("6140", "Duplicate Document Number Error",
                    f"Duplicate Document Number Error : You must specify a different number. "
                    f"This number has already been used. DocNumber={number} is assigned to "
                    f"TxnType={entity} with TxnId={clash['Id']}", "DocNumber")
    return number


def _check_closing_date(books: Books, txn_date: str) -> None:
    """A transaction dated on or before the company's closing date ("Close the books" in
    QuickBooks' settings: Preferences.AccountingInfoPrefs.BookCloseDate) is refused through the
    API with error 6210, in Intuit's words."""
    prefs = store.get_data(books.realm, "Preferences", "1") or {}
    closed = (prefs.get("AccountingInfoPrefs") or {}).get("BookCloseDate")
    if closed and txn_date <= str(closed)[:10]:  # ISO dates compare as text
        raise Fault("6210", "Account Period Closed",
                    "The account period has closed and the account books cannot be updated "
                    "through the QBO Services API. Please use the QBO website to make these "
                    "changes.", "TxnDate")


def build_sales_document(books: Books, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create an Invoice or a CreditMemo."""
    check_keys(entity, body)
    if body.get("Id") is not None:
        raise unsupported(f"{entity}.Id", "cannot be updated in the sandbox")
    customer = active_ref(books, body, "CustomerRef", "Customer")
    mode = body.get("GlobalTaxCalculation", "TaxExcluded")
    if mode == "NotApplicable":
        raise business("Make sure all your transactions have a VAT rate before you save.",
                       "GlobalTaxCalculation")
    if mode not in ("TaxExcluded", "TaxInclusive"):
        raise unsupported(f"{entity}.GlobalTaxCalculation",
                          "must be TaxExcluded or TaxInclusive")
    lines = body.get("Line")
    if not isinstance(lines, list) or not lines:
        raise required("Line")
    txn_date = optional_day(body, "TxnDate", f"{entity}.TxnDate") or store.stamp()[:10]
    _check_closing_date(books, txn_date)
    built = [_sales_line(books, line, i, mode == "TaxInclusive", entity)
             for i, line in enumerate(lines)]
    number = _doc_number(books, entity, body)
    override = total_tax_override(body, entity)
    net_total, tax_total, by_rate = document_tax([b[1:] for b in built], override)
    tax_lines = [{"Amount": _money(tax), "DetailType": "TaxLineDetail", "TaxLineDetail": {
        "TaxRateRef": {"value": rate_id}, "PercentBased": True, "TaxPercent": float(rate),
        "NetAmountTaxable": _money(net)}} for rate_id, (net, tax, rate) in by_rate.items()]
    total = net_total + tax_total
    keep = {k: v for k, v in without_blank_dates(body).items() if k not in _COMPUTED}
    obj = keep | store.entity_base(store.next_id(books.realm, entity)) | {
        "DocNumber": number, "TxnDate": txn_date, "CurrencyRef": GBP,
        "GlobalTaxCalculation": mode,
        "CustomerRef": {"value": customer["Id"], "name": customer["DisplayName"]},
        "Line": [b[0] for b in built] + [{"Amount": _money(net_total),
                                          "DetailType": "SubTotalLineDetail",
                                          "SubTotalLineDetail": {}}],
        "TxnTaxDetail": {"TotalTax": _money(tax_total), "TaxLine": tax_lines},
        "TotalAmt": _money(total), "Balance": _money(total), "LinkedTxn": [],
    }
    if entity == "Invoice":
        obj["DueDate"] = optional_day(body, "DueDate", "Invoice.DueDate") or \
            (date.fromisoformat(txn_date) + timedelta(days=30)).isoformat()
    else:
        obj["RemainingCredit"] = _money(total)
    books.save(entity, obj, ref=number)
    _adjust_customer(books, customer, total if entity == "Invoice" else -total)
    return obj


def _adjust_customer(books: Books, customer: dict[str, Any], delta: Decimal) -> None:
    current = store.get_data(books.realm, "Customer", customer["Id"]) or customer
    balance = Decimal(str(current.get("Balance", 0))) + delta
    updated = current | {"Balance": _money(balance), "BalanceWithJobs": _money(balance)}
    store.put(books.realm, "Customer", current["Id"], updated,
              ref=" ".join(current["DisplayName"].split()).lower())


def payment_total(body: dict[str, Any]) -> Decimal:
    """A Payment's TotalAmt: the money received, never negative."""
    if body.get("TotalAmt") is None:
        raise required("TotalAmt")
    total = pennies(dec(body["TotalAmt"], "Payment.TotalAmt"))
    if total < 0:
        raise business("The payment amount cannot be negative.", "TotalAmt")
    return total


def payment_line(line: Any, index: int) -> tuple[Decimal, str, str]:
    """(Amount, TxnType, TxnId) of a Payment line linking one Invoice or CreditMemo."""
    path = f"Payment.Line[{index}]"
    if not isinstance(line, dict):
        raise unsupported(path, "must be an object")
    check_keys("Line", line, path)
    amount = pennies(dec(line.get("Amount"), f"{path}.Amount")) \
        if line.get("Amount") is not None else None
    links = line.get("LinkedTxn")
    if amount is None:
        raise required(f"{path}.Amount")
    if not isinstance(links, list) or len(links) != 1 or not isinstance(links[0], dict):
        raise unsupported(f"{path}.LinkedTxn", "must link exactly one transaction")
    link = links[0]
    kind = link.get("TxnType")
    if kind not in ("Invoice", "CreditMemo"):
        raise unsupported(f"{path}.LinkedTxn.TxnType", "must be Invoice or CreditMemo")
    return amount, kind, ref_id({"TxnId": {"value": link.get("TxnId")}}, "TxnId")


def check_applied(kind: str, txn_id: str, amount: Decimal, balance: Decimal) -> None:
    """A line may take at most what its Invoice still owes or its CreditMemo has left."""
    if amount <= 0:
        raise business(f"The amount applied to {kind} {txn_id} must be more than 0.", "Amount")
    if amount > balance:
        # *unverified* wording: QBO's own for an over-applied line is not documented.
        raise business(f"The amount applied to {kind} {txn_id} exceeds its open balance "
                       f"of {_money(balance):.2f}.", "Amount")


def check_payment_total(total: Decimal, applied: Decimal, credited: Decimal) -> None:
    if applied - credited < 0 or applied - credited > total:
        raise business(f"The payment total {_money(total):.2f} must cover the invoices paid "
                       f"({_money(applied):.2f}) less the credits used ({_money(credited):.2f}).",
                       "TotalAmt")


def build_payment(books: Books, body: dict[str, Any]) -> dict[str, Any]:
    """Receive a payment against invoices, using credit memos, as QBO's Payment entity does."""
    check_keys("Payment", body)
    if body.get("Id") is not None:
        raise unsupported("Payment.Id", "cannot be updated in the sandbox")
    customer = active_ref(books, body, "CustomerRef", "Customer")
    total = payment_total(body)
    if "DepositToAccountRef" in body:
        account = active_ref(books, body, "DepositToAccountRef", "Account")
        if account["AccountType"] not in ("Bank", "Other Current Asset"):
            raise business("Deposit to account must be a bank account.", "DepositToAccountRef")
    txn_date = optional_day(body, "TxnDate", "Payment.TxnDate") or store.stamp()[:10]
    _check_closing_date(books, txn_date)
    lines = body.get("Line", [])
    if not isinstance(lines, list):
        raise unsupported("Payment.Line", "must be a list")
    applied, credited = Decimal(0), Decimal(0)
    effects: list[tuple[str, dict[str, Any], Decimal]] = []
    stored_lines: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        amount, kind, txn_id = payment_line(line, index)
        target = books.lookup(kind, txn_id)
        if target is None:
            raise invalid_reference("LinkedTxn", txn_id)
        if target["CustomerRef"]["value"] != customer["Id"]:
            raise business(f"{kind} {txn_id} belongs to another customer.", "LinkedTxn")
        balance = Decimal(str(target["Balance"])) - sum(
            (a for k, t, a in effects if (k, t["Id"]) == (kind, txn_id)), Decimal(0))
        check_applied(kind, txn_id, amount, balance)
        effects.append((kind, target, amount))
        if kind == "Invoice":
            applied += amount
        else:
            credited += amount
        stored_lines.append({"Amount": _money(amount),
                             "LinkedTxn": [{"TxnId": txn_id, "TxnType": kind}]})
    check_payment_total(total, applied, credited)
    keep = {k: v for k, v in without_blank_dates(body).items()
            if k not in _COMPUTED and k != "Line"}
    obj = keep | store.entity_base(store.next_id(books.realm, "Payment")) | {
        "CustomerRef": {"value": customer["Id"], "name": customer["DisplayName"]},
        "TxnDate": txn_date, "TotalAmt": _money(total), "CurrencyRef": GBP,
        "UnappliedAmt": _money(total - (applied - credited)), "ProcessPayment": False,
        "Line": stored_lines,
    }
    books.save("Payment", obj)
    for kind, target, amount in effects:
        current = store.get_data(books.realm, kind, target["Id"]) or target
        new_balance = Decimal(str(current["Balance"])) - amount
        updated = bump(current) | {"Balance": _money(new_balance),
                                   "LinkedTxn": [*current.get("LinkedTxn", []),
                                                 {"TxnId": obj["Id"], "TxnType": "Payment"}]}
        if kind == "CreditMemo":
            updated["RemainingCredit"] = _money(new_balance)
        books.save(kind, updated, ref=current.get("DocNumber", ""))
    _adjust_customer(books, customer, credited - applied)
    return obj
