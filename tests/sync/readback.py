"""What a connection's package books hold, read through the package's OWN API in its sandbox:
each package's connectors/<key>/readback.py, found through the registry, normalised to one
shape (connectors/readback.py) so that one set of checks serves every package."""

from __future__ import annotations

from typing import Any

from connectors import package_module
from connectors.readback import Doc, PackageBooks, PaymentLine

__all__ = ["Doc", "PackageBooks", "PaymentLine", "read_books"]


def read_books(app: Any, base_url: str, connection_id: int,
               names: dict[str, str] | None = None) -> PackageBooks:
    """The connection's package books. `names`: our customers' names -> source ids, for
    packages that know a customer by name only. `base_url` is unused: each package's API
    address comes from its own settings, which point at its sandbox in the tests."""
    from app.extensions import db
    from app.models import Connection
    from app.sync.tokens import fresh_credentials

    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        package = connection.package
        creds = fresh_credentials(connection)
        config = dict(app.config)
        db.session.remove()
    return package_module(package, "readback").read_books(config, creds, names)
