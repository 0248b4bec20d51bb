"""Secrets the sandboxes must keep readable at rest (Xero's grace-period reply holds a token
pair), sealed with Fernet under a key derived from SANDBOX_SECRET_KEY, else SECRET_KEY."""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sandboxes.kit.config import setting


@lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    # A key of its own, derived: the sandboxes never hold the app's encryption keys.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"ledgerlink sandboxes: secrets at rest").derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _current() -> Fernet:
    secret = setting("SANDBOX_SECRET_KEY") or setting("SECRET_KEY")
    if not secret:
        raise RuntimeError("The sandboxes need SANDBOX_SECRET_KEY (or SECRET_KEY) to keep "
                           "secrets at rest.")
    return _fernet(secret)


def seal(text: str) -> str:
    return _current().encrypt(text.encode()).decode()


def unseal(sealed: str) -> str | None:
    """The text, or None when it was sealed under another key (the key changed): the caller
    treats it as gone."""
    try:
        return _current().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None
