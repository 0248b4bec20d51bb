"""QuickBooks Online's rules for name lists (customers, vendors, items), its Fault format, and the
view of a company's books that a request (or a batch) works against.

Builders validate everything before their first write and raise Fault, so a refused request
leaves nothing behind. References resolve through Books, which hides objects created earlier in
the same batch (QBO's batch items cannot see each other); uniqueness checks (names, DocNumber)
see everything, so one batch cannot create two customers of one name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sandboxes.kit.money import to_pennies
from sandboxes.quickbooks_online import store as store
from sandboxes.quickbooks_online.fields import FIELDS

TWO = Decimal("0.01")


def pennies(value: Decimal) -> Decimal:
    """To the penny, half away from zero, as QBO (and HMRC) round: 0.125 -> 0.13."""
    return to_pennies(value)


INACTIVE_DETAIL = ("Something you're trying to use has been made inactive. Check the fields with "
                   "accounts, customers, items, vendors or employees.")
NAME_LISTS = ("Customer", "Vendor", "Employee")


class Fault(Exception):  # noqa: N818 (QBO's own word)
    """One QBO error: becomes {"Fault":{"Error":[...],"type":...}}."""

    def __init__(self, code: str, message: str, detail: str, element: str = "",
                 fault_type: str = "ValidationFault") -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.code, self.message, self.detail, self.element = code, message, detail, element
        self.fault_type = fault_type

    def body(self) -> dict[str, Any]:
        error = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element:
            error["element"] = self.element
        return {"Error": [error], "type": self.fault_type}


def unsupported(path: str, why: str = "specified is unsupported or invalid") -> Fault:
    return Fault("2010", "Request has invalid or unsupported property",
                 f"Property Name:{path} {why}", path)


def required(name: str) -> Fault:
    return Fault("2020", "Required param missing, need to supply the required value for the API",
                 f"Required parameter {name} is missing in the request", name)


def invalid_reference(name: str, value: Any) -> Fault:
    return Fault("2500", "Invalid Reference Id",
                 f"Invalid Reference Id : {name} element id {value} not found", name)


def inactive(name: str) -> Fault:
    return Fault("610", "Object Not Found", INACTIVE_DETAIL, name)


def business(detail: str, element: str = "") -> Fault:
    return Fault("6000", "A business validation error has occurred while processing your request",
                 f"Business Validation Error: {detail}", element)


@dataclass
class Books:
    """A realm's objects as one request sees them."""

    realm: str
    hidden: dict[str, set[str]] = field(default_factory=dict)

    def lookup(self, entity: str, object_id: Any) -> dict[str, Any] | None:
        key = str(object_id)
        if key in self.hidden.get(entity, set()):
            return None
        return store.get_data(self.realm, entity, key)

    def all(self, entity: str) -> list[dict[str, Any]]:
        return store.find_data(self.realm, entity)

    def save(self, entity: str, obj: dict[str, Any], ref: str = "") -> None:
        store.put(self.realm, entity, obj["Id"], obj, ref=ref)


# ---------------------------------------------------------------- reading values


def check_keys(entity: str, body: dict[str, Any], path: str = "") -> None:
    """QBO refuses properties its schema does not define (code 2010)."""
    for key in body:
        if key not in FIELDS[entity]:
            raise unsupported(f"{path or entity}.{key}")


def dec(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise unsupported(name, "must be a number")
    try:
        result = Decimal(str(value))
    except InvalidOperation as exc:
        raise unsupported(name, "must be a number") from exc
    if not result.is_finite() or abs(result) >= Decimal("1e15"):
        raise unsupported(name, "must be a number below 1,000,000,000,000,000")
    return result


def text(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str):
        raise unsupported(name, "must be a string")
    if len(value) > limit:
        raise Fault("2050", "String length is either shorter or longer than supported by "
                    "specification", f"{name}: Min:0 Max:{limit} supported. Supplied length:"
                    f"{len(value)}", name)
    return value


def day(value: Any, name: str) -> str:
    try:
        return date.fromisoformat(text(value, name, 30)[:10]).isoformat()
    except ValueError as exc:
        raise unsupported(name, "must be a date (yyyy-mm-dd)") from exc


# Dates a transaction may leave out. Widely used clients (python-quickbooks) send "" for the
# ones they were not given, and QBO takes "" as not given (PACKAGES.md, field notes).
OPTIONAL_DATES = ("TxnDate", "DueDate", "ShipDate")


def optional_day(body: dict[str, Any], key: str, name: str) -> str | None:
    """The date `body[key]` as yyyy-mm-dd, or None when it is absent, null or ""."""
    value = body.get(key)
    if value is None or value == "":
        return None
    return day(value, name)


def without_blank_dates(body: dict[str, Any]) -> dict[str, Any]:
    """The body less the optional dates given as "" (not stored: QBO answers without them)."""
    return {k: v for k, v in body.items() if not (k in OPTIONAL_DATES and v in ("", None))}


def ref_id(body: dict[str, Any], name: str) -> str:
    """The id of a reference element ({"value": "1", "name": ...}), or Fault 2020."""
    ref = body.get(name)
    if ref is None:
        raise required(name)
    if not isinstance(ref, dict) or not isinstance(ref.get("value"), (str, int)) \
            or isinstance(ref.get("value"), bool) or str(ref["value"]).strip() == "":
        raise unsupported(name, "must be an object with a value")
    return str(ref["value"]).strip()


def active_ref(books: Books, body: dict[str, Any], name: str, entity: str) -> dict[str, Any]:
    found = books.lookup(entity, ref_id(body, name))
    if found is None:
        raise invalid_reference(name, ref_id(body, name))
    if found.get("Active") is False:
        raise inactive(name)
    return found


def bump(obj: dict[str, Any]) -> dict[str, Any]:
    """The next version of an object: SyncToken + 1 and a new LastUpdatedTime."""
    return obj | {"SyncToken": str(int(obj.get("SyncToken", "0")) + 1),
                  "MetaData": store.meta(obj.get("MetaData", {}).get("CreateTime"))}


# ---------------------------------------------------------------- names


def _name_key(name: str) -> str:
    return " ".join(name.split()).lower()


def _display_name(body: dict[str, Any], entity: str) -> str:
    if body.get("DisplayName") is not None:
        return text(body["DisplayName"], f"{entity}.DisplayName", 500).strip()
    parts = [text(body[k], f"{entity}.{k}", 100) for k in
             ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix") if body.get(k)]
    if parts:
        return " ".join(p.strip() for p in parts if p.strip())
    if body.get("CompanyName"):
        return text(body["CompanyName"], f"{entity}.CompanyName", 100).strip()
    return ""


def _check_name_free(books: Books, name: str, own: tuple[str, str] | None) -> None:
    """Names are unique across customers, vendors and employees, active or not."""
    wanted = _name_key(name)
    for entity in NAME_LISTS:
        for row in store.find(books.realm, entity, ref=wanted):
            if own != (entity, row.object_id):
                raise Fault("6240", "Duplicate Name Exists Error",
                            "The name supplied already exists. : Another customer, vendor or "
                            "employee is already using this name. Please use a different name.",
                            "DisplayName")


def build_name(books: Books, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create a Customer or Vendor, or update one (full or sparse) when Id is given."""
    check_keys(entity, body)
    if body.get("Id") is not None:
        return _update_name(books, entity, body)
    name = _display_name(body, entity)
    if not name:
        raise required("DisplayName")
    if ":" in name:
        raise Fault("2050", "Invalid String", f"{entity}.DisplayName cannot contain a colon (:).",
                    "DisplayName")
    _check_name_free(books, name, None)
    if "Active" in body and not isinstance(body["Active"], bool):
        raise unsupported(f"{entity}.Active", "must be true or false")
    obj = body | store.entity_base(store.next_id(books.realm, entity)) | {
        "DisplayName": name, "PrintOnCheckName": body.get("PrintOnCheckName") or name,
        "Active": body.get("Active", True), "Balance": 0,
        "CurrencyRef": {"value": "GBP", "name": "British Pound Sterling"},
    }
    if entity == "Customer":
        obj |= {"FullyQualifiedName": name, "Job": False, "BillWithParent": False,
                "BalanceWithJobs": 0, "PreferredDeliveryMethod": "Print", "IsProject": False,
                "Taxable": bool(body.get("Taxable", False))}
    books.save(entity, obj, ref=_name_key(name))
    return obj


def _update_name(books: Books, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    current = store.get_data(books.realm, entity, str(body["Id"]))
    if current is None:
        raise Fault("610", "Object Not Found",
                    f"Object Not Found : Something you're trying to use has been made inactive "
                    f"or deleted. {entity} Id={body['Id']}", "Id")
    if body.get("SyncToken") is None:
        raise required("SyncToken")
    if str(body["SyncToken"]) != current["SyncToken"]:
        raise Fault("5010", "Stale Object Error",
                    f"Stale Object Error : You and sandbox were working on this at the same "
                    f"time. sandbox finished before you did, so your work was not saved. "
                    f"{entity} Id={current['Id']} SyncToken={current['SyncToken']}", "SyncToken")
    if "Active" in body and not isinstance(body["Active"], bool):
        raise unsupported(f"{entity}.Active", "must be true or false")
    computed = {"Id", "SyncToken", "MetaData", "Balance", "BalanceWithJobs", "domain", "sparse"}
    changes = {k: v for k, v in body.items() if k not in computed}
    if body.get("sparse") is True:
        merged = current | changes
    else:  # a full update replaces every writable field
        merged = {k: v for k, v in current.items() if k in computed or k == "CurrencyRef"}
        merged |= changes
    name = _display_name(merged, entity) or current["DisplayName"]
    if _name_key(name) != _name_key(current["DisplayName"]):
        _check_name_free(books, name, (entity, current["Id"]))
    merged |= {"DisplayName": name, "Active": merged.get("Active", True)}
    if entity == "Customer":
        merged["FullyQualifiedName"] = name
    obj = bump(merged)
    books.save(entity, obj, ref=_name_key(name))
    return obj


# ---------------------------------------------------------------- items


def build_item(books: Books, body: dict[str, Any]) -> dict[str, Any]:
    """Create a service (or non-inventory) item bound to an income account."""
    check_keys("Item", body)
    if body.get("Id") is not None:
        raise unsupported("Item.Id", "cannot be updated in the sandbox")
    if body.get("Name") is None:
        raise required("Name")
    name = text(body["Name"], "Item.Name", 100).strip()
    if not name:
        raise required("Name")
    item_type = body.get("Type", "Service")
    if item_type not in ("Service", "NonInventory"):
        raise business("The sandbox creates only Service and NonInventory items.", "Type")
    account = active_ref(books, body, "IncomeAccountRef", "Account")
    if account["AccountType"] not in ("Income", "Other Income"):
        raise business("The income account of an item must be an income account.",
                       "IncomeAccountRef")
    if any(_name_key(i["Name"]) == _name_key(name) for i in books.all("Item")):
        raise Fault("6240", "Duplicate Name Exists Error",
                    "The name supplied already exists. : Another product or service is already "
                    "using this name. Please use a different name.", "Name")
    if "SalesTaxCodeRef" in body:
        active_ref(books, body, "SalesTaxCodeRef", "TaxCode")
    price = dec(body.get("UnitPrice", 0), "Item.UnitPrice")
    extra = {k: v for k, v in body.items() if k not in ("IncomeAccountRef", "Name", "Type")}
    obj = store.service_item(store.next_id(books.realm, "Item"), name, account,
                             extra=extra | {"UnitPrice": float(price), "Type": item_type})
    books.save("Item", obj, ref=name)
    return obj
