"""The kit's own blueprint: mounted once by the app before the packages' sandboxes, it brings
the consent page's template (templates/sandbox_kit/) and ends the kit's database session with
each app context."""

from __future__ import annotations

from flask import Blueprint
from flask.sansio.blueprints import BlueprintSetupState

from sandboxes.kit import db

bp = Blueprint("sandbox_kit", __name__, template_folder="templates")


@bp.record_once
def _end_sessions_with_app_contexts(state: BlueprintSetupState) -> None:
    state.app.teardown_appcontext(lambda _exc: db.remove())
