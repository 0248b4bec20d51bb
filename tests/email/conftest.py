from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.email.smtp import Inbox, smtp_server


@pytest.fixture
def inbox(app) -> Iterator[Inbox]:  # type: ignore[no-untyped-def]
    with smtp_server(app) as received:
        yield received
