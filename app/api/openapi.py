"""The OpenAPI 3.1 document of the inbound API, built from the same pydantic models that
validate requests and shape answers, so it cannot drift from the code."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.api.mapping_schemas import InvalidMapping, MappingIn, MappingOut, MappingSavedOut
from app.api.schemas import (
    MAX_LINES,
    ContactIn,
    ContactOut,
    CreditNoteIn,
    DocumentOut,
    Error,
    InvalidRequest,
    InvoiceIn,
    PaymentIn,
    PaymentOut,
    RunOut,
)
from app.request_ints import MAX_ID

REF = "#/components/schemas/{model}"
_INPUTS: tuple[type[BaseModel], ...] = (ContactIn, InvoiceIn, CreditNoteIn, PaymentIn,
                                         MappingIn)
_OUTPUTS: tuple[type[BaseModel], ...] = (
    ContactOut, DocumentOut, PaymentOut, RunOut, Error, InvalidRequest, MappingOut,
    MappingSavedOut, InvalidMapping,
)
# (path segment, record type in words, input model, output model)
_RECORDS = (
    ("customers", "customer", ContactIn, ContactOut),
    ("suppliers", "supplier", ContactIn, ContactOut),
    ("invoices", "invoice", InvoiceIn, DocumentOut),
    ("credit-notes", "credit note", CreditNoteIn, DocumentOut),
    ("payments", "payment", PaymentIn, PaymentOut),
)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


_ERRORS: dict[str, dict[str, Any]] = {
    "400": _json(Error, "The body is not JSON, or not sent as application/json."),
    "401": _json(Error, "Missing, unknown or revoked API key."),
    "404": _json(Error, "No such record, connection or run in this company."),
    "413": _json(Error, "The body is larger than the limit (2 MB by default)."),
    "422": _json(InvalidRequest, "The body does not fit: each problem names its field, e.g. "
                 "lines[2].unit_price (array indexes count from 0)."),
}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: _ERRORS[code] for code in codes}


def _upsert(segment: str, noun: str, body: type[BaseModel], out: type[BaseModel]
            ) -> dict[str, Any]:
    extra = f" An invoice or credit note has 1 to {MAX_LINES} lines." if "note" in noun or \
        noun == "invoice" else ""
    return {"post": {
        "operationId": f"upsert_{segment.replace('-', '_')}",
        "summary": f"Create or update a {noun}",
        "description": f"Idempotent upsert keyed by source_id within the company: 201 when the "
                       f"{noun} is new, 200 when it existed (re-posting identical data changes "
                       f"nothing). Money is a JSON number, never a string.{extra}",
        "tags": ["records"],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(body)}}},
        "responses": {
            "200": _json(out, f"The {noun} was updated (or unchanged)."),
            "201": _json(out, f"The {noun} was created."),
            **_errors("400", "401", "413", "422"),
        },
    }}


def _param(name: str, kind: Literal["string", "integer"], description: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind}
    if kind == "integer":  # larger ids cannot exist: a 404
        schema |= {"minimum": 1, "maximum": MAX_ID}
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema}


def _get(segment: str, noun: str, out: type[BaseModel]) -> dict[str, Any]:
    return {"get": {
        "operationId": f"get_{segment.replace('-', '_')}",
        "summary": f"A {noun} and its transfer to each connected package",
        "tags": ["records"],
        "parameters": [_param("source_id", "string", "the job system's id")],
        "responses": {"200": _json(out, f"The {noun}."), **_errors("401", "404"),
                      "400": _json(Error, "The address holds a NUL character.")},
    }}


_REFRESH = {"name": "refresh", "in": "query", "required": False, "schema": {"type": "boolean"},
            "description": "true: read the package's lists again first (the mapping page's "
                           "Refresh lists), e.g. after adding a code in the package"}


def _mapping_paths() -> dict[str, Any]:
    params = [_param("connection_id", "integer", "the connection's id"), _REFRESH]
    bad_refresh = _json(Error, "refresh is neither true nor false, or the address holds a "
                               "NUL character.")
    return {
        "get": {
            "operationId": "get_mapping",
            "summary": "Our chart, the package's lists, and the mapping between them",
            "description": "The package's lists are those last read; they are read from the "
                           "package first if they never were (as the mapping page does), or "
                           "when refresh=true. A disconnected connection is never read.",
            "tags": ["mapping"],
            "parameters": params,
            "responses": {"200": _json(MappingOut, "The mapping."), "400": bad_refresh,
                          **_errors("401", "404")},
        },
        "put": {
            "operationId": "set_mapping",
            "summary": "Set or clear mapping entries (partial, all or nothing)",
            "description": "Names only the entries to change: a code sets one, null clears "
                           "one (its records then wait); entries not named stay as they are. "
                           "Each code is checked as the mapping page checks it: it must be in "
                           "the package's list, active, and of the right kind. One bad entry "
                           "and nothing is saved. Records that waited on an entry now mapped "
                           "go with the next send (see released); no send is started.",
            "tags": ["mapping"],
            "parameters": params,
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": _ref(MappingIn)}}},
            "responses": {
                "200": _json(MappingSavedOut, "Saved: the mapping as it now stands."),
                "409": _json(Error, "The package's lists could not be read to check the "
                                    "codes against (never read and the package did not "
                                    "answer, or refresh=true failed); nothing was saved. "
                                    "error is lists_unavailable; message says why."),
                "422": {"description": "Nothing was saved: the body does not fit "
                                       "(invalid_request), or entries cannot be mapped as "
                                       "sent (invalid_mapping, each entry named with its "
                                       "reason).",
                        "content": {"application/json": {"schema": {"anyOf": [
                            _ref(InvalidRequest), _ref(InvalidMapping)]}}}},
                **_errors("400", "401", "404", "413"),
            },
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    _, defs = models_json_schema(
        [(m, "validation") for m in _INPUTS] + [(m, "serialization") for m in _OUTPUTS],
        ref_template=REF,
    )
    paths: dict[str, Any] = {}
    for segment, noun, body, out in _RECORDS:
        paths[f"/{segment}"] = _upsert(segment, noun, body, out)
        paths[f"/{segment}/{{source_id}}"] = _get(segment, noun, out)
    paths["/connections/{connection_id}/send"] = {"post": {
        "operationId": "send_data",
        "summary": "Start Send Data for a connection",
        "description": "Queues a run (or returns the one already queued or running).",
        "tags": ["sending"],
        "parameters": [_param("connection_id", "integer", "the connection's id")],
        "responses": {
            "202": _json(RunOut, "The run, queued or already in progress."),
            "409": _json(Error, "The connection is disconnected."),
            "503": _json(Error, "The job queue is not answering for a moment; nothing was "
                                "queued or lost. Try again after Retry-After seconds."),
            **_errors("401", "404"),
        },
    }}
    paths["/connections/{connection_id}/mapping"] = _mapping_paths()
    paths["/runs/{run_id}"] = {"get": {
        "operationId": "get_run",
        "summary": "Progress of a Send Data run",
        "tags": ["sending"],
        "parameters": [_param("run_id", "integer", "the run's id")],
        "responses": {"200": _json(RunOut, "The run."), **_errors("401", "404")},
    }}
    paths["/openapi.json"] = {"get": {
        "operationId": "openapi",
        "summary": "This document",
        "security": [],
        "tags": ["meta"],
        "responses": {"200": {"description": "The OpenAPI document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    }}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ledgerlink inbound API",
            "version": "1.0.0",
            "description": "How the job system sends customers, suppliers, invoices, credit "
                           "notes and payments to Ledgerlink, sets the mapping of our chart to "
                           "each package's codes, and starts sending them on to the "
                           "accounting packages. Authenticate with 'Authorization: Bearer <API "
                           "key>'.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "the company's API key"}},
        },
    }
