"""CustomerAdd and VendorAdd, and the list queries (accounts, items of each type, sales tax
codes and items, customers, vendors).

Customers and vendors share QuickBooks' one name list: a vendor cannot take a customer's
Name (3100), whatever its case (unverified: QuickBooks compares names case-insensitively, as
integrators report). The fields kept are the ones our renderer sends and a few beside them;
others in a request are accepted and not kept.

A query for ListIDs or FullNames answers each one found, in the order asked, regardless of
ActiveStatus; if any is missing the status is 500 (Warn) naming the first missing one (as
integrators quote QuickBooks). A filtered query answers active objects unless ActiveStatus
says otherwise, in the order they were made; none is statusCode 1 (Info).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from sandboxes.quickbooks_desktop import iterators, rets, store
from sandboxes.quickbooks_desktop.reading import required_ref, resolve, text
from sandboxes.quickbooks_desktop.replies import (
    PARTIAL,
    Refusal,
    name_in_use,
    query_error,
    ref,
    rs,
    save_error,
)

ADDRESS = ("Addr1", "Addr2", "Addr3", "Addr4", "Addr5", "City", "State", "PostalCode",
           "Country", "Note")
PLAIN = ("CompanyName", *rets.PERSON, *rets.COMM, "NameOnCheck", "AccountNumber", "Notes")


def _address(body: etree._Element, tag: str) -> dict[str, str] | None:
    block = body.find(tag)
    if block is None:
        return None
    kept = {name: text(block, name) for name in ADDRESS if text(block, name)}
    return kept or None


def _contact_add(company: str, rq: etree._Element, kind: str) -> etree._Element:
    """CustomerAdd or VendorAdd: checked whole before anything is written."""
    tag = "CustomerAdd" if kind == "Customer" else "VendorAdd"
    body = rq.find(tag)
    if body is None:
        raise save_error(kind, f"The request has no {tag}.")
    name = text(body, "Name")
    if not name:
        raise save_error(kind, "Name is required.")
    # unverified: names compared case-insensitively, over customers and vendors alike.
    if store.by_ref(company, store.CUSTOMERS, name) or store.by_ref(company, store.VENDORS,
                                                                    name):
        raise name_in_use(name)
    fields: dict[str, Any] = {}
    for field in PLAIN:
        if field == "NameOnCheck" and kind == "Customer":
            continue
        if text(body, field):
            fields[field] = text(body, field)
    address_tag = "BillAddress" if kind == "Customer" else "VendorAddress"
    for tag_ in (address_tag, "ShipAddress"):
        fields[tag_] = _address(body, tag_)
    code_ref = None
    if body.find("SalesTaxCodeRef") is not None and kind == "Customer":
        wanted = required_ref(body, "SalesTaxCodeRef", kind)
        code_ref = ref(resolve(company, store.TAX_CODES, wanted, "Sales Tax Code", kind))
    made = store.stamp()
    data: dict[str, Any] = {
        "ListID": store.new_list_id(company), "TimeCreated": made, "TimeModified": made,
        "EditSequence": store.edit_sequence(), "Name": name, "FullName": name,
        "IsActive": text(body, "IsActive").lower() != "false", "Sublevel": "0",
        **fields, "Balance": "0.00",
    }
    if kind == "Customer":
        data["TotalBalance"] = "0.00"
        data["SalesTaxCodeRef"] = code_ref
    collection = store.CUSTOMERS if kind == "Customer" else store.VENDORS
    store.save(company, collection, {k: v for k, v in data.items() if v is not None},
               "ListID", name)
    answer = rs(rq)
    answer.append((rets.customer if kind == "Customer" else rets.vendor)(data))
    return answer


def customer_add(company: str, rq: etree._Element) -> etree._Element:
    return _contact_add(company, rq, "Customer")


def vendor_add(company: str, rq: etree._Element) -> etree._Element:
    return _contact_add(company, rq, "Vendor")


# ------------------------------------------------------------------------------ queries
def _matches_name(rq: etree._Element, full_name: str) -> bool:
    folded = full_name.lower()
    name_filter = rq.find("NameFilter")
    if name_filter is not None:
        wanted = text(name_filter, "Name").lower()
        criterion = text(name_filter, "MatchCriterion")
        test = {"StartsWith": folded.startswith, "EndsWith": folded.endswith,
                "Contains": lambda w: w in folded}.get(criterion)
        if test is None:
            raise query_error(f'MatchCriterion "{criterion}" is not known.')
        return test(wanted)
    name_range = rq.find("NameRangeFilter")
    if name_range is not None:
        low, high = text(name_range, "FromName").lower(), text(name_range, "ToName").lower()
        return (not low or folded >= low) and (not high or folded <= high)
    return True


def _active(rq: etree._Element, obj: dict[str, Any]) -> bool:
    status = text(rq, "ActiveStatus") or "ActiveOnly"
    if status == "All":
        return True
    return bool(obj.get("IsActive", True)) == (status == "ActiveOnly")


def list_query(company: str, rq: etree._Element, collection: str,
               render: Callable[[dict[str, Any]], etree._Element],
               keep: Callable[[dict[str, Any]], bool] = lambda _obj: True) -> etree._Element:
    """Any list query: by ListID, by FullName, or by the list filter."""
    wanted_ids = [(el.text or "").strip() for el in rq.findall("ListID")]
    wanted_names = [(el.text or "").strip() for el in rq.findall("FullName")]
    if wanted_ids or wanted_names:
        found, missing = [], []
        for wanted in wanted_ids or wanted_names:
            objs = ([store.get_data(company, collection, wanted)] if wanted_ids
                    else store.by_ref(company, collection, wanted))
            hit = [obj for obj in objs if obj is not None and keep(obj)]
            found.extend(hit)
            if not hit:
                missing.append(wanted)
        partial = None
        if missing:  # unverified: 500 (Warn) and its words, as integrators quote them
            partial = Refusal(PARTIAL, "The query request has not been fully completed. There "
                                       f'was a required element ("{missing[0]}") that could '
                                       "not be found in QuickBooks.", "Warn")
        return iterators.answer(company, rq, collection, lambda: found, render, partial)

    def select() -> list[dict[str, Any]]:
        types = {(el.text or "").strip() for el in rq.findall("AccountType")}
        return [obj for obj in store.find_data(company, collection)
                if keep(obj) and _active(rq, obj)
                and _matches_name(rq, str(obj.get("FullName", "")))
                and (not types or obj.get("AccountType") in types)]

    return iterators.answer(company, rq, collection, select, render)


def account_query(company: str, rq: etree._Element) -> etree._Element:
    return list_query(company, rq, store.ACCOUNTS, rets.account)


def _items(kind: str | None) -> Callable[[str, etree._Element], etree._Element]:
    def query(company: str, rq: etree._Element) -> etree._Element:
        return list_query(company, rq, store.ITEMS, rets.item,
                          lambda obj: kind is None or obj["Type"] == kind)

    return query


item_query = _items(None)
item_service_query = _items("Service")
item_non_inventory_query = _items("NonInventory")
item_other_charge_query = _items("OtherCharge")
item_sales_tax_query = _items("SalesTax")


def sales_tax_code_query(company: str, rq: etree._Element) -> etree._Element:
    return list_query(company, rq, store.TAX_CODES, rets.sales_tax_code)


def customer_query(company: str, rq: etree._Element) -> etree._Element:
    return list_query(company, rq, store.CUSTOMERS, rets.customer)


def vendor_query(company: str, rq: etree._Element) -> etree._Element:
    return list_query(company, rq, store.VENDORS, rets.vendor)
