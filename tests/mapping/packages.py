"""Connectors for shapes of package the mapping page must handle but no registered package has
yet: one with no lists (Sage 50 takes typed codes) and one that sells through items it can
create. Both talk to the sandbox Xero for everything else, over real HTTP."""

from __future__ import annotations

from connectors.base import LedgerAccount, PackageError, PackageTaxRate
from connectors.capabilities import CreatesServiceItems
from connectors.xero import XeroConnector


class ListlessXero(XeroConnector):
    key = "xero_listless"
    title = "Listless Books"

    def accounts(self) -> list[LedgerAccount]:
        raise NotImplementedError("no chart of accounts through this API")

    def tax_rates(self) -> list[PackageTaxRate]:
        raise NotImplementedError("no tax rates through this API")


class ItemSellingXero(CreatesServiceItems, XeroConnector):
    key = "xero_items"
    title = "Item Books"

    def create_service_item(self, name: str, income_account_id: str) -> LedgerAccount:
        # Asks the sandbox (a real call through the throttle), which has no items endpoint:
        # the package's refusal must reach the bookkeeper in words.
        self.client.get("/Items")
        raise PackageError(f"the package refused to create {name!r}")
