"""POST/PUT /v2/customers and /v2/suppliers in the KashFlow sandbox: identity is the `Code`,
unique per company among customers (and, apart, among suppliers); a second POST of a Code held
is refused, so a client finds by Code first. Archiving is PUT {"IsArchived": true}."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandboxes.kashflow import rules
from sandboxes.kashflow import store as store
from sandboxes.kashflow.replies import Invalid, validation

CODE_MAX = 20
NAME_MAX = 100
# unverified: KashFlow's limits on the other fields.
_TEXT = {"Email": 100, "Telephone": 50, "VatNumber": 30}
_ADDRESS = {"Line1": 100, "Line2": 100, "Line3": 100, "Line4": 100, "PostCode": 20,
            "CountryCode": 2}


@dataclass(frozen=True)
class Kind:
    collection: str  # customers
    word: str  # customer, for the refusals' words


CUSTOMER = Kind("customers", "customer")
SUPPLIER = Kind("suppliers", "supplier")
KINDS = {kind.collection: kind for kind in (CUSTOMER, SUPPLIER)}


def _address(value: Any) -> dict[str, str]:
    if value is None:
        return {name: "" for name in _ADDRESS}
    if not isinstance(value, dict):
        raise validation("Address must be an object.")
    return {name: rules.text(value, name, limit, label=f"Address.{name}")
            for name, limit in _ADDRESS.items()}


def _fields(resource: dict[str, Any], partial: bool) -> dict[str, Any]:
    """The fields a POST sets (all) or a PUT changes (those sent)."""
    found: dict[str, Any] = {}
    if not partial or "Name" in resource:
        found["Name"] = rules.text(resource, "Name", NAME_MAX, required=True)
    for name, limit in _TEXT.items():
        if not partial or name in resource:
            found[name] = rules.text(resource, name, limit)
    if not partial or "Address" in resource:
        found["Address"] = _address(resource.get("Address"))
    if "IsArchived" in resource:
        if not isinstance(resource["IsArchived"], bool):
            raise validation("IsArchived must be true or false.")
        found["IsArchived"] = resource["IsArchived"]
    return found


def create_contact(company: str, kind: Kind, resource: dict[str, Any]) -> dict[str, Any]:
    """The new customer or supplier as KashFlow answers it (stored, not committed)."""
    code = rules.text(resource, "Code", CODE_MAX, required=True)
    fields = _fields(resource, partial=False)
    if store.get_data(company, kind.collection, code) is not None:
        raise Invalid("DuplicateCode", f"A {kind.word} with code {code} already exists.")
    made = {"Id": len(store.find_data(company, kind.collection)) + 1, "Code": code,
            **fields, "IsArchived": bool(fields.get("IsArchived", False)),
            "Created": store.stamp()}
    store.put(company, kind.collection, code, made, ref=fields["Name"].lower())
    return made


def change_contact(company: str, kind: Kind, code: str, resource: dict[str, Any]
                   ) -> dict[str, Any] | None:
    """PUT /v2/customers/{code}: the fields sent change (the Code cannot); None if unknown."""
    found = store.get_data(company, kind.collection, code)
    if found is None:
        return None
    if "Code" in resource and resource["Code"] != code:
        raise validation("Code cannot be changed.")
    found |= _fields(resource, partial=True)
    store.put(company, kind.collection, code, found, ref=str(found["Name"]).lower())
    return found
