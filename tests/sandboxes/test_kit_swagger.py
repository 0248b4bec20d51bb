"""The kit's Swagger 2.0 request-body checker (sandboxes/kit/swagger.py) on a small spec of its
own: $ref and allOf, types, required, enum, formats, closed objects, paths and operations."""

from __future__ import annotations

import json

import pytest

from sandboxes.kit.swagger import Violation, request_violations, violations

SPEC = {
    "swagger": "2.0",
    "basePath": "/v9",
    "parameters": {"ThingBody": {"in": "body", "name": "Thing", "required": True,
                                 "schema": {"$ref": "#/definitions/postThing"}}},
    "paths": {
        "/things": {
            "get": {"parameters": [{"in": "query", "name": "page", "type": "integer"}]},
            "post": {"parameters": [{"$ref": "#/parameters/ThingBody"}]},
        },
        "/things/{key}": {
            "put": {"parameters": [{"in": "path", "name": "key", "type": "string"},
                                   {"in": "body", "name": "Thing", "required": False,
                                    "schema": {"$ref": "#/definitions/postThing"}}]},
        },
        "/things/special": {"post": {"parameters": []}},
    },
    "definitions": {
        "postThing": {"type": "object", "required": ["thing"], "properties": {
            "thing": {"allOf": [{"$ref": "#/definitions/named"}, {
                "type": "object", "required": ["when"], "properties": {
                    "when": {"type": "string", "format": "date"},
                    "at": {"type": "string", "format": "date-time"},
                    "kind": {"type": "string", "enum": ["A", "B"]},
                    "count": {"type": "integer", "format": "int32"},
                    "price": {"type": "number", "format": "double"},
                    "paid": {"type": "boolean"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "lines": {"type": "array", "items": {"$ref": "#/definitions/line"}},
                    "extra": {"type": "object"},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "note": {"type": "string", "x-nullable": True},
                }}]},
        }},
        "named": {"type": "object", "required": ["name"],
                  "properties": {"name": {"type": "string"}}},
        "line": {"type": "object", "required": ["amount"],
                 "properties": {"amount": {"type": "number"}, "text": {"type": "string"}}},
    },
}


@pytest.fixture
def spec(tmp_path) -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "swagger.json"
    path.write_text(json.dumps(SPEC))
    return str(path)


def _thing(**fields: object) -> dict:
    return {"thing": {"name": "Widget", "when": "2024-05-01"} | fields}


def test_a_body_that_matches_has_no_violations(spec: str) -> None:
    body = _thing(at="2024-05-01T10:00:00Z", kind="A", count=3, price=9.99, paid=False,
                  tags=["x"], lines=[{"amount": 1, "text": "t"}], extra={"free": [1]},
                  labels={"a": "b"}, note=None)
    assert request_violations(spec, "POST", "/things", body) == []
    assert request_violations(spec, "post", "/v9/things", body) == []  # with the basePath
    assert request_violations(spec, "PUT", "/v9/things/abc123", body) == []
    assert request_violations(spec, "PUT", "/things/abc123", None) == []  # body not required


def test_required_through_ref_and_allof(spec: str) -> None:
    assert request_violations(spec, "POST", "/things", {}) == ["thing: is required"]
    assert request_violations(spec, "POST", "/things", {"thing": {}}) == [
        "thing.name: is required", "thing.when: is required"]
    assert request_violations(spec, "POST", "/things", None) == ["(body): is required"]


def test_types_name_the_field(spec: str) -> None:
    found = request_violations(spec, "POST", "/things", _thing(
        count="3", price="9.99", paid=1, tags="x", lines=[{"amount": True}], name=5))
    assert found == [
        "thing.count: must be an integer", "thing.lines[0].amount: must be a number",
        "thing.name: must be a string", "thing.paid: must be a boolean",
        "thing.price: must be a number", "thing.tags: must be an array"]
    assert request_violations(spec, "POST", "/things", _thing(count=2.0, price=3)) == []
    assert request_violations(spec, "POST", "/things", _thing(name=None)) == [
        "thing.name: must be a string"]  # null only where the spec says x-nullable
    assert request_violations(spec, "POST", "/things", []) == ["(body): must be an object"]


def test_enum_and_formats(spec: str) -> None:
    assert request_violations(spec, "POST", "/things", _thing(kind="C")) == [
        "thing.kind: must be one of A, B"]
    for bad in ("01/05/2024", "2024-02-30", "2024-5-1"):
        assert request_violations(spec, "POST", "/things", _thing(when=bad)) == [
            "thing.when: must be a date (YYYY-MM-DD)"], bad
    assert request_violations(spec, "POST", "/things", _thing(at="yesterday")) == [
        "thing.at: must be a date and time (YYYY-MM-DDThh:mm:ss)"]
    assert request_violations(spec, "POST", "/things", _thing(count=2**31)) == [
        "thing.count: must be a 32-bit integer"]


def test_every_object_is_closed_unless_it_says_otherwise(spec: str) -> None:
    found = violations(spec, "POST", "/things", {"thing": {
        "name": "W", "when": "2024-05-01", "colour": "red", "lines": [{"amount": 1, "x": 2}],
        "labels": {"ok": "fine", "bad": 3}, "extra": {"anything": {"goes": True}}}, "top": 1})
    assert [str(v) for v in found] == [
        "thing.colour: is not a recognised attribute",
        "thing.labels.bad: must be a string",
        "thing.lines[0].x: is not a recognised attribute",
        "top: is not a recognised attribute"]
    assert found[0] == Violation(("thing", "colour"), "unknown")
    assert found[2].path == ("thing", "lines", 0, "x")


def test_paths_and_operations(spec: str) -> None:
    assert request_violations(spec, "POST", "/nothing", {}) == [
        "(body): /nothing: no such path in the spec"]
    assert request_violations(spec, "DELETE", "/things", None) == [
        "(body): /things: the spec has no DELETE here"]
    assert request_violations(spec, "GET", "/things?page=2", None) == []
    assert request_violations(spec, "GET", "/things", {"x": 1}) == [
        "(body): /things: this operation takes no request body"]
    # A literal path wins over a template that also matches it.
    assert request_violations(spec, "POST", "/things/special", None) == []


def test_an_openapi_3_document_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps({"openapi": "3.0.0", "paths": {}}))
    with pytest.raises(ValueError, match="OpenAPI 3.0.0: use sandboxes/kit/openapi.py"):
        request_violations(str(path), "POST", "/x", {})
