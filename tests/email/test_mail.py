"""app/mail.py against a real SMTP server, and its development mode (no SMTP_HOST)."""

from __future__ import annotations

import logging

import pytest

from app.mail import Mail, MailError, send_mail, send_mails


def test_a_mail_has_both_parts_and_the_configured_sender(app, ctx, inbox):
    app.config["MAIL_FROM"], before = "Ledgerlink <alerts@example.test>", app.config["MAIL_FROM"]
    try:
        send_mail(Mail(to="someone@example.test", subject="Hello £", text="Plain · text",
                       html="<p>HTML · text</p>"))
    finally:
        app.config["MAIL_FROM"] = before
    [mail] = inbox.to("someone@example.test")
    assert mail.mail_from == "alerts@example.test"
    assert mail.subject == "Hello £"
    assert mail.text.strip() == "Plain · text" and "<p>HTML · text</p>" in mail.html


def test_without_smtp_host_mail_is_logged_not_sent(app, ctx, inbox):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("app.mail")
    logger.addHandler(handler)
    host, app.config["SMTP_HOST"] = app.config["SMTP_HOST"], ""
    try:
        link = "http://127.0.0.1/reset-password/abc.def"
        assert send_mails([Mail(to="dev@example.test", subject="Reset", text=f"Go: {link}")]) == []
    finally:
        app.config["SMTP_HOST"] = host
        logger.removeHandler(handler)
    assert inbox.messages == []
    [record] = records
    assert "not sent" in record.getMessage() and link in record.getMessage()


def test_an_unreachable_server_is_a_mail_error(app, ctx):
    from tests.email.smtp import _free_port

    saved = {k: app.config[k] for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port(), SMTP_STARTTLS=False)
    try:
        with pytest.raises(MailError, match="Could not reach the mail server"):
            send_mail(Mail(to="x@example.test", subject="s", text="t"))
    finally:
        app.config.update(saved)
