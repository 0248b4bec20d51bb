"""Pydantic models of the inbound API: what the job system may send, and what we answer.

Input is strict: a string where a number belongs is an error (and the other way round), money
is a JSON number with at most 2 decimal places (quantities and unit prices up to 4), dates are
ISO `YYYY-MM-DD` strings, and unknown fields are refused. Bodies are parsed with
`parse_json_body`, which reads JSON numbers straight into Decimal so no float ever touches money.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

MAX_LINES = 500


class BadJson(ValueError):
    """The body is not JSON at all (a 400, not a 422)."""


def _reject_constant(name: str) -> Any:
    raise BadJson(f"{name} is not a number JSON allows")


def parse_json_body(raw: bytes) -> Any:
    """JSON to Python with every non-integer number as an exact Decimal."""
    if not raw.strip():
        raise BadJson("the request body is empty; send a JSON object")
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise BadJson("the request body is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise BadJson(f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} "
                      f"column {exc.colno}") from exc
    except RecursionError as exc:
        raise BadJson("the request body is nested too deeply") from exc


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
Email = Annotated[str, Field(max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


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
    updated_at: datetime


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
    created_at: datetime
    updated_at: datetime
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
    created_at: datetime
    updated_at: datetime
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
    created_at: datetime
    updated_at: datetime
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
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


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
