"""InvoiceQuery, CreditMemoQuery and ReceivePaymentQuery: by TxnID, by RefNumber (any case;
RefNumberCaseSensitive exactly), or by the transaction filter (MaxReturned, TxnDateRangeFilter,
EntityFilter, RefNumberFilter, RefNumberRangeFilter, PaidStatus for invoices), with iterators.

Lines are answered only with IncludeLineItems true and linked transactions only with
IncludeLinkedTxns true (QuickBooks' defaults are false: Intuit's OSR). A payment always shows
what it was applied to. A TxnID not found gives 500 (Warn) as a ListID does (unverified); a
RefNumber that matches nothing gives 1.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from lxml import etree

from sandboxes.quickbooks_desktop import iterators, rets, store
from sandboxes.quickbooks_desktop.reading import a_date, boolean, text
from sandboxes.quickbooks_desktop.replies import PARTIAL, Refusal, query_error


def _ref_matches(rq: etree._Element, ref_number: str) -> bool:
    folded = ref_number.lower()
    ref_filter = rq.find("RefNumberFilter")
    if ref_filter is not None:
        wanted = text(ref_filter, "RefNumber").lower()
        criterion = text(ref_filter, "MatchCriterion")
        if criterion == "StartsWith":
            return folded.startswith(wanted)
        if criterion == "EndsWith":
            return folded.endswith(wanted)
        if criterion == "Contains":
            return wanted in folded
        raise query_error(f'MatchCriterion "{criterion}" is not known.')
    ref_range = rq.find("RefNumberRangeFilter")
    if ref_range is not None:
        low, high = text(ref_range, "FromRefNumber"), text(ref_range, "ToRefNumber")
        return (not low or folded >= low.lower()) and (not high or folded <= high.lower())
    return True


def _in_dates(rq: etree._Element, txn_date: str) -> bool:
    dates = rq.find("TxnDateRangeFilter")
    if dates is None:
        return True
    when = date.fromisoformat(txn_date)
    low = a_date(dates, "FromTxnDate", "Query")
    high = a_date(dates, "ToTxnDate", "Query")
    return (low is None or when >= low) and (high is None or when <= high)


def _entity(rq: etree._Element, txn: dict[str, Any]) -> bool:
    entity = rq.find("EntityFilter")
    if entity is None:
        return True
    ids = {(el.text or "").strip() for el in entity.findall("ListID")}
    names = {(el.text or "").strip().lower() for el in entity.findall("FullName")}
    customer = txn["CustomerRef"]
    return customer["ListID"] in ids or customer["FullName"].lower() in names


def _paid(rq: etree._Element, txn: dict[str, Any]) -> bool:
    status = text(rq, "PaidStatus") or "All"
    if status == "All" or "IsPaid" not in txn:
        return True
    return bool(txn["IsPaid"]) == (status == "PaidOnly")


def _query(company: str, rq: etree._Element, collection: str,
           render: Callable[[dict[str, Any]], etree._Element]) -> etree._Element:
    txn_ids = [(el.text or "").strip() for el in rq.findall("TxnID")]
    if txn_ids:
        found = [txn for txn in (store.get_data(company, collection, t) for t in txn_ids) if txn]
        missing = [t for t in txn_ids if store.get_data(company, collection, t) is None]
        # unverified: a TxnID not found answered as a ListID not found is.
        partial = None if not missing else Refusal(
            PARTIAL, "The query request has not been fully completed. There was a required "
                     f'element ("{missing[0]}") that could not be found in QuickBooks.', "Warn")
        return iterators.answer(company, rq, collection, lambda: found, render, partial)
    exact = [(el.text or "").strip() for el in rq.findall("RefNumberCaseSensitive")]
    any_case = [(el.text or "").strip() for el in rq.findall("RefNumber")]
    if exact or any_case:
        def by_ref_number() -> list[dict[str, Any]]:
            found = []
            for wanted in any_case:
                found.extend(store.by_ref(company, collection, wanted))
            for wanted in exact:
                found.extend(t for t in store.by_ref(company, collection, wanted)
                             if t.get("RefNumber") == wanted)
            return found

        return iterators.answer(company, rq, collection, by_ref_number, render)

    def select() -> list[dict[str, Any]]:
        return [txn for txn in store.find_data(company, collection)
                if _in_dates(rq, txn["TxnDate"]) and _entity(rq, txn) and _paid(rq, txn)
                and _ref_matches(rq, str(txn.get("RefNumber") or ""))]

    return iterators.answer(company, rq, collection, select, render)


def invoice_query(company: str, rq: etree._Element) -> etree._Element:
    lines, linked = boolean(rq, "IncludeLineItems", False), boolean(rq, "IncludeLinkedTxns",
                                                                    False)
    return _query(company, rq, store.INVOICES,
                  lambda txn: rets.invoice(txn, lines=lines, linked=linked))


def credit_memo_query(company: str, rq: etree._Element) -> etree._Element:
    lines, linked = boolean(rq, "IncludeLineItems", False), boolean(rq, "IncludeLinkedTxns",
                                                                    False)
    return _query(company, rq, store.CREDIT_MEMOS,
                  lambda txn: rets.credit_memo(txn, lines=lines, linked=linked))


def receive_payment_query(company: str, rq: etree._Element) -> etree._Element:
    return _query(company, rq, store.PAYMENTS, rets.payment)
