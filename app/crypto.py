"""Encryption of tokens and credentials at rest (Fernet, from `cryptography`)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _derive(secret: str) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ledgerlink", info=b"tokens").derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(key)


def _fernet() -> MultiFernet:
    # ENCRYPTION_KEY may list several comma-separated keys: the first encrypts, all decrypt,
    # so keys can be rotated without losing stored tokens.
    configured = current_app.config.get("ENCRYPTION_KEY") or ""
    keys = [k.strip().encode() for k in configured.split(",") if k.strip()]
    if not keys:
        keys = [_derive(current_app.config["SECRET_KEY"])]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError(
            "stored credentials cannot be decrypted: ENCRYPTION_KEY (or SECRET_KEY) changed"
        ) from exc
