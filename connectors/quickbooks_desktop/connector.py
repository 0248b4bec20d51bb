"""QuickBooks Desktop as a pull connector: a hand-out rendered as one qbXML document, and
QuickBooks' answer read back into outcomes (stages.py). Pure code: the Web Connector's SOAP
service (app/webconnector/) carries the documents both ways."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType
from typing import Any, ClassVar

from connectors.base import (
    ConnectorError,
    Contact,
    LedgerAccount,
    Limits,
    Outcome,
    PackageTaxRate,
    RecordKind,
)
from connectors.capabilities import (
    ImportsContacts,
    ListsByRequest,
    PullConnector,
    PulledLists,
    PullItem,
    SetupPage,
    WebConnectorContract,
)
from connectors.quickbooks_desktop import lists, qwc, soap, stages, wsdl


class QuickBooksDesktopConnector(SetupPage, ImportsContacts, WebConnectorContract,
                                 ListsByRequest, PullConnector):
    key: ClassVar[str] = "quickbooks_desktop"
    title: ClassVar[str] = "QuickBooks Desktop"
    tenant_word: ClassVar[str] = "company file"
    auth_kind = "web_connector"
    collector: ClassVar[str] = "the Web Connector"
    # Nothing calls QuickBooks: these are records per qbXML request, one request per
    # sendRequestXML. 50 keeps one request's answer small enough for the Web Connector's
    # SOAP string (unverified: QBWC documents no size limit).
    limits: ClassVar[Limits] = Limits(
        calls_per_minute=0, calls_per_day=None, concurrency=1,
        batch_size={"customer": 50, "supplier": 50, "invoice": 50, "credit_note": 50,
                    "payment": 50},
    )
    setup_endpoint: ClassVar[str] = "webconnector.setup_page"
    setup_label: ClassVar[str] = "Set up the QuickBooks Web Connector"
    setup_help: ClassVar[str] = (
        "{title} is on a computer in your office. Intuit's QuickBooks Web Connector, on that "
        "computer, collects your records from Ledgerlink and puts them into {title}.")
    codes_are_shown = True  # Item FullNames and tax code names, as QuickBooks shows them
    contacts_span_kinds = False  # customers and vendors are separate lists

    @classmethod
    def schedule_minutes(cls, settings: Mapping[str, Any]) -> int:
        # The .qwc file's RunEveryNMinutes: how often the Web Connector runs by itself.
        return max(1, int(settings.get("QBWC_RUN_EVERY_MINUTES", 60)))

    # The Web Connector's own contract (soap.py, wsdl.py, qwc.py), for app/webconnector/.
    @classmethod
    def soap_contract(cls) -> ModuleType:
        return soap

    @classmethod
    def wsdl(cls, endpoint_url: str) -> bytes:
        return wsdl.wsdl(endpoint_url)

    @classmethod
    def qwc_file(cls, app_name: str, app_url: str, support_url: str, username: str,
                 owner_id: str, file_id: str, run_every_minutes: int,
                 description: str = "") -> bytes:
        return qwc.qwc_file(app_name=app_name, app_url=app_url, support_url=support_url,
                            username=username, owner_id=owner_id, file_id=file_id,
                            run_every_minutes=run_every_minutes, description=description)

    def render_request(self, kind: RecordKind, stage: str, items: Sequence[PullItem]) -> str:
        return stages.render(stage, items)

    def read_answer(self, kind: RecordKind, stage: str, items: Sequence[PullItem],
                    answer: str) -> list[Outcome]:
        return stages.read(stage, items, answer)

    def preflight(self, kind: RecordKind, stage: str, items: Sequence[PullItem]
                  ) -> Mapping[str, Outcome]:
        return stages.preflight(stage, items)

    def check_stage(self, kind: RecordKind, stage: str) -> str:
        return stages.check_stage(stage)

    def lists_request(self) -> str:
        return lists.lists_request()

    def read_lists(self, answer: str) -> PulledLists:
        return lists.read_lists(answer)

    # The lists come from what the Web Connector last returned, never from a call of ours.
    def accounts(self) -> list[LedgerAccount]:
        raise ConnectorError("QuickBooks Desktop's lists arrive with the Web Connector's next "
                             "run; they cannot be fetched from here.")

    def tax_rates(self) -> list[PackageTaxRate]:
        return self.accounts()  # type: ignore[return-value]

    def contacts(self) -> Iterable[Contact]:
        return self.accounts()  # type: ignore[return-value]
