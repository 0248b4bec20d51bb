"""Is a text in a bookkeeper's words? No raw codes, JSON, HTTP statuses, exception or field
names; and a fix that says what to do, and where."""

from __future__ import annotations

import re
from collections.abc import Iterable

_RAW: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("JSON", re.compile(r"[{}\[\]]|\"\w+\"\s*:")),
    ("an HTTP status", re.compile(r"\bHTTP\b|\bstatus\b|\banswered\s+\d{3}\b", re.I)),
    ("an exception or fault name", re.compile(r"\b\w+(?:Exception|Error|Fault)\b")),
    ("a field name", re.compile(r"\b[a-z]+[A-Z]\w*\b|\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b"
                                r"|\b[A-Z]\w*\.[A-Z]\w*\b|\b\w+_\w+\b")),
    ("an error code", re.compile(r"\b\d{3,}\b|\(\d+\)|#\d+")),
)
# Where a bookkeeper acts on a refusal: in the package, on one of our pages, in the job system.
_PLACES = ("Mapping page", "Linking page", "job system", "Retry", "do not send")


def raw_bits(text: str, own: Iterable[str] = ()) -> list[str]:
    """The raw bits of `text`, each named, once the record's own values (`own`: its references,
    names, codes, dates) are taken out: those are the record's, not the package's machinery."""
    for value in sorted((v for v in own if v), key=len, reverse=True):
        text = text.replace(value, "·")
    return [f"{what}: {m.group(0)!r}" for what, pattern in _RAW for m in pattern.finditer(text)]


def says_what_to_do(fix: str, package: str) -> bool:
    return bool(fix.strip()) and fix.rstrip().endswith(".") and (
        package in fix or any(place in fix for place in _PLACES))
