"""Check a JSON request body against the body parameter of a Swagger 2.0 operation.

The OpenAPI 3 checker (openapi.py) leans on jsonschema; a Swagger 2.0 document is walked here
instead, because the packages that publish one refuse more than their schemas say: every object
schema is treated as closed (an undeclared property is refused, as those sandboxes do), unless it
declares `additionalProperties` or no `properties` at all (a free-form object). What is checked:
`$ref` (to `#/definitions/...` and `#/parameters/...`), `allOf`, types, `required`, `enum`, and
the formats date, date-time, int32 and int64.

Each problem is a `Violation` with the path of the value inside the body, so a sandbox can word
it in its package's envelope; `request_violations` gives them as text, like openapi.py.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

import yaml

_METHODS = {"get", "put", "post", "patch", "delete"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT_RANGES = {"int32": 2**31, "int64": 2**63}
_ARTICLE = {"integer": "an integer", "array": "an array", "object": "an object"}
MAX_DEPTH = 64  # a $ref cycle in a broken spec stops here rather than exhausting the stack
_lock = threading.Lock()

Problem = Literal["unknown", "required", "type", "enum", "format", "body"]
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Violation:
    """One way a body breaks the spec: where (keys and list indexes from the body's root), what
    kind of problem, and what the spec expected there (a type, format or the allowed values)."""

    path: Path
    problem: Problem
    expected: str = ""

    @property
    def where(self) -> str:
        """`sales.lines[0].price` style, "(body)" for the root."""
        text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path)
        return text.lstrip(".") or "(body)"

    @property
    def words(self) -> str:
        if self.problem == "unknown":
            return "is not a recognised attribute"
        if self.problem == "required":
            return "is required"
        if self.problem == "type":
            return f"must be {_ARTICLE.get(self.expected, 'a ' + self.expected)}"
        if self.problem == "enum":
            return f"must be one of {self.expected}"
        if self.problem == "format":
            return f"must be a {self.expected}"
        return self.expected

    def __str__(self) -> str:
        return f"{self.where}: {self.words}"


@dataclass
class _Spec:
    document: dict[str, Any]
    base_path: str
    # (template, regex matching concrete paths, number of literal characters), most literal first
    paths: list[tuple[str, re.Pattern[str], int]] = field(default_factory=list)


def _load(spec_path: str) -> dict[str, Any]:
    with open(spec_path, encoding="utf-8") as fh:
        if spec_path.endswith(".json"):
            return json.load(fh)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(fh, Loader=loader)  # noqa: S506 (a safe loader, C or pure Python)


@lru_cache(maxsize=8)
def _spec(spec_path: str) -> _Spec:
    with _lock:
        document = _load(spec_path)
    if not isinstance(document, dict) or str(document.get("swagger", "")) != "2.0":
        found = document.get("openapi") if isinstance(document, dict) else None
        raise ValueError(f"{spec_path} is not a Swagger 2.0 document"
                         + (f" (it is OpenAPI {found}: use sandboxes/kit/openapi.py)"
                            if found else ""))
    spec = _Spec(document, str(document.get("basePath") or "").rstrip("/"))
    for template in document.get("paths", {}):
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "/?$"
        literal = len(re.sub(r"\{[^/]+?\}", "", template))
        spec.paths.append((template, re.compile(pattern), literal))
    spec.paths.sort(key=lambda item: -item[2])
    return spec


def load_spec(spec_path: str) -> dict[str, Any]:
    """The parsed document (cached): warm it up at start so the first request is fast."""
    return _spec(spec_path).document


def _template(spec: _Spec, path: str) -> str | None:
    path = path.split("?", 1)[0]
    if spec.base_path and path.startswith(spec.base_path + "/"):
        path = path[len(spec.base_path):]
    if path in spec.document["paths"]:
        return path
    return next((t for t, regex, _n in spec.paths if regex.match(path)), None)


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref`s to a local node."""
    for _ in range(MAX_DEPTH):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not ref:
            return node
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported, not {ref}")
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    raise ValueError("$ref chain too long (a cycle?)")


def _flatten(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """One schema with its `$ref` followed and its `allOf` parts merged (properties and
    required lists joined), so that closure sees every property any part declares."""
    schema = _resolve(document, schema)
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    properties = dict(merged.get("properties", {}))
    required = list(merged.get("required", []))
    for part in schema["allOf"]:
        flat = _flatten(document, part)
        properties.update(flat.get("properties", {}))
        required += flat.get("required", [])
        for key, value in flat.items():
            merged.setdefault(key, value)
    if properties:
        merged["properties"] = properties
        merged.setdefault("type", "object")
    merged["required"] = required
    return merged


def _type_ok(kind: str, value: Any) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return True  # "file" or a type the checker does not know: not ours to refuse


def _format_problem(fmt: str, value: Any) -> str | None:
    """The words for a value that breaks its format, or None."""
    if fmt == "date" and isinstance(value, str):
        try:
            if _DATE.match(value) and date.fromisoformat(value):
                return None
        except ValueError:
            pass
        return "date (YYYY-MM-DD)"
    if fmt == "date-time" and isinstance(value, str):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return None
        except ValueError:
            return "date and time (YYYY-MM-DDThh:mm:ss)"
    if fmt in _INT_RANGES and isinstance(value, int | float) and not isinstance(value, bool):
        limit = _INT_RANGES[fmt]
        return None if -limit <= value < limit else f"{fmt[3:]}-bit integer"
    return None


def _check(document: dict[str, Any], schema: dict[str, Any], value: Any, path: Path,
           found: list[Violation], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        return
    schema = _flatten(document, schema)
    if value is None:
        if not schema.get("x-nullable") and schema.get("type"):
            found.append(Violation(path, "type", str(schema["type"])))
        return
    kind = schema.get("type") or ("object" if "properties" in schema else "")
    if kind and not _type_ok(kind, value):
        found.append(Violation(path, "type", kind))
        return
    if "enum" in schema and value not in schema["enum"]:
        found.append(Violation(path, "enum", ", ".join(str(v) for v in schema["enum"])))
        return
    if "format" in schema:
        problem = _format_problem(str(schema["format"]), value)
        if problem:
            found.append(Violation(path, "format", problem))
            return
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            _check(document, schema["items"], item, (*path, index), found, depth + 1)
    if isinstance(value, dict):
        _check_object(document, schema, value, path, found, depth)


def _check_object(document: dict[str, Any], schema: dict[str, Any], value: dict[str, Any],
                  path: Path, found: list[Violation], depth: int) -> None:
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    for name in schema.get("required", []):
        if name not in value:
            found.append(Violation((*path, name), "required"))
    for name, item in value.items():
        if properties is not None and name in properties:
            _check(document, properties[name], item, (*path, name), found, depth + 1)
        elif isinstance(extra, dict):
            _check(document, extra, item, (*path, name), found, depth + 1)
        elif properties is not None and extra is not True:
            found.append(Violation((*path, name), "unknown"))


def _body_parameter(document: dict[str, Any], template: str,
                    method: str) -> dict[str, Any] | None:
    item = document["paths"][template]
    params = [*item.get("parameters", []), *item[method].get("parameters", [])]
    for param in params:
        param = _resolve(document, param)
        if param.get("in") == "body":
            return param
    return None


def violations(spec_path: str, method: str, path: str, body: Any) -> list[Violation]:
    """Every way `body` breaks the body parameter of `method path` in the spec.

    `path` may be a template ("/things/{key}") or a concrete path, with or without the spec's
    basePath. An operation the spec lacks, or one that takes no body while one was sent, is a
    violation of the body as a whole (path ())."""
    method = method.lower()
    if method not in _METHODS:
        return [Violation((), "body", f"{path}: unsupported method {method.upper()}")]
    spec = _spec(spec_path)
    template = _template(spec, path)
    if template is None:
        return [Violation((), "body", f"{path}: no such path in the spec")]
    if method not in spec.document["paths"][template]:
        return [Violation((), "body", f"{template}: the spec has no {method.upper()} here")]
    param = _body_parameter(spec.document, template, method)
    if param is None:
        return [] if body is None else [
            Violation((), "body", f"{template}: this operation takes no request body")]
    if body is None:
        return [Violation((), "required")] if param.get("required") else []
    found: list[Violation] = []
    _check(spec.document, param.get("schema", {}), body, (), found)
    return sorted(found, key=lambda v: [str(p) for p in v.path])


def request_violations(spec_path: str, method: str, path: str, body: Any) -> list[str]:
    """The same, as text ("contact.name: is required"), like openapi.request_violations."""
    return [str(v) for v in violations(spec_path, method, path, body)]
