"""The agent API's bodies, as pydantic models: they validate what the agent sends (every
problem named by its field) and are the OpenAPI document's schemas (app/agent/openapi.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_TEXT = 200
_KEY = Field(min_length=1, max_length=64)


class _In(BaseModel):
    # A field we do not know is a mistake of the agent's, not something to drop in silence.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HeartbeatIn(_In):
    agent_version: str = Field("", max_length=40)
    package_version: str = Field("", max_length=60, description="The package's own version, "
                                 "as the agent reads it.")
    company_name: str = Field("", max_length=255)
    last_error: str = Field("", max_length=2000)


class HeartbeatOut(BaseModel):
    poll_seconds: int
    lists_due: list[Literal["accounts", "tax_codes", "contacts"]]
    ready: int = Field(description="Records the next leases would carry now.")


class LeaseIn(_In):
    max_records: int | None = Field(None, ge=1, le=500)


class LeasedRecord(BaseModel):
    key: str = Field(description="The record's stable key: the same on every hand-out.")
    kind: Literal["customer", "supplier", "invoice", "credit_note", "payment"]
    check_first: bool = Field(description="An earlier hand-out's result never arrived: look "
                                          "in the package by the payload's reference first.")
    payload: dict = Field(description="What the writer writes (see the package's README).")


class LeaseOut(BaseModel):
    batch_id: str | None
    lease_seconds: int
    expires_at: str | None = Field(description="UTC, ISO 8601; acks after it still apply "
                                               "unless the record was handed out again.")
    poll_seconds: int
    records: list[LeasedRecord]


class AckResult(_In):
    key: str = _KEY
    status: Literal["created", "exists", "rejected", "retry"]
    reference: str = Field("", max_length=60, description="The package's reference: required "
                                                          "for created and exists.")
    message: str = Field("", max_length=2000, description="The package's own words.")
    field: str = Field("", max_length=60)
    note: str = Field("", max_length=500, description="A warning for the bookkeeper about a "
                                                      "record written all the same.")

    @model_validator(mode="after")
    def _says_enough(self) -> AckResult:
        if self.status in ("created", "exists") and not self.reference:
            raise ValueError(f"a {self.status} result needs the package's reference")
        if self.status in ("rejected", "retry") and not self.message:
            raise ValueError(f"a {self.status} result needs the package's message")
        return self


class AckIn(_In):
    batch_id: str = Field(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")
    results: list[AckResult] = Field(min_length=1, max_length=500)


class AckedOut(BaseModel):
    key: str
    applied: bool
    why: str = ""


class AckOut(BaseModel):
    applied: int
    ignored: int
    results: list[AckedOut]


class AccountIn(_In):
    code: str = Field(min_length=1, max_length=_TEXT)
    name: str = Field("", max_length=_TEXT)
    type: Literal["sales", "bank", "expense", "other"] = "other"
    active: bool = True


class AccountsIn(_In):
    accounts: list[AccountIn] = Field(max_length=20_000)


class TaxCodeIn(_In):
    code: str = Field(min_length=1, max_length=_TEXT)
    name: str = Field("", max_length=_TEXT)
    rate: Decimal = Field(ge=0, le=100, max_digits=7, decimal_places=4)
    active: bool = True


class TaxCodesIn(_In):
    tax_codes: list[TaxCodeIn] = Field(max_length=200)


class ContactIn(_In):
    reference: str = Field(min_length=1, max_length=60)
    name: str = Field("", max_length=_TEXT)
    kind: Literal["customer", "supplier"]
    email: str = Field("", max_length=_TEXT)
    telephone: str = Field("", max_length=_TEXT)
    address: list[str] = Field(default_factory=list, max_length=5)


class ContactsIn(_In):
    contacts: list[ContactIn] = Field(max_length=100_000)


class StoredOut(BaseModel):
    stored: int


class AgentError(BaseModel):
    error: str
    message: str = ""
    detail: str = Field("", description="The same words as message.")
    problems: list[dict] = Field(default_factory=list)


LIST_BODIES: dict[str, type[_In]] = {"accounts": AccountsIn, "tax_codes": TaxCodesIn,
                                      "contacts": ContactsIn}
