"""Sage 50 Accounts as an agent-collected pull connector: a hand-out is a batch of
writer-ready payloads (payloads.py) checked in pre-flight (checks.py), and the agent's answer
per record is read back into outcomes (results.py). Pure code: the agent API (app/agent/)
carries both ways."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from connectors.base import (
    ConnectorError,
    Contact,
    ContactRecord,
    LedgerAccount,
    Limits,
    Outcome,
    PackageTaxRate,
    Record,
    RecordKind,
)
from connectors.capabilities import (
    AgentPackage,
    ChoosesReferences,
    ImportsContacts,
    PulledLists,
    PullItem,
    SetupPage,
)
from connectors.sage50 import checks, lists, payloads, results

CHECK = "check"
# Words that say nothing about which account it is: left out of an account ref's stem.
_FILLER = re.compile(r"\b(LTD|LIMITED|PLC|LLP|THE|AND|CO|COMPANY)\b")

CONFIG = '''# The Ledgerlink agent's settings for Sage 50 Accounts.
server_url = "{server_url}"
token = "{token}"
# "sdo": Sage Data Objects; "csv": Sage's import files
writer = "sdo"
poll_seconds = 30

[sdo]
engine = "com"
# The company's data folder: Sage 50's Help > About shows it.
data_path = 'C:\\ProgramData\\Sage\\Accounts\\2024\\Company.000\\ACCDATA'
# A Sage 50 user that may post
username = "manager"
password = ""

[csv]
out_dir = 'C:\\Ledgerlink\\imports'
'''


class Sage50Connector(SetupPage, ImportsContacts, ChoosesReferences, AgentPackage):
    key: ClassVar[str] = "sage50"
    title: ClassVar[str] = "Sage 50 Accounts"
    tenant_word: ClassVar[str] = "company"
    # Nothing calls Sage 50: these are records per lease. 50 keeps one lease's writes well
    # inside the lease time on a slow office PC (unverified: SDO's speed varies by install).
    limits: ClassVar[Limits] = Limits(
        calls_per_minute=0, calls_per_day=None, concurrency=1,
        batch_size={"customer": 50, "supplier": 50, "invoice": 50, "credit_note": 50,
                    "payment": 50},
    )
    setup_endpoint: ClassVar[str] = "agent_setup.setup_page"
    setup_label: ClassVar[str] = "Install the Ledgerlink agent for {title}"
    setup_help: ClassVar[str] = (
        "{title} is on a computer in your office. The Ledgerlink agent, a small program on "
        "that computer, collects your records from Ledgerlink and writes them into {title}.")
    codes_are_shown = True  # nominal codes and T-codes, as Sage shows them
    contacts_span_kinds = False  # customers and suppliers are separate ledgers
    agent_config: ClassVar[str] = CONFIG
    collector: ClassVar[str] = "the Ledgerlink agent"
    reference_length: ClassVar[int] = 8

    @classmethod
    def poll_seconds(cls, settings: Mapping[str, Any]) -> int:
        return max(1, int(settings.get("SAGE50_POLL_SECONDS", 30)))

    @classmethod
    def schedule_minutes(cls, settings: Mapping[str, Any]) -> int:
        # The agent polls every few seconds; a PC asleep for a quarter of an hour is normal.
        return 15

    def check_stage(self, kind: RecordKind, stage: str) -> str:
        return CHECK

    def reference_stem(self, record: Record) -> str:
        name = record.name if isinstance(record, ContactRecord) else ""
        words = _FILLER.sub(" ", name.upper())
        return re.sub(r"[^A-Z0-9]", "", words) or re.sub(r"[^A-Z0-9]", "", name.upper())

    def payload(self, kind: RecordKind, item: PullItem) -> dict[str, Any]:
        return payloads.payload(kind, item)

    def preflight(self, kind: RecordKind, stage: str, items: Sequence[PullItem]
                  ) -> Mapping[str, Outcome]:
        refused = {}
        for item in items:
            found = checks.refusal(kind, self.payload(kind, item))
            if found is not None:
                refused[item.request_id] = found
        return refused

    def read_result(self, kind: RecordKind, stage: str, item: PullItem,
                    result: Mapping[str, Any]) -> Outcome:
        return results.outcome(kind, self.payload(kind, item), result)

    def read_lists(self, name: str, body: Mapping[str, Any]) -> PulledLists:
        return lists.read_lists(name, body)

    # The lists come from what the agent last sent, never from a call of ours.
    def accounts(self) -> list[LedgerAccount]:
        raise ConnectorError("Sage 50's lists arrive with the agent's next run; they cannot "
                             "be fetched from here.")

    def tax_rates(self) -> list[PackageTaxRate]:
        return self.accounts()  # type: ignore[return-value]

    def contacts(self) -> Iterable[Contact]:
        return self.accounts()  # type: ignore[return-value]
