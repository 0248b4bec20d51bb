"""The signed-in user's company's connections, for the pages that work on one connection.

A connection id arrives in every Linking and Mapping URL; it must belong to the current
company, or the page answers 404 as if it did not exist (never 403: that would confirm it does).
"""

from __future__ import annotations

from flask import abort, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.auth.company import require_company_id
from app.dashboard import queries
from app.models import Connection


def company_connection(connection_id: int) -> tuple[int, Connection]:
    """(current company id, its connection `connection_id`), or abort with 404."""
    company_id = require_company_id()
    connection = queries.get_connection(company_id, connection_id)
    if connection is None:
        abort(404, description="There is no such connection in this company.")
    return company_id, connection


def choose_connection(endpoint: str, template: str) -> Response:
    """A top-bar page that works on one connection: straight to `endpoint` when the company
    has exactly one, else `template` listing them to choose from."""
    summaries = queries.connections(require_company_id())
    if len(summaries) == 1:
        return redirect(url_for(endpoint, connection_id=summaries[0].connection.id))
    response = make_response(render_template(template, summaries=summaries))
    response.vary.add("HX-Request")
    return response
