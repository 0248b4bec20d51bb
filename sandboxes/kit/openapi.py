"""Check a JSON request body against the requestBody schema of an OpenAPI 3.0 operation.

Used by the package sandboxes (and tests) so that every request our connectors send is proven
to match the package's official spec. The spec is parsed once per process and per file: Xero's
is close to 1 MB of YAML, so it is read with libyaml and cached.

OpenAPI 3 only: a Swagger 2.0 document (Sage Accounting's) is checked by sandboxes/kit/swagger.py.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator

_METHODS = {"get", "put", "post", "patch", "delete"}
_lock = threading.Lock()


@dataclass
class _Spec:
    document: dict[str, Any]
    # (literal path, regex matching concrete paths, number of literal characters) per path
    paths: list[tuple[str, re.Pattern[str], int]] = field(default_factory=list)
    validators: dict[tuple[str, str], OAS30Validator | None] = field(default_factory=dict)


def _load_yaml(path: str) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)  # noqa: S506 (a safe loader, C or pure Python)


@lru_cache(maxsize=8)
def _spec(spec_path: str) -> _Spec:
    document = _load_yaml(spec_path)
    version = str(document.get("openapi", "")) if isinstance(document, dict) else ""
    if not version.startswith("3."):
        found = document.get("swagger") if isinstance(document, dict) else None
        raise ValueError(f"{spec_path} is not an OpenAPI 3 document"
                         + (f" (it is Swagger {found}: use sandboxes/kit/swagger.py)"
                            if found else ""))
    spec = _Spec(document=document)
    for template in document.get("paths", {}):
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "/?$"
        literal = len(re.sub(r"\{[^/]+?\}", "", template))
        spec.paths.append((template, re.compile(pattern, re.IGNORECASE), literal))
    # The most literal template wins (/Contacts/{ContactID}/History before /Contacts/{ContactID}).
    spec.paths.sort(key=lambda item: -item[2])
    return spec


def load_spec(spec_path: str) -> dict[str, Any]:
    """The parsed spec document (cached): warm it up at start so the first request is fast."""
    return _spec(spec_path).document


def _server_prefixes(document: dict[str, Any]) -> list[str]:
    prefixes = []
    for server in document.get("servers", []):
        url = server.get("url", "")
        path = re.sub(r"^[a-z]+://[^/]+", "", url).rstrip("/")
        if path:
            prefixes.append(path)
    return prefixes


def _match_template(spec: _Spec, path: str, method: str) -> str | None:
    paths = spec.document.get("paths", {})
    if path not in paths:
        for prefix in _server_prefixes(spec.document):
            if path.lower().startswith(prefix.lower()):
                path = path[len(prefix):] or "/"
                break
    if path in paths:
        return path
    # /Contacts/{ContactNumber} and /Contacts/{ContactID} look alike: prefer one with the method.
    matches = [template for template, regex, _literal in spec.paths if regex.match(path)]
    with_method = [template for template in matches if method in paths[template]]
    return (with_method or matches or [None])[0]


def _request_schema(operation: dict[str, Any], document: dict[str, Any]) -> dict[str, Any] | None:
    body = operation.get("requestBody")
    if body is None:
        return None
    if "$ref" in body:
        name = body["$ref"].rsplit("/", 1)[-1]
        body = document["components"]["requestBodies"][name]
    content = body.get("content", {})
    media = content.get("application/json") or next(iter(content.values()), None)
    return media.get("schema") if media else None


def _validator(spec: _Spec, template: str, method: str) -> OAS30Validator | None:
    key = (template, method)
    with _lock:
        if key in spec.validators:
            return spec.validators[key]
        operation = spec.document["paths"][template].get(method)
        schema = _request_schema(operation, spec.document) if operation else None
        validator = None
        if schema is not None:
            # Refs in the spec point at "#/components/...": carry the components along so
            # they resolve against this root. allOf because OAS 3.0 ignores $ref siblings.
            root = {"allOf": [schema], "components": spec.document.get("components", {})}
            validator = OAS30Validator(root)
        spec.validators[key] = validator
        return validator


def _where(error: ValidationError) -> str:
    parts = []
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts).lstrip(".") or "(body)"


def request_violations(spec_path: str, method: str, path: str, body: Any) -> list[str]:
    """Every way `body` breaks the spec's requestBody schema for `method path`.

    `path` may be a template ("/Contacts/{ContactID}") or a concrete path, with or without the
    server's base path ("/api.xro/2.0"). An operation that the spec does not have, or that takes
    no body while one was sent, is itself a violation. Unknown `x-` keywords are ignored.
    """
    method = method.lower()
    if method not in _METHODS:
        return [f"{path}: unsupported method {method.upper()}"]
    spec = _spec(spec_path)
    template = _match_template(spec, path, method)
    if template is None:
        return [f"{path}: no such path in the spec"]
    if method not in spec.document["paths"][template]:
        return [f"{template}: the spec has no {method.upper()} operation here"]
    validator = _validator(spec, template, method)
    if validator is None:
        return [] if body is None else [f"{template}: this operation takes no request body"]
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"{_where(e)}: {e.message}" for e in errors]
