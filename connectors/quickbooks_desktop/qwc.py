"""The .qwc file a customer adds to their QuickBooks Web Connector (the QBWCXML document).

It tells the Web Connector where our SOAP service is, which Web Connector user it logs in as
and how often to run. It never carries the password: the customer types that into the Web
Connector, which sends it in `authenticate`. One Web Connector user per company (the caller's
rule, PACKAGES.md): the file is for one user and one company file (FileID).

The Web Connector refuses to add an application whose AppURL is not https, unless its host is
localhost (QBWC1051 / QBWC1048 in the field notes), and one whose AppSupport is on another
host: both are refused here first, naming the field, so the customer never sees those errors.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from lxml import etree

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
# unverified: the element order of Intuit's QBWC Programmer's Guide sample .qwc (AppName, AppID,
# AppURL, AppDescription, AppSupport, UserName, OwnerID, FileID, QBType, Scheduler,
# IsReadOnly), which public .qwc files follow; the specs folder has no schema for QBWCXML.
MAX_MINUTES = 60 * 24 * 366  # unverified: no documented upper bound; a year stops typos


def qwc_file(app_name: str, app_url: str, support_url: str, username: str,
             owner_id: uuid.UUID | str, file_id: uuid.UUID | str, run_every_minutes: int,
             description: str = "") -> bytes:
    """The QBWCXML document, UTF-8 with its declaration; ValueError names a refused field."""
    name = _required("AppName", app_name)
    user = _required("UserName", username)
    app_host = _url("AppURL", app_url)
    support_host = _url("AppSupport", support_url)
    if support_host != app_host:
        raise ValueError(f"AppSupport must be on the same host as AppURL ({app_host}), not "
                         f"{support_host} (the Web Connector refuses it)")
    if isinstance(run_every_minutes, bool) or not isinstance(run_every_minutes, int):
        raise ValueError(f"RunEveryNMinutes must be a whole number, not {run_every_minutes!r}")
    if not 1 <= run_every_minutes <= MAX_MINUTES:
        raise ValueError(f"RunEveryNMinutes must be between 1 and {MAX_MINUTES}, not "
                         f"{run_every_minutes}")
    root = etree.Element("QBWCXML")
    for tag, text in (
        ("AppName", name),
        ("AppID", ""),
        ("AppURL", app_url),
        ("AppDescription", description),
        ("AppSupport", support_url),
        ("UserName", user),
        ("OwnerID", guid("OwnerID", owner_id)),
        ("FileID", guid("FileID", file_id)),
        ("QBType", "QBFS"),
    ):
        _text(etree.SubElement(root, tag), tag, text)
    scheduler = etree.SubElement(root, "Scheduler")
    etree.SubElement(scheduler, "RunEveryNMinutes").text = str(run_every_minutes)
    etree.SubElement(root, "IsReadOnly").text = "false"  # we write invoices and payments
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def guid(field: str, value: uuid.UUID | str) -> str:
    """A GUID as the Web Connector writes it: braced, upper case ({XXXXXXXX-XXXX-...})."""
    try:
        parsed = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip())
    except ValueError:
        raise ValueError(f"{field} must be a GUID, not {value!r}") from None
    return "{" + str(parsed).upper() + "}"


def _required(field: str, value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} must not be empty")
    return value


def _url(field: str, url: str) -> str:
    """The URL's host once it passes the Web Connector's scheme rule."""
    parts = urlsplit(_required(field, url).strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"{field} must be an http(s) URL with a host, not {url!r}")
    if parts.username is not None or parts.password is not None:
        # A password in the URL would put one in the file.
        raise ValueError(f"{field} must not carry a user name or password")
    if parts.scheme != "https" and host not in LOCAL_HOSTS:
        raise ValueError(f"{field} must be https unless its host is localhost or 127.0.0.1, "
                         f"not {url!r} (the Web Connector refuses it: QBWC1051 / QBWC1048)")
    return host


def _text(element: etree._Element, field: str, text: str) -> None:
    try:
        element.text = text
    except ValueError as exc:
        raise ValueError(f"{field} cannot be written in XML ({exc})") from None
