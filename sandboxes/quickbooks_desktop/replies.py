"""QuickBooks' answers: the *Rs element of each request, its status attributes, and the
wording of the statuses the simulator gives.

Codes and words are Intuit's as integrators quote them (the qbXML SDK's error code list is not
among our specs, so each is unverified beyond its source named here):
- 0 "Status OK"; 1 "A query request did not find a matching object in QuickBooks" (Info);
- 500 a query for ids or names of which some were not found (Warn, the found ones returned);
- 3100 "The name "X" of the list element is already in use." (consolibyte and Intuit forums);
- 3120 "Object "X" specified in the request cannot be found." (a TxnID we are pointed at);
- 3140 "There is an invalid reference to QuickBooks <Kind> "X" in the <Txn>.";
- 3180 "There was an error when saving a <Kind>. QuickBooks error message: ..." (refusals
  QuickBooks words in its own dialogs, e.g. applying more than an invoice owes);
- 3250 "This feature is not enabled or not available in this version of QuickBooks." (a
  request this simulator does not run: named in the message, never a crash);
- 3391 an iterator that is unknown or outlived its session (PACKAGES.md's field notes).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lxml import etree

# unverified, each but 0 and 1: see above for where the code and its words come from.
OK = 0
EMPTY = 1
PARTIAL = 500
NAME_IN_USE = 3100
NOT_FOUND = 3120
INVALID_REFERENCE = 3140
SAVE_ERROR = 3180
UNSUPPORTED = 3250
BAD_ITERATOR = 3391

EMPTY_WORDS = "A query request did not find a matching object in QuickBooks"


class Refusal(Exception):
    """A request QuickBooks refuses: its statusCode, words and severity."""

    def __init__(self, code: int, message: str, severity: str = "Error") -> None:
        super().__init__(message)
        self.code, self.message, self.severity = code, message, severity


def name_in_use(name: str) -> Refusal:
    return Refusal(NAME_IN_USE, f'The name "{name}" of the list element is already in use.')


def invalid_reference(kind: str, value: str, where: str) -> Refusal:
    return Refusal(INVALID_REFERENCE,
                   f'There is an invalid reference to QuickBooks {kind} "{value}" in the '
                   f"{where}.")


def not_found(txn_id: str) -> Refusal:
    return Refusal(NOT_FOUND, f'Object "{txn_id}" specified in the request cannot be found.')


def save_error(kind: str, words: str) -> Refusal:
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    return Refusal(SAVE_ERROR, f"There was an error when saving {article} {kind}. QuickBooks "
                               f"error message: {words}")


def query_error(words: str) -> Refusal:
    """A query QuickBooks cannot run as asked (unverified: the code and words are ours)."""
    return Refusal(SAVE_ERROR, f"There was an error when running the query. {words}")


def rs_name(rq_tag: str) -> str:
    return rq_tag[:-2] + "Rs" if rq_tag.endswith("Rq") else rq_tag + "Rs"


def rs(rq: etree._Element, code: int = OK, severity: str = "Info",
       message: str = "Status OK") -> etree._Element:
    """The response element to `rq`, with its requestID (when it had one)."""
    element = etree.Element(rs_name(str(rq.tag)))
    if rq.get("requestID") is not None:
        element.set("requestID", rq.get("requestID", ""))
    element.set("statusCode", str(code))
    element.set("statusSeverity", severity)
    element.set("statusMessage", message)
    return element


def refused(rq: etree._Element, refusal: Refusal) -> etree._Element:
    return rs(rq, refusal.code, refusal.severity, refusal.message)


# ------------------------------------------------------------------------------ figures
PENNY = Decimal("0.01")


def pennies(value: Decimal) -> Decimal:
    """To the penny, a half penny up (away from zero), as UK VAT is rounded (HMRC VAT Guide
    700, 17.5); the simulator's own rounding, shared with nothing of the connector."""
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def amount_text(value: Decimal) -> str:
    """AMTTYPE: "123.45"."""
    return f"{pennies(value):f}"


def decimal_text(value: Decimal) -> str:
    """PRICETYPE / QUANTYPE: trailing zeros dropped, never an exponent."""
    return f"{value.normalize():f}" if value else "0"


# ------------------------------------------------------------------------------ elements
def emit(parent: etree._Element, data: dict[str, Any], order: tuple[str, ...]) -> None:
    """`data`'s fields named in `order`, in that order (the schema's sequence). A dict becomes
    an aggregate of its own fields in their stored order, a list repeats the element, a bool is
    "true"/"false"; None and "" are left out."""
    for name in order:
        value = data.get(name)
        if value is None or value == "":
            continue
        for one in value if isinstance(value, list) else [value]:
            child = etree.SubElement(parent, name)
            if isinstance(one, dict):
                emit(child, one, tuple(one))
            elif isinstance(one, bool):
                child.text = "true" if one else "false"
            else:
                child.text = str(one)


def ref(obj: dict[str, Any], name_field: str = "FullName") -> dict[str, str]:
    """A reference aggregate to a stored list object (ListID, then FullName)."""
    return {"ListID": obj["ListID"], "FullName": obj[name_field]}
