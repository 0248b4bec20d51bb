"""KashFlow REST v2 (signed into with username, password and memorable word).

Being written (branch kfcon): this placeholder lets the sandbox be mounted meanwhile.
"""

from __future__ import annotations

from typing import ClassVar

from connectors.base import PushConnector


class KashFlowConnector(PushConnector):  # type: ignore[misc]
    key: ClassVar[str] = "kashflow"
    title: ClassVar[str] = "KashFlow"
