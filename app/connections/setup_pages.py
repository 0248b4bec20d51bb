"""What the set-up pages of desktop packages share (the Web Connector's, the agent's): admins
only, the package's wizard choice, the connection being set up again, and the next step."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from app.auth.company import require_company_id
from app.connections import wizard
from app.extensions import db
from app.models import Connection
from connectors import connector_class, package_keys


def admin_company(words: str) -> int:
    """The current company's id when the user is its admin; 403 with `words` otherwise."""
    company_id = require_company_id()
    if current_user.role_in(company_id) != "admin":
        abort(403, description=words)
    return company_id


def choice_for(package: str, auth_kind: str, how: str) -> wizard.PackageChoice:
    """The package's wizard choice; 404 for an unknown package or one not set up this way
    (`how`: "through the Web Connector")."""
    if package not in package_keys():
        abort(404, description=f"Ledgerlink does not know a package called “{package}”.")
    choice = wizard.package_choice(package)
    if choice.auth_kind != auth_kind:
        abort(404, description=f"{choice.title} is not set up {how}.")
    return choice


def connection_again(company_id: int, package: str) -> Connection | None:
    """The connection being set up again (?connection_id=, this company's, this package's);
    404 for any other."""
    raw = request.values.get("connection_id", "")
    if not raw:
        return None
    connection = db.session.execute(db.select(Connection).filter_by(
        id=int(raw) if raw.isdigit() else 0, company_id=company_id,
        package=package)).scalar_one_or_none()
    if connection is None:
        abort(404, description="There is no such connection in this company.")
    return connection


def next_step(connection: Connection) -> tuple[str, str]:
    """The wizard's next step after setting up: the one-time import, else the mapping."""
    if wizard.can_import(connector_class(connection.package)) and connection.imported_at is None:
        return (url_for("connections.import_step", connection_id=connection.id),
                "Next: import customers and suppliers")
    return (url_for("connections.mapping_step", connection_id=connection.id),
            "Next: map nominal codes")
