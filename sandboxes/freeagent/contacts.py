"""POST /v2/contacts in the FreeAgent sandbox: one kind of contact (customer and supplier
alike), named by organisation_name or by first and last name. Nothing is unique: FreeAgent has
no reference field for our code and no rule against two contacts of one name (unverified), so
the same POST twice makes two contacts."""

from __future__ import annotations

from typing import Any

from sandboxes.freeagent import rules
from sandboxes.freeagent import store as store
from sandboxes.freeagent.replies import Invalid

_TEXT_FIELDS = ("email", "billing_email", "phone_number", "mobile", "address1", "address2",
                "address3", "town", "region", "postcode", "country",
                "sales_tax_registration_number")


def display_name(contact: dict[str, Any]) -> str:
    """The contact's name as FreeAgent lists it: the organisation, else first and last."""
    organisation = contact.get("organisation_name") or ""
    if organisation:
        return str(organisation)
    return " ".join(p for p in (contact.get("first_name"), contact.get("last_name")) if p)


def create_contact(company: str, resource: dict[str, Any]) -> dict[str, Any]:
    """The new contact as FreeAgent answers it (stored, not committed)."""
    organisation = rules.text(resource, "organisation_name", "Organisation name")
    first = rules.text(resource, "first_name", "First name")
    last = rules.text(resource, "last_name", "Last name")
    if not organisation and not (first and last):
        raise Invalid(rules.NO_NAME)
    terms = resource.get("default_payment_terms_in_days")
    contact_id = store.new_id(company, "contacts")
    moment = store.stamp()
    contact: dict[str, Any] = {
        "url": store.path_of("contacts", contact_id),
        "organisation_name": organisation or None, "first_name": first or None,
        "last_name": last or None, "active_projects_count": 0,
        "contact_name_on_invoices": bool(first and organisation),
        "uses_contact_invoice_sequence": False, "charge_sales_tax": "Auto",
        "status": "Active", "locale": "en",
        "default_payment_terms_in_days": (rules.whole_days(resource,
                                                           "default_payment_terms_in_days",
                                                           "Default payment terms in days")
                                          if terms not in (None, "") else None),
        "account_balance": "0.0", "created_at": moment, "updated_at": moment,
    }
    for name in _TEXT_FIELDS:
        value = rules.text(resource, name, name.replace("_", " ").capitalize())
        contact[name] = value or None
    store.put(company, "contacts", contact_id, contact, ref=display_name(contact).lower())
    return contact
