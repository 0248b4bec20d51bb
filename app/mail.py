"""Outgoing mail through SMTP (stdlib smtplib), configured by the SMTP_* settings.

With no SMTP_HOST (development) a mail is written to the log instead of sent, so `make run`
works with nothing configured and the reset links can be copied from the console.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

log = logging.getLogger(__name__)


class MailError(Exception):
    """The mail server could not be reached or refused the message; the text says which."""


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def render_mail(template: str, **context: object) -> str:
    """Render an email template without the page context processors (which need a signed-in
    request): mails are also rendered by jobs, where there is no request."""
    return current_app.jinja_env.get_template(template).render(**context)


def build_message(mail: Mail) -> EmailMessage:
    """A MIME message: plain text, plus an HTML alternative when there is one."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="ledgerlink")
    for name, value in mail.headers.items():
        msg[name] = value
    msg.set_content(mail.text)
    if mail.html is not None:
        msg.add_alternative(mail.html, subtype="html")
    return msg


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    try:
        smtp = smtplib.SMTP(cfg["SMTP_HOST"], int(cfg["SMTP_PORT"]),
                            timeout=float(cfg["SMTP_TIMEOUT_SECONDS"]))
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg["SMTP_USERNAME"]:
            smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(
            f"Could not reach the mail server {cfg['SMTP_HOST']}:{cfg['SMTP_PORT']}: {exc}"
        ) from exc
    return smtp


def send_mails(mails: Iterable[Mail]) -> list[str]:
    """Send each mail (one connection for all); returns the addresses the server refused.

    Raises MailError when the server cannot be reached at all, so callers that keep a
    watermark (the digest) do not move it past mail nobody received.
    """
    mails = list(mails)
    if not mails:
        return []
    if not current_app.config.get("SMTP_HOST"):
        for mail in mails:
            # The text part as written (not MIME-encoded), so links can be copied from the log.
            log.warning("SMTP_HOST is not set, so this mail was logged, not sent:\n"
                        "To: %s\nSubject: %s\n\n%s", mail.to, mail.subject, mail.text)
        return []
    refused: list[str] = []
    smtp = _connect()
    try:
        for mail in mails:
            try:
                smtp.send_message(build_message(mail))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                # One bad address must not stop the others from getting theirs.
                log.warning("mail to %s refused: %s", mail.to, exc)
                refused.append(mail.to)
            except (OSError, smtplib.SMTPException) as exc:
                raise MailError(f"The mail server stopped answering: {exc}") from exc
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return refused


def send_mail(mail: Mail) -> None:
    """Send one mail; MailError if it did not go."""
    if send_mails([mail]):
        raise MailError(f"The mail server refused the address {mail.to}.")
