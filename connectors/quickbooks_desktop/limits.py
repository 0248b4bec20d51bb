"""QuickBooks Desktop's limits, checked before anything is sent.

A request QuickBooks refuses still costs a Web Connector session (it runs every N minutes on the
customer's PC), and with onError="stopOnError" one bad record stops every record after it. So
what we know QuickBooks refuses is refused here, in words a bookkeeper can act on.

Where the figures come from:
- Field lengths: the maxLength facets of Intuit's qbXML 13.0 schema
  (../shared/specs/quickbooks-desktop/qbxml130.xsd: CustomerAdd/VendorAdd Name and CompanyName
  41, AddressData Addr1-5 41, City 31, State 21, PostalCode 13, Country 31, CommInfo Phone 21,
  Email 1023, InvoiceAdd/CreditMemoAdd RefNumber 11, ReceivePaymentAdd RefNumber 20, Memo 4095,
  line Desc 4095, AccountNumber 99). The schema counts characters; whether QuickBooks counts
  bytes anywhere is unverified.
- ISO-8859-1 only: PACKAGES.md field notes ("Text must be ISO-8859-1"). Which characters the
  QuickBooks UI itself rejects inside Latin-1 (beyond ":" in list names, see below) is
  unverified.
"""

from __future__ import annotations

import re
import unicodedata

from connectors.base import Rejected

# maxLength facets in qbxml130.xsd (verified against the schema file).
NAME_MAX = 41
COMPANY_NAME_MAX = 41
ADDR_LINE_MAX = 41
CITY_MAX = 31
STATE_MAX = 21
POSTAL_CODE_MAX = 13
COUNTRY_MAX = 31
PHONE_MAX = 21
EMAIL_MAX = 1023
ACCOUNT_NUMBER_MAX = 99
DOC_REF_NUMBER_MAX = 11  # InvoiceAdd / CreditMemoAdd RefNumber
PAYMENT_REF_NUMBER_MAX = 20  # ReceivePaymentAdd RefNumber
MEMO_MAX = 4095
ID_MAX = 36  # IDTYPE (qbxmltypes130.xsd): ListID and TxnID
SALES_TAX_CODE_MAX = 3  # SalesTaxCodeRef/FullName (qbxml130.xsd): a code such as "S"
DESC_MAX = 4095
# Not a schema facet: ListRef FullName is a plain STRTYPE; QuickBooks' own limit for an item's
# full name (parents joined with ":") is 159 in Intuit's docs (unverified here).
FULL_NAME_MAX = 159

# Characters outside Latin-1 with a close spelling a bookkeeper would accept. Only these and
# letters whose accents can be dropped (NFKD) are changed; anything else is refused, never
# silently lost.
_SPELLINGS = {
    "\u20ac": "EUR",  # euro sign
    "\u0142": "l", "\u0141": "L",  # Polish l with stroke (no NFKD decomposition)
    "\u0111": "d", "\u0110": "D",  # d with stroke
    "\u0153": "oe", "\u0152": "OE",
    "\u0131": "i",  # dotless i
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\u2026": "...",
    "\u2022": "*",
    "\u2122": "(TM)",
    "\u00a0": " ",  # Latin-1 itself, but QuickBooks' search treats it as a different letter
}

# XML 1.0 forbids these control characters outright (lxml would raise on them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class PayloadError(ValueError):
    """A record QuickBooks Desktop is certain to refuse; the caller turns it into
    Rejected("validation", str(error), error.field) without sending anything."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def rejected(error: PayloadError, reference: str = "") -> Rejected:
    """The outcome of a record refused here: a validation refusal in our own words (nothing
    was sent, so there are no QuickBooks words to keep)."""
    details = {"reference": reference} if reference else {}
    return Rejected("validation", str(error), error.field, details)


def _latin1(char: str) -> bool:
    try:
        char.encode("iso-8859-1")
    except UnicodeEncodeError:
        return False
    return True


def to_latin1(value: str, field: str, label: str) -> str:
    """`value` spelt in ISO-8859-1: Latin-1 letters kept ("é" stays), close letters swapped in
    ("ł" -> "l", "€" -> "EUR"); PayloadError naming the field where no close letter exists."""
    value = _CONTROL.sub("", value)
    out: list[str] = []
    for char in value:
        if char in _SPELLINGS:
            out.append(_SPELLINGS[char])
            continue
        if _latin1(char):
            out.append(char)
            continue
        # Drop the accent where the letter decomposes into a Latin-1 base and combining marks
        # ("ő" -> "o", "č" -> "c"); NFKD also turns "ﬁ" into "fi".
        base = "".join(c for c in unicodedata.normalize("NFKD", char)
                       if not unicodedata.combining(c))
        if base and all(_latin1(c) for c in base):
            out.append(base)
            continue
        name = unicodedata.name(char, f"U+{ord(char):04X}")
        raise PayloadError(
            field,
            f"The {label} '{value}' contains '{char}' ({name.lower()}), which QuickBooks "
            f"Desktop cannot store (it only takes Western European letters). Change the "
            f"{label} in Ledgerlink and send it again.",
        )
    return "".join(out)


def text(value: str | None, field: str, label: str, max_len: int, required: bool = False
         ) -> str:
    """A text field made ready for QuickBooks: trimmed, in Latin-1, within its length.

    Too long is refused rather than cut: a cut name or number would no longer match ours when
    we look the record up again after an uncertain send.
    """
    clean = to_latin1((value or "").strip(), field, label)
    if required and not clean:
        raise PayloadError(field, f"The {label} is empty; QuickBooks Desktop needs one.")
    if len(clean) > max_len:
        raise PayloadError(
            field,
            f"The {label} '{clean}' is {len(clean)} characters long; QuickBooks Desktop allows "
            f"at most {max_len}. Shorten it in Ledgerlink and send it again.",
        )
    return clean


def quickbooks_id(value: str | None, field: str, label: str) -> str:
    """A ListID or TxnID QuickBooks gave us, checked against IDTYPE; a longer one cannot be
    QuickBooks' and would fail the whole request, so it is refused here."""
    clean = (value or "").strip()
    if len(clean) > ID_MAX or not clean.isascii():
        raise PayloadError(field, f"The QuickBooks id '{clean}' of {label} is not one "
                                  "QuickBooks Desktop gave; link it again.")
    return clean


_NAME_SPACES = re.compile(r"\s+")


def list_name(value: str, field: str, label: str) -> str:
    """A customer's or supplier's Name. A colon separates a parent from a sub-customer in
    QuickBooks' FullName ("Smith:Kitchen job"), so a colon inside a name would make a name
    look like a job; it is written as " - " (the same as the QuickBooks Online connector), and
    tabs and newlines become single spaces."""
    spaced = _NAME_SPACES.sub(" ", (value or "").replace(":", " - ")).strip()
    return text(spaced, field, label, NAME_MAX, required=True)
