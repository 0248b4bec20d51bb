"""The .qwc file (connectors/quickbooks_desktop/qwc.py): the QBWCXML elements in the order the
Web Connector's samples use, GUIDs braced, text escaped by lxml, no password anywhere, and the
URLs the Web Connector would refuse refused first, naming the field.
"""

from __future__ import annotations

import uuid

import pytest
from lxml import etree

from connectors.quickbooks_desktop.qwc import qwc_file

OWNER = uuid.UUID("57f3b9b1-86f1-4fcc-b1ee-566de1813d20")
FILE = "90a44fb5-33d9-4815-ac85-bc87a7e7d1eb"


def make(**changes: object) -> bytes:
    fields: dict[str, object] = dict(
        app_name="Ledgerlink – Hollis & Daughters", app_url="https://ll.example/qbwc/soap",
        support_url="https://ll.example/help/quickbooks-desktop", username="ll-hollis",
        owner_id=OWNER, file_id=FILE, run_every_minutes=15,
        description="Sends <invoices> & payments",
    )
    fields.update(changes)
    return qwc_file(**fields)  # type: ignore[arg-type]


def test_the_document_in_the_web_connector_s_order() -> None:
    document = make()
    assert document.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = etree.fromstring(document)
    assert root.tag == "QBWCXML"
    assert [c.tag for c in root] == ["AppName", "AppID", "AppURL", "AppDescription",
                                     "AppSupport", "UserName", "OwnerID", "FileID", "QBType",
                                     "Scheduler", "IsReadOnly"]
    values = {c.tag: c.text for c in root}
    assert values["AppName"] == "Ledgerlink – Hollis & Daughters"
    assert values["AppDescription"] == "Sends <invoices> & payments"
    assert b"&amp; payments" in document and b"&lt;invoices&gt;" in document
    assert values["OwnerID"] == "{57F3B9B1-86F1-4FCC-B1EE-566DE1813D20}"
    assert values["FileID"] == "{90A44FB5-33D9-4815-AC85-BC87A7E7D1EB}"
    assert values["QBType"] == "QBFS"
    assert values["IsReadOnly"] == "false"
    assert values["AppID"] is None
    assert [(c.tag, c.text) for c in root.find("Scheduler")] == [("RunEveryNMinutes", "15")]


def test_no_password_is_written() -> None:
    root = etree.fromstring(make())
    assert not [e for e in root.iter() if "pass" in e.tag.lower()]
    with pytest.raises(ValueError, match="AppURL must not carry a user name or password") as e:
        make(app_url="https://ll-hollis:s3cret@ll.example/qbwc/soap")
    assert "s3cret" not in str(e.value)


@pytest.mark.parametrize("url", ["http://localhost:5000/qbwc", "http://127.0.0.1/qbwc",
                                 "https://LL.example/qbwc"])
def test_https_or_localhost_is_accepted(url: str) -> None:
    host = url.split("/")[2].split(":")[0]
    root = etree.fromstring(make(app_url=url, support_url=f"{url.split(':')[0]}://{host}/help"))
    assert root.findtext("AppURL") == url


@pytest.mark.parametrize(("changes", "words"), [
    ({"app_url": "http://ll.example/qbwc"}, "AppURL must be https unless its host is localhost"),
    ({"app_url": "http://192.168.1.5/qbwc"}, "QBWC1051"),
    ({"app_url": "ll.example/qbwc"}, "AppURL must be an http(s) URL"),
    ({"app_url": "ftp://ll.example/qbwc"}, "AppURL must be an http(s) URL"),
    ({"support_url": "https://other.example/help"}, "AppSupport must be on the same host"),
    ({"support_url": "http://ll.example/help"}, "AppSupport must be https"),
    ({"app_name": "  "}, "AppName must not be empty"),
    ({"username": ""}, "UserName must not be empty"),
    ({"owner_id": "not-a-guid"}, "OwnerID must be a GUID"),
    ({"file_id": ""}, "FileID must be a GUID"),
    ({"run_every_minutes": 0}, "RunEveryNMinutes must be between 1"),
    ({"run_every_minutes": "15"}, "RunEveryNMinutes must be a whole number"),
    ({"app_name": "bell\x07"}, "AppName cannot be written in XML"),
])
def test_what_the_web_connector_would_refuse_is_refused(changes: dict[str, object],
                                                        words: str) -> None:
    with pytest.raises(ValueError) as refused:
        make(**changes)
    assert words in str(refused.value)
