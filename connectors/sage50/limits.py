"""Sage 50's limits, checked before anything is handed to the agent: a record Sage would refuse
is refused here, in words a bookkeeper can act on, and never handed out.

Where the figures come from (PACKAGES.md's field notes on Sage 50's import files, which SDO's
fields share; unverified against a real Sage 50 for SDO's own checks):
- customer and supplier records: A/C 8 (no spaces, mandatory), Name 60, Address 1-5 at 60,
  Contact 30, Telephone 30, VAT number 30;
- audit-trail transactions: Reference 30, Details 60, Nominal code 8 (must exist), Net 8 digits
  and 2 decimal places, T/C T0-T99.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from connectors.base import Rejected

ACCOUNT_REF_MAX = 8
NAME_MAX = 60
ADDRESS_LINE_MAX = 60
CONTACT_MAX = 30
TELEPHONE_MAX = 30
VAT_NUMBER_MAX = 30
REFERENCE_MAX = 30
DETAILS_MAX = 60
NOMINAL_MAX = 8
# Net and tax: 8 digits before the point, 2 after.
AMOUNT_MAX = Decimal("99999999.99")
TAX_CODE = re.compile(r"^T\d{1,2}$")
ACCOUNT_REF = re.compile(r"^[A-Z0-9]{1,8}$")
NOMINAL = re.compile(r"^\d{1,8}$")


def _refused(field: str, words: str) -> Rejected:
    return Rejected("validation", words, field)


def too_long(fields: Iterable[tuple[str, str, str, int]]) -> Rejected | None:
    """The first of (field, what it is in words, value, limit) over its limit, in words."""
    for field, what, value, limit in fields:
        if len(value) > limit:
            return _refused(field, f"{what} is {len(value)} characters long; Sage 50 keeps at "
                                   f"most {limit}. Shorten it in the job system, then retry.")
    return None


def amount_fits(field: str, what: str, amount: Decimal) -> Rejected | None:
    if abs(amount) > AMOUNT_MAX:
        return _refused(field, f"{what} (£{amount:,.2f}) is larger than Sage 50 can post "
                               f"(at most £{AMOUNT_MAX:,.2f}). Split it into smaller "
                               "documents in the job system.")
    if amount != amount.quantize(Decimal("0.01")):
        return _refused(field, f"{what} has more than 2 decimal places; Sage 50 posts pence.")
    return None


def account_ref_fits(ref: str, what: str) -> Rejected | None:
    if not ACCOUNT_REF.match(ref or ""):
        return _refused("account_ref", f"{what}'s Sage 50 account reference “{ref}” is not "
                                       "1 to 8 capital letters and digits. Link the record "
                                       "to its Sage 50 account on the Linking page.")
    return None


def tax_code_fits(code: str, line: int) -> Rejected | None:
    if not TAX_CODE.match(code or ""):
        return _refused("tax_code", f"Line {line}'s VAT rate is mapped to “{code}”, which is "
                                    "not a Sage 50 tax code (T0 to T99). Map it to one on the "
                                    "Mapping page.")
    return None


def nominal_fits(code: str, what: str) -> Rejected | None:
    if not NOMINAL.match(code or "") or len(code) > NOMINAL_MAX:
        return _refused("nominal_code", f"{what} is mapped to “{code}”, which is not a Sage "
                                        "50 nominal code (up to 8 digits). Map it to one on "
                                        "the Mapping page.")
    return None
