"""Email tests: a real SMTP server (aiosmtpd) receives what the app sends, and the tests read
the MIME messages that arrived."""
