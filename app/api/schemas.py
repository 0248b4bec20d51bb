"""Pydantic models of the inbound API: what the job system may send, and what we answer.

Input is strict: a string where a number belongs is an error (and the other way round), money
is a JSON number with at most 2 decimal places (quantities and unit prices up to 4), dates are
ISO `YYYY-MM-DD` strings, and unknown fields are refused. Bodies are parsed with
`parse_json_body`, which reads JSON numbers straight into Decimal so no float ever touches money.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

MAX_LINES = 500


class BadJson(ValueError):
    """The body is not JSON at all (a 400, not a 422)."""


def _reject_constant(name: str) -> Any:
    raise BadJson(f"{name} is not a number JSON allows")


# Our deepest body is 3 levels (an invoice's lines' fields); anything far deeper is an attack
# or a mistake, and walking it would recurse out of the stack.
MAX_DEPTH = 20


def parse_json_body(raw: bytes) -> Any:
    """JSON to Python with every non-integer number as an exact Decimal."""
    if not raw.strip():
        raise BadJson("the request body is empty; send a JSON object")
    try:
        data = json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise BadJson("the request body is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise BadJson(f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} "
                      f"column {exc.colno}") from exc
    except RecursionError as exc:
        raise BadJson("the request body is nested too deeply") from exc
    except ValueError as exc:
        # Python refuses to read an integer of more than 4,300 digits (CVE-2020-10735).
        raise BadJson("the request body holds a number with far too many digits") from exc
    except ArithmeticError as exc:  # decimal.InvalidOperation, e.g. 1e99999999999999999999
        raise BadJson("the request body holds a number too large or too small to read") from exc
    if json_depth(data) > MAX_DEPTH:
        raise BadJson(f"the request body is nested too deeply (more than {MAX_DEPTH} levels "
                      "of objects and arrays)")
    return data


def json_depth(data: Any) -> int:
    """How many levels of objects and arrays `data` has, without recursing."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return deepest


def nul_fields(data: Any) -> list[tuple[str, str]]:
    """(field, message) for every string (or key) holding a NUL character, which PostgreSQL
    cannot store; checked before validation so the answer names the field."""
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, tuple[int | str, ...]]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, str) and "\x00" in value:
            found.append((field_path(loc), "contains a NUL character (\\u0000); remove it"))
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    found.append((field_path(loc + (key.replace("\x00", "\\u0000"),)),
                                  "is a field name with a NUL character (\\u0000) in it"))
                else:
                    stack.append((item, loc + (key,)))
        elif isinstance(value, list):
            stack.extend((item, loc + (i,)) for i, item in enumerate(value))
    return sorted(found)


def _number(value: Any) -> Any:
    # bool is an int in Python, and strings would let "12.5" through: both are type errors here.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise PydanticCustomError("number_type", "must be a JSON number, not {kind}",
                                  {"kind": describe_type(value)})
    return Decimal(value) if isinstance(value, int) else value


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    if not isinstance(value, str) or not _DATE.match(value):
        raise PydanticCustomError("date_format", "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise PydanticCustomError("date_value", "is not a real date ({error})",
                                  {"error": str(exc)}) from exc


def describe_type(value: Any) -> str:
    return {str: "a string", bool: "a boolean", list: "an array", dict: "an object",
            int: "a number", float: "a number", Decimal: "a number",
            type(None): "null"}.get(type(value), type(value).__name__)


def _money_schema(places: int) -> dict[str, Any]:
    return {"type": "number", "description": f"a decimal number with at most {places} "
            "decimal places, written as a JSON number (not a string)"}


Money = Annotated[
    Decimal, BeforeValidator(_number), Field(max_digits=14, decimal_places=2),
    WithJsonSchema(_money_schema(2)),
]
Precise = Annotated[
    Decimal, BeforeValidator(_number), Field(max_digits=14, decimal_places=4),
    WithJsonSchema(_money_schema(4)),
]
IsoDate = Annotated[
    date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"}),
]
SourceId = Annotated[str, Field(min_length=1, max_length=100,
                                description="the job system's own id for the record")]
Key = Annotated[str, Field(min_length=1, max_length=50)]
Text255 = Annotated[str, Field(max_length=255)]
# Loose on purpose: the package checks deliverability; we only catch obvious slips. "" = none.
# Checked before stripping (see _In), so spaces around the address are allowed here.
Email = Annotated[str, Field(max_length=254,
                             pattern=r"^\s*$|^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _strip(cls, value: Any, info: ValidationInfo) -> Any:
        # Stripped after the length limits are checked on what was sent, as the OpenAPI
        # document says (pydantic's str_strip_whitespace would strip first); a required text
        # that was only spaces is then refused.
        if not isinstance(value, str):
            return value
        stripped = value.strip()
        field = cls.model_fields[info.field_name or ""]
        if not stripped and any(getattr(m, "min_length", 0) for m in field.metadata):
            raise PydanticCustomError("blank", "must not be blank")
        return stripped


class AddressIn(_In):
    line1: Text255 | None = None
    line2: Text255 | None = None
    city: Text255 | None = None
    postcode: Annotated[str, Field(max_length=20)] | None = None
    country: Annotated[str, Field(max_length=100)] | None = None


class ContactIn(_In):
    """A customer or a supplier."""

    source_id: SourceId
    name: Annotated[str, Field(min_length=1, max_length=255)]
    email: Email | None = None
    phone: Annotated[str, Field(max_length=50)] | None = None
    address: AddressIn | None = None


class LineIn(_In):
    description: Annotated[str, Field(min_length=1, max_length=4000)]
    quantity: Precise
    unit_price: Precise
    account: Key = Field(description="key of one of our sales accounts, e.g. \"sales\"")
    tax_rate: Key = Field(description="key of one of our tax rates, e.g. \"standard\"")


class InvoiceIn(_In):
    source_id: SourceId
    number: Annotated[str, Field(min_length=1, max_length=100)]
    customer_source_id: SourceId
    date: IsoDate
    due_date: IsoDate | None = None
    reference: Text255 | None = None
    amounts_are: Literal["exclusive", "inclusive"]
    total: Money | None = Field(
        default=None, description="what the job system says the document comes to (checked)"
    )
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=MAX_LINES)]


class CreditNoteIn(InvoiceIn):
    invoice_source_id: SourceId | None = Field(
        default=None, description="the invoice this credit note credits, if any"
    )


class AllocationIn(_In):
    invoice_source_id: SourceId
    amount: Money


class PaymentIn(_In):
    source_id: SourceId
    customer_source_id: SourceId
    date: IsoDate
    amount: Money
    bank_account: Key = Field(description="key of one of our bank accounts, e.g. \"bank\"")
    reference: Text255 | None = None
    allocations: Annotated[list[AllocationIn], Field(min_length=1, max_length=MAX_LINES)]


# ----------------------------------------------------------------------------- responses
def _as_utc(value: datetime) -> datetime:
    # The database keeps UTC without an offset (SQLite has no time zones); a `date-time` in
    # the document must carry one (RFC 3339), so the answer says it is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Timestamp = Annotated[datetime, AfterValidator(_as_utc)]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Change(_Out):
    field: str
    old: str | None
    new: str | None


class TransferOut(_Out):
    connection_id: int
    package: str
    # str, not an enum: a state added by the engine later must not break reading a record.
    state: str = Field(description="pending | blocked | sending | sent | failed | "
                       "needs_manual_update | do_not_send")
    explanation: str
    fix: str
    external_id: str | None
    changes: list[Change] | None
    updated_at: Timestamp


class AddressOut(_Out):
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    postcode: str | None = None
    country: str | None = None


class ContactOut(_Out):
    source_id: str
    kind: Literal["customer", "supplier"]
    name: str
    email: str | None
    phone: str | None
    address: AddressOut | None
    created_at: Timestamp
    updated_at: Timestamp
    transfers: list[TransferOut]


class LineOut(_Out):
    description: str
    quantity: Decimal
    unit_price: Decimal
    account: str
    tax_rate: str
    line_amount: Decimal
    tax_amount: Decimal


class DocumentOut(_Out):
    source_id: str
    kind: Literal["invoice", "credit_note"]
    number: str
    customer_source_id: str
    invoice_source_id: str | None = None
    date: date
    due_date: date | None
    reference: str | None
    amounts_are: Literal["exclusive", "inclusive"]
    stated_total: Decimal | None
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    lines: list[LineOut]
    created_at: Timestamp
    updated_at: Timestamp
    transfers: list[TransferOut]


class AllocationOut(_Out):
    invoice_source_id: str
    amount: Decimal


class PaymentOut(_Out):
    source_id: str
    customer_source_id: str
    date: date
    amount: Decimal
    bank_account: str
    reference: str | None
    allocations: list[AllocationOut]
    created_at: Timestamp
    updated_at: Timestamp
    transfers: list[TransferOut]


class RunOut(_Out):
    id: int
    connection_id: int
    status: str = Field(description="queued | running | waiting | finished | failed")
    total: int
    sent: int
    failed: int
    blocked: int
    detail: str
    created_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None


class Problem(_Out):
    field: str = Field(description="where, e.g. lines[2].unit_price (indexes count from 0)")
    message: str


class InvalidRequest(_Out):
    error: Literal["invalid_request"]
    problems: list[Problem]


class Error(_Out):
    error: str
    message: str


def field_path(loc: tuple[int | str, ...]) -> str:
    """('lines', 2, 'unit_price') -> 'lines[2].unit_price'; () -> '(body)'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(body)"
