"""Accent- and case-blind matching for the records search: "lodz" finds "Łódź".

The same table folds the search text in Python and the column in SQL, so both sides always
agree: PostgreSQL through translate() (built in, no extension needed), SQLite through a
function registered on the connection that runs this module's own `fold`.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String


def _base_letter(ch: str) -> str:
    special = {"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ħ": "h",
               "Ħ": "h", "ı": "i", "ŀ": "l", "Ŀ": "l", "ŧ": "t", "Ŧ": "t"}
    if ch in special:
        return special[ch]
    stripped = "".join(c for c in unicodedata.normalize("NFKD", ch)
                       if not unicodedata.combining(c)).lower()
    return stripped if len(stripped) == 1 and stripped.isascii() else ""


# Latin-1 and Latin Extended-A letters that fold to one plain letter (one for one, as
# translate() needs; "ß" and "æ" stay as they are).
_PAIRS = {ch: _base_letter(ch) for ch in map(chr, range(0xC0, 0x180)) if _base_letter(ch)}
_FROM = "".join(_PAIRS)
_TO = "".join(_PAIRS.values())
_TABLE = str.maketrans(_PAIRS)
SQLITE_FUNCTION = "ll_fold"


def fold(text: str | None) -> str:
    """'Łódź' -> 'lodz'."""
    return "" if text is None else text.translate(_TABLE).lower()


class folded(FunctionElement):  # noqa: N801 - reads as SQL
    """fold(column) in SQL."""

    type = String()
    inherit_cache = True
    name = "folded"


@compiles(folded)
def _default(element: Any, compiler: Any, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return compiler.process(func.lower(func.translate(arg, _FROM, _TO)), **kw)


@compiles(folded, "sqlite")
def _sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


def prepare(connection: Any) -> None:
    """Give a SQLite connection the folding function (cheap, safe to repeat)."""
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    raw.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)
