"""A package registered without its contract parts is taken by the suite all the same, and fails
naming each part to write (no test here names a package: they come from the registry)."""

from __future__ import annotations

import pytest

import connectors
from tests.contract.parts import lacks, require_parts


def test_a_package_without_its_parts_fails_naming_each(monkeypatch: pytest.MonkeyPatch) -> None:
    # Registered like any package, with a module that has none of the parts.
    monkeypatch.setitem(connectors._REGISTRY, "acme_books", "tests.contract:Nothing")
    assert "acme_books" in connectors.package_keys()
    found = " ".join(lacks("acme_books"))
    for part in ("demo.py", "readback.py", "bench.py", "errors.py: REJECT_REASONS",
                 "sandboxes/acme_books/contract.py"):
        assert part in found, found
    with pytest.raises(pytest.fail.Exception, match="acme_books cannot take the connector"):
        require_parts("acme_books")


def test_every_registered_package_is_taken(package: str) -> None:
    """Parametrised over the registry (conftest.py): each package's parts are all there."""
    assert lacks(package) == [], lacks(package)
