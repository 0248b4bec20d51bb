"""The agent API's OpenAPI 3.1 document, built from the pydantic models that validate its
bodies (app/agent/schemas.py), so it cannot drift from the code."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.agent.schemas import (
    AccountsIn,
    AckIn,
    AckOut,
    AgentError,
    ContactsIn,
    HeartbeatIn,
    HeartbeatOut,
    LeaseIn,
    LeaseOut,
    StoredOut,
    TaxCodesIn,
)

_MODELS: tuple[type[BaseModel], ...] = (
    HeartbeatIn, HeartbeatOut, LeaseIn, LeaseOut, AckIn, AckOut, AccountsIn, TaxCodesIn,
    ContactsIn, StoredOut, AgentError)
_INSTANCE = {"name": "X-Agent-Instance", "in": "header", "required": True,
             "schema": {"type": "string", "pattern": "^[A-Za-z0-9-]{8,64}$"},
             "description": "The install's own id, made once and kept: one install at a time "
                            "may lease for a connection."}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


_ERRORS = {
    "400": _json(AgentError, "Not JSON, not sent as application/json, or no X-Agent-Instance."),
    "401": _json(AgentError, "Missing or wrong agent token (a rotated one is wrong)."),
    "403": _json(AgentError, "The connection is disconnected in Ledgerlink."),
    "413": _json(AgentError, "The body is larger than the limit."),
    "422": _json(AgentError, "The body does not fit; each problem names its field."),
}


def _post(op: str, summary: str, description: str, body: type[BaseModel],
          out: type[BaseModel], *, method: str = "post", instance: bool = False,
          extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {method: {
        "operationId": op, "summary": summary, "description": description, "tags": ["agent"],
        "parameters": [_INSTANCE] if instance else [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(body)}}},
        "responses": {"200": _json(out, "Done."), **_ERRORS, **(extra or {})},
    }}


@cache
def agent_openapi_document() -> dict[str, Any]:
    _, defs = models_json_schema([(m, "validation") for m in _MODELS],
                                 ref_template="#/components/schemas/{model}")
    paths: dict[str, Any] = {
        "/heartbeat": _post(
            "heartbeat", "Say the agent is alive", "Versions, the company it works in and its "
            "last error, for the dashboard; answers which lists to send and how often to poll.",
            HeartbeatIn, HeartbeatOut),
        "/lease": _post(
            "lease", "Take the next batch", "Records of one kind, in dependency order, out "
            "with this agent until expires_at. batch_id is null when nothing is ready. A "
            "record with check_first was handed out before without an answer: look for it in "
            "the package by its reference before writing.", LeaseIn, LeaseOut, instance=True,
            extra={"409": _json(AgentError, "another_agent: a second install of the agent is "
                                            "collecting for this connection; busy: a lease "
                                            "is being prepared, try again.")}),
        "/ack": _post(
            "ack", "Report what was written", "Per record: created or exists (with the "
            "package's reference), rejected (with its message) or retry. Partial and repeated "
            "acks are safe; a result for a record no longer out on the batch is ignored "
            "(applied false).", AckIn, AckOut),
    }
    for name, model in (("accounts", AccountsIn), ("tax_codes", TaxCodesIn),
                        ("contacts", ContactsIn)):
        paths[f"/lists/{name}"] = _post(
            f"put_{name}", f"Send the package's {name.replace('_', ' ')}", "Replaces the list "
            "Ledgerlink keeps for the mapping page, the linking page and the one-time import.",
            model, StoredOut, method="put")
    paths["/openapi.json"] = {"get": {
        "operationId": "agent_openapi", "summary": "This document", "security": [],
        "tags": ["meta"], "responses": {"200": {"description": "The OpenAPI document."}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ledgerlink agent API", "version": "1.0.0",
                 "description": "How the Ledgerlink agent, on the computer with a desktop "
                                "package, collects records and reports them written. "
                                "Authenticate with 'Authorization: Bearer <agent token>'."},
        "servers": [{"url": "/agent/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": defs["$defs"],
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "the agent token"}}},
    }
