"""Checks QuickBooks Online JSON against the element names of Intuit's XSD (Finance.xsd and the
files it includes), the way QBO's JSON mirrors its XML: each complex type's child elements and
attributes are the allowed keys; a simpleContent type (ReferenceType) takes its text as "value".

Used by the sandbox when QBO_SANDBOX_XSD names Finance.xsd, and by tests to check every object a
client sends: `violations("/path/Finance.xsd", "Invoice", body)` lists each key that is not an
element or attribute of its type, and each required element (minOccurs >= 1, not nillable,
outside any xs:choice) that is missing. Types are not checked beyond object/value shape.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"


@dataclass
class Field:
    type_key: str | None  # a named type, "#<n>" for an anonymous one, None for a simple one
    many: bool
    required: bool


@dataclass
class TypeInfo:
    name: str
    simple: bool = False
    simple_content: bool = False
    fields: dict[str, Field] = field(default_factory=dict)


def _local(qname: str | None) -> str:
    return (qname or "").split(":")[-1]


def _is_builtin(qname: str | None) -> bool:
    return (qname or "").startswith("xs:")


class Schema:
    """The complex types of an XSD and the files it includes, indexed by name."""

    def __init__(self, path: str) -> None:
        self.complex: dict[str, Any] = {}
        self.simple: set[str] = set()
        self.groups: dict[str, Any] = {}
        self.attribute_groups: dict[str, Any] = {}
        self.elements: dict[str, Any] = {}
        self.anonymous: dict[str, Any] = {}
        self._infos: dict[str, TypeInfo] = {}
        self._load(os.path.abspath(path), set())

    def _load(self, path: str, seen: set[str]) -> None:
        if path in seen:
            return
        seen.add(path)
        root = etree.parse(path).getroot()  # noqa: S320 (a local spec file we ship with)
        for child in root:
            tag, name = child.tag, child.get("name")
            if tag == f"{XS}include":
                self._load(os.path.join(os.path.dirname(path), child.get("schemaLocation")),
                           seen)
            elif tag == f"{XS}complexType":
                self.complex[name] = child
            elif tag == f"{XS}simpleType":
                self.simple.add(name)
            elif tag == f"{XS}group":
                self.groups[name] = child
            elif tag == f"{XS}attributeGroup":
                self.attribute_groups[name] = child
            elif tag == f"{XS}element":
                self.elements[name] = child

    # ------------------------------------------------------------ type structure

    def info(self, key: str) -> TypeInfo:
        if key not in self._infos:
            node = self.anonymous.get(key) if key.startswith("#") else self.complex.get(key)
            if node is None:
                self._infos[key] = TypeInfo(key, simple=True)
            else:
                info = TypeInfo(key)
                self._infos[key] = info  # placed first: recursive types refer back to it
                self._collect(node, info, required=True)
        return self._infos[key]

    def _collect(self, node: Any, info: TypeInfo, required: bool) -> None:
        for child in node:
            tag = child.tag
            if tag in (f"{XS}sequence", f"{XS}all"):
                self._collect(child, info, required and child.get("minOccurs", "1") != "0")
            elif tag == f"{XS}choice":
                self._collect(child, info, required=False)
            elif tag in (f"{XS}complexContent", f"{XS}simpleContent"):
                if tag == f"{XS}simpleContent":
                    info.simple_content = True
                self._collect(child, info, required)
            elif tag in (f"{XS}extension", f"{XS}restriction"):
                base = child.get("base")
                if tag == f"{XS}extension" and base and not _is_builtin(base):
                    parent = self.info(_local(base))
                    info.fields.update(parent.fields)
                    info.simple_content |= parent.simple_content or parent.simple
                self._collect(child, info, required)
            elif tag == f"{XS}group" and child.get("ref"):
                group = self.groups.get(_local(child.get("ref")))
                if group is not None:
                    self._collect(group, info, required and child.get("minOccurs", "1") != "0")
            elif tag == f"{XS}attributeGroup" and child.get("ref"):
                group = self.attribute_groups.get(_local(child.get("ref")))
                if group is not None:
                    self._collect(group, info, required=False)
            elif tag == f"{XS}attribute" and child.get("name"):
                info.fields[child.get("name")] = Field(None, False, False)
            elif tag == f"{XS}element":
                self._element(child, info, required)

    def _element(self, node: Any, info: TypeInfo, required: bool) -> None:
        many = node.get("maxOccurs", "1") != "1"
        needed = (required and node.get("minOccurs", "1") != "0"
                  and node.get("nillable") != "true")
        ref = node.get("ref")
        if ref:
            target = self.elements.get(_local(ref))
            if target is None:
                return
            if target.get("abstract") == "true":  # any member of its substitution group
                for name, member in self.elements.items():
                    if _local(member.get("substitutionGroup")) == _local(ref):
                        info.fields[name] = Field(self._type_of(member), many, False)
                return
            info.fields[_local(ref)] = Field(self._type_of(target), many, needed)
            return
        info.fields[node.get("name")] = Field(self._type_of(node), many, needed)

    def _type_of(self, node: Any) -> str | None:
        declared = node.get("type")
        if declared:
            return None if _is_builtin(declared) or _local(declared) in self.simple \
                else _local(declared)
        inline = node.find(f"{XS}complexType")
        if inline is None:
            return None
        key = f"#{len(self.anonymous)}"
        self.anonymous[key] = inline
        return key

    # ------------------------------------------------------------ checking

    def check(self, type_name: str, value: Any, path: str = "",
              require: bool = True) -> list[str]:
        problems: list[str] = []
        self._check(type_name, value, path or type_name, problems, require)
        return problems

    def _check(self, key: str | None, value: Any, path: str, out: list[str],
               require: bool) -> None:
        info = self.info(key) if key else None
        if info is None or info.simple:
            if isinstance(value, (dict, list)):
                out.append(f"{path}: a single value is expected here")
            return
        if not isinstance(value, dict):
            if not info.simple_content:
                out.append(f"{path}: an object is expected here")
            return
        sparse = value.get("sparse") is True
        for name, item in value.items():
            spec = info.fields.get(name)
            if spec is None:
                if not (name == "value" and info.simple_content):
                    out.append(f"{path}.{name}: not an element of {_display(info.name)}")
                continue
            items = item if isinstance(item, list) else [item]
            if isinstance(item, list) and not spec.many:
                out.append(f"{path}.{name}: only one is allowed, not a list")
            for index, element in enumerate(items):
                where = f"{path}.{name}[{index}]" if isinstance(item, list) else f"{path}.{name}"
                self._check(spec.type_key, element, where, out, require)
        if require and not sparse:
            for name, spec in info.fields.items():
                if spec.required and name not in value:
                    out.append(f"{path}.{name}: is required by {_display(info.name)}")


def _display(key: str) -> str:
    return "an inline type" if key.startswith("#") else key


@lru_cache(maxsize=4)
def load(path: str) -> Schema:
    return Schema(path)


def violations(path: str, type_name: str, value: Any, where: str = "",
               require: bool = True) -> list[str]:
    """Every key of `value` that `type_name` in the XSD at `path` does not define."""
    return load(path).check(type_name, value, where, require)
