"""The security walk reuses the end-to-end fixture: a company connected to its sandbox Xero."""

from tests.sync.conftest import connected_books  # noqa: F401  (fixture used by these tests)
