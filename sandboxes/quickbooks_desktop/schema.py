"""Intuit's qbXML 13.0 schema, loaded once per process from the file the setting
QBD_SANDBOX_SCHEMA names (qbxmlops130.xsd, the root schema: it includes qbxml130.xsd,
qbxmltypes130.xsd and qbxmlso130.xsd). Without the setting requests are not validated.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree

from sandboxes.kit.config import setting

SETTING = "QBD_SANDBOX_SCHEMA"


@lru_cache(maxsize=4)
def load(path: str) -> etree.XMLSchema:
    """The schema at `path`, compiled once per process (it takes about a second)."""
    return etree.XMLSchema(etree.parse(path))


def configured() -> etree.XMLSchema | None:
    path = setting(SETTING)
    return load(path) if path else None


def problem(tree: etree._Element) -> str | None:
    """Why the document breaks the schema (the first error), or None when it is valid or no
    schema is configured."""
    schema = configured()
    if schema is None or schema.validate(tree):
        return None
    error = schema.error_log.last_error
    return f"line {error.line}: {error.message}" if error else "the document is not valid"
