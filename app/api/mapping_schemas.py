"""Pydantic models of /connections/{id}/mapping: what a job system may PUT, and what we answer.

Partial by design: a PUT names only the entries it sets (a code) or clears (null); the rest stay
as they are, so two provisioning steps cannot undo each other. To set the whole mapping, name
every entry (GET gives them all).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import Timestamp
from app.mapping.rules import MAX_CODE


class _In(BaseModel):
    # As every inbound body: strict types, and no field we do not know.
    model_config = ConfigDict(extra="forbid", strict=True)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


Code = Annotated[str, Field(max_length=MAX_CODE, description="the package's code, as listed "
                            "under lists (null clears the entry: its records then wait)")]
Section = Annotated[dict[str, Code | None], Field(
    default_factory=dict,
    description="our key -> the package's code; keys not named are left as they are")]


class MappingIn(_In):
    """The entries to set or clear, by section of our chart."""

    accounts: Section
    bank_accounts: Section
    tax_rates: Section


class OurAccountOut(_Out):
    key: str
    name: str
    kind: str = Field(description="sales | expense")


class OurBankAccountOut(_Out):
    key: str
    name: str


class OurTaxRateOut(_Out):
    key: str
    name: str
    rate: str = Field(description="the percentage, e.g. \"20\" or \"17.5\"")


class ChartOut(_Out):
    """Our chart: the keys the job system names in records."""

    accounts: list[OurAccountOut]
    bank_accounts: list[OurBankAccountOut]
    tax_rates: list[OurTaxRateOut]


class PackageAccountOut(_Out):
    code: str
    name: str
    kind: str = Field(description="sales | bank | expense | other: what it can be mapped to")
    type: str = Field(description="the package's own word for it, e.g. REVENUE")
    active: bool


class PackageTaxRateOut(_Out):
    code: str
    name: str
    kind: Literal["sales", "purchases"] = Field(description="purchases rates are refused for "
                                                            "our (sales) tax rates")
    rate: str = Field(description="the percentage, e.g. \"20\"")
    active: bool


class ListsOut(_Out):
    """The package's lists as last read. A list is null when never read (read_at null; see
    problem), or when the package gives none (codes are then taken as typed)."""

    read_at: Timestamp | None
    problem: str | None = Field(description="why the lists could not be read, in words")
    accounts: list[PackageAccountOut] | None
    tax_rates: list[PackageTaxRateOut] | None


class Codes(_Out):
    """Our key -> the package code it is mapped to, null when not mapped."""

    accounts: dict[str, str | None]
    bank_accounts: dict[str, str | None]
    tax_rates: dict[str, str | None]


class EntryNote(_Out):
    field: str = Field(description="section.key, e.g. accounts.sales")
    section: Literal["accounts", "bank_accounts", "tax_rates"]
    key: str = Field(description="our key, as named in the request or the mapping")
    code: str | None = Field(description="the package code concerned")
    reason: str = Field(description="unknown | inactive | wrong_kind | blank | not_a_code | "
                                    "unknown_key | wrong_section | different_rate (a warning)")
    message: str = Field(description="what is wrong and what to do, in a bookkeeper's words")


class MappingOut(_Out):
    connection_id: int
    package: str
    package_title: str
    chart: ChartOut
    lists: ListsOut
    mapping: Codes
    problems: list[EntryNote] = Field(description="entries mapped to a code the lists say "
                                                  "will not work (archived since, say)")
    warnings: list[EntryNote]
    records_waiting: dict[str, int] = Field(description="record type -> how many records "
                                                        "wait for a missing mapping")


class MappingSavedOut(MappingOut):
    released: dict[str, int] = Field(description="record type -> records that waited on an "
                                                 "entry just mapped and go with the next send")


class InvalidMapping(_Out):
    error: Literal["invalid_mapping"]
    message: str
    problems: list[EntryNote]
