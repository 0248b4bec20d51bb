"""The contract suite runs once per registered package (connectors.package_keys("push")): every test
that takes `package` is parametrised over them, one connected sandbox organisation per package
per test module (`org`), with a fault injector in front of the sandboxes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest

from tests.contract.kit import ConnectedOrg, connect_org
from tests.contract.parts import all_packages, require_parts
from tests.fault_injection import FaultInjector

# A reply that is to arrive after the client gave up: the connector waits this long...
TIMEOUT_SECONDS = 1.0
# ... and the sandbox answers this late.
LATE_BY_SECONDS = 2.0


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "package" in metafunc.fixturenames:
        metafunc.parametrize("package", all_packages(), scope="module")


@pytest.fixture(scope="module")
def injector(app: Any, live_url: str) -> Iterator[FaultInjector]:
    """In front of everything the live server serves while this module runs; unarmed, it
    passes every request through."""
    original = app.wsgi_app
    faults = FaultInjector(original, late_by=LATE_BY_SECONDS)
    app.wsgi_app = faults
    yield faults
    app.wsgi_app = original


@pytest.fixture(scope="module")
def contract_settings(app: Any) -> Iterator[None]:
    """The package is the subject here, not our call budget under its limits (app/sync/
    ratelimit.py, tested on its own), nor the sandbox's own rate windows (its tests): both off,
    so the package's 429s and 5xx are the injected ones."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "CALL_BUDGET_ENABLED", False)
        patch.setitem(app.config, "SANDBOX_RATE_LIMITS", False)
        yield


@pytest.fixture(scope="module")
def org(app: Any, live_url: str, package: str, injector: FaultInjector,
        contract_settings: None) -> ConnectedOrg:
    """A company connected to a fresh sandbox organisation of `package`, shared by the tests
    of one module (each test makes records of its own)."""
    require_parts(package)
    return connect_org(app, package, injector)


@pytest.fixture
def short_timeout(app: Any) -> Callable[[], AbstractContextManager[None]]:
    """`with short_timeout():` the connector gives up on an answer after TIMEOUT_SECONDS
    (HTTP_TIMEOUT_SECONDS); only there, so a slow moment elsewhere is no lost reply."""

    @contextmanager
    def _short() -> Iterator[None]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(app.config, "HTTP_TIMEOUT_SECONDS", str(TIMEOUT_SECONDS))
            yield

    return _short
