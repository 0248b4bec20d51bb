"""POST /contacts in the Sage sandbox: customers and vendors, each reference unique in its
business (names need not be)."""

from __future__ import annotations

from typing import Any

from sandboxes.sage_accounting import rules
from sandboxes.sage_accounting import store as store
from sandboxes.sage_accounting.replies import Invalid

_TYPE_NAMES = {"CUSTOMER": "Customer", "VENDOR": "Supplier"}
_ADDRESS_FIELDS = ("address_line_1", "address_line_2", "city", "postal_code", "region",
                   "country_id")


def _address(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Invalid("Main address must be an object", "main_address")
    address = {}
    for name in _ADDRESS_FIELDS:
        address[name] = rules.text(value, name, name.replace("_", " ").capitalize(),
                                   source=f"main_address.{name}") or None
    country = address.pop("country_id")
    address["country"] = {"id": country, "displayed_as": country} if country else None
    return address


def create_contact(business: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The new contact as Sage answers it (stored, not committed)."""
    name = rules.text(resource, "name", "Name", required=True)
    kinds = rules.contact_types(resource.get("contact_type_ids"))
    reference = rules.text(resource, "reference", "Reference")
    rules.reference_free(business, reference)
    person = resource.get("main_contact_person")
    if person is not None and not isinstance(person, dict):
        raise Invalid("Main contact person must be an object", "main_contact_person")
    email = rules.text(person or {}, "email", "Email", source="main_contact_person.email")
    address = _address(resource.get("main_address"))
    tax_number = rules.text(resource, "tax_number", "Tax number")
    contact_id = store.new_id()
    moment = store.stamp()
    contact: dict[str, Any] = {
        "id": contact_id,
        "displayed_as": f"{name} ({reference})" if reference else name,
        "$path": f"/contacts/{contact_id}",
        "created_at": moment, "updated_at": moment,
        "contact_types": [{"id": k, "displayed_as": _TYPE_NAMES[k],
                           "$path": f"/contact_types/{k}"} for k in kinds],
        "name": name, "reference": reference or None, "tax_number": tax_number or None,
        "notes": rules.text(resource, "notes", "Notes") or None,
        "email": email or None,
        "main_contact_person": {"name": rules.text(person or {}, "name", "Name") or name,
                                "email": email or None, "is_main_contact": True},
        "main_address": address,
        "balance": 0, "currency": {"id": "GBP", "displayed_as": "Pound Sterling (GBP)"},
        "deletable": True, "system": False,
    }
    store.put(business, "contacts", contact_id, contact, ref=reference)
    return contact
