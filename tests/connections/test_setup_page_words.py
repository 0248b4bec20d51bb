"""A package set up on a page of ours (the Web Connector's .qwc download, the Sage 50 agent)
words the wizard's first step itself: the wizard names no package."""

from __future__ import annotations

from typing import ClassVar

from app.connections.wizard import auth_help, auth_label, steps_for
from connectors.capabilities import SetupPage
from connectors.xero import XeroConnector


class DesktopBooks(SetupPage, XeroConnector):
    key = "desktop_books"
    title = "Desktop Books"
    auth_kind = "web_connector"
    setup_endpoint: ClassVar[str] = "dashboard.index"
    setup_label: ClassVar[str] = "Set up the Books Connector for {title}"
    setup_help: ClassVar[str] = "Download the file the Books Connector reads."


class PlainDesktopBooks(DesktopBooks):
    setup_label: ClassVar[str] = ""
    setup_help: ClassVar[str] = ""


def test_a_setup_page_package_words_its_own_step() -> None:
    assert auth_label(DesktopBooks) == "Set up the Books Connector for Desktop Books"
    assert auth_help(DesktopBooks) == "Download the file the Books Connector reads."
    assert steps_for(DesktopBooks)[0].label == "Set up the Books Connector for Desktop Books"


def test_without_its_own_words_the_step_is_generic_and_names_no_other_package() -> None:
    assert auth_label(PlainDesktopBooks) == "Set up Desktop Books on your computer"
    words = auth_help(PlainDesktopBooks)
    assert words.startswith("Desktop Books runs on your own computer")
    assert "QuickBooks" not in words
    assert auth_label(XeroConnector) == "Sign in to Xero"
